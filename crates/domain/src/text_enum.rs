//! `text_enum!`: a state or class with a fixed set of values, stored and sent as its
//! snake_case name. One list of (variant, name) gives serde, [`as_str`], `parse`,
//! `ALL` and `Display`, so the stored text, the JSON and the Rust match never drift
//! apart; a new variant is a compile error at every exhaustive `match`.
//!
//! [`as_str`]: crate::replication::RunState::as_str

/// Declares `pub enum $name { $variant, ... }` with the given text for each variant.
#[macro_export]
macro_rules! text_enum {
    ($(#[$meta:meta])* $vis:vis enum $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        $vis enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The stored / wire name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text),+
                }
            }

            /// The value named `text` (as stored), if any.
            pub fn parse(text: &str) -> Option<Self> {
                match text {
                    $($text => Some(Self::$variant),)+
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use crate::catalog::{SnapshotOrigin, SnapshotState};
    use crate::replication::{Compression, ErrorClass, Outcome, RunState, TargetState};

    /// The stored text, the JSON and `parse` agree for every value of every text enum.
    fn round_trips<T>(all: &[T], as_str: fn(T) -> &'static str, parse: fn(&str) -> Option<T>)
    where
        T: Copy + PartialEq + std::fmt::Debug + serde::Serialize,
    {
        for &v in all {
            let text = as_str(v);
            assert_eq!(serde_json::to_value(v).unwrap(), serde_json::json!(text));
            assert_eq!(parse(text), Some(v));
        }
        assert_eq!(parse("no-such-value"), None);
    }

    #[test]
    fn text_enums_have_one_serialized_form() {
        round_trips(RunState::ALL, RunState::as_str, RunState::parse);
        round_trips(TargetState::ALL, TargetState::as_str, TargetState::parse);
        round_trips(ErrorClass::ALL, ErrorClass::as_str, ErrorClass::parse);
        round_trips(Outcome::ALL, Outcome::as_str, Outcome::parse);
        round_trips(Compression::ALL, Compression::as_str, Compression::parse);
        round_trips(
            SnapshotState::ALL,
            SnapshotState::as_str,
            SnapshotState::parse,
        );
        round_trips(
            SnapshotOrigin::ALL,
            SnapshotOrigin::as_str,
            SnapshotOrigin::parse,
        );
        use crate::restore::{HoldReason, RestoreMode, RestoreState};
        round_trips(RestoreMode::ALL, RestoreMode::as_str, RestoreMode::parse);
        round_trips(RestoreState::ALL, RestoreState::as_str, RestoreState::parse);
        round_trips(HoldReason::ALL, HoldReason::as_str, HoldReason::parse);
        use crate::status::{ContactFailure, ProblemKind, Severity};
        round_trips(Severity::ALL, Severity::as_str, Severity::parse);
        round_trips(ProblemKind::ALL, ProblemKind::as_str, ProblemKind::parse);
        round_trips(
            ContactFailure::ALL,
            ContactFailure::as_str,
            ContactFailure::parse,
        );
        assert_eq!(RunState::ALL.len(), 5);
        assert!(RunState::ALL.iter().filter(|s| s.is_unfinished()).count() == 2);
    }
}
