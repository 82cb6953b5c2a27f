//! The planner of a replication round: pure functions, no I/O. Given the primary's
//! snapshots (lineage facts), the requested snapshot and what each pending target's
//! directory holds, it says per target: done (the snapshot is there), failed (strict
//! incremental without a common base), or which snapshot to send from which parent.
//! Targets needing the same (snapshot, parent) form one group: one `btrfs send` feeds
//! them all. A stream a cut send left staged on a target, of an older snapshot, is
//! finished first when that brings the target closer ([`resume_first`]). It also reads
//! a target's complete replicas and common base from its listing.
//!
//! What it does not do: read disks, append events, or stream (see [`super::driver`] and
//! [`super::transport`]).

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};

use domain::lineage::{
    self, MissingMode, PrimarySnapshot, ReceivedState, ReceivedSubvolume, SendDecision,
};
use domain::replication::{Replica, TargetOptions};
use domain::snapshot_names::parse_snapshot_name;
use domain::{ServerPath, SnapshotId, TargetId};
use store::projections::SnapshotView;
use uuid::Uuid;

/// A subvolume found in a target directory.
#[derive(Debug, Clone)]
pub(crate) struct InDir {
    pub(crate) path: ServerPath,
    pub(crate) name: String,
    pub(crate) received: ReceivedSubvolume,
}

/// What a target needs next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Next {
    /// It has the requested snapshot.
    Done,
    /// `btrfs send [-p parent] snapshot` (primary uuids).
    Send {
        snapshot: Uuid,
        parent: Option<Uuid>,
    },
    /// It cannot get the snapshot (a permanent failure, with the reason).
    Fail(String),
}

/// A stream an earlier, cut send left staged on a target (`super::staged`): of which
/// snapshot, from which parent (primary uuids; `None`: a full send), how much of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Staged {
    pub(crate) snapshot: Uuid,
    pub(crate) parent: Option<Uuid>,
    pub(crate) bytes: u64,
}

/// One pending target as the planner sees it.
pub(crate) struct PendingTarget<'a> {
    pub(crate) target: TargetId,
    pub(crate) received: &'a [ReceivedSubvolume],
    pub(crate) options: &'a TargetOptions,
    /// Whether the target ever held replicas (the catalog says so): a strict target
    /// with none left lost its base rather than never having one.
    pub(crate) had_replicas: bool,
    /// The streams staged there (empty when resumable sends are off).
    pub(crate) staged: &'a [Staged],
}

/// A round's plan: every target given lands in exactly one of the three.
#[derive(Debug, Default)]
pub(crate) struct RoundPlan {
    pub(crate) done: Vec<TargetId>,
    pub(crate) failed: Vec<(TargetId, String)>,
    /// (snapshot uuid, parent uuid) -> the targets of that one send.
    pub(crate) groups: BTreeMap<(Uuid, Option<Uuid>), Vec<TargetId>>,
}

const STRICT_LOST_BASE: &str = "strict incremental: the target shares no snapshot with the \
     primary any more (its common base was deleted); a full send is refused — turn \
     strict_incremental off for one run or restore a common base";
const STRICT_NEVER_SENT: &str = "strict incremental: the target has no snapshot of this \
     subvolume yet and full sends are refused — turn strict_incremental off for the \
     initial send";

/// What one target needs next to reach `upto`.
pub(crate) fn next_for(
    upto: &PrimarySnapshot,
    primary: &[PrimarySnapshot],
    t: &PendingTarget<'_>,
) -> Next {
    let Some(uuid) = lineage::to_send(upto, primary, t.received, t.options.missing)
        .first()
        .copied()
    else {
        return Next::Done;
    };
    let Some(sending) = primary.iter().find(|p| p.uuid == uuid) else {
        return Next::Done;
    };
    let send = |parent: Option<Uuid>| match resume_first(sending, parent, primary, t) {
        Some(s) => Next::Send {
            snapshot: s.snapshot,
            parent: s.parent,
        },
        None => Next::Send {
            snapshot: uuid,
            parent,
        },
    };
    match lineage::choose_send(sending, primary, t.received, t.options.incremental_mode()) {
        SendDecision::AlreadyThere => Next::Done,
        SendDecision::Full => send(None),
        SendDecision::Incremental { parent_uuid } => send(Some(parent_uuid)),
        SendDecision::StrictIncrementalRefused {
            target_has_received,
        } => Next::Fail(
            if target_has_received || t.had_replicas {
                STRICT_LOST_BASE
            } else {
                STRICT_NEVER_SENT
            }
            .to_owned(),
        ),
    }
}

