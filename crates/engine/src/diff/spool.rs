//! Diffs spooled to a file, so that every page of a diff costs one read of the page and
//! the whole diff one `btrfs send`, not one send per page.
//!
//! The first request for a diff (a pair of snapshots) starts its send and a writer, on one
//! blocking thread for the whole diff, that folds the stream into changes and appends each,
//! encoded, to an unlinked temporary file ([`tempfile::tempfile`], in `TMPDIR`): the file
//! is gone when the last handle closes, even after a crash. A request waits only until the
//! changes its page needs (and one more, to know whether another page follows) are in the
//! file, so the first page of a diff of a million changes comes as soon as the send reaches
//! it; the writer goes on to the end meanwhile, for the pages that follow.
//!
//! Memory per spool: the write buffer and the byte offset of every [`INDEX_EVERY`]th
//! change (2,000 offsets for a million changes). A page is read from the file (starting
//! at the nearest indexed change), never from memory. Disk: about 20 bytes plus the
//! path(s) per change.
//!
//! Snapshots are read-only and ids are never reused, so a spool stays true for its pair;
//! [`Spools`] keeps the [`MAX_SPOOLS`] most recently used for [`SPOOL_IDLE`] and drops
//! the others. A writer whose spool nobody holds any more stops (its send is killed); a
//! send that failed leaves its error to the readers and is started afresh by the next
//! request.
//!
//! Not here: checking the snapshots (the caller does, before every page) or running the
//! send (the caller's `start`).

use std::collections::HashMap;
use std::fs::File;
use std::future::Future;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::os::unix::fs::FileExt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use btrfs::send_stream::{Change, ChangeKind, FileType, SendPath};
use domain::SnapshotId;
use tokio::sync::{OnceCell, watch};

use crate::EngineError;

/// Every how many changes the byte offset of one is kept.
pub const INDEX_EVERY: u64 = 512;
/// Spools kept at once; the least recently used goes first.
pub const MAX_SPOOLS: usize = 8;
/// A spool not used for this long is dropped.
pub const SPOOL_IDLE: Duration = Duration::from_secs(15 * 60);
/// The writer makes what it wrote readable at least every this many changes.
const FLUSH_EVERY: u64 = 1024;

/// A diff: (the snapshot, the one it is compared against).
pub type Key = (SnapshotId, SnapshotId);

/// How far a writer is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Written {
    /// Changes in the file, readable.
    changes: u64,
    /// `Some` once the writer ended: `Ok` at the end of the diff, else why it failed.
    end: Option<Result<(), String>>,
}

/// One diff's file, being written or complete.
pub struct Spool {
    file: File,
    /// Byte offset of change `i * INDEX_EVERY`, for each `i` written.
    index: Mutex<Vec<u64>>,
    written: watch::Receiver<Written>,
    /// The most changes a reader waits for (the writer makes them readable at once).
    wanted: AtomicU64,
}

/// A page read from a spool: the changes, and whether more follow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpoolPage {
    pub changes: Vec<Change>,
    pub more: bool,
}

impl Spool {
    /// The changes `cursor..cursor + limit`, waiting for the writer as long as it has not
    /// written them (and one more) yet.
    pub async fn page(
        self: &Arc<Self>,
        cursor: u64,
        limit: usize,
    ) -> Result<SpoolPage, EngineError> {
        let need = cursor.saturating_add(limit as u64).saturating_add(1);
        self.wanted.fetch_max(need, Ordering::AcqRel);
        let mut written = self.written.clone();
        let state = written
            .wait_for(|w| w.changes >= need || w.end.is_some())
            .await
            .map_err(|_| EngineError::Inconsistent("the diff's writer is gone".into()))?
            .clone();
        if let Some(Err(e)) = &state.end {
            return Err(EngineError::Verification(e.clone()));
        }
        let available = state.changes;
        if cursor >= available {
            return Ok(SpoolPage {
                changes: Vec::new(),
                more: false,
            });
        }
        let take = (available - cursor).min(limit as u64);
        let start = {
            let index = self.index.lock().unwrap_or_else(PoisonError::into_inner);
            let block = usize::try_from(cursor / INDEX_EVERY).unwrap_or(usize::MAX);
            index
                .get(block)
                .copied()
                .ok_or_else(|| EngineError::Inconsistent("a diff change without an index".into()))?
        };
        let skip = cursor % INDEX_EVERY;
        let spool = Arc::clone(self);
        let changes = tokio::task::spawn_blocking(move || spool.read(start, skip, take))
            .await
            .map_err(|e| EngineError::Inconsistent(format!("reading a diff: {e}")))?
            .map_err(|e| EngineError::Inconsistent(format!("reading a diff: {e}")))?;
        Ok(SpoolPage {
            changes,
            more: available > cursor + take,
        })
    }

