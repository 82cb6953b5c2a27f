//! Projections: the read models the API and dashboard query, derived from the
//! event log alone.
//!
//! Each projection is a plain `apply(conn, event)` function over `proj_*` tables.
//! [`apply`] runs all of them inside the append's transaction; [`rebuild`] clears
//! every `proj_*` table and replays the whole log in one transaction, with appends
//! blocked meanwhile, so a rebuild gives exactly the tables live appends gave.
//! Projections never read other projections and never do I/O beyond their tables.

mod audit;
pub mod auth;
mod event_counts;
mod health;
mod instance;
pub mod notify;
mod policies;
mod replicas;
mod replication;
mod restores;
mod servers;
mod snapshots;
mod subvolumes;

use sqlx::Row;
use sqlx::postgres::{PgConnection, PgPool};

pub use audit::{AuditEntry, audit_timeline, names_of, subjects_of};
pub use event_counts::event_counts;
pub use health::{
    HealthSnapshot, LastFailure, LastTransfer, TargetHealth, replication_health, rpo_of_subvolume,
};
pub use instance::{InstanceView, instance};
pub use policies::{PolicyView, policies, policy, policy_by_name, policy_of_subvolume};
pub use replicas::{
    ReplicaView, VerificationView, replica, replicas_of_snapshot, replicas_of_target,
};
pub use replication::{
    ReplicationTargetView, ReplicationView, TargetView, last_send_bytes, pin_of_target,
    pins_of_subvolume, pins_of_targets, replication, replication_targets, replication_targets_of,
    replications, snapshots_in_flight, target, targets, targets_on_server, unfinished_replications,
};
pub use restores::{RestoreView, restore, restores, unfinished_restores};
pub use servers::{ServerView, server, servers};
pub use snapshots::{
    SnapshotOrigin, SnapshotPage, SnapshotState, SnapshotView, all_snapshots_of, catalogued_uuids,
    present_snapshots_of, snapshot_by_id, snapshot_by_name, snapshot_names_of, snapshots_of,
};
pub use subvolumes::{SubvolumeView, subvolume, subvolumes};

use crate::StoreError;
use crate::record::{RecordedEvent, read_all_in};

/// Every projection table, in the order they are cleared.
pub const TABLES: &[&str] = &[
    "proj_instance",
    "proj_audit",
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

/// Runs every projection over one event (inside the caller's transaction).
pub async fn apply(conn: &mut PgConnection, event: &RecordedEvent) -> Result<(), StoreError> {
    instance::apply(conn, event).await?;
    audit::apply(conn, event).await?;
    auth::apply(conn, event).await?;
    servers::apply(conn, event).await?;
    subvolumes::apply(conn, event).await?;
    snapshots::apply(conn, event).await?;
    policies::apply(conn, event).await?;
    event_counts::apply(conn, event).await?;
    replication::apply(conn, event).await?;
    replicas::apply(conn, event).await?;
    restores::apply(conn, event).await?;
    health::apply(conn, event).await?;
    notify::apply(conn, event).await?;
    Ok(())
}

/// btrfs ids are u64 in events and BIGINT in tables; real ids are far below 2^63.
fn to_i64(n: u64, what: &str) -> Result<i64, StoreError> {
    i64::try_from(n).map_err(|_| StoreError::Corrupt(format!("{what} {n} does not fit BIGINT")))
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

/// What a rebuild did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RebuildReport {
    pub events_replayed: u64,
    pub tables_cleared: usize,
}

const REPLAY_BATCH: i64 = 1000;

/// Clears every projection table and replays the log, in one transaction.
#[tracing::instrument(skip_all, err)]
pub async fn rebuild(pool: &PgPool) -> Result<RebuildReport, StoreError> {
    let mut tx = pool.begin().await?;
    let report = rebuild_in(&mut tx).await?;
    tx.commit().await?;
    tracing::info!(replayed = report.events_replayed, "projections rebuilt");
    Ok(report)
}

/// [`rebuild`] inside the caller's transaction (a restored backup is loaded and
/// replayed in one).
pub(crate) async fn rebuild_in(tx: &mut PgConnection) -> Result<RebuildReport, StoreError> {
    // SHARE mode blocks concurrent INSERTs into events until we commit.
    sqlx::query("LOCK TABLE events IN SHARE MODE")
        .execute(&mut *tx)
        .await?;
    let tables = TABLES.join(", ");
    sqlx::query(sqlx::AssertSqlSafe(format!("TRUNCATE {tables}")))
        .execute(&mut *tx)
        .await?;
    let mut after = 0_i64;
    let mut replayed = 0_u64;
    loop {
        let batch = read_all_in(&mut *tx, after, REPLAY_BATCH).await?;
        let Some(last) = batch.last() else { break };
        after = last.global_seq;
        for event in &batch {
            apply(&mut *tx, event).await?;
            replayed += 1;
        }
    }
    Ok(RebuildReport {
        events_replayed: replayed,
        tables_cleared: TABLES.len(),
    })
}

/// Every projection table as JSON rows in a stable order, for comparing a rebuild
/// with the live tables.
pub async fn snapshot(pool: &PgPool) -> Result<Vec<(String, Vec<serde_json::Value>)>, StoreError> {
    let mut conn = pool.acquire().await?;
    snapshot_in(&mut conn).await
}

/// [`snapshot`] on one connection (inside a transaction: what it sees).
async fn snapshot_in(
    conn: &mut PgConnection,
) -> Result<Vec<(String, Vec<serde_json::Value>)>, StoreError> {
    let mut out = Vec::with_capacity(TABLES.len());
    for table in TABLES {
        let rows: Vec<serde_json::Value> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT to_jsonb(t) FROM {table} t ORDER BY to_jsonb(t)::text"
        )))
        .fetch_all(&mut *conn)
        .await?;
        out.push(((*table).to_owned(), rows));
    }
    Ok(out)
}

/// Whether the projections equal a fresh rebuild: replays the log inside a transaction
/// that is rolled back (appends wait meanwhile) and names each table whose rows differ
/// from the live ones. Empty: they are equal.
pub async fn check(pool: &PgPool) -> Result<Vec<String>, StoreError> {
    let mut tx = pool.begin().await?;
    sqlx::query("LOCK TABLE events IN SHARE MODE")
        .execute(&mut *tx)
        .await?;
    let live = snapshot_in(&mut tx).await?;
    rebuild_in(&mut tx).await?;
    let rebuilt = snapshot_in(&mut tx).await?;
    tx.rollback().await?;
    Ok(live
        .into_iter()
        .zip(rebuilt)
        .filter(|(a, b)| a != b)
        .map(|((table, _), _)| table)
        .collect())
}
