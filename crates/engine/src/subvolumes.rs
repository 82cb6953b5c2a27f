//! Discovering subvolumes on a server and managing / unmanaging them.
//!
//! Managing records `SubvolumeManaged` after checking, in this order: the name and paths
//! parse (no shell or path tricks can pass), both paths lie under the server's allowed
//! roots (the subvolume strictly below a root), the path is a btrfs subvolume (not the
//! top level) and the snapshot directory exists; then, under the server's advisory lock,
//! that neither the subvolume (by btrfs uuid) nor the name is already managed there.
//! Unmanaging records `SubvolumeUnmanaged`; neither touches the disk.

use std::collections::HashMap;

use btrfs::client::{is_missing_path, is_not_a_subvolume};
use domain::event::{SubvolumeManaged, SubvolumeUnmanaged};
use domain::{DomainEvent, ServerId, ServerPath, SubvolumeId, SubvolumeName};
use store::projections::{self, SubvolumeView};
use store::{AppendMeta, ExpectedVersion, events, locks};

use crate::inventory::{self, FoundSubvolume};
use crate::real_paths::resolve_within;
use crate::{Engine, EngineError, abs};

/// What `POST /subvolumes` asks for (unparsed: the engine validates).
#[derive(Debug, Clone)]
pub struct ManageRequest {
    pub server_id: ServerId,
    pub path: String,
    pub snapshot_dir: String,
    /// Defaults to the last component of `path`.
    pub name: Option<String>,
}

/// A subvolume on a server's disk, with the managed subvolume it is (if any).
#[derive(Debug, Clone)]
pub struct DiscoveredSubvolume {
    pub found: FoundSubvolume,
    pub managed_as: Option<SubvolumeId>,
}

impl Engine {
    /// The subvolumes under the server's allowed roots, marking the managed ones.
    #[tracing::instrument(skip_all, fields(server = %server_id), err(level = "debug", Display))]
    pub async fn discover_subvolumes(
        &self,
        server_id: ServerId,
    ) -> Result<Vec<DiscoveredSubvolume>, EngineError> {
        let (server, roots) = self.server(server_id).await?;
        let btrfs = self.btrfs(&server).await?;
        let found = inventory::scan(&btrfs, &roots).await?;
        let managed: HashMap<uuid::Uuid, SubvolumeId> =
            projections::subvolumes(self.events.pool(), Some(server_id), false)
                .await?
                .into_iter()
                .map(|s| (s.btrfs_uuid, s.subvolume_id))
                .collect();
        Ok(found
            .into_iter()
            .filter(|f| f.within_roots)
            .map(|found| DiscoveredSubvolume {
                managed_as: found.info.uuid.and_then(|u| managed.get(&u).copied()),
                found,
            })
            .collect())
    }

