//! Fan-out of one `btrfs send` stream to several `btrfs receive` stdins, with bounded
//! memory and per-sink pacing. No btrfs or event knowledge: bytes in, bytes out.
//!
//! Shape (DESIGN.md §5): the calling task reads the source up to [`READ_SIZE`] at a
//! time, splits what it read into [`CHUNK`]-sized [`Bytes`] (slices, no copy; a partial
//! chunk waits for the next read, except at EOF) and hands the *same* `Bytes` (a
//! reference count) to each sink's bounded channel ([`CHANNEL_CHUNKS`] deep); one writer
//! task per sink hands them to the sink (`write_chunk`: the SSH stdin queues them
//! without copying), paced by its rate limit. Memory is at most `READ_SIZE` plus
//! `(CHANNEL_CHUNKS + 2) * CHUNK` per sink whatever the stream's size. The slowest live
//! sink sets the pace (its full channel blocks the reader). A sink whose write fails ends
//! its writer; its channel then refuses the next chunk and the sink is dropped from the
//! fan-out without disturbing the others; so is a sink that accepts nothing for
//! [`STALL_TIMEOUT`]. When every sink is gone the reader stops.
//!
//! Compression: sinks with [`Sink::zstd`] get the stream zstd-compressed (level
//! [`ZSTD_LEVEL`], on [`zstd_workers`] threads) instead of raw. The stream is compressed
//! once, in process, whatever the number of such sinks, and only when one is live; the
//! raw sinks still share the raw chunks. A writer shuts its sink down (a clean EOF) only
//! after the reader's explicit end of stream, never because its channel closed, so a
//! truncated stream (source or compressor failure) never looks complete.
//!
//! Not here: spawning the commands, waiting on them, verifying the result (the
//! replication engine's).

use std::collections::HashMap;
use std::hash::Hash;
use std::io::{self, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use btrfs::host::{CommandStdin, CommandStdout, write_chunk};
use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;

/// Size of the chunks handed to the sinks (one SSH packet's worth of data).
pub const CHUNK: usize = 32 * 1024;
/// Most bytes taken from the source in one read (split into chunks without a copy): the
/// `btrfs send` pipe holds up to 1 MiB, so fewer, larger reads.
pub const READ_SIZE: usize = 4 * CHUNK;
/// Chunks queued per sink between the reader and its writer.
pub const CHANNEL_CHUNKS: usize = 16;
/// A sink that accepts nothing for this long is dropped (a hung remote must not stall
/// the others forever).
pub const STALL_TIMEOUT: Duration = Duration::from_secs(120);

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
}

/// What a sink was given, when it got the whole stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delivered {
    /// Bytes of the send stream.
    pub stream_bytes: u64,
    /// Bytes written into the sink (compressed ones for a zstd sink).
    pub wire_bytes: u64,
}

/// What the reader hands a writer.
enum Msg {
    /// A chunk, and the stream offset it brings the sink to.
    Chunk(Bytes, u64),
    /// The stream is complete: shut the sink down.
    End,
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

async fn write_sink(
    mut stdin: CommandStdin,
    mut rx: mpsc::Receiver<Msg>,
    rate: Option<u64>,
    written: Arc<AtomicU64>,
) -> Result<Delivered, io::Error> {
    let started = Instant::now();
    let mut wire = 0_u64;
    let mut stream = 0_u64;
    loop {
        let (chunk, upto) = match rx.recv().await {
            Some(Msg::Chunk(chunk, upto)) => (chunk, upto),
            Some(Msg::End) => break,
            None => return Err(io::Error::other("the send stream ended early")),
        };
        if let Some(rate) = rate {
            let wait = pace_delay(wire, rate, started.elapsed());
            if !wait.is_zero() {
                tokio::time::sleep(wait).await;
            }
        }
        let len = chunk.len() as u64;
        match tokio::time::timeout(STALL_TIMEOUT, write_chunk(&mut stdin, chunk)).await {
            Ok(written) => written?,
            Err(_) => {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("the target accepted nothing for {STALL_TIMEOUT:?}"),
                ));
            }
        }
        wire += len;
        stream = upto;
        written.store(stream, Ordering::Relaxed);
    }
    stdin.shutdown().await?;
    Ok(Delivered {
        stream_bytes: stream,
        wire_bytes: wire,
    })
}

