//! Authentication and authorisation for every endpoint.
//!
//! Two ways in, both declared in the OpenAPI document: a bearer API token
//! (`Authorization: Bearer dbt_...`, for automation) and a browser session cookie
//! (`dbt_session`, HttpOnly, SameSite=Strict). A cookie-authenticated request that
//! changes state must also carry `X-CSRF-Token`, a value derived from the session
//! secret that only the logged-in page can know (it gets it from the login response
//! or `GET /auth/me`).
//!
//! Handlers declare what they need by their first parameter — [`ViewerAuth`],
//! [`OperatorAuth`] or [`AdminAuth`] — so authentication, CSRF and role checks
//! happen before any other parameter is parsed: no credentials gives 401, too
//! little role gives 403, whatever the rest of the request looks like.
//!
//! Secrets (passwords, session and token secrets) are never stored, logged or put in
//! events: passwords become argon2id hashes, session and token secrets SHA-256 hashes.

pub mod api;
mod client;
mod limiter;
mod tokens;

use std::marker::PhantomData;

use chrono::Utc;
use domain::{Actor, Role};
use poem::http::{Method, StatusCode};
use poem::{Request, RequestBody};
use poem_openapi::registry::{MetaSecurityScheme, Registry};
use poem_openapi::{ApiExtractor, ApiExtractorType, ExtractParamOptions};
use uuid::Uuid;

pub use client::client_address;
use engine::accounts::secrets;
pub use limiter::LoginLimiter;

use crate::AppState;

pub const SESSION_COOKIE: &str = "dbt_session";
pub const CSRF_HEADER: &str = "x-csrf-token";
const BEARER_SCHEME: &str = "bearerToken";
const COOKIE_SCHEME: &str = "sessionCookie";

/// How a request proved who it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    Session {
        session_id: Uuid,
        csrf_token: String,
    },
    Token {
        token_id: Uuid,
    },
}

/// The authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub user_id: Uuid,
    pub username: String,
    /// The effective role (a token never exceeds its user's current role).
    pub role: Role,
    pub via: Via,
}

impl Principal {
    /// The actor recorded on the events this caller causes.
    pub fn actor(&self) -> Actor {
        match self.via {
            Via::Session { .. } => Actor::User(self.username.clone()),
            Via::Token { token_id } => Actor::Token(token_id),
        }
    }
}

/// A role an endpoint requires (a marker type per role).
pub trait Requirement: Send + Sync {
    const ROLE: Role;
}

#[derive(Debug)]
pub struct Viewer;
#[derive(Debug)]
pub struct Operator;
#[derive(Debug)]
pub struct Admin;

impl Requirement for Viewer {
    const ROLE: Role = Role::Viewer;
}
impl Requirement for Operator {
    const ROLE: Role = Role::Operator;
}
impl Requirement for Admin {
    const ROLE: Role = Role::Admin;
}

/// An authenticated caller holding at least `R`'s role. Take it as a handler's first
/// parameter.
#[derive(Debug)]
pub struct Auth<R>(pub Principal, PhantomData<R>);

pub type ViewerAuth = Auth<Viewer>;
pub type OperatorAuth = Auth<Operator>;
pub type AdminAuth = Auth<Admin>;

impl<R> Auth<R> {
    pub fn principal(&self) -> &Principal {
        &self.0
    }

    pub fn actor(&self) -> Actor {
        self.0.actor()
    }
}

impl<'a, R: Requirement> ApiExtractor<'a> for Auth<R> {
    const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::SecurityScheme];
    type ParamType = ();
    type ParamRawType = ();

    fn register(registry: &mut Registry) {
        registry.create_security_scheme(
            BEARER_SCHEME,
            MetaSecurityScheme {
                ty: "http",
                description: Some(
                    "An API token (`POST /tokens`): `Authorization: Bearer dbt_...`.",
                ),
                name: None,
                key_in: None,
                scheme: Some("bearer"),
                bearer_format: Some("dbt_ token"),
                flows: None,
                openid_connect_url: None,
            },
        );
        registry.create_security_scheme(
            COOKIE_SCHEME,
            MetaSecurityScheme {
                ty: "apiKey",
                description: Some(
                    "The browser session cookie set by `POST /auth/login`. Requests that change \
                     state must also send the session's CSRF token in the `X-CSRF-Token` header.",
                ),
                name: Some(SESSION_COOKIE),
                key_in: Some("cookie"),
                scheme: None,
                bearer_format: None,
                flows: None,
                openid_connect_url: None,
            },
        );
    }

    fn security_schemes() -> Vec<&'static str> {
        vec![BEARER_SCHEME, COOKIE_SCHEME]
    }

    async fn from_request(
        req: &'a Request,
        _body: &mut RequestBody,
        _param_opts: ExtractParamOptions<Self::ParamType>,
    ) -> poem::Result<Self> {
        let principal = authenticate(req).await?;
        if let Via::Session { csrf_token, .. } = &principal.via
            && !is_safe(req.method())
        {
            let sent = req.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok());
            if !sent.is_some_and(|sent| secrets::constant_time_eq(sent, csrf_token)) {
                return Err(error(
                    StatusCode::FORBIDDEN,
                    "missing or wrong X-CSRF-Token header (needed with a session cookie)",
                ));
            }
        }
        if !principal.role.allows(R::ROLE) {
            return Err(error(
                StatusCode::FORBIDDEN,
                format!(
                    "this needs the {} role; you have {}",
                    R::ROLE,
                    principal.role
                ),
            ));
        }
        Ok(Auth(principal, PhantomData))
    }
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

