//! The diff fold: turns the commands of an incremental `btrfs send --no-data -p PARENT
//! SNAPSHOT` stream into [`Change`]s (added, modified, deleted, renamed paths), emitted as
//! it goes, for `GET /snapshots/{id}/diff?against=PARENT`.
//!
//! How btrfs send describes an incremental (kernel `fs/btrfs/send.c`, checked against a
//! real stream, `tests/it/fixtures/send-no-data-incremental.bin`) and what the fold makes
//! of it:
//! - A new inode is created under a temporary *orphan* name `o<ino>-<gen>-<n>` at the
//!   subvolume root, then RENAMEd to its path (extra hard links: LINK). A new directory
//!   may be created (orphan-named) early, when an older inode moves into it, and placed
//!   only when its own turn comes: what lands under it meanwhile is held until then.
//!   → `Added` at the final path.
//! - An existing non-directory that moves is sent as `LINK new → old` then `UNLINK old`
//!   (a directory as RENAME). The fold pairs the two → `Renamed { from }`; a LINK not
//!   followed by the UNLINK of its target is a new hard link → `Added`.
//! - An existing inode in the way of another is parked under an orphan name and later
//!   renamed to its new path (→ `Renamed`) or deleted; a directory that cannot be removed
//!   yet is parked the same way, its entries are UNLINKed through the orphan name, then it
//!   is RMDIRed (→ `Deleted` at the old paths).
//! - Content changes are UPDATE_EXTENT (WRITE/CLONE without `--no-data`), TRUNCATE,
//!   FALLOCATE; metadata changes CHMOD, CHOWN, SET/REMOVE_XATTR, FILEATTR. Consecutive
//!   commands on one path coalesce into one `Modified` (or into the `Added` of a new inode).
//! - UTIMES alone is never reported: the kernel sends it for every directory whose entries
//!   changed, and for the parent of every new or moved inode, and the stream does not say
//!   whether a path is a directory. So a file whose only change is its times (`touch`) is
//!   not in the diff.
//!
//! Reporting rules:
//! - Paths are those the stream names at that moment. The kernel handles inodes in inode
//!   number order, so a change to an entry of a directory that is itself renamed later in
//!   the stream is reported under the directory's old name (the fold does not keep what
//!   it reported to rewrite it later: that would hold the whole diff).
//! - `Renamed` of a file whose content or metadata also changed is followed by a `Modified`
//!   of its new path. A path replaced by another inode is `Deleted` then `Added` (or
//!   `Renamed` to it).
//! - `file_type`: exact for added entries; for existing ones `Dir` when RMDIRed, `File`
//!   when its data changed, otherwise `Unknown` (the stream does not say).
//! - `size` is the size as far as the stream tells: the last TRUNCATE, grown by any later
//!   extent; without a TRUNCATE the end of the furthest changed extent (the kernel clips
//!   extents to the file size and truncates when the size changes otherwise, so this is
//!   exact for new files and a lower bound for modified ones whose size did not change).
//!   Added regular files without either are empty (`Some(0)`); `None` for directories,
//!   symlinks, deletions, renames and metadata-only changes.
//! - In a full stream (SUBVOL), the root's own metadata is not reported.
//!
//! What the fold keeps (memory): the one path being coalesced (with the hard links made
//! to it), one LINK waiting for its UNLINK, each orphan-named new inode not yet placed and
//! everything moved or created beneath such a new directory until it is placed, and the
//! old path of each existing inode parked under an orphan name. Nothing is kept once
//! reported: a diff of a million changed files in place holds a handful of entries; only
//! a million files moved into a directory created in the same diff are held until that
//! directory is placed.
//!
//! Not here: reading the stream ([`super::SendStreamReader`]) or running `btrfs send`.
//! A stream that is not an incremental `btrfs send` (hand-made, reordered) still folds
//! without error, into changes that may not describe a real difference.

use std::collections::{BTreeMap, HashMap};
use std::io::Read;

use tokio::io::AsyncRead;
use uuid::Uuid;

use super::{AsyncSendStreamReader, Command, SendPath, SendStreamError, SendStreamReader};

mod pending;

use pending::{Origin, Pending};

