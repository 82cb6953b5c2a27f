//! End-to-end tests of the durable jobs in the real `dist-btrfs serve` binary, on the
//! lab Postgres (a fresh database per test) and the lab primary (a directory per test):
//! - `kill -9` of `serve` in the middle of a snapshot job and of a prune job (landed
//!   there with the test-only pause points of `engine::test_pause`), restart, and the
//!   work is finished exactly once (snapshots on disk and events counted);
//! - two `serve` processes on one database for a few slots: no slot done twice, and
//!   a change made through one reaches the other's live event stream;
//! - a replication left queued without a job (a `serve` died before enqueueing it) is
//!   enqueued at start, and one requested with `POST /replications` is enqueued: each
//!   runs as a `ReplicateJob`, once.
//!
//! Policies run every minute; the scheduler ticks every second here
//! (`DIST_BTRFS_SCHEDULER_TICK_SECS=1`), workers beat every second so a killed one's
//! jobs are re-enqueued within seconds. Waits have generous deadlines; nothing asserts
//! a duration.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use btrfs::LocalHost;
use domain::replication::TargetOptions;
use domain::{ServerPath, SubvolumeId};
use engine::subvolumes::ManageRequest;
use engine::{Engine, HostRegistry};
use store::EventStore;
use testkit::db::Database;
use testkit::{meta, sh};

const BIN: &str = env!("CARGO_BIN_EXE_dist-btrfs");
const DEADLINE: Duration = Duration::from_secs(240);

/// The test's area on the lab primary (the primary's only allowed root) and a temporary
/// directory for the `serve` processes' state.
pub(crate) struct Area {
    area: testkit::Area,
    pub(crate) tmp: tempfile::TempDir,
}

impl Area {
    pub(crate) fn new() -> Self {
        Self {
            area: testkit::Area::new(),
            tmp: tempfile::tempdir().unwrap(),
        }
    }

    /// Snapshot names on disk, as `btrfs subvolume list` sees them in our directory.
    fn snaps_on_disk(&self) -> BTreeSet<String> {
        self.area.snaps_listed()
    }
}

impl std::ops::Deref for Area {
    type Target = testkit::Area;
    fn deref(&self) -> &testkit::Area {
        &self.area
    }
}

/// Migrates, registers the local primary with the area as its root, manages the
/// area's subvolume and assigns it an every-minute policy keeping `keep_last`.
pub(crate) async fn prepare(db: &Database, area: &Area, keep_last: u32) -> (Engine, SubvolumeId) {
    store::db::migrate(&db.pool).await.unwrap();
    let events = EventStore::new(db.pool.clone());
    let roots = [ServerPath::parse(&area.dir).unwrap()];
    let server = engine::local_primary::ensure_local_primary(&events, &roots, &meta())
        .await
        .unwrap()
        .unwrap();
    let engine = Engine::new(
        events,
        Arc::new(HostRegistry::new().with_local(Arc::new(LocalHost::new()))),
    );
    let sv = engine
        .manage_subvolume(
            &ManageRequest {
                server_id: server,
                path: area.vol.clone(),
                snapshot_dir: area.snaps.clone(),
                name: None,
            },
            &meta(),
        )
        .await
        .unwrap()
        .subvolume_id;
    let policy = engine
        .create_policy(
            domain::PolicySpec {
                name: "every-minute".into(),
                schedule: domain::ScheduleSpec {
                    cron: "* * * * *".into(),
                    time_zone: "UTC".into(),
                },
                retention: domain::RetentionSpec {
                    keep_last,
                    min_age: None,
                    hourly: 0,
                    daily: 0,
                    weekly: 0,
                    monthly: 0,
                    yearly: 0,
                    time_zone: "UTC".into(),
                },
                target_retention: None,
                replicate_after_snapshot: false,
            },
            &meta(),
        )
        .await
        .unwrap()
        .policy_id;
    engine.assign_policy(sv, policy, &meta()).await.unwrap();
    (engine, sv)
}

/// A running `serve` on the test's database.
pub(crate) struct Serve {
    child: Option<Child>,
    /// `http://127.0.0.1:<port>/api/v1`
    pub(crate) base: String,
}

