//! Snapshot hooks: per subvolume, an optional executable run before (`pre`) and after
//! (`post`) each snapshot so an application can quiesce (flush and freeze a database,
//! then thaw it). This module holds the rules; the engine runs them.
//!
//! - A hook is chosen by [`HookName`]: one file name in the server's hooks directory
//!   (`/etc/dist-btrfs/hooks.d` by default), never a path, so an API caller can only pick
//!   among executables the operator installed there.
//! - It runs as a fixed argv with a [`HookTimeout`]; the exit status decides
//!   ([`HookOutcome`]). A failing pre-hook aborts the snapshot (`SnapshotCreateFailed`
//!   says why); the post-hook runs whenever the pre-hook succeeded, also when the
//!   snapshot failed, and its failure leaves the snapshot in place but is a fleet problem
//!   (the application may still be quiesced) until a later post-hook run succeeds.
//! - Every run is recorded ([`SnapshotHookRan`]); setting hooks is [`SubvolumeHooksSet`].
//!
//! Does NOT run anything, know paths of servers, or decide who may set hooks.

use serde::{Deserialize, Serialize};

use crate::ids::SubvolumeId;

/// Longest accepted [`HookName`], in bytes.
pub const MAX_HOOK_NAME: usize = 64;
/// Bounds of [`HookTimeout`], seconds.
pub const MIN_HOOK_TIMEOUT_SECS: u32 = 1;
pub const MAX_HOOK_TIMEOUT_SECS: u32 = 900;
/// The timeout when none is given.
pub const DEFAULT_HOOK_TIMEOUT_SECS: u32 = 60;
/// Bytes of a hook's stderr kept in its [`SnapshotHookRan`] event (the last ones).
pub const HOOK_OUTPUT_TAIL: usize = 1024;

/// Why a hook name or timeout was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HookError {
    #[error(
        "hook name {0:?} is not a file name of the hooks directory: 1 to {MAX_HOOK_NAME} ASCII \
         letters, digits, `.`, `_` or `-`, starting with a letter or digit"
    )]
    InvalidName(String),
    #[error(
        "hook timeout {0} s is out of range ({MIN_HOOK_TIMEOUT_SECS}..={MAX_HOOK_TIMEOUT_SECS} s)"
    )]
    TimeoutOutOfRange(u64),
}

/// The name of a hook: one file name in a server's hooks directory. Starts with an ASCII
/// letter or digit (so never `.`, `..` or an option), then letters, digits, `.`, `_`, `-`;
/// at most [`MAX_HOOK_NAME`] bytes; no `/`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct HookName(String);

impl HookName {
    pub fn parse(s: &str) -> Result<Self, HookError> {
        let mut chars = s.chars();
        let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphanumeric());
        let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
        if !first_ok || !rest_ok || s.len() > MAX_HOOK_NAME {
            return Err(HookError::InvalidName(s.to_owned()));
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for HookName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for HookName {
    type Error = HookError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<HookName> for String {
    fn from(n: HookName) -> Self {
        n.0
    }
}

/// How long a hook may run before it is killed (and counts as failed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct HookTimeout(u32);

impl HookTimeout {
    pub fn from_secs(secs: u64) -> Result<Self, HookError> {
        u32::try_from(secs)
            .ok()
            .filter(|s| (MIN_HOOK_TIMEOUT_SECS..=MAX_HOOK_TIMEOUT_SECS).contains(s))
            .map(Self)
            .ok_or(HookError::TimeoutOutOfRange(secs))
    }

    pub fn secs(self) -> u32 {
        self.0
    }

    pub fn duration(self) -> std::time::Duration {
        std::time::Duration::from_secs(u64::from(self.0))
    }
}

impl Default for HookTimeout {
    fn default() -> Self {
        Self(DEFAULT_HOOK_TIMEOUT_SECS)
    }
}

/// A subvolume's hooks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SnapshotHooks {
    pub pre: Option<HookName>,
    pub post: Option<HookName>,
    pub timeout: HookTimeout,
}

impl SnapshotHooks {
    /// Validates the parts of a `SubvolumeHooksSet` (or an API request).
    pub fn parse(
        pre: Option<&str>,
        post: Option<&str>,
        timeout_secs: u64,
    ) -> Result<Self, HookError> {
        Ok(Self {
            pre: pre.map(HookName::parse).transpose()?,
            post: post.map(HookName::parse).transpose()?,
            timeout: HookTimeout::from_secs(timeout_secs)?,
        })
    }

    /// The hook of `phase`, if one is set.
    pub fn of(&self, phase: HookPhase) -> Option<&HookName> {
        match phase {
            HookPhase::Pre => self.pre.as_ref(),
            HookPhase::Post => self.post.as_ref(),
        }
    }
}

crate::text_enum! {
    /// When a hook runs.
    pub enum HookPhase {
        /// Before the snapshot: its failure aborts the snapshot.
        Pre = "pre",
        /// After the snapshot (also a failed one): its failure leaves the snapshot.
        Post = "post",
    }
}

crate::text_enum! {
    /// How a hook run ended.
    pub enum HookOutcome {
        /// Exit status 0.
        Ok = "ok",
        /// A non-zero exit status or killed by a signal.
        Failed = "failed",
        /// Still running at the timeout: killed.
        TimedOut = "timed_out",
        /// No such executable in the hooks directory (or it could not be started).
        NotFound = "not_found",
        /// The server could not be reached to run it.
        Unreachable = "unreachable",
    }
}

impl HookOutcome {
    pub fn is_ok(self) -> bool {
        self == Self::Ok
    }

    /// How a run ended, in words: "failed (exit 3)", "timed out after 1000 ms" ...
    pub fn words(self, exit_code: Option<i32>, duration_ms: u64) -> String {
        match self {
            Self::Ok => "succeeded".to_owned(),
            Self::Failed => match exit_code {
                Some(code) => format!("failed (exit {code})"),
                None => "failed (killed by a signal)".to_owned(),
            },
            Self::TimedOut => format!("timed out after {duration_ms} ms"),
            Self::NotFound => "could not be started".to_owned(),
            Self::Unreachable => "could not be run (server unreachable)".to_owned(),
        }
    }
}

/// An operator set (or cleared, both `None`) a subvolume's hooks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubvolumeHooksSet {
    pub subvolume_id: SubvolumeId,
    pub pre: Option<String>,
    pub post: Option<String>,
    pub timeout_secs: u32,
}

/// A hook ran (or could not be run) for a snapshot of a subvolume.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotHookRan {
    pub subvolume_id: SubvolumeId,
    pub phase: HookPhase,
    pub hook: String,
    /// The snapshot's name (being made, or made).
    pub snapshot: String,
    pub outcome: HookOutcome,
    /// The exit status when it exited.
    pub exit_code: Option<i32>,
    pub duration_ms: u64,
    /// The last [`HOOK_OUTPUT_TAIL`] bytes of its stderr, or why it could not run.
    pub message: String,
}

