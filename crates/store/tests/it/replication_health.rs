//! `projections::replication_health` against a real Postgres (fresh database per test):
//! a recorded history of runs (success, failures, a later incremental success) gives the
//! right newest snapshots, lag, last transfer, counts and state at chosen instants —
//! FAILING after a failure, OK after the next success, LATE once the newest replica is
//! older than the RPO (the policy schedule's default, then an operator's) — and the same
//! after a projection rebuild. The end-to-end numbers of a real send are checked by
//! `crates/api/tests/replication_api.rs`.

use chrono::{DateTime, Duration, TimeZone, Utc};
use domain::event::{
    PolicyAssigned, PolicyCreated, ServerRegistered, SnapshotCreated, SubvolumeManaged,
};
use domain::health::{HealthState, RpoSource, SubvolumeRpoSet};
use domain::replication::{
    ErrorClass, Outcome, Replica, ReplicationFinished, ReplicationRequested,
    ReplicationTargetFailed, ReplicationTargetSucceeded, TargetAdded, TargetOptions,
};
use domain::{
    Actor, DomainEvent, PolicyId, ReplicationId, ServerId, ServerRole, SnapshotId, SubvolumeId,
    TargetId, Transport,
};
use sqlx::PgPool;
use store::projections::{self, TargetHealth};
use store::{AppendMeta, EventStore, ExpectedVersion};
use uuid::Uuid;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 12, 0, 0).unwrap()
}

struct Fleet {
    store: EventStore,
    sv: SubvolumeId,
    remote: ServerId,
    t1: TargetId,
    t2: TargetId,
    s1: SnapshotId,
    s2: SnapshotId,
}

pub(crate) async fn append(store: &EventStore, events: Vec<DomainEvent>) {
    for e in events {
        let stream = domain::StreamId::for_entity("test", Uuid::now_v7());
        store
            .append(
                &stream,
                ExpectedVersion::NoStream,
                &[e],
                &AppendMeta::new(Actor::System),
            )
            .await
            .unwrap();
    }
}

fn snapshot(sv: SubvolumeId, id: SnapshotId, name: &str, at: DateTime<Utc>) -> DomainEvent {
    DomainEvent::SnapshotCreated(SnapshotCreated {
        snapshot_id: id,
        subvolume_id: sv,
        name: name.into(),
        path: format!("/p/.snapshots/{name}"),
        uuid: Uuid::new_v4(),
        parent_uuid: Uuid::from_u128(1),
        btrfs_id: 300,
        created_at: at,
    })
}

async fn fleet(pool: &PgPool) -> Fleet {
    store::db::migrate(pool).await.unwrap();
    let store = EventStore::new(pool.clone());
    let (primary, remote) = (ServerId::new(), ServerId::new());
    let sv = SubvolumeId::new();
    let (t1, t2) = (TargetId::new(), TargetId::new());
    let (s1, s2) = (SnapshotId::new(), SnapshotId::new());
    let policy = PolicyId::new();
    let spec: domain::PolicySpec = serde_json::from_value(serde_json::json!({
        "name": "hourly",
        "schedule": {"cron": "0 * * * *", "time_zone": "UTC"},
        "retention": {"keep_last": 1, "hourly": 0, "daily": 0, "weekly": 0, "monthly": 0,
                      "yearly": 0, "time_zone": "UTC"},
        "target_retention": null,
        "replicate_after_snapshot": false
    }))
    .unwrap();
    append(
        &store,
        vec![
            DomainEvent::ServerRegistered(ServerRegistered {
                server_id: primary,
                name: "primary".into(),
                role: ServerRole::Primary,
                transport: Transport::Local,
                allowed_roots: vec!["/p".into()],
                sudo: false,
            }),
            DomainEvent::ServerRegistered(ServerRegistered {
                server_id: remote,
                name: "backup-1".into(),
                role: ServerRole::Remote,
                transport: Transport::Ssh {
                    address: "127.0.0.11".into(),
                    port: 2222,
                    username: "u".into(),
                },
                allowed_roots: vec!["/srv".into()],
                sudo: true,
            }),
            DomainEvent::SubvolumeManaged(SubvolumeManaged {
                subvolume_id: sv,
                server_id: primary,
                name: "home".into(),
                path: "/p/home".into(),
                snapshot_dir: "/p/.snapshots".into(),
                btrfs_uuid: Uuid::from_u128(1),
                btrfs_id: 256,
            }),
            DomainEvent::PolicyCreated(PolicyCreated {
                policy_id: policy,
                spec,
            }),
            DomainEvent::PolicyAssigned(PolicyAssigned {
                policy_id: policy,
                subvolume_id: sv,
            }),
            DomainEvent::TargetAdded(TargetAdded {
                target_id: t1,
                subvolume_id: sv,
                server_id: remote,
                directory: "/srv/a".into(),
                options: TargetOptions::default(),
            }),
            DomainEvent::TargetAdded(TargetAdded {
                target_id: t2,
                subvolume_id: sv,
                server_id: remote,
                directory: "/srv/b".into(),
                options: TargetOptions::default(),
            }),
            snapshot(sv, s1, "home.1", t0()),
        ],
    )
    .await;
    Fleet {
        store,
        sv,
        remote,
        t1,
        t2,
        s1,
        s2,
    }
}