/// What kind of inode a change is about, as far as the stream tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FileType {
    File,
    Dir,
    Symlink,
    /// Device node, fifo or socket.
    Other,
    /// An existing inode the stream did not characterise (a rename, a chmod, an unlink:
    /// anything but a directory for an unlink).
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ChangeKind {
    Added,
    Modified,
    Deleted,
    /// Moved from `from` (its path in the parent) to the change's `path`.
    Renamed {
        from: SendPath,
    },
}

/// One entry of a diff. `path` is relative to the subvolume root: the new path for
/// added, modified and renamed entries, the old one for deleted entries.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Change {
    pub kind: ChangeKind,
    pub path: SendPath,
    pub file_type: FileType,
    /// Size in bytes as far as the stream tells (see the module docs).
    pub size: Option<u64>,
}

/// The subvolume a stream creates (its first command).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamSubvolume {
    pub path: SendPath,
    pub uuid: Uuid,
    pub ctransid: u64,
    /// The parent (`-p`) of an incremental stream; `None` for a full one.
    pub parent_uuid: Option<Uuid>,
    pub parent_ctransid: Option<u64>,
}

/// What [`diff_reader`] read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffSummary {
    pub subvolume: Option<StreamSubvolume>,
    /// Commands read, END included.
    pub commands: u64,
    /// Changes handed to the callback.
    pub changes: u64,
}

/// Reads a whole stream and hands each change to `on_change` as soon as it is known.
pub fn diff_reader<R: Read>(
    reader: R,
    mut on_change: impl FnMut(Change),
) -> Result<DiffSummary, SendStreamError> {
    let mut stream = SendStreamReader::new(reader)?;
    let mut fold = DiffFold::new();
    let mut commands = 0;
    let mut changes = 0;
    while let Some(command) = stream.next_command()? {
        commands += 1;
        for change in fold.push(command) {
            changes += 1;
            on_change(change);
        }
    }
    Ok(fold.finish_into(commands, changes, on_change))
}

/// [`diff_reader`] over a [`tokio::io::AsyncRead`] (`btrfs send` stdout).
pub async fn diff_async_reader<R: AsyncRead + Unpin>(
    reader: R,
    mut on_change: impl FnMut(Change),
) -> Result<DiffSummary, SendStreamError> {
    let mut stream = AsyncSendStreamReader::new(reader).await?;
    let mut fold = DiffFold::new();
    let mut commands = 0;
    let mut changes = 0;
    while let Some(command) = stream.next_command().await? {
        commands += 1;
        for change in fold.push(command) {
            changes += 1;
            on_change(change);
        }
    }
    Ok(fold.finish_into(commands, changes, on_change))
}

/// The path being coalesced: `key` as the stream names it, `path` as it is reported.
#[derive(Debug)]
struct Current {
    key: SendPath,
    path: SendPath,
    pending: Pending,
}

/// A new inode still under its orphan name, with what is held beneath it (keys relative
/// to it).
#[derive(Debug)]
struct Unplaced {
    root: Pending,
    below: BTreeMap<Vec<u8>, Pending>,
}

/// A LINK waiting to see whether the next command UNLINKs its target (a rename).
#[derive(Debug)]
struct PendingLink {
    path: SendPath,
    target: SendPath,
}

/// Where a path of the stream points.
enum Location {
    /// A path of the received subvolume (after rewriting a parked directory's orphan name
    /// to its old path): the reported path.
    Real(SendPath),
    /// An orphan name not seen before.
    FreshOrphan(Vec<u8>),
    /// The orphan name of a parked existing inode.
    ParkedRoot(Vec<u8>),
    /// The orphan name of a new inode not placed yet.
    UnplacedRoot(Vec<u8>),
    /// A path below a new directory not placed yet: its name and the rest.
    BelowUnplaced(Vec<u8>, Vec<u8>),
}

/// What a rename (or LINK + UNLINK) carries along.
struct Moved {
    root: Pending,
    below: BTreeMap<Vec<u8>, Pending>,
}

/// Folds commands into changes. Feed every command with [`DiffFold::push`] (it returns
/// the changes that became known), then call [`DiffFold::finish`]. See the module docs
/// for the rules and for what it keeps in memory.
#[derive(Debug, Default)]
pub struct DiffFold {
    current: Option<Current>,
    pending_link: Option<PendingLink>,
    unplaced: HashMap<Vec<u8>, Unplaced>,
    /// Orphan name → old path of a parked existing inode.
    parked: HashMap<Vec<u8>, SendPath>,
    subvolume: Option<StreamSubvolume>,
    full_stream: bool,
    out: Vec<Change>,
}

