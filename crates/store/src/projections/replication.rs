//! Projections of replication: `proj_targets` (existing targets and their options),
//! `proj_replications` (one row per run), `proj_replication_targets` (per run and
//! target: state, current send, bytes, result), `proj_replicas` (per target, the complete
//! replicas last read back from it, with when each was first listed) and `proj_replication_pins` (per target, the common
//! base with the primary, which retention must keep).
//!
//! A run's target row is `succeeded` only when the *requested* snapshot arrived (a
//! send-all-missing target passes through older snapshots first and stays `running`).

use chrono::{DateTime, Utc};
use domain::lineage::MissingMode;
use domain::replication::{Compression, ErrorClass, RunState, TargetOptions, TargetState};
use domain::{DomainEvent, ReplicationId, ServerId, SnapshotId, SubvolumeId, TargetId};
use sqlx::Row;
use sqlx::postgres::{PgConnection, PgRow};
use uuid::Uuid;

use crate::StoreError;
use crate::record::RecordedEvent;

fn text<T: serde::Serialize>(v: &T) -> Result<String, StoreError> {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => Ok(s),
        other => Err(StoreError::Corrupt(format!("not a text enum: {other:?}"))),
    }
}

fn from_text<T: serde::de::DeserializeOwned>(s: String) -> Result<T, StoreError> {
    serde_json::from_value(serde_json::Value::String(s))
        .map_err(|e| StoreError::Corrupt(format!("stored enum: {e}")))
}

fn opt_i64(n: Option<u64>, what: &str) -> Result<Option<i64>, StoreError> {
    n.map(|n| super::to_i64(n, what)).transpose()
}

fn opt_u64(n: Option<i64>, what: &str) -> Result<Option<u64>, StoreError> {
    n.map(|n| super::to_u64(n, what)).transpose()
}

