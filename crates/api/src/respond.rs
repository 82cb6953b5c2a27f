//! How a handler answers: `Result<S, ApiError<D>>`, where `S` is `Json<T>` (200),
//! [`JsonText`] (200, a `T` already written as JSON), [`Created`] (201), [`Accepted`]
//! (202) or [`NoContent`] (204), and every failure is an [`ApiError`]: a [`Problem`] with
//! its status. `?` turns an `EngineError` (classified by
//! [`crate::engine_error`]), a `StoreError` (500, or 503 when the pool had no free connection) or a `Problem` into one.
//!
//! `D` is the operation's list of documented error statuses, a marker type made with
//! [`documented!`]: the OpenAPI document shows exactly those, and an error of any other
//! status is logged and answered as 500, so the document never promises less than
//! happens. The authentication statuses (401, 403) come from the auth extractors and
//! are not listed here.
//!
//! The exceptions keep an `ApiResponse` enum of their own, because an answer carries
//! another body or a header: `registerServer` (422 with the checks),
//! `probeServerHostKey` (429 with `Retry-After`), the public `getHealth` (503 with a
//! Health body), `/metrics` (Prometheus text), the event stream, and the session
//! operations that set or clear the session cookie (`login`, `logout`,
//! `changeOwnPassword`). A file download (`restores::FileBytes`) is an `ApiResponse`
//! success type (bytes plus `Content-Disposition`) beside the usual `ApiError`.
//!
//! What it does not do: decide which engine error is which status (`engine_error`).

use std::marker::PhantomData;

use poem::http::StatusCode;
use poem::{IntoResponse, Response};
use poem_openapi::ApiResponse;
use poem_openapi::payload::{Json, Payload};
use poem_openapi::registry::{MetaHeader, MetaMediaType, MetaResponse, MetaResponses, Registry};
use poem_openapi::types::{ToJSON, Type};

use crate::problem::{Problem, ProblemJson};

/// The error statuses an operation documents: (status, description).
pub trait Documented: Send + Sync + 'static {
    const STATUSES: &'static [(u16, &'static str)];
}

/// Declares a [`Documented`] marker: `documented!(Name: 400 "why", 404 "why");`.
macro_rules! documented {
    ($(#[$meta:meta])* $name:ident: $($status:literal $desc:literal),+ $(,)?) => {
        $(#[$meta])*
        pub struct $name;
        impl $crate::respond::Documented for $name {
            const STATUSES: &'static [(u16, &'static str)] = &[$(($status, $desc)),+];
        }
    };
}
pub(crate) use documented;

/// A failed request: its problem body (which carries the status), and for 429 / 503 how
/// many seconds to wait (`Retry-After`).
pub struct ApiError<D> {
    problem: Problem,
    retry_after: Option<u64>,
    _documented: PhantomData<fn() -> D>,
}

impl<D: Documented> ApiError<D> {
    /// `problem`, or a 500 when its status is not one `D` documents. A busy database's
    /// 503 is documented for every operation (`crate::spec`), with `Retry-After: 1`.
    pub fn new(problem: Problem) -> Self {
        if problem.is_database_busy() {
            return Self {
                problem,
                retry_after: Some(1),
                _documented: PhantomData,
            };
        }
        let problem = if D::STATUSES.iter().any(|(s, _)| *s == problem.status) {
            problem
        } else {
            let undocumented = format!(
                "status {} is not documented for this operation: {}",
                problem.status,
                problem.detail.as_deref().unwrap_or(&problem.kind)
            );
            Problem::internal(&undocumented)
        };
        Self {
            problem,
            retry_after: None,
            _documented: PhantomData,
        }
    }

    /// The same error, telling the client to retry after `secs` seconds.
    #[must_use]
    pub fn retry_after(mut self, secs: u64) -> Self {
        self.retry_after = Some(secs);
        self
    }
}

impl<D: Documented> From<Problem> for ApiError<D> {
    fn from(p: Problem) -> Self {
        Self::new(p)
    }
}

