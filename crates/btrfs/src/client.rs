//! [`Btrfs`]: the typed convenience layer over a [`Host`]: each method builds the command
//! ([`crate::command::btrfs`]), runs it (with sudo if configured, under a deadline) and
//! parses its output ([`crate::parse`]).
//!
//! It has no policy: it does not check that paths lie under configured roots, does not
//! retry, and does not decide what to snapshot, keep or send (that is the engine's job).

use std::time::Duration;

mod stage;

pub use stage::StagedFile;

use crate::command::{AbsPath, Argv, btrfs as cmd};
use crate::host::{Host, HostError, RunOptions, RunningCommand};
use crate::parse::{
    self, BtrfsVersion, FilesystemUsage, ParseError, Qgroup, SubvolumeInfo, SubvolumeShow,
};

/// Deadline for one short btrfs command (deletes with `--commit-after` and snapshots wait
/// for a transaction commit, which can take a while on a busy filesystem).
pub const DEFAULT_COMMAND_TIMEOUT: Duration = Duration::from_secs(300);

/// Whether a failed btrfs command said its path does not exist.
pub fn is_missing_path(e: &HostError) -> bool {
    matches!(e, HostError::NonZeroExit { stderr, .. } if stderr.contains("No such file or directory"))
}

/// Whether a failed btrfs command said its path is not a subvolume.
pub fn is_not_a_subvolume(e: &HostError) -> bool {
    matches!(e, HostError::NonZeroExit { stderr, .. } if stderr.contains("Not a Btrfs subvolume"))
}

/// btrfs-progs on one host.
#[derive(Debug, Clone)]
pub struct Btrfs<H> {
    host: H,
    sudo: bool,
    timeout: Duration,
}

impl<H: Host> Btrfs<H> {
    /// Runs commands on `host` directly (as the host's user), with
    /// [`DEFAULT_COMMAND_TIMEOUT`].
    pub fn new(host: H) -> Self {
        Self {
            host,
            sudo: false,
            timeout: DEFAULT_COMMAND_TIMEOUT,
        }
    }

    /// Prefix every command with `sudo -n --` (a non-root remote user).
    #[must_use]
    pub fn with_sudo(mut self, sudo: bool) -> Self {
        self.sudo = sudo;
        self
    }

    /// Deadline for each non-streaming command.
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    pub fn host(&self) -> &H {
        &self.host
    }

    /// The argv as this client would run it (sudo applied).
    pub fn prepare(&self, argv: Argv) -> Argv {
        argv.sudo(self.sudo)
    }

    async fn run_ok(&self, argv: Argv) -> Result<(Argv, String), HostError> {
        let argv = self.prepare(argv);
        let out = self
            .host
            .run(&argv, RunOptions::with_timeout(self.timeout))
            .await?;
        let text = out.stdout_text().into_owned();
        Ok((argv, text))
    }

    async fn run_parsed<T>(
        &self,
        argv: Argv,
        parse: fn(&str) -> Result<T, ParseError>,
    ) -> Result<T, HostError> {
        let (argv, text) = self.run_ok(argv).await?;
        parse(&text).map_err(|e| HostError::Parse {
            host: self.host.describe(),
            argv,
            source: Box::new(e),
        })
    }

    /// `btrfs --version`.
    #[tracing::instrument(name = "btrfs.version", skip_all)]
    pub async fn version(&self) -> Result<BtrfsVersion, HostError> {
        self.run_parsed(cmd::version(), parse::version).await
    }

    /// Every subvolume of the filesystem holding `path` (see
    /// [`cmd::subvolume_list`] for what the paths are relative to).
    #[tracing::instrument(name = "btrfs.list_subvolumes", skip_all, fields(path = %path))]
    pub async fn list_subvolumes(&self, path: &AbsPath) -> Result<Vec<SubvolumeInfo>, HostError> {
        self.run_parsed(cmd::subvolume_list(path), parse::subvolume_list)
            .await
    }

    /// The read-only subvolumes of the filesystem holding `path` (same paths as
    /// [`Btrfs::list_subvolumes`]).
    #[tracing::instrument(name = "btrfs.list_readonly_subvolumes", skip_all, fields(path = %path))]
    pub async fn list_readonly_subvolumes(
        &self,
        path: &AbsPath,
    ) -> Result<Vec<SubvolumeInfo>, HostError> {
        self.run_parsed(cmd::subvolume_list_readonly(path), parse::subvolume_list)
            .await
    }

