//! Decoding: [`decode_command`] turns one command's header and payload into a [`Command`]
//! (crc check, TLV split, typed attributes); [`SendStreamReader`] and
//! [`AsyncSendStreamReader`] only differ in how they read those bytes.
//!
//! Rules follow btrfs-progs' `common/send-stream.c`: an attribute appearing twice keeps its
//! last value; type 0 is an error; unlike btrfs-progs, attribute numbers above the known
//! ones are skipped rather than refused (they can only come from a newer kernel).

use std::io::{self, Read};

use tokio::io::{AsyncRead, AsyncReadExt};
use uuid::Uuid;

use super::wire::{self, COMMAND_HEADER_LEN, MAGIC, STREAM_HEADER_LEN, attr, cmd};
use super::{Command, MAX_COMMAND_LEN, SUPPORTED_VERSIONS, SendPath, SendStreamError, Timespec};

/// The fields of a command header.
#[derive(Debug, Clone, Copy)]
struct CommandHeader {
    len: u32,
    cmd: u16,
    crc: u32,
}

impl CommandHeader {
    fn parse(bytes: &[u8; COMMAND_HEADER_LEN]) -> Self {
        let [l0, l1, l2, l3, c0, c1, k0, k1, k2, k3] = *bytes;
        Self {
            len: u32::from_le_bytes([l0, l1, l2, l3]),
            cmd: u16::from_le_bytes([c0, c1]),
            crc: u32::from_le_bytes([k0, k1, k2, k3]),
        }
    }
}

/// Checks the stream header; returns the version.
fn parse_stream_header(bytes: &[u8; STREAM_HEADER_LEN]) -> Result<u32, SendStreamError> {
    let (magic, version) = bytes.split_at(MAGIC.len());
    if magic != MAGIC {
        return Err(SendStreamError::BadMagic);
    }
    let version = match version {
        [a, b, c, d] => u32::from_le_bytes([*a, *b, *c, *d]),
        _ => return Err(SendStreamError::BadMagic),
    };
    if !SUPPORTED_VERSIONS.contains(&version) {
        return Err(SendStreamError::UnsupportedVersion { version });
    }
    Ok(version)
}

/// The error for a stream that ended after `n` bytes of its header.
fn short_header(bytes: &[u8]) -> SendStreamError {
    if MAGIC.starts_with(bytes.get(..MAGIC.len()).unwrap_or(bytes)) {
        SendStreamError::Truncated {
            offset: bytes.len() as u64,
        }
    } else {
        SendStreamError::BadMagic
    }
}