impl<D: Documented> From<engine::EngineError> for ApiError<D> {
    fn from(e: engine::EngineError) -> Self {
        Self::new(crate::engine_error::classify(&e))
    }
}

impl<D: Documented> From<store::StoreError> for ApiError<D> {
    fn from(e: store::StoreError) -> Self {
        Self::new(Problem::of_store(&e))
    }
}

/// A problem on its way out as a `poem::Error` (the error side of a handler's
/// `Result`); [`crate::problem::from_poem_error`] sends it as it is.
#[derive(Debug, thiserror::Error)]
#[error("{}", .problem.detail.as_deref().unwrap_or(&.problem.title))]
pub struct ProblemError {
    pub problem: Problem,
    pub retry_after: Option<u64>,
}

impl poem::error::ResponseError for ProblemError {
    fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn as_response(&self) -> Response {
        let mut response = ProblemJson(self.problem.clone()).into_response();
        if let Some(secs) = self.retry_after {
            response.headers_mut().insert(
                poem::http::header::RETRY_AFTER,
                poem::http::HeaderValue::from(secs),
            );
        }
        response
    }
}

impl<D> From<ApiError<D>> for poem::Error {
    fn from(e: ApiError<D>) -> Self {
        poem::Error::from(ProblemError {
            problem: e.problem,
            retry_after: e.retry_after,
        })
    }
}

fn problem_content() -> Vec<MetaMediaType> {
    vec![MetaMediaType {
        content_type: ProblemJson::CONTENT_TYPE,
        schema: ProblemJson::schema_ref(),
    }]
}

/// `Retry-After` (seconds), sent with a 429 or 503 when the wait is known.
fn retry_after_header() -> MetaHeader {
    MetaHeader {
        name: "Retry-After".to_owned(),
        description: Some("Seconds to wait before retrying.".to_owned()),
        required: false,
        deprecated: false,
        schema: <u64 as Type>::schema_ref(),
    }
}

impl<D: Documented> ApiResponse for ApiError<D> {
    fn meta() -> MetaResponses {
        MetaResponses {
            responses: D::STATUSES
                .iter()
                .map(|(status, description)| MetaResponse {
                    description,
                    status: Some(*status),
                    status_range: None,
                    content: problem_content(),
                    headers: if matches!(status, 429 | 503) {
                        vec![retry_after_header()]
                    } else {
                        vec![]
                    },
                })
                .collect(),
        }
    }

    fn register(registry: &mut Registry) {
        <Problem as Type>::register(registry);
    }
}

/// One success response with a JSON body (or none) and a fixed status.
fn success<T: ToJSON>(status: u16, description: &'static str, body: bool) -> MetaResponses {
    MetaResponses {
        responses: vec![MetaResponse {
            description,
            status: Some(status),
            status_range: None,
            content: if body {
                vec![MetaMediaType {
                    content_type: <Json<T> as Payload>::CONTENT_TYPE,
                    schema: <Json<T> as Payload>::schema_ref(),
                }]
            } else {
                vec![]
            },
            headers: vec![],
        }],
    }
}

/// 200 with a JSON body of type `T` already written as text (pages cut from JSON made
/// once for many answers: `replication_health`; large lists written by serde:
/// [`JsonText::of`]); documented as `Json<T>` is.
pub struct JsonText<T> {
    text: bytes::Bytes,
    _body: PhantomData<fn() -> T>,
}

impl<T> JsonText<T> {
    /// `text` must be a `T` as its `ToJSON` writes it.
    pub fn new(text: String) -> Self {
        Self::of_bytes(text.into())
    }

    /// [`JsonText::new`] for a text already kept as bytes (answered without a copy).
    pub fn of_bytes(text: bytes::Bytes) -> Self {
        Self {
            text,
            _body: PhantomData,
        }
    }
}

impl<T: serde::Serialize> JsonText<T> {
    /// `body` written by serde, for a type whose serde shape is its `ToJSON` shape
    /// ([`crate::openapi_serde`]): no `serde_json::Value` tree on the way.
    pub fn of(body: &T) -> Result<Self, Problem> {
        json_bytes(body).map(Self::of_bytes)
    }
}

