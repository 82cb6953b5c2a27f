//! A sliding-window request limit per key (e.g. per user), in memory, taken in one
//! locked step, so concurrent requests cannot all pass a check before any is counted.

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug)]
pub struct SlidingWindow<K> {
    window: Duration,
    max: usize,
    taken: Mutex<HashMap<K, VecDeque<Instant>>>,
}

/// Keys tracked at most; past that, keys with nothing in the window are dropped.
const MAX_KEYS: usize = 10_000;

impl<K: Eq + Hash + Clone> SlidingWindow<K> {
    pub fn new(window: Duration, max: usize) -> Self {
        Self {
            window,
            max,
            taken: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one request for `key`, or says how long until one is allowed.
    pub fn take(&self, key: &K) -> Result<(), Duration> {
        let now = Instant::now();
        let mut taken = self.taken.lock().unwrap_or_else(|p| p.into_inner());
        if taken.len() >= MAX_KEYS {
            let window = self.window;
            taken.retain(|_, times| {
                times
                    .back()
                    .is_some_and(|t| now.duration_since(*t) < window)
            });
        }
        let times = taken.entry(key.clone()).or_default();
        while times
            .front()
            .is_some_and(|t| now.duration_since(*t) >= self.window)
        {
            times.pop_front();
        }
        if times.len() >= self.max {
            let oldest = times.front().copied().unwrap_or(now);
            return Err(self.window.saturating_sub(now.duration_since(oldest)));
        }
        times.push_back(now);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_max_per_window_and_per_key() {
        let limit = SlidingWindow::new(Duration::from_secs(60), 2);
        assert!(limit.take(&1).is_ok());
        assert!(limit.take(&1).is_ok());
        let wait = limit.take(&1).unwrap_err();
        assert!(wait > Duration::ZERO && wait <= Duration::from_secs(60));
        assert!(limit.take(&2).is_ok());
        let expired = SlidingWindow::new(Duration::ZERO, 1);
        assert!(expired.take(&1).is_ok());
        assert!(expired.take(&1).is_ok());
    }
}
