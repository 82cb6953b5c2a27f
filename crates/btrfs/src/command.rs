//! Typed command lines: [`AbsPath`], [`Argv`] and the builders of every btrfs-progs
//! invocation dist-btrfs makes ([`btrfs`]).
//!
//! An [`Argv`] is a program plus its arguments as separate words. It is only built from
//! compile-time literals, validated [`AbsPath`]s and numbers, so no caller-supplied string can
//! become an option (`-x`) or reach a shell unquoted (docs/design.md invariant 7). When a command
//! must cross a shell (the SSH transport), [`Argv::shell_quoted`] quotes every word.
//!
//! This module does not run anything (see [`crate::host`]) and does not parse output (see
//! [`crate::parse`]). It does not decide *which* paths are allowed (configured roots are the
//! engine's business); it only guarantees that a path is absolute and cannot break a command
//! line.

use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize};

/// Why a string is not an acceptable [`AbsPath`] or path component.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    #[error("path is empty")]
    Empty,
    #[error("path {0:?} is not absolute")]
    NotAbsolute(String),
    #[error("path {0:?} contains a NUL byte")]
    ContainsNul(String),
    #[error("path {0:?} contains a line break")]
    ContainsNewline(String),
    #[error("path {0:?} contains a `..` component")]
    ParentComponent(String),
    #[error("{0:?} is not a single path component (empty, `.`, `..` or contains `/`)")]
    InvalidComponent(String),
}

/// An absolute path that can safely be one word of a command line.
///
/// Invariants (checked by [`AbsPath::parse`], the only constructor):
/// - starts with `/` (so it can never be mistaken for an option);
/// - contains no NUL (cannot be an argv word) and no `\n` / `\r` (btrfs-progs output is
///   line-based, a line break in a path would make its output ambiguous);
/// - has no `..` component (so a prefix check against a configured root is meaningful).
///
/// It is not normalised: `/a//b/./c` stays as written.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AbsPath(String);

impl AbsPath {
    /// Validates `s` as an absolute path (see the type's invariants).
    pub fn parse(s: impl Into<String>) -> Result<Self, PathError> {
        let s = s.into();
        if s.is_empty() {
            return Err(PathError::Empty);
        }
        if s.contains('\0') {
            return Err(PathError::ContainsNul(s));
        }
        if s.contains(['\n', '\r']) {
            return Err(PathError::ContainsNewline(s));
        }
        if !s.starts_with('/') {
            return Err(PathError::NotAbsolute(s));
        }
        if s.split('/').any(|c| c == "..") {
            return Err(PathError::ParentComponent(s));
        }
        Ok(Self(s))
    }

    /// Appends one path component (a file or subvolume name): non-empty, not `.` or `..`,
    /// no `/`, NUL or line break.
    pub fn join(&self, component: &str) -> Result<Self, PathError> {
        let bad = component.is_empty()
            || component == "."
            || component == ".."
            || component.contains(['/', '\0', '\n', '\r']);
        if bad {
            return Err(PathError::InvalidComponent(component.to_owned()));
        }
        let mut s = self.0.clone();
        if !s.ends_with('/') {
            s.push('/');
        }
        s.push_str(component);
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The last non-empty component, `None` for `/`.
    pub fn file_name(&self) -> Option<&str> {
        self.0.split('/').rfind(|c| !c.is_empty())
    }

    /// The path without its last component; `None` for `/`.
    pub fn parent(&self) -> Option<AbsPath> {
        let trimmed = self.0.trim_end_matches('/');
        if trimmed.is_empty() {
            return None;
        }
        let cut = trimmed.rfind('/')?;
        let parent = trimmed[..cut].trim_end_matches('/');
        Some(Self(if parent.is_empty() {
            "/".to_owned()
        } else {
            parent.to_owned()
        }))
    }
}

impl fmt::Display for AbsPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for AbsPath {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl AsRef<Path> for AbsPath {
    fn as_ref(&self) -> &Path {
        Path::new(&self.0)
    }
}

impl TryFrom<String> for AbsPath {
    type Error = PathError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(s)
    }
}

impl TryFrom<&str> for AbsPath {
    type Error = PathError;
    fn try_from(s: &str) -> Result<Self, Self::Error> {
        Self::parse(s)
    }
}

impl From<AbsPath> for String {
    fn from(p: AbsPath) -> Self {
        p.0
    }
}

/// A command line as separate words: never a shell string.
///
/// Built from compile-time literals ([`Argv::new`], [`Argv::literal`]), validated paths
/// ([`Argv::path`]) and numbers ([`Argv::uint`]). With [`Argv::sudo`] the command is run as
/// `sudo -n -- PROGRAM ARGS...` (non-interactive: fails instead of prompting for a password).
///
/// `Display` renders a readable, shell-safe form for logs (words quoted only when needed);
/// [`Argv::shell_quoted`] quotes every word and is what a transport hands to a remote shell.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Argv {
    /// The program, then its arguments (never empty).
    words: Vec<String>,
    sudo: bool,
    /// A fixed command whose stdout is this command's stdin (`FILTER | COMMAND`), set only
    /// by the builders of this module ([`btrfs::receive_zstd`]). Only a remote shell can
    /// run it: [`Argv::shell_quoted`] renders the pipe; a local host refuses such a command.
    input_filter: Option<InputFilter>,
    /// The index in `words` of a file the command runs under an exclusive `flock` of (an
    /// index keeps [`crate::HostError`] small; see [`Argv::under_lock_of_word`]).
    lock: Option<u8>,
    /// Run with an empty environment but `PATH` (locally): set by [`Argv::executable`]
    /// for an operator's program, which must not see the caller's variables.
    clean_env: bool,
}