impl DiffFold {
    pub fn new() -> Self {
        Self::default()
    }

    /// The subvolume the stream creates, once its first command was pushed.
    pub fn subvolume(&self) -> Option<&StreamSubvolume> {
        self.subvolume.as_ref()
    }

    /// How many inodes the fold currently holds (see the module docs): for tests and
    /// metrics of its memory.
    pub fn held(&self) -> usize {
        usize::from(self.current.is_some())
            + usize::from(self.pending_link.is_some())
            + self.parked.len()
            + self
                .unplaced
                .values()
                .map(|u| 1 + u.below.len())
                .sum::<usize>()
    }

    /// Takes one command; returns the changes it made known (often none).
    pub fn push(&mut self, command: Command) -> Vec<Change> {
        self.fold(command);
        std::mem::take(&mut self.out)
    }

    /// Reports everything still held (the coalesced path, a trailing LINK, and anything
    /// left under an orphan name, which a complete kernel stream never has).
    pub fn finish(mut self) -> Vec<Change> {
        if let Some(link) = self.pending_link.take() {
            self.add_link(link);
        }
        self.flush_current();
        let mut unplaced: Vec<_> = std::mem::take(&mut self.unplaced).into_iter().collect();
        unplaced.sort_by(|a, b| a.0.cmp(&b.0));
        for (name, u) in unplaced {
            let path = SendPath::from(name);
            u.root.report(path.clone(), &mut self.out);
            for (rel, child) in u.below {
                child.report(path.join(&rel), &mut self.out);
            }
        }
        let mut parked: Vec<_> = std::mem::take(&mut self.parked).into_iter().collect();
        parked.sort();
        for (name, from) in parked {
            Pending::existing(Some(from)).report(SendPath::from(name), &mut self.out);
        }
        self.out
    }

    fn finish_into(
        self,
        commands: u64,
        mut changes: u64,
        mut on_change: impl FnMut(Change),
    ) -> DiffSummary {
        let subvolume = self.subvolume.clone();
        for change in self.finish() {
            changes += 1;
            on_change(change);
        }
        DiffSummary {
            subvolume,
            commands,
            changes,
        }
    }

    fn fold(&mut self, command: Command) {
        // Times alone are never a change (module docs); they do not end a LINK's wait.
        if let Command::Utimes { .. } = command {
            return;
        }
        if let Some(link) = self.pending_link.take() {
            match &command {
                Command::Unlink { path } if *path == link.target => {
                    self.move_path(link.target, link.path);
                    return;
                }
                _ => self.add_link(link),
            }
        }
        match command {
            Command::Subvol {
                path,
                uuid,
                ctransid,
            } => {
                self.full_stream = true;
                self.subvolume = Some(StreamSubvolume {
                    path,
                    uuid,
                    ctransid,
                    parent_uuid: None,
                    parent_ctransid: None,
                });
            }
            Command::Snapshot {
                path,
                uuid,
                ctransid,
                parent_uuid,
                parent_ctransid,
            } => {
                self.subvolume = Some(StreamSubvolume {
                    path,
                    uuid,
                    ctransid,
                    parent_uuid: Some(parent_uuid),
                    parent_ctransid: Some(parent_ctransid),
                });
            }
            Command::Mkfile { path, .. } => self.create(path, FileType::File),
            Command::Mkdir { path, .. } => self.create(path, FileType::Dir),
            Command::Symlink { path, .. } => self.create(path, FileType::Symlink),
            Command::Mknod { path, .. }
            | Command::Mkfifo { path, .. }
            | Command::Mksock { path, .. } => self.create(path, FileType::Other),
            Command::Rename { from, to } => self.move_path(from, to),
            Command::Link { path, target } => {
                self.pending_link = Some(PendingLink { path, target })
            }
            Command::Unlink { path } => self.remove(path, FileType::Unknown),
            Command::Rmdir { path } => self.remove(path, FileType::Dir),
            Command::End => self.flush_current(),
            Command::Utimes { .. } | Command::Unknown { .. } => {}
            modification => self.modify(modification),
        }
    }

