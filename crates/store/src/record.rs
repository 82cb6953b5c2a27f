//! The event log's record types and its reads: what a writer expects of a stream
//! ([`ExpectedVersion`]), who writes ([`AppendMeta`]), one stored event
//! ([`RecordedEvent`]), and decoding rows of the `events` table.
//!
//! Both the append path ([`crate::events`]) and the projections depend on this module;
//! it depends on neither, so the two never import each other.

use chrono::{DateTime, Utc};
use domain::{Actor, DomainEvent, StreamId};
use sqlx::Row;
use uuid::Uuid;

use crate::StoreError;

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

/// Up to `limit` events with `global_seq > after`, in log order.
pub(crate) async fn read_all_in<'e, E>(
    executor: E,
    after: i64,
    limit: i64,
) -> Result<Vec<RecordedEvent>, StoreError>
where
    E: sqlx::PgExecutor<'e>,
{
    read_range_in(executor, after, i64::MAX, limit).await
}

/// Up to `limit` events with `after < global_seq <= upto`, in log order.
pub(crate) async fn read_range_in<'e, E>(
    executor: E,
    after: i64,
    upto: i64,
    limit: i64,
) -> Result<Vec<RecordedEvent>, StoreError>
where
    E: sqlx::PgExecutor<'e>,
{
    let rows = read_range_rows_in(executor, after, upto, limit).await?;
    rows.iter().map(decode_row).collect()
}

/// [`read_range_in`]'s rows, not decoded yet ([`decode_row`] each).
pub(crate) async fn read_range_rows_in<'e, E>(
    executor: E,
    after: i64,
    upto: i64,
    limit: i64,
) -> Result<Vec<sqlx::postgres::PgRow>, StoreError>
where
    E: sqlx::PgExecutor<'e>,
{
    Ok(sqlx::query(
        "SELECT global_seq, stream_id, stream_version, event_type, schema_version, payload,
                actor, correlation_id, recorded_at
           FROM events WHERE global_seq > $1 AND global_seq <= $2 ORDER BY global_seq LIMIT $3",
    )
    .bind(after)
    .bind(upto)
    .bind(limit)
    .fetch_all(executor)
    .await?)
}

/// The text of a `jsonb` value as the server sent it, for the event's own decoder to parse
/// once: `Json<RawValue>` would parse it a first time only to hand the same text on (a
/// rebuild reads 5.0 GB of payloads at 5.05M events). In the binary format the text
/// follows a version byte, 1.
fn jsonb_text(value: sqlx::postgres::PgValueRef<'_>) -> Result<&str, StoreError> {
    let bytes = value
        .as_bytes()
        .map_err(|e| StoreError::Corrupt(format!("stored payload: {e}")))?;
    let text = match value.format() {
        sqlx::postgres::PgValueFormat::Text => bytes,
        sqlx::postgres::PgValueFormat::Binary => match bytes.split_first() {
            Some((1, text)) => text,
            _ => {
                return Err(StoreError::Corrupt(
                    "stored payload: not jsonb of version 1".to_owned(),
                ));
            }
        },
    };
    std::str::from_utf8(text).map_err(|e| StoreError::Corrupt(format!("stored payload: {e}")))
}

pub(crate) fn decode_row(row: &sqlx::postgres::PgRow) -> Result<RecordedEvent, StoreError> {
    let stream: String = row.try_get("stream_id")?;
    let event_type: String = row.try_get("event_type")?;
    let schema_version: i32 = row.try_get("schema_version")?;
    let payload = jsonb_text(row.try_get_raw("payload")?)?;
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
