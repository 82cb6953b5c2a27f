//! Policies: `GET/POST /policies`, `GET/PATCH/DELETE /policies/{id}`, the dry run
//! `POST /policies/preview`, assignment `POST/DELETE /subvolumes/{id}/policy` and
//! `POST /subvolumes/{id}/prune`. Operators change, viewers read.
//!
//! Bad input is a 400 whose detail starts with the offending field (`name`,
//! `schedule.cron`, `schedule.time_zone`, `retention.daily`, `draft.retention.keep_last`,
//! ...). The retention's bucket boundaries are in the schedule's time zone.

use std::time::Duration;

use chrono::{DateTime, Utc};
use domain::Decision;
use domain::retention::Action;
use domain::{PolicyId, PolicySpec, RetentionSpec, ScheduleSpec, SubvolumeId, TargetId};
use engine::prune::PlannedSnapshot;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::types::MaybeUndefined;
use poem_openapi::{Object, OpenApi, Tags};
use serde::Serialize;
use store::AppendMeta;
use store::projections::{self, PolicyView, SnapshotView};
use uuid::Uuid;

use crate::AppState;
use crate::auth::{OperatorAuth, ViewerAuth};
use crate::page::{self, Page};
use crate::problem::Problem;
use crate::respond::{Answer, Created, JsonText, documented};

#[derive(Tags)]
enum Tag {
    /// Schedules and retention policies, their assignment and pruning.
    Policies,
}

/// When snapshots are taken.
#[derive(Debug, Clone, Object, Serialize)]
pub struct PolicySchedule {
    /// Five-field cron expression (`minute hour day-of-month month day-of-week`) or an
    /// alias such as `@daily`.
    pub cron: String,
    /// IANA time zone (e.g. `Europe/Berlin`) of the cron expression and of the
    /// retention's calendar buckets.
    pub time_zone: String,
}

/// What to keep (btrbk-style). A snapshot is kept if any rule keeps it; the newest
/// snapshot, snapshots not created by dist-btrfs, incremental bases and snapshots being
/// sent are always kept.
#[derive(Debug, Clone, Object, Serialize)]
pub struct PolicyRetention {
    /// Keep the N newest snapshots.
    #[oai(default)]
    pub keep_last: i64,
    /// Keep every snapshot younger than this many seconds.
    pub min_age_seconds: Option<i64>,
    /// Keep the first snapshot of each of the last H hours.
    #[oai(default)]
    pub hourly: i64,
    /// ... of each of the last D days.
    #[oai(default)]
    pub daily: i64,
    /// ... of each of the last W ISO weeks.
    #[oai(default)]
    pub weekly: i64,
    /// ... of each of the last M months.
    #[oai(default)]
    pub monthly: i64,
    /// ... of each of the last Y years.
    #[oai(default)]
    pub yearly: i64,
}

/// A policy as entered.
#[derive(Debug, Clone, Object)]
pub struct PolicyInput {
    /// Unique. ASCII letters, digits and `. _ @ + -`.
    pub name: String,
    pub schedule: PolicySchedule,
    /// Retention on the primary.
    pub retention: PolicyRetention,
    /// Retention of the copies on replication targets (applied once replication lands).
    pub target_retention: Option<PolicyRetention>,
    /// Replicate to the subvolume's targets after each scheduled snapshot.
    #[oai(default)]
    pub replicate_after_snapshot: bool,
}

/// A partial change of a policy: absent fields stay as they are.
#[derive(Debug, Clone, Object)]
pub struct PolicyPatch {
    pub name: Option<String>,
    pub schedule: Option<PolicySchedule>,
    pub retention: Option<PolicyRetention>,
    /// `null` removes the target retention.
    pub target_retention: MaybeUndefined<PolicyRetention>,
    pub replicate_after_snapshot: Option<bool>,
}

