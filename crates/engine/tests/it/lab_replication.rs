//! Replication against the lab: a managed subvolume on the lab primary (local btrfs,
//! its own directory `<LAB_PRIMARY_MOUNT>/t-<uuid>`), the three lab remotes registered
//! as SSH servers (key auth, sudo btrfs, a real vault), and one fresh target directory
//! per remote under `LAB_REMOTE_TARGET_DIR` (made with `mkdir` over OpenSSH, removed
//! with everything received into it at the end). A fresh database per test.

use domain::lineage::MissingMode;
use domain::replication::TargetOptions;
use domain::{ServerRole, SnapshotId, SubvolumeId, TargetId};
use engine::remote::{Credentials, NewSshServer};
use engine::subvolumes::ManageRequest;
use sqlx::PgPool;
use store::projections;
use testkit::Area;
use testkit::lab::{keys as lab_keys, kill_session_receiving_into, sorted_lines as sums, ssh_as};
use testkit::{Fleet, env, meta, sh, ssh, ssh_ok};

/// The lab primary and remotes 1-3 registered, the area's subvolume managed as "data".
struct Lab {
    fleet: Fleet,
    subvolume: SubvolumeId,
}

impl std::ops::Deref for Lab {
    type Target = Fleet;
    fn deref(&self) -> &Fleet {
        &self.fleet
    }
}

async fn lab(pool: PgPool) -> Lab {
    let fleet = Fleet::with_remotes(pool, &[1, 2, 3]).await;
    let subvolume = fleet.manage(Some("data")).await;
    Lab { fleet, subvolume }
}

impl Lab {
    async fn add_target(&self, n: u8, options: TargetOptions) -> TargetId {
        self.fleet.add_target(self.subvolume, n, options).await
    }
    async fn snapshot(&self) -> (SnapshotId, String) {
        let s = self
            .engine
            .create_snapshot(self.subvolume, &meta())
            .await
            .unwrap();
        (s.snapshot_id, s.name)
    }