fn error(status: StatusCode, message: impl Into<String>) -> poem::Error {
    poem::Error::from_string(message.into(), status)
}

/// Finds the caller from a bearer token or the session cookie.
async fn authenticate(req: &Request) -> poem::Result<Principal> {
    let state = req.data::<AppState>().ok_or_else(|| {
        error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "application state missing",
        )
    })?;
    let now = Utc::now();
    if let Some(header) = req.headers().get(poem::http::header::AUTHORIZATION) {
        let token = header
            .to_str()
            .ok()
            .and_then(|h| h.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or_else(|| error(StatusCode::UNAUTHORIZED, "malformed Authorization header"))?;
        let credential =
            store::projections::auth::token_credential(&state.pool, &secrets::hash(token), now)
                .await
                .map_err(|e| lookup_failed(&e))?
                .ok_or_else(|| {
                    error(
                        StatusCode::UNAUTHORIZED,
                        "invalid, expired or revoked token",
                    )
                })?;
        return Ok(Principal {
            user_id: credential.user_id,
            username: credential.username,
            role: credential.role,
            via: Via::Token {
                token_id: credential.credential_id,
            },
        });
    }
    let Some(secret) = session_cookie(req) else {
        return Err(error(
            StatusCode::UNAUTHORIZED,
            "authentication required: log in or send an API token",
        ));
    };
    let credential =
        store::projections::auth::session_credential(&state.pool, &secrets::hash(&secret), now)
            .await
            .map_err(|e| lookup_failed(&e))?
            .ok_or_else(|| {
                error(
                    StatusCode::UNAUTHORIZED,
                    "session expired or ended; log in again",
                )
            })?;
    Ok(Principal {
        user_id: credential.user_id,
        username: credential.username,
        role: credential.role,
        via: Via::Session {
            session_id: credential.credential_id,
            csrf_token: secrets::csrf_token(&secret),
        },
    })
}

/// The credential a request presented, kept by long-lived responses (the live event
/// stream) to check again while they run. Holds only the SHA-256 hash of the secret.
#[derive(Debug, Clone)]
pub struct PresentedCredential {
    bearer: bool,
    secret_hash: String,
}

impl PresentedCredential {
    /// The credential of a request (`None` without one).
    pub fn of(req: &Request) -> Option<Self> {
        let bearer = req
            .headers()
            .get(poem::http::header::AUTHORIZATION)
            .and_then(|h| h.to_str().ok())
            .and_then(|h| h.strip_prefix("Bearer "))
            .map(str::trim);
        match bearer {
            Some(token) => Some(Self {
                bearer: true,
                secret_hash: secrets::hash(token),
            }),
            None => session_cookie(req).map(|secret| Self {
                bearer: false,
                secret_hash: secrets::hash(&secret),
            }),
        }
    }

    /// Whether it still authenticates (not logged out, revoked, expired; the user still
    /// exists) with at least `role`. A failed lookup counts as no.
    pub async fn still_allows(&self, pool: &sqlx::PgPool, role: Role) -> bool {
        let now = Utc::now();
        let found = if self.bearer {
            store::projections::auth::token_credential(pool, &self.secret_hash, now).await
        } else {
            store::projections::auth::session_credential(pool, &self.secret_hash, now).await
        };
        matches!(found, Ok(Some(c)) if c.role.allows(role))
    }
}

/// A failed credential lookup: 503 with `Retry-After` when the database was too busy
/// to answer in time, else 500 (logged either way).
fn lookup_failed(e: &store::StoreError) -> poem::Error {
    let problem = crate::problem::Problem::of_store(e);
    let retry_after = problem.is_database_busy().then_some(1);
    poem::Error::from(crate::respond::ProblemError {
        problem,
        retry_after,
    })
}

/// The value of the session cookie, if the request carries one.
fn session_cookie(req: &Request) -> Option<String> {
    req.headers()
        .get_all(poem::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.to_owned())
        .filter(|v| !v.is_empty())
}
