//! The append-only event store with optimistic concurrency per stream.
//!
//! An append writes the events and runs every projection over them in ONE
//! transaction, so the views never lag behind or run ahead of the log. Reads return
//! decoded [`DomainEvent`]s. This module does not interpret events; projections do.
//! The record types live in [`crate::record`] (which projections use too), so this
//! module depends on the projections and never the other way round.

use domain::{DomainEvent, EventKind, StreamId};
use sqlx::Row;
use sqlx::postgres::{PgConnection, PgPool};

pub use crate::record::{AppendMeta, ExpectedVersion, RecordedEvent};
use crate::record::{decode_row, read_all_in};
use crate::{StoreError, projections};

/// The event store over a pool.
#[derive(Debug, Clone)]
pub struct EventStore {
    pool: PgPool,
}

const UNIQUE_VIOLATION: &str = "23505";
const STREAM_VERSION_KEY: &str = "events_stream_version_key";

impl EventStore {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Appends `events` to `stream` if its version is `expected`, and updates the
    /// projections, all in one transaction. Returns the recorded events.
    #[tracing::instrument(skip_all, fields(stream = %stream, n = events.len()), err(level = "debug"))]
    pub async fn append(
        &self,
        stream: &StreamId,
        expected: ExpectedVersion,
        events: &[DomainEvent],
        meta: &AppendMeta,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let mut tx = self.pool.begin().await?;
        let recorded = append_in(&mut tx, stream, expected, events, meta).await?;
        tx.commit()
            .await
            .map_err(|e| conflict_or(e, stream, expected, None))?;
        Ok(recorded)
    }

    /// All events of one stream, oldest first.
    pub async fn read_stream(&self, stream: &StreamId) -> Result<Vec<RecordedEvent>, StoreError> {
        let rows = sqlx::query(
            "SELECT global_seq, stream_id, stream_version, event_type, schema_version, payload,
                    actor, correlation_id, recorded_at
               FROM events WHERE stream_id = $1 ORDER BY stream_version",
        )
        .bind(stream.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(decode_row).collect()
    }

    /// Up to `limit` events with `global_seq > after`, in log order.
    pub async fn read_all(&self, after: i64, limit: i64) -> Result<Vec<RecordedEvent>, StoreError> {
        read_all_in(&self.pool, after, limit).await
    }

    /// The current version of a stream (0 when it does not exist).
    pub async fn stream_version(&self, stream: &StreamId) -> Result<i64, StoreError> {
        let mut conn = self.pool.acquire().await?;
        current_version(&mut conn, stream).await
    }
}

/// Appends inside a caller's transaction (for handlers that also take locks or
/// read state in the same transaction). Projections run here too.
pub async fn append_in(
    conn: &mut PgConnection,
    stream: &StreamId,
    expected: ExpectedVersion,
    events: &[DomainEvent],
    meta: &AppendMeta,
) -> Result<Vec<RecordedEvent>, StoreError> {
    if expected == ExpectedVersion::Any {
        // Writers that do not care about the version (audit events such as failed
        // logins, many at once on one stream) queue behind each other here instead of
        // losing the race for the next version number and failing.
        crate::locks::lock_stream(conn, stream).await?;
    }
    let actual = current_version(conn, stream).await?;
    let matches = match expected {
        ExpectedVersion::NoStream => actual == 0,
        ExpectedVersion::Exactly(v) => actual == v,
        ExpectedVersion::Any => true,
    };
    if !matches {
        return Err(StoreError::Conflict {
            stream: stream.clone(),
            expected: expected.to_string(),
            actual,
        });
    }
    let actor = meta.actor.to_string();
    let mut recorded = Vec::with_capacity(events.len());
    for (offset, event) in (1_i64..).zip(events) {
        let version = actual + offset;
        let payload = event.payload()?;
        let row = sqlx::query(
            "INSERT INTO events
                 (stream_id, stream_version, event_type, schema_version, payload, actor, correlation_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             RETURNING global_seq, recorded_at",
        )
        .bind(stream.as_str())
        .bind(version)
        .bind(event.event_type())
        .bind(event.schema_version())
        .bind(&payload)
        .bind(&actor)
        .bind(meta.correlation_id)
        .fetch_one(&mut *conn)
        .await
        .map_err(|e| conflict_or(e, stream, expected, Some(version - 1)))?;
        let event = RecordedEvent {
            global_seq: row.try_get("global_seq")?,
            stream_id: stream.clone(),
            stream_version: version,
            event: event.clone(),
            actor: meta.actor.clone(),
            correlation_id: meta.correlation_id,
            recorded_at: row.try_get("recorded_at")?,
        };
        projections::apply(conn, &event).await?;
        recorded.push(event);
    }
    projections::count(conn, &recorded).await?;
    Ok(recorded)
}

async fn current_version(conn: &mut PgConnection, stream: &StreamId) -> Result<i64, StoreError> {
    let version: Option<i64> =
        sqlx::query_scalar("SELECT max(stream_version) FROM events WHERE stream_id = $1")
            .bind(stream.as_str())
            .fetch_one(conn)
            .await?;
    Ok(version.unwrap_or(0))
}

/// A unique violation on (stream_id, stream_version) means a concurrent writer won.
fn conflict_or(
    e: sqlx::Error,
    stream: &StreamId,
    expected: ExpectedVersion,
    seen: Option<i64>,
) -> StoreError {
    if let sqlx::Error::Database(db) = &e
        && db.code().as_deref() == Some(UNIQUE_VIOLATION)
        && db.constraint() == Some(STREAM_VERSION_KEY)
    {
        return StoreError::Conflict {
            stream: stream.clone(),
            expected: expected.to_string(),
            actual: seen.map_or(-1, |v| v + 1),
        };
    }
    StoreError::Database(e)
}
