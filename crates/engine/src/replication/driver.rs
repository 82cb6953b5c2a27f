//! The driver of a run: opens the targets, reads both sides (the primary's snapshots
//! on disk, each target directory), asks [`super::plan`] what each target needs, has
//! [`super::transport`] carry out the sends, and records every outcome as an event:
//! started, already there, half-received deleted, succeeded (after verifying the
//! received subvolume), failed, finished.
//!
//! What it does not do: decide lineage (the planner) or move bytes (the transport).

use std::collections::{BTreeMap, HashSet};

use domain::event::{SnapshotDiscovered, SnapshotVanished};
use domain::lineage::{self, ReceivedState, ReceivedSubvolume};
use domain::replication::{
    Compression, ReplicaHalfReceivedDeleted, ReplicationFinished, ReplicationStarted,
    ReplicationTargetSucceeded, TargetState, outcome,
};
use domain::{DomainEvent, ReplicationId, ServerPath, SnapshotId, SubvolumeId, TargetId};
use store::projections::{self, SnapshotView, TargetView};
use store::{AppendMeta, ExpectedVersion, events, locks};
use uuid::Uuid;

use super::plan::{self, InDir, PendingTarget};
use super::{
    Failure, MAX_ROUNDS, Primary, RunCtx, SendSpec, TargetRun, ZstdProbes, lineage_of, millis,
    throughput,
};
use crate::inventory::{self, FoundSubvolume};
use crate::{Engine, EngineError, abs, recorded_path};

/// The subvolumes directly in a target's directory (one level), with their lineage facts.
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

