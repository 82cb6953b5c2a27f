//! Event store and projections against a real Postgres (one fresh database per
//! test via `#[sqlx::test]`; `DATABASE_URL` comes from `ops/lab env`).

use domain::event::{InstanceInitialized, InstanceRenamed};
use domain::{Actor, DomainEvent, StreamId};
use sqlx::PgPool;
use store::{AppendMeta, EventStore, ExpectedVersion, StoreError, projections};
use uuid::Uuid;

pub(crate) fn renamed(name: &str) -> DomainEvent {
    DomainEvent::InstanceRenamed(InstanceRenamed { name: name.into() })
}

/// Appends `n` renames of the instance (`n0`, `n1`, …) by the system, one append each.
pub(crate) async fn rename_many(store: &EventStore, n: usize) {
    let meta = AppendMeta::new(Actor::System);
    for i in 0..n {
        store
            .append(
                &StreamId::instance(),
                ExpectedVersion::Any,
                &[renamed(&format!("n{i}"))],
                &meta,
            )
            .await
            .unwrap();
    }
}

pub(crate) fn initialized(id: u128) -> DomainEvent {
    DomainEvent::InstanceInitialized(InstanceInitialized {
        instance_id: Uuid::from_u128(id),
        software_version: "test".into(),
    })
}

pub(crate) async fn migrated(pool: &PgPool) -> EventStore {
    store::db::migrate(pool).await.expect("migrations apply");
    EventStore::new(pool.clone())
}

/// A migrated database whose instance stream holds its first event.
pub(crate) async fn initialized_store(pool: &PgPool) -> EventStore {
    let store = migrated(pool).await;
    let meta = AppendMeta::new(Actor::System);
    store
        .append(
            &StreamId::instance(),
            ExpectedVersion::NoStream,
            &[initialized(7)],
            &meta,
        )
        .await
        .unwrap();
    store
}

#[sqlx::test(migrations = false)]
async fn append_then_read_back_in_order_with_projections(pool: PgPool) {
    let store = migrated(&pool).await;
    let stream = StreamId::instance();
    let meta = AppendMeta::new(Actor::User("alice".into()));
    let first = store
        .append(
            &stream,
            ExpectedVersion::NoStream,
            &[initialized(1), renamed("a")],
            &meta,
        )
        .await
        .unwrap();
    assert_eq!(
        first.iter().map(|e| e.stream_version).collect::<Vec<_>>(),
        [1, 2]
    );
    store
        .append(
            &stream,
            ExpectedVersion::Exactly(2),
            &[renamed("b")],
            &AppendMeta::new(Actor::System),
        )
        .await
        .unwrap();

    let events = store.read_stream(&stream).await.unwrap();
    assert_eq!(events.len(), 3);
    assert_eq!(events[0].event, initialized(1));
    assert_eq!(events[2].event, renamed("b"));
    assert_eq!(events[0].actor, Actor::User("alice".into()));
    assert_eq!(events[0].correlation_id, events[1].correlation_id);
    assert!(events.windows(2).all(|w| w[0].global_seq < w[1].global_seq));
    assert_eq!(store.stream_version(&stream).await.unwrap(), 3);

    let view = projections::instance(&pool)
        .await
        .unwrap()
        .expect("instance projected");
    assert_eq!(view.instance_id, Uuid::from_u128(1));
    assert_eq!(view.name.as_deref(), Some("b"));
    let audit = projections::audit_timeline(&pool, &Default::default(), None, 10)
        .await
        .unwrap();
    assert_eq!(audit.len(), 3);
    assert_eq!(audit[0].event_type, "InstanceRenamed");
    assert_eq!(audit[2].actor, "user:alice");
}

#[sqlx::test(migrations = false)]
async fn wrong_expected_version_is_a_conflict_and_writes_nothing(pool: PgPool) {
    let store = migrated(&pool).await;
    let stream = StreamId::instance();
    let meta = AppendMeta::new(Actor::System);
    store
        .append(&stream, ExpectedVersion::NoStream, &[initialized(1)], &meta)
        .await
        .unwrap();
    let err = store
        .append(&stream, ExpectedVersion::NoStream, &[renamed("x")], &meta)
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict { actual: 1, .. }),
        "{err}"
    );
    let err = store
        .append(
            &stream,
            ExpectedVersion::Exactly(5),
            &[renamed("x"), renamed("y")],
            &meta,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict { .. }), "{err}");
    assert_eq!(store.read_stream(&stream).await.unwrap().len(), 1);
    assert_eq!(
        projections::audit_timeline(&pool, &Default::default(), None, 10)
            .await
            .unwrap()
            .len(),
        1
    );
}

