//! Replicas as things of their own: `proj_replicas` read by id (a stable id computed
//! from target and snapshot, the same after a rebuild), operator deletions
//! (`ReplicaDeleted`), and the last verification of each replica
//! (`proj_replica_verifications`). The replica rows themselves are written by the
//! replication projection when a target is re-listed.

use chrono::{DateTime, Utc};
use domain::{DomainEvent, ReplicaId, RestoreId, SnapshotId, TargetId};
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
        DomainEvent::ReplicaDeleted(e) => {
            sqlx::query("DELETE FROM proj_replicas WHERE target_id = $1 AND snapshot_id = $2")
                .bind(e.target_id.as_uuid())
                .bind(e.snapshot_id.as_uuid())
                .execute(&mut *conn)
                .await?;
            // The target no longer holds its common base: the next run finds another.
            sqlx::query(
                "DELETE FROM proj_replication_pins WHERE target_id = $1 AND snapshot_id = $2",
            )
            .bind(e.target_id.as_uuid())
            .bind(e.snapshot_id.as_uuid())
            .execute(&mut *conn)
            .await?;
            sqlx::query(
                "DELETE FROM proj_replica_verifications WHERE target_id = $1 AND snapshot_id = $2",
            )
            .bind(e.target_id.as_uuid())
            .bind(e.snapshot_id.as_uuid())
            .execute(conn)
            .await?;
        }
        DomainEvent::ReplicaVerified(e) => {
            sqlx::query(
                "INSERT INTO proj_replica_verifications
                     (target_id, snapshot_id, restore_id, ok, files_compared, sample_percent,
                      mismatches, verified_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                 ON CONFLICT (target_id, snapshot_id) DO UPDATE SET
                     restore_id = EXCLUDED.restore_id, ok = EXCLUDED.ok,
                     files_compared = EXCLUDED.files_compared,
                     sample_percent = EXCLUDED.sample_percent,
                     mismatches = EXCLUDED.mismatches, verified_at = EXCLUDED.verified_at",
            )
            .bind(e.target_id.as_uuid())
            .bind(e.snapshot_id.as_uuid())
            .bind(e.restore_id.as_uuid())
            .bind(e.ok)
            .bind(super::to_i64(e.files_compared, "files compared")?)
            .bind(i16::from(e.sample_percent))
            .bind(&e.mismatches)
            .bind(event.recorded_at)
            .execute(conn)
            .await?;
        }
        _ => {}
    }
    Ok(())
}

/// The last verification of a replica.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerificationView {
    pub restore_id: RestoreId,
    pub ok: bool,
    pub files_compared: u64,
    pub sample_percent: u8,
    pub mismatches: Vec<String>,
    pub verified_at: DateTime<Utc>,
}

/// A complete replica on a target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplicaView {
    pub replica_id: ReplicaId,
    pub target_id: TargetId,
    pub snapshot_id: SnapshotId,
    pub path: String,
    pub uuid: Uuid,
    pub recorded_at: DateTime<Utc>,
    pub verification: Option<VerificationView>,
}

const COLUMNS: &str = "r.replica_id, r.target_id, r.snapshot_id, r.path, r.uuid, r.recorded_at, \
     v.restore_id, v.ok, v.files_compared, v.sample_percent, v.mismatches, v.verified_at";
const FROM: &str = "proj_replicas r LEFT JOIN proj_replica_verifications v \
     ON v.target_id = r.target_id AND v.snapshot_id = r.snapshot_id";

fn from_row(row: &PgRow) -> Result<ReplicaView, StoreError> {
    let verified_by: Option<Uuid> = row.try_get("restore_id")?;
    let verification = match verified_by {
        None => None,
        Some(id) => {
            let percent: i16 = row.try_get("sample_percent")?;
            Some(VerificationView {
                restore_id: RestoreId::from_uuid(id),
                ok: row.try_get("ok")?,
                files_compared: super::to_u64(row.try_get("files_compared")?, "files compared")?,
                sample_percent: u8::try_from(percent)
                    .map_err(|_| StoreError::Corrupt(format!("sample percent {percent}")))?,
                mismatches: row.try_get("mismatches")?,
                verified_at: row.try_get("verified_at")?,
            })
        }
    };
    Ok(ReplicaView {
        replica_id: ReplicaId::from_uuid(row.try_get("replica_id")?),
        target_id: TargetId::from_uuid(row.try_get("target_id")?),
        snapshot_id: SnapshotId::from_uuid(row.try_get("snapshot_id")?),
        path: row.try_get("path")?,
        uuid: row.try_get("uuid")?,
        recorded_at: row.try_get("recorded_at")?,
        verification,
    })
}

/// The replicas on a target, by path.
pub async fn replicas_of_target<'e>(
    exec: impl sqlx::PgExecutor<'e>,
    target: TargetId,
) -> Result<Vec<ReplicaView>, StoreError> {
    replicas_of_target_page(exec, target, None, None).await
}

/// Where a page of [`replicas_of_target_page`] starts: after this (path, snapshot).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ReplicaKey {
    pub path: String,
    pub snapshot_id: SnapshotId,
}

impl From<&ReplicaView> for ReplicaKey {
    fn from(v: &ReplicaView) -> Self {
        Self {
            path: v.path.clone(),
            snapshot_id: v.snapshot_id,
        }
    }
}

/// [`replicas_of_target`] by path: at most `limit` after `after`.
pub async fn replicas_of_target_page<'e>(
    exec: impl sqlx::PgExecutor<'e>,
    target: TargetId,
    after: Option<&ReplicaKey>,
    limit: Option<i64>,
) -> Result<Vec<ReplicaView>, StoreError> {
    let cursor = super::condition(
        after.is_some(),
        "(r.path, r.snapshot_id) > ($2, $3)",
        "$2::text IS NULL AND $3::uuid IS NULL",
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM {FROM}
          WHERE r.target_id = $1 AND {cursor}
          ORDER BY r.path, r.snapshot_id LIMIT $4"
    )))
    .bind(target.as_uuid())
    .bind(after.map(|k| k.path.as_str()))
    .bind(after.map(|k| k.snapshot_id.as_uuid()))
    .bind(limit)
    .fetch_all(exec)
    .await?;
    rows.iter().map(from_row).collect()
}

/// The replicas of one snapshot, on every target that holds it.
pub async fn replicas_of_snapshot<'e>(
    exec: impl sqlx::PgExecutor<'e>,
    snapshot: SnapshotId,
) -> Result<Vec<ReplicaView>, StoreError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM {FROM} WHERE r.snapshot_id = $1 ORDER BY r.target_id"
    )))
    .bind(snapshot.as_uuid())
    .fetch_all(exec)
    .await?;
    rows.iter().map(from_row).collect()
}

/// One replica by its id.
pub async fn replica<'e>(
    exec: impl sqlx::PgExecutor<'e>,
    id: ReplicaId,
) -> Result<Option<ReplicaView>, StoreError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM {FROM} WHERE r.replica_id = $1"
    )))
    .bind(id.as_uuid())
    .fetch_optional(exec)
    .await?;
    row.as_ref().map(from_row).transpose()
}
