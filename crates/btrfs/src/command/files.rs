//! Builders for the file-level commands of browsing and restoring: list one directory,
//! read one file, copy files, rename a subvolume, hash files (`find`, `cat`, `cp`, `mv`,
//! `sha256sum` from findutils and coreutils). Like every builder, paths are [`AbsPath`]s
//! and flags literals; on a remote the restricted wrapper accepts the read-only ones
//! (`find` in exactly the [`list_dir`] / [`list_files`] forms, `cat`, `sha256sum`) and
//! nothing else of these.
//!
//! Not here: which paths are allowed (the engine resolves and checks them first), or
//! parsing the output ([`crate::parse::dir_listing`]).

use super::{AbsPath, Argv};

/// The `-printf` format of [`list_dir`]: per entry six NUL-terminated fields: type
/// (`%y`: `f d l b c p s`), size in bytes, mtime in seconds since the epoch with a
/// fraction, permission bits in octal, the name, the symlink's target (empty when not a
/// symlink).
pub const LIST_DIR_FORMAT: &str = "%y\\0%s\\0%T@\\0%m\\0%P\\0%l\\0";

/// The `-printf` format of [`list_files`]: per regular file its size and its path
/// relative to the start, each NUL-terminated.
pub const LIST_FILES_FORMAT: &str = "%s\\0%P\\0";

/// `find DIR -mindepth 1 -maxdepth 1 -printf FORMAT`: the entries of one directory,
/// unsorted, symlinks not followed ([`crate::parse::dir_listing`] reads it).
pub fn list_dir(dir: &AbsPath) -> Argv {
    Argv::new("find")
        .path(dir)
        .literal("-mindepth")
        .literal("1")
        .literal("-maxdepth")
        .literal("1")
        .literal("-printf")
        .literal(LIST_DIR_FORMAT)
}

/// The `-printf` format of [`stat`]: as [`LIST_DIR_FORMAT`] with the base name (`%f`)
/// for the name, since the start point has no name relative to itself.
pub const STAT_FORMAT: &str = "%y\\0%s\\0%T@\\0%m\\0%f\\0%l\\0";

/// `find PATH -maxdepth 0 -printf FORMAT`: the one entry of `path` itself, in the record
/// form of [`list_dir`] (symlinks not followed).
pub fn stat(path: &AbsPath) -> Argv {
    Argv::new("find")
        .path(path)
        .literal("-maxdepth")
        .literal("0")
        .literal("-printf")
        .literal(STAT_FORMAT)
}

/// `find DIR -type f -printf FORMAT`: every regular file below `dir`, recursively,
/// without following symlinks ([`crate::parse::file_list`] reads it).
pub fn list_files(dir: &AbsPath) -> Argv {
    Argv::new("find")
        .path(dir)
        .literal("-type")
        .literal("f")
        .literal("-printf")
        .literal(LIST_FILES_FORMAT)
}

/// `cat -- FILE`: the file's bytes on stdout.
pub fn read_file(file: &AbsPath) -> Argv {
    Argv::new("cat").literal("--").path(file)
}

/// `sha256sum -z -- FILE...`: one `DIGEST  NAME\0` record per file
/// ([`crate::parse::sha256_sums`]).
pub fn sha256(files: &[AbsPath]) -> Argv {
    let mut argv = Argv::new("sha256sum").literal("-z").literal("--");
    for f in files {
        argv = argv.path(f);
    }
    argv
}

/// `cp -a --reflink=auto [--remove-destination] -T -- SRC DST`: copies `src` (a file or
/// a whole tree, keeping modes, owners, times, links and xattrs) to exactly `dst`,
/// sharing extents where the filesystem can. With `overwrite` an existing `dst` file is
/// removed first (so a symlink there is replaced, never written through); an existing
/// `dst` directory is merged into.
pub fn copy(src: &AbsPath, dst: &AbsPath, overwrite: bool) -> Argv {
    let mut argv = Argv::new("cp").literal("-a").literal("--reflink=auto");
    if overwrite {
        argv = argv.literal("--remove-destination");
    }
    argv.literal("-T").literal("--").path(src).path(dst)
}

/// `mkdir -p -- DIR`: the directory and its missing parents (a restore's snapshot
/// directory on a filesystem made anew).
pub fn make_dirs(dir: &AbsPath) -> Argv {
    Argv::new("mkdir").literal("-p").literal("--").path(dir)
}

/// `mv -T -- SRC DST`: renames `src` to exactly `dst` (both in one directory, so it is
/// one `rename(2)`); fails when `dst` is a non-empty directory.
pub fn rename(src: &AbsPath, dst: &AbsPath) -> Argv {
    Argv::new("mv")
        .literal("-T")
        .literal("--")
        .path(src)
        .path(dst)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> AbsPath {
        AbsPath::parse(s).unwrap()
    }

    #[test]
    fn words() {
        let w = |a: Argv| a.words().map(str::to_owned).collect::<Vec<_>>().join(" ");
        assert_eq!(
            w(list_dir(&p("/s/a b"))),
            "find /s/a b -mindepth 1 -maxdepth 1 -printf %y\\0%s\\0%T@\\0%m\\0%P\\0%l\\0"
        );
        assert_eq!(w(read_file(&p("/s/-x"))), "cat -- /s/-x");
        assert_eq!(
            w(copy(&p("/a"), &p("/b"), true)),
            "cp -a --reflink=auto --remove-destination -T -- /a /b"
        );
        assert_eq!(
            w(copy(&p("/a"), &p("/b"), false)),
            "cp -a --reflink=auto -T -- /a /b"
        );
        assert_eq!(w(rename(&p("/a"), &p("/b"))), "mv -T -- /a /b");
        assert_eq!(w(sha256(&[p("/a"), p("/b")])), "sha256sum -z -- /a /b");
        assert_eq!(
            list_files(&p("/s")).shell_quoted(),
            "'find' '/s' '-type' 'f' '-printf' '%s\\0%P\\0'"
        );
    }
}
