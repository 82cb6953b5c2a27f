//! Validated names. Parse, don't validate: a value of these types cannot hold a name
//! that is empty, over-long or (for the names that end up in paths and command lines)
//! contains anything a shell or a path could misread.
//!
//! - [`DisplayName`]: free text shown in the dashboard (never in a path or command).
//! - [`EntityName`], [`SubvolumeName`], [`SnapshotName`]: names that become path
//!   components on a server. They follow one conservative rule ([`check_component`]):
//!   ASCII letters, digits and `. _ @ + -` only; not starting with `-` nor ending with `.`;
//!   no `..` anywhere;
//!   1 to a per-type maximum of bytes. A whitelist rather than a list of bad characters: `/`,
//!   whitespace, quotes, `$`, backticks, `;`, `\`, line breaks and NUL are all outside it,
//!   and so is anything a future shell or tool might treat specially.

use std::fmt;

/// Why a string is not an acceptable display name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DisplayNameError {
    #[error("name must not be empty")]
    Empty,
    #[error("name must be at most {max} characters")]
    TooLong { max: usize },
    #[error("name must not contain control characters")]
    ControlChar,
}

/// A display name: 1..=64 characters after trimming, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    pub const MAX_CHARS: usize = 64;

    pub fn parse(s: &str) -> Result<Self, DisplayNameError> {
        let trimmed = s.trim();
        if trimmed.is_empty() {
            return Err(DisplayNameError::Empty);
        }
        if trimmed.chars().count() > Self::MAX_CHARS {
            return Err(DisplayNameError::TooLong {
                max: Self::MAX_CHARS,
            });
        }
        if trimmed.chars().any(char::is_control) {
            return Err(DisplayNameError::ControlChar);
        }
        Ok(Self(trimmed.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for DisplayName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why a string is not an acceptable name for something that becomes a path component.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("name must not be empty")]
    Empty,
    #[error("name must be at most {max} bytes")]
    TooLong { max: usize },
    #[error("name must not contain '/'")]
    Slash,
    #[error("name must not contain '..' (or be '.')")]
    DotDot,
    #[error("name must not contain a NUL byte")]
    Nul,
    #[error("name must not contain whitespace or line breaks")]
    Whitespace,
    #[error("name must not start with '-'")]
    LeadingDash,
    #[error("name must not end with '.'")]
    TrailingDot,
    #[error("name must not contain {0:?} (allowed: ASCII letters, digits and . _ @ + -)")]
    ForbiddenChar(char),
}

/// Checks one path component / name against the rule of this module (see the module
/// docs), at most `max` bytes.
pub fn check_component(s: &str, max: usize) -> Result<(), NameError> {
    if s.is_empty() {
        return Err(NameError::Empty);
    }
    if s.contains('/') {
        return Err(NameError::Slash);
    }
    if s.contains('\0') {
        return Err(NameError::Nul);
    }
    if s.chars().any(char::is_whitespace) {
        return Err(NameError::Whitespace);
    }
    if s == "." || s.contains("..") {
        return Err(NameError::DotDot);
    }
    if let Some(c) = s.chars().find(|c| !is_allowed(*c)) {
        return Err(NameError::ForbiddenChar(c));
    }
    if s.starts_with('-') {
        return Err(NameError::LeadingDash);
    }
    // A subvolume name `x.` would make snapshot names `x..<timestamp>`.
    if s.ends_with('.') {
        return Err(NameError::TrailingDot);
    }
    if s.len() > max {
        return Err(NameError::TooLong { max });
    }
    Ok(())
}

fn is_allowed(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '@' | '+' | '-')
}

