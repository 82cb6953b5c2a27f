//! Browse, restore and replica management against the lab: a managed subvolume on the
//! lab primary with real files, snapshots, replicas on lab remotes, and every restore
//! mode checked by content (sha256) against the snapshot it came from.

use domain::paths::InnerPath;
use domain::replication::TargetOptions;
use domain::restore::{RestoreMode, RestoreState};
use domain::{RestoreId, SnapshotId};
use engine::EngineError;
use engine::browse::{EntryKind, Source};
use engine::restore::RestoreRequest;
use sqlx::PgPool;
use store::projections;
use testkit::{meta, sh};
use tokio::io::AsyncReadExt;

use crate::lab_replication::{Lab, lab};

pub(crate) fn p(s: &str) -> InnerPath {
    InnerPath::parse(s).unwrap()
}

/// sha256 of every regular file below `dir`, as sorted "hash  relative-path" lines.
pub(crate) fn sums(dir: &str) -> String {
    sh(&[
        "sh",
        "-c",
        &format!("cd '{dir}' && find . -type f -print0 | sort -z | xargs -0 -r sha256sum"),
    ])
}

/// Files, a directory of 25, a symlink out of the snapshot and one inside it.
pub(crate) fn populate(lab: &Lab) {
    let vol = &lab.area.vol;
    lab.area.write("a.txt", b"alpha\n");
    std::fs::create_dir_all(format!("{vol}/dir/many")).unwrap();
    std::fs::write(format!("{vol}/dir/b.txt"), b"bravo\n").unwrap();
    for i in 0..25 {
        std::fs::write(format!("{vol}/dir/many/f{i:02}"), format!("{i}\n")).unwrap();
    }
    std::os::unix::fs::symlink("/etc", format!("{vol}/escape")).unwrap();
    std::os::unix::fs::symlink("dir", format!("{vol}/inner-link")).unwrap();
}

pub(crate) async fn restore(lab: &Lab, req: RestoreRequest) -> Result<RestoreId, EngineError> {
    let view = lab.engine.request_restore(req, &meta()).await?;
    let done = lab
        .engine
        .run_restore(view.request.restore_id, &meta())
        .await?;
    assert_eq!(done.state, RestoreState::Succeeded, "{:?}", done.error);
    Ok(view.request.restore_id)
}

pub(crate) fn request(mode: RestoreMode, snapshot: SnapshotId) -> RestoreRequest {
    RestoreRequest {
        mode,
        snapshot_id: snapshot,
        source_replica_id: None,
        destination: None,
        destination_server_id: None,
        paths: Vec::new(),
        overwrite: false,
    }
}

