//! Lineage: what to send to a target, and from which parent (docs/design.md invariants 2
//! and 3). Pure functions over what `btrfs subvolume list/show` reported on both sides.
//!
//! # Design note
//!
//! - **Identity is the uuid, never the name.** A primary snapshot is on a target when a
//!   *complete* received subvolume there has `received_uuid == primary.uuid`.
//! - **Complete** means read-only *and* carrying a `received_uuid` (`btrfs receive`
//!   sets both only at the end). Anything else found where receives land is a half
//!   received subvolume: [`classify`] / [`incomplete`] find them, and the engine deletes
//!   them before the next attempt (invariant 2). They never count as a common base nor
//!   as "already there". The caller passes only the subvolumes in the target's
//!   receive directory, so nothing else is ever classified for deletion.
//! - **Parent** ([`choose_send`]): the newest primary snapshot *older* than the one being
//!   sent that is complete on the target (invariant 3). "Older" is by
//!   (`created_at`, `uuid`) — the uuid only breaks exact ties, deterministically.
//!   No common base: a full send, unless the target is strict-incremental: then
//!   [`SendDecision::StrictIncrementalRefused`]. Strict follows btrbk's `incremental
//!   strict`: no full send at all, the initial one included (the refusal says which
//!   case it is, so the error can tell the operator what to do).
//! - **What to send** ([`to_send`]): newest-only sends just the requested snapshot;
//!   send-all-missing sends, oldest first, every primary snapshot newer than the
//!   target's newest common base up to the requested one that the target lacks. Each
//!   then has the previous one as its parent once the previous receive succeeded;
//!   the engine re-reads the target and calls [`choose_send`] before each send rather
//!   than trusting this list. With no common base the list is the requested snapshot
//!   only (a fresh target starts from now, not from the whole history).

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A snapshot of the subvolume on the primary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PrimarySnapshot {
    pub uuid: Uuid,
    pub created_at: DateTime<Utc>,
}

impl PrimarySnapshot {
    /// Creation order (time, then uuid): what "older" and "newer" mean here.
    pub fn order(&self) -> (DateTime<Utc>, Uuid) {
        (self.created_at, self.uuid)
    }
}

/// A subvolume in a target's receive directory, as `btrfs subvolume show` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReceivedSubvolume {
    /// The target subvolume's own uuid.
    pub uuid: Uuid,
    /// `None` when btrfs shows `-` (never set: a receive that did not finish, or not a
    /// received subvolume at all).
    pub received_uuid: Option<Uuid>,
    pub read_only: bool,
}

/// Why a received subvolume is not complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum IncompleteReason {
    #[error("not read-only")]
    NotReadOnly,
    #[error("has no received_uuid")]
    NoReceivedUuid,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReceivedState {
    /// A finished receive of the primary snapshot with this uuid.
    Complete { received_uuid: Uuid },
    /// A half-received subvolume: delete it before retrying (invariant 2).
    Incomplete(IncompleteReason),
}

/// Complete = read-only and has a `received_uuid`.
pub fn classify(r: &ReceivedSubvolume) -> ReceivedState {
    match (r.received_uuid, r.read_only) {
        (None, _) => ReceivedState::Incomplete(IncompleteReason::NoReceivedUuid),
        (Some(_), false) => ReceivedState::Incomplete(IncompleteReason::NotReadOnly),
        (Some(received_uuid), true) => ReceivedState::Complete { received_uuid },
    }
}

/// The half-received subvolumes among `received`, each with why, to be deleted before
/// the next receive into that directory.
pub fn incomplete(received: &[ReceivedSubvolume]) -> Vec<(ReceivedSubvolume, IncompleteReason)> {
    received
        .iter()
        .filter_map(|r| match classify(r) {
            ReceivedState::Incomplete(why) => Some((*r, why)),
            ReceivedState::Complete { .. } => None,
        })
        .collect()
}

/// The primary uuids that are complete on the target.
pub fn on_target(target: &[ReceivedSubvolume]) -> BTreeSet<Uuid> {
    target
        .iter()
        .filter_map(|r| match classify(r) {
            ReceivedState::Complete { received_uuid } => Some(received_uuid),
            ReceivedState::Incomplete(_) => None,
        })
        .collect()
}

/// Whether a target accepts full sends when there is no common base.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IncrementalMode {
    /// Incremental when a common base exists, full otherwise.
    #[default]
    Allow,
    /// Never a full send (btrbk's `incremental strict`).
    Strict,
}

