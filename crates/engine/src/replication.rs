//! Replication runs: [`Engine::request_replication`] records a request;
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
//! every [`PROGRESS_EVERY`] per send. The expected size of a send (for an ETA) is the
//! byte count of the newest successful send of the same kind (full/incremental) of this
//! subvolume: an estimate, shown as such.
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

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use btrfs::host::RunningCommand;
use btrfs::{Btrfs, Host};
use domain::lineage::{self, PrimarySnapshot, ReceivedState, ReceivedSubvolume, SendDecision};
use domain::replication::Compression;
use domain::replication::{
    ErrorClass, Replica, ReplicaHalfReceivedDeleted, ReplicationFinished, ReplicationProgress,
    ReplicationRequested, ReplicationStarted, ReplicationTargetFailed, ReplicationTargetStarted,
    ReplicationTargetSucceeded, TargetBytes, outcome,
};
use domain::{DomainEvent, ReplicationId, ServerId, ServerPath, SnapshotId, SubvolumeId, TargetId};
use store::projections::{self, ReplicationView, SnapshotState, SnapshotView, TargetView};
use store::{AppendMeta, ExpectedVersion, events, locks};
use tracing::Instrument;
use uuid::Uuid;

use crate::fanout::{self, Sink};
use crate::inventory::{self, FoundSubvolume};
use crate::{Engine, EngineError, abs, recorded_path};

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

/// A subvolume found in a target directory.
#[derive(Debug, Clone)]
pub(crate) struct InDir {
    pub(crate) path: ServerPath,
    pub(crate) name: String,
    pub(crate) received: ReceivedSubvolume,
}

/// The primary side of a run.
struct Primary {
    btrfs: Btrfs<Arc<dyn Host>>,
    /// Catalogued snapshots present on disk, by uuid.
    snapshots: HashMap<Uuid, SnapshotView>,
}

impl Primary {
    fn lineage(&self) -> Vec<PrimarySnapshot> {
        self.snapshots
            .values()
            .map(|s| PrimarySnapshot {
                uuid: s.uuid,
                created_at: s.created_at.unwrap_or(s.recorded_at),
            })
            .collect()
    }
}

/// The targets of one send group, with their directory listings.
type Members = Vec<(TargetId, Vec<InDir>)>;

/// What a target needs next.
enum Next {
    Done,
    Send {
        snapshot: Uuid,
        parent: Option<Uuid>,
    },
    Fail(Failure),
}

/// The subvolumes directly in `dir` (one level), with their lineage facts.
pub(crate) async fn list_dir(t: &TargetRun) -> Result<Vec<InDir>, EngineError> {
    let found: Vec<FoundSubvolume> =
        inventory::scan(&t.btrfs, std::slice::from_ref(&t.dir)).await?;
    Ok(found
        .into_iter()
        .filter_map(|f| {
            let path = f.path?;
            if path.parent().as_ref() != Some(&t.dir) {
                return None;
            }
            let name = path.file_name()?.to_owned();
            Some(InDir {
                received: ReceivedSubvolume {
                    uuid: f.info.uuid?,
                    received_uuid: f.info.received_uuid,
                    read_only: f.readonly,
                },
                path,
                name,
            })
        })
        .collect())
}