#[sqlx::test]
async fn browse_pages_a_snapshot_and_refuses_paths_that_leave_it(pool: PgPool) {
    let lab = lab(pool).await;
    populate(&lab);
    let (snap, _) = lab.snapshot().await;
    let source = Source::Snapshot(snap);

    let top = lab
        .engine
        .list_tree(source, &p(""), None, 100)
        .await
        .unwrap();
    let names: Vec<&str> = top.entries.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["a.txt", "dir", "escape", "inner-link"]);
    let escape = &top.entries[2];
    assert_eq!(
        (escape.kind, escape.symlink_target.as_deref()),
        (EntryKind::Symlink, Some("/etc"))
    );
    assert_eq!((top.entries[0].size, top.entries[0].mode), (6, 0o644));

    // 25 entries in pages of 10: three pages, all names once, in order.
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let page = lab
            .engine
            .list_tree(source, &p("dir/many"), cursor.as_deref(), 10)
            .await
            .unwrap();
        seen.extend(page.entries.iter().map(|e| e.name.clone()));
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    let expected: Vec<String> = (0..25).map(|i| format!("f{i:02}")).collect();
    assert_eq!(seen, expected);

    // A symlink inside the snapshot is followed; one leaving it is refused.
    let via_link = lab
        .engine
        .list_tree(source, &p("inner-link"), None, 10)
        .await
        .unwrap();
    assert_eq!(via_link.entries.len(), 2);
    for bad in ["escape", "escape/passwd", "dir/b.txt"] {
        let err = lab
            .engine
            .list_tree(source, &p(bad), None, 10)
            .await
            .unwrap_err();
        assert!(matches!(err, EngineError::Invalid(_)), "{bad}: {err}");
    }
    let missing = lab
        .engine
        .list_tree(source, &p("nope"), None, 10)
        .await
        .unwrap_err();
    assert!(matches!(missing, EngineError::NotFound(_)), "{missing}");

    // A download streams the bytes and is recorded; escapes and directories are refused.
    let mut file = lab
        .engine
        .open_file(source, &p("dir/b.txt"), &meta())
        .await
        .unwrap();
    let mut bytes = Vec::new();
    file.reader.read_to_end(&mut bytes).await.unwrap();
    assert_eq!(
        (bytes.as_slice(), file.name.as_str(), file.size),
        (&b"bravo\n"[..], "b.txt", 6)
    );
    assert_eq!(
        lab.count("SELECT count(*) FROM events WHERE event_type = 'FileDownloaded'")
            .await,
        1
    );
    for bad in ["escape/passwd", "dir"] {
        let err = lab
            .engine
            .open_file(source, &p(bad), &meta())
            .await
            .err()
            .unwrap();
        assert!(matches!(err, EngineError::Invalid(_)), "{bad}: {err}");
    }
    assert_eq!(
        lab.count("SELECT count(*) FROM events WHERE event_type = 'FileDownloaded'")
            .await,
        1
    );
}

#[sqlx::test]
async fn a_replica_is_browsed_and_downloaded_over_ssh(pool: PgPool) {
    let lab = lab(pool).await;
    populate(&lab);
    let target = lab.add_target(1, TargetOptions::default()).await;
    let (snap, _) = lab.snapshot().await;
    lab.replicate(snap, None).await;
    let replica = projections::replicas_of_target(&lab.pool, target)
        .await
        .unwrap()
        .remove(0);
    let same = projections::replica(&lab.pool, replica.replica_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(same.snapshot_id, snap);

    let source = Source::Replica(replica.replica_id);
    let top = lab
        .engine
        .list_tree(source, &p(""), None, 100)
        .await
        .unwrap();
    let names: Vec<&str> = top.entries.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["a.txt", "dir", "escape", "inner-link"]);
    let mut file = lab
        .engine
        .open_file(source, &p("a.txt"), &meta())
        .await
        .unwrap();
    let mut bytes = Vec::new();
    file.reader.read_to_end(&mut bytes).await.unwrap();
    assert_eq!(bytes, b"alpha\n");
    let err = lab
        .engine
        .list_tree(source, &p("escape"), None, 10)
        .await
        .unwrap_err();
    assert!(matches!(err, EngineError::Invalid(_)), "{err}");
}

#[sqlx::test]
async fn new_subvolume_restore_copies_the_snapshot_and_refuses_bad_destinations(pool: PgPool) {
    let lab = lab(pool).await;
    populate(&lab);
    let (snap, name) = lab.snapshot().await;
    let dest = format!("{}/restored", lab.area.dir);
    let mut req = request(RestoreMode::NewSubvolume, snap);
    req.destination = Some(dest.clone());
    let id = restore(&lab, req.clone()).await.unwrap();
    assert_eq!(sums(&dest), sums(&lab.area.snapshot(&name)));
    // Writable: a new subvolume, not a snapshot.
    std::fs::write(format!("{dest}/new.txt"), b"x").unwrap();
    // Running it again changes nothing.
    let again = lab.engine.run_restore(id, &meta()).await.unwrap();
    assert_eq!(again.result_path.as_deref(), Some(dest.as_str()));

    let taken = lab.engine.request_restore(req, &meta()).await.unwrap_err();
    assert!(matches!(taken, EngineError::Conflict(_)), "{taken}");
    for bad in ["/tmp/outside-roots", "relative/path", "/"] {
        let mut req = request(RestoreMode::NewSubvolume, snap);
        req.destination = Some(bad.to_owned());
        let err = lab.engine.request_restore(req, &meta()).await.unwrap_err();
        assert!(matches!(err, EngineError::Invalid(_)), "{bad}: {err}");
    }
    sh(&["btrfs", "subvolume", "delete", &dest]);
}

