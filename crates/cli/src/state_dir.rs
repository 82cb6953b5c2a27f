//! The state directory: where it is, creating it, and the lock that keeps a second
//! `serve` (or a maintenance command) from running the private cluster twice.

use std::fs::File;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use nix::fcntl::{Flock, FlockArg};

/// The default state directory: `/var/lib/dist-btrfs` for root, else
/// `$XDG_STATE_HOME/dist-btrfs` or `~/.local/state/dist-btrfs`.
pub fn default_dir() -> PathBuf {
    if nix::unistd::geteuid().is_root() {
        return PathBuf::from("/var/lib/dist-btrfs");
    }
    if let Some(dir) = std::env::var_os("XDG_STATE_HOME") {
        return PathBuf::from(dir).join("dist-btrfs");
    }
    let home = std::env::var_os("HOME").map_or_else(|| PathBuf::from("."), PathBuf::from);
    home.join(".local/state/dist-btrfs")
}

/// Creates the directory (0711: others may traverse it, which the unprivileged
/// Postgres user needs, but not list it) and returns its absolute path.
pub fn prepare(dir: &Path) -> anyhow::Result<PathBuf> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o711)
        .create(dir)
        .with_context(|| format!("creating state directory {}", dir.display()))?;
    let dir = dir
        .canonicalize()
        .with_context(|| format!("resolving state directory {}", dir.display()))?;
    let mut perms = std::fs::metadata(&dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .permissions();
    if perms.mode() & 0o011 != 0o011 {
        perms.set_mode(perms.mode() | 0o011);
        std::fs::set_permissions(&dir, perms)
            .with_context(|| format!("making {} traversable", dir.display()))?;
    }
    Ok(dir)
}

/// An exclusive lock on the state directory, held for the life of the value.
#[derive(Debug)]
pub struct StateLock {
    _lock: Flock<File>,
}

/// Why the lock could not be taken.
#[derive(Debug)]
pub enum LockOutcome {
    Acquired(StateLock),
    /// Another process holds it; its pid as it wrote it.
    HeldBy(String),
}

pub fn try_lock(dir: &Path) -> anyhow::Result<LockOutcome> {
    let path = dir.join("dist-btrfs.lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(&path)
        .with_context(|| format!("opening lock file {}", path.display()))?;
    match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
        Ok(mut lock) => {
            lock.set_len(0).context("truncating the lock file")?;
            write!(lock, "{}", std::process::id()).context("writing the lock file")?;
            Ok(LockOutcome::Acquired(StateLock { _lock: lock }))
        }
        Err((_, nix::errno::Errno::EWOULDBLOCK)) => {
            let holder = std::fs::read_to_string(&path).unwrap_or_default();
            Ok(LockOutcome::HeldBy(holder.trim().to_owned()))
        }
        Err((_, errno)) => bail!("locking {}: {errno}", path.display()),
    }
}
