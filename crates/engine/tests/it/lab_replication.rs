//! Replication against the lab: a managed subvolume on the lab primary (local btrfs,
//! its own directory `<LAB_PRIMARY_MOUNT>/t-<uuid>`), the three lab remotes registered
//! as SSH servers (key auth, sudo btrfs, a real vault), and one fresh target directory
//! per remote under `LAB_REMOTE_TARGET_DIR` (made with `mkdir` over OpenSSH, removed
//! with everything received into it at the end). A fresh database per test.

use domain::lineage::MissingMode;
use domain::replication::TargetOptions;
use domain::replication::{ErrorClass, RunState, TargetState};
use domain::{SnapshotId, SubvolumeId, TargetId};
use sqlx::PgPool;
use store::projections;
use testkit::{Fleet, meta, ssh, ssh_ok};

/// The lab primary and remotes 1-3 registered, the area's subvolume managed as "data".
pub(crate) struct Lab {
    pub(crate) fleet: Fleet,
    pub(crate) subvolume: SubvolumeId,
}

impl std::ops::Deref for Lab {
    type Target = Fleet;
    fn deref(&self) -> &Fleet {
        &self.fleet
    }
}

/// Requests a replication of `snapshot` (to `targets`, or every target) through `engine`
/// and runs it in a task: its id and the task.
pub(crate) async fn spawn_replication(
    engine: &engine::Engine,
    snapshot: SnapshotId,
    targets: Option<Vec<TargetId>>,
) -> (
    domain::ReplicationId,
    tokio::task::JoinHandle<Result<(), engine::EngineError>>,
) {
    let id = engine
        .request_replication(snapshot, targets, &meta())
        .await
        .unwrap()
        .replication_id;
    let engine = engine.clone();
    let run = tokio::spawn(async move { engine.run_replication(id, &meta()).await });
    (id, run)
}

pub(crate) async fn lab(pool: PgPool) -> Lab {
    let fleet = Fleet::with_remotes(pool, &[1, 2, 3]).await;
    let subvolume = fleet.manage(Some("data")).await;
    Lab { fleet, subvolume }
}

impl Lab {
    pub(crate) async fn add_target(&self, n: u8, options: TargetOptions) -> TargetId {
        self.fleet.add_target(self.subvolume, n, options).await
    }

    /// [`Lab::add_target`] with `options` limited to `mib` MiB/s (so a send can be cut).
    pub(crate) async fn add_slow_target(
        &self,
        n: u8,
        mib: u64,
        options: TargetOptions,
    ) -> TargetId {
        let options = TargetOptions {
            rate_limit_bytes_per_sec: Some(mib << 20),
            ..options
        };
        self.add_target(n, options).await
    }
    pub(crate) async fn snapshot(&self) -> (SnapshotId, String) {
        let s = self
            .engine
            .create_snapshot(self.subvolume, &meta())
            .await
            .unwrap();
        (s.snapshot_id, s.name)
    }

    /// Requests and runs a replication; returns its id.
    pub(crate) async fn replicate(
        &self,
        snapshot: SnapshotId,
        targets: Option<Vec<TargetId>>,
    ) -> domain::ReplicationId {
        let r = self
            .engine
            .request_replication(snapshot, targets, &meta())
            .await
            .unwrap();
        self.engine
            .run_replication(r.replication_id, &meta())
            .await
            .unwrap();
        r.replication_id
    }

    pub(crate) async fn state(&self, id: domain::ReplicationId) -> RunState {
        projections::replication(&self.pool, id)
            .await
            .unwrap()
            .unwrap()
            .state
    }

    pub(crate) async fn event_count(&self, id: domain::ReplicationId, event_type: &str) -> i64 {
        sqlx::query_scalar("SELECT count(*) FROM events WHERE stream_id = $1 AND event_type = $2")
            .bind(id.stream().as_str())
            .bind(event_type)
            .fetch_one(&self.pool)
            .await
            .unwrap()
    }

    /// Distinct send ids among the run's starts (= `btrfs send` processes run).
    pub(crate) async fn sends(&self, id: domain::ReplicationId) -> i64 {
        sqlx::query_scalar(
            "SELECT count(DISTINCT payload->>'send_id') FROM events
              WHERE stream_id = $1 AND event_type = 'ReplicationTargetStarted'",
        )
        .bind(id.stream().as_str())
        .fetch_one(&self.pool)
        .await
        .unwrap()
    }

