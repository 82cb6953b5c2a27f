//! The rebuild's replay of a batch of events: the rows [`super::apply`] gives event by
//! event, written with a few set-based statements per batch instead of a few per event.
//!
//! How:
//! - every event's audit line is collected, and written with one statement;
//! - an event of a collected kind ([`class`]: the snapshot and replication events that
//!   make up most of a fleet's log) is collected by the projections that write it
//!   (`snapshots` and `subvolumes` in [`snapshots`], `replication` in [`replication`]),
//!   each into statements over arrays (`unnest`);
//! - an event that touches none of the rows collected kinds write is applied at once, as
//!   a live append applies it;
//! - any other event first flushes everything collected, so that every write before it is
//!   in the tables, and is then applied;
//! - a projection that cannot merge an event into what it holds (the same row written
//!   again in an order its statements would not keep) asks for a flush first.
//!
//! A flush writes the collected kinds in a fixed order (inserts, then updates in the
//! order a row's events come in); rows of different keys do not depend on each other, so
//! the tables end equal to the event-by-event replay (`projections check` compares the
//! two, and the store's replay tests do for every event kind).
//!
//! What this does not do: live appends (they apply event by event, `super::apply`), or
//! choose batch sizes (`super::rebuild`).

mod replication;
mod snapshots;

use chrono::{DateTime, Utc};
use domain::DomainEvent;
use sqlx::postgres::PgConnection;
use uuid::Uuid;

use super::audit::{self, AuditLine};
use crate::StoreError;
use crate::record::RecordedEvent;

/// Whether a projection took an event into what it collected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Taken {
    Yes,
    /// It must flush what it holds first.
    FlushFirst,
}

/// How the batch replay treats an event's kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    /// Collected by `snapshots` and `replication` (the only projections that write it).
    Collected,
    /// Applied at once: it writes and reads none of the rows the collected kinds do
    /// (`proj_snapshots`, `proj_replications`, `proj_replication_targets`,
    /// `proj_replicas`, `proj_replication_pins`, and the snapshot error of
    /// `proj_subvolumes`), so it commutes with everything collected.
    Independent,
    /// Flushes what is collected, then is applied.
    Barrier,
}

/// Every kind's class. The match is exhaustive on purpose: a new kind needs a decision.
/// Written as a table, a line per area (rustfmt would give every kind a line of its own).
#[rustfmt::skip]
fn class(event: &DomainEvent) -> Class {
    use DomainEvent as E;
    match event {
        E::SnapshotCreated(_) | E::SnapshotDiscovered(_) | E::SnapshotDeleted(_)
        | E::SnapshotPruned(_) | E::SnapshotVanished(_)
        | E::ReplicationRequested(_) | E::ReplicationStarted(_) | E::ReplicationTargetStarted(_)
        | E::ReplicationTargetSucceeded(_) | E::ReplicationProgress(_)
        | E::ReplicationTargetFailed(_) | E::ReplicationFinished(_)
        | E::ReplicaPruned(_) => Class::Collected,

        E::InstanceInitialized(_) | E::InstanceRenamed(_)
        | E::UserCreated(_) | E::UserPasswordChanged(_) | E::UserRoleChanged(_) | E::UserDeleted(_)
        | E::SessionStarted(_) | E::SessionEnded(_) | E::LoginFailed(_) | E::LoginThrottled(_)
        | E::TokenCreated(_) | E::TokenRevoked(_)
        | E::ServerRegistered(_) | E::ServerRootsChanged(_) | E::ServerHostKeyPinned(_)
        | E::ServerHostKeyAccepted(_) | E::ServerUpdated(_) | E::ServerCredentialsChanged(_)
        | E::ServerRemoved(_) | E::ServerStorageSettingsChanged(_)
        | E::PolicyCreated(_) | E::PolicyUpdated(_) | E::PolicyDeleted(_)
        | E::PolicyAssigned(_) | E::PolicyUnassigned(_)
        | E::JobFailed(_) | E::TargetAdded(_)
        | E::ReplicaHalfReceivedDeleted(_) | E::ReplicaPruneFailed(_) | E::SubvolumeRpoSet(_)
        // A new row of `proj_subvolumes`, without a snapshot error to clear.
        | E::SubvolumeManaged(_)
        // The hook columns of `proj_subvolumes`, not its snapshot error.
        | E::SubvolumeHooksSet(_) | E::SnapshotHookRan(_)
        | E::RestoreRequested(_) | E::RestoreStarted(_) | E::RestoreProgress(_)
        | E::RestoreSucceeded(_) | E::RestoreFailed(_)
        | E::FileDownloaded(_) | E::ReplicaVerified(_)
        | E::ChannelSaved(_) | E::ChannelRemoved(_) | E::AlertRuleSaved(_) | E::AlertRuleRemoved(_)
        | E::NotificationQueued(_) | E::NotificationDelivered(_)
        | E::NotificationAttemptFailed(_) => Class::Independent,

        E::SubvolumeUnmanaged(_) | E::SnapshotCreateFailed(_) | E::SnapshotDeleteFailed(_)
        | E::SnapshotAdopted(_) | E::SnapshotHeld(_) | E::SnapshotReleased(_)
        | E::SnapshotRestored(_) | E::SubvolumeRolledBack(_)
        | E::TargetUpdated(_) | E::TargetRemoved(_)
        | E::ReplicationRetried(_) | E::ReplicaDeleted(_) => Class::Barrier,
    }
}

