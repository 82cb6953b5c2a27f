//! Retention policies and the retention planner: which snapshots of one subvolume (on
//! the primary, or the copies on one target) to keep, which to delete, and why.
//!
//! # Design note: the planner
//!
//! [`plan`] is a pure function of (snapshots, policy, pins, now). It returns one
//! [`Decision`] per distinct snapshot id, sorted by (created_at, id), so the result does
//! not depend on input order. A snapshot is kept iff it has at least one [`KeepReason`];
//! every reason that applies is listed, in a fixed order.
//!
//! **Safety reasons** (docs/design.md invariant 1; they hold whatever the policy says):
//! - the newest snapshot of the set (`newest snapshot`); if that one was not created by
//!   dist-btrfs, the newest managed snapshot is kept too (`newest snapshot created by
//!   dist-btrfs`), so a hand-made snapshot never causes ours all to go;
//! - every pinned snapshot: the incremental base of a target (`incremental base for
//!   target X`), whether or not the target is reachable;
//! - a snapshot being sent (`being sent`);
//! - a snapshot dist-btrfs neither created nor adopted (`not created by dist-btrfs`);
//! - a snapshot dated after `now` (clock skew: we cannot reason about its age).
//!
//! **Policy reasons** apply to managed snapshots only (unmanaged ones neither use up
//! nor fill buckets):
//! - `keep_last N`: the N newest managed snapshots;
//! - `min_age`: managed snapshots younger than `min_age` (`now - created_at < min_age`);
//! - buckets `hourly H`, `daily D`, `weekly W`, `monthly M`, `yearly Y`: calendar periods
//!   in the policy's time zone, counted back from the period containing `now` (which is
//!   period 0): the bucket covers periods 0..N-1, **empty periods count** (btrbk's
//!   `preserve` semantics: "daily 7" means the last seven calendar days, not the last
//!   seven days that have a snapshot). In each covered period the **oldest** managed
//!   snapshot is kept (btrbk keeps the first snapshot of each period too).
//!   Periods: hours are real hours (the repeated 02:00 of a fall-back night is two
//!   hourly periods, labelled with their UTC offsets; a skipped hour is no period);
//!   days are local calendar dates (23 or 25 hours long across a clock change); weeks
//!   are ISO 8601 weeks (Monday first, `2026-12-31` and `2027-01-01` are both in
//!   `2026-W53`); months and years are local calendar months and years.
//!
//! Why the **oldest** per period: the representative of a period never changes as newer
//! snapshots arrive, so a planner run every hour never deletes a snapshot that an
//! earlier run kept for a period that is still covered.
//!
//! **Monotonicity (property-tested):** for a fixed `now` and policy, adding a snapshot
//! newer than every existing one (and not after `now`) leaves every bucket reason,
//! `min_age` reason, pin reason and `not created by dist-btrfs` reason of the existing
//! snapshots exactly as it was. The only reasons an existing snapshot can lose are
//! `keep_last N` (it is pushed out of the N newest) and `newest snapshot...`. A
//! consequence (checked by the two-year simulation): applying the planner at every
//! tick and deleting what it says gives the same final set as one plan over all
//! snapshots ever made (same pins, no sends in flight): a period's oldest snapshot is
//! kept from its creation until the period leaves its bucket, and never comes back.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use chrono::{DateTime, Datelike, NaiveDate, Offset, TimeDelta, Timelike, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::schedule::{UnknownTimeZone, parse_time_zone};

/// Bucket counts above this are refused (100000 days is 273 years).
pub const MAX_BUCKET_COUNT: u32 = 100_000;

/// `min_age` above this (100 years) is refused.
pub const MAX_MIN_AGE: Duration = Duration::from_secs(100 * 366 * 24 * 3600);

