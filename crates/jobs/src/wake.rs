//! In-process wake-ups: a job enqueued by this process starts at once on this process's
//! idle worker of its queue, instead of waiting for the worker's next poll.
//!
//! Each worker's poll strategy ([`WakeOrInterval`]) holds a [`Notify`] registered here
//! under its queue; [`job_enqueued`] (called by `queue` after a job row is committed)
//! notifies every live one of that queue. `notify_one` stores a permit when the worker
//! is busy, so an enqueue never falls between two polls. A wake-up only makes the worker
//! fetch (apalis polls the backend whenever the worker's task is woken); the row in
//! Postgres stays the only truth, so a spurious wake-up costs one query and a missed one
//! (a job enqueued by another process) waits for the poll interval, as before.
//!
//! Not here: cross-process wake-ups (Postgres LISTEN/NOTIFY); other `serve`s on the
//! same database find a new job at their next poll.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::task::{Context, Poll};
use std::time::Duration;

use apalis::prelude::{IntervalStrategy, PollSnapshot, PollStrategy};
use tokio::sync::Notify;
use tokio::sync::futures::OwnedNotified;

/// The live workers' notifiers, by queue.
static WORKERS: Mutex<Vec<(&'static str, Weak<Notify>)>> = Mutex::new(Vec::new());

/// Wakes this process's idle workers of `queue` (a job row for it was just committed).
pub(crate) fn job_enqueued(queue: &str) {
    let mut workers = WORKERS.lock().unwrap_or_else(PoisonError::into_inner);
    workers.retain(|(_, w)| w.strong_count() > 0);
    for notify in workers
        .iter()
        .filter(|(q, _)| *q == queue)
        .filter_map(|(_, w)| w.upgrade())
    {
        notify.notify_one();
    }
}

/// A worker's poll strategy: ready when a job of its queue was enqueued in this process,
/// or when `interval` has passed since the last poll.
pub(crate) struct WakeOrInterval {
    notify: Arc<Notify>,
    woken: Pin<Box<OwnedNotified>>,
    interval: IntervalStrategy,
}

impl WakeOrInterval {
    /// Registers a new worker of `queue`; it is unregistered when this is dropped.
    pub(crate) fn new(queue: &'static str, interval: Duration) -> Self {
        let notify = Arc::new(Notify::new());
        WORKERS
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push((queue, Arc::downgrade(&notify)));
        Self {
            woken: Box::pin(notify.clone().notified_owned()),
            notify,
            interval: IntervalStrategy::new(interval),
        }
    }
}

impl PollStrategy for WakeOrInterval {
    fn poll_drive(&mut self, cx: &mut Context<'_>, snapshot: &PollSnapshot) -> Poll<Option<()>> {
        let mut ready = false;
        if self.woken.as_mut().poll(cx).is_ready() {
            ready = true;
            // Wait for the next one (polled now, so that it holds this task's waker).
            self.woken = Box::pin(self.notify.clone().notified_owned());
            let _ = self.woken.as_mut().poll(cx);
        }
        // Always polled, so that its timer holds the current waker too.
        ready |= self.interval.poll_drive(cx, snapshot).is_ready();
        if ready {
            Poll::Ready(Some(()))
        } else {
            Poll::Pending
        }
    }
}
