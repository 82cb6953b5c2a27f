//! HTTP hardening around every request, before any handler or parser sees it:
//!
//! - request bodies are limited (`serve --max-body-bytes`, default 1 MiB): a larger
//!   `Content-Length`, or a chunked body that grows past it, is answered 413 without
//!   being read further;
//! - a JSON body with a duplicate object key (at any depth) is refused with 400, so
//!   "which of the two values counts" never differs between us and a proxy or WAF;
//! - a NUL character (U+0000) in a JSON body's strings or keys, or `%00` in the query
//!   string, is refused with 400: no field accepts it, and Postgres cannot store it in
//!   `text` or `jsonb`, so letting it through only turns bad input into a 500;
//! - every response carries the security headers: a Content-Security-Policy with no
//!   inline script (the API docs page gets the hashes of its own inline scripts),
//!   `frame-ancestors 'none'` and `X-Frame-Options: DENY`, `nosniff`,
//!   `Referrer-Policy: no-referrer`, and HSTS when serving over TLS;
//! - every API response is `Cache-Control: no-store` (logins, tokens and secrets pass
//!   there; nothing of the API is worth caching);
//!
//! What this module does not do: authentication (see `auth`), rate limiting of logins.

use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;

use base64::Engine as _;
use poem::http::header::{self, HeaderValue};
use poem::http::{Method, StatusCode};
use poem::{Body, Endpoint, IntoResponse, Request, Response};
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use sha2::{Digest, Sha256};
use tokio::io::AsyncReadExt;

use crate::problem::{Problem, ProblemJson};

/// The default request body limit.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;

/// What the hardening layer needs to know about the server.
#[derive(Debug, Clone, Copy)]
pub struct Hardening {
    pub max_body_bytes: usize,
    /// Served over TLS: send HSTS.
    pub tls: bool,
}

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
                   img-src 'self' data:; font-src 'self' data:; connect-src 'self'; \
                   object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

pub async fn around<E: Endpoint>(
    endpoint: Arc<E>,
    mut req: Request,
    hardening: Hardening,
) -> poem::Result<Response> {
    let is_api = req.uri().path().starts_with("/api/");
    let checked = match checked_query(&req) {
        Ok(()) => checked_body(&mut req, hardening.max_body_bytes).await,
        Err(problem) => Err(problem),
    };
    let mut response = match checked {
        Ok(()) => match endpoint.call(req).await {
            Ok(r) => r.into_response(),
            Err(e) => e.into_response(),
        },
        Err(problem) => problem_response(problem),
    };
    let csp = match inline_script_hashes(&mut response).await {
        Some(hashes) if !hashes.is_empty() => CSP.replacen(
            "script-src 'self'",
            &format!("script-src 'self' {hashes}"),
            1,
        ),
        _ => CSP.to_owned(),
    };
    let headers = response.headers_mut();
    if let Ok(csp) = HeaderValue::from_str(&csp) {
        headers.insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if hardening.tls {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    if is_api {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    Ok(response)
}

fn problem_response(problem: Problem) -> Response {
    ProblemJson(problem).into_response()
}

/// Refuses a query string that decodes to a NUL character.
fn checked_query(req: &Request) -> Result<(), Problem> {
    match req.uri().query() {
        Some(q) if q.contains("%00") => Err(Problem::validation(
            "the query string contains a NUL character (%00)",
        )),
        _ => Ok(()),
    }
}

/// Reads the body (at most `max` bytes), refuses duplicate JSON keys and NUL
/// characters, and puts it back.
async fn checked_body(req: &mut Request, max: usize) -> Result<(), Problem> {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return Ok(());
    }
    let too_large = || {
        Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload-too-large",
            format!("the request body is larger than {max} bytes"),
        )
    };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max as u64) {
        return Err(too_large());
    }
    let mut bytes = Vec::new();
    req.take_body()
        .into_async_read()
        .take(max as u64 + 1)
        .read_to_end(&mut bytes)
        .await
        .map_err(|e| Problem::validation(format!("could not read the request body: {e}")))?;
    if bytes.len() > max {
        return Err(too_large());
    }
    let is_json = req
        .content_type()
        .is_some_and(|ct| ct.starts_with("application/json") || ct.contains("+json"));
    if is_json {
        match json_flaw(&bytes) {
            Some(JsonFlaw::DuplicateKey(key)) => {
                return Err(Problem::validation(format!(
                    "the JSON body has the key {key:?} twice in one object"
                )));
            }
            Some(JsonFlaw::Nul) => {
                return Err(Problem::validation(
                    "the JSON body contains a NUL character (\\u0000) in a string",
                ));
            }
            None => {}
        }
    }
    req.set_body(Body::from(bytes));
    Ok(())
}

/// What [`json_flaw`] finds wrong with a JSON body.
#[derive(Debug, PartialEq, Eq)]
enum JsonFlaw {
    /// A key that appears twice in one object.
    DuplicateKey(String),
    /// A string or key with a NUL character.
    Nul,
}

