//! JSON problem bodies (RFC 9457 shape) for every error the API returns.

use poem::http::StatusCode;
use poem::{IntoResponse, Response};
use poem_openapi::Object;
use poem_openapi::payload::{Json, Payload};
use poem_openapi::registry::{MetaSchemaRef, Registry};
use poem_openapi::types::Type;

/// The media type of every error body.
pub const PROBLEM_CONTENT_TYPE: &str = "application/problem+json";

/// An error as the API reports it. Every 4xx/5xx body is one of these, sent as
/// `application/problem+json`, and every `type` is `/problems/<kind>` (a URI reference
/// relative to the server).
#[derive(Debug, Clone, Object)]
pub struct Problem {
    /// A URI-like identifier of the problem type, e.g. `/problems/validation`.
    #[oai(rename = "type")]
    pub kind: String,
    /// A short, human-readable summary of the problem type.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong in this request.
    #[oai(skip_serializing_if_is_none)]
    pub detail: Option<String>,
    /// The request field at fault, when the problem is about one input (e.g.
    /// `password`); clients mark that field instead of parsing `detail`.
    #[oai(skip_serializing_if_is_none)]
    pub field: Option<String>,
}

/// A [`Problem`] as a response body: `application/problem+json`, in the OpenAPI document
/// as in the response. Every error answer goes out through it.
pub struct ProblemJson(pub Problem);

impl Payload for ProblemJson {
    const CONTENT_TYPE: &'static str = PROBLEM_CONTENT_TYPE;

    fn schema_ref() -> MetaSchemaRef {
        <Problem as Type>::schema_ref()
    }

    fn register(registry: &mut Registry) {
        <Problem as Type>::register(registry);
    }
}

impl IntoResponse for ProblemJson {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.0.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        Json(self.0)
            .with_status(status)
            .with_content_type(PROBLEM_CONTENT_TYPE)
            .into_response()
    }
}

impl Problem {
    pub fn new(status: StatusCode, kind: &str, detail: impl Into<String>) -> Self {
        Self {
            kind: format!("/problems/{kind}"),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail: Some(detail.into()),
            field: None,
        }
    }

    /// A 400 about one request field.
    pub fn invalid(field: &str, detail: impl Into<String>) -> Self {
        Self {
            field: Some(field.to_owned()),
            ..Self::validation(detail)
        }
    }

    /// The same problem, about one request field.
    #[must_use]
    pub fn with_field(mut self, field: Option<&str>) -> Self {
        self.field = field.map(str::to_owned);
        self
    }

    pub fn validation(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "validation", detail)
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not-found", detail)
    }

    pub fn conflict(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "conflict", detail)
    }

    /// A failed database read or write: 503 `database-busy` when no connection came free
    /// within the pool's acquire timeout (the client may retry; `Retry-After` says when),
    /// else an internal error.
    pub fn of_store(e: &store::StoreError) -> Self {
        match e {
            store::StoreError::Database(sqlx::Error::PoolTimedOut) => {
                tracing::warn!("no database connection came free in time; answered 503");
                Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    DATABASE_BUSY,
                    "the database is busy; retry shortly",
                )
            }
            other => Self::internal(other),
        }
    }

    /// Whether this is [`Problem::of_store`]'s 503 (which every operation may answer).
    pub fn is_database_busy(&self) -> bool {
        self.kind.strip_prefix("/problems/") == Some(DATABASE_BUSY)
    }

    /// A server-side failure. The cause is logged, not returned.
    pub fn internal(cause: &dyn std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "request failed");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error; see the server log",
        )
    }
}

/// The kind of [`Problem::of_store`]'s 503, which every operation may answer.
const DATABASE_BUSY: &str = "database-busy";

/// Turns any poem error (unknown route, unparsable body, ...) into a problem body.
pub async fn from_poem_error(err: poem::Error) -> Response {
    // A handler's own problem (`respond::ApiError`) goes out as it is.
    if let Some(p) = err.downcast_ref::<crate::respond::ProblemError>() {
        return poem::error::ResponseError::as_response(p);
    }
    let status = err.status();
    let kind = match status {
        StatusCode::UNAUTHORIZED => "unauthorized",
        StatusCode::FORBIDDEN => "forbidden",
        StatusCode::NOT_FOUND => "not-found",
        StatusCode::METHOD_NOT_ALLOWED => "method-not-allowed",
        StatusCode::PAYLOAD_TOO_LARGE => "payload-too-large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported-media-type",
        s if s.is_client_error() => "bad-request",
        _ => "internal",
    };
    let detail = if status.is_server_error() {
        tracing::error!(error = %err, "request failed");
        "internal error; see the server log".to_owned()
    } else {
        err.to_string()
    };
    ProblemJson(Problem::new(status, kind, detail)).into_response()
}

impl From<store::StoreError> for Problem {
    fn from(e: store::StoreError) -> Self {
        Self::of_store(&e)
    }
}
