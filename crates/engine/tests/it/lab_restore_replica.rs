//! Restore from a replica against the lab: a snapshot the primary lost, a primary whose
//! filesystem was wiped (a loop filesystem of the test's own, made again), a replica
//! received onto another server, a restore killed mid-stream, and replica verification
//! (the rest of the restore tests are in `lab_restore`).

use std::sync::Arc;

use crate::lab_replication::{Lab, lab};
use domain::SnapshotId;
use domain::replication::TargetOptions;
use domain::restore::{RestoreMode, RestoreState};
use engine::EngineError;
use sqlx::PgPool;
use store::projections;
use testkit::{meta, sh};

use crate::lab_restore::{populate, request, restore, sums};

/// A btrfs filesystem of the test's own: a sparse image loop-mounted under /var/tmp, so
/// that a test can wipe it (`mkfs.btrfs` again) without touching the shared lab
/// primary. Unmounted and removed on drop (declare it before what lives on it).
struct OwnFs {
    dir: tempfile::TempDir,
    mnt: String,
}

impl OwnFs {
    fn new() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("dbt-ownfs")
            .tempdir_in("/var/tmp")
            .unwrap();
        let mnt = dir.path().join("mnt").to_str().unwrap().to_owned();
        std::fs::create_dir(&mnt).unwrap();
        let fs = Self { dir, mnt };
        sh(&["truncate", "-s", "1G", &fs.image()]);
        fs.mkfs_and_mount();
        fs
    }

    fn image(&self) -> String {
        self.dir.path().join("fs.img").to_str().unwrap().to_owned()
    }

    fn mkfs_and_mount(&self) {
        sh(&["mkfs.btrfs", "-q", "-f", &self.image()]);
        sh(&["mount", "-o", "loop", &self.image(), &self.mnt]);
    }

    /// A new, empty filesystem in place of the old one.
    fn wipe(&self) {
        sh(&["umount", &self.mnt]);
        self.mkfs_and_mount();
    }
}

impl Drop for OwnFs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.mnt).output();
    }
}

/// The bytes and parent of the last send of `snapshot` to `target`.
async fn last_send(
    lab: &Lab,
    target: domain::TargetId,
    snapshot: SnapshotId,
) -> (Option<uuid::Uuid>, i64) {
    sqlx::query_as(
        "SELECT parent_snapshot_id, bytes FROM proj_replication_targets
          WHERE target_id = $1 AND snapshot_id = $2 ORDER BY updated_at DESC LIMIT 1",
    )
    .bind(target.as_uuid())
    .bind(snapshot.as_uuid())
    .fetch_one(&lab.pool)
    .await
    .unwrap()
}

#[sqlx::test]
async fn a_lost_snapshot_comes_back_from_a_replica_incrementally(pool: PgPool) {
    let lab = lab(pool).await;
    populate(&lab);
    let target = lab.add_target(1, TargetOptions::default()).await;
    let (s1, _) = lab.snapshot().await;
    lab.replicate(s1, None).await;
    lab.area.write_random("big.bin", 8);
    let (s2, s2_name) = lab.snapshot().await;
    lab.replicate(s2, None).await;
    let original = sums(&lab.area.snapshot(&s2_name));
    lab.engine.delete_snapshot(s2, None, &meta()).await.unwrap();

    // Not on the primary: only a replica can bring it back.
    let err = lab
        .engine
        .request_restore(request(RestoreMode::Snapshot, s2), &meta())
        .await
        .unwrap_err();
    assert!(matches!(err, EngineError::Invalid(_)), "{err}");
    let err = lab
        .engine
        .request_restore(request(RestoreMode::Rollback, s2), &meta())
        .await
        .unwrap_err();
    assert!(matches!(err, EngineError::Conflict(_)), "{err}");
    let replica = projections::replicas_of_snapshot(&lab.pool, s2)
        .await
        .unwrap()
        .remove(0);
    let mut req = request(RestoreMode::Snapshot, s2);
    req.source_replica_id = Some(replica.replica_id);
    let id = restore(&lab, req).await.unwrap();

    let view = projections::restore(&lab.pool, id).await.unwrap().unwrap();
    assert_eq!(
        view.incremental_from,
        Some(s1),
        "sent against the common s1"
    );
    assert!(
        view.bytes > 8 << 20 && view.bytes < 10 << 20,
        "{} bytes",
        view.bytes
    );
    let snap = projections::snapshot_by_id(&lab.pool, s2)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(snap.state, domain::catalog::SnapshotState::Present);
    assert_eq!(sums(&snap.path), original);

    // Replication goes on incrementally from the restored snapshot. (Its size is not
    // small here: the received copy shares no extents with the live subvolume, which
    // still holds big.bin, so send compares different extents and sends them.)
    let (s3, _) = lab.snapshot().await;
    lab.replicate(s3, None).await;
    let (parent, _) = last_send(&lab, target, s3).await;
    assert_eq!(parent, Some(s2.as_uuid()));
}

