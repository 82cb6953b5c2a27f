//! The [`Host`] boundary: run an [`Argv`] somewhere (this machine, or a remote over SSH) and
//! either collect its output ([`Host::run`]) or stream its stdin/stdout
//! ([`Host::spawn`] → [`RunningCommand`]).
//!
//! Implementations provide only [`Host::describe`] and [`Host::start`]. The provided
//! [`Host::run`] and [`Host::spawn`] are the one wrapper every external command goes
//! through: they open a `command` tracing span with the host and argv, and log the outcome
//! with its duration. Implementations must not override them.
//!
//! Streaming shape, for `send` on one host into several `receive`s elsewhere with bounded
//! memory: spawn all commands, take the send's stdout reader and each receive's stdin writer
//! out of their [`RunningCommand`]s, copy in fixed-size chunks (the slowest writer paces),
//! shut the writers down, then [`RunningCommand::wait`] on every command. Dropping a writer
//! (or a whole [`RunningCommand`]) abandons that target without touching the others.
//!
//! Errors are classified for the job runner: [`HostError::is_transient`] says whether a retry
//! may succeed. Not here: connection management (the SSH crate), btrfs semantics
//! ([`crate::client`]).

use std::borrow::Cow;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use bytes::{Buf, Bytes};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite};
use tracing::Instrument;

use crate::command::Argv;
use crate::parse::ParseError;

/// Default bound on the stderr kept from a command (its last bytes).
pub const DEFAULT_STDERR_LIMIT: usize = 64 * 1024;
/// Default bound on the stdout [`Host::run`] collects.
pub const DEFAULT_STDOUT_LIMIT: usize = 64 * 1024 * 1024;
/// How long [`Host::run`] waits beyond `timeout` for an implementation to report its own
/// timeout before giving up on it.
const RUN_TIMEOUT_GRACE: Duration = Duration::from_secs(5);

/// How to run a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunOptions {
    /// Deadline from start to exit. When it passes the command is killed and waiting on it
    /// gives [`HostError::Timeout`]. `None`: no deadline (streams whose pace the caller
    /// controls).
    pub timeout: Option<Duration>,
    /// Give the command a stdin pipe ([`RunningCommand::take_stdin`]); otherwise its stdin
    /// is empty (`/dev/null`). [`Host::run`] closes it immediately.
    pub stdin: bool,
    /// Bytes of stderr kept (the last ones).
    pub stderr_limit: usize,
    /// Bytes of stdout [`Host::run`] accepts before failing with
    /// [`HostError::OutputTooLarge`].
    pub stdout_limit: usize,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            timeout: None,
            stdin: false,
            stderr_limit: DEFAULT_STDERR_LIMIT,
            stdout_limit: DEFAULT_STDOUT_LIMIT,
        }
    }
}

impl RunOptions {
    /// Default options with a deadline.
    pub fn with_timeout(timeout: Duration) -> Self {
        Self {
            timeout: Some(timeout),
            ..Self::default()
        }
    }

    /// Default options for a command fed through stdin.
    pub fn with_stdin() -> Self {
        Self {
            stdin: true,
            ..Self::default()
        }
    }

    #[must_use]
    pub fn timeout(mut self, timeout: Option<Duration>) -> Self {
        self.timeout = timeout;
        self
    }

    #[must_use]
    pub fn stdin(mut self, stdin: bool) -> Self {
        self.stdin = stdin;
        self
    }
}

/// What a finished [`Host::run`] produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandOutput {
    pub stdout: Vec<u8>,
    /// The last [`RunOptions::stderr_limit`] bytes of stderr, lossily decoded.
    pub stderr: String,
    pub duration: Duration,
}

impl CommandOutput {
    /// Stdout as text; invalid UTF-8 becomes U+FFFD (a path with odd bytes must not make a
    /// whole listing unreadable).
    pub fn stdout_text(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.stdout)
    }
}

/// How a successful command ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExitInfo {
    /// From start to exit.
    pub duration: Duration,
    /// The kept tail of stderr (warnings, `At subvol ...` progress lines).
    pub stderr: String,
}

