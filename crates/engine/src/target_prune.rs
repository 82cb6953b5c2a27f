//! Retention on the replication targets ([`Engine::prune_targets`]): the policy's
//! `target_retention` applied to the replicas in each target directory of a subvolume.
//!
//! Per target, serialized with replication runs of the subvolume (the same session
//! advisory lock as `run_replication`, so no receive into that directory and no send
//! from a parent there is in progress):
//! 1. the directory is read from disk (`btrfs subvolume list`, one level, as a run
//!    does); only *complete* replicas whose `received_uuid` is one of this subvolume's
//!    catalogued snapshots take part: anything else there (foreign subvolumes,
//!    half-received ones, which are the replication's to clean) is never planned,
//!    hence never deleted;
//! 2. the same pure planner as the primary (`domain::retention::plan`) decides, with
//!    the replica's snapshot's creation time and managed flag, pinned by the target's
//!    common base (`proj_replication_pins`) and by every snapshot an unfinished run of
//!    the subvolume sends or sends from; the planner always keeps the newest replica;
//! 3. each replica it deletes is deleted on the target (`btrfs subvolume delete`
//!    through the engine's host, with sudo as configured for the server) and recorded
//!    as `ReplicaPruned` in the target's stream (which removes it from `proj_replicas`).
//!
//! A target that cannot be read (unreachable, directory gone) or a deletion btrfs
//! refuses is recorded as `ReplicaPruneFailed` (transient / permanent) and pruning goes
//! on with the other targets: one bad target never stops the rest (issue 6, point 5).
//! [`Engine::preview_target_retention`] plans the same way over the catalogued replicas
//! (what the dashboard shows as the next prune), reading no server.
//!
//! Nothing here touches the primary; [`Engine::prune_subvolume`] does that.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use domain::lineage::{self, ReceivedState};
use domain::replication::{ErrorClass, ReplicaPruneFailed, ReplicaPruned};
use domain::retention::{Action, Decision, plan};
use domain::{DomainEvent, Pin, PolicyId, SnapshotFacts, SnapshotId, SubvolumeId, TargetId};
use store::projections::{self, ReplicaView, SnapshotView, TargetView};
use store::{AppendMeta, ExpectedVersion};
use uuid::Uuid;

use crate::replication::{InDir, TargetRun, ZstdProbes, list_dir};
use crate::{Engine, EngineError, abs};

/// What pruning did on one target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetPruneReport {
    pub target_id: TargetId,
    /// The plan over the target's replicas, oldest first (empty when the target could
    /// not be read).
    pub planned: Vec<Decision>,
    /// Replicas deleted: (snapshot, path on the target).
    pub deleted: Vec<(SnapshotId, String)>,
    /// Failures: the replica's snapshot (`None`: the whole target) and the error.
    pub failed: Vec<(Option<SnapshotId>, String)>,
}

impl TargetPruneReport {
    fn new(target_id: TargetId) -> Self {
        Self {
            target_id,
            planned: Vec::new(),
            deleted: Vec::new(),
            failed: Vec::new(),
        }
    }
}

/// A replica of one of our snapshots in a target directory.
struct OurReplica<'a> {
    snapshot: &'a SnapshotView,
    entry: &'a InDir,
}

/// A catalogued replica and the planner's verdict on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedReplica {
    pub replica: ReplicaView,
    pub snapshot: SnapshotView,
    pub decision: Decision,
    /// The target's incremental base (kept by the plan, and shown as such even when
    /// there is no retention to plan with).
    pub pinned_as_base: bool,
}

/// The snapshots of the target's subvolume that an unfinished run sends or sends from,
/// and the target's common base as a pin: what target retention must keep.
async fn sending_and_pins(
    pool: &sqlx::PgPool,
    t: &TargetView,
) -> Result<(HashSet<SnapshotId>, Vec<Pin>), EngineError> {
    let sending: HashSet<SnapshotId> = projections::snapshots_in_flight(pool, t.subvolume_id)
        .await?
        .into_iter()
        .collect();
    let mut pins = Vec::new();
    if let Some(s) = projections::pin_of_target(pool, t.target_id).await? {
        let mut conn = pool.acquire().await?;
        pins.push(Pin {
            snapshot_id: s.as_uuid(),
            target_name: crate::prune::name_of_target(&mut conn, t).await?,
        });
    }
    Ok((sending, pins))
}

/// The planner's facts of the replicas' snapshots.
fn replica_facts<'a>(
    snapshots: impl Iterator<Item = &'a SnapshotView>,
    sending: &HashSet<SnapshotId>,
) -> Vec<SnapshotFacts> {
    snapshots
        .map(|s| SnapshotFacts {
            id: s.snapshot_id.as_uuid(),
            created_at: s.created_at.unwrap_or(s.recorded_at),
            managed: s.managed,
            sending: sending.contains(&s.snapshot_id),
            // Holds keep a snapshot on the primary; replicas follow target retention.
            held: false,
        })
        .collect()
}

