//! Projection `proj_snapshots`: the snapshot catalog — every snapshot dist-btrfs created
//! or discovered, with its state (`present`, `deleted` by dist-btrfs, `vanished` from
//! disk by other means) and whether dist-btrfs may delete it (`managed`).

use chrono::{DateTime, Utc};
use domain::{DomainEvent, SnapshotId, SubvolumeId};
use sqlx::Row;
use sqlx::postgres::{PgConnection, PgRow};
use uuid::Uuid;

use crate::StoreError;
use crate::record::RecordedEvent;

pub(super) async fn apply(
    conn: &mut PgConnection,
    event: &RecordedEvent,
) -> Result<(), StoreError> {
    match &event.event {
        DomainEvent::SnapshotCreated(e) => {
            sqlx::query(
                "INSERT INTO proj_snapshots
                     (snapshot_id, subvolume_id, name, path, uuid, parent_uuid, btrfs_id,
                      origin, managed, state, created_at, recorded_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, 'created', TRUE, 'present', $8, $9)",
            )
            .bind(e.snapshot_id.as_uuid())
            .bind(e.subvolume_id.as_uuid())
            .bind(&e.name)
            .bind(&e.path)
            .bind(e.uuid)
            .bind(e.parent_uuid)
            .bind(super::to_i64(e.btrfs_id, "btrfs id")?)
            .bind(e.created_at)
            .bind(event.recorded_at)
            .execute(&mut *conn)
            .await?;
            name_replicas(conn, &[e.snapshot_id.as_uuid()]).await?;
        }
        DomainEvent::SnapshotDiscovered(e) => {
            sqlx::query(
                "INSERT INTO proj_snapshots
                     (snapshot_id, subvolume_id, name, path, uuid, parent_uuid, btrfs_id,
                      origin, managed, state, created_at, recorded_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, 'discovered', FALSE, 'present', $8, $9)",
            )
            .bind(e.snapshot_id.as_uuid())
            .bind(e.subvolume_id.as_uuid())
            .bind(&e.name)
            .bind(&e.path)
            .bind(e.uuid)
            .bind(e.parent_uuid)
            .bind(super::to_i64(e.btrfs_id, "btrfs id")?)
            .bind(e.created_at)
            .bind(event.recorded_at)
            .execute(&mut *conn)
            .await?;
            name_replicas(conn, &[e.snapshot_id.as_uuid()]).await?;
        }
        DomainEvent::SnapshotDeleted(e) => {
            set_gone(conn, e.snapshot_id, "deleted", event.recorded_at).await?;
        }
        DomainEvent::SnapshotPruned(e) => {
            set_gone(conn, e.snapshot_id, "deleted", event.recorded_at).await?;
        }
        DomainEvent::SnapshotVanished(e) => {
            set_gone(conn, e.snapshot_id, "vanished", event.recorded_at).await?;
        }
        DomainEvent::SnapshotAdopted(e) => {
            sqlx::query("UPDATE proj_snapshots SET managed = TRUE WHERE snapshot_id = $1")
                .bind(e.snapshot_id.as_uuid())
                .execute(conn)
                .await?;
        }
        DomainEvent::SnapshotRestored(e) => {
            sqlx::query(
                "UPDATE proj_snapshots SET state = 'present', path = $2, btrfs_id = $3,
                        gone_at = NULL, last_error = NULL
                  WHERE snapshot_id = $1",
            )
            .bind(e.snapshot_id.as_uuid())
            .bind(&e.path)
            .bind(super::to_i64(e.btrfs_id, "btrfs id")?)
            .execute(conn)
            .await?;
        }
        DomainEvent::SnapshotHeld(e) => {
            sqlx::query("UPDATE proj_snapshots SET held = $2 WHERE snapshot_id = $1")
                .bind(e.snapshot_id.as_uuid())
                .bind(e.reason.as_str())
                .execute(conn)
                .await?;
        }
        DomainEvent::SnapshotReleased(e) => {
            sqlx::query("UPDATE proj_snapshots SET held = NULL WHERE snapshot_id = $1")
                .bind(e.snapshot_id.as_uuid())
                .execute(conn)
                .await?;
        }
        DomainEvent::SnapshotDeleteFailed(e) => {
            sqlx::query("UPDATE proj_snapshots SET last_error = $2 WHERE snapshot_id = $1")
                .bind(e.snapshot_id.as_uuid())
                .bind(&e.error)
                .execute(conn)
                .await?;
        }
        _ => {}
    }
    Ok(())
}

