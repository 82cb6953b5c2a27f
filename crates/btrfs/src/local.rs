//! [`LocalHost`]: the [`Host`] implementation that runs commands on this machine with
//! `tokio::process` (no shell involved: the argv words go straight to `execvp`).
//!
//! Each command runs in its own process group so that a timeout or a drop kills everything
//! it started (e.g. the `btrfs` under a `sudo`). A supervisor task per command drains stderr
//! into a bounded tail and enforces the deadline even when nobody is waiting.
//!
//! Not here: remote execution (the SSH crate) and tracing (done once, by [`Host::spawn`] /
//! [`Host::run`]).

use std::io;
use std::os::unix::process::ExitStatusExt;
use std::process::{ExitStatus, Stdio};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use tokio::io::AsyncReadExt;
use tokio::process::{Child, ChildStderr, Command};
use tokio::task::JoinHandle;

use crate::command::Argv;
use crate::host::{
    CommandStdin, CommandStdout, ExitInfo, Host, HostError, RunOptions, RunningCommand, StderrTail,
};

/// `PATH` of a command run with [`Argv::clean_env`].
const CLEAN_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

const DESCRIPTION: &str = "local";
/// Capacity asked for every command's stdout pipe (`F_SETPIPE_SZ`; the default is 64 KiB).
/// A streaming producer such as `btrfs send` then runs up to 1 MiB ahead of its reader, so
/// the two wake each other far less often (on a VM each cross-CPU wake-up is costly). Best
/// effort: above `/proc/sys/fs/pipe-max-size` (1 MiB by default) an unprivileged process
/// is refused and the pipe keeps its default size.
const STDOUT_PIPE_BYTES: i32 = 1 << 20;
/// How long stderr is still read after the process exited (a grandchild may hold it open).
const STDERR_GRACE: Duration = Duration::from_secs(1);

/// Runs commands on this machine.
#[derive(Debug, Clone, Copy, Default)]
pub struct LocalHost;

impl LocalHost {
    pub fn new() -> Self {
        Self
    }
}

#[async_trait]
impl Host for LocalHost {
    fn describe(&self) -> String {
        DESCRIPTION.to_owned()
    }

