//! A typed, streaming reader of the btrfs send stream (the output of `btrfs send`), and a
//! fold of an incremental `btrfs send --no-data -p PARENT SNAPSHOT` stream into the list of
//! files added, modified, deleted and renamed between two snapshots ([`diff`]).
//!
//! Format (btrfs-progs `kernel-shared/send.h`, `common/send-stream.c`): a 17-byte header
//! (`btrfs-stream\0`, u32 LE version), then commands, each a 10-byte header (u32 LE payload
//! length, u16 LE command, u32 LE crc32c of header-with-zero-crc and payload) and a payload
//! of TLV attributes (u16 LE type, u16 LE length, value). From version 2 on the `DATA`
//! attribute has no length and runs to the end of its command. Versions 1 to 3 are read;
//! the command set is the same, v2 and v3 only add commands.
//!
//! - [`SendStreamReader`] (over [`std::io::Read`]) and [`AsyncSendStreamReader`] (over
//!   [`tokio::io::AsyncRead`]) yield one [`Command`] at a time; both share
//!   [`decode_command`], which checks the crc and types the attributes. A command's length
//!   is capped ([`MAX_COMMAND_LEN`], configurable) and its buffer only grows with bytes
//!   actually read, so a corrupt length cannot allocate gigabytes.
//! - Command numbers this module does not know become [`Command::Unknown`] (not an error),
//!   so a newer kernel's stream still reads; unknown attribute numbers are skipped.
//! - [`encode_stream`] / [`encode_command`] write a stream back (tests build streams with
//!   them).
//! - [`estimate_async_reader`] estimates a real stream's size from its `--no-data` form.
//! - Paths are bytes ([`SendPath`]), relative to the subvolume root, as the stream has
//!   them: Linux names need not be UTF-8.
//!
//! Not here: running `btrfs send` ([`crate::command::btrfs::send_no_data`] builds it, a
//! [`crate::Host`] streams it), applying a stream (that is `btrfs receive`), or following
//! several concatenated streams (`btrfs send A B`): reading stops at the first `END`.
//! Nothing here panics on any input: every malformation is a [`SendStreamError`] with the
//! byte offset where it was found.

use std::borrow::Cow;
use std::fmt;

use uuid::Uuid;

pub mod diff;
mod encode;
mod estimate;
mod parse;
mod wire;

pub use diff::{Change, ChangeKind, DiffFold, DiffSummary, FileType, StreamSubvolume};
pub use diff::{diff_async_reader, diff_reader};
pub use encode::{EncodeError, encode_command, encode_stream};
pub use estimate::estimate_async_reader;
pub use parse::{AsyncSendStreamReader, SendStreamReader, decode_command, decode_stream};
pub use wire::{COMMAND_HEADER_LEN, MAGIC, STREAM_HEADER_LEN, attribute_name, command_name};

/// The stream versions this module reads (and writes).
pub const SUPPORTED_VERSIONS: std::ops::RangeInclusive<u32> = 1..=3;

/// The default cap on one command's payload (16 MiB). The kernel never sends more than
/// 64 KiB in v1 and about 144 KiB in v2 (16 KiB + one compressed extent); `--no-data`
/// commands are a few hundred bytes.
pub const MAX_COMMAND_LEN: u32 = 16 << 20;

/// A path as the send stream carries it: bytes, relative to the subvolume root (the root
/// itself is the empty path), not necessarily UTF-8.
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SendPath(Vec<u8>);

impl SendPath {
    pub fn new(bytes: impl Into<Vec<u8>>) -> Self {
        Self(bytes.into())
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The path as text, invalid UTF-8 replaced by U+FFFD (for display and JSON; not
    /// reversible).
    pub fn to_string_lossy(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.0)
    }

    /// `self/rest` (just `rest` when `self` is the root).
    pub fn join(&self, rest: &[u8]) -> Self {
        if self.0.is_empty() {
            return Self(rest.to_vec());
        }
        let mut bytes = Vec::with_capacity(self.0.len() + 1 + rest.len());
        bytes.extend_from_slice(&self.0);
        bytes.push(b'/');
        bytes.extend_from_slice(rest);
        Self(bytes)
    }
}

impl From<&str> for SendPath {
    fn from(s: &str) -> Self {
        Self(s.as_bytes().to_vec())
    }
}

impl From<Vec<u8>> for SendPath {
    fn from(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }
}

impl From<&[u8]> for SendPath {
    fn from(bytes: &[u8]) -> Self {
        Self(bytes.to_vec())
    }
}

/// Lossy UTF-8 (see [`SendPath::to_string_lossy`]).
impl fmt::Display for SendPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_string_lossy())
    }
}

