//! Projection `proj_restores`: one row per restore (requested, running, succeeded,
//! failed) with its mode, source, destination, progress and result.

use chrono::{DateTime, Utc};
use domain::replication::ErrorClass;
use domain::restore::{RestoreMode, RestoreRequested, RestoreState};
use domain::{DomainEvent, RestoreId, ServerId, SnapshotId, SubvolumeId, TargetId};
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
        DomainEvent::RestoreRequested(e) => {
            sqlx::query(
                "INSERT INTO proj_restores
                     (restore_id, mode, subvolume_id, snapshot_id, replica_target_id, server_id,
                      destination, paths, overwrite, state, requested_by, requested_at,
                      sample_percent)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'queued', $10, $11, $12)",
            )
            .bind(e.restore_id.as_uuid())
            .bind(e.mode.as_str())
            .bind(e.subvolume_id.as_uuid())
            .bind(e.snapshot_id.as_uuid())
            .bind(e.replica_target_id.map(|t| t.as_uuid()))
            .bind(e.server_id.as_uuid())
            .bind(&e.destination)
            .bind(&e.paths)
            .bind(e.overwrite)
            .bind(event.actor.to_string())
            .bind(event.recorded_at)
            .bind(e.sample_percent.map(i16::from))
            .execute(conn)
            .await?;
        }
        DomainEvent::RestoreStarted(e) => {
            sqlx::query(
                "UPDATE proj_restores SET state = 'running', attempts = $2,
                        started_at = COALESCE(started_at, $3), error = NULL, error_class = NULL
                  WHERE restore_id = $1",
            )
            .bind(e.restore_id.as_uuid())
            .bind(i32::try_from(e.attempt).unwrap_or(i32::MAX))
            .bind(event.recorded_at)
            .execute(conn)
            .await?;
        }
        DomainEvent::RestoreProgress(e) => {
            sqlx::query(
                "UPDATE proj_restores SET bytes = $2, rate_bytes_per_sec = $3, expected_bytes = $4
                  WHERE restore_id = $1",
            )
            .bind(e.restore_id.as_uuid())
            .bind(super::to_i64(e.bytes, "bytes")?)
            .bind(super::to_i64(e.rate_bytes_per_sec, "rate")?)
            .bind(
                e.expected_bytes
                    .map(|b| super::to_i64(b, "bytes"))
                    .transpose()?,
            )
            .execute(conn)
            .await?;
        }
        DomainEvent::RestoreSucceeded(e) => {
            sqlx::query(
                "UPDATE proj_restores SET state = 'succeeded', result_path = $2,
                        bytes = GREATEST(bytes, $3),
                        pre_restore_snapshot_id = $4, incremental_from = $5, files_copied = $6,
                        kept_beside = $7, finished_at = $8, error = NULL, error_class = NULL
                  WHERE restore_id = $1",
            )
            .bind(e.restore_id.as_uuid())
            .bind(&e.result_path)
            .bind(super::to_i64(e.bytes, "bytes")?)
            .bind(e.pre_restore_snapshot_id.map(|s| s.as_uuid()))
            .bind(e.incremental_from.map(|s| s.as_uuid()))
            .bind(super::to_i64(e.files_copied, "files")?)
            .bind(&e.kept_beside)
            .bind(event.recorded_at)
            .execute(conn)
            .await?;
        }
        DomainEvent::RestoreFailed(e) => {
            sqlx::query(
                "UPDATE proj_restores SET state = 'failed', error = $2, error_class = $3,
                        finished_at = $4
                  WHERE restore_id = $1",
            )
            .bind(e.restore_id.as_uuid())
            .bind(&e.error)
            .bind(e.class.as_str())
            .bind(event.recorded_at)
            .execute(conn)
            .await?;
        }
        _ => {}
    }
    Ok(())
}

/// One restore: what was asked (the request event as recorded) and how it went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestoreView {
    pub request: RestoreRequested,
    pub state: RestoreState,
    pub attempts: u32,
    pub bytes: u64,
    pub expected_bytes: Option<u64>,
    pub rate_bytes_per_sec: Option<u64>,
    pub result_path: Option<String>,
    pub pre_restore_snapshot_id: Option<SnapshotId>,
    pub incremental_from: Option<SnapshotId>,
    pub files_copied: Option<u64>,
    pub kept_beside: Vec<String>,
    pub error: Option<String>,
    pub error_class: Option<ErrorClass>,
    pub requested_by: String,
    pub requested_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str = "restore_id, mode, subvolume_id, snapshot_id, replica_target_id, \
     server_id, destination, paths, overwrite, sample_percent, state, attempts, bytes, expected_bytes, \
     rate_bytes_per_sec, result_path, pre_restore_snapshot_id, incremental_from, files_copied, \
     kept_beside, error, error_class, requested_by, requested_at, started_at, finished_at";