    /// Requests and runs a replication; returns its id.
    async fn replicate(
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

    async fn state(&self, id: domain::ReplicationId) -> String {
        projections::replication(&self.pool, id)
            .await
            .unwrap()
            .unwrap()
            .state
    }

    async fn event_count(&self, id: domain::ReplicationId, event_type: &str) -> i64 {
        sqlx::query_scalar("SELECT count(*) FROM events WHERE stream_id = $1 AND event_type = $2")
            .bind(id.stream().as_str())
            .bind(event_type)
            .fetch_one(&self.pool)
            .await
            .unwrap()
    }

    /// Distinct send ids among the run's starts (= `btrfs send` processes run).
    async fn sends(&self, id: domain::ReplicationId) -> i64 {
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
    fn assert_copy(&self, n: u8, name: &str) {
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
    assert_eq!(lab.state(r1).await, "succeeded");
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
        assert_eq!(row.state, "succeeded", "{row:?}");
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
    assert_eq!(lab.state(r2).await, "succeeded");
    assert_eq!(lab.sends(r2).await, 1);
    let rows = projections::replication_targets(&lab.pool, r2)
        .await
        .unwrap();
    for row in &rows {
        assert_eq!(row.state, "succeeded", "{row:?}");
        assert_eq!(
            row.parent_snapshot_id,
            Some(s1),
            "incremental from snapshot 1"
        );
        assert!(row.bytes < 4 * 1024 * 1024, "incremental is small: {row:?}");
        assert!(
            row.expected_bytes.is_none(),
            "no earlier incremental to estimate from"
        );
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
    assert_eq!(lab.state(r3).await, "succeeded");
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
    assert_eq!(lab.state(r).await, "partially_failed");
    let rows = projections::replication_targets(&lab.pool, r)
        .await
        .unwrap();
    let strict_row = rows.iter().find(|x| x.target_id == strict).unwrap();
    assert_eq!(strict_row.state, "failed");
    assert_eq!(strict_row.error_class.as_deref(), Some("permanent"));
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
    assert_eq!(lab.state(r).await, "succeeded");
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
    assert_eq!(lab.state(r).await, "partially_failed");
    let rows = projections::replication_targets(&lab.pool, r)
        .await
        .unwrap();
    let loose_row = rows.iter().find(|x| x.target_id == loose).unwrap();
    assert_eq!(loose_row.state, "succeeded", "{loose_row:?}");
    assert_eq!(loose_row.parent_snapshot_id, None, "lost base: full send");
    let strict_row = rows.iter().find(|x| x.target_id == strict).unwrap();
    assert_eq!(strict_row.state, "failed");
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
    assert_eq!(lab.state(r).await, "succeeded");
    lab.area.write_random("b.bin", 1);
    let (_s2, n2) = lab.snapshot().await;
    lab.area.write_random("c.bin", 1);
    let (s3, n3) = lab.snapshot().await;
    let r = lab.replicate(s3, None).await;
    assert_eq!(lab.state(r).await, "succeeded");
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

impl Lab {
    /// Waits until the run has written more than `bytes` to `target` (progress events).
    async fn wait_for_bytes(&self, id: domain::ReplicationId, target: TargetId, bytes: u64) {
        for _ in 0..600 {
            let rows = projections::replication_targets(&self.pool, id)
                .await
                .unwrap();
            if rows
                .iter()
                .any(|r| r.target_id == target && r.bytes > bytes)
            {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("no progress past {bytes} bytes to {target}");
    }
}

const MIB: u64 = 1024 * 1024;

#[sqlx::test(migrations = false)]
async fn a_dropped_connection_fails_only_that_target_and_the_retry_cleans_up(pool: PgPool) {
    let lab = lab(pool).await;
    let slow = lab
        .add_target(
            1,
            TargetOptions {
                rate_limit_bytes_per_sec: Some(30 * MIB),
                ..TargetOptions::default()
            },
        )
        .await;
    let other = lab.add_target(2, TargetOptions::default()).await;
    lab.area.write_random("big.bin", 300);
    let (s1, name) = lab.snapshot().await;
    let r = lab
        .engine
        .request_replication(s1, None, &meta())
        .await
        .unwrap();
    let run = {
        let engine = lab.engine.clone();
        let id = r.replication_id;
        tokio::spawn(async move { engine.run_replication(id, &meta()).await })
    };
    lab.wait_for_bytes(r.replication_id, slow, 40 * MIB).await;
    assert_eq!(kill_session_receiving_into(lab.area.remote(1)), 1);
    run.await.unwrap().unwrap();

    let id = r.replication_id;
    assert_eq!(lab.state(id).await, "partially_failed");
    assert!(lab.event_count(id, "ReplicationProgress").await >= 1);
    let rows = projections::replication_targets(&lab.pool, id)
        .await
        .unwrap();
    let failed = rows.iter().find(|x| x.target_id == slow).unwrap();
    assert_eq!(failed.state, "failed", "{failed:?}");
    assert_eq!(
        failed.error_class.as_deref(),
        Some("transient"),
        "{failed:?}"
    );
    let ok = rows.iter().find(|x| x.target_id == other).unwrap();
    assert_eq!(ok.state, "succeeded", "{ok:?}");
    lab.assert_copy(2, &name);

    // What the broken receive left is deleted, right after the failure (reconnecting)
    // or by the retry's cleaning, and the retry succeeds.
    let retry = lab.replicate(s1, Some(vec![slow])).await;
    assert_eq!(lab.state(retry).await, "succeeded");
    assert_eq!(
        lab.event_count(id, "ReplicaHalfReceivedDeleted").await
            + lab.event_count(retry, "ReplicaHalfReceivedDeleted").await,
        1
    );
    lab.assert_copy(1, &name);
}

#[sqlx::test(migrations = false)]
async fn a_run_interrupted_like_a_killed_serve_is_resumed_and_cleans_up(pool: PgPool) {
    let lab = lab(pool).await;
    let target = lab
        .add_target(
            3,
            TargetOptions {
                rate_limit_bytes_per_sec: Some(30 * MIB),
                ..TargetOptions::default()
            },
        )
        .await;
    lab.area.write_random("big.bin", 300);
    let (s1, name) = lab.snapshot().await;
    let r = lab
        .engine
        .request_replication(s1, None, &meta())
        .await
        .unwrap();
    let run = lab.engine.spawn_replication(r.replication_id, meta());
    lab.wait_for_bytes(r.replication_id, target, 40 * MIB).await;
    // Dropping the run mid-stream: the send is killed, the receive abandoned, nothing is
    // recorded (as when serve is killed).
    run.abort();
    let _ = run.await;
    assert_eq!(lab.state(r.replication_id).await, "running");
    // Let the abandoned receive notice its stream ended.
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;

    let resumed = lab.engine.resume_replications().await.unwrap();
    assert_eq!(resumed, vec![r.replication_id]);
    for _ in 0..1200 {
        if !matches!(
            lab.state(r.replication_id).await.as_str(),
            "queued" | "running"
        ) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(lab.state(r.replication_id).await, "succeeded");
    assert_eq!(
        lab.event_count(r.replication_id, "ReplicaHalfReceivedDeleted")
            .await,
        1
    );
    assert_eq!(
        lab.event_count(r.replication_id, "ReplicationStarted")
            .await,
        2
    );
    lab.assert_copy(3, &name);
}

/// Runs a shell command as root on lab remote `n` (test setup only).
fn ssh_root(n: u8, cmd: &str) -> String {
    let (ok, text) = ssh_as("root", &env("LAB_ROOT_KEY"), n, cmd);
    assert!(ok, "root@remote{n}: {cmd}: {text}");
    text
}

/// A subvolume and snapshot directory on remote3, used as an SSH *primary*.
struct RemotePrimary {
    dir: String,
}

impl Drop for RemotePrimary {
    fn drop(&mut self) {
        let d = &self.dir;
        let _ = std::panic::catch_unwind(|| {
            ssh_root(
                3,
                &format!(
                    "for s in {d}/snaps/*; do [ -e \"$s\" ] && btrfs subvolume delete \"$s\"; done; \
                     btrfs subvolume delete {d}/vol; rm -rf {d}"
                ),
            )
        });
    }
}

#[sqlx::test(migrations = false)]
async fn an_ssh_primary_relays_the_stream_through_dist_btrfs(pool: PgPool) {
    let lab = lab(pool).await;
    let id = uuid::Uuid::new_v4().simple().to_string();
    let src = RemotePrimary {
        dir: format!("{}/t-{id}-src", env("LAB_REMOTE_TARGET_DIR")),
    };
    let d = &src.dir;
    ssh_root(
        3,
        &format!(
            "mkdir {d} {d}/snaps && btrfs subvolume create {d}/vol >/dev/null && \
             head -c 5000000 /dev/urandom > {d}/vol/a.bin && echo hi > {d}/vol/b.txt"
        ),
    );
    let (engine, vault) = (&lab.engine, &lab.vault);
    let mut servers = Vec::new();
    for (n, name, role) in [
        (3, "primary3", ServerRole::Primary),
        (1, "backup1", ServerRole::Remote),
    ] {
        let req = NewSshServer {
            name: name.into(),
            role,
            ..Fleet::remote_request(n)
        };
        let (server, _) = engine
            .register_ssh_server(vault, &req, &meta())
            .await
            .unwrap();
        servers.push(server.server_id);
    }
    let sv = engine
        .manage_subvolume(
            &ManageRequest {
                server_id: servers[0],
                path: format!("{d}/vol"),
                snapshot_dir: format!("{d}/snaps"),
                name: Some("relay".into()),
            },
            &meta(),
        )
        .await
        .unwrap();
    let target = engine
        .add_target(
            sv.subvolume_id,
            servers[1],
            lab.area.remote(1),
            TargetOptions::default(),
            &meta(),
        )
        .await
        .unwrap();
    let snap = engine
        .create_snapshot(sv.subvolume_id, &meta())
        .await
        .unwrap();
    let r = engine
        .request_replication(snap.snapshot_id, None, &meta())
        .await
        .unwrap();
    engine
        .run_replication(r.replication_id, &meta())
        .await
        .unwrap();
    let rows = projections::replication_targets(&lab.pool, r.replication_id)
        .await
        .unwrap();
    assert_eq!(rows[0].state, "succeeded", "{:?}", rows[0]);
    assert_eq!(rows[0].target_id, target.target_id);
    assert!(rows[0].bytes > 5_000_000);

    let (ro, received) = lab.area.remote_show(1, &snap.name);
    assert!(ro);
    assert_eq!(received, snap.uuid.to_string());
    let primary_sums = sums(&ssh_root(
        3,
        &format!("cd {d}/snaps/{} && sha256sum $(ls)", snap.name),
    ));
    assert_eq!(lab.area.remote_sums(1, &snap.name), primary_sums);
}

/// A small, separate btrfs mounted as a target directory on remote3 (root over SSH):
/// filling it disturbs no other test.
struct SmallFs {
    dir: String,
    img: String,
}

impl SmallFs {
    fn new(id: &str) -> Self {
        let fs = Self {
            dir: format!("{}/t-{id}-full", env("LAB_REMOTE_TARGET_DIR")),
            img: format!("/var/tmp/dist-btrfs-test-{id}.img"),
        };
        ssh_root(
            3,
            &format!(
                "truncate -s 200M {img} && mkfs.btrfs -q {img} >/dev/null 2>&1 && mkdir {d} && \
                 mount -o loop {img} {d}",
                img = fs.img,
                d = fs.dir
            ),
        );
        fs
    }
}

impl Drop for SmallFs {
    fn drop(&mut self) {
        let (d, img) = (&self.dir, &self.img);
        let _ = std::panic::catch_unwind(|| {
            ssh_root(3, &format!("umount {d}; rmdir {d}; rm -f {img}"))
        });
    }
}

/// A target on remote3 whose filesystem is too small for a 300 MiB snapshot.
async fn add_full_target(lab: &Lab) -> (SmallFs, TargetId) {
    let small = SmallFs::new(&uuid::Uuid::new_v4().simple().to_string());
    let full = lab
        .engine
        .add_target(
            lab.subvolume,
            lab.remotes[2],
            &small.dir,
            TargetOptions::default(),
            &meta(),
        )
        .await
        .unwrap()
        .target_id;
    (small, full)
}

#[sqlx::test(migrations = false)]
async fn a_full_target_fails_cleanly_and_the_others_succeed(pool: PgPool) {
    let lab = lab(pool).await;
    let (small, full) = add_full_target(&lab).await;
    let fine = lab.add_target(2, TargetOptions::default()).await;
    lab.area.write_random("big.bin", 300);
    let (s1, name) = lab.snapshot().await;
    let r = lab.replicate(s1, None).await;
    assert_eq!(lab.state(r).await, "partially_failed");
    let rows = projections::replication_targets(&lab.pool, r)
        .await
        .unwrap();
    let failed = rows.iter().find(|x| x.target_id == full).unwrap();
    assert_eq!(failed.state, "failed", "{failed:?}");
    assert!(
        failed.error.as_deref().unwrap().contains("No space left"),
        "{failed:?}"
    );
    assert_eq!(
        rows.iter().find(|x| x.target_id == fine).unwrap().state,
        "succeeded"
    );
    lab.assert_copy(2, &name);
    // Nothing garbled remains on the full target.
    assert_eq!(lab.event_count(r, "ReplicaHalfReceivedDeleted").await, 1);
    let listing = ssh_root(3, &format!("btrfs subvolume list -o {}", small.dir));
    assert!(!listing.contains(&name), "{listing}");
}

/// The only target is full: its receive fails, we close the send's stdout and the send
/// dies of SIGPIPE. The error recorded must be the target's (no space), not the send's.
#[sqlx::test(migrations = false)]
async fn a_sole_full_target_reports_no_space_not_the_sends_broken_pipe(pool: PgPool) {
    let lab = lab(pool).await;
    let (small, full) = add_full_target(&lab).await;
    lab.area.write_random("big.bin", 300);
    let (s1, name) = lab.snapshot().await;
    let r = lab.replicate(s1, None).await;
    assert_eq!(lab.state(r).await, "failed");
    let rows = projections::replication_targets(&lab.pool, r)
        .await
        .unwrap();
    let failed = rows.iter().find(|x| x.target_id == full).unwrap();
    assert_eq!(failed.state, "failed", "{failed:?}");
    let error = failed.error.as_deref().unwrap();
    assert!(error.contains("No space left"), "{failed:?}");
    assert!(!error.contains("btrfs send failed"), "{failed:?}");
    let listing = ssh_root(3, &format!("btrfs subvolume list -o {}", small.dir));
    assert!(!listing.contains(&name), "{listing}");
}

/// Not a benchmark (that is `ops/bench replication`, later): rough figures for one and
/// three targets and an OpenSSH pipeline, printed. Run with
/// `cargo test -p dist-btrfs-engine --test lab_replication -- --ignored --nocapture`.
#[sqlx::test(migrations = false)]
#[ignore = "slow; prints throughput figures"]
async fn throughput_figures(pool: PgPool) {
    let lab = lab(pool).await;
    let extra: Vec<String> = ["b", "ossh"]
        .iter()
        .map(|s| format!("{}-{s}", lab.area.remote(1)))
        .collect();
    for d in &extra {
        ssh_ok(1, &format!("mkdir {d}"));
    }
    let one = lab.add_target(1, TargetOptions::default()).await;
    let mut three = Vec::new();
    three.push(
        lab.engine
            .add_target(
                lab.subvolume,
                lab.remotes[0],
                &extra[0],
                TargetOptions::default(),
                &meta(),
            )
            .await
            .unwrap()
            .target_id,
    );
    three.push(lab.add_target(2, TargetOptions::default()).await);
    three.push(lab.add_target(3, TargetOptions::default()).await);
    lab.area.write_random("big.bin", 1024);
    let (s1, name) = lab.snapshot().await;
    let mb = |bytes: u64, ms: u64| bytes as f64 / 1e6 / (ms as f64 / 1000.0);

    let r = lab.replicate(s1, Some(vec![one])).await;
    let row = &projections::replication_targets(&lab.pool, r)
        .await
        .unwrap()[0];
    let (bytes, ms) = (row.bytes, row.duration_ms.unwrap());
    println!(
        "dist-btrfs, 1 target : {bytes} B in {ms} ms = {:.0} MB/s",
        mb(bytes, ms)
    );

    let r = lab.replicate(s1, Some(three.clone())).await;
    let rows = projections::replication_targets(&lab.pool, r)
        .await
        .unwrap();
    let ms = rows.iter().filter_map(|r| r.duration_ms).max().unwrap();
    let total: u64 = rows.iter().map(|r| r.bytes).sum();
    println!(
        "dist-btrfs, 3 targets: {total} B in {ms} ms = {:.0} MB/s aggregate",
        mb(total, ms)
    );

    let started = std::time::Instant::now();
    sh(&[
        "sh",
        "-c",
        &format!(
            "btrfs send -q {snaps}/{name} | ssh -c aes128-gcm@openssh.com -i {key} -p {port} \
             -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
             {user}@{addr} sudo btrfs receive {dir}",
            snaps = lab.area.snaps,
            key = env("LAB_SSH_KEY"),
            port = env("LAB_REMOTE1_PORT"),
            user = env("LAB_SSH_USER"),
            addr = env("LAB_REMOTE1_ADDR"),
            dir = extra[1]
        ),
    ]);
    let ms = u64::try_from(started.elapsed().as_millis()).unwrap();
    println!(
        "OpenSSH aes128-gcm, 1: {bytes} B in {ms} ms = {:.0} MB/s",
        mb(bytes, ms)
    );
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let peak = status
        .lines()
        .find(|l| l.starts_with("VmHWM"))
        .unwrap_or_default();
    println!("peak memory of this test process (1 GiB sent 1 + 3 times): {peak}");
    for d in &extra {
        let _ = ssh(
            1,
            &format!(
                "for s in {d}/*; do [ -e \"$s\" ] && sudo btrfs subvolume delete \"$s\"; done; rmdir {d}"
            ),
        );
    }
}

/// Writes `mib` MiB of very compressible text to `vol/<name>`.
fn write_compressible(area: &Area, name: &str, mib: u32) {
    sh(&[
        "sh",
        "-c",
        &format!(
            "yes 'dist-btrfs compressible line of text 0123456789' | head -c {}M > {}/{name}",
            mib, area.vol
        ),
    ]);
}

impl Lab {
    /// The payloads of a target's `event_type` events in a run, in order.
    async fn payloads(
        &self,
        id: domain::ReplicationId,
        target: TargetId,
        event_type: &str,
    ) -> Vec<serde_json::Value> {
        sqlx::query_scalar(
            "SELECT payload FROM events WHERE stream_id = $1 AND event_type = $2
                AND payload->>'target_id' = $3 ORDER BY global_seq",
        )
        .bind(id.stream().as_str())
        .bind(event_type)
        .bind(target.to_string())
        .fetch_all(&self.pool)
        .await
        .unwrap()
    }

    /// (compression, compression_fallback) of each ReplicationTargetStarted of a target.
    async fn compressions(
        &self,
        id: domain::ReplicationId,
        target: TargetId,
    ) -> Vec<(String, Option<String>)> {
        let p = self.payloads(id, target, "ReplicationTargetStarted").await;
        p.iter()
            .map(|p| {
                let fallback = p.get("compression_fallback").and_then(|v| v.as_str());
                (
                    p["compression"].as_str().unwrap().to_owned(),
                    fallback.map(str::to_owned),
                )
            })
            .collect()
    }

    /// (stream bytes, wire bytes) of each ReplicationTargetSucceeded of a target.
    async fn byte_counts(&self, id: domain::ReplicationId, target: TargetId) -> Vec<(u64, u64)> {
        let p = self
            .payloads(id, target, "ReplicationTargetSucceeded")
            .await;
        p.iter()
            .map(|p| {
                (
                    p["bytes"].as_u64().unwrap(),
                    p["wire_bytes"].as_u64().unwrap(),
                )
            })
            .collect()
    }
}

fn zstd_options() -> TargetOptions {
    TargetOptions {
        compression: domain::replication::Compression::Zstd,
        ..TargetOptions::default()
    }
}

#[sqlx::test(migrations = false)]
async fn a_zstd_target_shares_the_send_with_a_plain_one_and_gets_fewer_bytes(pool: PgPool) {
    let lab = lab(pool).await;
    let packed = lab.add_target(1, zstd_options()).await;
    let plain = lab.add_target(2, TargetOptions::default()).await;
    write_compressible(&lab.area, "text.txt", 24);
    lab.area.write_random("noise.bin", 1);
    let (s1, name1) = lab.snapshot().await;
    let r1 = lab.replicate(s1, None).await;
    assert_eq!(lab.state(r1).await, "succeeded");
    assert_eq!(lab.sends(r1).await, 1, "one btrfs send for both targets");
    lab.assert_copy(1, &name1);
    lab.assert_copy(2, &name1);
    assert_eq!(lab.compressions(r1, packed).await, [("zstd".into(), None)]);
    assert_eq!(lab.compressions(r1, plain).await, [("none".into(), None)]);
    let [(stream, wire)] = lab.byte_counts(r1, packed).await[..] else {
        panic!("one success")
    };
    let [(plain_stream, plain_wire)] = lab.byte_counts(r1, plain).await[..] else {
        panic!("one success")
    };
    println!("full send: stream {stream} bytes, zstd wire {wire} bytes, plain wire {plain_wire}");
    assert_eq!(stream, plain_stream, "the same stream");
    assert_eq!(plain_wire, plain_stream);
    assert!(stream > 25 * 1024 * 1024, "{stream}");
    assert!(wire * 4 < stream, "compressed: {wire} of {stream}");
    let rows = projections::replication_targets(&lab.pool, r1)
        .await
        .unwrap();
    for row in &rows {
        let zstd = row.target_id == packed;
        let expect = if zstd { "zstd" } else { "none" };
        assert_eq!(row.compression.as_deref(), Some(expect), "{row:?}");
        assert_eq!(row.compression_fallback, None);
        assert_eq!(row.bytes, stream);
        let w = if zstd { wire } else { plain_wire };
        assert_eq!(row.wire_bytes, Some(w), "{row:?}");
    }

    // An incremental through zstd too.
    write_compressible(&lab.area, "more.txt", 8);
    let (s2, name2) = lab.snapshot().await;
    let r2 = lab.replicate(s2, Some(vec![packed])).await;
    assert_eq!(lab.state(r2).await, "succeeded");
    lab.assert_copy(1, &name2);
    let rows = projections::replication_targets(&lab.pool, r2)
        .await
        .unwrap();
    assert_eq!(rows[0].parent_snapshot_id, Some(s1));
    let [(stream, wire)] = lab.byte_counts(r2, packed).await[..] else {
        panic!("one success")
    };
    println!("incremental: stream {stream} bytes, zstd wire {wire} bytes");
    assert!(wire * 4 < stream, "compressed: {wire} of {stream}");
}

#[sqlx::test(migrations = false)]
async fn without_zstd_on_the_remote_a_zstd_target_gets_the_raw_stream_with_a_warning(pool: PgPool) {
    let lab = lab(pool).await;
    // Remote 2 through the restricted wrapper, whose zstd does not exist: `zstd
    // --version` exits 127 there, as on a host without zstd.
    let key = lab_keys::restricted_key(
        &env("LAB_REMOTE_MOUNT"),
        " --sudo --no-syslog --zstd /nonexistent/zstd",
    );
    let req = NewSshServer {
        name: "remote2-without-zstd".into(),
        credentials: Credentials::Key {
            key: std::fs::read_to_string(&key.key).unwrap().into(),
            passphrase: None,
        },
        ..Fleet::remote_request(2)
    };
    let (server, _) = lab
        .engine
        .register_ssh_server(&lab.vault, &req, &meta())
        .await
        .unwrap();
    let target = lab
        .engine
        .add_target(
            lab.subvolume,
            server.server_id,
            lab.area.remote(2),
            zstd_options(),
            &meta(),
        )
        .await
        .unwrap()
        .target_id;
    write_compressible(&lab.area, "text.txt", 4);
    let (s1, name1) = lab.snapshot().await;
    let r1 = lab.replicate(s1, None).await;
    assert_eq!(
        lab.state(r1).await,
        "succeeded",
        "{:?}",
        projections::replication_targets(&lab.pool, r1)
            .await
            .unwrap()
    );
    lab.assert_copy(2, &name1);
    let started = lab.compressions(r1, target).await;
    assert_eq!(started.len(), 1);
    assert_eq!(started[0].0, "none");
    let why = started[0].1.clone().unwrap_or_default();
    assert!(
        why.contains("zstd") && why.contains("uncompressed"),
        "{why}"
    );
    let [(stream, wire)] = lab.byte_counts(r1, target).await[..] else {
        panic!("one success")
    };
    assert_eq!(stream, wire, "sent uncompressed");
    let row = &projections::replication_targets(&lab.pool, r1)
        .await
        .unwrap()[0];
    assert_eq!(row.compression.as_deref(), Some("none"));
    assert_eq!(row.compression_fallback.as_deref(), Some(why.as_str()));
    assert_eq!(row.wire_bytes, Some(wire));
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
    assert_eq!(lab.state(run).await, "failed");
    let received = ssh_ok(1, &format!("ls -A {outside}"));
    assert_eq!(received.trim(), "", "nothing received outside the root");
    let (ok, _) = ssh(1, &format!("test -e {dir}-moved/{name}"));
    assert!(!ok, "nor in the real directory");

    ssh_ok(
        1,
        &format!("rm {dir} {link} && mv {dir}-moved {dir} && rmdir {outside}"),
    );
}
