//! The fleet status: one verdict that is the worst of everything that can be wrong, and
//! the list of what is wrong. The engine gathers the facts (replication health, failed
//! jobs, storage collection, filesystem usage, schedules); the rules that turn facts into
//! problems and problems into the verdict are here, pure, so that the API, `/metrics` and
//! the dashboard all show one computation.
//!
//! Rules (each problem is one row; the status is the most severe row, `ok` when none):
//! - replication FAILING → critical; LATE or never replicated → warning;
//! - a job that failed for good in the last 24 h → warning;
//! - a server whose last contact failed → critical (`host_key_changed` when its host key
//!   no longer matches the pinned one, `server_unreachable` when no session opened);
//!   reached but its storage could not be read → warning (`storage_unknown`);
//! - a filesystem at or above the usage threshold (default 85%) → warning, at or above
//!   [`FULL_PERCENT`] → critical;
//! - a subvolume whose last snapshot attempt failed → critical (`snapshot_failing`);
//!   one whose newest snapshot is older than its schedule's latest slot by more than
//!   [`OVERDUE_GRACE`] → warning (`snapshot_overdue`).
//!
//! Not here: reading any of those facts (engine `status`).

use chrono::{DateTime, Duration, Utc};

use crate::Schedule;

crate::text_enum! {
    /// How bad a problem is; the fleet status is the worst of its problems.
    pub enum Severity {
        Ok = "ok",
        Warning = "warning",
        Critical = "critical",
    }
}

crate::text_enum! {
    /// What kind of thing is wrong.
    pub enum ProblemKind {
        ReplicationFailing = "replication_failing",
        ReplicationLate = "replication_late",
        ReplicationNever = "replication_never",
        JobFailed = "job_failed",
        ServerUnreachable = "server_unreachable",
        HostKeyChanged = "host_key_changed",
        FilesystemFull = "filesystem_full",
        StorageUnknown = "storage_unknown",
        SnapshotFailing = "snapshot_failing",
        SnapshotOverdue = "snapshot_overdue",
        /// The last run of a subvolume's post-snapshot hook failed: the application it
        /// quiesced may still be frozen (`domain::hooks`).
        HookFailing = "hook_failing",
    }
}

impl ProblemKind {
    /// The severity of a problem of this kind (filesystem usage is graded by
    /// [`filesystem_severity`]).
    pub fn severity(self) -> Severity {
        match self {
            Self::ReplicationFailing
            | Self::ServerUnreachable
            | Self::HostKeyChanged
            | Self::SnapshotFailing
            | Self::HookFailing => Severity::Critical,
            Self::ReplicationLate
            | Self::ReplicationNever
            | Self::JobFailed
            | Self::FilesystemFull
            | Self::StorageUnknown
            | Self::SnapshotOverdue => Severity::Warning,
        }
    }
}

crate::text_enum! {
    /// Why the last contact with a server (its storage collection) failed.
    pub enum ContactFailure {
        /// No SSH session: refused, timed out, reset, authentication failed.
        Unreachable = "unreachable",
        /// The server presented another host key than the pinned one.
        HostKeyChanged = "host_key_changed",
        /// Reached, but reading its storage failed (a command failed).
        Failed = "failed",
    }
}

impl ContactFailure {
    /// The problem a server with this failure has.
    pub fn problem(self) -> ProblemKind {
        match self {
            Self::Unreachable => ProblemKind::ServerUnreachable,
            Self::HostKeyChanged => ProblemKind::HostKeyChanged,
            Self::Failed => ProblemKind::StorageUnknown,
        }
    }
}

/// The default usage threshold of a filesystem, in percent.
pub const DEFAULT_USAGE_WARNING_PERCENT: u8 = 85;

/// At or above this usage a filesystem is critical whatever the threshold.
pub const FULL_PERCENT: u8 = 95;

/// How long after its slot a scheduled snapshot may still be missing before it is
/// overdue (the scheduler ticks every few seconds; a snapshot takes seconds).
pub const OVERDUE_GRACE: Duration = Duration::minutes(5);

/// How far back a failed job counts.
pub const FAILED_JOB_WINDOW: Duration = Duration::hours(24);

/// The worst severity of `problems` (`Ok` when there are none).
pub fn worst<I: IntoIterator<Item = Severity>>(problems: I) -> Severity {
    problems.into_iter().max().unwrap_or(Severity::Ok)
}