/// Events read for the replay (in log order), with their audit lines as binary `COPY` rows:
/// made where the batch is read, so a reader task can do that work beside the replay's
/// writes.
pub(crate) struct Batch {
    events: Vec<RecordedEvent>,
    audit: AuditRows,
}

/// A batch's audit as binary `COPY` rows (without [`COPY_HEADER`] and [`COPY_TRAILER`]).
#[derive(Debug, Default)]
pub(crate) struct AuditRows {
    /// Rows of `proj_audit` ([`copy_audit_statement`]).
    pub lines: Vec<u8>,
    /// Rows of `proj_audit_subjects` ([`copy_subjects_statement`]): each line's subjects,
    /// for tables without the live trigger that makes them from the lines (copies).
    pub subjects: Vec<u8>,
}

impl Batch {
    pub(crate) fn new(events: Vec<RecordedEvent>) -> Result<Self, StoreError> {
        let mut audit = AuditRows {
            lines: Vec::with_capacity(events.len() * 256),
            subjects: Vec::with_capacity(events.len() * 128),
        };
        for event in &events {
            let line = audit::line(event)?;
            copy_row(&mut audit.lines, &line)?;
            subject_rows(&mut audit.subjects, &line)?;
        }
        Ok(Self { events, audit })
    }

    pub(crate) fn events(&self) -> &[RecordedEvent] {
        &self.events
    }

    /// The audit rows, taken out: [`apply_batch`] then writes none.
    pub(crate) fn take_audit(&mut self) -> AuditRows {
        std::mem::take(&mut self.audit)
    }

    /// Leaves the subject rows out: the tables [`apply_batch`] writes into keep them by
    /// trigger (the live tables).
    pub(crate) fn leave_subjects_to_trigger(&mut self) {
        self.audit.subjects.clear();
    }
}

/// The `COPY` statement of the audit rows of [`Batch`], into `table`: its data is
/// [`COPY_HEADER`], rows, then [`COPY_TRAILER`]. `FREEZE` writes the rows frozen, for a
/// table made empty in the same transaction.
pub(crate) fn copy_audit_statement(table: &str, freeze: bool) -> String {
    let freeze = if freeze { ", FREEZE" } else { "" };
    format!(
        "COPY {table} (global_seq, recorded_at, actor, stream_id, event_type, summary,
                       correlation_id, subjects) FROM STDIN (FORMAT binary{freeze})"
    )
}

/// The `COPY` statement of the subject rows of [`Batch`], into `table` (as
/// [`copy_audit_statement`]).
pub(crate) fn copy_subjects_statement(table: &str, freeze: bool) -> String {
    let freeze = if freeze { ", FREEZE" } else { "" };
    format!("COPY {table} (subject, global_seq) FROM STDIN (FORMAT binary{freeze})")
}

