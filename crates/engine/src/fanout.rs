//! Fan-out of one `btrfs send` stream to several `btrfs receive` stdins, with bounded
//! memory and per-sink pacing. No btrfs or event knowledge: bytes in, bytes out.
//!
//! Shape (DESIGN.md §5): the calling task reads the source in [`CHUNK`]-sized
//! [`Bytes`] (refilled until full or EOF) and hands the *same* `Bytes` (a reference
//! count, no copy) to each sink's bounded channel ([`CHANNEL_CHUNKS`] deep); one writer
//! task per sink writes them into the sink, paced by its rate limit. Memory is at most
//! `(CHANNEL_CHUNKS + 2) * CHUNK` per sink whatever the stream's size. The slowest live
//! sink sets the pace (its full channel blocks the reader). A sink whose write fails ends
//! its writer; its channel then refuses the next chunk and the sink is dropped from the
//! fan-out without disturbing the others; so is a sink that accepts nothing for
//! [`STALL_TIMEOUT`]. When every sink is gone the reader stops.
//!
//! Not here: spawning the commands, waiting on them, verifying the result (the
//! replication engine's).

use std::collections::HashMap;
use std::hash::Hash;
use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use btrfs::host::{CommandStdin, CommandStdout};
use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;

/// Size of the chunks handed to the sinks (one SSH packet's worth of data).
pub const CHUNK: usize = 32 * 1024;
/// Chunks queued per sink between the reader and its writer.
pub const CHANNEL_CHUNKS: usize = 16;
/// A sink that accepts nothing for this long is dropped (a hung remote must not stall
/// the others forever).
pub const STALL_TIMEOUT: Duration = Duration::from_secs(120);

/// One destination of the stream.
pub struct Sink<K> {
    pub key: K,
    pub stdin: CommandStdin,
    /// Bytes per second; `None`: as fast as the sink takes them.
    pub rate_limit: Option<u64>,
    /// Bytes written so far (read by the progress reporter).
    pub written: Arc<AtomicU64>,
}

/// How the fan-out ended.
#[derive(Debug)]
pub struct FanoutReport<K: Eq + Hash> {
    /// Bytes read from the source.
    pub bytes_read: u64,
    /// Why reading the source failed, if it did (every sink then got a truncated stream).
    pub read_error: Option<io::Error>,
    /// Per sink: bytes written and shut down cleanly, or why writing failed.
    pub sinks: HashMap<K, Result<u64, io::Error>>,
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
    mut rx: mpsc::Receiver<Bytes>,
    rate: Option<u64>,
    written: Arc<AtomicU64>,
) -> Result<u64, io::Error> {
    let started = Instant::now();
    let mut total = 0_u64;
    while let Some(chunk) = rx.recv().await {
        if let Some(rate) = rate {
            let wait = pace_delay(total, rate, started.elapsed());
            if !wait.is_zero() {
                tokio::time::sleep(wait).await;
            }
        }
        match tokio::time::timeout(STALL_TIMEOUT, stdin.write_all(&chunk)).await {
            Ok(written) => written?,
            Err(_) => {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("the target accepted nothing for {STALL_TIMEOUT:?}"),
                ));
            }
        }
        total += chunk.len() as u64;
        written.store(total, Ordering::Relaxed);
    }
    stdin.shutdown().await?;
    Ok(total)
}

/// Reads `source` to its end and writes everything to every live sink (see the module
/// docs). Returns when the source ended (or failed) and every writer finished.
pub async fn fan_out<K>(mut source: CommandStdout, sinks: Vec<Sink<K>>) -> FanoutReport<K>
where
    K: Eq + Hash + Clone + Send + 'static,
{
    let mut senders: Vec<(K, mpsc::Sender<Bytes>)> = Vec::with_capacity(sinks.len());
    let mut writers = Vec::with_capacity(sinks.len());
    for sink in sinks {
        let (tx, rx) = mpsc::channel::<Bytes>(CHANNEL_CHUNKS);
        let key = sink.key.clone();
        writers.push((
            key.clone(),
            tokio::spawn(write_sink(sink.stdin, rx, sink.rate_limit, sink.written)),
        ));
        senders.push((key, tx));
    }
    let mut bytes_read = 0_u64;
    let mut read_error = None;
    let mut buf = BytesMut::with_capacity(CHUNK);
    'stream: while !senders.is_empty() {
        // Fill one chunk (or reach EOF).
        let mut eof = false;
        while buf.len() < CHUNK {
            buf.reserve(CHUNK - buf.len());
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
        if !buf.is_empty() {
            let chunk = buf.split().freeze();
            bytes_read += chunk.len() as u64;
            let mut live = Vec::with_capacity(senders.len());
            for (key, tx) in senders.drain(..) {
                // A closed channel: the writer failed; drop the sink.
                if tx.send(chunk.clone()).await.is_ok() {
                    live.push((key, tx));
                }
            }
            senders = live;
        }
        if eof {
            break;
        }
    }
    let truncated = read_error.is_some();
    drop(senders);
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
            },
            Sink {
                key: 2,
                stdin: Box::new(Failing {
                    got: got.clone(),
                    fail_after: usize::MAX,
                }),
                rate_limit: None,
                written: Arc::new(AtomicU64::new(0)),
            },
        ];
        let report = fan_out(source, sinks).await;
        let hung = report.sinks[&1].as_ref().unwrap_err();
        assert_eq!(hung.kind(), io::ErrorKind::TimedOut);
        assert_eq!(*report.sinks[&2].as_ref().unwrap(), data.len() as u64);
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
            });
        }
        let report = fan_out(source, sinks).await;
        assert_eq!(report.bytes_read, data.len() as u64);
        assert!(report.read_error.is_none());
        assert_eq!(*report.sinks[&1].as_ref().unwrap(), data.len() as u64);
        assert_eq!(*report.sinks[&3].as_ref().unwrap(), data.len() as u64);
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
}