/// The write end of a command's stdin: an [`AsyncWrite`] that can also be handed whole
/// [`Bytes`] chunks, which a writer that queues chunks (the SSH channel's) keeps as they
/// are instead of copying them (the replication stream's hot path).
pub trait StdinWrite: AsyncWrite + Send + Unpin {
    /// Writes all of `chunk`, advancing it past what was written. The default goes
    /// through `poll_write` (a copy, as any `AsyncWrite`).
    fn poll_write_chunk(
        &mut self,
        cx: &mut Context<'_>,
        chunk: &mut Bytes,
    ) -> Poll<io::Result<()>> {
        while !chunk.is_empty() {
            let n = ready!(Pin::new(&mut *self).poll_write(cx, chunk))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            chunk.advance(n);
        }
        Poll::Ready(Ok(()))
    }
}

impl StdinWrite for tokio::process::ChildStdin {}

/// The write end of a command's stdin.
pub type CommandStdin = Box<dyn StdinWrite>;

/// Writes all of `chunk` into `stdin` ([`StdinWrite::poll_write_chunk`]).
pub async fn write_chunk(stdin: &mut CommandStdin, mut chunk: Bytes) -> io::Result<()> {
    std::future::poll_fn(|cx| stdin.poll_write_chunk(cx, &mut chunk)).await
}
/// The read end of a command's stdout.
pub type CommandStdout = Box<dyn AsyncRead + Send + Unpin>;

/// A started command. Implementations guarantee:
/// - stderr is drained continuously into a bounded tail, so a chatty command never blocks;
/// - [`RunOptions::timeout`] is enforced from the start even while nobody waits: the command
///   is killed (its stdout then ends) and [`RunningCommand::wait`] reports the timeout;
/// - dropping the `RunningCommand` before `wait` kills (or, remotely, abandons) it.
#[async_trait]
pub trait RunningCommand: Send {
    /// The stdin writer, once; `None` without [`RunOptions::stdin`] or when already taken.
    /// Shut it down (or drop it) to send EOF.
    fn take_stdin(&mut self) -> Option<CommandStdin>;

    /// The stdout reader, once.
    fn take_stdout(&mut self) -> Option<CommandStdout>;

    /// Waits for the exit. Closes a stdin that was not taken and discards a stdout that was
    /// not taken (so a forgotten pipe cannot deadlock). `Ok` only for exit code 0; otherwise
    /// the error carries the argv, the exit code or signal, and the stderr tail.
    async fn wait(self: Box<Self>) -> Result<ExitInfo, HostError>;
}

/// Where commands run: this machine ([`crate::LocalHost`]) or a remote (the SSH crate).
#[async_trait]
pub trait Host: Send + Sync {
    /// Identifies the host in logs and errors: `local`, `ssh://user@addr:port`.
    fn describe(&self) -> String;

    /// Starts `argv` as described by `opts` (see [`RunningCommand`] for the guarantees).
    /// Called by [`Host::spawn`] and [`Host::run`]; callers use those.
    async fn start(
        &self,
        argv: &Argv,
        opts: &RunOptions,
    ) -> Result<Box<dyn RunningCommand>, HostError>;

    /// Starts a command for streaming, traced. Do not override.
    async fn spawn(
        &self,
        argv: &Argv,
        opts: RunOptions,
    ) -> Result<Box<dyn RunningCommand>, HostError> {
        traced_spawn(self, argv, opts).await
    }

    /// Runs a command to completion collecting stdout (bounded) and the stderr tail,
    /// traced. Non-zero exit is an error. Do not override.
    async fn run(&self, argv: &Argv, opts: RunOptions) -> Result<CommandOutput, HostError> {
        traced_run(self, argv, opts).await
    }
}

