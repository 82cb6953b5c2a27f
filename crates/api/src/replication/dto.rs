//! The replication API's bodies: targets, replicas, runs and their per-target
//! results, as the projections hold them, in the shape the OpenAPI document gives.

use chrono::{DateTime, Utc};
use domain::SnapshotId;
use domain::lineage::MissingMode;
use domain::replication::Compression as DomainCompression;
use poem_openapi::types::MaybeUndefined;
use poem_openapi::{Enum, Object};
use serde::Serialize;
use store::projections::{self, ReplicaView, ReplicationTargetView, ReplicationView, TargetView};
use uuid::Uuid;

/// Which snapshots a target receives.
#[derive(Debug, Clone, Copy, Enum, Serialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum Missing {
    /// Only the snapshot being replicated.
    NewestOnly,
    /// Every snapshot the target lacks since its newest common one, oldest first.
    SendAll,
}

impl From<Missing> for MissingMode {
    fn from(m: Missing) -> Self {
        match m {
            Missing::NewestOnly => Self::NewestOnly,
            Missing::SendAll => Self::AllMissing,
        }
    }
}

impl From<MissingMode> for Missing {
    fn from(m: MissingMode) -> Self {
        match m {
            MissingMode::NewestOnly => Self::NewestOnly,
            MissingMode::AllMissing => Self::SendAll,
        }
    }
}

/// Stream compression: `zstd` compresses the stream on the primary and decompresses it
/// on the target (`zstd` needed there; without it the stream goes uncompressed, with a
/// warning recorded in the run).
#[derive(Debug, Clone, Copy, Enum, Serialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum Compression {
    None,
    Zstd,
}

impl From<Compression> for DomainCompression {
    fn from(c: Compression) -> Self {
        match c {
            Compression::None => Self::None,
            Compression::Zstd => Self::Zstd,
        }
    }
}

impl From<DomainCompression> for Compression {
    fn from(c: DomainCompression) -> Self {
        match c {
            DomainCompression::None => Self::None,
            DomainCompression::Zstd => Self::Zstd,
        }
    }
}

/// A replication target.
#[derive(Debug, Object, Serialize)]
pub struct Target {
    pub id: Uuid,
    pub subvolume_id: Uuid,
    /// The remote server (SSH).
    pub server_id: Uuid,
    /// Where snapshots are received, on the server.
    pub directory: String,
    /// Never send a full stream: fail when there is no common base.
    pub strict_incremental: bool,
    pub missing: Missing,
    pub compression: Compression,
    /// Bytes per second; absent: unlimited.
    pub rate_limit_bytes_per_sec: Option<u64>,
    /// The newest snapshot on both sides after the last success: retention on the
    /// primary keeps it.
    pub common_base_snapshot_id: Option<Uuid>,
    #[serde(serialize_with = "crate::openapi_serde::rfc3339")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "crate::openapi_serde::rfc3339")]
    pub updated_at: DateTime<Utc>,
}

pub(super) fn target(v: TargetView, pin: Option<SnapshotId>) -> Target {
    Target {
        id: v.target_id.as_uuid(),
        subvolume_id: v.subvolume_id.as_uuid(),
        server_id: v.server_id.as_uuid(),
        directory: v.directory,
        strict_incremental: v.options.strict_incremental,
        missing: v.options.missing.into(),
        compression: v.options.compression.into(),
        rate_limit_bytes_per_sec: v.options.rate_limit_bytes_per_sec,
        common_base_snapshot_id: pin.map(|p| p.as_uuid()),
        created_at: v.created_at,
        updated_at: v.updated_at,
    }
}

pub(super) async fn with_pin(
    pool: &sqlx::PgPool,
    v: TargetView,
) -> Result<Target, store::StoreError> {
    let pin = projections::pin_of_target(pool, v.target_id).await?;
    Ok(target(v, pin))
}