#[sqlx::test(migrations = false)]
async fn concurrent_writers_on_one_version_exactly_one_wins(pool: PgPool) {
    let store = migrated(&pool).await;
    let stream = StreamId::parse("race-test").unwrap();
    for round in 0..5_i64 {
        let expected = if round == 0 {
            ExpectedVersion::NoStream
        } else {
            ExpectedVersion::Exactly(round)
        };
        let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(8));
        let mut tasks = Vec::new();
        for writer in 0..8 {
            let (store, stream, barrier) = (store.clone(), stream.clone(), barrier.clone());
            tasks.push(tokio::spawn(async move {
                barrier.wait().await;
                store
                    .append(
                        &stream,
                        expected,
                        &[renamed(&format!("w{writer}"))],
                        &AppendMeta::new(Actor::System),
                    )
                    .await
            }));
        }
        let mut wins = 0;
        for task in tasks {
            match task.await.unwrap() {
                Ok(_) => wins += 1,
                Err(StoreError::Conflict { .. }) => {}
                Err(other) => panic!("unexpected error: {other}"),
            }
        }
        assert_eq!(wins, 1, "round {round}: exactly one writer must win");
    }
    let versions: Vec<i64> = store
        .read_stream(&stream)
        .await
        .unwrap()
        .iter()
        .map(|e| e.stream_version)
        .collect();
    assert_eq!(versions, [1, 2, 3, 4, 5]);
}

#[sqlx::test(migrations = false)]
async fn the_events_table_refuses_update_delete_truncate(pool: PgPool) {
    let store = migrated(&pool).await;
    store
        .append(
            &StreamId::instance(),
            ExpectedVersion::Any,
            &[initialized(1)],
            &AppendMeta::new(Actor::System),
        )
        .await
        .unwrap();
    for sql in [
        "UPDATE events SET actor = 'user:mallory'",
        "DELETE FROM events",
        "TRUNCATE events",
    ] {
        let err = sqlx::query(sql).execute(&pool).await.unwrap_err();
        assert!(err.to_string().contains("append-only"), "{sql}: {err}");
    }
    assert_eq!(store.read_all(0, 10).await.unwrap().len(), 1);
}

#[sqlx::test(migrations = false)]
async fn rebuild_gives_identical_projection_tables(pool: PgPool) {
    let store = migrated(&pool).await;
    let instance = StreamId::instance();
    store
        .append(
            &instance,
            ExpectedVersion::NoStream,
            &[initialized(9)],
            &AppendMeta::new(Actor::System),
        )
        .await
        .unwrap();
    for i in 0..250 {
        let actor = if i % 3 == 0 {
            Actor::System
        } else {
            Actor::User(format!("u{i}"))
        };
        store
            .append(
                &instance,
                ExpectedVersion::Any,
                &[renamed(&format!("name {i}"))],
                &AppendMeta::new(actor),
            )
            .await
            .unwrap();
    }
    let live = projections::snapshot(&pool).await.unwrap();
    assert_eq!(live[1].1.len(), 251, "audit has one row per event");

    let report = projections::rebuild(&pool).await.unwrap();
    assert_eq!(report.events_replayed, 251);
    assert_eq!(projections::snapshot(&pool).await.unwrap(), live);

    // A damaged projection is repaired by a rebuild.
    sqlx::query("DELETE FROM proj_audit WHERE global_seq % 2 = 0")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("UPDATE proj_instance SET name = 'tampered'")
        .execute(&pool)
        .await
        .unwrap();
    assert_ne!(projections::snapshot(&pool).await.unwrap(), live);
    projections::rebuild(&pool).await.unwrap();
    assert_eq!(projections::snapshot(&pool).await.unwrap(), live);
}

#[sqlx::test(migrations = false)]
async fn migrations_are_idempotent_and_include_the_job_queue(pool: PgPool) {
    store::db::migrate(&pool).await.unwrap();
    store::db::migrate(&pool).await.unwrap();
    let apalis_tables: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'apalis' AND table_name = 'jobs'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(apalis_tables, 1, "apalis job table exists");
    let ours: i64 = sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(ours as usize, store::db::migrator().iter().count());
}

#[tokio::test]
async fn an_unreachable_database_fails_fast_naming_the_host_not_the_password() {
    let options =
        store::db::parse_url("postgres://someone:hunter2secret@127.0.0.1:9/nowhere").unwrap();
    let err = store::db::connect(options, 1).await.unwrap_err();
    let message = err.to_string();
    assert!(message.contains("127.0.0.1:9"), "{message}");
    assert!(message.contains("nowhere"), "{message}");
    assert!(!message.contains("hunter2secret"), "{message}");
    assert!(!format!("{err:?}").contains("hunter2secret"));
}