/// The first key that appears twice in one JSON object, or the first string or key
/// with a NUL character, at any depth. Bodies that are not JSON at all are left to the
/// handler's parser (and its error message).
fn json_flaw(bytes: &[u8]) -> Option<JsonFlaw> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    match NoDuplicates::deserialize(&mut de) {
        Err(e) if e.is_data() => {
            let message = e.to_string();
            if message.starts_with(NUL) {
                return Some(JsonFlaw::Nul);
            }
            message
                .strip_prefix(DUPLICATE)
                .and_then(|rest| rest.split('\u{0}').next())
                .map(|key| JsonFlaw::DuplicateKey(key.to_owned()))
        }
        _ => None,
    }
}

const DUPLICATE: &str = "duplicate key\u{0}";
const NUL: &str = "nul character\u{0}";

struct NoDuplicates;

impl<'de> Deserialize<'de> for NoDuplicates {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NoDuplicatesVisitor)
    }
}

struct NoDuplicatesVisitor;

impl<'de> Visitor<'de> for NoDuplicatesVisitor {
    type Value = NoDuplicates;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<NoDuplicates, A::Error> {
        let mut seen = HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if key.contains('\u{0}') {
                return Err(de::Error::custom(NUL));
            }
            if seen.contains(&key) {
                return Err(de::Error::custom(format!("{DUPLICATE}{key}\u{0}")));
            }
            map.next_value::<NoDuplicates>()?;
            seen.insert(key);
        }
        Ok(NoDuplicates)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<NoDuplicates, A::Error> {
        while seq.next_element::<NoDuplicates>()?.is_some() {}
        Ok(NoDuplicates)
    }

    fn visit_bool<E>(self, _: bool) -> Result<NoDuplicates, E> {
        Ok(NoDuplicates)
    }
    fn visit_i64<E>(self, _: i64) -> Result<NoDuplicates, E> {
        Ok(NoDuplicates)
    }
    fn visit_u64<E>(self, _: u64) -> Result<NoDuplicates, E> {
        Ok(NoDuplicates)
    }
    fn visit_f64<E>(self, _: f64) -> Result<NoDuplicates, E> {
        Ok(NoDuplicates)
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<NoDuplicates, E> {
        if s.contains('\u{0}') {
            return Err(E::custom(NUL));
        }
        Ok(NoDuplicates)
    }
    fn visit_unit<E>(self) -> Result<NoDuplicates, E> {
        Ok(NoDuplicates)
    }
}

/// For an HTML response with inline `<script>` elements (only the API docs page has
/// them): their CSP hashes (`'sha256-…' …`), so they run and nothing injected does.
async fn inline_script_hashes(response: &mut Response) -> Option<String> {
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if !is_html {
        return None;
    }
    let body = response.take_body().into_vec().await.ok()?;
    let html = String::from_utf8_lossy(&body);
    let mut hashes = Vec::new();
    let mut rest: &str = &html;
    while let Some(open) = rest.find("<script") {
        let after = &rest[open..];
        let Some(tag_end) = after.find('>') else {
            break;
        };
        let tag = &after[..tag_end];
        let content = &after[tag_end + 1..];
        let Some(close) = content.find("</script>") else {
            break;
        };
        if !tag.contains("src=") {
            let digest = Sha256::digest(&content.as_bytes()[..close]);
            hashes.push(format!(
                "'sha256-{}'",
                base64::engine::general_purpose::STANDARD.encode(digest)
            ));
        }
        rest = &content[close..];
    }
    response.set_body(body);
    Some(hashes.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_keys_are_found_at_any_depth() {
        let dup = |k: &str| Some(JsonFlaw::DuplicateKey(k.to_owned()));
        assert_eq!(json_flaw(br#"{"a":1,"a":2}"#), dup("a"));
        assert_eq!(
            json_flaw(br#"{"x":[{"b":1},{"c":{"d":1,"d":1}}]}"#),
            dup("d")
        );
        // Escapes decode before comparing: "\u0061" is "a".
        assert_eq!(json_flaw(br#"{"a":1,"\u0061":2}"#), dup("a"));
        assert_eq!(json_flaw(br#"{"a":{"a":1},"b":[1,"a"]}"#), None);
        assert_eq!(json_flaw(b"not json"), None);
        assert_eq!(json_flaw(br#"[1, 2, {"k": null}]"#), None);
    }

    #[test]
    fn nul_characters_are_found_in_strings_and_keys_at_any_depth() {
        let nul = Some(JsonFlaw::Nul);
        assert_eq!(json_flaw(br#"{"username":"a\u0000b"}"#), nul);
        assert_eq!(json_flaw(br#"{"x":[1,{"y":["\u0000"]}]}"#), nul);
        assert_eq!(json_flaw(br#"{"k\u0000":1}"#), nul);
        // Other escapes and control characters are the handlers' business.
        assert_eq!(json_flaw(br#"{"a":"\u0001\n\u00e9"}"#), None);
    }
}
