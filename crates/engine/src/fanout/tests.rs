//! The fan-out's unit tests: pacing, hung and failing sinks, resumed sinks, digests.

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

/// A sink keyed `key` writing into `stdin`, counting from zero.
fn sink<K>(key: K, stdin: CommandStdin, rate_limit: Option<u64>, zstd: bool) -> Sink<K> {
    Sink {
        key,
        stdin,
        rate_limit,
        written: Arc::new(AtomicU64::new(0)),
        zstd,
        skip: 0,
        on_delivered: None,
    }
}

/// A sink resuming at `skip` gets exactly the rest, whatever chunk the cut falls in;
/// the others the whole stream; the digest is the whole stream's.
#[tokio::test]
async fn a_resumed_sink_gets_only_the_rest_and_the_digest_is_the_streams() {
    let data: Vec<u8> = (0..CHUNK * 9 + 123).map(|i| (i * 31 % 251) as u8).collect();
    let total = data.len() as u64;
    for skip in [
        0,
        1,
        CHUNK as u64,
        CHUNK as u64 * 4 + 17,
        total - 1,
        total,
        total + 5,
    ] {
        let source: CommandStdout = Box::new(std::io::Cursor::new(data.clone()));
        let (whole, whole_got) = recording(usize::MAX);
        let (rest, rest_got) = recording(usize::MAX);
        let mut resumed = sink(2, rest, Some(1 << 30), false);
        resumed.skip = skip;
        let opts = Options {
            hash: true,
            ..Options::default()
        };
        let report = fan_out(source, vec![sink(1, whole, None, false), resumed], opts).await;
        let at = usize::try_from(skip).unwrap().min(data.len());
        assert_eq!(*whole_got.lock().unwrap(), data);
        assert_eq!(
            rest_got.lock().unwrap().as_slice(),
            &data[at..],
            "skip {skip}"
        );
        let d = report.sinks[&2].as_ref().unwrap();
        assert_eq!((d.stream_bytes, d.wire_bytes), (total, total - at as u64));
        let want: [u8; 32] = Sha256::digest(&data).into();
        assert_eq!(report.sha256, Some(want));
    }
}

/// A stdin that records what it got and fails once it holds `fail_after` bytes.
fn recording(fail_after: usize) -> (CommandStdin, Arc<std::sync::Mutex<Vec<u8>>>) {
    let got = Arc::new(std::sync::Mutex::new(Vec::new()));
    let stdin = Box::new(Failing {
        got: got.clone(),
        fail_after,
    });
    (stdin, got)
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
    let data = vec![7_u8; CHUNK * 26];
    let source: CommandStdout = Box::new(std::io::Cursor::new(data.clone()));
    let (stdin, got) = recording(usize::MAX);
    let sinks = vec![
        sink(1, Box::new(Hung), None, false),
        sink(2, stdin, None, false),
    ];
    let opts = Options {
        stall_timeout: Duration::from_secs(15),
        lag_bytes: CHUNK * 16,
        ..Options::default()
    };
    let started = Instant::now();
    let report = fan_out(source, sinks, opts).await;
    let hung = report.sinks[&1].as_ref().unwrap_err();
    assert_eq!(hung.kind(), io::ErrorKind::TimedOut);
    // Dropped after the stall timeout it was given (the clock is paused: exact).
    assert_eq!(started.elapsed(), Duration::from_secs(15), "{hung}");
    assert_eq!(
        report.sinks[&2].as_ref().unwrap().wire_bytes,
        data.len() as u64
    );
    assert_eq!(*got.lock().unwrap(), data);
}

/// A fan-out of 40 chunks to a sink limited to 10 chunks/s (key 1) and an unlimited one
/// (key 2) with `lag_bytes`, on a paused clock: how much each had after one second, and
/// when the whole fan-out ended.
async fn slow_and_fast(lag_bytes: usize) -> (u64, u64, Duration, u64) {
    let data = vec![3_u8; CHUNK * 40];
    let source: CommandStdout = Box::new(std::io::Cursor::new(data.clone()));
    let rate = (CHUNK * 10) as u64;
    let counters: Vec<Arc<AtomicU64>> = (0..2).map(|_| Arc::new(AtomicU64::new(0))).collect();
    let sinks = [(1, Some(rate)), (2, None)]
        .into_iter()
        .zip(&counters)
        .map(|((key, rate_limit), written)| Sink {
            written: written.clone(),
            ..sink(key, recording(usize::MAX).0, rate_limit, false)
        })
        .collect();
    let opts = Options {
        lag_bytes,
        ..Options::default()
    };
    let started = Instant::now();
    let run = tokio::spawn(fan_out(source, sinks, opts));
    tokio::time::sleep(Duration::from_secs(1)).await;
    let slow = counters[0].load(Ordering::Relaxed);
    let fast = counters[1].load(Ordering::Relaxed);
    let report = run.await.unwrap();
    for key in [1, 2] {
        let d = report.sinks[&key].as_ref().unwrap();
        assert_eq!(d.wire_bytes, data.len() as u64);
    }
    (slow, fast, started.elapsed(), data.len() as u64)
}