fn class_of(e: &EngineError) -> ErrorClass {
    ErrorClass::from_transient(e.is_transient())
}

impl Engine {
    /// Prunes the replicas on every target of the subvolume by its policy's
    /// `target_retention` at `now` (module docs). Nothing (an empty list) when the
    /// subvolume follows no policy or the policy has no target retention. Target
    /// failures are in the reports (and recorded); `Err` only for the database.
    #[tracing::instrument(skip_all, fields(subvolume = %subvolume), err(level = "debug", Display))]
    pub async fn prune_targets(
        &self,
        subvolume: SubvolumeId,
        now: DateTime<Utc>,
        meta: &AppendMeta,
    ) -> Result<Vec<TargetPruneReport>, EngineError> {
        let pool = self.events.pool();
        let Some(policy) = projections::policy_of_subvolume(pool, subvolume).await? else {
            return Ok(Vec::new());
        };
        let Some(spec) = &policy.spec.target_retention else {
            return Ok(Vec::new());
        };
        let retention = domain::policy::parse_retention("target_retention", spec).map_err(|e| {
            EngineError::Inconsistent(format!(
                "stored policy {} does not validate: {e}",
                policy.policy_id
            ))
        })?;
        let targets = projections::targets(pool, Some(subvolume)).await?;
        if targets.is_empty() {
            return Ok(Vec::new());
        }
        // Serialized with replication runs of this subvolume (module docs). A session
        // lock: closing the connection on drop releases it in every case.
        let key = format!("replication-run:{subvolume}");
        let mut lock = pool.acquire().await?;
        lock.close_on_drop();
        sqlx::query("SELECT pg_advisory_lock(hashtextextended($1, 0))")
            .bind(&key)
            .execute(&mut *lock)
            .await?;
        let mut reports = Vec::new();
        for t in &targets {
            let mut report = TargetPruneReport::new(t.target_id);
            let outcome = self
                .prune_target(t, policy.policy_id, &retention, now, meta, &mut report)
                .await?;
            if let Err((error, class)) = outcome {
                tracing::warn!(target = %t.target_id, %error, "pruning the target failed");
                self.record_prune_failure(t, None, &error, class, meta)
                    .await?;
                report.failed.push((None, error));
            }
            reports.push(report);
        }
        if let Err(e) = sqlx::query("SELECT pg_advisory_unlock(hashtextextended($1, 0))")
            .bind(&key)
            .execute(&mut *lock)
            .await
        {
            tracing::warn!(error = %e, "unlocking failed; closing the session releases the lock");
        }
        Ok(reports)
    }

    async fn record_prune_failure(
        &self,
        t: &TargetView,
        snapshot: Option<SnapshotId>,
        error: &str,
        class: ErrorClass,
        meta: &AppendMeta,
    ) -> Result<(), EngineError> {
        let event = DomainEvent::ReplicaPruneFailed(ReplicaPruneFailed {
            target_id: t.target_id,
            subvolume_id: t.subvolume_id,
            snapshot_id: snapshot,
            error: error.to_owned(),
            class,
        });
        self.events
            .append(&t.target_id.stream(), ExpectedVersion::Any, &[event], meta)
            .await?;
        Ok(())
    }

    /// What `retention` would do at `at` to the replicas the catalog lists on `target`
    /// (oldest first), with the same pins and in-flight snapshots as a prune. Without a
    /// retention (the policy has none for targets) every replica is kept, with no
    /// reason: nothing prunes there. Reads no server and changes nothing: the prune
    /// itself plans over the directory as read then, so a replica received or removed
    /// behind the catalog's back can differ.
    #[tracing::instrument(skip_all, fields(target = %target), err(level = "debug", Display))]
    pub async fn preview_target_retention(
        &self,
        target: TargetId,
        retention: Option<&domain::RetentionPolicy>,
        at: DateTime<Utc>,
    ) -> Result<Vec<PlannedReplica>, EngineError> {
        let pool = self.events.pool();
        let t = projections::target(pool, target)
            .await?
            .ok_or_else(|| EngineError::NotFound(format!("no target {target}")))?;
        let mut snapshots: HashMap<SnapshotId, SnapshotView> =
            projections::all_snapshots_of(pool, t.subvolume_id)
                .await?
                .into_iter()
                .map(|s| (s.snapshot_id, s))
                .collect();
        let replicas: Vec<(ReplicaView, SnapshotView)> =
            projections::replicas_of_target(pool, target)
                .await?
                .into_iter()
                .filter_map(|r| snapshots.remove(&r.snapshot_id).map(|s| (r, s)))
                .collect();
        let (sending, pins) = sending_and_pins(pool, &t).await?;
        let facts = replica_facts(replicas.iter().map(|(_, s)| s), &sending);
        let decisions = match retention {
            Some(retention) => plan(&facts, retention, &pins, at).decisions,
            None => facts
                .iter()
                .map(|f| Decision {
                    snapshot_id: f.id,
                    created_at: f.created_at,
                    action: Action::Keep,
                    reasons: Vec::new(),
                })
                .collect(),
        };
        let mut decisions: HashMap<Uuid, Decision> =
            decisions.into_iter().map(|d| (d.snapshot_id, d)).collect();
        let mut planned: Vec<PlannedReplica> = replicas
            .into_iter()
            .filter_map(|(replica, snapshot)| {
                decisions
                    .remove(&snapshot.snapshot_id.as_uuid())
                    .map(|decision| PlannedReplica {
                        pinned_as_base: pins
                            .iter()
                            .any(|p| p.snapshot_id == snapshot.snapshot_id.as_uuid()),
                        replica,
                        snapshot,
                        decision,
                    })
            })
            .collect();
        planned.sort_by(|a, b| {
            (a.decision.created_at, a.decision.snapshot_id)
                .cmp(&(b.decision.created_at, b.decision.snapshot_id))
        });
        Ok(planned)
    }

