//! Receiving a snapshot back from one of its replicas, when the primary lost it (or its
//! whole filesystem): `btrfs send` of the replica on the target, `btrfs receive` into
//! the subvolume's snapshot directory on the primary, streamed by the same fan-out as a
//! replication (one sink), with `RestoreProgress` every second.
//!
//! Incremental when it can be: the parent is the newest snapshot older than the one
//! restored that is on the primary (catalogued, on disk) and has a replica on that
//! target; `btrfs send -p` names the parent by the replica's `received_uuid`, which is
//! the primary snapshot's own uuid, so `btrfs receive` finds it. Full otherwise.
//!
//! The received subvolume keeps the snapshot's catalog identity: its `received_uuid` is
//! the original uuid (`inventory::identity`), and `SnapshotRestored` marks the catalog
//! row present again at its path. Replication to every target then goes on
//! incrementally: targets hold replicas with that same `received_uuid`, and a send from
//! it as the parent carries that uuid.
//!
//! Serialized with the subvolume's replication runs (their session lock). A stream that
//! fails leaves a writable, half-received subvolume at the destination: it is deleted,
//! but only when it is one (writable, no `received_uuid`) created after the request.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use btrfs::command::files;
use btrfs::parse::SubvolumeShow;
use domain::restore::{RestoreProgress, SnapshotRestored};
use domain::{DomainEvent, ServerPath, SnapshotId, TargetId};
use store::locks::SessionLock;
use store::projections::{self, RestoreView, SnapshotState, SnapshotView};
use store::{AppendMeta, ExpectedVersion, events, locks};

use crate::fanout::{Sink, fan_out};
use crate::{Engine, EngineError, abs, inventory, recorded_path};

/// What receiving back did.
#[derive(Debug, Default)]
pub(crate) struct Received {
    pub(crate) path: String,
    pub(crate) bytes: u64,
    pub(crate) incremental_from: Option<SnapshotId>,
}

/// Whether `show` is a half-received subvolume this restore made: writable, no
/// `received_uuid` yet, created after the request.
pub(super) fn half_received_by(show: &SubvolumeShow, view: &RestoreView) -> bool {
    !show.readonly
        && show.received_uuid.is_none()
        && show
            .creation_time
            .is_some_and(|t| t >= view.requested_at - chrono::Duration::seconds(1))
}

impl Engine {
    /// Makes the restore's snapshot present on the primary again, received from its
    /// replica on `target_id` (module docs). A snapshot already there is left alone.
    pub(super) async fn receive_back(
        &self,
        view: &RestoreView,
        target_id: TargetId,
        meta: &AppendMeta,
    ) -> Result<Received, EngineError> {
        let pool = self.events().pool();
        let lock = SessionLock::replication_run(pool, view.request.subvolume_id).await?;
        let snap = projections::snapshot_by_id(pool, view.request.snapshot_id)
            .await?
            .ok_or_else(|| {
                EngineError::NotFound(format!("no snapshot {}", view.request.snapshot_id))
            })?;
        let sub = projections::subvolume(pool, view.request.subvolume_id)
            .await?
            .ok_or_else(|| EngineError::Inconsistent("restore of an unknown subvolume".into()))?;
        let (server, roots) = self.server(sub.server_id).await?;
        let primary = self.btrfs(&server).await?;
        let snapdir = recorded_path(&sub.snapshot_dir)?;
        let dest = snapdir
            .join(&snap.name)
            .map_err(|e| EngineError::Inconsistent(format!("snapshot path: {e}")))?;

        // Already back (an earlier attempt, or never lost)?
        let taken = || {
            format!(
                "{dest} is taken by another subvolume; move it away to restore snapshot {}",
                snap.name
            )
        };
        let done = |s: &SubvolumeShow| s.readonly && s.received_uuid.or(s.uuid) == Some(snap.uuid);
        if let Some(s) = existing_copy(&primary, &dest, view, done, taken).await? {
            self.adopt_received(view, &snap, &dest, &s, meta).await?;
            lock.release().await?;
            return Ok(Received {
                path: dest.as_str().to_owned(),
                ..Received::default()
            });
        }
        // The snapshot directory, made again on a new filesystem, inside the roots.
        primary
            .run_writer(files::make_dirs(&abs(&snapdir)?))
            .await?;
        crate::real_paths::still_real(&primary, &snapdir, &roots)
            .await
            .map_err(|e| e.into_engine("snapshot_dir"))?;

        let source = self.replica_source(target_id, &snap).await?;
        let (remote_server, remote, replica_path, replicas) = (
            &source.server,
            &source.btrfs,
            &source.replica_path,
            &source.replicas,
        );

        let parent = self
            .common_parent(&snap, replicas, &primary, &roots)
            .await?;
        let parent_path = match &parent {
            Some((_, p)) => Some(abs(&recorded_path(p)?)?),
            None => None,
        };
        tracing::info!(snapshot = %snap.name, incremental = parent.is_some(), "receiving a snapshot back from its replica");
        let (bytes, show) = self
            .stream_replica(
                view,
                &snap,
                ReplicaStream {
                    source: remote,
                    source_name: &remote_server.name,
                    replica: abs(replica_path)?,
                    parent: parent_path,
                    dest_host: &primary,
                    into_dir: abs(&snapdir)?,
                    dest: &dest,
                },
                meta,
            )
            .await?;
        self.adopt_received(view, &snap, &dest, &show, meta).await?;
        lock.release().await?;
        Ok(Received {
            path: dest.as_str().to_owned(),
            bytes,
            incremental_from: parent.map(|(id, _)| id),
        })
    }

