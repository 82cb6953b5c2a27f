//! Fan-out of one `btrfs send` stream to several `btrfs receive` stdins, with bounded
//! memory and per-sink pacing. No btrfs or event knowledge: bytes in, bytes out.
//!
//! Shape (docs/design.md, Replication): ONE task does everything, with no hand-off to another task per
//! chunk (on this 2-core class of machine a cross-task wake-up per 32 KiB chunk, at every
//! hop, cost a measurable share of the client's CPU). It reads the source up to
//! [`READ_SIZE`] at a time, splits what it read into [`CHUNK`]-sized [`Bytes`] (slices, no
//! copy; a partial chunk waits for the next read, except at EOF) and queues the *same*
//! `Bytes` (a reference count) for each sink; in the same poll it hands each sink's queued
//! chunks to the sink (`poll_write_chunk`: the SSH stdin passes them to russh without
//! copying), each sink as far as it accepts, paced by its rate limit. The source is read
//! only while the least-loaded live sink has fewer than [`READ_AHEAD_CHUNKS`] queued (the
//! fastest sink wants more) and no live sink has [`Options::lag_bytes`] queued: a sink
//! slower than the others (a rate-limited or distant target) falls behind by up to that
//! buffer without slowing them, and only beyond it sets the pace of all. The queued
//! chunks are the same `Bytes` for every raw sink, so memory is about the largest lag
//! (at most `lag_bytes`, once more for compressed sinks) plus `READ_AHEAD_CHUNKS` chunks,
//! whatever the stream's size and the number of sinks; with one sink, or sinks of one
//! speed, it stays at the read-ahead. A sink whose write fails is dropped from the fan-out
//! without disturbing the others; so is a sink that accepts nothing for
//! [`Options::stall_timeout`] while it has data waiting. When every sink is gone the reading stops.
//!
//! Compression: sinks with [`Sink::zstd`] get the stream zstd-compressed (level
//! [`ZSTD_LEVEL`], on [`zstd_workers`] threads) instead of raw. The stream is compressed
//! once, in process, whatever the number of such sinks, and only when one is live; the
//! raw sinks still share the raw chunks. A sink is shut down (a clean EOF) only after the
//! source's end of stream, never otherwise, so a truncated stream (source or compressor
//! failure) never looks complete: its sinks are dropped without a shutdown.
//!
//! Resuming: a sink with [`Sink::skip`] already holds the stream's first `skip` bytes (a
//! staged stream cut earlier): it is given only what follows. With `hash`, the report
//! carries the sha256 of the whole stream (to check what a sink holds against it).
//!
//! A sink with [`Sink::on_delivered`] is told the moment it has the whole stream and was
//! shut down, while slower sinks still run: its target can be verified and recorded
//! without waiting for them.
//!
//! Not here: spawning the commands, waiting on them, verifying the result (the
//! replication engine's).

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::io::{self, Write};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use btrfs::host::{CommandStdin, CommandStdout};
use bytes::{Bytes, BytesMut};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWrite;
use tokio::time::{Instant, Sleep};

/// Size of the chunks handed to the sinks. The SSH stdin splits one into packets (32 KiB
/// with OpenSSH) and hands them to russh in one go, so russh's session task takes several
/// per wake-up: 256 KiB chunks made 8-18% fewer context switches in serve than 32 KiB
/// ones (`ops/bench/replication`, 2 GiB, same round against same round).
pub const CHUNK: usize = 256 * 1024;
/// Most bytes taken from the source in one read (split into chunks without a copy): the
/// `btrfs send` pipe holds up to 1 MiB, so fewer, larger reads.
pub const READ_SIZE: usize = 4 * CHUNK;
/// The source is read only while the least-loaded live sink has fewer chunks than this
/// queued.
pub const READ_AHEAD_CHUNKS: usize = 16;
/// The default of [`Options::lag_bytes`]: 64 MiB.
pub const LAG_BYTES: usize = 64 << 20;
/// The default of [`Options::stall_timeout`].
pub const STALL_TIMEOUT: Duration = Duration::from_secs(120);