/// The exit code of a command run [`Argv::under_lock_of_word`] when the lock is held elsewhere
/// (`EX_TEMPFAIL`).
pub const LOCK_BUSY_EXIT: i32 = 75;

/// `flock -n -E 75 FILE`, before the sudo prefix and the command.
const LOCK_PREFIX: [&str; 4] = ["flock", "-n", "-E", "75"];

/// A fixed command piped into another one (see [`Argv::input_filter`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InputFilter {
    /// `zstd -d -c`: decompresses stdin to stdout (for [`btrfs::receive_zstd`]).
    ZstdDecompress,
}

impl InputFilter {
    /// The filter's command line.
    pub fn words(self) -> &'static [&'static str] {
        match self {
            Self::ZstdDecompress => &["zstd", "-d", "-c"],
        }
    }
}

const SUDO_PREFIX: [&str; 3] = ["sudo", "-n", "--"];

impl Argv {
    /// A command running `program` (looked up in `PATH` by the host) with no arguments.
    pub fn new(program: &'static str) -> Self {
        Self {
            words: vec![program.to_owned()],
            sudo: false,
            input_filter: None,
            lock: None,
            clean_env: false,
        }
    }

    /// A command running the executable at `path` (an absolute path, so it is never looked
    /// up in `PATH` nor taken for an option): an operator's hook ([`hooks`]), run with
    /// [`Argv::clean_env`].
    pub fn executable(path: &AbsPath) -> Self {
        Self {
            words: vec![path.as_str().to_owned()],
            sudo: false,
            input_filter: None,
            lock: None,
            clean_env: true,
        }
    }

    /// Whether the command runs with an empty environment but `PATH` (see the field).
    pub fn clean_env(&self) -> bool {
        self.clean_env
    }

    /// Runs the command as `flock -n -E 75 FILE [sudo -n --] PROGRAM ARGS...`, FILE being
    /// the word at `index` (0 = the program): holding an exclusive lock on FILE (opened by
    /// the login user) while it runs, or exiting with [`LOCK_BUSY_EXIT`] at once when
    /// another process holds it. For this module's builders, whose word positions are
    /// fixed and tested.
    #[must_use]
    pub(crate) fn under_lock_of_word(mut self, index: u8) -> Self {
        self.lock = Some(index);
        self
    }

    /// Feeds this command's stdin from `filter`'s stdout (see the field's docs).
    #[must_use]
    fn with_input_filter(mut self, filter: InputFilter) -> Self {
        self.input_filter = Some(filter);
        self
    }

    /// The command piped into this one, if any (a local host refuses to run it).
    pub fn input_filter(&self) -> Option<InputFilter> {
        self.input_filter
    }

    /// Appends a compile-time literal word (a subcommand, a flag, a fixed value).
    #[must_use]
    pub fn literal(mut self, word: &'static str) -> Self {
        self.words.push(word.to_owned());
        self
    }

    /// Appends a validated absolute path.
    #[must_use]
    pub fn path(mut self, path: &AbsPath) -> Self {
        self.words.push(path.as_str().to_owned());
        self
    }

    /// Appends a number in decimal.
    #[must_use]
    pub fn uint(mut self, n: u64) -> Self {
        self.words.push(n.to_string());
        self
    }

