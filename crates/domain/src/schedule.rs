//! Schedules: a cron expression evaluated in an IANA time zone, and the scheduled
//! *slots* it produces.
//!
//! A slot is the instant a scheduled run is *for*, and it is the time part of a job's
//! idempotency key (policy, subvolume, slot): two schedulers, a restart or a retried
//! job that compute the same slot never make a second snapshot for it.
//!
//! # Design note: slots, catch-up and DST
//!
//! - Cron expressions have five fields (minute granularity), evaluated on the wall clock
//!   of the schedule's time zone with [`croner`] (Vixie-cron rules for clock changes).
//! - **Catch-up once.** [`Schedule::due_slot`] returns the most recent slot `<= now`,
//!   and only if it is later than the last slot that ran. After a downtime that missed
//!   many slots the scheduler runs one job, for the newest missed slot; the older missed
//!   slots are never returned again because they are not after the new `last_slot`.
//! - **Spring forward (a skipped hour).** A fixed-time job whose wall-clock time does not
//!   exist that day (02:30 on 2026-03-29 in Europe/Berlin) runs once, at the first
//!   instant after the gap (03:00 CEST). Jobs with a wildcard or stepped hour simply have
//!   no slots inside the gap.
//! - **Fall back (a repeated hour).** A fixed-time job (02:30 on 2026-10-25 in
//!   Europe/Berlin) runs once, in the first pass (02:30 CEST); a job with a wildcard or
//!   stepped hour runs in both passes (02:30 CEST and 02:30 CET are two slots: two real
//!   instants, two keys).
//! - Slots are always instants (UTC), so the key never depends on the wall clock's
//!   ambiguity. `due_slot(now)` agrees with walking [`Schedule::next_after`] from any
//!   earlier slot (table- and property-tested across both 2026 Berlin clock changes).

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, TimeDelta, Utc};
use chrono_tz::Tz;
use croner::Cron;
use croner::parser::{CronParser, Seconds};

/// Why a schedule could not be built. [`ScheduleError::field`] names the input field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    #[error("cron: invalid cron expression {expression:?}: {reason}")]
    InvalidCron { expression: String, reason: String },
    #[error("cron: the expression {expression:?} never matches a time")]
    NeverFires { expression: String },
    #[error("time_zone: {0}")]
    TimeZone(#[from] UnknownTimeZone),
}

impl ScheduleError {
    /// The name of the input field that is wrong (`cron` or `time_zone`).
    pub fn field(&self) -> &'static str {
        match self {
            Self::InvalidCron { .. } | Self::NeverFires { .. } => "cron",
            Self::TimeZone(_) => "time_zone",
        }
    }
}

/// An IANA time zone name that is not in the compiled-in tz database.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown IANA time zone {0:?} (expected a name like \"Europe/Berlin\" or \"UTC\")")]
pub struct UnknownTimeZone(pub String);

/// Parses an IANA time zone name ("Europe/Berlin", "UTC"). Exact spelling.
pub fn parse_time_zone(name: &str) -> Result<Tz, UnknownTimeZone> {
    Tz::from_str(name.trim()).map_err(|_| UnknownTimeZone(name.to_owned()))
}

/// One scheduled run: the instant it is for. Displayed as RFC 3339 UTC to the second,
/// which is the form used in idempotency keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Slot(DateTime<Utc>);

impl Slot {
    /// A slot for an instant (e.g. read back from the event log).
    pub fn from_instant(at: DateTime<Utc>) -> Self {
        Self(at)
    }

    pub fn at(&self) -> DateTime<Utc> {
        self.0
    }
}

impl fmt::Display for Slot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format("%Y-%m-%dT%H:%M:%SZ"))
    }
}

/// A validated cron expression in a time zone.
#[derive(Debug, Clone)]
pub struct Schedule {
    expression: String,
    cron: Cron,
    time_zone: Tz,
}

impl PartialEq for Schedule {
    fn eq(&self, other: &Self) -> bool {
        self.expression == other.expression && self.time_zone == other.time_zone
    }
}

impl Eq for Schedule {}

/// Schedules parsed once each, by (cron, time zone): many policies and subvolumes share
/// one, and a pass over all of them (the scheduler's tick, the fleet status) parses each
/// distinct one once.
#[derive(Debug, Default)]
pub struct ParsedSchedules(std::collections::HashMap<(String, String), Result<Schedule, String>>);

impl ParsedSchedules {
    /// The schedule, or why it does not parse.
    pub fn get(&mut self, cron: &str, time_zone: &str) -> Result<&Schedule, &str> {
        self.0
            .entry((cron.to_owned(), time_zone.to_owned()))
            .or_insert_with(|| Schedule::parse(cron, time_zone).map_err(|e| e.to_string()))
            .as_ref()
            .map_err(String::as_str)
    }
}

