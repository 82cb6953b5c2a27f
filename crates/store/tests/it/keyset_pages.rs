//! The newest-first keyset pages of a subvolume's snapshots and of the replications,
//! against a real Postgres: walking the pages cursor by cursor gives every row once, in
//! the order of one unbounded read, with ties in time broken by id and snapshots of
//! unknown creation time last.

use chrono::{DateTime, Duration, TimeZone, Utc};
use domain::event::{ServerRegistered, SnapshotCreated, SnapshotDiscovered, SubvolumeManaged};
use domain::replication::ReplicationRequested;
use domain::{
    DomainEvent, ReplicationId, ServerId, ServerRole, SnapshotId, SubvolumeId, Transport,
};
use sqlx::PgPool;
use store::EventStore;
use store::projections::{self, ReplicationKey, SnapshotKey};
use uuid::Uuid;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 12, 0, 0).unwrap()
}

/// Appends one event (each in a stream of its own).
async fn append(store: &EventStore, e: DomainEvent) {
    crate::replication_health::append(store, vec![e]).await;
}

async fn subvolume(store: &EventStore, server: ServerId, name: &str) -> SubvolumeId {
    let sv = SubvolumeId::new();
    append(
        store,
        DomainEvent::SubvolumeManaged(SubvolumeManaged {
            subvolume_id: sv,
            server_id: server,
            name: name.into(),
            path: format!("/p/{name}"),
            snapshot_dir: "/p/.snapshots".into(),
            btrfs_uuid: Uuid::new_v4(),
            btrfs_id: 256,
        }),
    )
    .await;
    sv
}

/// A snapshot of `sv` named `name`, created at `at`.
fn created(sv: SubvolumeId, name: &str, at: DateTime<Utc>) -> DomainEvent {
    DomainEvent::SnapshotCreated(SnapshotCreated {
        snapshot_id: SnapshotId::new(),
        subvolume_id: sv,
        name: name.to_owned(),
        path: format!("/p/.snapshots/{name}"),
        uuid: Uuid::new_v4(),
        parent_uuid: Uuid::from_u128(1),
        btrfs_id: 300,
        created_at: at,
    })
}

async fn setup(pool: &PgPool) -> (EventStore, ServerId) {
    store::db::migrate(pool).await.unwrap();
    let store = EventStore::new(pool.clone());
    let server = ServerId::new();
    append(
        &store,
        DomainEvent::ServerRegistered(ServerRegistered {
            server_id: server,
            name: "primary".into(),
            role: ServerRole::Primary,
            transport: Transport::Local,
            allowed_roots: vec!["/p".into()],
            sudo: false,
        }),
    )
    .await;
    (store, server)
}

#[sqlx::test(migrations = false)]
async fn snapshot_pages_walk_every_snapshot_once_newest_first_undated_last(pool: PgPool) {
    let (store, server) = setup(&pool).await;
    let sv = subvolume(&store, server, "home").await;
    // 3 at one instant (ties), 4 at others, 3 of unknown creation time.
    for i in 0..7_i64 {
        let at = t0() + Duration::hours(if i < 3 { 0 } else { i });
        append(&store, created(sv, &format!("home.{i}"), at)).await;
    }
    for i in 0..3 {
        append(
            &store,
            DomainEvent::SnapshotDiscovered(SnapshotDiscovered {
                snapshot_id: SnapshotId::new(),
                subvolume_id: sv,
                name: format!("manual.{i}"),
                path: format!("/p/.snapshots/manual.{i}"),
                uuid: Uuid::new_v4(),
                parent_uuid: Uuid::from_u128(1),
                btrfs_id: 400,
                created_at: None,
            }),
        )
        .await;
    }
    let all = projections::snapshots_page(&pool, sv, true, None, 100)
        .await
        .unwrap();
    assert_eq!(all.len(), 10);
    // Newest first, ties by id descending, undated last.
    let mut expected = all.clone();
    expected.sort_by(|a, b| {
        let key =
            |s: &projections::SnapshotView| (s.created_at.is_some(), s.created_at, s.snapshot_id);
        key(b).cmp(&key(a))
    });
    assert_eq!(all, expected);
    assert!(all[7..].iter().all(|s| s.created_at.is_none()));

    for limit in [1, 3, 4] {
        let mut walked = Vec::new();
        let mut after: Option<SnapshotKey> = None;
        loop {
            let page = projections::snapshots_page(&pool, sv, true, after.as_ref(), limit)
                .await
                .unwrap();
            let Some(last) = page.last() else { break };
            after = Some(SnapshotKey::from(last));
            walked.extend(page);
        }
        assert_eq!(walked, all, "pages of {limit}");
    }
}

