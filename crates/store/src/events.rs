//! The append-only event store with optimistic concurrency per stream.
//!
//! An append writes the events and runs every projection over them in ONE
//! transaction, so the views never lag behind or run ahead of the log. Reads return
//! decoded [`DomainEvent`]s. This module does not interpret events; projections do.

use chrono::{DateTime, Utc};
use domain::{Actor, DomainEvent, EventKind, StreamId};
use sqlx::Row;
use sqlx::postgres::{PgConnection, PgPool};
use uuid::Uuid;

use crate::{StoreError, projections};

/// What the writer believes the stream's current version is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpectedVersion {
    /// The stream must not exist yet.
    NoStream,
    /// The stream's last event has exactly this version.
    Exactly(i64),
    /// Append after whatever is there (still fails if a concurrent writer wins the race).
    Any,
}

impl std::fmt::Display for ExpectedVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NoStream => f.write_str("no stream"),
            Self::Exactly(v) => write!(f, "{v}"),
            Self::Any => f.write_str("any"),
        }
    }
}

/// Who appends and as part of which request or job.
#[derive(Debug, Clone)]
pub struct AppendMeta {
    pub actor: Actor,
    pub correlation_id: Uuid,
}

impl AppendMeta {
    pub fn new(actor: Actor) -> Self {
        Self {
            actor,
            correlation_id: Uuid::now_v7(),
        }
    }
}

/// One event as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedEvent {
    pub global_seq: i64,
    pub stream_id: StreamId,
    pub stream_version: i64,
    pub event: DomainEvent,
    pub actor: Actor,
    pub correlation_id: Uuid,
    pub recorded_at: DateTime<Utc>,
}

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

pub(crate) async fn read_all_in<'e, E>(
    executor: E,
    after: i64,
    limit: i64,
) -> Result<Vec<RecordedEvent>, StoreError>
where
    E: sqlx::PgExecutor<'e>,
{
    let rows = sqlx::query(
        "SELECT global_seq, stream_id, stream_version, event_type, schema_version, payload,
                actor, correlation_id, recorded_at
           FROM events WHERE global_seq > $1 ORDER BY global_seq LIMIT $2",
    )
    .bind(after)
    .bind(limit)
    .fetch_all(executor)
    .await?;
    rows.iter().map(decode_row).collect()
}

fn decode_row(row: &sqlx::postgres::PgRow) -> Result<RecordedEvent, StoreError> {
    let stream: String = row.try_get("stream_id")?;
    let event_type: String = row.try_get("event_type")?;
    let schema_version: i32 = row.try_get("schema_version")?;
    let payload: serde_json::Value = row.try_get("payload")?;
    let actor: String = row.try_get("actor")?;
    Ok(RecordedEvent {
        global_seq: row.try_get("global_seq")?,
        stream_id: StreamId::parse(&stream)
            .map_err(|e| StoreError::Corrupt(format!("stored stream id: {e}")))?,
        stream_version: row.try_get("stream_version")?,
        event: DomainEvent::decode(&event_type, schema_version, payload)?,
        actor: Actor::parse(&actor).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        correlation_id: row.try_get("correlation_id")?,
        recorded_at: row.try_get("recorded_at")?,
    })
}
