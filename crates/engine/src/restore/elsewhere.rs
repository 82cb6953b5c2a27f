//! Receiving a snapshot from one of its replicas onto another server the operator
//! chooses (mode `snapshot` with a destination server other than the subvolume's own):
//! `btrfs send` of the replica on its target, `btrfs receive` into a directory on the
//! chosen server, streamed through serve by the fan-out (one sink), with progress.
//!
//! What lands there is a read-only received copy, `DIR/<snapshot name>`, whose
//! `received_uuid` is the snapshot's: a copy for the operator (to inspect, to clone with
//! `new_subvolume` there by hand, to start a new primary from), not a catalogued
//! snapshot of the subvolume — the catalog keeps describing the primary.
//!
//! Incremental when it can be: the parent is the newest snapshot older than the one
//! restored that has a replica on the source target AND a copy in the destination
//! directory (matched by `received_uuid`, or uuid), as an earlier restore there leaves;
//! `btrfs receive` finds that copy by the uuid the stream names. Full otherwise.
//!
//! Idempotent: a copy already there (read-only, the snapshot's `received_uuid`) is the
//! result; a half-received one this restore made is deleted and received again; any
//! other subvolume at the path is a conflict, never touched.

use std::sync::Arc;

use btrfs::command::files;
use domain::{ServerPath, SnapshotId, TargetId};
use store::AppendMeta;
use store::locks::SessionLock;
use store::projections::{self, RestoreView, SnapshotView};

use super::Outcome;
use super::from_replica::{ReplicaStream, existing_copy};
use crate::{Engine, EngineError, abs, inventory, recorded_path};

impl Engine {
    /// Mode `snapshot` onto `view.server_id`, which is not the subvolume's server
    /// (module docs).
    pub(super) async fn receive_elsewhere(
        &self,
        view: &RestoreView,
        target_id: TargetId,
        meta: &AppendMeta,
    ) -> Result<Outcome, EngineError> {
        let pool = self.events().pool();
        let lock = SessionLock::replication_run(pool, view.request.subvolume_id).await?;
        let snap = projections::snapshot_by_id(pool, view.request.snapshot_id)
            .await?
            .ok_or_else(|| {
                EngineError::NotFound(format!("no snapshot {}", view.request.snapshot_id))
            })?;
        let (server, roots) = self.server(view.request.server_id).await?;
        let dest_host = self.btrfs(&server).await?;
        let dir = recorded_path(&view.request.destination)?;
        crate::real_paths::still_real(&dest_host, &dir, &roots)
            .await
            .map_err(|e| e.into_engine("destination"))?;
        let dest = dir
            .join(&snap.name)
            .map_err(|e| EngineError::Inconsistent(format!("destination path: {e}")))?;
        let taken = || format!("{dest} on {} is taken by another subvolume", server.name);
        let done =
            |s: &btrfs::parse::SubvolumeShow| s.readonly && s.received_uuid == Some(snap.uuid);
        if existing_copy(&dest_host, &dest, view, done, taken)
            .await?
            .is_some()
        {
            lock.release().await?;
            return Ok(Outcome {
                result_path: dest.as_str().to_owned(),
                ..Outcome::default()
            });
        }

        let src = self.replica_source(target_id, &snap).await?;

        let parent = self
            .parent_in_directory(&snap, &src.replicas, &dest_host, &dir, &roots)
            .await?;
        let parent_path = match &parent {
            Some((_, p)) => Some(abs(&recorded_path(p)?)?),
            None => None,
        };
        tracing::info!(snapshot = %snap.name, server = %server.name, incremental = parent.is_some(), "receiving a replica onto another server");
        let (bytes, _) = self
            .stream_replica(
                view,
                &snap,
                ReplicaStream {
                    source: &src.btrfs,
                    source_name: &src.server.name,
                    replica: abs(&src.replica_path)?,
                    parent: parent_path,
                    dest_host: &dest_host,
                    into_dir: abs(&dir)?,
                    dest: &dest,
                },
                meta,
            )
            .await?;
        lock.release().await?;
        Ok(Outcome {
            result_path: dest.as_str().to_owned(),
            bytes,
            incremental_from: parent.map(|(id, _)| id),
            ..Outcome::default()
        })
    }

    /// The newest snapshot older than `snap` with a replica among `replicas` and a
    /// complete copy directly in `dir` on `host`: (its id, its replica's path).
    async fn parent_in_directory(
        &self,
        snap: &SnapshotView,
        replicas: &[projections::ReplicaView],
        host: &btrfs::Btrfs<Arc<dyn btrfs::Host>>,
        dir: &ServerPath,
        roots: &[ServerPath],
    ) -> Result<Option<(SnapshotId, String)>, EngineError> {
        let in_dir: std::collections::HashSet<uuid::Uuid> = inventory::scan(host, roots)
            .await?
            .into_iter()
            .filter(|f| {
                f.readonly && f.path.as_ref().and_then(ServerPath::parent).as_ref() == Some(dir)
            })
            .filter_map(|f| inventory::identity(&f.info))
            .collect();
        let when = |s: &SnapshotView| s.created_at.unwrap_or(s.recorded_at);
        // The primary may have lost the parent too: any catalogued snapshot will do.
        let all = projections::all_snapshots_of(self.events().pool(), snap.subvolume_id).await?;
        Ok(all
            .iter()
            .filter(|s| s.snapshot_id != snap.snapshot_id && when(s) < when(snap))
            .filter(|s| in_dir.contains(&s.uuid))
            .filter_map(|s| {
                replicas
                    .iter()
                    .find(|r| r.snapshot_id == s.snapshot_id)
                    .map(|r| (when(s), s.snapshot_id, r.path.clone()))
            })
            .max_by_key(|(at, ..)| *at)
            .map(|(_, id, path)| (id, path)))
    }

    /// Checks the directory a snapshot is received into on another server: an existing
    /// directory whose real path is itself, inside that server's allowed roots.
    pub(super) async fn check_receive_directory(
        &self,
        server: domain::ServerId,
        dir: &ServerPath,
    ) -> Result<(), EngineError> {
        let (server, roots) = self.server(server).await?;
        let host = self.btrfs(&server).await?;
        let real = crate::real_paths::resolve_within(&host, dir, &roots)
            .await
            .map_err(|e| e.into_engine("destination"))?;
        if &real != dir {
            return Err(super::invalid(
                "destination",
                format!("resolves to {real}: give the real path"),
            ));
        }
        let out = host
            .host()
            .run(&files::stat(&abs(dir)?), btrfs::RunOptions::default())
            .await
            .map_err(|e| super::invalid("destination", format!("cannot read it: {e}")))?;
        if !out.stdout.starts_with(b"d") {
            return Err(super::invalid("destination", "not a directory"));
        }
        Ok(())
    }
}