impl SnapshotHookRan {
    /// "pre-snapshot hook freeze-db failed (exit 3): …", for events and errors.
    pub fn describe(&self) -> String {
        let what = self.outcome.words(self.exit_code, self.duration_ms);
        let message = self.message.trim();
        if message.is_empty() || self.outcome.is_ok() {
            format!("{}-snapshot hook {} {what}", self.phase, self.hook)
        } else {
            format!(
                "{}-snapshot hook {} {what}: {message}",
                self.phase, self.hook
            )
        }
    }
}

/// The last `max` bytes of `s`, cut at a character boundary.
pub fn tail(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut start = s.len() - max;
    while !s.is_char_boundary(start) {
        start += 1;
    }
    &s[start..]
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn names_are_single_file_names_of_the_hooks_directory() {
        for ok in [
            "freeze-db",
            "a",
            "0",
            "pg_start.sh",
            "A.b-c_d",
            &"x".repeat(64),
        ] {
            assert_eq!(HookName::parse(ok).unwrap().as_str(), ok);
        }
        for bad in [
            "",
            ".",
            "..",
            ".hidden",
            "-x",
            "_x",
            "a/b",
            "../etc",
            "a b",
            "a\nb",
            "é",
            "a;b",
            "$(x)",
            &"x".repeat(65),
        ] {
            assert_eq!(
                HookName::parse(bad),
                Err(HookError::InvalidName(bad.to_owned())),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn timeouts_are_bounded() {
        assert_eq!(HookTimeout::default().secs(), DEFAULT_HOOK_TIMEOUT_SECS);
        assert_eq!(HookTimeout::from_secs(1).unwrap().secs(), 1);
        assert_eq!(HookTimeout::from_secs(900).unwrap().secs(), 900);
        for bad in [0, 901, u64::from(u32::MAX) + 1] {
            assert_eq!(
                HookTimeout::from_secs(bad),
                Err(HookError::TimeoutOutOfRange(bad))
            );
        }
    }

    #[test]
    fn a_failed_run_is_described_with_its_exit_status_and_output() {
        let mut run = SnapshotHookRan {
            subvolume_id: SubvolumeId::new(),
            phase: HookPhase::Pre,
            hook: "freeze".into(),
            snapshot: "db.20261205T000000Z".into(),
            outcome: HookOutcome::Failed,
            exit_code: Some(3),
            duration_ms: 12,
            message: "database busy\n".into(),
        };
        assert_eq!(
            run.describe(),
            "pre-snapshot hook freeze failed (exit 3): database busy"
        );
        run.outcome = HookOutcome::Ok;
        run.exit_code = Some(0);
        assert_eq!(run.describe(), "pre-snapshot hook freeze succeeded");
    }

    #[test]
    fn tail_keeps_the_last_bytes_at_a_character_boundary() {
        assert_eq!(tail("abc", 5), "abc");
        assert_eq!(tail("abcdef", 3), "def");
        assert_eq!(tail("aéé", 3), "é");
    }

    proptest! {
        /// Whatever is accepted is one safe file-name component.
        #[test]
        fn accepted_names_cannot_leave_the_directory(s in "\\PC{0,70}") {
            if let Ok(n) = HookName::parse(&s) {
                prop_assert!(!n.as_str().contains('/'));
                prop_assert!(n.as_str() != "." && n.as_str() != "..");
                prop_assert!(!n.as_str().starts_with(['-', '.']));
                prop_assert!(n.as_str().len() <= MAX_HOOK_NAME);
            }
        }

        #[test]
        fn names_round_trip_through_json(s in "[a-zA-Z0-9][a-zA-Z0-9._-]{0,63}") {
            let n = HookName::parse(&s).unwrap();
            let json = serde_json::to_string(&n).unwrap();
            prop_assert_eq!(serde_json::from_str::<HookName>(&json).unwrap(), n);
        }
    }
}
