//! Readers of the NUL-separated output of the file-level commands
//! ([`crate::command::files`]): one directory's entries ([`dir_entry`] per record of
//! [`crate::command::files::list_dir`]), every file below a directory ([`file_entry`]),
//! and `sha256sum -z` records ([`sha256_record`]). Records are read one at a time from a
//! stream ([`read_nul_fields`]), so a directory of 100k entries never has to be held
//! whole.
//!
//! Names are bytes on disk; they are decoded lossily (an invalid sequence becomes U+FFFD),
//! so such a name can be shown but not navigated into.

use chrono::{DateTime, Utc};
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncReadExt};

use super::ParseError;

const COMMAND: &str = "find";
/// Longest field accepted (a path is at most 4096 bytes; a symlink target too).
const MAX_FIELD: usize = 8192;

/// What kind of file an entry is (`find -printf %y`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    File,
    Directory,
    Symlink,
    BlockDevice,
    CharDevice,
    Fifo,
    Socket,
}

impl EntryKind {
    fn from_find(code: &str) -> Option<Self> {
        Some(match code {
            "f" => Self::File,
            "d" => Self::Directory,
            "l" => Self::Symlink,
            "b" => Self::BlockDevice,
            "c" => Self::CharDevice,
            "p" => Self::Fifo,
            "s" => Self::Socket,
            _ => return None,
        })
    }
}

/// One entry of a directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirEntry {
    pub name: String,
    pub kind: EntryKind,
    pub size: u64,
    pub mtime: DateTime<Utc>,
    /// Permission bits (`0o7777` at most).
    pub mode: u32,
    /// A symlink's target as stored (not resolved).
    pub symlink_target: Option<String>,
}

fn text(field: &[u8]) -> String {
    String::from_utf8_lossy(field).into_owned()
}

fn bad(record: usize, field: &[u8], reason: impl Into<String>) -> ParseError {
    ParseError::line(COMMAND, record, &text(field), reason)
}

/// Reads up to `n` NUL-terminated fields. `Ok(None)` at a clean end of stream (no byte
/// of a new record read); an error for a record cut short or a field over the limit.
pub async fn read_nul_fields<R: AsyncBufRead + Unpin>(
    reader: &mut R,
    n: usize,
    record: usize,
) -> Result<Option<Vec<Vec<u8>>>, ParseError> {
    let mut fields = Vec::with_capacity(n);
    for i in 0..n {
        let mut field = Vec::new();
        let read = (&mut *reader)
            .take(MAX_FIELD as u64 + 1)
            .read_until(0, &mut field)
            .await
            .map_err(|e| bad(record, b"", format!("reading output: {e}")))?;
        if read == 0 && i == 0 {
            return Ok(None);
        }
        if field.pop() != Some(0) {
            return Err(bad(record, &field, "record cut short or field too long"));
        }
        fields.push(field);
    }
    Ok(Some(fields))
}

/// One record of [`crate::command::files::list_dir`] (six fields). `record` is its
/// 1-based position, for errors.
pub fn dir_entry(fields: &[Vec<u8>], record: usize) -> Result<DirEntry, ParseError> {
    let [kind, size, mtime, mode, name, target] = fields else {
        return Err(bad(
            record,
            b"",
            format!("expected 6 fields, got {}", fields.len()),
        ));
    };
    let kind_text = text(kind);
    let kind = EntryKind::from_find(&kind_text)
        .ok_or_else(|| bad(record, kind_text.as_bytes(), "unknown file type"))?;
    let size = super::parse_u64(&text(size)).map_err(|e| bad(record, size, e))?;
    let mtime = parse_epoch(&text(mtime)).ok_or_else(|| bad(record, mtime, "bad mtime"))?;
    let mode = u32::from_str_radix(&text(mode), 8)
        .ok()
        .filter(|m| *m <= 0o7777)
        .ok_or_else(|| bad(record, mode, "bad mode"))?;
    if name.is_empty() || name.contains(&b'/') {
        return Err(bad(record, name, "bad name"));
    }
    Ok(DirEntry {
        name: text(name),
        kind,
        size,
        mtime,
        mode,
        symlink_target: (kind == EntryKind::Symlink).then(|| text(target)),
    })
}

