//! Unit and property tests of the round planner (no I/O).

use super::*;
use chrono::{TimeDelta, TimeZone, Utc};
use domain::lineage::MissingMode;
use proptest::prelude::*;

fn u(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

/// Primary snapshots 1..=n, one day apart.
fn primary(n: u128) -> Vec<PrimarySnapshot> {
    (1..=n)
        .map(|i| PrimarySnapshot {
            uuid: u(i),
            created_at: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()
                + TimeDelta::days(i64::try_from(i).unwrap()),
        })
        .collect()
}

/// Complete copies of primary snapshots `have` (own uuids 1000+).
fn copies(have: &[u128]) -> Vec<ReceivedSubvolume> {
    have.iter()
        .map(|&i| ReceivedSubvolume {
            uuid: u(1000 + i),
            received_uuid: Some(u(i)),
            read_only: true,
        })
        .collect()
}

fn target(n: u128) -> TargetId {
    TargetId::from_uuid(u(5000 + n))
}

fn opts(strict: bool, missing: MissingMode) -> TargetOptions {
    TargetOptions {
        strict_incremental: strict,
        missing,
        ..TargetOptions::default()
    }
}

fn state<'a>(
    n: u128,
    received: &'a [ReceivedSubvolume],
    o: &'a TargetOptions,
) -> PendingTarget<'a> {
    PendingTarget {
        target: target(n),
        received,
        options: o,
        had_replicas: false,
        staged: &[],
    }
}

/// A stream of snapshot `snap` from `parent` (or full), `bytes` long, staged on a target.
fn staged(snap: u128, parent: Option<u128>, bytes: u64) -> Staged {
    Staged {
        snapshot: u(snap),
        parent: parent.map(u),
        bytes,
    }
}

fn send(snap: u128, parent: Option<u128>) -> Next {
    Next::Send {
        snapshot: u(snap),
        parent: parent.map(u),
    }
}

#[test]
fn an_empty_target_gets_a_full_send_of_the_requested_snapshot() {
    let p = primary(3);
    let o = TargetOptions::default();
    let t = state(1, &[], &o);
    assert_eq!(
        next_for(&p[2], &p, &t),
        Next::Send {
            snapshot: u(3),
            parent: None
        }
    );
}

#[test]
fn a_target_with_an_older_copy_gets_an_incremental_from_the_newest_common_base() {
    let p = primary(4);
    let have = copies(&[1, 2]);
    let o = TargetOptions::default();
    assert_eq!(
        next_for(&p[3], &p, &state(1, &have, &o)),
        Next::Send {
            snapshot: u(4),
            parent: Some(u(2))
        }
    );
}

#[test]
fn a_cut_send_of_an_older_snapshot_is_finished_before_the_newer_one() {
    let p = primary(4);
    let o = TargetOptions::default();
    let have = copies(&[1]);
    // Incremental: the staged 2-from-1 goes first (then 4 from 2, the next round).
    let s = [staged(2, Some(1), 700)];
    let t = PendingTarget {
        staged: &s,
        ..state(1, &have, &o)
    };
    assert_eq!(next_for(&p[3], &p, &t), send(2, Some(1)));
    // The newest of several: 3 from 1 over 2 from 1.
    let s = [staged(2, Some(1), 700), staged(3, Some(1), 10)];
    let t = PendingTarget {
        staged: &s,
        ..state(1, &have, &o)
    };
    assert_eq!(next_for(&p[3], &p, &t), send(3, Some(1)));
    // A cut initial (full) send, with nothing on the target yet.
    let s = [staged(2, None, 700)];
    let t = PendingTarget {
        staged: &s,
        ..state(1, &[], &o)
    };
    assert_eq!(next_for(&p[3], &p, &t), send(2, None));
}