    /// Details of the subvolume at `path`, `None` when nothing exists there; fails with
    /// [`HostError::NonZeroExit`] when `path` exists but is not a subvolume (btrfs-progs
    /// v6.2 says "cannot find real path ...: No such file or directory" for a missing
    /// path and "Not a Btrfs subvolume" for a plain directory or file).
    #[tracing::instrument(name = "btrfs.show_if_exists", skip_all, fields(path = %path))]
    pub async fn show_if_exists(&self, path: &AbsPath) -> Result<Option<SubvolumeShow>, HostError> {
        match self.show(path).await {
            Ok(show) => Ok(Some(show)),
            Err(e) if is_missing_path(&e) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Details of the subvolume at `path`; fails with [`HostError::NonZeroExit`] when `path`
    /// does not exist or is not a subvolume.
    #[tracing::instrument(name = "btrfs.show", skip_all, fields(path = %path))]
    pub async fn show(&self, path: &AbsPath) -> Result<SubvolumeShow, HostError> {
        self.run_parsed(cmd::subvolume_show(path), parse::subvolume_show)
            .await
    }

    /// Whether the subvolume at `path` is read-only (`btrfs property get -ts PATH ro`).
    #[tracing::instrument(name = "btrfs.is_readonly", skip_all, fields(path = %path))]
    pub async fn is_readonly(&self, path: &AbsPath) -> Result<bool, HostError> {
        self.run_parsed(cmd::property_get_ro(path), parse::property_ro)
            .await
    }

    /// The real path of `path` on the host (`realpath -e`: symlinks, `.` and `..`
    /// resolved; every component must exist). Runs as the login user, never through
    /// sudo (a remote's sudoers rule allows btrfs only, and the restricted wrapper
    /// resolves paths as that user too).
    #[tracing::instrument(name = "btrfs.realpath", skip_all, fields(path = %path))]
    pub async fn realpath(&self, path: &AbsPath) -> Result<AbsPath, HostError> {
        let argv = crate::command::coreutils::realpath(path);
        let out = self
            .host
            .run(&argv, RunOptions::with_timeout(self.timeout))
            .await?;
        let text = out.stdout_text().into_owned();
        let line = text.strip_suffix('\n').unwrap_or(&text);
        AbsPath::parse(line).map_err(|e| HostError::Parse {
            host: self.host.describe(),
            argv,
            source: Box::new(ParseError::line("realpath", 1, line, e.to_string())),
        })
    }

    /// Creates an empty subvolume at `path`.
    #[tracing::instrument(name = "btrfs.create_subvolume", skip_all, fields(path = %path))]
    pub async fn create_subvolume(&self, path: &AbsPath) -> Result<(), HostError> {
        self.run_ok(cmd::subvolume_create(path)).await.map(drop)
    }

    /// Creates a read-only snapshot of `src` at `dst`. `dst` must not exist (see
    /// [`cmd::subvolume_snapshot_readonly`]).
    #[tracing::instrument(name = "btrfs.snapshot_readonly", skip_all, fields(src = %src, dst = %dst))]
    pub async fn snapshot_readonly(&self, src: &AbsPath, dst: &AbsPath) -> Result<(), HostError> {
        self.run_ok(cmd::subvolume_snapshot_readonly(src, dst))
            .await
            .map(drop)
    }

    /// Creates a writable snapshot of `src` at `dst` (a restore's new subvolume). `dst`
    /// must not exist.
    #[tracing::instrument(name = "btrfs.snapshot_writable", skip_all, fields(src = %src, dst = %dst))]
    pub async fn snapshot_writable(&self, src: &AbsPath, dst: &AbsPath) -> Result<(), HostError> {
        self.run_ok(cmd::subvolume_snapshot_writable(src, dst))
            .await
            .map(drop)
    }

    /// Starts a read-only file command ([`crate::command::files`]: `find`, `cat`,
    /// `sha256sum`) as the login user, like [`Btrfs::realpath`] (without sudo: the
    /// sudoers rule of a remote allows btrfs only). No deadline: the caller reads at its
    /// pace.
    pub async fn spawn_reader(&self, argv: Argv) -> Result<Box<dyn RunningCommand>, HostError> {
        self.host.spawn(&argv, RunOptions::default()).await
    }

    /// Runs a file command that writes (`cp`, `mv` of [`crate::command::files`]) with
    /// sudo as configured, without a deadline (a copy takes as long as its bytes).
    pub async fn run_writer(&self, argv: Argv) -> Result<(), HostError> {
        let argv = self.prepare(argv);
        self.host.run(&argv, RunOptions::default()).await.map(drop)
    }

    /// Deletes the subvolume at `path` and waits for the commit.
    #[tracing::instrument(name = "btrfs.delete", skip_all, fields(path = %path))]
    pub async fn delete(&self, path: &AbsPath) -> Result<(), HostError> {
        self.run_ok(cmd::subvolume_delete(path)).await.map(drop)
    }

    /// Space usage of the filesystem holding `path`.
    #[tracing::instrument(name = "btrfs.usage", skip_all, fields(path = %path))]
    pub async fn usage(&self, path: &AbsPath) -> Result<FilesystemUsage, HostError> {
        self.run_parsed(cmd::filesystem_usage_bytes(path), parse::filesystem_usage)
            .await
    }

    /// Qgroups of the filesystem holding `path`; `None` when quotas are not enabled.
    #[tracing::instrument(name = "btrfs.qgroups", skip_all, fields(path = %path))]
    pub async fn qgroups(&self, path: &AbsPath) -> Result<Option<Vec<Qgroup>>, HostError> {
        match self
            .run_parsed(cmd::qgroup_show(path), parse::qgroup_show)
            .await
        {
            Ok(groups) => Ok(Some(groups)),
            Err(HostError::NonZeroExit { stderr, .. }) if stderr.contains("quotas not enabled") => {
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// Starts `btrfs send` of `snapshot` (incremental from `parent` if given); read the
    /// stream from [`RunningCommand::take_stdout`], then `wait`. No deadline: the caller
    /// paces the stream.
    #[tracing::instrument(name = "btrfs.send", skip_all, fields(snapshot = %snapshot))]
    pub async fn send(
        &self,
        snapshot: &AbsPath,
        parent: Option<&AbsPath>,
        clone_sources: &[AbsPath],
    ) -> Result<Box<dyn RunningCommand>, HostError> {
        let argv = self.prepare(cmd::send(snapshot, parent, clone_sources));
        self.host.spawn(&argv, RunOptions::default()).await
    }

    /// Starts `btrfs send --no-data [-p PARENT] SNAPSHOT` (a metadata-only stream, for a
    /// diff or an estimate of the real stream's size); read it from
    /// [`RunningCommand::take_stdout`], then `wait`. No deadline.
    #[tracing::instrument(name = "btrfs.send_no_data", skip_all, fields(snapshot = %snapshot))]
    pub async fn send_no_data(
        &self,
        snapshot: &AbsPath,
        parent: Option<&AbsPath>,
    ) -> Result<Box<dyn RunningCommand>, HostError> {
        let argv = self.prepare(cmd::send_no_data(snapshot, parent));
        self.host.spawn(&argv, RunOptions::default()).await
    }

    /// Starts `zstd -d -c | btrfs receive DIR` (see [`cmd::receive_zstd`]): as
    /// [`Btrfs::receive`] for a zstd-compressed stream. Remote hosts only.
    #[tracing::instrument(name = "btrfs.receive", skip_all, fields(dir = %dir, compression = "zstd"))]
    pub async fn receive_zstd(&self, dir: &AbsPath) -> Result<Box<dyn RunningCommand>, HostError> {
        let argv = self.prepare(cmd::receive_zstd(dir));
        self.host.spawn(&argv, RunOptions::with_stdin()).await
    }

    /// Whether `zstd` runs on the host (`zstd --version` exits 0). A missing program, a
    /// refusal or a failure is `false`; only a transport failure is an error.
    pub async fn has_zstd(&self) -> Result<bool, HostError> {
        match self
            .host
            .run(
                &crate::command::zstd::version(),
                RunOptions::with_timeout(self.timeout),
            )
            .await
        {
            Ok(_) => Ok(true),
            Err(
                HostError::CommandNotFound { .. }
                | HostError::NonZeroExit { .. }
                | HostError::Signalled { .. },
            ) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Starts `btrfs receive` into `dir`; write the stream into
    /// [`RunningCommand::take_stdin`], shut it down, then `wait`. No deadline.
    #[tracing::instrument(name = "btrfs.receive", skip_all, fields(dir = %dir))]
    pub async fn receive(&self, dir: &AbsPath) -> Result<Box<dyn RunningCommand>, HostError> {
        let argv = self.prepare(cmd::receive(dir));
        self.host.spawn(&argv, RunOptions::with_stdin()).await
    }
}
