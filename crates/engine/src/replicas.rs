//! Operator actions on one replica ([`Engine::remove_replica`]): deleting it from its
//! target. Serialized with the subvolume's replication runs and target pruning (the
//! same session lock), so nothing is being received into or sent from it meanwhile.
//!
//! A replica that is its target's common base (`proj_replication_pins`) is the parent
//! of the next incremental send: deleting it makes that send full, so it is refused
//! unless the caller says `force`. Only the subvolume whose `received_uuid` is the
//! snapshot's uuid is deleted: whatever else sits at the path is left alone.
//!
//! Not here: retention on targets (`target_prune`), verification (`verify`).

use domain::restore::ReplicaDeleted;
use domain::{DomainEvent, ReplicaId, ServerPath};
use store::locks::SessionLock;
use store::projections::{self, ReplicaView};
use store::{AppendMeta, ExpectedVersion};

use crate::{Engine, EngineError, abs, recorded_path};

impl Engine {
    /// Deletes a replica from its target (module docs). Returns what was deleted.
    #[tracing::instrument(skip_all, fields(replica = %id, force), err(level = "debug", Display))]
    pub async fn remove_replica(
        &self,
        id: ReplicaId,
        force: bool,
        meta: &AppendMeta,
    ) -> Result<ReplicaView, EngineError> {
        let pool = self.events().pool();
        let found = projections::replica(pool, id)
            .await?
            .ok_or_else(|| EngineError::NotFound(format!("no replica {id}")))?;
        let target = projections::target(pool, found.target_id)
            .await?
            .ok_or_else(|| {
                EngineError::NotFound(format!("replica {id}: its target was removed"))
            })?;
        let lock = SessionLock::replication_run(pool, target.subvolume_id).await?;
        // Read again under the lock: a run may have re-listed the target meanwhile.
        let replica = projections::replica(pool, id)
            .await?
            .ok_or_else(|| EngineError::NotFound(format!("no replica {id}")))?;
        let pinned =
            projections::pin_of_target(pool, replica.target_id).await? == Some(replica.snapshot_id);
        if pinned && !force {
            return Err(EngineError::Conflict(format!(
                "replica {id} is the common base of its target: the next replication there \
                 would be a full send. Pass force=true to delete it anyway"
            )));
        }
        let snapshot = projections::snapshot_by_id(pool, replica.snapshot_id)
            .await?
            .ok_or_else(|| {
                EngineError::Inconsistent(format!("replica {id} of an unknown snapshot"))
            })?;
        let (server, _) = self.server(target.server_id).await?;
        let dir = recorded_path(&target.directory)?;
        let path = recorded_path(&replica.path)?;
        if !path.is_within(std::slice::from_ref(&dir)) {
            return Err(EngineError::Inconsistent(format!(
                "replica {id} at {path} is outside its target directory {dir}"
            )));
        }
        let btrfs = self.btrfs(&server).await?;
        crate::real_paths::still_real(&btrfs, &path, std::slice::from_ref(&dir))
            .await
            .map_err(|e| e.into_engine("replica path"))?;
        let on_disk = btrfs.show_if_exists(&abs(&path)?).await?;
        match on_disk {
            Some(show) if show.received_uuid != Some(snapshot.uuid) => {
                return Err(EngineError::Conflict(format!(
                    "the subvolume at {path} is not the replica of snapshot {} any more",
                    snapshot.snapshot_id
                )));
            }
            Some(_) => btrfs.delete(&abs(&path)?).await?,
            // Already gone from disk: the catalog catches up.
            None => {}
        }
        let event = DomainEvent::ReplicaDeleted(ReplicaDeleted {
            target_id: replica.target_id,
            subvolume_id: target.subvolume_id,
            snapshot_id: replica.snapshot_id,
            path: ServerPath::as_str(&path).to_owned(),
            forced: pinned,
        });
        self.events()
            .append(
                &replica.target_id.stream(),
                ExpectedVersion::Any,
                &[event],
                meta,
            )
            .await?;
        lock.release().await?;
        tracing::info!(target = %replica.target_id, path = %replica.path, "replica deleted");
        Ok(replica)
    }
}
