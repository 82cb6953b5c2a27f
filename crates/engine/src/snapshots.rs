//! Creating, deleting and adopting snapshots, and the inventory sync.
//!
//! Every operation here runs in one transaction that first takes the subvolume's
//! advisory lock (`store::locks::lock_subvolume`), so operations on one subvolume never
//! interleave, and appends its events in that same transaction.
//!
//! **Create** never leaves a half state:
//! 1. the name is `<subvolume>.<UTC timestamp>[_N]`, never one the catalog ever held nor
//!    one present in the snapshot directory (checked with `subvolume show`: a snapshot
//!    into an existing *directory* would land inside it);
//! 2. `btrfs subvolume snapshot -r`, then `subvolume show` verifies it is read-only and
//!    its parent uuid is the subvolume's;
//! 3. `SnapshotCreated` is appended and committed.
//!
//! A subvolume's snapshot hooks (`crate::hooks`) run around step 2: a failing pre-hook
//! means no snapshot (`SnapshotCreateFailed` says why); the post-hook runs right after
//! `btrfs subvolume snapshot`, whatever it did, and its run is recorded with step 3 (or
//! with the failure).
//!
//! If step 2 fails, anything it left at the destination with our parent uuid is deleted
//! and `SnapshotCreateFailed` (with the error) is recorded. If step 3 fails (database
//! gone, transaction aborted), the fresh snapshot is deleted again — it was never
//! recorded, the caller gets an error, so disk and log agree — and `SnapshotCreateFailed`
//! is recorded if the database allows. Should that delete fail too, the snapshot stays
//! on disk unrecorded; the next inventory sync finds it (parent uuid matches) and records
//! it as an *unmanaged* snapshot: visible, never deleted automatically, adoptable. So
//! in every outcome, what is on disk is either recorded or about to be found, and
//! nothing recorded as created is missing.
//!
//! **Delete** refuses unmanaged snapshots (discovered, not adopted), checks that the
//! subvolume at the path still has the recorded uuid, deletes, then appends
//! `SnapshotDeleted` (`SnapshotDeleteFailed` when btrfs refuses). A delete whose append
//! fails leaves a catalogued snapshot missing from disk: the next sync records it as
//! vanished.
//!
//! **Sync** compares the catalog with `btrfs subvolume list`: catalogued snapshots that
//! are gone → `SnapshotVanished`; read-only subvolumes whose parent uuid is the managed
//! subvolume's, under the allowed roots, not in the catalog → `SnapshotDiscovered`
//! (unmanaged). It refuses to run when the managed subvolume itself is not listed (a
//! filesystem that is not mounted must not make every snapshot "vanish").

use std::collections::{BTreeSet, HashSet};
use std::sync::Arc;

use btrfs::client::{is_missing_path, is_not_a_subvolume};
use btrfs::{Btrfs, Host};
use chrono::{DateTime, Utc};
use domain::event::{
    SnapshotAdopted, SnapshotCreateFailed, SnapshotCreated, SnapshotDeleteFailed, SnapshotDeleted,
    SnapshotDiscovered, SnapshotVanished,
};
use domain::snapshot_names::snapshot_name;
use domain::{DomainEvent, ServerPath, SnapshotId, SubvolumeId, SubvolumeName};
use sqlx::{Postgres, Transaction};
use store::projections::{self, SnapshotState, SnapshotView, SubvolumeView};
use store::{AppendMeta, ExpectedVersion, events, locks};

use crate::{Engine, EngineError, abs, inventory, recorded_path};

/// How many taken names `create_snapshot` skips before giving up.
const MAX_NAME_ATTEMPTS: usize = 1000;

/// What an inventory sync changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncReport {
    pub vanished: Vec<SnapshotId>,
    pub discovered: Vec<SnapshotId>,
}

/// A managed subvolume with what the operations need to work on it.
pub(crate) struct Target {
    pub(crate) view: SubvolumeView,
    pub(crate) name: SubvolumeName,
    pub(crate) path: ServerPath,
    pub(crate) snapshot_dir: ServerPath,
    pub(crate) roots: Vec<ServerPath>,
    pub(crate) btrfs: Btrfs<Arc<dyn Host>>,
}