fn opt_u64(row: &PgRow, column: &str) -> Result<Option<u64>, StoreError> {
    let n: Option<i64> = row.try_get(column)?;
    n.map(|n| super::to_u64(n, column)).transpose()
}

fn from_row(row: &PgRow) -> Result<RestoreView, StoreError> {
    let attempts: i32 = row.try_get("attempts")?;
    let kept: Option<Vec<String>> = row.try_get("kept_beside")?;
    let id = |c: &str| -> Result<Option<Uuid>, StoreError> { Ok(row.try_get(c)?) };
    let request = RestoreRequested {
        restore_id: RestoreId::from_uuid(row.try_get("restore_id")?),
        mode: super::text_enum(row, "mode", RestoreMode::parse)?,
        subvolume_id: SubvolumeId::from_uuid(row.try_get("subvolume_id")?),
        snapshot_id: SnapshotId::from_uuid(row.try_get("snapshot_id")?),
        replica_target_id: id("replica_target_id")?.map(TargetId::from_uuid),
        server_id: ServerId::from_uuid(row.try_get("server_id")?),
        destination: row.try_get("destination")?,
        paths: row.try_get("paths")?,
        overwrite: row.try_get("overwrite")?,
        sample_percent: {
            let p: Option<i16> = row.try_get("sample_percent")?;
            p.and_then(|p| u8::try_from(p).ok())
        },
    };
    Ok(RestoreView {
        request,
        state: super::text_enum(row, "state", RestoreState::parse)?,
        attempts: u32::try_from(attempts).unwrap_or(0),
        bytes: super::to_u64(row.try_get("bytes")?, "bytes")?,
        expected_bytes: opt_u64(row, "expected_bytes")?,
        rate_bytes_per_sec: opt_u64(row, "rate_bytes_per_sec")?,
        result_path: row.try_get("result_path")?,
        pre_restore_snapshot_id: id("pre_restore_snapshot_id")?.map(SnapshotId::from_uuid),
        incremental_from: id("incremental_from")?.map(SnapshotId::from_uuid),
        files_copied: opt_u64(row, "files_copied")?,
        kept_beside: kept.unwrap_or_default(),
        error: row.try_get("error")?,
        error_class: super::opt_text_enum(row, "error_class", ErrorClass::parse)?,
        requested_by: row.try_get("requested_by")?,
        requested_at: row.try_get("requested_at")?,
        started_at: row.try_get("started_at")?,
        finished_at: row.try_get("finished_at")?,
    })
}

/// One restore by id.
pub async fn restore<'e>(
    exec: impl sqlx::PgExecutor<'e>,
    id: RestoreId,
) -> Result<Option<RestoreView>, StoreError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM proj_restores WHERE restore_id = $1"
    )))
    .bind(id.as_uuid())
    .fetch_optional(exec)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// Restores, newest first, optionally of one subvolume; keyset-paged: `before` is the
/// last (requested_at, id) of the previous page.
pub async fn restores<'e>(
    exec: impl sqlx::PgExecutor<'e>,
    subvolume: Option<SubvolumeId>,
    before: Option<(DateTime<Utc>, RestoreId)>,
    limit: i64,
) -> Result<Vec<RestoreView>, StoreError> {
    let of_subvolume =
        super::condition(subvolume.is_some(), "subvolume_id = $1", "$1::uuid IS NULL");
    let cursor = super::condition(
        before.is_some(),
        "(requested_at, restore_id) < ($2, $3)",
        "$2::timestamptz IS NULL AND $3::uuid IS NULL",
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM proj_restores
          WHERE {of_subvolume} AND {cursor}
          ORDER BY requested_at DESC, restore_id DESC LIMIT $4"
    )))
    .bind(subvolume.map(|s| s.as_uuid()))
    .bind(before.map(|b| b.0))
    .bind(before.map(|b| b.1.as_uuid()))
    .bind(limit)
    .fetch_all(exec)
    .await?;
    rows.iter().map(from_row).collect()
}

/// Restores not finished (queued or running), oldest first: what a restart resumes.
pub async fn unfinished_restores<'e>(
    exec: impl sqlx::PgExecutor<'e>,
) -> Result<Vec<RestoreView>, StoreError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM proj_restores WHERE state IN ('queued', 'running')
          ORDER BY requested_at"
    )))
    .fetch_all(exec)
    .await?;
    rows.iter().map(from_row).collect()
}
