//! Resumable sends: a send estimated at [`crate::Engine::with_resumable_sends`] bytes or
//! more is not piped into `btrfs receive` but staged on the target, in one file per
//! (snapshot, parent) in `<target dir>/.dist-btrfs-staging/` ([`btrfs::command::stage`]),
//! and received from that file once it is whole and checked. When the transfer is cut
//! (a dead link, a killed serve or sshd, a full disk), the file keeps what arrived; the
//! next attempt runs the same `btrfs send` again, gives the target only the bytes after
//! what its file holds ([`crate::fanout`]'s `skip`), and the send's sha256 over the whole
//! stream is compared with the file's before anything is received. A file that does not
//! match (a send stream that came out differently, a write lost in a crash of the
//! target) is removed and the attempt fails transiently: the next one sends it whole.
//! So a garbled stream is never received, and a cut at 70% re-sends about 30%.
//! When a newer snapshot's run comes before the cut send's retry, the planner
//! ([`super::plan`], fed by [`RunCtx::staged_streams`]) has it finish the cut send
//! first and send the newer snapshot from it, instead of a whole send that would carry
//! the staged part again (what a long initial send cut by a flaky link needs most).
//!
//! The cost: the target needs free space for the stream in the staging file besides the
//! received subvolume while it is received (about twice the stream at the peak); the
//! primary reads the snapshot again for the part it skips (no network); the target
//! reads the file twice (hash, receive). Staged files of this subvolume's that are of no
//! more use (their snapshot pruned on the primary or already on the target, or this
//! snapshot's from another parent) are removed at each of its sends to the target; a
//! file of another snapshot still waiting for its retry stays. A send is staged only with
//! room on the target for the rest of its file plus the received copy; the staging
//! directory must be writable by the login user (and a restricted key needs the
//! wrapper's `--allow-staging`): when staging is refused the send goes straight into
//! `btrfs receive`, as before; when the target cannot be reached it fails transiently
//! and keeps its file.
//!
//! Not here: the fan-out (`transport`), verifying the received subvolume (`driver`).

use std::collections::{BTreeMap, HashMap, HashSet};

use btrfs::AbsPath;
use btrfs::command::stage;
use domain::TargetId;
use domain::replication::ErrorClass;
use uuid::Uuid;

use super::plan::{InDir, Staged};
use super::{Failure, Primary, RunCtx, SendSpec, TargetRun};
use crate::{EngineError, abs, lower_hex, recorded_path};

/// How one member of a send group gets the stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Delivery {
    /// Straight into `btrfs receive`.
    Direct,
    /// Into the staged `file` from byte `offset` on, then `btrfs receive -f`.
    Staged { file: AbsPath, offset: u64 },
}

impl Delivery {
    /// The byte the stream is staged from, when staged.
    pub(super) fn staged_offset(&self) -> Option<u64> {
        match self {
            Self::Direct => None,
            Self::Staged { offset, .. } => Some(*offset),
        }
    }

    /// Whether target `t` gets the zstd-compressed stream this way: as it asks, except
    /// for the rest of a resumed staged stream (the compressor starts at byte 0).
    pub(super) fn compressed_for(&self, t: &TargetRun) -> bool {
        t.zstd && self.staged_offset().unwrap_or(0) == 0
    }
}

