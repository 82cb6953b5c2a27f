//! Replication health over HTTP: `GET /replication/health` (every (subvolume, target),
//! optionally of one subvolume, keyset-paged, with a count per state), `GET
//! /subvolumes/{id}/replication-health` (one subvolume, with its RPO) and `PUT
//! /subvolumes/{id}/rpo` (operator). Reads the fleet health the status is computed from
//! (`engine::status::fleet_health_cached`: reused while nothing changed, for 5 s, and up to
//! 10 s while another request recomputes it),
//! so the two cannot disagree; the rule is `domain::health`'s; the change goes through
//! `Engine::set_rpo`.

use chrono::{DateTime, Utc};
use domain::health::{HealthState as DomainState, RpoSource as DomainSource, effective_rpo};
use domain::{Schedule, SubvolumeId};
use engine::status::{fleet_health_cached, health_order};
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{Enum, Object, OpenApi, Tags};
use serde::Serialize;
use store::AppendMeta;
use store::projections::{self, HealthSnapshot, TargetHealth};
use uuid::Uuid;

use crate::AppState;
use crate::auth::{OperatorAuth, ViewerAuth};
use crate::page;
use crate::problem::Problem;
use crate::respond::{Answer, JsonText, documented};

#[derive(Tags)]
enum Tag {
    /// Is every subvolume's data on its targets recent enough?
    ReplicationHealth,
}

/// The health verdict of one (subvolume, target).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Serialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum HealthState {
    /// A replica newer than the RPO is on the target, and no failure since the last success.
    Ok,
    /// The newest replica is older than the RPO.
    Late,
    /// The newest attempt failed and nothing succeeded since.
    Failing,
    /// Nothing was ever replicated there.
    NeverReplicated,
}

impl From<DomainState> for HealthState {
    fn from(s: DomainState) -> Self {
        match s {
            DomainState::Ok => Self::Ok,
            DomainState::Late => Self::Late,
            DomainState::Failing => Self::Failing,
            DomainState::NeverReplicated => Self::NeverReplicated,
        }
    }
}

/// Where the RPO in force comes from.
#[derive(Debug, Clone, Copy, Enum, Serialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum RpoSource {
    /// Set by an operator (`PUT /subvolumes/{id}/rpo`).
    Set,
    /// Twice the longest gap between the policy schedule's next slots.
    Schedule,
    /// 24 hours: no policy.
    Default,
}

impl From<DomainSource> for RpoSource {
    fn from(s: DomainSource) -> Self {
        match s {
            DomainSource::Set => Self::Set,
            DomainSource::Schedule => Self::Schedule,
            DomainSource::Default => Self::Default,
        }
    }
}

/// Full or incremental send.
#[derive(Debug, Clone, Copy, Enum, Serialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum TransferKind {
    Full,
    Incremental,
}

/// A snapshot named by the health view.
#[derive(Debug, Object, Serialize)]
pub struct HealthSnapshotRef {
    pub id: Uuid,
    pub name: String,
    /// When it was created on the primary.
    #[serde(serialize_with = "crate::openapi_serde::rfc3339")]
    pub created_at: DateTime<Utc>,
}

fn snapshot_ref(s: HealthSnapshot) -> HealthSnapshotRef {
    HealthSnapshotRef {
        id: s.snapshot_id.as_uuid(),
        name: s.name,
        created_at: s.created_at,
    }
}

