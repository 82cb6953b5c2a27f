//! Replication and target retention through the jobs, against the lab: a fresh
//! database per test (`#[sqlx::test]`), a managed subvolume in its own directory on the
//! lab primary, lab remotes 1 and 2 registered as SSH servers (key auth, sudo btrfs, a
//! real vault) with a fresh target directory on each (made and removed over OpenSSH,
//! with everything received into it).
//! - "replicate after snapshot" end to end through the workers, and a duplicated
//!   snapshot job / replicate job sends nothing twice;
//! - target retention: keep_last 2 over 4 replicas deletes exactly the 2 oldest on the
//!   remote (read back with `btrfs subvolume list` over ssh), never a snapshot being
//!   sent, never the common base;
//! - an unreachable target (its server moved to an unused lab address) is an event and
//!   does not stop pruning the primary and the other target;
//! - a replicate job whose target failed transiently is retried by the workers and the
//!   retry sends to that target only.

use domain::replication::RunState;
use std::collections::BTreeSet;
use std::time::Duration;

use chrono::Utc;
use domain::replication::TargetOptions;
use domain::{PolicyId, SnapshotId, SubvolumeId, TargetId};
use engine::ssh_servers::ServerChanges;
use jobs::worker::{JobContext, Outcome, run_classified};
use jobs::{JobsConfig, PruneJob, ReplicateJob, SnapshotJob};
use sqlx::PgPool;
use testkit::{Fleet, meta};

/// A lab address where nothing listens (the lab's hosts are 127.0.0.10-19).
const NOWHERE: &str = "127.0.0.19";

/// The lab primary and remotes 1-2 registered; the area's subvolume managed as "data"
/// and following a policy.
struct Lab {
    fleet: Fleet,
    subvolume: SubvolumeId,
    policy: PolicyId,
}

impl std::ops::Deref for Lab {
    type Target = Fleet;
    fn deref(&self) -> &Fleet {
        &self.fleet
    }
}

fn retention(keep_last: u32) -> domain::RetentionSpec {
    domain::RetentionSpec {
        keep_last,
        min_age: None,
        hourly: 0,
        daily: 0,
        weekly: 0,
        monthly: 0,
        yearly: 0,
        time_zone: "UTC".into(),
    }
}

/// The lab with a managed subvolume following a policy that is never due by itself
/// (jobs are enqueued by the tests): primary `keep_last`, target retention
/// `target_keep_last`, "replicate after snapshot" as given.
async fn lab(pool: PgPool, keep_last: u32, target_keep_last: Option<u32>, replicate: bool) -> Lab {
    let fleet = Fleet::with_remotes(pool, &[1, 2]).await;
    let subvolume = fleet.manage(Some("data")).await;
    let spec = domain::PolicySpec {
        name: format!("p-{}", uuid::Uuid::new_v4().simple()),
        schedule: domain::ScheduleSpec {
            cron: "0 0 1 1 *".into(),
            time_zone: "UTC".into(),
        },
        retention: retention(keep_last),
        target_retention: target_keep_last.map(retention),
        replicate_after_snapshot: replicate,
    };
    let policy = fleet.follow_new_policy(subvolume, spec).await;
    Lab {
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
        max_attempts: 8,
        backoff_min: Duration::from_millis(500),
        backoff_max: Duration::from_secs(2),
        shutdown_timeout: Duration::from_secs(30),
        ..JobsConfig::default()
    }
}

impl Lab {
    fn ctx(&self) -> JobContext {
        JobContext {
            engine: self.engine.clone(),
            pool: self.pool.clone(),
            config: config(),
            notifier: None,
        }
    }

    async fn add_target(&self, n: u8) -> TargetId {
        self.fleet
            .add_target(self.subvolume, n, TargetOptions::default())
            .await
    }

    async fn snapshot(&self) -> (SnapshotId, String) {
        let s = self
            .engine
            .create_snapshot(self.subvolume, &meta())
            .await
            .unwrap();
        (s.snapshot_id, s.name)
    }

    async fn replicate(&self, snapshot: SnapshotId) {
        let r = self
            .engine
            .request_replication(snapshot, None, &meta())
            .await
            .unwrap();
        self.engine
            .run_replication(r.replication_id, &meta())
            .await
            .unwrap();
    }

    /// Moves remote `n`'s server to `address` (unreachable at [`NOWHERE`]).
    async fn move_server(&self, n: u8, address: &str) {
        self.engine
            .update_server(
                &self.vault,
                self.remote_id(n),
                &ServerChanges {
                    address: Some(address.to_owned()),
                    ..ServerChanges::default()
                },
                &meta(),
            )
            .await
            .unwrap();
    }

