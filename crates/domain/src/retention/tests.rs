//! Tests of the retention planner: validation, named table cases, properties over
//! random inputs, and a two-year hourly simulation.

use std::collections::BTreeSet;

use chrono::{NaiveDate, TimeZone as _};
use proptest::prelude::*;

use super::*;

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn spec(tz: &str) -> RetentionSpec {
    RetentionSpec {
        keep_last: 0,
        min_age: None,
        hourly: 0,
        daily: 0,
        weekly: 0,
        monthly: 0,
        yearly: 0,
        time_zone: tz.to_owned(),
    }
}

fn snap(n: u128, at: DateTime<Utc>) -> SnapshotFacts {
    SnapshotFacts {
        id: Uuid::from_u128(n),
        created_at: at,
        managed: true,
        sending: false,
        held: false,
    }
}

/// Snapshots at `start`, `start + step`, ... (`count` of them), ids 1, 2, ...
fn series(start: &str, step: TimeDelta, count: u32) -> Vec<SnapshotFacts> {
    let start = utc(start);
    (0..count)
        .map(|i| snap(u128::from(i) + 1, start + step * i32::try_from(i).unwrap()))
        .collect()
}

fn texts(plan: &Plan, at: &str) -> Vec<String> {
    let at = utc(at);
    let d = plan.decisions.iter().find(|d| d.created_at == at).unwrap();
    d.reasons.iter().map(ToString::to_string).collect()
}