impl Serve {
    pub(crate) fn start(db: &Database, area: &Area, state: &str, pause_at: Option<&str>) -> Self {
        Self::start_with(db, area, state, pause_at, &[])
    }

    /// `start` with more environment (set last, so it wins).
    pub(crate) fn start_with(
        db: &Database,
        area: &Area,
        state: &str,
        pause_at: Option<&str>,
        env: &[(&str, &str)],
    ) -> Self {
        let state_dir = area.tmp.path().join(state);
        std::fs::create_dir_all(&state_dir).unwrap();
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(area.tmp.path().join(format!("{state}.log")))
            .unwrap();
        let mut cmd = Command::new(BIN);
        cmd.args(["serve", "--listen", "127.0.0.1:0", "--state-dir"])
            .arg(&state_dir)
            .env_remove("OTEL_EXPORTER_OTLP_ENDPOINT")
            .env_remove("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
            .env_remove("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT")
            .env("DATABASE_URL", &db.url)
            // One master key for every process on this database.
            .env(
                "DIST_BTRFS_MASTER_KEY_FILE",
                area.tmp.path().join("master.key"),
            )
            .env("DIST_BTRFS_ADMIN_PASSWORD", "jobs-e2e-admin-password")
            .env("DIST_BTRFS_PRIMARY_ROOTS", &area.dir)
            .env("DIST_BTRFS_SCHEDULER_TICK_SECS", "1")
            .env("DIST_BTRFS_JOB_POLL_SECS", "1")
            .env("DIST_BTRFS_JOB_HEARTBEAT_SECS", "1")
            .env("DIST_BTRFS_JOB_BACKOFF_SECS", "1")
            .env("DIST_BTRFS_SYNC_INTERVAL_SECS", "0")
            .env("DIST_BTRFS_LOG", "info")
            .env_remove("DIST_BTRFS_TEST_PAUSE_AT")
            .stdout(Stdio::piped())
            .stderr(log);
        cmd.envs(env.iter().copied());
        if let Some(point) = pause_at {
            cmd.env("DIST_BTRFS_TEST_PAUSE_AT", point)
                .env("DIST_BTRFS_TEST_PAUSE_FILE", pause_file(area));
        }
        let mut child = cmd.spawn().expect("spawn dist-btrfs serve");
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let base = loop {
            let line = lines
                .next()
                .expect("serve exited before it listened (see its log in the test's tmp dir)")
                .unwrap();
            if let Some(url) = line.strip_prefix("dist-btrfs: listening on ") {
                break format!("{url}/api/v1");
            }
        };
        // Keep draining stdout so that serve never blocks on it.
        std::thread::spawn(move || for _ in lines {});
        Self {
            child: Some(child),
            base,
        }
    }

    /// The process id.
    pub(crate) fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    /// `kill -9`.
    pub(crate) fn kill9(mut self) {
        let mut child = self.child.take().unwrap();
        child.kill().unwrap();
        child.wait().unwrap();
    }

    /// SIGTERM and a clean exit.
    pub(crate) fn stop(mut self) {
        let mut child = self.child.take().unwrap();
        let pid = nix::unistd::Pid::from_raw(child.id() as i32);
        nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).unwrap();
        let status = child.wait().unwrap();
        assert!(status.success(), "serve exited with {status}");
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn pause_file(area: &Area) -> PathBuf {
    area.tmp.path().join("paused")
}

pub(crate) async fn wait_until<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + DEADLINE;
    while !check().await {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

async fn wait_for_pause(area: &Area, point: &str) {
    let file = pause_file(area);
    wait_until(&format!("pause point {point}"), || {
        let file = file.clone();
        async move { std::fs::read_to_string(&file).is_ok_and(|p| p == point) }
    })
    .await;
}

/// The first job of a queue: its status and attempts (a job re-enqueued from a dead
/// worker and run again has two or more).
async fn first_job(db: &Database, queue: &str) -> (String, i32) {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT status, attempts FROM apalis.jobs WHERE job_type = '{queue}' ORDER BY id LIMIT 1"
    )))
    .fetch_one(&db.pool)
    .await
    .unwrap()
}

