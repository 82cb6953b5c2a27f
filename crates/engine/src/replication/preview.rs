//! What replicating a snapshot would do, target by target, without doing it
//! ([`Engine::preview_replication`]): the same reads as a run (the primary's disk, each
//! target directory) and the same planner, then, per send, the size estimated from a
//! metadata-only `btrfs send --no-data`. For the "Replicate" dialog: the operator sees
//! which targets already hold the snapshot, which get a full or an incremental send and
//! about how many bytes, and which cannot get it and why. Nothing is recorded.

use std::collections::HashMap;

use domain::{SnapshotId, TargetId};
use store::projections::{self, SnapshotState};
use uuid::Uuid;

use super::plan::{self, Next, PendingTarget};
use super::{Primary, ZstdProbes, driver::list_dir, lineage_of};
use crate::{Engine, EngineError, abs, recorded_path};

/// What a replication of the snapshot would do on one target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetPlan {
    /// The target holds the snapshot: nothing would be sent.
    AlreadyPresent,
    /// A send of `snapshot` (the requested one, or with send-all-missing an older one
    /// first) from `parent` (`None`: full), of about `estimated_bytes`.
    Send {
        snapshot: SnapshotId,
        parent: Option<SnapshotId>,
        estimated_bytes: Option<u64>,
    },
    /// It cannot get the snapshot (strict incremental without a base, ...).
    Refused(String),
    /// The target could not be read now (unreachable, directory gone).
    Unreadable(String),
}

/// One target's preview.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetPreview {
    pub target_id: TargetId,
    pub plan: TargetPlan,
}

impl Engine {
    /// The plan of replicating `snapshot` to each of its subvolume's targets (module docs).
    #[tracing::instrument(skip_all, fields(snapshot = %snapshot), err(level = "debug", Display))]
    pub async fn preview_replication(
        &self,
        snapshot: SnapshotId,
    ) -> Result<Vec<TargetPreview>, EngineError> {
        let pool = self.events.pool();
        let snap = projections::snapshot_by_id(pool, snapshot)
            .await?
            .ok_or_else(|| EngineError::NotFound(format!("no snapshot {snapshot}")))?;
        if snap.state != SnapshotState::Present {
            return Err(EngineError::Conflict(format!(
                "snapshot {snapshot} is not on the primary any more"
            )));
        }
        let primary = self.read_primary(snap.subvolume_id).await?;
        let upto = primary.snapshots.get(&snap.uuid).cloned().ok_or_else(|| {
            EngineError::Conflict(format!("snapshot {snapshot} is not on the primary's disk"))
        })?;
        let lineage = primary.lineage();
        let mut probes = ZstdProbes::new();
        let mut estimates: HashMap<(Uuid, Option<Uuid>), Option<u64>> = HashMap::new();
        let mut out = Vec::new();
        for view in projections::targets(pool, Some(snap.subvolume_id)).await? {
            let tid = view.target_id;
            let listing = match self.open_target(tid, &mut probes).await {
                Ok(t) => list_dir(&t).await.map_err(|e| e.to_string()),
                Err(f) => Err(f.error),
            };
            let listing = match listing {
                Ok(l) => l,
                Err(e) => {
                    out.push(TargetPreview {
                        target_id: tid,
                        plan: TargetPlan::Unreadable(e),
                    });
                    continue;
                }
            };
            let received: Vec<_> = listing.iter().map(|d| d.received).collect();
            let had_replicas = !projections::replicas_of_target(pool, tid).await?.is_empty();
            let pending = PendingTarget {
                target: tid,
                received: &received,
                options: &view.options,
                had_replicas,
                // The preview does not read staging directories: it shows the send of
                // the snapshot itself (a run may finish a cut older send first).
                staged: &[],
            };
            let plan = match plan::next_for(&lineage_of(&upto), &lineage, &pending) {
                Next::Done => TargetPlan::AlreadyPresent,
                Next::Fail(why) => TargetPlan::Refused(why),
                Next::Send { snapshot, parent } => {
                    let estimated_bytes = match estimates.get(&(snapshot, parent)) {
                        Some(e) => *e,
                        None => {
                            let e = self.estimate(&primary, snapshot, parent).await;
                            estimates.insert((snapshot, parent), e);
                            e
                        }
                    };
                    let id = |u: Uuid| primary.snapshots.get(&u).map(|s| s.snapshot_id);
                    match id(snapshot) {
                        Some(snapshot) => TargetPlan::Send {
                            snapshot,
                            parent: parent.and_then(id),
                            estimated_bytes,
                        },
                        None => TargetPlan::Refused("the snapshot to send is gone".into()),
                    }
                }
            };
            out.push(TargetPreview {
                target_id: tid,
                plan,
            });
        }
        Ok(out)
    }

    /// The estimated bytes of sending `snapshot` from `parent` (primary uuids), or `None`
    /// when the estimate failed (logged).
    async fn estimate(
        &self,
        primary: &Primary,
        snapshot: Uuid,
        parent: Option<Uuid>,
    ) -> Option<u64> {
        let path = |u: Uuid| -> Result<_, EngineError> {
            let s = primary.snapshots.get(&u).ok_or_else(|| {
                EngineError::Inconsistent(format!("snapshot uuid {u} is not on the primary"))
            })?;
            abs(&recorded_path(&s.path)?)
        };
        let estimate = async {
            let parent_path = parent.map(path).transpose()?;
            Ok::<_, EngineError>(
                primary
                    .btrfs
                    .estimate_send(&path(snapshot)?, parent_path.as_ref())
                    .await?,
            )
        };
        match estimate.await {
            Ok(bytes) => Some(bytes),
            Err(e) => {
                tracing::warn!(error = %e, "estimating a send for the preview failed");
                None
            }
        }
    }
}
