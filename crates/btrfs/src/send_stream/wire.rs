//! The wire constants of the btrfs send stream (btrfs-progs `kernel-shared/send.h`): command
//! and attribute numbers, header sizes, their names (as `btrfs receive --dump` prints them)
//! and the crc32c the kernel stamps on every command.
//!
//! Only numbers and a checksum: decoding is in `parse`, encoding in `encode`.

/// `btrfs-stream` and its NUL: the first 13 bytes of every stream.
pub const MAGIC: &[u8; 13] = b"btrfs-stream\0";
/// Magic then the u32 LE version.
pub const STREAM_HEADER_LEN: usize = 17;
/// u32 LE payload length, u16 LE command, u32 LE crc32c.
pub const COMMAND_HEADER_LEN: usize = 10;

/// Command numbers (`enum btrfs_send_cmd`).
pub(crate) mod cmd {
    pub const SUBVOL: u16 = 1;
    pub const SNAPSHOT: u16 = 2;
    pub const MKFILE: u16 = 3;
    pub const MKDIR: u16 = 4;
    pub const MKNOD: u16 = 5;
    pub const MKFIFO: u16 = 6;
    pub const MKSOCK: u16 = 7;
    pub const SYMLINK: u16 = 8;
    pub const RENAME: u16 = 9;
    pub const LINK: u16 = 10;
    pub const UNLINK: u16 = 11;
    pub const RMDIR: u16 = 12;
    pub const SET_XATTR: u16 = 13;
    pub const REMOVE_XATTR: u16 = 14;
    pub const WRITE: u16 = 15;
    pub const CLONE: u16 = 16;
    pub const TRUNCATE: u16 = 17;
    pub const CHMOD: u16 = 18;
    pub const CHOWN: u16 = 19;
    pub const UTIMES: u16 = 20;
    pub const END: u16 = 21;
    pub const UPDATE_EXTENT: u16 = 22;
    // Version 2.
    pub const FALLOCATE: u16 = 23;
    pub const FILEATTR: u16 = 24;
    pub const ENCODED_WRITE: u16 = 25;
    // Version 3.
    pub const ENABLE_VERITY: u16 = 26;
}

/// Attribute (TLV type) numbers.
pub(crate) mod attr {
    pub const UUID: u16 = 1;
    pub const CTRANSID: u16 = 2;
    pub const INO: u16 = 3;
    pub const SIZE: u16 = 4;
    pub const MODE: u16 = 5;
    pub const UID: u16 = 6;
    pub const GID: u16 = 7;
    pub const RDEV: u16 = 8;
    pub const CTIME: u16 = 9;
    pub const MTIME: u16 = 10;
    pub const ATIME: u16 = 11;
    #[allow(dead_code)] // defined by the format, sent by no kernel
    pub const OTIME: u16 = 12;
    pub const XATTR_NAME: u16 = 13;
    pub const XATTR_DATA: u16 = 14;
    pub const PATH: u16 = 15;
    pub const PATH_TO: u16 = 16;
    pub const PATH_LINK: u16 = 17;
    pub const FILE_OFFSET: u16 = 18;
    /// From version 2 on: no length field, runs to the end of the command (must be last).
    pub const DATA: u16 = 19;
    pub const CLONE_UUID: u16 = 20;
    pub const CLONE_CTRANSID: u16 = 21;
    pub const CLONE_PATH: u16 = 22;
    pub const CLONE_OFFSET: u16 = 23;
    pub const CLONE_LEN: u16 = 24;
    pub const FALLOCATE_MODE: u16 = 25;
    pub const FILEATTR: u16 = 26;
    pub const UNENCODED_FILE_LEN: u16 = 27;
    pub const UNENCODED_LEN: u16 = 28;
    pub const UNENCODED_OFFSET: u16 = 29;
    pub const COMPRESSION: u16 = 30;
    pub const ENCRYPTION: u16 = 31;
    pub const VERITY_ALGORITHM: u16 = 32;
    pub const VERITY_BLOCK_SIZE: u16 = 33;
    pub const VERITY_SALT_DATA: u16 = 34;
    pub const VERITY_SIG_DATA: u16 = 35;
    /// The highest attribute number known; higher ones are skipped when decoding.
    pub const MAX: u16 = 35;
}

/// The name `btrfs receive --dump` uses for a command number, `unknown` for others.
pub fn command_name(code: u16) -> &'static str {
    const NAMES: [&str; 27] = [
        "unspec",
        "subvol",
        "snapshot",
        "mkfile",
        "mkdir",
        "mknod",
        "mkfifo",
        "mksock",
        "symlink",
        "rename",
        "link",
        "unlink",
        "rmdir",
        "set_xattr",
        "remove_xattr",
        "write",
        "clone",
        "truncate",
        "chmod",
        "chown",
        "utimes",
        "end",
        "update_extent",
        "fallocate",
        "fileattr",
        "encoded_write",
        "enable_verity",
    ];
    NAMES.get(usize::from(code)).copied().unwrap_or("unknown")
}

/// The lower-case name of an attribute number (`path`, `file_offset`...), `unknown` for
/// others.
pub fn attribute_name(code: u16) -> &'static str {
    const NAMES: [&str; 36] = [
        "unspec",
        "uuid",
        "ctransid",
        "ino",
        "size",
        "mode",
        "uid",
        "gid",
        "rdev",
        "ctime",
        "mtime",
        "atime",
        "otime",
        "xattr_name",
        "xattr_data",
        "path",
        "path_to",
        "path_link",
        "file_offset",
        "data",
        "clone_uuid",
        "clone_ctransid",
        "clone_path",
        "clone_offset",
        "clone_len",
        "fallocate_mode",
        "fileattr",
        "unencoded_file_len",
        "unencoded_len",
        "unencoded_offset",
        "compression",
        "encryption",
        "verity_algorithm",
        "verity_block_size",
        "verity_salt_data",
        "verity_sig_data",
    ];
    NAMES.get(usize::from(code)).copied().unwrap_or("unknown")
}

/// The CRC-32C (Castagnoli, reflected polynomial 0x82F63B78) lookup table.
const CRC32C_TABLE: [u32; 256] = crc32c_table();

const fn crc32c_table() -> [u32; 256] {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut bit = 0;
        while bit < 8 {
            c = if c & 1 != 0 {
                (c >> 1) ^ 0x82F6_3B78
            } else {
                c >> 1
            };
            bit += 1;
        }
        table[i] = c;
        i += 1;
    }
    table
}

/// Continues a raw CRC-32C over `data` from `crc`, with neither the initial nor the final
/// inversion of the standard CRC-32C: the kernel stamps `crc32c(0, header+payload)` in this
/// raw form (btrfs-progs `crc32c_le`). The standard check value is
/// `!crc32c(!0, data)`.
pub(crate) fn crc32c(mut crc: u32, data: &[u8]) -> u32 {
    for &byte in data {
        let index = (crc ^ u32::from(byte)) & 0xff;
        crc = CRC32C_TABLE[index as usize] ^ (crc >> 8);
    }
    crc
}

/// The crc of a command: over its header with the crc field zeroed, then its payload.
pub(crate) fn command_crc(header: &[u8; COMMAND_HEADER_LEN], payload: &[u8]) -> u32 {
    let mut zeroed = *header;
    zeroed[6..].fill(0);
    crc32c(crc32c(0, &zeroed), payload)
}