    /// Asserts remote `n` holds a complete copy of snapshot `name` with the primary's
    /// content.
    pub(crate) fn assert_copy(&self, n: u8, name: &str) {
        let (ro, received) = self.area.remote_show(n, name);
        assert!(ro, "remote{n}: {name} is not read-only");
        assert_eq!(
            received,
            self.area.uuid_of(&self.area.snapshot(name)),
            "remote{n}: received uuid"
        );
        assert_eq!(
            self.area.remote_sums(n, name),
            self.area.primary_sums(name),
            "remote{n}: content of {name}"
        );
    }
}

#[sqlx::test(migrations = false)]
async fn full_then_incremental_to_three_remotes_with_one_send_each(pool: PgPool) {
    let lab = lab(pool).await;
    let mut targets = Vec::new();
    for n in 1..=3 {
        targets.push(lab.add_target(n, TargetOptions::default()).await);
    }
    lab.area.write_random("a.bin", 8);
    lab.area.write_random("b.bin", 3);
    let (s1, name1) = lab.snapshot().await;

    let r1 = lab.replicate(s1, None).await;
    assert_eq!(lab.state(r1).await, RunState::Succeeded);
    assert_eq!(
        lab.sends(r1).await,
        1,
        "one btrfs send for the three targets"
    );
    assert_eq!(lab.event_count(r1, "ReplicationTargetSucceeded").await, 3);
    let rows = projections::replication_targets(&lab.pool, r1)
        .await
        .unwrap();
    for row in &rows {
        assert_eq!(row.state, TargetState::Succeeded, "{row:?}");
        assert_eq!(row.parent_snapshot_id, None, "first send is full");
        assert_eq!(row.group_size, Some(3));
        assert!(row.bytes > 11 * 1024 * 1024, "{row:?}");
    }
    for n in 1..=3 {
        lab.assert_copy(n, &name1);
    }
    for t in &targets {
        assert_eq!(
            projections::pin_of_target(&lab.pool, *t).await.unwrap(),
            Some(s1)
        );
        let replicas = projections::replicas_of_target(&lab.pool, *t)
            .await
            .unwrap();
        assert_eq!(replicas.len(), 1);
        assert_eq!(replicas[0].snapshot_id, s1);
    }

    // Changes, then an incremental to all three from snapshot 1.
    lab.area.write_random("c.bin", 2);
    std::fs::remove_file(format!("{}/b.bin", lab.area.vol)).unwrap();
    let (s2, name2) = lab.snapshot().await;
    let r2 = lab.replicate(s2, None).await;
    assert_eq!(lab.state(r2).await, RunState::Succeeded);
    assert_eq!(lab.sends(r2).await, 1);
    let rows = projections::replication_targets(&lab.pool, r2)
        .await
        .unwrap();
    for row in &rows {
        assert_eq!(row.state, TargetState::Succeeded, "{row:?}");
        assert_eq!(
            row.parent_snapshot_id,
            Some(s1),
            "incremental from snapshot 1"
        );
        assert!(row.bytes < 4 * 1024 * 1024, "incremental is small: {row:?}");
        // Estimated before sending from a metadata-only send (within 2%).
        let estimate = row.expected_bytes.unwrap();
        assert!(estimate.abs_diff(row.bytes) * 50 < row.bytes, "{row:?}");
    }
    for n in 1..=3 {
        lab.assert_copy(n, &name2);
        lab.assert_copy(n, &name1);
    }

    // A second run of a finished replication is a no-op.
    let before: i64 = sqlx::query_scalar("SELECT count(*) FROM events")
        .fetch_one(&lab.pool)
        .await
        .unwrap();
    lab.engine.run_replication(r2, &meta()).await.unwrap();
    let after: i64 = sqlx::query_scalar("SELECT count(*) FROM events")
        .fetch_one(&lab.pool)
        .await
        .unwrap();
    assert_eq!(before, after);

    // Replicating it again: already there, nothing sent.
    let r3 = lab.replicate(s2, Some(vec![targets[0]])).await;
    assert_eq!(lab.state(r3).await, RunState::Succeeded);
    assert_eq!(lab.sends(r3).await, 0);

    // Pins: retention keeping only the newest still keeps every target's base (s2 is
    // the newest; delete-able s1 is no target's base any more).
    for t in &targets {
        assert_eq!(
            projections::pin_of_target(&lab.pool, *t).await.unwrap(),
            Some(s2)
        );
    }
    // The server of a target cannot be removed.
    let err = lab
        .engine
        .remove_server(lab.remotes[0], &meta())
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains(&targets[0].to_string()),
        "names the target: {err}"
    );
    let _ = lab.primary;

    // The replication projections are a function of the log.
    let live = projections::snapshot(&lab.pool).await.unwrap();
    assert!(
        live.iter()
            .any(|(t, rows)| t == "proj_replication_targets" && rows.len() == 7),
        "three runs' targets are projected"
    );
    projections::rebuild(&lab.pool).await.unwrap();
    assert_eq!(projections::snapshot(&lab.pool).await.unwrap(), live);
}