impl Schedule {
    /// Parses a five-field cron expression (`minute hour day-of-month month
    /// day-of-week`, or an alias such as `@daily`) and an IANA zone name.
    pub fn parse(cron: &str, time_zone: &str) -> Result<Self, ScheduleError> {
        let expression = cron.trim().to_owned();
        let parsed = CronParser::builder()
            .seconds(Seconds::Disallowed)
            .build()
            .parse(&expression)
            .map_err(|e| ScheduleError::InvalidCron {
                expression: expression.clone(),
                reason: e.to_string(),
            })?;
        let time_zone = parse_time_zone(time_zone)?;
        let schedule = Self {
            expression,
            cron: parsed,
            time_zone,
        };
        // "0 0 30 2 *" parses but never runs: refuse it here, not at 3 a.m. in the
        // scheduler. Leap days ("0 0 29 2 *") are found within the search horizon.
        let probe = DateTime::<Utc>::UNIX_EPOCH + TimeDelta::days(365 * 56);
        if schedule.next_after(probe).is_none() {
            return Err(ScheduleError::NeverFires {
                expression: schedule.expression,
            });
        }
        Ok(schedule)
    }

    pub fn expression(&self) -> &str {
        &self.expression
    }

    pub fn time_zone(&self) -> Tz {
        self.time_zone
    }

    /// The first slot strictly after `t`, or `None` if there is none within croner's
    /// search horizon (only for expressions that (almost) never match).
    pub fn next_after(&self, t: DateTime<Utc>) -> Option<Slot> {
        let local = t.with_timezone(&self.time_zone);
        self.cron
            .find_next_occurrence(&local, false)
            .ok()
            .map(|d| Slot(d.with_timezone(&Utc)))
    }

    /// The most recent slot at or before `t`.
    ///
    /// Computed with a backward search and then checked against the forward walk, so
    /// that it always returns a slot [`Schedule::next_after`] would produce (the two
    /// searches treat a clock change differently at the edges).
    pub fn latest_at_or_before(&self, t: DateTime<Utc>) -> Option<Slot> {
        let local = t.with_timezone(&self.time_zone);
        let candidate = self
            .cron
            .find_previous_occurrence(&local, true)
            .ok()
            .map(|d| d.with_timezone(&Utc));
        // Normalise: the forward walk from just before the candidate gives the slot
        // the scheduler's other code paths would see; then walk forward while <= t.
        let mut best = match candidate {
            Some(c) => {
                let from = c - TimeDelta::seconds(1);
                match self.next_after(from) {
                    Some(s) if s.0 <= t => Some(s),
                    // The backward candidate is not a forward slot and the next forward
                    // slot is already past `t`: fall back to the forward slot before it.
                    _ => self.forward_before(c, t),
                }
            }
            // Nothing backwards within the horizon: at most the forward walk from far
            // back could find one, which means none for practical purposes.
            None => None,
        };
        while let Some(s) = best {
            match self.next_after(s.0) {
                Some(n) if n.0 <= t => best = Some(n),
                _ => break,
            }
        }
        best
    }

    /// The last forward slot `<= t`, searched from ever further before `c` (a day, a
    /// week, a month, a year): only reached when the backward search returned an
    /// instant the forward walk does not produce.
    fn forward_before(&self, c: DateTime<Utc>, t: DateTime<Utc>) -> Option<Slot> {
        [1, 8, 32, 367].into_iter().find_map(|days| {
            let mut cursor = c - TimeDelta::days(days);
            let mut best = None;
            while let Some(s) = self.next_after(cursor) {
                if s.0 > t {
                    break;
                }
                best = Some(s);
                cursor = s.0;
            }
            best
        })
    }

