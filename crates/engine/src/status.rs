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

use std::future::Future;
use std::sync::Arc;

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

/// How long a computed status (or fleet health) is reused while nothing it is computed
/// from changed. A purely time-driven change (a replication turning late, a snapshot
/// overdue) shows at most twice this late: while one reader computes the next value, the
/// others get the old one for up to another [`STATUS_REUSE`] (`Reused`).
pub const STATUS_REUSE: chrono::Duration = chrono::Duration::seconds(5);

/// A value computed from the catalog as of some time, kept with the
/// [`store::status::ChangeStamp`] read before it. Many readers at once compute it once:
/// the others wait for it and reuse it.
///
/// When only time made it old (no event, no storage collection since, and it is as of
/// less than twice [`STATUS_REUSE`] ago), one reader recomputes it and the others keep
/// getting the old value meanwhile, so a steady read load never queues behind the
/// recomputation; a purely time-driven change then shows at most 2 x [`STATUS_REUSE`]
/// late. After an event every reader waits for the new value: an event shows at once.
#[derive(Debug)]
struct Reused<T> {
    last: std::sync::Mutex<Option<Kept<T>>>,
    /// Held by the one reader computing a new value.
    computing: tokio::sync::Mutex<()>,
}

/// A kept value: the stamp read before it was computed, and the time it is as of.
type Kept<T> = (store::status::ChangeStamp, DateTime<Utc>, Arc<T>);

impl<T> Default for Reused<T> {
    fn default() -> Self {
        Self {
            last: std::sync::Mutex::new(None),
            computing: tokio::sync::Mutex::new(()),
        }
    }
}

/// Whether a kept value may be answered for `stamp` at `now`: `Fresh` within
/// [`STATUS_REUSE`], `Stale` when only time made it old, up to twice that.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Age {
    Fresh,
    Stale,
    Gone,
}

fn age<T>(
    kept: Option<&Kept<T>>,
    stamp: &store::status::ChangeStamp,
    now: DateTime<Utc>,
    fits: impl FnOnce(&T) -> bool,
) -> Age {
    match kept {
        Some((seen, at, value)) if seen == stamp && *at <= now && fits(value) => {
            if now - *at < STATUS_REUSE {
                Age::Fresh
            } else if now - *at < STATUS_REUSE * 2 {
                Age::Stale
            } else {
                Age::Gone
            }
        }
        _ => Age::Gone,
    }
}

impl<T> Reused<T> {
    fn kept(&self) -> Option<Kept<T>> {
        let last = self
            .last
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        last.as_ref()
            .map(|(stamp, at, value)| (*stamp, *at, Arc::clone(value)))
    }

    /// The kept value while no event was committed, no storage collection ran, it is as
    /// of less than [`STATUS_REUSE`] ago and `fits` it (or, while another reader computes
    /// the next one, up to twice that: type docs); otherwise `compute`'s (the value and the
    /// time it is as of), kept.
    async fn get<Fut>(
        &self,
        pool: &PgPool,
        fits: impl Fn(&T) -> bool,
        compute: impl FnOnce() -> Fut,
    ) -> Result<Arc<T>, EngineError>
    where
        Fut: Future<Output = Result<(DateTime<Utc>, T), EngineError>>,
    {
        self.get_with(pool, true, fits, compute).await
    }