    fn locate(&self, raw: &SendPath) -> Location {
        let mut parts = raw.as_bytes().splitn(2, |b| *b == b'/');
        let first = parts.next().unwrap_or_default();
        let rest = parts.next();
        if self.unplaced.contains_key(first) {
            return match rest {
                None => Location::UnplacedRoot(first.to_vec()),
                Some(rest) => Location::BelowUnplaced(first.to_vec(), rest.to_vec()),
            };
        }
        if let Some(old) = self.parked.get(first) {
            return match rest {
                None => Location::ParkedRoot(first.to_vec()),
                Some(rest) => Location::Real(old.join(rest)),
            };
        }
        if rest.is_none() && is_orphan_name(first) {
            return Location::FreshOrphan(first.to_vec());
        }
        Location::Real(raw.clone())
    }

    /// Reports the coalesced path, if any.
    fn flush_current(&mut self) {
        if let Some(current) = self.current.take() {
            if self.full_stream && current.path.is_empty() {
                return;
            }
            current.pending.report(current.path, &mut self.out);
        }
    }

    /// The coalescing entry for `key`, reporting the previous one if it was another path.
    fn current_at(&mut self, key: SendPath, path: SendPath) -> &mut Pending {
        if self.current.as_ref().is_some_and(|c| c.key != key) {
            self.flush_current();
        }
        &mut self
            .current
            .get_or_insert_with(|| Current {
                key,
                path,
                pending: Pending::existing(None),
            })
            .pending
    }

    fn create(&mut self, raw: SendPath, file_type: FileType) {
        match self.locate(&raw) {
            Location::FreshOrphan(name) => {
                let root = Pending::added(file_type);
                self.unplaced.insert(
                    name,
                    Unplaced {
                        root,
                        below: BTreeMap::new(),
                    },
                );
            }
            Location::BelowUnplaced(name, rel) => {
                if let Some(u) = self.unplaced.get_mut(&name) {
                    u.below.insert(rel, Pending::added(file_type));
                }
            }
            Location::Real(path) => self.start_current(raw, path, Pending::added(file_type)),
            Location::ParkedRoot(_) | Location::UnplacedRoot(_) => {
                self.start_current(raw.clone(), raw, Pending::added(file_type));
            }
        }
    }

    fn start_current(&mut self, key: SendPath, path: SendPath, pending: Pending) {
        self.flush_current();
        self.current = Some(Current { key, path, pending });
    }

    fn modify(&mut self, command: Command) {
        let Some(raw) = command.path().cloned() else {
            return;
        };
        match self.locate(&raw) {
            Location::UnplacedRoot(name) => {
                if let Some(u) = self.unplaced.get_mut(&name) {
                    u.root.apply(&command);
                }
            }
            Location::BelowUnplaced(name, rel) => {
                if let Some(u) = self.unplaced.get_mut(&name) {
                    u.below
                        .entry(rel)
                        .or_insert_with(|| Pending::existing(None))
                        .apply(&command);
                }
            }
            Location::ParkedRoot(name) => {
                let path = self
                    .parked
                    .get(&name)
                    .cloned()
                    .unwrap_or_else(|| raw.clone());
                self.current_at(raw, path).apply(&command);
            }
            Location::Real(path) => self.current_at(raw, path).apply(&command),
            Location::FreshOrphan(_) => self.current_at(raw.clone(), raw).apply(&command),
        }
    }

    /// A LINK that is not half of a rename: a new hard link.
    fn add_link(&mut self, link: PendingLink) {
        let target_is_current = self.current.as_ref().is_some_and(|c| c.key == link.target);
        match self.locate(&link.path) {
            Location::BelowUnplaced(name, rel) => {
                if let Some(u) = self.unplaced.get_mut(&name) {
                    u.below.insert(rel, Pending::added(FileType::Unknown));
                }
            }
            Location::FreshOrphan(name) => {
                let root = Pending::added(FileType::Unknown);
                let below = BTreeMap::new();
                self.unplaced.insert(name, Unplaced { root, below });
            }
            Location::Real(path) if target_is_current => {
                if let Some(current) = self.current.as_mut() {
                    current.pending.links.push(path);
                }
            }
            Location::Real(path) => {
                self.flush_current();
                Pending::added(FileType::Unknown).report(path, &mut self.out);
            }
            Location::ParkedRoot(_) | Location::UnplacedRoot(_) => {
                self.flush_current();
                Pending::added(FileType::Unknown).report(link.path, &mut self.out);
            }
        }
    }

