//! Notifications as jobs: the periodic alert evaluation ([`run_alerts`]) and the
//! delivery of each queued notification as a [`NotifyJob`] (retried with the queue's
//! backoff while it fails transiently; `engine::notify` records every attempt).
//!
//! A notification is queued (an event) before its job exists, so a crash in between
//! loses nothing: every evaluation, and `serve`'s start, enqueue a job for each
//! delivery still queued ([`enqueue_queued_deliveries`]); the job key keeps that to one
//! job per delivery.

use std::time::Duration;

use chrono::Utc;
use engine::notify::Notifier;
use sqlx::PgPool;

use crate::kinds::NotifyJob;
use crate::worker::{JobContext, Runnable};
use crate::{JobError, queue};

impl Runnable for NotifyJob {
    async fn run(&self, ctx: &JobContext) -> Result<(), JobError> {
        let notifier = ctx
            .notifier
            .as_ref()
            .ok_or_else(|| JobError::Queue("notifications need the vault; none is set".into()))?;
        notifier
            .deliver(self.delivery_id, ctx.config.max_attempts)
            .await?;
        Ok(())
    }
}

/// Enqueues a [`NotifyJob`] for every delivery still queued; returns how many were new.
pub async fn enqueue_queued_deliveries(
    pool: &PgPool,
    max_attempts: u32,
) -> Result<usize, JobError> {
    let mut n = 0;
    for delivery_id in store::projections::notify::queued_deliveries(pool).await? {
        if queue::enqueue(pool, &NotifyJob { delivery_id }, max_attempts).await? {
            n += 1;
        }
    }
    Ok(n)
}

/// Every `interval` until `stop` resolves: evaluates the alert rules against the
/// fleet status and enqueues the deliveries (module docs). A failed evaluation is
/// logged and tried again at the next interval.
pub async fn run_alerts(
    notifier: Notifier,
    max_attempts: u32,
    interval: Duration,
    stop: impl Future<Output = ()> + Send,
) {
    let pool = notifier.pool().clone();
    let work = async {
        loop {
            if let Err(e) = notifier.evaluate(Utc::now()).await {
                tracing::warn!(error = %e, "alert evaluation failed");
            }
            if let Err(e) = enqueue_queued_deliveries(&pool, max_attempts).await {
                tracing::warn!(error = %e, "could not enqueue notification deliveries");
            }
            tokio::time::sleep(interval).await;
        }
    };
    tokio::select! {
        () = work => {}
        () = stop => {}
    }
}