#[sqlx::test(migrations = false)]
async fn lost_base_full_send_strict_failure_and_half_received_cleanup(pool: PgPool) {
    let lab = lab(pool).await;
    let loose = lab.add_target(1, TargetOptions::default()).await;
    let strict = lab
        .add_target(
            2,
            TargetOptions {
                strict_incremental: true,
                ..TargetOptions::default()
            },
        )
        .await;
    lab.area.write_random("a.bin", 4);
    let (s1, name1) = lab.snapshot().await;

    // Strict: the initial full send is refused with a clear, permanent error.
    let r = lab.replicate(s1, None).await;
    assert_eq!(lab.state(r).await, RunState::PartiallyFailed);
    let rows = projections::replication_targets(&lab.pool, r)
        .await
        .unwrap();
    let strict_row = rows.iter().find(|x| x.target_id == strict).unwrap();
    assert_eq!(strict_row.state, TargetState::Failed);
    assert_eq!(strict_row.error_class, Some(ErrorClass::Permanent));
    assert!(
        strict_row
            .error
            .as_deref()
            .unwrap()
            .contains("strict incremental"),
        "{strict_row:?}"
    );
    lab.assert_copy(1, &name1);

    // Relax strictness once to seed remote2, then make it strict again.
    lab.engine
        .update_target(
            strict,
            &engine::targets::TargetChanges {
                strict_incremental: Some(false),
                ..Default::default()
            },
            &meta(),
        )
        .await
        .unwrap();
    let r = lab.replicate(s1, Some(vec![strict])).await;
    assert_eq!(lab.state(r).await, RunState::Succeeded);
    lab.engine
        .update_target(
            strict,
            &engine::targets::TargetChanges {
                strict_incremental: Some(true),
                ..Default::default()
            },
            &meta(),
        )
        .await
        .unwrap();

    // Delete the common base on both targets.
    for n in [1, 2] {
        ssh_ok(
            n,
            &format!("sudo btrfs subvolume delete {}/{name1}", lab.area.remote(n)),
        );
    }
    lab.area.write_random("b.bin", 1);
    let (s2, name2) = lab.snapshot().await;
    // Plant a half-received subvolume with the name of snapshot 2 on remote1.
    ssh_ok(
        1,
        &format!("sudo btrfs subvolume create {}/{name2}", lab.area.remote(1)),
    );
    let r = lab.replicate(s2, None).await;
    assert_eq!(lab.state(r).await, RunState::PartiallyFailed);
    let rows = projections::replication_targets(&lab.pool, r)
        .await
        .unwrap();
    let loose_row = rows.iter().find(|x| x.target_id == loose).unwrap();
    assert_eq!(loose_row.state, TargetState::Succeeded, "{loose_row:?}");
    assert_eq!(loose_row.parent_snapshot_id, None, "lost base: full send");
    let strict_row = rows.iter().find(|x| x.target_id == strict).unwrap();
    assert_eq!(strict_row.state, TargetState::Failed);
    assert!(
        strict_row
            .error
            .as_deref()
            .unwrap()
            .contains("common base was deleted"),
        "{strict_row:?}"
    );
    assert_eq!(lab.event_count(r, "ReplicaHalfReceivedDeleted").await, 1);
    lab.assert_copy(1, &name2);
    let (ok, _) = ssh(2, &format!("test -e {}/{name2}", lab.area.remote(2)));
    assert!(!ok, "nothing was received on the strict target");
}