/// `body` written by serde as JSON bytes ([`JsonText::of`]; pages kept as bytes).
pub fn json_bytes<T: serde::Serialize>(body: &T) -> Result<bytes::Bytes, Problem> {
    serde_json::to_string(body)
        .map(bytes::Bytes::from)
        .map_err(|e| Problem::internal(&format!("could not write the answer: {e}")))
}

impl<T: ToJSON> ApiResponse for JsonText<T> {
    fn meta() -> MetaResponses {
        <Json<T> as ApiResponse>::meta()
    }

    fn register(registry: &mut Registry) {
        <T as Type>::register(registry);
    }
}

impl<T: Send> IntoResponse for JsonText<T> {
    fn into_response(self) -> Response {
        Response::builder()
            .content_type(<Json<bool> as Payload>::CONTENT_TYPE)
            .body(self.text)
    }
}

/// 201 with the created resource.
pub struct Created<T>(pub T);

impl<T: ToJSON> ApiResponse for Created<T> {
    fn meta() -> MetaResponses {
        success::<T>(201, "Created.", true)
    }

    fn register(registry: &mut Registry) {
        <T as Type>::register(registry);
    }
}

impl<T: ToJSON> IntoResponse for Created<T> {
    fn into_response(self) -> Response {
        Json(self.0)
            .with_status(StatusCode::CREATED)
            .into_response()
    }
}

/// 202: accepted, carried out in the background; the body says where to look.
pub struct Accepted<T>(pub T);

impl<T: ToJSON> ApiResponse for Accepted<T> {
    fn meta() -> MetaResponses {
        success::<T>(202, "Accepted: carried out in the background.", true)
    }

    fn register(registry: &mut Registry) {
        <T as Type>::register(registry);
    }
}

impl<T: ToJSON> IntoResponse for Accepted<T> {
    fn into_response(self) -> Response {
        Json(self.0)
            .with_status(StatusCode::ACCEPTED)
            .into_response()
    }
}

/// 204: done, nothing to say.
pub struct NoContent;

impl ApiResponse for NoContent {
    fn meta() -> MetaResponses {
        success::<bool>(204, "Done.", false)
    }

    fn register(_: &mut Registry) {}
}

impl IntoResponse for NoContent {
    fn into_response(self) -> Response {
        StatusCode::NO_CONTENT.into_response()
    }
}

/// What a handler returns.
pub type Answer<S, D> = Result<S, ApiError<D>>;

#[cfg(test)]
mod tests {
    use super::*;

    documented!(Only404: 404 "No such thing.", 503 "Busy.");

    fn response_of(e: ApiError<Only404>) -> Response {
        let err = poem::Error::from(e);
        let p = err.downcast_ref::<ProblemError>().expect("a problem");
        poem::error::ResponseError::as_response(p)
    }

    #[test]
    fn a_documented_status_goes_out_as_it_is_with_its_retry_after() {
        let r = response_of(ApiError::new(Problem::not_found("no x")));
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        let busy = Problem::new(StatusCode::SERVICE_UNAVAILABLE, "busy", "later");
        let r = response_of(ApiError::new(busy).retry_after(3));
        assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(r.headers()["retry-after"], "3");
    }

    #[test]
    fn an_undocumented_status_is_answered_as_500() {
        let r = response_of(ApiError::new(Problem::conflict("taken")));
        assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
    }

    #[test]
    fn the_spec_lists_exactly_the_documented_statuses() {
        let meta = <ApiError<Only404> as ApiResponse>::meta();
        let statuses: Vec<Option<u16>> = meta.responses.iter().map(|r| r.status).collect();
        assert_eq!(statuses, vec![Some(404), Some(503)]);
        assert!(meta.responses[0].headers.is_empty());
        assert_eq!(meta.responses[1].headers[0].name, "Retry-After");
    }
}
