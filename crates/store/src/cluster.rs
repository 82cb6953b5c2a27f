//! The private Postgres cluster `serve` runs under its state directory when no
//! `DATABASE_URL` is given.
//!
//! Layout: `<state>/postgres/{data,run,postgres.log}`. The cluster listens on a unix
//! socket in `run/` only (no TCP), with `trust` auth inside a 0700 directory. As root
//! it runs as an unprivileged user (Postgres refuses root), `postgres` by default.
//! `postgres` is spawned directly (never through a shell: the state dir is user
//! input), in its own process group so a terminal's Ctrl-C reaches dist-btrfs only
//! and dist-btrfs decides when the database stops. A postmaster left over from a
//! killed run is stopped before a new one starts (the caller holds the state-dir
//! lock, so a live postmaster there can only be our orphan).
//!
//! This module does not choose between private and external databases; `serve` does.

use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::{Pid, User, chown};
use sqlx::Connection;
use sqlx::postgres::{PgConnectOptions, PgConnection};
use tokio::process::{Child, Command};

/// The database and role the private cluster serves.
pub const DATABASE: &str = "dist_btrfs";
const PORT: u16 = 5432;
const SUN_PATH_MAX: usize = 107;
const READY_TIMEOUT: Duration = Duration::from_secs(60);
const STOP_TIMEOUT: Duration = Duration::from_secs(30);

/// Why the private cluster could not be set up, started or stopped.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error(
        "no PostgreSQL server binaries found (looked in $DIST_BTRFS_PG_BINDIR, \
         /usr/lib/postgresql/*/bin and PATH); install the `postgresql` package or set DATABASE_URL"
    )]
    NoBinaries,
    #[error(
        "running as root, Postgres must run as an unprivileged user, and user {0:?} does not exist \
         (install the `postgresql` package, or pass --pg-user)"
    )]
    NoSuchUser(String),
    #[error("{context}: {source}")]
    Io {
        context: String,
        source: std::io::Error,
    },
    #[error("socket path {0} is too long for a unix socket; use a shorter --state-dir")]
    SocketPathTooLong(PathBuf),
    #[error("initdb failed (exit {code:?}): {stderr}")]
    Initdb { code: Option<i32>, stderr: String },
    #[error("Postgres did not start: {reason}; last lines of {log}:\n{tail}")]
    Start {
        reason: String,
        log: PathBuf,
        tail: String,
    },
    #[error("creating the {DATABASE} database failed: {0}")]
    CreateDatabase(sqlx::Error),
}

fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> ClusterError {
    let context = context.into();
    move |source| ClusterError::Io { context, source }
}

/// A private cluster under a state directory.
#[derive(Debug)]
pub struct PrivateCluster {
    root: PathBuf,
    bindir: PathBuf,
    owner: Option<User>,
    child: Option<Child>,
}

impl PrivateCluster {
    /// Locates binaries and the run-as user. `run_as` is used only when running as
    /// root; it defaults to `postgres`.
    pub fn new(
        state_dir: &Path,
        run_as: Option<&str>,
        bindir: Option<&Path>,
    ) -> Result<Self, ClusterError> {
        let bindir = find_bindir(bindir).ok_or(ClusterError::NoBinaries)?;
        let owner = if nix::unistd::geteuid().is_root() {
            let name = run_as.unwrap_or("postgres");
            let user = User::from_name(name)
                .ok()
                .flatten()
                .ok_or_else(|| ClusterError::NoSuchUser(name.to_owned()))?;
            Some(user)
        } else {
            None
        };
        let cluster = Self {
            root: state_dir.join("postgres"),
            bindir,
            owner,
            child: None,
        };
        let socket = cluster.socket_dir().join(format!(".s.PGSQL.{PORT}"));
        if socket.as_os_str().len() > SUN_PATH_MAX {
            return Err(ClusterError::SocketPathTooLong(socket));
        }
        Ok(cluster)
    }

    fn data_dir(&self) -> PathBuf {
        self.root.join("data")
    }

    fn socket_dir(&self) -> PathBuf {
        self.root.join("run")
    }

    fn log_file(&self) -> PathBuf {
        self.root.join("postgres.log")
    }

    /// Connection options for the cluster's `dist_btrfs` database.
    pub fn connect_options(&self) -> PgConnectOptions {
        PgConnectOptions::new()
            .socket(self.socket_dir())
            .port(PORT)
            .username(DATABASE)
            .database(DATABASE)
    }

