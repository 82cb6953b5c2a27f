//! Replication targets: attach (server, directory, options) to a managed subvolume,
//! change the directory or options, detach. Database only: nothing is done on the remote
//! (the directory is checked, and half-received leftovers cleaned, by each replication).
//!
//! Rules (each refusal names the field and changes nothing): the subvolume exists and is
//! managed; `server_id` is a registered SSH server other than the subvolume's own;
//! `directory` is a [`ServerPath`] under one of that server's allowed roots; the same
//! (server, directory) is not already a target of this subvolume; a rate limit is at
//! least 1 byte/s. Adding and removing serialize on the subvolume's advisory lock.

use domain::replication::{TargetAdded, TargetOptions, TargetRemoved, TargetUpdated};
use domain::{DomainEvent, ServerId, ServerPath, SubvolumeId, TargetId, Transport};
use sqlx::PgConnection;
use store::projections::{self, TargetView};
use store::{AppendMeta, ExpectedVersion, events, locks};

use crate::{Engine, EngineError, abs, parse_roots};

/// What a PATCH changes; `None` keeps the current value.
#[derive(Debug, Clone, Default)]
pub struct TargetChanges {
    pub directory: Option<String>,
    pub strict_incremental: Option<bool>,
    pub missing: Option<domain::MissingMode>,
    pub compression: Option<domain::replication::Compression>,
    /// `Some(None)` removes the limit.
    pub rate_limit_bytes_per_sec: Option<Option<u64>>,
}

fn check_options(options: &TargetOptions) -> Result<(), EngineError> {
    if options.rate_limit_bytes_per_sec == Some(0) {
        return Err(EngineError::Invalid(
            "rate_limit_bytes_per_sec: must be at least 1 (omit it for no limit)".into(),
        ));
    }
    Ok(())
}

/// Parses `directory` and checks it lies under the remote's allowed roots.
async fn check_directory(
    conn: &mut PgConnection,
    server: ServerId,
    directory: &str,
) -> Result<ServerPath, EngineError> {
    let dir = ServerPath::parse(directory)
        .map_err(|e| EngineError::Invalid(format!("directory: {e}")))?;
    let view = projections::server(&mut *conn, server)
        .await?
        .ok_or_else(|| EngineError::NotFound(format!("server_id: no server {server}")))?;
    let roots = parse_roots(&view)?;
    dir.check_within(&roots)
        .map_err(|e| EngineError::Invalid(format!("directory: {e}")))?;
    Ok(dir)
}

async fn check_unique(
    conn: &mut PgConnection,
    subvolume: SubvolumeId,
    server: ServerId,
    dir: &ServerPath,
    except: Option<TargetId>,
) -> Result<(), EngineError> {
    let same = projections::targets(&mut *conn, Some(subvolume))
        .await?
        .into_iter()
        .find(|t| {
            Some(t.target_id) != except && t.server_id == server && t.directory == dir.as_str()
        });
    match same {
        Some(t) => Err(EngineError::Conflict(format!(
            "directory: target {} already replicates this subvolume to {dir} on that server",
            t.target_id
        ))),
        None => Ok(()),
    }
}

impl Engine {
    /// Attaches a replication target to a managed subvolume (see the module docs).
    #[tracing::instrument(skip_all, fields(subvolume = %subvolume, server = %server), err(level = "debug", Display))]
    pub async fn add_target(
        &self,
        subvolume: SubvolumeId,
        server: ServerId,
        directory: &str,
        options: TargetOptions,
        meta: &AppendMeta,
    ) -> Result<TargetView, EngineError> {
        check_options(&options)?;
        let mut tx = self.events.pool().begin().await?;
        locks::lock_subvolume(&mut tx, subvolume).await?;
        let sv = projections::subvolume(&mut *tx, subvolume)
            .await?
            .ok_or_else(|| EngineError::NotFound(format!("no subvolume {subvolume}")))?;
        if !sv.managed {
            return Err(EngineError::Conflict(format!(
                "subvolume {subvolume} is not managed"
            )));
        }
        let remote = projections::server(&mut *tx, server)
            .await?
            .ok_or_else(|| EngineError::NotFound(format!("server_id: no server {server}")))?;
        if server == sv.server_id {
            return Err(EngineError::Invalid(
                "server_id: a target must be on another server than the subvolume's own".into(),
            ));
        }
        if !matches!(remote.transport, Transport::Ssh { .. }) {
            return Err(EngineError::Invalid(format!(
                "server_id: server {:?} is not reached over SSH",
                remote.name
            )));
        }
        let dir = check_directory(&mut tx, server, directory).await?;
        let dir = self.resolve_on(&remote, &dir).await?;
        check_unique(&mut tx, subvolume, server, &dir, None).await?;
        let target_id = TargetId::new();
        let event = DomainEvent::TargetAdded(TargetAdded {
            target_id,
            subvolume_id: subvolume,
            server_id: server,
            directory: dir.as_str().to_owned(),
            options,
        });
        events::append_in(
            &mut tx,
            &target_id.stream(),
            ExpectedVersion::NoStream,
            &[event],
            meta,
        )
        .await?;
        let view = projections::target(&mut *tx, target_id)
            .await?
            .ok_or_else(|| {
                EngineError::Inconsistent(format!("target {target_id} not projected"))
            })?;
        tx.commit().await?;
        Ok(view)
    }