macro_rules! delegate_host {
    ($($ty:ty),*) => {$(
        #[async_trait]
        impl<H: Host + ?Sized> Host for $ty {
            fn describe(&self) -> String {
                (**self).describe()
            }
            async fn start(
                &self,
                argv: &Argv,
                opts: &RunOptions,
            ) -> Result<Box<dyn RunningCommand>, HostError> {
                (**self).start(argv, opts).await
            }
            async fn spawn(
                &self,
                argv: &Argv,
                opts: RunOptions,
            ) -> Result<Box<dyn RunningCommand>, HostError> {
                (**self).spawn(argv, opts).await
            }
            async fn run(&self, argv: &Argv, opts: RunOptions) -> Result<CommandOutput, HostError> {
                (**self).run(argv, opts).await
            }
        }
    )*};
}

delegate_host!(Arc<H>, Box<H>, &H);

fn elapsed_ms(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
}

fn log_failure(span: &tracing::Span, started: Instant, err: &HostError) {
    // Failures are often expected by the caller (probing a path that may not exist), so
    // they are logged at debug; callers that see a real failure log it at warn/error
    // with their context, once.
    tracing::debug!(
        parent: span,
        duration_ms = elapsed_ms(started),
        transient = err.is_transient(),
        error = %err,
        "command failed"
    );
}

async fn traced_spawn<H: Host + ?Sized>(
    host: &H,
    argv: &Argv,
    opts: RunOptions,
) -> Result<Box<dyn RunningCommand>, HostError> {
    let span = tracing::info_span!("command", host = %host.describe(), argv = %argv);
    let started = Instant::now();
    match host.start(argv, &opts).instrument(span.clone()).await {
        Ok(inner) => {
            tracing::debug!(parent: &span, "command started");
            Ok(Box::new(Traced {
                inner,
                span,
                started,
            }))
        }
        Err(e) => {
            log_failure(&span, started, &e);
            Err(e)
        }
    }
}

/// Wraps an implementation's [`RunningCommand`] to log its outcome.
struct Traced {
    inner: Box<dyn RunningCommand>,
    span: tracing::Span,
    started: Instant,
}

#[async_trait]
impl RunningCommand for Traced {
    fn take_stdin(&mut self) -> Option<CommandStdin> {
        self.inner.take_stdin()
    }

    fn take_stdout(&mut self) -> Option<CommandStdout> {
        self.inner.take_stdout()
    }

    async fn wait(self: Box<Self>) -> Result<ExitInfo, HostError> {
        let Traced {
            inner,
            span,
            started,
        } = *self;
        let result = inner.wait().instrument(span.clone()).await;
        match &result {
            Ok(_) => {
                tracing::debug!(parent: &span, duration_ms = elapsed_ms(started), "command finished")
            }
            Err(e) => log_failure(&span, started, e),
        }
        result
    }
}

async fn traced_run<H: Host + ?Sized>(
    host: &H,
    argv: &Argv,
    opts: RunOptions,
) -> Result<CommandOutput, HostError> {
    let (limit, timeout) = (opts.stdout_limit, opts.timeout);
    let started = Instant::now();
    let mut cmd = traced_spawn(host, argv, opts).await?;
    drop(cmd.take_stdin());
    let stdout = cmd.take_stdout();
    let host_name = host.describe();
    // Errors carry whether they were already logged (those from `wait`, by `Traced`).
    let body = async {
        let mut buf = Vec::new();
        if let Some(out) = stdout {
            let cap = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
            if let Err(source) = out.take(cap).read_to_end(&mut buf).await {
                let e = HostError::Io {
                    host: host_name.clone(),
                    argv: argv.clone(),
                    source,
                };
                return Err((e, false));
            }
            if buf.len() > limit {
                let e = HostError::OutputTooLarge {
                    host: host_name.clone(),
                    argv: argv.clone(),
                    limit,
                };
                return Err((e, false));
            }
        }
        let exit = cmd.wait().await.map_err(|e| (e, true))?;
        Ok(CommandOutput {
            stdout: buf,
            stderr: exit.stderr,
            duration: exit.duration,
        })
    };
    let result = match timeout {
        None => body.await,
        Some(t) => tokio::time::timeout(t.saturating_add(RUN_TIMEOUT_GRACE), body)
            .await
            .unwrap_or_else(|_| {
                let e = HostError::Timeout {
                    host: host_name.clone(),
                    argv: argv.clone(),
                    after: t,
                    stderr: String::new(),
                };
                Err((e, false))
            }),
    };
    result.map_err(|(e, logged)| {
        if !logged {
            let span = tracing::info_span!("command", host = %host_name, argv = %argv);
            log_failure(&span, started, &e);
        }
        e
    })
}

