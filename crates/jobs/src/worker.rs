//! The apalis workers: one per queue (snapshot, prune, sync, replicate, restore,
//! notify), registered on one
//! `apalis::Monitor` that runs until the shutdown future resolves and then waits (up to
//! `JobsConfig::shutdown_timeout`) for running jobs.
//!
//! Each worker reads `PostgresStorage<J>` (its queue). It fetches when a job of its
//! queue was enqueued by this process (`crate::wake`) and otherwise every
//! `JobsConfig::poll_interval` (no LISTEN/NOTIFY: a job enqueued by another process
//! waits up to one interval), with a heartbeat: the
//! jobs of a worker that stopped beating (a `kill -9`ed `serve`) are re-enqueued by the
//! next live worker of that queue (apalis's orphan recovery) and run again — which is
//! safe because every job is idempotent (engine `scheduled` and `prune` docs).
//!
//! **Retries.** The handler classifies a failure ([`JobError::is_transient`]):
//! - transient, attempts left → the error goes to apalis's retry layer, which runs the
//!   job again after an exponential backoff (`backoff_min` doubling up to `backoff_max`,
//!   with jitter);
//! - permanent, or the last attempt → a `JobFailed` event is appended and the error is
//!   wrapped in `AbortError`: the retry layer stops and the job ends `Killed` (never
//!   fetched again).
//!
//! **One task per attempt.** The attempt runs in a task of its own (`handle`), not in
//! the worker's task: apalis asks the backend for jobs each time the worker's task is
//! woken, so a replication polled there cost one `get_jobs` query per I/O wake-up
//! (about 600 a second, 4 core-seconds of Postgres per 2 GiB sent).
//!
//! Worker names carry a random suffix and a restart count: each process registers its
//! own workers, so two `serve`s on one database share the queues without stealing each
//! other's identity, and a worker that failed (lost database) is restarted under a new
//! name by the monitor.

use apalis::layers::retry::HasherRng;
use apalis::layers::retry::backoff::{ExponentialBackoffMaker, MakeBackoff};
use apalis::prelude::*;
use apalis_postgres::{Config, PostgresStorage};
use chrono::Utc;
use domain::event::JobFailed;
use domain::replication::{ErrorClass, TargetState};
use domain::{DomainEvent, StreamId};
use engine::scheduled::SlotSnapshot;
use engine::{Engine, EngineError};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::PgPool;
use store::ExpectedVersion;
use store::projections::{self, SnapshotView};

use crate::kinds::{JobSpec, NotifyJob, PruneJob, ReplicateJob, RestoreJob, SnapshotJob, SyncJob};
use crate::wake::WakeOrInterval;
use crate::{JobError, JobsConfig, owners, queue};

/// What every job handler gets.
#[derive(Debug, Clone)]
pub struct JobContext {
    pub engine: Engine,
    pub pool: PgPool,
    pub config: JobsConfig,
    /// Delivers notifications (`None`: no vault, so [`crate::NotifyJob`]s fail).
    pub notifier: Option<engine::notify::Notifier>,
}

/// A job that can run.
pub trait Runnable:
    JobSpec + Serialize + DeserializeOwned + Clone + Unpin + Send + Sync + 'static
{
    fn run(&self, ctx: &JobContext) -> impl Future<Output = Result<(), JobError>> + Send;

    /// Called once when the job gives up (after `JobFailed` is recorded), for a job
    /// whose own stream must say so too.
    fn on_give_up(
        &self,
        _ctx: &JobContext,
        _error: &JobError,
    ) -> impl Future<Output = Result<(), JobError>> + Send {
        async { Ok(()) }
    }
}

impl Runnable for RestoreJob {
    /// Runs or finishes the restore; a transient failure is returned for a retry, a
    /// permanent one is recorded by the engine as `RestoreFailed`.
    async fn run(&self, ctx: &JobContext) -> Result<(), JobError> {
        ctx.engine.run_restore(self.restore_id, &meta(self)).await?;
        Ok(())
    }