/// The percentage of `size` that `used` takes, rounded down (0 for an empty size).
pub fn used_percent(used: u64, size: u64) -> u8 {
    if size == 0 {
        return 0;
    }
    let pct = u128::from(used.min(size)) * 100 / u128::from(size);
    u8::try_from(pct).unwrap_or(100)
}

/// The severity of a filesystem at `percent` usage with `threshold`: `None` under it.
pub fn filesystem_severity(percent: u8, threshold: u8) -> Option<Severity> {
    if percent >= FULL_PERCENT {
        Some(Severity::Critical)
    } else if percent >= threshold {
        Some(Severity::Warning)
    } else {
        None
    }
}

/// The slot a subvolume on `schedule` missed: its latest slot at or before `now -`
/// [`OVERDUE_GRACE`], when the newest snapshot (`newest`, any origin) is older than it
/// and the subvolume has followed the schedule since before it (`since`).
pub fn overdue_slot(
    schedule: &Schedule,
    newest: Option<DateTime<Utc>>,
    since: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let slot = schedule.latest_at_or_before(now - OVERDUE_GRACE)?.at();
    if slot <= since {
        return None;
    }
    match newest {
        Some(n) if n >= slot => None,
        _ => Some(slot),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 4, h, m, 0).unwrap()
    }

    #[test]
    fn the_status_is_the_worst_problem() {
        assert_eq!(worst([]), Severity::Ok);
        assert_eq!(worst([Severity::Warning]), Severity::Warning);
        assert_eq!(
            worst([Severity::Warning, Severity::Critical, Severity::Ok]),
            Severity::Critical
        );
        assert_eq!(
            ProblemKind::ReplicationFailing.severity(),
            Severity::Critical
        );
        assert_eq!(ProblemKind::ReplicationLate.severity(), Severity::Warning);
    }

    #[test]
    fn filesystems_are_graded_by_the_threshold_and_full() {
        assert_eq!(used_percent(85, 100), 85);
        assert_eq!(used_percent(1, 0), 0);
        assert_eq!(used_percent(200, 100), 100);
        assert_eq!(filesystem_severity(84, 85), None);
        assert_eq!(filesystem_severity(85, 85), Some(Severity::Warning));
        assert_eq!(filesystem_severity(95, 99), Some(Severity::Critical));
        assert_eq!(filesystem_severity(50, 40), Some(Severity::Warning));
    }

    #[test]
    fn a_snapshot_is_overdue_after_its_slot_and_the_grace() {
        let hourly = Schedule::parse("0 * * * *", "UTC").unwrap();
        let since = at(0, 0);
        // 10:03: the 10:00 slot is within the grace; 09:00 is the one that counts.
        assert_eq!(
            overdue_slot(&hourly, Some(at(9, 0)), since, at(10, 3)),
            None
        );
        assert_eq!(
            overdue_slot(&hourly, Some(at(8, 0)), since, at(10, 3)),
            Some(at(9, 0))
        );
        // 10:06: the 10:00 snapshot is missing.
        assert_eq!(
            overdue_slot(&hourly, Some(at(9, 0)), since, at(10, 6)),
            Some(at(10, 0))
        );
        assert_eq!(
            overdue_slot(&hourly, None, since, at(10, 6)),
            Some(at(10, 0))
        );
        // Followed since 10:30: no slot of it has passed yet.
        assert_eq!(overdue_slot(&hourly, None, at(10, 30), at(10, 40)), None);
    }

    proptest! {
        /// The worst is one of the problems and no problem is worse.
        #[test]
        fn worst_is_the_maximum(v in proptest::collection::vec(0usize..3, 0..8)) {
            let sev: Vec<Severity> = v.iter().map(|&i| Severity::ALL[i]).collect();
            let w = worst(sev.iter().copied());
            prop_assert!(sev.iter().all(|s| *s <= w));
            prop_assert!(sev.is_empty() && w == Severity::Ok || sev.contains(&w));
        }

        /// A newest snapshot at or after the slot is never overdue.
        #[test]
        fn a_snapshot_at_the_slot_is_never_overdue(mins in 0i64..10_000, lag in 0i64..600) {
            let hourly = Schedule::parse("*/15 * * * *", "UTC").unwrap();
            let now = at(0, 0) + Duration::minutes(mins);
            if let Some(slot) = overdue_slot(&hourly, None, at(0, 0) - Duration::days(1), now) {
                let later = slot + Duration::seconds(lag);
                prop_assert_eq!(overdue_slot(&hourly, Some(later), at(0, 0) - Duration::days(1), now), None);
            }
        }
    }
}
