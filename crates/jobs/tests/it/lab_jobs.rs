//! The scheduler and the job workers against the lab: real Postgres (a fresh database
//! per test via `#[sqlx::test]`) and real btrfs (the lab primary at
//! `LAB_PRIMARY_MOUNT`, each test in its own directory `<mount>/t-<uuid>`, removed at
//! the end). Time is driven by a fake clock where the schedule matters.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use domain::{PolicyId, SubvolumeId};
use engine::scheduled::SlotSnapshot;
use engine::{Engine, HostRegistry};
use jobs::worker::{JobContext, Outcome, Runnable, run_classified};
use jobs::{Clock, JobSpec, JobsConfig, Scheduler, SnapshotJob, SyncJob};
use sqlx::PgPool;
use store::EventStore;
use testkit::{Fleet, meta, sh};

/// A clock the test sets.
struct FakeClock(Mutex<DateTime<Utc>>);

impl FakeClock {
    fn at(s: &str) -> Arc<Self> {
        Arc::new(Self(Mutex::new(utc(s))))
    }
    fn set(&self, s: &str) {
        *self.0.lock().unwrap() = utc(s);
    }
}

impl Clock for FakeClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }
}

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// The lab primary with the area's subvolume managed, following a policy.
struct Setup {
    fleet: Fleet,
    subvolume: SubvolumeId,
    policy: PolicyId,
}

impl std::ops::Deref for Setup {
    type Target = Fleet;
    fn deref(&self) -> &Fleet {
        &self.fleet
    }
}