    /// `take` changes after skipping `skip` from byte `start`.
    fn read(&self, start: u64, skip: u64, take: u64) -> io::Result<Vec<Change>> {
        let mut reader = BufReader::with_capacity(
            64 * 1024,
            At {
                file: &self.file,
                offset: start,
            },
        );
        for _ in 0..skip {
            decode(&mut reader)?;
        }
        let mut out = Vec::with_capacity(usize::try_from(take).unwrap_or(0));
        for _ in 0..take {
            out.push(decode(&mut reader)?);
        }
        Ok(out)
    }
}

/// A file read from an offset on (`pread`: readers share the file, not a position).
struct At<'a> {
    file: &'a File,
    offset: u64,
}

impl Read for At<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.file.read_at(buf, self.offset)?;
        self.offset += n as u64;
        Ok(n)
    }
}

/// Appends changes to a spool's file (the writer's half). Synchronous: the writer runs
/// on one blocking thread for the whole diff (writes through `tokio::fs` would hand every
/// write to whichever blocking thread is free, and the pool grew by 32 threads, each with
/// its allocator heap, over one diff).
pub struct SpoolWriter {
    out: std::io::BufWriter<File>,
    spool: std::sync::Weak<Spool>,
    offset: u64,
    changes: u64,
    readable: u64,
    record: Vec<u8>,
    written: watch::Sender<Written>,
}

/// A new spool (in `TMPDIR`) and its writer.
pub fn create() -> Result<(Arc<Spool>, SpoolWriter), EngineError> {
    let file = tempfile::tempfile()
        .map_err(|e| EngineError::Inconsistent(format!("creating a diff spool: {e}")))?;
    let out = file
        .try_clone()
        .map_err(|e| EngineError::Inconsistent(format!("creating a diff spool: {e}")))?;
    let (tx, rx) = watch::channel(Written::default());
    let spool = Arc::new(Spool {
        file,
        index: Mutex::new(Vec::new()),
        written: rx,
        wanted: AtomicU64::new(0),
    });
    let writer = SpoolWriter {
        out: std::io::BufWriter::with_capacity(64 * 1024, out),
        spool: Arc::downgrade(&spool),
        offset: 0,
        changes: 0,
        readable: 0,
        record: Vec::with_capacity(256),
        written: tx,
    };
    Ok((spool, writer))
}

impl SpoolWriter {
    /// Appends one change. `Ok(false)`: nobody holds the spool any more; stop.
    pub fn push(&mut self, change: &Change) -> io::Result<bool> {
        let Some(spool) = self.spool.upgrade() else {
            return Ok(false);
        };
        if self.changes.is_multiple_of(INDEX_EVERY) {
            spool
                .index
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(self.offset);
        }
        self.record.clear();
        encode(&mut self.record, change);
        self.out.write_all(&self.record)?;
        self.offset += self.record.len() as u64;
        self.changes += 1;
        if self.changes - self.readable >= FLUSH_EVERY
            || self.changes >= spool.wanted.load(Ordering::Acquire)
        {
            self.make_readable()?;
        }
        Ok(true)
    }

    fn make_readable(&mut self) -> io::Result<()> {
        self.out.flush()?;
        self.readable = self.changes;
        let changes = self.changes;
        self.written.send_modify(|w| w.changes = changes);
        Ok(())
    }

    /// Ends the spool: every change readable, and the send's outcome for the readers.
    pub fn finish(mut self, outcome: Result<(), String>) {
        let outcome = match self.make_readable() {
            Ok(()) => outcome,
            Err(e) => Err(format!("writing the diff spool: {e}")),
        };
        self.written.send_modify(|w| w.end = Some(outcome));
    }
}

