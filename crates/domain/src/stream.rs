//! Stream identifiers of the event log.
//!
//! A stream is the unit of optimistic concurrency: every event belongs to exactly one
//! stream and carries that stream's next version. Stream ids look like `instance` or
//! `server-0190c1f2-...`: a lowercase category, optionally followed by `-` and an id.
//! This module only validates the shape; it does not know which categories exist.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A validated stream id: 1..=128 chars of `[a-z0-9-]`, starting with a letter.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct StreamId(String);

/// Why a string is not a stream id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StreamIdError {
    #[error("stream id must not be empty")]
    Empty,
    #[error("stream id is longer than 128 characters")]
    TooLong,
    #[error("stream id must start with a lowercase letter: {0:?}")]
    BadStart(String),
    #[error("stream id may contain only a-z, 0-9 and '-': {0:?}")]
    BadChar(String),
}

impl StreamId {
    /// Parses a stream id, refusing anything outside `[a-z][a-z0-9-]{0,127}`.
    pub fn parse(s: &str) -> Result<Self, StreamIdError> {
        if s.is_empty() {
            return Err(StreamIdError::Empty);
        }
        if s.len() > 128 {
            return Err(StreamIdError::TooLong);
        }
        if !s.starts_with(|c: char| c.is_ascii_lowercase()) {
            return Err(StreamIdError::BadStart(s.to_owned()));
        }
        if !s
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return Err(StreamIdError::BadChar(s.to_owned()));
        }
        Ok(Self(s.to_owned()))
    }

    /// The stream of one entity: `<category>-<uuid>`.
    pub fn for_entity(category: &'static str, id: uuid::Uuid) -> Self {
        // A static category of lowercase letters plus a hyphenated uuid is always valid.
        Self(format!("{category}-{}", id.hyphenated()))
    }

    /// The singleton stream describing this installation.
    pub fn instance() -> Self {
        Self("instance".to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for StreamId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for StreamId {
    type Error = StreamIdError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<StreamId> for String {
    fn from(value: StreamId) -> Self {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_categories_and_entities() {
        assert!(StreamId::parse("instance").is_ok());
        assert!(StreamId::parse("server-0190c1f2-aaaa-7bbb-8ccc-123456789abc").is_ok());
        let id = uuid::Uuid::nil();
        assert_eq!(
            StreamId::for_entity("server", id).as_str(),
            "server-00000000-0000-0000-0000-000000000000"
        );
    }

    #[test]
    fn refuses_bad_shapes() {
        assert_eq!(StreamId::parse(""), Err(StreamIdError::Empty));
        assert!(matches!(
            StreamId::parse("1abc"),
            Err(StreamIdError::BadStart(_))
        ));
        assert!(matches!(
            StreamId::parse("-abc"),
            Err(StreamIdError::BadStart(_))
        ));
        assert!(matches!(
            StreamId::parse("a b"),
            Err(StreamIdError::BadChar(_))
        ));
        assert!(matches!(
            StreamId::parse("a;rm"),
            Err(StreamIdError::BadChar(_))
        ));
        assert!(matches!(
            StreamId::parse("Abc"),
            Err(StreamIdError::BadStart(_))
        ));
        assert_eq!(
            StreamId::parse(&"a".repeat(129)),
            Err(StreamIdError::TooLong)
        );
    }

    proptest! {
        #[test]
        fn parse_never_panics_and_valid_ids_round_trip(s in "\\PC{0,140}") {
            if let Ok(id) = StreamId::parse(&s) {
                prop_assert_eq!(id.as_str(), s.as_str());
                let json = serde_json::to_string(&id).unwrap();
                let back: StreamId = serde_json::from_str(&json).unwrap();
                prop_assert_eq!(back, id);
            }
        }

        #[test]
        fn generated_valid_ids_parse(s in "[a-z][a-z0-9-]{0,127}") {
            prop_assert!(StreamId::parse(&s).is_ok());
        }
    }
}
