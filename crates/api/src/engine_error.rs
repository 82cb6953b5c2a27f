//! Engine errors as HTTP problems. `engine` knows nothing of HTTP; this module decides
//! the status of each error class. [`engine_responses!`] gives an operation's
//! `ApiResponse` enum a `From<EngineError>` (the enum must have the variants `BadRequest`,
//! `NotFound`, `Conflict`, `BadGateway`, `Unavailable` and `Internal`).

use engine::EngineError;
use poem::http::StatusCode;

use crate::problem::Problem;

/// The status class of an engine error.
pub(crate) enum Class {
    BadRequest,
    NotFound,
    Conflict,
    BadGateway,
    Unavailable,
    Internal,
}

/// Classifies `e` and builds its problem body. Server-side causes are logged, not
/// returned; a failed command's message (argv, exit code, stderr) is returned, it holds
/// no secrets.
pub(crate) fn classify(e: &EngineError) -> (Class, Problem) {
    match e {
        EngineError::Invalid(m) => (Class::BadRequest, Problem::validation(m.clone())),
        EngineError::NotFound(m) => (Class::NotFound, Problem::not_found(m.clone())),
        EngineError::Conflict(m) => (Class::Conflict, Problem::conflict(m.clone())),
        EngineError::Host(_) | EngineError::Verification(_) => {
            tracing::warn!(error = %e, "server command failed");
            (
                Class::BadGateway,
                Problem::new(
                    StatusCode::BAD_GATEWAY,
                    "server-command-failed",
                    e.to_string(),
                ),
            )
        }
        EngineError::HostUnavailable { .. } => (
            Class::Unavailable,
            Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "server-unavailable",
                e.to_string(),
            ),
        ),
        EngineError::Store(_) | EngineError::Inconsistent(_) => {
            (Class::Internal, Problem::internal(e))
        }
    }
}

macro_rules! engine_responses {
    ($($ty:ident),* $(,)?) => {$(
        impl From<engine::EngineError> for $ty {
            fn from(e: engine::EngineError) -> Self {
                use crate::engine_error::Class;
                use poem_openapi::payload::Json;
                match crate::engine_error::classify(&e) {
                    (Class::BadRequest, p) => Self::BadRequest(Json(p)),
                    (Class::NotFound, p) => Self::NotFound(Json(p)),
                    (Class::Conflict, p) => Self::Conflict(Json(p)),
                    (Class::BadGateway, p) => Self::BadGateway(Json(p)),
                    (Class::Unavailable, p) => Self::Unavailable(Json(p)),
                    (Class::Internal, p) => Self::Internal(Json(p)),
                }
            }
        }
    )*};
}

pub(crate) use engine_responses;
