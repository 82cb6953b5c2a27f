//! One remote command on one SSH session channel: [`start`] execs the shell-quoted argv and
//! returns an [`SshCommand`] (the [`RunningCommand`] of [`crate::SshHost`]).
//!
//! Three tasks per command, all with bounded memory:
//! - the **pump** owns the channel's read half: it forwards stdout chunks into a bounded
//!   queue ([`STDOUT_QUEUE`] chunks) read by [`ChunkReader`] — a slow reader stops the pump,
//!   which (through russh's per-channel queue) stops reading the connection: back-pressure
//!   reaches the server. It keeps the stderr tail, the exit status, and enforces the
//!   deadline (then closes the channel; sshd hangs up the command).
//! - **stdin** has no task of its own: [`ChunkedStdin`] (the caller's `AsyncWrite`) gathers
//!   writes into [`STDIN_CHUNK`] (32 KiB) chunks, and whole [`Bytes`] chunks
//!   (`StdinWrite::poll_write_chunk`, the replication stream) are taken as they are, without
//!   a copy; the writer's own task hands each chunk to russh with one `data_bytes` call
//!   (docs/design.md, Replication: 32 KiB chunks keep up with OpenSSH; 8 KiB writes lose 25-47%). At most
//!   one chunk is in flight (waiting for channel window or room in the session's queue);
//!   the next write waits for it, which is the back-pressure. No hand-off to another task
//!   per chunk: on this 2-core class of machine each cross-task wake-up per 32 KiB was
//!   measurable. Shutting the writer down flushes the last partial chunk and sends EOF;
//!   dropping it without a shutdown sends no EOF (a cut-off stream never looks complete).
//! - [`SshCommand::wait`] drains an untaken stdout and collects the pump's outcome.
//!
//! Dropping an [`SshCommand`] without waiting abandons it: the pump closes the channel.
//!
//! Caveat (russh 0.65): russh grants channel window as data arrives, not as it is read, so
//! back-pressure from one stalled stdout reader pauses the whole connection (the other
//! channels of this host too) once russh's per-channel queue (100 packets, each up to
//! `connect::DOWNLOAD_PACKET`) is full.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use btrfs::host::{
    CommandStdin, CommandStdout, ConnectErrorKind, ExitInfo, RunOptions, RunningCommand,
    StderrTail, StdinWrite,
};
use btrfs::{Argv, HostError};
use bytes::{Bytes, BytesMut};
use russh::client::Msg;
use russh::{ChannelMsg, ChannelReadHalf, ChannelWriteHalf, Sig};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::connect::connect_error;

/// Size of the chunks stdin is sent in (one SSH packet each with OpenSSH's 32 KiB maximum).
pub const STDIN_CHUNK: usize = 32 * 1024;
/// Chunks of stdout queued between the pump and the reader.
const STDOUT_QUEUE: usize = 16;
/// How long the pump waits for the channel to close after a timeout or an abandon.
const CLOSE_GRACE: Duration = Duration::from_secs(2);

type WriteHalf = Arc<ChannelWriteHalf<Msg>>;

/// Starts `argv` on an open session channel.
pub(crate) async fn start(
    host: String,
    channel: russh::Channel<Msg>,
    argv: &Argv,
    opts: &RunOptions,
) -> Result<SshCommand, HostError> {
    let (read, write) = channel.split();
    let write: WriteHalf = Arc::new(write);
    // want_reply: the pump learns if the server refused the exec (ChannelMsg::Failure).
    write
        .exec(true, argv.shell_quoted())
        .await
        .map_err(|e| HostError::Spawn {
            host: host.clone(),
            argv: argv.clone(),
            source: io::Error::new(io::ErrorKind::NotConnected, e.to_string()),
        })?;
    let started = Instant::now();
    // Cancelled by the pump when the command ended or the channel closed: a stdin write
    // then fails at once instead of waiting for window that will never come.
    let stdin_stop = CancellationToken::new();

    let stdin = if opts.stdin {
        Some(Box::new(ChunkedStdin::new(write.clone(), stdin_stop.clone())) as CommandStdin)
    } else {
        // No stdin: EOF right away (like </dev/null).
        let _ = write.eof().await;
        None
    };

    let (out_tx, out_rx) = mpsc::channel(STDOUT_QUEUE);
    let (abandon_tx, abandon_rx) = oneshot::channel();
    let deadline = opts
        .timeout
        .and_then(|t| tokio::time::Instant::now().checked_add(t));
    let pump = tokio::spawn(pump(
        read,
        write,
        out_tx,
        PumpLimits {
            deadline,
            stderr_limit: opts.stderr_limit,
        },
        abandon_rx,
        stdin_stop,
    ));
    Ok(SshCommand {
        host,
        argv: argv.clone(),
        stdin,
        stdout: Some(ChunkReader::new(out_rx)),
        pump: Some(pump),
        _abandon: abandon_tx,
        started,
        timeout: opts.timeout,
    })
}