/// Waits until every enqueued job has finished and no new slot is about to be enqueued
/// (the current minute is well under way), so that a stop right after sees a settled
/// state.
pub(crate) async fn wait_until_quiet(db: &Database) {
    wait_until("all jobs finished, mid-minute", || async {
        let second = db.scalar("SELECT extract(second FROM now())::bigint").await;
        (5..=45).contains(&second)
            && db
                .scalar("SELECT count(*) FROM apalis.jobs WHERE status NOT IN ('Done', 'Killed')")
                .await
                == 0
    })
    .await;
}

/// Every enqueued slot (a snapshot job; the scheduler's ledger keeps only the newest)
/// has exactly one job, one snapshot on disk and one recording event, and nothing else
/// is on disk.
async fn assert_each_slot_done_once(db: &Database, area: &Area) -> BTreeSet<String> {
    let slots = db
        .strings(
            "SELECT 'vol.' || to_char((convert_from(job, 'UTF8')::jsonb->>'slot')::timestamptz
                                      AT TIME ZONE 'UTC', 'YYYYMMDD\"T\"HH24MISS\"Z\"')
               FROM apalis.jobs WHERE job_type = 'dist-btrfs.snapshot' ORDER BY 1",
        )
        .await;
    let slot_names: BTreeSet<String> = slots.iter().cloned().collect();
    assert_eq!(slot_names.len(), slots.len());
    assert_eq!(
        area.snaps_on_disk(),
        slot_names,
        "one snapshot per slot on disk, nothing else"
    );
    let recorded = db
        .strings(
            "SELECT payload->>'name' FROM events WHERE event_type = 'SnapshotCreated'
              ORDER BY global_seq",
        )
        .await;
    assert_eq!(
        recorded.iter().cloned().collect::<BTreeSet<_>>(),
        slot_names,
        "each slot's snapshot recorded"
    );
    assert_eq!(
        recorded.len(),
        slots.len(),
        "and recorded once: {recorded:?}"
    );
    assert_eq!(
        db.scalar("SELECT count(*) FROM job_snapshot_slots").await,
        db.scalar("SELECT count(*) FROM proj_policy_assignments")
            .await,
        "the scheduler's ledger keeps one slot per assignment"
    );
    slot_names
}

