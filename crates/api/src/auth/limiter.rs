//! Throttling of logins, in memory, taken atomically BEFORE the password is checked.
//!
//! Every attempt first reserves a slot under one lock ([`LoginLimiter::begin`]): it is
//! counted as a failure from that moment, so 60 concurrent wrong passwords for one
//! name reach argon2 at most `per_pair` times, not 60. A success takes its own slot
//! back ([`LoginLimiter::succeeded`]) and clears that pair's failures; an attempt that
//! was never checked (the hash gate was full) gives its slot back
//! ([`LoginLimiter::cancelled`]).
//!
//! Three sliding windows (default 15 min), each refusing with the time until its oldest
//! failure ages out:
//! - per (user name, client address): 5 — the lockout. It is keyed by the address, so
//!   a stranger guessing the admin's password from elsewhere does not lock the admin
//!   out;
//! - per client address, over all names: 20 — one address spraying many names;
//! - per user name, from addresses that have never logged in as that user: 50 — the
//!   global budget against guessing one account from many addresses. An address that
//!   logged in as the user before (in this process's memory, 30 days) is not counted
//!   against it, so the owner still gets in while strangers exhaust it.
//!
//! The state is per process (a restart forgets it); the CLI can always reset a
//! password or restore an admin (`dist-btrfs users ...`).

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Which limit refused an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    UserAndAddress,
    Address,
    User,
}

impl Limit {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::UserAndAddress => "user-and-address",
            Self::Address => "address",
            Self::User => "user",
        }
    }
}

/// An attempt refused before its password was looked at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttled {
    pub limit: Limit,
    /// When the attempt may be made again.
    pub retry_after: Duration,
}

/// A reserved attempt: counted as a failure until [`LoginLimiter::succeeded`] or
/// [`LoginLimiter::cancelled`] says otherwise.
#[derive(Debug)]
#[must_use = "an attempt is a failure unless it is marked succeeded or cancelled"]
pub struct Attempt {
    keys: Vec<Key>,
    at: Instant,
    user: String,
    client: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Pair(String, String),
    Client(String),
    User(String),
}

#[derive(Debug, Default)]
struct State {
    failures: HashMap<Key, VecDeque<Instant>>,
    /// (user, client) pairs that logged in successfully, and when.
    known: HashMap<(String, String), Instant>,
}

#[derive(Debug)]
pub struct LoginLimiter {
    window: Duration,
    per_pair: usize,
    per_client: usize,
    per_user: usize,
    state: Mutex<State>,
}

/// Keys tracked at most, so a flood of random names cannot exhaust memory.
const MAX_KEYS: usize = 100_000;
/// How long a successful (user, address) pair is remembered as the user's own.
const KNOWN_FOR: Duration = Duration::from_secs(30 * 24 * 3600);

impl Default for LoginLimiter {
    fn default() -> Self {
        Self::new(Duration::from_secs(15 * 60), 5, 20, 50)
    }
}

impl LoginLimiter {
    pub fn new(window: Duration, per_pair: usize, per_client: usize, per_user: usize) -> Self {
        Self {
            window,
            per_pair,
            per_client,
            per_user,
            state: Mutex::new(State::default()),
        }
    }

    /// Reserves an attempt for `user` from `client`, or says which limit refuses it.
    pub fn begin(&self, user: &str, client: &str) -> Result<Attempt, Throttled> {
        let now = Instant::now();
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let known = state
            .known
            .get(&(user.to_owned(), client.to_owned()))
            .is_some_and(|t| now.duration_since(*t) < KNOWN_FOR);
        let mut keys = vec![
            (
                Key::Pair(user.to_owned(), client.to_owned()),
                self.per_pair,
                Limit::UserAndAddress,
            ),
            (
                Key::Client(client.to_owned()),
                self.per_client,
                Limit::Address,
            ),
        ];
        if !known {
            keys.push((Key::User(user.to_owned()), self.per_user, Limit::User));
        }
        let refused = keys
            .iter()
            .filter_map(|(key, max, limit)| {
                let times = state.failures.get_mut(key)?;
                while times
                    .front()
                    .is_some_and(|t| now.duration_since(*t) >= self.window)
                {
                    times.pop_front();
                }
                let oldest = times.front()?;
                (times.len() >= *max).then(|| Throttled {
                    limit: *limit,
                    retry_after: self.window.saturating_sub(now.duration_since(*oldest)),
                })
            })
            .max_by_key(|t| t.retry_after);
        if let Some(throttled) = refused {
            return Err(throttled);
        }
        if state.failures.len() >= MAX_KEYS {
            let window = self.window;
            state.failures.retain(|_, times| {
                times
                    .back()
                    .is_some_and(|t| now.duration_since(*t) < window)
            });
        }
        let keys: Vec<Key> = keys.into_iter().map(|(key, _, _)| key).collect();
        for key in &keys {
            state
                .failures
                .entry(key.clone())
                .or_default()
                .push_back(now);
        }
        Ok(Attempt {
            keys,
            at: now,
            user: user.to_owned(),
            client: client.to_owned(),
        })
    }