/// A stored policy.
#[derive(Debug, Clone, Object, Serialize)]
pub struct Policy {
    pub id: Uuid,
    pub name: String,
    pub schedule: PolicySchedule,
    pub retention: PolicyRetention,
    pub target_retention: Option<PolicyRetention>,
    pub replicate_after_snapshot: bool,
    /// Subvolumes that follow this policy.
    pub subvolumes: Vec<Uuid>,
    /// The next slot of its schedule after now (UTC): when the subvolumes that follow it
    /// are snapshotted next, then pruned (and replicated, with
    /// `replicate_after_snapshot`). Absent when the schedule never fires again.
    #[serde(serialize_with = "crate::openapi_serde::rfc3339_opt")]
    pub next_snapshot_at: Option<DateTime<Utc>>,
    #[serde(serialize_with = "crate::openapi_serde::rfc3339")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "crate::openapi_serde::rfc3339")]
    pub updated_at: DateTime<Utc>,
}

/// Make a subvolume follow a policy.
#[derive(Debug, Clone, Object)]
pub struct AssignPolicy {
    pub policy_id: Uuid,
}

/// What to preview: a subvolume under a saved policy (`policy_id`) or a draft; on the
/// primary, or with `target_id` on one of the subvolume's targets.
#[derive(Debug, Clone, Object)]
pub struct PreviewRequest {
    pub subvolume_id: Uuid,
    /// One of the subvolume's targets: preview the policy's `target_retention` over the
    /// replicas catalogued there instead of its `retention` on the primary.
    pub target_id: Option<Uuid>,
    /// A saved policy. Exactly one of `policy_id` and `draft`.
    pub policy_id: Option<Uuid>,
    /// A policy that is not saved.
    pub draft: Option<PolicyInput>,
    /// The planning time (default: now).
    pub at: Option<DateTime<Utc>>,
}

/// The planner's verdict on one snapshot.
#[derive(Debug, Clone, Object)]
pub struct PlannedSnapshotDto {
    pub snapshot_id: Uuid,
    pub name: String,
    pub path: String,
    /// The time the planner used (the recorded creation time, or when it was
    /// catalogued if that is unknown).
    pub created_at: DateTime<Utc>,
    /// Created or adopted by dist-btrfs.
    pub managed: bool,
    /// A send of it is in progress.
    pub sending: bool,
    /// `keep` or `delete`.
    pub action: String,
    /// Every reason it is kept ("newest snapshot", "keep_last 3", "daily 2026-11-25",
    /// "not created by dist-btrfs", ...); empty when deleted.
    pub reasons: Vec<String>,
}

/// A retention plan, oldest snapshot first. Nothing was changed.
#[derive(Debug, Clone, Object)]
pub struct RetentionPreview {
    pub subvolume_id: Uuid,
    /// The target previewed (absent: the primary); its rows are replicas, their `path`
    /// the replica's on the target.
    pub target_id: Option<Uuid>,
    /// The saved policy previewed (absent for a draft).
    pub policy_id: Option<Uuid>,
    pub at: DateTime<Utc>,
    pub keep: u64,
    pub delete: u64,
    pub snapshots: Vec<PlannedSnapshotDto>,
}

/// A snapshot pruning did not delete.
#[derive(Debug, Clone, Object)]
pub struct PruneFailure {
    pub snapshot_id: Uuid,
    pub error: String,
}

/// What a prune did.
#[derive(Debug, Clone, Object)]
pub struct PruneResult {
    pub subvolume_id: Uuid,
    pub policy_id: Uuid,
    pub at: DateTime<Utc>,
    /// Deleted from disk (each recorded as `SnapshotPruned`).
    pub deleted: Vec<Uuid>,
    /// Already gone from disk (recorded as `SnapshotVanished`).
    pub vanished: Vec<Uuid>,
    /// Planned for deletion, not deleted.
    pub failed: Vec<PruneFailure>,
    /// The plan that was carried out.
    pub snapshots: Vec<PlannedSnapshotDto>,
    /// The replicas pruned on each replication target by the policy's target retention
    /// (empty without one).
    pub targets: Vec<TargetPruneResult>,
}

