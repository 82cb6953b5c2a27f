//! The answers of browsing and diffing: one page of a directory of a snapshot or replica
//! (`GET .../tree`) and one page of the changes between two snapshots (`GET
//! .../diff`), converted from the engine's pages.

use chrono::{DateTime, Utc};
use engine::browse::TreePage;
use poem_openapi::{Enum, Object};

/// What kind of file an entry is.
#[derive(Debug, Enum)]
#[oai(rename_all = "snake_case")]
#[oai(rename = "TreeEntryKind")]
pub enum EntryKind {
    File,
    Directory,
    Symlink,
    BlockDevice,
    CharDevice,
    Fifo,
    Socket,
}

/// One entry of a directory.
#[derive(Debug, Object)]
pub struct TreeEntry {
    pub name: String,
    pub kind: EntryKind,
    pub size: u64,
    pub mtime: DateTime<Utc>,
    /// Permission bits, e.g. 420 (0644).
    pub mode: u32,
    /// A symlink's target as stored (never followed).
    pub symlink_target: Option<String>,
}

/// One page of a directory, in name order.
#[derive(Debug, Object)]
pub struct TreeListing {
    /// The directory, relative to the snapshot's top (empty: the top).
    pub path: String,
    pub entries: Vec<TreeEntry>,
    /// Pass as `cursor` for the next page; absent on the last.
    pub next_cursor: Option<String>,
}

impl From<TreePage> for TreeListing {
    fn from(p: TreePage) -> Self {
        use engine::browse::EntryKind as K;
        Self {
            path: p.path.to_string(),
            entries: p
                .entries
                .into_iter()
                .map(|e| TreeEntry {
                    name: e.name,
                    kind: match e.kind {
                        K::File => EntryKind::File,
                        K::Directory => EntryKind::Directory,
                        K::Symlink => EntryKind::Symlink,
                        K::BlockDevice => EntryKind::BlockDevice,
                        K::CharDevice => EntryKind::CharDevice,
                        K::Fifo => EntryKind::Fifo,
                        K::Socket => EntryKind::Socket,
                    },
                    size: e.size,
                    mtime: e.mtime,
                    mode: e.mode,
                    symlink_target: e.symlink_target,
                })
                .collect(),
            next_cursor: p.next_cursor,
        }
    }
}

/// How a path changed.
#[derive(Debug, Enum)]
#[oai(rename_all = "snake_case", rename = "ChangeKind")]
pub enum ChangeKind {
    Added,
    Modified,
    Deleted,
    Renamed,
}

/// One change between two snapshots.
#[derive(Debug, Object)]
pub struct DiffChange {
    pub kind: ChangeKind,
    /// The path now (for `deleted`: the path it had).
    pub path: String,
    /// `renamed`: the path it had.
    pub from: Option<String>,
    /// `file`, `dir`, `symlink`, `other`, or `unknown` (an existing entry the stream did
    /// not characterise).
    pub file_type: String,
    /// Size in bytes as far as btrfs's send stream tells (exact for new files and after
    /// a truncate; a lower bound for files changed in place).
    pub size: Option<u64>,
}

/// One page of a diff, in the order btrfs sends it.
#[derive(Debug, Object)]
pub struct DiffListing {
    pub changes: Vec<DiffChange>,
    /// Pass as `cursor` for the next page; absent on the last.
    pub next_cursor: Option<u64>,
}

impl From<engine::diff::DiffPage> for DiffListing {
    fn from(p: engine::diff::DiffPage) -> Self {
        use engine::diff::{ChangeKind as K, FileType as F};
        Self {
            changes: p
                .changes
                .into_iter()
                .map(|c| {
                    let (kind, from) = match c.kind {
                        K::Added => (ChangeKind::Added, None),
                        K::Modified => (ChangeKind::Modified, None),
                        K::Deleted => (ChangeKind::Deleted, None),
                        K::Renamed { from } => (ChangeKind::Renamed, Some(from.to_string())),
                    };
                    DiffChange {
                        kind,
                        path: c.path.to_string(),
                        from,
                        file_type: match c.file_type {
                            F::File => "file",
                            F::Dir => "dir",
                            F::Symlink => "symlink",
                            F::Other => "other",
                            F::Unknown => "unknown",
                        }
                        .to_owned(),
                        size: c.size,
                    }
                })
                .collect(),
            next_cursor: p.next_cursor,
        }
    }
}