    /// The slot to run now, if any: the most recent slot `<= now` that is later than
    /// `last_slot` (the slot of the last run, or `None` if the schedule never ran).
    ///
    /// After a downtime this returns ONE slot (the newest missed one): catch up once,
    /// not once per missed slot. With `last_slot = None` it returns the most recent
    /// slot; a caller that does not want an immediate run for a brand-new policy passes
    /// the policy's creation time as `Slot::from_instant(created_at)`.
    pub fn due_slot(&self, last_slot: Option<Slot>, now: DateTime<Utc>) -> Option<Slot> {
        let slot = self.latest_at_or_before(now)?;
        match last_slot {
            Some(last) if slot <= last => None,
            _ => Some(slot),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parsed_schedules_answer_each_schedule_and_each_error() {
        let mut parsed = ParsedSchedules::default();
        let now = DateTime::parse_from_rfc3339("2026-12-06T10:30:00Z")
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default();
        let slot = |p: &mut ParsedSchedules| {
            p.get("0 * * * *", "UTC")
                .map(|s| s.due_slot(None, now).map(|slot| slot.at()))
                .map_err(str::to_owned)
        };
        let hourly = slot(&mut parsed);
        assert_eq!(hourly, Ok(Some(now - TimeDelta::minutes(30))));
        assert_eq!(slot(&mut parsed), hourly);
        assert!(parsed.get("not a cron", "UTC").is_err());
        assert!(parsed.get("0 * * * *", "Mars/Olympus").is_err());
    }
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn berlin(cron: &str) -> Schedule {
        Schedule::parse(cron, "Europe/Berlin").unwrap()
    }

    /// All forward slots in (from, to].
    fn walk(s: &Schedule, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<DateTime<Utc>> {
        let mut out = Vec::new();
        let mut cur = from;
        while let Some(n) = s.next_after(cur) {
            if n.at() > to {
                break;
            }
            out.push(n.at());
            cur = n.at();
        }
        out
    }

    #[test]
    fn bad_input_names_the_field() {
        let e = Schedule::parse("61 * * * *", "UTC").unwrap_err();
        assert_eq!(e.field(), "cron");
        assert!(
            e.to_string().starts_with("cron: invalid cron expression"),
            "{e}"
        );
        let e = Schedule::parse("not cron", "UTC").unwrap_err();
        assert_eq!(e.field(), "cron");
        let e = Schedule::parse("", "UTC").unwrap_err();
        assert_eq!(e.field(), "cron");
        // Seconds are not a thing for snapshots.
        let e = Schedule::parse("0 0 * * * *", "UTC").unwrap_err();
        assert_eq!(e.field(), "cron");
        let e = Schedule::parse("0 0 30 2 *", "UTC").unwrap_err();
        assert!(matches!(e, ScheduleError::NeverFires { .. }), "{e}");
        let e = Schedule::parse("0 * * * *", "Europe/Berlim").unwrap_err();
        assert_eq!(e.field(), "time_zone");
        assert!(e.to_string().contains("Europe/Berlim"), "{e}");
        assert!(Schedule::parse("0 0 29 2 *", "UTC").is_ok());
        assert!(Schedule::parse("@daily", "America/New_York").is_ok());
    }

    #[test]
    fn next_after_and_slot_display() {
        let s = berlin("0 3 * * *");
        let n = s.next_after(utc("2026-11-25T12:00:00Z")).unwrap();
        assert_eq!(n.to_string(), "2026-11-26T02:00:00Z"); // 03:00 CET
        // strictly after
        assert_eq!(
            s.next_after(n.at()).unwrap().to_string(),
            "2026-11-27T02:00:00Z"
        );
    }

    #[test]
    fn due_slot_catches_up_once() {
        let s = berlin("0 * * * *");
        let last = Slot::from_instant(utc("2026-11-20T10:00:00Z"));
        // Five days down: one slot, the newest one.
        let now = utc("2026-11-25T12:34:00Z");
        let due = s.due_slot(Some(last), now).unwrap();
        assert_eq!(due.to_string(), "2026-11-25T12:00:00Z");
        // After running it, nothing is due until the next slot.
        assert_eq!(s.due_slot(Some(due), now), None);
        assert_eq!(s.due_slot(Some(due), utc("2026-11-25T12:59:59Z")), None);
        assert_eq!(
            s.due_slot(Some(due), utc("2026-11-25T13:00:00Z"))
                .unwrap()
                .to_string(),
            "2026-11-25T13:00:00Z"
        );
        // Never ran: the most recent slot.
        assert_eq!(s.due_slot(None, now), Some(due));
        // A retried/duplicated scheduler tick computes the same slot (same key).
        assert_eq!(
            s.due_slot(Some(last), utc("2026-11-25T12:00:00Z")),
            Some(due)
        );
    }

    /// (cron, from, to, expected forward slots in UTC) around both 2026 Berlin changes.
    #[test]
    fn dst_table_europe_berlin() {
        let cases: &[(&str, &str, &str, &[&str])] = &[
            // Spring forward 2026-03-29: 02:00 CET -> 03:00 CEST (01:00Z).
            // A fixed 02:30 job runs once, at the first instant after the gap.
            (
                "30 2 * * *",
                "2026-03-28T00:00:00Z",
                "2026-03-30T23:00:00Z",
                &[
                    "2026-03-28T01:30:00Z",
                    "2026-03-29T01:00:00Z",
                    "2026-03-30T00:30:00Z",
                ],
            ),
            // Hourly: the skipped hour has no slot; no duplicate either.
            (
                "0 * * * *",
                "2026-03-28T23:30:00Z",
                "2026-03-29T02:30:00Z",
                &[
                    "2026-03-29T00:00:00Z", // 01:00 CET
                    "2026-03-29T01:00:00Z", // 03:00 CEST
                    "2026-03-29T02:00:00Z", // 04:00 CEST
                ],
            ),
            // Fall back 2026-10-25: 03:00 CEST -> 02:00 CET (01:00Z); 02:xx repeats.
            // A fixed 02:30 job runs once, in the first pass.
            (
                "30 2 * * *",
                "2026-10-24T00:00:00Z",
                "2026-10-26T23:00:00Z",
                &[
                    "2026-10-24T00:30:00Z",
                    "2026-10-25T00:30:00Z",
                    "2026-10-26T01:30:00Z",
                ],
            ),
            // Hourly: both passes of 02:00 are slots (two real hours, two keys).
            (
                "0 * * * *",
                "2026-10-24T23:30:00Z",
                "2026-10-25T02:30:00Z",
                &[
                    "2026-10-25T00:00:00Z", // 02:00 CEST
                    "2026-10-25T01:00:00Z", // 02:00 CET
                    "2026-10-25T02:00:00Z", // 03:00 CET
                ],
            ),
            // Daily at midnight is unaffected; the days are 23 h and 25 h long.
            (
                "0 0 * * *",
                "2026-10-24T00:00:00Z",
                "2026-10-26T00:00:00Z",
                &["2026-10-24T22:00:00Z", "2026-10-25T23:00:00Z"],
            ),
        ];
        for (cron, from, to, expected) in cases {
            let s = berlin(cron);
            let got: Vec<String> = walk(&s, utc(from), utc(to))
                .iter()
                .map(|d| Slot(*d).to_string())
                .collect();
            assert_eq!(&got, expected, "cron {cron:?} from {from}");
        }
    }

    /// `due_slot` (a backward search) agrees with the forward walk around the DST
    /// changes, minute by minute, for a few patterns.
    #[test]
    fn due_slot_agrees_with_forward_walk_across_dst() {
        for cron in [
            "30 2 * * *",
            "0 * * * *",
            "*/20 * * * *",
            "0 2 * * *",
            "15 2,3 * * *",
        ] {
            let s = berlin(cron);
            for (from, to) in [
                ("2026-03-28T22:00:00Z", "2026-03-29T04:00:00Z"),
                ("2026-10-24T22:00:00Z", "2026-10-25T04:00:00Z"),
            ] {
                let start = utc(from) - TimeDelta::days(2);
                let slots = walk(&s, start, utc(to) + TimeDelta::days(1));
                let mut now = utc(from);
                while now <= utc(to) {
                    let expected = slots.iter().rev().find(|d| **d <= now).copied();
                    assert_eq!(
                        s.latest_at_or_before(now).map(|x| x.at()),
                        expected,
                        "cron {cron:?} now {now}"
                    );
                    now += TimeDelta::minutes(5);
                }
            }
        }
    }

    #[test]
    fn time_zone_matters() {
        let s = Schedule::parse("0 0 * * *", "America/New_York").unwrap();
        let n = s.next_after(Utc.with_ymd_and_hms(2026, 7, 1, 12, 0, 0).unwrap());
        assert_eq!(n.unwrap().to_string(), "2026-07-02T04:00:00Z");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// Catch-up: whatever the downtime, due_slot returns one slot <= now, after
        /// last, and the next forward slot after it is > now (it is the newest).
        #[test]
        fn due_slot_is_newest_missed(
            start in 0i64..(3 * 365 * 24 * 60),
            gap in 0i64..(10 * 24 * 60),
            pat in 0usize..4,
        ) {
            let cron = ["0 * * * *", "30 2 * * *", "*/15 * * * *", "0 0 * * 1"][pat];
            let s = berlin(cron);
            let base = utc("2025-01-01T00:00:00Z") + TimeDelta::minutes(start);
            let last = s.latest_at_or_before(base);
            let now = base + TimeDelta::minutes(gap);
            match s.due_slot(last, now) {
                Some(due) => {
                    prop_assert!(due.at() <= now);
                    prop_assert!(last.is_none_or(|l| due > l));
                    prop_assert!(s.next_after(due.at()).is_none_or(|n| n.at() > now));
                    prop_assert_eq!(s.due_slot(Some(due), now), None);
                }
                None => {
                    let l = last.unwrap();
                    prop_assert!(s.next_after(l.at()).is_none_or(|n| n.at() > now));
                }
            }
        }
    }
}