#[tokio::test(start_paused = true)]
async fn a_rate_limited_sink_lags_within_the_buffer_without_slowing_the_others() {
    let (slow, fast, took, total) = slow_and_fast(LAG_BYTES).await;
    assert_eq!(fast, total, "the fast sink has it all after a second");
    assert!(slow <= (CHUNK * 12) as u64, "the slow one is paced: {slow}");
    // Virtual time (paused clock): the 40th chunk may go at (39 - 1 burst) / 10 s.
    assert!(took >= Duration::from_millis(3800), "{took:?}");
    assert!(took < Duration::from_millis(4500), "{took:?}");
}

/// A sink with `on_delivered` is told as soon as it has the whole stream (with the
/// stream's digest), while a rate-limited one is still being written to.
#[tokio::test(start_paused = true)]
async fn a_fast_sink_is_told_it_has_everything_before_the_slow_one_ends() {
    let data = vec![9_u8; CHUNK * 40];
    let source: CommandStdout = Box::new(std::io::Cursor::new(data.clone()));
    let slow_written = Arc::new(AtomicU64::new(0));
    let (tell, told) = tokio::sync::oneshot::channel();
    let sinks = vec![
        Sink {
            written: slow_written.clone(),
            ..sink(1, recording(usize::MAX).0, Some((CHUNK * 10) as u64), false)
        },
        Sink {
            on_delivered: Some(tell),
            ..sink(2, recording(usize::MAX).0, None, false)
        },
    ];
    let opts = Options {
        hash: true,
        ..Options::default()
    };
    let started = Instant::now();
    let run = tokio::spawn(fan_out(source, sinks, opts));
    let early = told.await.unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert!(!run.is_finished());
    assert!(slow_written.load(Ordering::Relaxed) < data.len() as u64);
    let report = run.await.unwrap();
    assert_eq!(report.sinks[&2].as_ref().unwrap(), &early);
    assert_eq!(early.stream_bytes, data.len() as u64);
    let digest: [u8; 32] = Sha256::digest(&data).into();
    assert_eq!(early.sha256, Some(digest));
    assert_eq!(report.sha256, Some(digest));
    assert!(
        started.elapsed() >= Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test(start_paused = true)]
async fn one_slow_sink_alone_is_read_ahead_of_only_a_little_whatever_the_buffer() {
    let data = vec![5_u8; CHUNK * 60];
    let source: CommandStdout = Box::new(std::io::Cursor::new(data.clone()));
    let rate = (CHUNK * 20) as u64;
    let sinks = vec![sink(1, recording(usize::MAX).0, Some(rate), false)];
    let report = fan_out(source, sinks, Options::default()).await;
    assert_eq!(
        report.sinks[&1].as_ref().unwrap().wire_bytes,
        data.len() as u64
    );
    // No other sink to lag behind: the buffer is not filled, only the read-ahead.
    assert!(
        report.peak_queued_chunks <= READ_AHEAD_CHUNKS + READ_SIZE / CHUNK,
        "{}",
        report.peak_queued_chunks
    );
}

#[tokio::test(start_paused = true)]
async fn beyond_the_buffer_a_rate_limited_sink_sets_the_pace_of_the_others() {
    let lag = CHUNK * 4;
    let (slow, fast, _, total) = slow_and_fast(lag).await;
    assert!(fast < total, "held back: {fast}");
    // Ahead of the slow one by at most the buffer and one read.
    assert!(
        fast <= slow + (lag + READ_SIZE + CHUNK) as u64,
        "fast {fast}, slow {slow}"
    );
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
        let (stdin, got) = recording(fail_after);
        outs.push((key, got));
        sinks.push(sink(key, stdin, None, false));
    }
    let report = fan_out(source, sinks, Options::default()).await;
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
        let (stdin, got) = recording(usize::MAX);
        outs.push((key, zstd, got));
        sinks.push(sink(key, stdin, None, zstd));
    }
    let report = fan_out(source, sinks, Options::default()).await;
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
        .map(|(key, zstd)| sink(key, recording(usize::MAX).0, None, zstd))
        .collect();
    let report = fan_out(source, sinks, Options::default()).await;
    assert!(report.read_error.is_some());
    assert!(report.sinks.values().all(Result::is_err), "{report:?}");
}