/// A retention policy as entered (e.g. from the API); [`RetentionPolicy::parse`]
/// validates it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetentionSpec {
    pub keep_last: u32,
    pub min_age: Option<Duration>,
    pub hourly: u32,
    pub daily: u32,
    pub weekly: u32,
    pub monthly: u32,
    pub yearly: u32,
    /// IANA zone name; the bucket boundaries are in this zone.
    pub time_zone: String,
}

/// Why a retention spec is refused. [`RetentionError::field`] names the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RetentionError {
    #[error("{field}: {value} is more than the maximum {max}")]
    TooLarge {
        field: &'static str,
        value: u32,
        max: u32,
    },
    #[error("min_age: more than 100 years")]
    MinAgeTooLarge,
    #[error(
        "keep_last: the policy keeps nothing (keep_last, hourly, daily, weekly, monthly and \
         yearly are all 0 and there is no min_age)"
    )]
    KeepsNothing,
    #[error("time_zone: {0}")]
    TimeZone(#[from] UnknownTimeZone),
}

impl RetentionError {
    /// The name of the input field that is wrong.
    pub fn field(&self) -> &'static str {
        match self {
            Self::TooLarge { field, .. } => field,
            Self::MinAgeTooLarge => "min_age",
            Self::KeepsNothing => "keep_last",
            Self::TimeZone(_) => "time_zone",
        }
    }
}

/// A validated retention policy. Build it with [`RetentionPolicy::parse`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetentionPolicy {
    keep_last: u32,
    min_age: Option<Duration>,
    hourly: u32,
    daily: u32,
    weekly: u32,
    monthly: u32,
    yearly: u32,
    time_zone: Tz,
}

impl RetentionPolicy {
    pub fn parse(spec: &RetentionSpec) -> Result<Self, RetentionError> {
        for (field, value) in [
            ("keep_last", spec.keep_last),
            ("hourly", spec.hourly),
            ("daily", spec.daily),
            ("weekly", spec.weekly),
            ("monthly", spec.monthly),
            ("yearly", spec.yearly),
        ] {
            if value > MAX_BUCKET_COUNT {
                return Err(RetentionError::TooLarge {
                    field,
                    value,
                    max: MAX_BUCKET_COUNT,
                });
            }
        }
        // A zero min_age keeps nothing; store it as "no min_age".
        let min_age = spec.min_age.filter(|d| !d.is_zero());
        if min_age.is_some_and(|d| d > MAX_MIN_AGE) {
            return Err(RetentionError::MinAgeTooLarge);
        }
        if min_age.is_none()
            && [
                spec.keep_last,
                spec.hourly,
                spec.daily,
                spec.weekly,
                spec.monthly,
                spec.yearly,
            ]
            .iter()
            .all(|n| *n == 0)
        {
            return Err(RetentionError::KeepsNothing);
        }
        let time_zone = parse_time_zone(&spec.time_zone)?;
        Ok(Self {
            keep_last: spec.keep_last,
            min_age,
            hourly: spec.hourly,
            daily: spec.daily,
            weekly: spec.weekly,
            monthly: spec.monthly,
            yearly: spec.yearly,
            time_zone,
        })
    }

    /// The spec this policy was parsed from (with a zero `min_age` normalised away).
    pub fn spec(&self) -> RetentionSpec {
        RetentionSpec {
            keep_last: self.keep_last,
            min_age: self.min_age,
            hourly: self.hourly,
            daily: self.daily,
            weekly: self.weekly,
            monthly: self.monthly,
            yearly: self.yearly,
            time_zone: self.time_zone.name().to_owned(),
        }
    }

    pub fn time_zone(&self) -> Tz {
        self.time_zone
    }
}

/// What the planner needs to know about one snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotFacts {
    pub id: Uuid,
    pub created_at: DateTime<Utc>,
    /// Created or explicitly adopted by dist-btrfs.
    pub managed: bool,
    /// A send of this snapshot is in progress.
    pub sending: bool,
    /// An operator's hold (a rollback's pre-restore snapshot): kept until released.
    pub held: bool,
}

