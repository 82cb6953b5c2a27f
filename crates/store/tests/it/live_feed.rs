//! The live feed against a real Postgres: what commits while the feed's connections are
//! cut still reaches a subscriber, once and in log order.

use std::time::Duration;

use domain::{Actor, StreamId};
use sqlx::{Connection, PgPool};
use store::{AppendMeta, ExpectedVersion};

use crate::event_store::{initialized_store, renamed};

/// Lines appended while this test runs.
const APPENDS: usize = 40;

/// Every connection to the database is cut while appends go on. The feed's pool has
/// the product's settings (`store::db::connect`), so its listener reconnects first with
/// a pooled connection that is dead but was idle under a second (not pinged): that
/// fails, and it listens again before catching up. The subscriber gets every line.
#[sqlx::test(migrations = false)]
async fn the_live_feed_delivers_every_line_across_cut_connections(pool: PgPool) {
    let store = initialized_store(&pool).await;
    let feed_pool = store::db::connect((*pool.connect_options()).clone(), 4)
        .await
        .unwrap();
    let feed = store::live::LiveFeed::default();
    let mut lines = feed.subscribe(&feed_pool).await.unwrap();
    // Idle connections in the feed's pool for the listener to take when it reconnects.
    let warm = (0..3).map(|_| sqlx::query("SELECT pg_sleep(0.05)").execute(&feed_pool));
    futures::future::try_join_all(warm).await.unwrap();

    let appender = tokio::spawn(async move {
        let meta = AppendMeta::new(Actor::System);
        let mut seqs = Vec::new();
        for n in 0..APPENDS {
            // An append on a connection that was just cut fails: it is made again.
            let recorded = loop {
                match store
                    .append(
                        &StreamId::instance(),
                        ExpectedVersion::Any,
                        &[renamed(&format!("n{n}"))],
                        &meta,
                    )
                    .await
                {
                    Ok(recorded) => break recorded,
                    Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
                }
            };
            seqs.extend(recorded.iter().map(|e| e.global_seq));
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        seqs
    });
    tokio::time::sleep(Duration::from_millis(150)).await;
    let mut cutter = sqlx::PgConnection::connect_with(&pool.connect_options())
        .await
        .unwrap();
    let cut: i64 = sqlx::query_scalar(
        "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity
          WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    .fetch_one(&mut cutter)
    .await
    .unwrap();
    assert!(
        cut >= 2,
        "the listener and the idle pooled connections: {cut}"
    );
    let appended = appender.await.unwrap();
    assert_eq!(appended.len(), APPENDS);

    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while seen.last() != appended.last() {
        let line = tokio::time::timeout_at(deadline, lines.recv())
            .await
            .expect("every appended line arrives")
            .expect("no line is dropped for a slow subscriber");
        seen.push(line.global_seq);
    }
    assert!(
        seen.windows(2).all(|w| w[0] < w[1]),
        "once, in order: {seen:?}"
    );
    for seq in &appended {
        assert!(seen.contains(seq), "line {seq} arrived: {seen:?}");
    }
}
