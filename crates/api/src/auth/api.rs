//! Endpoints: `/auth/login|logout|me` and `/users` (admins); `/tokens` is
//! [`super::tokens`].

pub use super::tokens::TokensApi;

use chrono::{DateTime, Duration as ChronoDuration, Utc};
use domain::event::{LoginFailed, LoginThrottled, SessionEnded, SessionStarted};
use domain::{Actor, DomainEvent, Role, StreamId};
use engine::accounts::{self as users, AccountError, Tokens, secrets};
use poem::http::StatusCode;
use poem::web::{Data, RemoteAddr};
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi, Tags};
use store::projections::auth as accounts;
use store::{AppendMeta, ExpectedVersion};
use uuid::Uuid;

use super::limiter::Throttled;
use super::{AdminAuth, SESSION_COOKIE, Via, ViewerAuth, client_address};
use crate::AppState;
use crate::problem::Problem;

/// Browser sessions end after this long, whatever happens.
const SESSION_TTL_HOURS: i64 = 12;

#[derive(Tags)]
pub(super) enum Tag {
    /// Logging in and out.
    Auth,
    /// User accounts (admins only).
    Users,
    /// API tokens for automation.
    Tokens,
}

/// A role, lowest to highest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "lowercase")]
pub enum RoleDto {
    Viewer,
    Operator,
    Admin,
}

impl From<Role> for RoleDto {
    fn from(r: Role) -> Self {
        match r {
            Role::Viewer => Self::Viewer,
            Role::Operator => Self::Operator,
            Role::Admin => Self::Admin,
        }
    }
}

impl From<RoleDto> for Role {
    fn from(r: RoleDto) -> Self {
        match r {
            RoleDto::Viewer => Self::Viewer,
            RoleDto::Operator => Self::Operator,
            RoleDto::Admin => Self::Admin,
        }
    }
}

/// User name and password.
#[derive(Object)]
pub struct LoginRequest {
    pub username: String,
    #[oai(write_only)]
    pub password: String,
}

/// The logged-in caller.
#[derive(Debug, Object)]
pub struct Me {
    pub user_id: Uuid,
    pub username: String,
    pub role: RoleDto,
    /// `session` (browser cookie) or `token` (bearer API token).
    pub auth: String,
    /// With a session: send this in `X-CSRF-Token` on every request that changes state.
    pub csrf_token: Option<String>,
}

impl Me {
    fn of(p: &super::Principal) -> Self {
        let (auth, csrf_token) = match &p.via {
            Via::Session { csrf_token, .. } => ("session", Some(csrf_token.clone())),
            Via::Token { .. } => ("token", None),
        };
        Self {
            user_id: p.user_id,
            username: p.username.clone(),
            role: p.role.into(),
            auth: auth.to_owned(),
            csrf_token,
        }
    }
}

