//! The gate every argon2 computation passes: at most one per core runs at once, a
//! short queue waits behind them, and anything past that is refused at once with
//! [`HashBusy`] (the API answers 503 with `Retry-After`).
//!
//! argon2id costs ~19 MiB and tens of milliseconds of one core per hash by design, so
//! unbounded concurrent logins would let anyone without an account exhaust the
//! server's memory (each blocking thread holds its own buffer). The gate is one per
//! process because that is what it protects: this process's memory and CPU.
//!
//! Admission is one atomic step (`fetch_update`), and both the admission and the
//! running permit move into the blocking task, so a request that is dropped while its
//! hash runs does not free a slot that is still busy.

use std::sync::Arc;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::Semaphore;

/// Hashes that may wait behind the running ones before new ones are refused.
pub const QUEUE: usize = 8;

/// Too many password hashes are running or waiting; try again shortly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("too many logins are being checked at once; try again shortly")]
pub struct HashBusy;

/// Why a gated computation did not produce its result.
#[derive(Debug, thiserror::Error)]
pub enum GateError {
    #[error(transparent)]
    Busy(#[from] HashBusy),
    #[error("password hashing task failed")]
    Join,
}

/// A bound on concurrent CPU- and memory-heavy computations.
#[derive(Debug)]
pub struct HashGate {
    running: Arc<Semaphore>,
    admitted: Arc<AtomicUsize>,
    max_admitted: usize,
    /// The most computations that ever ran at once (for tests and the bench).
    peak: Arc<AtomicUsize>,
    now: Arc<AtomicUsize>,
}

struct Admission(Arc<AtomicUsize>);

impl Drop for Admission {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl HashGate {
    /// `parallel` computations at once, `queue` more waiting.
    pub fn new(parallel: usize, queue: usize) -> Self {
        let parallel = parallel.max(1);
        Self {
            running: Arc::new(Semaphore::new(parallel)),
            admitted: Arc::new(AtomicUsize::new(0)),
            max_admitted: parallel + queue,
            peak: Arc::new(AtomicUsize::new(0)),
            now: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// The process's gate: one computation per core, [`QUEUE`] waiting.
    pub fn global() -> &'static HashGate {
        static GATE: OnceLock<HashGate> = OnceLock::new();
        GATE.get_or_init(|| {
            let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
            HashGate::new(cores, QUEUE)
        })
    }

    /// Runs `f` on a blocking thread once a slot is free, or refuses at once when
    /// the queue is full.
    pub async fn run<T, F>(&self, f: F) -> Result<T, GateError>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        self.admitted
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                (n < self.max_admitted).then_some(n + 1)
            })
            .map_err(|_| HashBusy)?;
        let admission = Admission(self.admitted.clone());
        let permit = self
            .running
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| GateError::Join)?;
        let (now, peak) = (self.now.clone(), self.peak.clone());
        tokio::task::spawn_blocking(move || {
            let _held = (admission, permit);
            let running = now.fetch_add(1, Ordering::SeqCst) + 1;
            peak.fetch_max(running, Ordering::SeqCst);
            let out = f();
            now.fetch_sub(1, Ordering::SeqCst);
            out
        })
        .await
        .map_err(|_| GateError::Join)
    }

    /// The most computations that ran at the same time so far.
    pub fn peak(&self) -> usize {
        self.peak.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn at_most_parallel_run_and_the_rest_past_the_queue_are_refused() {
        let gate = Arc::new(HashGate::new(2, 3));
        let tasks: Vec<_> = (0..40)
            .map(|_| {
                let gate = gate.clone();
                tokio::spawn(async move {
                    gate.run(|| std::thread::sleep(std::time::Duration::from_millis(50)))
                        .await
                })
            })
            .collect();
        let mut ok = 0;
        let mut busy = 0;
        for t in tasks {
            match t.await.expect("task") {
                Ok(()) => ok += 1,
                Err(GateError::Busy(_)) => busy += 1,
                Err(GateError::Join) => panic!("join"),
            }
        }
        assert_eq!(gate.peak(), 2, "never more than `parallel` at once");
        assert!(ok >= 5, "the running ones and the queue got through: {ok}");
        assert!(busy > 0, "past the queue, refused: {busy}");
        assert_eq!(ok + busy, 40);
        // Every slot is free again.
        assert!(gate.run(|| ()).await.is_ok());
    }
}