/// How to send one snapshot to one target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SendDecision {
    /// `btrfs send SNAP`.
    Full,
    /// `btrfs send -p PARENT SNAP`, `parent_uuid` being the primary snapshot's uuid.
    Incremental { parent_uuid: Uuid },
    /// The target already has a complete copy: nothing to send.
    AlreadyThere,
    /// Strict-incremental target without a common base. `target_has_received` tells an
    /// initial send (false) from a lost common base (true).
    StrictIncrementalRefused { target_has_received: bool },
}

/// The newest primary snapshot older than `sending` that is complete on the target.
pub fn common_base(
    sending: &PrimarySnapshot,
    primary: &[PrimarySnapshot],
    target: &[ReceivedSubvolume],
) -> Option<PrimarySnapshot> {
    let there = on_target(target);
    primary
        .iter()
        .filter(|p| p.uuid != sending.uuid && p.order() < sending.order())
        .filter(|p| there.contains(&p.uuid))
        .max_by_key(|p| p.order())
        .copied()
}

/// Decides full / incremental (and the parent) / nothing / refused for one target.
pub fn choose_send(
    sending: &PrimarySnapshot,
    primary: &[PrimarySnapshot],
    target: &[ReceivedSubvolume],
    mode: IncrementalMode,
) -> SendDecision {
    let there = on_target(target);
    if there.contains(&sending.uuid) {
        return SendDecision::AlreadyThere;
    }
    match (common_base(sending, primary, target), mode) {
        (Some(parent), _) => SendDecision::Incremental {
            parent_uuid: parent.uuid,
        },
        (None, IncrementalMode::Allow) => SendDecision::Full,
        (None, IncrementalMode::Strict) => SendDecision::StrictIncrementalRefused {
            target_has_received: !there.is_empty(),
        },
    }
}

/// The primary snapshots the target lacks between its newest common base with `upto`
/// (exclusive) and `upto` (inclusive), oldest first. Without a common base: `upto`
/// alone (unless it is already there).
pub fn missing_between(
    upto: &PrimarySnapshot,
    primary: &[PrimarySnapshot],
    target: &[ReceivedSubvolume],
) -> Vec<Uuid> {
    let there = on_target(target);
    if there.contains(&upto.uuid) {
        return Vec::new();
    }
    let Some(base) = common_base(upto, primary, target) else {
        return vec![upto.uuid];
    };
    let mut between: Vec<&PrimarySnapshot> = primary
        .iter()
        .filter(|p| p.order() > base.order() && p.order() < upto.order())
        .filter(|p| p.uuid != upto.uuid && !there.contains(&p.uuid))
        .collect();
    between.sort_by_key(|p| p.order());
    between.dedup_by_key(|p| p.uuid);
    between
        .into_iter()
        .map(|p| p.uuid)
        .chain(std::iter::once(upto.uuid))
        .collect()
}

/// A target's setting: all missing snapshots, or only the newest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MissingMode {
    #[default]
    NewestOnly,
    AllMissing,
}