/// A target's common base with the primary: must not be deleted.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Pin {
    pub snapshot_id: Uuid,
    pub target_name: String,
}

/// One reason to keep a snapshot. `Display` is the text the API shows.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum KeepReason {
    /// The newest snapshot of the set.
    Newest,
    /// The newest managed snapshot, when the newest of all is unmanaged.
    NewestManaged,
    NotManaged,
    BeingSent,
    /// Held by an operator (a rollback's pre-restore snapshot) until released.
    Held,
    IncrementalBase {
        target: String,
    },
    CreatedInFuture,
    MinAge,
    KeepLast {
        n: u32,
    },
    /// `local` is the period's first wall-clock minute; `offset_seconds` its UTC
    /// offset (which tells the two passes of a repeated hour apart).
    Hourly {
        local: chrono::NaiveDateTime,
        offset_seconds: i32,
    },
    Daily {
        date: NaiveDate,
    },
    Weekly {
        iso_year: i32,
        week: u32,
    },
    Monthly {
        year: i32,
        month: u32,
    },
    Yearly {
        year: i32,
    },
}

impl KeepReason {
    /// True for reasons the policy gives (as opposed to the safety rules).
    pub fn is_policy(&self) -> bool {
        matches!(
            self,
            Self::MinAge
                | Self::KeepLast { .. }
                | Self::Hourly { .. }
                | Self::Daily { .. }
                | Self::Weekly { .. }
                | Self::Monthly { .. }
                | Self::Yearly { .. }
        )
    }

    /// True for the calendar-bucket reasons.
    pub fn is_bucket(&self) -> bool {
        matches!(
            self,
            Self::Hourly { .. }
                | Self::Daily { .. }
                | Self::Weekly { .. }
                | Self::Monthly { .. }
                | Self::Yearly { .. }
        )
    }
}

impl fmt::Display for KeepReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Newest => f.write_str("newest snapshot"),
            Self::NewestManaged => f.write_str("newest snapshot created by dist-btrfs"),
            Self::NotManaged => f.write_str("not created by dist-btrfs"),
            Self::BeingSent => f.write_str("being sent"),
            Self::Held => f.write_str("held until an operator releases it"),
            Self::IncrementalBase { target } => write!(f, "incremental base for target {target}"),
            Self::CreatedInFuture => f.write_str("created after the planning time"),
            Self::MinAge => f.write_str("min_age"),
            Self::KeepLast { n } => write!(f, "keep_last {n}"),
            Self::Hourly {
                local,
                offset_seconds,
            } => {
                let sign = if *offset_seconds < 0 { '-' } else { '+' };
                let abs = offset_seconds.unsigned_abs();
                write!(
                    f,
                    "hourly {}{sign}{:02}:{:02}",
                    local.format("%Y-%m-%d %H:%M"),
                    abs / 3600,
                    abs % 3600 / 60
                )
            }
            Self::Daily { date } => write!(f, "daily {}", date.format("%Y-%m-%d")),
            Self::Weekly { iso_year, week } => write!(f, "weekly {iso_year}-W{week:02}"),
            Self::Monthly { year, month } => write!(f, "monthly {year}-{month:02}"),
            Self::Yearly { year } => write!(f, "yearly {year}"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Keep,
    Delete,
}

/// The planner's verdict on one snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub snapshot_id: Uuid,
    pub created_at: DateTime<Utc>,
    pub action: Action,
    /// Every reason that keeps it; empty iff `action == Delete`.
    pub reasons: Vec<KeepReason>,
}

/// One decision per distinct snapshot id, oldest first (ties by id).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Plan {
    pub decisions: Vec<Decision>,
}

impl Plan {
    pub fn to_delete(&self) -> impl Iterator<Item = &Decision> {
        self.decisions.iter().filter(|d| d.action == Action::Delete)
    }