    async fn scalar(&self, sql: &str) -> i64 {
        sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
            .fetch_one(&self.pool)
            .await
            .unwrap()
    }

    async fn count(&self, event_type: &str) -> i64 {
        self.scalar(&format!(
            "SELECT count(*) FROM events WHERE event_type = '{event_type}'"
        ))
        .await
    }

    /// Rebuilding the projections from the log gives the same tables (the new events
    /// included).
    async fn assert_rebuild_reproduces(&self) {
        let live = store::projections::snapshot(&self.pool).await.unwrap();
        store::projections::rebuild(&self.pool).await.unwrap();
        assert_eq!(
            store::projections::snapshot(&self.pool).await.unwrap(),
            live
        );
    }

    /// Waits (generously) until `sql` returns `want`.
    async fn wait_for(&self, sql: &str, want: i64) {
        let deadline = std::time::Instant::now() + Duration::from_secs(180);
        loop {
            let got = self.scalar(sql).await;
            if got == want {
                return;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "timed out waiting for {sql} = {want} (last {got})"
            );
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    }
}

/// Starts the workers; send on the returned channel to stop them.
fn start_workers(
    lab: &Lab,
) -> (
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<Result<(), jobs::JobError>>,
) {
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let workers = tokio::spawn(jobs::worker::run_workers(lab.ctx(), async move {
        let _ = stop_rx.await;
    }));
    (stop_tx, workers)
}

#[sqlx::test(migrations = false)]
async fn replicate_after_snapshot_runs_through_the_workers_once_per_slot(pool: PgPool) {
    let lab = lab(pool, 100, None, true).await;
    let target = lab.add_target(1).await;
    let (stop, workers) = start_workers(&lab);
    let job = SnapshotJob {
        policy_id: lab.policy,
        subvolume_id: lab.subvolume,
        slot: chrono::DateTime::parse_from_rfc3339("2026-11-26T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc),
    };
    assert!(
        jobs::queue::enqueue_snapshot(&lab.pool, &job, 8)
            .await
            .unwrap()
    );
    lab.wait_for(
        "SELECT count(*) FROM apalis.jobs WHERE job_type = 'dist-btrfs.replicate' AND status = 'Done'",
        1,
    )
    .await;
    lab.wait_for(
        "SELECT count(*) FROM apalis.jobs WHERE job_type = 'dist-btrfs.prune' AND status = 'Done'",
        1,
    )
    .await;
    stop.send(()).unwrap();
    workers.await.unwrap().unwrap();

    let snaps = lab
        .area
        .snaps_on_disk()
        .into_iter()
        .collect::<BTreeSet<_>>();
    assert_eq!(snaps.len(), 1, "{snaps:?}");
    assert_eq!(
        lab.area.remote_subvolumes(1),
        snaps,
        "the slot's snapshot on the remote"
    );

    // The same slot's job again (a kill between the snapshot and the request, a
    // duplicate run) and its replicate job again: nothing is sent twice.
    let ctx = lab.ctx();
    assert!(matches!(run_classified(&job, &ctx, 2).await, Outcome::Done));
    let snapshot = store::projections::present_snapshots_of(&lab.pool, lab.subvolume)
        .await
        .unwrap()[0]
        .snapshot_id;
    let run = engine::replication::after_snapshot_id(snapshot);
    let again = ReplicateJob {
        replication_id: run,
        subvolume_id: lab.subvolume,
    };
    assert!(matches!(
        run_classified(&again, &ctx, 2).await,
        Outcome::Done
    ));
    assert!(
        !jobs::queue::enqueue(&lab.pool, &again, 8).await.unwrap(),
        "one replicate job per run"
    );

    assert_eq!(lab.count("ReplicationRequested").await, 1);
    assert_eq!(
        lab.scalar(&format!(
            "SELECT count(*) FROM events WHERE event_type = 'ReplicationTargetSucceeded'
              AND payload->>'target_id' = '{target}'"
        ))
        .await,
        1,
        "one success per snapshot and target"
    );
    assert_eq!(
        lab.scalar("SELECT count(*) FROM apalis.jobs WHERE job_type = 'dist-btrfs.replicate'")
            .await,
        1
    );
    assert_eq!(lab.area.remote_subvolumes(1), snaps);
    assert_eq!(lab.count("JobFailed").await, 0);
}

#[sqlx::test(migrations = false)]
async fn target_retention_deletes_the_oldest_replicas_never_one_being_sent(pool: PgPool) {
    let lab = lab(pool, 100, Some(2), false).await;
    let target = lab.add_target(1).await;
    let mut names = Vec::new();
    let mut ids = Vec::new();
    for _ in 0..4 {
        let (id, name) = lab.snapshot().await;
        lab.replicate(id).await;
        ids.push(id);
        names.push(name);
    }
    assert_eq!(
        lab.area.remote_subvolumes(1),
        names.iter().cloned().collect::<BTreeSet<_>>()
    );
    // A queued replication of the second snapshot: it is being sent, so kept.
    let pending = lab
        .engine
        .request_replication(ids[1], None, &meta())
        .await
        .unwrap();
    let prune = PruneJob {
        subvolume_id: lab.subvolume,
        after_slot: Utc::now(),
    };
    let ctx = lab.ctx();
    assert!(matches!(
        run_classified(&prune, &ctx, 1).await,
        Outcome::Done
    ));
    assert_eq!(
        lab.area.remote_subvolumes(1),
        names[1..].iter().cloned().collect::<BTreeSet<_>>(),
        "the oldest pruned; the one being sent kept"
    );
    // Once it is sent (already there), the next prune deletes it.
    lab.engine
        .run_replication(pending.replication_id, &meta())
        .await
        .unwrap();
    let reports = lab
        .engine
        .prune_targets(lab.subvolume, Utc::now(), &meta())
        .await
        .unwrap();
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0].deleted.len(), 1);
    assert!(reports[0].failed.is_empty());
    let kept: BTreeSet<String> = names[2..].iter().cloned().collect();
    assert_eq!(
        lab.area.remote_subvolumes(1),
        kept,
        "exactly the 2 oldest pruned"
    );
    // The common base (the newest replica) is pinned and still there.
    let pin = store::projections::pin_of_target(&lab.pool, target)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(pin, ids[3]);
    let pruned: Vec<String> = sqlx::query_scalar(
        "SELECT payload->>'snapshot_id' FROM events WHERE event_type = 'ReplicaPruned'
          ORDER BY global_seq",
    )
    .fetch_all(&lab.pool)
    .await
    .unwrap();
    assert_eq!(pruned, vec![ids[0].to_string(), ids[1].to_string()]);
    // The replica catalog follows.
    let replicas: BTreeSet<SnapshotId> = store::projections::replicas_of_target(&lab.pool, target)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.snapshot_id)
        .collect();
    assert_eq!(replicas, ids[2..].iter().copied().collect());
    // The primary kept all four (keep_last 100).
    assert_eq!(lab.area.snaps_on_disk().len(), 4);
    lab.assert_rebuild_reproduces().await;
}

