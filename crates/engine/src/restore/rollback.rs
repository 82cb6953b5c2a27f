//! `rollback`: the managed subvolume at `P` goes back to snapshot `S`, keeping its state
//! before as a held read-only `pre-restore` snapshot. Under the subvolume's lock (no
//! snapshot or prune of it meanwhile), in steps that a later attempt recognises on disk:
//!
//! 1. `T = P/../.NAME.restore-<id>`: a writable snapshot of `S` (reused if an earlier
//!    attempt made it: a writable child of `S`).
//! 2. The swap, two renames in one directory: `P` → `O = P/../.NAME.before-restore-<id>`,
//!    then `T` → `P`. Between them `P` is briefly absent; a crash there is finished by
//!    the next attempt (`P` missing, `O` is the old subvolume, `T` the new one).
//! 3. The pre-restore snapshot: `btrfs subvolume snapshot -r O SNAPDIR/NAME.<time>` (time
//!    of the request, so every attempt picks the same name). It holds every write made to
//!    `P` up to the swap. When the subvolume is gone (its filesystem lost), steps 1-4 are
//!    one: `P` is recreated from `S`, and there is nothing to keep.
//! 4. `O` is deleted: its content is in the pre-restore snapshot.
//! 5. One transaction records `SnapshotCreated` + `SnapshotHeld` (the pre-restore
//!    snapshot, never pruned until released), `SubvolumeRolledBack` (new uuid and id of
//!    the subvolume; the old uuid joins its former uuids, so the snapshots made before
//!    still count as its snapshots) and `RestoreSucceeded`.
//!
//! Replication afterwards stays incremental: a target's common base is chosen among the
//! snapshots by `received_uuid` (ARCHITECTURE.md, "Rollback and the parent chain"), and
//! the next snapshot of the new `P` shares its extents with `S` and every snapshot before.

use btrfs::client::is_not_a_subvolume;
use btrfs::parse::SubvolumeShow;
use chrono::Utc;
use domain::event::SnapshotCreated;
use domain::restore::{HoldReason, SnapshotHeld, SubvolumeRolledBack};
use domain::snapshot_names::snapshot_name;
use domain::{DomainEvent, ServerPath, SnapshotId};
use store::projections::{self, RestoreView};
use store::{AppendMeta, ExpectedVersion, events, locks};

use super::{Outcome, succeeded};
use crate::snapshots::Target;
use crate::{Engine, EngineError, abs};

fn sibling(t: &Target, suffix: &str) -> Result<ServerPath, EngineError> {
    let dir = t
        .path
        .parent()
        .ok_or_else(|| EngineError::Conflict("cannot roll back the filesystem's top".into()))?;
    dir.join(&format!(".{}.{suffix}", t.name))
        .map_err(|e| EngineError::Inconsistent(format!("rollback path: {e}")))
}

async fn show(t: &Target, p: &ServerPath) -> Result<Option<SubvolumeShow>, EngineError> {
    match t.btrfs.show_if_exists(&abs(p)?).await {
        Ok(s) => Ok(s),
        Err(e) if is_not_a_subvolume(&e) => Err(EngineError::Conflict(format!(
            "{p} is in the way of the rollback and is not a subvolume"
        ))),
        Err(e) => Err(e.into()),
    }
}

