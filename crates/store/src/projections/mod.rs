//! Projections: the read models the API and dashboard query, derived from the
//! event log alone.
//!
//! Each projection is a plain `apply(conn, event)` function over `proj_*` tables.
//! [`apply`] runs all of them inside the append's transaction; [`rebuild`] replays the
//! whole log into fresh copies of every `proj_*` table and swaps them in, so a rebuild
//! gives exactly the tables live appends gave (the `rebuild` module says how appends go
//! on meanwhile). The replay writes a batch of events with set-based statements where
//! it can (`replay`), to the same rows.
//! Projections never read other projections and never do I/O beyond their tables.

mod audit;
pub mod auth;
mod event_counts;
mod health;
mod instance;
pub mod notify;
mod policies;
mod rebuild;
mod replay;
mod replicas;
mod replication;
mod restores;
mod servers;
mod snapshots;
mod subvolumes;

use sqlx::Row;
use sqlx::postgres::PgConnection;

pub use audit::{AuditEntry, audit_timeline, names_of, subjects_of, uuid_spans};
pub use event_counts::event_counts;
pub use health::{
    HealthCursor, HealthSnapshot, LastFailure, LastTransfer, TargetHealth, replication_health,
    rpo_of_subvolume,
};
pub use instance::{InstanceView, instance};
pub use policies::{
    PolicySchedule, PolicyView, policies, policies_page, policy, policy_by_name,
    policy_of_subvolume, schedules,
};
pub(crate) use rebuild::rebuild_in;
pub use rebuild::{
    REPLAY_BATCH, RebuildReport, check, check_in_batches_of, rebuild, rebuild_in_batches_of,
    snapshot,
};
pub use replicas::{
    ReplicaKey, ReplicaView, VerificationView, replica, replicas_of_snapshot, replicas_of_target,
    replicas_of_target_page,
};
pub use replication::{
    ReplicationKey, ReplicationTargetView, ReplicationView, TargetKey, TargetView, last_send_bytes,
    pin_of_target, pins_of_subvolume, pins_of_targets, replication, replication_targets,
    replication_targets_of, replications_page, snapshots_in_flight, target, targets,
    targets_on_server, targets_page, unfinished_replications,
};
pub use restores::{RestoreView, restore, restores, unfinished_restores};
pub use servers::{ServerView, server, servers, servers_page};
pub use snapshots::{
    SnapshotKey, SnapshotOrigin, SnapshotState, SnapshotView, all_snapshots_of, catalogued_uuids,
    present_snapshots_of, snapshot_by_id, snapshot_by_name, snapshot_names_of, snapshots_page,
};
pub use subvolumes::{
    HookRun, SubvolumeKey, SubvolumeView, subvolume, subvolumes, subvolumes_page,
};

use crate::StoreError;
use crate::record::RecordedEvent;

/// Every projection table, in the order they are cleared.
pub const TABLES: &[&str] = &[
    "proj_instance",
    "proj_audit",
    "proj_audit_subjects",
    "proj_users",
    "proj_sessions",
    "proj_tokens",
    "proj_servers",
    "proj_subvolumes",
    "proj_snapshots",
    "proj_policies",
    "proj_policy_assignments",
    "proj_event_counts",
    "proj_targets",
    "proj_replications",
    "proj_replication_targets",
    "proj_target_totals",
    "proj_replicas",
    "proj_replication_pins",
    "proj_subvolume_rpo",
    "proj_restores",
    "proj_replica_verifications",
    "proj_channels",
    "proj_alert_rules",
    "proj_alerts",
    "proj_deliveries",
];

/// Runs every projection but `proj_event_counts` over one event (inside the caller's
/// transaction); [`count`] counts the events of an append or a replayed batch at once.
pub(crate) async fn apply(
    conn: &mut PgConnection,
    event: &RecordedEvent,
) -> Result<(), StoreError> {
    audit::apply(conn, event).await?;
    apply_but_audit(conn, event).await
}

/// [`apply`] but for the audit line (the batch replay writes those at once).
async fn apply_but_audit(conn: &mut PgConnection, event: &RecordedEvent) -> Result<(), StoreError> {
    instance::apply(conn, event).await?;
    auth::apply(conn, event).await?;
    servers::apply(conn, event).await?;
    subvolumes::apply(conn, event).await?;
    snapshots::apply(conn, event).await?;
    policies::apply(conn, event).await?;
    replication::apply(conn, event).await?;
    replicas::apply(conn, event).await?;
    restores::apply(conn, event).await?;
    health::apply(conn, event).await?;
    notify::apply(conn, event).await?;
    Ok(())
}

/// `proj_event_counts` for `events` ([`event_counts`] module docs: once per type, in
/// name order).
pub(crate) async fn count(
    conn: &mut PgConnection,
    events: &[RecordedEvent],
) -> Result<(), StoreError> {
    event_counts::apply_batch(conn, events).await
}

/// btrfs ids are u64 in events and BIGINT in tables; real ids are far below 2^63.
fn to_i64(n: u64, what: &str) -> Result<i64, StoreError> {
    i64::try_from(n).map_err(|_| StoreError::Corrupt(format!("{what} {n} does not fit BIGINT")))
}

/// A list query's filter or cursor condition as fixed SQL text: `when_given` when its
/// parameter is given, else `when_null` (the test that it is null). A statement is then
/// planned per shape: a generic plan of `$1 IS NULL OR key > $1` cannot start an index
/// walk at the cursor, and walked the list from its start through a filter (a page of
/// policies from the middle: 5,001 rows removed by the filter, 3.3 ms, against 0.04 ms).
pub(crate) fn condition(
    given: bool,
    when_given: &'static str,
    when_null: &'static str,
) -> &'static str {
    if given { when_given } else { when_null }
}

pub(crate) fn to_u64(n: i64, what: &str) -> Result<u64, StoreError> {
    u64::try_from(n).map_err(|_| StoreError::Corrupt(format!("negative {what} {n}")))
}

/// A stored state or class column as its domain enum; unknown text is corruption.
pub(crate) fn text_enum<T>(
    row: &sqlx::postgres::PgRow,
    column: &str,
    parse: fn(&str) -> Option<T>,
) -> Result<T, StoreError> {
    let text: String = row.try_get(column)?;
    parse(&text).ok_or_else(|| StoreError::Corrupt(format!("{column}: unknown value {text:?}")))
}

/// [`text_enum`] of a nullable column.
pub(crate) fn opt_text_enum<T>(
    row: &sqlx::postgres::PgRow,
    column: &str,
    parse: fn(&str) -> Option<T>,
) -> Result<Option<T>, StoreError> {
    let text: Option<String> = row.try_get(column)?;
    text.map(|t| {
        parse(&t).ok_or_else(|| StoreError::Corrupt(format!("{column}: unknown value {t:?}")))
    })
    .transpose()
}