#[test]
fn a_staged_stream_that_would_not_bring_the_target_closer_is_left_alone() {
    let p = primary(4);
    let o = TargetOptions::default();
    let have = copies(&[2]);
    let cases = [
        // older than the target's base
        staged(1, None, 700),
        // full, where the send would be incremental
        staged(3, None, 700),
        // from a parent the target does not hold
        staged(3, Some(1), 700),
        // empty
        staged(3, Some(2), 0),
        // of the requested snapshot itself (the send resumes it anyway)
        staged(4, Some(2), 700),
        // of a snapshot the primary no longer has
        staged(9, Some(2), 700),
    ];
    for c in cases {
        let s = [c];
        let t = PendingTarget {
            staged: &s,
            ..state(1, &have, &o)
        };
        assert_eq!(next_for(&p[3], &p, &t), send(4, Some(2)), "{c:?}");
    }
    // Already on the target.
    let have = copies(&[2, 3]);
    let s = [staged(3, Some(2), 700)];
    let t = PendingTarget {
        staged: &s,
        ..state(1, &have, &o)
    };
    assert_eq!(next_for(&p[3], &p, &t), send(4, Some(3)));
    // A send-all-missing target sends the oldest missing first, staged or not.
    let have = copies(&[1]);
    let all = opts(false, MissingMode::AllMissing);
    let s = [staged(3, Some(1), 700)];
    let t = PendingTarget {
        staged: &s,
        ..state(1, &have, &all)
    };
    assert_eq!(next_for(&p[3], &p, &t), send(2, Some(1)));
}

#[test]
fn send_all_missing_sends_the_oldest_missing_first() {
    let p = primary(4);
    let have = copies(&[1]);
    let o = opts(false, MissingMode::AllMissing);
    assert_eq!(
        next_for(&p[3], &p, &state(1, &have, &o)),
        Next::Send {
            snapshot: u(2),
            parent: Some(u(1))
        }
    );
}

#[test]
fn a_target_that_has_the_snapshot_is_done() {
    let p = primary(2);
    let have = copies(&[2]);
    let o = TargetOptions::default();
    assert_eq!(next_for(&p[1], &p, &state(1, &have, &o)), Next::Done);
}

#[test]
fn strict_incremental_without_a_base_fails_saying_why() {
    let p = primary(2);
    let o = opts(true, MissingMode::NewestOnly);
    let never = next_for(&p[1], &p, &state(1, &[], &o));
    assert!(
        matches!(&never, Next::Fail(why) if why.contains("initial send")),
        "{never:?}"
    );
    let lost = PendingTarget {
        had_replicas: true,
        ..state(1, &[], &o)
    };
    let lost = next_for(&p[1], &p, &lost);
    assert!(
        matches!(&lost, Next::Fail(why) if why.contains("common base was deleted")),
        "{lost:?}"
    );
}

#[test]
fn targets_needing_the_same_send_share_one_group() {
    let p = primary(3);
    let (a, b, c) = (copies(&[2]), copies(&[2]), copies(&[]));
    let o = TargetOptions::default();
    let plan = plan_round(
        &p[2],
        &p,
        &[state(1, &a, &o), state(2, &b, &o), state(3, &c, &o)],
    );
    assert_eq!(plan.groups.len(), 2, "{plan:?}");
    assert_eq!(plan.groups[&(u(3), Some(u(2)))], vec![target(1), target(2)]);
    assert_eq!(plan.groups[&(u(3), None)], vec![target(3)]);
    assert!(plan.done.is_empty() && plan.failed.is_empty());
}