#[derive(ApiResponse)]
pub enum LoginResponse {
    /// Logged in: the session cookie is set; the body carries the CSRF token.
    #[oai(status = 200)]
    Ok(Json<Me>, #[oai(header = "Set-Cookie")] String),
    /// Wrong user name or password (the message does not say which).
    #[oai(status = 401)]
    Unauthorized(Json<Problem>),
    /// The password is longer than 1,024 bytes (refused before any hashing).
    #[oai(status = 400)]
    BadRequest(Json<Problem>),
    /// Too many failed logins for this user from this address, from this address,
    /// or for this user from unknown addresses.
    #[oai(status = 429)]
    TooMany(Json<Problem>, #[oai(header = "Retry-After")] u64),
    #[oai(status = 500)]
    Internal(Json<Problem>),
    /// Too many logins are being checked at once.
    #[oai(status = 503)]
    Busy(Json<Problem>, #[oai(header = "Retry-After")] u64),
}

#[derive(ApiResponse)]
pub enum LogoutResponse {
    /// The session ended and its cookie is cleared.
    #[oai(status = 204)]
    Ended(#[oai(header = "Set-Cookie")] String),
    #[oai(status = 500)]
    Internal(Json<Problem>),
}

#[derive(ApiResponse)]
pub enum MeResponse {
    /// Who the caller is.
    #[oai(status = 200)]
    Ok(Json<Me>),
}

/// A user account as listed (never its password hash).
#[derive(Debug, Object)]
pub struct User {
    pub user_id: Uuid,
    pub username: String,
    pub role: RoleDto,
    pub created_at: DateTime<Utc>,
}

impl From<accounts::UserRecord> for User {
    fn from(u: accounts::UserRecord) -> Self {
        Self {
            user_id: u.user_id,
            username: u.username,
            role: u.role.into(),
            created_at: u.created_at,
        }
    }
}

/// A new account.
#[derive(Object)]
pub struct NewUser {
    /// `[a-z][a-z0-9._-]{0,31}`
    pub username: String,
    /// At least 12 characters, at most 1,024 bytes, no control characters, not a
    /// commonly used password.
    #[oai(write_only)]
    pub password: String,
    pub role: RoleDto,
}

/// Changes to an account; absent fields stay as they are.
#[derive(Object)]
pub struct UserPatch {
    pub role: Option<RoleDto>,
    /// A new password (ends the user's browser sessions).
    #[oai(write_only)]
    pub password: Option<String>,
    /// With `password`: keep the user's API tokens (default: they are revoked).
    pub keep_tokens: Option<bool>,
}

/// A user's own password change.
#[derive(Object)]
pub struct PasswordChange {
    #[oai(write_only)]
    pub current_password: String,
    /// The same rules as for new accounts.
    #[oai(write_only)]
    pub new_password: String,
    /// Keep your API tokens (default: they are revoked).
    pub keep_tokens: Option<bool>,
}

#[derive(ApiResponse)]
pub enum PasswordChangeResponse {
    /// Changed. Every browser session of yours has ended (this one too: its cookie is
    /// cleared); log in again with the new password.
    #[oai(status = 204)]
    Changed(#[oai(header = "Set-Cookie")] String),
    /// The new password breaks a rule; `field` says which input.
    #[oai(status = 400)]
    BadRequest(Json<Problem>),
    /// The current password is wrong.
    #[oai(status = 403)]
    WrongPassword(Json<Problem>),
    #[oai(status = 500)]
    Internal(Json<Problem>),
    /// Too many passwords are being checked at once.
    #[oai(status = 503)]
    Busy(Json<Problem>, #[oai(header = "Retry-After")] u64),
}

#[derive(ApiResponse)]
pub enum ListUsersResponse {
    #[oai(status = 200)]
    Ok(Json<Vec<User>>),
    #[oai(status = 500)]
    Internal(Json<Problem>),
}

#[derive(ApiResponse)]
pub enum UserResponse {
    /// The account.
    #[oai(status = 200)]
    Ok(Json<User>),
    /// Created.
    #[oai(status = 201)]
    Created(Json<User>),
    /// Invalid input; nothing changed.
    #[oai(status = 400)]
    BadRequest(Json<Problem>),
    #[oai(status = 404)]
    NotFound(Json<Problem>),
    /// The name is taken, or the change would leave no admin.
    #[oai(status = 409)]
    Conflict(Json<Problem>),
    #[oai(status = 500)]
    Internal(Json<Problem>),
    /// Too many passwords are being hashed at once.
    #[oai(status = 503)]
    Busy(Json<Problem>, #[oai(header = "Retry-After")] u64),
}

#[derive(ApiResponse)]
pub enum DeleteResponse {
    /// Done.
    #[oai(status = 204)]
    Deleted,
    #[oai(status = 404)]
    NotFound(Json<Problem>),
    /// Refused (e.g. the last admin, or yourself).
    #[oai(status = 409)]
    Conflict(Json<Problem>),
    #[oai(status = 500)]
    Internal(Json<Problem>),
}

fn session_cookie(value: &str, max_age: i64, secure: bool) -> String {
    format!(
        "{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{}",
        if secure { "; Secure" } else { "" }
    )
}

/// Why an account could not be read: it does not exist (404) or the database failed
/// (500).
enum UserMissing {
    NotFound(Problem),
    Internal(Problem),
}

/// An account by id, or the problem to answer.
async fn find_user(state: &AppState, id: Uuid) -> Result<accounts::UserRecord, UserMissing> {
    match accounts::user_by_id(&state.pool, id).await {
        Ok(Some(user)) => Ok(user),
        Ok(None) => Err(UserMissing::NotFound(Problem::not_found("no such user"))),
        Err(e) => Err(UserMissing::Internal(Problem::internal(&e))),
    }
}

impl From<UserMissing> for UserResponse {
    fn from(m: UserMissing) -> Self {
        match m {
            UserMissing::NotFound(p) => Self::NotFound(Json(p)),
            UserMissing::Internal(p) => Self::Internal(Json(p)),
        }
    }
}

impl From<UserMissing> for DeleteResponse {
    fn from(m: UserMissing) -> Self {
        match m {
            UserMissing::NotFound(p) => Self::NotFound(Json(p)),
            UserMissing::Internal(p) => Self::Internal(Json(p)),
        }
    }
}

fn account_problem(e: AccountError) -> UserResponse {
    let field = e.field();
    match e {
        AccountError::Username(_) | AccountError::Password(_) => {
            UserResponse::BadRequest(Json(Problem::validation(e.to_string()).with_field(field)))
        }
        AccountError::Exists(_) => {
            UserResponse::Conflict(Json(Problem::conflict(e.to_string()).with_field(field)))
        }
        AccountError::LastAdmin(_) | AccountError::SelfDelete => {
            UserResponse::Conflict(Json(Problem::conflict(e.to_string())))
        }
        AccountError::NotFound => UserResponse::NotFound(Json(Problem::not_found("no such user"))),
        AccountError::Busy(b) => UserResponse::Busy(Json(busy_problem(&b)), BUSY_RETRY_SECS),
        other => UserResponse::Internal(Json(Problem::internal(&other))),
    }
}

/// Seconds a client is told to wait when the hash gate is full.
const BUSY_RETRY_SECS: u64 = 1;

fn busy_problem(e: &dyn std::fmt::Display) -> Problem {
    Problem::new(StatusCode::SERVICE_UNAVAILABLE, "busy", e.to_string())
}

/// Records a login attempt's outcome on the audit stream. Never fails the request:
/// the append queues behind concurrent ones (see the event store), so it is lost
/// only when the database itself is failing, and then the log says so.
async fn record_attempt(state: &AppState, event: DomainEvent) {
    if let Err(e) = state
        .events
        .append(
            &auth_stream(),
            ExpectedVersion::Any,
            &[event],
            &AppendMeta::new(Actor::System),
        )
        .await
    {
        tracing::error!(error = %e, "could not record a login attempt");
    }
}

fn throttled_response(t: &Throttled) -> LoginResponse {
    let secs = t.retry_after.as_secs().max(1);
    LoginResponse::TooMany(
        Json(Problem::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate-limited",
            format!("too many failed logins; try again in {secs} s"),
        )),
        secs,
    )
}

pub struct AuthApi;

#[OpenApi]
impl AuthApi {
    /// Logs in with user name and password; sets the session cookie. Failed attempts
    /// are rate-limited per user name and per client address.
    #[oai(
        path = "/auth/login",
        method = "post",
        operation_id = "login",
        tag = "Tag::Auth"
    )]
    async fn login(
        &self,
        state: Data<&AppState>,
        remote: &RemoteAddr,
        request: &poem::Request,
        body: Json<LoginRequest>,
    ) -> LoginResponse {
        let client = client_address(
            remote,
            request.header("x-forwarded-for"),
            &state.trusted_proxies,
        );
        let username: String = body.username.chars().take(64).collect();
        let throttled = |limit: &str| {
            DomainEvent::LoginThrottled(LoginThrottled {
                username: username.clone(),
                client: Some(client.clone()),
                limit: limit.to_owned(),
            })
        };
        // The slot is taken before anything is checked (module docs of the limiter).
        let attempt = match state.limiter.begin(&username, &client) {
            Ok(attempt) => attempt,
            Err(t) => {
                record_attempt(&state, throttled(t.limit.as_str())).await;
                return throttled_response(&t);
            }
        };
        let failed = DomainEvent::LoginFailed(LoginFailed {
            username: username.clone(),
            client: Some(client.clone()),
        });
        if let Err(e) = domain::auth::check_login_password(&body.password) {
            state.limiter.failed(attempt);
            record_attempt(&state, failed).await;
            return LoginResponse::BadRequest(Json(Problem::invalid("password", e.to_string())));
        }
        let user = match accounts::user_by_name(&state.pool, &username).await {
            Ok(user) => user,
            Err(e) => {
                state.limiter.cancelled(attempt);
                return LoginResponse::Internal(Json(Problem::internal(&e)));
            }
        };
        // An unknown user costs the same hash (see `verify_password`).
        let phc = user.as_ref().map(|u| u.password_hash.as_str());
        let ok = match users::verify_password(state.hash_gate, &body.password, phc).await {
            Ok(ok) => ok,
            Err(e) => {
                state.limiter.cancelled(attempt);
                record_attempt(&state, throttled("busy")).await;
                return LoginResponse::Busy(Json(busy_problem(&e)), BUSY_RETRY_SECS);
            }
        };
        let Some(user) = user.filter(|_| ok) else {
            state.limiter.failed(attempt);
            record_attempt(&state, failed).await;
            return LoginResponse::Unauthorized(Json(Problem::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "invalid user name or password",
            )));
        };
        state.limiter.succeeded(attempt);
        let secret = secrets::random_secret();
        let session_id = Uuid::now_v7();
        let event = DomainEvent::SessionStarted(SessionStarted {
            session_id,
            user_id: user.user_id,
            secret_hash: secrets::hash(&secret),
            expires_at: Utc::now() + ChronoDuration::hours(SESSION_TTL_HOURS),
            client: Some(client),
        });
        let stream = StreamId::for_entity("session", session_id);
        let meta = AppendMeta::new(Actor::User(user.username.clone()));
        if let Err(e) = state
            .events
            .append(&stream, ExpectedVersion::NoStream, &[event], &meta)
            .await
        {
            return LoginResponse::Internal(Json(Problem::internal(&e)));
        }
        let me = Me {
            user_id: user.user_id,
            username: user.username,
            role: user.role.into(),
            auth: "session".to_owned(),
            csrf_token: Some(secrets::csrf_token(&secret)),
        };
        let cookie = session_cookie(&secret, SESSION_TTL_HOURS * 3600, state.secure_cookies);
        LoginResponse::Ok(Json(me), cookie)
    }

    /// Changes your own password, given the current one. Every browser session of
    /// yours ends; your API tokens are revoked unless `keep_tokens` is true.
    #[oai(
        path = "/auth/password",
        method = "post",
        operation_id = "changeOwnPassword",
        tag = "Tag::Auth"
    )]
    async fn change_password(
        &self,
        auth: ViewerAuth,
        state: Data<&AppState>,
        body: Json<PasswordChange>,
    ) -> PasswordChangeResponse {
        let tokens = if body.keep_tokens.unwrap_or(false) {
            Tokens::Keep
        } else {
            Tokens::Revoke
        };
        let changed = users::change_own_password(
            &state.events,
            auth.principal().user_id,
            &body.current_password,
            &body.new_password,
            tokens,
            auth.actor(),
        )
        .await;
        match changed {
            Ok(()) => PasswordChangeResponse::Changed(session_cookie("", 0, state.secure_cookies)),
            Err(AccountError::WrongPassword) => PasswordChangeResponse::WrongPassword(Json(
                Problem::new(
                    StatusCode::FORBIDDEN,
                    "wrong-password",
                    "the current password is wrong",
                )
                .with_field(Some("current_password")),
            )),
            Err(e @ AccountError::Password(_)) => PasswordChangeResponse::BadRequest(Json(
                Problem::invalid("new_password", e.to_string()),
            )),
            Err(AccountError::Busy(b)) => {
                PasswordChangeResponse::Busy(Json(busy_problem(&b)), BUSY_RETRY_SECS)
            }
            Err(e) => PasswordChangeResponse::Internal(Json(Problem::internal(&e))),
        }
    }

    /// Ends the current browser session (a no-op for token callers) and clears the cookie.
    #[oai(
        path = "/auth/logout",
        method = "post",
        operation_id = "logout",
        tag = "Tag::Auth"
    )]
    async fn logout(&self, auth: ViewerAuth, state: Data<&AppState>) -> LogoutResponse {
        if let Via::Session { session_id, .. } = auth.principal().via {
            let event = DomainEvent::SessionEnded(SessionEnded { session_id });
            let stream = StreamId::for_entity("session", session_id);
            if let Err(e) = state
                .events
                .append(
                    &stream,
                    ExpectedVersion::Any,
                    &[event],
                    &AppendMeta::new(auth.actor()),
                )
                .await
            {
                return LogoutResponse::Internal(Json(Problem::internal(&e)));
            }
        }
        LogoutResponse::Ended(session_cookie("", 0, state.secure_cookies))
    }

    /// Who is calling, and (for a session) the CSRF token to send with changes.
    #[oai(
        path = "/auth/me",
        method = "get",
        operation_id = "getMe",
        tag = "Tag::Auth"
    )]
    async fn me(&self, auth: ViewerAuth) -> MeResponse {
        MeResponse::Ok(Json(Me::of(auth.principal())))
    }
}

