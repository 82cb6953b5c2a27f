//! The fleet status ([`fleet_status`]): everything that can be wrong, read from the
//! catalog and the storage metrics in one pass, turned into problems by the rules of
//! `domain::status`, worst first. The API's `GET /status`, `/metrics` and the dashboard's
//! overview all show this one computation, so they cannot disagree.
//!
//! Sources: replication health per (subvolume, target) (`projections::replication_health`),
//! jobs that failed for good in the last 24 h (`store::status::failed_jobs_since`), each
//! server's last storage collection (its reachability and its filesystems' usage,
//! `store::storage::latest`), and the scheduled subvolumes' newest snapshot and last
//! snapshot error (`store::status::scheduled_subvolumes`), and the subvolumes whose
//! post-snapshot hook failed on its last run (`store::status::failing_post_hooks`).
//!
//! Not here: collecting anything (the status reads what the workers last recorded; a
//! server is contacted by the storage collection every `--storage-interval`).

use chrono::{DateTime, Utc};
use domain::health::HealthState;
use domain::status::{
    self, FAILED_JOB_WINDOW, ProblemKind, Severity, filesystem_severity, overdue_slot, used_percent,
};
use domain::{ParsedSchedules, ServerId, SubvolumeId, TargetId};
use sqlx::PgPool;
use store::projections::{self, HealthCursor, TargetHealth};
use store::status::{
    FailedJob, FailingHook, ScheduledSubvolume, failed_jobs_since, failing_post_hooks,
    scheduled_subvolumes,
};
use store::storage::{self, ServerStorage};

use crate::EngineError;

mod cache;

pub use cache::{
    FleetStorage, ItemWriters, STATUS_REUSE, StatusCache, WARM_AFTER_READ, fleet_health_cached,
    fleet_status_cached, fleet_storage_cached, keep_warm,
};

/// At most this many failed job keys are listed.
const MAX_FAILED_JOBS: i64 = 50;

/// One thing that is wrong, with what it is about (for a link to where it is fixed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FleetProblem {
    /// What the problem is about, stable while it lasts (an alert's identity):
    /// `<kind>:<ids...>`, e.g. `replication_failing:<subvolume>:<target>`.
    pub key: String,
    pub kind: ProblemKind,
    pub severity: Severity,
    /// One line naming the things involved.
    pub summary: String,
    /// Since when, where known (the failure, the missed slot, the failed contact).
    pub since: Option<DateTime<Utc>>,
    pub server_id: Option<ServerId>,
    pub subvolume_id: Option<SubvolumeId>,
    pub target_id: Option<TargetId>,
}

/// The fleet's status: the worst of its problems.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FleetStatus {
    pub status: Severity,
    pub checked_at: DateTime<Utc>,
    /// The filesystem usage threshold applied, in percent.
    pub usage_warning_percent: u8,
    /// Worst first, then by summary.
    pub problems: Vec<FleetProblem>,
}

impl FleetStatus {
    /// How many problems of `kind` there are.
    pub fn count(&self, kind: ProblemKind) -> usize {
        self.problems.iter().filter(|p| p.kind == kind).count()
    }
}

/// Reads everything the status is made of and applies the rules (module docs).
pub async fn fleet_status(
    pool: &PgPool,
    now: DateTime<Utc>,
    usage_warning_percent: u8,
) -> Result<FleetStatus, EngineError> {
    let health = projections::replication_health(pool, None, now).await?;
    let servers = storage::latest(pool).await?;
    fleet_status_with(pool, now, usage_warning_percent, &health, &servers).await
}

/// The fleet's replication health, every (subvolume, target), as of one time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FleetHealth {
    pub as_of: DateTime<Utc>,
    /// Ordered by [`health_order`]: subvolume name (bytewise), target age, target id.
    pub items: Vec<TargetHealth>,
    /// Each item's text by [`ItemWriters::health`], in the same order; empty without
    /// writers.
    pub item_texts: Vec<String>,
}

/// The order of [`FleetHealth::items`] and of the health pages' cursors.
pub fn health_order(c: &HealthCursor) -> (&[u8], DateTime<Utc>, TargetId) {
    (
        c.subvolume_name.as_bytes(),
        c.target_created_at,
        c.target_id,
    )
}

/// [`fleet_status`] from replication health and storage the caller has read already as
/// of `now` (`/metrics` renders both as series too, and reads each once); reads the rest.
pub async fn fleet_status_with(
    pool: &PgPool,
    now: DateTime<Utc>,
    usage_warning_percent: u8,
    health: &[TargetHealth],
    servers: &[ServerStorage],
) -> Result<FleetStatus, EngineError> {
    let jobs = failed_jobs_since(pool, now - FAILED_JOB_WINDOW, MAX_FAILED_JOBS).await?;
    let scheduled = scheduled_subvolumes(pool).await?;
    let mut problems = Vec::new();
    problems.extend(health.iter().filter_map(replication_problem));
    problems.extend(jobs.iter().map(job_problem));
    for s in servers {
        problems.extend(server_problems(s, usage_warning_percent));
    }
    // Subvolumes share schedules: each (cron, time zone) is parsed once.
    let mut schedules = ParsedSchedules::default();
    problems.extend(
        scheduled
            .iter()
            .filter_map(|s| snapshot_problem(s, now, &mut schedules)),
    );
    problems.extend(failing_post_hooks(pool).await?.iter().map(hook_problem));
    problems.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.summary.cmp(&b.summary)));
    Ok(FleetStatus {
        status: status::worst(problems.iter().map(|p| p.severity)),
        checked_at: now,
        usage_warning_percent,
        problems,
    })
}