    fn remove(&mut self, raw: SendPath, file_type: FileType) {
        match self.locate(&raw) {
            Location::ParkedRoot(name) => {
                if let Some(old) = self.parked.remove(&name) {
                    self.flush_current();
                    self.out.push(deleted(old, file_type));
                }
            }
            Location::UnplacedRoot(name) => {
                if let Some(u) = self.unplaced.remove(&name) {
                    self.forget(Moved {
                        root: u.root,
                        below: u.below,
                    });
                }
            }
            Location::BelowUnplaced(name, rel) => {
                let moved = self.take_below(&name, &rel);
                self.forget(moved);
            }
            Location::Real(path) => {
                if self.current.as_ref().is_some_and(|c| c.key == raw) {
                    let pending = self.current.take().map(|c| c.pending);
                    match pending.map(|p| p.origin) {
                        Some(Origin::Added | Origin::Reported) => {}
                        Some(Origin::Existing {
                            renamed_from: Some(from),
                        }) => self.out.push(deleted(from, file_type)),
                        Some(Origin::Existing { renamed_from: None }) | None => {
                            self.out.push(deleted(path, file_type));
                        }
                    }
                } else {
                    self.flush_current();
                    self.out.push(deleted(path, file_type));
                }
            }
            Location::FreshOrphan(name) => {
                self.flush_current();
                self.out.push(deleted(SendPath::from(name), file_type));
            }
        }
    }

    /// Removed while held under an orphan name: existing inodes moved there are deleted
    /// from their old paths; new ones never existed.
    fn forget(&mut self, moved: Moved) {
        for pending in std::iter::once(moved.root).chain(moved.below.into_values()) {
            if let Origin::Existing {
                renamed_from: Some(from),
            } = pending.origin
            {
                self.out.push(deleted(from, pending.file_type));
            }
        }
    }

    /// RENAME, or LINK + UNLINK of the link's target.
    fn move_path(&mut self, from: SendPath, to: SendPath) {
        let moved = self.take(&from);
        self.place(to, moved);
    }

    /// Takes what is at `raw` (and beneath it, when held) out of the fold's state.
    fn take(&mut self, raw: &SendPath) -> Moved {
        let moved = |root| Moved {
            root,
            below: BTreeMap::new(),
        };
        match self.locate(raw) {
            Location::UnplacedRoot(name) => match self.unplaced.remove(&name) {
                Some(u) => Moved {
                    root: u.root,
                    below: u.below,
                },
                None => moved(Pending::existing(None)),
            },
            Location::BelowUnplaced(name, rel) => self.take_below(&name, &rel),
            Location::ParkedRoot(name) => moved(Pending::existing(self.parked.remove(&name))),
            Location::Real(path) => match self.current.take_if(|c| c.key == *raw) {
                Some(current) => {
                    let mut root = current.pending;
                    if let Origin::Existing { renamed_from } = &mut root.origin {
                        renamed_from.get_or_insert(current.path);
                    }
                    moved(root)
                }
                None => {
                    self.flush_current();
                    moved(Pending::existing(Some(path)))
                }
            },
            Location::FreshOrphan(_) => {
                self.flush_current();
                moved(Pending::existing(Some(raw.clone())))
            }
        }
    }

    /// Takes `rel` and everything beneath it out of the unplaced directory `name`.
    /// An entry in the parent that is (or is below) an existing directory moved there keeps
    /// its old path, so that deleting or moving it again reports that path.
    fn take_below(&mut self, name: &[u8], rel: &[u8]) -> Moved {
        let old_path = self.old_path_below(name, rel);
        let Some(u) = self.unplaced.get_mut(name) else {
            return Moved {
                root: Pending::existing(old_path),
                below: BTreeMap::new(),
            };
        };
        let mut root = u
            .below
            .remove(rel)
            .unwrap_or_else(|| Pending::existing(None));
        if let Origin::Existing { renamed_from } = &mut root.origin
            && renamed_from.is_none()
        {
            *renamed_from = old_path;
        }
        let mut prefix = rel.to_vec();
        prefix.push(b'/');
        let keys: Vec<Vec<u8>> = u
            .below
            .range(prefix.clone()..)
            .map(|(key, _)| key)
            .take_while(|key| key.starts_with(&prefix))
            .cloned()
            .collect();
        let mut below = BTreeMap::new();
        for key in keys {
            if let (Some(pending), Some(rest)) =
                (u.below.remove(&key), key.strip_prefix(&prefix[..]))
            {
                below.insert(rest.to_vec(), pending);
            }
        }
        Moved { root, below }
    }