fn spec(cron: &str, keep_last: u32) -> domain::PolicySpec {
    domain::PolicySpec {
        name: format!("p-{}", uuid::Uuid::new_v4().simple()),
        schedule: domain::ScheduleSpec {
            cron: cron.into(),
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
    }
}

/// A managed lab subvolume following an hourly policy (keep_last 2).
async fn setup(pool: PgPool) -> Setup {
    let fleet = Fleet::primary(pool).await;
    let subvolume = fleet.manage(None).await;
    let policy = fleet
        .follow_new_policy(subvolume, spec("0 * * * *", 2))
        .await;
    Setup {
        fleet,
        subvolume,
        policy,
    }
}

fn config() -> JobsConfig {
    JobsConfig {
        sync_interval: None,
        poll_interval: Duration::from_millis(200),
        heartbeat: Duration::from_secs(1),
        max_attempts: 3,
        backoff_min: Duration::from_millis(200),
        backoff_max: Duration::from_secs(1),
        shutdown_timeout: Duration::from_secs(10),
        ..JobsConfig::default()
    }
}

async fn scalar(pool: &PgPool, sql: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_one(pool)
        .await
        .unwrap()
}

async fn snapshot_jobs(pool: &PgPool) -> Vec<SnapshotJob> {
    let rows: Vec<Vec<u8>> =
        sqlx::query_scalar("SELECT job FROM apalis.jobs WHERE job_type = $1 ORDER BY run_at, id")
            .bind(jobs::kinds::SNAPSHOT_QUEUE)
            .fetch_all(pool)
            .await
            .unwrap();
    rows.iter()
        .map(|r| serde_json::from_slice(r).unwrap())
        .collect()
}

#[sqlx::test(migrations = false)]
async fn due_slots_are_enqueued_once_and_a_gap_is_caught_up_once(pool: PgPool) {
    let s = setup(pool).await;
    let clock = FakeClock::at("2026-11-26T12:30:00Z");
    let scheduler = Scheduler::new(s.pool.clone(), config(), clock.clone());

    // A fresh assignment: the most recent slot at the first tick.
    let first = scheduler.tick().await.unwrap();
    assert_eq!(first.snapshots.len(), 1);
    assert_eq!(first.snapshots[0].slot, utc("2026-11-26T12:00:00Z"));
    // The same tick again, and later within the same hour: nothing new.
    assert!(scheduler.tick().await.unwrap().snapshots.is_empty());
    clock.set("2026-11-26T12:59:59Z");
    assert!(scheduler.tick().await.unwrap().snapshots.is_empty());
    // The next slot.
    clock.set("2026-11-26T13:00:00Z");
    let next = scheduler.tick().await.unwrap();
    assert_eq!(
        next.snapshots.iter().map(|j| j.slot).collect::<Vec<_>>(),
        [utc("2026-11-26T13:00:00Z")]
    );
    // Downtime from 13:00 to 17:20: one job, for the newest missed slot only.
    clock.set("2026-11-26T17:20:00Z");
    let caught_up = scheduler.tick().await.unwrap();
    assert_eq!(
        caught_up
            .snapshots
            .iter()
            .map(|j| j.slot)
            .collect::<Vec<_>>(),
        [utc("2026-11-26T17:00:00Z")]
    );
    assert!(scheduler.tick().await.unwrap().snapshots.is_empty());

    let queued: Vec<_> = snapshot_jobs(&s.pool).await;
    assert_eq!(
        queued.iter().map(|j| j.slot).collect::<Vec<_>>(),
        [
            utc("2026-11-26T12:00:00Z"),
            utc("2026-11-26T13:00:00Z"),
            utc("2026-11-26T17:00:00Z")
        ]
    );
    assert!(
        queued
            .iter()
            .all(|j| j.policy_id == s.policy && j.subvolume_id == s.subvolume)
    );
    // The ledger keeps the newest slot of the assignment only: older ones are pruned.
    assert_eq!(
        scalar(&s.pool, "SELECT count(*) FROM job_snapshot_slots").await,
        1
    );
    assert_eq!(
        scalar(
            &s.pool,
            "SELECT count(*) FROM job_snapshot_slots WHERE slot = '2026-11-26T17:00:00Z'"
        )
        .await,
        1
    );
}

#[sqlx::test(migrations = false)]
async fn two_schedulers_racing_enqueue_each_slot_once(pool: PgPool) {
    let s = setup(pool).await;
    // A second scheduler with its own connection pool, as a second `serve` would have.
    let other_pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(5)
        .connect_with(s.pool.connect_options().as_ref().clone())
        .await
        .unwrap();
    let clock = FakeClock::at("2026-11-26T12:30:00Z");
    let mut config = config();
    config.sync_interval = Some(Duration::from_secs(300));
    let a = Scheduler::new(s.pool.clone(), config.clone(), clock.clone());
    let b = Scheduler::new(other_pool.clone(), config, clock.clone());

    for now in [
        "2026-11-26T12:30:00Z",
        "2026-11-26T13:00:01Z",
        "2026-11-26T16:45:00Z",
    ] {
        clock.set(now);
        let mut ticks = Vec::new();
        for i in 0..8 {
            let sched = if i % 2 == 0 { a.clone() } else { b.clone() };
            ticks.push(tokio::spawn(async move { sched.tick().await.unwrap() }));
        }
        let mut enqueued = 0;
        let mut syncs = 0;
        for t in ticks {
            let r = t.await.unwrap();
            enqueued += r.snapshots.len();
            syncs += usize::from(r.sync);
        }
        assert_eq!(
            enqueued, 1,
            "exactly one of 8 racing ticks enqueues the slot at {now}"
        );
        assert_eq!(syncs, 1, "and one the period's sync");
    }
    let queued = snapshot_jobs(&s.pool).await;
    assert_eq!(queued.len(), 3);
    let slots: std::collections::BTreeSet<_> = queued.iter().map(|j| j.slot).collect();
    assert_eq!(slots.len(), 3, "no slot twice");
    assert_eq!(
        scalar(&s.pool, "SELECT count(*) FROM job_snapshot_slots").await,
        1,
        "the ledger keeps the newest slot only"
    );
    assert_eq!(
        scalar(
            &s.pool,
            "SELECT count(*) FROM apalis.jobs WHERE job_type = 'dist-btrfs.sync'"
        )
        .await,
        3
    );
    other_pool.close().await;
}

fn ctx(s: &Setup, engine: Engine) -> JobContext {
    JobContext {
        engine,
        pool: s.pool.clone(),
        config: config(),
        notifier: None,
    }
}

#[sqlx::test(migrations = false)]
async fn a_snapshot_made_before_a_crash_is_recorded_once_not_made_again(pool: PgPool) {
    let s = setup(pool).await;
    let ctx = ctx(&s, s.engine.clone());
    let slot = utc("2026-11-26T12:00:00Z");
    let job = SnapshotJob {
        policy_id: s.policy,
        subvolume_id: s.subvolume,
        slot,
    };
    // What a job killed between `btrfs subvolume snapshot` and its event leaves behind.
    let name = "vol.20261126T120000Z";
    sh(&[
        "btrfs",
        "subvolume",
        "snapshot",
        "-r",
        &s.area.vol,
        &format!("{}/{name}", s.area.snaps),
    ]);

    let first = s
        .engine
        .snapshot_for_slot(s.subvolume, slot, &meta())
        .await
        .unwrap();
    assert!(matches!(first, SlotSnapshot::Recovered(_)), "{first:?}");
    assert_eq!(first.view().name, name);
    assert!(first.view().managed);
    // The job (a retry, a duplicate) changes nothing more.
    job.run(&ctx).await.unwrap();
    job.run(&ctx).await.unwrap();
    let again = s
        .engine
        .snapshot_for_slot(s.subvolume, slot, &meta())
        .await
        .unwrap();
    assert!(matches!(again, SlotSnapshot::AlreadyDone(_)), "{again:?}");
    assert_eq!(s.area.snaps_on_disk(), [name]);
    assert_eq!(
        scalar(
            &s.pool,
            "SELECT count(*) FROM events WHERE event_type = 'SnapshotCreated'"
        )
        .await,
        1
    );
    // The follow-up prune was enqueued once.
    assert_eq!(
        scalar(
            &s.pool,
            "SELECT count(*) FROM apalis.jobs WHERE job_type = 'dist-btrfs.prune'"
        )
        .await,
        1
    );

    // A slot whose snapshot an inventory sync found first (unmanaged): adopted, once.
    let slot2 = utc("2026-11-26T13:00:00Z");
    let name2 = "vol.20261126T130000Z";
    sh(&[
        "btrfs",
        "subvolume",
        "snapshot",
        "-r",
        &s.area.vol,
        &format!("{}/{name2}", s.area.snaps),
    ]);
    s.engine.sync_subvolume(s.subvolume, &meta()).await.unwrap();
    let adopted = s
        .engine
        .snapshot_for_slot(s.subvolume, slot2, &meta())
        .await
        .unwrap();
    assert!(matches!(adopted, SlotSnapshot::Recovered(_)), "{adopted:?}");
    assert!(adopted.view().managed);
    assert_eq!(s.area.snaps_on_disk(), [name, name2]);
    assert_eq!(
        scalar(
            &s.pool,
            "SELECT count(*) FROM events WHERE event_type = 'SnapshotAdopted'"
        )
        .await,
        1
    );

    // A fresh slot is made, with the slot's name.
    let slot3 = utc("2026-11-26T14:00:00Z");
    let made = s
        .engine
        .snapshot_for_slot(s.subvolume, slot3, &meta())
        .await
        .unwrap();
    assert!(matches!(made, SlotSnapshot::Created(_)), "{made:?}");
    assert_eq!(made.view().name, "vol.20261126T140000Z");
}

/// Starts the workers; send on the returned channel to stop them.
fn start_workers(
    ctx: JobContext,
) -> (
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<Result<(), jobs::JobError>>,
) {
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let workers = tokio::spawn(jobs::worker::run_workers(ctx, async move {
        let _ = stop_rx.await;
    }));
    (stop_tx, workers)
}

/// Waits (generously) until `sql` returns `want`.
async fn wait_for(pool: &PgPool, sql: &str, want: i64) {
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    loop {
        let got = scalar(pool, sql).await;
        if got == want {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting for {sql} = {want} (last {got})"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[sqlx::test(migrations = false)]
async fn transient_failures_are_retried_with_backoff_permanent_ones_are_not(pool: PgPool) {
    let s = setup(pool).await;
    // Workers whose engine has no local host: every snapshot of the local primary
    // fails with "server unreachable" (transient).
    let unreachable = Engine::new(
        EventStore::new(s.pool.clone()),
        Arc::new(HostRegistry::new()),
    );
    let ctx = ctx(&s, unreachable);
    let transient = SnapshotJob {
        policy_id: s.policy,
        subvolume_id: s.subvolume,
        slot: utc("2026-11-26T12:00:00Z"),
    };
    // A sync of a subvolume that does not exist: permanent (not found).
    let permanent = SyncJob {
        subvolume_id: Some(SubvolumeId::new()),
        period: utc("2026-11-26T12:00:00Z"),
    };
    // The handler's decision, attempt by attempt (on jobs of other keys).
    let other_slot = SnapshotJob {
        slot: utc("2026-11-26T11:00:00Z"),
        ..transient.clone()
    };
    assert!(matches!(
        run_classified(&other_slot, &ctx, 1).await,
        Outcome::Retry(_)
    ));
    assert!(matches!(
        run_classified(&other_slot, &ctx, 3).await,
        Outcome::GiveUp(_)
    ));
    let other_subvolume = SyncJob {
        subvolume_id: Some(SubvolumeId::new()),
        ..permanent.clone()
    };
    assert!(matches!(
        run_classified(&other_subvolume, &ctx, 1).await,
        Outcome::GiveUp(_)
    ));
    assert_eq!(
        scalar(
            &s.pool,
            "SELECT count(*) FROM events WHERE event_type = 'JobFailed'"
        )
        .await,
        2,
        "giving up records JobFailed; a retry does not"
    );

    // The same through the real workers and apalis's retry layer.
    assert!(
        jobs::queue::enqueue_snapshot(&s.pool, &transient, 3)
            .await
            .unwrap()
    );
    assert!(jobs::queue::enqueue(&s.pool, &permanent, 3).await.unwrap());
    let (stop_tx, workers) = start_workers(ctx.clone());
    let failed_events = |key: String, class: &str, attempts: u32| {
        format!(
            "SELECT count(*) FROM events WHERE event_type = 'JobFailed'
               AND payload->>'key' = '{key}' AND payload->>'class' = '{class}'
               AND (payload->>'attempts')::int = {attempts}"
        )
    };
    wait_for(&s.pool, &failed_events(transient.key(), "transient", 3), 1).await;
    wait_for(&s.pool, &failed_events(permanent.key(), "permanent", 1), 1).await;
    // Both ended for good: killed (not pending or failed-with-attempts-left).
    wait_for(
        &s.pool,
        "SELECT count(*) FROM apalis.jobs WHERE status = 'Killed'",
        2,
    )
    .await;
    stop_tx.send(()).unwrap();
    workers.await.unwrap().unwrap();
    let attempts: Vec<(String, i32)> = sqlx::query_as(
        "SELECT job_type, attempts FROM apalis.jobs WHERE status = 'Killed' ORDER BY job_type",
    )
    .fetch_all(&s.pool)
    .await
    .unwrap();
    assert_eq!(
        attempts,
        [
            ("dist-btrfs.snapshot".to_owned(), 3),
            ("dist-btrfs.sync".to_owned(), 1)
        ],
        "the transient job ran three times, the permanent one once"
    );
    // One JobFailed per job that gave up, none per retry.
    assert_eq!(
        scalar(
            &s.pool,
            "SELECT count(*) FROM events WHERE event_type = 'JobFailed'"
        )
        .await,
        4
    );
    assert_eq!(
        scalar(
            &s.pool,
            "SELECT count(*) FROM proj_audit WHERE event_type = 'JobFailed'
               AND summary LIKE 'snapshot job snapshot:%failed (transient, after 3 attempts)%'"
        )
        .await,
        2
    );
    assert!(s.area.snaps_on_disk().is_empty());
}

#[sqlx::test(migrations = false)]
async fn workers_run_the_scheduled_snapshot_and_prune(pool: PgPool) {
    let s = setup(pool).await;
    // keep_last 2: after three slots, the oldest is pruned.
    let clock = FakeClock::at("2026-11-26T10:00:00Z");
    let scheduler = Scheduler::new(s.pool.clone(), config(), clock.clone());
    let ctx = ctx(&s, s.engine.clone());
    let (stop_tx, workers) = start_workers(ctx);
    let present = "SELECT count(*) FROM proj_snapshots WHERE state = 'present'";
    for (i, now) in [
        "2026-11-26T10:00:00Z",
        "2026-11-26T11:00:00Z",
        "2026-11-26T12:00:00Z",
    ]
    .into_iter()
    .enumerate()
    {
        clock.set(now);
        assert_eq!(scheduler.tick().await.unwrap().snapshots.len(), 1);
        wait_for(
            &s.pool,
            "SELECT count(*) FROM events WHERE event_type = 'SnapshotCreated'",
            i as i64 + 1,
        )
        .await;
        // Its prune ran too (one per slot).
        wait_for(
            &s.pool,
            "SELECT count(*) FROM apalis.jobs WHERE job_type = 'dist-btrfs.prune' AND status = 'Done'",
            i as i64 + 1,
        )
        .await;
    }
    wait_for(&s.pool, present, 2).await;
    stop_tx.send(()).unwrap();
    workers.await.unwrap().unwrap();
    assert_eq!(
        s.area.snaps_on_disk(),
        ["vol.20261126T110000Z", "vol.20261126T120000Z"]
    );
    assert_eq!(
        scalar(
            &s.pool,
            "SELECT count(*) FROM events WHERE event_type = 'SnapshotPruned'"
        )
        .await,
        1
    );
}

#[sqlx::test(migrations = false)]
async fn a_job_enqueued_in_this_process_wakes_its_idle_worker_before_the_next_poll(pool: PgPool) {
    let s = setup(pool).await;
    let clock = FakeClock::at("2026-11-26T10:00:00Z");
    // Workers that would not poll again for an hour (nor beat: apalis fetches on every
    // wake of a worker's task): only the wake-up can start the job.
    let config = JobsConfig {
        poll_interval: Duration::from_secs(3600),
        heartbeat: Duration::from_secs(3600),
        ..config()
    };
    let scheduler = Scheduler::new(s.pool.clone(), config.clone(), clock.clone());
    let ctx = JobContext {
        config,
        ..ctx(&s, s.engine.clone())
    };
    let (stop_tx, workers) = start_workers(ctx);
    // Let every worker make its first (empty) fetch and go idle.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(scheduler.tick().await.unwrap().snapshots.len(), 1);
    wait_for(
        &s.pool,
        "SELECT count(*) FROM events WHERE event_type = 'SnapshotCreated'",
        1,
    )
    .await;
    // The snapshot job's follow-up prune, enqueued by the worker, woke the prune worker.
    wait_for(
        &s.pool,
        "SELECT count(*) FROM apalis.jobs WHERE job_type = 'dist-btrfs.prune' AND status = 'Done'",
        1,
    )
    .await;
    stop_tx.send(()).unwrap();
    workers.await.unwrap().unwrap();
}