pub(super) async fn apply(
    conn: &mut PgConnection,
    event: &RecordedEvent,
) -> Result<(), StoreError> {
    let at = event.recorded_at;
    match &event.event {
        DomainEvent::TargetAdded(e) => {
            sqlx::query(
                "INSERT INTO proj_targets (target_id, subvolume_id, server_id, directory,
                     strict_incremental, missing, compression, rate_limit_bytes_per_sec,
                     created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
            )
            .bind(e.target_id.as_uuid())
            .bind(e.subvolume_id.as_uuid())
            .bind(e.server_id.as_uuid())
            .bind(&e.directory)
            .bind(e.options.strict_incremental)
            .bind(text(&e.options.missing)?)
            .bind(text(&e.options.compression)?)
            .bind(opt_i64(e.options.rate_limit_bytes_per_sec, "rate limit")?)
            .bind(at)
            .execute(conn)
            .await?;
        }
        DomainEvent::TargetUpdated(e) => {
            // The catalog describes the old directory; the pin stays (conservative: it
            // only keeps a snapshot longer) until the next success replaces it.
            sqlx::query(
                "DELETE FROM proj_replicas WHERE target_id = $1 AND EXISTS
                    (SELECT 1 FROM proj_targets WHERE target_id = $1 AND directory <> $2)",
            )
            .bind(e.target_id.as_uuid())
            .bind(&e.directory)
            .execute(&mut *conn)
            .await?;
            sqlx::query(
                "UPDATE proj_targets SET directory = $2, strict_incremental = $3, missing = $4,
                        compression = $5, rate_limit_bytes_per_sec = $6, updated_at = $7
                  WHERE target_id = $1",
            )
            .bind(e.target_id.as_uuid())
            .bind(&e.directory)
            .bind(e.options.strict_incremental)
            .bind(text(&e.options.missing)?)
            .bind(text(&e.options.compression)?)
            .bind(opt_i64(e.options.rate_limit_bytes_per_sec, "rate limit")?)
            .bind(at)
            .execute(conn)
            .await?;
        }
        DomainEvent::TargetRemoved(e) => {
            for table in ["proj_targets", "proj_replicas", "proj_replication_pins"] {
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "DELETE FROM {table} WHERE target_id = $1"
                )))
                .bind(e.target_id.as_uuid())
                .execute(&mut *conn)
                .await?;
            }
        }
        DomainEvent::ReplicationRequested(e) => {
            sqlx::query(
                "INSERT INTO proj_replications (replication_id, subvolume_id, snapshot_id, state,
                     requested_by, requested_at)
                 VALUES ($1, $2, $3, 'queued', $4, $5)",
            )
            .bind(e.replication_id.as_uuid())
            .bind(e.subvolume_id.as_uuid())
            .bind(e.snapshot_id.as_uuid())
            .bind(event.actor.to_string())
            .bind(at)
            .execute(&mut *conn)
            .await?;
            for t in &e.target_ids {
                sqlx::query(
                    "INSERT INTO proj_replication_targets (replication_id, target_id, state,
                         updated_at)
                     VALUES ($1, $2, 'queued', $3)",
                )
                .bind(e.replication_id.as_uuid())
                .bind(t.as_uuid())
                .bind(at)
                .execute(&mut *conn)
                .await?;
            }
        }
        DomainEvent::ReplicationStarted(e) => {
            sqlx::query(
                "UPDATE proj_replications SET state = 'running',
                        started_at = COALESCE(started_at, $2)
                  WHERE replication_id = $1",
            )
            .bind(e.replication_id.as_uuid())
            .bind(at)
            .execute(conn)
            .await?;
        }
        DomainEvent::ReplicationTargetStarted(e) => {
            sqlx::query(
                "UPDATE proj_replication_targets SET state = 'running', snapshot_id = $3,
                        parent_snapshot_id = $4, send_id = $5, group_size = $6, bytes = 0,
                        expected_bytes = $7, rate_bytes_per_sec = NULL,
                        started_at = COALESCE(started_at, $8), error = NULL,
                        error_class = NULL, updated_at = $8, compression = $9,
                        compression_fallback = $10, wire_bytes = NULL
                  WHERE replication_id = $1 AND target_id = $2",
            )
            .bind(e.replication_id.as_uuid())
            .bind(e.target_id.as_uuid())
            .bind(e.snapshot_id.as_uuid())
            .bind(e.parent_snapshot_id.map(|p| p.as_uuid()))
            .bind(e.send_id)
            .bind(i32::try_from(e.group_size).unwrap_or(i32::MAX))
            .bind(opt_i64(e.expected_bytes, "expected bytes")?)
            .bind(at)
            .bind(match e.compression {
                domain::replication::Compression::None => "none",
                domain::replication::Compression::Zstd => "zstd",
            })
            .bind(&e.compression_fallback)
            .execute(conn)
            .await?;
        }
        DomainEvent::ReplicationProgress(e) => {
            for t in &e.targets {
                sqlx::query(
                    "UPDATE proj_replication_targets SET bytes = $3, rate_bytes_per_sec = $4,
                            updated_at = $5
                      WHERE replication_id = $1 AND target_id = $2 AND send_id = $6",
                )
                .bind(e.replication_id.as_uuid())
                .bind(t.target_id.as_uuid())
                .bind(super::to_i64(t.bytes, "bytes")?)
                .bind(super::to_i64(e.rate_bytes_per_sec, "rate")?)
                .bind(at)
                .bind(e.send_id)
                .execute(&mut *conn)
                .await?;
            }
        }
        DomainEvent::ReplicationTargetSucceeded(e) => {
            sqlx::query(
                "UPDATE proj_replication_targets t SET
                        state = CASE WHEN $3 = r.snapshot_id THEN 'succeeded' ELSE 'running' END,
                        snapshot_id = $3, parent_snapshot_id = $4, bytes = $5,
                        bytes_total = t.bytes_total + $5,
                        snapshots_sent = t.snapshots_sent + CASE WHEN $6 THEN 1 ELSE 0 END,
                        rate_bytes_per_sec = $7, duration_ms = $8, received_path = $9,
                        finished_at = CASE WHEN $3 = r.snapshot_id THEN $10 END,
                        started_at = COALESCE(t.started_at, $10),
                        wire_bytes = $11,
                        updated_at = $10
                   FROM proj_replications r
                  WHERE r.replication_id = t.replication_id
                    AND t.replication_id = $1 AND t.target_id = $2",
            )
            .bind(e.replication_id.as_uuid())
            .bind(e.target_id.as_uuid())
            .bind(e.snapshot_id.as_uuid())
            .bind(e.parent_snapshot_id.map(|p| p.as_uuid()))
            .bind(super::to_i64(e.bytes, "bytes")?)
            .bind(e.sent)
            .bind(super::to_i64(e.throughput_bytes_per_sec, "throughput")?)
            .bind(super::to_i64(e.duration_ms, "duration")?)
            .bind(&e.received_path)
            .bind(at)
            .bind(opt_i64(e.wire_bytes, "wire bytes")?)
            .execute(&mut *conn)
            .await?;
            // The listing is what the target holds now: rows it no longer lists go, new
            // ones come, and a replica received anew (another uuid) is recorded anew.
            // Two statements whatever the listing's length; unchanged rows are not
            // rewritten, so `recorded_at` is when the replica was first listed.
            // The first of two copies of one snapshot counts (one row per snapshot).
            let mut seen = std::collections::HashSet::new();
            let listed: Vec<_> = e
                .replicas
                .iter()
                .filter(|r| seen.insert(r.snapshot_id))
                .collect();
            let ids: Vec<Uuid> = listed.iter().map(|r| r.snapshot_id.as_uuid()).collect();
            let paths: Vec<&str> = listed.iter().map(|r| r.path.as_str()).collect();
            let uuids: Vec<Uuid> = listed.iter().map(|r| r.uuid).collect();
            sqlx::query(
                "DELETE FROM proj_replicas WHERE target_id = $1 AND NOT snapshot_id = ANY($2)",
            )
            .bind(e.target_id.as_uuid())
            .bind(&ids)
            .execute(&mut *conn)
            .await?;
            sqlx::query(
                "INSERT INTO proj_replicas
                     (target_id, snapshot_id, path, uuid, recorded_at, snapshot_name, snapshot_at)
                 SELECT $1, l.snapshot_id, l.path, l.uuid, $5,
                        s.name, COALESCE(s.created_at, s.recorded_at)
                   FROM UNNEST($2::uuid[], $3::text[], $4::uuid[]) AS l(snapshot_id, path, uuid)
                   LEFT JOIN proj_snapshots s ON s.snapshot_id = l.snapshot_id
                 ON CONFLICT (target_id, snapshot_id) DO UPDATE
                    SET path = EXCLUDED.path, uuid = EXCLUDED.uuid,
                        recorded_at = EXCLUDED.recorded_at
                  WHERE proj_replicas.uuid <> EXCLUDED.uuid
                     OR proj_replicas.path <> EXCLUDED.path",
            )
            .bind(e.target_id.as_uuid())
            .bind(&ids)
            .bind(&paths)
            .bind(&uuids)
            .bind(at)
            .execute(&mut *conn)
            .await?;
            match e.common_base {
                Some(base) => {
                    sqlx::query(
                        "INSERT INTO proj_replication_pins
                             (target_id, subvolume_id, snapshot_id, updated_at)
                         VALUES ($1, $2, $3, $4)
                         ON CONFLICT (target_id) DO UPDATE
                            SET snapshot_id = EXCLUDED.snapshot_id,
                                updated_at = EXCLUDED.updated_at",
                    )
                    .bind(e.target_id.as_uuid())
                    .bind(e.subvolume_id.as_uuid())
                    .bind(base.as_uuid())
                    .bind(at)
                    .execute(conn)
                    .await?;
                }
                None => {
                    sqlx::query("DELETE FROM proj_replication_pins WHERE target_id = $1")
                        .bind(e.target_id.as_uuid())
                        .execute(conn)
                        .await?;
                }
            }
        }
        DomainEvent::ReplicationTargetFailed(e) => {
            sqlx::query(
                "UPDATE proj_replication_targets SET state = 'failed',
                        snapshot_id = COALESCE($3, snapshot_id), error = $4, error_class = $5,
                        finished_at = $6, updated_at = $6
                  WHERE replication_id = $1 AND target_id = $2",
            )
            .bind(e.replication_id.as_uuid())
            .bind(e.target_id.as_uuid())
            .bind(e.snapshot_id.map(|s| s.as_uuid()))
            .bind(&e.error)
            .bind(e.class.as_str())
            .bind(at)
            .execute(conn)
            .await?;
        }
        DomainEvent::ReplicationFinished(e) => {
            sqlx::query(
                "UPDATE proj_replications SET state = $2, finished_at = $3
                  WHERE replication_id = $1",
            )
            .bind(e.replication_id.as_uuid())
            .bind(e.outcome.as_str())
            .bind(at)
            .execute(conn)
            .await?;
        }
        DomainEvent::ReplicationRetried(e) => {
            sqlx::query(
                "UPDATE proj_replications SET state = 'queued', finished_at = NULL
                  WHERE replication_id = $1",
            )
            .bind(e.replication_id.as_uuid())
            .execute(&mut *conn)
            .await?;
            for t in &e.target_ids {
                sqlx::query(
                    "UPDATE proj_replication_targets SET state = 'queued', error = NULL,
                            error_class = NULL, finished_at = NULL, updated_at = $3
                      WHERE replication_id = $1 AND target_id = $2",
                )
                .bind(e.replication_id.as_uuid())
                .bind(t.as_uuid())
                .bind(at)
                .execute(&mut *conn)
                .await?;
            }
        }
        DomainEvent::ReplicaPruned(e) => {
            sqlx::query("DELETE FROM proj_replicas WHERE target_id = $1 AND snapshot_id = $2")
                .bind(e.target_id.as_uuid())
                .bind(e.snapshot_id.as_uuid())
                .execute(conn)
                .await?;
        }
        _ => {}
    }
    Ok(())
}