    /// Initialises the cluster if needed, starts it, waits until it accepts
    /// connections and makes sure the `dist_btrfs` database exists.
    #[tracing::instrument(skip_all, fields(dir = %self.root.display()), err)]
    pub async fn start(&mut self) -> Result<PgConnectOptions, ClusterError> {
        self.prepare_dirs()?;
        if !self.data_dir().join("PG_VERSION").exists() {
            self.initdb().await?;
        }
        self.stop_orphan().await?;
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log_file())
            .map_err(io("opening the Postgres log"))?;
        let log_err = log.try_clone().map_err(io("opening the Postgres log"))?;
        let mut cmd = self.command("postgres");
        cmd.arg("-D")
            .arg(self.data_dir())
            .arg("-c")
            .arg("listen_addresses=")
            .arg("-c")
            .arg(format!("port={PORT}"))
            .arg("-c")
            .arg(unix_socket_setting(&self.socket_dir()))
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err)
            .process_group(0)
            .kill_on_drop(false);
        let child = cmd.spawn().map_err(io("starting postgres"))?;
        tracing::info!(pid = child.id(), "private Postgres started");
        self.child = Some(child);
        self.wait_ready().await?;
        self.ensure_database().await?;
        Ok(self.connect_options())
    }

    /// Stops the cluster: fast shutdown (SIGINT), then immediate (SIGQUIT) if it
    /// does not finish in time.
    #[tracing::instrument(skip_all, err)]
    pub async fn stop(&mut self) -> Result<(), ClusterError> {
        let Some(mut child) = self.child.take() else {
            return Ok(());
        };
        if let Some(pid) = child.id().and_then(|p| i32::try_from(p).ok()) {
            let _ = kill(Pid::from_raw(pid), Signal::SIGINT);
        }
        match tokio::time::timeout(STOP_TIMEOUT, child.wait()).await {
            Ok(status) => {
                status.map_err(io("waiting for postgres to stop"))?;
            }
            Err(_) => {
                tracing::warn!("postgres did not stop in time; sending SIGQUIT");
                if let Some(pid) = child.id().and_then(|p| i32::try_from(p).ok()) {
                    let _ = kill(Pid::from_raw(pid), Signal::SIGQUIT);
                }
                child
                    .wait()
                    .await
                    .map_err(io("waiting for postgres to stop"))?;
            }
        }
        tracing::info!("private Postgres stopped");
        Ok(())
    }

    fn command(&self, program: &str) -> Command {
        let mut cmd = Command::new(self.bindir.join(program));
        cmd.current_dir(&self.root).env("LC_ALL", "C");
        if let Some(user) = &self.owner {
            cmd.uid(user.uid.as_raw()).gid(user.gid.as_raw());
        }
        cmd
    }

    fn prepare_dirs(&self) -> Result<(), ClusterError> {
        for dir in [self.root.clone(), self.socket_dir()] {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(&dir)
                .map_err(io(format!("creating {}", dir.display())))?;
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))
                .map_err(io(format!("setting permissions of {}", dir.display())))?;
            if let Some(user) = &self.owner {
                chown(&dir, Some(user.uid), Some(user.gid)).map_err(|e| ClusterError::Io {
                    context: format!("handing {} to user {}", dir.display(), user.name),
                    source: e.into(),
                })?;
            }
        }
        Ok(())
    }

    async fn initdb(&self) -> Result<(), ClusterError> {
        tracing::info!(dir = %self.data_dir().display(), "initialising a private Postgres cluster");
        let output = self
            .command("initdb")
            .arg("-D")
            .arg(self.data_dir())
            .arg("-U")
            .arg(DATABASE)
            .arg("--auth=trust")
            .arg("--encoding=UTF8")
            .arg("--no-locale")
            .stdin(Stdio::null())
            .output()
            .await
            .map_err(io("running initdb"))?;
        if !output.status.success() {
            let mut stderr = String::from_utf8_lossy(&output.stderr).trim().to_owned();
            if stderr.contains("Permission denied") {
                stderr.push_str(
                    " (the Postgres user must be able to traverse every parent of the state dir)",
                );
            }
            return Err(ClusterError::Initdb {
                code: output.status.code(),
                stderr,
            });
        }
        Ok(())
    }

    /// Stops a postmaster left running by a previous, killed dist-btrfs.
    async fn stop_orphan(&self) -> Result<(), ClusterError> {
        let pid_file = self.data_dir().join("postmaster.pid");
        let Ok(text) = std::fs::read_to_string(&pid_file) else {
            return Ok(());
        };
        let Some(pid) = text
            .lines()
            .next()
            .and_then(|l| l.trim().parse::<i32>().ok())
        else {
            return Ok(());
        };
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        if !String::from_utf8_lossy(&cmdline).contains("postgres") {
            return Ok(()); // stale pid file; postgres removes it itself
        }
        tracing::warn!(pid, "stopping a Postgres left over from a previous run");
        let pid = Pid::from_raw(pid);
        let _ = kill(pid, Signal::SIGINT);
        let deadline = Instant::now() + STOP_TIMEOUT;
        while kill(pid, None).is_ok() {
            if Instant::now() > deadline {
                let _ = kill(pid, Signal::SIGQUIT);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Ok(())
    }

    async fn wait_ready(&mut self) -> Result<(), ClusterError> {
        let deadline = Instant::now() + READY_TIMEOUT;
        let options = self.connect_options().database("postgres");
        loop {
            if let Some(child) = self.child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                self.child = None;
                return Err(self.start_error(format!("postgres exited with {status}")));
            }
            match PgConnection::connect_with(&options).await {
                Ok(conn) => {
                    let _ = conn.close().await;
                    return Ok(());
                }
                Err(e) if Instant::now() > deadline => {
                    return Err(self.start_error(format!("not ready after {READY_TIMEOUT:?}: {e}")));
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    }

    async fn ensure_database(&self) -> Result<(), ClusterError> {
        let mut conn = PgConnection::connect_with(&self.connect_options().database("postgres"))
            .await
            .map_err(ClusterError::CreateDatabase)?;
        let exists: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
                .bind(DATABASE)
                .fetch_one(&mut conn)
                .await
                .map_err(ClusterError::CreateDatabase)?;
        if !exists {
            sqlx::query("CREATE DATABASE dist_btrfs")
                .execute(&mut conn)
                .await
                .map_err(ClusterError::CreateDatabase)?;
        }
        let _ = conn.close().await;
        Ok(())
    }

    fn start_error(&self, reason: String) -> ClusterError {
        let log = self.log_file();
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        let tail = lines[lines.len().saturating_sub(15)..].join("\n");
        ClusterError::Start { reason, log, tail }
    }
}

impl Drop for PrivateCluster {
    /// Best effort when `stop` was not awaited (a panic or an early error):
    /// ask the postmaster for a fast shutdown so it does not outlive us.
    fn drop(&mut self) {
        if let Some(pid) = self
            .child
            .as_ref()
            .and_then(Child::id)
            .and_then(|p| i32::try_from(p).ok())
        {
            let _ = kill(Pid::from_raw(pid), Signal::SIGINT);
        }
    }
}

/// `unix_socket_directories="<dir>"` as a `-c` argument: the value is a list whose
/// items may be double-quoted (doubling inner quotes), so commas and spaces in the
/// path stay part of it.
fn unix_socket_setting(dir: &Path) -> String {
    let value = dir.display().to_string().replace('"', "\"\"");
    format!("unix_socket_directories=\"{value}\"")
}

/// The directory holding `postgres` and `initdb`: `explicit` (the `--pg-bindir`
/// setting), the newest `/usr/lib/postgresql/<N>/bin`, or the directory of `postgres` on
/// PATH.
pub fn find_bindir(explicit: Option<&Path>) -> Option<PathBuf> {
    let has_binaries = |dir: &Path| dir.join("postgres").is_file() && dir.join("initdb").is_file();
    if let Some(dir) = explicit {
        return has_binaries(dir).then(|| dir.to_path_buf());
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = entry.path().join("bin");
            has_binaries(&bin).then_some((version, bin))
        })
        .collect();
    versions.sort();
    if let Some((_, dir)) = versions.pop() {
        return Some(dir);
    }
    std::env::var_os("PATH")
        .and_then(|path| std::env::split_paths(&path).find(|dir| has_binaries(dir)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn socket_setting_quotes_the_directory() {
        assert_eq!(
            unix_socket_setting(Path::new("/srv/it's, \"here\"")),
            r#"unix_socket_directories="/srv/it's, ""here""""#
        );
    }
}
