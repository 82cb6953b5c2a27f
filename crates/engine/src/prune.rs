//! Retention on the primary: the dry run ([`Engine::preview_retention`]) and pruning
//! ([`Engine::prune_subvolume`]).
//!
//! Both feed the pure planner (`domain::retention::plan`) with the subvolume's present
//! snapshots from the catalog: `managed` = created by dist-btrfs or adopted; `created_at`
//! = the recorded creation time, or (for a discovered snapshot whose btrfs creation
//! time was unknown) the time it was catalogued, which is never earlier than the real
//! one, so it can only make a snapshot look younger (kept longer), never older.
//!
//! **Replication.** [`replication_pins`] (the common base each target shares with the
//! primary, `proj_replication_pins`) and [`snapshots_being_sent`] (the snapshot and
//! parent of unfinished replications) are read inside the subvolume's locked
//! transaction; a replication records a send's start under the same lock after checking
//! that its snapshot and parent are still catalogued, so pruning cannot race it.
//!
//! **Pruning** deletes one snapshot per transaction, each holding the subvolume's
//! advisory lock and planning afresh with the assigned policy at `now` (so a send or a
//! snapshot that took the lock in between is seen), and commits each deletion's event
//! right after the deletion: a prune killed half-way has recorded every deletion it
//! finished, and running it again deletes only what remains. For each snapshot the
//! plan deletes (never one
//! it keeps; invariant 1 is the planner's, and an unmanaged snapshot is refused again
//! here) it deletes on disk through the engine's one delete path
//! (`snapshots::remove_from_disk`: path under the allowed roots, uuid matches the
//! catalog) and appends `SnapshotPruned { snapshot_id, subvolume_id, policy_id }`
//! (not `SnapshotDeleted`: the log tells a policy's delete from an operator's; the
//! catalog marks both `deleted`). A snapshot already gone from disk is recorded as
//! `SnapshotVanished`; btrfs refusing is `SnapshotDeleteFailed` and pruning goes on with
//! the others. If a commit fails (or the process dies between a deletion and its
//! commit), that one deletion happened but is unrecorded: the next prune or inventory
//! sync records it as vanished (disk and catalog agree again, and
//! nothing that should have been kept was touched).

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use domain::event::{SnapshotDeleteFailed, SnapshotPruned, SnapshotVanished};
use domain::retention::{Action, Decision, plan};
use domain::{DomainEvent, Pin, PolicyId, RetentionPolicy, SnapshotFacts, SnapshotId, SubvolumeId};
use sqlx::postgres::PgConnection;
use store::projections::{self, SnapshotState, SnapshotView};
use store::{AppendMeta, ExpectedVersion, events, locks};

use crate::snapshots::{Removal, remove_from_disk};
use crate::{Engine, EngineError};

/// One snapshot and the planner's verdict on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedSnapshot {
    pub snapshot: SnapshotView,
    pub decision: Decision,
}

/// What a prune did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PruneReport {
    pub policy_id: PolicyId,
    pub at: DateTime<Utc>,
    /// The plan it carried out, oldest first.
    pub planned: Vec<PlannedSnapshot>,
    /// Deleted from disk (recorded as `SnapshotPruned`).
    pub deleted: Vec<SnapshotId>,
    /// Already gone from disk (recorded as `SnapshotVanished`).
    pub vanished: Vec<SnapshotId>,
    /// Planned for deletion but not deleted, with the reason.
    pub failed: Vec<(SnapshotId, String)>,
}

/// The snapshots each target still shares with the primary (its incremental base, as
/// recorded by the last successful replication to it): retention keeps them.
async fn replication_pins(
    conn: &mut PgConnection,
    subvolume: SubvolumeId,
) -> Result<Vec<Pin>, EngineError> {
    let mut pins = Vec::new();
    for (target, snapshot) in projections::pins_of_subvolume(&mut *conn, subvolume).await? {
        pins.push(Pin {
            snapshot_id: snapshot.as_uuid(),
            target_name: pin_name(conn, target).await?,
        });
    }
    Ok(pins)
}