fn replication_problem(h: &TargetHealth) -> Option<FleetProblem> {
    let target = format!("{}:{}", h.server_name, h.directory);
    let (kind, summary, since) = match h.state {
        HealthState::Ok => return None,
        HealthState::Failing => {
            let error = h
                .last_failure
                .as_ref()
                .and_then(|f| f.error.clone())
                .unwrap_or_default();
            (
                ProblemKind::ReplicationFailing,
                format!(
                    "replication of {} to {target} is failing: {error}",
                    h.subvolume_name
                ),
                h.last_failure.as_ref().map(|f| f.failed_at),
            )
        }
        HealthState::Late => (
            ProblemKind::ReplicationLate,
            format!(
                "replication of {} to {target} is late: its newest replica is older than the RPO ({} s)",
                h.subvolume_name, h.rpo_seconds
            ),
            h.newest_replica.as_ref().map(|r| r.created_at),
        ),
        HealthState::NeverReplicated => (
            ProblemKind::ReplicationNever,
            format!("{} has never been replicated to {target}", h.subvolume_name),
            None,
        ),
    };
    Some(FleetProblem {
        key: format!("{kind}:{}:{}", h.subvolume_id, h.target_id),
        kind,
        severity: kind.severity(),
        summary,
        since,
        server_id: Some(h.server_id),
        subvolume_id: Some(h.subvolume_id),
        target_id: Some(h.target_id),
    })
}

fn job_problem(j: &FailedJob) -> FleetProblem {
    let about = j
        .subvolume_name
        .as_deref()
        .map(|n| format!(" of {n}"))
        .unwrap_or_default();
    let times = if j.failures > 1 {
        format!(" ({} times in 24 h)", j.failures)
    } else {
        String::new()
    };
    FleetProblem {
        key: format!(
            "{}:{}:{}",
            ProblemKind::JobFailed,
            j.job_kind,
            j.subvolume_id.map(|s| s.to_string()).unwrap_or_default()
        ),
        kind: ProblemKind::JobFailed,
        severity: ProblemKind::JobFailed.severity(),
        summary: format!("{} job{about} failed{times}: {}", j.job_kind, j.error),
        since: Some(j.last_failed_at),
        server_id: None,
        subvolume_id: j.subvolume_id,
        target_id: None,
    }
}

fn server_problems(s: &ServerStorage, threshold: u8) -> Vec<FleetProblem> {
    let mut out = Vec::new();
    let problem = |kind: ProblemKind, severity, summary, since, about: &str| FleetProblem {
        key: format!("{kind}:{}{about}", s.server_id),
        kind,
        severity,
        summary,
        since,
        server_id: Some(s.server_id),
        subvolume_id: None,
        target_id: None,
    };
    if let Some(error) = &s.error {
        let kind = s
            .error_kind
            .unwrap_or(status::ContactFailure::Failed)
            .problem();
        let what = match kind {
            ProblemKind::HostKeyChanged => "presents another host key than the pinned one",
            ProblemKind::ServerUnreachable => "is unreachable",
            _ => "could not be read",
        };
        out.push(problem(
            kind,
            kind.severity(),
            format!("server {} {what}: {error}", s.server_name),
            s.attempted_at,
            "",
        ));
    }
    for f in &s.filesystems {
        let size = u64::try_from(f.sample.size_bytes).unwrap_or(0);
        let free = u64::try_from(f.sample.free_bytes).unwrap_or(0);
        let pct = used_percent(size.saturating_sub(free), size);
        if let Some(severity) = filesystem_severity(pct, threshold) {
            out.push(problem(
                ProblemKind::FilesystemFull,
                severity,
                format!(
                    "filesystem {} on {} is {pct}% full (threshold {threshold}%)",
                    f.sample.filesystem, s.server_name
                ),
                Some(f.sampled_at),
                &format!(":{}", f.sample.filesystem),
            ));
        }
    }
    out
}

fn hook_problem(h: &FailingHook) -> FleetProblem {
    let kind = ProblemKind::HookFailing;
    let run = &h.run;
    let how = run.outcome.words(run.exit_code, run.duration_ms);
    let message = run.message.trim();
    FleetProblem {
        key: format!("{kind}:{}", h.subvolume_id),
        kind,
        severity: kind.severity(),
        summary: format!(
            "the post-snapshot hook {} of {} {how} after snapshot {}{}; the application \
             it quiesced may still be frozen",
            run.hook,
            h.name,
            run.snapshot,
            if message.is_empty() {
                String::new()
            } else {
                format!(": {message}")
            },
        ),
        since: Some(run.at),
        server_id: Some(h.server_id),
        subvolume_id: Some(h.subvolume_id),
        target_id: None,
    }
}

fn snapshot_problem(
    s: &ScheduledSubvolume,
    now: DateTime<Utc>,
    schedules: &mut ParsedSchedules,
) -> Option<FleetProblem> {
    let problem = |kind: ProblemKind, summary, since| FleetProblem {
        key: format!("{kind}:{}", s.subvolume_id),
        kind,
        severity: kind.severity(),
        summary,
        since,
        server_id: Some(s.server_id),
        subvolume_id: Some(s.subvolume_id),
        target_id: None,
    };
    if let Some(error) = &s.last_snapshot_error {
        return Some(problem(
            ProblemKind::SnapshotFailing,
            format!("snapshots of {} are failing: {error}", s.name),
            s.last_snapshot_error_at,
        ));
    }
    let schedule = schedules.get(&s.cron, &s.time_zone).ok()?;
    let slot = overdue_slot(schedule, s.newest_snapshot_at, s.assigned_at, now)?;
    Some(problem(
        ProblemKind::SnapshotOverdue,
        format!(
            "the snapshot of {} due at {} by policy {} is missing",
            s.name,
            slot.format("%Y-%m-%d %H:%M UTC"),
            s.policy_name
        ),
        Some(slot),
    ))
}