    /// Appends one word made of a literal prefix and a validated absolute path (`of=PATH`
    /// of `dd`).
    #[must_use]
    pub fn path_with(mut self, prefix: &'static str, path: &AbsPath) -> Self {
        self.words.push(format!("{prefix}{}", path.as_str()));
        self
    }

    /// Appends one word made of a literal prefix and a number in decimal (`seek=N`).
    #[must_use]
    pub fn uint_with(mut self, prefix: &'static str, n: u64) -> Self {
        self.words.push(format!("{prefix}{n}"));
        self
    }

    /// Runs the command through `sudo -n --` when `yes` (for a non-root remote user).
    #[must_use]
    pub fn sudo(mut self, yes: bool) -> Self {
        self.sudo = yes;
        self
    }

    /// Whether the command runs through sudo.
    pub fn uses_sudo(&self) -> bool {
        self.sudo
    }

    /// The program actually executed (`flock` under a lock, else `sudo` when
    /// [`Argv::sudo`] is set).
    pub fn program(&self) -> &str {
        if self.lock.is_some_and(|i| usize::from(i) < self.words.len()) {
            LOCK_PREFIX[0]
        } else if self.sudo {
            SUDO_PREFIX[0]
        } else {
            self.command_name()
        }
    }

    /// The arguments given to [`Argv::program`] (including the sudo prefix and the wrapped
    /// program when [`Argv::sudo`] is set).
    pub fn args(&self) -> impl Iterator<Item = &str> {
        self.words().skip(1)
    }

    /// All words, program first.
    pub fn words(&self) -> impl Iterator<Item = &str> {
        let file = self
            .lock
            .and_then(|i| self.words.get(usize::from(i)))
            .map(String::as_str);
        let lock: &[&str] = if file.is_some() { &LOCK_PREFIX } else { &[] };
        let sudo: &[&str] = if self.sudo { &SUDO_PREFIX } else { &[] };
        lock.iter()
            .copied()
            .chain(file)
            .chain(sudo.iter().copied())
            .chain(self.words.iter().map(String::as_str))
    }

    /// The wrapped program without the sudo prefix (`btrfs`), for logs and error messages.
    pub fn command_name(&self) -> &str {
        self.words.first().map_or("", String::as_str)
    }

    /// Renders the command for a POSIX shell, every word in single quotes (`'` becomes
    /// `'\''`). The shell's word splitting gives back exactly [`Argv::words`].
    ///
    /// Only for POSIX shells (sh, dash, bash, zsh): csh/tcsh expand `!` inside single quotes
    /// and reject quoted newlines; fish honours `\\` and `\'` escapes inside single quotes.
    /// An SSH exec runs the remote user's login shell, so such users need `/bin/sh` (or the
    /// restricted-command wrapper).
    ///
    /// With an input filter the rendering is `'zstd' '-d' '-c' | 'btrfs' ...`: the filter's
    /// words quoted the same way, then the fixed separator ` | ` (the only unquoted shell
    /// syntax ever rendered, and the exact form the restricted wrapper accepts).
    pub fn shell_quoted(&self) -> String {
        let mut out = String::new();
        for w in self
            .input_filter
            .map(InputFilter::words)
            .unwrap_or_default()
        {
            push_quoted(&mut out, w, true);
            out.push(' ');
        }
        if self.input_filter.is_some() {
            out.push_str("| ");
        }
        for (i, w) in self.words().enumerate() {
            if i > 0 {
                out.push(' ');
            }
            push_quoted(&mut out, w, true);
        }
        out
    }

    /// Test-only constructor from arbitrary words (the quoting property tests need it).
    #[cfg(test)]
    pub(crate) fn from_words_for_test(program: &str, args: &[String]) -> Self {
        let mut words = vec![program.to_owned()];
        words.extend_from_slice(args);
        Self {
            words,
            sudo: false,
            input_filter: None,
            lock: None,
            clean_env: false,
        }
    }
}

/// Readable rendering for logs: words made only of safe characters stay bare, the others are
/// single-quoted as in [`Argv::shell_quoted`]. Still a valid shell rendering.
impl fmt::Display for Argv {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        for w in self
            .input_filter
            .map(InputFilter::words)
            .unwrap_or_default()
        {
            push_quoted(&mut out, w, false);
            out.push(' ');
        }
        if self.input_filter.is_some() {
            out.push_str("| ");
        }
        for (i, w) in self.words().enumerate() {
            if i > 0 {
                out.push(' ');
            }
            push_quoted(&mut out, w, false);
        }
        f.write_str(&out)
    }
}