/// What pruning did on one replication target.
#[derive(Debug, Clone, Object)]
pub struct TargetPruneResult {
    pub target_id: Uuid,
    /// Snapshots whose replica was deleted there (each recorded as `ReplicaPruned`).
    pub deleted: Vec<Uuid>,
    /// Failures (recorded as `ReplicaPruneFailed`): a replica (`snapshot_id`), or the
    /// whole target (no `snapshot_id`: unreachable, directory unreadable).
    pub failed: Vec<TargetPruneFailure>,
}

/// One failure of target pruning.
#[derive(Debug, Clone, Object)]
pub struct TargetPruneFailure {
    pub snapshot_id: Option<Uuid>,
    pub error: String,
}

fn target_prune_dto(r: engine::target_prune::TargetPruneReport) -> TargetPruneResult {
    TargetPruneResult {
        target_id: r.target_id.as_uuid(),
        deleted: r.deleted.iter().map(|(s, _)| s.as_uuid()).collect(),
        failed: r
            .failed
            .into_iter()
            .map(|(s, error)| TargetPruneFailure {
                snapshot_id: s.map(|s| s.as_uuid()),
                error,
            })
            .collect(),
    }
}

pub(crate) fn retention_dto(r: &RetentionSpec) -> PolicyRetention {
    PolicyRetention {
        keep_last: r.keep_last.into(),
        min_age_seconds: r
            .min_age
            .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX)),
        hourly: r.hourly.into(),
        daily: r.daily.into(),
        weekly: r.weekly.into(),
        monthly: r.monthly.into(),
        yearly: r.yearly.into(),
    }
}

/// The next scheduled snapshot of a schedule after `now` (none for an unparsable one).
fn next_snapshot_at(spec: &ScheduleSpec, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    domain::Schedule::parse(&spec.cron, &spec.time_zone)
        .ok()
        .and_then(|s| s.next_after(now))
        .map(|slot| slot.at())
}

/// Policies as DTOs, each distinct schedule parsed and walked once (a page of policies
/// mostly shares a few schedules, and the walk is the page's main cost).
fn policies_dto(views: Vec<PolicyView>) -> Vec<Policy> {
    let now = Utc::now();
    let mut next: std::collections::HashMap<(String, String), Option<DateTime<Utc>>> =
        std::collections::HashMap::new();
    views
        .into_iter()
        .map(|v| {
            let key = (
                v.spec.schedule.cron.clone(),
                v.spec.schedule.time_zone.clone(),
            );
            let at = *next
                .entry(key)
                .or_insert_with(|| next_snapshot_at(&v.spec.schedule, now));
            policy_dto(v, at)
        })
        .collect()
}

/// The first next snapshot of a page of policies: the page is right until then (its
/// policies change by events only, their next snapshots with the clock).
fn first_next_snapshot(page: &Page<Policy>) -> Option<DateTime<Utc>> {
    page.items.iter().filter_map(|p| p.next_snapshot_at).min()
}

impl From<PolicyView> for Policy {
    fn from(v: PolicyView) -> Self {
        let at = next_snapshot_at(&v.spec.schedule, Utc::now());
        policy_dto(v, at)
    }
}

fn policy_dto(v: PolicyView, next_snapshot_at: Option<DateTime<Utc>>) -> Policy {
    Policy {
        id: v.policy_id.as_uuid(),
        name: v.spec.name,
        schedule: PolicySchedule {
            cron: v.spec.schedule.cron,
            time_zone: v.spec.schedule.time_zone,
        },
        retention: retention_dto(&v.spec.retention),
        target_retention: v.spec.target_retention.as_ref().map(retention_dto),
        replicate_after_snapshot: v.spec.replicate_after_snapshot,
        subvolumes: v.subvolumes.into_iter().map(|s| s.as_uuid()).collect(),
        next_snapshot_at,
        created_at: v.created_at,
        updated_at: v.updated_at,
    }
}