    /// The password was right: the attempt is not a failure, the pair's failures are
    /// forgiven, and the address is remembered as the user's own.
    pub fn succeeded(&self, attempt: Attempt) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        Self::release(&mut state, &attempt);
        state
            .failures
            .remove(&Key::Pair(attempt.user.clone(), attempt.client.clone()));
        if state.known.len() >= MAX_KEYS {
            let now = Instant::now();
            state
                .known
                .retain(|_, t| now.duration_since(*t) < KNOWN_FOR);
        }
        state
            .known
            .insert((attempt.user, attempt.client), Instant::now());
    }

    /// The password was never checked (the server was busy): the attempt does not
    /// count.
    pub fn cancelled(&self, attempt: Attempt) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        Self::release(&mut state, &attempt);
    }

    /// The password was wrong: the reserved slot stays as the failure.
    pub fn failed(&self, attempt: Attempt) {
        drop(attempt);
    }

    fn release(state: &mut State, attempt: &Attempt) {
        for key in &attempt.keys {
            if let Some(times) = state.failures.get_mut(key)
                && let Some(i) = times.iter().position(|t| *t == attempt.at)
            {
                times.remove(i);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter() -> LoginLimiter {
        LoginLimiter::new(Duration::from_secs(60), 3, 10, 6)
    }

    #[test]
    fn the_pair_limit_counts_attempts_before_they_are_checked() {
        let limiter = limiter();
        // Three attempts in flight at once take all the pair's slots...
        let held: Vec<_> = (0..3)
            .map(|_| limiter.begin("alice", "127.0.0.1").expect("slot"))
            .collect();
        // ...so a fourth is refused before any of them is checked.
        let refused = limiter.begin("alice", "127.0.0.1").unwrap_err();
        assert_eq!(refused.limit, Limit::UserAndAddress);
        assert!(refused.retry_after > Duration::ZERO);
        for attempt in held {
            limiter.failed(attempt);
        }
        assert!(limiter.begin("alice", "127.0.0.1").is_err());
        // Another address is not locked out by them.
        let other = limiter.begin("alice", "127.0.0.2").expect("other address");
        limiter.succeeded(other);
    }

    #[test]
    fn success_and_cancel_give_the_slot_back() {
        let limiter = limiter();
        for _ in 0..2 {
            let a = limiter.begin("bob", "127.0.0.1").expect("slot");
            limiter.failed(a);
        }
        let a = limiter.begin("bob", "127.0.0.1").expect("slot");
        limiter.cancelled(a);
        let a = limiter
            .begin("bob", "127.0.0.1")
            .expect("the cancelled one did not count");
        limiter.succeeded(a);
        // Success forgave the pair's failures.
        for _ in 0..3 {
            let a = limiter.begin("bob", "127.0.0.1").expect("slot");
            limiter.failed(a);
        }
        assert!(limiter.begin("bob", "127.0.0.1").is_err());
    }

    #[test]
    fn one_address_spraying_names_is_limited() {
        let limiter = limiter();
        for i in 0..10 {
            let a = limiter
                .begin(&format!("user{i}"), "127.0.0.9")
                .expect("slot");
            limiter.failed(a);
        }
        let refused = limiter.begin("someone-new", "127.0.0.9").unwrap_err();
        assert_eq!(refused.limit, Limit::Address);
        assert!(limiter.begin("someone-new", "127.0.0.8").is_ok());
    }

    #[test]
    fn strangers_exhaust_the_user_budget_but_not_the_owners_address() {
        let limiter = limiter();
        let own = limiter.begin("admin", "127.0.0.1").expect("slot");
        limiter.succeeded(own);
        for i in 0..6 {
            let a = limiter
                .begin("admin", &format!("127.0.1.{i}"))
                .expect("slot");
            limiter.failed(a);
        }
        let refused = limiter.begin("admin", "127.0.2.1").unwrap_err();
        assert_eq!(refused.limit, Limit::User);
        // The admin's own address still gets through.
        let own = limiter
            .begin("admin", "127.0.0.1")
            .expect("the owner is not locked out");
        limiter.succeeded(own);
    }

    #[test]
    fn failures_age_out() {
        let limiter = LoginLimiter::new(Duration::ZERO, 1, 1, 1);
        let a = limiter.begin("alice", "127.0.0.1").expect("slot");
        limiter.failed(a);
        assert!(limiter.begin("alice", "127.0.0.1").is_ok());
    }
}