/// Why a connection to a remote host failed (for SSH implementations of [`Host`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectErrorKind {
    Refused,
    Reset,
    TimedOut,
    Unreachable,
    /// The connection closed under a running command.
    Closed,
    /// The host key differs from the pinned one (docs/design.md invariant 6). Never retried.
    HostKeyMismatch,
    AuthenticationFailed,
    Protocol,
}

/// A failure to run a command on a [`Host`].
#[derive(Debug, thiserror::Error)]
pub enum HostError {
    /// The command ran and exited with a non-zero code.
    #[error("`{argv}` on {host} exited with code {code}: {}", tail(stderr))]
    NonZeroExit {
        host: String,
        argv: Argv,
        code: i32,
        stderr: String,
    },
    /// The command was killed by a signal (SIGPIPE when its reader went away, SIGKILL ...).
    #[error("`{argv}` on {host} was killed by signal {signal}: {}", tail(stderr))]
    Signalled {
        host: String,
        argv: Argv,
        signal: i32,
        stderr: String,
    },
    /// The deadline of [`RunOptions::timeout`] passed; the command was killed.
    #[error("`{argv}` on {host} timed out after {after:?}: {}", tail(stderr))]
    Timeout {
        host: String,
        argv: Argv,
        after: Duration,
        stderr: String,
    },
    /// The program does not exist there (locally: spawn failed with ENOENT; through a
    /// shell: exit code 127).
    #[error("`{program}` not found on {host} (running `{argv}`): {}", tail(stderr))]
    CommandNotFound {
        host: String,
        program: String,
        argv: Argv,
        stderr: String,
    },
    /// The command could not be started.
    #[error("cannot start `{argv}` on {host}: {source}")]
    Spawn {
        host: String,
        argv: Argv,
        #[source]
        source: io::Error,
    },
    /// Reading or writing the command's pipes failed.
    #[error("I/O error on `{argv}` on {host}: {source}")]
    Io {
        host: String,
        argv: Argv,
        #[source]
        source: io::Error,
    },
    /// [`Host::run`] got more stdout than [`RunOptions::stdout_limit`].
    #[error("`{argv}` on {host} wrote more than {limit} bytes to stdout")]
    OutputTooLarge {
        host: String,
        argv: Argv,
        limit: usize,
    },
    /// The command succeeded but its output is not what we expect.
    #[error("unexpected output of `{argv}` on {host}: {source}")]
    Parse {
        host: String,
        argv: Argv,
        /// Boxed to keep `HostError` small (it travels in every `Result`).
        #[source]
        source: Box<ParseError>,
    },
    /// No connection to the host (SSH implementations).
    #[error("cannot reach {host} ({kind:?}): {message}")]
    Connect {
        host: String,
        kind: ConnectErrorKind,
        message: String,
    },
}

/// The end of a stderr tail for one-line messages (the full tail stays in the field).
fn tail(stderr: &str) -> &str {
    const MAX: usize = 2000;
    let s = stderr.trim();
    if s.len() <= MAX {
        return s;
    }
    let mut start = s.len() - MAX;
    while !s.is_char_boundary(start) {
        start += 1;
    }
    &s[start..]
}

/// Whether a command's stderr says it ran out of space (ENOSPC, EDQUOT), as coreutils
/// and btrfs-progs print `strerror`.
fn out_of_space(stderr: &str) -> bool {
    stderr.contains("No space left on device") || stderr.contains("Disk quota exceeded")
}

fn io_kind_is_transient(kind: io::ErrorKind) -> bool {
    use io::ErrorKind as K;
    matches!(
        kind,
        K::ConnectionRefused
            | K::ConnectionReset
            | K::ConnectionAborted
            | K::NotConnected
            | K::BrokenPipe
            | K::TimedOut
            | K::Interrupted
            | K::WouldBlock
            | K::UnexpectedEof
            | K::ResourceBusy
    )
}