fn planned_dto(p: PlannedSnapshot) -> PlannedSnapshotDto {
    let path = p.snapshot.path.clone();
    planned_row(p.snapshot, path, p.decision)
}

/// The planner's verdict on a snapshot as a row; `path` is where the planned copy is
/// (the snapshot's on the primary, or a replica's on its target).
pub(crate) fn planned_row(
    snapshot: SnapshotView,
    path: String,
    decision: Decision,
) -> PlannedSnapshotDto {
    PlannedSnapshotDto {
        snapshot_id: snapshot.snapshot_id.as_uuid(),
        name: snapshot.name,
        path,
        created_at: decision.created_at,
        managed: snapshot.managed,
        sending: decision.reasons.contains(&domain::KeepReason::BeingSent),
        action: match decision.action {
            Action::Keep => "keep",
            Action::Delete => "delete",
        }
        .to_owned(),
        reasons: decision.reasons.iter().map(|r| r.to_string()).collect(),
    }
}

/// A 400 about `field` (named in the problem's `field` member and its detail).
fn invalid(field: &str, message: impl std::fmt::Display) -> Problem {
    Problem::invalid(field, format!("{field}: {message}"))
}

fn count(prefix: &str, field: &str, n: i64) -> Result<u32, Problem> {
    if n < 0 {
        return Err(invalid(
            &format!("{prefix}.{field}"),
            format!("must not be negative (got {n})"),
        ));
    }
    u32::try_from(n).map_err(|_| {
        invalid(
            &format!("{prefix}.{field}"),
            format!(
                "{n} is more than the maximum {}",
                domain::retention::MAX_BUCKET_COUNT
            ),
        )
    })
}

fn retention_spec(
    prefix: &str,
    r: &PolicyRetention,
    time_zone: &str,
) -> Result<RetentionSpec, Problem> {
    let min_age = match r.min_age_seconds {
        None => None,
        Some(s) if s < 0 => {
            return Err(invalid(
                &format!("{prefix}.min_age_seconds"),
                format!("must not be negative (got {s})"),
            ));
        }
        Some(s) => Some(Duration::from_secs(s.unsigned_abs())),
    };
    Ok(RetentionSpec {
        keep_last: count(prefix, "keep_last", r.keep_last)?,
        min_age,
        hourly: count(prefix, "hourly", r.hourly)?,
        daily: count(prefix, "daily", r.daily)?,
        weekly: count(prefix, "weekly", r.weekly)?,
        monthly: count(prefix, "monthly", r.monthly)?,
        yearly: count(prefix, "yearly", r.yearly)?,
        time_zone: time_zone.to_owned(),
    })
}

/// The domain spec of an input, with `prefix` (`""` or `"draft."`) on field names.
fn policy_spec(prefix: &str, p: &PolicyInput) -> Result<PolicySpec, Problem> {
    let tz = &p.schedule.time_zone;
    let spec = PolicySpec {
        name: p.name.clone(),
        schedule: ScheduleSpec {
            cron: p.schedule.cron.clone(),
            time_zone: tz.clone(),
        },
        retention: retention_spec(&format!("{prefix}retention"), &p.retention, tz)?,
        target_retention: p
            .target_retention
            .as_ref()
            .map(|t| retention_spec(&format!("{prefix}target_retention"), t, tz))
            .transpose()?,
        replicate_after_snapshot: p.replicate_after_snapshot,
    };
    spec.validate()
        .map_err(|e| Problem::validation(format!("{prefix}{}", e.message)))?;
    Ok(spec)
}

