//! Restores: bringing a snapshot's content back on the primary, as a durable job.
//!
//! [`Engine::request_restore`] checks the request against the catalog and the disk (bad
//! input is refused before anything is recorded) and records `RestoreRequested` in the
//! stream `restore-<id>`; the job runner then calls [`Engine::run_restore`], which may
//! run again after a crash or a transient failure: every step looks at the disk first
//! and does only what is not done yet, so a second run finishes the first's work.
//!
//! Modes (`domain::restore::RestoreMode`):
//! - `new_subvolume` (`copy`): `btrfs subvolume snapshot SNAP DEST`, a writable copy at a
//!   new path inside the server's allowed roots.
//! - `rollback` (`rollback`): the managed subvolume becomes a writable copy of the
//!   snapshot; the state before is kept as a held read-only snapshot (module docs there).
//! - `files` (`copy`): chosen paths of the snapshot are copied into the live subvolume
//!   with `cp -a --reflink=auto`; an existing file is kept and the restored one written
//!   beside it (`NAME.restored-<time>`) unless `overwrite`.
//!
//! A restore never deletes anything it did not create, except what a rollback replaces,
//! and that is kept as the pre-restore snapshot first (docs/design.md invariant 9).
//!
//! From a replica (`source_replica_id`): the snapshot is first received back into the
//! primary's snapshot directory and adopted again (`from_replica`), then the mode runs
//! on it; mode `snapshot` does only that. Mode `snapshot` with another destination
//! server receives the replica there instead, as a copy outside the catalog
//! (`elsewhere`).
//!
//! Not here: browsing (`browse`), who may restore (the API: operator+).

mod copy;
mod elsewhere;
mod from_replica;
mod rollback;

use chrono::{DateTime, Utc};
use domain::paths::InnerPath;
use domain::replication::ErrorClass;
use domain::restore::{
    RestoreFailed, RestoreMode, RestoreRequested, RestoreStarted, RestoreSucceeded,
};
use domain::{DomainEvent, ReplicaId, RestoreId, ServerPath, SnapshotId};
use store::projections::{self, RestoreView, SnapshotState};
use store::{AppendMeta, ExpectedVersion};

use crate::browse::Source;
use crate::{Engine, EngineError};

/// A restore as asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestoreRequest {
    pub mode: RestoreMode,
    pub snapshot_id: SnapshotId,
    /// Restore from this replica instead of the primary's snapshot.
    pub source_replica_id: Option<ReplicaId>,
    /// `new_subvolume`: where the copy goes (absolute, inside the allowed roots);
    /// `snapshot` onto another server: the directory there the copy is received into.
    pub destination: Option<String>,
    /// `snapshot`: receive onto this server instead of the subvolume's own (`elsewhere`).
    pub destination_server_id: Option<domain::ServerId>,
    /// `files`: paths inside the snapshot.
    pub paths: Vec<String>,
    /// `files`: replace existing files instead of writing beside them.
    pub overwrite: bool,
}

/// What a finished step of a mode made.
#[derive(Debug, Default)]
pub(crate) struct Outcome {
    pub(crate) result_path: String,
    pub(crate) bytes: u64,
    pub(crate) pre_restore_snapshot_id: Option<SnapshotId>,
    pub(crate) incremental_from: Option<SnapshotId>,
    pub(crate) files_copied: u64,
    pub(crate) kept_beside: Vec<String>,
}

/// The suffix a restored file gets when an existing one is kept:
/// `.restored-YYYYMMDDTHHMMSSZ` of the request time (the same on every attempt).
pub(crate) fn beside_suffix(requested_at: DateTime<Utc>) -> String {
    format!(".restored-{}", requested_at.format("%Y%m%dT%H%M%SZ"))
}

fn invalid(field: &str, why: impl std::fmt::Display) -> EngineError {
    EngineError::Invalid(format!("{field}: {why}"))
}