/// Replication health of one (subvolume, target).
#[derive(Debug, Object, Serialize)]
pub struct TargetHealthDto {
    pub subvolume_id: Uuid,
    pub subvolume_name: String,
    pub target_id: Uuid,
    pub server_id: Uuid,
    pub server_name: String,
    pub directory: String,
    pub state: HealthState,
    /// The RPO in force, in seconds.
    pub rpo_seconds: u64,
    pub rpo_source: RpoSource,
    /// The newest present snapshot on the primary.
    pub newest_primary_snapshot: Option<HealthSnapshotRef>,
    /// The newest snapshot complete on the target.
    pub newest_replica_snapshot: Option<HealthSnapshotRef>,
    /// Creation of the newest primary snapshot minus that of the newest replica.
    pub lag_seconds: Option<u64>,
    /// Age of the newest replica (now minus its creation on the primary).
    pub replica_age_seconds: Option<u64>,
    #[serde(serialize_with = "crate::openapi_serde::rfc3339_opt")]
    pub last_success_at: Option<DateTime<Utc>>,
    pub last_success_replication_id: Option<Uuid>,
    /// Bytes of the last run that sent the snapshot to this target (a run that found it
    /// already there is no transfer and does not replace these figures).
    pub last_transfer_bytes: Option<u64>,
    pub last_transfer_throughput_bytes_per_sec: Option<u64>,
    pub last_transfer_duration_ms: Option<u64>,
    pub last_transfer_kind: Option<TransferKind>,
    #[serde(serialize_with = "crate::openapi_serde::rfc3339_opt")]
    pub last_failure_at: Option<DateTime<Utc>>,
    pub last_failure_replication_id: Option<Uuid>,
    pub last_error: Option<String>,
    /// `transient` or `permanent`.
    pub last_error_class: Option<String>,
    /// Bytes of every successful send to this target.
    pub bytes_total: u64,
    /// Failed attempts on this target.
    pub failures_total: u64,
    /// A replication to this target is queued or running.
    pub in_flight: bool,
}

/// What a health page is cut by: the subvolume, the cursor, the limit.
pub type HealthQuery = (Option<SubvolumeId>, Option<projections::HealthCursor>, i64);

/// One page of `health` as JSON: the items after `after` (of `sv` only, when given), at
/// most `limit`, and their summary.
fn health_page(
    health: &engine::status::FleetHealth,
    sv: Option<SubvolumeId>,
    after: Option<projections::HealthCursor>,
    limit: i64,
) -> String {
    let texts = page::texts_of(&health.items, &health.item_texts, health_text);
    // The items are in `health_order`: the page starts after the cursor's place.
    let start = after.as_ref().map_or(0, |c| {
        health
            .items
            .partition_point(|h| health_order(&h.cursor) <= health_order(c))
    });
    let mut chosen: Vec<usize> = (start..health.items.len())
        .filter(|&i| sv.is_none_or(|sv| health.items[i].subvolume_id == sv))
        .take(
            usize::try_from(limit)
                .unwrap_or(usize::MAX)
                .saturating_add(1),
        )
        .collect();
    let next_after = page::cut(&mut chosen, limit, |&i| health.items[i].cursor.clone());
    let mut summary = HealthSummary::default();
    for &i in &chosen {
        summary.count(health.items[i].state.into());
    }
    let head = HealthReport {
        as_of: health.as_of,
        summary,
        items: Vec::new(),
        next_after,
    };
    page::with_items(&head, chosen.iter().map(|&i| texts[i].as_str()))
}

/// One item of the health pages as JSON (the status cache writes each once per
/// computation: `engine::status::ItemWriters`).
pub(crate) fn health_text(h: &TargetHealth) -> String {
    serde_json::to_string(&health_dto(h.clone())).unwrap_or_else(|_| "null".to_owned())
}

