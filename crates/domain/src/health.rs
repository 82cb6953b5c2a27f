//! Replication health of one (subvolume, target): the recovery point objective (RPO)
//! of a subvolume and the pure rule that turns the facts read from the projections into
//! a state `ok` / `late` / `failing` / `never_replicated`. No I/O here: the store
//! gathers the facts, the API and `/metrics` show the verdict.
//!
//! # Design note
//!
//! - **RPO.** An operator sets it per subvolume (`SubvolumeRpoSet`, in the subvolume's
//!   stream; `None` goes back to the default). The default is **twice the longest gap
//!   between the next [`GAP_SAMPLES`] slots of the subvolume's policy schedule** (one
//!   missed run is tolerated, two are not; irregular crons such as weekdays-only use
//!   their longest gap), and **24 h** when the subvolume follows no policy or the
//!   schedule never fires. Bounds: [`MIN_RPO_SECS`]..=[`MAX_RPO_SECS`].
//! - **State**, first match wins:
//!   1. `failing`: the newest attempt on the target failed and nothing succeeded since
//!      (also when nothing ever succeeded);
//!   2. `never_replicated`: no replica of the subvolume on the target and no failure;
//!   3. `late`: the newest replica on the target was *created* (on the primary) longer
//!      than the RPO ago: that is the data an operator would lose now;
//!   4. `ok`.
//! - **Lag** is how far the target is behind the primary: creation time of the newest
//!   snapshot on the primary minus that of the newest replica (0 when up to date,
//!   `None` without a replica). **Age** is `now` minus the newest replica's creation.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::SubvolumeId;
use crate::schedule::Schedule;

/// The smallest RPO an operator may set (1 minute).
pub const MIN_RPO_SECS: u64 = 60;
/// The largest RPO an operator may set (366 days).
pub const MAX_RPO_SECS: u64 = 366 * 24 * 3600;
/// The RPO without a policy schedule.
pub const DEFAULT_RPO_SECS: u64 = 24 * 3600;
/// How many upcoming slots the default RPO looks at.
pub const GAP_SAMPLES: usize = 8;

/// An operator set (or cleared, `None`) the RPO of a subvolume.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubvolumeRpoSet {
    pub subvolume_id: SubvolumeId,
    pub rpo_seconds: Option<u64>,
}

/// Why an RPO was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "rpo_seconds: must be between {MIN_RPO_SECS} and {MAX_RPO_SECS} (or null for the default), got {0}"
)]
pub struct RpoOutOfRange(pub u64);

/// Checks an operator's RPO.
pub fn validate_rpo(secs: u64) -> Result<u64, RpoOutOfRange> {
    if (MIN_RPO_SECS..=MAX_RPO_SECS).contains(&secs) {
        Ok(secs)
    } else {
        Err(RpoOutOfRange(secs))
    }
}

/// Where an effective RPO came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RpoSource {
    /// Set by an operator.
    Set,
    /// Twice the policy schedule's longest gap.
    Schedule,
    /// [`DEFAULT_RPO_SECS`]: no policy, or a schedule that never fires.
    Default,
}

/// The default RPO (see the module docs), from the schedule's slots after `now`.
pub fn default_rpo(schedule: Option<&Schedule>, now: DateTime<Utc>) -> (u64, RpoSource) {
    let Some(schedule) = schedule else {
        return (DEFAULT_RPO_SECS, RpoSource::Default);
    };
    let mut prev = now;
    let mut longest: Option<i64> = None;
    for _ in 0..=GAP_SAMPLES {
        let Some(slot) = schedule.next_after(prev) else {
            break;
        };
        if prev != now {
            let gap = (slot.at() - prev).num_seconds();
            longest = Some(longest.map_or(gap, |l| l.max(gap)));
        }
        prev = slot.at();
    }
    match longest
        .and_then(|g| u64::try_from(g).ok())
        .filter(|g| *g > 0)
    {
        Some(gap) => (
            gap.saturating_mul(2).clamp(MIN_RPO_SECS, MAX_RPO_SECS),
            RpoSource::Schedule,
        ),
        None => (DEFAULT_RPO_SECS, RpoSource::Default),
    }
}

/// The effective RPO: the operator's, else the default.
pub fn effective_rpo(
    set: Option<u64>,
    schedule: Option<&Schedule>,
    now: DateTime<Utc>,
) -> (u64, RpoSource) {
    match set {
        Some(secs) => (secs, RpoSource::Set),
        None => default_rpo(schedule, now),
    }
}

/// The health verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HealthState {
    Ok,
    Late,
    Failing,
    NeverReplicated,
}

impl HealthState {
    pub const ALL: [Self; 4] = [Self::Ok, Self::Late, Self::Failing, Self::NeverReplicated];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Late => "late",
            Self::Failing => "failing",
            Self::NeverReplicated => "never_replicated",
        }
    }
}

/// What the projections know about one (subvolume, target).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct HealthFacts {
    /// Creation of the newest present snapshot on the primary.
    pub newest_primary: Option<DateTime<Utc>>,
    /// Creation (on the primary) of the newest snapshot complete on the target.
    pub newest_replica: Option<DateTime<Utc>>,
    pub last_success: Option<DateTime<Utc>>,
    pub last_failure: Option<DateTime<Utc>>,
}

/// The verdict and the figures behind it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Assessment {
    pub state: HealthState,
    /// Newest primary snapshot minus newest replica, never negative.
    pub lag: Option<Duration>,
    /// `now` minus the newest replica's creation, never negative.
    pub replica_age: Option<Duration>,
}