impl Engine {
    /// Checks and records a restore request (module docs); the caller enqueues its job.
    #[tracing::instrument(skip_all, fields(mode = req.mode.as_str(), snapshot = %req.snapshot_id), err(level = "debug", Display))]
    pub async fn request_restore(
        &self,
        req: RestoreRequest,
        meta: &AppendMeta,
    ) -> Result<RestoreView, EngineError> {
        let pool = self.events().pool();
        let snapshot = projections::snapshot_by_id(pool, req.snapshot_id)
            .await?
            .ok_or_else(|| EngineError::NotFound(format!("no snapshot {}", req.snapshot_id)))?;
        let replica_target_id = match req.source_replica_id {
            Some(rid) => {
                let replica = projections::replica(pool, rid)
                    .await?
                    .ok_or_else(|| invalid("source_replica_id", format!("no replica {rid}")))?;
                if replica.snapshot_id != snapshot.snapshot_id {
                    return Err(invalid(
                        "source_replica_id",
                        "that replica is of another snapshot",
                    ));
                }
                Some(replica.target_id)
            }
            None if req.mode == RestoreMode::Snapshot => {
                return Err(invalid(
                    "source_replica_id",
                    "required to restore a snapshot",
                ));
            }
            None => None,
        };
        if snapshot.state != SnapshotState::Present && replica_target_id.is_none() {
            return Err(EngineError::Conflict(format!(
                "snapshot {} is {} on the primary: restore it from one of its replicas",
                snapshot.snapshot_id,
                snapshot.state.as_str()
            )));
        }
        // Paths inside a snapshot the primary does not hold are checked when it is back.
        let on_primary = self.snapshot_on_disk(&snapshot).await?;
        if !on_primary && replica_target_id.is_none() {
            return Err(EngineError::Conflict(format!(
                "snapshot {} is not on the primary's disk: restore it from one of its replicas",
                snapshot.name
            )));
        }
        let sub = projections::subvolume(pool, snapshot.subvolume_id)
            .await?
            .ok_or_else(|| EngineError::Inconsistent("snapshot without subvolume".into()))?;
        let mut paths = Vec::new();
        let mut server_id = sub.server_id;
        if req.destination_server_id.is_some() && req.mode != RestoreMode::Snapshot {
            return Err(invalid(
                "destination_server_id",
                "only a snapshot restored from a replica can go to another server",
            ));
        }
        let destination = match req.mode {
            RestoreMode::NewSubvolume => {
                let raw = req
                    .destination
                    .as_deref()
                    .ok_or_else(|| invalid("destination", "required for new_subvolume"))?;
                let dest = ServerPath::parse(raw).map_err(|e| invalid("destination", e))?;
                self.check_new_subvolume_destination(sub.server_id, &dest)
                    .await?;
                dest.as_str().to_owned()
            }
            RestoreMode::Rollback | RestoreMode::Files => {
                if !sub.managed {
                    return Err(EngineError::Conflict(format!(
                        "subvolume {} is not managed any more",
                        sub.subvolume_id
                    )));
                }
                if req.mode == RestoreMode::Files {
                    paths = self
                        .check_restore_paths(req.snapshot_id, &req.paths, on_primary)
                        .await?;
                }
                sub.path.clone()
            }
            RestoreMode::Verify => {
                return Err(invalid(
                    "mode",
                    "verify a replica with POST /replicas/{id}/verify",
                ));
            }
            RestoreMode::Snapshot
                if req
                    .destination_server_id
                    .is_some_and(|s| s != sub.server_id) =>
            {
                let sid = req.destination_server_id.unwrap_or(sub.server_id);
                let raw = req.destination.as_deref().ok_or_else(|| {
                    invalid(
                        "destination",
                        "the directory on that server to receive into",
                    )
                })?;
                let dir = ServerPath::parse(raw).map_err(|e| invalid("destination", e))?;
                self.check_receive_directory(sid, &dir).await?;
                server_id = sid;
                dir.as_str().to_owned()
            }
            RestoreMode::Snapshot => {
                if on_primary {
                    return Err(EngineError::Conflict(format!(
                        "snapshot {} is on the primary already",
                        snapshot.name
                    )));
                }
                sub.snapshot_dir.clone()
            }
        };
        let restore_id = RestoreId::new();
        let event = DomainEvent::RestoreRequested(RestoreRequested {
            restore_id,
            mode: req.mode,
            subvolume_id: sub.subvolume_id,
            snapshot_id: snapshot.snapshot_id,
            replica_target_id,
            server_id,
            destination,
            paths,
            overwrite: req.overwrite && req.mode == RestoreMode::Files,
            sample_percent: None,
        });
        self.events()
            .append(
                &restore_id.stream(),
                ExpectedVersion::NoStream,
                &[event],
                meta,
            )
            .await?;
        projections::restore(pool, restore_id)
            .await?
            .ok_or_else(|| EngineError::Inconsistent(format!("restore {restore_id} not projected")))
    }