    /// The path in the parent of `rel` below the unplaced `name`, when it lies in an
    /// existing directory moved there (the nearest ancestor that was renamed in; entries
    /// only modified in place are looked through).
    fn old_path_below(&self, name: &[u8], rel: &[u8]) -> Option<SendPath> {
        let u = self.unplaced.get(name)?;
        let below_old = |old: &SendPath, ancestor_len: usize| match rel.get(ancestor_len + 1..) {
            Some(rest) if ancestor_len < rel.len() => old.join(rest),
            _ => old.clone(),
        };
        let mut ancestor = rel;
        loop {
            if let Some(pending) = u.below.get(ancestor) {
                match &pending.origin {
                    Origin::Existing {
                        renamed_from: Some(old),
                    } => return Some(below_old(old, ancestor.len())),
                    Origin::Existing { renamed_from: None } => {}
                    Origin::Added | Origin::Reported => return None,
                }
            }
            let cut = ancestor.iter().rposition(|b| *b == b'/');
            match cut.and_then(|cut| ancestor.get(..cut)) {
                Some(parent) => ancestor = parent,
                None => break,
            }
        }
        match &u.root.origin {
            Origin::Existing {
                renamed_from: Some(old),
            } => Some(old.join(rel)),
            _ => None,
        }
    }

    /// Puts what was taken at `to`: reported (or coalescing) at a real path, held at an
    /// orphan name or beneath an unplaced directory.
    fn place(&mut self, to: SendPath, moved: Moved) {
        match self.locate(&to) {
            Location::FreshOrphan(name) => self.park(name, moved),
            Location::BelowUnplaced(name, rel) => {
                if let Some(u) = self.unplaced.get_mut(&name) {
                    let base = SendPath::from(rel.clone());
                    u.below.insert(rel, moved.root);
                    for (key, pending) in moved.below {
                        u.below.insert(base.join(&key).into_bytes(), pending);
                    }
                }
            }
            Location::Real(path) => self.place_real(to, path, moved),
            Location::ParkedRoot(_) | Location::UnplacedRoot(_) => {
                self.place_real(to.clone(), to, moved);
            }
        }
    }

    fn place_real(&mut self, key: SendPath, path: SendPath, moved: Moved) {
        self.flush_current();
        if moved.below.is_empty() {
            self.current = Some(Current {
                key,
                path,
                pending: moved.root,
            });
            return;
        }
        // A directory placed with what was held beneath it: report it all now, parent
        // first, and absorb the directory's own later commands.
        let file_type = moved.root.file_type;
        moved.root.report(path.clone(), &mut self.out);
        for (rel, pending) in moved.below {
            pending.report(path.join(&rel), &mut self.out);
        }
        let mut reported = Pending::added(file_type);
        reported.origin = Origin::Reported;
        self.current = Some(Current {
            key,
            path,
            pending: reported,
        });
    }

    /// Moved to an orphan name: an existing inode is parked (its old path remembered,
    /// what changed on it so far reported); anything else is held as unplaced.
    fn park(&mut self, name: Vec<u8>, moved: Moved) {
        if moved.below.is_empty()
            && let Origin::Existing {
                renamed_from: Some(old),
            } = &moved.root.origin
        {
            let old = old.clone();
            let mut before = moved.root;
            before.origin = Origin::Existing { renamed_from: None };
            before.report(old.clone(), &mut self.out);
            self.parked.insert(name, old);
            return;
        }
        self.unplaced.insert(
            name,
            Unplaced {
                root: moved.root,
                below: moved.below,
            },
        );
    }
}

fn deleted(path: SendPath, file_type: FileType) -> Change {
    Change {
        kind: ChangeKind::Deleted,
        path,
        file_type,
        size: None,
    }
}

/// `o<ino>-<gen>-<n>`, the kernel's temporary names (`gen_unique_name`).
fn is_orphan_name(name: &[u8]) -> bool {
    let Some(numbers) = name.strip_prefix(b"o") else {
        return false;
    };
    let number = |part: Option<&[u8]>| {
        part.is_some_and(|p| !p.is_empty() && p.iter().all(u8::is_ascii_digit))
    };
    let mut parts = numbers.split(|b| *b == b'-');
    number(parts.next()) && number(parts.next()) && number(parts.next()) && parts.next().is_none()
}

#[cfg(test)]
mod tests;
