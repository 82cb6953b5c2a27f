//! Projection `proj_subvolumes`: the subvolumes dist-btrfs manages (and, with
//! `managed = false`, those it managed before), with the last snapshot failure, the
//! snapshot hooks and their last runs.

use chrono::{DateTime, Utc};
use domain::hooks::{HookOutcome, HookPhase};
use domain::{DomainEvent, ServerId, SubvolumeId};
use serde::{Deserialize, Serialize};
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
        DomainEvent::SubvolumeManaged(e) => {
            sqlx::query(
                "INSERT INTO proj_subvolumes
                     (subvolume_id, server_id, name, path, snapshot_dir, btrfs_uuid, btrfs_id,
                      managed, managed_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, TRUE, $8)",
            )
            .bind(e.subvolume_id.as_uuid())
            .bind(e.server_id.as_uuid())
            .bind(&e.name)
            .bind(&e.path)
            .bind(&e.snapshot_dir)
            .bind(e.btrfs_uuid)
            .bind(super::to_i64(e.btrfs_id, "btrfs id")?)
            .bind(event.recorded_at)
            .execute(conn)
            .await?;
        }
        DomainEvent::SubvolumeUnmanaged(e) => {
            sqlx::query(
                "UPDATE proj_subvolumes SET managed = FALSE, unmanaged_at = $2
                  WHERE subvolume_id = $1",
            )
            .bind(e.subvolume_id.as_uuid())
            .bind(event.recorded_at)
            .execute(conn)
            .await?;
        }
        DomainEvent::SnapshotCreateFailed(e) => {
            sqlx::query(
                "UPDATE proj_subvolumes SET last_snapshot_error = $2, last_snapshot_error_at = $3
                  WHERE subvolume_id = $1",
            )
            .bind(e.subvolume_id.as_uuid())
            .bind(&e.error)
            .bind(event.recorded_at)
            .execute(conn)
            .await?;
        }
        DomainEvent::SubvolumeHooksSet(e) => {
            sqlx::query(
                "UPDATE proj_subvolumes SET pre_snapshot_hook = $2, post_snapshot_hook = $3,
                        hook_timeout_secs = $4,
                        last_pre_hook = CASE WHEN pre_snapshot_hook IS NOT DISTINCT FROM $2
                                             THEN last_pre_hook END,
                        last_post_hook = CASE WHEN post_snapshot_hook IS NOT DISTINCT FROM $3
                                              THEN last_post_hook END
                  WHERE subvolume_id = $1",
            )
            .bind(e.subvolume_id.as_uuid())
            .bind(&e.pre)
            .bind(&e.post)
            .bind(i32::try_from(e.timeout_secs).unwrap_or(i32::MAX))
            .execute(conn)
            .await?;
        }
        DomainEvent::SnapshotHookRan(e) => {
            let run = HookRun {
                hook: e.hook.clone(),
                snapshot: e.snapshot.clone(),
                outcome: e.outcome,
                exit_code: e.exit_code,
                duration_ms: e.duration_ms,
                message: e.message.clone(),
                at: event.recorded_at,
            };
            let column = match e.phase {
                HookPhase::Pre => "last_pre_hook",
                HookPhase::Post => "last_post_hook",
            };
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "UPDATE proj_subvolumes SET {column} = $2 WHERE subvolume_id = $1"
            )))
            .bind(e.subvolume_id.as_uuid())
            .bind(sqlx::types::Json(&run))
            .execute(conn)
            .await?;
        }
        DomainEvent::SubvolumeRolledBack(e) => {
            sqlx::query(
                "UPDATE proj_subvolumes SET btrfs_uuid = $2, btrfs_id = $3,
                        former_uuids = array_append(former_uuids, btrfs_uuid)
                  WHERE subvolume_id = $1",
            )
            .bind(e.subvolume_id.as_uuid())
            .bind(e.new_uuid)
            .bind(super::to_i64(e.new_btrfs_id, "btrfs id")?)
            .execute(conn)
            .await?;
        }
        DomainEvent::SnapshotCreated(e) => {
            sqlx::query(
                // Only when there is an error to clear: a row rewritten by every snapshot
                // would pile up versions in a long transaction (a rebuild).
                "UPDATE proj_subvolumes SET last_snapshot_error = NULL, last_snapshot_error_at = NULL
                  WHERE subvolume_id = $1
                    AND (last_snapshot_error IS NOT NULL OR last_snapshot_error_at IS NOT NULL)",
            )
            .bind(e.subvolume_id.as_uuid())
            .execute(conn)
            .await?;
        }
        _ => {}
    }
    Ok(())
}

/// A (formerly) managed subvolume.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubvolumeView {
    pub subvolume_id: SubvolumeId,
    pub server_id: ServerId,
    pub name: String,
    pub path: String,
    pub snapshot_dir: String,
    pub btrfs_uuid: Uuid,
    pub btrfs_id: u64,
    /// The btrfs uuids the subvolume had before rollbacks (oldest first).
    pub former_uuids: Vec<Uuid>,
    pub managed: bool,
    pub managed_at: DateTime<Utc>,
    pub unmanaged_at: Option<DateTime<Utc>>,
    /// The error of the last snapshot attempt, cleared by the next success.
    pub last_snapshot_error: Option<String>,
    pub last_snapshot_error_at: Option<DateTime<Utc>>,
    /// The snapshot hooks (`domain::hooks`).
    pub pre_snapshot_hook: Option<String>,
    pub post_snapshot_hook: Option<String>,
    pub hook_timeout_secs: u32,
    /// The last run of the configured pre / post hook (forgotten when the hook changes).
    pub last_pre_hook: Option<HookRun>,
    pub last_post_hook: Option<HookRun>,
}