    /// [`Reused::get`], or with `stale_ok` false a value within [`STATUS_REUSE`] only (a
    /// stale one is waited for, as when it is gone): for a value computed from this one,
    /// which is as of the same time and would otherwise be stale, or gone, from the start.
    async fn get_with<Fut>(
        &self,
        pool: &PgPool,
        stale_ok: bool,
        fits: impl Fn(&T) -> bool,
        compute: impl FnOnce() -> Fut,
    ) -> Result<Arc<T>, EngineError>
    where
        Fut: Future<Output = Result<(DateTime<Utc>, T), EngineError>>,
    {
        let stamp = store::status::change_stamp(pool).await?;
        let kept = self.kept();
        let computing = match (age(kept.as_ref(), &stamp, Utc::now(), &fits), kept) {
            (Age::Fresh, Some((_, _, value))) => return Ok(value),
            (Age::Stale, Some((_, _, value))) if stale_ok => match self.computing.try_lock() {
                Ok(computing) => computing,
                // Another reader is computing the next value: answer the old one meanwhile.
                Err(_) => return Ok(value),
            },
            _ => self.computing.lock().await,
        };
        // Another reader may have computed it while this one waited; the stamp is read
        // again, before the computation: what the value will be computed from at least.
        let stamp = store::status::change_stamp(pool).await?;
        let kept = self.kept();
        if let (Age::Fresh, Some((_, _, value))) =
            (age(kept.as_ref(), &stamp, Utc::now(), &fits), kept)
        {
            return Ok(value);
        }
        let (at, value) = compute().await?;
        let value = Arc::new(value);
        *self
            .last
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) =
            Some((stamp, at, Arc::clone(&value)));
        drop(computing);
        Ok(value)
    }
}

/// The fleet's replication health, every (subvolume, target), as of one time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FleetHealth {
    pub as_of: DateTime<Utc>,
    /// Ordered by [`health_order`]: subvolume name (bytewise), target age, target id.
    pub items: Vec<TargetHealth>,
}

/// The order of [`FleetHealth::items`] and of the health pages' cursors.
pub fn health_order(c: &HealthCursor) -> (&[u8], DateTime<Utc>, TargetId) {
    (
        c.subvolume_name.as_bytes(),
        c.target_created_at,
        c.target_id,
    )
}

/// The last fleet health and fleet status computed (`GET /replication/health`, `GET
/// /status` and `/metrics` read them, so they cannot disagree): each reused while
/// nothing it is computed from changed and for at most [`STATUS_REUSE`].
#[derive(Debug, Default)]
pub struct StatusCache {
    health: Reused<FleetHealth>,
    status: Reused<FleetStatus>,
}

/// The replication health of every (subvolume, target), reused from `cache` like the
/// status ([`StatusCache`]); otherwise read as of now (once, however many ask at the same
/// time) and kept.
pub async fn fleet_health_cached(
    pool: &PgPool,
    cache: &StatusCache,
) -> Result<Arc<FleetHealth>, EngineError> {
    fleet_health_reused(pool, cache, true).await
}

/// [`fleet_health_cached`]; with `stale_ok` false, never a value older than
/// [`STATUS_REUSE`] (`Reused::get_with`).
async fn fleet_health_reused(
    pool: &PgPool,
    cache: &StatusCache,
    stale_ok: bool,
) -> Result<Arc<FleetHealth>, EngineError> {
    cache
        .health
        .get_with(
            pool,
            stale_ok,
            |_| true,
            || async {
                let now = Utc::now();
                let mut items = projections::replication_health(pool, None, now).await?;
                items.sort_by(|a, b| health_order(&a.cursor).cmp(&health_order(&b.cursor)));
                Ok((now, FleetHealth { as_of: now, items }))
            },
        )
        .await
}

