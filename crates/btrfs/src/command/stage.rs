//! Builders of the commands that stage a send stream on a receiving host, so that a cut
//! transfer resumes where it stopped instead of starting over (the engine's resumable
//! sends): the stream is appended to one file in a staging directory beside the target's
//! replicas, checked, and only then received from the file.
//!
//! - [`write`]: `dd of=FILE bs=1M seek=OFFSET oflag=seek_bytes conv=notrunc status=none`
//!   writes stdin into FILE from byte OFFSET on (the engine resumes at the file's size, so
//!   nothing stale follows; a file that ends up longer than the stream fails its check);
//!   [`write_zstd`] decompresses first (`zstd -d -c | dd ...`, remote shells only, like
//!   [`super::btrfs::receive_zstd`]). `conv=notrunc` is needed: without it dd 9.1 opens
//!   the file with `O_TRUNC` whenever OFFSET is under one block, losing what it holds.
//! - [`receive_file`]: `btrfs receive -f FILE DIR` (as [`super::btrfs::receive`], from the
//!   file) under an exclusive `flock` of FILE ([`Argv::under_lock_of_word`]). A receive whose SSH
//!   session was cut goes on reading its file; the lock keeps a retry's receive from
//!   creating the same subvolume beside it (btrfs receive writes by path), and the retry
//!   exits with [`super::LOCK_BUSY_EXIT`] instead.
//! - [`remove`]: `rm -f -- FILE...`.
//! - Listing the directory and hashing the file are [`super::files::list_dir`] and
//!   [`super::files::sha256`]; creating it [`super::files::make_dirs`].
//!
//! Every one of these runs as the login user except `btrfs receive` (sudo as configured):
//! the staging directory must be writable by that user. On a remote, the restricted
//! wrapper accepts them only for paths inside a directory named [`STAGING_DIR`], and only
//! files named like [`stream_file_name`].
//!
//! Not here: deciding when to stage, or where to resume (the engine's).

use uuid::Uuid;

use super::{AbsPath, Argv, InputFilter, PathError};

/// The name of the staging directory inside a target directory.
pub const STAGING_DIR: &str = ".dist-btrfs-staging";

/// The suffix of a staged stream's file name.
pub const STREAM_SUFFIX: &str = ".stream";

/// The staging directory of the target directory `dir`.
pub fn staging_dir(dir: &AbsPath) -> Result<AbsPath, PathError> {
    dir.join(STAGING_DIR)
}

/// The file a send of `snapshot` (from `parent`, or full) is staged in:
/// `SNAPSHOT-UUID.PARENT-UUID.stream` or `SNAPSHOT-UUID.full.stream`. Two sends of one
/// snapshot from different parents are different streams, so different files.
pub fn stream_file_name(snapshot: Uuid, parent: Option<Uuid>) -> String {
    match parent {
        Some(p) => format!("{snapshot}.{p}{STREAM_SUFFIX}"),
        None => format!("{snapshot}.full{STREAM_SUFFIX}"),
    }
}

/// The (snapshot, parent) of a [`stream_file_name`], or `None` for any other name.
pub fn parse_stream_file_name(name: &str) -> Option<(Uuid, Option<Uuid>)> {
    let (snapshot, parent) = name.strip_suffix(STREAM_SUFFIX)?.split_once('.')?;
    let snapshot = Uuid::parse_str(snapshot).ok()?;
    match parent {
        "full" => Some((snapshot, None)),
        p => Some((snapshot, Some(Uuid::parse_str(p).ok()?))),
    }
}

/// `dd of=FILE bs=1M seek=OFFSET oflag=seek_bytes conv=notrunc status=none`: stdin into
/// `file` from byte `offset` (created when missing; never truncated).
pub fn write(file: &AbsPath, offset: u64) -> Argv {
    Argv::new("dd")
        .path_with("of=", file)
        .literal("bs=1M")
        .uint_with("seek=", offset)
        .literal("oflag=seek_bytes")
        .literal("conv=notrunc")
        .literal("status=none")
}

/// `zstd -d -c | dd of=FILE ...`: [`write`] from offset 0 of a zstd-compressed stream
/// (remote shells only).
pub fn write_zstd(file: &AbsPath) -> Argv {
    write(file, 0).with_input_filter(InputFilter::ZstdDecompress)
}

/// `flock -n -E 75 FILE btrfs receive -f FILE DIR`: receives the stream staged in `file`
/// into `dir`, holding the file's lock (the module docs say why).
pub fn receive_file(file: &AbsPath, dir: &AbsPath) -> Argv {
    Argv::new("btrfs")
        .literal("receive")
        .literal("-f")
        .path(file)
        .path(dir)
        .under_lock_of_word(3)
}

/// `rm -f -- FILE...`: removes staged streams (missing ones are not an error).
pub fn remove(files: &[AbsPath]) -> Argv {
    let mut argv = Argv::new("rm").literal("-f").literal("--");
    for f in files {
        argv = argv.path(f);
    }
    argv
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> AbsPath {
        AbsPath::parse(s).unwrap()
    }

    fn words(a: &Argv) -> String {
        a.words().collect::<Vec<_>>().join(" ")
    }

    #[test]
    fn forms() {
        let f = p("/t/d/.dist-btrfs-staging/a.full.stream");
        assert_eq!(
            words(&write(&f, 1234)),
            "dd of=/t/d/.dist-btrfs-staging/a.full.stream bs=1M seek=1234 oflag=seek_bytes conv=notrunc status=none"
        );
        assert_eq!(
            write_zstd(&f).shell_quoted(),
            "'zstd' '-d' '-c' | 'dd' 'of=/t/d/.dist-btrfs-staging/a.full.stream' 'bs=1M' 'seek=0' 'oflag=seek_bytes' 'conv=notrunc' 'status=none'"
        );
        assert_eq!(
            words(&receive_file(&f, &p("/t/d")).sudo(true)),
            "flock -n -E 75 /t/d/.dist-btrfs-staging/a.full.stream \
             sudo -n -- btrfs receive -f /t/d/.dist-btrfs-staging/a.full.stream /t/d"
        );
        assert_eq!(
            words(&remove(std::slice::from_ref(&f))),
            format!("rm -f -- {f}")
        );
        assert_eq!(
            staging_dir(&p("/t/d")).unwrap(),
            p("/t/d/.dist-btrfs-staging")
        );
    }

    #[test]
    fn file_names() {
        let s = Uuid::from_u128(1);
        let q = Uuid::from_u128(2);
        assert_eq!(
            stream_file_name(s, None),
            "00000000-0000-0000-0000-000000000001.full.stream"
        );
        assert_eq!(
            stream_file_name(s, Some(q)),
            "00000000-0000-0000-0000-000000000001.00000000-0000-0000-0000-000000000002.stream"
        );
        for parent in [None, Some(q)] {
            let name = stream_file_name(s, parent);
            assert_eq!(parse_stream_file_name(&name), Some((s, parent)), "{name}");
        }
        for other in [
            "x.full.stream",
            "00000000-0000-0000-0000-000000000001.full",
            "00000000-0000-0000-0000-000000000001.nope.stream",
            "00000000-0000-0000-0000-000000000001.stream",
        ] {
            assert_eq!(parse_stream_file_name(other), None, "{other}");
        }
    }
}