/// The bytes, non-printable ones escaped (`"bin-\xff.txt"`).
impl fmt::Debug for SendPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{}\"", self.0.escape_ascii())
    }
}

/// A btrfs timestamp: seconds since the epoch and nanoseconds (`struct btrfs_timespec`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timespec {
    pub sec: u64,
    pub nsec: u32,
}

/// One command of a send stream, with the attributes btrfs-progs' receive reads for it.
/// Paths are relative to the received subvolume. `ino` fields are the sender's inode
/// numbers (btrfs-progs does not use them either).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Start of a full stream: create the subvolume `path`.
    Subvol {
        path: SendPath,
        uuid: Uuid,
        ctransid: u64,
    },
    /// Start of an incremental stream: snapshot the parent (`parent_uuid`, the `-p`
    /// subvolume, at generation `parent_ctransid`) as `path`.
    Snapshot {
        path: SendPath,
        uuid: Uuid,
        ctransid: u64,
        parent_uuid: Uuid,
        parent_ctransid: u64,
    },
    Mkfile {
        path: SendPath,
        ino: u64,
    },
    Mkdir {
        path: SendPath,
        ino: u64,
    },
    Mknod {
        path: SendPath,
        ino: u64,
        mode: u64,
        rdev: u64,
    },
    Mkfifo {
        path: SendPath,
        ino: u64,
    },
    Mksock {
        path: SendPath,
        ino: u64,
    },
    Symlink {
        path: SendPath,
        ino: u64,
        target: SendPath,
    },
    Rename {
        from: SendPath,
        to: SendPath,
    },
    /// Create `path` as a hard link to the existing `target`.
    Link {
        path: SendPath,
        target: SendPath,
    },
    Unlink {
        path: SendPath,
    },
    Rmdir {
        path: SendPath,
    },
    SetXattr {
        path: SendPath,
        name: Vec<u8>,
        data: Vec<u8>,
    },
    RemoveXattr {
        path: SendPath,
        name: Vec<u8>,
    },
    Write {
        path: SendPath,
        offset: u64,
        data: Vec<u8>,
    },
    /// Clone `len` bytes at `source_offset` of `source_path` in subvolume `source_uuid`
    /// into `path` at `offset`.
    Clone {
        path: SendPath,
        offset: u64,
        len: u64,
        source_uuid: Uuid,
        source_ctransid: u64,
        source_path: SendPath,
        source_offset: u64,
    },
    Truncate {
        path: SendPath,
        size: u64,
    },
    Chmod {
        path: SendPath,
        mode: u64,
    },
    Chown {
        path: SendPath,
        uid: u64,
        gid: u64,
    },
    Utimes {
        path: SendPath,
        atime: Timespec,
        mtime: Timespec,
        ctime: Timespec,
    },
    /// The end of the stream.
    End,
    /// `--no-data` replacement of WRITE/CLONE: bytes `offset..offset+len` of `path` changed.
    UpdateExtent {
        path: SendPath,
        offset: u64,
        len: u64,
    },
    /// (v2) `fallocate(2)` with `mode` (FALLOC_FL_* bits).
    Fallocate {
        path: SendPath,
        mode: u32,
        offset: u64,
        len: u64,
    },
    /// (v2) Inode flags (BTRFS_INODE_* bits).
    Fileattr {
        path: SendPath,
        attr: u64,
    },
    /// (v2) Compressed data written as is; `unencoded_file_len` bytes of the file at
    /// `offset` are covered.
    EncodedWrite {
        path: SendPath,
        offset: u64,
        unencoded_file_len: u64,
        unencoded_len: u64,
        unencoded_offset: u64,
        compression: u32,
        encryption: u32,
        data: Vec<u8>,
    },
    /// (v3) Enable fs-verity on `path`.
    EnableVerity {
        path: SendPath,
        algorithm: u8,
        block_size: u32,
        salt: Vec<u8>,
        signature: Vec<u8>,
    },
    /// A command number this module does not know (a newer kernel's); its payload is
    /// skipped. Only numbers outside the known set are decoded to this.
    Unknown {
        cmd: u16,
    },
}