/// Decodes one command: `header` and `payload` exactly as they are in a stream of
/// `version`, `offset` being where the header starts (for errors). Checks the crc32c.
pub fn decode_command(
    version: u32,
    offset: u64,
    header: &[u8; COMMAND_HEADER_LEN],
    payload: &[u8],
) -> Result<Command, SendStreamError> {
    let head = CommandHeader::parse(header);
    let computed = wire::command_crc(header, payload);
    if computed != head.crc {
        return Err(SendStreamError::BadCrc {
            offset,
            stored: head.crc,
            computed,
        });
    }
    if usize::try_from(head.len).ok() != Some(payload.len()) {
        return Err(SendStreamError::MalformedAttributes {
            offset,
            cmd: head.cmd,
            reason: "payload length differs from the header's",
        });
    }
    let known = (cmd::SUBVOL..=cmd::ENABLE_VERITY).contains(&head.cmd);
    if !known {
        return Ok(Command::Unknown { cmd: head.cmd });
    }
    let a = Attributes::split(version, offset, head.cmd, payload)?;
    let command = match head.cmd {
        cmd::SUBVOL => Command::Subvol {
            path: a.path(attr::PATH)?,
            uuid: a.uuid(attr::UUID)?,
            ctransid: a.u64(attr::CTRANSID)?,
        },
        cmd::SNAPSHOT => Command::Snapshot {
            path: a.path(attr::PATH)?,
            uuid: a.uuid(attr::UUID)?,
            ctransid: a.u64(attr::CTRANSID)?,
            parent_uuid: a.uuid(attr::CLONE_UUID)?,
            parent_ctransid: a.u64(attr::CLONE_CTRANSID)?,
        },
        cmd::MKFILE => Command::Mkfile {
            path: a.path(attr::PATH)?,
            ino: a.u64(attr::INO)?,
        },
        cmd::MKDIR => Command::Mkdir {
            path: a.path(attr::PATH)?,
            ino: a.u64(attr::INO)?,
        },
        cmd::MKNOD => Command::Mknod {
            path: a.path(attr::PATH)?,
            ino: a.u64(attr::INO)?,
            mode: a.u64(attr::MODE)?,
            rdev: a.u64(attr::RDEV)?,
        },
        cmd::MKFIFO => Command::Mkfifo {
            path: a.path(attr::PATH)?,
            ino: a.u64(attr::INO)?,
        },
        cmd::MKSOCK => Command::Mksock {
            path: a.path(attr::PATH)?,
            ino: a.u64(attr::INO)?,
        },
        cmd::SYMLINK => Command::Symlink {
            path: a.path(attr::PATH)?,
            ino: a.u64(attr::INO)?,
            target: a.path(attr::PATH_LINK)?,
        },
        cmd::RENAME => Command::Rename {
            from: a.path(attr::PATH)?,
            to: a.path(attr::PATH_TO)?,
        },
        cmd::LINK => Command::Link {
            path: a.path(attr::PATH)?,
            target: a.path(attr::PATH_LINK)?,
        },
        cmd::UNLINK => Command::Unlink {
            path: a.path(attr::PATH)?,
        },
        cmd::RMDIR => Command::Rmdir {
            path: a.path(attr::PATH)?,
        },
        cmd::SET_XATTR => Command::SetXattr {
            path: a.path(attr::PATH)?,
            name: a.bytes(attr::XATTR_NAME)?.to_vec(),
            data: a.bytes(attr::XATTR_DATA)?.to_vec(),
        },
        cmd::REMOVE_XATTR => Command::RemoveXattr {
            path: a.path(attr::PATH)?,
            name: a.bytes(attr::XATTR_NAME)?.to_vec(),
        },
        cmd::WRITE => Command::Write {
            path: a.path(attr::PATH)?,
            offset: a.u64(attr::FILE_OFFSET)?,
            data: a.bytes(attr::DATA)?.to_vec(),
        },
        cmd::CLONE => Command::Clone {
            path: a.path(attr::PATH)?,
            offset: a.u64(attr::FILE_OFFSET)?,
            len: a.u64(attr::CLONE_LEN)?,
            source_uuid: a.uuid(attr::CLONE_UUID)?,
            source_ctransid: a.u64(attr::CLONE_CTRANSID)?,
            source_path: a.path(attr::CLONE_PATH)?,
            source_offset: a.u64(attr::CLONE_OFFSET)?,
        },
        cmd::TRUNCATE => Command::Truncate {
            path: a.path(attr::PATH)?,
            size: a.u64(attr::SIZE)?,
        },
        cmd::CHMOD => Command::Chmod {
            path: a.path(attr::PATH)?,
            mode: a.u64(attr::MODE)?,
        },
        cmd::CHOWN => Command::Chown {
            path: a.path(attr::PATH)?,
            uid: a.u64(attr::UID)?,
            gid: a.u64(attr::GID)?,
        },
        cmd::UTIMES => Command::Utimes {
            path: a.path(attr::PATH)?,
            atime: a.timespec(attr::ATIME)?,
            mtime: a.timespec(attr::MTIME)?,
            ctime: a.timespec(attr::CTIME)?,
        },
        cmd::END => Command::End,
        cmd::UPDATE_EXTENT => Command::UpdateExtent {
            path: a.path(attr::PATH)?,
            offset: a.u64(attr::FILE_OFFSET)?,
            len: a.u64(attr::SIZE)?,
        },
        cmd::FALLOCATE => Command::Fallocate {
            path: a.path(attr::PATH)?,
            mode: a.u32(attr::FALLOCATE_MODE)?,
            offset: a.u64(attr::FILE_OFFSET)?,
            len: a.u64(attr::SIZE)?,
        },
        cmd::FILEATTR => Command::Fileattr {
            path: a.path(attr::PATH)?,
            attr: a.u64(attr::FILEATTR)?,
        },
        cmd::ENCODED_WRITE => Command::EncodedWrite {
            path: a.path(attr::PATH)?,
            offset: a.u64(attr::FILE_OFFSET)?,
            unencoded_file_len: a.u64(attr::UNENCODED_FILE_LEN)?,
            unencoded_len: a.u64(attr::UNENCODED_LEN)?,
            unencoded_offset: a.u64(attr::UNENCODED_OFFSET)?,
            // Both default to none (0) when omitted, as in btrfs-progs.
            compression: a.optional_u32(attr::COMPRESSION)?.unwrap_or(0),
            encryption: a.optional_u32(attr::ENCRYPTION)?.unwrap_or(0),
            data: a.bytes(attr::DATA)?.to_vec(),
        },
        cmd::ENABLE_VERITY => Command::EnableVerity {
            path: a.path(attr::PATH)?,
            algorithm: a.u8(attr::VERITY_ALGORITHM)?,
            block_size: a.u32(attr::VERITY_BLOCK_SIZE)?,
            salt: a.bytes(attr::VERITY_SALT_DATA)?.to_vec(),
            signature: a.bytes(attr::VERITY_SIG_DATA)?.to_vec(),
        },
        other => Command::Unknown { cmd: other },
    };
    Ok(command)
}

