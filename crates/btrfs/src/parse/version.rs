//! Parsers for `btrfs --version` and `btrfs property get -ts PATH ro`.
//!
//! Not here: feature detection beyond what `--version` prints.

use serde::{Deserialize, Serialize};

use super::{ParseError, numbered_lines};

/// The btrfs-progs version, e.g. `btrfs-progs v6.2` or `btrfs-progs v6.6.3` (newer versions
/// print a second line of `+FEATURE -FEATURE` flags).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct BtrfsVersion {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
    /// The first line verbatim.
    pub text: String,
    /// Feature flags of the second line, if printed (`+ZSTD`, `-INJECT`, `CRYPTO=builtin`).
    pub features: Vec<String>,
}

impl BtrfsVersion {
    /// `(major, minor, patch)` for comparisons.
    pub fn triple(&self) -> (u32, u32, u32) {
        (self.major, self.minor, self.patch)
    }

    /// Whether this version is at least `major.minor`.
    pub fn at_least(&self, major: u32, minor: u32) -> bool {
        (self.major, self.minor) >= (major, minor)
    }

    /// Renders the output as btrfs-progs prints it.
    pub fn render(&self) -> String {
        if self.features.is_empty() {
            format!("{}\n", self.text)
        } else {
            format!("{}\n{}\n", self.text, self.features.join(" "))
        }
    }
}

const VERSION: &str = "--version";

/// Parses the output of [`crate::command::btrfs::version`].
pub fn version(text: &str) -> Result<BtrfsVersion, ParseError> {
    let mut lines = numbered_lines(text);
    let (no, first) = lines.next().ok_or(ParseError::Empty { command: VERSION })?;
    let err = |r: &str| ParseError::line(VERSION, no, first, r);
    let v = first
        .strip_prefix("btrfs-progs v")
        .ok_or_else(|| err("expected \"btrfs-progs vX.Y[.Z]\""))?;
    let v = v.split_whitespace().next().unwrap_or("");
    // "6.2", "6.6.3", "6.3-rc1": numbers separated by dots, anything after a '-' ignored.
    let v = v.split('-').next().unwrap_or("");
    let mut nums = v.split('.').map(|p| {
        if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        p.parse::<u32>().ok()
    });
    let major = nums
        .next()
        .flatten()
        .ok_or_else(|| err("bad major version"))?;
    let minor = nums
        .next()
        .unwrap_or(Some(0))
        .ok_or_else(|| err("bad minor version"))?;
    let patch = nums
        .next()
        .unwrap_or(Some(0))
        .ok_or_else(|| err("bad patch version"))?;
    if nums.next().is_some() {
        return Err(err("too many version components"));
    }
    let features = lines
        .next()
        .map(|(_, l)| l.split_whitespace().map(str::to_owned).collect())
        .unwrap_or_default();
    Ok(BtrfsVersion {
        major,
        minor,
        patch,
        text: first.to_owned(),
        features,
    })
}

const PROPERTY: &str = "property get";

/// Parses `ro=true` / `ro=false`, the output of
/// [`crate::command::btrfs::property_get_ro`].
pub fn property_ro(text: &str) -> Result<bool, ParseError> {
    let mut lines = numbered_lines(text).filter(|(_, l)| !l.trim().is_empty());
    let (no, line) = lines
        .next()
        .ok_or(ParseError::Empty { command: PROPERTY })?;
    let value = match line.trim() {
        "ro=true" => true,
        "ro=false" => false,
        _ => {
            return Err(ParseError::line(
                PROPERTY,
                no,
                line,
                "expected ro=true or ro=false",
            ));
        }
    };
    if let Some((no, extra)) = lines.next() {
        return Err(ParseError::line(
            PROPERTY,
            no,
            extra,
            "unexpected extra line",
        ));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn versions() {
        let v = version("btrfs-progs v6.6.3\n+EXPERIMENTAL -INJECT -STATIC +LZO +ZSTD +UDEV +FSVERITY +ZONED CRYPTO=builtin\n").unwrap();
        assert_eq!(v.triple(), (6, 6, 3));
        assert_eq!(v.features.len(), 9);
        assert!(v.at_least(6, 2) && !v.at_least(6, 7));
        assert_eq!(version("btrfs-progs v6.3-rc1").unwrap().triple(), (6, 3, 0));
        assert_eq!(version("btrfs-progs v5").unwrap().triple(), (5, 0, 0));
        for bad in [
            "",
            "btrfs v6.2",
            "btrfs-progs v",
            "btrfs-progs vx.2",
            "btrfs-progs v6..2",
            "btrfs-progs v1.2.3.4",
            "btrfs-progs v99999999999",
        ] {
            assert!(version(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn property() {
        assert_eq!(property_ro("ro=true\n"), Ok(true));
        assert_eq!(property_ro("ro=false"), Ok(false));
        assert!(property_ro("").is_err());
        assert!(property_ro("ro=maybe").is_err());
        assert!(property_ro("ro=true\nro=false").is_err());
    }

    proptest! {
        #[test]
        fn never_panic(s in "\\PC*") {
            let _ = version(&s);
            let _ = property_ro(&s);
        }

        #[test]
        fn version_round_trips(major in 0u32..100, minor in 0u32..100, patch in 0u32..100, features in proptest::collection::vec("[+-][A-Z]{1,10}", 0..5)) {
            let text = if patch == 0 { format!("btrfs-progs v{major}.{minor}") } else { format!("btrfs-progs v{major}.{minor}.{patch}") };
            let v = BtrfsVersion { major, minor, patch, text, features };
            prop_assert_eq!(version(&v.render()).unwrap(), v);
        }
    }
}