fn success(
    f: &Fleet,
    run: ReplicationId,
    snap: SnapshotId,
    parent: Option<SnapshotId>,
    bytes: u64,
    replicas: &[SnapshotId],
) -> DomainEvent {
    DomainEvent::ReplicationTargetSucceeded(ReplicationTargetSucceeded {
        replication_id: run,
        target_id: f.t1,
        subvolume_id: f.sv,
        snapshot_id: snap,
        parent_snapshot_id: parent,
        sent: true,
        bytes,
        wire_bytes: None,
        duration_ms: 2000,
        throughput_bytes_per_sec: bytes / 2,
        received_path: "/srv/a/x".into(),
        replicas: replicas
            .iter()
            .map(|s| Replica {
                snapshot_id: *s,
                path: format!("/srv/a/{s}"),
                uuid: Uuid::new_v4(),
            })
            .collect(),
        common_base: Some(snap),
    })
}

fn failed(run: ReplicationId, target: TargetId) -> DomainEvent {
    DomainEvent::ReplicationTargetFailed(ReplicationTargetFailed {
        replication_id: run,
        target_id: target,
        snapshot_id: None,
        error: "ssh: connection refused".into(),
        class: ErrorClass::Transient,
    })
}

fn requested(
    f: &Fleet,
    run: ReplicationId,
    snap: SnapshotId,
    targets: Vec<TargetId>,
) -> DomainEvent {
    DomainEvent::ReplicationRequested(ReplicationRequested {
        replication_id: run,
        subvolume_id: f.sv,
        snapshot_id: snap,
        target_ids: targets,
    })
}

fn finished(run: ReplicationId, outcome: Outcome) -> DomainEvent {
    DomainEvent::ReplicationFinished(ReplicationFinished {
        replication_id: run,
        outcome,
    })
}

async fn health_at(pool: &PgPool, f: &Fleet, at: DateTime<Utc>) -> (TargetHealth, TargetHealth) {
    let all = projections::replication_health(pool, Some(f.sv), at)
        .await
        .unwrap();
    assert_eq!(all.len(), 2);
    let pick = |t: TargetId| all.iter().find(|h| h.target_id == t).unwrap().clone();
    (pick(f.t1), pick(f.t2))
}

