//! Replication runs, split by concern as zrepl splits them: this module records
//! requests and runs them under a per-subvolume lock; [`plan`] decides (pure) what each
//! target needs next; [`driver`] reads both sides, records events and drives the rounds;
//! [`transport`] starts the receives and the one send and streams between them;
//! [`staged`] stages large sends on the targets so that a cut one resumes.
//!
//! [`Engine::request_replication`] records a request;
//! [`Engine::run_replication`] carries it out (idempotent: a finished run is a no-op, an
//! interrupted one continues); [`Engine::resume_replications`] restarts what a killed
//! process left queued or running.
//!
//! A run, serialized per subvolume by a session advisory lock (two runs of one subvolume
//! never receive into the same directories at once), works in rounds until every target
//! has the requested snapshot or failed:
//! 1. read both sides from disk: the primary's read-only subvolumes (`btrfs subvolume
//!    list`) matched to the catalog by uuid, and each target directory's subvolumes
//!    (`subvolume list` with `received_uuid` and the read-only flag);
//! 2. per target, `domain::lineage` decides what to send next (`to_send`: the requested
//!    snapshot, or the oldest missing one for send-all-missing targets) and from which
//!    parent (`choose_send`); strict-incremental without a common base fails the target
//!    (permanent); a target that already has the requested snapshot succeeds without a
//!    send;
//! 3. targets needing the same (snapshot, parent) form one group: ONE `btrfs send` on
//!    the primary feeds every target's `btrfs receive` through [`crate::fanout`]; groups
//!    run one after another;
//! 4. before a receive, half-received subvolumes (not read-only, or no received_uuid)
//!    in the target directory that carry the name of one of this subvolume's snapshots
//!    are deleted (invariant 2, `ReplicaHalfReceivedDeleted`);
//! 5. after a receive exits 0 the subvolume at `<dir>/<snapshot name>` must be read-only
//!    with `received_uuid` = the snapshot's uuid, else the target fails; on success the
//!    target is read again and `ReplicationTargetSucceeded` carries its complete replicas
//!    and the new common base (the pin retention keeps);
//! 6. after a failed receive, what it left of the snapshot is deleted at once when the
//!    target is still reachable (best effort; step 4 of the next attempt otherwise).
//!
//! A failing target is recorded (`ReplicationTargetFailed` with transient/permanent) and
//! leaves the run; the others go on. Progress (`ReplicationProgress`) is appended at most
//! every [`PROGRESS_EVERY`] per send. The expected size of a send (for an ETA) is
//! estimated before it from a metadata-only `btrfs send --no-data` when resumable sends
//! are on, else it is the byte count of the newest successful send of the same kind
//! (full/incremental) of this subvolume: an estimate, shown as such.
//!
//! Resumable sends ([`staged`]): a send estimated at the engine's threshold or more is
//! staged in a file on each target and received from it once whole and checked; a cut
//! one resumes where its file ends.
//!
//! Retries are the job runner's (`jobs::ReplicateJob`): [`Engine::retry_replication`]
//! requeues a finished run's transiently failed targets, and the next run cleans and
//! resends to them only. [`Engine::request_replication_once`] is the idempotent request
//! of "replicate after snapshot" (one run per snapshot).
//!
//! Compression: a target set to zstd gets the group's stream compressed in process (once
//! per send, whatever the number of such targets; see [`crate::fanout`]) and receives it
//! through `zstd -d -c | btrfs receive DIR` ([`btrfs::command::btrfs::receive_zstd`]),
//! when `zstd --version` runs on its server (probed once per server and run). Without
//! it the target gets the raw stream: `ReplicationTargetStarted::compression_fallback`
//! says why, and the transfer goes on. `bytes` are stream bytes, `wire_bytes` what went
//! to the target.
//!
//! Tracing: a run is the span `replication` (replication_id, subvolume_id, snapshot_id);
//! each target's transfer a child span `replication_target` (target_id, server_id,
//! snapshot_id, parent_snapshot_id, kind, compression, then bytes and wire_bytes), which
//! holds its receive's `command` span; the send's `command` span is under `replication`.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use btrfs::{Btrfs, Host};
use domain::lineage::PrimarySnapshot;
use domain::replication::{ErrorClass, ReplicationRequested, ReplicationTargetFailed, TargetState};
use domain::{DomainEvent, ReplicationId, ServerId, ServerPath, SnapshotId, TargetId};
use store::locks::SessionLock;
use store::projections::{
    self, ReplicationView, SnapshotState, SnapshotView, SubvolumeView, TargetView,
};
use store::{AppendMeta, ExpectedVersion, events, locks};
use uuid::Uuid;