impl HostError {
    /// Whether the command was killed by SIGPIPE: whatever read its stdout went away
    /// first, so the reader's failure, not this one, is the cause.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, Self::Signalled { signal, .. } if *signal == nix::sys::signal::Signal::SIGPIPE as i32)
    }

    /// Whether retrying may succeed: timeouts, lost or refused connections, commands killed
    /// by a signal, interrupted pipes, and a command that failed for want of space (a full
    /// filesystem or quota: space is freed, by pruning or by an operator). Other non-zero
    /// exits, missing programs, unexpected output and host-key or authentication failures
    /// are permanent.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Timeout { .. } | Self::Signalled { .. } => true,
            Self::NonZeroExit { stderr, .. } => out_of_space(stderr),
            Self::CommandNotFound { .. } | Self::OutputTooLarge { .. } | Self::Parse { .. } => {
                false
            }
            Self::Spawn { source, .. } | Self::Io { source, .. } => {
                io_kind_is_transient(source.kind())
            }
            Self::Connect { kind, .. } => matches!(
                kind,
                ConnectErrorKind::Refused
                    | ConnectErrorKind::Reset
                    | ConnectErrorKind::TimedOut
                    | ConnectErrorKind::Unreachable
                    | ConnectErrorKind::Closed
            ),
        }
    }

    /// The error for a command that exited with `code` (not 0): 127 (a shell's "command
    /// not found") becomes [`HostError::CommandNotFound`], anything else
    /// [`HostError::NonZeroExit`].
    pub fn from_exit_code(host: String, argv: &Argv, code: i32, stderr: String) -> Self {
        if code == 127 {
            Self::CommandNotFound {
                host,
                program: argv.command_name().to_owned(),
                argv: argv.clone(),
                stderr,
            }
        } else {
            Self::NonZeroExit {
                host,
                argv: argv.clone(),
                code,
                stderr,
            }
        }
    }

    /// The host the error happened on.
    pub fn host(&self) -> &str {
        match self {
            Self::NonZeroExit { host, .. }
            | Self::Signalled { host, .. }
            | Self::Timeout { host, .. }
            | Self::CommandNotFound { host, .. }
            | Self::Spawn { host, .. }
            | Self::Io { host, .. }
            | Self::OutputTooLarge { host, .. }
            | Self::Parse { host, .. }
            | Self::Connect { host, .. } => host,
        }
    }

    /// The command concerned, if any.
    pub fn argv(&self) -> Option<&Argv> {
        match self {
            Self::NonZeroExit { argv, .. }
            | Self::Signalled { argv, .. }
            | Self::Timeout { argv, .. }
            | Self::CommandNotFound { argv, .. }
            | Self::Spawn { argv, .. }
            | Self::Io { argv, .. }
            | Self::OutputTooLarge { argv, .. }
            | Self::Parse { argv, .. } => Some(argv),
            Self::Connect { .. } => None,
        }
    }

    /// The exit code of a command that exited non-zero.
    pub fn exit_code(&self) -> Option<i32> {
        match self {
            Self::NonZeroExit { code, .. } => Some(*code),
            Self::CommandNotFound { .. } => Some(127),
            _ => None,
        }
    }

    /// The stderr tail of a command that ran.
    pub fn stderr(&self) -> Option<&str> {
        match self {
            Self::NonZeroExit { stderr, .. }
            | Self::Signalled { stderr, .. }
            | Self::Timeout { stderr, .. }
            | Self::CommandNotFound { stderr, .. } => Some(stderr),
            _ => None,
        }
    }
}

/// Keeps the last `limit` bytes written to it: the bounded stderr of a command. Public so
/// that every [`Host`] implementation bounds stderr the same way.
#[derive(Debug, Clone)]
pub struct StderrTail {
    buf: Vec<u8>,
    limit: usize,
    truncated: bool,
}

impl StderrTail {
    pub fn new(limit: usize) -> Self {
        Self {
            buf: Vec::new(),
            limit,
            truncated: false,
        }
    }