fn health_dto(h: TargetHealth) -> TargetHealthDto {
    let (ls, lf) = (h.last_transfer, h.last_failure);
    TargetHealthDto {
        subvolume_id: h.subvolume_id.as_uuid(),
        subvolume_name: h.subvolume_name,
        target_id: h.target_id.as_uuid(),
        server_id: h.server_id.as_uuid(),
        server_name: h.server_name,
        directory: h.directory,
        state: h.state.into(),
        rpo_seconds: h.rpo_seconds,
        rpo_source: h.rpo_source.into(),
        newest_primary_snapshot: h.newest_primary.map(snapshot_ref),
        newest_replica_snapshot: h.newest_replica.map(snapshot_ref),
        lag_seconds: h.lag.map(|d| d.as_secs()),
        replica_age_seconds: h.replica_age.map(|d| d.as_secs()),
        last_success_at: h.last_success.map(|(_, at)| at),
        last_success_replication_id: h.last_success.map(|(run, _)| run.as_uuid()),
        last_transfer_bytes: ls.as_ref().map(|s| s.bytes),
        last_transfer_throughput_bytes_per_sec: ls
            .as_ref()
            .and_then(|s| s.throughput_bytes_per_sec),
        last_transfer_duration_ms: ls.as_ref().and_then(|s| s.duration_ms),
        last_transfer_kind: ls.as_ref().map(|s| {
            if s.incremental {
                TransferKind::Incremental
            } else {
                TransferKind::Full
            }
        }),
        last_failure_at: lf.as_ref().map(|f| f.failed_at),
        last_failure_replication_id: lf.as_ref().map(|f| f.replication_id.as_uuid()),
        last_error: lf.as_ref().and_then(|f| f.error.clone()),
        last_error_class: lf.and_then(|f| f.error_class),
        bytes_total: h.bytes_total,
        failures_total: h.failures_total,
        in_flight: h.in_flight,
    }
}

/// How many (subvolume, target) pairs are in each state.
#[derive(Debug, Object, Default)]
pub struct HealthSummary {
    pub total: u64,
    pub ok: u64,
    pub late: u64,
    pub failing: u64,
    pub never_replicated: u64,
}

impl HealthSummary {
    fn count(&mut self, state: HealthState) {
        self.total += 1;
        match state {
            HealthState::Ok => self.ok += 1,
            HealthState::Late => self.late += 1,
            HealthState::Failing => self.failing += 1,
            HealthState::NeverReplicated => self.never_replicated += 1,
        }
    }
}

fn summary(items: &[TargetHealthDto]) -> HealthSummary {
    let mut s = HealthSummary::default();
    for i in items {
        s.count(i.state);
    }
    s
}

/// Replication health of the fleet (or one subvolume), as of `as_of`: one page of it.
#[derive(Debug, Object)]
pub struct HealthReport {
    pub as_of: DateTime<Utc>,
    /// The states of this page's items (the fleet's rollup is `GET /status`).
    pub summary: HealthSummary,
    pub items: Vec<TargetHealthDto>,
    /// Pass as `after` for the next page; absent on the last.
    pub next_after: Option<String>,
}

/// A subvolume's RPO.
#[derive(Debug, Object)]
pub struct Rpo {
    pub subvolume_id: Uuid,
    /// The RPO in force, in seconds.
    pub rpo_seconds: u64,
    pub rpo_source: RpoSource,
    /// What an operator set; absent: the default applies.
    pub rpo_set_seconds: Option<u64>,
}

/// One subvolume's replication health and RPO.
#[derive(Debug, Object)]
pub struct SubvolumeHealth {
    pub as_of: DateTime<Utc>,
    pub rpo: Rpo,
    pub summary: HealthSummary,
    pub items: Vec<TargetHealthDto>,
}

/// A new RPO.
#[derive(Debug, Object)]
pub struct RpoChange {
    /// Seconds (60 to 31,622,400); null: back to the default.
    pub rpo_seconds: Option<u64>,
}

documented!(
    /// The fleet's health: only a server-side failure.
    HealthErrors: 400 "Invalid parameters.", 500 "A server-side failure."
);
documented!(
    /// One subvolume's health.
    SubvolumeHealthErrors: 400 "Invalid parameters.", 404 "No such subvolume.",
        500 "A server-side failure."
);
documented!(
    /// Setting an RPO.
    SetRpoErrors: 400 "`rpo_seconds` out of range. Nothing changed.",
        404 "No such subvolume.", 500 "A server-side failure."
);

/// The RPO of a subvolume as of `now` (`None`: no such subvolume).
async fn rpo_of(
    pool: &sqlx::PgPool,
    sv: SubvolumeId,
    now: DateTime<Utc>,
) -> Result<Option<Rpo>, store::StoreError> {
    if projections::subvolume(pool, sv).await?.is_none() {
        return Ok(None);
    }
    let set = projections::rpo_of_subvolume(pool, sv).await?;
    let schedule = projections::policy_of_subvolume(pool, sv)
        .await?
        .and_then(|p| Schedule::parse(&p.spec.schedule.cron, &p.spec.schedule.time_zone).ok());
    let (secs, source) = effective_rpo(set, schedule.as_ref(), now);
    Ok(Some(Rpo {
        subvolume_id: sv.as_uuid(),
        rpo_seconds: secs,
        rpo_source: source.into(),
        rpo_set_seconds: set,
    }))
}