/// A replication target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetView {
    pub target_id: TargetId,
    pub subvolume_id: SubvolumeId,
    pub server_id: ServerId,
    pub directory: String,
    pub options: TargetOptions,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const TARGET_COLUMNS: &str = "target_id, subvolume_id, server_id, directory, strict_incremental,
        missing, compression, rate_limit_bytes_per_sec, created_at, updated_at";

fn target_from_row(row: &PgRow) -> Result<TargetView, StoreError> {
    let missing: MissingMode = from_text(row.try_get("missing")?)?;
    let compression: Compression = from_text(row.try_get("compression")?)?;
    Ok(TargetView {
        target_id: TargetId::from_uuid(row.try_get("target_id")?),
        subvolume_id: SubvolumeId::from_uuid(row.try_get("subvolume_id")?),
        server_id: ServerId::from_uuid(row.try_get("server_id")?),
        directory: row.try_get("directory")?,
        options: TargetOptions {
            strict_incremental: row.try_get("strict_incremental")?,
            missing,
            compression,
            rate_limit_bytes_per_sec: opt_u64(row.try_get("rate_limit_bytes_per_sec")?, "rate")?,
        },
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// Targets, of one subvolume or all, oldest first.
pub async fn targets<'e>(
    exec: impl sqlx::PgExecutor<'e>,
    subvolume: Option<SubvolumeId>,
) -> Result<Vec<TargetView>, StoreError> {
    targets_page(exec, subvolume, None, None).await
}

/// Where a page of [`targets_page`] starts: after this (creation time, id).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TargetKey {
    pub created_at: DateTime<Utc>,
    pub target_id: TargetId,
}

impl From<&TargetView> for TargetKey {
    fn from(v: &TargetView) -> Self {
        Self {
            created_at: v.created_at,
            target_id: v.target_id,
        }
    }
}

/// [`targets`], oldest first: at most `limit` after `after`.
pub async fn targets_page<'e>(
    exec: impl sqlx::PgExecutor<'e>,
    subvolume: Option<SubvolumeId>,
    after: Option<&TargetKey>,
    limit: Option<i64>,
) -> Result<Vec<TargetView>, StoreError> {
    // Fixed texts per filter (as in `replications_page`): with `$1 IS NULL OR …` a generic
    // plan reads the whole table.
    let of_subvolume =
        super::condition(subvolume.is_some(), "subvolume_id = $1", "$1::uuid IS NULL");
    let cursor = super::condition(
        after.is_some(),
        "(created_at, target_id) > ($2, $3)",
        "$2::timestamptz IS NULL AND $3::uuid IS NULL",
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {TARGET_COLUMNS} FROM proj_targets
          WHERE {of_subvolume} AND {cursor}
          ORDER BY created_at, target_id LIMIT $4"
    )))
    .bind(subvolume.map(|s| s.as_uuid()))
    .bind(after.map(|k| k.created_at))
    .bind(after.map(|k| k.target_id.as_uuid()))
    .bind(limit)
    .fetch_all(exec)
    .await?;
    rows.iter().map(target_from_row).collect()
}