    /// `dir` as the remote resolves it, checked against its allowed roots there
    /// ([`crate::real_paths`]): what gets recorded.
    async fn resolve_on(
        &self,
        remote: &projections::ServerView,
        dir: &ServerPath,
    ) -> Result<ServerPath, EngineError> {
        let roots = parse_roots(remote)?;
        let btrfs = self.btrfs(remote).await?;
        let real = crate::real_paths::resolve_within(&btrfs, dir, &roots)
            .await
            .map_err(|e| e.into_engine("directory"))?;
        // Receives need a btrfs filesystem there: `filesystem usage` says so, or fails.
        match btrfs.usage(&abs(&real)?).await {
            Ok(_) => Ok(real),
            Err(e) if e.is_transient() => Err(e.into()),
            Err(e) => Err(EngineError::Invalid(format!(
                "directory: {real} on {} is not on a btrfs filesystem: {}",
                remote.name,
                e.stderr()
                    .map_or_else(|| e.to_string(), |s| s.trim().to_owned())
            ))),
        }
    }

    /// Changes a target's directory or options.
    #[tracing::instrument(skip_all, fields(target = %id), err(level = "debug", Display))]
    pub async fn update_target(
        &self,
        id: TargetId,
        changes: &TargetChanges,
        meta: &AppendMeta,
    ) -> Result<TargetView, EngineError> {
        let first = projections::target(self.events.pool(), id)
            .await?
            .ok_or_else(|| EngineError::NotFound(format!("no target {id}")))?;
        let mut tx = self.events.pool().begin().await?;
        locks::lock_subvolume(&mut tx, first.subvolume_id).await?;
        let current = projections::target(&mut *tx, id)
            .await?
            .ok_or_else(|| EngineError::NotFound(format!("no target {id}")))?;
        let mut options = current.options;
        if let Some(v) = changes.strict_incremental {
            options.strict_incremental = v;
        }
        if let Some(v) = changes.missing {
            options.missing = v;
        }
        if let Some(v) = changes.compression {
            options.compression = v;
        }
        if let Some(v) = changes.rate_limit_bytes_per_sec {
            options.rate_limit_bytes_per_sec = v;
        }
        check_options(&options)?;
        let directory = changes.directory.as_deref().unwrap_or(&current.directory);
        let mut dir = check_directory(&mut tx, current.server_id, directory).await?;
        if changes.directory.is_some() {
            let (remote, _) = self.server(current.server_id).await?;
            dir = self.resolve_on(&remote, &dir).await?;
        }
        check_unique(
            &mut tx,
            current.subvolume_id,
            current.server_id,
            &dir,
            Some(id),
        )
        .await?;
        let event = DomainEvent::TargetUpdated(TargetUpdated {
            target_id: id,
            directory: dir.as_str().to_owned(),
            options,
        });
        events::append_in(&mut tx, &id.stream(), ExpectedVersion::Any, &[event], meta).await?;
        let view = projections::target(&mut *tx, id)
            .await?
            .ok_or_else(|| EngineError::NotFound(format!("no target {id}")))?;
        tx.commit().await?;
        Ok(view)
    }

    /// Detaches a target (nothing on the remote is touched). Refused while a replication
    /// to it has not finished.
    #[tracing::instrument(skip_all, fields(target = %id), err(level = "debug", Display))]
    pub async fn remove_target(&self, id: TargetId, meta: &AppendMeta) -> Result<(), EngineError> {
        let first = projections::target(self.events.pool(), id)
            .await?
            .ok_or_else(|| EngineError::NotFound(format!("no target {id}")))?;
        let mut tx = self.events.pool().begin().await?;
        locks::lock_subvolume(&mut tx, first.subvolume_id).await?;
        if projections::target(&mut *tx, id).await?.is_none() {
            return Err(EngineError::NotFound(format!("no target {id}")));
        }
        let busy: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM proj_replication_targets t
               JOIN proj_replications r USING (replication_id)
              WHERE t.target_id = $1 AND r.state IN ('queued', 'running')",
        )
        .bind(id.as_uuid())
        .fetch_one(&mut *tx)
        .await?;
        if busy > 0 {
            return Err(EngineError::Conflict(format!(
                "target {id} has {busy} unfinished replication(s); wait for them to finish"
            )));
        }
        let event = DomainEvent::TargetRemoved(TargetRemoved {
            target_id: id,
            subvolume_id: first.subvolume_id,
        });
        events::append_in(&mut tx, &id.stream(), ExpectedVersion::Any, &[event], meta).await?;
        tx.commit().await?;
        Ok(())
    }
}
