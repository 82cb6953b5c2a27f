//! Durable jobs on Postgres (apalis 1.0, `apalis-postgres`) and the scheduler that
//! enqueues them from the policies. Jobs are thin wrappers over [`engine::Engine`]
//! methods; this crate adds queues, idempotency keys, retries and the schedule. It does
//! no btrfs work of its own and knows nothing of HTTP.
//!
//! - [`kinds`]: the job kinds ([`SnapshotJob`], [`PruneJob`], [`SyncJob`],
//!   [`ReplicateJob`]), queues, keys.
//! - [`queue`]: enqueueing at most once per key (invariant 4), enforced by Postgres.
//! - [`scheduler`]: every tick, the due slot of each (policy, subvolume) → one snapshot
//!   job; the periodic inventory sync. Clock injectable ([`scheduler::Clock`]).
//! - [`worker`]: the apalis workers (one per queue) under one `Monitor`, retries with
//!   exponential backoff for transient errors only, `JobFailed` when a job gives up.
//! - [`notify`]: the periodic alert evaluation and one [`NotifyJob`] per queued
//!   notification (webhook, email), retried with backoff.
//! - [`owners`]: the jobs of a `serve` whose process is gone (same machine) are
//!   re-enqueued at once, not after the heartbeat timeout.
//! - `wake`: a job enqueued by this process wakes this process's idle worker at once;
//!   the poll interval remains for jobs enqueued elsewhere.
//!
//! Mutual exclusion per subvolume is the engine's (its advisory lock around every
//! snapshot / prune / sync), so jobs on one subvolume never interleave, whichever
//! process runs them.
//!
//! Every replication run becomes a [`ReplicateJob`], whoever asked for it: "replicate
//! after snapshot" (`worker::replicate_after_snapshot`, one run per snapshot), `POST
//! /replications` (through `api::AppState::job_queue`, which `serve` sets), and
//! `serve`'s start-up ([`queue::enqueue_unfinished_replications`]: every queued or running
//! run without a job gets one). One way rather than in-process tasks plus a resume at
//! start: a run gets the queue's retries with backoff, survives any process, and two
//! `serve`s cannot run it twice (the job key; the engine's per-subvolume run lock
//! besides).
//!
//! `job_snapshot_slots` and the `apalis.*` tables are queue bookkeeping, not domain state:
//! not projections, never rebuilt; what was done is in the events.

pub mod kinds;
pub mod notify;
pub mod owners;
pub mod queue;
pub mod scheduler;
mod wake;
pub mod worker;

use std::time::Duration;

pub use kinds::{
    JobKind, JobSpec, NotifyJob, PruneJob, ReplicateJob, RestoreJob, SnapshotJob, SyncJob,
};
pub use scheduler::{Clock, Scheduler, SkewedClock, SystemClock};

/// Why a job (or enqueueing one) failed, classified for retrying.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error(transparent)]
    Engine(#[from] engine::EngineError),
    #[error(transparent)]
    Store(#[from] store::StoreError),
    #[error("job queue: {0}")]
    Queue(String),
    /// Some targets of a replication failed transiently (the job runs it again; the
    /// run's events hold each target's error).
    #[error("replication {0}: {1} target(s) failed transiently")]
    TargetsFailed(domain::ReplicationId, usize),
}

impl From<sqlx::Error> for JobError {
    fn from(e: sqlx::Error) -> Self {
        Self::Store(store::StoreError::Database(e))
    }
}

impl JobError {
    /// Whether running the job again later may succeed (a lost connection, an
    /// unreachable server, a database hiccup); permanent errors are never retried.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Engine(e) => e.is_transient(),
            // A concurrent write (conflict) or a database hiccup: worth another run.
            Self::Store(e) => !matches!(
                e,
                store::StoreError::Codec(_)
                    | store::StoreError::Corrupt(_)
                    | store::StoreError::Migrate(_)
            ),
            Self::Queue(_) => false,
            Self::TargetsFailed(..) => true,
        }
    }

    pub fn class(&self) -> &'static str {
        if self.is_transient() {
            "transient"
        } else {
            "permanent"
        }
    }
}

/// How the jobs and the scheduler run. `serve` fills it from the environment.
#[derive(Debug, Clone)]
pub struct JobsConfig {
    /// How often the scheduler looks for due slots.
    pub tick: Duration,
    /// How often every managed subvolume is synced with the disk (`None`: never).
    pub sync_interval: Option<Duration>,
    /// How often idle workers poll for jobs: a job enqueued by another process waits at
    /// most this long (one enqueued by this process wakes its worker at once).
    pub poll_interval: Duration,
    /// Worker heartbeat; a worker silent for `heartbeat * missed_heartbeats` is dead
    /// and its running jobs are re-enqueued (a `kill -9`ed `serve`).
    pub heartbeat: Duration,
    pub missed_heartbeats: usize,
    /// Runs of a job before it gives up (transient errors only; permanent: one run).
    pub max_attempts: u32,
    /// Exponential backoff between retries: first delay and cap.
    pub backoff_min: Duration,
    pub backoff_max: Duration,
    /// How long shutdown waits for running jobs.
    pub shutdown_timeout: Duration,
}

impl Default for JobsConfig {
    fn default() -> Self {
        Self {
            tick: Duration::from_secs(30),
            sync_interval: Some(Duration::from_secs(300)),
            poll_interval: Duration::from_secs(5),
            heartbeat: Duration::from_secs(30),
            missed_heartbeats: 4,
            max_attempts: 5,
            backoff_min: Duration::from_secs(2),
            backoff_max: Duration::from_secs(300),
            shutdown_timeout: Duration::from_secs(30),
        }
    }
}