fn non_negative(d: chrono::Duration) -> Duration {
    d.to_std().unwrap_or(Duration::ZERO)
}

/// Applies the rule of the module docs.
pub fn assess(facts: &HealthFacts, rpo: Duration, now: DateTime<Utc>) -> Assessment {
    let replica_age = facts.newest_replica.map(|r| non_negative(now - r));
    let lag = facts.newest_replica.map(|r| match facts.newest_primary {
        Some(p) => non_negative(p - r),
        None => Duration::ZERO,
    });
    let failing = match (facts.last_failure, facts.last_success) {
        (Some(f), Some(s)) => f > s,
        (Some(_), None) => true,
        (None, _) => false,
    };
    let state = if failing {
        HealthState::Failing
    } else if facts.newest_replica.is_none() {
        HealthState::NeverReplicated
    } else if replica_age.is_some_and(|age| age > rpo) {
        HealthState::Late
    } else {
        HealthState::Ok
    };
    Assessment {
        state,
        lag,
        replica_age,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn t(h: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 26, 0, 0, 0).unwrap() + chrono::Duration::hours(h)
    }

    const DAY: Duration = Duration::from_secs(24 * 3600);

    #[test]
    fn table_of_states() {
        let cases = [
            (HealthFacts::default(), HealthState::NeverReplicated),
            (
                HealthFacts {
                    last_failure: Some(t(1)),
                    ..Default::default()
                },
                HealthState::Failing,
            ),
            (
                HealthFacts {
                    newest_primary: Some(t(10)),
                    newest_replica: Some(t(10)),
                    last_success: Some(t(10)),
                    last_failure: Some(t(11)),
                },
                HealthState::Failing,
            ),
            (
                HealthFacts {
                    newest_primary: Some(t(30)),
                    newest_replica: Some(t(30)),
                    last_success: Some(t(32)),
                    last_failure: Some(t(31)),
                },
                HealthState::Ok,
            ),
            (
                HealthFacts {
                    newest_primary: Some(t(40)),
                    newest_replica: Some(t(10)),
                    last_success: Some(t(10)),
                    last_failure: None,
                },
                HealthState::Late,
            ),
        ];
        for (facts, want) in cases {
            assert_eq!(assess(&facts, DAY, t(40)).state, want, "{facts:?}");
        }
    }

    #[test]
    fn lag_and_age() {
        let facts = HealthFacts {
            newest_primary: Some(t(5)),
            newest_replica: Some(t(2)),
            last_success: Some(t(3)),
            last_failure: None,
        };
        let a = assess(&facts, DAY, t(6));
        assert_eq!(a.lag, Some(Duration::from_secs(3 * 3600)));
        assert_eq!(a.replica_age, Some(Duration::from_secs(4 * 3600)));
        assert_eq!(a.state, HealthState::Ok);
        let none = assess(&HealthFacts::default(), DAY, t(6));
        assert_eq!((none.lag, none.replica_age), (None, None));
    }

    #[test]
    fn default_rpo_follows_the_schedule() {
        let hourly = Schedule::parse("0 * * * *", "UTC").unwrap();
        assert_eq!(
            default_rpo(Some(&hourly), t(0)),
            (7200, RpoSource::Schedule)
        );
        let nightly = Schedule::parse("0 3 * * *", "Europe/Berlin").unwrap();
        assert_eq!(
            default_rpo(Some(&nightly), t(0)),
            (2 * 24 * 3600, RpoSource::Schedule)
        );
        // Weekdays only: the weekend gap (3 days) is the longest.
        let weekdays = Schedule::parse("0 3 * * 1-5", "UTC").unwrap();
        assert_eq!(default_rpo(Some(&weekdays), t(0)).0, 2 * 3 * 24 * 3600);
        assert_eq!(
            default_rpo(None, t(0)),
            (DEFAULT_RPO_SECS, RpoSource::Default)
        );
        assert_eq!(
            effective_rpo(Some(600), Some(&hourly), t(0)),
            (600, RpoSource::Set)
        );
    }

    #[test]
    fn rpo_bounds() {
        assert!(validate_rpo(59).is_err());
        assert!(validate_rpo(60).is_ok());
        assert!(validate_rpo(MAX_RPO_SECS).is_ok());
        let err = validate_rpo(MAX_RPO_SECS + 1).unwrap_err();
        assert!(err.to_string().starts_with("rpo_seconds:"));
    }

    proptest! {
        #[test]
        fn a_failure_after_the_last_success_is_always_failing(
            p in 0i64..100, r in 0i64..100, s in 0i64..100, gap in 1i64..50, rpo in 60u64..1_000_000,
        ) {
            let facts = HealthFacts {
                newest_primary: Some(t(p)),
                newest_replica: Some(t(r)),
                last_success: Some(t(s)),
                last_failure: Some(t(s + gap)),
            };
            prop_assert_eq!(assess(&facts, Duration::from_secs(rpo), t(200)).state, HealthState::Failing);
        }

        #[test]
        fn without_failures_late_iff_age_exceeds_rpo(r in 0i64..100, now in 0i64..200, rpo_h in 1u64..100) {
            let facts = HealthFacts {
                newest_primary: Some(t(r)),
                newest_replica: Some(t(r)),
                last_success: Some(t(r)),
                last_failure: None,
            };
            let a = assess(&facts, Duration::from_secs(rpo_h * 3600), t(now));
            let late = now - r > i64::try_from(rpo_h).unwrap();
            prop_assert_eq!(a.state == HealthState::Late, late);
            prop_assert_eq!(a.lag, Some(Duration::ZERO));
        }
    }
}
