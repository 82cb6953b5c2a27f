//! Projection `proj_audit`: the audit timeline, one readable line per event.

use chrono::{DateTime, Utc};
use domain::EventKind;
use sqlx::postgres::{PgConnection, PgPool};
use uuid::Uuid;

use crate::StoreError;
use crate::record::RecordedEvent;

pub(super) async fn apply(
    conn: &mut PgConnection,
    event: &RecordedEvent,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO proj_audit
             (global_seq, recorded_at, actor, stream_id, event_type, summary, correlation_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(event.global_seq)
    .bind(event.recorded_at)
    .bind(event.actor.to_string())
    .bind(event.stream_id.as_str())
    .bind(event.event.event_type())
    .bind(event.event.summary())
    .bind(event.correlation_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// One line of the audit timeline.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AuditEntry {
    pub global_seq: i64,
    pub recorded_at: DateTime<Utc>,
    pub actor: String,
    pub stream_id: String,
    pub event_type: String,
    pub summary: String,
    pub correlation_id: Uuid,
}

/// The newest entries first, older than `before` (a global sequence) when given.
pub async fn audit_timeline(
    pool: &PgPool,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<AuditEntry>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT global_seq, recorded_at, actor, stream_id, event_type, summary, correlation_id
           FROM proj_audit
          WHERE $1::bigint IS NULL OR global_seq < $1
          ORDER BY global_seq DESC
          LIMIT $2",
    )
    .bind(before)
    .bind(limit)
    .fetch_all(pool)
    .await?)
}