impl Engine {
    /// Loads a managed subvolume (inside the locked transaction) and its server's host.
    pub(crate) async fn target(
        &self,
        tx: &mut Transaction<'static, Postgres>,
        id: SubvolumeId,
    ) -> Result<Target, EngineError> {
        let view = projections::subvolume(&mut **tx, id)
            .await?
            .ok_or_else(|| EngineError::NotFound(format!("no subvolume {id}")))?;
        if !view.managed {
            return Err(EngineError::Conflict(format!(
                "subvolume {id} is not managed any more"
            )));
        }
        let (server, roots) = self.server(view.server_id).await?;
        let name = SubvolumeName::parse(&view.name)
            .map_err(|e| EngineError::Inconsistent(format!("recorded subvolume name: {e}")))?;
        let path = recorded_path(&view.path)?;
        let snapshot_dir = recorded_path(&view.snapshot_dir)?;
        for p in [&path, &snapshot_dir] {
            p.check_within(&roots).map_err(|e| {
                EngineError::Conflict(format!("the server's allowed roots changed: {e}"))
            })?;
        }
        let btrfs = self.btrfs(&server).await?;
        // Checked again where they are used: a symlink swapped in since they were
        // recorded is refused (crate::real_paths).
        for (field, p) in [("path", &path), ("snapshot_dir", &snapshot_dir)] {
            crate::real_paths::still_real(&btrfs, p, &roots)
                .await
                .map_err(|e| e.into_engine(field))?;
        }
        Ok(Target {
            view,
            name,
            path,
            snapshot_dir,
            roots,
            btrfs,
        })
    }

    /// Creates a read-only snapshot of a managed subvolume (see the module docs).
    #[tracing::instrument(skip_all, fields(subvolume = %id), err(level = "debug", Display))]
    pub async fn create_snapshot(
        &self,
        id: SubvolumeId,
        meta: &AppendMeta,
    ) -> Result<SnapshotView, EngineError> {
        let mut tx = self.events.pool().begin().await?;
        locks::lock_subvolume(&mut tx, id).await?;
        let t = self.target(&mut tx, id).await?;
        let now = Utc::now();
        let mut taken: BTreeSet<String> = projections::snapshot_names_of(&mut *tx, id)
            .await?
            .into_iter()
            .collect();
        let (name, dst) = free_destination(&t, now, &mut taken).await?;
        let src = abs(&t.path)?;
        let dst_cmd = abs(&dst)?;
        let mut hook_runs = match self.before_snapshot(&t, &name, &dst).await {
            Ok(runs) => runs,
            Err(abort) => {
                append_events(&mut tx, id, abort.events, meta).await?;
                tx.commit().await?;
                return Err(abort.error);
            }
        };

        let snapped = t.btrfs.snapshot_readonly(&src, &dst_cmd).await;
        let post_hook = self
            .after_snapshot(&t, &name, &dst, snapped.is_ok())
            .await?;
        let made = match snapped {
            Ok(()) => verify_snapshot(&t, &dst)
                .await
                .map_err(EngineError::Verification),
            Err(e) => Err(EngineError::Host(e)),
        };
        let show = match made {
            Ok(show) => show,
            Err(error) => {
                hook_runs.extend(post_hook);
                append_events(&mut tx, id, hook_runs, meta).await?;
                failed_create(&mut tx, &t, &name, &dst, &error, meta).await?;
                tx.commit().await?;
                return Err(error);
            }
        };

        let snapshot_id = SnapshotId::new();
        let created = DomainEvent::SnapshotCreated(SnapshotCreated {
            snapshot_id,
            subvolume_id: id,
            name: name.clone(),
            path: dst.as_str().to_owned(),
            uuid: show.0,
            parent_uuid: t.view.btrfs_uuid,
            btrfs_id: show.1,
            created_at: now,
        });
        let recorded = async {
            let recorded: Vec<DomainEvent> = hook_runs
                .into_iter()
                .chain(std::iter::once(created))
                .chain(post_hook)
                .collect();
            events::append_in(&mut tx, &id.stream(), ExpectedVersion::Any, &recorded, meta).await?;
            let view = projections::snapshot_by_id(&mut *tx, snapshot_id).await?;
            tx.commit().await?;
            Ok::<_, EngineError>(view)
        }
        .await;
        match recorded {
            Ok(Some(view)) => Ok(view),
            Ok(None) => Err(EngineError::Inconsistent(format!(
                "snapshot {snapshot_id} not projected"
            ))),
            Err(e) => {
                tracing::error!(error = %e, path = %dst, "recording the snapshot failed; deleting it again");
                self.undo_unrecorded(&t, id, &name, &dst, &e, meta).await;
                Err(e)
            }
        }
    }