/// How one fan-out runs.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Compute the whole stream's sha256 ([`FanoutReport::sha256`]).
    pub hash: bool,
    /// A sink that accepts nothing for this long while it has data waiting is dropped (a
    /// hung remote, or a link gone dark while a write waits, must not stall the others
    /// forever; an SSH keepalive cannot fire while the connection's writer is blocked).
    pub stall_timeout: Duration,
    /// How far one sink may fall behind (bytes queued for it) before the source waits
    /// for it: the buffer that keeps a slow target from pacing the others (at least one
    /// chunk).
    pub lag_bytes: usize,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            hash: false,
            stall_timeout: STALL_TIMEOUT,
            lag_bytes: LAG_BYTES,
        }
    }
}

impl Options {
    /// [`Options::lag_bytes`] in chunks.
    fn lag_chunks(&self) -> usize {
        self.lag_bytes.div_ceil(CHUNK).max(1)
    }
}

/// zstd level of compressed sinks (the `zstd` command's default).
pub const ZSTD_LEVEL: i32 = 3;

/// Compression threads (as `zstd -T0`, at most 4).
pub fn zstd_workers() -> u32 {
    std::thread::available_parallelism()
        .map_or(1, |n| u32::try_from(n.get()).unwrap_or(1))
        .min(4)
}

/// One destination of the stream.
pub struct Sink<K> {
    pub key: K,
    pub stdin: CommandStdin,
    /// Bytes per second on the wire; `None`: as fast as the sink takes them.
    pub rate_limit: Option<u64>,
    /// Bytes of the (uncompressed) stream delivered so far (read by the progress
    /// reporter: comparable across sinks and with the stream's size).
    pub written: Arc<AtomicU64>,
    /// Send the zstd-compressed stream to this sink.
    pub zstd: bool,
    /// Bytes at the start of the stream the sink already has: not written to it (raw
    /// sinks only; a zstd sink gets the whole compressed stream whatever this says). Its
    /// rate limit counts from the first byte written.
    pub skip: u64,
    /// Told at once when the sink has the whole stream and was shut down cleanly (the
    /// report says the same when every sink is done).
    pub on_delivered: Option<tokio::sync::oneshot::Sender<Delivered>>,
}

/// What a sink was given, when it got the whole stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delivered {
    /// Bytes of the send stream.
    pub stream_bytes: u64,
    /// Bytes written into the sink (compressed ones for a zstd sink).
    pub wire_bytes: u64,
    /// The whole stream's sha256, when asked for ([`Options::hash`]).
    pub sha256: Option<[u8; 32]>,
}

/// How the fan-out ended.
#[derive(Debug)]
pub struct FanoutReport<K: Eq + Hash> {
    /// Bytes read from the source.
    pub bytes_read: u64,
    /// Why reading the source failed, if it did (every sink then got a truncated stream).
    pub read_error: Option<io::Error>,
    /// Per sink: what it got before a clean shut down, or why writing failed.
    pub sinks: HashMap<K, Result<Delivered, io::Error>>,
    /// The sha256 of the whole stream, when asked for and the source ended cleanly.
    pub sha256: Option<[u8; 32]>,
    /// The most chunks that were queued for one sink at once (the fan-out's memory).
    pub peak_queued_chunks: usize,
}

/// How long to wait before writing more, for a sink limited to `rate` bytes/s that has
/// been written `sent` bytes in `elapsed` (a leaky bucket that allows one chunk of
/// burst).
pub fn pace_delay(sent: u64, rate: u64, elapsed: Duration) -> Duration {
    if rate == 0 {
        return Duration::ZERO;
    }
    let allowed_at =
        Duration::from_secs_f64(sent.saturating_sub(CHUNK as u64) as f64 / rate as f64);
    allowed_at.saturating_sub(elapsed)
}

/// What is queued for a sink.
enum Msg {
    /// A chunk, and the stream offset it brings the sink to.
    Chunk(Bytes, u64),
    /// The stream is complete, at this many bytes (and this digest, when asked for):
    /// shut the sink down.
    End(u64, Option<[u8; 32]>),
}

/// One sink while the stream runs: its queue and how far it got.
struct Out<K> {
    key: K,
    stdin: CommandStdin,
    zstd: bool,
    queue: VecDeque<Msg>,
    rate: Option<u64>,
    started: Instant,
    /// See [`Sink::skip`]; `started` is reset when its first chunk is queued.
    skip: u64,
    /// The rate limit's wait, and the stall deadline (both reset as needed, not re-made).
    pace: Pin<Box<Sleep>>,
    stall: Pin<Box<Sleep>>,
    stall_timeout: Duration,
    last_progress: Instant,
    wire: u64,
    written: Arc<AtomicU64>,
    on_delivered: Option<tokio::sync::oneshot::Sender<Delivered>>,
    /// `Some` once the sink is finished: shut down cleanly, or failed.
    done: Option<Result<Delivered, io::Error>>,
}