fn kept_times(plan: &Plan) -> Vec<String> {
    plan.to_keep()
        .map(|d| d.created_at.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .collect()
}

// ---------------------------------------------------------------- validation

#[test]
fn validation_names_the_field() {
    let mut s = spec("Europe/Berlin");
    assert_eq!(
        RetentionPolicy::parse(&s).unwrap_err(),
        RetentionError::KeepsNothing
    );
    assert_eq!(RetentionPolicy::parse(&s).unwrap_err().field(), "keep_last");
    s.min_age = Some(Duration::ZERO);
    assert_eq!(
        RetentionPolicy::parse(&s).unwrap_err(),
        RetentionError::KeepsNothing
    );
    s.min_age = Some(Duration::from_secs(3600));
    assert!(RetentionPolicy::parse(&s).is_ok());
    s.min_age = Some(Duration::from_secs(101 * 366 * 24 * 3600));
    assert_eq!(RetentionPolicy::parse(&s).unwrap_err().field(), "min_age");
    s.min_age = None;
    s.weekly = 100_001;
    let e = RetentionPolicy::parse(&s).unwrap_err();
    assert_eq!(e.field(), "weekly");
    assert_eq!(
        e.to_string(),
        "weekly: 100001 is more than the maximum 100000"
    );
    s.weekly = 100_000;
    assert!(RetentionPolicy::parse(&s).is_ok());
    s.time_zone = "Mars/Olympus".into();
    let e = RetentionPolicy::parse(&s).unwrap_err();
    assert_eq!(e.field(), "time_zone");
    assert!(e.to_string().contains("Mars/Olympus"));
    let mut s = spec("UTC");
    s.yearly = 1;
    assert_eq!(RetentionPolicy::parse(&s).unwrap().spec(), s);
}

#[test]
fn reason_texts() {
    let cases = [
        (KeepReason::Newest, "newest snapshot"),
        (KeepReason::NotManaged, "not created by dist-btrfs"),
        (KeepReason::BeingSent, "being sent"),
        (
            KeepReason::IncrementalBase {
                target: "backup-2".into(),
            },
            "incremental base for target backup-2",
        ),
        (KeepReason::MinAge, "min_age"),
        (KeepReason::KeepLast { n: 3 }, "keep_last 3"),
        (
            KeepReason::Daily {
                date: NaiveDate::from_ymd_opt(2026, 11, 25).unwrap(),
            },
            "daily 2026-11-25",
        ),
        (
            KeepReason::Weekly {
                iso_year: 2026,
                week: 48,
            },
            "weekly 2026-W48",
        ),
        (
            KeepReason::Monthly {
                year: 2026,
                month: 3,
            },
            "monthly 2026-03",
        ),
        (KeepReason::Yearly { year: 2026 }, "yearly 2026"),
        (
            KeepReason::Hourly {
                local: NaiveDate::from_ymd_opt(2026, 10, 25)
                    .unwrap()
                    .and_hms_opt(2, 0, 0)
                    .unwrap(),
                offset_seconds: -9000,
            },
            "hourly 2026-10-25 02:00-02:30",
        ),
    ];
    for (r, text) in cases {
        assert_eq!(r.to_string(), text);
    }
}

// ---------------------------------------------------------------- table tests

#[test]
fn dst_fall_back_hourly_and_daily_europe_berlin() {
    let mut s = spec("Europe/Berlin");
    s.hourly = 24;
    s.daily = 3;
    let policy = RetentionPolicy::parse(&s).unwrap();
    // Every 30 minutes from 2026-10-24 00:00 CEST to 2026-10-25 05:30 CET.
    let snaps = series("2026-10-23T22:00:00Z", TimeDelta::minutes(30), 62);
    let now = utc("2026-10-25T04:45:00Z"); // 05:45 CET
    let p = plan(&snaps, &policy, &[], now);
    // The repeated 02:00 hour is two hourly periods, told apart by the offset.
    assert_eq!(
        texts(&p, "2026-10-25T00:00:00Z"),
        ["hourly 2026-10-25 02:00+02:00"]
    );
    assert_eq!(
        texts(&p, "2026-10-25T01:00:00Z"),
        ["hourly 2026-10-25 02:00+01:00"]
    );
    assert!(texts(&p, "2026-10-25T00:30:00Z").is_empty()); // second half of 02:00 CEST
    assert!(texts(&p, "2026-10-25T01:30:00Z").is_empty()); // second half of 02:00 CET
    // Days are local dates: 2026-10-25 is 25 hours long and starts at 22:00Z.
    assert_eq!(
        texts(&p, "2026-10-24T22:00:00Z"),
        ["hourly 2026-10-25 00:00+02:00", "daily 2026-10-25"]
    );
    assert_eq!(texts(&p, "2026-10-23T22:00:00Z"), ["daily 2026-10-24"]);
    // 24 real hours back from 05:00 CET (04:00Z): from 2026-10-24T05:00Z.
    let hourly: Vec<_> = p
        .decisions
        .iter()
        .filter(|d| {
            d.reasons
                .iter()
                .any(|r| matches!(r, KeepReason::Hourly { .. }))
        })
        .collect();
    assert_eq!(hourly.len(), 24);
    assert_eq!(hourly[0].created_at, utc("2026-10-24T05:00:00Z"));
    assert!(texts(&p, "2026-10-24T04:00:00Z").is_empty());
    // daily 3 covers 10-25, 10-24 and the empty 10-23: two snapshots.
    let daily = p
        .decisions
        .iter()
        .filter(|d| {
            d.reasons
                .iter()
                .any(|r| matches!(r, KeepReason::Daily { .. }))
        })
        .count();
    assert_eq!(daily, 2);
}

#[test]
fn dst_spring_forward_hourly_europe_berlin() {
    let mut s = spec("Europe/Berlin");
    s.hourly = 6;
    s.daily = 2;
    let policy = RetentionPolicy::parse(&s).unwrap();
    // Every 30 minutes from 2026-03-28 23:00 CET (22:00Z) to 2026-03-29 05:30 CEST.
    let snaps = series("2026-03-28T22:00:00Z", TimeDelta::minutes(30), 12);
    let now = utc("2026-03-29T03:45:00Z"); // 05:45 CEST
    let p = plan(&snaps, &policy, &[], now);
    // 02:00 local does not exist: 01:00 CET is followed by 03:00 CEST.
    assert_eq!(
        texts(&p, "2026-03-29T00:00:00Z"),
        ["hourly 2026-03-29 01:00+01:00"]
    );
    assert_eq!(
        texts(&p, "2026-03-29T01:00:00Z"),
        ["hourly 2026-03-29 03:00+02:00"]
    );
    // Six real hours back from 05:00 CEST: 05, 04, 03 CEST, 01, 00 CET, 23 CET.
    assert_eq!(
        texts(&p, "2026-03-28T22:00:00Z"),
        ["hourly 2026-03-28 23:00+01:00", "daily 2026-03-28"]
    );
    assert_eq!(
        texts(&p, "2026-03-28T23:00:00Z"),
        ["hourly 2026-03-29 00:00+01:00", "daily 2026-03-29"]
    );
    assert_eq!(texts(&p, "2026-03-29T03:30:00Z"), ["newest snapshot"]);
}

#[test]
fn iso_weeks_across_the_year_boundary() {
    let mut s = spec("UTC");
    s.weekly = 3;
    let policy = RetentionPolicy::parse(&s).unwrap();
    // Daily at noon from Fri 2026-12-25 to Tue 2027-01-12.
    let snaps = series("2026-12-25T12:00:00Z", TimeDelta::days(1), 19);
    let p = plan(&snaps, &policy, &[], utc("2027-01-12T13:00:00Z"));
    assert_eq!(
        kept_times(&p),
        [
            "2026-12-28T12:00:00Z", // Monday of 2026-W53
            "2027-01-04T12:00:00Z", // Monday of 2027-W01
            "2027-01-11T12:00:00Z", // Monday of 2027-W02 (current)
            "2027-01-12T12:00:00Z", // newest
        ]
    );
    assert_eq!(texts(&p, "2026-12-28T12:00:00Z"), ["weekly 2026-W53"]);
    assert_eq!(texts(&p, "2027-01-04T12:00:00Z"), ["weekly 2027-W01"]);

    // 2026-12-31 and 2027-01-01 are the same ISO week, 2026-W53: one is kept.
    let snaps = vec![
        snap(1, utc("2026-12-31T12:00:00Z")),
        snap(2, utc("2027-01-01T12:00:00Z")),
        snap(3, utc("2027-01-05T12:00:00Z")),
    ];
    let p = plan(&snaps, &policy, &[], utc("2027-01-05T13:00:00Z"));
    assert_eq!(texts(&p, "2026-12-31T12:00:00Z"), ["weekly 2026-W53"]);
    assert!(texts(&p, "2027-01-01T12:00:00Z").is_empty());
    // And a week in the time zone: 2027-01-03 23:30Z is already Monday in Berlin.
    let mut s = spec("Europe/Berlin");
    s.weekly = 2;
    let berlin = RetentionPolicy::parse(&s).unwrap();
    let snaps = vec![
        snap(1, utc("2027-01-03T22:30:00Z")),
        snap(2, utc("2027-01-03T23:30:00Z")),
        snap(3, utc("2027-01-05T12:00:00Z")),
    ];
    let p = plan(&snaps, &berlin, &[], utc("2027-01-05T13:00:00Z"));
    assert_eq!(texts(&p, "2027-01-03T22:30:00Z"), ["weekly 2026-W53"]);
    assert_eq!(texts(&p, "2027-01-03T23:30:00Z"), ["weekly 2027-W01"]);
}

#[test]
fn empty_periods_count_towards_the_bucket() {
    let mut s = spec("UTC");
    s.daily = 7;
    let policy = RetentionPolicy::parse(&s).unwrap();
    let now = utc("2026-11-25T12:00:00Z");
    let snaps = vec![
        snap(1, utc("2026-11-15T10:00:00Z")), // 10 days ago: outside 7 days
        snap(2, utc("2026-11-19T10:00:00Z")), // 6 days ago: last day of the bucket
        snap(3, utc("2026-11-22T10:00:00Z")),
        snap(4, utc("2026-11-22T11:00:00Z")), // same day, not the oldest
        snap(5, utc("2026-11-25T11:00:00Z")),
    ];
    let p = plan(&snaps, &policy, &[], now);
    assert!(texts(&p, "2026-11-15T10:00:00Z").is_empty());
    assert_eq!(texts(&p, "2026-11-19T10:00:00Z"), ["daily 2026-11-19"]);
    assert_eq!(texts(&p, "2026-11-22T10:00:00Z"), ["daily 2026-11-22"]);
    assert!(texts(&p, "2026-11-22T11:00:00Z").is_empty());
    assert_eq!(
        texts(&p, "2026-11-25T11:00:00Z"),
        ["newest snapshot", "daily 2026-11-25"]
    );
}

#[test]
fn all_snapshots_older_than_every_bucket() {
    let s = RetentionSpec {
        keep_last: 2,
        hourly: 24,
        daily: 7,
        weekly: 4,
        monthly: 12,
        yearly: 2,
        ..spec("Europe/Berlin")
    };
    let policy = RetentionPolicy::parse(&s).unwrap();
    let snaps = series("2023-01-01T00:00:00Z", TimeDelta::days(30), 12);
    let p = plan(&snaps, &policy, &[], utc("2026-11-25T12:00:00Z"));
    assert_eq!(
        kept_times(&p),
        ["2023-10-28T00:00:00Z", "2023-11-27T00:00:00Z"]
    );
    assert_eq!(texts(&p, "2023-10-28T00:00:00Z"), ["keep_last 2"]);
    assert_eq!(
        texts(&p, "2023-11-27T00:00:00Z"),
        ["newest snapshot", "keep_last 2"]
    );
    assert_eq!(p.to_delete().count(), 10);
}

#[test]
fn keep_last_zero_with_only_min_age() {
    let s = RetentionSpec {
        min_age: Some(Duration::from_secs(24 * 3600)),
        ..spec("UTC")
    };
    let policy = RetentionPolicy::parse(&s).unwrap();
    let snaps = series("2026-11-22T12:00:00Z", TimeDelta::hours(1), 72);
    let now = utc("2026-11-25T11:00:00Z"); // the newest is exactly now
    let p = plan(&snaps, &policy, &[], now);
    let kept = kept_times(&p);
    // Younger than 24 h: created after 2026-11-24T11:00Z (exactly 24 h old goes).
    assert_eq!(kept.len(), 24);
    assert_eq!(kept[0], "2026-11-24T12:00:00Z");
    assert_eq!(texts(&p, "2026-11-24T11:00:00Z"), Vec::<String>::new());
    assert_eq!(
        texts(&p, "2026-11-25T11:00:00Z"),
        ["newest snapshot", "min_age"]
    );
    // Long after: everything is old, only the newest survives.
    let p = plan(&snaps, &policy, &[], utc("2027-01-01T00:00:00Z"));
    assert_eq!(kept_times(&p), ["2026-11-25T11:00:00Z"]);
    assert_eq!(texts(&p, "2026-11-25T11:00:00Z"), ["newest snapshot"]);
}

#[test]
fn safety_reasons_and_unmanaged_snapshots() {
    let s = RetentionSpec {
        keep_last: 1,
        ..spec("UTC")
    };
    let policy = RetentionPolicy::parse(&s).unwrap();
    let mut snaps = series("2026-11-01T00:00:00Z", TimeDelta::days(1), 6);
    snaps[0].managed = false; // a hand-made snapshot
    snaps[1].sending = true;
    snaps[5].managed = false; // the newest is hand-made too
    snaps.push(snap(99, utc("2026-12-24T00:00:00Z"))); // clock skew: after now
    let pins = [
        Pin {
            snapshot_id: Uuid::from_u128(3),
            target_name: "backup-2".into(),
        },
        Pin {
            snapshot_id: Uuid::from_u128(3),
            target_name: "backup-1".into(),
        },
        Pin {
            snapshot_id: Uuid::from_u128(3),
            target_name: "backup-1".into(),
        },
        Pin {
            snapshot_id: Uuid::from_u128(12345), // no such snapshot: ignored
            target_name: "backup-3".into(),
        },
    ];
    let p = plan(&snaps, &policy, &pins, utc("2026-11-25T00:00:00Z"));
    let reasons: Vec<Vec<String>> = p
        .decisions
        .iter()
        .map(|d| d.reasons.iter().map(ToString::to_string).collect())
        .collect();
    assert_eq!(
        reasons,
        [
            vec!["not created by dist-btrfs"],
            vec!["being sent"],
            vec![
                "incremental base for target backup-1",
                "incremental base for target backup-2"
            ],
            vec![],
            vec![],
            vec!["not created by dist-btrfs"],
            // The newest of all is dated after now; it is the newest managed one as well.
            vec![
                "newest snapshot",
                "created after the planning time",
                "keep_last 1"
            ],
        ]
    );
    // Without the future one, the newest (hand-made) is kept as newest, and the newest
    // managed one by keep_last and as the newest managed snapshot.
    snaps.pop();
    let p = plan(&snaps, &policy, &pins, utc("2026-11-25T00:00:00Z"));
    assert_eq!(
        texts(&p, "2026-11-05T00:00:00Z"),
        ["newest snapshot created by dist-btrfs", "keep_last 1"]
    );
    assert_eq!(
        texts(&p, "2026-11-06T00:00:00Z"),
        ["newest snapshot", "not created by dist-btrfs"]
    );
}

#[test]
fn duplicate_ids_are_merged_conservatively() {
    let s = RetentionSpec {
        keep_last: 1,
        ..spec("UTC")
    };
    let policy = RetentionPolicy::parse(&s).unwrap();
    let mut a = snap(1, utc("2026-11-01T00:00:00Z"));
    let b = snap(2, utc("2026-11-02T00:00:00Z"));
    let c = snap(3, utc("2026-11-03T00:00:00Z"));
    let dup = a.clone();
    a.managed = false;
    let p = plan(&[dup, b, c, a], &policy, &[], utc("2026-11-25T00:00:00Z"));
    assert_eq!(p.decisions.len(), 3);
    assert_eq!(
        texts(&p, "2026-11-01T00:00:00Z"),
        ["not created by dist-btrfs"]
    );
    assert!(
        plan(&[], &policy, &[], utc("2026-11-25T00:00:00Z"))
            .decisions
            .is_empty()
    );
}

// ---------------------------------------------------------------- properties

const ZONES: [&str; 5] = [
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "Australia/Lord_Howe", // 30-minute DST shift
    "Asia/Kolkata",        // +05:30
];

fn arb_policy() -> impl Strategy<Value = RetentionPolicy> {
    (
        0u32..30,
        prop::option::of(0u64..(40 * 24 * 3600)),
        (0u32..48, 0u32..14, 0u32..8, 0u32..24, 0u32..5),
        0usize..ZONES.len(),
    )
        .prop_map(|(keep_last, min_age, (h, d, w, m, y), z)| {
            let s = RetentionSpec {
                keep_last,
                min_age: min_age.map(Duration::from_secs),
                hourly: h,
                daily: d,
                weekly: w,
                monthly: m,
                yearly: y,
                time_zone: ZONES[z].to_owned(),
            };
            RetentionPolicy::parse(&s).unwrap_or_else(|_| {
                RetentionPolicy::parse(&RetentionSpec { keep_last: 1, ..s }).unwrap()
            })
        })
}

const BASE: i64 = 1_735_689_600; // 2025-01-01T00:00:00Z
const SPAN: i64 = 3 * 365 * 24 * 3600;

fn at(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(BASE + secs, 0).unwrap()
}

fn arb_snapshots() -> impl Strategy<Value = Vec<SnapshotFacts>> {
    prop::collection::vec(
        (
            any::<u128>(),
            0..SPAN,
            prop::bool::weighted(0.85),
            prop::bool::weighted(0.05),
            prop::bool::weighted(0.03),
        ),
        0..300,
    )
    .prop_map(|v| {
        v.into_iter()
            .map(|(id, t, managed, sending, held)| SnapshotFacts {
                id: Uuid::from_u128(id),
                // Hourly-ish clusters make periods with several snapshots likely.
                created_at: at(t - t % 600),
                managed,
                sending,
                held,
            })
            .collect()
    })
}

fn arb_input()
-> impl Strategy<Value = (Vec<SnapshotFacts>, RetentionPolicy, Vec<Pin>, DateTime<Utc>)> {
    (arb_snapshots(), arb_policy(), 0..(SPAN + 30 * 24 * 3600)).prop_flat_map(
        |(snaps, policy, now)| {
            let ids: Vec<Uuid> = snaps.iter().map(|s| s.id).collect();
            let pin = (
                prop::sample::select(if ids.is_empty() {
                    vec![Uuid::nil()]
                } else {
                    ids
                }),
                prop::sample::select(vec!["backup-1", "backup-2", "offsite"]),
            )
                .prop_map(|(snapshot_id, t)| Pin {
                    snapshot_id,
                    target_name: t.to_owned(),
                });
            (
                Just(snaps),
                Just(policy),
                prop::collection::vec(pin, 0..5),
                Just(at(now)),
            )
        },
    )
}

/// Checks everything that must hold for any plan of any input.
fn check_plan(
    snaps: &[SnapshotFacts],
    policy: &RetentionPolicy,
    pins: &[Pin],
    now: DateTime<Utc>,
    p: &Plan,
) -> Result<(), TestCaseError> {
    // Covers every distinct snapshot exactly once, in (created_at, id) order.
    let ids: BTreeSet<Uuid> = snaps.iter().map(|s| s.id).collect();
    let planned: Vec<Uuid> = p.decisions.iter().map(|d| d.snapshot_id).collect();
    prop_assert_eq!(planned.len(), ids.len());
    prop_assert_eq!(planned.iter().copied().collect::<BTreeSet<_>>(), ids);
    prop_assert!(
        p.decisions
            .windows(2)
            .all(|w| (w[0].created_at, w[0].snapshot_id) < (w[1].created_at, w[1].snapshot_id))
    );
    // Keep iff at least one reason.
    for d in &p.decisions {
        prop_assert_eq!(d.action == Action::Keep, !d.reasons.is_empty());
    }
    // Invariant 1.
    let deleted: BTreeSet<Uuid> = p.to_delete().map(|d| d.snapshot_id).collect();
    let newest = snaps.iter().map(|s| (s.created_at, s.id)).max();
    if let Some((_, id)) = newest {
        prop_assert!(!deleted.contains(&id), "deleted the newest snapshot");
    }
    for s in snaps {
        if deleted.contains(&s.id) {
            prop_assert!(s.managed, "deleted an unmanaged snapshot");
            prop_assert!(!s.sending, "deleted a snapshot being sent");
            prop_assert!(!s.held, "deleted a held snapshot");
        }
    }
    for pin in pins {
        prop_assert!(
            !deleted.contains(&pin.snapshot_id),
            "deleted a pinned snapshot"
        );
    }
    // Each bucket key is given to at most one snapshot, and that one is the oldest
    // managed snapshot of its period.
    let mut keys = BTreeSet::new();
    for d in &p.decisions {
        for r in d.reasons.iter().filter(|r| r.is_bucket()) {
            prop_assert!(keys.insert(r.clone()), "bucket {} given twice", r);
        }
    }
    let cal = Calendar::new(policy.time_zone, now);
    let kept_bucket = |d: &Decision, f: fn(&Calendar, DateTime<Utc>) -> (KeepReason, i64)| {
        let (k, _) = f(&cal, d.created_at);
        d.reasons.contains(&k)
    };
    for f in [
        Calendar::hourly as fn(&Calendar, DateTime<Utc>) -> (KeepReason, i64),
        Calendar::daily,
        Calendar::weekly,
        Calendar::monthly,
        Calendar::yearly,
    ] {
        for d in p.decisions.iter().filter(|d| kept_bucket(d, f)) {
            let (k, idx) = f(&cal, d.created_at);
            prop_assert!(idx >= 0);
            let older_in_period = snaps.iter().any(|s| {
                s.managed
                    && (s.created_at, s.id) < (d.created_at, d.snapshot_id)
                    && f(&cal, s.created_at).0 == k
            });
            prop_assert!(!older_in_period, "{} is not the oldest of its period", k);
        }
    }
    Ok(())
}

/// Reasons that cannot change when a newer snapshot is added (see the module docs).
fn stable_reasons(d: &Decision) -> Vec<KeepReason> {
    d.reasons
        .iter()
        .filter(|r| {
            !matches!(
                r,
                KeepReason::KeepLast { .. } | KeepReason::Newest | KeepReason::NewestManaged
            )
        })
        .cloned()
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn plan_holds_invariants((snaps, policy, pins, now) in arb_input()) {
        let p = plan(&snaps, &policy, &pins, now);
        check_plan(&snaps, &policy, &pins, now, &p)?;
        // Deterministic.
        prop_assert_eq!(&plan(&snaps, &policy, &pins, now), &p);
    }

    #[test]
    fn plan_is_independent_of_input_order(
        (snaps, policy, pins, now) in arb_input(),
        seed in any::<u64>(),
    ) {
        let p = plan(&snaps, &policy, &pins, now);
        let mut shuffled = snaps.clone();
        let mut pins2 = pins.clone();
        // A cheap deterministic permutation from the seed.
        let n = shuffled.len();
        let mut x = seed | 1;
        for i in (1..n).rev() {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            let j = usize::try_from(x % (i as u64 + 1)).unwrap();
            shuffled.swap(i, j);
        }
        pins2.reverse();
        prop_assert_eq!(plan(&shuffled, &policy, &pins2, now), p);
    }

    /// Monotonicity: adding a snapshot newer than all (not after now) never changes
    /// any existing snapshot's bucket, min_age, pin, sending or unmanaged reasons; only
    /// keep_last and "newest" can move.
    #[test]
    fn adding_a_newer_snapshot_is_monotone(
        (snaps, policy, pins, now) in arb_input(),
        frac in 0.0f64..=1.0,
        managed in any::<bool>(),
    ) {
        // Only snapshots before `now`, so that a newer one can still be added.
        let snaps: Vec<SnapshotFacts> = snaps.into_iter().filter(|s| s.created_at < now).collect();
        let newest = snaps.iter().map(|s| s.created_at).max();
        let lo = newest.map_or(at(0), |t| t + TimeDelta::seconds(1));
        prop_assume!(lo <= now);
        // Anywhere in (newest, now].
        let span = (now - lo).num_seconds();
        let t = lo + TimeDelta::seconds((span as f64 * frac) as i64);
        let before = plan(&snaps, &policy, &pins, now);
        let mut more = snaps.clone();
        more.push(SnapshotFacts { id: Uuid::from_u128(u128::MAX - 7), created_at: t, managed, sending: false, held: false });
        prop_assume!(snaps.iter().all(|s| s.id != Uuid::from_u128(u128::MAX - 7)));
        let after = plan(&more, &policy, &pins, now);
        check_plan(&more, &policy, &pins, now, &after)?;
        for d in &before.decisions {
            let a = after.get(d.snapshot_id).unwrap();
            prop_assert_eq!(stable_reasons(d), stable_reasons(a), "reasons of {} changed", d.created_at);
        }
    }
}

// ---------------------------------------------------------------- simulation

/// Two years of hourly snapshots under `keep_last 24, daily 7, weekly 4, monthly 12,
/// yearly 2` (Europe/Berlin), the planner applied after every snapshot and its
/// deletions carried out. The final set is computed independently from the calendar.
#[test]
fn two_years_of_hourly_snapshots() {
    let tz: Tz = "Europe/Berlin".parse().unwrap();
    let policy = RetentionPolicy::parse(&RetentionSpec {
        keep_last: 24,
        daily: 7,
        weekly: 4,
        monthly: 12,
        yearly: 2,
        ..spec("Europe/Berlin")
    })
    .unwrap();
    let start = utc("2025-01-01T00:00:00Z");
    let hours = 2 * 365 * 24; // until 2026-12-31T23:00Z = 2027-01-01 00:00 CET
    let mut live: Vec<SnapshotFacts> = Vec::new();
    let mut all: Vec<SnapshotFacts> = Vec::new();
    let mut max_live = 0;
    for h in 0..hours {
        let now = start + TimeDelta::hours(h);
        let s = snap(u128::try_from(h).unwrap() + 1, now);
        live.push(s.clone());
        all.push(s);
        let p = plan(&live, &policy, &[], now);
        let gone: BTreeSet<Uuid> = p.to_delete().map(|d| d.snapshot_id).collect();
        live.retain(|s| !gone.contains(&s.id));
        max_live = max_live.max(live.len());
    }
    let end = start + TimeDelta::hours(hours - 1);
    assert_eq!(end, utc("2026-12-31T23:00:00Z"));

    // Independent computation: the first hourly snapshot of a local period is the one
    // at its local midnight (every period here starts after the first snapshot).
    let midnight = |y: i32, m: u32, d: u32| {
        tz.with_ymd_and_hms(y, m, d, 0, 0, 0)
            .earliest()
            .unwrap()
            .with_timezone(&Utc)
    };
    let today = end.with_timezone(&tz).date_naive();
    assert_eq!(today, NaiveDate::from_ymd_opt(2027, 1, 1).unwrap());
    let mut expected: BTreeSet<DateTime<Utc>> = BTreeSet::new();
    for k in 0..24 {
        expected.insert(end - TimeDelta::hours(k)); // keep_last 24
    }
    for k in 0..7 {
        let d = today - TimeDelta::days(k);
        expected.insert(midnight(d.year(), d.month(), d.day()));
    }
    let monday = today - TimeDelta::days(i64::from(today.weekday().num_days_from_monday()));
    for k in 0..4 {
        let d = monday - TimeDelta::weeks(k);
        expected.insert(midnight(d.year(), d.month(), d.day()));
    }
    for k in 0..12 {
        let m0 = 2027 * 12 - k; // months back from 2027-01
        expected.insert(midnight(m0 / 12, u32::try_from(m0 % 12).unwrap() + 1, 1));
    }
    for y in [2026, 2027] {
        expected.insert(midnight(y, 1, 1));
    }
    let kept: BTreeSet<DateTime<Utc>> = live.iter().map(|s| s.created_at).collect();
    assert_eq!(kept, expected);
    // 24 last + 6 more days + 3 more Mondays + 11 more months + 2026-01-01.
    assert_eq!(kept.len(), 45);
    // Literal spot checks (UTC): CET and CEST midnights.
    for t in [
        "2025-12-31T23:00:00Z", // yearly 2026 (01-01 00:00 CET)
        "2026-01-31T23:00:00Z", // monthly 2026-02
        "2026-06-30T22:00:00Z", // monthly 2026-07 (00:00 CEST)
        "2026-12-06T23:00:00Z", // weekly 2026-W50 (Mon 12-07 00:00 CET)
        "2026-12-27T23:00:00Z", // weekly 2026-W53 and daily 2026-12-28
        "2026-12-25T23:00:00Z", // daily 2026-12-26
        "2026-12-31T00:00:00Z", // keep_last 24, oldest
        "2026-12-31T23:00:00Z", // newest, daily/monthly/yearly 2027
    ] {
        assert!(kept.contains(&utc(t)), "{t} missing");
    }
    assert!(!kept.contains(&utc("2026-01-31T22:00:00Z")));
    // The steady state never grew past the final size by much (it is bounded).
    assert!(max_live <= 24 + 7 + 4 + 12 + 2, "max live {max_live}");
    // Iterated planning equals one plan over everything ever made (the monotonicity
    // consequence stated in the module docs).
    let once = plan(&all, &policy, &[], end);
    let once: BTreeSet<DateTime<Utc>> = once.to_keep().map(|d| d.created_at).collect();
    assert_eq!(once, kept);
    let p = plan(&live, &policy, &[], end);
    assert_eq!(
        texts(&p, "2026-12-27T23:00:00Z"),
        ["daily 2026-12-28", "weekly 2026-W53"]
    );
    assert_eq!(
        texts(&p, "2026-12-31T23:00:00Z"),
        [
            "newest snapshot",
            "keep_last 24",
            "daily 2027-01-01",
            "monthly 2027-01",
            "yearly 2027"
        ]
    );
}