impl Command {
    /// The command number on the wire.
    pub fn code(&self) -> u16 {
        use wire::cmd;
        match self {
            Self::Subvol { .. } => cmd::SUBVOL,
            Self::Snapshot { .. } => cmd::SNAPSHOT,
            Self::Mkfile { .. } => cmd::MKFILE,
            Self::Mkdir { .. } => cmd::MKDIR,
            Self::Mknod { .. } => cmd::MKNOD,
            Self::Mkfifo { .. } => cmd::MKFIFO,
            Self::Mksock { .. } => cmd::MKSOCK,
            Self::Symlink { .. } => cmd::SYMLINK,
            Self::Rename { .. } => cmd::RENAME,
            Self::Link { .. } => cmd::LINK,
            Self::Unlink { .. } => cmd::UNLINK,
            Self::Rmdir { .. } => cmd::RMDIR,
            Self::SetXattr { .. } => cmd::SET_XATTR,
            Self::RemoveXattr { .. } => cmd::REMOVE_XATTR,
            Self::Write { .. } => cmd::WRITE,
            Self::Clone { .. } => cmd::CLONE,
            Self::Truncate { .. } => cmd::TRUNCATE,
            Self::Chmod { .. } => cmd::CHMOD,
            Self::Chown { .. } => cmd::CHOWN,
            Self::Utimes { .. } => cmd::UTIMES,
            Self::End => cmd::END,
            Self::UpdateExtent { .. } => cmd::UPDATE_EXTENT,
            Self::Fallocate { .. } => cmd::FALLOCATE,
            Self::Fileattr { .. } => cmd::FILEATTR,
            Self::EncodedWrite { .. } => cmd::ENCODED_WRITE,
            Self::EnableVerity { .. } => cmd::ENABLE_VERITY,
            Self::Unknown { cmd } => *cmd,
        }
    }

    /// The name `btrfs receive --dump` prints (`mkfile`, `update_extent`...).
    pub fn name(&self) -> &'static str {
        command_name(self.code())
    }

    /// The path the command acts on (`from` for a rename; `None` for END and unknown
    /// commands).
    pub fn path(&self) -> Option<&SendPath> {
        match self {
            Self::Subvol { path, .. }
            | Self::Snapshot { path, .. }
            | Self::Mkfile { path, .. }
            | Self::Mkdir { path, .. }
            | Self::Mknod { path, .. }
            | Self::Mkfifo { path, .. }
            | Self::Mksock { path, .. }
            | Self::Symlink { path, .. }
            | Self::Link { path, .. }
            | Self::Unlink { path }
            | Self::Rmdir { path }
            | Self::SetXattr { path, .. }
            | Self::RemoveXattr { path, .. }
            | Self::Write { path, .. }
            | Self::Clone { path, .. }
            | Self::Truncate { path, .. }
            | Self::Chmod { path, .. }
            | Self::Chown { path, .. }
            | Self::Utimes { path, .. }
            | Self::UpdateExtent { path, .. }
            | Self::Fallocate { path, .. }
            | Self::Fileattr { path, .. }
            | Self::EncodedWrite { path, .. }
            | Self::EnableVerity { path, .. } => Some(path),
            Self::Rename { from, .. } => Some(from),
            Self::End | Self::Unknown { .. } => None,
        }
    }
}

/// Why a send stream could not be read. `offset` is a byte offset in the stream: of the
/// command's header for errors inside a command, of the end of the data for truncations.
#[derive(Debug, thiserror::Error)]
pub enum SendStreamError {
    #[error("reading the send stream at byte {offset}: {source}")]
    Io {
        offset: u64,
        #[source]
        source: std::io::Error,
    },
    #[error("not a btrfs send stream (it does not start with `btrfs-stream\\0`)")]
    BadMagic,
    #[error("send stream version {version} is not supported (only 1 to 3)")]
    UnsupportedVersion { version: u32 },
    #[error("send stream truncated: it ends at byte {offset}, inside a header or a command")]
    Truncated { offset: u64 },
    #[error("send stream ends at byte {offset} without an END command")]
    MissingEnd { offset: u64 },
    #[error("command at byte {offset} claims {len} bytes, more than the {max} allowed")]
    TooLarge { offset: u64, len: u32, max: u32 },
    #[error(
        "command at byte {offset}: crc32c mismatch (stored {stored:#010x}, computed {computed:#010x})"
    )]
    BadCrc {
        offset: u64,
        stored: u32,
        computed: u32,
    },
    #[error("{} command at byte {offset}: malformed attributes: {reason}", command_name(*.cmd))]
    MalformedAttributes {
        offset: u64,
        cmd: u16,
        reason: &'static str,
    },
    #[error(
        "{} command at byte {offset}: missing attribute {}",
        command_name(*.cmd),
        attribute_name(*.attr)
    )]
    MissingAttribute { offset: u64, cmd: u16, attr: u16 },
    #[error(
        "{} command at byte {offset}: attribute {} is {len} bytes, expected {expected}",
        command_name(*.cmd),
        attribute_name(*.attr)
    )]
    BadAttributeLength {
        offset: u64,
        cmd: u16,
        attr: u16,
        len: usize,
        expected: usize,
    },
}

#[cfg(test)]
mod tests;