/// One target.
pub async fn target<'e>(
    exec: impl sqlx::PgExecutor<'e>,
    id: TargetId,
) -> Result<Option<TargetView>, StoreError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {TARGET_COLUMNS} FROM proj_targets WHERE target_id = $1"
    )))
    .bind(id.as_uuid())
    .fetch_optional(exec)
    .await?;
    row.as_ref().map(target_from_row).transpose()
}

/// The targets that send to `server`, as `<target id> (<directory>)`.
pub async fn targets_on_server<'e>(
    exec: impl sqlx::PgExecutor<'e>,
    server: ServerId,
) -> Result<Vec<String>, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT target_id::text || ' (' || directory || ')' FROM proj_targets
          WHERE server_id = $1 ORDER BY created_at, target_id",
    )
    .bind(server.as_uuid())
    .fetch_all(exec)
    .await?)
}

/// One replication run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplicationView {
    pub replication_id: ReplicationId,
    pub subvolume_id: SubvolumeId,
    pub snapshot_id: SnapshotId,
    pub state: RunState,
    pub requested_by: String,
    pub requested_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
}

const REPLICATION_COLUMNS: &str = "replication_id, subvolume_id, snapshot_id, state,
        requested_by, requested_at, started_at, finished_at";

fn replication_from_row(row: &PgRow) -> Result<ReplicationView, StoreError> {
    Ok(ReplicationView {
        replication_id: ReplicationId::from_uuid(row.try_get("replication_id")?),
        subvolume_id: SubvolumeId::from_uuid(row.try_get("subvolume_id")?),
        snapshot_id: SnapshotId::from_uuid(row.try_get("snapshot_id")?),
        state: super::text_enum(row, "state", RunState::parse)?,
        requested_by: row.try_get("requested_by")?,
        requested_at: row.try_get("requested_at")?,
        started_at: row.try_get("started_at")?,
        finished_at: row.try_get("finished_at")?,
    })
}