macro_rules! component_name {
    ($(#[$doc:meta])* $name:ident, $max:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// Longest accepted name, in bytes.
            pub const MAX_BYTES: usize = $max;

            pub fn parse(s: &str) -> Result<Self, NameError> {
                check_component(s, Self::MAX_BYTES)?;
                Ok(Self(s.to_owned()))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

component_name!(
    /// A server's name (unique among servers; used in logs and, later, remote paths).
    EntityName,
    64
);

component_name!(
    /// A managed subvolume's name: the prefix of its snapshots' names. At most 200 bytes,
    /// so that `<name>.<timestamp>_<n>` stays within btrfs' 255-byte name limit.
    SubvolumeName,
    200
);

component_name!(
    /// A snapshot's name: one path component inside the subvolume's snapshot directory,
    /// at most 255 bytes (btrfs' limit). See [`crate::snapshot_names`] for how dist-btrfs makes
    /// them.
    SnapshotName,
    255
);

impl SnapshotName {
    /// Built by [`crate::snapshot_names`] from parts that are already valid.
    pub(crate) fn from_valid(s: String) -> Self {
        debug_assert!(check_component(&s, Self::MAX_BYTES).is_ok(), "{s:?}");
        Self(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn component_names_refuse_everything_dangerous() {
        for ok in ["home", "data.www", "a@b+c-d_e", ".snapshots", "X1"] {
            assert!(SubvolumeName::parse(ok).is_ok(), "{ok:?}");
        }
        let cases: &[(&str, NameError)] = &[
            ("", NameError::Empty),
            ("a/b", NameError::Slash),
            ("/", NameError::Slash),
            (".", NameError::DotDot),
            ("..", NameError::DotDot),
            ("a..b", NameError::DotDot),
            ("a b", NameError::Whitespace),
            ("a\tb", NameError::Whitespace),
            ("a\nb", NameError::Whitespace),
            ("a\rb", NameError::Whitespace),
            ("a\0b", NameError::Nul),
            ("a'b", NameError::ForbiddenChar('\'')),
            ("a\"b", NameError::ForbiddenChar('"')),
            ("$(id)", NameError::ForbiddenChar('$')),
            ("`id`", NameError::ForbiddenChar('`')),
            ("a;rm", NameError::ForbiddenChar(';')),
            ("a\\b", NameError::ForbiddenChar('\\')),
            ("a|b", NameError::ForbiddenChar('|')),
            ("a*", NameError::ForbiddenChar('*')),
            ("é", NameError::ForbiddenChar('é')),
            ("-rf", NameError::LeadingDash),
            ("home.", NameError::TrailingDot),
        ];
        for (bad, want) in cases {
            assert_eq!(SubvolumeName::parse(bad).as_ref(), Err(want), "{bad:?}");
        }
        assert_eq!(
            SubvolumeName::parse(&"a".repeat(201)),
            Err(NameError::TooLong { max: 200 })
        );
        assert!(SubvolumeName::parse(&"a".repeat(200)).is_ok());
        assert!(SnapshotName::parse(&"a".repeat(255)).is_ok());
        assert!(SnapshotName::parse(&"a".repeat(256)).is_err());
        assert!(EntityName::parse(&"a".repeat(65)).is_err());
    }

    #[test]
    fn table() {
        assert_eq!(
            DisplayName::parse("  lab fleet ").unwrap().as_str(),
            "lab fleet"
        );
        assert_eq!(DisplayName::parse("   "), Err(DisplayNameError::Empty));
        assert_eq!(
            DisplayName::parse("a\nb"),
            Err(DisplayNameError::ControlChar)
        );
        assert_eq!(
            DisplayName::parse("é".repeat(64).as_str())
                .unwrap()
                .as_str()
                .chars()
                .count(),
            64
        );
        assert!(matches!(
            DisplayName::parse(&"x".repeat(65)),
            Err(DisplayNameError::TooLong { .. })
        ));
    }

    proptest! {
        #[test]
        fn accepted_component_names_are_shell_and_path_safe(s in "\\PC{0,40}|[a-z.$;`'\" /\n\0-]{0,12}") {
            if let Ok(name) = SnapshotName::parse(&s) {
                prop_assert!(!name.as_str().is_empty());
                prop_assert!(!name.as_str().contains(".."));
                prop_assert!(!name.as_str().starts_with('-'));
                prop_assert!(name.as_str().bytes().all(|b| b.is_ascii_alphanumeric() || b"._@+-".contains(&b)));
            }
        }

        #[test]
        fn accepted_names_are_trimmed_and_clean(s in "\\PC{0,80}") {
            if let Ok(name) = DisplayName::parse(&s) {
                prop_assert_eq!(name.as_str(), name.as_str().trim());
                prop_assert!(!name.as_str().is_empty());
                prop_assert!(name.as_str().chars().count() <= DisplayName::MAX_CHARS);
                prop_assert!(!name.as_str().chars().any(char::is_control));
            }
        }
    }
}