/// The attributes of one command, by number (values borrow the payload).
struct Attributes<'a> {
    values: [Option<&'a [u8]>; attr::MAX as usize + 1],
    offset: u64,
    cmd: u16,
}

impl<'a> Attributes<'a> {
    fn split(
        version: u32,
        offset: u64,
        cmd: u16,
        payload: &'a [u8],
    ) -> Result<Self, SendStreamError> {
        let malformed = |reason| SendStreamError::MalformedAttributes {
            offset,
            cmd,
            reason,
        };
        let mut values = [None; attr::MAX as usize + 1];
        let mut rest = payload;
        while !rest.is_empty() {
            let (kind, after_kind) = rest
                .split_first_chunk::<2>()
                .ok_or_else(|| malformed("attribute header cut short"))?;
            let kind = u16::from_le_bytes(*kind);
            if kind == 0 {
                return Err(malformed("attribute type 0"));
            }
            let (value, after) = if version >= 2 && kind == attr::DATA {
                (after_kind, &[][..])
            } else {
                let (len, after_len) = after_kind
                    .split_first_chunk::<2>()
                    .ok_or_else(|| malformed("attribute header cut short"))?;
                after_len
                    .split_at_checked(usize::from(u16::from_le_bytes(*len)))
                    .ok_or_else(|| malformed("attribute value runs past the end of the command"))?
            };
            if let Some(slot) = values.get_mut(usize::from(kind)) {
                *slot = Some(value);
            }
            rest = after;
        }
        Ok(Self {
            values,
            offset,
            cmd,
        })
    }

    fn bytes(&self, attr: u16) -> Result<&'a [u8], SendStreamError> {
        self.values.get(usize::from(attr)).copied().flatten().ok_or(
            SendStreamError::MissingAttribute {
                offset: self.offset,
                cmd: self.cmd,
                attr,
            },
        )
    }

    fn fixed<const N: usize>(&self, attr: u16) -> Result<[u8; N], SendStreamError> {
        let value = self.bytes(attr)?;
        <[u8; N]>::try_from(value).map_err(|_| SendStreamError::BadAttributeLength {
            offset: self.offset,
            cmd: self.cmd,
            attr,
            len: value.len(),
            expected: N,
        })
    }

    fn path(&self, attr: u16) -> Result<SendPath, SendStreamError> {
        Ok(SendPath::from(self.bytes(attr)?))
    }

    fn u64(&self, attr: u16) -> Result<u64, SendStreamError> {
        self.fixed(attr).map(u64::from_le_bytes)
    }

    fn u32(&self, attr: u16) -> Result<u32, SendStreamError> {
        self.fixed(attr).map(u32::from_le_bytes)
    }

    fn optional_u32(&self, attr: u16) -> Result<Option<u32>, SendStreamError> {
        match self.values.get(usize::from(attr)).copied().flatten() {
            Some(_) => self.u32(attr).map(Some),
            None => Ok(None),
        }
    }

    fn u8(&self, attr: u16) -> Result<u8, SendStreamError> {
        self.fixed::<1>(attr).map(|[b]| b)
    }

    fn uuid(&self, attr: u16) -> Result<Uuid, SendStreamError> {
        self.fixed(attr).map(Uuid::from_bytes)
    }

    fn timespec(&self, attr: u16) -> Result<Timespec, SendStreamError> {
        let [s0, s1, s2, s3, s4, s5, s6, s7, n0, n1, n2, n3] = self.fixed(attr)?;
        Ok(Timespec {
            sec: u64::from_le_bytes([s0, s1, s2, s3, s4, s5, s6, s7]),
            nsec: u32::from_le_bytes([n0, n1, n2, n3]),
        })
    }
}