/// One change as bytes: kind, file type, size (a flag and 8 bytes), path (length and
/// bytes), and a rename's old path the same way. Little-endian.
pub fn encode(out: &mut Vec<u8>, change: &Change) {
    let (kind, from) = match &change.kind {
        ChangeKind::Added => (0_u8, None),
        ChangeKind::Modified => (1, None),
        ChangeKind::Deleted => (2, None),
        ChangeKind::Renamed { from } => (3, Some(from)),
    };
    out.push(kind);
    out.push(match change.file_type {
        FileType::File => 0,
        FileType::Dir => 1,
        FileType::Symlink => 2,
        FileType::Other => 3,
        FileType::Unknown => 4,
    });
    match change.size {
        Some(size) => {
            out.push(1);
            out.extend_from_slice(&size.to_le_bytes());
        }
        None => out.push(0),
    }
    let mut path = |p: &SendPath| {
        let bytes = p.as_bytes();
        out.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
        out.extend_from_slice(bytes);
    };
    path(&change.path);
    if let Some(from) = from {
        path(from);
    }
}

fn corrupt(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("diff spool: {what}"))
}

fn byte(r: &mut impl BufRead) -> io::Result<u8> {
    let mut b = [0_u8; 1];
    r.read_exact(&mut b)?;
    Ok(b[0])
}

fn u64_le(r: &mut impl BufRead) -> io::Result<u64> {
    let mut b = [0_u8; 8];
    r.read_exact(&mut b)?;
    Ok(u64::from_le_bytes(b))
}

fn path(r: &mut impl BufRead) -> io::Result<SendPath> {
    let len = usize::try_from(u64_le(r)?).map_err(|_| corrupt("path length"))?;
    // A path of the send stream is at most PATH_MAX; more is a corrupt record.
    if len > 1 << 16 {
        return Err(corrupt("path length"));
    }
    let mut bytes = vec![0_u8; len];
    r.read_exact(&mut bytes)?;
    Ok(SendPath::new(bytes))
}

/// The next change of a spool (what [`encode`] wrote).
pub fn decode(r: &mut impl BufRead) -> io::Result<Change> {
    let kind = byte(r)?;
    let file_type = match byte(r)? {
        0 => FileType::File,
        1 => FileType::Dir,
        2 => FileType::Symlink,
        3 => FileType::Other,
        4 => FileType::Unknown,
        _ => return Err(corrupt("file type")),
    };
    let size = match byte(r)? {
        0 => None,
        1 => Some(u64_le(r)?),
        _ => return Err(corrupt("size flag")),
    };
    let changed = path(r)?;
    let kind = match kind {
        0 => ChangeKind::Added,
        1 => ChangeKind::Modified,
        2 => ChangeKind::Deleted,
        3 => ChangeKind::Renamed { from: path(r)? },
        _ => return Err(corrupt("kind")),
    };
    Ok(Change {
        kind,
        path: changed,
        file_type,
        size,
    })
}

struct Entry {
    spool: Arc<OnceCell<Arc<Spool>>>,
    used: Instant,
}

/// The spools kept (module docs), by diff.
#[derive(Default)]
pub struct Spools {
    entries: Mutex<HashMap<Key, Entry>>,
}

impl std::fmt::Debug for Spools {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self
            .entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len();
        f.debug_struct("Spools").field("kept", &n).finish()
    }
}

impl Spools {
    /// The page `cursor..cursor + limit` of `key`'s diff, from its spool; `start` makes
    /// the spool (starting its writer) when none is kept. Concurrent requests for one
    /// diff share one start.
    pub async fn page<F, Fut>(
        &self,
        key: Key,
        cursor: u64,
        limit: usize,
        start: F,
    ) -> Result<SpoolPage, EngineError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Arc<Spool>, EngineError>>,
    {
        let cell = self.cell(key);
        let spool = Arc::clone(cell.get_or_try_init(start).await?);
        let page = spool.page(cursor, limit).await;
        if page.is_err() {
            // A failed send is not kept: the next request starts afresh.
            let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
            if entries
                .get(&key)
                .is_some_and(|e| Arc::ptr_eq(&e.spool, &cell))
            {
                entries.remove(&key);
            }
        }
        page
    }