/// Applies the batch to every projection but `proj_event_counts`, as [`super::apply`]
/// would event by event, and writes the audit rows it carries.
pub(crate) async fn apply_batch(conn: &mut PgConnection, batch: Batch) -> Result<(), StoreError> {
    let Batch { events, audit } = batch;
    let mut pending = Pending::default();
    for event in &events {
        match class(&event.event) {
            Class::Collected => {
                if pending.take(event)? == Taken::FlushFirst {
                    pending.flush(conn).await?;
                    if pending.take(event)? == Taken::FlushFirst {
                        return Err(StoreError::Corrupt(format!(
                            "event {} could not be replayed in a batch",
                            event.global_seq
                        )));
                    }
                }
            }
            Class::Independent => super::apply_but_audit(conn, event).await?,
            Class::Barrier => {
                pending.flush(conn).await?;
                super::apply_but_audit(conn, event).await?;
            }
        }
    }
    pending.flush(conn).await?;
    flush_audit(conn, audit).await
}

#[derive(Default)]
struct Pending {
    snapshots: snapshots::Pending,
    replication: replication::Pending,
}

impl Pending {
    /// Collects `event` into every projection that writes it, or answers that one of
    /// them must flush first (those that took it keep it: a flush writes it too).
    fn take(&mut self, event: &RecordedEvent) -> Result<Taken, StoreError> {
        if self.snapshots.take(event)? == Taken::FlushFirst {
            return Ok(Taken::FlushFirst);
        }
        self.replication.take(event)
    }

    /// Writes what the projections collected (the audit lines wait for the batch's end:
    /// nothing the replay reads).
    async fn flush(&mut self, conn: &mut PgConnection) -> Result<(), StoreError> {
        self.snapshots.flush(conn).await?;
        self.replication.flush(conn).await
    }
}