/// A new target.
#[derive(Debug, Object)]
pub struct NewTarget {
    /// A registered SSH server other than the subvolume's own.
    pub server_id: Uuid,
    /// Absolute path under one of the server's allowed roots; must exist there.
    pub directory: String,
    /// Default false.
    pub strict_incremental: Option<bool>,
    /// Default `newest_only`.
    pub missing: Option<Missing>,
    /// Default `none`.
    pub compression: Option<Compression>,
    /// Bytes per second, at least 1; absent: unlimited.
    pub rate_limit_bytes_per_sec: Option<u64>,
}

/// Changes to a target; absent fields keep their value.
#[derive(Debug, Object)]
pub struct TargetPatch {
    pub directory: Option<String>,
    pub strict_incremental: Option<bool>,
    pub missing: Option<Missing>,
    pub compression: Option<Compression>,
    /// `null` removes the limit.
    pub rate_limit_bytes_per_sec: MaybeUndefined<u64>,
}

/// A complete copy of a snapshot on a target, as last read back from it.
#[derive(Debug, Object)]
pub struct Replica {
    /// The replica's stable id (the same for one snapshot on one target, always).
    pub id: Uuid,
    pub target_id: Uuid,
    pub snapshot_id: Uuid,
    pub path: String,
    /// The received subvolume's own uuid.
    pub uuid: Uuid,
    pub recorded_at: DateTime<Utc>,
    /// The last verification against the source snapshot, if any.
    pub verification: Option<Verification>,
}

/// The result of checking a replica against its source snapshot.
#[derive(Debug, Object)]
pub struct Verification {
    pub ok: bool,
    pub files_compared: u64,
    pub sample_percent: u8,
    /// The first differences found.
    pub mismatches: Vec<String>,
    pub verified_at: DateTime<Utc>,
}

impl From<ReplicaView> for Replica {
    fn from(v: ReplicaView) -> Self {
        Self {
            id: v.replica_id.as_uuid(),
            verification: v.verification.map(|c| Verification {
                ok: c.ok,
                files_compared: c.files_compared,
                sample_percent: c.sample_percent,
                mismatches: c.mismatches,
                verified_at: c.verified_at,
            }),
            target_id: v.target_id.as_uuid(),
            snapshot_id: v.snapshot_id.as_uuid(),
            path: v.path,
            uuid: v.uuid,
            recorded_at: v.recorded_at,
        }
    }
}

/// Where a replication stands.
#[derive(Debug, Clone, Copy, Enum, Serialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum ReplicationState {
    Queued,
    Running,
    Succeeded,
    Failed,
    PartiallyFailed,
}

/// Where one target of a replication stands.
#[derive(Debug, Clone, Copy, Enum, Serialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum TargetState {
    Queued,
    Running,
    Succeeded,
    Failed,
}

/// Full or incremental, or no send at all: the target already held the snapshot.
#[derive(Debug, Clone, Copy, Enum, Serialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum SendKind {
    Full,
    Incremental,
    /// The run found the snapshot on the target and sent nothing (a no-op: it does not
    /// count as a transfer in the health figures).
    AlreadyPresent,
}

/// Whether retrying may help.
#[derive(Debug, Clone, Copy, Enum, Serialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum ErrorClass {
    Transient,
    Permanent,
}

impl From<domain::replication::RunState> for ReplicationState {
    fn from(s: domain::replication::RunState) -> Self {
        use domain::replication::RunState as S;
        match s {
            S::Queued => Self::Queued,
            S::Running => Self::Running,
            S::Succeeded => Self::Succeeded,
            S::PartiallyFailed => Self::PartiallyFailed,
            S::Failed => Self::Failed,
        }
    }
}

impl From<domain::replication::TargetState> for TargetState {
    fn from(s: domain::replication::TargetState) -> Self {
        use domain::replication::TargetState as S;
        match s {
            S::Queued => Self::Queued,
            S::Running => Self::Running,
            S::Succeeded => Self::Succeeded,
            S::Failed => Self::Failed,
        }
    }
}