/// How a keep reason names a target whose base it pins: `server:directory` (its id when
/// either is no longer catalogued).
async fn pin_name(
    conn: &mut PgConnection,
    target: domain::TargetId,
) -> Result<String, EngineError> {
    match projections::target(&mut *conn, target).await? {
        Some(t) => name_of_target(conn, &t).await,
        None => Ok(target.to_string()),
    }
}

/// [`pin_name`] of a target already read.
pub(crate) async fn name_of_target(
    conn: &mut PgConnection,
    t: &projections::TargetView,
) -> Result<String, EngineError> {
    Ok(match projections::server(&mut *conn, t.server_id).await? {
        Some(server) => format!("{}:{}", server.name, t.directory),
        None => t.target_id.to_string(),
    })
}

/// Snapshots of the subvolume an unfinished replication will send or sends from.
async fn snapshots_being_sent(
    conn: &mut PgConnection,
    subvolume: SubvolumeId,
) -> Result<HashSet<SnapshotId>, EngineError> {
    Ok(projections::snapshots_in_flight(&mut *conn, subvolume)
        .await?
        .into_iter()
        .collect())
}

/// Plans retention for the subvolume's present snapshots, read through `conn`.
async fn plan_subvolume(
    conn: &mut PgConnection,
    subvolume: SubvolumeId,
    retention: &RetentionPolicy,
    at: DateTime<Utc>,
) -> Result<Vec<PlannedSnapshot>, EngineError> {
    let snapshots = projections::present_snapshots_of(&mut *conn, subvolume).await?;
    let pins = replication_pins(conn, subvolume).await?;
    let sending = snapshots_being_sent(conn, subvolume).await?;
    let facts: Vec<SnapshotFacts> = snapshots
        .iter()
        .map(|s| SnapshotFacts {
            id: s.snapshot_id.as_uuid(),
            created_at: s.created_at.unwrap_or(s.recorded_at),
            managed: s.managed,
            sending: sending.contains(&s.snapshot_id),
            held: s.held.is_some(),
        })
        .collect();
    let plan = plan(&facts, retention, &pins, at);
    let mut by_id: std::collections::HashMap<uuid::Uuid, SnapshotView> = snapshots
        .into_iter()
        .map(|s| (s.snapshot_id.as_uuid(), s))
        .collect();
    plan.decisions
        .into_iter()
        .map(|decision| {
            let snapshot = by_id.remove(&decision.snapshot_id).ok_or_else(|| {
                EngineError::Inconsistent(format!(
                    "planned unknown snapshot {}",
                    decision.snapshot_id
                ))
            })?;
            Ok(PlannedSnapshot { snapshot, decision })
        })
        .collect()
}

impl Engine {
    /// The retention plan of a subvolume under `retention` at `at`, changing nothing.
    #[tracing::instrument(skip_all, fields(subvolume = %subvolume), err(level = "debug", Display))]
    pub async fn preview_retention(
        &self,
        subvolume: SubvolumeId,
        retention: &RetentionPolicy,
        at: DateTime<Utc>,
    ) -> Result<Vec<PlannedSnapshot>, EngineError> {
        let mut conn = self.events.pool().acquire().await?;
        if projections::subvolume(&mut *conn, subvolume)
            .await?
            .is_none()
        {
            return Err(EngineError::NotFound(format!("no subvolume {subvolume}")));
        }
        plan_subvolume(&mut conn, subvolume, retention, at).await
    }

    /// The assigned policy of a subvolume and its retention plan at `now`, read in the
    /// caller's (locked) transaction.
    async fn plan_assigned(
        &self,
        conn: &mut PgConnection,
        subvolume: SubvolumeId,
        now: DateTime<Utc>,
    ) -> Result<(PolicyId, Vec<PlannedSnapshot>), EngineError> {
        let policy = projections::policy_of_subvolume(&mut *conn, subvolume)
            .await?
            .ok_or_else(|| {
                EngineError::Conflict(format!(
                    "subvolume {subvolume} follows no policy; assign one first"
                ))
            })?;
        let retention = domain::policy::parse_retention("retention", &policy.spec.retention)
            .map_err(|e| {
                EngineError::Inconsistent(format!(
                    "stored policy {} does not validate: {e}",
                    policy.policy_id
                ))
            })?;
        let planned = plan_subvolume(conn, subvolume, &retention, now).await?;
        Ok((policy.policy_id, planned))
    }

