//! The gate every argon2 computation passes: at most one per core runs at once, a
//! short queue waits behind them, and anything past that is refused at once with
//! [`HashBusy`] (the API answers 503 with `Retry-After`).
//!
//! argon2id costs ~19 MiB and tens of milliseconds of one core per hash by design, so
//! unbounded concurrent logins would let anyone without an account exhaust the
//! server's memory. The hashes run on the gate's own threads, one per core, that live as
//! long as the process: each reuses its own allocator arena, so memory stays at about
//! `cores` x 19 MiB however many logins arrive (on tokio's blocking pool, every new
//! blocking thread took a fresh glibc arena and kept its 19 MiB: ~300 MB after a flood
//! with only two hashes ever running at once, measured by `ops/bench/login-flood`).
//! The gate is one per process because that is what it protects: this process's memory
//! and CPU.
//!
//! Admission is one atomic step (`fetch_update`), and the admission moves into the job,
//! so a request that is dropped while its hash waits or runs does not free a slot that
//! is still taken.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex, OnceLock};

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

type Job = Box<dyn FnOnce() + Send>;

/// A bound on concurrent CPU- and memory-heavy computations, run on its own threads.
#[derive(Debug)]
pub struct HashGate {
    jobs: SyncSender<Job>,
    admitted: Arc<AtomicUsize>,
    max_admitted: usize,
    /// The most computations that ever ran at once (for tests and the bench).
    peak: Arc<AtomicUsize>,
    running: Arc<AtomicUsize>,
}

struct Admission(Arc<AtomicUsize>);

impl Drop for Admission {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

fn worker(jobs: &Mutex<Receiver<Job>>) {
    loop {
        let job = jobs.lock().unwrap_or_else(|p| p.into_inner()).recv();
        match job {
            Ok(job) => job(),
            Err(_) => return, // the gate is gone
        }
    }
}

impl HashGate {
    /// `parallel` threads computing, `queue` more jobs waiting.
    pub fn new(parallel: usize, queue: usize) -> Self {
        let parallel = parallel.max(1);
        let (jobs, receiver) = sync_channel::<Job>(parallel + queue);
        let receiver = Arc::new(Mutex::new(receiver));
        for i in 0..parallel {
            let receiver = receiver.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("argon2-{i}"))
                .spawn(move || worker(&receiver));
            if let Err(e) = spawned {
                tracing::error!(error = %e, "cannot start a password-hashing thread");
            }
        }
        Self {
            jobs,
            admitted: Arc::new(AtomicUsize::new(0)),
            max_admitted: parallel + queue,
            peak: Arc::new(AtomicUsize::new(0)),
            running: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// The process's gate: one thread per core, [`QUEUE`] waiting.
    pub fn global() -> &'static HashGate {
        static GATE: OnceLock<HashGate> = OnceLock::new();
        GATE.get_or_init(|| {
            let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
            HashGate::new(cores, QUEUE)
        })
    }

    /// Runs `f` on one of the gate's threads once one is free, or refuses at once when
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
        let (running, peak) = (self.running.clone(), self.peak.clone());
        let (done, result) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _admission = admission;
            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
            peak.fetch_max(now, Ordering::SeqCst);
            // A panic ends this job (the caller sees `Join`), not the thread.
            let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
            running.fetch_sub(1, Ordering::SeqCst);
            if let Ok(out) = out {
                let _ = done.send(out);
            }
        });
        match self.jobs.try_send(job) {
            Ok(()) => {}
            // Admission bounds the channel; full means the threads are gone.
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
                return Err(GateError::Join);
            }
        }
        result.await.map_err(|_| GateError::Join)
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