/// Hands `msg` to every live sender, dropping those whose writer is gone.
async fn send_all<K>(senders: &mut Vec<(K, mpsc::Sender<Msg>)>, chunk: &Bytes, upto: u64) {
    let mut live = Vec::with_capacity(senders.len());
    for (key, tx) in senders.drain(..) {
        // A closed channel: the writer failed; drop the sink.
        if tx.send(Msg::Chunk(chunk.clone(), upto)).await.is_ok() {
            live.push((key, tx));
        }
    }
    *senders = live;
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

/// Sends `out` to the compressed sinks in chunks of at most [`CHUNK`] (slices, no copy).
async fn send_compressed<K>(senders: &mut Vec<(K, mpsc::Sender<Msg>)>, out: Bytes, upto: u64) {
    let mut start = 0;
    while start < out.len() && !senders.is_empty() {
        let end = (start + CHUNK).min(out.len());
        send_all(senders, &out.slice(start..end), upto).await;
        start = end;
    }
}

/// Reads `source` to its end and writes everything to every live sink (see the module
/// docs). Returns when the source ended (or failed) and every writer finished.
pub async fn fan_out<K>(mut source: CommandStdout, sinks: Vec<Sink<K>>) -> FanoutReport<K>
where
    K: Eq + Hash + Clone + Send + 'static,
{
    let mut raw: Vec<(K, mpsc::Sender<Msg>)> = Vec::with_capacity(sinks.len());
    let mut packed: Vec<(K, mpsc::Sender<Msg>)> = Vec::new();
    let mut writers = Vec::with_capacity(sinks.len());
    for sink in sinks {
        let (tx, rx) = mpsc::channel::<Msg>(CHANNEL_CHUNKS);
        let key = sink.key.clone();
        writers.push((
            key.clone(),
            tokio::spawn(write_sink(sink.stdin, rx, sink.rate_limit, sink.written)),
        ));
        if sink.zstd {
            packed.push((key, tx));
        } else {
            raw.push((key, tx));
        }
    }
    let mut compressor = None;
    if !packed.is_empty() {
        match Compressor::new() {
            Ok(c) => compressor = Some(c),
            Err(e) => {
                tracing::warn!(error = %e, "cannot start the zstd compressor");
                packed.clear();
            }
        }
    }
    let mut bytes_read = 0_u64;
    let mut read_error = None;
    let mut buf = BytesMut::with_capacity(READ_SIZE);
    'stream: while !raw.is_empty() || !packed.is_empty() {
        // Fill at least one chunk (or reach EOF); one read takes up to READ_SIZE.
        let mut eof = false;
        while buf.len() < CHUNK {
            buf.reserve(READ_SIZE - buf.len());
            match source.read_buf(&mut buf).await {
                Ok(0) => {
                    eof = true;
                    break;
                }
                Ok(_) => {}
                Err(e) => {
                    read_error = Some(e);
                    break 'stream;
                }
            }
        }
        // Whole chunks (slices of one read, no copy); the rest waits for the next read.
        let whole = if eof {
            buf.len()
        } else {
            buf.len() - buf.len() % CHUNK
        };
        let mut ready = buf.split_to(whole).freeze();
        while !ready.is_empty() && (!raw.is_empty() || !packed.is_empty()) {
            let chunk = ready.split_to(ready.len().min(CHUNK));
            bytes_read += chunk.len() as u64;
            send_all(&mut raw, &chunk, bytes_read).await;
            if packed.is_empty() {
                compressor = None;
            }
            if let Some(c) = compressor.as_mut() {
                match c.push(&chunk) {
                    Ok(Some(out)) => send_compressed(&mut packed, out, bytes_read).await,
                    Ok(None) => {}
                    Err(e) => {
                        // Dropping the senders without an end fails those sinks.
                        tracing::warn!(error = %e, "zstd compression failed");
                        packed.clear();
                        compressor = None;
                    }
                }
            }
        }
        // Read, but every sink is gone.
        bytes_read += ready.len() as u64;
        if eof {
            break;
        }
    }
    let truncated = read_error.is_some();
    if !truncated {
        if let Some(c) = compressor.take() {
            match c.finish() {
                Ok(out) => send_compressed(&mut packed, out, bytes_read).await,
                Err(e) => {
                    tracing::warn!(error = %e, "zstd compression failed");
                    packed.clear();
                }
            }
        }
        for (_, tx) in raw.iter().chain(&packed) {
            // A failed writer has closed its channel: nothing to end.
            let _ = tx.send(Msg::End).await;
        }
    }
    drop(raw);
    drop(packed);
    let mut results = HashMap::new();
    for (key, handle) in writers {
        if truncated {
            // Do not let a truncated stream look complete: no clean EOF.
            handle.abort();
        }
        let result = match handle.await {
            Ok(r) => r,
            Err(e) if e.is_cancelled() => Err(io::Error::other("the send stream failed")),
            Err(e) => Err(io::Error::other(format!("writer task failed: {e}"))),
        };
        results.insert(key, result);
    }
    FanoutReport {
        bytes_read,
        read_error,
        sinks: results,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::pin::Pin;
    use std::task::{Context, Poll};
    use tokio::io::AsyncWrite;

    #[test]
    fn pacing() {
        let s = Duration::from_secs;
        assert_eq!(pace_delay(0, 1000, s(0)), Duration::ZERO);
        // One chunk of burst, then bytes/rate.
        assert_eq!(pace_delay(CHUNK as u64, 1000, s(0)), Duration::ZERO);
        assert_eq!(pace_delay(CHUNK as u64 + 2000, 1000, Duration::ZERO), s(2));
        assert_eq!(
            pace_delay(CHUNK as u64 + 2000, 1000, Duration::from_millis(500)),
            Duration::from_millis(1500)
        );
        assert_eq!(pace_delay(CHUNK as u64 + 2000, 1000, s(3)), Duration::ZERO);
        assert_eq!(pace_delay(u64::MAX, 0, s(0)), Duration::ZERO);
    }

    /// A sink that fails after `fail_after` bytes (never, with `usize::MAX`).
    struct Failing {
        got: Arc<std::sync::Mutex<Vec<u8>>>,
        fail_after: usize,
    }

    impl btrfs::StdinWrite for Failing {}
    impl AsyncWrite for Failing {
        fn poll_write(
            self: Pin<&mut Self>,
            _cx: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            let mut got = self.got.lock().unwrap();
            if got.len() >= self.fail_after {
                return Poll::Ready(Err(io::Error::new(io::ErrorKind::BrokenPipe, "gone")));
            }
            got.extend_from_slice(buf);
            Poll::Ready(Ok(buf.len()))
        }
        fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
        fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
    }

    /// A sink that never accepts a byte.
    struct Hung;

    impl btrfs::StdinWrite for Hung {}
    impl AsyncWrite for Hung {
        fn poll_write(
            self: Pin<&mut Self>,
            _cx: &mut Context<'_>,
            _buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            Poll::Pending
        }
        fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Pending
        }
        fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Pending
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_hung_sink_is_dropped_and_the_others_finish() {
        let data = vec![7_u8; CHUNK * (CHANNEL_CHUNKS + 10)];
        let source: CommandStdout = Box::new(std::io::Cursor::new(data.clone()));
        let got = Arc::new(std::sync::Mutex::new(Vec::new()));
        let sinks = vec![
            Sink {
                key: 1,
                stdin: Box::new(Hung),
                rate_limit: None,
                written: Arc::new(AtomicU64::new(0)),
                zstd: false,
            },
            Sink {
                key: 2,
                stdin: Box::new(Failing {
                    got: got.clone(),
                    fail_after: usize::MAX,
                }),
                rate_limit: None,
                written: Arc::new(AtomicU64::new(0)),
                zstd: false,
            },
        ];
        let report = fan_out(source, sinks).await;
        let hung = report.sinks[&1].as_ref().unwrap_err();
        assert_eq!(hung.kind(), io::ErrorKind::TimedOut);
        assert_eq!(
            report.sinks[&2].as_ref().unwrap().wire_bytes,
            data.len() as u64
        );
        assert_eq!(*got.lock().unwrap(), data);
    }

    #[tokio::test]
    async fn every_live_sink_gets_every_byte_and_a_failing_one_is_dropped() {
        let data: Vec<u8> = (0..(CHUNK * 40 + 123))
            .map(|i| (i * 7 % 251) as u8)
            .collect();
        let source: CommandStdout = Box::new(std::io::Cursor::new(data.clone()));
        let mut outs = Vec::new();
        let mut sinks = Vec::new();
        for (key, fail_after) in [(1, usize::MAX), (2, CHUNK * 3), (3, usize::MAX)] {
            let got = Arc::new(std::sync::Mutex::new(Vec::new()));
            outs.push((key, got.clone()));
            sinks.push(Sink {
                key,
                stdin: Box::new(Failing { got, fail_after }),
                rate_limit: None,
                written: Arc::new(AtomicU64::new(0)),
                zstd: false,
            });
        }
        let report = fan_out(source, sinks).await;
        assert_eq!(report.bytes_read, data.len() as u64);
        assert!(report.read_error.is_none());
        for key in [1, 3] {
            let d = report.sinks[&key].as_ref().unwrap();
            assert_eq!(d.wire_bytes, data.len() as u64);
            assert_eq!(d.stream_bytes, data.len() as u64);
        }
        assert!(report.sinks[&2].is_err());
        for (key, got) in outs {
            let got = got.lock().unwrap();
            if key == 2 {
                assert_eq!(got.len(), CHUNK * 3);
            } else {
                assert_eq!(*got, data);
            }
        }
    }

    /// Compressible data with some structure, `len` bytes.
    fn compressible(len: usize) -> Vec<u8> {
        (0..len)
            .map(|i| b"dist-btrfs "[i % 11] ^ ((i / 4096) as u8 & 1))
            .collect()
    }

    #[tokio::test]
    async fn zstd_sinks_get_one_compressed_stream_and_raw_sinks_the_raw_one() {
        let data = compressible(CHUNK * 50 + 77);
        let source: CommandStdout = Box::new(std::io::Cursor::new(data.clone()));
        let mut outs = Vec::new();
        let mut sinks = Vec::new();
        for (key, zstd) in [(1, true), (2, false), (3, true)] {
            let got = Arc::new(std::sync::Mutex::new(Vec::new()));
            outs.push((key, zstd, got.clone()));
            sinks.push(Sink {
                key,
                stdin: Box::new(Failing {
                    got,
                    fail_after: usize::MAX,
                }),
                rate_limit: None,
                written: Arc::new(AtomicU64::new(0)),
                zstd,
            });
        }
        let report = fan_out(source, sinks).await;
        assert_eq!(report.bytes_read, data.len() as u64);
        for (key, zstd, got) in outs {
            let got = got.lock().unwrap();
            let d = *report.sinks[&key].as_ref().unwrap();
            assert_eq!(d.stream_bytes, data.len() as u64);
            assert_eq!(d.wire_bytes, got.len() as u64);
            if zstd {
                assert!(d.wire_bytes * 10 < d.stream_bytes, "{d:?}");
                assert_eq!(zstd::stream::decode_all(&got[..]).unwrap(), data);
            } else {
                assert_eq!(*got, data);
            }
        }
    }

    /// A source that fails after some data.
    struct Broken(usize);

    impl tokio::io::AsyncRead for Broken {
        fn poll_read(
            mut self: Pin<&mut Self>,
            _cx: &mut Context<'_>,
            buf: &mut tokio::io::ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            if self.0 == 0 {
                return Poll::Ready(Err(io::Error::other("send died")));
            }
            let n = self.0.min(buf.remaining()).min(1000);
            buf.put_slice(&vec![1_u8; n]);
            self.0 -= n;
            Poll::Ready(Ok(()))
        }
    }

    #[tokio::test]
    async fn a_truncated_stream_fails_every_sink_compressed_or_not() {
        let source: CommandStdout = Box::new(Broken(CHUNK * 3 + 5));
        let sinks = [true, false]
            .into_iter()
            .enumerate()
            .map(|(key, zstd)| Sink {
                key,
                stdin: Box::new(Failing {
                    got: Arc::default(),
                    fail_after: usize::MAX,
                }),
                rate_limit: None,
                written: Arc::new(AtomicU64::new(0)),
                zstd,
            })
            .collect();
        let report = fan_out(source, sinks).await;
        assert!(report.read_error.is_some());
        assert!(report.sinks.values().all(Result::is_err), "{report:?}");
    }
}
