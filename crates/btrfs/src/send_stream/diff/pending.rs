//! What the diff fold knows about one inode until it reports it ([`Pending`]), and how
//! that becomes [`Change`]s. The rules are in the parent module's docs.

use super::{Change, ChangeKind, FileType};
use crate::send_stream::{Command, SendPath};

/// Where an inode came from, for what will be reported about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Origin {
    /// Created in this stream.
    Added,
    /// In the parent; `renamed_from` is its path there once it moved.
    Existing { renamed_from: Option<SendPath> },
    /// Already reported (a new directory placed with what was held beneath it); later
    /// commands on it are absorbed.
    Reported,
}

/// What the stream said so far about one inode.
#[derive(Debug, Clone)]
pub(super) struct Pending {
    pub(super) origin: Origin,
    pub(super) file_type: FileType,
    /// Content or metadata (not only times) changed.
    pub(super) modified: bool,
    pub(super) size: Option<u64>,
    /// Hard links to it made in this stream, reported as added with it.
    pub(super) links: Vec<SendPath>,
}

const FALLOC_FL_KEEP_SIZE: u32 = 0x01;
const FALLOC_FL_PUNCH_HOLE: u32 = 0x02;

impl Pending {
    pub(super) fn added(file_type: FileType) -> Self {
        Self {
            origin: Origin::Added,
            file_type,
            modified: false,
            size: None,
            links: Vec::new(),
        }
    }

    pub(super) fn existing(renamed_from: Option<SendPath>) -> Self {
        Self {
            origin: Origin::Existing { renamed_from },
            file_type: FileType::Unknown,
            modified: false,
            size: None,
            links: Vec::new(),
        }
    }

    /// Records a content or metadata command (not UTIMES, not a namespace command).
    pub(super) fn apply(&mut self, command: &Command) {
        self.modified = true;
        let extent_end = match command {
            Command::Write { offset, data, .. } => {
                Some(offset.saturating_add(u64::try_from(data.len()).unwrap_or(u64::MAX)))
            }
            Command::UpdateExtent { offset, len, .. } | Command::Clone { offset, len, .. } => {
                Some(offset.saturating_add(*len))
            }
            Command::EncodedWrite {
                offset,
                unencoded_file_len,
                ..
            } => Some(offset.saturating_add(*unencoded_file_len)),
            Command::Fallocate {
                mode, offset, len, ..
            } if mode & (FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE) == 0 => {
                Some(offset.saturating_add(*len))
            }
            Command::Truncate { size, .. } => {
                self.size = Some(*size);
                self.mark_file();
                None
            }
            _ => None,
        };
        if let Some(end) = extent_end {
            self.size = Some(self.size.map_or(end, |size| size.max(end)));
            self.mark_file();
        }
    }

    fn mark_file(&mut self) {
        if self.file_type == FileType::Unknown {
            self.file_type = FileType::File;
        }
    }

    fn reported_size(&self) -> Option<u64> {
        match (self.size, &self.origin, self.file_type) {
            (Some(size), _, _) => Some(size),
            (None, Origin::Added, FileType::File) => Some(0),
            _ => None,
        }
    }

    /// The changes this inode amounts to, at `path`.
    pub(super) fn report(self, path: SendPath, out: &mut Vec<Change>) {
        let size = self.reported_size();
        let change = |kind, path| Change {
            kind,
            path,
            file_type: self.file_type,
            size,
        };
        match self.origin {
            Origin::Added => out.push(change(ChangeKind::Added, path)),
            Origin::Existing { renamed_from } => {
                let renamed = renamed_from.filter(|from| *from != path);
                if let Some(from) = renamed {
                    out.push(Change {
                        size: None,
                        ..change(ChangeKind::Renamed { from }, path.clone())
                    });
                }
                if self.modified {
                    out.push(change(ChangeKind::Modified, path));
                }
            }
            Origin::Reported => {}
        }
        for link in self.links {
            out.push(change(ChangeKind::Added, link));
        }
    }
}