    async fn on_give_up(&self, ctx: &JobContext, error: &JobError) -> Result<(), JobError> {
        let unfinished = projections::restore(&ctx.pool, self.restore_id)
            .await?
            .is_some_and(|r| r.state.is_unfinished());
        if unfinished {
            let e = engine::EngineError::HostUnavailable {
                server: "restore".into(),
                reason: error.to_string(),
            };
            ctx.engine
                .give_up_restore(self.restore_id, &e, &meta(self))
                .await?;
        }
        Ok(())
    }
}

impl Runnable for SnapshotJob {
    async fn run(&self, ctx: &JobContext) -> Result<(), JobError> {
        // The assignment may have ended (or moved to another policy) since enqueueing.
        let current = projections::policy_of_subvolume(&ctx.pool, self.subvolume_id).await?;
        if current.as_ref().map(|p| p.policy_id) != Some(self.policy_id) {
            tracing::info!(key = %self.key(), "subvolume no longer follows this policy; skipped");
            return Ok(());
        }
        let done = ctx
            .engine
            .snapshot_for_slot(self.subvolume_id, self.slot, &meta(self))
            .await?;
        let snapshot = match &done {
            SlotSnapshot::Created(v) => {
                tracing::info!(snapshot = %v.path, "slot snapshot created");
                v
            }
            SlotSnapshot::Recovered(v) => {
                tracing::info!(snapshot = %v.path, "slot snapshot recovered from an earlier attempt");
                v
            }
            SlotSnapshot::AlreadyDone(v) => {
                tracing::info!(snapshot = %v.path, "slot snapshot already recorded");
                v
            }
        };
        after_snapshot(ctx, self, snapshot).await
    }
}

/// What follows a slot's snapshot (also when it was already done: a job killed after
/// recording the snapshot but before this point does it on its retry). Every step is at
/// most once per slot: the replication request is one per snapshot
/// (`Engine::request_replication_once`) and the jobs have keys.
pub async fn after_snapshot(
    ctx: &JobContext,
    job: &SnapshotJob,
    snapshot: &SnapshotView,
) -> Result<(), JobError> {
    replicate_after_snapshot(ctx, job, snapshot).await?;
    let prune = PruneJob {
        subvolume_id: job.subvolume_id,
        after_slot: job.slot,
    };
    queue::enqueue(&ctx.pool, &prune, ctx.config.max_attempts).await?;
    Ok(())
}

/// "Replicate after snapshot": when the subvolume's policy asks for it and the
/// subvolume has targets, requests the replication of the slot's snapshot to all of
/// them (once per snapshot) and enqueues its [`ReplicateJob`] (once per run). Before
/// the prune is enqueued, so that the prune sees the snapshot as being sent.
pub async fn replicate_after_snapshot(
    ctx: &JobContext,
    job: &SnapshotJob,
    snapshot: &SnapshotView,
) -> Result<(), JobError> {
    let Some(policy) = projections::policy_of_subvolume(&ctx.pool, job.subvolume_id).await? else {
        return Ok(());
    };
    if !policy.spec.replicate_after_snapshot {
        return Ok(());
    }
    if projections::targets(&ctx.pool, Some(job.subvolume_id))
        .await?
        .is_empty()
    {
        tracing::info!(key = %job.key(), "replicate after snapshot: the subvolume has no targets");
        return Ok(());
    }
    let run = match ctx
        .engine
        .request_replication_once(snapshot.snapshot_id, &meta(job))
        .await
    {
        Ok(run) => run,
        // Pruned meanwhile (an old slot done again) or its targets were removed.
        Err(EngineError::Conflict(why)) => {
            tracing::info!(key = %job.key(), %why, "replicate after snapshot: nothing to replicate");
            return Ok(());
        }
        Err(e) => return Err(e.into()),
    };
    queue::enqueue_replication(&ctx.pool, &run, ctx.config.max_attempts).await?;
    Ok(())
}