    /// One target (module docs). Deletion failures are recorded here; `Ok(Err)` means
    /// the target could not be read (the caller records it); `Err` is the database.
    async fn prune_target(
        &self,
        t: &TargetView,
        policy_id: PolicyId,
        retention: &domain::RetentionPolicy,
        now: DateTime<Utc>,
        meta: &AppendMeta,
        report: &mut TargetPruneReport,
    ) -> Result<Result<(), (String, ErrorClass)>, EngineError> {
        let run: TargetRun = match self.open_target(t.target_id, &mut ZstdProbes::new()).await {
            Ok(run) => run,
            Err(f) => return Ok(Err((f.error, f.class))),
        };
        let listing = match list_dir(&run).await {
            Ok(l) => l,
            Err(e) => return Ok(Err((e.to_string(), class_of(&e)))),
        };
        let pool = self.events.pool();
        let ours: HashMap<Uuid, SnapshotView> = projections::all_snapshots_of(pool, t.subvolume_id)
            .await?
            .into_iter()
            .map(|s| (s.uuid, s))
            .collect();
        let replicas: Vec<OurReplica<'_>> = listing
            .iter()
            .filter_map(|entry| match lineage::classify(&entry.received) {
                ReceivedState::Complete { received_uuid } => ours
                    .get(&received_uuid)
                    .map(|snapshot| OurReplica { snapshot, entry }),
                ReceivedState::Incomplete(_) => None,
            })
            .collect();
        let (sending, pins) = sending_and_pins(pool, t).await?;
        let facts = replica_facts(replicas.iter().map(|r| r.snapshot), &sending);
        let planned = plan(&facts, retention, &pins, now);
        for d in planned
            .decisions
            .iter()
            .filter(|d| d.action == Action::Delete)
        {
            for r in replicas
                .iter()
                .filter(|r| r.snapshot.snapshot_id.as_uuid() == d.snapshot_id)
            {
                self.delete_replica(&run, t, r, policy_id, meta, report)
                    .await?;
            }
        }
        report.planned = planned.decisions;
        Ok(Ok(()))
    }

    /// Deletes one replica and records it (or its failure).
    async fn delete_replica(
        &self,
        run: &TargetRun,
        t: &TargetView,
        r: &OurReplica<'_>,
        policy_id: PolicyId,
        meta: &AppendMeta,
        report: &mut TargetPruneReport,
    ) -> Result<(), EngineError> {
        let snapshot_id = r.snapshot.snapshot_id;
        let path = r.entry.path.as_str().to_owned();
        let deleted = match abs(&r.entry.path) {
            Ok(p) => run.btrfs.delete(&p).await.map_err(EngineError::Host),
            Err(e) => Err(e),
        };
        match deleted {
            Ok(()) => {
                tracing::info!(target = %t.target_id, %path, "replica pruned");
                let event = DomainEvent::ReplicaPruned(ReplicaPruned {
                    target_id: t.target_id,
                    subvolume_id: t.subvolume_id,
                    snapshot_id,
                    policy_id,
                    path: path.clone(),
                });
                self.events
                    .append(&t.target_id.stream(), ExpectedVersion::Any, &[event], meta)
                    .await?;
                report.deleted.push((snapshot_id, path));
            }
            Err(e) => {
                tracing::warn!(target = %t.target_id, %path, error = %e, "replica not pruned");
                self.record_prune_failure(t, Some(snapshot_id), &e.to_string(), class_of(&e), meta)
                    .await?;
                report.failed.push((Some(snapshot_id), e.to_string()));
            }
        }
        Ok(())
    }
}