#[sqlx::test]
async fn files_restore_keeps_or_overwrites_and_refuses_escapes(pool: PgPool) {
    let lab = lab(pool).await;
    populate(&lab);
    let (snap, _) = lab.snapshot().await;
    let vol = lab.area.vol.clone();
    std::fs::write(format!("{vol}/a.txt"), b"changed\n").unwrap();
    std::fs::remove_file(format!("{vol}/dir/b.txt")).unwrap();

    let mut req = request(RestoreMode::Files, snap);
    req.paths = vec!["a.txt".into(), "dir/b.txt".into()];
    let id = restore(&lab, req.clone()).await.unwrap();
    let view = projections::restore(&lab.pool, id).await.unwrap().unwrap();
    assert_eq!(view.kept_beside.len(), 1);
    assert_eq!(std::fs::read(format!("{vol}/a.txt")).unwrap(), b"changed\n");
    assert_eq!(
        std::fs::read(format!("{vol}/{}", view.kept_beside[0])).unwrap(),
        b"alpha\n"
    );
    assert_eq!(
        std::fs::read(format!("{vol}/dir/b.txt")).unwrap(),
        b"bravo\n"
    );
    assert_eq!(view.files_copied, Some(2));

    req.overwrite = true;
    req.paths = vec!["a.txt".into()];
    restore(&lab, req).await.unwrap();
    assert_eq!(std::fs::read(format!("{vol}/a.txt")).unwrap(), b"alpha\n");

    for bad in [
        vec!["../x".to_owned()],
        vec!["escape/passwd".into()],
        vec![],
        vec!["/etc/passwd".into()],
    ] {
        let mut req = request(RestoreMode::Files, snap);
        req.paths = bad.clone();
        let err = lab.engine.request_restore(req, &meta()).await.unwrap_err();
        assert!(matches!(err, EngineError::Invalid(_)), "{bad:?}: {err}");
    }
    assert_eq!(lab.count("SELECT count(*) FROM proj_restores").await, 2);
}