#[sqlx::test(migrations = false)]
async fn an_unreachable_target_does_not_stop_pruning_the_primary_and_the_other_target(
    pool: PgPool,
) {
    let lab = lab(pool, 1, Some(1), false).await;
    let t1 = lab.add_target(1).await;
    let t2 = lab.add_target(2).await;
    let mut names = Vec::new();
    for _ in 0..3 {
        let (id, name) = lab.snapshot().await;
        lab.replicate(id).await;
        names.push(name);
    }
    let all: BTreeSet<String> = names.iter().cloned().collect();
    assert_eq!(lab.area.remote_subvolumes(2), all);
    lab.move_server(2, NOWHERE).await;

    let prune = PruneJob {
        subvolume_id: lab.subvolume,
        after_slot: Utc::now(),
    };
    assert!(matches!(
        run_classified(&prune, &lab.ctx(), 1).await,
        Outcome::Done
    ));
    let newest: BTreeSet<String> = names[2..].iter().cloned().collect();
    assert_eq!(
        lab.area
            .snaps_on_disk()
            .into_iter()
            .collect::<BTreeSet<_>>(),
        newest,
        "the primary was pruned"
    );
    assert_eq!(
        lab.area.remote_subvolumes(1),
        newest,
        "the reachable target was pruned"
    );
    assert_eq!(
        lab.area.remote_subvolumes(2),
        all,
        "nothing touched on the unreachable one"
    );
    assert_eq!(lab.count("SnapshotPruned").await, 2);
    assert_eq!(
        lab.scalar(&format!(
            "SELECT count(*) FROM events WHERE event_type = 'ReplicaPruned'
              AND payload->>'target_id' = '{t1}'"
        ))
        .await,
        2
    );
    let failed: Vec<(String, String)> = sqlx::query_as(
        "SELECT payload->>'target_id', payload->>'class' FROM events
          WHERE event_type = 'ReplicaPruneFailed'",
    )
    .fetch_all(&lab.pool)
    .await
    .unwrap();
    assert_eq!(failed, vec![(t2.to_string(), "transient".to_owned())]);
    assert_eq!(lab.count("JobFailed").await, 0);
    // Back on its address, the next prune catches up there too.
    lab.move_server(2, &testkit::env("LAB_REMOTE2_ADDR")).await;
    lab.engine
        .prune_targets(lab.subvolume, Utc::now(), &meta())
        .await
        .unwrap();
    assert_eq!(lab.area.remote_subvolumes(2), newest);
}