documented!(
    /// Reading policies.
    ReadErrors: 400 "Invalid parameters.", 404 "No such policy.", 500 "A server-side failure."
);
documented!(
    /// Policy changes (database only: no server work).
    ChangeErrors:
        400 "Invalid input; the detail starts with the field. Nothing changed.",
        404 "No such policy or subvolume.",
        409 "The name is taken, subvolumes still follow the policy (the detail names them), \
             or the subvolume is not managed any more. Nothing changed.",
        500 "A server-side failure."
);
documented!(
    /// A retention preview (changes nothing).
    PreviewErrors:
        400 "Invalid input; the detail starts with the field.",
        404 "No such subvolume or policy.",
        500 "A server-side failure."
);
documented!(
    /// Pruning now.
    PruneErrors:
        400 "Invalid parameters.",
        404 "No such subvolume.",
        409 "The subvolume is not managed or follows no policy. Nothing changed.",
        500 "A server-side failure.",
        502 "A btrfs command on the server failed.",
        503 "The server cannot be reached."
);

pub struct PoliciesApi;

#[OpenApi(tag = "Tag::Policies")]
impl PoliciesApi {
    /// The policies by name, with the subvolumes that follow each, a page at a time.
    #[oai(path = "/policies", method = "get", operation_id = "listPolicies")]
    async fn list(
        &self,
        _auth: ViewerAuth,
        state: Data<&AppState>,
        /// Items per page, 1 to 1000 (default 1000).
        limit: Query<Option<i64>>,
        /// The `next_after` of the previous page.
        after: Query<Option<String>>,
    ) -> Answer<JsonText<Page<Policy>>, ReadErrors> {
        // Checked before a kept page is looked for: bad input is a 400 either way.
        let query = page::ListQuery {
            of: None,
            after: after.0,
            limit: page::limit(limit.0)?,
        };
        let after: Option<String> = page::decode_after(query.after.as_deref())?;
        let (pool, limit) = (&state.pool, query.limit);
        let body = page::read_kept(
            pool,
            &state.list_pages.policies,
            query,
            first_next_snapshot,
            async {
                let mut rows =
                    projections::policies_page(pool, after.as_deref(), Some(limit + 1)).await?;
                let next_after = page::cut(&mut rows, limit, |p| p.spec.name.clone());
                Ok(Page {
                    items: policies_dto(rows),
                    next_after,
                })
            },
        )
        .await?;
        Ok(JsonText::of_bytes(body))
    }

    /// Creates a policy.
    #[oai(path = "/policies", method = "post", operation_id = "createPolicy")]
    async fn create(
        &self,
        auth: OperatorAuth,
        state: Data<&AppState>,
        body: Json<PolicyInput>,
    ) -> Answer<Created<Policy>, ChangeErrors> {
        let spec = policy_spec("", &body.0)?;
        let v = state
            .engine
            .create_policy(spec, &AppendMeta::new(auth.actor()))
            .await?;
        Ok(Created(v.into()))
    }

    /// The retention plan of a subvolume under a saved or draft policy at a given time,
    /// with every reason. Changes nothing.
    #[oai(path = "/policies/preview", method = "post", operation_id = "previewPolicy")]
    async fn preview(
        &self,
        _auth: ViewerAuth,
        state: Data<&AppState>,
        body: Json<PreviewRequest>,
    ) -> Answer<Json<RetentionPreview>, PreviewErrors> {
        let body = body.0;
        let (policy_id, spec) = match (&body.policy_id, &body.draft) {
            (Some(id), None) => {
                let v = projections::policy(&state.pool, PolicyId::from_uuid(*id))
                    .await?
                    .ok_or_else(|| Problem::not_found(format!("no policy {id}")))?;
                (Some(*id), v.spec)
            }
            (None, Some(draft)) => (None, policy_spec("draft.", draft)?),
            _ => {
                return Err(invalid("policy_id", "give exactly one of policy_id and draft").into());
            }
        };
        let at = body.at.unwrap_or_else(Utc::now);
        let sv = SubvolumeId::from_uuid(body.subvolume_id);
        let snapshots: Vec<PlannedSnapshotDto> = match body.target_id {
            None => {
                let retention = domain::policy::parse_retention("retention", &spec.retention)
                    .map_err(|e| Problem::validation(e.message))?;
                state
                    .engine
                    .preview_retention(sv, &retention, at)
                    .await?
                    .into_iter()
                    .map(planned_dto)
                    .collect()
            }
            Some(target) => {
                let tid = TargetId::from_uuid(target);
                projections::target(&state.pool, tid)
                    .await?
                    .filter(|t| t.subvolume_id == sv)
                    .ok_or_else(|| invalid("target_id", "not a target of the subvolume"))?;
                let field = if body.draft.is_some() {
                    "draft.target_retention"
                } else {
                    "target_retention"
                };
                let spec = spec.target_retention.as_ref().ok_or_else(|| {
                    invalid(field, "none is set: nothing is pruned on the targets")
                })?;
                let retention = domain::policy::parse_retention(field, spec)
                    .map_err(|e| Problem::validation(e.message))?;
                state
                    .engine
                    .preview_target_retention(tid, Some(&retention), at)
                    .await?
                    .into_iter()
                    .map(crate::replication::retention::planned_replica_row)
                    .collect()
            }
        };
        let delete = snapshots.iter().filter(|s| s.action == "delete").count() as u64;
        Ok(Json(RetentionPreview {
            subvolume_id: body.subvolume_id,
            target_id: body.target_id,
            policy_id,
            at,
            keep: snapshots.len() as u64 - delete,
            delete,
            snapshots,
        }))
    }

