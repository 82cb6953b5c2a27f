//! The scheduler: turns policies into jobs. Every tick ([`Scheduler::tick`]), for each
//! (policy, assigned subvolume) (`projections::schedules`: the assigned policies only,
//! each distinct schedule parsed once): the last enqueued slot (from `job_snapshot_slots`, all
//! read in one query; older rows are pruned whenever a tick enqueued something) and
//! `Schedule::due_slot(last, now)` give at most one slot — after a downtime, the newest
//! missed one only (catch up once) — and a [`SnapshotJob`] is enqueued for it through
//! `queue::enqueue_snapshot`, which claims the slot in Postgres. A subvolume newly
//! assigned gets the snapshot of the most recent slot at the next tick.
//!
//! The inventory sync is scheduled here too: one [`SyncJob`] (all managed subvolumes)
//! per sync interval, keyed by the interval's start, so several schedulers enqueue one.
//!
//! Any number of schedulers may run against one database (two `serve`s, a restart
//! overlapping the old process): they compute the same slots and keys, and Postgres
//! keeps the first enqueue of each. The clock is injected ([`Clock`]) so tests drive
//! time. The scheduler enqueues only; the workers do the work.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use domain::ParsedSchedules;
use sqlx::PgPool;
use store::projections;

use crate::kinds::{SnapshotJob, SyncJob};
use crate::{JobError, JobsConfig, queue};

/// Where the scheduler gets the time from.
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// **Test-only**: the system clock plus the whole seconds written in a file, read at
/// every call (missing or unreadable: no offset). The fault suite steps the scheduler's
/// time forward with it, as a host clock stepped forward would, without touching the
/// machine's clock. `serve` uses it only when `DIST_BTRFS_TEST_CLOCK_SKEW_FILE` is set.
#[derive(Debug, Clone)]
pub struct SkewedClock {
    pub file: std::path::PathBuf,
}

impl Clock for SkewedClock {
    fn now(&self) -> DateTime<Utc> {
        let skew = std::fs::read_to_string(&self.file)
            .ok()
            .and_then(|s| s.trim().parse::<i64>().ok())
            .unwrap_or(0);
        Utc::now() + TimeDelta::seconds(skew)
    }
}

/// What one tick enqueued.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TickReport {
    /// Snapshot jobs this tick enqueued (slots another scheduler claimed first are not
    /// counted).
    pub snapshots: Vec<SnapshotJob>,
    /// Whether this tick enqueued the periodic sync.
    pub sync: bool,
    /// Policies whose stored schedule did not parse (skipped).
    pub bad_policies: usize,
}

/// Enqueues due work from the policies (module docs).
#[derive(Clone)]
pub struct Scheduler {
    pool: PgPool,
    config: JobsConfig,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for Scheduler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scheduler")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Scheduler {
    pub fn new(pool: PgPool, config: JobsConfig, clock: Arc<dyn Clock>) -> Self {
        Self {
            pool,
            config,
            clock,
        }
    }

    /// One pass: enqueue every due slot and the periodic sync.
    pub async fn tick(&self) -> Result<TickReport, JobError> {
        let now = self.clock.now();
        let mut report = TickReport::default();
        let last_slots = queue::last_slots(&self.pool).await?;
        // Policies often share a schedule: each (cron, time zone) is parsed once a tick.
        let mut parsed = ParsedSchedules::default();
        for policy in projections::schedules(&self.pool).await? {
            let schedule = match parsed.get(&policy.cron, &policy.time_zone) {
                Ok(s) => s,
                Err(e) => {
                    tracing::error!(policy = %policy.policy_id, error = %e, "stored schedule does not parse; skipped");
                    report.bad_policies += 1;
                    continue;
                }
            };
            for &subvolume_id in &policy.subvolumes {
                let last = last_slots.get(&(policy.policy_id, subvolume_id)).copied();
                let Some(slot) = schedule.due_slot(last, now) else {
                    continue;
                };
                let job = SnapshotJob {
                    policy_id: policy.policy_id,
                    subvolume_id,
                    slot: slot.at(),
                };
                if queue::enqueue_snapshot(&self.pool, &job, self.config.max_attempts).await? {
                    report.snapshots.push(job);
                }
            }
        }
        if !report.snapshots.is_empty() {
            queue::prune_slots(&self.pool).await?;
        }
        if let Some(period) = self.config.sync_interval.and_then(|i| period_start(now, i)) {
            let job = SyncJob {
                subvolume_id: None,
                period,
            };
            report.sync = queue::enqueue(&self.pool, &job, self.config.max_attempts).await?;
        }
        Ok(report)
    }

    /// Ticks every `config.tick` until `stop` resolves. A failed tick is logged and
    /// the next one tries again.
    pub async fn run(self, stop: impl std::future::Future<Output = ()> + Send) {
        let mut ticker = tokio::time::interval(self.config.tick);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tokio::pin!(stop);
        loop {
            tokio::select! {
                () = &mut stop => break,
                _ = ticker.tick() => {}
            }
            match self.tick().await {
                Ok(r) if !r.snapshots.is_empty() || r.sync => {
                    tracing::debug!(
                        snapshots = r.snapshots.len(),
                        sync = r.sync,
                        "scheduler tick"
                    );
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "scheduler tick failed"),
            }
        }
        tracing::info!("scheduler stopped");
    }
}

/// The start of the `interval`-long period (counted from the Unix epoch) holding `now`.
/// `None` for a zero interval.
pub fn period_start(now: DateTime<Utc>, interval: Duration) -> Option<DateTime<Utc>> {
    let secs = i64::try_from(interval.as_secs()).ok().filter(|s| *s > 0)?;
    let t = now.timestamp();
    let start = t - t.rem_euclid(secs);
    DateTime::<Utc>::UNIX_EPOCH.checked_add_signed(TimeDelta::seconds(start))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn periods_are_aligned_and_stable_within_the_interval() {
        let five = Duration::from_secs(300);
        assert_eq!(
            period_start(utc("2026-11-26T12:04:59Z"), five),
            Some(utc("2026-11-26T12:00:00Z"))
        );
        assert_eq!(
            period_start(utc("2026-11-26T12:05:00Z"), five),
            Some(utc("2026-11-26T12:05:00Z"))
        );
        assert_eq!(
            period_start(utc("2026-11-26T12:05:00Z"), Duration::ZERO),
            None
        );
    }

    proptest::proptest! {
        /// The period holds `now`, is aligned, and every instant in it maps to it (so
        /// every scheduler in that period computes the same sync key).
        #[test]
        fn a_period_holds_now_and_is_shared_by_its_instants(
            t in 0i64..4_000_000_000,
            secs in 1i64..1_000_000,
            offset in 0i64..1_000_000,
        ) {
            let now = DateTime::<Utc>::from_timestamp(t, 0).unwrap();
            let interval = Duration::from_secs(secs.unsigned_abs());
            let start = period_start(now, interval).unwrap();
            proptest::prop_assert!(start <= now);
            proptest::prop_assert!(now.timestamp() - start.timestamp() < secs);
            proptest::prop_assert_eq!(start.timestamp() % secs, 0);
            let other = start + TimeDelta::seconds(offset % secs);
            proptest::prop_assert_eq!(period_start(other, interval), Some(start));
        }
    }
}