impl<K> Out<K> {
    fn new(sink: Sink<K>, now: Instant, stall_timeout: Duration) -> Self {
        Self {
            key: sink.key,
            stdin: sink.stdin,
            zstd: sink.zstd,
            queue: VecDeque::new(),
            rate: sink.rate_limit,
            started: now,
            skip: if sink.zstd { 0 } else { sink.skip },
            pace: Box::pin(tokio::time::sleep_until(now)),
            stall: Box::pin(tokio::time::sleep_until(now + stall_timeout)),
            stall_timeout,
            last_progress: now,
            wire: 0,
            written: sink.written,
            on_delivered: sink.on_delivered,
            done: None,
        }
    }

    fn live(&self) -> bool {
        self.done.is_none()
    }

    fn fail(&mut self, e: io::Error) {
        self.queue.clear();
        self.done = Some(Err(e));
    }

    /// Hands queued chunks to the sink as far as it takes them; true when it took any
    /// (or finished). Registers the waker for whatever it waits on.
    fn poll_drain(&mut self, cx: &mut Context<'_>) -> bool {
        let mut progressed = false;
        while self.done.is_none() {
            let Some(msg) = self.queue.front_mut() else {
                return progressed;
            };
            let (chunk, upto) = match msg {
                Msg::End(total, sha256) => {
                    let (total, sha256) = (*total, *sha256);
                    match Pin::new(&mut self.stdin).poll_shutdown(cx) {
                        Poll::Ready(Ok(())) => {
                            self.queue.clear();
                            let delivered = Delivered {
                                stream_bytes: total,
                                wire_bytes: self.wire,
                                sha256,
                            };
                            if let Some(tell) = self.on_delivered.take() {
                                // Its receiver gone: nobody waits for it early.
                                let _ = tell.send(delivered);
                            }
                            self.done = Some(Ok(delivered));
                        }
                        Poll::Ready(Err(e)) => self.fail(e),
                        Poll::Pending => return progressed || self.stalled(cx),
                    }
                    return true;
                }
                Msg::Chunk(chunk, upto) => (chunk, *upto),
            };
            if let Some(rate) = self.rate {
                let wait = pace_delay(self.wire, rate, self.started.elapsed());
                if !wait.is_zero() {
                    self.pace.as_mut().reset(Instant::now() + wait);
                    if self.pace.as_mut().poll(cx).is_pending() {
                        // Waiting on the rate limit is not a stall.
                        self.last_progress = Instant::now();
                        return progressed;
                    }
                }
            }
            let len = chunk.len() as u64;
            match self.stdin.poll_write_chunk(cx, chunk) {
                Poll::Ready(Ok(())) => {
                    self.queue.pop_front();
                    self.wire += len;
                    self.written.store(upto, Ordering::Relaxed);
                    self.last_progress = Instant::now();
                    progressed = true;
                }
                Poll::Ready(Err(e)) => {
                    self.fail(e);
                    return true;
                }
                Poll::Pending => return progressed || self.stalled(cx),
            }
        }
        progressed
    }

    /// The sink took nothing: fails it (true) once it has taken nothing for
    /// its stall timeout, else arms the stall timer.
    fn stalled(&mut self, cx: &mut Context<'_>) -> bool {
        let deadline = self.last_progress + self.stall_timeout;
        if self.stall.deadline() != deadline {
            self.stall.as_mut().reset(deadline);
        }
        if self.stall.as_mut().poll(cx).is_ready() {
            self.fail(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("the target accepted nothing for {:?}", self.stall_timeout),
            ));
            return true;
        }
        false
    }
}