    /// One policy.
    #[oai(path = "/policies/:id", method = "get", operation_id = "getPolicy")]
    async fn get(
        &self,
        _auth: ViewerAuth,
        state: Data<&AppState>,
        id: Path<Uuid>,
    ) -> Answer<Json<Policy>, ReadErrors> {
        let v = projections::policy(&state.pool, PolicyId::from_uuid(id.0))
            .await?
            .ok_or_else(|| Problem::not_found(format!("no policy {}", id.0)))?;
        Ok(Json(v.into()))
    }

    /// Changes a policy (absent fields stay).
    #[oai(path = "/policies/:id", method = "patch", operation_id = "updatePolicy")]
    async fn update(
        &self,
        auth: OperatorAuth,
        state: Data<&AppState>,
        id: Path<Uuid>,
        body: Json<PolicyPatch>,
    ) -> Answer<Json<Policy>, ChangeErrors> {
        let pid = PolicyId::from_uuid(id.0);
        let current = projections::policy(&state.pool, pid)
            .await?
            .map(Policy::from)
            .ok_or_else(|| Problem::not_found(format!("no policy {}", id.0)))?;
        let patch = body.0;
        let input = PolicyInput {
            name: patch.name.unwrap_or(current.name),
            schedule: patch.schedule.unwrap_or(current.schedule),
            retention: patch.retention.unwrap_or(current.retention),
            target_retention: match patch.target_retention {
                MaybeUndefined::Undefined => current.target_retention,
                MaybeUndefined::Null => None,
                MaybeUndefined::Value(t) => Some(t),
            },
            replicate_after_snapshot: patch
                .replicate_after_snapshot
                .unwrap_or(current.replicate_after_snapshot),
        };
        let spec = policy_spec("", &input)?;
        let v = state
            .engine
            .update_policy(pid, spec, &AppendMeta::new(auth.actor()))
            .await?;
        Ok(Json(v.into()))
    }

    /// Deletes a policy that no subvolume follows.
    #[oai(path = "/policies/:id", method = "delete", operation_id = "deletePolicy")]
    async fn delete(
        &self,
        auth: OperatorAuth,
        state: Data<&AppState>,
        id: Path<Uuid>,
    ) -> Answer<Json<Policy>, ChangeErrors> {
        let v = state
            .engine
            .delete_policy(PolicyId::from_uuid(id.0), &AppendMeta::new(auth.actor()))
            .await?;
        Ok(Json(v.into()))
    }