#[sqlx::test(migrations = false)]
async fn a_transiently_failed_replicate_job_is_retried_and_resends_only_the_failed_target(
    pool: PgPool,
) {
    let lab = lab(pool, 100, None, false).await;
    let t1 = lab.add_target(1).await;
    let t2 = lab.add_target(2).await;
    let (snapshot, name) = lab.snapshot().await;
    lab.move_server(2, NOWHERE).await;
    let run = lab
        .engine
        .request_replication(snapshot, None, &meta())
        .await
        .unwrap();
    let (stop, workers) = start_workers(&lab);
    jobs::queue::enqueue_replication(&lab.pool, &run, 8)
        .await
        .unwrap();
    // The first attempt: target 1 succeeds, target 2 fails transiently.
    lab.wait_for(
        "SELECT count(*) FROM events WHERE event_type = 'ReplicationTargetFailed'",
        1,
    )
    .await;
    lab.move_server(2, &testkit::env("LAB_REMOTE2_ADDR")).await;
    lab.wait_for(
        "SELECT count(*) FROM apalis.jobs WHERE job_type = 'dist-btrfs.replicate' AND status = 'Done'",
        1,
    )
    .await;
    stop.send(()).unwrap();
    workers.await.unwrap().unwrap();

    let want: BTreeSet<String> = [name].into_iter().collect();
    assert_eq!(lab.area.remote_subvolumes(1), want);
    assert_eq!(lab.area.remote_subvolumes(2), want);
    let view = store::projections::replication(&lab.pool, run.replication_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(view.state, RunState::Succeeded);
    assert!(lab.count("ReplicationRetried").await >= 1);
    let successes = |t: TargetId| {
        format!(
            "SELECT count(*) FROM events WHERE event_type = 'ReplicationTargetSucceeded'
              AND payload->>'target_id' = '{t}'"
        )
    };
    assert_eq!(lab.scalar(&successes(t1)).await, 1, "target 1 sent once");
    assert_eq!(lab.scalar(&successes(t2)).await, 1);
    let retried: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT t FROM events, jsonb_array_elements_text(payload->'target_ids') t
          WHERE event_type = 'ReplicationRetried'",
    )
    .fetch_all(&lab.pool)
    .await
    .unwrap();
    assert_eq!(
        retried,
        vec![t2.to_string()],
        "only the failed target retried"
    );
    let (status, attempts): (String, i32) = sqlx::query_as(
        "SELECT status, attempts FROM apalis.jobs WHERE job_type = 'dist-btrfs.replicate'",
    )
    .fetch_one(&lab.pool)
    .await
    .unwrap();
    assert_eq!(status, "Done");
    assert!(attempts >= 2, "attempts {attempts}");
    assert_eq!(lab.count("JobFailed").await, 0);
    lab.assert_rebuild_reproduces().await;
}

#[sqlx::test(migrations = false)]
async fn target_retention_never_deletes_the_common_base(pool: PgPool) {
    let lab = lab(pool, 100, Some(1), false).await;
    let target = lab.add_target(1).await;
    let mut names = Vec::new();
    let mut ids = Vec::new();
    for _ in 0..3 {
        let (id, name) = lab.snapshot().await;
        lab.replicate(id).await;
        ids.push(id);
        names.push(name);
    }
    // The newest snapshot leaves the primary (an operator's delete); the next success
    // on the target records the newest snapshot both sides still share as its base.
    lab.engine
        .delete_snapshot(ids[2], None, &meta())
        .await
        .unwrap();
    lab.replicate(ids[1]).await;
    assert_eq!(
        store::projections::pin_of_target(&lab.pool, target)
            .await
            .unwrap(),
        Some(ids[1])
    );
    // keep_last 1 keeps the newest replica; the base is kept besides; only the oldest goes.
    let reports = lab
        .engine
        .prune_targets(lab.subvolume, Utc::now(), &meta())
        .await
        .unwrap();
    assert_eq!(
        reports[0]
            .deleted
            .iter()
            .map(|(s, _)| *s)
            .collect::<Vec<_>>(),
        vec![ids[0]]
    );
    let base = reports[0]
        .planned
        .iter()
        .find(|d| d.snapshot_id == ids[1].as_uuid())
        .unwrap();
    assert!(
        base.reasons
            .iter()
            .any(|r| matches!(r, domain::KeepReason::IncrementalBase { .. })),
        "{:?}",
        base.reasons
    );
    assert_eq!(
        lab.area.remote_subvolumes(1),
        names[1..].iter().cloned().collect::<BTreeSet<_>>()
    );
}
