//! Restore and replica management: what a restore request is (its mode and source), the
//! states of a restore, and the events of restores, rollbacks, pre-restore holds,
//! replica deletion, downloads and verification.
//!
//! A restore lives in the stream `restore-<id>` (requested, started, progress,
//! succeeded / failed); what it changes in the catalog goes to the subvolume's stream
//! (`SubvolumeRolledBack`, `SnapshotHeld`, `SnapshotReleased`, `SnapshotRestored`), and
//! what it changes on a target to the target's (`ReplicaDeleted`, `ReplicaVerified`).
//!
//! Not here: doing any of it (the engine's `restore` module), or deciding who may (the
//! API's roles: restores and downloads are operator+).

use serde::{Deserialize, Serialize};

use crate::ids::{RestoreId, ServerId, SnapshotId, SubvolumeId, TargetId};
use crate::replication::ErrorClass;

crate::text_enum! {
    /// What a restore does with the snapshot.
    pub enum RestoreMode {
        /// A writable copy of the snapshot at a new path inside the allowed roots.
        NewSubvolume = "new_subvolume",
        /// The managed subvolume goes back to the snapshot; its state before is kept as
        /// a held read-only `pre-restore` snapshot.
        Rollback = "rollback",
        /// Chosen files or directories are copied from the snapshot into the live
        /// subvolume.
        Files = "files",
        /// The snapshot is brought back from a replica into the primary's snapshot
        /// directory (the primary lost it) and adopted into the catalog again.
        Snapshot = "snapshot",
        /// Not a restore: the replica on `replica_target_id` is checked against the
        /// snapshot (`ReplicaVerified`), as a job like the restores.
        Verify = "verify",
    }
}

crate::text_enum! {
    /// Where a restore is (`proj_restores.state`).
    pub enum RestoreState {
        Queued = "queued",
        Running = "running",
        Succeeded = "succeeded",
        Failed = "failed",
    }
}

impl RestoreState {
    /// Queued or running: a (re)started job still has work to do.
    pub fn is_unfinished(self) -> bool {
        matches!(self, Self::Queued | Self::Running)
    }
}

crate::text_enum! {
    /// Why a snapshot is held (never pruned automatically until released).
    pub enum HoldReason {
        /// The subvolume's state just before a rollback.
        PreRestore = "pre-restore",
    }
}

/// A restore was asked for (stream `restore-<id>`). `replica_target_id` is set when the
/// bytes come from that target's replica instead of the primary's snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RestoreRequested {
    pub restore_id: RestoreId,
    pub mode: RestoreMode,
    pub subvolume_id: SubvolumeId,
    pub snapshot_id: SnapshotId,
    pub replica_target_id: Option<TargetId>,
    /// The server written to.
    pub server_id: ServerId,
    /// `new_subvolume`: the new path; `rollback`, `files`: the subvolume's path;
    /// `snapshot`: the path the snapshot is received back at.
    pub destination: String,
    /// `files`: the paths inside the snapshot to copy (relative, canonical).
    pub paths: Vec<String>,
    /// `files`: replace existing files instead of keeping them beside the restored ones.
    pub overwrite: bool,
    /// `verify`: the percentage of files whose content digests are compared (1-100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sample_percent: Option<u8>,
}

/// A restore's job began (or began again after a restart: the steps are idempotent).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RestoreStarted {
    pub restore_id: RestoreId,
    pub attempt: u32,
}

/// Bytes moved so far by a restore that streams (from a replica, or copied files).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RestoreProgress {
    pub restore_id: RestoreId,
    pub bytes: u64,
    pub rate_bytes_per_sec: u64,
    pub expected_bytes: Option<u64>,
}

/// A restore finished. `result_path` is what it made (the new subvolume, the rolled
/// back subvolume, the directory files went to, the received snapshot).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RestoreSucceeded {
    pub restore_id: RestoreId,
    pub result_path: String,
    pub bytes: u64,
    /// A rollback's held snapshot of the state before.
    pub pre_restore_snapshot_id: Option<SnapshotId>,
    /// A restore from a replica that was sent incrementally: the parent on the
    /// receiving side.
    pub incremental_from: Option<SnapshotId>,
    /// `files`: how many files and directories were copied, and which were written
    /// beside an existing one (as `NAME.restored-<date>`).
    pub files_copied: u64,
    pub kept_beside: Vec<String>,
}

/// A restore gave up. Nothing it half-made is left behind (cleaned before this).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RestoreFailed {
    pub restore_id: RestoreId,
    pub error: String,
    pub class: ErrorClass,
}

/// The managed subvolume now is a writable copy of `snapshot_id` (stream of the
/// subvolume). Its btrfs uuid changed from `previous_uuid` to `new_uuid`; snapshots
/// made before keep belonging to it (their `parent_uuid` is a former uuid).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubvolumeRolledBack {
    pub subvolume_id: SubvolumeId,
    pub restore_id: RestoreId,
    pub snapshot_id: SnapshotId,
    pub previous_uuid: uuid::Uuid,
    pub new_uuid: uuid::Uuid,
    pub new_btrfs_id: u64,
    /// The held snapshot of the state before; `None` when the subvolume was gone (its
    /// filesystem lost): then it is recreated and there was nothing to keep.
    pub pre_restore_snapshot_id: Option<SnapshotId>,
}

/// A snapshot is held: retention never deletes it until [`SnapshotReleased`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotHeld {
    pub subvolume_id: SubvolumeId,
    pub snapshot_id: SnapshotId,
    pub reason: HoldReason,
    pub restore_id: Option<RestoreId>,
}

/// An operator released a held snapshot; retention treats it as any other again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotReleased {
    pub subvolume_id: SubvolumeId,
    pub snapshot_id: SnapshotId,
}

/// A snapshot the primary had lost is back on disk, received from a replica (stream of
/// the subvolume). `uuid` is the new subvolume's own; its `received_uuid` is the
/// snapshot's original uuid, which stays the catalog's identity of the snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotRestored {
    pub subvolume_id: SubvolumeId,
    pub snapshot_id: SnapshotId,
    pub restore_id: RestoreId,
    pub path: String,
    pub uuid: uuid::Uuid,
    pub btrfs_id: u64,
}

/// An operator deleted a replica on a target (stream of the target). `forced`: it was
/// the target's common base, and the operator said so.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplicaDeleted {
    pub target_id: TargetId,
    pub subvolume_id: SubvolumeId,
    pub snapshot_id: SnapshotId,
    pub path: String,
    pub forced: bool,
}

/// Someone downloaded a file of a snapshot (from the primary, or from the replica on
/// `target_id`). Stream of the subvolume.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileDownloaded {
    pub subvolume_id: SubvolumeId,
    pub snapshot_id: SnapshotId,
    pub target_id: Option<TargetId>,
    pub path: String,
    pub size: u64,
}

/// A replica was checked against its source snapshot (stream of the target).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplicaVerified {
    pub target_id: TargetId,
    pub subvolume_id: SubvolumeId,
    pub snapshot_id: SnapshotId,
    pub restore_id: RestoreId,
    /// True when the `received_uuid`, the read-only flag and every digest compared agree.
    pub ok: bool,
    pub files_compared: u64,
    pub sample_percent: u8,
    /// The first differences found (paths, or `received_uuid`/`readonly`), at most 20.
    pub mismatches: Vec<String>,
}
