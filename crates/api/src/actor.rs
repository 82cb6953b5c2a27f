//! Who is acting: the one place that decides which [`Actor`] a request's events are
//! recorded with. Until authentication lands (issue 7) every change is attributed to
//! [`Actor::System`]; then this takes the request's session or token.

use domain::Actor;
use store::AppendMeta;

/// The event metadata for a state change made by the current request.
pub(crate) fn request_meta() -> AppendMeta {
    AppendMeta::new(Actor::System)
}
