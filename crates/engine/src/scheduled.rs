//! The snapshot of one scheduled *slot* ([`Engine::snapshot_for_slot`]): the operation
//! behind the scheduler's snapshot job, idempotent per (subvolume, slot) even when the
//! process dies between `btrfs subvolume snapshot` and the event.
//!
//! The snapshot of a slot has a deterministic name: the naming rule
//! (`domain::snapshot_names`) applied to the slot's instant, without a collision suffix —
//! `<subvolume>.<slot as YYYYMMDDTHHMMSSZ>`. Under the subvolume's advisory lock:
//! 1. the catalog holds a snapshot of that name → the slot is done (a present,
//!    unmanaged one — found by an inventory sync after a crash — is adopted first, with
//!    `SnapshotAdopted`); nothing is created;
//! 2. the disk holds a read-only subvolume of that name whose parent uuid is the
//!    subvolume's → an earlier attempt made it and died before recording: it is
//!    recorded now (`SnapshotCreated`), not made again;
//! 3. anything else at that path → refused (a permanent conflict; never touched);
//! 4. otherwise the snapshot is made, verified and recorded as in
//!    `snapshots::create_snapshot`, its hooks around it (`crate::hooks`; steps 1-3 run
//!    none: the snapshot exists already). If recording fails, the snapshot is left on disk:
//!    the retry finds it in step 2 (unlike an operator's create, which deletes it again,
//!    because nobody retries that one).
//!
//! So a retried, duplicated or resumed job for one slot makes at most one snapshot and
//! records it once. The name carries the slot; `created_at` the real time (a catch-up
//! after downtime runs later than its slot), and retention plans with `created_at`. A
//! snapshot already catalogued under the slot's name — e.g. an operator's snapshot
//! taken in exactly that second — counts as the slot's snapshot. The job-level idempotency key (policy, subvolume, slot) lives in
//! the jobs crate; this is the part that survives a kill in the middle.

use chrono::{DateTime, Utc};
use domain::event::{SnapshotAdopted, SnapshotCreated};
use domain::snapshot_names::snapshot_name;
use domain::{DomainEvent, SnapshotId, SubvolumeId};
use store::projections::{self, SnapshotState, SnapshotView};
use store::{AppendMeta, ExpectedVersion, events, locks};

use crate::snapshots::{append_events, failed_create, verify_snapshot};
use crate::{Engine, EngineError, abs, test_pause};

/// What [`Engine::snapshot_for_slot`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SlotSnapshot {
    /// The snapshot was made now.
    Created(SnapshotView),
    /// An earlier attempt had made it but not recorded it (or an inventory sync had
    /// catalogued it as unmanaged); it is recorded/adopted now.
    Recovered(SnapshotView),
    /// The slot's snapshot was already recorded (possibly pruned since): nothing done.
    AlreadyDone(SnapshotView),
}

impl SlotSnapshot {
    pub fn view(&self) -> &SnapshotView {
        match self {
            Self::Created(v) | Self::Recovered(v) | Self::AlreadyDone(v) => v,
        }
    }
}

/// The snapshot name of a slot for a subvolume (no collision suffix).
pub fn slot_snapshot_name(subvolume: &domain::SubvolumeName, slot: DateTime<Utc>) -> String {
    snapshot_name(subvolume, slot, &Default::default()).into_string()
}

