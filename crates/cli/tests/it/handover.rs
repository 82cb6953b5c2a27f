//! Two `serve` processes on one database, one killed with SIGKILL in the middle of a
//! replication: the other takes the job over and finishes it, once, with a complete
//! replica on the remote and nothing half-received left behind. Two ways the survivor
//! learns of the death:
//! - on this machine, the dead process is gone (`jobs::owners`): at its next poll;
//! - from another machine (here: the dead owner's record moved to another boot id, so
//!   no process check applies), only by the missed heartbeats (4 × 1 s here).
//!
//! The send is slowed by the target's rate limit (2 MiB/s for 24 MiB) so that the kill
//! lands while the remote is receiving; nothing asserts a duration.

use domain::replication::TargetOptions;
use testkit::db::Database;
use testkit::lab::show_field;
use testkit::{meta, sh};

use crate::jobs::{
    Area, Serve, add_remote_target, login, prepare, remote_sh, wait_until, wait_until_quiet,
};

/// The pid of the serve whose worker runs the replication job, once one does.
async fn pid_running_the_job(db: &Database) -> i64 {
    let running = || {
        db.scalar(
            "SELECT COALESCE(max(o.pid), 0)::bigint FROM apalis.jobs j
               JOIN job_owners o ON j.lock_by LIKE '%-' || o.suffix || '-%'
              WHERE j.job_type = 'dist-btrfs.replicate' AND j.status = 'Running'",
        )
    };
    wait_until("a serve runs the replication job", || async {
        running().await != 0
    })
    .await;
    running().await
}

async fn a_serve_killed_mid_replication_hands_the_job_over(other_machine: bool) {
    let area = Area::new();
    let db = Database::new("jobs").await;
    let (engine, sv) = prepare(&db, &area, 100).await;
    let slow = TargetOptions {
        rate_limit_bytes_per_sec: Some(2 * 1024 * 1024),
        ..TargetOptions::default()
    };
    let dir = add_remote_target(&db, &area, sv, slow).await;
    sh(&[
        "dd",
        "if=/dev/urandom",
        &format!("of={}/payload.bin", area.vol),
        "bs=1M",
        "count=24",
        "status=none",
    ]);
    let snapshot = engine.create_snapshot(sv, &meta()).await.unwrap();

    let a = Serve::start(&db, &area, "a", None);
    let b = Serve::start(&db, &area, "b", None);
    let http = reqwest::Client::new();
    let (cookie, csrf) = login(&http, &a).await;
    let requested = http
        .post(format!("{}/replications", a.base))
        .header("cookie", &cookie)
        .header("x-csrf-token", &csrf)
        .json(&serde_json::json!({"snapshot_id": snapshot.snapshot_id}))
        .send()
        .await
        .unwrap();
    assert_eq!(requested.status(), 202);
    let run: serde_json::Value = requested.json().await.unwrap();
    let run = run["id"].as_str().unwrap().to_owned();

    // Kill whichever serve runs the job, once the remote is receiving.
    let victim_pid = pid_running_the_job(&db).await;
    let remote_path = format!("{}/{}", dir.0, snapshot.name);
    wait_until("the remote is receiving", || async {
        remote_sh(1, &format!("ls {}", dir.0)).contains(&snapshot.name)
    })
    .await;
    if other_machine {
        db.scalar(&format!(
            "WITH moved AS (UPDATE job_owners SET boot_id = 'another-machine'
                             WHERE pid = {victim_pid} RETURNING 1)
             SELECT count(*) FROM moved"
        ))
        .await;
    }
    let (victim, survivor) = if i64::from(a.pid()) == victim_pid {
        (a, b)
    } else {
        (b, a)
    };
    assert_eq!(
        i64::from(victim.pid()),
        victim_pid,
        "the job runs in a or b"
    );
    victim.kill9();
    assert_eq!(
        db.scalar(&format!(
            "SELECT count(*) FROM proj_replications
              WHERE replication_id = '{run}' AND state = 'succeeded'"
        ))
        .await,
        0,
        "the kill came before the end of the send"
    );

    wait_until("the replication succeeded through the survivor", || async {
        db.scalar(&format!(
            "SELECT count(*) FROM proj_replications
              WHERE replication_id = '{run}' AND state = 'succeeded'"
        ))
        .await
            == 1
    })
    .await;
    wait_until_quiet(&db).await;
    survivor.stop();

    // The job ran twice (the killed attempt and the survivor's), and is done once.
    let (status, attempts): (String, i32) = sqlx::query_as(
        "SELECT status, attempts FROM apalis.jobs WHERE job_type = 'dist-btrfs.replicate'",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(status, "Done");
    assert!(attempts >= 2, "taken over, not run once: {attempts}");
    assert_eq!(
        db.scalar(&format!(
            "SELECT count(*) FROM events WHERE event_type = 'ReplicationTargetSucceeded'
               AND payload->>'replication_id' = '{run}'"
        ))
        .await,
        1,
        "recorded once"
    );
    // How the survivor learned of the death: another machine's owner is never judged
    // by its pid, so its record is still there; this machine's dead owner was removed.
    assert_eq!(
        db.scalar(&format!(
            "SELECT count(*) FROM job_owners WHERE pid = {victim_pid}"
        ))
        .await,
        i64::from(other_machine),
    );

    // One complete, read-only replica with the primary's content; nothing half-received.
    let listed = remote_sh(1, &format!("ls -A {}", dir.0));
    assert_eq!(listed.trim(), snapshot.name, "only the replica: {listed}");
    let show = remote_sh(1, &format!("sudo btrfs subvolume show {remote_path}"));
    assert_ne!(show_field(&show, "Received UUID:"), "-", "{show}");
    assert!(
        remote_sh(1, &format!("sudo btrfs property get -ts {remote_path} ro")).contains("true")
    );
    let sum = |out: String| out.split_whitespace().next().unwrap_or_default().to_owned();
    assert_eq!(
        sum(remote_sh(
            1,
            &format!("sha256sum {remote_path}/payload.bin")
        )),
        sum(sh(&[
            "sha256sum",
            &format!("{}/{}/payload.bin", area.snaps, snapshot.name)
        ])),
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_serve_killed_mid_replication_on_this_machine_hands_the_job_to_the_other() {
    a_serve_killed_mid_replication_hands_the_job_over(false).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_serve_killed_mid_replication_elsewhere_hands_the_job_over_after_its_heartbeat() {
    a_serve_killed_mid_replication_hands_the_job_over(true).await;
}