/// The snapshots to send to a target, oldest first, for a request to replicate `upto`.
pub fn to_send(
    upto: &PrimarySnapshot,
    primary: &[PrimarySnapshot],
    target: &[ReceivedSubvolume],
    mode: MissingMode,
) -> Vec<Uuid> {
    match mode {
        MissingMode::AllMissing => missing_between(upto, primary, target),
        MissingMode::NewestOnly if on_target(target).contains(&upto.uuid) => Vec::new(),
        MissingMode::NewestOnly => vec![upto.uuid],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeDelta, TimeZone};
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

    /// A complete copy on the target of primary snapshot `n`.
    fn got(n: u128) -> ReceivedSubvolume {
        ReceivedSubvolume {
            uuid: u(1000 + n),
            received_uuid: Some(u(n)),
            read_only: true,
        }
    }

    #[test]
    fn classify_received_subvolumes() {
        let half = ReceivedSubvolume {
            uuid: u(7),
            received_uuid: None,
            read_only: false,
        };
        let no_ro = ReceivedSubvolume {
            received_uuid: Some(u(3)),
            ..half
        };
        let ro_no_uuid = ReceivedSubvolume {
            read_only: true,
            ..half
        };
        assert_eq!(
            classify(&got(3)),
            ReceivedState::Complete {
                received_uuid: u(3)
            }
        );
        assert_eq!(
            classify(&half),
            ReceivedState::Incomplete(IncompleteReason::NoReceivedUuid)
        );
        assert_eq!(
            classify(&no_ro),
            ReceivedState::Incomplete(IncompleteReason::NotReadOnly)
        );
        assert_eq!(
            classify(&ro_no_uuid),
            ReceivedState::Incomplete(IncompleteReason::NoReceivedUuid)
        );
        assert_eq!(
            incomplete(&[got(1), no_ro, got(2), half]),
            vec![
                (no_ro, IncompleteReason::NotReadOnly),
                (half, IncompleteReason::NoReceivedUuid)
            ]
        );
        assert_eq!(IncompleteReason::NotReadOnly.to_string(), "not read-only");
    }

    #[test]
    fn named_cases() {
        use IncrementalMode::{Allow, Strict};
        use SendDecision::*;
        let p = primary(6);
        let s = |n: usize| p[n - 1];
        let half_of_5 = ReceivedSubvolume {
            uuid: u(99),
            received_uuid: Some(u(5)),
            read_only: false,
        };
        let foreign = ReceivedSubvolume {
            uuid: u(98),
            received_uuid: Some(u(4242)),
            read_only: true,
        };
        let cases: Vec<(
            &str,
            PrimarySnapshot,
            Vec<ReceivedSubvolume>,
            IncrementalMode,
            SendDecision,
        )> = vec![
            ("empty target: full", s(3), vec![], Allow, Full),
            (
                "empty target, strict: refused as initial",
                s(3),
                vec![],
                Strict,
                StrictIncrementalRefused {
                    target_has_received: false,
                },
            ),
            (
                "newest common base",
                s(6),
                vec![got(1), got(2), got(4)],
                Allow,
                Incremental { parent_uuid: u(4) },
            ),
            (
                "base must be older than the sent one",
                s(3),
                vec![got(1), got(4), got(5)],
                Allow,
                Incremental { parent_uuid: u(1) },
            ),
            (
                "only newer on the target: full",
                s(2),
                vec![got(4), got(5)],
                Allow,
                Full,
            ),
            (
                "already there",
                s(4),
                vec![got(1), got(4)],
                Strict,
                AlreadyThere,
            ),
            (
                "half-received copy of the sent one is not there",
                s(5),
                vec![got(1), half_of_5],
                Allow,
                Incremental { parent_uuid: u(1) },
            ),
            (
                "half-received copy is not a base",
                s(6),
                vec![got(1), half_of_5],
                Allow,
                Incremental { parent_uuid: u(1) },
            ),
            (
                "base deleted on the primary (unknown received_uuid): full",
                s(6),
                vec![foreign],
                Allow,
                Full,
            ),
            (
                "base deleted on the primary, strict: refused as lost base",
                s(6),
                vec![foreign],
                Strict,
                StrictIncrementalRefused {
                    target_has_received: true,
                },
            ),
        ];
        for (name, sending, target, mode, expected) in cases {
            assert_eq!(choose_send(&sending, &p, &target, mode), expected, "{name}");
        }
        // Never by name/position: the target subvolume uuids are irrelevant, only
        // received_uuid matters; a primary without snapshot 4 cannot use it.
        let without_4: Vec<_> = p.iter().copied().filter(|x| x.uuid != u(4)).collect();
        assert_eq!(
            choose_send(&s(6), &without_4, &[got(2), got(4)], Allow),
            Incremental { parent_uuid: u(2) }
        );
    }

    #[test]
    fn missing_and_newest_only() {
        let p = primary(8);
        let s = |n: usize| p[n - 1];
        // Target has 1, 2 and 5; asked for 8.
        let target = [got(1), got(2), got(5)];
        assert_eq!(missing_between(&s(8), &p, &target), vec![u(6), u(7), u(8)]);
        assert_eq!(
            to_send(&s(8), &p, &target, MissingMode::AllMissing),
            vec![u(6), u(7), u(8)]
        );
        assert_eq!(
            to_send(&s(8), &p, &target, MissingMode::NewestOnly),
            vec![u(8)]
        );
        // Asked for 4: base 2, 3 missing.
        assert_eq!(missing_between(&s(4), &p, &target), vec![u(3), u(4)]);
        // Already there.
        assert!(to_send(&s(5), &p, &target, MissingMode::AllMissing).is_empty());
        assert!(to_send(&s(5), &p, &target, MissingMode::NewestOnly).is_empty());
        // No common base: just the requested one.
        assert_eq!(missing_between(&s(3), &p, &[]), vec![u(3)]);
    }

    fn arb_case() -> impl Strategy<
        Value = (
            Vec<PrimarySnapshot>,
            Vec<ReceivedSubvolume>,
            usize,
            IncrementalMode,
        ),
    > {
        (1usize..40)
            .prop_flat_map(|n| {
                (
                    prop::collection::vec((0i64..100, any::<u128>()), n),
                    prop::collection::vec((0usize..n, 0u8..4), 0..20),
                    prop::collection::vec(any::<u128>(), 0..3),
                    0..n,
                    any::<bool>(),
                )
            })
            .prop_map(|(snaps, recv, foreign, pick, strict)| {
                let base = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
                // Coarse times: ties on created_at happen and are broken by uuid.
                let primary: Vec<PrimarySnapshot> = snaps
                    .iter()
                    .map(|(t, id)| PrimarySnapshot {
                        uuid: Uuid::from_u128(*id),
                        created_at: base + TimeDelta::hours(*t),
                    })
                    .collect();
                let mut target: Vec<ReceivedSubvolume> = recv
                    .iter()
                    .map(|(i, kind)| ReceivedSubvolume {
                        uuid: Uuid::from_u128(u128::from(*kind) << 64 | *i as u128),
                        received_uuid: (*kind != 1).then_some(primary[*i].uuid),
                        read_only: *kind != 2,
                    })
                    .collect();
                target.extend(foreign.iter().map(|f| ReceivedSubvolume {
                    uuid: Uuid::from_u128(!*f),
                    received_uuid: Some(Uuid::from_u128(*f)),
                    read_only: true,
                }));
                let mode = if strict {
                    IncrementalMode::Strict
                } else {
                    IncrementalMode::Allow
                };
                (primary, target, pick, mode)
            })
    }

    fn complete_on(target: &[ReceivedSubvolume], id: Uuid) -> bool {
        target
            .iter()
            .any(|r| r.read_only && r.received_uuid == Some(id))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn parent_is_the_newest_common_older_snapshot((primary, target, pick, mode) in arb_case()) {
            let sending = primary[pick];
            let older_common: Vec<&PrimarySnapshot> = primary
                .iter()
                .filter(|p| p.uuid != sending.uuid && p.order() < sending.order())
                .filter(|p| complete_on(&target, p.uuid))
                .collect();
            match choose_send(&sending, &primary, &target, mode) {
                SendDecision::AlreadyThere => prop_assert!(complete_on(&target, sending.uuid)),
                SendDecision::Incremental { parent_uuid } => {
                    prop_assert!(!complete_on(&target, sending.uuid));
                    let parent = primary.iter().find(|p| p.uuid == parent_uuid);
                    prop_assert!(parent.is_some(), "parent not on the primary");
                    let parent = parent.unwrap();
                    prop_assert!(complete_on(&target, parent_uuid), "parent not on the target");
                    prop_assert!(parent.order() < sending.order(), "parent not older");
                    prop_assert!(
                        older_common.iter().all(|c| c.order() <= parent.order()),
                        "a newer common base exists"
                    );
                }
                SendDecision::Full => {
                    prop_assert_eq!(mode, IncrementalMode::Allow);
                    prop_assert!(!complete_on(&target, sending.uuid));
                    prop_assert!(older_common.is_empty());
                }
                SendDecision::StrictIncrementalRefused { .. } => {
                    prop_assert_eq!(mode, IncrementalMode::Strict);
                    prop_assert!(older_common.is_empty());
                }
            }
        }

        /// Sending what `missing_between` lists, in order, is incremental at each step
        /// with the previous one as parent, and ends with `upto` on the target.
        #[test]
        fn missing_snapshots_chain((primary, mut target, pick, _mode) in arb_case()) {
            let upto = primary[pick];
            let list = missing_between(&upto, &primary, &target);
            let had_base = common_base(&upto, &primary, &target);
            let mut prev = had_base.map(|b| b.uuid);
            for id in &list {
                prop_assert!(!complete_on(&target, *id));
                let snap = *primary.iter().find(|p| p.uuid == *id).unwrap();
                prop_assert!(snap.order() <= upto.order());
                let d = choose_send(&snap, &primary, &target, IncrementalMode::Allow);
                match prev {
                    Some(parent_uuid) => prop_assert_eq!(d, SendDecision::Incremental { parent_uuid }),
                    None => prop_assert_eq!(d, SendDecision::Full),
                }
                target.push(ReceivedSubvolume { uuid: Uuid::new_v4(), received_uuid: Some(*id), read_only: true });
                prev = Some(*id);
            }
            prop_assert!(complete_on(&target, upto.uuid));
            prop_assert_eq!(list.last().copied().is_none(), list.is_empty());
        }
    }
}