/// One run.
pub async fn replication<'e>(
    exec: impl sqlx::PgExecutor<'e>,
    id: ReplicationId,
) -> Result<Option<ReplicationView>, StoreError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {REPLICATION_COLUMNS} FROM proj_replications WHERE replication_id = $1"
    )))
    .bind(id.as_uuid())
    .fetch_optional(exec)
    .await?;
    row.as_ref().map(replication_from_row).transpose()
}

/// Where a page of [`replications_page`] starts: after this (request time, id).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ReplicationKey {
    pub requested_at: DateTime<Utc>,
    pub replication_id: ReplicationId,
}

impl From<&ReplicationView> for ReplicationKey {
    fn from(v: &ReplicationView) -> Self {
        Self {
            requested_at: v.requested_at,
            replication_id: v.replication_id,
        }
    }
}

/// Replications (of one subvolume, or all), newest first: at most `limit` after
/// `after`. Both orders have an index (`proj_replications_page_idx`,
/// `proj_replications_subvolume_idx`), so a deep page costs what the first does.
pub async fn replications_page<'e>(
    exec: impl sqlx::PgExecutor<'e>,
    subvolume: Option<SubvolumeId>,
    after: Option<&ReplicationKey>,
    limit: i64,
) -> Result<Vec<ReplicationView>, StoreError> {
    // Fixed texts per filter, not `$1 IS NULL OR …`: a generic plan could use neither the
    // subvolume's index nor the cursor then.
    let of_subvolume =
        super::condition(subvolume.is_some(), "subvolume_id = $1", "$1::uuid IS NULL");
    let cursor = super::condition(
        after.is_some(),
        "(requested_at, replication_id) < ($2, $3)",
        "$2::timestamptz IS NULL AND $3::uuid IS NULL",
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {REPLICATION_COLUMNS} FROM proj_replications
          WHERE {of_subvolume} AND {cursor}
          ORDER BY requested_at DESC, replication_id DESC LIMIT $4"
    )))
    .bind(subvolume.map(|s| s.as_uuid()))
    .bind(after.map(|k| k.requested_at))
    .bind(after.map(|k| k.replication_id.as_uuid()))
    .bind(limit)
    .fetch_all(exec)
    .await?;
    rows.iter().map(replication_from_row).collect()
}