/// `1733300000.1234567890` → that instant (nanoseconds kept).
fn parse_epoch(s: &str) -> Option<DateTime<Utc>> {
    let (secs, frac) = s.split_once('.').unwrap_or((s, ""));
    let secs: i64 = secs.parse().ok()?;
    let digits: String = frac.chars().take(9).collect();
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let nanos: u32 = if digits.is_empty() {
        0
    } else {
        format!("{digits:0<9}").parse().ok()?
    };
    DateTime::from_timestamp(secs, nanos)
}

/// One record of [`crate::command::files::list_files`]: (size, path relative to the
/// listed directory; empty when the listed path is itself a file).
pub fn file_entry(fields: &[Vec<u8>], record: usize) -> Result<(u64, String), ParseError> {
    let [size, path] = fields else {
        return Err(bad(
            record,
            b"",
            format!("expected 2 fields, got {}", fields.len()),
        ));
    };
    let size = super::parse_u64(&text(size)).map_err(|e| bad(record, size, e))?;
    Ok((size, text(path)))
}

/// One `sha256sum -z` record, `HEX  NAME` (NUL-terminated, read as one field): (digest,
/// name).
pub fn sha256_record(field: &[u8], record: usize) -> Result<(String, String), ParseError> {
    let line = text(field);
    let (digest, name) = line
        .split_once("  ")
        .ok_or_else(|| bad(record, field, "expected `DIGEST  NAME`"))?;
    if digest.len() != 64 || !digest.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad(record, field, "bad digest"));
    }
    Ok((digest.to_ascii_lowercase(), name.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    async fn all(bytes: &[u8], n: usize) -> Result<Vec<Vec<Vec<u8>>>, ParseError> {
        let mut r = tokio::io::BufReader::new(bytes);
        let mut out = Vec::new();
        while let Some(f) = read_nul_fields(&mut r, n, out.len() + 1).await? {
            out.push(f);
        }
        Ok(out)
    }

    #[tokio::test]
    async fn reads_find_records() {
        let out = b"f\x0012\x001733300000.5\x00644\x00a b.txt\x00\x00\
                    l\x005\x001733300001.0000000010\x00777\x00link\x00../../etc\x00";
        let recs = all(out, 6).await.unwrap();
        let a = dir_entry(&recs[0], 1).unwrap();
        assert_eq!(
            (a.name.as_str(), a.kind, a.size, a.mode),
            ("a b.txt", EntryKind::File, 12, 0o644)
        );
        assert_eq!(a.mtime.timestamp_subsec_millis(), 500);
        assert_eq!(a.symlink_target, None);
        let l = dir_entry(&recs[1], 2).unwrap();
        assert_eq!(l.symlink_target.as_deref(), Some("../../etc"));
        assert_eq!(l.mtime.timestamp_subsec_nanos(), 1);
    }

    #[tokio::test]
    async fn cut_records_and_bad_fields_are_errors() {
        assert!(all(b"f\x0012\x00", 6).await.is_err());
        assert!(all(b"", 6).await.unwrap().is_empty());
        let bad_kind = vec![
            b"x".to_vec(),
            b"1".to_vec(),
            b"1".to_vec(),
            b"644".to_vec(),
            b"n".to_vec(),
            vec![],
        ];
        assert!(dir_entry(&bad_kind, 1).is_err());
        assert!(dir_entry(&bad_kind[..3], 1).is_err());
        let (d, n) = sha256_record(format!("{}  a/b c", "ab".repeat(32)).as_bytes(), 1).unwrap();
        assert_eq!((d.len(), n.as_str()), (64, "a/b c"));
        assert!(sha256_record(b"zz  a", 1).is_err());
        assert_eq!(
            file_entry(&[b"3".to_vec(), b"d/x".to_vec()], 1).unwrap(),
            (3, "d/x".into())
        );
    }

    proptest! {
        /// Any bytes: records or a typed error, never a panic.
        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
            if let Ok(recs) = rt.block_on(all(&bytes, 6)) {
                for (i, r) in recs.iter().enumerate() {
                    let _ = dir_entry(r, i + 1);
                }
            }
        }
    }
}