/// How the remote command ended, as the pump saw it.
#[derive(Debug)]
enum Ending {
    Exited(u32),
    Signalled(Sig),
    TimedOut,
    /// The server refused the exec request.
    Refused,
    /// The channel or the connection went away without an exit status.
    Lost(ConnectErrorKind, String),
}

struct PumpLimits {
    deadline: Option<tokio::time::Instant>,
    stderr_limit: usize,
}

struct Pumped {
    ending: Ending,
    stderr: String,
}

async fn sleep_until(at: Option<tokio::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// Reads the channel until it closes (see the module doc).
async fn pump(
    mut read: ChannelReadHalf,
    write: WriteHalf,
    out_tx: mpsc::Sender<io::Result<Bytes>>,
    limits: PumpLimits,
    mut abandon: oneshot::Receiver<()>,
    stdin_stop: CancellationToken,
) -> Pumped {
    let mut out = Some(out_tx);
    let mut tail = StderrTail::new(limits.stderr_limit);
    let mut deadline = limits.deadline;
    let mut exit: Option<Ending> = None;
    let mut timed_out = false;
    let mut abandoned = false;
    let mut close_by: Option<tokio::time::Instant> = None;

    let ending = loop {
        tokio::select! {
            msg = read.wait() => match msg {
                Some(ChannelMsg::Data { data }) => {
                    if let Some(tx) = &out {
                        // The bounded send is the back-pressure; the deadline and an
                        // abandon still apply while it waits.
                        tokio::select! {
                            r = tx.send(Ok(data)) => if r.is_err() { out = None },
                            () = sleep_until(deadline) => {
                                out = None;
                                timed_out = true;
                                deadline = None;
                                close_by = Some(hang_up(&write).await);
                            }
                            _ = &mut abandon, if !abandoned => {
                                out = None;
                                abandoned = true;
                                close_by = Some(hang_up(&write).await);
                            }
                        }
                    }
                }
                Some(ChannelMsg::ExtendedData { data, ext }) => {
                    if ext == 1 {
                        tail.push(&data);
                    }
                }
                Some(ChannelMsg::ExitStatus { exit_status }) => {
                    exit = Some(Ending::Exited(exit_status));
                    stdin_stop.cancel();
                }
                Some(ChannelMsg::ExitSignal { signal_name, .. }) => {
                    exit = Some(Ending::Signalled(signal_name));
                    stdin_stop.cancel();
                }
                // The exec request was refused: no command runs.
                Some(ChannelMsg::Failure) if exit.is_none() => {
                    let _ = write.close().await;
                    break Ending::Refused;
                }
                Some(ChannelMsg::Eof) => out = None,
                Some(ChannelMsg::Close) => {
                    break exit.take().unwrap_or_else(|| {
                        Ending::Lost(ConnectErrorKind::Closed, "the server closed the channel without an exit status".to_owned())
                    })
                }
                None => {
                    break exit.take().unwrap_or_else(|| {
                        Ending::Lost(ConnectErrorKind::Closed, "the SSH connection was lost while the command ran".to_owned())
                    })
                }
                Some(_) => {}
            },
            () = sleep_until(deadline) => {
                timed_out = true;
                deadline = None;
                out = None;
                close_by = Some(hang_up(&write).await);
            }
            _ = &mut abandon, if !abandoned => {
                abandoned = true;
                out = None;
                close_by = Some(hang_up(&write).await);
            }
            () = sleep_until(close_by), if close_by.is_some() => {
                break Ending::Lost(ConnectErrorKind::Closed, "the channel did not close after hang-up".to_owned());
            }
        }
    };
    stdin_stop.cancel();
    let ending = if timed_out { Ending::TimedOut } else { ending };
    if let (Some(tx), Ending::Lost(_, why)) = (&out, &ending) {
        // A cut-off stream must not look complete to the reader.
        let _ = tx
            .send(Err(io::Error::new(
                io::ErrorKind::ConnectionAborted,
                why.clone(),
            )))
            .await;
    }
    drop(out);
    Pumped {
        ending,
        stderr: tail.into_string(),
    }
}

/// Asks the server to kill the command and closes the channel; returns by when the close
/// must be confirmed. (OpenSSH delivers `signal` requests since 7.9; closing the channel
/// makes sshd close the command's pipes either way.)
async fn hang_up(write: &WriteHalf) -> tokio::time::Instant {
    let _ = write.signal(Sig::KILL).await;
    let _ = write.close().await;
    tokio::time::Instant::now() + CLOSE_GRACE
}

/// What [`ChunkedStdin`] hands to russh: the future of one `data_bytes` or `eof` call.
type Handing = Pin<Box<dyn Future<Output = io::Result<()>> + Send>>;

/// Hands one chunk (`Some`) or the EOF (`None`) to russh; fails with BrokenPipe once `stop`
/// is cancelled (the command ended: russh would wait for window forever).
async fn hand_over(
    write: WriteHalf,
    stop: CancellationToken,
    chunk: Option<Bytes>,
) -> io::Result<()> {
    let sent = async {
        match chunk {
            Some(chunk) => write.data_bytes(chunk).await,
            None => write.eof().await,
        }
    };
    // `sent` first: russh usually takes the chunk at once, and then the stop token is
    // never polled (no waiter registered per chunk).
    tokio::select! {
        biased;
        r = sent => r.map_err(|e| {
            tracing::debug!(error = %e, "stdin hand-over failed");
            ChunkedStdin::broken()
        }),
        () = stop.cancelled() => Err(ChunkedStdin::broken()),
    }
}

/// The caller's stdin writer: gathers writes into [`STDIN_CHUNK`] chunks and hands them to
/// russh from the caller's task (see the module doc).
struct ChunkedStdin {
    buf: BytesMut,
    write: WriteHalf,
    stop: CancellationToken,
    /// The chunk (or EOF) being handed over, when russh could not take it at once.
    in_flight: Option<Handing>,
    /// A hand-over failed or EOF was sent: every later write fails.
    done: bool,
}

impl ChunkedStdin {
    fn new(write: WriteHalf, stop: CancellationToken) -> Self {
        Self {
            buf: BytesMut::with_capacity(STDIN_CHUNK),
            write,
            stop,
            in_flight: None,
            done: false,
        }
    }

    fn broken() -> io::Error {
        io::Error::new(
            io::ErrorKind::BrokenPipe,
            "the remote command no longer reads stdin",
        )
    }

    /// Drives the hand-over in flight to its end.
    fn poll_in_flight(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if let Some(handing) = self.in_flight.as_mut() {
            let r = ready!(handing.as_mut().poll(cx));
            self.in_flight = None;
            if r.is_err() {
                self.done = true;
            }
            r?;
        }
        Poll::Ready(Ok(()))
    }

    /// Starts handing `chunk` (or the EOF) over and polls it once: usually russh takes it
    /// right away; otherwise it stays in flight until the next call drives it.
    fn start(&mut self, cx: &mut Context<'_>, chunk: Option<Bytes>) -> io::Result<()> {
        let mut handing: Handing =
            Box::pin(hand_over(self.write.clone(), self.stop.clone(), chunk));
        match handing.as_mut().poll(cx) {
            Poll::Ready(Ok(())) => Ok(()),
            Poll::Ready(Err(e)) => {
                self.done = true;
                Err(e)
            }
            Poll::Pending => {
                self.in_flight = Some(handing);
                Ok(())
            }
        }
    }

    /// Waits for the chunk in flight, then starts handing the buffered bytes over.
    fn poll_send_buf(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.poll_in_flight(cx))?;
        if self.done {
            return Poll::Ready(Err(Self::broken()));
        }
        if !self.buf.is_empty() {
            let chunk = self.buf.split().freeze();
            self.buf.reserve(STDIN_CHUNK);
            self.start(cx, Some(chunk))?;
        }
        Poll::Ready(Ok(()))
    }

    /// Hands the buffered bytes over and waits until russh has taken everything.
    fn poll_all_handed_over(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.poll_send_buf(cx))?;
        self.poll_in_flight(cx)
    }
}