#[tokio::test(flavor = "multi_thread")]
async fn kill_9_in_the_middle_of_a_snapshot_job_then_restart_finishes_it_once() {
    let area = Area::new();
    let db = Database::new("jobs").await;
    let (_engine, _sv) = prepare(&db, &area, 100).await;
    // Heartbeats far apart: the killed worker's job can only come back through its
    // owner being known dead (`jobs::owners`), well inside the test's deadline.
    let slow_beat = [("DIST_BTRFS_JOB_HEARTBEAT_SECS", "600")];

    let first = Serve::start_with(&db, &area, "a", Some("snapshot-made"), &slow_beat);
    wait_for_pause(&area, "snapshot-made").await;
    // The snapshot is on disk, not recorded.
    let made = area.snaps_on_disk();
    assert_eq!(made.len(), 1, "{made:?}");
    first.kill9();
    assert_eq!(
        db.scalar("SELECT count(*) FROM events WHERE event_type = 'SnapshotCreated'")
            .await,
        0
    );
    let made = made.into_iter().next().unwrap();
    let uuid_on_disk = sh(&[
        "btrfs",
        "subvolume",
        "show",
        &format!("{}/{made}", area.snaps),
    ]);

    let second = Serve::start_with(&db, &area, "a", None, &slow_beat);
    wait_until("the interrupted slot recorded", || async {
        db.scalar(&format!(
            "SELECT count(*) FROM proj_snapshots WHERE name = '{made}' AND managed"
        ))
        .await
            == 1
    })
    .await;
    // Let its prune run too, then stop cleanly and count.
    wait_until_quiet(&db).await;
    second.stop();
    assert_eq!(
        db.scalar("SELECT count(*) FROM job_owners").await,
        0,
        "the dead owner was reclaimed, the stopped one removed itself"
    );
    let names = assert_each_slot_done_once(&db, &area).await;
    assert!(names.contains(&made));
    // The recorded snapshot is the one made before the kill, not a new one.
    let recorded_uuid = db
        .strings(&format!(
            "SELECT uuid::text FROM proj_snapshots WHERE name = '{made}'"
        ))
        .await;
    assert!(
        uuid_on_disk.contains(&recorded_uuid[0]),
        "{uuid_on_disk} vs {recorded_uuid:?}"
    );
    assert_eq!(
        db.scalar("SELECT count(*) FROM events WHERE event_type = 'JobFailed'")
            .await,
        0
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn kill_9_in_the_middle_of_a_prune_job_then_restart_finishes_it_once() {
    let area = Area::new();
    let db = Database::new("jobs").await;
    // keep_last 1: the scheduled snapshot's prune deletes the older ones.
    let (engine, sv) = prepare(&db, &area, 1).await;
    for _ in 0..4 {
        engine.create_snapshot(sv, &meta()).await.unwrap();
    }
    assert_eq!(area.snaps_on_disk().len(), 4);

    let first = Serve::start(&db, &area, "a", Some("prune-first-deleted"));
    wait_for_pause(&area, "prune-first-deleted").await;
    first.kill9();
    assert_eq!(
        db.scalar("SELECT count(*) FROM events WHERE event_type = 'SnapshotPruned'")
            .await,
        1,
        "the first deletion was recorded before the kill"
    );

    let second = Serve::start(&db, &area, "a", None);
    wait_until("pruned down to one snapshot", || async {
        db.scalar("SELECT count(*) FROM proj_snapshots WHERE state = 'present'")
            .await
            == 1
    })
    .await;
    wait_until_quiet(&db).await;
    second.stop();

    let created = db
        .scalar("SELECT count(*) FROM events WHERE event_type = 'SnapshotCreated'")
        .await;
    let pruned = db
        .scalar("SELECT count(*) FROM events WHERE event_type = 'SnapshotPruned'")
        .await;
    let pruned_distinct = db
        .scalar(
            "SELECT count(DISTINCT payload->>'snapshot_id') FROM events
              WHERE event_type = 'SnapshotPruned'",
        )
        .await;
    let present = db
        .strings("SELECT name FROM proj_snapshots WHERE state = 'present'")
        .await;
    // 4 made by hand + the scheduled slots (a slot whose name a hand-made snapshot of
    // the same second already has counts as done); all but the newest pruned, each
    // recorded once, none found "vanished" (no deletion went unrecorded).
    assert!(created >= 4, "{created}");
    assert_eq!(pruned, created - 1);
    assert_eq!(pruned_distinct, pruned, "no snapshot pruned twice");
    assert_eq!(
        db.scalar("SELECT count(*) FROM events WHERE event_type IN ('SnapshotVanished', 'SnapshotDeleteFailed', 'JobFailed')")
            .await,
        0
    );
    assert_eq!(
        area.snaps_on_disk(),
        present.into_iter().collect::<BTreeSet<_>>(),
        "disk and catalog agree"
    );
    let (status, attempts) = first_job(&db, "dist-btrfs.prune").await;
    assert_eq!(status, "Done");
    assert!(
        attempts >= 2,
        "the killed prune job was run again: attempts {attempts}"
    );
}

/// Logs in to `serve` as the admin: (cookie header value, CSRF token).
pub(crate) async fn login(http: &reqwest::Client, serve: &Serve) -> (String, String) {
    let login = http
        .post(format!("{}/auth/login", serve.base))
        .json(&serde_json::json!({"username": "admin", "password": "jobs-e2e-admin-password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);
    let cookie = login.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let body: serde_json::Value = login.json().await.unwrap();
    (cookie, body["csrf_token"].as_str().unwrap().to_owned())
}

#[tokio::test(flavor = "multi_thread")]
async fn two_serves_on_one_database_do_every_slot_once() {
    let area = Area::new();
    let db = Database::new("jobs").await;
    let (_engine, _sv) = prepare(&db, &area, 100).await;

    let a = Serve::start(&db, &area, "a", None);
    let b = Serve::start(&db, &area, "b", None);

    // What one serve records reaches the live stream of the other (LISTEN/NOTIFY).
    let http = reqwest::Client::new();
    let (cookie_b, _) = login(&http, &b).await;
    let mut stream = http
        .get(format!("{}/events/stream", b.base))
        .header("cookie", &cookie_b)
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    let (cookie_a, csrf_a) = login(&http, &a).await;
    let renamed = http
        .patch(format!("{}/instance", a.base))
        .header("cookie", &cookie_a)
        .header("x-csrf-token", &csrf_a)
        .json(&serde_json::json!({"name": "renamed-through-a"}))
        .send()
        .await
        .unwrap();
    assert_eq!(renamed.status(), 200);
    let mut seen = String::new();
    while !seen.contains("renamed-through-a") {
        let chunk = tokio::time::timeout(Duration::from_secs(60), stream.chunk())
            .await
            .expect("b's live stream got nothing of a's change within a minute")
            .unwrap()
            .expect("b's live stream ended");
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(seen.contains("InstanceRenamed"), "{seen}");
    drop(stream);

    // A few slots: the first at once, then one a minute.
    wait_until("three slots snapshotted", || async {
        db.scalar("SELECT count(*) FROM events WHERE event_type = 'SnapshotCreated'")
            .await
            >= 3
    })
    .await;
    wait_until_quiet(&db).await;
    a.stop();
    b.stop();
    let names = assert_each_slot_done_once(&db, &area).await;
    assert!(names.len() >= 3);
    // Both processes had live workers on the queues.
    assert!(
        db.scalar(
            "SELECT count(DISTINCT substring(id from '[0-9a-f]{32}')) FROM apalis.workers
              WHERE worker_type = 'dist-btrfs.snapshot'"
        )
        .await
            >= 2
    );
}

/// Runs a shell command on lab remote `n` as the lab user (OpenSSH, test side only).
pub(crate) fn remote_sh(n: u8, cmd: &str) -> String {
    let var = |name: &str| std::env::var(name).unwrap();
    let out = Command::new("ssh")
        .args([
            "-i",
            &var("LAB_SSH_KEY"),
            "-p",
            &var(&format!("LAB_REMOTE{n}_PORT")),
            "-o",
            "StrictHostKeyChecking=no",
            "-o",
            "UserKnownHostsFile=/dev/null",
            "-o",
            "BatchMode=yes",
            "-o",
            "LogLevel=ERROR",
            &format!(
                "{}@{}",
                var("LAB_SSH_USER"),
                var(&format!("LAB_REMOTE{n}_ADDR"))
            ),
            cmd,
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "remote{n}: {cmd}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A target directory on lab remote 1, removed with what was received into it.
pub(crate) struct RemoteDir(pub(crate) String);

impl Drop for RemoteDir {
    fn drop(&mut self) {
        let d = &self.0;
        let _ = std::panic::catch_unwind(|| {
            remote_sh(
                1,
                &format!(
                    "for s in {d}/*; do [ -e \"$s\" ] && sudo btrfs subvolume delete \"$s\"; done; rmdir {d}"
                ),
            )
        });
    }
}

/// Registers lab remote 1 (its key in the vault `serve` opens: the same master key file)
/// and adds a target in a fresh directory there to `sv`, with `options`.
pub(crate) async fn add_remote_target(
    db: &Database,
    area: &Area,
    sv: SubvolumeId,
    options: TargetOptions,
) -> RemoteDir {
    // The vault `serve` will open (same master key file), holding the remote's key.
    let vault = Arc::new(
        store::vault::open_vault(db.pool.clone(), &area.tmp.path().join("master.key"))
            .await
            .unwrap(),
    );
    let remote_engine = Engine::new(
        EventStore::new(db.pool.clone()),
        Arc::new(HostRegistry::new().with_connector(Arc::new(
            engine::ssh_servers::VaultConnector::new(vault.clone()),
        ))),
    );
    let var = |name: &str| std::env::var(name).unwrap();
    let (server, _) = remote_engine
        .register_ssh_server(
            &vault,
            &engine::ssh_servers::NewSshServer {
                name: "remote1".into(),
                address: var("LAB_REMOTE1_ADDR"),
                port: var("LAB_REMOTE1_PORT").parse().unwrap(),
                username: var("LAB_SSH_USER"),
                credentials: engine::ssh_servers::Credentials::Key {
                    key: std::fs::read_to_string(var("LAB_SSH_KEY")).unwrap().into(),
                    passphrase: None,
                },
                role: domain::ServerRole::Remote,
                sudo: true,
                allowed_roots: vec![var("LAB_REMOTE_MOUNT")],
                force: false,
                host_key_fingerprint: Some(var("LAB_REMOTE1_HOSTKEY_FPR")),
            },
            &meta(),
        )
        .await
        .unwrap();
    let dir = RemoteDir(format!(
        "{}/t-{}-r1",
        var("LAB_REMOTE_TARGET_DIR"),
        uuid::Uuid::new_v4().simple()
    ));
    remote_sh(1, &format!("mkdir {}", dir.0));
    // Adding a target resolves its directory on the remote: the engine with SSH.
    remote_engine
        .add_target(sv, server.server_id, &dir.0, options, &meta())
        .await
        .unwrap();
    dir
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_runs_replications_as_jobs_left_queued_or_requested_over_http() {
    let area = Area::new();
    let db = Database::new("jobs").await;
    let (engine, sv) = prepare(&db, &area, 100).await;
    let dir = add_remote_target(&db, &area, sv, TargetOptions::default()).await;
    let snapshot = engine.create_snapshot(sv, &meta()).await.unwrap();
    // Requested while no `serve` runs (as if one died before enqueueing it).
    let run = engine
        .request_replication(snapshot.snapshot_id, None, &meta())
        .await
        .unwrap();

    let serve = Serve::start(&db, &area, "a", None);
    wait_until("the queued replication succeeded", || async {
        db.scalar(&format!(
            "SELECT count(*) FROM proj_replications
              WHERE replication_id = '{}' AND state = 'succeeded'",
            run.replication_id
        ))
        .await
            == 1
    })
    .await;

    // `POST /replications` goes through the queue too.
    let second = engine.create_snapshot(sv, &meta()).await.unwrap();
    let http = reqwest::Client::new();
    let (cookie, csrf) = login(&http, &serve).await;
    let requested = http
        .post(format!("{}/replications", serve.base))
        .header("cookie", &cookie)
        .header("x-csrf-token", &csrf)
        .json(&serde_json::json!({"snapshot_id": second.snapshot_id}))
        .send()
        .await
        .unwrap();
    assert_eq!(requested.status(), 202);
    let requested: serde_json::Value = requested.json().await.unwrap();
    let second_run = requested["id"].as_str().unwrap().to_owned();
    wait_until("the requested replication succeeded", || async {
        db.scalar(&format!(
            "SELECT count(*) FROM proj_replications
              WHERE replication_id = '{second_run}' AND state = 'succeeded'"
        ))
        .await
            == 1
    })
    .await;
    wait_until_quiet(&db).await;
    serve.stop();
    // Each through the job queue, once.
    for id in [run.replication_id.to_string(), second_run] {
        assert_eq!(
            db.strings(&format!(
                "SELECT status FROM apalis.jobs WHERE job_type = 'dist-btrfs.replicate'
                  AND idempotency_key = 'replicate:{id}'"
            ))
            .await,
            vec!["Done".to_owned()]
        );
    }
    assert_eq!(
        db.scalar("SELECT count(*) FROM events WHERE event_type = 'ReplicationTargetSucceeded'")
            .await,
        2
    );
    let listed = remote_sh(1, &format!("sudo btrfs subvolume list -o {}", dir.0));
    assert!(listed.contains(&snapshot.name), "{listed}");
    assert!(listed.contains(&second.name), "{listed}");
}
