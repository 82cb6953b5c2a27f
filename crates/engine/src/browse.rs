//! Browsing what a snapshot holds: one directory at a time ([`Engine::list_tree`]) and
//! one file's bytes ([`Engine::open_file`]), of a snapshot on the primary or of a
//! replica on a target ([`Source`]). Everything is read on the server that holds it,
//! through its host, with read-only commands (`find`, `cat`; on a remote the restricted
//! wrapper allows exactly those forms), as the login user.
//!
//! Paths: the caller's [`InnerPath`] has no `..` and is relative by construction; the
//! joined path is then resolved on the server (`realpath -e`) and must stay inside the
//! snapshot's own resolved path, so a symlink that leaves the snapshot is refused
//! (`Invalid`), not followed. Snapshots and replicas are read-only subvolumes: what was
//! checked cannot change before it is read (only the snapshot itself could be deleted,
//! and then the read fails).
//!
//! Pagination: a directory is listed in name order, `limit` entries after a cursor (the
//! last name of the previous page). The listing is streamed and only the `limit + 1`
//! smallest names after the cursor are kept, so a directory of 100k entries costs one
//! pass and a page of memory per request.
//!
//! Not here: restoring (the `restore` module), the HTTP body (the API streams
//! [`FileDownload::reader`]).

use std::collections::BTreeMap;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use btrfs::command::files;
use btrfs::parse::listing;
pub use btrfs::parse::listing::{DirEntry, EntryKind};
use btrfs::{AbsPath, Btrfs, CommandStdout, Host, HostError, RunningCommand};
use domain::paths::InnerPath;
use domain::restore::FileDownloaded;
use domain::{DomainEvent, ReplicaId, SnapshotId, SubvolumeId, TargetId};
use store::projections::{self, SnapshotState};
use store::{AppendMeta, ExpectedVersion};
use tokio::io::{AsyncRead, BufReader, ReadBuf};

use crate::{Engine, EngineError};

/// What to browse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A snapshot on the primary.
    Snapshot(SnapshotId),
    /// A replica on a target.
    Replica(ReplicaId),
}

/// A snapshot or replica found on its server.
pub struct Located {
    pub subvolume_id: SubvolumeId,
    pub snapshot_id: SnapshotId,
    /// `Some` for a replica.
    pub target_id: Option<TargetId>,
    /// The snapshot's top, as the server resolves it.
    pub root: AbsPath,
    pub(crate) btrfs: Btrfs<Arc<dyn Host>>,
}

/// One page of a directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreePage {
    pub path: InnerPath,
    /// In name order.
    pub entries: Vec<DirEntry>,
    /// Pass as `cursor` for the next page; `None` on the last.
    pub next_cursor: Option<String>,
}

/// A file being read from its server.
pub struct FileDownload {
    pub name: String,
    pub size: u64,
    pub reader: FileReader,
}

/// The bytes of a file, as the server's `cat` streams them. Dropping it stops the
/// command.
pub struct FileReader {
    stdout: CommandStdout,
    _command: Box<dyn RunningCommand>,
}

impl AsyncRead for FileReader {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stdout).poll_read(cx, buf)
    }
}

/// Largest page of a listing.
pub const MAX_PAGE: usize = 5000;

fn refused(path: &InnerPath, why: impl std::fmt::Display) -> EngineError {
    EngineError::Invalid(format!("path: {path:?} {why}"))
}

impl Engine {
    /// Finds the snapshot or replica and the host of its server; its top is resolved.
    pub async fn locate(&self, source: Source) -> Result<Located, EngineError> {
        let pool = self.events().pool();
        let (subvolume_id, snapshot_id, target_id, server_id, path) = match source {
            Source::Snapshot(id) => {
                let snap = projections::snapshot_by_id(pool, id)
                    .await?
                    .ok_or_else(|| EngineError::NotFound(format!("no snapshot {id}")))?;
                if snap.state != SnapshotState::Present {
                    return Err(EngineError::Conflict(format!(
                        "snapshot {id} is {} on the primary",
                        snap.state.as_str()
                    )));
                }
                let sub = projections::subvolume(pool, snap.subvolume_id)
                    .await?
                    .ok_or_else(|| {
                        EngineError::Inconsistent(format!("snapshot {id} has no subvolume"))
                    })?;
                (snap.subvolume_id, id, None, sub.server_id, snap.path)
            }
            Source::Replica(id) => {
                let replica = projections::replica(pool, id)
                    .await?
                    .ok_or_else(|| EngineError::NotFound(format!("no replica {id}")))?;
                let target = projections::target(pool, replica.target_id)
                    .await?
                    .ok_or_else(|| EngineError::NotFound(format!("replica {id}: no target")))?;
                (
                    target.subvolume_id,
                    replica.snapshot_id,
                    Some(target.target_id),
                    target.server_id,
                    replica.path,
                )
            }
        };
        let (server, _) = self.server(server_id).await?;
        let btrfs = self.btrfs(&server).await?;
        let recorded = AbsPath::parse(&path)
            .map_err(|e| EngineError::Inconsistent(format!("recorded path {path:?}: {e}")))?;
        let root = match btrfs.realpath(&recorded).await {
            Ok(root) => root,
            Err(e) if btrfs::client::is_missing_path(&e) => {
                return Err(EngineError::Conflict(format!(
                    "{path} is not on its server any more"
                )));
            }
            Err(e) => return Err(e.into()),
        };
        Ok(Located {
            subvolume_id,
            snapshot_id,
            target_id,
            root,
            btrfs,
        })
    }