use crate::{Engine, EngineError};

mod driver;
mod plan;
pub mod preview;
mod staged;
mod transport;

pub(crate) use driver::list_dir;
pub(crate) use plan::InDir;

/// At most one progress event per send this often.
pub const PROGRESS_EVERY: Duration = Duration::from_secs(2);
/// Rounds of one run before it gives up (send-all-missing sends one snapshot a round).
const MAX_ROUNDS: usize = 1000;
/// How long to wait for a receive's exit after its stream broke.
const RECEIVE_EXIT_GRACE: Duration = Duration::from_secs(20);

/// A target's failure: message and class.
#[derive(Debug, Clone)]
pub(crate) struct Failure {
    pub(crate) error: String,
    pub(crate) class: ErrorClass,
}

impl Failure {
    fn permanent(error: impl Into<String>) -> Self {
        Self {
            error: error.into(),
            class: ErrorClass::Permanent,
        }
    }

    fn from_engine(e: &EngineError) -> Self {
        Self {
            error: e.to_string(),
            class: ErrorClass::from_transient(e.is_transient()),
        }
    }
}

impl From<EngineError> for Failure {
    fn from(e: EngineError) -> Self {
        Self::from_engine(&e)
    }
}

/// One target during a run.
pub(crate) struct TargetRun {
    pub(crate) view: TargetView,
    pub(crate) dir: ServerPath,
    pub(crate) btrfs: Btrfs<Arc<dyn Host>>,
    /// Receives the zstd-compressed stream.
    zstd: bool,
    /// Why a target set to zstd gets the raw stream.
    compression_fallback: Option<String>,
}

/// Per server of a run: whether `zstd` runs there, or why not known.
pub(crate) type ZstdProbes = HashMap<ServerId, Result<bool, String>>;

/// The primary side of a run.
struct Primary {
    btrfs: Btrfs<Arc<dyn Host>>,
    subvolume: SubvolumeView,
    /// The uuids of the read-only subvolumes on the primary's disk.
    on_disk: HashSet<Uuid>,
    /// Catalogued snapshots present on disk, by uuid.
    snapshots: HashMap<Uuid, SnapshotView>,
    /// Every catalogued snapshot of the subvolume, in any state, by uuid: what a
    /// replica on a target can be a copy of.
    catalogued: HashMap<Uuid, SnapshotView>,
}

impl Primary {
    fn lineage(&self) -> Vec<PrimarySnapshot> {
        self.snapshots.values().map(lineage_of).collect()
    }

    /// The names of the subvolume's snapshots (what cleaning a target may delete).
    fn names(&self) -> HashSet<String> {
        self.snapshots.values().map(|s| s.name.clone()).collect()
    }
}

/// A catalogued snapshot as the lineage rules see it.
fn lineage_of(s: &SnapshotView) -> PrimarySnapshot {
    PrimarySnapshot {
        uuid: s.uuid,
        created_at: s.created_at.unwrap_or(s.recorded_at),
    }
}

/// What every step of one run needs: the engine, the run, the metadata of its events.
#[derive(Clone, Copy)]
struct RunCtx<'a> {
    engine: &'a Engine,
    run: &'a ReplicationView,
    meta: &'a AppendMeta,
}

impl RunCtx<'_> {
    fn id(&self) -> ReplicationId {
        self.run.replication_id
    }

    /// Appends one event to the run's stream.
    async fn append(&self, event: DomainEvent) -> Result<(), EngineError> {
        append_run(self.engine, self.id(), event, self.meta).await
    }

    /// Records a target's failure.
    async fn fail_target(
        &self,
        target: TargetId,
        snapshot: Option<SnapshotId>,
        f: &Failure,
    ) -> Result<(), EngineError> {
        let id = self.id();
        tracing::warn!(replication = %id, target = %target, error = %f.error, class = f.class.as_str(), "target failed");
        self.append(DomainEvent::ReplicationTargetFailed(
            ReplicationTargetFailed {
                replication_id: id,
                target_id: target,
                snapshot_id: snapshot,
                error: f.error.clone(),
                class: f.class,
            },
        ))
        .await
    }
}

/// One send: a snapshot and, for an incremental, its parent on the primary.
#[derive(Clone, Copy)]
struct SendSpec<'a> {
    snap: &'a SnapshotView,
    parent: Option<&'a SnapshotView>,
}

