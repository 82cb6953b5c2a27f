//! `serve`'s background work: the job workers and the scheduler (crate `jobs`),
//! configured from the environment, started after start-up and stopped with the
//! server's shutdown signal (workers finish their running jobs first, up to
//! `JobsConfig::shutdown_timeout`). [`JobsReplicationQueue`] is how the API hands
//! requested replications to them.
//!
//! Environment (seconds; all optional):
//! - `DIST_BTRFS_SYNC_INTERVAL_SECS`: inventory sync of every managed subvolume
//!   (default 300, 0 disables);
//! - `DIST_BTRFS_SCHEDULER_TICK_SECS`: how often due slots are looked for (default 30);
//! - `DIST_BTRFS_JOB_POLL_SECS`: how often idle workers poll (default 5);
//! - `DIST_BTRFS_JOB_HEARTBEAT_SECS`: worker heartbeat (default 30); the jobs of a
//!   worker silent for 4 heartbeats are re-enqueued;
//! - `DIST_BTRFS_JOB_MAX_ATTEMPTS`: runs of a job with transient errors (default 5);
//! - `DIST_BTRFS_JOB_BACKOFF_SECS`: first retry delay (default 2; doubles, cap 300).

use std::time::Duration;

use anyhow::Context;
use jobs::JobsConfig;

const SYNC_INTERVAL_ENV: &str = "DIST_BTRFS_SYNC_INTERVAL_SECS";
const TICK_ENV: &str = "DIST_BTRFS_SCHEDULER_TICK_SECS";
const POLL_ENV: &str = "DIST_BTRFS_JOB_POLL_SECS";
const HEARTBEAT_ENV: &str = "DIST_BTRFS_JOB_HEARTBEAT_SECS";
const MAX_ATTEMPTS_ENV: &str = "DIST_BTRFS_JOB_MAX_ATTEMPTS";
const BACKOFF_ENV: &str = "DIST_BTRFS_JOB_BACKOFF_SECS";

/// A non-negative integer from the environment, or `None` when unset.
fn env_u64(name: &str) -> anyhow::Result<Option<u64>> {
    match std::env::var(name) {
        Err(_) => Ok(None),
        Ok(v) => v
            .trim()
            .parse()
            .map(Some)
            .with_context(|| format!("{name} must be a whole number")),
    }
}

/// An interval in seconds from the environment: `default` when unset, `None` (off) for 0.
pub(crate) fn interval_or_off(
    name: &str,
    default: Option<Duration>,
) -> anyhow::Result<Option<Duration>> {
    Ok(match env_u64(name)? {
        None => default,
        Some(0) => None,
        Some(s) => Some(Duration::from_secs(s)),
    })
}

fn positive_secs(name: &str, default: Duration) -> anyhow::Result<Duration> {
    match env_u64(name)? {
        None => Ok(default),
        Some(0) => anyhow::bail!("{name} must be at least 1"),
        Some(s) => Ok(Duration::from_secs(s)),
    }
}

/// The jobs configuration from the environment (module docs).
pub fn config_from_env() -> anyhow::Result<JobsConfig> {
    let d = JobsConfig::default();
    let sync_interval = interval_or_off(SYNC_INTERVAL_ENV, d.sync_interval)?;
    let max_attempts = match env_u64(MAX_ATTEMPTS_ENV)? {
        None => d.max_attempts,
        Some(n @ 1..=100) => u32::try_from(n).unwrap_or(d.max_attempts),
        Some(_) => anyhow::bail!("{MAX_ATTEMPTS_ENV} must be between 1 and 100"),
    };
    let backoff_min = positive_secs(BACKOFF_ENV, d.backoff_min)?;
    Ok(JobsConfig {
        tick: positive_secs(TICK_ENV, d.tick)?,
        sync_interval,
        poll_interval: positive_secs(POLL_ENV, d.poll_interval)?,
        heartbeat: positive_secs(HEARTBEAT_ENV, d.heartbeat)?,
        max_attempts,
        backoff_min,
        backoff_max: d.backoff_max.max(backoff_min),
        ..d
    })
}

/// Starts the workers and the scheduler; the returned task ends after `stop` turned
/// true and the workers drained.
pub fn start(
    engine: engine::Engine,
    pool: sqlx::PgPool,
    config: JobsConfig,
    stop: tokio::sync::watch::Receiver<bool>,
) -> tokio::task::JoinHandle<anyhow::Result<()>> {
    let stopped = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|stop| *stop).await;
    };
    let scheduler = jobs::Scheduler::new(
        pool.clone(),
        config.clone(),
        std::sync::Arc::new(jobs::SystemClock),
    );
    let scheduler = tokio::spawn(scheduler.run(stopped(stop.clone())));
    let ctx = jobs::worker::JobContext {
        engine,
        pool,
        config,
    };
    tokio::spawn(async move {
        let workers = jobs::worker::run_workers(ctx, stopped(stop)).await;
        let _ = scheduler.await;
        workers.context("job workers failed")
    })
}

/// Requested replications go to the job runner (`api::AppState::replication_queue`).
#[derive(Debug)]
pub struct JobsReplicationQueue {
    pub pool: sqlx::PgPool,
    pub max_attempts: u32,
}

impl api::ReplicationQueue for JobsReplicationQueue {
    fn enqueue<'a>(
        &'a self,
        run: &'a store::projections::ReplicationView,
    ) -> futures::future::BoxFuture<'a, Result<(), String>> {
        Box::pin(async move {
            jobs::queue::enqueue_replication(&self.pool, run, self.max_attempts)
                .await
                .map(|_| ())
                .map_err(|e| e.to_string())
        })
    }
}