/// The in-process zstd compressor of the compressed sinks.
struct Compressor(zstd::stream::write::Encoder<'static, Vec<u8>>);

impl Compressor {
    fn new() -> io::Result<Self> {
        let mut e = zstd::stream::write::Encoder::new(Vec::with_capacity(2 * CHUNK), ZSTD_LEVEL)?;
        let workers = zstd_workers();
        if workers > 1 {
            e.multithread(workers)?;
        }
        Ok(Self(e))
    }

    /// Compresses `chunk`; returns the output ready so far when it fills a chunk.
    fn push(&mut self, chunk: &[u8]) -> io::Result<Option<Bytes>> {
        self.0.write_all(chunk)?;
        let out = self.0.get_mut();
        if out.len() < CHUNK {
            return Ok(None);
        }
        Ok(Some(Bytes::from(std::mem::replace(
            out,
            Vec::with_capacity(2 * CHUNK),
        ))))
    }

    /// Ends the frame; returns the rest of the output.
    fn finish(self) -> io::Result<Bytes> {
        self.0.finish().map(Bytes::from)
    }
}

/// The reading side: the source, the partial chunk, the compressor.
struct Reader {
    source: CommandStdout,
    buf: BytesMut,
    bytes_read: u64,
    compressor: Option<Compressor>,
    /// The whole stream's sha256 so far, when asked for.
    hasher: Option<Sha256>,
    /// The whole stream's sha256, once its clean end was read (when asked for).
    sha256: Option<[u8; 32]>,
    /// EOF seen, or reading failed, or every sink is gone: nothing more is read.
    finished: bool,
    /// [`Options::lag_bytes`] in chunks: no read while a live sink has this many queued.
    lag_chunks: usize,
    /// The most chunks queued for one sink so far.
    peak_queued: usize,
    read_error: Option<io::Error>,
}

impl Reader {
    /// Queues `chunk` (whole, the stream now at `upto`) for every live sink of its kind,
    /// compressing it once for the zstd sinks.
    fn distribute<K>(&mut self, outs: &mut [Out<K>], chunk: Bytes) {
        let start = self.bytes_read;
        self.bytes_read += chunk.len() as u64;
        let upto = self.bytes_read;
        if let Some(h) = self.hasher.as_mut() {
            h.update(&chunk);
        }
        for out in outs.iter_mut().filter(|o| o.live() && !o.zstd) {
            if out.skip >= upto {
                continue;
            }
            let part = match usize::try_from(out.skip.saturating_sub(start)) {
                Ok(0) => chunk.clone(),
                Ok(n) => chunk.slice(n..),
                Err(_) => continue,
            };
            if out.skip > 0 && out.wire == 0 && out.queue.is_empty() {
                out.started = Instant::now();
                out.last_progress = out.started;
            }
            out.queue.push_back(Msg::Chunk(part, upto));
        }
        if !outs.iter().any(|o| o.live() && o.zstd) {
            self.compressor = None;
        }
        if let Some(c) = self.compressor.as_mut() {
            match c.push(&chunk) {
                Ok(Some(packed)) => queue_compressed(outs, &packed, upto),
                Ok(None) => {}
                Err(e) => {
                    self.compressor = None;
                    fail_compressed(outs, &e);
                }
            }
        }
    }

    /// Reads once (if every live sink has room); true when something was read or the
    /// reading finished.
    fn poll_fill<K>(&mut self, cx: &mut Context<'_>, outs: &mut [Out<K>]) -> bool {
        if self.finished {
            return false;
        }
        if !outs.iter().any(Out::live) {
            self.finished = true;
            return true;
        }
        let (least, most) = outs
            .iter()
            .filter(|o| o.live())
            .fold((usize::MAX, 0), |(least, most), o| {
                (least.min(o.queue.len()), most.max(o.queue.len()))
            });
        if least >= READ_AHEAD_CHUNKS || most >= self.lag_chunks {
            return false;
        }
        if self.buf.capacity() - self.buf.len() < CHUNK {
            self.buf.reserve(READ_SIZE - self.buf.len().min(READ_SIZE));
        }
        let eof = match tokio_util::io::poll_read_buf(Pin::new(&mut self.source), cx, &mut self.buf)
        {
            Poll::Pending => return false,
            Poll::Ready(Ok(0)) => true,
            Poll::Ready(Ok(_)) => false,
            Poll::Ready(Err(e)) => {
                self.read_error = Some(e);
                self.finished = true;
                return true;
            }
        };
        // Whole chunks (slices of one read, no copy); the rest waits for the next read.
        let whole = if eof {
            self.buf.len()
        } else {
            self.buf.len() - self.buf.len() % CHUNK
        };
        let mut ready = self.buf.split_to(whole).freeze();
        while !ready.is_empty() {
            let chunk = ready.split_to(ready.len().min(CHUNK));
            self.distribute(outs, chunk);
        }
        let queued = outs.iter().map(|o| o.queue.len()).max().unwrap_or(0);
        self.peak_queued = self.peak_queued.max(queued);
        if eof {
            self.finished = true;
            self.end(outs);
        }
        true
    }

    /// The source ended cleanly: the compressor's tail, then the end for every live sink.
    fn end<K>(&mut self, outs: &mut [Out<K>]) {
        if let Some(c) = self.compressor.take() {
            match c.finish() {
                Ok(packed) => queue_compressed(outs, &packed, self.bytes_read),
                Err(e) => fail_compressed(outs, &e),
            }
        }
        let total = self.bytes_read;
        self.sha256 = self.hasher.take().map(|h| h.finalize().into());
        for out in outs.iter_mut().filter(|o| o.live()) {
            out.queue.push_back(Msg::End(total, self.sha256));
        }
    }
}

/// Queues compressor output for the live zstd sinks, in chunks of at most [`CHUNK`]
/// (slices, no copy).
fn queue_compressed<K>(outs: &mut [Out<K>], packed: &Bytes, upto: u64) {
    let mut start = 0;
    while start < packed.len() {
        let end = (start + CHUNK).min(packed.len());
        let chunk = packed.slice(start..end);
        for out in outs.iter_mut().filter(|o| o.live() && o.zstd) {
            out.queue.push_back(Msg::Chunk(chunk.clone(), upto));
        }
        start = end;
    }
}

/// The compressor failed (the caller drops it): every zstd sink fails (it never gets an
/// end).
fn fail_compressed<K>(outs: &mut [Out<K>], e: &io::Error) {
    tracing::warn!(error = %e, "zstd compression failed");
    for out in outs.iter_mut().filter(|o| o.live() && o.zstd) {
        out.fail(io::Error::other(format!("zstd compression failed: {e}")));
    }
}

/// Reads `source` to its end and writes everything to every live sink (see the module
/// docs), as `opts` say. Returns when the source ended (or failed) and every sink
/// finished.
pub async fn fan_out<K>(
    source: CommandStdout,
    sinks: Vec<Sink<K>>,
    opts: Options,
) -> FanoutReport<K>
where
    K: Eq + Hash + Clone + Send + 'static,
{
    let now = Instant::now();
    let mut outs: Vec<Out<K>> = sinks
        .into_iter()
        .map(|s| Out::new(s, now, opts.stall_timeout))
        .collect();
    let mut reader = Reader {
        source,
        buf: BytesMut::with_capacity(READ_SIZE),
        bytes_read: 0,
        compressor: None,
        hasher: opts.hash.then(Sha256::new),
        sha256: None,
        finished: false,
        read_error: None,
        lag_chunks: opts.lag_chunks(),
        peak_queued: 0,
    };
    if outs.iter().any(|o| o.zstd) {
        match Compressor::new() {
            Ok(c) => reader.compressor = Some(c),
            Err(e) => fail_compressed(&mut outs, &e),
        }
    }
    std::future::poll_fn(|cx| {
        loop {
            let mut progressed = false;
            for out in outs.iter_mut() {
                progressed |= out.poll_drain(cx);
            }
            progressed |= reader.poll_fill(cx, &mut outs);
            if reader.finished && !outs.iter().any(Out::live) {
                return Poll::Ready(());
            }
            if reader.read_error.is_some() {
                return Poll::Ready(());
            }
            if !progressed {
                return Poll::Pending;
            }
        }
    })
    .await;
    // Only a stream read to its end has a digest (`Reader::end`).
    let Reader {
        bytes_read,
        read_error,
        buf,
        sha256,
        peak_queued,
        ..
    } = reader;
    let sinks = outs
        .into_iter()
        .map(|out| {
            // Still live after a read error: a truncated stream, never shut down.
            let result = out
                .done
                .unwrap_or_else(|| Err(io::Error::other("the send stream failed")));
            (out.key, result)
        })
        .collect();
    FanoutReport {
        // Read but never handed to a sink (every sink was gone) counts as read.
        bytes_read: bytes_read + buf.len() as u64,
        read_error,
        sinks,
        sha256,
        peak_queued_chunks: peak_queued,
    }
}

#[cfg(test)]
mod tests;