impl RunCtx<'_> {
    /// The send's estimated size, when resumable sends are on (`None` when off, or when
    /// the estimate failed: the send then goes straight into `btrfs receive`).
    pub(super) async fn estimate(&self, primary: &Primary, spec: SendSpec<'_>) -> Option<u64> {
        self.engine.resumable_min_bytes?;
        let estimate = async {
            let snap = abs(&recorded_path(&spec.snap.path)?)?;
            let parent = match spec.parent {
                Some(p) => Some(abs(&recorded_path(&p.path)?)?),
                None => None,
            };
            Ok::<_, EngineError>(primary.btrfs.estimate_send(&snap, parent.as_ref()).await?)
        };
        match estimate.await {
            Ok(bytes) => Some(bytes),
            Err(e) => {
                tracing::warn!(error = %e, "estimating the send failed; it is not staged");
                None
            }
        }
    }

    /// How each ready member gets the stream: staged when resumable sends are on and
    /// the estimate reaches the threshold, else direct. Also removes this subvolume's
    /// stale staged streams on each member (when resumable sends are off too: a file of
    /// this send's snapshot is then stale). A member where staging is refused (the
    /// directory not writable, the command not allowed) gets the stream directly; one
    /// that cannot be reached (or is out of space) fails, transiently, and keeps what is
    /// staged there for its retry.
    pub(super) async fn deliveries(
        &self,
        primary: &Primary,
        spec: SendSpec<'_>,
        members: impl Iterator<Item = (TargetId, &TargetRun, &[InDir])>,
        estimate: Option<u64>,
    ) -> HashMap<TargetId, Result<Delivery, Failure>> {
        let mut out = HashMap::new();
        for (tid, t, listing) in members {
            let received: HashSet<Uuid> = listing
                .iter()
                .filter(|d| d.received.read_only)
                .filter_map(|d| d.received.received_uuid)
                .collect();
            let Some(min) = self.engine.resumable_min_bytes else {
                // Off: nothing is staged, and what earlier sends of this subvolume staged
                // here is of no more use once its snapshot's next send runs.
                let never = StagePlan {
                    estimate: Some(0),
                    min: u64::MAX,
                };
                if let Err(e) = staging_of(t, primary, spec, never, &received).await {
                    tracing::debug!(target_id = %tid, error = %e, "no staged streams to remove");
                }
                out.insert(tid, Ok(Delivery::Direct));
                continue;
            };
            let plan = StagePlan { estimate, min };
            let delivery = match staging_of(t, primary, spec, plan, &received).await {
                Ok(d) => Ok(d),
                Err(e) if e.is_transient() => Err(Failure::from_engine(&e)),
                // The target ran the staging command and refused it (not writable, a
                // restricted key without --allow-staging, no such command): go direct.
                Err(
                    e @ EngineError::Host(
                        btrfs::HostError::NonZeroExit { .. }
                        | btrfs::HostError::CommandNotFound { .. },
                    ),
                ) => {
                    tracing::warn!(target_id = %tid, error = %e, "cannot stage on the target; the send goes straight into btrfs receive");
                    Ok(Delivery::Direct)
                }
                // Anything else is about the link or what came back over it (a broken
                // session, a cut listing): staging was not refused, and a file a cut
                // send left there must not be thrown away by a direct send. Try again.
                Err(e) => Err(Failure {
                    error: format!(
                        "the staging on the target could not be checked ({e}); the next attempt tries again"
                    ),
                    class: ErrorClass::Transient,
                }),
            };
            out.insert(tid, delivery);
        }
        out
    }

    /// The streams staged on each pending target, for the planner ([`Staged`]): none
    /// when resumable sends are off; a target whose staging directory cannot be read
    /// counts as having none (its send reads it again, in [`Self::deliveries`]).
    pub(super) async fn staged_streams(
        &self,
        pending: &BTreeMap<TargetId, TargetRun>,
    ) -> HashMap<TargetId, Vec<Staged>> {
        if self.engine.resumable_min_bytes.is_none() {
            return HashMap::new();
        }
        let read = pending.iter().map(|(tid, t)| async move {
            let files =
                async { Ok::<_, EngineError>(t.btrfs.staged_files(&staging_dir(t)?).await?) };
            let staged = match files.await {
                Ok(files) => files
                    .iter()
                    .filter_map(|f| {
                        let (snapshot, parent) = stage::parse_stream_file_name(&f.name)?;
                        Some(Staged {
                            snapshot,
                            parent,
                            bytes: f.size,
                        })
                    })
                    .collect(),
                Err(e) => {
                    tracing::debug!(target_id = %tid, error = %e, "staged streams not read");
                    Vec::new()
                }
            };
            (*tid, staged)
        });
        futures::future::join_all(read).await.into_iter().collect()
    }

    /// A staged member got the whole stream: checks its file against the stream's
    /// digest, receives from it, removes it.
    pub(super) async fn receive_staged(
        &self,
        t: &TargetRun,
        file: &AbsPath,
        digest: Option<[u8; 32]>,
    ) -> Result<(), Failure> {
        let Some(digest) = digest else {
            return Err(Failure {
                error: "the send stream was not read to its end".into(),
                class: ErrorClass::Transient,
            });
        };
        let on_target = t
            .btrfs
            .staged_sha256(file)
            .await
            .map_err(EngineError::Host)?;
        if on_target != lower_hex(&digest) {
            if let Err(e) = t.btrfs.remove_staged(std::slice::from_ref(file)).await {
                tracing::warn!(error = %e, "removing a staged stream that did not match failed");
            }
            return Err(Failure {
                error: format!(
                    "the stream staged on the target ({file}) differs from this send (sha256 {on_target}, expected {}); it was removed and the next attempt sends the stream whole",
                    lower_hex(&digest)
                ),
                class: ErrorClass::Transient,
            });
        }
        match t.btrfs.receive_staged(file, &abs(&t.dir)?).await {
            Ok(()) => {}
            Err(btrfs::HostError::NonZeroExit { code, .. })
                if code == btrfs::command::LOCK_BUSY_EXIT =>
            {
                return Err(Failure {
                    error: format!(
                        "a receive from the staged stream {file} is still running on the target (an earlier attempt's, whose connection was cut); the next attempt receives once it has ended"
                    ),
                    class: ErrorClass::Transient,
                });
            }
            Err(e) => return Err(EngineError::Host(e).into()),
        }
        if let Err(e) = t.btrfs.remove_staged(std::slice::from_ref(file)).await {
            tracing::warn!(error = %e, "removing a received staged stream failed; the next send to this target removes it");
        }
        Ok(())
    }
}