#[sqlx::test(migrations = false)]
async fn health_follows_the_recorded_runs(pool: PgPool) {
    let f = fleet(&pool).await;
    let (h1, h2) = health_at(&pool, &f, t0()).await;
    assert_eq!(h1.state, HealthState::NeverReplicated);
    assert_eq!((h1.rpo_seconds, h1.rpo_source), (7200, RpoSource::Schedule));
    assert_eq!(h1.server_name, "backup-1");
    assert_eq!(h1.server_id, f.remote);
    assert_eq!(h1.newest_primary.as_ref().unwrap().snapshot_id, f.s1);
    assert_eq!(h2.state, HealthState::NeverReplicated);

    // Run 1: s1 full to t1 (100 bytes), t2 fails.
    let r1 = ReplicationId::new();
    append(
        &f.store,
        vec![
            requested(&f, r1, f.s1, vec![f.t1, f.t2]),
            success(&f, r1, f.s1, None, 100, &[f.s1]),
            failed(r1, f.t2),
            finished(r1, Outcome::PartiallyFailed),
        ],
    )
    .await;
    let (h1, h2) = health_at(&pool, &f, t0() + Duration::minutes(30)).await;
    assert_eq!(h1.state, HealthState::Ok);
    assert_eq!(h1.lag, Some(std::time::Duration::ZERO));
    assert_eq!(h1.replica_age, Some(std::time::Duration::from_secs(1800)));
    let ls = h1.last_transfer.clone().unwrap();
    assert_eq!(
        (ls.replication_id, ls.bytes, ls.incremental),
        (r1, 100, false)
    );
    assert_eq!((h1.bytes_total, h1.failures_total), (100, 0));
    assert_eq!(h2.state, HealthState::Failing);
    assert_eq!(h2.failures_total, 1);
    assert_eq!(
        h2.last_failure.unwrap().error.as_deref(),
        Some("ssh: connection refused")
    );

    // s2 an hour later; run 2 to t1 fails: FAILING, lag 1 h behind the primary.
    let r2 = ReplicationId::new();
    append(
        &f.store,
        vec![
            snapshot(f.sv, f.s2, "home.2", t0() + Duration::hours(1)),
            requested(&f, r2, f.s2, vec![f.t1]),
            failed(r2, f.t1),
            finished(r2, Outcome::Failed),
        ],
    )
    .await;
    let (h1, _) = health_at(&pool, &f, t0() + Duration::minutes(70)).await;
    assert_eq!(h1.state, HealthState::Failing);
    assert_eq!(h1.newest_primary.as_ref().unwrap().snapshot_id, f.s2);
    assert_eq!(h1.newest_replica.as_ref().unwrap().snapshot_id, f.s1);
    assert_eq!(h1.lag, Some(std::time::Duration::from_secs(3600)));
    assert_eq!(h1.failures_total, 1);

    // Run 3: s2 incremental (50 bytes) to t1: OK again, totals add up.
    let r3 = ReplicationId::new();
    append(
        &f.store,
        vec![
            requested(&f, r3, f.s2, vec![f.t1]),
            success(&f, r3, f.s2, Some(f.s1), 50, &[f.s1, f.s2]),
            finished(r3, Outcome::Succeeded),
        ],
    )
    .await;
    let at = t0() + Duration::minutes(80);
    let (h1, _) = health_at(&pool, &f, at).await;
    assert_eq!(h1.state, HealthState::Ok);
    assert_eq!(h1.lag, Some(std::time::Duration::ZERO));
    let ls = h1.last_transfer.clone().unwrap();
    assert_eq!(
        (ls.replication_id, ls.bytes, ls.incremental),
        (r3, 50, true)
    );
    assert_eq!((h1.bytes_total, h1.failures_total), (150, 1));
    assert_eq!(h1.last_success.map(|(run, _)| run), Some(r3));

    // Run 4 finds s2 already there: a success (it clears nothing, it is one), but no
    // transfer: the last transfer's figures stay run 3's (issue: "succeeded, full, 0 B"
    // used to replace them).
    let r4 = ReplicationId::new();
    let mut present = success(&f, r4, f.s2, None, 0, &[f.s1, f.s2]);
    if let DomainEvent::ReplicationTargetSucceeded(e) = &mut present {
        e.sent = false;
    }
    append(
        &f.store,
        vec![
            requested(&f, r4, f.s2, vec![f.t1]),
            present,
            finished(r4, Outcome::Succeeded),
        ],
    )
    .await;
    let (h1, _) = health_at(&pool, &f, at).await;
    assert_eq!(h1.state, HealthState::Ok);
    assert_eq!(h1.last_success.map(|(run, _)| run), Some(r4));
    let lt = h1.last_transfer.clone().unwrap();
    assert_eq!(
        (lt.replication_id, lt.bytes, lt.incremental),
        (r3, 50, true)
    );
    assert_eq!(h1.bytes_total, 150);

    // Four hours later the newest replica (s2) is older than the 2 h default: LATE.
    let later = t0() + Duration::hours(5);
    assert_eq!(health_at(&pool, &f, later).await.0.state, HealthState::Late);
    // An operator's RPO of a day makes it OK; clearing it, LATE again.
    let rpo = |secs: Option<u64>| {
        DomainEvent::SubvolumeRpoSet(SubvolumeRpoSet {
            subvolume_id: f.sv,
            rpo_seconds: secs,
        })
    };
    append(&f.store, vec![rpo(Some(86_400))]).await;
    let (h1, h2) = health_at(&pool, &f, later).await;
    assert_eq!(
        (h1.state, h1.rpo_seconds, h1.rpo_source),
        (HealthState::Ok, 86_400, RpoSource::Set)
    );
    assert_eq!(h2.rpo_seconds, 86_400);
    assert_eq!(
        projections::rpo_of_subvolume(&pool, f.sv).await.unwrap(),
        Some(86_400)
    );

    // A rebuild from the log gives the same view.
    let before = projections::replication_health(&pool, None, later)
        .await
        .unwrap();
    projections::rebuild(&pool).await.unwrap();
    assert_eq!(
        projections::replication_health(&pool, None, later)
            .await
            .unwrap(),
        before
    );
    // The totals go on adding up after the rebuild: the table it swapped in keeps the
    // live table's triggers (proj_target_totals).
    let r5 = ReplicationId::new();
    append(
        &f.store,
        vec![
            requested(&f, r5, f.s2, vec![f.t1, f.t2]),
            success(&f, r5, f.s2, Some(f.s1), 25, &[f.s1, f.s2]),
            failed(r5, f.t2),
            finished(r5, Outcome::PartiallyFailed),
        ],
    )
    .await;
    let (h1, h2) = health_at(&pool, &f, later).await;
    assert_eq!((h1.bytes_total, h1.failures_total), (175, 1));
    assert_eq!((h2.bytes_total, h2.failures_total), (0, 2));
    assert_eq!(
        projections::check(&pool).await.unwrap(),
        Vec::<String>::new()
    );

    append(&f.store, vec![rpo(None)]).await;
    assert_eq!(health_at(&pool, &f, later).await.0.state, HealthState::Late);
    assert_eq!(
        projections::rpo_of_subvolume(&pool, f.sv).await.unwrap(),
        None
    );
}
