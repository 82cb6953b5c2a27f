//! Live feed of appended events, for server-sent events (issue 8).
//!
//! Mechanism: the `events_notify_append` trigger (migration `..._60`) sends
//! `pg_notify('dist_btrfs_events', global_seq)` for every inserted event. Postgres
//! delivers it on commit only, in commit order, to every listening session, so
//! appends from any process on the database reach every `serve` process and
//! rolled-back appends never do. Each process runs ONE listener ([`LiveFeed`]) that
//! reads the audit lines of the announced sequence numbers and fans them out on a
//! broadcast channel; HTTP clients subscribe to that channel (no per-client
//! database connection, no polling).
//!
//! Notifications sent while the listener's connection is down are lost, so after
//! every (re)connect the listener catches up with the audit lines newer than the
//! last one it sent. Clients resume with [`audit_after`] (SSE `Last-Event-ID`).
//! This module does not decide what a client sees (authorisation is the API's).

use std::time::Duration;

use sqlx::postgres::{PgListener, PgPool};
use tokio::sync::broadcast;

use crate::StoreError;
use crate::projections::AuditEntry;

/// The NOTIFY channel the `events` trigger announces appends on.
pub const CHANNEL: &str = "dist_btrfs_events";

/// Most audit lines replayed to one resuming client.
pub const MAX_BACKLOG: i64 = 500;

/// How many lines the broadcast channel buffers for a slow client before it lags.
const BUFFER: usize = 1024;

/// Audit lines with `global_seq > after`, oldest first, at most `limit`.
pub async fn audit_after(
    pool: &PgPool,
    after: i64,
    limit: i64,
) -> Result<Vec<AuditEntry>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT global_seq, recorded_at, actor, stream_id, event_type, summary, correlation_id,
                subjects
           FROM proj_audit WHERE global_seq > $1 ORDER BY global_seq LIMIT $2",
    )
    .bind(after)
    .bind(limit)
    .fetch_all(pool)
    .await?)
}

/// The audit lines of exactly these sequence numbers, in log order.
async fn audit_of(pool: &PgPool, seqs: &[i64]) -> Result<Vec<AuditEntry>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT global_seq, recorded_at, actor, stream_id, event_type, summary, correlation_id,
                subjects
           FROM proj_audit WHERE global_seq = ANY($1) ORDER BY global_seq",
    )
    .bind(seqs)
    .fetch_all(pool)
    .await?)
}

/// The newest sequence number in the log (0 when empty).
pub async fn newest_seq(pool: &PgPool) -> Result<i64, StoreError> {
    let seq: Option<i64> = sqlx::query_scalar("SELECT max(global_seq) FROM events")
        .fetch_one(pool)
        .await?;
    Ok(seq.unwrap_or(0))
}

/// One process's listener, started on the first [`LiveFeed::subscribe`].
#[derive(Debug, Default)]
pub struct LiveFeed {
    sender: tokio::sync::OnceCell<broadcast::Sender<AuditEntry>>,
}

impl LiveFeed {
    /// A receiver of every audit line committed from now on. The first call starts
    /// the listener task (it runs until `pool` is closed) and waits until it
    /// listens, so an append committed after this returns is delivered.
    pub async fn subscribe(
        &self,
        pool: &PgPool,
    ) -> Result<broadcast::Receiver<AuditEntry>, StoreError> {
        let sender = self
            .sender
            .get_or_try_init(|| async {
                let mut listener = PgListener::connect_with(pool).await?;
                listener.listen(CHANNEL).await?;
                let cursor = newest_seq(pool).await?;
                let (sender, _) = broadcast::channel(BUFFER);
                tokio::spawn(run(pool.clone(), listener, sender.clone(), cursor));
                Ok::<_, StoreError>(sender)
            })
            .await?;
        Ok(sender.subscribe())
    }
}

/// The listener loop: forward announced lines; after a lost connection, catch up.
async fn run(
    pool: PgPool,
    mut listener: PgListener,
    sender: broadcast::Sender<AuditEntry>,
    mut cursor: i64,
) {
    loop {
        match listener.try_recv().await {
            Ok(Some(first)) => {
                let mut seqs: Vec<i64> = first.payload().parse().into_iter().collect();
                while let Some(more) = listener.next_buffered() {
                    seqs.extend(more.payload().parse::<i64>());
                }
                match audit_of(&pool, &seqs).await {
                    Ok(lines) => forward(&sender, lines, &mut cursor),
                    Err(e) => tracing::warn!(error = %e, "live feed: reading audit lines failed"),
                }
            }
            // The connection dropped and was re-established (listening again):
            // read what was announced meanwhile.
            Ok(None) => catch_up(&pool, &sender, &mut cursor).await,
            Err(sqlx::Error::PoolClosed) => return,
            Err(e) => {
                tracing::warn!(error = %e, "live feed: listener failed; retrying");
                // Listening again before catching up: a line committed between the two is
                // then announced, where catching up first could miss it for good.
                if !listen_again(&mut listener).await {
                    return;
                }
                catch_up(&pool, &sender, &mut cursor).await;
            }
        }
    }
}

/// Re-establishes `LISTEN` (a new connection if needed), once a second until it works;
/// false when the pool is closed.
async fn listen_again(listener: &mut PgListener) -> bool {
    loop {
        tokio::time::sleep(Duration::from_secs(1)).await;
        // sqlx listens on every channel named so far when it takes a new connection; an
        // empty list adds none and runs nothing more.
        match listener.listen_all(std::iter::empty()).await {
            Ok(()) => return true,
            Err(sqlx::Error::PoolClosed) => return false,
            Err(e) => tracing::warn!(error = %e, "live feed: listening again failed; retrying"),
        }
    }
}

/// Forwards the lines newer than the cursor (after a reconnect; sqlx re-issues
/// LISTEN on the new connection itself).
async fn catch_up(pool: &PgPool, sender: &broadcast::Sender<AuditEntry>, cursor: &mut i64) {
    match audit_after(pool, *cursor, MAX_BACKLOG).await {
        Ok(lines) => forward(sender, lines, cursor),
        Err(e) => tracing::warn!(error = %e, "live feed: catching up failed"),
    }
}

fn forward(sender: &broadcast::Sender<AuditEntry>, lines: Vec<AuditEntry>, cursor: &mut i64) {
    for line in lines {
        *cursor = (*cursor).max(line.global_seq);
        // No receivers is fine: nobody is watching right now.
        let _ = sender.send(line);
    }
}