#[sqlx::test(migrations = false)]
async fn rebuild_reproduces_servers_subvolumes_and_the_snapshot_catalog(pool: PgPool) {
    use domain::event::*;
    use domain::{ServerId, ServerRole, SnapshotId, SubvolumeId, Transport};

    let store = migrated(&pool).await;
    let meta = AppendMeta::new(Actor::User("op".into()));
    let server = ServerId::new();
    store
        .append(
            &server.stream(),
            ExpectedVersion::NoStream,
            &[
                DomainEvent::ServerRegistered(ServerRegistered {
                    server_id: server,
                    name: "primary".into(),
                    role: ServerRole::Primary,
                    transport: Transport::Local,
                    allowed_roots: vec!["/mnt/a".into()],
                    sudo: false,
                }),
                DomainEvent::ServerRootsChanged(ServerRootsChanged {
                    server_id: server,
                    allowed_roots: vec!["/mnt/a".into(), "/mnt/b".into()],
                }),
            ],
            &meta,
        )
        .await
        .unwrap();
    let sv = SubvolumeId::new();
    let snap = |n: u128| SnapshotId::from_uuid(Uuid::from_u128(n));
    let created = |n: u128| {
        DomainEvent::SnapshotCreated(SnapshotCreated {
            snapshot_id: snap(n),
            subvolume_id: sv,
            name: format!("home.2026112{n}T000000Z"),
            path: format!("/mnt/a/s/home.2026112{n}T000000Z"),
            uuid: Uuid::from_u128(100 + n),
            parent_uuid: Uuid::from_u128(1),
            btrfs_id: 300 + n as u64,
            created_at: chrono::Utc::now(),
        })
    };
    store
        .append(
            &sv.stream(),
            ExpectedVersion::NoStream,
            &[
                DomainEvent::SubvolumeManaged(SubvolumeManaged {
                    subvolume_id: sv,
                    server_id: server,
                    name: "home".into(),
                    path: "/mnt/a/home".into(),
                    snapshot_dir: "/mnt/a/s".into(),
                    btrfs_uuid: Uuid::from_u128(1),
                    btrfs_id: 256,
                }),
                created(1),
                created(2),
                created(3),
                DomainEvent::SnapshotCreateFailed(SnapshotCreateFailed {
                    subvolume_id: sv,
                    name: "home.x".into(),
                    path: "/mnt/a/s/home.x".into(),
                    error: "no space".into(),
                }),
                DomainEvent::SnapshotDeleted(SnapshotDeleted {
                    snapshot_id: snap(1),
                    subvolume_id: sv,
                }),
                DomainEvent::SnapshotDeleteFailed(SnapshotDeleteFailed {
                    snapshot_id: snap(3),
                    subvolume_id: sv,
                    error: "busy".into(),
                }),
                DomainEvent::SnapshotVanished(SnapshotVanished {
                    snapshot_id: snap(2),
                    subvolume_id: sv,
                }),
                DomainEvent::SnapshotDiscovered(SnapshotDiscovered {
                    snapshot_id: snap(4),
                    subvolume_id: sv,
                    name: "home@manual".into(),
                    path: "/mnt/a/s/home@manual".into(),
                    uuid: Uuid::from_u128(104),
                    parent_uuid: Uuid::from_u128(1),
                    btrfs_id: 304,
                    created_at: None,
                }),
                DomainEvent::SnapshotAdopted(SnapshotAdopted {
                    snapshot_id: snap(4),
                    subvolume_id: sv,
                }),
                DomainEvent::SubvolumeUnmanaged(SubvolumeUnmanaged { subvolume_id: sv }),
            ],
            &meta,
        )
        .await
        .unwrap();

    let server_view = projections::server(&pool, server).await.unwrap().unwrap();
    assert_eq!(server_view.allowed_roots, ["/mnt/a", "/mnt/b"]);
    let sub = projections::subvolume(&pool, sv).await.unwrap().unwrap();
    assert!(!sub.managed);
    assert_eq!(sub.last_snapshot_error.as_deref(), Some("no space"));
    let states: Vec<_> = [1, 2, 3, 4]
        .into_iter()
        .map(|n| {
            let pool = pool.clone();
            async move {
                let v = projections::snapshot_by_id(&pool, snap(n))
                    .await
                    .unwrap()
                    .unwrap();
                (v.state.as_str(), v.managed, v.last_error)
            }
        })
        .collect();
    let mut got = Vec::new();
    for s in states {
        got.push(s.await);
    }
    assert_eq!(
        got,
        [
            ("deleted", true, None),
            ("vanished", true, None),
            ("present", true, Some("busy".to_owned())),
            ("present", true, None),
        ]
    );

    // Policies and assignments (issue 6).
    let spec = |name: &str, keep_last: u32| domain::PolicySpec {
        name: name.into(),
        schedule: domain::ScheduleSpec {
            cron: "0 * * * *".into(),
            time_zone: "UTC".into(),
        },
        retention: domain::RetentionSpec {
            keep_last,
            min_age: None,
            hourly: 24,
            daily: 7,
            weekly: 0,
            monthly: 0,
            yearly: 0,
            time_zone: "UTC".into(),
        },
        target_retention: None,
        replicate_after_snapshot: false,
    };
    let (kept, gone) = (domain::PolicyId::new(), domain::PolicyId::new());
    let (other_sv, third_sv) = (SubvolumeId::new(), SubvolumeId::new());
    store
        .append(
            &kept.stream(),
            ExpectedVersion::NoStream,
            &[
                DomainEvent::PolicyCreated(PolicyCreated {
                    policy_id: kept,
                    spec: spec("hourly", 3),
                }),
                DomainEvent::PolicyUpdated(PolicyUpdated {
                    policy_id: kept,
                    spec: spec("hourly-renamed", 5),
                }),
                DomainEvent::PolicyAssigned(PolicyAssigned {
                    policy_id: kept,
                    subvolume_id: other_sv,
                }),
                DomainEvent::PolicyAssigned(PolicyAssigned {
                    policy_id: kept,
                    subvolume_id: third_sv,
                }),
                DomainEvent::PolicyUnassigned(PolicyUnassigned {
                    policy_id: kept,
                    subvolume_id: third_sv,
                }),
            ],
            &meta,
        )
        .await
        .unwrap();
    store
        .append(
            &gone.stream(),
            ExpectedVersion::NoStream,
            &[
                DomainEvent::PolicyCreated(PolicyCreated {
                    policy_id: gone,
                    spec: spec("gone", 1),
                }),
                DomainEvent::PolicyDeleted(PolicyDeleted { policy_id: gone }),
            ],
            &meta,
        )
        .await
        .unwrap();
    store
        .append(
            &sv.stream(),
            ExpectedVersion::Any,
            &[DomainEvent::SnapshotPruned(SnapshotPruned {
                snapshot_id: snap(4),
                subvolume_id: sv,
                policy_id: kept,
            })],
            &meta,
        )
        .await
        .unwrap();
    let idle = domain::PolicyId::new();
    store
        .append(
            &idle.stream(),
            ExpectedVersion::NoStream,
            &[DomainEvent::PolicyCreated(PolicyCreated {
                policy_id: idle,
                spec: spec("idle", 1),
            })],
            &meta,
        )
        .await
        .unwrap();
    // The scheduler's read: assigned policies only, with their schedule.
    let schedules = projections::schedules(&pool).await.unwrap();
    let renamed = spec("hourly-renamed", 5).schedule;
    assert_eq!(
        schedules,
        [projections::PolicySchedule {
            policy_id: kept,
            cron: renamed.cron,
            time_zone: renamed.time_zone,
            subvolumes: vec![other_sv],
        }]
    );
    let policies = projections::policies(&pool).await.unwrap();
    assert_eq!(policies.len(), 2);
    let policies: Vec<_> = policies
        .into_iter()
        .filter(|p| p.policy_id != idle)
        .collect();
    assert_eq!(policies.len(), 1);
    assert_eq!(policies[0].spec, spec("hourly-renamed", 5));
    assert_eq!(policies[0].subvolumes, [other_sv]);
    assert_eq!(
        projections::policy_of_subvolume(&pool, other_sv)
            .await
            .unwrap()
            .map(|p| p.policy_id),
        Some(kept)
    );
    assert!(
        projections::policy_by_name(&pool, "gone")
            .await
            .unwrap()
            .is_none()
    );
    let pruned = projections::snapshot_by_id(&pool, snap(4))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(pruned.state.as_str(), "deleted");

    let live = projections::snapshot(&pool).await.unwrap();
    for table in [
        "proj_servers",
        "proj_subvolumes",
        "proj_snapshots",
        "proj_policies",
        "proj_policy_assignments",
    ] {
        assert!(
            live.iter().any(|(t, rows)| t == table && !rows.is_empty()),
            "{table} is covered"
        );
    }
    projections::rebuild(&pool).await.unwrap();
    assert_eq!(projections::snapshot(&pool).await.unwrap(), live);
}