impl Engine {
    /// Makes (or finds) the snapshot of `slot` for a managed subvolume (module docs).
    #[tracing::instrument(skip_all, fields(subvolume = %id, slot = %slot), err(level = "debug", Display))]
    pub async fn snapshot_for_slot(
        &self,
        id: SubvolumeId,
        slot: DateTime<Utc>,
        meta: &AppendMeta,
    ) -> Result<SlotSnapshot, EngineError> {
        let mut tx = self.events.pool().begin().await?;
        locks::lock_subvolume(&mut tx, id).await?;
        let t = self.target(&mut tx, id).await?;
        let name = slot_snapshot_name(&t.name, slot);

        // 1. Already in the catalog.
        let recorded = projections::snapshot_by_name(&mut *tx, id, &name).await?;
        if let Some(snap) = recorded {
            if snap.state == SnapshotState::Present && !snap.managed {
                let adopted = DomainEvent::SnapshotAdopted(SnapshotAdopted {
                    snapshot_id: snap.snapshot_id,
                    subvolume_id: id,
                });
                events::append_in(
                    &mut tx,
                    &id.stream(),
                    ExpectedVersion::Any,
                    &[adopted],
                    meta,
                )
                .await?;
                let view = reread(&mut tx, snap.snapshot_id).await?;
                tx.commit().await?;
                return Ok(SlotSnapshot::Recovered(view));
            }
            return Ok(SlotSnapshot::AlreadyDone(snap));
        }

        let dst = t
            .snapshot_dir
            .join(&name)
            .map_err(|e| EngineError::Inconsistent(format!("snapshot path: {e}")))?;
        let dst_cmd = abs(&dst)?;
        // 2./3. Something already at the slot's path.
        let existing = match t.btrfs.show_if_exists(&dst_cmd).await {
            Ok(found) => found,
            Err(e) if btrfs::client::is_not_a_subvolume(&e) => {
                return Err(EngineError::Conflict(format!(
                    "{dst} exists and is not a subvolume; the snapshot of slot {slot} cannot be made"
                )));
            }
            Err(e) => return Err(e.into()),
        };
        let mut post_hook = None;
        let mut hook_runs = Vec::new();
        let (show, recovered) = match existing {
            Some(show) => {
                if show.parent_uuid != Some(t.view.btrfs_uuid) || !show.readonly {
                    return Err(EngineError::Conflict(format!(
                        "{dst} is taken by a subvolume that is not a read-only snapshot of {}; \
                         refusing to touch it",
                        t.path
                    )));
                }
                let uuid = show
                    .uuid
                    .ok_or_else(|| EngineError::Verification(format!("{dst} has no uuid")))?;
                tracing::info!(path = %dst, "found the slot's snapshot from an earlier attempt");
                (
                    (
                        uuid,
                        show.subvolume_id,
                        show.creation_time.map(|c| c.with_timezone(&Utc)),
                    ),
                    true,
                )
            }
            None => {
                // 4. Make it, with the subvolume's hooks around it.
                let src = abs(&t.path)?;
                hook_runs = match self.before_snapshot(&t, &name, &dst).await {
                    Ok(runs) => runs,
                    Err(abort) => {
                        append_events(&mut tx, id, abort.events, meta).await?;
                        tx.commit().await?;
                        return Err(abort.error);
                    }
                };
                let snapped = t.btrfs.snapshot_readonly(&src, &dst_cmd).await;
                post_hook = self
                    .after_snapshot(&t, &name, &dst, snapped.is_ok())
                    .await?;
                let made = match snapped {
                    Ok(()) => {
                        test_pause::pause_point(test_pause::SNAPSHOT_MADE).await;
                        verify_snapshot(&t, &dst)
                            .await
                            .map_err(EngineError::Verification)
                    }
                    Err(e) => Err(EngineError::Host(e)),
                };
                match made {
                    Ok((uuid, btrfs_id)) => ((uuid, btrfs_id, Some(Utc::now())), false),
                    Err(error) => {
                        hook_runs.extend(post_hook.take());
                        append_events(&mut tx, id, std::mem::take(&mut hook_runs), meta).await?;
                        failed_create(&mut tx, &t, &name, &dst, &error, meta).await?;
                        tx.commit().await?;
                        return Err(error);
                    }
                }
            }
        };
        let (uuid, btrfs_id, created_at) = show;
        let snapshot_id = SnapshotId::new();
        let created = DomainEvent::SnapshotCreated(SnapshotCreated {
            snapshot_id,
            subvolume_id: id,
            name: name.clone(),
            path: dst.as_str().to_owned(),
            uuid,
            parent_uuid: t.view.btrfs_uuid,
            btrfs_id,
            created_at: created_at.unwrap_or(slot),
        });
        // A failure from here on leaves the snapshot on disk for the retry (step 2).
        let recorded: Vec<DomainEvent> = hook_runs
            .into_iter()
            .chain(std::iter::once(created))
            .chain(post_hook)
            .collect();
        events::append_in(&mut tx, &id.stream(), ExpectedVersion::Any, &recorded, meta).await?;
        let view = reread(&mut tx, snapshot_id).await?;
        tx.commit().await?;
        Ok(if recovered {
            SlotSnapshot::Recovered(view)
        } else {
            SlotSnapshot::Created(view)
        })
    }
}

async fn reread(
    tx: &mut sqlx::Transaction<'static, sqlx::Postgres>,
    id: SnapshotId,
) -> Result<SnapshotView, EngineError> {
    projections::snapshot_by_id(&mut **tx, id)
        .await?
        .ok_or_else(|| EngineError::Inconsistent(format!("snapshot {id} not projected")))
}