/// Replicas listed before their snapshot was catalogued (an adopted replica) get its name
/// and time, as replicas listed after it get them when inserted. `snapshots`: the ones
/// just catalogued (one live, a batch's in the rebuild's replay).
pub(super) async fn name_replicas(
    conn: &mut PgConnection,
    snapshots: &[Uuid],
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE proj_replicas r
            SET snapshot_name = s.name, snapshot_at = COALESCE(s.created_at, s.recorded_at)
           FROM proj_snapshots s
          WHERE s.snapshot_id = ANY($1) AND r.snapshot_id = s.snapshot_id
            AND r.snapshot_at IS NULL",
    )
    .bind(snapshots)
    .execute(conn)
    .await?;
    Ok(())
}

async fn set_gone(
    conn: &mut PgConnection,
    id: SnapshotId,
    state: &str,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE proj_snapshots SET state = $2, gone_at = $3, last_error = NULL
          WHERE snapshot_id = $1",
    )
    .bind(id.as_uuid())
    .bind(state)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}

pub use domain::catalog::{SnapshotOrigin, SnapshotState};
use domain::restore::HoldReason;

/// One catalogued snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotView {
    pub snapshot_id: SnapshotId,
    pub subvolume_id: SubvolumeId,
    pub name: String,
    pub path: String,
    pub uuid: Uuid,
    pub parent_uuid: Uuid,
    pub btrfs_id: u64,
    pub origin: SnapshotOrigin,
    /// Whether dist-btrfs may delete it (created, or discovered and adopted).
    pub managed: bool,
    pub state: SnapshotState,
    pub created_at: Option<DateTime<Utc>>,
    pub recorded_at: DateTime<Utc>,
    pub gone_at: Option<DateTime<Utc>>,
    pub size_bytes: Option<i64>,
    pub last_error: Option<String>,
    /// Why it is held (never pruned automatically until released), if it is.
    pub held: Option<HoldReason>,
}

const COLUMNS: &str = "snapshot_id, subvolume_id, name, path, uuid, parent_uuid, btrfs_id, \
     origin, managed, state, created_at, recorded_at, gone_at, \
     COALESCE(size_bytes, z.exclusive_bytes) AS size_bytes, last_error, held";

/// The catalog joined with the latest qgroup sizes of storage collection (a measurement
/// table, not a projection: `size_bytes` is the snapshot's exclusive bytes when known).
const FROM: &str = "proj_snapshots LEFT JOIN storage_sizes z \
     ON z.entity_id = proj_snapshots.snapshot_id AND proj_snapshots.state = 'present'";

fn from_row(row: &PgRow) -> Result<SnapshotView, StoreError> {
    let origin = super::text_enum(row, "origin", SnapshotOrigin::parse)?;
    let state = super::text_enum(row, "state", SnapshotState::parse)?;
    Ok(SnapshotView {
        snapshot_id: SnapshotId::from_uuid(row.try_get("snapshot_id")?),
        subvolume_id: SubvolumeId::from_uuid(row.try_get("subvolume_id")?),
        name: row.try_get("name")?,
        path: row.try_get("path")?,
        uuid: row.try_get("uuid")?,
        parent_uuid: row.try_get("parent_uuid")?,
        btrfs_id: super::to_u64(row.try_get("btrfs_id")?, "btrfs id")?,
        origin,
        managed: row.try_get("managed")?,
        state,
        created_at: row.try_get("created_at")?,
        recorded_at: row.try_get("recorded_at")?,
        gone_at: row.try_get("gone_at")?,
        size_bytes: row.try_get("size_bytes")?,
        last_error: row.try_get("last_error")?,
        held: super::opt_text_enum(row, "held", HoldReason::parse)?,
    })
}

/// One snapshot, in any state.
pub async fn snapshot_by_id<'e>(
    exec: impl sqlx::PgExecutor<'e>,
    id: SnapshotId,
) -> Result<Option<SnapshotView>, StoreError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM {FROM} WHERE snapshot_id = $1"
    )))
    .bind(id.as_uuid())
    .fetch_optional(exec)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// Where a page of [`snapshots_page`] starts: after this (creation time, id). A
/// snapshot whose creation time is unknown sorts after every dated one (`NULLS LAST`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SnapshotKey {
    pub created_at: Option<DateTime<Utc>>,
    pub snapshot_id: SnapshotId,
}

impl From<&SnapshotView> for SnapshotKey {
    fn from(v: &SnapshotView) -> Self {
        Self {
            created_at: v.created_at,
            snapshot_id: v.snapshot_id,
        }
    }
}