#[test]
fn replicas_are_complete_copies_oldest_first_and_the_newest_is_the_base() {
    let p = primary(3);
    let snapshots: HashMap<Uuid, SnapshotView> = p
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let view = SnapshotView {
                snapshot_id: SnapshotId::from_uuid(s.uuid),
                subvolume_id: domain::SubvolumeId::from_uuid(u(9)),
                name: format!("vol.{i}"),
                path: format!("/p/vol.{i}"),
                uuid: s.uuid,
                parent_uuid: u(9),
                btrfs_id: 256,
                origin: store::projections::SnapshotOrigin::Created,
                managed: true,
                state: store::projections::SnapshotState::Present,
                created_at: Some(s.created_at),
                recorded_at: s.created_at,
                gone_at: None,
                size_bytes: None,
                last_error: None,
                held: None,
            };
            (s.uuid, view)
        })
        .collect();
    let dir = |i: u128, ro: bool| InDir {
        path: ServerPath::parse(&format!("/t/vol.{i}")).unwrap(),
        name: format!("vol.{i}"),
        received: ReceivedSubvolume {
            uuid: u(1000 + i),
            received_uuid: Some(u(i)),
            read_only: ro,
        },
    };
    // 3 is half received (not read-only): no replica, not the base.
    let listing = [dir(3, false), dir(2, true), dir(1, true)];
    let (found, base) = replicas(&snapshots, &snapshots, &listing);
    let ids: Vec<SnapshotId> = found.iter().map(|r| r.snapshot_id).collect();
    assert_eq!(
        ids,
        vec![SnapshotId::from_uuid(u(1)), SnapshotId::from_uuid(u(2))]
    );
    assert_eq!(base, Some(SnapshotId::from_uuid(u(2))));

    // The primary pruned 2 (still catalogued, gone from disk): its replica stays a
    // replica (target retention and restores need it), but the base is 1, which both
    // sides hold (found by ops/bench/faults: replicas dropped from the catalog).
    let mut present = snapshots.clone();
    present.remove(&u(2));
    let (found, base) = replicas(&present, &snapshots, &listing);
    assert_eq!(found.len(), 2);
    assert_eq!(base, Some(SnapshotId::from_uuid(u(1))));
    // A replica of something never catalogued here is not ours.
    let stranger = InDir {
        received: ReceivedSubvolume {
            received_uuid: Some(u(99)),
            ..dir(9, true).received
        },
        ..dir(9, true)
    };
    assert_eq!(replicas(&present, &snapshots, &[stranger]).0.len(), 0);
}

#[test]
fn unknown_replicas_are_complete_copies_named_for_the_subvolume_once_each() {
    let dir = |name: &str, uuid: u128, received: Option<u128>, ro: bool| InDir {
        path: ServerPath::parse(&format!("/t/{name}")).unwrap(),
        name: name.to_owned(),
        received: ReceivedSubvolume {
            uuid: u(uuid),
            received_uuid: received.map(u),
            read_only: ro,
        },
    };
    let a = [
        dir("data.20261205T091200Z", 100, Some(1), true),
        // Catalogued (or on the primary): not unknown.
        dir("data.20261204T120000Z", 101, Some(2), true),
        // Half received, another subvolume's, not a snapshot name, not received.
        dir("data.20261205T100000Z", 102, Some(3), false),
        dir("other.20261205T091200Z", 103, Some(4), true),
        dir("data.manual", 104, Some(5), true),
        dir("data.20261205T110000Z", 105, None, true),
    ];
    // The same snapshot on a second target counts once.
    let b = [dir("data.20261205T091200Z", 200, Some(1), true)];
    let known = HashSet::from([u(2)]);
    let found = unknown_replicas("data", &known, a.iter().chain(b.iter()));
    assert_eq!(
        found,
        vec![UnknownReplica {
            name: "data.20261205T091200Z".to_owned(),
            uuid: u(1),
            taken_at: Utc.with_ymd_and_hms(2026, 12, 5, 9, 12, 0).unwrap(),
        }]
    );
    assert!(unknown_replicas("data", &HashSet::from([u(1), u(2)]), a.iter()).is_empty());
}