/// Whether a staged file of this subvolume's is of no more use: its snapshot left the
/// primary, or the target holds it already, or it is this send's snapshot from another
/// parent (or this send is not staged). Another snapshot's file waiting for its retry
/// stays.
fn is_stale(
    file: &str,
    current: Option<&str>,
    primary: &Primary,
    spec: SendSpec<'_>,
    received: &HashSet<Uuid>,
) -> bool {
    let Some((snapshot, _)) = stage::parse_stream_file_name(file) else {
        return false;
    };
    if !primary.catalogued.contains_key(&snapshot) {
        return false; // not this subvolume's
    }
    !primary.snapshots.contains_key(&snapshot)
        || received.contains(&snapshot)
        || (snapshot == spec.snap.uuid && current != Some(file))
}

/// What decides whether a send is staged: its estimate and the engine's threshold.
#[derive(Debug, Clone, Copy)]
struct StagePlan {
    estimate: Option<u64>,
    min: u64,
}

/// Whether to stage a send: when its estimate reaches the threshold and the target has
/// room for the rest of the staged file plus the received copy (`free`, when known);
/// without an estimate, only to finish a file this send already started (`staged`).
fn should_stage(plan: StagePlan, staged: Option<u64>, free: Option<u64>) -> bool {
    match plan.estimate {
        None => staged.is_some_and(|s| s > 0),
        Some(e) if e < plan.min => false,
        Some(e) => {
            let need = e.saturating_sub(staged.unwrap_or(0)).saturating_add(e);
            free.is_none_or(|f| f >= need)
        }
    }
}

/// The member's staging directory.
fn staging_dir(t: &TargetRun) -> Result<AbsPath, EngineError> {
    stage::staging_dir(&abs(&t.dir)?)
        .map_err(|e| EngineError::Inconsistent(format!("staging directory: {e}")))
}

/// At most this many files per `rm` (the restricted wrapper takes 64 words).
const REMOVE_BATCH: usize = 50;

/// The member's staging: its file for this send and how much of it is there (when it is
/// staged), after removing the subvolume's staged streams of no more use there (best
/// effort: a failure to remove is logged, not fatal).
async fn staging_of(
    t: &TargetRun,
    primary: &Primary,
    spec: SendSpec<'_>,
    plan: StagePlan,
    received: &HashSet<Uuid>,
) -> Result<Delivery, EngineError> {
    let dir = staging_dir(t)?;
    let name = stage::stream_file_name(spec.snap.uuid, spec.parent.map(|p| p.uuid));
    let present = t.btrfs.staged_files(&dir).await?;
    let staged = present.iter().find(|f| f.name == name).map(|f| f.size);
    let free = match plan.estimate {
        Some(e) if e >= plan.min => Some(t.btrfs.usage(&abs(&t.dir)?).await?.free_estimated),
        _ => None,
    };
    let wanted = should_stage(plan, staged, free);
    if !wanted && plan.estimate.is_some_and(|e| e >= plan.min) {
        tracing::warn!(estimate = ?plan.estimate, ?free, "not enough free space on the target to stage the send; it goes straight into btrfs receive");
    }
    let current = wanted.then_some(name.as_str());
    let mut stale = Vec::new();
    for f in &present {
        if current != Some(f.name.as_str()) && is_stale(&f.name, current, primary, spec, received) {
            stale.push(dir.join(&f.name).map_err(|e| {
                EngineError::Inconsistent(format!("staged file name {:?}: {e}", f.name))
            })?);
        }
    }
    for batch in stale.chunks(REMOVE_BATCH) {
        tracing::info!(
            count = batch.len(),
            "removing staged streams of no more use"
        );
        if let Err(e) = t.btrfs.remove_staged(batch).await {
            tracing::warn!(error = %e, "removing staged streams failed; the next send tries again");
        }
    }
    if !wanted {
        return Ok(Delivery::Direct);
    }
    if present.is_empty() {
        t.btrfs.make_staging_dir(&dir).await?;
    }
    let file = dir
        .join(&name)
        .map_err(|e| EngineError::Inconsistent(format!("staged file name: {e}")))?;
    Ok(Delivery::Staged {
        file,
        offset: staged.unwrap_or(0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staging_needs_the_threshold_and_room_for_the_file_and_the_copy() {
        let plan = |estimate| StagePlan { estimate, min: 100 };
        assert!(!should_stage(plan(Some(99)), None, None));
        assert!(
            should_stage(plan(Some(100)), None, None),
            "free space unknown"
        );
        assert!(should_stage(plan(Some(100)), None, Some(200)));
        assert!(!should_stage(plan(Some(100)), None, Some(199)));
        // 70 staged already: the rest (30) and the copy (100).
        assert!(should_stage(plan(Some(100)), Some(70), Some(130)));
        assert!(!should_stage(plan(Some(100)), Some(70), Some(129)));
        // No estimate: finish a started file, never start one.
        assert!(should_stage(plan(None), Some(70), None));
        assert!(!should_stage(plan(None), Some(0), None));
        assert!(!should_stage(plan(None), None, Some(u64::MAX)));
        assert!(!should_stage(
            plan(Some(u64::MAX)),
            None,
            Some(u64::MAX - 1)
        ));
    }
}