impl AsyncWrite for ChunkedStdin {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.done || this.stop.is_cancelled() {
            return Poll::Ready(Err(Self::broken()));
        }
        if this.buf.len() >= STDIN_CHUNK {
            ready!(this.poll_send_buf(cx))?;
        }
        let n = (STDIN_CHUNK - this.buf.len()).min(data.len());
        this.buf
            .extend_from_slice(data.get(..n).unwrap_or_default());
        Poll::Ready(Ok(n))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().poll_all_handed_over(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.done {
            // EOF already sent (or the command is gone: nothing left to end).
            return this.poll_in_flight(cx).map(|_| Ok(()));
        }
        ready!(this.poll_all_handed_over(cx))?;
        let eof = this.start(cx, None);
        this.done = true;
        eof?;
        this.poll_in_flight(cx)
    }
}

impl StdinWrite for ChunkedStdin {
    fn poll_write_chunk(
        &mut self,
        cx: &mut Context<'_>,
        chunk: &mut Bytes,
    ) -> Poll<io::Result<()>> {
        if self.stop.is_cancelled() {
            self.done = true;
        }
        // Bytes written through `poll_write` go first.
        ready!(self.poll_all_handed_over(cx))?;
        if chunk.is_empty() {
            return Poll::Ready(Ok(()));
        }
        // `data_bytes` splits a chunk larger than the server's packet size.
        self.start(cx, Some(std::mem::take(chunk)))?;
        Poll::Ready(Ok(()))
    }
}

