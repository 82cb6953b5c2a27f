//! The engine against the lab: real btrfs (the lab primary at `LAB_PRIMARY_MOUNT`) and
//! real Postgres (a fresh database per test via `#[sqlx::test]`, `DATABASE_URL` from
//! `ops/lab env`). Each test works in its own directory `<mount>/t-<uuid>` (its only
//! allowed root) with its own subvolume, and removes it at the end: other engineers'
//! tests share the filesystem.

use std::process::Command;

use domain::{ServerPath, SubvolumeId};
use engine::EngineError;
use engine::subvolumes::ManageRequest;
use sqlx::PgPool;
use store::EventStore;
use store::projections::{self, SnapshotOrigin, SnapshotState};
use testkit::lab::show_field as field;
use testkit::{Fleet, meta, sh};

/// The lab primary with the test's area (a file `vol/file` written) as its allowed root.
struct Setup {
    fleet: Fleet,
}

impl std::ops::Deref for Setup {
    type Target = Fleet;
    fn deref(&self) -> &Fleet {
        &self.fleet
    }
}

async fn setup(pool: PgPool) -> Setup {
    let fleet = Fleet::primary(pool).await;
    fleet.area.write("file", b"hello");
    Setup { fleet }
}

fn show(path: &str) -> String {
    sh(&["btrfs", "subvolume", "show", path])
}

fn exists(path: &str) -> bool {
    std::path::Path::new(path).exists()
}

impl Setup {
    async fn manage(&self) -> SubvolumeId {
        self.fleet.manage(None).await
    }

    async fn event_count(&self) -> i64 {
        self.count("SELECT count(*) FROM events").await
    }
}

#[sqlx::test(migrations = false)]
async fn create_makes_a_readonly_child_snapshot_and_records_it(pool: PgPool) {
    let s = setup(pool).await;
    let sv = s.manage().await;
    let first = s.engine.create_snapshot(sv, &meta()).await.unwrap();
    let second = s.engine.create_snapshot(sv, &meta()).await.unwrap();

    for snap in [&first, &second] {
        assert!(snap.path.starts_with(&format!("{}/vol.", s.area.snaps)));
        let parsed = domain::snapshot_names::parse_snapshot_name(&snap.name).unwrap();
        assert_eq!(parsed.subvolume, "vol");
        let show = show(&snap.path);
        assert_eq!(field(&show, "Flags:"), "readonly");
        assert_eq!(field(&show, "Parent UUID:"), s.area.uuid_of(&s.area.vol));
        assert_eq!(field(&show, "UUID:"), snap.uuid.to_string());
        assert_eq!(snap.state, SnapshotState::Present);
        assert_eq!(snap.origin, SnapshotOrigin::Created);
        assert!(snap.managed);
    }
    assert_ne!(first.name, second.name, "never the same name twice");

    let page = projections::snapshots_page(&s.pool, sv, false, None, 10)
        .await
        .unwrap();
    assert_eq!(
        page.iter().map(|x| x.snapshot_id).collect::<Vec<_>>(),
        [second.snapshot_id, first.snapshot_id],
        "newest first"
    );
    let audit = projections::audit_timeline(&s.pool, &Default::default(), None, 10)
        .await
        .unwrap();
    assert_eq!(audit[0].event_type, "SnapshotCreated");
    assert_eq!(audit[0].actor, "user:tester");
}

