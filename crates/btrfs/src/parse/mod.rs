//! Parsers of btrfs-progs output into typed structs, one per command built in
//! [`crate::command::btrfs`], checked against real output captured from btrfs-progs v6.2
//! (`tests/it/fixtures/`, with the script that made them).
//!
//! Parsers take the command's stdout as text (the caller converts bytes lossily: a
//! non-UTF-8 name becomes U+FFFD instead of failing the whole listing) and never panic: any
//! unexpected input is a [`ParseError`] naming the offending line. They tolerate unknown
//! extra `key: value` lines where btrfs-progs may add some in later versions, but never
//! guess a value that is missing.
//!
//! The types also render themselves back in btrfs-progs' format (`render_*`), so fakes of a
//! host in other crates' tests can answer with realistic output.
//!
//! Not here: running commands ([`crate::host`]), building them ([`crate::command`]).

mod filesystem;
pub mod listing;
mod qgroup;
mod subvolume;
mod version;

pub use filesystem::{
    BlockGroupKind, BlockGroupUsage, DeviceAllocation, FilesystemUsage, filesystem_usage,
};
pub use qgroup::{Qgroup, QgroupId, QgroupIdError, qgroup_show};
pub use subvolume::{SubvolumeInfo, SubvolumeQuota, SubvolumeShow, subvolume_list, subvolume_show};
pub use version::{BtrfsVersion, property_ro, version};

use uuid::Uuid;

/// Longest excerpt of an offending line kept in a [`ParseError`].
const MAX_LINE_EXCERPT: usize = 300;

/// Output that does not have the expected shape.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// A line that cannot be understood. `line_no` is 1-based; `line` is truncated to a few
    /// hundred bytes.
    #[error("`btrfs {command}` output, line {line_no}: {reason}: {line:?}")]
    Line {
        command: &'static str,
        line_no: usize,
        line: String,
        reason: String,
    },
    /// A field the output must contain is absent.
    #[error("`btrfs {command}` output: missing {field}")]
    Missing {
        command: &'static str,
        field: &'static str,
    },
    /// No output at all where some is required.
    #[error("`btrfs {command}` output is empty")]
    Empty { command: &'static str },
}

impl ParseError {
    pub(crate) fn line(
        command: &'static str,
        line_no: usize,
        line: &str,
        reason: impl Into<String>,
    ) -> Self {
        Self::Line {
            command,
            line_no,
            line: excerpt(line),
            reason: reason.into(),
        }
    }
}

fn excerpt(line: &str) -> String {
    if line.len() <= MAX_LINE_EXCERPT {
        return line.to_owned();
    }
    let mut end = MAX_LINE_EXCERPT;
    while !line.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &line[..end])
}

/// Splits text into (1-based line number, line) without the trailing `\n`. A final empty
/// line (text ending in `\n`) is not yielded, so `"\n"` yields nothing.
pub(crate) fn numbered_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let text = text.strip_suffix('\n').unwrap_or(text);
    let lines = if text.is_empty() {
        None
    } else {
        Some(text.split('\n'))
    };
    lines
        .into_iter()
        .flatten()
        .enumerate()
        .map(|(i, l)| (i + 1, l))
}

pub(crate) fn parse_u64(s: &str) -> Result<u64, String> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("expected a number, found {s:?}"));
    }
    s.parse::<u64>()
        .map_err(|e| format!("bad number {s:?}: {e}"))
}

/// A UUID in the hyphenated form btrfs prints, or `-` for none.
pub(crate) fn parse_opt_uuid(s: &str) -> Result<Option<Uuid>, String> {
    if s == "-" {
        return Ok(None);
    }
    if s.len() != 36 {
        return Err(format!("expected a UUID or '-', found {s:?}"));
    }
    Uuid::try_parse(s)
        .map(Some)
        .map_err(|e| format!("bad UUID {s:?}: {e}"))
}

pub(crate) fn render_opt_uuid(u: Option<Uuid>) -> String {
    u.map_or_else(|| "-".to_owned(), |u| u.hyphenated().to_string())
}

/// Takes `n` whitespace-separated words from the start of `line` and returns them with the
/// rest of the line (leading whitespace removed, everything else kept verbatim).
pub(crate) fn split_words(line: &str, n: usize) -> Option<(Vec<&str>, &str)> {
    let mut words = Vec::with_capacity(n);
    let mut rest = line;
    for _ in 0..n {
        rest = rest.trim_start_matches([' ', '\t']);
        if rest.is_empty() {
            return None;
        }
        let end = rest.find([' ', '\t']).unwrap_or(rest.len());
        words.push(&rest[..end]);
        rest = &rest[end..];
    }
    Some((words, rest.trim_start_matches([' ', '\t'])))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbered_lines_basics() {
        assert_eq!(numbered_lines("").count(), 0);
        assert_eq!(numbered_lines("\n").count(), 0);
        assert_eq!(
            numbered_lines("\n\n").collect::<Vec<_>>(),
            [(1, ""), (2, "")]
        );
        assert_eq!(
            numbered_lines("a\nb\n").collect::<Vec<_>>(),
            [(1, "a"), (2, "b")]
        );
        assert_eq!(
            numbered_lines("a\n\nb").collect::<Vec<_>>(),
            [(1, "a"), (2, ""), (3, "b")]
        );
    }

    #[test]
    fn split_words_keeps_rest_verbatim() {
        assert_eq!(
            split_words("a  b\tc  d e ", 2),
            Some((vec!["a", "b"], "c  d e "))
        );
        assert_eq!(split_words("a", 2), None);
        assert_eq!(split_words("a b", 2), Some((vec!["a", "b"], "")));
    }

    #[test]
    fn excerpt_is_bounded_and_char_safe() {
        let long = "é".repeat(400);
        let e = excerpt(&long);
        assert!(e.len() <= MAX_LINE_EXCERPT + "…".len());
    }

    #[test]
    fn numbers_and_uuids() {
        assert_eq!(parse_u64("0"), Ok(0));
        assert!(parse_u64("+1").is_err());
        assert!(parse_u64("").is_err());
        assert!(parse_u64("99999999999999999999999").is_err());
        assert_eq!(parse_opt_uuid("-"), Ok(None));
        assert!(
            parse_opt_uuid("a78bc218-7abe-1248-a0cf-ca9807118f3c")
                .unwrap()
                .is_some()
        );
        assert!(parse_opt_uuid("a78bc2187abe1248a0cfca9807118f3c").is_err());
        assert!(parse_opt_uuid("x").is_err());
    }
}
