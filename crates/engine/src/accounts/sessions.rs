//! Browser sessions, API tokens and the login audit trail: opening and ending a session,
//! issuing and revoking a token (with the rules on role, expiry and ownership), and
//! recording failed or throttled login attempts. The API only translates HTTP to these.
//!
//! Secrets: a session's or token's secret is returned once, to the caller; only its
//! SHA-256 is recorded (`SessionStarted` / `TokenCreated`).
//!
//! What this module does not do: check passwords (the parent module), throttle logins
//! (the API's limiter), or set cookies.

use chrono::{DateTime, Duration, Utc};
use domain::event::{
    LoginFailed, LoginThrottled, SessionEnded, SessionStarted, TokenCreated, TokenRevoked,
};
use domain::{Actor, DisplayName, DomainEvent, Role, StreamId};
use store::projections::auth as accounts;
use store::{AppendMeta, EventStore, ExpectedVersion};
use uuid::Uuid;

use super::{AccountError, secrets};

/// Browser sessions end after this long, whatever happens.
pub const SESSION_TTL: Duration = Duration::hours(12);
/// The longest a token may live, in days.
pub const MAX_TOKEN_DAYS: u32 = 3650;

/// The stream of login attempts that belong to no session.
fn auth_failures_stream() -> StreamId {
    // A valid constant id; parse cannot fail for it.
    StreamId::parse("auth-failures").unwrap_or_else(|_| StreamId::instance())
}

/// A session just opened: its id and its secret (the cookie value, shown only now).
#[derive(Debug)]
pub struct OpenedSession {
    pub session_id: Uuid,
    pub secret: String,
    pub expires_at: DateTime<Utc>,
}

/// Opens a browser session for `user` (who proved their password) from `client`.
pub async fn start_session(
    events: &EventStore,
    user: &accounts::UserRecord,
    client: String,
) -> Result<OpenedSession, AccountError> {
    let secret = secrets::random_secret();
    let session_id = Uuid::now_v7();
    let expires_at = Utc::now() + SESSION_TTL;
    let event = DomainEvent::SessionStarted(SessionStarted {
        session_id,
        user_id: user.user_id,
        secret_hash: secrets::hash(&secret),
        expires_at,
        client: Some(client),
    });
    let meta = AppendMeta::new(Actor::User(user.username.clone()));
    events
        .append(
            &StreamId::for_entity("session", session_id),
            ExpectedVersion::NoStream,
            &[event],
            &meta,
        )
        .await?;
    Ok(OpenedSession {
        session_id,
        secret,
        expires_at,
    })
}

/// Ends a session (logout).
pub async fn end_session(
    events: &EventStore,
    session_id: Uuid,
    actor: Actor,
) -> Result<(), AccountError> {
    events
        .append(
            &StreamId::for_entity("session", session_id),
            ExpectedVersion::Any,
            &[DomainEvent::SessionEnded(SessionEnded { session_id })],
            &AppendMeta::new(actor),
        )
        .await?;
    Ok(())
}

/// Records a login attempt's outcome on the audit stream. Never fails the caller: the
/// append queues behind concurrent ones (see the event store), so it is lost only when
/// the database itself is failing, and then the log says so.
async fn record_attempt(events: &EventStore, event: DomainEvent) {
    if let Err(e) = events
        .append(
            &auth_failures_stream(),
            ExpectedVersion::Any,
            &[event],
            &AppendMeta::new(Actor::System),
        )
        .await
    {
        tracing::error!(error = %e, "could not record a login attempt");
    }
}

/// Records a failed login: `username` is what was typed (it may not exist).
pub async fn login_failed(events: &EventStore, username: &str, client: &str) {
    let event = DomainEvent::LoginFailed(LoginFailed {
        username: username.to_owned(),
        client: Some(client.to_owned()),
    });
    record_attempt(events, event).await;
}

