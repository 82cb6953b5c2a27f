//! `projections::rebuild` while appends go on: nothing appended meanwhile is lost, the
//! rebuilt tables equal what a replay gives, and the swapped-in tables keep the names
//! of the indexes the migrations made.

use domain::{Actor, StreamId};
use sqlx::PgPool;
use store::projections;
use store::{AppendMeta, ExpectedVersion};

use crate::event_store::{initialized_store, rename_many, renamed};

async fn index_names(pool: &PgPool) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT indexname::text FROM pg_indexes
          WHERE schemaname = 'public' AND tablename LIKE 'proj\\_%' ORDER BY 1",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

/// Whether the rebuild's schema exists (a rebuild is between its start and its swap).
async fn rebuilding(pool: &PgPool) -> bool {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'proj_rebuild')")
        .fetch_one(pool)
        .await
        .unwrap()
}

/// Events per replay batch in these tests: a few batches without appending tens of
/// thousands of events (the product's batch is [`projections::REPLAY_BATCH`]).
const BATCH: i64 = 1000;

#[sqlx::test(migrations = false)]
async fn a_rebuild_beside_concurrent_appends_loses_nothing_and_keeps_the_index_names(pool: PgPool) {
    let store = initialized_store(&pool).await;
    let instance = StreamId::instance();
    // More than a replay batch, so the replay commits several times.
    let before = 2 * BATCH as usize + 500;
    rename_many(&store, before).await;
    let indexes = index_names(&pool).await;

    // Four writers append while the rebuild replays: each waits for the rebuild's schema
    // to appear, then appends, and counts the appends that returned while the schema was
    // still there (before the swap: the replay did not hold them back).
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let store = store.clone();
            let instance = instance.clone();
            let pool = pool.clone();
            tokio::spawn(async move {
                let mut waited = 0;
                while !rebuilding(&pool).await {
                    waited += 1;
                    assert!(waited < 6000, "the rebuild never made its schema");
                    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                }
                let meta = AppendMeta::new(Actor::User(format!("writer{w}")));
                let mut during = 0;
                for i in 0..100 {
                    store
                        .append(
                            &instance,
                            ExpectedVersion::Any,
                            &[renamed(&format!("w{w}-{i}"))],
                            &meta,
                        )
                        .await
                        .unwrap();
                    if rebuilding(&pool).await {
                        during += 1;
                    }
                }
                during
            })
        })
        .collect();
    let report = projections::rebuild_in_batches_of(&pool, BATCH)
        .await
        .unwrap();
    let mut during = 0;
    for w in writers {
        during += w.await.unwrap();
    }
    assert!(during > 0, "no append returned while the rebuild replayed");
    assert!(!rebuilding(&pool).await);
    let total = 1 + before as u64 + 400;
    assert!(
        report.events_replayed > before as u64 && report.events_replayed <= total,
        "replayed {}",
        report.events_replayed
    );

    // Every event is in the projections (those appended after the swap by the live path).
    let audit: i64 = sqlx::query_scalar("SELECT count(*) FROM proj_audit")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(audit as u64, total);
    let counted: i64 = sqlx::query_scalar("SELECT sum(events)::BIGINT FROM proj_event_counts")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(counted as u64, total);
    let check = projections::check_in_batches_of(&pool, BATCH)
        .await
        .unwrap();
    assert!(check.is_empty(), "{check:?}");
    assert_eq!(index_names(&pool).await, indexes);
    // The settings the copies had while they filled (no autovacuum, half-empty pages)
    // are not left on the live tables.
    let with_settings: Vec<String> = sqlx::query_scalar(
        "SELECT relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname LIKE 'proj\\_%'
            AND c.reloptions IS NOT NULL",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(with_settings, Vec::<String>::new());
    // A second rebuild over the swapped tables works the same.
    let again = projections::rebuild_in_batches_of(&pool, BATCH)
        .await
        .unwrap();
    assert_eq!(again.events_replayed, total);
    assert!(projections::check(&pool).await.unwrap().is_empty());
}

/// `projections::check` while transactions read a projection and then append (as the
/// API's handlers do): the check only reads the live tables, so no such transaction
/// deadlocks with it, and every check and every append succeeds.
#[sqlx::test(migrations = false)]
async fn a_check_beside_transactions_that_read_then_append_never_deadlocks(pool: PgPool) {
    initialized_store(&pool).await;
    let instance = StreamId::instance();
    let writers: Vec<_> = (0..6)
        .map(|w| {
            let pool = pool.clone();
            let instance = instance.clone();
            tokio::spawn(async move {
                let meta = AppendMeta::new(Actor::User(format!("writer{w}")));
                for i in 0..25 {
                    let mut tx = pool.begin().await.unwrap();
                    let _: i64 = sqlx::query_scalar("SELECT count(*) FROM proj_audit")
                        .fetch_one(&mut *tx)
                        .await
                        .unwrap();
                    tokio::time::sleep(std::time::Duration::from_millis(3)).await;
                    store::events::append_in(
                        &mut tx,
                        &instance,
                        ExpectedVersion::Any,
                        &[renamed(&format!("w{w}-{i}"))],
                        &meta,
                    )
                    .await
                    .unwrap();
                    tx.commit().await.unwrap();
                }
            })
        })
        .collect();
    let mut checks = 0;
    while writers.iter().any(|w| !w.is_finished()) {
        projections::check(&pool).await.unwrap();
        checks += 1;
    }
    for w in writers {
        w.await.unwrap();
    }
    assert!(checks > 1, "the checks never overlapped the writers");
    assert!(projections::check(&pool).await.unwrap().is_empty());
    let audit: i64 = sqlx::query_scalar("SELECT count(*) FROM proj_audit")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(audit, 1 + 6 * 25);
}

/// A rebuild whose replay fails (an event in the log that no code can read) reports the
/// failure: it does not wait forever for its audit writer, it drops its schema, and the
/// live tables are as they were.
#[sqlx::test(migrations = false)]
async fn a_rebuild_whose_replay_fails_reports_it_and_leaves_the_live_tables(pool: PgPool) {
    let store = initialized_store(&pool).await;
    rename_many(&store, 50).await;
    sqlx::query(
        "INSERT INTO events (stream_id, stream_version, event_type, schema_version, payload,
                             actor, correlation_id)
         VALUES ('instance', 100000, 'NoSuchEvent', 1, '{}', 'system', gen_random_uuid())",
    )
    .execute(&pool)
    .await
    .unwrap();
    let live = projections::snapshot(&pool).await.unwrap();
    // Generous: a hang is what this looks for, not a speed.
    let outcome = tokio::time::timeout(
        std::time::Duration::from_secs(120),
        projections::rebuild(&pool),
    )
    .await
    .expect("the rebuild ended");
    let err = outcome.expect_err("an unreadable event fails the rebuild");
    assert!(err.to_string().contains("NoSuchEvent"), "{err}");
    assert!(!rebuilding(&pool).await, "the rebuild's schema is dropped");
    assert!(projections::snapshot(&pool).await.unwrap() == live);
}
