//! Projection `proj_event_counts`: how many events of each type the log holds, so
//! that a `/metrics` scrape reads a handful of rows instead of scanning `events`.
//!
//! Counted in the append transaction like every projection; a rebuild recounts from
//! the log. Concurrent appends of the same event type serialize on that type's row
//! until they commit (appends are short transactions; that is acceptable).

use domain::EventKind;
use sqlx::postgres::PgConnection;

use crate::StoreError;
use crate::record::RecordedEvent;

pub(super) async fn apply(
    conn: &mut PgConnection,
    event: &RecordedEvent,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO proj_event_counts (event_type, events) VALUES ($1, 1)
         ON CONFLICT (event_type) DO UPDATE SET events = proj_event_counts.events + 1",
    )
    .bind(event.event.event_type())
    .execute(conn)
    .await?;
    Ok(())
}

/// Events in the log by type, by type name.
pub async fn event_counts<'e>(
    exec: impl sqlx::PgExecutor<'e>,
) -> Result<Vec<(String, i64)>, StoreError> {
    Ok(
        sqlx::query_as("SELECT event_type, events FROM proj_event_counts ORDER BY event_type")
            .fetch_all(exec)
            .await?,
    )
}