/// Whether a target gets the zstd stream, and why not when it asked for it (probing
/// `zstd --version` on its server once per run).
async fn compression_of(
    view: &TargetView,
    btrfs: &btrfs::Btrfs<std::sync::Arc<dyn btrfs::Host>>,
    probes: &mut ZstdProbes,
) -> (bool, Option<String>) {
    if view.options.compression == Compression::None {
        return (false, None);
    }
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
                "zstd: `zstd --version` does not run on the target's server; sending uncompressed"
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

impl Engine {
    pub(super) async fn run_locked(
        &self,
        id: ReplicationId,
        meta: &AppendMeta,
    ) -> Result<(), EngineError> {
        let run = projections::replication(self.events.pool(), id)
            .await?
            .ok_or_else(|| EngineError::NotFound(format!("no replication {id}")))?;
        if !run.state.is_unfinished() {
            return Ok(());
        }
        let ctx = RunCtx {
            engine: self,
            run: &run,
            meta,
        };
        ctx.append(DomainEvent::ReplicationStarted(ReplicationStarted {
            replication_id: id,
        }))
        .await?;
        let mut pending = ctx.open_pending().await?;
        if let Err(e) = ctx.rounds(&mut pending).await {
            // The primary side failed: every target still pending fails with it.
            let f = Failure::from_engine(&e);
            for tid in pending.keys() {
                ctx.fail_target(*tid, None, &f).await?;
            }
            pending.clear();
        }
        for tid in pending.keys() {
            let f = Failure::permanent(format!("gave up after {MAX_ROUNDS} rounds"));
            ctx.fail_target(*tid, None, &f).await?;
        }
        ctx.finish().await
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
        let (zstd, compression_fallback) = compression_of(&view, &btrfs, probes).await;
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
    pub(super) async fn read_primary(&self, sv: SubvolumeId) -> Result<Primary, EngineError> {
        let view = projections::subvolume(self.events.pool(), sv)
            .await?
            .ok_or_else(|| EngineError::NotFound(format!("no subvolume {sv}")))?;
        let (server, roots) = self.server(view.server_id).await?;
        let btrfs = self.btrfs(&server).await?;
        let on_disk: HashSet<Uuid> = inventory::scan(&btrfs, &roots)
            .await?
            .into_iter()
            .filter(|f| f.readonly)
            .filter_map(|f| inventory::identity(&f.info))
            .collect();
        let snapshots = projections::present_snapshots_of(self.events.pool(), sv)
            .await?
            .into_iter()
            .filter(|s| on_disk.contains(&s.uuid))
            .filter(|s| ServerPath::parse(&s.path).is_ok_and(|p| p.is_within(&roots)))
            .map(|s| (s.uuid, s))
            .collect();
        let catalogued = projections::all_snapshots_of(self.events.pool(), sv)
            .await?
            .into_iter()
            .map(|s| (s.uuid, s))
            .collect();
        Ok(Primary {
            btrfs,
            subvolume: view,
            on_disk,
            snapshots,
            catalogued,
        })
    }
}

impl RunCtx<'_> {
    /// The run's queued targets, opened; those that cannot be opened fail now.
    async fn open_pending(&self) -> Result<BTreeMap<TargetId, TargetRun>, EngineError> {
        let rows = projections::replication_targets(self.engine.events.pool(), self.id()).await?;
        let mut pending = BTreeMap::new();
        let mut probes = ZstdProbes::new();
        for row in rows.iter().filter(|r| r.state.is_pending()) {
            match self.engine.open_target(row.target_id, &mut probes).await {
                Ok(t) => {
                    pending.insert(row.target_id, t);
                }
                Err(f) => self.fail_target(row.target_id, None, &f).await?,
            }
        }
        Ok(pending)
    }

    /// Records the run's outcome from its targets' states.
    async fn finish(&self) -> Result<(), EngineError> {
        let rows = projections::replication_targets(self.engine.events.pool(), self.id()).await?;
        let ok = rows
            .iter()
            .filter(|r| r.state == TargetState::Succeeded)
            .count();
        self.append(DomainEvent::ReplicationFinished(ReplicationFinished {
            replication_id: self.id(),
            outcome: outcome(ok, rows.len() - ok),
        }))
        .await
    }

    /// Rounds until no target is pending (or [`MAX_ROUNDS`]): read, plan, send.
    async fn rounds(&self, pending: &mut BTreeMap<TargetId, TargetRun>) -> Result<(), EngineError> {
        for _ in 0..MAX_ROUNDS {
            if pending.is_empty() {
                return Ok(());
            }
            let primary = self.engine.read_primary(self.run.subvolume_id).await?;
            let Some(upto) = primary
                .snapshots
                .values()
                .find(|s| s.snapshot_id == self.run.snapshot_id)
                .cloned()
            else {
                return Err(EngineError::Conflict(format!(
                    "snapshot {} is not on the primary any more",
                    self.run.snapshot_id
                )));
            };
            let mut listings = self.list_pending(pending).await?;
            let primary = self.catalogue_unknown_replicas(primary, &listings).await?;
            let groups = self.plan(&primary, &upto, pending, &listings).await?;
            for ((snap_uuid, parent_uuid), members) in groups {
                let (Some(snap), parent) = (
                    primary.snapshots.get(&snap_uuid),
                    parent_uuid.and_then(|p| primary.snapshots.get(&p)),
                ) else {
                    continue;
                };
                let members: Vec<(TargetId, Vec<InDir>)> = members
                    .into_iter()
                    .map(|t| (t, listings.remove(&t).unwrap_or_default()))
                    .collect();
                let spec = SendSpec { snap, parent };
                let results = self.send_group(&primary, spec, members, pending).await?;
                for (tid, result) in results {
                    match result {
                        Ok(()) if snap.snapshot_id == self.run.snapshot_id => {
                            pending.remove(&tid);
                        }
                        Ok(()) => {}
                        Err(f) => {
                            self.fail_target(tid, Some(snap.snapshot_id), &f).await?;
                            pending.remove(&tid);
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// Every pending target's directory at once (reads only); a target whose directory
    /// cannot be read fails and leaves the run.
    async fn list_pending(
        &self,
        pending: &mut BTreeMap<TargetId, TargetRun>,
    ) -> Result<BTreeMap<TargetId, Vec<InDir>>, EngineError> {
        let listings = futures::future::join_all(
            pending
                .iter()
                .map(|(tid, t)| async move { (*tid, list_dir(t).await) }),
        )
        .await;
        let mut ok = BTreeMap::new();
        // The events are appended one at a time, as `ExpectedVersion::Any` appends to
        // one stream must be.
        for (tid, listing) in listings {
            match listing {
                Ok(l) => {
                    ok.insert(tid, l);
                }
                Err(e) => {
                    self.fail_target(tid, None, &e.into()).await?;
                    pending.remove(&tid);
                }
            }
        }
        Ok(ok)
    }

    /// Catalogues the complete replicas of snapshots the catalog does not know
    /// ([`plan::unknown_replicas`]) as snapshots the primary no longer has: discovered
    /// (unmanaged, so nothing deletes them automatically; an operator adopts or
    /// removes them), then vanished. This is how a fresh installation, its database
    /// lost with no backup, takes back the replicas of snapshots the primary pruned
    /// before the loss: they become replicas again (restorable, listed, and their names
    /// never reused for a new snapshot, which the target would refuse). One
    /// transaction under the subvolume's lock, re-checked there.
    async fn catalogue_unknown_replicas(
        &self,
        mut primary: Primary,
        listings: &BTreeMap<TargetId, Vec<InDir>>,
    ) -> Result<Primary, EngineError> {
        let known: HashSet<Uuid> = primary
            .catalogued
            .keys()
            .chain(&primary.on_disk)
            .copied()
            .collect();
        let sv = &primary.subvolume;
        let unknown = plan::unknown_replicas(&sv.name, &known, listings.values().flatten());
        if unknown.is_empty() {
            return Ok(primary);
        }
        let pool = self.engine.events.pool();
        let mut tx = pool.begin().await?;
        locks::lock_subvolume(&mut tx, sv.subvolume_id).await?;
        let uuids: Vec<Uuid> = unknown.iter().map(|u| u.uuid).collect();
        let catalogued_now = projections::catalogued_uuids(&mut *tx, &uuids).await?;
        let mut events = Vec::new();
        for u in unknown.iter().filter(|u| !catalogued_now.contains(&u.uuid)) {
            let snapshot_id = SnapshotId::new();
            events.push(DomainEvent::SnapshotDiscovered(SnapshotDiscovered {
                snapshot_id,
                subvolume_id: sv.subvolume_id,
                name: u.name.clone(),
                path: format!("{}/{}", sv.snapshot_dir.trim_end_matches('/'), u.name),
                uuid: u.uuid,
                parent_uuid: sv.btrfs_uuid,
                btrfs_id: 0,
                created_at: Some(u.taken_at),
            }));
            events.push(DomainEvent::SnapshotVanished(SnapshotVanished {
                snapshot_id,
                subvolume_id: sv.subvolume_id,
            }));
        }
        if events.is_empty() {
            return Ok(primary);
        }
        events::append_in(
            &mut tx,
            &sv.subvolume_id.stream(),
            ExpectedVersion::Any,
            &events,
            self.meta,
        )
        .await?;
        tx.commit().await?;
        tracing::info!(
            subvolume = %sv.subvolume_id,
            count = events.len() / 2,
            "catalogued replicas of snapshots the primary no longer has"
        );
        primary.catalogued = projections::all_snapshots_of(pool, sv.subvolume_id)
            .await?
            .into_iter()
            .map(|s| (s.uuid, s))
            .collect();
        Ok(primary)
    }

    /// Plans the round; records the targets that are done or failed (and drops them
    /// from `pending`); returns the send groups.
    async fn plan(
        &self,
        primary: &Primary,
        upto: &SnapshotView,
        pending: &mut BTreeMap<TargetId, TargetRun>,
        listings: &BTreeMap<TargetId, Vec<InDir>>,
    ) -> Result<BTreeMap<(Uuid, Option<Uuid>), Vec<TargetId>>, EngineError> {
        let received: BTreeMap<TargetId, Vec<ReceivedSubvolume>> = listings
            .iter()
            .map(|(t, l)| (*t, l.iter().map(|d| d.received).collect()))
            .collect();
        let staged = self.staged_streams(pending).await;
        let mut states = Vec::new();
        for (tid, t) in pending.iter() {
            let Some(received) = received.get(tid) else {
                continue;
            };
            // A target whose replicas were all deleted still "had received" for the
            // operator: say the base was lost, not that it is new.
            let had_replicas = !projections::replicas_of_target(self.engine.events.pool(), *tid)
                .await?
                .is_empty();
            states.push(PendingTarget {
                target: *tid,
                received,
                options: &t.view.options,
                had_replicas,
                staged: staged.get(tid).map(Vec::as_slice).unwrap_or_default(),
            });
        }
        let round = plan::plan_round(&lineage_of(upto), &primary.lineage(), &states);
        for tid in round.done {
            let listing = listings.get(&tid).map(Vec::as_slice).unwrap_or_default();
            self.record_already_there(tid, primary, upto, listing)
                .await?;
            pending.remove(&tid);
        }
        for (tid, why) in round.failed {
            self.fail_target(tid, Some(upto.snapshot_id), &Failure::permanent(why))
                .await?;
            pending.remove(&tid);
        }
        Ok(round.groups)
    }

    /// A target that already has the requested snapshot: success without a send.
    async fn record_already_there(
        &self,
        tid: TargetId,
        primary: &Primary,
        upto: &SnapshotView,
        listing: &[InDir],
    ) -> Result<(), EngineError> {
        let (replicas, base) = plan::replicas(&primary.snapshots, &primary.catalogued, listing);
        let path = replicas
            .iter()
            .find(|r| r.snapshot_id == upto.snapshot_id)
            .map(|r| r.path.clone())
            .unwrap_or_default();
        self.append(DomainEvent::ReplicationTargetSucceeded(
            ReplicationTargetSucceeded {
                replication_id: self.id(),
                target_id: tid,
                subvolume_id: self.run.subvolume_id,
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
            },
        ))
        .await
    }

    /// Deletes half-received subvolumes named like one of the subvolume's snapshots
    /// (`names`) in the target directory (invariant 2). A complete foreign subvolume
    /// with the name about to be received is a permanent failure (receive would refuse
    /// it).
    pub(super) async fn clean_target(
        &self,
        tid: TargetId,
        t: &TargetRun,
        listing: &[InDir],
        names: &HashSet<String>,
        sending: &SnapshotView,
    ) -> Result<(), Failure> {
        for d in listing.iter().filter(|d| names.contains(&d.name)) {
            match lineage::classify(&d.received) {
                ReceivedState::Incomplete(reason) => {
                    tracing::info!(path = %d.path, %reason, "deleting a half-received subvolume");
                    let p = abs(&d.path)?;
                    t.btrfs.delete(&p).await.map_err(EngineError::Host)?;
                    self.append(DomainEvent::ReplicaHalfReceivedDeleted(
                        ReplicaHalfReceivedDeleted {
                            replication_id: self.id(),
                            target_id: tid,
                            path: d.path.as_str().to_owned(),
                            reason,
                        },
                    ))
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
    pub(super) async fn clean_after_failure(
        &self,
        tid: TargetId,
        t: &TargetRun,
        snap: &SnapshotView,
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
            .clean_target(tid, t, &only_incomplete, &names, snap)
            .await
        {
            tracing::info!(error = %f.error, "cleaning after a failure failed; the next attempt cleans up");
        }
    }

    /// Checks the received subvolume and records the success with the target's replicas
    /// and common base, read back from it.
    pub(super) async fn verify_and_record(
        &self,
        t: &TargetRun,
        primary: &Primary,
        spec: SendSpec<'_>,
        delivered: &crate::fanout::Delivered,
        elapsed: std::time::Duration,
    ) -> Result<(), Failure> {
        let snap = spec.snap;
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
        let (replicas, base) = plan::replicas(&primary.snapshots, &primary.catalogued, &listing);
        let bytes = delivered.stream_bytes;
        self.append(DomainEvent::ReplicationTargetSucceeded(
            ReplicationTargetSucceeded {
                replication_id: self.id(),
                target_id: t.view.target_id,
                subvolume_id: self.run.subvolume_id,
                snapshot_id: snap.snapshot_id,
                parent_snapshot_id: spec.parent.map(|p| p.snapshot_id),
                sent: true,
                bytes,
                wire_bytes: Some(delivered.wire_bytes),
                duration_ms: millis(elapsed),
                throughput_bytes_per_sec: throughput(bytes, elapsed),
                received_path: received.as_str().to_owned(),
                replicas,
                common_base: base,
            },
        ))
        .await?;
        Ok(())
    }
}
