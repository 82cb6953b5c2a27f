//! Encoding: [`encode_stream`] and [`encode_command`] write [`Command`]s in the wire format
//! the kernel produces (same attribute order, crc32c stamped), so that tests here and in
//! other crates can build streams, and so that decoding can be checked by round trip.
//!
//! Not a replacement for the kernel's `send`: nothing here reads a filesystem.

use uuid::Uuid;

use super::wire::{self, COMMAND_HEADER_LEN, MAGIC, attr};
use super::{Command, MAX_COMMAND_LEN, SUPPORTED_VERSIONS, SendPath, Timespec, command_name};

/// Why a command cannot be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    #[error("send stream version {version} is not supported (only 1 to 3)")]
    UnsupportedVersion { version: u32 },
    #[error(
        "{} command: attribute {} is {len} bytes, more than an attribute can hold (65535)",
        command_name(*.cmd),
        super::attribute_name(*.attr)
    )]
    AttributeTooLong { cmd: u16, attr: u16, len: usize },
    #[error("{} command: {len} bytes of attributes, more than the {max} a command may have", command_name(*.cmd))]
    CommandTooLong { cmd: u16, len: usize, max: u32 },
    /// [`Command::Unknown`] with a number this module knows would not decode back to
    /// itself.
    #[error("Command::Unknown with the known command number {cmd}")]
    KnownCode { cmd: u16 },
}

/// Writes a whole stream: header for `version`, then `commands` as given (add
/// [`Command::End`] yourself).
pub fn encode_stream(version: u32, commands: &[Command]) -> Result<Vec<u8>, EncodeError> {
    if !SUPPORTED_VERSIONS.contains(&version) {
        return Err(EncodeError::UnsupportedVersion { version });
    }
    let mut out = Vec::new();
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&version.to_le_bytes());
    for command in commands {
        encode_command(version, command, &mut out)?;
    }
    Ok(out)
}