pub struct ReplicationHealthApi;

#[OpenApi(tag = "Tag::ReplicationHealth")]
impl ReplicationHealthApi {
    /// Replication health of every (subvolume, target), a page at a time: newest
    /// snapshot on the primary and on the target, lag, last success and failure, last
    /// transfer, and the state against the subvolume's RPO. Every page is cut from one
    /// computation of the whole fleet's health, shared with `GET /status` and `/metrics`
    /// and reused until an event is committed, a storage collection runs or 5 s pass
    /// (`as_of` is when it was computed).
    #[oai(path = "/replication/health", method = "get", operation_id = "getReplicationHealth")]
    async fn fleet(
        &self,
        _auth: ViewerAuth,
        state: Data<&AppState>,
        /// Only this subvolume's targets.
        subvolume_id: Query<Option<Uuid>>,
        /// Items per page, 1 to 1000 (default 1000), ordered by subvolume name then target.
        limit: Query<Option<i64>>,
        /// The `next_after` of the previous page.
        after: Query<Option<String>>,
    ) -> Answer<JsonText<HealthReport>, HealthErrors> {
        let sv = subvolume_id.0.map(SubvolumeId::from_uuid);
        let limit = page::limit(limit.0)?;
        let after: Option<projections::HealthCursor> = page::decode_after(after.0.as_deref())?;
        let health = fleet_health_cached(&state.pool, &state.status_cache).await?;
        let query = (sv, after.clone(), limit);
        let body = state
            .health_pages
            .get_or_write(&health, query, || health_page(&health, sv, after, limit));
        Ok(JsonText::of_bytes(body))
    }

    /// One subvolume's RPO and the health of each of its targets (from the fleet's
    /// health, as `GET /replication/health`).
    #[oai(
        path = "/subvolumes/:id/replication-health",
        method = "get",
        operation_id = "getSubvolumeReplicationHealth"
    )]
    async fn of_subvolume(
        &self,
        _auth: ViewerAuth,
        state: Data<&AppState>,
        id: Path<Uuid>,
    ) -> Answer<Json<SubvolumeHealth>, SubvolumeHealthErrors> {
        let sv = SubvolumeId::from_uuid(id.0);
        let health = fleet_health_cached(&state.pool, &state.status_cache).await?;
        let now = health.as_of;
        let rpo = rpo_of(&state.pool, sv, now)
            .await?
            .ok_or_else(|| Problem::not_found(format!("no subvolume {}", id.0)))?;
        let items: Vec<_> = health
            .items
            .iter()
            .filter(|h| h.subvolume_id == sv)
            .cloned()
            .map(health_dto)
            .collect();
        Ok(Json(SubvolumeHealth {
            as_of: now,
            rpo,
            summary: summary(&items),
            items,
        }))
    }

    /// Sets a subvolume's RPO (null: back to the default: twice the policy schedule's
    /// interval, or 24 h without a policy).
    #[oai(path = "/subvolumes/:id/rpo", method = "put", operation_id = "setSubvolumeRpo")]
    async fn set_rpo(
        &self,
        auth: OperatorAuth,
        state: Data<&AppState>,
        id: Path<Uuid>,
        body: Json<RpoChange>,
    ) -> Answer<Json<Rpo>, SetRpoErrors> {
        let sv = SubvolumeId::from_uuid(id.0);
        state
            .engine
            .set_rpo(sv, body.0.rpo_seconds, &AppendMeta::new(auth.actor()))
            .await?;
        let rpo = rpo_of(&state.pool, sv, Utc::now())
            .await?
            .ok_or_else(|| Problem::not_found(format!("no subvolume {}", id.0)))?;
        Ok(Json(rpo))
    }
}
