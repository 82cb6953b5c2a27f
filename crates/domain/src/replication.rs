//! Replication: a target's options, the outcome rules of a run, and the payloads of the
//! target and replication events (re-exported from [`crate::event`]).
//!
//! # Design note
//!
//! - A **target** is (remote server, directory) attached to one managed subvolume, in
//!   its own stream `target-<id>`. The directory is a [`crate::ServerPath`] under the
//!   server's allowed roots (checked by the engine, which knows the roots).
//! - A **replication** is one request to bring one snapshot to some targets, in its own
//!   stream `replication-<id>`: requested → started → per target (started, progress,
//!   succeeded | failed, possibly several snapshots per target when the target asks
//!   for every missing one) → finished with an [`Outcome`] derived by [`outcome`].
//! - A success carries what the engine then *read back* from the target: the complete
//!   replicas there (the replica catalog of that target is replaced by this list) and
//!   the common base (the newest snapshot on both sides), which is the retention pin.
//! - Nothing here does I/O; which parent to send from is [`crate::lineage`]'s.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::ids::{PolicyId, ReplicationId, ServerId, SnapshotId, SubvolumeId, TargetId};
use crate::lineage::{IncompleteReason, IncrementalMode, MissingMode};

crate::text_enum! {
    /// Stream compression between the primary and a target.
    #[derive(Default)]
    pub enum Compression {
        #[default]
        None = "none",
        Zstd = "zstd",
    }
}

/// A target's settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TargetOptions {
    /// Never send a full stream: without a common base the target fails.
    pub strict_incremental: bool,
    /// Send every snapshot the target is missing, or only the requested one.
    pub missing: MissingMode,
    pub compression: Compression,
    /// Bytes per second written to this target; `None`: unlimited.
    pub rate_limit_bytes_per_sec: Option<u64>,
}

impl TargetOptions {
    /// The lineage mode for [`crate::lineage::choose_send`].
    pub fn incremental_mode(&self) -> IncrementalMode {
        if self.strict_incremental {
            IncrementalMode::Strict
        } else {
            IncrementalMode::Allow
        }
    }
}

crate::text_enum! {
    /// Whether retrying a failed target later may succeed.
    pub enum ErrorClass {
        Transient = "transient",
        Permanent = "permanent",
    }
}

impl ErrorClass {
    pub fn from_transient(transient: bool) -> Self {
        if transient {
            Self::Transient
        } else {
            Self::Permanent
        }
    }
}

crate::text_enum! {
    /// How a finished replication ended.
    pub enum Outcome {
        Succeeded = "succeeded",
        Failed = "failed",
        PartiallyFailed = "partially_failed",
    }
}

crate::text_enum! {
    /// Where a replication run is (`proj_replications.state`).
    pub enum RunState {
        Queued = "queued",
        Running = "running",
        Succeeded = "succeeded",
        PartiallyFailed = "partially_failed",
        Failed = "failed",
    }
}

impl RunState {
    /// Queued or running: a run that still has work (resumed after a crash).
    pub fn is_unfinished(self) -> bool {
        matches!(self, Self::Queued | Self::Running)
    }
}

impl From<Outcome> for RunState {
    fn from(o: Outcome) -> Self {
        match o {
            Outcome::Succeeded => Self::Succeeded,
            Outcome::Failed => Self::Failed,
            Outcome::PartiallyFailed => Self::PartiallyFailed,
        }
    }
}

crate::text_enum! {
    /// Where one target of a run is (`proj_replication_targets.state`).
    pub enum TargetState {
        Queued = "queued",
        Running = "running",
        Succeeded = "succeeded",
        Failed = "failed",
    }
}

impl TargetState {
    /// Queued or running: the run still owes this target a try.
    pub fn is_pending(self) -> bool {
        matches!(self, Self::Queued | Self::Running)
    }
}

/// The outcome of a run whose targets ended `succeeded` / `failed` times. No target at
/// all counts as failed (nothing was replicated).
pub fn outcome(succeeded: usize, failed: usize) -> Outcome {
    match (succeeded, failed) {
        (s, 0) if s > 0 => Outcome::Succeeded,
        (0, _) => Outcome::Failed,
        _ => Outcome::PartiallyFailed,
    }
}

/// A target was attached to a managed subvolume.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetAdded {
    pub target_id: TargetId,
    pub subvolume_id: SubvolumeId,
    pub server_id: ServerId,
    pub directory: String,
    pub options: TargetOptions,
}

/// A target's directory or options changed (the server and subvolume never do).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetUpdated {
    pub target_id: TargetId,
    pub directory: String,
    pub options: TargetOptions,
}

/// A target was detached. Nothing on the remote was touched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetRemoved {
    pub target_id: TargetId,
    pub subvolume_id: SubvolumeId,
}

/// Someone asked to replicate a snapshot to these targets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplicationRequested {
    pub replication_id: ReplicationId,
    pub subvolume_id: SubvolumeId,
    pub snapshot_id: SnapshotId,
    pub target_ids: Vec<TargetId>,
}

/// A runner took the replication up (again, after an interrupted run).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplicationStarted {
    pub replication_id: ReplicationId,
}