impl Runnable for ReplicateJob {
    /// Requeues what failed transiently last time (a retry), runs the replication
    /// (idempotent: a finished run is left alone, an interrupted one continues and
    /// cleans half-received copies), and fails transiently while some target failed
    /// transiently, so that the retry layer runs it again after a backoff. Targets that
    /// failed permanently (strict-incremental refusal, host key mismatch, ...) are
    /// never retried.
    async fn run(&self, ctx: &JobContext) -> Result<(), JobError> {
        let meta = meta(self);
        let id = self.replication_id;
        let requeued = ctx.engine.retry_replication(id, &meta).await?;
        if !requeued.is_empty() {
            tracing::info!(replication = %id, targets = requeued.len(), "retrying failed targets");
        }
        ctx.engine.run_replication(id, &meta).await?;
        let transient = projections::replication_targets(&ctx.pool, id)
            .await?
            .into_iter()
            .filter(|t| {
                t.state == TargetState::Failed && t.error_class == Some(ErrorClass::Transient)
            })
            .count();
        if transient > 0 {
            return Err(JobError::TargetsFailed(id, transient));
        }
        Ok(())
    }
}

impl Runnable for PruneJob {
    async fn run(&self, ctx: &JobContext) -> Result<(), JobError> {
        if projections::policy_of_subvolume(&ctx.pool, self.subvolume_id)
            .await?
            .is_none()
        {
            tracing::info!(key = %self.key(), "subvolume follows no policy any more; nothing to prune");
            return Ok(());
        }
        let now = Utc::now();
        let primary = ctx
            .engine
            .prune_subvolume(self.subvolume_id, now, &meta(self))
            .await;
        // The targets are pruned even when the primary could not be: they do not depend
        // on each other (and a target that fails is recorded, never stops the rest).
        let targets = ctx
            .engine
            .prune_targets(self.subvolume_id, now, &meta(self))
            .await;
        let report = primary?;
        if !report.failed.is_empty() {
            tracing::warn!(key = %self.key(), failed = report.failed.len(), "some snapshots were not pruned");
        }
        for t in targets? {
            if !t.failed.is_empty() {
                tracing::warn!(key = %self.key(), target = %t.target_id, failed = t.failed.len(), "target not fully pruned");
            }
        }
        Ok(())
    }
}

impl Runnable for SyncJob {
    async fn run(&self, ctx: &JobContext) -> Result<(), JobError> {
        let meta = meta(self);
        match self.subvolume_id {
            Some(id) => {
                ctx.engine.sync_subvolume(id, &meta).await?;
            }
            None => {
                let failed = ctx.engine.sync_all(&meta).await?;
                if failed > 0 {
                    tracing::warn!(failed, "inventory sync had failures");
                }
            }
        }
        Ok(())
    }
}

/// Events of jobs: actor `system`, correlated by nothing but the job key in the logs.
fn meta<J: JobSpec>(_job: &J) -> store::AppendMeta {
    engine::system_meta()
}

/// The apalis handler of every job kind: run, classify, retry or give up (module docs).
pub async fn handle<J: Runnable>(
    job: J,
    ctx: Data<JobContext>,
    attempt: Attempt,
) -> Result<(), BoxDynError> {
    let ctx: &JobContext = &ctx;
    // The span of one attempt: what the job is and which subvolume it works on. Not the
    // job's key: it repeats those ids on every line, and the lines that need the key
    // (skipped, retried, given up) carry it themselves.
    let span = tracing::info_span!(
        "job",
        kind = J::KIND.as_str(),
        subvolume_id = tracing::field::Empty,
        attempt = attempt.current(),
    );
    if let Some(sv) = job.subvolume() {
        span.record("subvolume_id", tracing::field::display(sv));
    }
    // The attempt runs in a task of its own. apalis polls the worker's backend each time
    // the worker's task is woken; a job future polled inside that task would turn every
    // I/O wake-up of a replication (hundreds a second) into a `get_jobs` query. Dropping
    // the handler (worker shutdown past its timeout) aborts the attempt.
    let current = attempt.current();
    let (task_job, task_ctx) = (job.clone(), ctx.clone());
    let task = tokio_util::task::AbortOnDropHandle::new(tokio::spawn(async move {
        tracing::Instrument::instrument(run_classified(&task_job, &task_ctx, current), span).await
    }));
    let outcome = match task.await {
        Ok(outcome) => outcome,
        // The attempt panicked: nothing recorded its end.
        Err(e) => {
            let error = JobError::Queue(format!("job attempt ended abnormally: {e}"));
            give_up(ctx, &job, error, attempts_of(current)).await
        }
    };
    match outcome {
        Outcome::Done => Ok(()),
        Outcome::Retry(e) => Err(Box::new(e)),
        Outcome::GiveUp(e) => Err(Box::new(AbortError::new(e))),
    }
}