/// A row's new state and when, by row id (the last one collected counts).
type StateChanges = std::collections::HashMap<Uuid, (&'static str, DateTime<Utc>)>;

/// [`StateChanges`] as the three arrays an `UNNEST` takes.
fn state_columns(changes: StateChanges) -> (Vec<Uuid>, Vec<&'static str>, Vec<DateTime<Utc>>) {
    let mut ids = Vec::with_capacity(changes.len());
    let mut states = Vec::with_capacity(changes.len());
    let mut ats = Vec::with_capacity(changes.len());
    for (id, (state, at)) in changes {
        ids.push(id);
        states.push(state);
        ats.push(at);
    }
    (ids, states, ats)
}

/// The start of `COPY … FROM STDIN (FORMAT binary)`'s data: its signature, no flags, no
/// header extension.
const COPY_HEADER: &[u8] = b"PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0";

/// The end of it: a row of -1 columns.
const COPY_TRAILER: &[u8] = &[0xff, 0xff];

/// Microseconds between the Unix epoch and Postgres's (2000-01-01 UTC).
const PG_EPOCH_MICROS: i64 = 946_684_800_000_000;

/// Postgres's type id of `uuid`, which a binary array names for its elements.
const UUID_OID: i32 = 2950;

/// Appends `line` to `out` as one row of binary `COPY` (each column its length and its
/// bytes in the type's binary form): the server parses no text, which was most of what
/// the audit's `COPY` cost it (timestamps, uuids, the subjects' array).
fn copy_row(out: &mut Vec<u8>, line: &AuditLine) -> Result<(), StoreError> {
    let recorded_at = line.recorded_at.timestamp_micros() - PG_EPOCH_MICROS;
    out.extend_from_slice(&8_i16.to_be_bytes());
    column(out, &line.global_seq.to_be_bytes())?;
    column(out, &recorded_at.to_be_bytes())?;
    column(out, line.actor.as_bytes())?;
    column(out, line.stream_id.as_bytes())?;
    column(out, line.event_type.as_bytes())?;
    column(out, line.summary.as_bytes())?;
    column(out, line.correlation_id.as_bytes())?;
    // uuid[]: its dimensions (none when empty), no NULLs, the element type, then for one
    // dimension its length and lower bound (1) and each element as a column.
    let mut array = Vec::with_capacity(20 + 20 * line.subjects.len());
    let dims: i32 = if line.subjects.is_empty() { 0 } else { 1 };
    for word in [dims, 0, UUID_OID] {
        array.extend_from_slice(&word.to_be_bytes());
    }
    if dims == 1 {
        let len = i32::try_from(line.subjects.len())
            .map_err(|_| StoreError::Corrupt("an audit line with 2^31 subjects".to_owned()))?;
        array.extend_from_slice(&len.to_be_bytes());
        array.extend_from_slice(&1_i32.to_be_bytes());
        for id in &line.subjects {
            column(&mut array, id.as_bytes())?;
        }
    }
    column(out, &array)
}

/// Appends `line`'s subjects to `out` as rows of `proj_audit_subjects` in binary `COPY`.
fn subject_rows(out: &mut Vec<u8>, line: &AuditLine) -> Result<(), StoreError> {
    for id in &line.subjects {
        out.extend_from_slice(&2_i16.to_be_bytes());
        column(out, id.as_bytes())?;
        column(out, &line.global_seq.to_be_bytes())?;
    }
    Ok(())
}

/// Appends one column of a binary `COPY` row to `out`: its length, then its bytes.
fn column(out: &mut Vec<u8>, bytes: &[u8]) -> Result<(), StoreError> {
    let len = i32::try_from(bytes.len())
        .map_err(|_| StoreError::Corrupt("an audit column over 2 GiB".to_owned()))?;
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(bytes);
    Ok(())
}

/// Writes the batch's audit rows with a `COPY` a table (cheaper per row than any
/// `INSERT`), into the tables unqualified names mean.
async fn flush_audit(conn: &mut PgConnection, rows: AuditRows) -> Result<(), StoreError> {
    copy_in(conn, &copy_audit_statement("proj_audit", false), rows.lines).await?;
    copy_in(
        conn,
        &copy_subjects_statement("proj_audit_subjects", false),
        rows.subjects,
    )
    .await
}

/// Runs the binary `COPY … FROM STDIN` `statement` with `rows` as its data (nothing when
/// there are none).
pub(crate) async fn copy_in(
    conn: &mut PgConnection,
    statement: &str,
    rows: Vec<u8>,
) -> Result<(), StoreError> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut copy = conn.copy_in_raw(statement).await?;
    let mut data = Vec::with_capacity(COPY_HEADER.len() + rows.len() + COPY_TRAILER.len());
    data.extend_from_slice(COPY_HEADER);
    data.extend_from_slice(&rows);
    data.extend_from_slice(COPY_TRAILER);
    if let Err(e) = copy.send(data).await {
        // Ends the COPY, so the connection can still roll back.
        copy.abort("the rows could not be sent").await.ok();
        return Err(e.into());
    }
    copy.finish().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_copy_row_is_each_column_in_its_binary_form() {
        let line = AuditLine {
            global_seq: 7,
            // 2000-01-01T00:00:01.000002Z: 1,000,002 µs after Postgres's epoch.
            recorded_at: DateTime::from_timestamp_micros(PG_EPOCH_MICROS + 1_000_002)
                .unwrap_or_default(),
            actor: "user:a\tb".to_owned(),
            stream_id: "s".to_owned(),
            event_type: "E",
            summary: String::new(),
            correlation_id: Uuid::nil(),
            subjects: vec![Uuid::max()],
        };
        let mut out = Vec::new();
        assert!(copy_row(&mut out, &line).is_ok());
        let mut want: Vec<u8> = vec![0, 8];
        want.extend([0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 7]);
        want.extend([0, 0, 0, 8, 0, 0, 0, 0, 0, 0x0f, 0x42, 0x42]);
        want.extend([0, 0, 0, 8]);
        want.extend(b"user:a\tb");
        want.extend([0, 0, 0, 1, b's', 0, 0, 0, 1, b'E', 0, 0, 0, 0]);
        want.extend([0, 0, 0, 16]);
        want.extend([0; 16]);
        want.extend([
            0, 0, 0, 40, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x0b, 0x86, 0, 0, 0, 1,
        ]);
        want.extend([0, 0, 0, 1, 0, 0, 0, 16]);
        want.extend([0xff; 16]);
        assert_eq!(out, want);

        let none = AuditLine {
            subjects: Vec::new(),
            ..line
        };
        out.clear();
        assert!(copy_row(&mut out, &none).is_ok());
        assert!(out.ends_with(&[0, 0, 0, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0b, 0x86]));
    }
}
