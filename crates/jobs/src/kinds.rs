//! The job kinds: their arguments (stored as JSON in `apalis.jobs.job`), queue names
//! (`apalis.jobs.job_type`) and idempotency keys. Each job is a thin wrapper over an
//! [`engine::Engine`] method; what it does is in `worker`.

use chrono::{DateTime, Utc};
use domain::{DeliveryId, PolicyId, ReplicationId, RestoreId, SubvolumeId};
use serde::{Deserialize, Serialize};

/// Queue of [`SnapshotJob`]s.
pub const SNAPSHOT_QUEUE: &str = "dist-btrfs.snapshot";
/// Queue of [`PruneJob`]s.
pub const PRUNE_QUEUE: &str = "dist-btrfs.prune";
/// Queue of [`SyncJob`]s.
pub const SYNC_QUEUE: &str = "dist-btrfs.sync";
/// Queue of [`ReplicateJob`]s.
pub const REPLICATE_QUEUE: &str = "dist-btrfs.replicate";
/// Queue of [`RestoreJob`]s.
pub const RESTORE_QUEUE: &str = "dist-btrfs.restore";
/// Queue of [`NotifyJob`]s.
pub const NOTIFY_QUEUE: &str = "dist-btrfs.notify";

/// The kinds of job, as named in keys, logs and `JobFailed` events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobKind {
    Snapshot,
    Prune,
    Sync,
    Replicate,
    Restore,
    Notify,
}

impl JobKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Snapshot => "snapshot",
            Self::Prune => "prune",
            Self::Sync => "sync",
            Self::Replicate => "replicate",
            Self::Restore => "restore",
            Self::Notify => "notify",
        }
    }
}

/// A job's identity: its kind, idempotency key and subvolume (if about one).
pub trait JobSpec {
    const KIND: JobKind;
    const QUEUE: &'static str;
    /// The idempotency key: at most one job with this key is ever enqueued.
    fn key(&self) -> String;
    fn subvolume(&self) -> Option<SubvolumeId>;
}

/// The snapshot of one scheduled slot of a policy for a subvolume.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotJob {
    pub policy_id: PolicyId,
    pub subvolume_id: SubvolumeId,
    pub slot: DateTime<Utc>,
}

impl JobSpec for SnapshotJob {
    const KIND: JobKind = JobKind::Snapshot;
    const QUEUE: &'static str = SNAPSHOT_QUEUE;
    fn key(&self) -> String {
        format!(
            "snapshot:{}:{}:{}",
            self.policy_id,
            self.subvolume_id,
            domain::Slot::from_instant(self.slot)
        )
    }
    fn subvolume(&self) -> Option<SubvolumeId> {
        Some(self.subvolume_id)
    }
}

/// Retention of one subvolume on the primary under its assigned policy. `after_slot`
/// is the snapshot slot that triggered it (part of the key: one prune per slot).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PruneJob {
    pub subvolume_id: SubvolumeId,
    pub after_slot: DateTime<Utc>,
}

impl JobSpec for PruneJob {
    const KIND: JobKind = JobKind::Prune;
    const QUEUE: &'static str = PRUNE_QUEUE;
    fn key(&self) -> String {
        format!(
            "prune:{}:{}",
            self.subvolume_id,
            domain::Slot::from_instant(self.after_slot)
        )
    }
    fn subvolume(&self) -> Option<SubvolumeId> {
        Some(self.subvolume_id)
    }
}

/// Inventory sync: one subvolume, or every managed subvolume (`None`). `period` is the
/// start of the sync interval it is for (part of the key: one sync per period).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncJob {
    pub subvolume_id: Option<SubvolumeId>,
    pub period: DateTime<Utc>,
}

impl JobSpec for SyncJob {
    const KIND: JobKind = JobKind::Sync;
    const QUEUE: &'static str = SYNC_QUEUE;
    fn key(&self) -> String {
        let scope = match self.subvolume_id {
            Some(id) => id.to_string(),
            None => "all".to_owned(),
        };
        format!("sync:{scope}:{}", domain::Slot::from_instant(self.period))
    }
    fn subvolume(&self) -> Option<SubvolumeId> {
        self.subvolume_id
    }
}

/// One replication run (requested by "replicate after snapshot" or through the API),
/// carried out by `Engine::run_replication`; retried while targets fail transiently.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplicateJob {
    pub replication_id: ReplicationId,
    pub subvolume_id: SubvolumeId,
}

impl JobSpec for ReplicateJob {
    const KIND: JobKind = JobKind::Replicate;
    const QUEUE: &'static str = REPLICATE_QUEUE;
    fn key(&self) -> String {
        format!("replicate:{}", self.replication_id)
    }
    fn subvolume(&self) -> Option<SubvolumeId> {
        Some(self.subvolume_id)
    }
}

/// One restore, carried out by `Engine::run_restore` (idempotent: a finished restore is
/// left alone, an interrupted one continues from what is on disk).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RestoreJob {
    pub restore_id: RestoreId,
    pub subvolume_id: SubvolumeId,
}

impl JobSpec for RestoreJob {
    const KIND: JobKind = JobKind::Restore;
    const QUEUE: &'static str = RESTORE_QUEUE;
    fn key(&self) -> String {
        format!("restore:{}", self.restore_id)
    }
    fn subvolume(&self) -> Option<SubvolumeId> {
        Some(self.subvolume_id)
    }
}

/// The delivery of one queued notification, carried out by
/// `engine::notify::Notifier::deliver`; retried while it fails transiently.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotifyJob {
    pub delivery_id: DeliveryId,
}

impl JobSpec for NotifyJob {
    const KIND: JobKind = JobKind::Notify;
    const QUEUE: &'static str = NOTIFY_QUEUE;
    fn key(&self) -> String {
        format!("notify:{}", self.delivery_id)
    }
    fn subvolume(&self) -> Option<SubvolumeId> {
        None
    }
}