/// What the handler does with a job's result.
#[derive(Debug)]
pub enum Outcome {
    Done,
    /// Transient, attempts left: let the retry layer run it again after a backoff.
    Retry(JobError),
    /// Permanent or out of attempts: `JobFailed` was recorded; never run again.
    GiveUp(JobError),
}

/// Runs a job and decides (module docs); records `JobFailed` when giving up.
pub async fn run_classified<J: Runnable>(job: &J, ctx: &JobContext, attempt: usize) -> Outcome {
    let error = match job.run(ctx).await {
        Ok(()) => return Outcome::Done,
        Err(e) => e,
    };
    let attempts = attempts_of(attempt);
    if error.is_transient() && attempts < ctx.config.max_attempts {
        tracing::warn!(kind = J::KIND.as_str(), key = %job.key(), attempt = attempts, error = %error, "job failed; will retry");
        return Outcome::Retry(error);
    }
    give_up(ctx, job, error, attempts).await
}

/// apalis's attempt number (0 before the first run is counted) as the attempts made.
fn attempts_of(attempt: usize) -> u32 {
    u32::try_from(attempt.max(1)).unwrap_or(u32::MAX)
}

/// Logs and records (`JobFailed`) that the job gives up after `attempts`.
async fn give_up<J: Runnable>(
    ctx: &JobContext,
    job: &J,
    error: JobError,
    attempts: u32,
) -> Outcome {
    tracing::error!(kind = J::KIND.as_str(), key = %job.key(), attempts, class = error.class(), error = %error, "job failed; giving up");
    if let Err(e) = record_failure(ctx, job, &error, attempts).await {
        tracing::error!(error = %e, "recording JobFailed failed");
    }
    if let Err(e) = job.on_give_up(ctx, &error).await {
        tracing::error!(error = %e, "recording the job's own failure failed");
    }
    Outcome::GiveUp(error)
}

async fn record_failure<J: JobSpec>(
    ctx: &JobContext,
    job: &J,
    error: &JobError,
    attempts: u32,
) -> Result<(), JobError> {
    let stream = match job.subvolume() {
        Some(id) => id.stream(),
        None => StreamId::parse("jobs").map_err(|e| JobError::Queue(e.to_string()))?,
    };
    let event = DomainEvent::JobFailed(JobFailed {
        job_kind: J::KIND.as_str().to_owned(),
        key: job.key(),
        subvolume_id: job.subvolume(),
        error: error.to_string(),
        class: error.class().to_owned(),
        attempts,
    });
    ctx.engine
        .events()
        .append(&stream, ExpectedVersion::Any, &[event], &meta(job))
        .await?;
    Ok(())
}

