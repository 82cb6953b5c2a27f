//! `serve`'s background work: the job workers, the scheduler and the alert evaluation
//! (crate `jobs`),
//! configured from the environment, started after start-up and stopped with the
//! server's shutdown signal (workers finish their running jobs first, up to
//! `JobsConfig::shutdown_timeout`). [`JobsQueue`] is how the API hands
//! requested replications and restores to them.
//!
//! Its settings are [`crate::settings::JobSettings`].

use anyhow::Context;
use jobs::JobsConfig;

/// Starts the workers and the scheduler; the returned task ends after `stop` turned
/// true and the workers drained.
pub fn start(
    engine: engine::Engine,
    pool: sqlx::PgPool,
    config: JobsConfig,
    notifier: engine::notify::Notifier,
    alert_every: Option<std::time::Duration>,
    stop: tokio::sync::watch::Receiver<bool>,
) -> tokio::task::JoinHandle<anyhow::Result<()>> {
    let stopped = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|stop| *stop).await;
    };
    let scheduler = jobs::Scheduler::new(pool.clone(), config.clone(), scheduler_clock());
    let scheduler = tokio::spawn(scheduler.run(stopped(stop.clone())));
    // Alerts are evaluated every interval; their deliveries run as jobs.
    let alerts = alert_every.map(|every| {
        tokio::spawn(jobs::notify::run_alerts(
            notifier.clone(),
            config.max_attempts,
            every,
            stopped(stop.clone()),
        ))
    });
    let ctx = jobs::worker::JobContext {
        engine,
        pool,
        config,
        notifier: Some(notifier),
    };
    tokio::spawn(async move {
        let workers = jobs::worker::run_workers(ctx, stopped(stop)).await;
        let _ = scheduler.await;
        if let Some(alerts) = alerts {
            let _ = alerts.await;
        }
        workers.context("job workers failed")
    })
}

/// The system clock, or (test-only, `DIST_BTRFS_TEST_CLOCK_SKEW_FILE`) the system clock
/// plus the offset in that file: the fault suite's "clock stepped forward".
fn scheduler_clock() -> std::sync::Arc<dyn jobs::Clock> {
    match std::env::var_os("DIST_BTRFS_TEST_CLOCK_SKEW_FILE") {
        Some(file) => {
            tracing::warn!("test-only scheduler clock skew file in use");
            std::sync::Arc::new(jobs::SkewedClock { file: file.into() })
        }
        None => std::sync::Arc::new(jobs::SystemClock),
    }
}

/// Requested replications and restores go to the job runner (`api::AppState::job_queue`).
#[derive(Debug)]
pub struct JobsQueue {
    pub pool: sqlx::PgPool,
    pub max_attempts: u32,
}

impl api::JobQueue for JobsQueue {
    fn enqueue_restore<'a>(
        &'a self,
        restore: &'a store::projections::RestoreView,
    ) -> futures::future::BoxFuture<'a, Result<(), String>> {
        Box::pin(async move {
            jobs::queue::enqueue_restore(&self.pool, restore, self.max_attempts)
                .await
                .map(|_| ())
                .map_err(|e| e.to_string())
        })
    }

    fn enqueue_notification(
        &self,
        delivery_id: domain::DeliveryId,
    ) -> futures::future::BoxFuture<'_, Result<(), String>> {
        Box::pin(async move {
            jobs::queue::enqueue(
                &self.pool,
                &jobs::NotifyJob { delivery_id },
                self.max_attempts,
            )
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
        })
    }

    fn enqueue_replication<'a>(
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