#[sqlx::test(migrations = false)]
async fn replication_pages_walk_every_run_once_newest_first_per_subvolume_too(pool: PgPool) {
    let (store, server) = setup(&pool).await;
    let home = subvolume(&store, server, "home").await;
    let srv = subvolume(&store, server, "srv").await;
    for i in 0..7 {
        let sv = if i % 3 == 0 { srv } else { home };
        append(
            &store,
            DomainEvent::ReplicationRequested(ReplicationRequested {
                replication_id: ReplicationId::new(),
                subvolume_id: sv,
                snapshot_id: SnapshotId::new(),
                target_ids: vec![],
            }),
        )
        .await;
    }
    for subvolume in [None, Some(home), Some(srv)] {
        let all = projections::replications_page(&pool, subvolume, None, 100)
            .await
            .unwrap();
        let mut expected = all.clone();
        expected.sort_by(|a, b| {
            (b.requested_at, b.replication_id).cmp(&(a.requested_at, a.replication_id))
        });
        assert_eq!(all, expected);
        assert_eq!(
            all.len(),
            match subvolume {
                None => 7,
                Some(s) if s == srv => 3,
                Some(_) => 4,
            }
        );
        for limit in [1, 2, 5] {
            let mut walked = Vec::new();
            let mut after: Option<ReplicationKey> = None;
            loop {
                let page = projections::replications_page(&pool, subvolume, after.as_ref(), limit)
                    .await
                    .unwrap();
                let Some(last) = page.last() else { break };
                after = Some(ReplicationKey::from(last));
                walked.extend(page);
            }
            assert_eq!(walked, all, "pages of {limit}, {subvolume:?}");
        }
    }
}

/// The audit lines about one subject, page after page (`before`: the last line's global
/// sequence), as the subject index gives them: every line about it once, newest first,
/// with a kind filter applied on the way; the index is kept by appends, by a rebuild and
/// by appends after the rebuild's swap (the trigger the swapped-in table got back).
#[sqlx::test(migrations = false)]
async fn audit_pages_by_subject_walk_its_lines_newest_first_before_and_after_a_rebuild(
    pool: PgPool,
) {
    let (store, server) = setup(&pool).await;
    let home = subvolume(&store, server, "home").await;
    let srv = subvolume(&store, server, "srv").await;
    let snapshot =
        |sv: SubvolumeId, i: i64| created(sv, &format!("s.{i}"), t0() + Duration::hours(i));
    for i in 0..9 {
        append(&store, snapshot(if i % 3 == 0 { srv } else { home }, i)).await;
    }
    let walk = |subject: SubvolumeId, kinds: Vec<String>, limit: i64| {
        let pool = pool.clone();
        async move {
            let about = domain::event_search::EventQuery {
                subject: Some(subject.as_uuid()),
                kinds,
                ..Default::default()
            };
            let mut walked = Vec::new();
            let mut before = None;
            loop {
                let page = projections::audit_timeline(&pool, &about, before, limit)
                    .await
                    .unwrap();
                let Some(last) = page.last() else { break };
                before = Some(last.global_seq);
                walked.extend(page.into_iter().map(|l| (l.global_seq, l.event_type)));
            }
            walked
        }
    };
    let every = |subject: SubvolumeId| {
        let pool = pool.clone();
        async move {
            let all = projections::audit_timeline(&pool, &Default::default(), None, 1000)
                .await
                .unwrap();
            all.into_iter()
                .filter(|l| l.subjects.contains(&subject.as_uuid()))
                .map(|l| (l.global_seq, l.event_type))
                .collect::<Vec<_>>()
        }
    };
    let expected = every(home).await;
    // Managed, then 6 snapshots.
    assert_eq!(expected.len(), 7);
    for limit in [1, 2, 50] {
        assert_eq!(
            walk(home, vec![], limit).await,
            expected,
            "pages of {limit}"
        );
    }
    let created = walk(home, vec!["SnapshotCreated".into()], 4).await;
    assert_eq!(created.len(), 6);
    assert!(created.iter().all(|(_, kind)| kind == "SnapshotCreated"));

    projections::rebuild(&pool).await.unwrap();
    assert_eq!(walk(home, vec![], 2).await, expected);
    append(&store, snapshot(home, 10)).await;
    let after = walk(home, vec![], 3).await;
    assert_eq!(after.len(), 8);
    assert_eq!(after, every(home).await);
    assert_eq!(walk(srv, vec![], 2).await, every(srv).await);
    assert!(projections::check(&pool).await.unwrap().is_empty());
}