fn auth_stream() -> StreamId {
    // A valid constant id; parse cannot fail for it.
    StreamId::parse("auth-failures").unwrap_or_else(|_| StreamId::instance())
}

pub struct UsersApi;

#[OpenApi]
impl UsersApi {
    /// All user accounts.
    #[oai(
        path = "/users",
        method = "get",
        operation_id = "listUsers",
        tag = "Tag::Users"
    )]
    async fn list(&self, _auth: AdminAuth, state: Data<&AppState>) -> ListUsersResponse {
        match accounts::list_users(&state.pool).await {
            Ok(users) => ListUsersResponse::Ok(Json(users.into_iter().map(User::from).collect())),
            Err(e) => ListUsersResponse::Internal(Json(Problem::internal(&e))),
        }
    }

    /// Creates an account.
    #[oai(
        path = "/users",
        method = "post",
        operation_id = "createUser",
        tag = "Tag::Users"
    )]
    async fn create(
        &self,
        auth: AdminAuth,
        state: Data<&AppState>,
        body: Json<NewUser>,
    ) -> UserResponse {
        let created = users::create_user(
            &state.events,
            &body.username,
            &body.password,
            body.role.into(),
            auth.actor(),
        )
        .await;
        match created {
            Ok(user_id) => match find_user(&state, user_id).await {
                Ok(user) => UserResponse::Created(Json(user.into())),
                Err(missing) => missing.into(),
            },
            Err(e) => account_problem(e),
        }
    }

    /// Changes an account's role and/or password.
    #[oai(
        path = "/users/:id",
        method = "patch",
        operation_id = "patchUser",
        tag = "Tag::Users"
    )]
    async fn patch(
        &self,
        auth: AdminAuth,
        state: Data<&AppState>,
        id: Path<Uuid>,
        body: Json<UserPatch>,
    ) -> UserResponse {
        let user = match find_user(&state, id.0).await {
            Ok(user) => user,
            Err(missing) => return missing.into(),
        };
        if let Some(password) = &body.password
            && let Err(e) = domain::auth::check_new_password(password)
        {
            return UserResponse::BadRequest(Json(Problem::invalid("password", e.to_string())));
        }
        if let Some(role) = body.role.map(Role::from)
            && let Err(e) = users::set_role(&state.events, user.user_id, role, auth.actor()).await
        {
            return account_problem(e);
        }
        if let Some(password) = &body.password {
            let tokens = if body.keep_tokens.unwrap_or(false) {
                Tokens::Keep
            } else {
                Tokens::Revoke
            };
            if let Err(e) =
                users::set_password(&state.events, user.user_id, password, tokens, auth.actor())
                    .await
            {
                return account_problem(e);
            }
        }
        match find_user(&state, user.user_id).await {
            Ok(user) => UserResponse::Ok(Json(user.into())),
            Err(missing) => missing.into(),
        }
    }

    /// Deletes an account; its sessions end and its tokens are revoked.
    #[oai(
        path = "/users/:id",
        method = "delete",
        operation_id = "deleteUser",
        tag = "Tag::Users"
    )]
    async fn delete(
        &self,
        auth: AdminAuth,
        state: Data<&AppState>,
        id: Path<Uuid>,
    ) -> DeleteResponse {
        let user = match find_user(&state, id.0).await {
            Ok(user) => user,
            Err(missing) => return missing.into(),
        };
        let deleted = users::delete_user(
            &state.events,
            user.user_id,
            Some(auth.principal().user_id),
            auth.actor(),
        )
        .await;
        match deleted {
            Ok(()) => DeleteResponse::Deleted,
            Err(e @ (AccountError::LastAdmin(_) | AccountError::SelfDelete)) => {
                DeleteResponse::Conflict(Json(Problem::conflict(e.to_string())))
            }
            Err(AccountError::NotFound) => {
                DeleteResponse::NotFound(Json(Problem::not_found("no such user")))
            }
            Err(e) => DeleteResponse::Internal(Json(Problem::internal(&e))),
        }
    }
}