    /// The newest snapshot older than `snap` that is on the primary's disk and has a
    /// replica among `replicas`: (its id, its replica's path on the target).
    async fn common_parent(
        &self,
        snap: &SnapshotView,
        replicas: &[projections::ReplicaView],
        primary: &btrfs::Btrfs<Arc<dyn btrfs::Host>>,
        roots: &[ServerPath],
    ) -> Result<Option<(SnapshotId, String)>, EngineError> {
        let on_disk: std::collections::HashSet<uuid::Uuid> = inventory::scan(primary, roots)
            .await?
            .into_iter()
            .filter(|f| f.readonly)
            .filter_map(|f| inventory::identity(&f.info))
            .collect();
        let when = |s: &SnapshotView| s.created_at.unwrap_or(s.recorded_at);
        let present =
            projections::present_snapshots_of(self.events().pool(), snap.subvolume_id).await?;
        Ok(present
            .iter()
            .filter(|s| s.snapshot_id != snap.snapshot_id && when(s) < when(snap))
            .filter(|s| on_disk.contains(&s.uuid))
            .filter_map(|s| {
                replicas
                    .iter()
                    .find(|r| r.snapshot_id == s.snapshot_id)
                    .map(|r| (when(s), s.snapshot_id, r.path.clone()))
            })
            .max_by_key(|(at, ..)| *at)
            .map(|(_, id, path)| (id, path)))
    }