    /// `files`: every path is relative, not the top, and resolves inside the snapshot.
    async fn check_restore_paths(
        &self,
        snapshot: SnapshotId,
        raw: &[String],
        on_primary: bool,
    ) -> Result<Vec<String>, EngineError> {
        if raw.is_empty() {
            return Err(invalid("paths", "name at least one file or directory"));
        }
        let loc = match on_primary {
            true => Some(self.locate(Source::Snapshot(snapshot)).await?),
            false => None,
        };
        let mut out = Vec::with_capacity(raw.len());
        for p in raw {
            let inner = InnerPath::parse(p).map_err(|e| invalid("paths", format!("{p:?}: {e}")))?;
            if inner.is_top() {
                return Err(invalid(
                    "paths",
                    "the whole snapshot is a rollback, not a file restore",
                ));
            }
            if let Some(loc) = &loc {
                self.resolve_inner(loc, &inner).await.map_err(|e| match e {
                    EngineError::Invalid(m) | EngineError::NotFound(m) => invalid("paths", m),
                    e => e,
                })?;
            }
            out.push(inner.to_string());
        }
        Ok(out)
    }

    /// Runs (or finishes) a restore: records its start, does the mode's steps, records
    /// the outcome. Permanent failures are recorded as `RestoreFailed` here; a transient
    /// one is returned for the job runner to retry, which calls
    /// [`Engine::give_up_restore`] when it stops trying.
    #[tracing::instrument(skip_all, fields(restore = %id), err(level = "debug", Display))]
    pub async fn run_restore(
        &self,
        id: RestoreId,
        meta: &AppendMeta,
    ) -> Result<RestoreView, EngineError> {
        let pool = self.events().pool();
        let view = projections::restore(pool, id)
            .await?
            .ok_or_else(|| EngineError::NotFound(format!("no restore {id}")))?;
        if !view.state.is_unfinished() {
            return Ok(view);
        }
        let attempt = view.attempts.saturating_add(1);
        let started = DomainEvent::RestoreStarted(RestoreStarted {
            restore_id: id,
            attempt,
        });
        self.events()
            .append(&id.stream(), ExpectedVersion::Any, &[started], meta)
            .await?;
        let outcome = self.restore_steps(&view, meta).await;
        match outcome {
            // A rollback records its success with the catalog change, in one transaction.
            Ok(None) => {}
            Ok(Some(o)) => {
                let done = succeeded(id, o);
                self.events()
                    .append(&id.stream(), ExpectedVersion::Any, &[done], meta)
                    .await?;
            }
            Err(e) if e.is_transient() => return Err(e),
            Err(e) => self.give_up_restore(id, &e, meta).await?,
        }
        projections::restore(pool, id)
            .await?
            .ok_or_else(|| EngineError::Inconsistent(format!("restore {id} vanished")))
    }

    /// Records that a restore failed for good (a permanent error, or the job runner
    /// stopped retrying a transient one).
    pub async fn give_up_restore(
        &self,
        id: RestoreId,
        error: &EngineError,
        meta: &AppendMeta,
    ) -> Result<(), EngineError> {
        tracing::warn!(restore = %id, error = %error, "restore failed");
        let failed = DomainEvent::RestoreFailed(RestoreFailed {
            restore_id: id,
            error: error.to_string(),
            class: ErrorClass::from_transient(error.is_transient()),
        });
        self.events()
            .append(&id.stream(), ExpectedVersion::Any, &[failed], meta)
            .await?;
        Ok(())
    }
}

