//! The events-by-type projection and the storage metrics history against a real
//! Postgres (one fresh database per test; `DATABASE_URL` from `ops/lab env`).

use chrono::{DateTime, Duration, Utc};
use domain::event::{InstanceInitialized, InstanceRenamed, ServerRegistered, ServerRemoved};
use domain::{Actor, DomainEvent, ServerId, ServerRole, StreamId, Transport};
use sqlx::PgPool;
use store::storage::{self, FilesystemSample, Sizes};
use store::{AppendMeta, EventStore, ExpectedVersion, projections};
use uuid::Uuid;

async fn migrated(pool: &PgPool) -> EventStore {
    store::db::migrate(pool).await.unwrap();
    EventStore::new(pool.clone())
}

async fn group_by(pool: &PgPool) -> Vec<(String, i64)> {
    sqlx::query_as("SELECT event_type, count(*) FROM events GROUP BY event_type ORDER BY 1")
        .fetch_all(pool)
        .await
        .unwrap()
}

#[sqlx::test(migrations = false)]
async fn event_counts_follow_appends_and_survive_a_rebuild(pool: PgPool) {
    let store = migrated(&pool).await;
    let meta = AppendMeta::new(Actor::System);
    store
        .append(
            &StreamId::instance(),
            ExpectedVersion::NoStream,
            &[DomainEvent::InstanceInitialized(InstanceInitialized {
                instance_id: Uuid::from_u128(1),
                software_version: "t".into(),
            })],
            &meta,
        )
        .await
        .unwrap();
    for n in 0..5 {
        store
            .append(
                &StreamId::instance(),
                ExpectedVersion::Any,
                &[DomainEvent::InstanceRenamed(InstanceRenamed {
                    name: format!("n{n}"),
                })],
                &meta,
            )
            .await
            .unwrap();
    }
    let live = projections::event_counts(&pool).await.unwrap();
    assert_eq!(
        live,
        vec![
            ("InstanceInitialized".to_owned(), 1),
            ("InstanceRenamed".to_owned(), 5)
        ]
    );
    assert_eq!(live, group_by(&pool).await);

    // Damaged counts are repaired by a rebuild, which recounts from the log.
    sqlx::query("UPDATE proj_event_counts SET events = 99")
        .execute(&pool)
        .await
        .unwrap();
    projections::rebuild(&pool).await.unwrap();
    assert_eq!(
        projections::event_counts(&pool).await.unwrap(),
        group_by(&pool).await
    );
}

fn fs(used: i64) -> FilesystemSample {
    FilesystemSample {
        filesystem: "/mnt/pool".into(),
        size_bytes: 1000,
        used_bytes: used,
        free_bytes: 1000 - used,
        free_min_bytes: None,
        data: Some((800, used)),
        metadata: None,
        system: None,
    }
}

async fn register(store: &EventStore, id: ServerId) {
    store
        .append(
            &id.stream(),
            ExpectedVersion::NoStream,
            &[DomainEvent::ServerRegistered(ServerRegistered {
                server_id: id,
                name: format!("s-{id}"),
                role: ServerRole::Primary,
                transport: Transport::Local,
                allowed_roots: vec!["/mnt/pool".into()],
                sudo: false,
            })],
            &AppendMeta::new(Actor::System),
        )
        .await
        .unwrap();
}

async fn times(pool: &PgPool, server: ServerId) -> Vec<DateTime<Utc>> {
    sqlx::query_scalar(
        "SELECT sampled_at FROM storage_samples WHERE server_id = $1 ORDER BY sampled_at",
    )
    .bind(server.as_uuid())
    .fetch_all(pool)
    .await
    .unwrap()
}