/// A send of `snapshot_id` (incremental from `parent_snapshot_id`, full without) to this
/// target started. Targets with the same `send_id` share one `btrfs send`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplicationTargetStarted {
    pub replication_id: ReplicationId,
    pub target_id: TargetId,
    pub snapshot_id: SnapshotId,
    pub parent_snapshot_id: Option<SnapshotId>,
    pub send_id: Uuid,
    /// How many targets the send feeds.
    pub group_size: u32,
    /// The expected stream size when known (the last comparable transfer's bytes).
    pub expected_bytes: Option<u64>,
    /// How the stream goes to this target (what the target asked for, unless falling
    /// back: see `compression_fallback`).
    #[serde(default)]
    pub compression: Compression,
    /// Why the target asked for compression but gets the raw stream (e.g. no `zstd` on
    /// the remote): a warning, the transfer goes on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compression_fallback: Option<String>,
    /// The stream is staged on the target (a resumable send): the byte it is written
    /// from (0: the start; more: a cut send resumed). `None`: straight into `btrfs
    /// receive`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staged_offset: Option<u64>,
}

/// Bytes written so far to one target of a send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetBytes {
    pub target_id: TargetId,
    pub bytes: u64,
}

/// Throttled progress of one send (at most one event per interval).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplicationProgress {
    pub replication_id: ReplicationId,
    pub send_id: Uuid,
    pub targets: Vec<TargetBytes>,
    /// Recent rate of the send, bytes per second.
    pub rate_bytes_per_sec: u64,
}

/// A complete replica on a target, as read back from it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Replica {
    pub snapshot_id: SnapshotId,
    pub path: String,
    /// The target subvolume's own uuid (its `received_uuid` is the snapshot's uuid).
    pub uuid: Uuid,
}

/// A snapshot arrived on a target, verified (read-only, `received_uuid` = source uuid).
/// `sent` is false when it was already there and nothing was streamed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplicationTargetSucceeded {
    pub replication_id: ReplicationId,
    pub target_id: TargetId,
    pub subvolume_id: SubvolumeId,
    pub snapshot_id: SnapshotId,
    pub parent_snapshot_id: Option<SnapshotId>,
    pub sent: bool,
    /// Bytes of the send stream.
    pub bytes: u64,
    /// Bytes written to the target (smaller than `bytes` when compressed); `None` in
    /// events recorded before compression existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wire_bytes: Option<u64>,
    pub duration_ms: u64,
    pub throughput_bytes_per_sec: u64,
    pub received_path: String,
    /// Every complete replica of the subvolume's snapshots on the target now.
    pub replicas: Vec<Replica>,
    /// The newest snapshot on both sides now: the retention pin of this target.
    pub common_base: Option<SnapshotId>,
}

/// A half-received subvolume was deleted from a target before a receive (invariant 2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplicaHalfReceivedDeleted {
    pub replication_id: ReplicationId,
    pub target_id: TargetId,
    pub path: String,
    pub reason: IncompleteReason,
}

/// The target failed in this run (it is not retried within the run).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplicationTargetFailed {
    pub replication_id: ReplicationId,
    pub target_id: TargetId,
    pub snapshot_id: Option<SnapshotId>,
    pub error: String,
    pub class: ErrorClass,
}

/// Every target ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplicationFinished {
    pub replication_id: ReplicationId,
    pub outcome: Outcome,
}

/// A finished run's failed targets go back to `queued` for another attempt (the
/// replicate job retrying transient failures; permanent ones are never retried). The
/// next run cleans what an earlier attempt half-received and sends only to them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplicationRetried {
    pub replication_id: ReplicationId,
    pub target_ids: Vec<TargetId>,
}

/// The policy's target retention deleted a replica on a target (in the target's stream).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplicaPruned {
    pub target_id: TargetId,
    pub subvolume_id: SubvolumeId,
    pub snapshot_id: SnapshotId,
    pub policy_id: PolicyId,
    pub path: String,
}

/// Target retention could not prune a target (unreachable, or btrfs refused a
/// deletion: then `snapshot_id` says which replica). Pruning of the primary and of
/// the other targets went on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplicaPruneFailed {
    pub target_id: TargetId,
    pub subvolume_id: SubvolumeId,
    pub snapshot_id: Option<SnapshotId>,
    pub error: String,
    pub class: ErrorClass,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes() {
        assert_eq!(outcome(3, 0), Outcome::Succeeded);
        assert_eq!(outcome(0, 2), Outcome::Failed);
        assert_eq!(outcome(0, 0), Outcome::Failed);
        assert_eq!(outcome(1, 1), Outcome::PartiallyFailed);
        assert_eq!(Outcome::PartiallyFailed.as_str(), "partially_failed");
    }

    #[test]
    fn options_default_and_serde() {
        let o = TargetOptions::default();
        assert!(!o.strict_incremental);
        assert_eq!(o.incremental_mode(), IncrementalMode::Allow);
        let strict = TargetOptions {
            strict_incremental: true,
            missing: MissingMode::AllMissing,
            compression: Compression::Zstd,
            rate_limit_bytes_per_sec: Some(5),
        };
        assert_eq!(strict.incremental_mode(), IncrementalMode::Strict);
        assert_eq!(
            serde_json::to_value(strict).unwrap(),
            serde_json::json!({"strict_incremental": true, "missing": "all_missing",
                               "compression": "zstd", "rate_limit_bytes_per_sec": 5})
        );
    }
}