    /// Records the received subvolume as the snapshot, present again.
    async fn adopt_received(
        &self,
        view: &RestoreView,
        snap: &SnapshotView,
        dest: &ServerPath,
        show: &SubvolumeShow,
        meta: &AppendMeta,
    ) -> Result<(), EngineError> {
        let mut tx = self.events().pool().begin().await?;
        locks::lock_subvolume(&mut tx, view.request.subvolume_id).await?;
        let now = projections::snapshot_by_id(&mut *tx, snap.snapshot_id).await?;
        if now.is_some_and(|s| s.state == SnapshotState::Present && s.path == dest.as_str()) {
            return Ok(());
        }
        let event = DomainEvent::SnapshotRestored(SnapshotRestored {
            subvolume_id: view.request.subvolume_id,
            snapshot_id: snap.snapshot_id,
            restore_id: view.request.restore_id,
            path: dest.as_str().to_owned(),
            uuid: show.uuid.unwrap_or(snap.uuid),
            btrfs_id: show.subvolume_id,
        });
        events::append_in(
            &mut tx,
            &view.request.subvolume_id.stream(),
            ExpectedVersion::Any,
            &[event],
            meta,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Appends `RestoreProgress` every second while the stream runs (never returns).
    pub(super) async fn report_progress(
        &self,
        view: &RestoreView,
        written: Arc<AtomicU64>,
        meta: &AppendMeta,
    ) {
        let start = Instant::now();
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        tick.tick().await;
        loop {
            tick.tick().await;
            let bytes = written.load(Ordering::Relaxed);
            let secs = start.elapsed().as_secs_f64().max(0.001);
            let event = DomainEvent::RestoreProgress(RestoreProgress {
                restore_id: view.request.restore_id,
                bytes,
                rate_bytes_per_sec: (bytes as f64 / secs) as u64,
                expected_bytes: None,
            });
            if let Err(e) = self
                .events()
                .append(
                    &view.request.restore_id.stream(),
                    ExpectedVersion::Any,
                    &[event],
                    meta,
                )
                .await
            {
                tracing::warn!(error = %e, "recording restore progress failed");
            }
        }
    }
}

/// A replica a restore streams from: its target's server, the replica's path there,
/// and every replica on that target (for choosing a parent).
pub(super) struct ReplicaSource {
    pub(super) server: projections::ServerView,
    pub(super) btrfs: btrfs::Btrfs<Arc<dyn btrfs::Host>>,
    pub(super) replica_path: ServerPath,
    pub(super) replicas: Vec<projections::ReplicaView>,
}

impl Engine {
    /// The replica of `snap` on `target_id`, its path re-checked inside the target's
    /// directory (canonical, at use).
    pub(super) async fn replica_source(
        &self,
        target_id: TargetId,
        snap: &SnapshotView,
    ) -> Result<ReplicaSource, EngineError> {
        let pool = self.events().pool();
        let target = projections::target(pool, target_id)
            .await?
            .ok_or_else(|| EngineError::NotFound(format!("no target {target_id}")))?;
        let replicas = projections::replicas_of_target(pool, target_id).await?;
        let replica = replicas
            .iter()
            .find(|r| r.snapshot_id == snap.snapshot_id)
            .ok_or_else(|| {
                EngineError::Conflict(format!(
                    "target {target_id} has no replica of {}",
                    snap.name
                ))
            })?;
        let (server, _) = self.server(target.server_id).await?;
        let btrfs = self.btrfs(&server).await?;
        let dir = recorded_path(&target.directory)?;
        let replica_path = recorded_path(&replica.path)?;
        crate::real_paths::still_real(&btrfs, &replica_path, std::slice::from_ref(&dir))
            .await
            .map_err(|e| e.into_engine("replica path"))?;
        Ok(ReplicaSource {
            server,
            btrfs,
            replica_path,
            replicas,
        })
    }
}

/// What is at `dest` before a restore receives there: the finished copy (`done`), or
/// nothing. A half-received copy this restore made is deleted first; any other
/// subvolume there is a conflict (`taken` says so), never touched.
pub(super) async fn existing_copy(
    host: &btrfs::Btrfs<Arc<dyn btrfs::Host>>,
    dest: &ServerPath,
    view: &RestoreView,
    done: impl Fn(&SubvolumeShow) -> bool,
    taken: impl Fn() -> String,
) -> Result<Option<SubvolumeShow>, EngineError> {
    match host.show_if_exists(&abs(dest)?).await {
        Ok(Some(s)) if done(&s) => Ok(Some(s)),
        Ok(Some(s)) if half_received_by(&s, view) => {
            host.delete(&abs(dest)?).await?;
            Ok(None)
        }
        Ok(Some(_)) => Err(EngineError::Conflict(taken())),
        Ok(None) => Ok(None),
        Err(e) if btrfs::client::is_missing_path(&e) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// One replica streamed into a `btrfs receive`: from where, into where.
pub(super) struct ReplicaStream<'a> {
    pub(super) source: &'a btrfs::Btrfs<Arc<dyn btrfs::Host>>,
    pub(super) source_name: &'a str,
    pub(super) replica: btrfs::AbsPath,
    /// `btrfs send -p`: the parent's replica on the source (absent: full).
    pub(super) parent: Option<btrfs::AbsPath>,
    pub(super) dest_host: &'a btrfs::Btrfs<Arc<dyn btrfs::Host>>,
    /// The directory `btrfs receive` writes into.
    pub(super) into_dir: btrfs::AbsPath,
    /// Where the received subvolume appears: `into_dir/<snapshot name>`.
    pub(super) dest: &'a ServerPath,
}

impl Engine {
    /// Streams a replica into `btrfs receive` with `RestoreProgress` every second. On
    /// failure, deletes the half-received copy this restore made and returns the error;
    /// on success, checks the received subvolume is a complete copy of `snap`
    /// (read-only, `received_uuid` = its uuid). Returns the stream's bytes and the copy.
    pub(super) async fn stream_replica(
        &self,
        view: &RestoreView,
        snap: &SnapshotView,
        s: ReplicaStream<'_>,
        meta: &AppendMeta,
    ) -> Result<(u64, SubvolumeShow), EngineError> {
        let dest = s.dest;
        let mut receive = s.dest_host.receive(&s.into_dir).await?;
        let mut send = s.source.send(&s.replica, s.parent.as_ref(), &[]).await?;
        let (Some(stdin), Some(stdout)) = (receive.take_stdin(), send.take_stdout()) else {
            return Err(EngineError::Inconsistent(
                "send/receive without pipes".into(),
            ));
        };
        let written = Arc::new(AtomicU64::new(0));
        let sink = Sink {
            key: (),
            stdin,
            rate_limit: None,
            written: written.clone(),
            zstd: false,
            skip: 0,
            on_delivered: None,
        };
        let progress = self.report_progress(view, written.clone(), meta);
        let report = tokio::select! {
            report = fan_out(stdout, vec![sink], self.fanout_options(false)) => report,
            () = progress => unreachable_progress(),
        };
        let sent = send.wait().await;
        let received = receive.wait().await;
        let streamed = match (&report.read_error, report.sinks.get(&())) {
            (None, Some(Ok(d))) => Ok(d.stream_bytes),
            (Some(e), _) => Err(format!("reading the replica's stream: {e}")),
            (None, Some(Err(e))) => Err(format!("writing into btrfs receive: {e}")),
            (None, None) => Err("the stream had no receiver".to_owned()),
        };
        let outcome = match (streamed, sent, received) {
            (Ok(bytes), Ok(_), Ok(_)) => Ok(bytes),
            (_, Err(e), _) | (_, _, Err(e)) => Err(EngineError::Host(e)),
            (Err(e), ..) => Err(EngineError::HostUnavailable {
                server: s.source_name.to_owned(),
                reason: e,
            }),
        };
        let show = s.dest_host.show_if_exists(&abs(dest)?).await;
        let bytes = match outcome {
            Ok(bytes) => bytes,
            Err(e) => {
                if let Ok(Some(sh)) = &show
                    && half_received_by(sh, view)
                    && let Err(d) = s.dest_host.delete(&abs(dest)?).await
                {
                    tracing::error!(path = %dest, error = %d, "cannot delete a half-received restore");
                }
                return Err(e);
            }
        };
        let show = show?.ok_or_else(|| {
            EngineError::Verification(format!("{dest} is missing after the receive"))
        })?;
        if !show.readonly || show.received_uuid != Some(snap.uuid) {
            return Err(EngineError::Verification(format!(
                "{dest} is not a complete copy of snapshot {} (read-only {}, received uuid {:?})",
                snap.name, show.readonly, show.received_uuid
            )));
        }
        Ok((bytes, show))
    }
}

/// The progress reporter loops forever; the select always ends with the fan-out.
pub(super) fn unreachable_progress() -> crate::fanout::FanoutReport<()> {
    crate::fanout::FanoutReport {
        bytes_read: 0,
        read_error: Some(std::io::Error::other("progress reporting stopped")),
        sinks: std::collections::HashMap::new(),
        sha256: None,
        peak_queued_chunks: 0,
    }
}