/// Runs the workers until `stop` resolves, then waits for running jobs (module docs).
pub async fn run_workers(
    ctx: JobContext,
    stop: impl Future<Output = ()> + Send + 'static,
) -> Result<(), JobError> {
    let suffix = uuid::Uuid::new_v4().simple().to_string();
    let owner = owners::Owner::this_process(&suffix)?;
    owners::register(&ctx.pool, &owner).await?;
    // Jobs of a serve that died on this machine run again now, not after the heartbeat
    // timeout; then every poll interval (a sibling serve may die while this one runs).
    let reclaimer = tokio::spawn(reclaim_dead_owners(
        ctx.pool.clone(),
        ctx.config.poll_interval,
    ));
    // A worker that fails (its database connection broke at a heartbeat) is restarted
    // under a new name: the jobs must go on while `serve` runs.
    let monitor = Monitor::new()
        .shutdown_timeout(ctx.config.shutdown_timeout)
        .should_restart(|worker, error| {
            tracing::warn!(worker = %worker.name(), error = %error, "job worker failed; restarting it");
            true
        });
    let monitor = register::<SnapshotJob>(monitor, &ctx, &suffix)?;
    let monitor = register::<PruneJob>(monitor, &ctx, &suffix)?;
    let monitor = register::<SyncJob>(monitor, &ctx, &suffix)?;
    let monitor = register::<ReplicateJob>(monitor, &ctx, &suffix)?;
    let monitor = register::<RestoreJob>(monitor, &ctx, &suffix)?;
    let monitor = register::<NotifyJob>(monitor, &ctx, &suffix)?;
    tracing::info!("job workers started");
    let stopped = monitor
        .run_with_signal(async move {
            stop.await;
            Ok(())
        })
        .await
        .map_err(|e| JobError::Queue(format!("job workers: {e}")));
    reclaimer.abort();
    if let Err(e) = owners::deregister(&ctx.pool, &owner).await {
        tracing::warn!(error = %e, "could not remove this process from job_owners");
    }
    stopped?;
    tracing::info!("job workers stopped");
    Ok(())
}

async fn reclaim_dead_owners(pool: PgPool, every: std::time::Duration) {
    loop {
        if let Err(e) = owners::reclaim_dead(&pool).await {
            tracing::warn!(error = %e, "could not check for dead serve processes");
        }
        tokio::time::sleep(every).await;
    }
}

fn register<J: Runnable>(
    monitor: Monitor,
    ctx: &JobContext,
    suffix: &str,
) -> Result<Monitor, JobError> {
    let config = &ctx.config;
    // Validate once here so that the factory below cannot fail.
    backoff(config)?;
    let storage_config = Config::default()
        .queue(J::QUEUE)
        .batch_size(1)
        .heartbeat_interval(config.heartbeat)
        .missed_heartbeats(config.missed_heartbeats);
    let name = format!("{}-{suffix}", J::QUEUE);
    let ctx = ctx.clone();
    Ok(monitor.register(move |restarts| {
        let storage = PostgresStorage::<J>::new(&ctx.pool).with_config(storage_config.clone());
        let wake = WakeOrInterval::new(J::QUEUE, ctx.config.poll_interval);
        let backend = PollWith::new(storage, wake);
        let policy = RetryPolicy::retries(ctx.config.max_attempts as usize)
            .with_backoff(backoff_or_default(&ctx.config))
            .retry_if(|e: &BoxDynError| e.downcast_ref::<AbortError>().is_none());
        WorkerBuilder::new(format!("{name}-{restarts}"))
            .backend(backend)
            .data(ctx.clone())
            .retry(policy)
            .build(handle::<J>)
    }))
}

type Backoff = <ExponentialBackoffMaker as MakeBackoff>::Backoff;

fn backoff(config: &JobsConfig) -> Result<Backoff, JobError> {
    ExponentialBackoffMaker::new(
        config.backoff_min,
        config.backoff_max,
        0.25,
        HasherRng::default(),
    )
    .map(|mut m| m.make_backoff())
    .map_err(|e| JobError::Queue(format!("invalid retry backoff: {e}")))
}

/// The configured backoff (validated in `register`), else tower's default.
fn backoff_or_default(config: &JobsConfig) -> Backoff {
    backoff(config).unwrap_or_else(|_| ExponentialBackoffMaker::default().make_backoff())
}