impl Engine {
    /// The rollback (module docs). Records its success itself (`Ok(None)`).
    pub(super) async fn restore_rollback(
        &self,
        view: &RestoreView,
        meta: &AppendMeta,
    ) -> Result<Option<Outcome>, EngineError> {
        let pool = self.events().pool();
        let mut tx = pool.begin().await?;
        locks::lock_subvolume(&mut tx, view.request.subvolume_id).await?;
        let t = self.target(&mut tx, view.request.subvolume_id).await?;
        let snap = projections::snapshot_by_id(&mut *tx, view.request.snapshot_id)
            .await?
            .ok_or_else(|| {
                EngineError::NotFound(format!("no snapshot {}", view.request.snapshot_id))
            })?;
        let prev_uuid = t.view.btrfs_uuid;
        let tmp = sibling(&t, &format!("restore-{}", view.request.restore_id))?;
        let old = sibling(&t, &format!("before-restore-{}", view.request.restore_id))?;
        let taken = projections::snapshot_names_of(&mut *tx, view.request.subvolume_id)
            .await?
            .into_iter()
            .collect();
        let pre_name = snapshot_name(&t.name, view.requested_at, &taken).into_string();
        let pre = t
            .snapshot_dir
            .join(&pre_name)
            .map_err(|e| EngineError::Inconsistent(format!("pre-restore path: {e}")))?;
        // A copy's parent is the snapshot as it is on disk (a snapshot received back
        // from a replica has a uuid of its own).
        let snap_disk = super::disk_uuid(&t.btrfs, &snap).await?;
        let is_new = |s: &SubvolumeShow| s.parent_uuid == Some(snap_disk) && !s.readonly;
        let is_old = |s: &SubvolumeShow| s.uuid == Some(prev_uuid);

        // 1 and 2: make the copy and swap it in, unless an earlier attempt did. A
        // subvolume that is gone (its filesystem lost) is recreated from the snapshot,
        // with nothing to keep.
        let live = show(&t, &t.path).await?;
        let rename = |from: &ServerPath, to: &ServerPath| -> Result<btrfs::Argv, EngineError> {
            Ok(btrfs::command::files::rename(&abs(from)?, &abs(to)?))
        };
        let recreated = match &live {
            Some(l) if is_old(l) => {
                match show(&t, &tmp).await? {
                    Some(s) if is_new(&s) => {}
                    Some(_) => {
                        return Err(EngineError::Conflict(format!(
                            "{tmp} exists and is not ours"
                        )));
                    }
                    None => {
                        let src = crate::recorded_path(&snap.path)?;
                        t.btrfs.snapshot_writable(&abs(&src)?, &abs(&tmp)?).await?;
                    }
                }
                if show(&t, &old).await?.is_some() {
                    return Err(EngineError::Conflict(format!(
                        "{old} exists and is not ours"
                    )));
                }
                t.btrfs.run_writer(rename(&t.path, &old)?).await?;
                t.btrfs.run_writer(rename(&tmp, &t.path)?).await?;
                false
            }
            None => match (show(&t, &old).await?, show(&t, &tmp).await?) {
                (Some(o), Some(n)) if is_old(&o) && is_new(&n) => {
                    t.btrfs.run_writer(rename(&tmp, &t.path)?).await?;
                    false
                }
                (None, None) => {
                    let src = crate::recorded_path(&snap.path)?;
                    t.btrfs
                        .snapshot_writable(&abs(&src)?, &abs(&t.path)?)
                        .await?;
                    true
                }
                _ => {
                    return Err(EngineError::Conflict(format!(
                        "{} is missing and no interrupted rollback explains it",
                        t.path
                    )));
                }
            },
            // Swapped (or recreated) by an earlier attempt.
            Some(l) if is_new(l) => {
                show(&t, &old).await?.is_none() && show(&t, &pre).await?.is_none()
            }
            Some(_) => {
                return Err(EngineError::Conflict(format!(
                    "{} was replaced by another subvolume than the one recorded",
                    t.path
                )));
            }
        };
        let now_live = show(&t, &t.path).await?.ok_or_else(|| {
            EngineError::Verification(format!("{} is missing after the swap", t.path))
        })?;
        let (new_uuid, new_id) = match now_live.uuid {
            Some(u) if is_new(&now_live) => (u, now_live.subvolume_id),
            _ => {
                return Err(EngineError::Verification(format!(
                    "{} is not the restored copy",
                    t.path
                )));
            }
        };

        // 3 and 4: keep the old subvolume as a held pre-restore snapshot, then delete it.
        let mut catalog = Vec::new();
        let pre_id = if recreated {
            None
        } else {
            let (pre_id, kept) = self
                .keep_pre_restore(&t, view, &old, &pre, &pre_name, prev_uuid)
                .await?;
            catalog.extend(kept);
            Some(pre_id)
        };

        // 5: the catalog, in one transaction with the restore's success.
        catalog.push(DomainEvent::SubvolumeRolledBack(SubvolumeRolledBack {
            subvolume_id: view.request.subvolume_id,
            restore_id: view.request.restore_id,
            snapshot_id: view.request.snapshot_id,
            previous_uuid: prev_uuid,
            new_uuid,
            new_btrfs_id: new_id,
            pre_restore_snapshot_id: pre_id,
        }));
        events::append_in(
            &mut tx,
            &view.request.subvolume_id.stream(),
            ExpectedVersion::Any,
            &catalog,
            meta,
        )
        .await?;
        let done = succeeded(
            view.request.restore_id,
            Outcome {
                result_path: t.path.as_str().to_owned(),
                pre_restore_snapshot_id: pre_id,
                ..Outcome::default()
            },
        );
        events::append_in(
            &mut tx,
            &view.request.restore_id.stream(),
            ExpectedVersion::Any,
            &[done],
            meta,
        )
        .await?;
        tx.commit().await?;
        tracing::info!(subvolume = %view.request.subvolume_id, snapshot = %view.request.snapshot_id, recreated, "rolled back");
        Ok(None)
    }