impl From<domain::replication::ErrorClass> for ErrorClass {
    fn from(c: domain::replication::ErrorClass) -> Self {
        use domain::replication::ErrorClass as C;
        match c {
            C::Transient => Self::Transient,
            C::Permanent => Self::Permanent,
        }
    }
}

/// One target of a replication.
#[derive(Debug, Object, Serialize)]
pub struct ReplicationTarget {
    pub target_id: Uuid,
    pub state: TargetState,
    /// The snapshot being sent (or last sent); with `send_all` older ones pass first.
    pub snapshot_id: Option<Uuid>,
    /// The parent of the current send (absent: full send).
    pub parent_snapshot_id: Option<Uuid>,
    pub kind: Option<SendKind>,
    /// Targets with the same send id were fed by one `btrfs send`.
    pub send_id: Option<Uuid>,
    pub group_size: Option<i32>,
    /// Bytes of the current send's stream delivered to this target (counted before
    /// compression; see `wire_bytes`).
    pub bytes: u64,
    /// Bytes of every finished send of this run to this target.
    pub bytes_total: u64,
    pub snapshots_sent: i32,
    /// Estimated size of the current send: the bytes of the newest successful send of the
    /// same kind of this subvolume.
    pub expected_bytes: Option<u64>,
    /// How the current send goes to the target.
    pub compression: Option<Compression>,
    /// Why a target set to zstd gets the uncompressed stream (a warning: e.g. no `zstd`
    /// on the target's server).
    pub compression_warning: Option<String>,
    /// Bytes of the last finished send that reached the target: smaller than the
    /// stream's `bytes` when compressed.
    pub wire_bytes: Option<u64>,
    pub rate_bytes_per_sec: Option<u64>,
    /// Seconds left at the current rate, when the size estimate is known and not yet
    /// reached.
    pub eta_seconds: Option<u64>,
    #[serde(serialize_with = "crate::openapi_serde::rfc3339_opt")]
    pub started_at: Option<DateTime<Utc>>,
    #[serde(serialize_with = "crate::openapi_serde::rfc3339_opt")]
    pub finished_at: Option<DateTime<Utc>>,
    pub duration_ms: Option<u64>,
    pub received_path: Option<String>,
    pub error: Option<String>,
    pub error_class: Option<ErrorClass>,
    #[serde(serialize_with = "crate::openapi_serde::rfc3339")]
    pub updated_at: DateTime<Utc>,
}

pub(super) fn replication_target(v: ReplicationTargetView) -> ReplicationTarget {
    let running = v.state == domain::replication::TargetState::Running;
    let eta_seconds = match (running, v.expected_bytes, v.rate_bytes_per_sec) {
        (true, Some(total), Some(rate)) if rate > 0 && total > v.bytes => {
            Some((total - v.bytes) / rate)
        }
        _ => None,
    };
    ReplicationTarget {
        target_id: v.target_id.as_uuid(),
        state: v.state.into(),
        snapshot_id: v.snapshot_id.map(|s| s.as_uuid()),
        parent_snapshot_id: v.parent_snapshot_id.map(|s| s.as_uuid()),
        kind: v.snapshot_id.map(|_| {
            let succeeded = v.state == domain::replication::TargetState::Succeeded;
            match v.parent_snapshot_id {
                _ if succeeded && v.snapshots_sent == 0 => SendKind::AlreadyPresent,
                Some(_) => SendKind::Incremental,
                None => SendKind::Full,
            }
        }),
        send_id: v.send_id,
        group_size: v.group_size,
        bytes: v.bytes,
        bytes_total: v.bytes_total,
        snapshots_sent: v.snapshots_sent,
        expected_bytes: v.expected_bytes,
        compression: v.compression.map(Compression::from),
        compression_warning: v.compression_fallback,
        wire_bytes: v.wire_bytes,
        rate_bytes_per_sec: v.rate_bytes_per_sec,
        eta_seconds,
        started_at: v.started_at,
        finished_at: v.finished_at,
        duration_ms: v.duration_ms,
        received_path: v.received_path,
        error: v.error,
        error_class: v.error_class.map(ErrorClass::from),
        updated_at: v.updated_at,
    }
}