/// Reads until `buf` is full or the reader is at its end; returns the bytes read.
fn read_full<R: Read>(reader: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while let Some(rest) = buf.get_mut(filled..) {
        if rest.is_empty() {
            break;
        }
        match reader.read(rest) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

async fn read_full_async<R: AsyncRead + Unpin>(
    reader: &mut R,
    buf: &mut [u8],
) -> io::Result<usize> {
    let mut filled = 0;
    while let Some(rest) = buf.get_mut(filled..) {
        if rest.is_empty() {
            break;
        }
        match reader.read(rest).await {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// The state both readers share: where they are, and what to do with the bytes they got.
#[derive(Debug)]
struct ReadState {
    version: u32,
    /// Bytes consumed so far.
    offset: u64,
    max_command_len: u32,
    /// The current command's payload (reused; grows only with bytes actually read).
    payload: Vec<u8>,
    /// After END or an error: nothing more is read.
    finished: bool,
}

impl ReadState {
    fn new(version: u32) -> Self {
        Self {
            version,
            offset: STREAM_HEADER_LEN as u64,
            max_command_len: MAX_COMMAND_LEN,
            payload: Vec::new(),
            finished: false,
        }
    }

    fn io_error(&self, source: io::Error) -> SendStreamError {
        SendStreamError::Io {
            offset: self.offset,
            source,
        }
    }

    /// After `got` bytes of a command header starting at `start`: its payload length.
    fn header_read(
        &mut self,
        start: u64,
        header: &[u8; COMMAND_HEADER_LEN],
        got: usize,
    ) -> Result<u32, SendStreamError> {
        self.offset = start + got as u64;
        if got == 0 {
            return Err(SendStreamError::MissingEnd { offset: start });
        }
        if got < COMMAND_HEADER_LEN {
            return Err(SendStreamError::Truncated {
                offset: self.offset,
            });
        }
        let len = CommandHeader::parse(header).len;
        if len > self.max_command_len {
            return Err(SendStreamError::TooLarge {
                offset: start,
                len,
                max: self.max_command_len,
            });
        }
        self.payload.clear();
        Ok(len)
    }

    /// After the payload was read (into `self.payload`): the decoded command.
    fn payload_read(
        &mut self,
        start: u64,
        header: &[u8; COMMAND_HEADER_LEN],
        len: u32,
    ) -> Result<Command, SendStreamError> {
        self.offset += self.payload.len() as u64;
        if self.payload.len() < len as usize {
            return Err(SendStreamError::Truncated {
                offset: self.offset,
            });
        }
        let command = decode_command(self.version, start, header, &self.payload)?;
        if command == Command::End {
            self.finished = true;
        }
        Ok(command)
    }

    /// Marks the reader finished when `result` is an error.
    fn fuse<T>(&mut self, result: Result<T, SendStreamError>) -> Result<T, SendStreamError> {
        if result.is_err() {
            self.finished = true;
        }
        result
    }
}

/// Reads a send stream from a [`Read`], one [`Command`] at a time.
///
/// [`SendStreamReader::new`] reads and checks the 17-byte header. [`next_command`] returns
/// each command, `END` included, then `Ok(None)`; a stream ending without `END` is a
/// [`SendStreamError::MissingEnd`]. After an error it returns `Ok(None)` (it is fused; the
/// error is reported once). Nothing after `END` is read. Also an [`Iterator`] of
/// `Result<Command, _>`.
///
/// [`next_command`]: SendStreamReader::next_command
#[derive(Debug)]
pub struct SendStreamReader<R> {
    reader: R,
    state: ReadState,
}

impl<R: Read> SendStreamReader<R> {
    /// Reads the stream header.
    pub fn new(mut reader: R) -> Result<Self, SendStreamError> {
        let mut header = [0u8; STREAM_HEADER_LEN];
        let got = read_full(&mut reader, &mut header)
            .map_err(|source| SendStreamError::Io { offset: 0, source })?;
        if got < STREAM_HEADER_LEN {
            return Err(short_header(header.get(..got).unwrap_or_default()));
        }
        let version = parse_stream_header(&header)?;
        Ok(Self {
            reader,
            state: ReadState::new(version),
        })
    }

    /// Caps one command's payload at `max` bytes instead of [`MAX_COMMAND_LEN`].
    #[must_use]
    pub fn with_max_command_len(mut self, max: u32) -> Self {
        self.state.max_command_len = max;
        self
    }

    /// The stream's format version (1 to 3).
    pub fn version(&self) -> u32 {
        self.state.version
    }

    /// Bytes consumed so far.
    pub fn offset(&self) -> u64 {
        self.state.offset
    }

    /// The next command; `Ok(None)` after `END` (or after an error).
    pub fn next_command(&mut self) -> Result<Option<Command>, SendStreamError> {
        if self.state.finished {
            return Ok(None);
        }
        let result = self.read_command();
        self.state.fuse(result).map(Some)
    }

    fn read_command(&mut self) -> Result<Command, SendStreamError> {
        let start = self.state.offset;
        let mut header = [0u8; COMMAND_HEADER_LEN];
        let got = read_full(&mut self.reader, &mut header).map_err(|e| self.state.io_error(e))?;
        let len = self.state.header_read(start, &header, got)?;
        let read = (&mut self.reader)
            .take(u64::from(len))
            .read_to_end(&mut self.state.payload);
        read.map_err(|e| self.state.io_error(e))?;
        self.state.payload_read(start, &header, len)
    }

    pub fn into_inner(self) -> R {
        self.reader
    }
}

impl<R: Read> Iterator for SendStreamReader<R> {
    type Item = Result<Command, SendStreamError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_command().transpose()
    }
}

/// [`SendStreamReader`] over a [`tokio::io::AsyncRead`] (a child's stdout, an SSH
/// channel): the same decoding and the same guarantees.
#[derive(Debug)]
pub struct AsyncSendStreamReader<R> {
    reader: R,
    state: ReadState,
}

impl<R: AsyncRead + Unpin> AsyncSendStreamReader<R> {
    /// Reads the stream header.
    pub async fn new(mut reader: R) -> Result<Self, SendStreamError> {
        let mut header = [0u8; STREAM_HEADER_LEN];
        let got = read_full_async(&mut reader, &mut header)
            .await
            .map_err(|source| SendStreamError::Io { offset: 0, source })?;
        if got < STREAM_HEADER_LEN {
            return Err(short_header(header.get(..got).unwrap_or_default()));
        }
        let version = parse_stream_header(&header)?;
        Ok(Self {
            reader,
            state: ReadState::new(version),
        })
    }

    /// Caps one command's payload at `max` bytes instead of [`MAX_COMMAND_LEN`].
    #[must_use]
    pub fn with_max_command_len(mut self, max: u32) -> Self {
        self.state.max_command_len = max;
        self
    }

    pub fn version(&self) -> u32 {
        self.state.version
    }

    pub fn offset(&self) -> u64 {
        self.state.offset
    }

    /// The next command; `Ok(None)` after `END` (or after an error).
    pub async fn next_command(&mut self) -> Result<Option<Command>, SendStreamError> {
        if self.state.finished {
            return Ok(None);
        }
        let result = self.read_command().await;
        self.state.fuse(result).map(Some)
    }

    async fn read_command(&mut self) -> Result<Command, SendStreamError> {
        let start = self.state.offset;
        let mut header = [0u8; COMMAND_HEADER_LEN];
        let got = read_full_async(&mut self.reader, &mut header)
            .await
            .map_err(|e| self.state.io_error(e))?;
        let len = self.state.header_read(start, &header, got)?;
        let read = (&mut self.reader)
            .take(u64::from(len))
            .read_to_end(&mut self.state.payload)
            .await;
        read.map_err(|e| self.state.io_error(e))?;
        self.state.payload_read(start, &header, len)
    }

    pub fn into_inner(self) -> R {
        self.reader
    }
}

/// Decodes a whole stream held in memory, up to and including `END` (the result holds
/// every command: for tests and small streams; use a reader for large ones).
pub fn decode_stream(bytes: &[u8]) -> Result<Vec<Command>, SendStreamError> {
    SendStreamReader::new(bytes)?.collect()
}