async fn append_run(
    engine: &Engine,
    id: ReplicationId,
    event: DomainEvent,
    meta: &AppendMeta,
) -> Result<(), EngineError> {
    engine
        .events
        .append(&id.stream(), ExpectedVersion::Any, &[event], meta)
        .await?;
    Ok(())
}

/// The id of the "replicate after snapshot" run of `snapshot`: the snapshot's uuid
/// with a fixed mask, so that every caller derives the same one (snapshot ids are
/// random, so it meets no other run's id).
pub fn after_snapshot_id(snapshot: SnapshotId) -> ReplicationId {
    const MASK: u128 = 0x5265_706c_6963_6174_6541_6674_6572_5300;
    ReplicationId::from_uuid(Uuid::from_u128(snapshot.as_uuid().as_u128() ^ MASK))
}

fn throughput(bytes: u64, elapsed: Duration) -> u64 {
    let ms = elapsed.as_millis().max(1);
    u64::try_from(u128::from(bytes) * 1000 / ms).unwrap_or(u64::MAX)
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

impl Engine {
    /// Records a request to replicate a snapshot to some of its subvolume's targets
    /// (all of them when `targets` is `None`). Field names lead every refusal.
    #[tracing::instrument(skip_all, fields(snapshot = %snapshot), err(level = "debug", Display))]
    pub async fn request_replication(
        &self,
        snapshot: SnapshotId,
        targets: Option<Vec<TargetId>>,
        meta: &AppendMeta,
    ) -> Result<ReplicationView, EngineError> {
        self.request_with_id(ReplicationId::new(), snapshot, targets, meta)
            .await
    }

    /// The replication of `snapshot` to all of its subvolume's targets that "replicate
    /// after snapshot" requests: at most one per snapshot, however often this is called
    /// (a job killed between requesting and enqueueing asks again and gets the same
    /// run). Its id is derived from the snapshot's ([`after_snapshot_id`]); the request
    /// appends with `NoStream`, so a second one finds the first.
    #[tracing::instrument(skip_all, fields(snapshot = %snapshot), err(level = "debug", Display))]
    pub async fn request_replication_once(
        &self,
        snapshot: SnapshotId,
        meta: &AppendMeta,
    ) -> Result<ReplicationView, EngineError> {
        let id = after_snapshot_id(snapshot);
        if let Some(v) = projections::replication(self.events.pool(), id).await? {
            return Ok(v);
        }
        match self.request_with_id(id, snapshot, None, meta).await {
            Ok(v) => Ok(v),
            Err(e) => match projections::replication(self.events.pool(), id).await? {
                // Someone else requested it meanwhile.
                Some(v) => Ok(v),
                None => Err(e),
            },
        }
    }

    async fn request_with_id(
        &self,
        replication_id: ReplicationId,
        snapshot: SnapshotId,
        targets: Option<Vec<TargetId>>,
        meta: &AppendMeta,
    ) -> Result<ReplicationView, EngineError> {
        let snap = projections::snapshot_by_id(self.events.pool(), snapshot)
            .await?
            .ok_or_else(|| EngineError::NotFound(format!("snapshot_id: no snapshot {snapshot}")))?;
        if snap.state != SnapshotState::Present {
            return Err(EngineError::Conflict(format!(
                "snapshot_id: snapshot {snapshot} is not on the primary any more"
            )));
        }
        let sv = snap.subvolume_id;
        let mut tx = self.events.pool().begin().await?;
        locks::lock_subvolume(&mut tx, sv).await?;
        let ids: Vec<TargetId> = match targets {
            None => projections::targets(&mut *tx, Some(sv))
                .await?
                .into_iter()
                .map(|t| t.target_id)
                .collect(),
            Some(list) => {
                if list.is_empty() {
                    return Err(EngineError::Invalid(
                        "target_ids: empty; omit it to replicate to all of the subvolume's targets"
                            .into(),
                    ));
                }
                let mut ids = Vec::new();
                for id in list {
                    let t = projections::target(&mut *tx, id).await?.ok_or_else(|| {
                        EngineError::NotFound(format!("target_ids: no target {id}"))
                    })?;
                    if t.subvolume_id != sv {
                        return Err(EngineError::Invalid(format!(
                            "target_ids: target {id} replicates another subvolume than snapshot {snapshot}'s"
                        )));
                    }
                    if !ids.contains(&id) {
                        ids.push(id);
                    }
                }
                ids
            }
        };
        if ids.is_empty() {
            return Err(EngineError::Conflict(format!(
                "target_ids: subvolume {sv} has no replication targets; add one first"
            )));
        }
        let event = DomainEvent::ReplicationRequested(ReplicationRequested {
            replication_id,
            subvolume_id: sv,
            snapshot_id: snapshot,
            target_ids: ids,
        });
        events::append_in(
            &mut tx,
            &replication_id.stream(),
            ExpectedVersion::NoStream,
            &[event],
            meta,
        )
        .await?;
        let view = projections::replication(&mut *tx, replication_id)
            .await?
            .ok_or_else(|| {
                EngineError::Inconsistent(format!("replication {replication_id} not projected"))
            })?;
        tx.commit().await?;
        Ok(view)
    }

    /// Runs `run_replication` in a background task (what the API does until the job
    /// runner takes over), logging its failure.
    pub fn spawn_replication(
        &self,
        id: ReplicationId,
        meta: AppendMeta,
    ) -> tokio::task::JoinHandle<()> {
        let engine = self.clone();
        tokio::spawn(async move {
            if let Err(e) = engine.run_replication(id, &meta).await {
                tracing::error!(replication = %id, error = %e, "replication run failed");
            }
        })
    }

    /// Spawns a run for every replication left queued or running (by a killed
    /// process). Returns their ids.
    pub async fn resume_replications(&self) -> Result<Vec<ReplicationId>, EngineError> {
        let ids = projections::unfinished_replications(self.events.pool()).await?;
        for id in &ids {
            tracing::info!(replication = %id, "resuming replication");
            self.spawn_replication(*id, crate::system_meta());
        }
        Ok(ids)
    }

    /// Puts a finished run's transiently failed targets back in the queue (event
    /// `ReplicationRetried`) so that the next `run_replication` tries them again, and
    /// only them; permanent failures stay failed. Returns the requeued targets (none
    /// when the run is not finished or nothing failed transiently).
    #[tracing::instrument(skip_all, fields(replication = %id), err(level = "debug", Display))]
    pub async fn retry_replication(
        &self,
        id: ReplicationId,
        meta: &AppendMeta,
    ) -> Result<Vec<TargetId>, EngineError> {
        let run = projections::replication(self.events.pool(), id)
            .await?
            .ok_or_else(|| EngineError::NotFound(format!("no replication {id}")))?;
        let mut tx = self.events.pool().begin().await?;
        locks::lock_subvolume(&mut tx, run.subvolume_id).await?;
        let run = projections::replication(&mut *tx, id)
            .await?
            .ok_or_else(|| EngineError::NotFound(format!("no replication {id}")))?;
        if run.state.is_unfinished() {
            return Ok(Vec::new());
        }
        let failed: Vec<TargetId> = projections::replication_targets(&mut *tx, id)
            .await?
            .into_iter()
            .filter(|t| {
                t.state == TargetState::Failed && t.error_class == Some(ErrorClass::Transient)
            })
            .map(|t| t.target_id)
            .collect();
        if failed.is_empty() {
            return Ok(failed);
        }
        let event = DomainEvent::ReplicationRetried(domain::replication::ReplicationRetried {
            replication_id: id,
            target_ids: failed.clone(),
        });
        events::append_in(&mut tx, &id.stream(), ExpectedVersion::Any, &[event], meta).await?;
        tx.commit().await?;
        Ok(failed)
    }

    /// Carries out a replication (see the module docs). A finished one is left alone.
    #[tracing::instrument(
        name = "replication",
        skip_all,
        fields(replication_id = %id, subvolume_id, snapshot_id),
        err
    )]
    pub async fn run_replication(
        &self,
        id: ReplicationId,
        meta: &AppendMeta,
    ) -> Result<(), EngineError> {
        let first = projections::replication(self.events.pool(), id)
            .await?
            .ok_or_else(|| EngineError::NotFound(format!("no replication {id}")))?;
        let span = tracing::Span::current();
        span.record("subvolume_id", tracing::field::display(first.subvolume_id));
        span.record("snapshot_id", tracing::field::display(first.snapshot_id));
        if !first.state.is_unfinished() {
            return Ok(());
        }
        let lock = SessionLock::replication_run(self.events.pool(), first.subvolume_id).await?;
        let result = self.run_locked(id, meta).await;
        if let Err(e) = lock.release().await {
            tracing::warn!(error = %e, "unlocking failed; closing the session releases the lock");
        }
        result
    }
}