    /// Makes a managed subvolume follow a policy (replacing any previous one).
    #[oai(path = "/subvolumes/:id/policy", method = "post", operation_id = "assignPolicy")]
    async fn assign(
        &self,
        auth: OperatorAuth,
        state: Data<&AppState>,
        id: Path<Uuid>,
        body: Json<AssignPolicy>,
    ) -> Answer<Json<Policy>, ChangeErrors> {
        let v = state
            .engine
            .assign_policy(
                SubvolumeId::from_uuid(id.0),
                PolicyId::from_uuid(body.policy_id),
                &AppendMeta::new(auth.actor()),
            )
            .await?;
        Ok(Json(v.into()))
    }

    /// Stops a subvolume following its policy.
    #[oai(path = "/subvolumes/:id/policy", method = "delete", operation_id = "unassignPolicy")]
    async fn unassign(
        &self,
        auth: OperatorAuth,
        state: Data<&AppState>,
        id: Path<Uuid>,
    ) -> Answer<Json<Policy>, ChangeErrors> {
        let v = state
            .engine
            .unassign_policy(SubvolumeId::from_uuid(id.0), &AppendMeta::new(auth.actor()))
            .await?;
        Ok(Json(v.into()))
    }

    /// Prunes the subvolume's snapshots on the primary now, by its policy's retention:
    /// deletes what the plan does not keep (never the newest, never one dist-btrfs did
    /// not create or adopt); then the replicas on each replication target by the
    /// policy's target retention (an unreachable target is reported, not an error).
    #[oai(path = "/subvolumes/:id/prune", method = "post", operation_id = "pruneSubvolume")]
    async fn prune(
        &self,
        auth: OperatorAuth,
        state: Data<&AppState>,
        id: Path<Uuid>,
    ) -> Answer<Json<PruneResult>, PruneErrors> {
        let subvolume = SubvolumeId::from_uuid(id.0);
        let meta = AppendMeta::new(auth.actor());
        let now = Utc::now();
        let r = state.engine.prune_subvolume(subvolume, now, &meta).await?;
        let targets = state.engine.prune_targets(subvolume, now, &meta).await?;
        Ok(Json(PruneResult {
            subvolume_id: id.0,
            policy_id: r.policy_id.as_uuid(),
            at: r.at,
            deleted: r.deleted.iter().map(|s| s.as_uuid()).collect(),
            vanished: r.vanished.iter().map(|s| s.as_uuid()).collect(),
            failed: r
                .failed
                .into_iter()
                .map(|(s, error)| PruneFailure {
                    snapshot_id: s.as_uuid(),
                    error,
                })
                .collect(),
            snapshots: r.planned.into_iter().map(planned_dto).collect(),
            targets: targets.into_iter().map(target_prune_dto).collect(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(next_snapshot_at: Option<DateTime<Utc>>) -> Policy {
        let retention = PolicyRetention {
            keep_last: 1,
            min_age_seconds: None,
            hourly: 0,
            daily: 0,
            weekly: 0,
            monthly: 0,
            yearly: 0,
        };
        Policy {
            id: Uuid::nil(),
            name: "p".to_owned(),
            schedule: PolicySchedule {
                cron: "@daily".to_owned(),
                time_zone: "UTC".to_owned(),
            },
            retention,
            target_retention: None,
            replicate_after_snapshot: false,
            subvolumes: Vec::new(),
            next_snapshot_at,
            created_at: DateTime::UNIX_EPOCH,
            updated_at: DateTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn a_page_of_policies_is_right_until_its_earliest_next_snapshot() {
        let at = |h| Some(DateTime::UNIX_EPOCH + chrono::Duration::hours(h));
        let page = |items: Vec<Policy>| Page {
            items,
            next_after: None,
        };
        let three = page(vec![
            policy(at(5)),
            policy(None),
            policy(at(2)),
            policy(at(9)),
        ]);
        assert_eq!(first_next_snapshot(&three), at(2));
        assert_eq!(
            first_next_snapshot(&page(vec![policy(None)])),
            None,
            "never fires"
        );
        assert_eq!(first_next_snapshot(&page(Vec::new())), None, "no policy");
    }
}