/// A staged stream to finish before sending `sending` from `parent`, when the target
/// holds one that brings it closer: of an older snapshot still on the primary and not
/// on the target, newer than `parent`, from a parent the target and the primary both
/// hold (or full, when `sending` would go full too). The newest such. Its send resumes
/// where the file ends; the next round sends `sending` from it, a small increment,
/// where sending `sending` from the old base would carry the staged part again. This
/// is how a cut send (a long initial one above all) is finished rather than
/// abandoned when a newer snapshot's run comes before its retry. Only for targets that
/// get the newest snapshot: one that gets every missing snapshot sends the oldest
/// first anyway, and must not skip one.
fn resume_first(
    sending: &PrimarySnapshot,
    parent: Option<Uuid>,
    primary: &[PrimarySnapshot],
    t: &PendingTarget<'_>,
) -> Option<Staged> {
    if t.options.missing != MissingMode::NewestOnly {
        return None;
    }
    let on_primary: HashMap<Uuid, &PrimarySnapshot> = primary.iter().map(|p| (p.uuid, p)).collect();
    let there = lineage::on_target(t.received);
    let base = parent.and_then(|p| on_primary.get(&p)).map(|p| p.order());
    t.staged
        .iter()
        .filter(|s| s.bytes > 0 && s.snapshot != sending.uuid && !there.contains(&s.snapshot))
        .filter_map(|s| on_primary.get(&s.snapshot).map(|p| (s, p.order())))
        .filter(|(_, o)| *o < sending.order() && base.is_none_or(|b| *o > b))
        .filter(|(s, _)| match (s.parent, parent) {
            (None, None) => true,
            (None, Some(_)) => false,
            (Some(x), _) => there.contains(&x) && on_primary.contains_key(&x),
        })
        .max_by_key(|(_, o)| *o)
        .map(|(s, _)| *s)
}

/// The plan of one round for `targets`.
pub(crate) fn plan_round(
    upto: &PrimarySnapshot,
    primary: &[PrimarySnapshot],
    targets: &[PendingTarget<'_>],
) -> RoundPlan {
    let mut plan = RoundPlan::default();
    for t in targets {
        match next_for(upto, primary, t) {
            Next::Done => plan.done.push(t.target),
            Next::Fail(why) => plan.failed.push((t.target, why)),
            Next::Send { snapshot, parent } => plan
                .groups
                .entry((snapshot, parent))
                .or_default()
                .push(t.target),
        }
    }
    plan
}

/// The complete replicas in `dir` of the subvolume's catalogued snapshots (`catalogued`,
/// by uuid, in any state: a replica outlives its snapshot on the primary, and stays
/// in the catalog so that target retention can prune it and a restore can use it),
/// oldest first; and the common base: the newest of them whose snapshot is also on
/// the primary's disk (`present`), so that it can be a send's parent.
pub(crate) fn replicas(
    present: &HashMap<Uuid, SnapshotView>,
    catalogued: &HashMap<Uuid, SnapshotView>,
    dir: &[InDir],
) -> (Vec<Replica>, Option<SnapshotId>) {
    let mut out: Vec<(&SnapshotView, Replica)> = dir
        .iter()
        .filter_map(|d| match lineage::classify(&d.received) {
            ReceivedState::Complete { received_uuid } => {
                let snap = catalogued.get(&received_uuid)?;
                Some((
                    snap,
                    Replica {
                        snapshot_id: snap.snapshot_id,
                        path: d.path.as_str().to_owned(),
                        uuid: d.received.uuid,
                    },
                ))
            }
            ReceivedState::Incomplete(_) => None,
        })
        .collect();
    out.sort_by_key(|(s, _)| (s.created_at.unwrap_or(s.recorded_at), s.uuid));
    let base = out
        .iter()
        .rev()
        .find(|(s, _)| present.contains_key(&s.uuid))
        .map(|(s, _)| s.snapshot_id);
    (out.into_iter().map(|(_, r)| r).collect(), base)
}

/// A complete replica in a target directory whose snapshot the catalog does not know:
/// what a fresh installation (its database lost, no backup) finds of snapshots the
/// primary had already deleted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UnknownReplica {
    /// The snapshot's name (the replica's), which follows the naming rule.
    pub(crate) name: String,
    /// The primary snapshot's uuid (the replica's `received_uuid`).
    pub(crate) uuid: Uuid,
    /// When the snapshot was taken, read from its name.
    pub(crate) taken_at: DateTime<Utc>,
}

/// The complete replicas in `dirs` that are this subvolume's by name (the naming rule
/// with `subvolume` as the name part) and whose snapshot is neither catalogued nor on
/// the primary's disk (`known`, by uuid; a snapshot on the primary is the inventory
/// sync's to discover). Each snapshot once, however many targets hold it, by name.
/// Anything else in a target directory (foreign, half-received, another subvolume's)
/// is never claimed.
pub(crate) fn unknown_replicas<'a>(
    subvolume: &str,
    known: &HashSet<Uuid>,
    dirs: impl IntoIterator<Item = &'a InDir>,
) -> Vec<UnknownReplica> {
    let mut found: BTreeMap<String, UnknownReplica> = BTreeMap::new();
    let mut seen = HashSet::new();
    for d in dirs {
        let ReceivedState::Complete { received_uuid } = lineage::classify(&d.received) else {
            continue;
        };
        let Some(parsed) = parse_snapshot_name(&d.name) else {
            continue;
        };
        if parsed.subvolume != subvolume
            || known.contains(&received_uuid)
            || !seen.insert(received_uuid)
        {
            continue;
        }
        found.entry(d.name.clone()).or_insert(UnknownReplica {
            name: d.name.clone(),
            uuid: received_uuid,
            taken_at: parsed.at,
        });
    }
    found.into_values().collect()
}

#[cfg(test)]
mod tests;