fn push_quoted(out: &mut String, word: &str, always: bool) {
    let safe = !word.is_empty()
        && word
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"@%+=:,./_-".contains(&b));
    if safe && !always {
        out.push_str(word);
        return;
    }
    out.push('\'');
    for c in word.chars() {
        if c == '\'' {
            out.push_str("'\\''");
        } else {
            out.push(c);
        }
    }
    out.push('\'');
}

/// Builders for the btrfs-progs invocations dist-btrfs makes. Each returns an [`Argv`] for
/// `btrfs` (apply [`Argv::sudo`] for non-root hosts); [`crate::parse`] has the matching
/// parser of its output. The flags were checked against btrfs-progs v6.2 (see
/// `tests/it/fixtures/`).
pub mod btrfs {
    use super::{AbsPath, Argv};

    fn btrfs() -> Argv {
        Argv::new("btrfs")
    }

    /// `btrfs --version` → [`crate::parse::version`].
    pub fn version() -> Argv {
        btrfs().literal("--version")
    }

    /// `btrfs subvolume list -p -c -u -q -R PATH` → [`crate::parse::subvolume_list`].
    ///
    /// Lists every subvolume of the filesystem holding `path` with id, generation, creation
    /// generation, parent id, top level, parent_uuid, received_uuid, uuid and path (`-g` is
    /// not passed: the generation is always printed). Without `-o` the whole filesystem is
    /// listed, not only what is below `path`; `-a` is not passed because it prefixes some
    /// paths with `<FS_TREE>/`.
    ///
    /// Paths in the output are relative to the top-level subvolume (id 5) when `path` lies
    /// in it — mount the top level (`subvolid=5`) and pass its mount point. When `path` is
    /// inside another subvolume, subvolumes below that one are printed relative to it
    /// (see `tests/it/fixtures/subvolume_list_inside_subvolume.txt`).
    pub fn subvolume_list(path: &AbsPath) -> Argv {
        btrfs()
            .literal("subvolume")
            .literal("list")
            .literal("-p")
            .literal("-c")
            .literal("-u")
            .literal("-q")
            .literal("-R")
            .path(path)
    }

    /// `btrfs subvolume list -r -p -c -u -q -R PATH`: as [`subvolume_list`], only the
    /// read-only subvolumes (the listing has no read-only column).
    pub fn subvolume_list_readonly(path: &AbsPath) -> Argv {
        btrfs()
            .literal("subvolume")
            .literal("list")
            .literal("-r")
            .literal("-p")
            .literal("-c")
            .literal("-u")
            .literal("-q")
            .literal("-R")
            .path(path)
    }

    /// `btrfs subvolume show -b PATH` (raw byte numbers in the quota section) →
    /// [`crate::parse::subvolume_show`].
    pub fn subvolume_show(path: &AbsPath) -> Argv {
        btrfs()
            .literal("subvolume")
            .literal("show")
            .literal("-b")
            .path(path)
    }

    /// `btrfs subvolume create PATH`.
    pub fn subvolume_create(path: &AbsPath) -> Argv {
        btrfs().literal("subvolume").literal("create").path(path)
    }

    /// `btrfs subvolume snapshot -r SRC DST`: a read-only snapshot of `src` at `dst`.
    ///
    /// Beware: if `dst` is an existing directory, btrfs creates the snapshot *inside* it as
    /// `dst/<basename of src>`. Callers must make sure `dst` does not exist.
    pub fn subvolume_snapshot_readonly(src: &AbsPath, dst: &AbsPath) -> Argv {
        btrfs()
            .literal("subvolume")
            .literal("snapshot")
            .literal("-r")
            .path(src)
            .path(dst)
    }

    /// `btrfs subvolume snapshot SRC DST`: a *writable* snapshot of `src` at `dst` (a
    /// restore's new subvolume). Same caveat as [`subvolume_snapshot_readonly`]: `dst`
    /// must not exist.
    pub fn subvolume_snapshot_writable(src: &AbsPath, dst: &AbsPath) -> Argv {
        btrfs()
            .literal("subvolume")
            .literal("snapshot")
            .path(src)
            .path(dst)
    }

    /// `btrfs subvolume delete --commit-after PATH`: waits for the transaction commit, so a
    /// deleted subvolume cannot reappear after a crash (retention must be durable).
    pub fn subvolume_delete(path: &AbsPath) -> Argv {
        btrfs()
            .literal("subvolume")
            .literal("delete")
            .literal("--commit-after")
            .path(path)
    }