#[sqlx::test]
async fn a_wiped_primary_is_rebuilt_from_a_replica_and_replication_resumes(pool: PgPool) {
    // The primary's filesystem is one of the test's own, so that it can really be wiped.
    let fs = OwnFs::new();
    let area = testkit::Area::under_with_remotes(&fs.mnt, &[1]);
    let fleet = testkit::Fleet::build(pool, area, Arc::new(btrfs::LocalHost::new()), &[1]).await;
    let subvolume = fleet.manage(Some("data")).await;
    let lab = Lab { fleet, subvolume };
    populate(&lab);
    let target = lab.add_target(1, TargetOptions::default()).await;
    let (s1, _) = lab.snapshot().await;
    lab.replicate(s1, None).await;
    lab.area.write_random("big.bin", 8);
    let (s2, s2_name) = lab.snapshot().await;
    lab.replicate(s2, None).await;
    let original = sums(&lab.area.snapshot(&s2_name));

    // The primary loses its filesystem: a new, empty one is made on the same device and
    // mounted where it was; the operator puts back the allowed root directory only.
    fs.wipe();
    assert!(!std::path::Path::new(&lab.area.dir).exists());
    std::fs::create_dir(&lab.area.dir).unwrap();

    // One request: receive s2 back, then recreate the subvolume from it.
    let replica = projections::replicas_of_snapshot(&lab.pool, s2)
        .await
        .unwrap()
        .remove(0);
    let mut req = request(RestoreMode::Rollback, s2);
    req.source_replica_id = Some(replica.replica_id);
    let id = restore(&lab, req).await.unwrap();
    let view = projections::restore(&lab.pool, id).await.unwrap().unwrap();
    assert_eq!(
        view.incremental_from, None,
        "nothing in common: a full send"
    );
    assert_eq!(view.pre_restore_snapshot_id, None, "nothing to keep");
    assert_eq!(sums(&lab.area.vol), original);
    assert_eq!(sums(&lab.area.snapshot(&s2_name)), original);

    let (s3, _) = lab.snapshot().await;
    lab.replicate(s3, None).await;
    let (parent, bytes) = last_send(&lab, target, s3).await;
    assert_eq!(
        parent,
        Some(s2.as_uuid()),
        "incremental from the restored snapshot"
    );
    assert!(bytes < 1 << 20, "{bytes} bytes after the rebuild");
}