    /// `path` inside the located snapshot, resolved on its server; refused when it
    /// leaves the snapshot.
    pub(crate) async fn resolve_inner(
        &self,
        loc: &Located,
        path: &InnerPath,
    ) -> Result<AbsPath, EngineError> {
        let mut full = loc.root.clone();
        for c in path.components() {
            full = full.join(c).map_err(|e| refused(path, e))?;
        }
        let real = match loc.btrfs.realpath(&full).await {
            Ok(real) => real,
            Err(e) if btrfs::client::is_missing_path(&e) => {
                return Err(EngineError::NotFound(format!(
                    "path: {path:?} does not exist in the snapshot"
                )));
            }
            Err(HostError::NonZeroExit { code: 126, .. }) => {
                return Err(refused(
                    path,
                    "resolves outside the server's allowed directory",
                ));
            }
            Err(e) => return Err(e.into()),
        };
        let inside = real == loc.root
            || real
                .as_str()
                .strip_prefix(loc.root.as_str())
                .is_some_and(|rest| rest.starts_with('/'));
        if !inside {
            return Err(refused(
                path,
                format!("leaves the snapshot (it resolves to {real})"),
            ));
        }
        Ok(real)
    }

    /// The entry of `path` itself (type, size, ...), symlinks not followed.
    async fn stat(&self, loc: &Located, real: &AbsPath) -> Result<DirEntry, EngineError> {
        let mut cmd = loc.btrfs.spawn_reader(files::stat(real)).await?;
        let stdout = cmd
            .take_stdout()
            .ok_or_else(|| EngineError::Inconsistent("stat without stdout".into()))?;
        let mut reader = BufReader::new(stdout);
        let fields = listing::read_nul_fields(&mut reader, 6, 1)
            .await
            .map_err(|e| EngineError::Verification(e.to_string()))?;
        drop(reader);
        cmd.wait().await?;
        let fields =
            fields.ok_or_else(|| EngineError::Verification("stat printed nothing".into()))?;
        listing::dir_entry(&fields, 1).map_err(|e| EngineError::Verification(e.to_string()))
    }

    /// One page of the directory `path` of a snapshot or replica (module docs).
    #[tracing::instrument(skip_all, fields(path = %path), err(level = "debug", Display))]
    pub async fn list_tree(
        &self,
        source: Source,
        path: &InnerPath,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<TreePage, EngineError> {
        let limit = limit.clamp(1, MAX_PAGE);
        let loc = self.locate(source).await?;
        let dir = self.resolve_inner(&loc, path).await?;
        let mut cmd = loc.btrfs.spawn_reader(files::list_dir(&dir)).await?;
        let stdout = cmd
            .take_stdout()
            .ok_or_else(|| EngineError::Inconsistent("find without stdout".into()))?;
        let mut reader = BufReader::new(stdout);
        let mut page: BTreeMap<String, DirEntry> = BTreeMap::new();
        let mut record = 0;
        loop {
            record += 1;
            let fields = listing::read_nul_fields(&mut reader, 6, record)
                .await
                .map_err(|e| EngineError::Verification(e.to_string()))?;
            let Some(fields) = fields else { break };
            let entry = listing::dir_entry(&fields, record)
                .map_err(|e| EngineError::Verification(e.to_string()))?;
            if cursor.is_some_and(|c| entry.name.as_str() <= c) {
                continue;
            }
            page.insert(entry.name.clone(), entry);
            if page.len() > limit + 1 {
                page.pop_last();
            }
        }
        drop(reader);
        match cmd.wait().await {
            Ok(_) => {}
            Err(HostError::NonZeroExit { stderr, .. }) if stderr.contains("Not a directory") => {
                return Err(EngineError::Invalid(format!(
                    "path: {path:?} is not a directory"
                )));
            }
            Err(e) => return Err(e.into()),
        }
        if record == 1 && page.is_empty() {
            // An empty listing of a non-directory: find prints nothing for a file.
            let entry = self.stat(&loc, &dir).await?;
            if entry.kind != EntryKind::Directory {
                return Err(EngineError::Invalid(format!(
                    "path: {path:?} is not a directory"
                )));
            }
        }
        let next_cursor = if page.len() > limit {
            page.pop_last();
            page.keys().next_back().cloned()
        } else {
            None
        };
        Ok(TreePage {
            path: path.clone(),
            entries: page.into_values().collect(),
            next_cursor,
        })
    }

    /// Starts reading the regular file `path` of a snapshot or replica, after recording
    /// the download as `FileDownloaded` (module docs).
    #[tracing::instrument(skip_all, fields(path = %path), err(level = "debug", Display))]
    pub async fn open_file(
        &self,
        source: Source,
        path: &InnerPath,
        meta: &AppendMeta,
    ) -> Result<FileDownload, EngineError> {
        let loc = self.locate(source).await?;
        let real = self.resolve_inner(&loc, path).await?;
        let entry = self.stat(&loc, &real).await?;
        if entry.kind != EntryKind::File {
            return Err(EngineError::Invalid(format!(
                "path: {path:?} is not a regular file"
            )));
        }
        let mut command = loc.btrfs.spawn_reader(files::read_file(&real)).await?;
        let stdout = command
            .take_stdout()
            .ok_or_else(|| EngineError::Inconsistent("cat without stdout".into()))?;
        let event = DomainEvent::FileDownloaded(FileDownloaded {
            subvolume_id: loc.subvolume_id,
            snapshot_id: loc.snapshot_id,
            target_id: loc.target_id,
            path: path.to_string(),
            size: entry.size,
        });
        self.events()
            .append(
                &loc.subvolume_id.stream(),
                ExpectedVersion::Any,
                &[event],
                meta,
            )
            .await?;
        Ok(FileDownload {
            name: entry.name,
            size: entry.size,
            reader: FileReader {
                stdout,
                _command: command,
            },
        })
    }
}
