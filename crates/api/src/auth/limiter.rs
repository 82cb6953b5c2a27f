//! Rate limiting of failed logins, per user name and per client address, in memory.
//!
//! A sliding window: more than `per_user` failures for one name, or `per_client`
//! from one address, within `window` blocks further attempts until the oldest
//! failure ages out. Success clears the user's failures. The state is per process
//! (a restart forgets it), which is enough to make online guessing impractical.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug)]
pub struct LoginLimiter {
    window: Duration,
    per_user: usize,
    per_client: usize,
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

/// Keys tracked at most, so a flood of random names cannot exhaust memory.
const MAX_KEYS: usize = 100_000;

impl Default for LoginLimiter {
    fn default() -> Self {
        Self::new(Duration::from_secs(15 * 60), 5, 20)
    }
}

impl LoginLimiter {
    pub fn new(window: Duration, per_user: usize, per_client: usize) -> Self {
        Self {
            window,
            per_user,
            per_client,
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// `Some(wait)` when this user or client must wait before trying again.
    pub fn blocked(&self, username: &str, client: &str) -> Option<Duration> {
        let now = Instant::now();
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        [
            (format!("user:{username}"), self.per_user),
            (format!("client:{client}"), self.per_client),
        ]
        .into_iter()
        .filter_map(|(key, limit)| {
            let times = map.get_mut(&key)?;
            while times
                .front()
                .is_some_and(|t| now.duration_since(*t) >= self.window)
            {
                times.pop_front();
            }
            (times.len() >= limit)
                .then(|| {
                    times
                        .front()
                        .map(|t| self.window.saturating_sub(now.duration_since(*t)))
                })
                .flatten()
        })
        .max()
    }

    pub fn record_failure(&self, username: &str, client: &str) {
        let now = Instant::now();
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= MAX_KEYS {
            let window = self.window;
            map.retain(|_, times| {
                times
                    .back()
                    .is_some_and(|t| now.duration_since(*t) < window)
            });
        }
        for key in [format!("user:{username}"), format!("client:{client}")] {
            map.entry(key).or_default().push_back(now);
        }
    }

    pub fn record_success(&self, username: &str) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        map.remove(&format!("user:{username}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_after_the_per_user_limit_and_success_clears() {
        let limiter = LoginLimiter::new(Duration::from_secs(60), 3, 100);
        for _ in 0..3 {
            assert!(limiter.blocked("alice", "10.0.0.1").is_none());
            limiter.record_failure("alice", "127.0.0.1");
        }
        assert!(
            limiter.blocked("alice", "127.0.0.2").is_some(),
            "per user, any address"
        );
        assert!(limiter.blocked("bob", "127.0.0.2").is_none());
        limiter.record_success("alice");
        assert!(limiter.blocked("alice", "127.0.0.2").is_none());
    }

    #[test]
    fn blocks_after_the_per_client_limit_across_names() {
        let limiter = LoginLimiter::new(Duration::from_secs(60), 100, 4);
        for i in 0..4 {
            limiter.record_failure(&format!("user{i}"), "127.0.0.9");
        }
        assert!(limiter.blocked("someone-new", "127.0.0.9").is_some());
        assert!(limiter.blocked("someone-new", "127.0.0.8").is_none());
    }

    #[test]
    fn failures_age_out() {
        let limiter = LoginLimiter::new(Duration::from_millis(0), 1, 1);
        limiter.record_failure("alice", "127.0.0.1");
        assert!(limiter.blocked("alice", "127.0.0.1").is_none());
    }
}