#[sqlx::test(migrations = false)]
async fn delete_removes_it_from_disk_and_catalog(pool: PgPool) {
    let s = setup(pool).await;
    let sv = s.manage().await;
    let snap = s.engine.create_snapshot(sv, &meta()).await.unwrap();
    assert!(exists(&snap.path));
    let deleted = s
        .engine
        .delete_snapshot(snap.snapshot_id, Some(sv), &meta())
        .await
        .unwrap();
    assert_eq!(deleted.state, SnapshotState::Deleted);
    assert!(!exists(&snap.path));
    assert!(
        projections::snapshots_page(&s.pool, sv, false, None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    // Deleting again is a conflict, and changes nothing.
    let before = s.event_count().await;
    let err = s
        .engine
        .delete_snapshot(snap.snapshot_id, None, &meta())
        .await
        .unwrap_err();
    assert!(matches!(err, EngineError::Conflict(_)), "{err}");
    assert_eq!(s.event_count().await, before);
}

#[sqlx::test(migrations = false)]
async fn sync_records_a_hand_deleted_snapshot_as_vanished(pool: PgPool) {
    let s = setup(pool).await;
    let sv = s.manage().await;
    let keep = s.engine.create_snapshot(sv, &meta()).await.unwrap();
    let gone = s.engine.create_snapshot(sv, &meta()).await.unwrap();
    sh(&["btrfs", "subvolume", "delete", &gone.path]);

    let report = s.engine.sync_subvolume(sv, &meta()).await.unwrap();
    assert_eq!(report.vanished, [gone.snapshot_id]);
    assert!(report.discovered.is_empty());
    let view = projections::snapshot_by_id(&s.pool, gone.snapshot_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(view.state, SnapshotState::Vanished);
    let kept = projections::snapshot_by_id(&s.pool, keep.snapshot_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(kept.state, SnapshotState::Present);

    // A second sync finds nothing new and records nothing.
    let before = s.event_count().await;
    let again = s.engine.sync_subvolume(sv, &meta()).await.unwrap();
    assert_eq!(again, engine::snapshots::SyncReport::default());
    assert_eq!(s.event_count().await, before);
}

#[sqlx::test(migrations = false)]
async fn a_hand_made_snapshot_is_discovered_unmanaged_and_only_deleted_once_adopted(pool: PgPool) {
    let s = setup(pool).await;
    let sv = s.manage().await;
    let manual = format!("{}/vol@manual", s.area.snaps);
    sh(&["btrfs", "subvolume", "snapshot", "-r", &s.area.vol, &manual]);
    // A writable snapshot is a clone, not a snapshot: not catalogued.
    let clone = format!("{}/vol-clone", s.area.snaps);
    sh(&["btrfs", "subvolume", "snapshot", &s.area.vol, &clone]);

    let report = s.engine.sync_subvolume(sv, &meta()).await.unwrap();
    assert_eq!(report.discovered.len(), 1);
    let id = report.discovered[0];
    let found = projections::snapshot_by_id(&s.pool, id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.path, manual);
    assert_eq!(found.name, "vol@manual");
    assert_eq!(found.origin, SnapshotOrigin::Discovered);
    assert!(!found.managed);
    assert!(found.created_at.is_some());

    let before = s.event_count().await;
    let err = s
        .engine
        .delete_snapshot(id, None, &meta())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, EngineError::Conflict(m) if m.contains("adopt")),
        "{err}"
    );
    assert!(exists(&manual), "an unmanaged snapshot is never deleted");
    assert_eq!(s.event_count().await, before);

    let adopted = s.engine.adopt_snapshot(id, &meta()).await.unwrap();
    assert!(adopted.managed);
    let err = s.engine.adopt_snapshot(id, &meta()).await.unwrap_err();
    assert!(matches!(err, EngineError::Conflict(_)), "{err}");
    s.engine.delete_snapshot(id, None, &meta()).await.unwrap();
    assert!(!exists(&manual));
    assert!(exists(&clone));
}

#[sqlx::test(migrations = false)]
async fn rebuilding_the_projections_gives_the_same_catalog(pool: PgPool) {
    let s = setup(pool).await;
    let sv = s.manage().await;
    let a = s.engine.create_snapshot(sv, &meta()).await.unwrap();
    let b = s.engine.create_snapshot(sv, &meta()).await.unwrap();
    s.engine
        .delete_snapshot(a.snapshot_id, None, &meta())
        .await
        .unwrap();
    sh(&["btrfs", "subvolume", "delete", &b.path]);
    let manual = format!("{}/vol@manual", s.area.snaps);
    sh(&["btrfs", "subvolume", "snapshot", "-r", &s.area.vol, &manual]);
    let report = s.engine.sync_subvolume(sv, &meta()).await.unwrap();
    s.engine
        .adopt_snapshot(report.discovered[0], &meta())
        .await
        .unwrap();
    s.engine.create_snapshot(sv, &meta()).await.unwrap();

    let before = projections::snapshot(&s.pool).await.unwrap();
    let catalog: Vec<_> = before
        .iter()
        .filter(|(t, _)| t == "proj_snapshots")
        .flat_map(|(_, rows)| rows.clone())
        .collect();
    assert_eq!(catalog.len(), 4, "{catalog:#?}");
    projections::rebuild(&s.pool).await.unwrap();
    assert_eq!(projections::snapshot(&s.pool).await.unwrap(), before);
}

#[sqlx::test(migrations = false)]
async fn a_snapshot_whose_event_cannot_be_recorded_is_deleted_again(pool: PgPool) {
    let s = setup(pool).await;
    let sv = s.manage().await;
    // Make every SnapshotCreated append fail, as a lost database would.
    sqlx::raw_sql(
        "CREATE FUNCTION test_refuse_created() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN
             IF NEW.event_type = 'SnapshotCreated' THEN
                 RAISE EXCEPTION 'injected failure';
             END IF;
             RETURN NEW;
         END $$;
         CREATE TRIGGER test_refuse_created BEFORE INSERT ON events
             FOR EACH ROW EXECUTE FUNCTION test_refuse_created();",
    )
    .execute(&s.pool)
    .await
    .unwrap();

    let err = s.engine.create_snapshot(sv, &meta()).await.unwrap_err();
    assert!(matches!(err, EngineError::Store(_)), "{err}");
    assert!(
        s.area.snaps_on_disk().is_empty(),
        "the unrecorded snapshot was deleted again: {:?}",
        s.area.snaps_on_disk()
    );
    let audit = projections::audit_timeline(&s.pool, &Default::default(), None, 1)
        .await
        .unwrap();
    assert_eq!(audit[0].event_type, "SnapshotCreateFailed");
    assert!(
        audit[0].summary.contains("deleted again"),
        "{}",
        audit[0].summary
    );
    let sub = projections::subvolume(&s.pool, sv).await.unwrap().unwrap();
    assert!(sub.last_snapshot_error.is_some());
}

#[sqlx::test(migrations = false)]
async fn a_failing_btrfs_snapshot_is_recorded_as_failed(pool: PgPool) {
    let s = setup(pool).await;
    let sv = s.manage().await;
    // The snapshot directory disappears under dist-btrfs.
    std::fs::remove_dir(&s.area.snaps).unwrap();
    let err = s.engine.create_snapshot(sv, &meta()).await.unwrap_err();
    assert!(matches!(err, EngineError::Host(_)), "{err}");
    let audit = projections::audit_timeline(&s.pool, &Default::default(), None, 1)
        .await
        .unwrap();
    assert_eq!(audit[0].event_type, "SnapshotCreateFailed");
    let sub = projections::subvolume(&s.pool, sv).await.unwrap().unwrap();
    assert!(sub.last_snapshot_error.is_some());
    std::fs::create_dir(&s.area.snaps).unwrap();
    s.engine.create_snapshot(sv, &meta()).await.unwrap();
    let sub = projections::subvolume(&s.pool, sv).await.unwrap().unwrap();
    assert_eq!(sub.last_snapshot_error, None, "a success clears the error");
}

#[sqlx::test(migrations = false)]
async fn bad_input_is_refused_and_changes_nothing(pool: PgPool) {
    let s = setup(pool).await;
    let mount = std::env::var("LAB_PRIMARY_MOUNT").unwrap();
    let long = "x".repeat(300);
    let d = &s.area.dir;
    let bad_paths = [
        format!("{d}/vol/"),
        format!("{d}/../{}", d.rsplit('/').next().unwrap()),
        format!("{d}/v ol"),
        format!("{d}/'vol'"),
        format!("{d}/\"vol\""),
        format!("{d}/$(touch x)"),
        format!("{d}/`id`"),
        format!("{d}/vol;rm -rf x"),
        format!("{d}/vol\nx"),
        format!("{d}/vol\0x"),
        format!("{d}/{long}"),
        "vol".to_owned(),
        // Outside the allowed roots.
        format!("{mount}/data/home"),
        // Not a subvolume (a plain directory), and missing.
        s.area.snaps.clone(),
        format!("{d}/missing"),
        // The root itself.
        d.clone(),
    ];
    let before_events = s.event_count().await;
    for path in &bad_paths {
        let err = s
            .engine
            .manage_subvolume(
                &ManageRequest {
                    server_id: s.primary,
                    path: path.clone(),
                    snapshot_dir: s.area.snaps.clone(),
                    name: None,
                },
                &meta(),
            )
            .await
            .unwrap_err();
        assert!(matches!(err, EngineError::Invalid(_)), "{path:?}: {err}");
    }
    for name in [
        "a/b", "..", "a b", "x'y", "$(id)", "`id`", "a;b", "a\nb", "a\0b", &long,
    ] {
        let err = s
            .engine
            .manage_subvolume(
                &ManageRequest {
                    server_id: s.primary,
                    path: s.area.vol.clone(),
                    snapshot_dir: s.area.snaps.clone(),
                    name: Some(name.to_owned()),
                },
                &meta(),
            )
            .await
            .unwrap_err();
        assert!(matches!(err, EngineError::Invalid(_)), "{name:?}: {err}");
    }
    for dir in [
        format!("{mount}/.snapshots"),
        format!("{d}/nope"),
        format!("{d}/vol/in"),
    ] {
        let err = s
            .engine
            .manage_subvolume(
                &ManageRequest {
                    server_id: s.primary,
                    path: s.area.vol.clone(),
                    snapshot_dir: dir.clone(),
                    name: None,
                },
                &meta(),
            )
            .await
            .unwrap_err();
        assert!(matches!(err, EngineError::Invalid(_)), "{dir:?}: {err}");
    }
    assert_eq!(s.event_count().await, before_events, "nothing recorded");

    // Managing the same subvolume twice (even under another name) is a conflict.
    let sv = s.manage().await;
    let after_manage = s.event_count().await;
    for name in [None, Some("other".to_owned())] {
        let err = s
            .engine
            .manage_subvolume(
                &ManageRequest {
                    server_id: s.primary,
                    path: s.area.vol.clone(),
                    snapshot_dir: s.area.snaps.clone(),
                    name,
                },
                &meta(),
            )
            .await
            .unwrap_err();
        assert!(matches!(err, EngineError::Conflict(_)), "{err}");
    }
    // Deleting a snapshot that does not exist, or of another subvolume.
    let snap = s.engine.create_snapshot(sv, &meta()).await.unwrap();
    let after_create = s.event_count().await;
    let err = s
        .engine
        .delete_snapshot(domain::SnapshotId::new(), None, &meta())
        .await
        .unwrap_err();
    assert!(matches!(err, EngineError::NotFound(_)), "{err}");
    let err = s
        .engine
        .delete_snapshot(snap.snapshot_id, Some(SubvolumeId::new()), &meta())
        .await
        .unwrap_err();
    assert!(matches!(err, EngineError::NotFound(_)), "{err}");
    assert!(exists(&snap.path));
    assert_eq!(s.event_count().await, after_create);
    assert_eq!(after_create, after_manage + 1);
    assert_eq!(s.area.snaps_on_disk().len(), 1);
}

#[sqlx::test(migrations = false)]
async fn discovery_lists_subvolumes_under_the_roots_marking_managed_ones(pool: PgPool) {
    let s = setup(pool).await;
    let before = s.engine.discover_subvolumes(s.primary).await.unwrap();
    assert_eq!(
        before
            .iter()
            .map(|d| d.found.raw_path.as_str())
            .collect::<Vec<_>>(),
        [s.area.vol.as_str()],
        "only what is under the allowed root"
    );
    assert!(before[0].managed_as.is_none());
    assert!(!before[0].found.readonly);
    let sv = s.manage().await;
    let snap = s.engine.create_snapshot(sv, &meta()).await.unwrap();
    let after = s.engine.discover_subvolumes(s.primary).await.unwrap();
    assert_eq!(after.len(), 2);
    let vol = after
        .iter()
        .find(|d| d.found.raw_path == s.area.vol)
        .unwrap();
    assert_eq!(vol.managed_as, Some(sv));
    let sn = after
        .iter()
        .find(|d| d.found.raw_path == snap.path)
        .unwrap();
    assert!(sn.found.readonly);
    assert_eq!(sn.found.info.parent_uuid, vol.found.info.uuid);
}

#[sqlx::test(migrations = false)]
async fn the_local_primary_is_registered_once_and_follows_its_roots(pool: PgPool) {
    store::db::migrate(&pool).await.unwrap();
    let events = EventStore::new(pool.clone());
    assert_eq!(
        engine::local_primary::ensure_local_primary(&events, &[], &meta())
            .await
            .unwrap(),
        None
    );
    let a = [ServerPath::parse("/mnt/a").unwrap()];
    let id = engine::local_primary::ensure_local_primary(&events, &a, &meta())
        .await
        .unwrap()
        .unwrap();
    let again = engine::local_primary::ensure_local_primary(&events, &a, &meta())
        .await
        .unwrap();
    assert_eq!(again, Some(id));
    assert_eq!(events.stream_version(&id.stream()).await.unwrap(), 1);
    let b = [ServerPath::parse("/mnt/b").unwrap()];
    engine::local_primary::ensure_local_primary(&events, &b, &meta())
        .await
        .unwrap();
    let server = projections::server(&pool, id).await.unwrap().unwrap();
    assert_eq!(server.allowed_roots, ["/mnt/b"]);
    assert_eq!(projections::servers(&pool).await.unwrap().len(), 1);
}

fn keep_last_policy(n: u32) -> domain::PolicySpec {
    domain::PolicySpec {
        name: format!("keep-last-{n}"),
        schedule: domain::ScheduleSpec {
            cron: "0 * * * *".into(),
            time_zone: "UTC".into(),
        },
        retention: domain::RetentionSpec {
            keep_last: n,
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

/// Pruning by the planner with keep_last 2: the two oldest managed snapshots go (disk and
/// catalog, as `SnapshotPruned`), the two newest stay, and a hand-made snapshot that is
/// the newest of all stays (invariant 1). A preview first changes nothing.
#[sqlx::test(migrations = false)]
async fn prune_deletes_what_the_plan_drops_and_never_an_unmanaged_newest(pool: PgPool) {
    let s = setup(pool).await;
    let sv = s.manage().await;
    let mut made = Vec::new();
    for _ in 0..4 {
        made.push(s.engine.create_snapshot(sv, &meta()).await.unwrap());
    }
    // btrfs creation times have one-second resolution: make the hand-made one newer.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let manual = format!("{}/vol@manual", s.area.snaps);
    sh(&["btrfs", "subvolume", "snapshot", "-r", &s.area.vol, &manual]);
    let report = s.engine.sync_subvolume(sv, &meta()).await.unwrap();
    assert_eq!(report.discovered.len(), 1);

    // Pruning without a policy is refused.
    let err = s
        .engine
        .prune_subvolume(sv, chrono::Utc::now(), &meta())
        .await
        .unwrap_err();
    assert!(matches!(err, EngineError::Conflict(_)), "{err}");

    let policy = s
        .engine
        .create_policy(keep_last_policy(2), &meta())
        .await
        .unwrap();
    s.engine
        .assign_policy(sv, policy.policy_id, &meta())
        .await
        .unwrap();

    // Preview: nothing changes.
    let before_events = s.event_count().await;
    let before_disk = s.area.snaps_on_disk();
    let retention = domain::RetentionPolicy::parse(&policy.spec.retention).unwrap();
    let planned = s
        .engine
        .preview_retention(sv, &retention, chrono::Utc::now())
        .await
        .unwrap();
    let deleting: Vec<_> = planned
        .iter()
        .filter(|p| p.decision.action == domain::retention::Action::Delete)
        .map(|p| p.snapshot.snapshot_id)
        .collect();
    assert_eq!(deleting, [made[0].snapshot_id, made[1].snapshot_id]);
    assert_eq!(s.event_count().await, before_events);
    assert_eq!(s.area.snaps_on_disk(), before_disk);

    let report = s
        .engine
        .prune_subvolume(sv, chrono::Utc::now(), &meta())
        .await
        .unwrap();
    assert_eq!(report.deleted, [made[0].snapshot_id, made[1].snapshot_id]);
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    for gone in &made[..2] {
        assert!(!exists(&gone.path), "{} is gone from disk", gone.path);
        let v = projections::snapshot_by_id(&s.pool, gone.snapshot_id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(v.state, SnapshotState::Deleted);
    }
    for kept in &made[2..] {
        assert!(exists(&kept.path), "{} stays", kept.path);
    }
    assert!(exists(&manual), "the hand-made newest snapshot stays");
    let manual_reasons = &report
        .planned
        .iter()
        .find(|p| p.snapshot.path == manual)
        .unwrap()
        .decision
        .reasons;
    assert!(
        manual_reasons.contains(&domain::KeepReason::NotManaged),
        "{manual_reasons:?}"
    );
    let pruned: i64 =
        sqlx::query_scalar("SELECT count(*) FROM events WHERE event_type = 'SnapshotPruned'")
            .fetch_one(&s.pool)
            .await
            .unwrap();
    assert_eq!(pruned, 2);

    // A second prune finds nothing more to delete.
    let again = s
        .engine
        .prune_subvolume(sv, chrono::Utc::now(), &meta())
        .await
        .unwrap();
    assert!(again.deleted.is_empty());

    // An assigned policy cannot be deleted; the conflict names the subvolume.
    let err = s
        .engine
        .delete_policy(policy.policy_id, &meta())
        .await
        .unwrap_err();
    assert!(err.to_string().contains(&sv.to_string()), "{err}");
}

/// A subvolume outside the test's allowed root, on the same lab filesystem, with a
/// symlink to it (and one to a plain directory outside) inside the root.
struct Outside {
    dir: String,
}

impl Outside {
    fn new(s: &Setup) -> Self {
        let mount = std::env::var("LAB_PRIMARY_MOUNT").unwrap();
        let dir = format!("{mount}/outside-{}", uuid::Uuid::new_v4().simple());
        std::fs::create_dir(&dir).unwrap();
        sh(&["btrfs", "subvolume", "create", &format!("{dir}/victim")]);
        std::fs::create_dir(format!("{dir}/snaps")).unwrap();
        let d = &s.area.dir;
        std::os::unix::fs::symlink(format!("{dir}/victim"), format!("{d}/link-vol")).unwrap();
        std::os::unix::fs::symlink(format!("{dir}/snaps"), format!("{d}/link-snaps")).unwrap();
        Self { dir }
    }

    fn snapshots(&self) -> usize {
        std::fs::read_dir(format!("{}/snaps", self.dir))
            .unwrap()
            .count()
    }
}

impl Drop for Outside {
    fn drop(&mut self) {
        if let Ok(entries) = std::fs::read_dir(format!("{}/snaps", self.dir)) {
            for e in entries.flatten() {
                let _ = Command::new("btrfs")
                    .args(["subvolume", "delete"])
                    .arg(e.path())
                    .output();
            }
        }
        let _ = Command::new("btrfs")
            .args(["subvolume", "delete", &format!("{}/victim", self.dir)])
            .output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[sqlx::test(migrations = false)]
async fn a_symlink_out_of_the_allowed_root_is_refused_before_anything_is_recorded(pool: PgPool) {
    let s = setup(pool).await;
    let outside = Outside::new(&s);
    let d = &s.area.dir;
    let before = s.event_count().await;
    for (path, snapshot_dir, field) in [
        // The subvolume through a symlink that leaves the root.
        (format!("{d}/link-vol"), s.area.snaps.clone(), "path"),
        // The snapshots written through a symlink that leaves the root.
        (
            s.area.vol.clone(),
            format!("{d}/link-snaps"),
            "snapshot_dir",
        ),
    ] {
        let err = s
            .engine
            .manage_subvolume(
                &ManageRequest {
                    server_id: s.primary,
                    path: path.clone(),
                    snapshot_dir,
                    name: Some("escape".into()),
                },
                &meta(),
            )
            .await
            .unwrap_err();
        assert!(matches!(err, EngineError::Invalid(_)), "{path}: {err}");
        let msg = err.to_string();
        assert!(
            msg.starts_with(field) && msg.contains("outside the server's allowed roots"),
            "{msg}"
        );
    }
    assert_eq!(s.event_count().await, before, "nothing recorded");
    assert_eq!(outside.snapshots(), 0, "nothing created outside");
}

#[sqlx::test(migrations = false)]
async fn a_symlink_swapped_in_after_the_check_is_caught_where_the_path_is_used(pool: PgPool) {
    let s = setup(pool).await;
    let outside = Outside::new(&s);
    // A symlink inside the root to a directory inside the root is fine: the real path
    // is what is recorded.
    let inner = format!("{}/snaps-link", s.area.dir);
    std::os::unix::fs::symlink(&s.area.snaps, &inner).unwrap();
    let view = s
        .engine
        .manage_subvolume(
            &ManageRequest {
                server_id: s.primary,
                path: s.area.vol.clone(),
                snapshot_dir: inner,
                name: None,
            },
            &meta(),
        )
        .await
        .unwrap();
    assert_eq!(view.snapshot_dir, s.area.snaps, "the real path is recorded");
    let first = s
        .engine
        .create_snapshot(view.subvolume_id, &meta())
        .await
        .unwrap();

    // Now the snapshot directory is swapped for a symlink out of the root.
    let moved = format!("{}/snaps-moved", s.area.dir);
    std::fs::rename(&s.area.snaps, &moved).unwrap();
    std::os::unix::fs::symlink(format!("{}/snaps", outside.dir), &s.area.snaps).unwrap();
    let before = s.event_count().await;
    let err = s
        .engine
        .create_snapshot(view.subvolume_id, &meta())
        .await
        .unwrap_err();
    assert!(
        matches!(err, EngineError::Invalid(_) | EngineError::Conflict(_)),
        "{err}"
    );
    assert!(err.to_string().contains("snapshot_dir"), "{err}");
    assert_eq!(
        outside.snapshots(),
        0,
        "no snapshot written outside the root"
    );
    // Deleting through the swapped path is refused too, and deletes nothing.
    let err = s
        .engine
        .delete_snapshot(first.snapshot_id, None, &meta())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("snapshot_dir"), "{err}");
    assert_eq!(s.event_count().await, before, "nothing recorded");

    // Put it back for the clean-up.
    std::fs::remove_file(&s.area.snaps).unwrap();
    std::fs::rename(&moved, &s.area.snaps).unwrap();
}