    /// Steps 3 and 4: the held read-only snapshot of the old subvolume `old` at `pre`
    /// (reused when an earlier attempt made it), then `old` deleted. Returns its id and
    /// the events that catalogue it.
    async fn keep_pre_restore(
        &self,
        t: &Target,
        view: &RestoreView,
        old: &ServerPath,
        pre: &ServerPath,
        pre_name: &str,
        prev_uuid: uuid::Uuid,
    ) -> Result<(SnapshotId, [DomainEvent; 2]), EngineError> {
        let pre_show = match show(t, pre).await? {
            Some(s) if s.parent_uuid == Some(prev_uuid) && s.readonly => s,
            Some(_) => {
                return Err(EngineError::Conflict(format!(
                    "{pre} exists and is not ours"
                )));
            }
            None => {
                if show(t, old).await?.is_none() {
                    return Err(EngineError::Conflict(format!(
                        "the subvolume before the rollback ({old}) is gone and no pre-restore \
                         snapshot was kept"
                    )));
                }
                t.btrfs.snapshot_readonly(&abs(old)?, &abs(pre)?).await?;
                show(t, pre).await?.ok_or_else(|| {
                    EngineError::Verification(format!("{pre} missing after creation"))
                })?
            }
        };
        let pre_uuid = pre_show
            .uuid
            .ok_or_else(|| EngineError::Verification(format!("{pre} has no uuid")))?;
        if show(t, old).await?.is_some() {
            t.btrfs.delete(&abs(old)?).await?;
        }
        let pre_id = SnapshotId::new();
        Ok((
            pre_id,
            [
                DomainEvent::SnapshotCreated(SnapshotCreated {
                    snapshot_id: pre_id,
                    subvolume_id: view.request.subvolume_id,
                    name: pre_name.to_owned(),
                    path: pre.as_str().to_owned(),
                    uuid: pre_uuid,
                    parent_uuid: prev_uuid,
                    btrfs_id: pre_show.subvolume_id,
                    created_at: Utc::now(),
                }),
                DomainEvent::SnapshotHeld(SnapshotHeld {
                    subvolume_id: view.request.subvolume_id,
                    snapshot_id: pre_id,
                    reason: HoldReason::PreRestore,
                    restore_id: Some(view.request.restore_id),
                }),
            ],
        ))
    }
}