#[sqlx::test(migrations = false)]
async fn send_all_missing_sends_in_order_and_prune_keeps_the_pinned_base(pool: PgPool) {
    let lab = lab(pool).await;
    let newest_only = lab.add_target(1, TargetOptions::default()).await;
    let all = lab
        .add_target(
            2,
            TargetOptions {
                missing: MissingMode::AllMissing,
                ..TargetOptions::default()
            },
        )
        .await;
    lab.area.write_random("a.bin", 2);
    let (s1, n1) = lab.snapshot().await;
    let r = lab.replicate(s1, None).await;
    assert_eq!(lab.state(r).await, RunState::Succeeded);
    lab.area.write_random("b.bin", 1);
    let (_s2, n2) = lab.snapshot().await;
    lab.area.write_random("c.bin", 1);
    let (s3, n3) = lab.snapshot().await;
    let r = lab.replicate(s3, None).await;
    assert_eq!(lab.state(r).await, RunState::Succeeded);
    let rows = projections::replication_targets(&lab.pool, r)
        .await
        .unwrap();
    let all_row = rows.iter().find(|x| x.target_id == all).unwrap();
    assert_eq!(all_row.snapshots_sent, 2, "{all_row:?}");
    let only_row = rows.iter().find(|x| x.target_id == newest_only).unwrap();
    assert_eq!(only_row.snapshots_sent, 1, "{only_row:?}");
    assert_eq!(only_row.parent_snapshot_id, Some(s1));
    lab.assert_copy(2, &n2);
    lab.assert_copy(2, &n3);
    lab.assert_copy(1, &n3);
    let (ok, _) = ssh(1, &format!("test -e {}/{n2}", lab.area.remote(1)));
    assert!(!ok, "newest-only skipped snapshot 2");
    let _ = n1;

    // Retention with keep_last 1 on the primary: s3 is newest and every target's base,
    // so it stays; the pins come from the replication projections.
    let pins = projections::pins_of_subvolume(&lab.pool, lab.subvolume)
        .await
        .unwrap();
    assert_eq!(pins.len(), 2);
    assert!(pins.iter().all(|(_, s)| *s == s3));
    // A newer snapshot that no target has yet: keep_last 1 keeps it as the newest and
    // s3 as both targets' common base; s1 and s2 go.
    let (s4, _) = lab.snapshot().await;
    let policy = lab
        .engine
        .create_policy(
            domain::PolicySpec {
                name: format!("keep1-{}", uuid::Uuid::new_v4().simple()),
                schedule: domain::ScheduleSpec {
                    cron: "0 * * * *".into(),
                    time_zone: "UTC".into(),
                },
                retention: domain::RetentionSpec {
                    keep_last: 1,
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
        .unwrap();
    lab.engine
        .assign_policy(lab.subvolume, policy.policy_id, &meta())
        .await
        .unwrap();
    let report = lab
        .engine
        .prune_subvolume(lab.subvolume, chrono::Utc::now(), &meta())
        .await
        .unwrap();
    let mut deleted = report.deleted.clone();
    deleted.sort();
    let mut expected = vec![s1, _s2];
    expected.sort();
    assert_eq!(deleted, expected, "s3 is pinned, s4 the newest: {report:?}");
    let kept: Vec<SnapshotId> = projections::present_snapshots_of(&lab.pool, lab.subvolume)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.snapshot_id)
        .collect();
    assert!(kept.contains(&s3) && kept.contains(&s4), "{kept:?}");
}

#[sqlx::test(migrations = false)]
async fn a_target_directory_that_leaves_the_remotes_root_is_refused_at_add_and_at_use(
    pool: PgPool,
) {
    let lab = lab(pool).await;
    let dir = lab.area.remote(1).to_owned();
    let outside = format!("/tmp/dbt-outside-{}", uuid::Uuid::new_v4().simple());
    let link = format!("{dir}-link");
    ssh_ok(1, &format!("mkdir {outside} && ln -s {outside} {link}"));
    let targets = |pool: &PgPool| {
        let pool = pool.clone();
        async move { projections::targets(&pool, None).await.unwrap().len() }
    };

    // At add: the directory is resolved on the remote, and its real path is outside.
    let err = lab
        .engine
        .add_target(
            lab.subvolume,
            lab.remotes[0],
            &link,
            TargetOptions::default(),
            &meta(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, engine::EngineError::Invalid(_)), "{err}");
    assert!(
        err.to_string()
            .contains("outside the server's allowed roots"),
        "{err}"
    );
    assert_eq!(targets(&lab.pool).await, 0, "nothing recorded");

    // At use: a real directory passes, then is swapped for the symlink out.
    let target = lab.add_target(1, TargetOptions::default()).await;
    let (snapshot, name) = lab.snapshot().await;
    ssh_ok(1, &format!("mv {dir} {dir}-moved && ln -s {outside} {dir}"));
    let run = lab.replicate(snapshot, Some(vec![target])).await;
    assert_eq!(lab.state(run).await, RunState::Failed);
    let received = ssh_ok(1, &format!("ls -A {outside}"));
    assert_eq!(received.trim(), "", "nothing received outside the root");
    let (ok, _) = ssh(1, &format!("test -e {dir}-moved/{name}"));
    assert!(!ok, "nor in the real directory");

    ssh_ok(
        1,
        &format!("rm {dir} {link} && mv {dir}-moved {dir} && rmdir {outside}"),
    );
}

/// A target directory must be on btrfs: a tmpfs mounted inside the remote's allowed root
/// (in its mount namespace) is refused at add, naming the directory, and nothing is
/// recorded.
#[sqlx::test(migrations = false)]
async fn a_target_directory_not_on_btrfs_is_refused(pool: PgPool) {
    let lab = lab(pool).await;
    let dir = format!("{}/tmpfs", lab.area.remote(1));
    ssh_ok(1, &format!("mkdir {dir}"));
    let pid = std::fs::read_to_string(testkit::env("LAB_REMOTE1_PIDFILE")).unwrap();
    let ns = ["nsenter", "--target", pid.trim(), "--mount", "--"];
    let mount: Vec<&str> = ns
        .iter()
        .copied()
        .chain(["mount", "-t", "tmpfs", "tmpfs", &dir])
        .collect();
    testkit::sh(&mount);
    let err = lab
        .engine
        .add_target(
            lab.subvolume,
            lab.remotes[0],
            &dir,
            TargetOptions::default(),
            &meta(),
        )
        .await
        .unwrap_err();
    let umount: Vec<&str> = ns.iter().copied().chain(["umount", &dir]).collect();
    testkit::sh(&umount);
    ssh_ok(1, &format!("rmdir {dir}"));
    assert!(matches!(err, engine::EngineError::Invalid(_)), "{err}");
    let text = err.to_string();
    assert!(
        text.starts_with("directory: ") && text.contains("not on a btrfs filesystem"),
        "{text}"
    );
    assert!(
        projections::targets(&lab.pool, None)
            .await
            .unwrap()
            .is_empty()
    );
    // The btrfs directory beside it is accepted.
    lab.add_target(1, TargetOptions::default()).await;
}

/// One send to a fast and a rate-limited target: the fast one is verified and recorded
/// while the slow one still streams (each member settles when it has the whole stream
/// and the send exited), both end with a complete copy, and no progress event names a
/// target after its success.
#[sqlx::test(migrations = false)]
async fn a_fast_target_is_recorded_while_a_slow_one_still_streams(pool: PgPool) {
    let lab = lab(pool).await;
    // 12 MiB at 1 MiB/s: about 12 s for the slow one, well inside the fan-out's buffer.
    let slow = lab.add_slow_target(1, 1, TargetOptions::default()).await;
    let fast = lab.add_target(2, TargetOptions::default()).await;
    lab.area.write_random("data.bin", 12);
    let (s1, name) = lab.snapshot().await;
    let (id, run) = spawn_replication(&lab.engine, s1, None).await;
    let slow_then = loop {
        let rows = projections::replication_targets(&lab.pool, id)
            .await
            .unwrap();
        let done = |t: TargetId| {
            rows.iter()
                .any(|x| x.target_id == t && x.state == TargetState::Succeeded)
        };
        if done(fast) {
            break rows.into_iter().find(|x| x.target_id == slow).unwrap();
        }
        assert!(
            !run.is_finished(),
            "the run ended before the fast target's success was recorded"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert_eq!(slow_then.state, TargetState::Running, "{slow_then:?}");

    run.await.unwrap().unwrap();
    assert_eq!(lab.state(id).await, RunState::Succeeded);
    assert_eq!(lab.sends(id).await, 1);
    lab.assert_copy(1, &name);
    lab.assert_copy(2, &name);
    let late: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM events p
           JOIN events s ON s.stream_id = p.stream_id
                        AND s.event_type = 'ReplicationTargetSucceeded'
          WHERE p.stream_id = $1 AND p.event_type = 'ReplicationProgress'
            AND p.global_seq > s.global_seq
            AND p.payload->'targets' @> jsonb_build_array(
                    jsonb_build_object('target_id', s.payload->'target_id'))",
    )
    .bind(id.stream().as_str())
    .fetch_one(&lab.pool)
    .await
    .unwrap();
    assert_eq!(late, 0, "progress named a target after its success");
    assert!(lab.event_count(id, "ReplicationProgress").await >= 1);
}
