//! Engine errors as HTTP problems. `engine` knows nothing of HTTP; this module decides
//! the status and problem body of each error ([`classify`]), which `respond::ApiError` uses for `?`.

use engine::EngineError;
use poem::http::StatusCode;

use crate::problem::Problem;

/// Classifies `e` and builds its problem body. Server-side causes are logged, not
/// returned; a failed command's message (argv, exit code, stderr) is returned, it holds
/// no secrets.
pub(crate) fn classify(e: &EngineError) -> Problem {
    match e {
        EngineError::Invalid(m) => Problem::validation(m.clone()).with_field(field_of(m)),
        EngineError::NotFound(m) => Problem::not_found(m.clone()),
        EngineError::Conflict(m) => Problem::conflict(m.clone()),
        EngineError::Host(_) | EngineError::Verification(_) => {
            tracing::warn!(error = %e, "server command failed");
            Problem::new(
                StatusCode::BAD_GATEWAY,
                "server-command-failed",
                e.to_string(),
            )
        }
        EngineError::HostUnavailable { .. } => Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "server-unavailable",
            e.to_string(),
        ),
        EngineError::Store(s) => Problem::of_store(s),
        EngineError::Inconsistent(_) => Problem::internal(e),
    }
}

/// The request field an invalid-input message is about: the engine starts such messages
/// with the field's name (`"path: ..."`, `"retention.daily: ..."`).
fn field_of(message: &str) -> Option<&str> {
    let (head, _) = message.split_once(':')?;
    let ok = !head.is_empty()
        && head
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'.');
    ok.then_some(head)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_field_is_the_messages_leading_name() {
        assert_eq!(field_of("path: /x is outside"), Some("path"));
        assert_eq!(
            field_of("retention.daily: must be ..."),
            Some("retention.daily")
        );
        assert_eq!(field_of("snapshot_dir: missing"), Some("snapshot_dir"));
        assert_eq!(field_of("path /x is not a btrfs subvolume"), None);
        assert_eq!(field_of("name (from the path's last component): bad"), None);
        assert_eq!(field_of("no colon"), None);
    }
}