/// Appends one command (header and attributes) to `out` for a stream of `version`.
pub fn encode_command(
    version: u32,
    command: &Command,
    out: &mut Vec<u8>,
) -> Result<(), EncodeError> {
    let code = command.code();
    let mut p = Payload {
        bytes: Vec::new(),
        version,
        cmd: code,
    };
    match command {
        Command::Subvol {
            path,
            uuid,
            ctransid,
        } => {
            p.path(attr::PATH, path)?;
            p.uuid(attr::UUID, uuid)?;
            p.u64(attr::CTRANSID, *ctransid)?;
        }
        Command::Snapshot {
            path,
            uuid,
            ctransid,
            parent_uuid,
            parent_ctransid,
        } => {
            p.path(attr::PATH, path)?;
            p.uuid(attr::UUID, uuid)?;
            p.u64(attr::CTRANSID, *ctransid)?;
            p.uuid(attr::CLONE_UUID, parent_uuid)?;
            p.u64(attr::CLONE_CTRANSID, *parent_ctransid)?;
        }
        Command::Mkfile { path, ino }
        | Command::Mkdir { path, ino }
        | Command::Mkfifo { path, ino }
        | Command::Mksock { path, ino } => {
            p.path(attr::PATH, path)?;
            p.u64(attr::INO, *ino)?;
        }
        Command::Mknod {
            path,
            ino,
            mode,
            rdev,
        } => {
            p.path(attr::PATH, path)?;
            p.u64(attr::INO, *ino)?;
            p.u64(attr::MODE, *mode)?;
            p.u64(attr::RDEV, *rdev)?;
        }
        Command::Symlink { path, ino, target } => {
            p.path(attr::PATH, path)?;
            p.u64(attr::INO, *ino)?;
            p.path(attr::PATH_LINK, target)?;
        }
        Command::Rename { from, to } => {
            p.path(attr::PATH, from)?;
            p.path(attr::PATH_TO, to)?;
        }
        Command::Link { path, target } => {
            p.path(attr::PATH, path)?;
            p.path(attr::PATH_LINK, target)?;
        }
        Command::Unlink { path } | Command::Rmdir { path } => p.path(attr::PATH, path)?,
        Command::SetXattr { path, name, data } => {
            p.path(attr::PATH, path)?;
            p.tlv(attr::XATTR_NAME, name)?;
            p.tlv(attr::XATTR_DATA, data)?;
        }
        Command::RemoveXattr { path, name } => {
            p.path(attr::PATH, path)?;
            p.tlv(attr::XATTR_NAME, name)?;
        }
        Command::Write { path, offset, data } => {
            p.path(attr::PATH, path)?;
            p.u64(attr::FILE_OFFSET, *offset)?;
            p.data(data)?;
        }
        Command::Clone {
            path,
            offset,
            len,
            source_uuid,
            source_ctransid,
            source_path,
            source_offset,
        } => {
            p.path(attr::PATH, path)?;
            p.u64(attr::FILE_OFFSET, *offset)?;
            p.u64(attr::CLONE_LEN, *len)?;
            p.uuid(attr::CLONE_UUID, source_uuid)?;
            p.u64(attr::CLONE_CTRANSID, *source_ctransid)?;
            p.path(attr::CLONE_PATH, source_path)?;
            p.u64(attr::CLONE_OFFSET, *source_offset)?;
        }
        Command::Truncate { path, size } => {
            p.path(attr::PATH, path)?;
            p.u64(attr::SIZE, *size)?;
        }
        Command::Chmod { path, mode } => {
            p.path(attr::PATH, path)?;
            p.u64(attr::MODE, *mode)?;
        }
        Command::Chown { path, uid, gid } => {
            p.path(attr::PATH, path)?;
            p.u64(attr::UID, *uid)?;
            p.u64(attr::GID, *gid)?;
        }
        Command::Utimes {
            path,
            atime,
            mtime,
            ctime,
        } => {
            p.path(attr::PATH, path)?;
            p.timespec(attr::ATIME, atime)?;
            p.timespec(attr::MTIME, mtime)?;
            p.timespec(attr::CTIME, ctime)?;
        }
        Command::End => {}
        Command::UpdateExtent { path, offset, len } => {
            p.path(attr::PATH, path)?;
            p.u64(attr::FILE_OFFSET, *offset)?;
            p.u64(attr::SIZE, *len)?;
        }
        Command::Fallocate {
            path,
            mode,
            offset,
            len,
        } => {
            p.path(attr::PATH, path)?;
            p.tlv(attr::FALLOCATE_MODE, &mode.to_le_bytes())?;
            p.u64(attr::FILE_OFFSET, *offset)?;
            p.u64(attr::SIZE, *len)?;
        }
        Command::Fileattr { path, attr: bits } => {
            p.path(attr::PATH, path)?;
            p.u64(attr::FILEATTR, *bits)?;
        }
        Command::EncodedWrite {
            path,
            offset,
            unencoded_file_len,
            unencoded_len,
            unencoded_offset,
            compression,
            encryption,
            data,
        } => {
            p.path(attr::PATH, path)?;
            p.u64(attr::FILE_OFFSET, *offset)?;
            p.u64(attr::UNENCODED_FILE_LEN, *unencoded_file_len)?;
            p.u64(attr::UNENCODED_LEN, *unencoded_len)?;
            p.u64(attr::UNENCODED_OFFSET, *unencoded_offset)?;
            p.tlv(attr::COMPRESSION, &compression.to_le_bytes())?;
            p.tlv(attr::ENCRYPTION, &encryption.to_le_bytes())?;
            p.data(data)?;
        }
        Command::EnableVerity {
            path,
            algorithm,
            block_size,
            salt,
            signature,
        } => {
            p.path(attr::PATH, path)?;
            p.tlv(attr::VERITY_ALGORITHM, &[*algorithm])?;
            p.tlv(attr::VERITY_BLOCK_SIZE, &block_size.to_le_bytes())?;
            p.tlv(attr::VERITY_SALT_DATA, salt)?;
            p.tlv(attr::VERITY_SIG_DATA, signature)?;
        }
        Command::Unknown { cmd } => {
            if (wire::cmd::SUBVOL..=wire::cmd::ENABLE_VERITY).contains(cmd) {
                return Err(EncodeError::KnownCode { cmd: *cmd });
            }
        }
    }
    let len = u32::try_from(p.bytes.len())
        .ok()
        .filter(|len| *len <= MAX_COMMAND_LEN)
        .ok_or(EncodeError::CommandTooLong {
            cmd: code,
            len: p.bytes.len(),
            max: MAX_COMMAND_LEN,
        })?;
    let mut header = [0u8; COMMAND_HEADER_LEN];
    header[..4].copy_from_slice(&len.to_le_bytes());
    header[4..6].copy_from_slice(&code.to_le_bytes());
    let crc = wire::command_crc(&header, &p.bytes);
    header[6..].copy_from_slice(&crc.to_le_bytes());
    out.extend_from_slice(&header);
    out.extend_from_slice(&p.bytes);
    Ok(())
}

/// The attributes of the command being written.
struct Payload {
    bytes: Vec<u8>,
    version: u32,
    cmd: u16,
}

impl Payload {
    fn tlv(&mut self, attr: u16, value: &[u8]) -> Result<(), EncodeError> {
        let len = u16::try_from(value.len()).map_err(|_| EncodeError::AttributeTooLong {
            cmd: self.cmd,
            attr,
            len: value.len(),
        })?;
        self.bytes.extend_from_slice(&attr.to_le_bytes());
        self.bytes.extend_from_slice(&len.to_le_bytes());
        self.bytes.extend_from_slice(value);
        Ok(())
    }

    fn path(&mut self, attr: u16, path: &SendPath) -> Result<(), EncodeError> {
        self.tlv(attr, path.as_bytes())
    }

    fn u64(&mut self, attr: u16, value: u64) -> Result<(), EncodeError> {
        self.tlv(attr, &value.to_le_bytes())
    }

    fn uuid(&mut self, attr: u16, uuid: &Uuid) -> Result<(), EncodeError> {
        self.tlv(attr, uuid.as_bytes())
    }

    fn timespec(&mut self, attr: u16, t: &Timespec) -> Result<(), EncodeError> {
        let mut value = [0u8; 12];
        value[..8].copy_from_slice(&t.sec.to_le_bytes());
        value[8..].copy_from_slice(&t.nsec.to_le_bytes());
        self.tlv(attr, &value)
    }

    /// The DATA attribute: from version 2 on without a length, last in the command.
    fn data(&mut self, data: &[u8]) -> Result<(), EncodeError> {
        if self.version < 2 {
            return self.tlv(attr::DATA, data);
        }
        self.bytes.extend_from_slice(&attr::DATA.to_le_bytes());
        self.bytes.extend_from_slice(data);
        Ok(())
    }
}