#[sqlx::test]
async fn rollback_keeps_a_held_pre_restore_snapshot_and_replication_stays_incremental(
    pool: PgPool,
) {
    let lab = lab(pool).await;
    populate(&lab);
    let target = lab.add_target(1, TargetOptions::default()).await;
    let (s1, s1_name) = lab.snapshot().await;
    lab.replicate(s1, None).await;
    lab.area.write_random("big.bin", 24);
    let (s2, _) = lab.snapshot().await;
    lab.replicate(s2, None).await;
    let full_bytes: i64 = sqlx::query_scalar(
        "SELECT max(bytes) FROM proj_replication_targets WHERE parent_snapshot_id IS NOT NULL",
    )
    .fetch_one(&lab.pool)
    .await
    .unwrap();
    assert!(
        full_bytes > 20 << 20,
        "the incremental of the big file sent {full_bytes}"
    );
    lab.area.write("after-s2.txt", b"written after s2\n");
    let before = sums(&lab.area.vol);
    let old_uuid = projections::subvolume(&lab.pool, lab.subvolume)
        .await
        .unwrap()
        .unwrap()
        .btrfs_uuid;

    let id = restore(&lab, request(RestoreMode::Rollback, s1))
        .await
        .unwrap();
    assert_eq!(sums(&lab.area.vol), sums(&lab.area.snapshot(&s1_name)));
    let view = projections::restore(&lab.pool, id).await.unwrap().unwrap();
    let pre = projections::snapshot_by_id(&lab.pool, view.pre_restore_snapshot_id.unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!(pre.held.is_some());
    assert_eq!(
        sums(&pre.path),
        before,
        "the pre-restore snapshot holds the state before"
    );
    let sub = projections::subvolume(&lab.pool, lab.subvolume)
        .await
        .unwrap()
        .unwrap();
    assert_ne!(sub.btrfs_uuid, old_uuid);
    assert_eq!(sub.former_uuids, vec![old_uuid]);
    // Nothing of the swap is left beside the subvolume.
    let leftovers = sh(&["ls", "-A", &lab.area.dir]);
    assert!(!leftovers.contains("restore-"), "{leftovers}");

    // The next snapshot replicates incrementally, far below the big file's size.
    let (s3, s3_name) = lab.snapshot().await;
    lab.replicate(s3, None).await;
    let (parent, bytes): (Option<uuid::Uuid>, i64) = sqlx::query_as(
        "SELECT parent_snapshot_id, bytes FROM proj_replication_targets
          WHERE target_id = $1 AND snapshot_id = $2",
    )
    .bind(target.as_uuid())
    .bind(s3.as_uuid())
    .fetch_one(&lab.pool)
    .await
    .unwrap();
    assert!(parent.is_some(), "the send after a rollback was full");
    assert!(
        bytes < full_bytes / 10,
        "sent {bytes} after the rollback (big file {full_bytes})"
    );
    let remote = testkit::ssh_ok(
        1,
        &format!(
            "cd '{}/{s3_name}' && find . -type f -print0 | sort -z | xargs -0 -r sha256sum",
            lab.area.remote(1)
        ),
    );
    assert_eq!(remote, sums(&lab.area.snapshot(&s3_name)));
    // An inventory sync still counts every old snapshot as the subvolume's.
    let report = lab
        .engine
        .sync_subvolume(lab.subvolume, &meta())
        .await
        .unwrap();
    assert!(
        report.vanished.is_empty() && report.discovered.is_empty(),
        "{report:?}"
    );

    let released = lab
        .engine
        .release_snapshot(pre.snapshot_id, &meta())
        .await
        .unwrap();
    assert!(released.held.is_none());
    let again = lab
        .engine
        .release_snapshot(pre.snapshot_id, &meta())
        .await
        .unwrap_err();
    assert!(matches!(again, EngineError::Conflict(_)), "{again}");
}

#[sqlx::test]
async fn a_rollback_interrupted_between_its_renames_is_finished_by_the_next_run(pool: PgPool) {
    let lab = lab(pool).await;
    populate(&lab);
    let (s1, s1_name) = lab.snapshot().await;
    lab.area.write("later.txt", b"later\n");
    let before = sums(&lab.area.vol);
    let view = lab
        .engine
        .request_restore(request(RestoreMode::Rollback, s1), &meta())
        .await
        .unwrap();
    // What a crash after the first rename leaves: the copy made, the old one moved
    // aside, nothing at the subvolume's path.
    let dir = &lab.area.dir;
    let tmp = format!("{dir}/.data.restore-{}", view.request.restore_id);
    let old = format!("{dir}/.data.before-restore-{}", view.request.restore_id);
    sh(&[
        "btrfs",
        "subvolume",
        "snapshot",
        &lab.area.snapshot(&s1_name),
        &tmp,
    ]);
    sh(&["mv", "-T", "--", &lab.area.vol, &old]);

    let done = lab
        .engine
        .run_restore(view.request.restore_id, &meta())
        .await
        .unwrap();
    assert_eq!(done.state, RestoreState::Succeeded, "{:?}", done.error);
    assert_eq!(sums(&lab.area.vol), sums(&lab.area.snapshot(&s1_name)));
    let pre = projections::snapshot_by_id(&lab.pool, done.pre_restore_snapshot_id.unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(sums(&pre.path), before);
    let left = sh(&["ls", "-A", dir]);
    assert!(!left.contains(".data."), "half-done rollback left {left}");
}

#[sqlx::test]
async fn deleting_a_replica_refuses_the_common_base_unless_forced(pool: PgPool) {
    let lab = lab(pool).await;
    populate(&lab);
    let target = lab.add_target(1, TargetOptions::default()).await;
    let (s1, s1_name) = lab.snapshot().await;
    lab.replicate(s1, None).await;
    let (s2, s2_name) = lab.snapshot().await;
    lab.replicate(s2, None).await;
    let replicas = projections::replicas_of_target(&lab.pool, target)
        .await
        .unwrap();
    let of = |s: SnapshotId| {
        replicas
            .iter()
            .find(|r| r.snapshot_id == s)
            .unwrap()
            .replica_id
    };
    assert_eq!(
        projections::pin_of_target(&lab.pool, target).await.unwrap(),
        Some(s2)
    );

    let err = lab
        .engine
        .remove_replica(of(s2), false, &meta())
        .await
        .unwrap_err();
    assert!(matches!(err, EngineError::Conflict(_)), "{err}");
    assert!(
        lab.area
            .remote_subvolumes(1)
            .iter()
            .any(|s| s.ends_with(&s2_name))
    );

    lab.engine
        .remove_replica(of(s1), false, &meta())
        .await
        .unwrap();
    lab.engine
        .remove_replica(of(s2), true, &meta())
        .await
        .unwrap();
    let on_disk = lab.area.remote_subvolumes(1);
    assert!(
        !on_disk
            .iter()
            .any(|s| s.ends_with(&s1_name) || s.ends_with(&s2_name)),
        "{on_disk:?}"
    );
    assert!(
        projections::replicas_of_target(&lab.pool, target)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        projections::pin_of_target(&lab.pool, target).await.unwrap(),
        None
    );
    let forced: i64 = lab
        .count("SELECT count(*) FROM events WHERE event_type = 'ReplicaDeleted' AND (payload->>'forced')::boolean")
        .await;
    assert_eq!(forced, 1);
}

#[sqlx::test]
async fn diff_lists_what_changed_from_the_send_stream_in_pages(pool: PgPool) {
    let lab = lab(pool).await;
    populate(&lab);
    let (s1, _) = lab.snapshot().await;
    let vol = lab.area.vol.clone();
    lab.area.write("new.txt", b"new file\n");
    std::fs::write(format!("{vol}/a.txt"), b"alpha, longer now\n").unwrap();
    std::fs::remove_file(format!("{vol}/dir/many/f03")).unwrap();
    std::fs::rename(
        format!("{vol}/dir/b.txt"),
        format!("{vol}/dir/b-renamed.txt"),
    )
    .unwrap();
    let (s2, _) = lab.snapshot().await;

    let all = lab.engine.diff_snapshots(s2, s1, 0, 1000).await.unwrap();
    assert_eq!(all.next_cursor, None);
    let seen: std::collections::BTreeSet<String> = all
        .changes
        .iter()
        .map(|c| format!("{:?} {}", c.kind, c.path))
        .collect();
    for want in [
        "Added new.txt",
        "Modified a.txt",
        "Deleted dir/many/f03",
        "Renamed { from: \"dir/b.txt\" } dir/b-renamed.txt",
    ] {
        assert!(
            seen.iter().any(|s| s == want),
            "missing {want:?} in {seen:?}"
        );
    }
    let added = all
        .changes
        .iter()
        .find(|c| c.path.to_string() == "new.txt")
        .unwrap();
    assert_eq!(added.size, Some(9));

    // Pages of one change give the same list, in the same order.
    let mut paged = Vec::new();
    let mut cursor = 0;
    loop {
        let page = lab.engine.diff_snapshots(s2, s1, cursor, 1).await.unwrap();
        paged.extend(page.changes);
        match page.next_cursor {
            Some(c) => cursor = c,
            None => break,
        }
    }
    assert_eq!(paged, all.changes);
}