/// One run of a snapshot hook, as kept for the subvolume (see `SnapshotHookRan`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HookRun {
    pub hook: String,
    pub snapshot: String,
    pub outcome: HookOutcome,
    pub exit_code: Option<i32>,
    pub duration_ms: u64,
    pub message: String,
    pub at: DateTime<Utc>,
}

const COLUMNS: &str = "subvolume_id, server_id, name, path, snapshot_dir, btrfs_uuid, btrfs_id, \
     former_uuids, managed, managed_at, unmanaged_at, last_snapshot_error, last_snapshot_error_at, \
     pre_snapshot_hook, post_snapshot_hook, hook_timeout_secs, last_pre_hook, last_post_hook";

fn from_row(row: &PgRow) -> Result<SubvolumeView, StoreError> {
    Ok(SubvolumeView {
        subvolume_id: SubvolumeId::from_uuid(row.try_get("subvolume_id")?),
        server_id: ServerId::from_uuid(row.try_get("server_id")?),
        name: row.try_get("name")?,
        path: row.try_get("path")?,
        snapshot_dir: row.try_get("snapshot_dir")?,
        btrfs_uuid: row.try_get("btrfs_uuid")?,
        btrfs_id: super::to_u64(row.try_get("btrfs_id")?, "btrfs id")?,
        former_uuids: row.try_get("former_uuids")?,
        managed: row.try_get("managed")?,
        managed_at: row.try_get("managed_at")?,
        unmanaged_at: row.try_get("unmanaged_at")?,
        last_snapshot_error: row.try_get("last_snapshot_error")?,
        last_snapshot_error_at: row.try_get("last_snapshot_error_at")?,
        pre_snapshot_hook: row.try_get("pre_snapshot_hook")?,
        post_snapshot_hook: row.try_get("post_snapshot_hook")?,
        hook_timeout_secs: u32::try_from(row.try_get::<i32, _>("hook_timeout_secs")?)
            .unwrap_or(domain::hooks::DEFAULT_HOOK_TIMEOUT_SECS),
        last_pre_hook: row
            .try_get::<Option<sqlx::types::Json<HookRun>>, _>("last_pre_hook")?
            .map(|j| j.0),
        last_post_hook: row
            .try_get::<Option<sqlx::types::Json<HookRun>>, _>("last_post_hook")?
            .map(|j| j.0),
    })
}

impl SubvolumeView {
    /// Whether a subvolume whose btrfs `parent_uuid` is this is a snapshot of this
    /// subvolume: taken from it now or before a rollback.
    pub fn is_parent_of(&self, parent_uuid: Option<Uuid>) -> bool {
        parent_uuid.is_some_and(|p| p == self.btrfs_uuid || self.former_uuids.contains(&p))
    }
}

/// Subvolumes, optionally only those of one server, optionally including the ones no
/// longer managed; by server, then path.
pub async fn subvolumes<'e>(
    exec: impl sqlx::PgExecutor<'e>,
    server: Option<ServerId>,
    include_unmanaged: bool,
) -> Result<Vec<SubvolumeView>, StoreError> {
    subvolumes_page(exec, server, include_unmanaged, None, None).await
}

/// Where a page of [`subvolumes_page`] starts: after this (server, path, id).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SubvolumeKey {
    pub server_id: ServerId,
    pub path: String,
    pub subvolume_id: SubvolumeId,
}

impl From<&SubvolumeView> for SubvolumeKey {
    fn from(v: &SubvolumeView) -> Self {
        Self {
            server_id: v.server_id,
            path: v.path.clone(),
            subvolume_id: v.subvolume_id,
        }
    }
}

/// [`subvolumes`] ordered by server, path and id: at most `limit` after `after`.
pub async fn subvolumes_page<'e>(
    exec: impl sqlx::PgExecutor<'e>,
    server: Option<ServerId>,
    include_unmanaged: bool,
    after: Option<&SubvolumeKey>,
    limit: Option<i64>,
) -> Result<Vec<SubvolumeView>, StoreError> {
    let of_server = super::condition(server.is_some(), "server_id = $1", "$1::uuid IS NULL");
    let cursor = super::condition(
        after.is_some(),
        "(server_id, path, subvolume_id) > ($3, $4, $5)",
        "$3::uuid IS NULL AND $4::text IS NULL AND $5::uuid IS NULL",
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM proj_subvolumes
          WHERE {of_server} AND (managed OR $2) AND {cursor}
          ORDER BY server_id, path, subvolume_id LIMIT $6"
    )))
    .bind(server.map(|s| s.as_uuid()))
    .bind(include_unmanaged)
    .bind(after.map(|k| k.server_id.as_uuid()))
    .bind(after.map(|k| k.path.as_str()))
    .bind(after.map(|k| k.subvolume_id.as_uuid()))
    .bind(limit)
    .fetch_all(exec)
    .await?;
    rows.iter().map(from_row).collect()
}

/// One subvolume, managed or not.
pub async fn subvolume<'e>(
    exec: impl sqlx::PgExecutor<'e>,
    id: SubvolumeId,
) -> Result<Option<SubvolumeView>, StoreError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM proj_subvolumes WHERE subvolume_id = $1"
    )))
    .bind(id.as_uuid())
    .fetch_optional(exec)
    .await?;
    row.as_ref().map(from_row).transpose()
}