    /// Starts managing a subvolume (see the module docs for the checks).
    #[tracing::instrument(skip_all, fields(server = %req.server_id), err(level = "debug", Display))]
    pub async fn manage_subvolume(
        &self,
        req: &ManageRequest,
        meta: &AppendMeta,
    ) -> Result<SubvolumeView, EngineError> {
        let invalid =
            |what: &str, e: &dyn std::fmt::Display| EngineError::Invalid(format!("{what}: {e}"));
        let path = ServerPath::parse(&req.path).map_err(|e| invalid("path", &e))?;
        let snapshot_dir =
            ServerPath::parse(&req.snapshot_dir).map_err(|e| invalid("snapshot_dir", &e))?;
        let name = match &req.name {
            Some(name) => SubvolumeName::parse(name).map_err(|e| invalid("name", &e))?,
            None => {
                let last = path.file_name().unwrap_or_default();
                SubvolumeName::parse(last).map_err(|e| {
                    invalid(
                        &format!("name (from the path's last component {last:?})"),
                        &e,
                    )
                })?
            }
        };
        let (server, roots) = self.server(req.server_id).await?;
        // Strings outside every root are refused before any server is asked.
        path.check_within(&roots).map_err(|e| invalid("path", &e))?;
        snapshot_dir
            .check_within(&roots)
            .map_err(|e| invalid("snapshot_dir", &e))?;

        let btrfs = self.btrfs(&server).await?;
        // The strings passed; now what the server will really touch (a symlink inside a
        // root may point anywhere). The real paths are checked again and recorded.
        let path = resolve_within(&btrfs, &path, &roots)
            .await
            .map_err(|e| e.into_engine("path"))?;
        let snapshot_dir = resolve_within(&btrfs, &snapshot_dir, &roots)
            .await
            .map_err(|e| e.into_engine("snapshot_dir"))?;
        if roots.contains(&path) {
            return Err(EngineError::Invalid(format!(
                "path {path} is an allowed root itself; manage a subvolume below it"
            )));
        }
        if snapshot_dir.starts_with(&path) {
            return Err(EngineError::Invalid(format!(
                "snapshot_dir {snapshot_dir} must not lie inside the subvolume {path}"
            )));
        }
        let show = match btrfs.show(&abs(&path)?).await {
            Ok(show) => show,
            Err(e) if is_missing_path(&e) => {
                return Err(EngineError::Invalid(format!("path {path} does not exist")));
            }
            Err(e) if is_not_a_subvolume(&e) => {
                return Err(EngineError::Invalid(format!(
                    "path {path} is not a btrfs subvolume"
                )));
            }
            Err(e) => return Err(e.into()),
        };
        let Some(btrfs_uuid) = show.uuid.filter(|_| show.subvolume_id != 5) else {
            return Err(EngineError::Invalid(format!(
                "path {path} is the filesystem's top level; manage a subvolume inside it"
            )));
        };
        match btrfs.show_if_exists(&abs(&snapshot_dir)?).await {
            Ok(Some(_)) => {}
            Err(e) if is_not_a_subvolume(&e) => {} // a plain directory: fine
            Ok(None) => {
                return Err(EngineError::Invalid(format!(
                    "snapshot_dir {snapshot_dir} does not exist"
                )));
            }
            Err(e) => return Err(e.into()),
        }

        let mut tx = self.events.pool().begin().await?;
        locks::lock_server(&mut tx, req.server_id).await?;
        let managed = projections::subvolumes(&mut *tx, Some(req.server_id), false).await?;
        if let Some(other) = managed.iter().find(|s| s.btrfs_uuid == btrfs_uuid) {
            return Err(EngineError::Conflict(format!(
                "subvolume {path} is already managed (as {} at {})",
                other.subvolume_id, other.path
            )));
        }
        if let Some(other) = managed.iter().find(|s| s.name == name.as_str()) {
            return Err(EngineError::Conflict(format!(
                "the name {name:?} is already used by managed subvolume {} ({}); pass another name",
                other.subvolume_id, other.path
            )));
        }
        let id = SubvolumeId::new();
        let event = DomainEvent::SubvolumeManaged(SubvolumeManaged {
            subvolume_id: id,
            server_id: req.server_id,
            name: name.into_string(),
            path: path.as_str().to_owned(),
            snapshot_dir: snapshot_dir.as_str().to_owned(),
            btrfs_uuid,
            btrfs_id: show.subvolume_id,
        });
        events::append_in(
            &mut tx,
            &id.stream(),
            ExpectedVersion::NoStream,
            &[event],
            meta,
        )
        .await?;
        let view = projections::subvolume(&mut *tx, id)
            .await?
            .ok_or_else(|| EngineError::Inconsistent(format!("subvolume {id} not projected")))?;
        tx.commit().await?;
        Ok(view)
    }

    /// Stops managing a subvolume. Its snapshots stay on disk and in the catalog.
    #[tracing::instrument(skip_all, fields(subvolume = %id), err(level = "debug", Display))]
    pub async fn unmanage_subvolume(
        &self,
        id: SubvolumeId,
        meta: &AppendMeta,
    ) -> Result<SubvolumeView, EngineError> {
        let mut tx = self.events.pool().begin().await?;
        locks::lock_subvolume(&mut tx, id).await?;
        let current = projections::subvolume(&mut *tx, id)
            .await?
            .ok_or_else(|| EngineError::NotFound(format!("no subvolume {id}")))?;
        if !current.managed {
            return Err(EngineError::Conflict(format!(
                "subvolume {id} is not managed any more"
            )));
        }
        let event = DomainEvent::SubvolumeUnmanaged(SubvolumeUnmanaged { subvolume_id: id });
        events::append_in(&mut tx, &id.stream(), ExpectedVersion::Any, &[event], meta).await?;
        let view = projections::subvolume(&mut *tx, id)
            .await?
            .ok_or_else(|| EngineError::Inconsistent(format!("subvolume {id} vanished")))?;
        tx.commit().await?;
        Ok(view)
    }
}