/// Runs that did not finish (queued or running), oldest first.
pub async fn unfinished_replications<'e>(
    exec: impl sqlx::PgExecutor<'e>,
) -> Result<Vec<ReplicationId>, StoreError> {
    let ids: Vec<Uuid> = sqlx::query_scalar(
        "SELECT replication_id FROM proj_replications
          WHERE state IN ('queued', 'running') ORDER BY requested_at, replication_id",
    )
    .fetch_all(exec)
    .await?;
    Ok(ids.into_iter().map(ReplicationId::from_uuid).collect())
}

/// One target of one run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplicationTargetView {
    pub replication_id: ReplicationId,
    pub target_id: TargetId,
    pub state: TargetState,
    pub snapshot_id: Option<SnapshotId>,
    pub parent_snapshot_id: Option<SnapshotId>,
    pub send_id: Option<Uuid>,
    pub group_size: Option<i32>,
    pub bytes: u64,
    pub bytes_total: u64,
    pub snapshots_sent: i32,
    pub expected_bytes: Option<u64>,
    /// How the current send goes to the target.
    pub compression: Option<Compression>,
    /// Why a target set to zstd gets the raw stream.
    pub compression_fallback: Option<String>,
    /// Bytes of the last finished send that reached the target (compressed for zstd).
    pub wire_bytes: Option<u64>,
    pub rate_bytes_per_sec: Option<u64>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub duration_ms: Option<u64>,
    pub received_path: Option<String>,
    pub error: Option<String>,
    pub error_class: Option<ErrorClass>,
    pub updated_at: DateTime<Utc>,
}

fn rt_from_row(row: &PgRow) -> Result<ReplicationTargetView, StoreError> {
    let snap = |c: &str| -> Result<Option<SnapshotId>, StoreError> {
        Ok(row
            .try_get::<Option<Uuid>, _>(c)?
            .map(SnapshotId::from_uuid))
    };
    Ok(ReplicationTargetView {
        replication_id: ReplicationId::from_uuid(row.try_get("replication_id")?),
        target_id: TargetId::from_uuid(row.try_get("target_id")?),
        state: super::text_enum(row, "state", TargetState::parse)?,
        snapshot_id: snap("snapshot_id")?,
        parent_snapshot_id: snap("parent_snapshot_id")?,
        send_id: row.try_get("send_id")?,
        group_size: row.try_get("group_size")?,
        bytes: super::to_u64(row.try_get("bytes")?, "bytes")?,
        bytes_total: super::to_u64(row.try_get("bytes_total")?, "bytes")?,
        snapshots_sent: row.try_get("snapshots_sent")?,
        expected_bytes: opt_u64(row.try_get("expected_bytes")?, "expected bytes")?,
        compression: super::opt_text_enum(row, "compression", Compression::parse)?,
        compression_fallback: row.try_get("compression_fallback")?,
        wire_bytes: opt_u64(row.try_get("wire_bytes")?, "wire bytes")?,
        rate_bytes_per_sec: opt_u64(row.try_get("rate_bytes_per_sec")?, "rate")?,
        started_at: row.try_get("started_at")?,
        finished_at: row.try_get("finished_at")?,
        duration_ms: opt_u64(row.try_get("duration_ms")?, "duration")?,
        received_path: row.try_get("received_path")?,
        error: row.try_get("error")?,
        error_class: super::opt_text_enum(row, "error_class", ErrorClass::parse)?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// The targets of one run, by target id.
pub async fn replication_targets<'e>(
    exec: impl sqlx::PgExecutor<'e>,
    id: ReplicationId,
) -> Result<Vec<ReplicationTargetView>, StoreError> {
    let rows = sqlx::query(
        "SELECT * FROM proj_replication_targets WHERE replication_id = $1 ORDER BY target_id",
    )
    .bind(id.as_uuid())
    .fetch_all(exec)
    .await?;
    rows.iter().map(rt_from_row).collect()
}

/// The targets of several runs in one query (for lists), grouped by run, each group by
/// target id.
pub async fn replication_targets_of<'e>(
    exec: impl sqlx::PgExecutor<'e>,
    ids: &[ReplicationId],
) -> Result<std::collections::HashMap<ReplicationId, Vec<ReplicationTargetView>>, StoreError> {
    let uuids: Vec<Uuid> = ids.iter().map(|i| i.as_uuid()).collect();
    let rows = sqlx::query(
        "SELECT * FROM proj_replication_targets WHERE replication_id = ANY($1)
          ORDER BY replication_id, target_id",
    )
    .bind(&uuids)
    .fetch_all(exec)
    .await?;
    let mut out: std::collections::HashMap<ReplicationId, Vec<ReplicationTargetView>> =
        std::collections::HashMap::new();
    for row in &rows {
        let v = rt_from_row(row)?;
        out.entry(v.replication_id).or_default().push(v);
    }
    Ok(out)
}

/// The bytes of the newest successful send of this subvolume of the same kind (full:
/// no parent; incremental: with one), as an estimate of the next one's size.
pub async fn last_send_bytes<'e>(
    exec: impl sqlx::PgExecutor<'e>,
    subvolume: SubvolumeId,
    incremental: bool,
) -> Result<Option<u64>, StoreError> {
    let n: Option<i64> = sqlx::query_scalar(
        "SELECT t.bytes FROM proj_replication_targets t
           JOIN proj_replications r USING (replication_id)
          WHERE r.subvolume_id = $1 AND t.received_path IS NOT NULL AND t.bytes > 0
            AND (t.parent_snapshot_id IS NOT NULL) = $2
          ORDER BY t.updated_at DESC LIMIT 1",
    )
    .bind(subvolume.as_uuid())
    .bind(incremental)
    .fetch_optional(exec)
    .await?;
    opt_u64(n, "bytes")
}