#[sqlx::test]
async fn a_restore_killed_mid_stream_leaves_nothing_and_its_retry_finishes(pool: PgPool) {
    let lab = lab(pool).await;
    lab.area.write_random("big.bin", 96);
    lab.add_target(1, TargetOptions::default()).await;
    let (s1, s1_name) = lab.snapshot().await;
    lab.replicate(s1, None).await;
    let original = sums(&lab.area.snapshot(&s1_name));
    lab.engine.delete_snapshot(s1, None, &meta()).await.unwrap();
    let replica = projections::replicas_of_snapshot(&lab.pool, s1)
        .await
        .unwrap()
        .remove(0);
    let mut req = request(RestoreMode::Snapshot, s1);
    req.source_replica_id = Some(replica.replica_id);
    let view = lab.engine.request_restore(req, &meta()).await.unwrap();

    // Kill the primary's `btrfs receive` once it has started writing the copy.
    let dest = lab.area.snapshot(&s1_name);
    let engine = lab.engine.clone();
    let run =
        tokio::spawn(async move { engine.run_restore(view.request.restore_id, &meta()).await });
    let mut killed = false;
    for _ in 0..400 {
        if std::path::Path::new(&format!("{dest}/big.bin")).exists() {
            let out = std::process::Command::new("pkill")
                .args(["-KILL", "-f", &format!("btrfs receive {}", lab.area.snaps)])
                .status()
                .unwrap();
            killed = out.success();
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    assert!(killed, "the receive was not caught mid-stream");
    let first = run.await.unwrap();
    assert!(
        first.is_err(),
        "a killed receive must fail the attempt: {first:?}"
    );
    assert!(
        !std::path::Path::new(&dest).exists(),
        "a half-received copy was left at {dest}"
    );

    let done = lab
        .engine
        .run_restore(view.request.restore_id, &meta())
        .await
        .unwrap();
    assert_eq!(done.state, RestoreState::Succeeded, "{:?}", done.error);
    assert_eq!(sums(&dest), original);
}

#[sqlx::test]
async fn verify_finds_a_good_replica_equal_and_a_tampered_one_different(pool: PgPool) {
    let lab = lab(pool).await;
    populate(&lab);
    let target = lab.add_target(1, TargetOptions::default()).await;
    let (s1, s1_name) = lab.snapshot().await;
    lab.replicate(s1, None).await;
    let replica = projections::replicas_of_snapshot(&lab.pool, s1)
        .await
        .unwrap()
        .remove(0);

    let run = |percent| {
        let engine = lab.engine.clone();
        let id = replica.replica_id;
        async move {
            let view = engine.request_verify(id, percent, &meta()).await.unwrap();
            let done = engine
                .run_restore(view.request.restore_id, &meta())
                .await
                .unwrap();
            assert_eq!(done.state, RestoreState::Succeeded, "{:?}", done.error);
        }
    };
    run(100).await;
    let checked = projections::replica(&lab.pool, replica.replica_id)
        .await
        .unwrap()
        .unwrap();
    let v = checked.verification.unwrap();
    assert!(v.ok, "{:?}", v.mismatches);
    assert_eq!(v.files_compared, 27, "every regular file");
    run(1).await;
    let v = projections::replica(&lab.pool, replica.replica_id)
        .await
        .unwrap()
        .unwrap()
        .verification
        .unwrap();
    assert!(
        v.ok && v.files_compared >= 1 && v.sample_percent == 1,
        "{v:?}"
    );

    // Change one file's bytes on the target (same size): only the digests can tell.
    let path = format!("{}/{s1_name}/dir/b.txt", lab.area.remote(1));
    let root_key = testkit::env("LAB_ROOT_PUBKEY")
        .trim_end_matches(".pub")
        .to_owned();
    let snap_dir = format!("{}/{s1_name}", lab.area.remote(1));
    let (ok, out) = testkit::lab::ssh_as(
        "root",
        &root_key,
        1,
        &format!(
            "btrfs property set -f -ts {snap_dir} ro false && printf BRAVO | dd of={path} conv=notrunc status=none && btrfs property set -ts {snap_dir} ro true"
        ),
    );
    assert!(ok, "{out}");
    run(100).await;
    let v = projections::replica(&lab.pool, replica.replica_id)
        .await
        .unwrap()
        .unwrap()
        .verification
        .unwrap();
    assert!(!v.ok);
    // Making it writable to tamper with it also cleared its received_uuid (btrfs does).
    assert_eq!(v.mismatches.len(), 2, "{:?}", v.mismatches);
    assert!(
        v.mismatches[0].starts_with("received_uuid is None"),
        "{:?}",
        v.mismatches
    );
    assert_eq!(v.mismatches[1], "content differs: dir/b.txt");
    assert_eq!(
        lab.count("SELECT count(*) FROM events WHERE event_type = 'ReplicaVerified'")
            .await,
        3
    );
    let _ = target;

    for bad in [0u8, 101] {
        let err = lab
            .engine
            .request_verify(replica.replica_id, bad, &meta())
            .await
            .unwrap_err();
        assert!(matches!(err, EngineError::Invalid(_)), "{bad}: {err}");
    }
}

#[sqlx::test]
async fn a_replica_is_received_onto_another_server_then_again_incrementally(pool: PgPool) {
    let lab = lab(pool).await;
    populate(&lab);
    lab.add_target(1, TargetOptions::default()).await;
    let (s1, s1_name) = lab.snapshot().await;
    lab.replicate(s1, None).await;
    lab.area.write_random("big.bin", 8);
    let (s2, s2_name) = lab.snapshot().await;
    lab.replicate(s2, None).await;
    let elsewhere = lab.area.remote(2).to_owned();
    let to_remote2 = |s: SnapshotId, replica: domain::ReplicaId, dir: &str| {
        let mut req = request(RestoreMode::Snapshot, s);
        req.source_replica_id = Some(replica);
        req.destination_server_id = Some(lab.fleet.remote_id(2));
        req.destination = Some(dir.to_owned());
        req
    };
    let replica_of = |s: SnapshotId| {
        let pool = lab.pool.clone();
        async move {
            projections::replicas_of_snapshot(&pool, s)
                .await
                .unwrap()
                .remove(0)
                .replica_id
        }
    };
    let restores_before = projections::restores(&lab.pool, None, None, 100)
        .await
        .unwrap()
        .len();

    // Refused before anything is recorded: a directory that is not there, another mode.
    for req in [
        to_remote2(s1, replica_of(s1).await, &format!("{elsewhere}/missing")),
        {
            let mut r = to_remote2(s1, replica_of(s1).await, &elsewhere);
            r.mode = RestoreMode::NewSubvolume;
            r
        },
    ] {
        let err = lab.engine.request_restore(req, &meta()).await.unwrap_err();
        assert!(matches!(err, EngineError::Invalid(_)), "{err}");
    }
    assert_eq!(
        projections::restores(&lab.pool, None, None, 100)
            .await
            .unwrap()
            .len(),
        restores_before
    );

    for (s, name, parent) in [(s1, &s1_name, None), (s2, &s2_name, Some(s1))] {
        let id = restore(&lab, to_remote2(s, replica_of(s).await, &elsewhere))
            .await
            .unwrap();
        let view = projections::restore(&lab.pool, id).await.unwrap().unwrap();
        assert_eq!(view.incremental_from, parent, "{name}");
        assert_eq!(
            view.result_path.as_deref(),
            Some(format!("{elsewhere}/{name}").as_str())
        );
        if parent.is_some() {
            assert!(view.bytes < 10 << 20, "incremental: {} bytes", view.bytes);
        }
        let (ro, received) = lab.area.remote_show(2, name);
        assert!(ro, "{name} on remote2 is read-only");
        assert_eq!(received, lab.area.uuid_of(&lab.area.snapshot(name)));
        let on_remote2 = testkit::lab::ssh_ok(
            2,
            &format!(
                "cd '{elsewhere}/{name}' && find . -type f -print0 | sort -z | xargs -0 -r sha256sum"
            ),
        );
        assert_eq!(on_remote2, sums(&lab.area.snapshot(name)));
    }
    // Again: the copy is there, nothing is sent; the catalog describes the primary only.
    let id = restore(&lab, to_remote2(s2, replica_of(s2).await, &elsewhere))
        .await
        .unwrap();
    let view = projections::restore(&lab.pool, id).await.unwrap().unwrap();
    assert_eq!(view.bytes, 0);
    for s in [s1, s2] {
        let snap = projections::snapshot_by_id(&lab.pool, s)
            .await
            .unwrap()
            .unwrap();
        assert!(snap.path.starts_with(&lab.area.snaps), "{}", snap.path);
    }
}

/// Found by ops/bench/faults: a replication rewrote the target's replica list from the
/// snapshots still on the primary, so the replica of a snapshot the primary had pruned
/// fell out of the catalog (never pruned on the target, never restorable).
#[sqlx::test]
async fn a_replica_stays_catalogued_after_its_snapshot_left_the_primary(pool: PgPool) {
    let lab = lab(pool).await;
    let target = lab.add_target(1, TargetOptions::default()).await;
    let (s1, _) = lab.snapshot().await;
    lab.replicate(s1, None).await;
    let (s2, _) = lab.snapshot().await;
    lab.replicate(s2, None).await;
    lab.engine.delete_snapshot(s1, None, &meta()).await.unwrap();
    let (s3, _) = lab.snapshot().await;
    lab.replicate(s3, None).await;

    let replicas = projections::replicas_of_target(&lab.pool, target)
        .await
        .unwrap();
    let ids: Vec<SnapshotId> = replicas.iter().map(|r| r.snapshot_id).collect();
    assert_eq!(
        ids,
        vec![s1, s2, s3],
        "every copy on the target is catalogued"
    );
    let (parent, _) = last_send(&lab, target, s3).await;
    assert_eq!(
        parent,
        Some(s2.as_uuid()),
        "the base is one both sides hold"
    );

    let mut req = request(RestoreMode::Snapshot, s1);
    req.source_replica_id = replicas
        .iter()
        .find(|r| r.snapshot_id == s1)
        .map(|r| r.replica_id);
    restore(&lab, req).await.unwrap();
    let snap = projections::snapshot_by_id(&lab.pool, s1)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(snap.state, domain::catalog::SnapshotState::Present);
}