    /// Deletes, on the primary, what the assigned policy's retention does not keep at
    /// `now` (see the module docs).
    #[tracing::instrument(skip_all, fields(subvolume = %subvolume), err(level = "debug", Display))]
    pub async fn prune_subvolume(
        &self,
        subvolume: SubvolumeId,
        now: DateTime<Utc>,
        meta: &AppendMeta,
    ) -> Result<PruneReport, EngineError> {
        let mut report: Option<PruneReport> = None;
        // Snapshots this run already tried (deleted, vanished or failed): never twice.
        let mut attempted: HashSet<SnapshotId> = HashSet::new();
        loop {
            let mut tx = self.events.pool().begin().await?;
            locks::lock_subvolume(&mut tx, subvolume).await?;
            let t = self.target(&mut tx, subvolume).await?;
            let (policy_id, planned) = self.plan_assigned(&mut tx, subvolume, now).await?;
            let report = report.get_or_insert_with(|| PruneReport {
                policy_id,
                at: now,
                planned: planned.clone(),
                deleted: Vec::new(),
                vanished: Vec::new(),
                failed: Vec::new(),
            });
            let Some(p) = planned.iter().find(|p| {
                p.decision.action == Action::Delete && !attempted.contains(&p.snapshot.snapshot_id)
            }) else {
                tx.commit().await?;
                break;
            };
            let snap = &p.snapshot;
            let id = snap.snapshot_id;
            attempted.insert(id);
            // The planner keeps every unmanaged snapshot; refuse again, whatever it says.
            if !snap.managed || snap.state != SnapshotState::Present {
                tracing::error!(snapshot = %id, "planner chose an unmanaged or absent snapshot; skipped");
                report
                    .failed
                    .push((id, "not a present, managed snapshot; skipped".to_owned()));
                continue;
            }
            let event = match remove_from_disk(&t, snap).await {
                Ok(Removal::Deleted) => {
                    report.deleted.push(id);
                    DomainEvent::SnapshotPruned(SnapshotPruned {
                        snapshot_id: id,
                        subvolume_id: subvolume,
                        policy_id,
                    })
                }
                Ok(Removal::Vanished) => {
                    report.vanished.push(id);
                    DomainEvent::SnapshotVanished(SnapshotVanished {
                        snapshot_id: id,
                        subvolume_id: subvolume,
                    })
                }
                Ok(Removal::Failed(e)) => {
                    report.failed.push((id, e.to_string()));
                    DomainEvent::SnapshotDeleteFailed(SnapshotDeleteFailed {
                        snapshot_id: id,
                        subvolume_id: subvolume,
                        error: e.to_string(),
                    })
                }
                Err(e) => {
                    tracing::warn!(snapshot = %id, error = %e, "not pruned");
                    report.failed.push((id, e.to_string()));
                    continue;
                }
            };
            events::append_in(
                &mut tx,
                &subvolume.stream(),
                ExpectedVersion::Any,
                &[event],
                meta,
            )
            .await?;
            tx.commit().await?;
            if report.deleted.len() == 1 && report.deleted.first() == Some(&id) {
                crate::test_pause::pause_point(crate::test_pause::PRUNE_FIRST_DELETED).await;
            }
        }
        let report = report.ok_or_else(|| {
            EngineError::Inconsistent("pruning ended without planning".to_owned())
        })?;
        tracing::info!(
            deleted = report.deleted.len(),
            vanished = report.vanished.len(),
            failed = report.failed.len(),
            "pruned"
        );
        Ok(report)
    }
}