impl Engine {
    /// Whether the catalogued snapshot is on the primary's disk now (present in the
    /// catalog, and its path holds it: a lost filesystem is not in the catalog yet).
    async fn snapshot_on_disk(
        &self,
        snapshot: &store::projections::SnapshotView,
    ) -> Result<bool, EngineError> {
        if snapshot.state != SnapshotState::Present {
            return Ok(false);
        }
        let sub = projections::subvolume(self.events().pool(), snapshot.subvolume_id)
            .await?
            .ok_or_else(|| EngineError::Inconsistent("snapshot without subvolume".into()))?;
        let (server, _) = self.server(sub.server_id).await?;
        let btrfs = self.btrfs(&server).await?;
        let path = crate::abs(&crate::recorded_path(&snapshot.path)?)?;
        match btrfs.show_if_exists(&path).await {
            Ok(Some(s)) => Ok(s.readonly && s.received_uuid.or(s.uuid) == Some(snapshot.uuid)),
            Ok(None) => Ok(false),
            Err(e) if btrfs::client::is_missing_path(&e) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// A replica source first brings the snapshot back to the primary; then the mode.
    async fn restore_steps(
        &self,
        view: &RestoreView,
        meta: &AppendMeta,
    ) -> Result<Option<Outcome>, EngineError> {
        if view.request.mode == RestoreMode::Verify {
            return self.verify_replica(view, meta).await;
        }
        let sub = projections::subvolume(self.events().pool(), view.request.subvolume_id)
            .await?
            .ok_or_else(|| EngineError::Inconsistent("restore of an unknown subvolume".into()))?;
        if view.request.mode == RestoreMode::Snapshot
            && view.request.server_id != sub.server_id
            && let Some(target) = view.request.replica_target_id
        {
            return Ok(Some(self.receive_elsewhere(view, target, meta).await?));
        }
        let received = match view.request.replica_target_id {
            Some(target) => Some(self.receive_back(view, target, meta).await?),
            None => None,
        };
        let outcome = match view.request.mode {
            RestoreMode::NewSubvolume => self.restore_new_subvolume(view).await?,
            RestoreMode::Files => self.restore_files(view).await?,
            RestoreMode::Rollback => self.restore_rollback(view, meta).await?,
            RestoreMode::Snapshot | RestoreMode::Verify => Some(Outcome::default()),
        };
        Ok(outcome.map(|mut o| {
            if let Some(r) = received {
                if view.request.mode == RestoreMode::Snapshot {
                    o.result_path = r.path;
                }
                o.bytes += r.bytes;
                o.incremental_from = r.incremental_from;
            }
            o
        }))
    }
}

/// The btrfs uuid of the snapshot as it is on disk: its catalog uuid, except for one
/// received back from a replica (a new subvolume whose `received_uuid` is the catalog's).
pub(crate) async fn disk_uuid(
    btrfs: &btrfs::Btrfs<std::sync::Arc<dyn btrfs::Host>>,
    snap: &store::projections::SnapshotView,
) -> Result<uuid::Uuid, EngineError> {
    let path = crate::abs(&crate::recorded_path(&snap.path)?)?;
    let show = btrfs.show(&path).await?;
    match show.uuid {
        Some(u) if show.received_uuid.or(Some(u)) == Some(snap.uuid) => Ok(u),
        _ => Err(EngineError::Conflict(format!(
            "the subvolume at {} is not snapshot {} any more",
            snap.path, snap.name
        ))),
    }
}

pub(crate) fn succeeded(id: RestoreId, o: Outcome) -> DomainEvent {
    DomainEvent::RestoreSucceeded(RestoreSucceeded {
        restore_id: id,
        result_path: o.result_path,
        bytes: o.bytes,
        pre_restore_snapshot_id: o.pre_restore_snapshot_id,
        incremental_from: o.incremental_from,
        files_copied: o.files_copied,
        kept_beside: o.kept_beside,
    })
}

impl Engine {
    /// Releases a held snapshot: retention may prune it again (`SnapshotReleased`).
    #[tracing::instrument(skip_all, fields(snapshot = %id), err(level = "debug", Display))]
    pub async fn release_snapshot(
        &self,
        id: SnapshotId,
        meta: &AppendMeta,
    ) -> Result<store::projections::SnapshotView, EngineError> {
        let pool = self.events().pool();
        let mut tx = pool.begin().await?;
        let snap = projections::snapshot_by_id(&mut *tx, id)
            .await?
            .ok_or_else(|| EngineError::NotFound(format!("no snapshot {id}")))?;
        store::locks::lock_subvolume(&mut tx, snap.subvolume_id).await?;
        let snap = projections::snapshot_by_id(&mut *tx, id)
            .await?
            .ok_or_else(|| EngineError::NotFound(format!("no snapshot {id}")))?;
        if snap.held.is_none() {
            return Err(EngineError::Conflict(format!("snapshot {id} is not held")));
        }
        let event = DomainEvent::SnapshotReleased(domain::restore::SnapshotReleased {
            subvolume_id: snap.subvolume_id,
            snapshot_id: id,
        });
        store::events::append_in(
            &mut tx,
            &snap.subvolume_id.stream(),
            ExpectedVersion::Any,
            &[event],
            meta,
        )
        .await?;
        let view = projections::snapshot_by_id(&mut *tx, id)
            .await?
            .ok_or_else(|| EngineError::Inconsistent(format!("snapshot {id} vanished")))?;
        tx.commit().await?;
        Ok(view)
    }
}