    /// `btrfs filesystem usage -b PATH` (raw bytes) → [`crate::parse::filesystem_usage`].
    /// Needs root (or sudo) for the per-device chunk details.
    pub fn filesystem_usage_bytes(path: &AbsPath) -> Argv {
        btrfs()
            .literal("filesystem")
            .literal("usage")
            .literal("-b")
            .path(path)
    }

    /// `btrfs qgroup show --raw -p -c -r -e PATH` → [`crate::parse::qgroup_show`].
    ///
    /// All columns (referenced, exclusive, both limits, parents, children, path) in bytes.
    /// `--sync` is not passed: it forces a transaction commit, too costly for periodic
    /// metrics; numbers may lag by one commit interval. Fails (non-zero exit, stderr
    /// "quotas not enabled") when quotas are off.
    pub fn qgroup_show(path: &AbsPath) -> Argv {
        btrfs()
            .literal("qgroup")
            .literal("show")
            .literal("--raw")
            .literal("-p")
            .literal("-c")
            .literal("-r")
            .literal("-e")
            .path(path)
    }

    /// `btrfs send [-p PARENT] [-c CLONE]... SNAPSHOT`: the send stream goes to stdout
    /// (progress lines such as "At subvol" go to stderr).
    ///
    /// `parent` makes an incremental stream; it must exist on the receiving side as the
    /// subvolume whose received_uuid is the parent's uuid. Clone sources must exist
    /// unchanged on the receiver too.
    pub fn send(snapshot: &AbsPath, parent: Option<&AbsPath>, clone_sources: &[AbsPath]) -> Argv {
        let mut argv = btrfs().literal("send");
        if let Some(p) = parent {
            argv = argv.literal("-p").path(p);
        }
        for c in clone_sources {
            argv = argv.literal("-c").path(c);
        }
        argv.path(snapshot)
    }

    /// `btrfs send --no-data [-p PARENT] SNAPSHOT`: a stream without file data (writes
    /// become UPDATE_EXTENT commands), for computing what changed between two snapshots
    /// ([`crate::send_stream::diff`]) or estimating a send's size
    /// ([`crate::send_stream::estimate_async_reader`]); not receivable. Both must be
    /// read-only snapshots of one filesystem.
    pub fn send_no_data(snapshot: &AbsPath, parent: Option<&AbsPath>) -> Argv {
        let mut argv = btrfs().literal("send").literal("--no-data");
        if let Some(p) = parent {
            argv = argv.literal("-p").path(p);
        }
        argv.path(snapshot)
    }

    /// `btrfs receive DIR`: reads a send stream on stdin and creates the subvolume in `dir`.
    /// On failure a writable, half-received subvolume without received_uuid may remain
    /// (docs/design.md invariant 2): detect it with [`subvolume_show`] and delete it.
    pub fn receive(dir: &AbsPath) -> Argv {
        btrfs().literal("receive").path(dir)
    }

    /// `zstd -d -c | btrfs receive DIR`: [`receive`] of a zstd-compressed stream, for a
    /// remote shell only (see [`Argv::shell_quoted`]). [`Argv::sudo`] applies to `btrfs
    /// receive`; `zstd` runs as the user.
    pub fn receive_zstd(dir: &AbsPath) -> Argv {
        receive(dir).with_input_filter(super::InputFilter::ZstdDecompress)
    }

    /// `btrfs property get -ts PATH ro` → [`crate::parse::property_ro`].
    pub fn property_get_ro(path: &AbsPath) -> Argv {
        btrfs()
            .literal("property")
            .literal("get")
            .literal("-ts")
            .path(path)
            .literal("ro")
    }
}

pub mod files;
pub mod hooks;
pub mod stage;

/// Builders for the coreutils invocations dist-btrfs makes.
pub mod coreutils {
    use super::{AbsPath, Argv};

    /// `realpath -e -- PATH`: the path with every symlink, `.` and `..` resolved, on the
    /// server itself; fails when any component does not exist. The allowed-roots check
    /// runs on this, not on the string a client sent. The restricted wrapper answers it
    /// itself (after its own root check) without running anything.
    pub fn realpath(path: &AbsPath) -> Argv {
        Argv::new("realpath").literal("-e").literal("--").path(path)
    }
}

/// Builders for the `zstd` invocations dist-btrfs makes.
pub mod zstd {
    use super::Argv;

    /// `zstd --version`: the probe for `zstd` on a receiving host.
    pub fn version() -> Argv {
        Argv::new("zstd").literal("--version")
    }
}

#[cfg(test)]
mod tests;