    async fn start(
        &self,
        argv: &Argv,
        opts: &RunOptions,
    ) -> Result<Box<dyn RunningCommand>, HostError> {
        if argv.input_filter().is_some() {
            // A pipeline needs a shell; locally nothing ever needs one (docs/design.md invariant 7).
            return Err(HostError::Spawn {
                host: DESCRIPTION.to_owned(),
                argv: argv.clone(),
                source: io::Error::new(
                    io::ErrorKind::Unsupported,
                    "a command with an input filter runs only through a remote shell",
                ),
            });
        }
        let mut cmd = Command::new(argv.program());
        if argv.clean_env() {
            // An operator's program (a snapshot hook): none of serve's variables.
            cmd.env_clear().env("PATH", CLEAN_PATH);
        }
        cmd.args(argv.args())
            // btrfs-progs is not localised today; make sure parsers always see the C format.
            .env("LC_ALL", "C")
            .stdin(if opts.stdin {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .process_group(0);
        let mut child = cmd.spawn().map_err(|source| {
            if source.kind() == io::ErrorKind::NotFound {
                HostError::CommandNotFound {
                    host: DESCRIPTION.to_owned(),
                    program: argv.program().to_owned(),
                    argv: argv.clone(),
                    stderr: source.to_string(),
                }
            } else {
                HostError::Spawn {
                    host: DESCRIPTION.to_owned(),
                    argv: argv.clone(),
                    source,
                }
            }
        })?;
        let started = Instant::now();
        let stdin = child.stdin.take().map(|s| Box::new(s) as CommandStdin);
        if let Some(out) = &child.stdout
            && let Err(e) =
                nix::fcntl::fcntl(out, nix::fcntl::FcntlArg::F_SETPIPE_SZ(STDOUT_PIPE_BYTES))
        {
            tracing::debug!(error = %e, "could not enlarge the stdout pipe");
        }
        let stdout = child.stdout.take().map(|s| Box::new(s) as CommandStdout);
        let stderr = child.stderr.take();
        // The child leads its own group: its pid is the group id.
        let pgid = child
            .id()
            .and_then(|id| i32::try_from(id).ok())
            .map(Pid::from_raw);
        let guard = ChildGuard {
            child,
            pgid,
            reaped: false,
        };
        let task = tokio::spawn(supervise(guard, stderr, opts.timeout, opts.stderr_limit));
        Ok(Box::new(LocalCommand {
            argv: argv.clone(),
            stdin,
            stdout,
            supervisor: AbortOnDrop(Some(task)),
            started,
            timeout: opts.timeout,
        }))
    }
}

/// Owns the child; kills its whole process group when dropped before the child was reaped
/// (after reaping, the group id could in theory be reused, so it is left alone).
struct ChildGuard {
    child: Child,
    pgid: Option<Pid>,
    reaped: bool,
}

impl ChildGuard {
    fn kill_group(&mut self) {
        if self.reaped {
            return;
        }
        if let Some(pgid) = self.pgid {
            // ESRCH (already gone) is fine.
            let _ = killpg(pgid, Signal::SIGKILL);
        }
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        self.kill_group();
    }
}

struct Supervised {
    status: io::Result<ExitStatus>,
    timed_out: bool,
    stderr: String,
}

/// Waits for the child while draining stderr and enforcing the deadline.
async fn supervise(
    mut guard: ChildGuard,
    mut stderr: Option<ChildStderr>,
    timeout: Option<Duration>,
    stderr_limit: usize,
) -> Supervised {
    let mut tail = StderrTail::new(stderr_limit);
    let mut buf = vec![0u8; 8192];
    // A deadline too far to represent is no deadline.
    let mut deadline = timeout.and_then(|t| tokio::time::Instant::now().checked_add(t));
    let mut status: Option<io::Result<ExitStatus>> = None;
    let mut grace_end: Option<tokio::time::Instant> = None;
    let mut timed_out = false;
    loop {
        if status.is_some() && stderr.is_none() {
            break;
        }
        tokio::select! {
            s = guard.child.wait(), if status.is_none() => {
                guard.reaped = true;
                status = Some(s);
                grace_end = Some(tokio::time::Instant::now() + STDERR_GRACE);
            }
            r = read_some(&mut stderr, &mut buf), if stderr.is_some() => match r {
                Ok(n) if n > 0 => tail.push(buf.get(..n).unwrap_or_default()),
                _ => stderr = None,
            },
            () = sleep_until(deadline), if status.is_none() && deadline.is_some() => {
                timed_out = true;
                deadline = None;
                guard.kill_group();
                // kill_on_drop covers a child that somehow left its group.
                let _ = guard.child.start_kill();
            }
            () = sleep_until(grace_end), if grace_end.is_some() => break,
        }
    }
    Supervised {
        status: status.unwrap_or_else(|| Err(io::Error::other("child status unknown"))),
        timed_out,
        stderr: tail.into_string(),
    }
}

async fn read_some(stderr: &mut Option<ChildStderr>, buf: &mut [u8]) -> io::Result<usize> {
    match stderr {
        Some(s) => s.read(buf).await,
        None => Ok(0),
    }
}

async fn sleep_until(at: Option<tokio::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// Aborts the supervisor (dropping the [`ChildGuard`], which kills the process group) when
/// the command is dropped without `wait`.
struct AbortOnDrop(Option<JoinHandle<Supervised>>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        if let Some(h) = &self.0 {
            h.abort();
        }
    }
}

struct LocalCommand {
    argv: Argv,
    stdin: Option<CommandStdin>,
    stdout: Option<CommandStdout>,
    supervisor: AbortOnDrop,
    started: Instant,
    timeout: Option<Duration>,
}

#[async_trait]
impl RunningCommand for LocalCommand {
    fn take_stdin(&mut self) -> Option<CommandStdin> {
        self.stdin.take()
    }

    fn take_stdout(&mut self) -> Option<CommandStdout> {
        self.stdout.take()
    }

    async fn wait(self: Box<Self>) -> Result<ExitInfo, HostError> {
        let LocalCommand {
            argv,
            stdin,
            stdout,
            mut supervisor,
            started,
            timeout,
        } = *self;
        drop(stdin);
        let drain = async {
            if let Some(mut out) = stdout {
                let _ = tokio::io::copy(&mut out, &mut tokio::io::sink()).await;
            }
        };
        let handle = supervisor.0.take();
        let joined = async {
            match handle {
                Some(h) => h
                    .await
                    .map_err(|e| io::Error::other(format!("supervisor task: {e}"))),
                None => Err(io::Error::other("command already waited for")),
            }
        };
        let ((), joined) = tokio::join!(drain, joined);
        let host = || DESCRIPTION.to_owned();
        let sup = joined.map_err(|source| HostError::Io {
            host: host(),
            argv: argv.clone(),
            source,
        })?;
        let duration = started.elapsed();
        if sup.timed_out {
            return Err(HostError::Timeout {
                host: host(),
                argv,
                after: timeout.unwrap_or(duration),
                stderr: sup.stderr,
            });
        }
        let status = sup.status.map_err(|source| HostError::Io {
            host: host(),
            argv: argv.clone(),
            source,
        })?;
        match (status.code(), status.signal()) {
            (Some(0), _) => Ok(ExitInfo {
                duration,
                stderr: sup.stderr,
            }),
            (Some(code), _) => Err(HostError::from_exit_code(host(), &argv, code, sup.stderr)),
            (None, signal) => Err(HostError::Signalled {
                host: host(),
                argv,
                signal: signal.unwrap_or(0),
                stderr: sup.stderr,
            }),
        }
    }
}