/// Records a login refused before its password was checked, and which limit refused it.
pub async fn login_throttled(events: &EventStore, username: &str, client: &str, limit: &str) {
    let event = DomainEvent::LoginThrottled(LoginThrottled {
        username: username.to_owned(),
        client: Some(client.to_owned()),
        limit: limit.to_owned(),
    });
    record_attempt(events, event).await;
}

/// Who asks for a token, and what they may give it.
#[derive(Debug, Clone, Copy)]
pub struct Caller {
    pub user_id: Uuid,
    pub role: Role,
}

/// A token's wishes, as the caller gave them.
#[derive(Debug)]
pub struct TokenRequest {
    pub name: String,
    /// Absent: the caller's own role.
    pub role: Option<Role>,
    /// Absent: it never expires.
    pub expires_in_days: Option<u32>,
}

/// A token just issued: its secret is shown only now.
#[derive(Debug)]
pub struct IssuedToken {
    pub token_id: Uuid,
    pub name: DisplayName,
    pub role: Role,
    pub expires_at: Option<DateTime<Utc>>,
    pub secret: String,
}

/// Why a token could not be issued.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("name: {0}")]
    Name(String),
    #[error("role: a token cannot have more than your role ({0})")]
    Role(Role),
    #[error("expires_in_days: must be between 1 and {MAX_TOKEN_DAYS}")]
    Expiry,
    #[error(transparent)]
    Account(#[from] AccountError),
}

impl TokenError {
    /// The request field at fault.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            Self::Name(_) => Some("name"),
            Self::Role(_) => Some("role"),
            Self::Expiry => Some("expires_in_days"),
            Self::Account(_) => None,
        }
    }
}

/// Issues an API token to `caller`: never of a higher role than theirs.
pub async fn create_token(
    events: &EventStore,
    caller: Caller,
    request: TokenRequest,
    actor: Actor,
) -> Result<IssuedToken, TokenError> {
    let name = DisplayName::parse(&request.name).map_err(|e| TokenError::Name(e.to_string()))?;
    let role = request.role.unwrap_or(caller.role);
    if !caller.role.allows(role) {
        return Err(TokenError::Role(caller.role));
    }
    let expires_at = match request.expires_in_days {
        None => None,
        Some(days @ 1..=MAX_TOKEN_DAYS) => Some(Utc::now() + Duration::days(i64::from(days))),
        Some(_) => return Err(TokenError::Expiry),
    };
    let secret = secrets::new_token();
    let token_id = Uuid::now_v7();
    let event = DomainEvent::TokenCreated(TokenCreated {
        token_id,
        user_id: caller.user_id,
        name: name.to_string(),
        role,
        secret_hash: secrets::hash(&secret),
        expires_at,
    });
    events
        .append(
            &StreamId::for_entity("token", token_id),
            ExpectedVersion::NoStream,
            &[event],
            &AppendMeta::new(actor),
        )
        .await
        .map_err(AccountError::from)?;
    Ok(IssuedToken {
        token_id,
        name,
        role,
        expires_at,
        secret,
    })
}

/// Revokes a token: the caller's own, or anyone's for an admin. Someone else's token is
/// "not found" to a non-admin (its existence is not revealed). Revoking a revoked token
/// does nothing.
pub async fn revoke_token(
    events: &EventStore,
    caller: Caller,
    token_id: Uuid,
    actor: Actor,
) -> Result<(), AccountError> {
    let token = accounts::token_by_id(events.pool(), token_id)
        .await?
        .filter(|t| t.user_id == caller.user_id || caller.role == Role::Admin)
        .ok_or(AccountError::NoSuchToken)?;
    if token.revoked_at.is_some() {
        return Ok(());
    }
    events
        .append(
            &StreamId::for_entity("token", token.token_id),
            ExpectedVersion::Any,
            &[DomainEvent::TokenRevoked(TokenRevoked {
                token_id: token.token_id,
            })],
            &AppendMeta::new(actor),
        )
        .await?;
    Ok(())
}
