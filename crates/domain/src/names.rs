//! Validated human-facing names. Parse, don't validate: a value of these types
//! cannot hold an empty, over-long or control-character name.

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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

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