/// The caller's stdout reader over the pump's bounded queue of chunks.
struct ChunkReader {
    rx: mpsc::Receiver<io::Result<Bytes>>,
    current: Bytes,
}

impl ChunkReader {
    fn new(rx: mpsc::Receiver<io::Result<Bytes>>) -> Self {
        Self {
            rx,
            current: Bytes::new(),
        }
    }
}

impl AsyncRead for ChunkReader {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        out: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        loop {
            if !this.current.is_empty() {
                let n = this.current.len().min(out.remaining());
                out.put_slice(&this.current.split_to(n));
                return Poll::Ready(Ok(()));
            }
            match ready!(this.rx.poll_recv(cx)) {
                Some(Ok(chunk)) => this.current = chunk,
                Some(Err(e)) => return Poll::Ready(Err(e)),
                None => return Poll::Ready(Ok(())),
            }
        }
    }
}

/// A command running on a remote host.
pub(crate) struct SshCommand {
    host: String,
    argv: Argv,
    stdin: Option<CommandStdin>,
    stdout: Option<ChunkReader>,
    pump: Option<JoinHandle<Pumped>>,
    /// Dropped with the command: tells the pump to hang up (no effect after the exit).
    _abandon: oneshot::Sender<()>,
    started: Instant,
    timeout: Option<Duration>,
}

/// The number of a signal named in an SSH `exit-signal` message.
fn signal_number(sig: &Sig) -> i32 {
    match sig {
        Sig::HUP => 1,
        Sig::INT => 2,
        Sig::QUIT => 3,
        Sig::ILL => 4,
        Sig::ABRT => 6,
        Sig::FPE => 8,
        Sig::KILL => 9,
        Sig::USR1 => 10,
        Sig::SEGV => 11,
        Sig::PIPE => 13,
        Sig::ALRM => 14,
        Sig::TERM => 15,
        // Names outside RFC 4254's list (USR2, BUS ...): no portable number.
        Sig::Custom(_) => -1,
    }
}

#[async_trait]
impl RunningCommand for SshCommand {
    fn take_stdin(&mut self) -> Option<CommandStdin> {
        self.stdin.take()
    }

    fn take_stdout(&mut self) -> Option<CommandStdout> {
        self.stdout.take().map(|r| Box::new(r) as CommandStdout)
    }

    async fn wait(mut self: Box<Self>) -> Result<ExitInfo, HostError> {
        if let Some(mut stdin) = self.stdin.take() {
            use tokio::io::AsyncWriteExt;
            let _ = stdin.shutdown().await;
        }
        let drain = async {
            if let Some(mut out) = self.stdout.take() {
                let _ = tokio::io::copy(&mut out, &mut tokio::io::sink()).await;
            }
        };
        let joined = async {
            match self.pump.take() {
                Some(h) => h.await.map_err(|e| e.to_string()),
                None => Err("already waited".to_owned()),
            }
        };
        let ((), pumped) = tokio::join!(drain, joined);
        let (host, argv) = (self.host.clone(), self.argv.clone());
        let pumped = pumped.map_err(|e| HostError::Io {
            host: host.clone(),
            argv: argv.clone(),
            source: io::Error::other(format!("SSH command task: {e}")),
        })?;
        let stderr = pumped.stderr;
        match pumped.ending {
            Ending::Exited(0) => Ok(ExitInfo {
                duration: self.started.elapsed(),
                stderr,
            }),
            Ending::Exited(code) => Err(HostError::from_exit_code(
                host,
                &argv,
                i32::try_from(code).unwrap_or(i32::MAX),
                stderr,
            )),
            Ending::Signalled(sig) => Err(HostError::Signalled {
                host,
                argv,
                signal: signal_number(&sig),
                stderr,
            }),
            Ending::TimedOut => Err(HostError::Timeout {
                host,
                argv,
                after: self.timeout.unwrap_or_default(),
                stderr,
            }),
            Ending::Refused => Err(HostError::Spawn {
                host,
                argv,
                source: io::Error::new(
                    io::ErrorKind::PermissionDenied,
                    "the SSH server refused the exec request",
                ),
            }),
            Ending::Lost(kind, why) => Err(connect_error(&host, kind, why)),
        }
    }
}