#[sqlx::test(migrations = false)]
async fn samples_are_thinned_to_5_minutes_then_hourly_then_dropped(pool: PgPool) {
    let store = migrated(&pool).await;
    let server = ServerId::from_uuid(Uuid::now_v7());
    let other = ServerId::from_uuid(Uuid::now_v7());
    register(&store, server).await;
    register(&store, other).await;
    // A fixed "now" on an hour boundary keeps the buckets predictable.
    let now = DateTime::parse_from_rfc3339("2026-11-26T12:00:00Z")
        .unwrap()
        .with_timezone(&Utc);
    // Every minute for the last 10 minutes: 2 fine buckets (11:50-11:55, 11:55-12:00)
    // plus the sample at 12:00 itself.
    let mut at: Vec<DateTime<Utc>> = (0..=10).map(|m| now - Duration::minutes(m)).collect();
    // Every 10 minutes 3 days ago: 6 per hour over 2 hours → 1 per hour.
    let old_base = now - Duration::days(3);
    at.extend((0..12).map(|k| old_base + Duration::minutes(10 * k)));
    // 100 days ago: dropped.
    at.push(now - Duration::days(100));
    for t in &at {
        storage::record_success(&pool, server, *t, &[fs(10)], &Sizes::Off)
            .await
            .unwrap();
        storage::record_success(&pool, other, *t, &[fs(10)], &Sizes::Off)
            .await
            .unwrap();
    }
    let mut conn = pool.acquire().await.unwrap();
    storage::thin(&mut conn, server, now).await.unwrap();
    let kept = times(&pool, server).await;
    let expect = vec![
        old_base + Duration::minutes(50),
        old_base + Duration::minutes(110),
        now - Duration::minutes(6),
        now - Duration::minutes(1),
        now,
    ];
    assert_eq!(kept, expect);
    // Thinning one server leaves the others alone (their own collections thin them).
    assert!(times(&pool, other).await.len() > expect.len());

    // Latest = the last successful collection; history is bounded and ordered.
    let latest = storage::latest(&pool).await.unwrap();
    let mine = latest.iter().find(|s| s.server_id == server).unwrap();
    assert_eq!(mine.succeeded_at, Some(now - Duration::days(100)));
    storage::record_success(&pool, server, now, &[fs(20)], &Sizes::Off)
        .await
        .unwrap();
    let latest = storage::latest(&pool).await.unwrap();
    let mine = latest.iter().find(|s| s.server_id == server).unwrap();
    assert_eq!(mine.succeeded_at, Some(now));
    assert_eq!(mine.filesystems.len(), 1);
    assert_eq!(mine.filesystems[0].sample.used_bytes, 20);
    assert_eq!(mine.filesystems[0].sample.data, Some((800, 20)));

    let h = storage::history(&pool, server, now - Duration::days(90), now, 2)
        .await
        .unwrap();
    assert_eq!(h.len(), 2);
    assert_eq!(h[1].sampled_at, now);
    assert!(h[0].sampled_at < h[1].sampled_at);

    // A failure keeps the samples and says why.
    storage::record_failure(
        &pool,
        server,
        now + Duration::minutes(5),
        "boom",
        domain::status::ContactFailure::HostKeyChanged,
    )
    .await
    .unwrap();
    let latest = storage::latest(&pool).await.unwrap();
    let mine = latest.iter().find(|s| s.server_id == server).unwrap();
    assert_eq!(mine.error.as_deref(), Some("boom"));
    assert_eq!(
        mine.error_kind,
        Some(domain::status::ContactFailure::HostKeyChanged)
    );
    assert_eq!(mine.succeeded_at, Some(now));
    assert_eq!(mine.filesystems.len(), 1);

    // Metrics of a removed server go; a registered server's stay.
    store
        .append(
            &other.stream(),
            ExpectedVersion::Any,
            &[DomainEvent::ServerRemoved(ServerRemoved {
                server_id: other,
            })],
            &AppendMeta::new(Actor::System),
        )
        .await
        .unwrap();
    assert!(storage::forget_removed_servers(&pool).await.unwrap() > 0);
    assert!(times(&pool, other).await.is_empty());
    assert_eq!(times(&pool, server).await.len(), expect.len());
}

/// The servers of one collection round commit in the order their measurements end, not
/// the order they started: every commit must still change the stamp the status and the
/// storage list are reused by (`engine::status`), or a finished collection stays unseen
/// for up to 10 s.
#[sqlx::test(migrations = false)]
async fn every_committed_collection_changes_the_stamp_whatever_the_order(pool: PgPool) {
    let store = migrated(&pool).await;
    let (a, b) = (
        ServerId::from_uuid(Uuid::now_v7()),
        ServerId::from_uuid(Uuid::now_v7()),
    );
    register(&store, a).await;
    register(&store, b).await;
    let t0 = DateTime::parse_from_rfc3339("2026-11-26T12:00:00Z")
        .unwrap()
        .with_timezone(&Utc);
    for server in [a, b] {
        storage::record_success(&pool, server, t0, &[fs(10)], &Sizes::Off)
            .await
            .unwrap();
    }
    let stamp = || store::status::change_stamp(&pool);
    let before = stamp().await.unwrap();
    assert_eq!(stamp().await.unwrap(), before, "nothing committed");
    // The next round: b started first, a later, and a's commit comes first.
    let (b_started, a_started) = (
        t0 + Duration::minutes(5),
        t0 + Duration::minutes(5) + Duration::seconds(1),
    );
    storage::record_success(&pool, a, a_started, &[fs(20)], &Sizes::Off)
        .await
        .unwrap();
    let after_a = stamp().await.unwrap();
    assert_ne!(after_a, before);
    storage::record_success(&pool, b, b_started, &[fs(30)], &Sizes::Off)
        .await
        .unwrap();
    let after_b = stamp().await.unwrap();
    assert_ne!(
        after_b, after_a,
        "b's commit, older than a's attempt, is a change"
    );
    storage::record_failure(
        &pool,
        b,
        b_started + Duration::minutes(5),
        "boom",
        domain::status::ContactFailure::Unreachable,
    )
    .await
    .unwrap();
    assert_ne!(
        stamp().await.unwrap(),
        after_b,
        "a failed attempt is a change"
    );
}