    pub fn to_keep(&self) -> impl Iterator<Item = &Decision> {
        self.decisions.iter().filter(|d| d.action == Action::Keep)
    }

    pub fn get(&self, id: Uuid) -> Option<&Decision> {
        self.decisions.iter().find(|d| d.snapshot_id == id)
    }
}

/// Merges duplicate ids conservatively (a caller bug, but never a reason to delete):
/// unmanaged if any copy is, sending if any copy is, the latest `created_at`.
fn dedup(snapshots: &[SnapshotFacts]) -> Vec<SnapshotFacts> {
    let mut by_id: BTreeMap<Uuid, SnapshotFacts> = BTreeMap::new();
    for s in snapshots {
        by_id
            .entry(s.id)
            .and_modify(|e| {
                e.managed &= s.managed;
                e.sending |= s.sending;
                e.held |= s.held;
                e.created_at = e.created_at.max(s.created_at);
            })
            .or_insert_with(|| s.clone());
    }
    let mut out: Vec<SnapshotFacts> = by_id.into_values().collect();
    out.sort_by_key(|s| (s.created_at, s.id));
    out
}

/// Calendar period keys in the policy's zone. Each returns (period key, index back
/// from the period of `now`; 0 = current, negative = in the future).
struct Calendar {
    tz: Tz,
    now_hour_start: DateTime<Utc>,
    today: NaiveDate,
}

impl Calendar {
    fn new(tz: Tz, now: DateTime<Utc>) -> Self {
        Self {
            tz,
            now_hour_start: hour_start(now, tz),
            today: now.with_timezone(&tz).date_naive(),
        }
    }

    fn hourly(&self, t: DateTime<Utc>) -> (KeepReason, i64) {
        let start = hour_start(t, self.tz);
        let local = start.with_timezone(&self.tz);
        let offset_seconds = local.offset().fix().local_minus_utc();
        let index = (self.now_hour_start - start).num_seconds().div_euclid(3600);
        (
            KeepReason::Hourly {
                local: local.naive_local(),
                offset_seconds,
            },
            index,
        )
    }

    fn date(&self, t: DateTime<Utc>) -> NaiveDate {
        t.with_timezone(&self.tz).date_naive()
    }

    fn daily(&self, t: DateTime<Utc>) -> (KeepReason, i64) {
        let date = self.date(t);
        (KeepReason::Daily { date }, (self.today - date).num_days())
    }

    fn weekly(&self, t: DateTime<Utc>) -> (KeepReason, i64) {
        let date = self.date(t);
        let iso = date.iso_week();
        let monday =
            |d: NaiveDate| d - TimeDelta::days(i64::from(d.weekday().num_days_from_monday()));
        let index = (monday(self.today) - monday(date)).num_days().div_euclid(7);
        (
            KeepReason::Weekly {
                iso_year: iso.year(),
                week: iso.week(),
            },
            index,
        )
    }

    fn monthly(&self, t: DateTime<Utc>) -> (KeepReason, i64) {
        let date = self.date(t);
        let m = |d: NaiveDate| i64::from(d.year()) * 12 + i64::from(d.month0());
        (
            KeepReason::Monthly {
                year: date.year(),
                month: date.month(),
            },
            m(self.today) - m(date),
        )
    }

    fn yearly(&self, t: DateTime<Utc>) -> (KeepReason, i64) {
        let year = self.date(t).year();
        (
            KeepReason::Yearly { year },
            i64::from(self.today.year()) - i64::from(year),
        )
    }
}

/// The first instant of the local clock hour containing `t` (real hours: in a repeated
/// hour the two passes have different starts).
fn hour_start(t: DateTime<Utc>, tz: Tz) -> DateTime<Utc> {
    let local = t.with_timezone(&tz);
    // Every current tzdata offset is a whole number of minutes, so the local clock hour
    // starts this many seconds (plus the sub-second part) before `t`.
    let into_hour = i64::from(local.minute()) * 60 + i64::from(local.second());
    let whole_second = t.with_nanosecond(0).unwrap_or(t);
    whole_second - TimeDelta::seconds(into_hour)
}

