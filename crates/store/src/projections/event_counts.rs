//! Projection `proj_event_counts`: how many events of each type the log holds, so
//! that a `/metrics` scrape reads a handful of rows instead of scanning `events`.
//!
//! Counted in the append transaction like every projection, but per append
//! ([`apply_batch`]: once per type, in the types' order); a rebuild counts what it
//! replays ([`Counts`]) and writes the counts once. Concurrent appends of the same event
//! type serialize on that type's row until they commit (appends are short transactions;
//! that is acceptable), and since every append locks the rows of its types in the same
//! (name) order, two appends of several types cannot deadlock on them.

use domain::EventKind;
use sqlx::postgres::PgConnection;

use crate::StoreError;
use crate::record::RecordedEvent;

/// Counts `events` (one append, or a replayed batch): one upsert per event type, in name
/// order (module docs).
pub(super) async fn apply_batch(
    conn: &mut PgConnection,
    events: &[RecordedEvent],
) -> Result<(), StoreError> {
    let mut counts = Counts::default();
    counts.add(events);
    counts.write(conn).await
}

/// Events by type, counted in memory: a replay adds every batch and writes once at its
/// end, so that no row of `proj_event_counts` is updated per batch (in the one transaction
/// of a replay inside a caller's, each update would lengthen a chain of row versions every
/// later one walks) and the log is not read a second time to count it.
#[derive(Debug, Default)]
pub(crate) struct Counts(std::collections::BTreeMap<&'static str, i64>);

impl Counts {
    pub(crate) fn add(&mut self, events: &[RecordedEvent]) {
        for e in events {
            *self.0.entry(e.event.event_type()).or_default() += 1;
        }
    }

    /// Adds the counts to the table's (the tables unqualified names mean in the caller's
    /// transaction).
    pub(crate) async fn write(self, conn: &mut PgConnection) -> Result<(), StoreError> {
        for (event_type, n) in self.0 {
            sqlx::query(
                "INSERT INTO proj_event_counts (event_type, events) VALUES ($1, $2)
                 ON CONFLICT (event_type) DO UPDATE SET events = proj_event_counts.events + $2",
            )
            .bind(event_type)
            .bind(n)
            .execute(&mut *conn)
            .await?;
        }
        Ok(())
    }
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
