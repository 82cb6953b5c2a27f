//! The snapshot naming rule: `<subvolume-name>.<UTC YYYYMMDDTHHMMSSZ>`, with `_N`
//! (N = 1, 2, ...) appended when that name is already taken.
//!
//! Properties (property-tested below):
//! - the result never collides with the given set of existing names;
//! - for one subvolume, names of different seconds sort (as byte strings) in time order,
//!   and [`parse_snapshot_name`] gives back the second and the suffix, so names of the
//!   same second can be ordered by N;
//! - the result is always a valid [`SnapshotName`] (the subvolume name is at most 200
//!   bytes, the timestamp 16, the suffix at most 21).
//!
//! The caller decides what "existing" means: the engine passes the names in the catalog
//! and those present in the snapshot directory on disk.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDateTime, Utc};

use crate::names::{SnapshotName, SubvolumeName};

/// `strftime` format of the timestamp part.
pub const TIMESTAMP_FORMAT: &str = "%Y%m%dT%H%M%SZ";

/// The name for a snapshot of `subvolume` taken at `at` (truncated to the second) that is
/// not in `existing`.
pub fn snapshot_name(
    subvolume: &SubvolumeName,
    at: DateTime<Utc>,
    existing: &BTreeSet<String>,
) -> SnapshotName {
    let base = format!("{subvolume}.{}", at.format(TIMESTAMP_FORMAT));
    if !existing.contains(&base) {
        return SnapshotName::from_valid(base);
    }
    // The set is finite, so some suffix is free; u64 cannot run out before it.
    let mut n: u64 = 1;
    loop {
        let candidate = format!("{base}_{n}");
        if !existing.contains(&candidate) {
            return SnapshotName::from_valid(candidate);
        }
        n += 1;
    }
}

/// The parts of a name made by [`snapshot_name`]: subvolume name, time, collision suffix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedSnapshotName<'a> {
    pub subvolume: &'a str,
    pub at: DateTime<Utc>,
    pub suffix: Option<u64>,
}

/// Reads back a name made by [`snapshot_name`]; `None` for any other shape.
pub fn parse_snapshot_name(name: &str) -> Option<ParsedSnapshotName<'_>> {
    let (subvolume, stamp) = name.rsplit_once('.')?;
    let (stamp, suffix) = match stamp.split_once('_') {
        Some((stamp, n)) => {
            let ok = !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) && !n.starts_with('0');
            (stamp, Some(n.parse::<u64>().ok().filter(|_| ok)?))
        }
        None => (stamp, None),
    };
    if stamp.len() != 16 || subvolume.is_empty() {
        return None;
    }
    let at = NaiveDateTime::parse_from_str(stamp, TIMESTAMP_FORMAT)
        .ok()?
        .and_utc();
    Some(ParsedSnapshotName {
        subvolume,
        at,
        suffix,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn at(s: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(s, 0).single().unwrap()
    }

    #[test]
    fn examples() {
        let home = SubvolumeName::parse("home").unwrap();
        let t = Utc.with_ymd_and_hms(2026, 11, 26, 12, 0, 5).unwrap();
        let mut taken = BTreeSet::new();
        let first = snapshot_name(&home, t, &taken);
        assert_eq!(first.as_str(), "home.20261126T120005Z");
        taken.insert(first.into_string());
        assert_eq!(
            snapshot_name(&home, t, &taken).as_str(),
            "home.20261126T120005Z_1"
        );
        taken.insert("home.20261126T120005Z_1".into());
        assert_eq!(
            snapshot_name(&home, t, &taken).as_str(),
            "home.20261126T120005Z_2"
        );
        let parsed = parse_snapshot_name("data.www.20261126T120005Z_12").unwrap();
        assert_eq!(parsed.subvolume, "data.www");
        assert_eq!(parsed.at, t);
        assert_eq!(parsed.suffix, Some(12));
        for other in [
            "home",
            "home.2026",
            "home.20261126T120005Z_",
            "home.20261126T120005Z_01",
            "home.20261326T120005Z",
            ".20261126T120005Z",
            "home@manual",
        ] {
            assert_eq!(parse_snapshot_name(other), None, "{other:?}");
        }
    }

    #[test]
    fn longest_subvolume_name_still_gives_a_valid_snapshot_name() {
        let long = SubvolumeName::parse(&"x".repeat(SubvolumeName::MAX_BYTES)).unwrap();
        let t = at(253_402_300_799); // 9999-12-31T23:59:59Z
        let mut taken = BTreeSet::new();
        taken.insert(format!("{long}.99991231T235959Z"));
        let name = snapshot_name(&long, t, &taken);
        assert!(SnapshotName::parse(name.as_str()).is_ok());
        assert!(name.as_str().ends_with("_1"));
    }

    fn subvolume_name() -> impl Strategy<Value = SubvolumeName> {
        "[a-z][a-z0-9._@+-]{0,20}".prop_filter_map("valid", |s| SubvolumeName::parse(&s).ok())
    }

    proptest! {
        #[test]
        fn never_collides_and_always_valid(
            name in subvolume_name(),
            secs in 0i64..4_102_444_800,
            extra in proptest::collection::btree_set(0u64..6, 0..6),
            base_taken in any::<bool>(),
            noise in proptest::collection::btree_set("[a-z0-9._]{1,30}", 0..5),
        ) {
            let t = at(secs);
            let base = format!("{name}.{}", t.format(TIMESTAMP_FORMAT));
            let mut existing: BTreeSet<String> = noise;
            if base_taken {
                existing.insert(base.clone());
            }
            for n in extra {
                existing.insert(format!("{base}_{n}"));
            }
            let made = snapshot_name(&name, t, &existing);
            prop_assert!(!existing.contains(made.as_str()));
            prop_assert!(SnapshotName::parse(made.as_str()).is_ok());
            let parsed = parse_snapshot_name(made.as_str()).unwrap();
            prop_assert_eq!(parsed.subvolume, name.as_str());
            prop_assert_eq!(parsed.at, t);
        }

        #[test]
        fn names_sort_by_time(
            name in subvolume_name(),
            a in 0i64..4_102_444_800,
            b in 0i64..4_102_444_800,
            suffix_a in any::<bool>(),
            suffix_b in any::<bool>(),
        ) {
            prop_assume!(a != b);
            let make = |secs: i64, suffixed: bool| {
                let t = at(secs);
                let mut taken = BTreeSet::new();
                if suffixed {
                    taken.insert(format!("{name}.{}", t.format(TIMESTAMP_FORMAT)));
                }
                snapshot_name(&name, t, &taken).into_string()
            };
            let (na, nb) = (make(a, suffix_a), make(b, suffix_b));
            prop_assert_eq!(na.cmp(&nb), a.cmp(&b), "{} vs {}", na, nb);
        }
    }
}
