//! Target retention as the dashboard shows it: what the next prune would do to a
//! target's replicas (`GET /targets/{id}/retention`), and the replica rows of a policy
//! preview on a target (`POST /policies/preview` with `target_id`). Both plan with
//! `Engine::preview_target_retention` over the catalogued replicas; this module only
//! renders. It does not prune (that is the prune job's, through the engine).

use chrono::{DateTime, Utc};
use domain::TargetId;
use engine::target_prune::PlannedReplica;
use poem_openapi::Object;
use store::projections;
use uuid::Uuid;

use crate::AppState;
use crate::policies::{PlannedSnapshotDto, PolicyRetention, planned_row, retention_dto};
use crate::problem::Problem;

/// A replica and what the next prune would do to it.
#[derive(Debug, Clone, Object)]
pub struct PlannedReplicaDto {
    pub replica_id: Uuid,
    pub snapshot_id: Uuid,
    /// The snapshot's name.
    pub name: String,
    /// Where the replica is on the target.
    pub path: String,
    /// When the replica was catalogued (its receive finished, or it was found there).
    pub received_at: DateTime<Utc>,
    /// The snapshot's creation time (what retention plans with).
    pub created_at: DateTime<Utc>,
    /// The snapshot's exclusive bytes on the primary when quotas report them; absent
    /// when unknown (quotas off), never a made-up 0.
    pub size_bytes: Option<u64>,
    /// The target's incremental base: kept until a newer common snapshot replaces it.
    pub pinned_as_base: bool,
    /// A send of it (or from it) is in progress.
    pub sending: bool,
    /// `keep` or `delete`.
    pub action: String,
    /// Every reason it is kept; empty when deleted, and when the policy has no target
    /// retention (nothing prunes there).
    pub reasons: Vec<String>,
}

/// What the next prune of a target would do, planned now over its catalogued replicas
/// (oldest first). Changes nothing.
#[derive(Debug, Clone, Object)]
pub struct TargetRetention {
    pub target_id: Uuid,
    /// The policy the target's subvolume follows, if any.
    pub policy_id: Option<Uuid>,
    /// That policy's retention for targets; absent: replicas are never pruned.
    pub target_retention: Option<PolicyRetention>,
    pub at: DateTime<Utc>,
    pub keep: u64,
    pub delete: u64,
    pub replicas: Vec<PlannedReplicaDto>,
}

/// A replica's verdict as a preview row (the timeline of a policy preview).
pub(crate) fn planned_replica_row(p: PlannedReplica) -> PlannedSnapshotDto {
    planned_row(p.snapshot, p.replica.path, p.decision)
}

/// `GET /targets/{id}/retention` (module docs).
pub(crate) async fn target_retention(
    state: &AppState,
    id: TargetId,
) -> Result<TargetRetention, Problem> {
    let pool = &state.pool;
    let t = projections::target(pool, id)
        .await?
        .ok_or_else(|| Problem::not_found(format!("no target {id}")))?;
    let policy = projections::policy_of_subvolume(pool, t.subvolume_id).await?;
    let spec = policy
        .as_ref()
        .and_then(|p| p.spec.target_retention.as_ref());
    let retention = spec
        .map(|s| domain::policy::parse_retention("target_retention", s))
        .transpose()
        .map_err(|e| Problem::internal(&format!("the stored policy does not validate: {e}")))?;
    let at = Utc::now();
    let planned = state
        .engine
        .preview_target_retention(id, retention.as_ref(), at)
        .await
        .map_err(|e| crate::engine_error::classify(&e))?;
    let replicas: Vec<PlannedReplicaDto> = planned
        .into_iter()
        .map(|p| {
            let size_bytes = p.snapshot.size_bytes.and_then(|b| u64::try_from(b).ok());
            let row = planned_row(p.snapshot, p.replica.path, p.decision);
            PlannedReplicaDto {
                replica_id: p.replica.replica_id.as_uuid(),
                snapshot_id: row.snapshot_id,
                name: row.name,
                path: row.path,
                received_at: p.replica.recorded_at,
                created_at: row.created_at,
                size_bytes,
                pinned_as_base: p.pinned_as_base,
                sending: row.sending,
                action: row.action,
                reasons: row.reasons,
            }
        })
        .collect();
    let delete = replicas.iter().filter(|r| r.action == "delete").count() as u64;
    Ok(TargetRetention {
        target_id: id.as_uuid(),
        policy_id: policy.as_ref().map(|p| p.policy_id.as_uuid()),
        target_retention: spec.map(retention_dto),
        at,
        keep: replicas.len() as u64 - delete,
        delete,
        replicas,
    })
}