/// [`fleet_status`] as of the fleet health [`fleet_health_cached`] gives, reused from
/// `cache` while no event was committed, no storage collection ran and it is younger
/// than [`STATUS_REUSE`]; otherwise computed (once, however many ask at the same time)
/// and kept.
pub async fn fleet_status_cached(
    pool: &PgPool,
    usage_warning_percent: u8,
    cache: &StatusCache,
) -> Result<FleetStatus, EngineError> {
    let status = cache
        .status
        .get(
            pool,
            |s| s.usage_warning_percent == usage_warning_percent,
            || async {
                // The status is as of its health: a stale one would make it stale (and
                // soon gone, every reader waiting) from the start.
                let health = fleet_health_reused(pool, cache, false).await?;
                let servers = storage::latest(pool).await?;
                let status = fleet_status_with(
                    pool,
                    health.as_of,
                    usage_warning_percent,
                    &health.items,
                    &servers,
                )
                .await?;
                Ok((health.as_of, status))
            },
        )
        .await?;
    Ok(FleetStatus::clone(&status))
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

#[cfg(test)]
mod tests {
    //! [`Reused`] against a real Postgres (its change stamp): a value only time made old
    //! is answered while one reader computes the next; after an event nobody gets it.
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    fn computed(n: usize) -> Result<(DateTime<Utc>, usize), EngineError> {
        Ok((Utc::now(), n))
    }

    #[sqlx::test(migrations = false)]
    async fn an_old_value_is_answered_while_one_reader_computes_the_next(pool: PgPool) {
        store::db::migrate(&pool).await.unwrap();
        let reused = Reused::<usize>::default();
        let first = reused.get(&pool, |_| true, || async { computed(1) }).await;
        assert_eq!(*first.unwrap(), 1);
        // Within the reuse time nothing is computed.
        let again = reused.get(&pool, |_| true, || async { computed(99) }).await;
        assert_eq!(*again.unwrap(), 1);

        // Only time makes it old: make it as of 6 s ago.
        {
            let mut last = reused.last.lock().unwrap();
            let (stamp, _, value) = last.take().unwrap();
            *last = Some((stamp, Utc::now() - chrono::Duration::seconds(6), value));
        }
        // One reader computes (and is held there); 20 others at once get the old value
        // without waiting for it.
        let (release, held) = tokio::sync::oneshot::channel::<()>();
        let computations = AtomicUsize::new(0);
        let slow = reused.get(
            &pool,
            |_| true,
            || async {
                computations.fetch_add(1, Ordering::SeqCst);
                held.await.ok();
                computed(2)
            },
        );
        let others = async {
            // Wait until the slow reader holds the computing lock (it is computing).
            while computations.load(Ordering::SeqCst) == 0 {
                tokio::task::yield_now().await;
            }
            let mut answers = Vec::new();
            for _ in 0..20 {
                let got = reused
                    .get(
                        &pool,
                        |_| true,
                        || async {
                            computations.fetch_add(1, Ordering::SeqCst);
                            computed(3)
                        },
                    )
                    .await;
                answers.push(*got.unwrap());
            }
            release.send(()).ok();
            answers
        };
        // Readers that waited for the computation would never let it finish: a hang, cut.
        let (slow, answers) = tokio::time::timeout(std::time::Duration::from_secs(30), async {
            tokio::join!(slow, others)
        })
        .await
        .expect("the readers did not wait for the computation");
        assert_eq!(answers, vec![1; 20], "the old value, not a wait");
        assert_eq!(*slow.unwrap(), 2);
        assert_eq!(computations.load(Ordering::SeqCst), 1, "computed once");

        // An event (here: a storage collection's stamp moving) makes the kept value gone
        // at once, even within the reuse time: every reader gets a new one.
        sqlx::query(
            "INSERT INTO proj_event_counts (event_type, events) VALUES ('Test', 1)
             ON CONFLICT (event_type) DO UPDATE SET events = proj_event_counts.events + 1",
        )
        .execute(&pool)
        .await
        .unwrap();
        let after_event = reused.get(&pool, |_| true, || async { computed(4) }).await;
        assert_eq!(*after_event.unwrap(), 4);

        // A stale value is not answered to a reader that wants a fresh one (the status
        // computing itself from the health): it computes.
        {
            let mut last = reused.last.lock().unwrap();
            let (stamp, _, value) = last.take().unwrap();
            *last = Some((stamp, Utc::now() - chrono::Duration::seconds(6), value));
        }
        let fresh = reused
            .get_with(&pool, false, |_| true, || async { computed(5) })
            .await;
        assert_eq!(*fresh.unwrap(), 5);
    }
}