/// A replication: one snapshot to some targets.
#[derive(Debug, Object, Serialize)]
pub struct Replication {
    pub id: Uuid,
    pub subvolume_id: Uuid,
    pub snapshot_id: Uuid,
    pub state: ReplicationState,
    /// The actor who asked (`user:<name>`, `token:<id>`, `system`).
    pub requested_by: String,
    #[serde(serialize_with = "crate::openapi_serde::rfc3339")]
    pub requested_at: DateTime<Utc>,
    #[serde(serialize_with = "crate::openapi_serde::rfc3339_opt")]
    pub started_at: Option<DateTime<Utc>>,
    #[serde(serialize_with = "crate::openapi_serde::rfc3339_opt")]
    pub finished_at: Option<DateTime<Utc>>,
    pub targets: Vec<ReplicationTarget>,
}

pub(super) async fn replication(
    pool: &sqlx::PgPool,
    v: ReplicationView,
) -> Result<Replication, store::StoreError> {
    let rows = projections::replication_targets(pool, v.replication_id).await?;
    Ok(replication_with(v, rows))
}

/// A run with its targets' rows (read by the caller, one query for a whole list).
pub(super) fn replication_with(
    v: ReplicationView,
    rows: Vec<ReplicationTargetView>,
) -> Replication {
    Replication {
        id: v.replication_id.as_uuid(),
        subvolume_id: v.subvolume_id.as_uuid(),
        snapshot_id: v.snapshot_id.as_uuid(),
        state: v.state.into(),
        requested_by: v.requested_by,
        requested_at: v.requested_at,
        started_at: v.started_at,
        finished_at: v.finished_at,
        targets: rows.into_iter().map(replication_target).collect(),
    }
}

/// A replication request.
#[derive(Debug, Object)]
pub struct NewReplication {
    pub snapshot_id: Uuid,
    /// Targets of the snapshot's subvolume; absent: all of them.
    pub target_ids: Option<Vec<Uuid>>,
}

/// What a replication would do on one target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum PlannedSend {
    /// The target holds the snapshot: nothing would be sent.
    AlreadyPresent,
    Full,
    Incremental,
    /// It cannot get the snapshot (`reason` says why, e.g. strict incremental).
    Refused,
    /// The target could not be read now (`reason`).
    Unreadable,
}

/// One target's part of a replication preview.
#[derive(Debug, Object)]
pub struct TargetPreview {
    pub target_id: Uuid,
    pub plan: PlannedSend,
    /// The snapshot the first send would carry (with send-all-missing an older one may
    /// go first).
    pub snapshot_id: Option<Uuid>,
    pub parent_snapshot_id: Option<Uuid>,
    /// About how many bytes that send is (from `btrfs send --no-data`).
    pub estimated_bytes: Option<u64>,
    pub reason: Option<String>,
}

impl From<engine::replication::preview::TargetPreview> for TargetPreview {
    fn from(p: engine::replication::preview::TargetPreview) -> Self {
        use engine::replication::preview::TargetPlan as P;
        let blank = |plan, reason| Self {
            target_id: p.target_id.as_uuid(),
            plan,
            snapshot_id: None,
            parent_snapshot_id: None,
            estimated_bytes: None,
            reason,
        };
        match p.plan {
            P::AlreadyPresent => blank(PlannedSend::AlreadyPresent, None),
            P::Refused(why) => blank(PlannedSend::Refused, Some(why)),
            P::Unreadable(why) => blank(PlannedSend::Unreadable, Some(why)),
            P::Send {
                snapshot,
                parent,
                estimated_bytes,
            } => Self {
                snapshot_id: Some(snapshot.as_uuid()),
                parent_snapshot_id: parent.map(|s| s.as_uuid()),
                estimated_bytes,
                ..blank(
                    if parent.is_some() {
                        PlannedSend::Incremental
                    } else {
                        PlannedSend::Full
                    },
                    None,
                )
            },
        }
    }
}