    /// The cell of `key`'s spool (new and empty when none is kept), dropping idle spools
    /// and, beyond [`MAX_SPOOLS`], the least recently used.
    fn cell(&self, key: Key) -> Arc<OnceCell<Arc<Spool>>> {
        let now = Instant::now();
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries.retain(|_, e| now.duration_since(e.used) < SPOOL_IDLE);
        let entry = entries.entry(key).or_insert_with(|| Entry {
            spool: Arc::new(OnceCell::new()),
            used: now,
        });
        entry.used = now;
        let cell = Arc::clone(&entry.spool);
        while entries.len() > MAX_SPOOLS {
            let Some(oldest) = entries
                .iter()
                .filter(|(k, _)| **k != key)
                .min_by_key(|(_, e)| e.used)
                .map(|(k, _)| *k)
            else {
                break;
            };
            entries.remove(&oldest);
        }
        cell
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::sync::atomic::AtomicUsize;

    fn change(i: u64) -> Change {
        Change {
            kind: if i % 7 == 3 {
                ChangeKind::Renamed {
                    from: SendPath::new(format!("old/{i}")),
                }
            } else {
                ChangeKind::Added
            },
            path: SendPath::new(format!("dir/file-{i}")),
            file_type: FileType::File,
            size: i.is_multiple_of(2).then_some(i),
        }
    }

    /// A spool whose writer writes `n` changes, counting how often it was started.
    fn starter(
        n: u64,
        starts: &Arc<AtomicUsize>,
    ) -> impl Future<Output = Result<Arc<Spool>, EngineError>> + use<> {
        let starts = Arc::clone(starts);
        async move {
            starts.fetch_add(1, Ordering::SeqCst);
            let (spool, mut writer) = create()?;
            tokio::task::spawn_blocking(move || {
                for i in 0..n {
                    match writer.push(&change(i)) {
                        Ok(true) => {}
                        Ok(false) => return,
                        Err(e) => return writer.finish(Err(e.to_string())),
                    }
                }
                writer.finish(Ok(()));
            });
            Ok(spool)
        }
    }

    fn key(n: u128) -> Key {
        (
            SnapshotId::from_uuid(uuid::Uuid::from_u128(n)),
            SnapshotId::from_uuid(uuid::Uuid::from_u128(n + 1_000)),
        )
    }

    fn arb_path() -> impl Strategy<Value = SendPath> {
        proptest::collection::vec(any::<u8>(), 0..40).prop_map(SendPath::new)
    }

    fn arb_change() -> impl Strategy<Value = Change> {
        (
            prop_oneof![
                Just(ChangeKind::Added),
                Just(ChangeKind::Modified),
                Just(ChangeKind::Deleted),
                arb_path().prop_map(|from| ChangeKind::Renamed { from }),
            ],
            arb_path(),
            prop_oneof![
                Just(FileType::File),
                Just(FileType::Dir),
                Just(FileType::Symlink),
                Just(FileType::Other),
                Just(FileType::Unknown),
            ],
            proptest::option::of(any::<u64>()),
        )
            .prop_map(|(kind, path, file_type, size)| Change {
                kind,
                path,
                file_type,
                size,
            })
    }

    proptest! {
        #[test]
        fn changes_decode_as_they_were_encoded(changes in proptest::collection::vec(arb_change(), 0..20)) {
            let mut bytes = Vec::new();
            for c in &changes {
                encode(&mut bytes, c);
            }
            let mut reader = io::Cursor::new(bytes);
            for c in &changes {
                prop_assert_eq!(&decode(&mut reader).map_err(|e| TestCaseError::fail(e.to_string()))?, c);
            }
            prop_assert!(decode(&mut reader).is_err(), "nothing after the last change");
        }
    }

    #[test]
    fn a_cut_record_is_an_error_not_a_change() {
        let mut bytes = Vec::new();
        encode(&mut bytes, &change(3));
        for cut in 0..bytes.len() {
            assert!(
                decode(&mut io::Cursor::new(&bytes[..cut])).is_err(),
                "cut at {cut}"
            );
        }
    }

    #[tokio::test]
    async fn every_page_of_a_diff_is_read_from_one_start() {
        let spools = Spools::default();
        let starts = Arc::new(AtomicUsize::new(0));
        let n = 3 * INDEX_EVERY + 17;
        let all: Vec<Change> = (0..n).map(change).collect();
        for limit in [1_usize, 7, 500, 5000] {
            let mut cursor = 0;
            let mut paged = Vec::new();
            loop {
                let page = spools
                    .page(key(1), cursor, limit, || starter(n, &starts))
                    .await
                    .unwrap();
                let len = page.changes.len() as u64;
                paged.extend(page.changes);
                if !page.more {
                    break;
                }
                assert_eq!(len, limit as u64, "a page before the last is full");
                cursor += len;
            }
            assert_eq!(paged, all, "pages of {limit}");
        }
        // A page past the end is empty and the last.
        let past = spools
            .page(key(1), n + 5, 10, || starter(n, &starts))
            .await
            .unwrap();
        assert_eq!(
            past,
            SpoolPage {
                changes: Vec::new(),
                more: false
            }
        );
        assert_eq!(starts.load(Ordering::SeqCst), 1, "one send for every page");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_first_requests_share_one_start() {
        let spools = Arc::new(Spools::default());
        let starts = Arc::new(AtomicUsize::new(0));
        let n = 2_000;
        let mut tasks = Vec::new();
        for i in 0..32_u64 {
            let spools = Arc::clone(&spools);
            let starts = Arc::clone(&starts);
            tasks.push(tokio::spawn(async move {
                let cursor = (i * 61) % n;
                let page = spools
                    .page(key(2), cursor, 50, || starter(n, &starts))
                    .await
                    .unwrap();
                (cursor, page)
            }));
        }
        for task in tasks {
            let (cursor, page) = task.await.unwrap();
            let want: Vec<Change> = (cursor..(cursor + 50).min(n)).map(change).collect();
            assert_eq!(page.changes, want);
            assert_eq!(page.more, cursor + 50 < n);
        }
        assert_eq!(starts.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_failed_writer_fails_its_readers_and_the_next_request_starts_again() {
        let spools = Spools::default();
        let failing = || async {
            let (spool, mut writer) = create()?;
            tokio::task::spawn_blocking(move || {
                let _ = writer.push(&change(0));
                writer.finish(Err("the send failed".into()));
            });
            Ok(spool)
        };
        let err = spools.page(key(3), 0, 10, failing).await.unwrap_err();
        assert!(err.to_string().contains("the send failed"), "{err}");
        let starts = Arc::new(AtomicUsize::new(0));
        let page = spools
            .page(key(3), 0, 10, || starter(5, &starts))
            .await
            .unwrap();
        assert_eq!(page.changes.len(), 5);
        assert_eq!(starts.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn beyond_the_kept_number_the_least_recently_used_spool_is_started_again() {
        let spools = Spools::default();
        let starts = Arc::new(AtomicUsize::new(0));
        for k in 0..=MAX_SPOOLS as u128 {
            spools
                .page(key(100 + k), 0, 1, || starter(3, &starts))
                .await
                .unwrap();
        }
        assert_eq!(starts.load(Ordering::SeqCst), MAX_SPOOLS + 1);
        // The newest is kept; the first one was dropped.
        spools
            .page(key(100 + MAX_SPOOLS as u128), 0, 1, || starter(3, &starts))
            .await
            .unwrap();
        assert_eq!(starts.load(Ordering::SeqCst), MAX_SPOOLS + 1);
        spools
            .page(key(100), 0, 1, || starter(3, &starts))
            .await
            .unwrap();
        assert_eq!(starts.load(Ordering::SeqCst), MAX_SPOOLS + 2);
    }

    #[test]
    fn a_writer_stops_when_nobody_holds_its_spool() {
        let (spool, mut writer) = create().unwrap();
        assert!(writer.push(&change(0)).unwrap());
        drop(spool);
        assert!(!writer.push(&change(1)).unwrap());
    }
}