proptest! {
    /// Whatever is staged: a send never carries what the target has, its parent is on
    /// the target, it is never of a snapshot newer than the requested one, and it is
    /// either the plan without staged streams or one of the staged streams.
    #[test]
    fn staged_streams_only_ever_pick_a_valid_send(
        n in 1u128..8,
        upto in 0usize..8,
        has in proptest::collection::vec(any::<bool>(), 8),
        all in any::<bool>(),
        staged_list in proptest::collection::vec((1u128..10, proptest::option::of(1u128..10), 0u64..3), 0..6),
    ) {
        let p = primary(n);
        let upto = &p[upto.min(p.len() - 1)];
        let have: Vec<u128> = (1..=n).filter(|i| has[usize::try_from(*i).unwrap() - 1]).collect();
        let received = copies(&have);
        let o = opts(false, if all { MissingMode::AllMissing } else { MissingMode::NewestOnly });
        let s: Vec<Staged> = staged_list.iter().map(|(a, b, c)| staged(*a, *b, *c)).collect();
        let plain = next_for(upto, &p, &state(1, &received, &o));
        let t = PendingTarget { staged: &s, ..state(1, &received, &o) };
        let got = next_for(upto, &p, &t);
        if let Next::Send { snapshot, parent } = &got {
            prop_assert!(!have.iter().any(|h| u(*h) == *snapshot), "never sends what is there");
            if let Some(parent) = parent {
                prop_assert!(have.iter().any(|h| u(*h) == *parent), "the parent is on the target");
            }
            let order = p.iter().position(|x| x.uuid == *snapshot);
            prop_assert!(order.is_some_and(|i| p[i].created_at <= upto.created_at));
        }
        if got != plain {
            prop_assert!(!all, "send-all-missing plans ignore staged streams");
            let Next::Send { snapshot, parent } = got else { panic!("{got:?}") };
            prop_assert!(s.iter().any(|x| x.snapshot == snapshot && x.parent == parent && x.bytes > 0));
        }
    }

    /// Whatever the targets hold: every target lands in exactly one bucket; a send's
    /// parent is a complete copy on each of its group's targets; targets with the same
    /// copies and options get the same plan.
    #[test]
    fn every_target_gets_exactly_one_consistent_plan(
        n in 1u128..8,
        upto in 0usize..8,
        holdings in proptest::collection::vec((proptest::collection::vec(any::<bool>(), 8), any::<bool>(), any::<bool>()), 1..6),
    ) {
        let p = primary(n);
        let upto = &p[upto.min(p.len() - 1)];
        let received: Vec<Vec<ReceivedSubvolume>> = holdings
            .iter()
            .map(|(has, _, _)| {
                let have: Vec<u128> = (1..=n).filter(|i| has[usize::try_from(*i).unwrap() - 1]).collect();
                copies(&have)
            })
            .collect();
        let options: Vec<TargetOptions> = holdings
            .iter()
            .map(|(_, strict, all)| opts(*strict, if *all { MissingMode::AllMissing } else { MissingMode::NewestOnly }))
            .collect();
        let states: Vec<PendingTarget<'_>> = (0..holdings.len())
            .map(|i| state(u128::try_from(i).unwrap(), &received[i], &options[i]))
            .collect();
        let plan = plan_round(upto, &p, &states);

        let mut seen: Vec<TargetId> = plan.done.clone();
        seen.extend(plan.failed.iter().map(|(t, _)| *t));
        seen.extend(plan.groups.values().flatten().copied());
        seen.sort();
        let mut all: Vec<TargetId> = states.iter().map(|s| s.target).collect();
        all.sort();
        prop_assert_eq!(seen, all);

        for ((snapshot, parent), members) in &plan.groups {
            for m in members {
                let i = states.iter().position(|s| s.target == *m).unwrap();
                let there: Vec<Uuid> = received[i].iter().filter_map(|r| r.received_uuid).collect();
                prop_assert!(!there.contains(snapshot), "never sends what is there");
                if let Some(parent) = parent {
                    prop_assert!(there.contains(parent), "the parent is on the target");
                }
            }
        }
        for (i, a) in states.iter().enumerate() {
            for b in &states[i + 1..] {
                if a.received == b.received && a.options == b.options {
                    prop_assert_eq!(next_for(upto, &p, a), next_for(upto, &p, b));
                }
            }
        }
    }
}