    /// After a snapshot was made but could not be recorded: delete it again and record
    /// the failure (both best effort; see the module docs for what remains).
    async fn undo_unrecorded(
        &self,
        t: &Target,
        id: SubvolumeId,
        name: &str,
        dst: &ServerPath,
        cause: &EngineError,
        meta: &AppendMeta,
    ) {
        let deleted = match abs(dst) {
            Ok(p) => t.btrfs.delete(&p).await.map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        let note = match &deleted {
            Ok(()) => "the snapshot was deleted again".to_owned(),
            Err(e) => format!(
                "deleting it again failed ({e}); the next inventory sync will list it as unmanaged"
            ),
        };
        if let Err(e) = &deleted {
            tracing::error!(path = %dst, error = %e, "an unrecorded snapshot remains on disk");
        }
        let failed = DomainEvent::SnapshotCreateFailed(SnapshotCreateFailed {
            subvolume_id: id,
            name: name.to_owned(),
            path: dst.as_str().to_owned(),
            error: format!("recording the snapshot failed: {cause}; {note}"),
        });
        let recorded = async {
            let mut tx = self.events.pool().begin().await?;
            locks::lock_subvolume(&mut tx, id).await?;
            events::append_in(&mut tx, &id.stream(), ExpectedVersion::Any, &[failed], meta).await?;
            tx.commit().await?;
            Ok::<_, EngineError>(())
        }
        .await;
        if let Err(e) = recorded {
            tracing::error!(error = %e, "recording SnapshotCreateFailed failed too");
        }
    }

    /// Deletes a managed snapshot. With `of_subvolume`, refuses a snapshot of another
    /// subvolume (as not found).
    #[tracing::instrument(skip_all, fields(snapshot = %id), err(level = "debug", Display))]
    pub async fn delete_snapshot(
        &self,
        id: SnapshotId,
        of_subvolume: Option<SubvolumeId>,
        meta: &AppendMeta,
    ) -> Result<SnapshotView, EngineError> {
        let not_found = || EngineError::NotFound(format!("no snapshot {id}"));
        let first = projections::snapshot_by_id(self.events.pool(), id)
            .await?
            .ok_or_else(not_found)?;
        if let Some(sv) = of_subvolume
            && sv != first.subvolume_id
        {
            return Err(EngineError::NotFound(format!(
                "snapshot {id} is not a snapshot of subvolume {sv}"
            )));
        }
        let sv = first.subvolume_id;
        let mut tx = self.events.pool().begin().await?;
        locks::lock_subvolume(&mut tx, sv).await?;
        let snap = projections::snapshot_by_id(&mut *tx, id)
            .await?
            .ok_or_else(not_found)?;
        check_present(&snap)?;
        if !snap.managed {
            return Err(EngineError::Conflict(format!(
                "snapshot {} was not created by dist-btrfs; adopt it first to allow deleting it",
                snap.path
            )));
        }
        let t = self.target(&mut tx, sv).await?;
        let event = match remove_from_disk(&t, &snap).await? {
            Removal::Deleted => DomainEvent::SnapshotDeleted(SnapshotDeleted {
                snapshot_id: id,
                subvolume_id: sv,
            }),
            Removal::Vanished => DomainEvent::SnapshotVanished(SnapshotVanished {
                snapshot_id: id,
                subvolume_id: sv,
            }),
            Removal::Failed(e) => {
                let failed = DomainEvent::SnapshotDeleteFailed(SnapshotDeleteFailed {
                    snapshot_id: id,
                    subvolume_id: sv,
                    error: e.to_string(),
                });
                events::append_in(&mut tx, &sv.stream(), ExpectedVersion::Any, &[failed], meta)
                    .await?;
                tx.commit().await?;
                return Err(e.into());
            }
        };
        events::append_in(&mut tx, &sv.stream(), ExpectedVersion::Any, &[event], meta).await?;
        let view = projections::snapshot_by_id(&mut *tx, id)
            .await?
            .ok_or_else(not_found)?;
        tx.commit().await?;
        Ok(view)
    }

    /// Takes an unmanaged (discovered) snapshot under management.
    #[tracing::instrument(skip_all, fields(snapshot = %id), err(level = "debug", Display))]
    pub async fn adopt_snapshot(
        &self,
        id: SnapshotId,
        meta: &AppendMeta,
    ) -> Result<SnapshotView, EngineError> {
        let not_found = || EngineError::NotFound(format!("no snapshot {id}"));
        let first = projections::snapshot_by_id(self.events.pool(), id)
            .await?
            .ok_or_else(not_found)?;
        let sv = first.subvolume_id;
        let mut tx = self.events.pool().begin().await?;
        locks::lock_subvolume(&mut tx, sv).await?;
        let snap = projections::snapshot_by_id(&mut *tx, id)
            .await?
            .ok_or_else(not_found)?;
        check_present(&snap)?;
        if snap.managed {
            return Err(EngineError::Conflict(format!(
                "snapshot {id} is already managed by dist-btrfs"
            )));
        }
        ServerPath::parse(&snap.path).map_err(|e| {
            EngineError::Conflict(format!(
                "snapshot path {:?} cannot be managed by dist-btrfs: {e}",
                snap.path
            ))
        })?;
        let event = DomainEvent::SnapshotAdopted(SnapshotAdopted {
            snapshot_id: id,
            subvolume_id: sv,
        });
        events::append_in(&mut tx, &sv.stream(), ExpectedVersion::Any, &[event], meta).await?;
        let view = projections::snapshot_by_id(&mut *tx, id)
            .await?
            .ok_or_else(not_found)?;
        tx.commit().await?;
        Ok(view)
    }

    /// Reconciles one subvolume's catalog with the disk (see the module docs).
    #[tracing::instrument(skip_all, fields(subvolume = %id), err(level = "debug", Display))]
    pub async fn sync_subvolume(
        &self,
        id: SubvolumeId,
        meta: &AppendMeta,
    ) -> Result<SyncReport, EngineError> {
        let mut tx = self.events.pool().begin().await?;
        locks::lock_subvolume(&mut tx, id).await?;
        let t = self.target(&mut tx, id).await?;
        let found = inventory::scan(&t.btrfs, &t.roots).await?;
        if !found.iter().any(|f| f.info.uuid == Some(t.view.btrfs_uuid)) {
            return Err(EngineError::Conflict(format!(
                "subvolume {} (uuid {}) is not on the server's disk; is its filesystem mounted? \
                 Nothing was changed",
                t.path, t.view.btrfs_uuid
            )));
        }
        let on_disk: HashSet<uuid::Uuid> = found
            .iter()
            .filter_map(|f| inventory::identity(&f.info))
            .collect();
        let present = projections::present_snapshots_of(&mut *tx, id).await?;
        let catalogued: HashSet<uuid::Uuid> = present.iter().map(|s| s.uuid).collect();

        let mut report = SyncReport::default();
        let mut new_events = Vec::new();
        for snap in present.iter().filter(|s| !on_disk.contains(&s.uuid)) {
            report.vanished.push(snap.snapshot_id);
            new_events.push(DomainEvent::SnapshotVanished(SnapshotVanished {
                snapshot_id: snap.snapshot_id,
                subvolume_id: id,
            }));
        }
        for f in &found {
            let Some(uuid) = f.info.uuid else { continue };
            let ours = t.view.is_parent_of(f.info.parent_uuid);
            let known = inventory::identity(&f.info).is_some_and(|i| catalogued.contains(&i));
            if !ours || !f.readonly || !f.within_roots || known {
                continue;
            }
            let created_at = match &f.path {
                Some(p) => match t.btrfs.show(&abs(p)?).await {
                    Ok(show) => show.creation_time.map(|c| c.with_timezone(&Utc)),
                    Err(e) => {
                        tracing::warn!(path = %p, error = %e, "no creation time");
                        None
                    }
                },
                None => None,
            };
            let snapshot_id = SnapshotId::new();
            report.discovered.push(snapshot_id);
            new_events.push(DomainEvent::SnapshotDiscovered(SnapshotDiscovered {
                snapshot_id,
                subvolume_id: id,
                name: f
                    .raw_path
                    .rsplit('/')
                    .next()
                    .unwrap_or(&f.raw_path)
                    .to_owned(),
                path: f.raw_path.clone(),
                uuid,
                parent_uuid: t.view.btrfs_uuid,
                btrfs_id: f.info.id,
                created_at,
            }));
        }
        if !new_events.is_empty() {
            events::append_in(
                &mut tx,
                &id.stream(),
                ExpectedVersion::Any,
                &new_events,
                meta,
            )
            .await?;
        }
        tx.commit().await?;
        if !new_events.is_empty() {
            tracing::info!(
                vanished = report.vanished.len(),
                discovered = report.discovered.len(),
                "inventory sync changed the catalog"
            );
        }
        Ok(report)
    }

    /// Syncs every managed subvolume; failures are logged and counted, not fatal.
    pub async fn sync_all(&self, meta: &AppendMeta) -> Result<usize, EngineError> {
        let subvolumes = projections::subvolumes(self.events.pool(), None, false).await?;
        let mut failed = 0;
        for sv in subvolumes {
            if let Err(e) = self.sync_subvolume(sv.subvolume_id, meta).await {
                tracing::warn!(subvolume = %sv.subvolume_id, error = %e, "inventory sync failed");
                failed += 1;
            }
        }
        Ok(failed)
    }
}

/// What [`remove_from_disk`] did.
pub(crate) enum Removal {
    /// The snapshot was on disk and is gone now.
    Deleted,
    /// It was not on disk any more (deleted by hand).
    Vanished,
    /// btrfs refused; it is still on disk.
    Failed(btrfs::HostError),
}

/// Deletes a catalogued, managed snapshot from disk — the one delete path of the
/// engine (operator deletes and pruning). The caller holds the subvolume's lock and
/// has checked that the snapshot is present and managed. Refuses (as a conflict) a
/// path outside the allowed roots, a subvolume at the path with another uuid, and a
/// path that is no longer a subvolume.
pub(crate) async fn remove_from_disk(
    t: &Target,
    snap: &SnapshotView,
) -> Result<Removal, EngineError> {
    let id = snap.snapshot_id;
    let path = ServerPath::parse(&snap.path).map_err(|e| {
        EngineError::Conflict(format!("snapshot path {:?} cannot be used: {e}", snap.path))
    })?;
    path.check_within(&t.roots)
        .map_err(|e| EngineError::Conflict(e.to_string()))?;
    crate::real_paths::still_real(&t.btrfs, &path, &t.roots)
        .await
        .map_err(|e| e.into_engine("snapshot path"))?;
    let cmd_path = abs(&path)?;
    match t.btrfs.show_if_exists(&cmd_path).await {
        Ok(None) => Ok(Removal::Vanished),
        Ok(Some(show)) if show.received_uuid.or(show.uuid) != Some(snap.uuid) => {
            Err(EngineError::Conflict(format!(
                "the subvolume at {path} is not snapshot {id} (uuid {:?}, recorded {}); \
             refusing to delete it",
                show.uuid, snap.uuid
            )))
        }
        Ok(Some(_)) => match t.btrfs.delete(&cmd_path).await {
            Ok(()) => Ok(Removal::Deleted),
            Err(e) => {
                if matches!(t.btrfs.show_if_exists(&cmd_path).await, Ok(None)) {
                    Ok(Removal::Deleted)
                } else {
                    Ok(Removal::Failed(e))
                }
            }
        },
        Err(e) if is_not_a_subvolume(&e) => Err(EngineError::Conflict(format!(
            "{path} is no longer a subvolume; refusing to touch it"
        ))),
        Err(e) => Err(e.into()),
    }
}

pub(crate) fn check_present(snap: &SnapshotView) -> Result<(), EngineError> {
    match snap.state {
        SnapshotState::Present => Ok(()),
        gone => Err(EngineError::Conflict(format!(
            "snapshot {} is already {}",
            snap.snapshot_id,
            gone.as_str()
        ))),
    }
}

/// A name and destination that are free in the catalog and on disk.
async fn free_destination(
    t: &Target,
    now: DateTime<Utc>,
    taken: &mut BTreeSet<String>,
) -> Result<(String, ServerPath), EngineError> {
    for _ in 0..MAX_NAME_ATTEMPTS {
        let name = snapshot_name(&t.name, now, taken).into_string();
        let dst = t
            .snapshot_dir
            .join(&name)
            .map_err(|e| EngineError::Inconsistent(format!("snapshot path: {e}")))?;
        let occupied = match t.btrfs.show_if_exists(&abs(&dst)?).await {
            Ok(None) => false,
            Ok(Some(_)) => true,
            Err(e) if is_not_a_subvolume(&e) => true,
            Err(e) => return Err(e.into()),
        };
        if !occupied {
            return Ok((name, dst));
        }
        taken.insert(name);
    }
    Err(EngineError::Conflict(format!(
        "no free snapshot name in {} after {MAX_NAME_ATTEMPTS} attempts",
        t.snapshot_dir
    )))
}

/// Checks a fresh snapshot: read-only, child of the managed subvolume. Returns its uuid
/// and btrfs id, or the reason it is not acceptable.
pub(crate) async fn verify_snapshot(
    t: &Target,
    dst: &ServerPath,
) -> Result<(uuid::Uuid, u64), String> {
    let show = t
        .btrfs
        .show(&abs(dst).map_err(|e| e.to_string())?)
        .await
        .map_err(|e| format!("the new snapshot cannot be inspected: {e}"))?;
    if show.parent_uuid != Some(t.view.btrfs_uuid) {
        return Err(format!(
            "the subvolume at {dst} has parent uuid {:?}, expected {}",
            show.parent_uuid, t.view.btrfs_uuid
        ));
    }
    if !show.readonly {
        return Err(format!("the snapshot at {dst} is not read-only"));
    }
    let uuid = show
        .uuid
        .ok_or_else(|| format!("the snapshot at {dst} has no uuid"))?;
    Ok((uuid, show.subvolume_id))
}

/// Appends `recorded` (hook runs) to the subvolume's stream in `tx`, if any.
pub(crate) async fn append_events(
    tx: &mut Transaction<'static, Postgres>,
    id: SubvolumeId,
    recorded: Vec<DomainEvent>,
    meta: &AppendMeta,
) -> Result<(), EngineError> {
    if !recorded.is_empty() {
        events::append_in(tx, &id.stream(), ExpectedVersion::Any, &recorded, meta).await?;
    }
    Ok(())
}

/// After a failed create (snapshot or verification): removes what it left at `dst`
/// (only if ours) and appends `SnapshotCreateFailed` in `tx`; the caller commits.
pub(crate) async fn failed_create(
    tx: &mut Transaction<'static, Postgres>,
    t: &Target,
    name: &str,
    dst: &ServerPath,
    error: &EngineError,
    meta: &AppendMeta,
) -> Result<(), EngineError> {
    remove_if_ours(t, dst).await;
    let id = t.view.subvolume_id;
    let failed = DomainEvent::SnapshotCreateFailed(SnapshotCreateFailed {
        subvolume_id: id,
        name: name.to_owned(),
        path: dst.as_str().to_owned(),
        error: error.to_string(),
    });
    events::append_in(tx, &id.stream(), ExpectedVersion::Any, &[failed], meta).await?;
    Ok(())
}

/// Deletes what a failed create left at `dst`, only if it is a snapshot of the managed
/// subvolume (never anything else).
async fn remove_if_ours(t: &Target, dst: &ServerPath) {
    let Ok(cmd) = abs(dst) else { return };
    match t.btrfs.show_if_exists(&cmd).await {
        Ok(Some(show)) if show.parent_uuid == Some(t.view.btrfs_uuid) => {
            if let Err(e) = t.btrfs.delete(&cmd).await {
                tracing::error!(path = %dst, error = %e, "cannot remove a failed snapshot");
            }
        }
        Ok(_) => {}
        Err(e) if is_missing_path(&e) || is_not_a_subvolume(&e) => {}
        Err(e) => tracing::warn!(path = %dst, error = %e, "cannot inspect a failed snapshot"),
    }
}