/// The complete replicas in `dir` of the primary's snapshots, and the newest of them
/// (the common base).
fn replicas(primary: &Primary, dir: &[InDir]) -> (Vec<Replica>, Option<SnapshotId>) {
    let mut out: Vec<(&SnapshotView, Replica)> = dir
        .iter()
        .filter_map(|d| match lineage::classify(&d.received) {
            ReceivedState::Complete { received_uuid } => {
                let snap = primary.snapshots.get(&received_uuid)?;
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
    let base = out.last().map(|(s, _)| s.snapshot_id);
    (out.into_iter().map(|(_, r)| r).collect(), base)
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
    #[tracing::instrument(skip_all, fields(snapshot = %snapshot), err)]
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
    #[tracing::instrument(skip_all, fields(snapshot = %snapshot), err)]
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
    #[tracing::instrument(skip_all, fields(replication = %id), err)]
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
        if matches!(run.state.as_str(), "queued" | "running") {
            return Ok(Vec::new());
        }
        let failed: Vec<TargetId> = projections::replication_targets(&mut *tx, id)
            .await?
            .into_iter()
            .filter(|t| t.state == "failed" && t.error_class.as_deref() == Some("transient"))
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
        if !matches!(first.state.as_str(), "queued" | "running") {
            return Ok(());
        }
        let key = format!("replication-run:{}", first.subvolume_id);
        let mut lock = self.events.pool().acquire().await?;
        // A session lock: if this future is dropped (task aborted, process shutting down)
        // the connection must not go back to the pool still holding it. Closing the
        // session on drop releases it in every case.
        lock.close_on_drop();
        sqlx::query("SELECT pg_advisory_lock(hashtextextended($1, 0))")
            .bind(&key)
            .execute(&mut *lock)
            .await?;
        let result = self.run_locked(id, meta).await;
        if let Err(e) = sqlx::query("SELECT pg_advisory_unlock(hashtextextended($1, 0))")
            .bind(&key)
            .execute(&mut *lock)
            .await
        {
            tracing::warn!(error = %e, "unlocking failed; closing the session releases the lock");
        }
        drop(lock);
        result
    }

    async fn append_run(
        &self,
        id: ReplicationId,
        event: DomainEvent,
        meta: &AppendMeta,
    ) -> Result<(), EngineError> {
        self.events
            .append(&id.stream(), ExpectedVersion::Any, &[event], meta)
            .await?;
        Ok(())
    }

    async fn fail_target(
        &self,
        id: ReplicationId,
        target: TargetId,
        snapshot: Option<SnapshotId>,
        f: &Failure,
        meta: &AppendMeta,
    ) -> Result<(), EngineError> {
        tracing::warn!(replication = %id, target = %target, error = %f.error, class = f.class.as_str(), "target failed");
        self.append_run(
            id,
            DomainEvent::ReplicationTargetFailed(ReplicationTargetFailed {
                replication_id: id,
                target_id: target,
                snapshot_id: snapshot,
                error: f.error.clone(),
                class: f.class,
            }),
            meta,
        )
        .await
    }

    async fn run_locked(&self, id: ReplicationId, meta: &AppendMeta) -> Result<(), EngineError> {
        let run = projections::replication(self.events.pool(), id)
            .await?
            .ok_or_else(|| EngineError::NotFound(format!("no replication {id}")))?;
        if !matches!(run.state.as_str(), "queued" | "running") {
            return Ok(());
        }
        self.append_run(
            id,
            DomainEvent::ReplicationStarted(ReplicationStarted { replication_id: id }),
            meta,
        )
        .await?;
        let rows = projections::replication_targets(self.events.pool(), id).await?;
        let pending_ids: Vec<TargetId> = rows
            .iter()
            .filter(|r| matches!(r.state.as_str(), "queued" | "running"))
            .map(|r| r.target_id)
            .collect();
        let mut pending: BTreeMap<TargetId, TargetRun> = BTreeMap::new();
        let mut probes = ZstdProbes::new();
        for tid in pending_ids {
            match self.open_target(tid, &mut probes).await {
                Ok(t) => {
                    pending.insert(tid, t);
                }
                Err(f) => self.fail_target(id, tid, None, &f, meta).await?,
            }
        }
        if let Err(e) = self.rounds(&run, &mut pending, meta).await {
            // The primary side failed: every target still pending fails with it.
            let f = Failure::from_engine(&e);
            for tid in pending.keys() {
                self.fail_target(id, *tid, None, &f, meta).await?;
            }
            pending.clear();
        }
        for tid in pending.keys() {
            let f = Failure::permanent(format!("gave up after {MAX_ROUNDS} rounds"));
            self.fail_target(id, *tid, None, &f, meta).await?;
        }
        let rows = projections::replication_targets(self.events.pool(), id).await?;
        let ok = rows.iter().filter(|r| r.state == "succeeded").count();
        let failed = rows.len() - ok;
        self.append_run(
            id,
            DomainEvent::ReplicationFinished(ReplicationFinished {
                replication_id: id,
                outcome: outcome(ok, failed),
            }),
            meta,
        )
        .await
    }

    /// A target's directory (re-checked under the remote's roots), host and compression
    /// (probing `zstd` on its server once per run).
    pub(crate) async fn open_target(
        &self,
        tid: TargetId,
        probes: &mut ZstdProbes,
    ) -> Result<TargetRun, Failure> {
        let view = projections::target(self.events.pool(), tid)
            .await
            .map_err(|e| Failure::from_engine(&e.into()))?
            .ok_or_else(|| Failure::permanent(format!("target {tid} was removed")))?;
        let (server, roots) = self.server(view.server_id).await?;
        let dir = recorded_path(&view.directory)?;
        dir.check_within(&roots).map_err(|e| {
            Failure::permanent(format!(
                "the target directory is outside the server's allowed roots now: {e}"
            ))
        })?;
        let btrfs = self.btrfs(&server).await?;
        // The directory the stream goes into, checked again on the remote right before
        // use (crate::real_paths).
        crate::real_paths::still_real(&btrfs, &dir, &roots)
            .await
            .map_err(|e| Failure::from_engine(&e.into_engine("target directory")))?;
        let (zstd, compression_fallback) = match view.options.compression {
            Compression::None => (false, None),
            Compression::Zstd => {
                let probe = match probes.get(&view.server_id) {
                    Some(p) => p.clone(),
                    None => {
                        let p = btrfs.has_zstd().await.map_err(|e| e.to_string());
                        probes.insert(view.server_id, p.clone());
                        p
                    }
                };
                match probe {
                    Ok(true) => (true, None),
                    Ok(false) => (
                        false,
                        Some(
                            "zstd: `zstd --version` does not run on the target's server; \
                             sending uncompressed"
                                .to_owned(),
                        ),
                    ),
                    Err(e) => (
                        false,
                        Some(format!(
                            "zstd: probing the target's server failed ({e}); sending uncompressed"
                        )),
                    ),
                }
            }
        };
        if let Some(why) = &compression_fallback {
            tracing::warn!(target_id = %tid, %why, "compression falls back to none");
        }
        Ok(TargetRun {
            view,
            dir,
            btrfs,
            zstd,
            compression_fallback,
        })
    }

    /// The primary's catalogued snapshots that are on disk, read-only.
    async fn read_primary(&self, sv: SubvolumeId) -> Result<Primary, EngineError> {
        let view = projections::subvolume(self.events.pool(), sv)
            .await?
            .ok_or_else(|| EngineError::NotFound(format!("no subvolume {sv}")))?;
        let (server, roots) = self.server(view.server_id).await?;
        let btrfs = self.btrfs(&server).await?;
        let on_disk: HashSet<Uuid> = inventory::scan(&btrfs, &roots)
            .await?
            .into_iter()
            .filter(|f| f.readonly)
            .filter_map(|f| f.info.uuid)
            .collect();
        let snapshots = projections::present_snapshots_of(self.events.pool(), sv)
            .await?
            .into_iter()
            .filter(|s| on_disk.contains(&s.uuid))
            .filter(|s| ServerPath::parse(&s.path).is_ok_and(|p| p.is_within(&roots)))
            .map(|s| (s.uuid, s))
            .collect();
        Ok(Primary { btrfs, snapshots })
    }

    async fn rounds(
        &self,
        run: &ReplicationView,
        pending: &mut BTreeMap<TargetId, TargetRun>,
        meta: &AppendMeta,
    ) -> Result<(), EngineError> {
        let id = run.replication_id;
        for _ in 0..MAX_ROUNDS {
            if pending.is_empty() {
                return Ok(());
            }
            let primary = self.read_primary(run.subvolume_id).await?;
            let Some(upto) = primary
                .snapshots
                .values()
                .find(|s| s.snapshot_id == run.snapshot_id)
                .cloned()
            else {
                return Err(EngineError::Conflict(format!(
                    "snapshot {} is not on the primary any more",
                    run.snapshot_id
                )));
            };
            let lineage_primary = primary.lineage();
            let upto_l = PrimarySnapshot {
                uuid: upto.uuid,
                created_at: upto.created_at.unwrap_or(upto.recorded_at),
            };
            // (snapshot uuid, parent uuid) -> targets with their directory listing.
            let mut groups: BTreeMap<(Uuid, Option<Uuid>), Members> = BTreeMap::new();
            // Every target's directory at once (reads only: the events below are appended
            // one at a time, as `ExpectedVersion::Any` appends to one stream must be).
            let listings: Vec<(TargetId, Result<Vec<InDir>, EngineError>)> =
                futures::future::join_all(
                    pending
                        .iter()
                        .map(|(tid, t)| async move { (*tid, list_dir(t).await) }),
                )
                .await;
            for (tid, listing) in listings {
                let Some(t) = pending.get(&tid) else { continue };
                let listing = match listing {
                    Ok(l) => l,
                    Err(e) => {
                        self.fail_target(id, tid, None, &e.into(), meta).await?;
                        pending.remove(&tid);
                        continue;
                    }
                };
                let received: Vec<ReceivedSubvolume> = listing.iter().map(|d| d.received).collect();
                // A target whose replicas were all deleted still "had received" for the
                // operator: say the base was lost, not that it is new.
                let had_replicas = !projections::replicas_of_target(self.events.pool(), tid)
                    .await?
                    .is_empty();
                let next = match lineage::to_send(
                    &upto_l,
                    &lineage_primary,
                    &received,
                    t.view.options.missing,
                )
                .first()
                {
                    None => Next::Done,
                    Some(uuid) => {
                        let sending = lineage_primary.iter().find(|p| p.uuid == *uuid);
                        match sending.map(|s| {
                            lineage::choose_send(
                                s,
                                &lineage_primary,
                                &received,
                                t.view.options.incremental_mode(),
                            )
                        }) {
                            None | Some(SendDecision::AlreadyThere) => Next::Done,
                            Some(SendDecision::Full) => Next::Send {
                                snapshot: *uuid,
                                parent: None,
                            },
                            Some(SendDecision::Incremental { parent_uuid }) => Next::Send {
                                snapshot: *uuid,
                                parent: Some(parent_uuid),
                            },
                            Some(SendDecision::StrictIncrementalRefused {
                                target_has_received,
                            }) => Next::Fail(Failure::permanent(
                                if target_has_received || had_replicas {
                                    "strict incremental: the target shares no snapshot with the \
                                 primary any more (its common base was deleted); a full send \
                                 is refused — turn strict_incremental off for one run or \
                                 restore a common base"
                                } else {
                                    "strict incremental: the target has no snapshot of this \
                                 subvolume yet and full sends are refused — turn \
                                 strict_incremental off for the initial send"
                                },
                            )),
                        }
                    }
                };
                match next {
                    Next::Done => {
                        self.record_already_there(run, tid, &primary, &upto, &listing, meta)
                            .await?;
                        pending.remove(&tid);
                    }
                    Next::Fail(f) => {
                        self.fail_target(id, tid, Some(upto.snapshot_id), &f, meta)
                            .await?;
                        pending.remove(&tid);
                    }
                    Next::Send { snapshot, parent } => {
                        groups
                            .entry((snapshot, parent))
                            .or_default()
                            .push((tid, listing));
                    }
                }
            }
            for ((snap_uuid, parent_uuid), members) in groups {
                let (Some(snap), parent) = (
                    primary.snapshots.get(&snap_uuid).cloned(),
                    parent_uuid.and_then(|p| primary.snapshots.get(&p).cloned()),
                ) else {
                    continue;
                };
                let results = self
                    .send_group(
                        run,
                        &primary,
                        &snap,
                        parent.as_ref(),
                        members,
                        pending,
                        meta,
                    )
                    .await?;
                for (tid, result) in results {
                    match result {
                        Ok(()) if snap.snapshot_id == run.snapshot_id => {
                            pending.remove(&tid);
                        }
                        Ok(()) => {}
                        Err(f) => {
                            self.fail_target(id, tid, Some(snap.snapshot_id), &f, meta)
                                .await?;
                            pending.remove(&tid);
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// A target that already has the requested snapshot: success without a send.
    async fn record_already_there(
        &self,
        run: &ReplicationView,
        tid: TargetId,
        primary: &Primary,
        upto: &SnapshotView,
        listing: &[InDir],
        meta: &AppendMeta,
    ) -> Result<(), EngineError> {
        let (replicas, base) = replicas(primary, listing);
        let path = replicas
            .iter()
            .find(|r| r.snapshot_id == upto.snapshot_id)
            .map(|r| r.path.clone())
            .unwrap_or_default();
        self.append_run(
            run.replication_id,
            DomainEvent::ReplicationTargetSucceeded(ReplicationTargetSucceeded {
                replication_id: run.replication_id,
                target_id: tid,
                subvolume_id: run.subvolume_id,
                snapshot_id: upto.snapshot_id,
                parent_snapshot_id: None,
                sent: false,
                bytes: 0,
                wire_bytes: None,
                duration_ms: 0,
                throughput_bytes_per_sec: 0,
                received_path: path,
                replicas,
                common_base: base,
            }),
            meta,
        )
        .await
    }

    /// Deletes half-received subvolumes named like one of the subvolume's snapshots in
    /// the target directory (invariant 2). A complete foreign subvolume with the name
    /// about to be received is a permanent failure (receive would refuse it).
    #[allow(clippy::too_many_arguments)]
    async fn clean_target(
        &self,
        run: &ReplicationView,
        tid: TargetId,
        t: &TargetRun,
        listing: &[InDir],
        names: &HashSet<String>,
        sending: &SnapshotView,
        meta: &AppendMeta,
    ) -> Result<(), Failure> {
        for d in listing {
            if !names.contains(&d.name) {
                continue;
            }
            match lineage::classify(&d.received) {
                ReceivedState::Incomplete(reason) => {
                    tracing::info!(path = %d.path, %reason, "deleting a half-received subvolume");
                    let p = abs(&d.path)?;
                    t.btrfs.delete(&p).await.map_err(EngineError::Host)?;
                    self.append_run(
                        run.replication_id,
                        DomainEvent::ReplicaHalfReceivedDeleted(ReplicaHalfReceivedDeleted {
                            replication_id: run.replication_id,
                            target_id: tid,
                            path: d.path.as_str().to_owned(),
                            reason,
                        }),
                        meta,
                    )
                    .await?;
                }
                ReceivedState::Complete { received_uuid }
                    if d.name == sending.name && received_uuid != sending.uuid =>
                {
                    return Err(Failure::permanent(format!(
                        "{} already exists on the target and is not a copy of snapshot {}",
                        d.path, sending.snapshot_id
                    )));
                }
                ReceivedState::Complete { .. } => {}
            }
        }
        Ok(())
    }

    /// After a failed receive: deletes what it left of `snap` in the target directory
    /// (best effort: with the connection gone this fails, and the next attempt's
    /// cleaning does it), so a failed target holds no garbled subvolume.
    async fn clean_after_failure(
        &self,
        run: &ReplicationView,
        tid: TargetId,
        t: &TargetRun,
        snap: &SnapshotView,
        meta: &AppendMeta,
    ) {
        let listing = match list_dir(t).await {
            Ok(l) => l,
            Err(e) => {
                tracing::info!(error = %e, "cannot list the target after a failure; the next attempt cleans up");
                return;
            }
        };
        let names = HashSet::from([snap.name.clone()]);
        let only_incomplete: Vec<InDir> = listing
            .into_iter()
            .filter(|d| matches!(lineage::classify(&d.received), ReceivedState::Incomplete(_)))
            .collect();
        if let Err(f) = self
            .clean_target(run, tid, t, &only_incomplete, &names, snap, meta)
            .await
        {
            tracing::info!(error = %f.error, "cleaning after a failure failed; the next attempt cleans up");
        }
    }

    /// One `btrfs send` of `snap` (from `parent`) into every member's `btrfs receive`.
    #[allow(clippy::too_many_arguments)]
    async fn send_group(
        &self,
        run: &ReplicationView,
        primary: &Primary,
        snap: &SnapshotView,
        parent: Option<&SnapshotView>,
        members: Members,
        pending: &BTreeMap<TargetId, TargetRun>,
        meta: &AppendMeta,
    ) -> Result<Vec<(TargetId, Result<(), Failure>)>, EngineError> {
        let id = run.replication_id;
        let mut results: Vec<(TargetId, Result<(), Failure>)> = Vec::new();
        let names: HashSet<String> = primary
            .snapshots
            .values()
            .map(|s| s.name.clone())
            .chain(std::iter::once(snap.name.clone()))
            .collect();
        // 1. Clean each target; those that cannot be cleaned fail.
        let mut ready: Vec<TargetId> = Vec::new();
        for (tid, listing) in &members {
            let Some(t) = pending.get(tid) else { continue };
            match self
                .clean_target(run, *tid, t, listing, &names, snap, meta)
                .await
            {
                Ok(()) => ready.push(*tid),
                Err(f) => results.push((*tid, Err(f))),
            }
        }
        if ready.is_empty() {
            return Ok(results);
        }
        // 2. Record the starts under the subvolume lock, after checking that the snapshot
        //    and the parent are still catalogued (pruning reads "in flight" under it).
        let send_id = Uuid::now_v7();
        let expected =
            projections::last_send_bytes(self.events.pool(), run.subvolume_id, parent.is_some())
                .await?;
        {
            let mut tx = self.events.pool().begin().await?;
            locks::lock_subvolume(&mut tx, run.subvolume_id).await?;
            for s in std::iter::once(snap).chain(parent) {
                let now = projections::snapshot_by_id(&mut *tx, s.snapshot_id).await?;
                if now.is_none_or(|n| n.state != SnapshotState::Present) {
                    return Err(EngineError::Conflict(format!(
                        "snapshot {} was deleted on the primary meanwhile",
                        s.snapshot_id
                    )));
                }
            }
            let started: Vec<DomainEvent> = ready
                .iter()
                .filter_map(|tid| Some((tid, pending.get(tid)?)))
                .map(|(tid, t)| {
                    DomainEvent::ReplicationTargetStarted(ReplicationTargetStarted {
                        replication_id: id,
                        target_id: *tid,
                        snapshot_id: snap.snapshot_id,
                        parent_snapshot_id: parent.map(|p| p.snapshot_id),
                        send_id,
                        group_size: u32::try_from(ready.len()).unwrap_or(u32::MAX),
                        expected_bytes: expected,
                        compression: if t.zstd {
                            Compression::Zstd
                        } else {
                            Compression::None
                        },
                        compression_fallback: t.compression_fallback.clone(),
                    })
                })
                .collect();
            events::append_in(&mut tx, &id.stream(), ExpectedVersion::Any, &started, meta).await?;
            tx.commit().await?;
        }
        tracing::info!(replication = %id, snapshot = %snap.name, parent = ?parent.map(|p| &p.name), targets = ready.len(), "send started");

        // 3. Start the receives, then the one send.
        let mut receives: HashMap<TargetId, Box<dyn RunningCommand>> = HashMap::new();
        let mut spans: HashMap<TargetId, tracing::Span> = HashMap::new();
        let mut sinks = Vec::new();
        let mut counters: Vec<(TargetId, Arc<AtomicU64>)> = Vec::new();
        for tid in &ready {
            let Some(t) = pending.get(tid) else { continue };
            let span = tracing::info_span!(
                "replication_target",
                target_id = %tid,
                server_id = %t.view.server_id,
                snapshot_id = %snap.snapshot_id,
                parent_snapshot_id = tracing::field::Empty,
                kind = if parent.is_some() { "incremental" } else { "full" },
                compression = if t.zstd { "zstd" } else { "none" },
                bytes = tracing::field::Empty,
                wire_bytes = tracing::field::Empty,
            );
            if let Some(p) = parent {
                span.record("parent_snapshot_id", tracing::field::display(p.snapshot_id));
            }
            spans.insert(*tid, span.clone());
            let started = async {
                let dir = abs(&t.dir)?;
                let mut cmd = if t.zstd {
                    t.btrfs.receive_zstd(&dir).await?
                } else {
                    t.btrfs.receive(&dir).await?
                };
                let stdin = cmd.take_stdin().ok_or_else(|| {
                    EngineError::Inconsistent("btrfs receive has no stdin".into())
                })?;
                // Read receive's stdout promptly (one SSH connection serves many channels).
                if let Some(mut out) = cmd.take_stdout() {
                    tokio::spawn(async move {
                        let _ = tokio::io::copy(&mut out, &mut tokio::io::sink()).await;
                    });
                }
                Ok::<_, EngineError>((cmd, stdin))
            }
            .instrument(span)
            .await;
            match started {
                Ok((cmd, stdin)) => {
                    let written = Arc::new(AtomicU64::new(0));
                    counters.push((*tid, written.clone()));
                    sinks.push(Sink {
                        key: *tid,
                        stdin,
                        rate_limit: t.view.options.rate_limit_bytes_per_sec,
                        written,
                        zstd: t.zstd,
                    });
                    receives.insert(*tid, cmd);
                }
                Err(e) => results.push((*tid, Err(e.into()))),
            }
        }
        if sinks.is_empty() {
            return Ok(results);
        }
        let started_at = Instant::now();
        let snap_path = abs(&recorded_path(&snap.path)?)?;
        let parent_path = parent
            .map(|p| recorded_path(&p.path).and_then(|p| abs(&p)))
            .transpose()?;
        let mut send = match primary
            .btrfs
            .send(&snap_path, parent_path.as_ref(), &[])
            .await
        {
            Ok(cmd) => cmd,
            Err(e) => {
                let f = Failure::from_engine(&EngineError::Host(e));
                drop(sinks);
                drop(receives);
                results.extend(ready.iter().map(|t| (*t, Err(f.clone()))));
                return Ok(results);
            }
        };
        let Some(stdout) = send.take_stdout() else {
            return Err(EngineError::Inconsistent("btrfs send has no stdout".into()));
        };

        // 4. Stream, with throttled progress.
        let progress = {
            let engine = self.clone();
            let meta = meta.clone();
            let counters = counters.clone();
            tokio::spawn(async move {
                let mut last = 0_u64;
                let mut last_at = Instant::now();
                loop {
                    tokio::time::sleep(PROGRESS_EVERY).await;
                    let targets: Vec<TargetBytes> = counters
                        .iter()
                        .map(|(t, c)| TargetBytes {
                            target_id: *t,
                            bytes: c.load(Ordering::Relaxed),
                        })
                        .collect();
                    let top = targets.iter().map(|t| t.bytes).max().unwrap_or(0);
                    if top == last {
                        continue;
                    }
                    let rate = throughput(top - last, last_at.elapsed());
                    (last, last_at) = (top, Instant::now());
                    let event = DomainEvent::ReplicationProgress(ReplicationProgress {
                        replication_id: id,
                        send_id,
                        targets,
                        rate_bytes_per_sec: rate,
                    });
                    if let Err(e) = engine.append_run(id, event, &meta).await {
                        tracing::warn!(error = %e, "recording progress failed");
                    }
                }
            })
        };
        let report = fanout::fan_out(stdout, sinks).await;
        progress.abort();
        let send_result = send.wait().await;
        let elapsed = started_at.elapsed();
        tracing::info!(replication = %id, bytes = report.bytes_read, ms = millis(elapsed), "send finished");

        // 5. Per target: the receive's exit, then verification and the success record.
        for (tid, written) in report.sinks {
            let Some(cmd) = receives.remove(&tid) else {
                continue;
            };
            let exit = match &written {
                Ok(_) => cmd.wait().await.map(drop),
                Err(_) => match tokio::time::timeout(RECEIVE_EXIT_GRACE, cmd.wait()).await {
                    Ok(r) => r.map(drop),
                    Err(_) => Ok(()),
                },
            };
            // A send killed by SIGPIPE died because we closed its stdout after every
            // target had failed: the target's own error is the cause, report that.
            let target_failed = written.is_err() || exit.is_err();
            let send_failure = send_result
                .as_ref()
                .err()
                .filter(|e| !(e.is_broken_pipe() && target_failed));
            let outcome: Result<fanout::Delivered, Failure> = match (send_failure, written, exit) {
                (Some(e), _, _) => Err(Failure {
                    error: format!("btrfs send failed: {e}"),
                    class: ErrorClass::from_transient(e.is_transient()),
                }),
                (_, _, Err(e)) => Err(Failure::from_engine(&EngineError::Host(e))),
                (_, Err(e), Ok(())) => Err(Failure {
                    error: format!("streaming to the target failed: {e}"),
                    class: ErrorClass::Transient,
                }),
                (None, Ok(delivered), Ok(())) => Ok(delivered),
            };
            let span = spans.remove(&tid).unwrap_or_else(tracing::Span::none);
            let result = async {
                match outcome {
                    Ok(delivered) => {
                        let span = tracing::Span::current();
                        span.record("bytes", delivered.stream_bytes);
                        span.record("wire_bytes", delivered.wire_bytes);
                        self.verify_and_record(
                            run, tid, pending, primary, snap, parent, delivered, elapsed, meta,
                        )
                        .await
                    }
                    Err(f) => {
                        if let Some(t) = pending.get(&tid) {
                            self.clean_after_failure(run, tid, t, snap, meta).await;
                        }
                        Err(f)
                    }
                }
            }
            .instrument(span)
            .await;
            results.push((tid, result));
        }
        Ok(results)
    }

    /// Checks the received subvolume and records the success with the target's replicas
    /// and common base, read back from it.
    #[allow(clippy::too_many_arguments)]
    async fn verify_and_record(
        &self,
        run: &ReplicationView,
        tid: TargetId,
        pending: &BTreeMap<TargetId, TargetRun>,
        primary: &Primary,
        snap: &SnapshotView,
        parent: Option<&SnapshotView>,
        delivered: fanout::Delivered,
        elapsed: Duration,
        meta: &AppendMeta,
    ) -> Result<(), Failure> {
        let bytes = delivered.stream_bytes;
        let t = pending
            .get(&tid)
            .ok_or_else(|| Failure::permanent("target vanished from the run"))?;
        let received = t
            .dir
            .join(&snap.name)
            .map_err(|e| Failure::permanent(format!("received path: {e}")))?;
        let show = t
            .btrfs
            .show_if_exists(&abs(&received)?)
            .await
            .map_err(EngineError::Host)?
            .ok_or_else(|| {
                Failure::permanent(format!(
                    "btrfs receive succeeded but {received} does not exist"
                ))
            })?;
        if !show.readonly || show.received_uuid != Some(snap.uuid) {
            return Err(Failure::permanent(format!(
                "{received} is not a complete copy (read-only: {}, received_uuid: {:?}, expected {})",
                show.readonly, show.received_uuid, snap.uuid
            )));
        }
        let listing = list_dir(t).await?;
        let (replicas, base) = replicas(primary, &listing);
        self.append_run(
            run.replication_id,
            DomainEvent::ReplicationTargetSucceeded(ReplicationTargetSucceeded {
                replication_id: run.replication_id,
                target_id: tid,
                subvolume_id: run.subvolume_id,
                snapshot_id: snap.snapshot_id,
                parent_snapshot_id: parent.map(|p| p.snapshot_id),
                sent: true,
                bytes,
                wire_bytes: Some(delivered.wire_bytes),
                duration_ms: millis(elapsed),
                throughput_bytes_per_sec: throughput(bytes, elapsed),
                received_path: received.as_str().to_owned(),
                replicas,
                common_base: base,
            }),
            meta,
        )
        .await?;
        Ok(())
    }
}