    pub fn push(&mut self, bytes: &[u8]) {
        if bytes.len() >= self.limit {
            self.truncated |= !self.buf.is_empty() || bytes.len() > self.limit;
            self.buf.clear();
            self.buf
                .extend_from_slice(&bytes[bytes.len() - self.limit..]);
            return;
        }
        self.buf.extend_from_slice(bytes);
        if self.buf.len() > self.limit {
            let excess = self.buf.len() - self.limit;
            self.buf.drain(..excess);
            self.truncated = true;
        }
    }

    /// The kept bytes, lossily decoded, prefixed with `…` when earlier bytes were dropped.
    pub fn into_string(self) -> String {
        let text = String::from_utf8_lossy(&self.buf);
        if self.truncated {
            format!("…{text}")
        } else {
            text.into_owned()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn classification() {
        let argv = Argv::new("btrfs");
        let h = || "local".to_owned();
        assert!(!HostError::from_exit_code(h(), &argv, 1, "ERROR".into()).is_transient());
        // A receive onto a full target: space can be freed, so it is worth a retry
        // (found by ops/bench/faults, remote_enospc).
        let full = "ERROR: writing to step-0002.bin failed: No space left on device";
        assert!(HostError::from_exit_code(h(), &argv, 1, full.into()).is_transient());
        let quota = "ERROR: cannot write: Disk quota exceeded";
        assert!(HostError::from_exit_code(h(), &argv, 1, quota.into()).is_transient());
        let nf = HostError::from_exit_code(h(), &argv, 127, "sh: btrfs: not found".into());
        assert!(matches!(nf, HostError::CommandNotFound { .. }));
        assert!(!nf.is_transient());
        assert!(
            HostError::Timeout {
                host: h(),
                argv: argv.clone(),
                after: Duration::from_secs(1),
                stderr: String::new()
            }
            .is_transient()
        );
        let io = |k| HostError::Io {
            host: h(),
            argv: argv.clone(),
            source: io::Error::from(k),
        };
        assert!(io(io::ErrorKind::ConnectionReset).is_transient());
        assert!(!io(io::ErrorKind::PermissionDenied).is_transient());
        let conn = |kind| HostError::Connect {
            host: h(),
            kind,
            message: String::new(),
        };
        assert!(conn(ConnectErrorKind::Refused).is_transient());
        assert!(!conn(ConnectErrorKind::HostKeyMismatch).is_transient());
        assert!(!conn(ConnectErrorKind::AuthenticationFailed).is_transient());
    }

    #[test]
    fn error_message_has_argv_code_and_stderr() {
        let argv = crate::command::btrfs::subvolume_show(&crate::AbsPath::parse("/x y").unwrap());
        let e = HostError::from_exit_code("local".into(), &argv, 1, "ERROR: cannot find\n".into());
        assert_eq!(
            e.to_string(),
            "`btrfs subvolume show -b '/x y'` on local exited with code 1: ERROR: cannot find"
        );
        assert_eq!(e.exit_code(), Some(1));
        assert_eq!(e.stderr(), Some("ERROR: cannot find\n"));
    }

    #[test]
    fn host_error_stays_small() {
        // It travels in every Result of the crate (clippy::result_large_err).
        assert!(
            std::mem::size_of::<HostError>() <= 104,
            "{}",
            std::mem::size_of::<HostError>()
        );
    }

    #[test]
    fn tail_is_char_safe() {
        let s = "é".repeat(3000);
        assert!(tail(&s).len() <= 2000);
    }

    proptest! {
        #[test]
        fn stderr_tail_keeps_the_last_bytes(chunks in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..50), 0..20), limit in 1usize..100) {
            let mut t = StderrTail::new(limit);
            let mut all = Vec::new();
            for c in &chunks {
                t.push(c);
                all.extend_from_slice(c);
            }
            let keep = all.len().min(limit);
            prop_assert_eq!(&t.buf[..], &all[all.len() - keep..]);
            prop_assert_eq!(t.truncated, all.len() > limit);
        }
    }
}