/// A subvolume's snapshots, newest first (by creation time, then id; undated ones
/// last); present ones only unless `include_gone`. At most `limit` after `after`: the
/// order is `proj_snapshots_page_idx`'s, an undated snapshot taken as `-infinity`, so a
/// deep page costs what the first one does.
pub async fn snapshots_page<'e>(
    exec: impl sqlx::PgExecutor<'e>,
    subvolume: SubvolumeId,
    include_gone: bool,
    after: Option<&SnapshotKey>,
    limit: i64,
) -> Result<Vec<SnapshotView>, StoreError> {
    // Two texts, not `$3 IS NULL OR …`: a generic plan could not start the index scan at
    // the cursor then, and a deep page would read every row before it.
    let cursor = super::condition(
        after.is_some(),
        "(COALESCE(created_at, '-infinity'::timestamptz), snapshot_id)
            < (COALESCE($4, '-infinity'::timestamptz), $3)",
        "$3::uuid IS NULL AND $4::timestamptz IS NULL",
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM {FROM}
          WHERE subvolume_id = $1 AND (state = 'present' OR $2) AND {cursor}
          ORDER BY COALESCE(created_at, '-infinity'::timestamptz) DESC, snapshot_id DESC
          LIMIT $5"
    )))
    .bind(subvolume.as_uuid())
    .bind(include_gone)
    .bind(after.map(|k| k.snapshot_id.as_uuid()))
    .bind(after.and_then(|k| k.created_at))
    .bind(limit)
    .fetch_all(exec)
    .await?;
    rows.iter().map(from_row).collect()
}

/// Every snapshot of a subvolume that is present (not deleted or vanished).
pub async fn present_snapshots_of<'e>(
    exec: impl sqlx::PgExecutor<'e>,
    subvolume: SubvolumeId,
) -> Result<Vec<SnapshotView>, StoreError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM {FROM}
          WHERE subvolume_id = $1 AND state = 'present'
          ORDER BY COALESCE(created_at, '-infinity'::timestamptz) DESC, snapshot_id DESC"
    )))
    .bind(subvolume.as_uuid())
    .fetch_all(exec)
    .await?;
    rows.iter().map(from_row).collect()
}

/// Every name a snapshot of this subvolume ever had (any state): new names never reuse
/// them, so a remote still holding an old copy can never be confused with a new one.
pub async fn snapshot_names_of<'e>(
    exec: impl sqlx::PgExecutor<'e>,
    subvolume: SubvolumeId,
) -> Result<Vec<String>, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT name FROM proj_snapshots WHERE subvolume_id = $1")
            .bind(subvolume.as_uuid())
            .fetch_all(exec)
            .await?,
    )
}

/// The snapshot of a subvolume with this name (a present one first, else the most
/// recently recorded), in any state.
pub async fn snapshot_by_name<'e>(
    exec: impl sqlx::PgExecutor<'e>,
    subvolume: SubvolumeId,
    name: &str,
) -> Result<Option<SnapshotView>, StoreError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM {FROM} WHERE proj_snapshots.subvolume_id = $1 AND name = $2
          ORDER BY state = 'present' DESC, recorded_at DESC LIMIT 1"
    )))
    .bind(subvolume.as_uuid())
    .bind(name)
    .fetch_optional(exec)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// Every snapshot of a subvolume ever catalogued, in any state (a replica on a target
/// may outlive its snapshot on the primary), oldest first.
pub async fn all_snapshots_of<'e>(
    exec: impl sqlx::PgExecutor<'e>,
    subvolume: SubvolumeId,
) -> Result<Vec<SnapshotView>, StoreError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM {FROM} WHERE subvolume_id = $1
          ORDER BY created_at NULLS LAST, snapshot_id"
    )))
    .bind(subvolume.as_uuid())
    .fetch_all(exec)
    .await?;
    rows.iter().map(from_row).collect()
}

/// Which of `uuids` belong to a catalogued snapshot of any subvolume, in any state.
pub async fn catalogued_uuids<'e>(
    exec: impl sqlx::PgExecutor<'e>,
    uuids: &[Uuid],
) -> Result<std::collections::HashSet<Uuid>, StoreError> {
    let found: Vec<Uuid> =
        sqlx::query_scalar("SELECT DISTINCT uuid FROM proj_snapshots WHERE uuid = ANY($1)")
            .bind(uuids)
            .fetch_all(exec)
            .await?;
    Ok(found.into_iter().collect())
}