/// The pins of a subvolume's targets: (target, common base snapshot).
pub async fn pins_of_subvolume<'e>(
    exec: impl sqlx::PgExecutor<'e>,
    subvolume: SubvolumeId,
) -> Result<Vec<(TargetId, SnapshotId)>, StoreError> {
    let rows: Vec<(Uuid, Uuid)> = sqlx::query_as(
        "SELECT target_id, snapshot_id FROM proj_replication_pins
          WHERE subvolume_id = $1 ORDER BY target_id",
    )
    .bind(subvolume.as_uuid())
    .fetch_all(exec)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(t, s)| (TargetId::from_uuid(t), SnapshotId::from_uuid(s)))
        .collect())
}

/// The pin of one target.
pub async fn pin_of_target<'e>(
    exec: impl sqlx::PgExecutor<'e>,
    target: TargetId,
) -> Result<Option<SnapshotId>, StoreError> {
    let id: Option<Uuid> =
        sqlx::query_scalar("SELECT snapshot_id FROM proj_replication_pins WHERE target_id = $1")
            .bind(target.as_uuid())
            .fetch_optional(exec)
            .await?;
    Ok(id.map(SnapshotId::from_uuid))
}

/// The retention pins of several targets in one query (for lists).
pub async fn pins_of_targets<'e>(
    exec: impl sqlx::PgExecutor<'e>,
    targets: &[TargetId],
) -> Result<std::collections::HashMap<TargetId, SnapshotId>, StoreError> {
    let uuids: Vec<Uuid> = targets.iter().map(|t| t.as_uuid()).collect();
    let rows: Vec<(Uuid, Uuid)> = sqlx::query_as(
        "SELECT target_id, snapshot_id FROM proj_replication_pins WHERE target_id = ANY($1)",
    )
    .bind(&uuids)
    .fetch_all(exec)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(t, s)| (TargetId::from_uuid(t), SnapshotId::from_uuid(s)))
        .collect())
}

/// Snapshots of the subvolume that an unfinished run will send or sends from: the
/// requested snapshot of every queued or running run, and the snapshot and parent of
/// every running target.
pub async fn snapshots_in_flight<'e>(
    exec: impl sqlx::PgExecutor<'e>,
    subvolume: SubvolumeId,
) -> Result<Vec<SnapshotId>, StoreError> {
    let ids: Vec<Uuid> = sqlx::query_scalar(
        "SELECT r.snapshot_id FROM proj_replications r
          WHERE r.subvolume_id = $1 AND r.state IN ('queued', 'running')
         UNION
         SELECT s FROM proj_replication_targets t
           JOIN proj_replications r USING (replication_id),
                LATERAL (VALUES (t.snapshot_id), (t.parent_snapshot_id)) v(s)
          WHERE r.subvolume_id = $1 AND r.state IN ('queued', 'running')
            AND t.state = 'running' AND s IS NOT NULL",
    )
    .bind(subvolume.as_uuid())
    .fetch_all(exec)
    .await?;
    Ok(ids.into_iter().map(SnapshotId::from_uuid).collect())
}