/// Plans retention for one set of snapshots. See the module docs for the rules.
pub fn plan(
    snapshots: &[SnapshotFacts],
    policy: &RetentionPolicy,
    pins: &[Pin],
    now: DateTime<Utc>,
) -> Plan {
    let snaps = dedup(snapshots);
    let mut reasons: Vec<Vec<KeepReason>> = vec![Vec::new(); snaps.len()];

    // Safety reasons.
    if let Some(last) = reasons.last_mut() {
        last.push(KeepReason::Newest);
    }
    if snaps.last().is_some_and(|s| !s.managed)
        && let Some(i) = snaps.iter().rposition(|s| s.managed)
    {
        reasons[i].push(KeepReason::NewestManaged);
    }
    let mut pins: Vec<&Pin> = pins.iter().collect();
    pins.sort();
    pins.dedup();
    for (i, s) in snaps.iter().enumerate() {
        let r = &mut reasons[i];
        if !s.managed {
            r.push(KeepReason::NotManaged);
        }
        if s.sending {
            r.push(KeepReason::BeingSent);
        }
        if s.held {
            r.push(KeepReason::Held);
        }
        for p in pins.iter().filter(|p| p.snapshot_id == s.id) {
            r.push(KeepReason::IncrementalBase {
                target: p.target_name.clone(),
            });
        }
        if s.created_at > now {
            r.push(KeepReason::CreatedInFuture);
        }
    }

    // Policy reasons, managed snapshots only.
    let managed: Vec<usize> = (0..snaps.len()).filter(|i| snaps[*i].managed).collect();
    if let Some(min_age) = policy.min_age {
        let min_age = TimeDelta::from_std(min_age).unwrap_or(TimeDelta::MAX);
        for &i in &managed {
            if snaps[i].created_at <= now && now - snaps[i].created_at < min_age {
                reasons[i].push(KeepReason::MinAge);
            }
        }
    }
    let keep_last = usize::try_from(policy.keep_last).unwrap_or(usize::MAX);
    for &i in managed.iter().rev().take(keep_last) {
        reasons[i].push(KeepReason::KeepLast {
            n: policy.keep_last,
        });
    }
    let cal = Calendar::new(policy.time_zone, now);
    type PeriodOf = fn(&Calendar, DateTime<Utc>) -> (KeepReason, i64);
    let buckets: [(u32, PeriodOf); 5] = [
        (policy.hourly, Calendar::hourly),
        (policy.daily, Calendar::daily),
        (policy.weekly, Calendar::weekly),
        (policy.monthly, Calendar::monthly),
        (policy.yearly, Calendar::yearly),
    ];
    for (count, period_of) in buckets {
        if count == 0 {
            continue;
        }
        // `managed` is oldest first and periods are contiguous intervals of time, so
        // the snapshots of one period are adjacent and the first is its oldest.
        let mut last_key: Option<KeepReason> = None;
        for &i in &managed {
            let (key, index) = period_of(&cal, snaps[i].created_at);
            if !(0..i64::from(count)).contains(&index) {
                continue;
            }
            if last_key.as_ref() != Some(&key) {
                last_key = Some(key.clone());
                reasons[i].push(key);
            }
        }
    }

    let decisions = snaps
        .into_iter()
        .zip(reasons)
        .map(|(s, mut r)| {
            r.sort();
            r.dedup();
            Decision {
                snapshot_id: s.id,
                created_at: s.created_at,
                action: if r.is_empty() {
                    Action::Delete
                } else {
                    Action::Keep
                },
                reasons: r,
            }
        })
        .collect();
    Plan { decisions }
}

#[cfg(test)]
mod tests;
