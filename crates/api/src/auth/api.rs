//! Endpoints: `/auth/login|logout|me` and `/users` (admins); `/tokens` is
//! [`super::tokens`].

pub use super::tokens::TokensApi;

use chrono::{DateTime, Utc};
use domain::Role;
use engine::accounts::sessions;
use engine::accounts::{self as users, AccountError, Tokens, secrets};
use poem::http::StatusCode;
use poem::web::{Data, RemoteAddr};
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi, Tags};
use store::projections::auth as accounts;
use uuid::Uuid;

use super::limiter::Throttled;
use super::{AdminAuth, SESSION_COOKIE, Via, ViewerAuth, client_address};
use crate::AppState;
use crate::problem::{Problem, ProblemJson};
use crate::respond::{Answer, ApiError, Created, Documented, NoContent, documented};

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
    Unauthorized(ProblemJson),
    /// The password is longer than 1,024 bytes (refused before any hashing).
    #[oai(status = 400)]
    BadRequest(ProblemJson),
    /// Too many failed logins for this user from this address, from this address,
    /// or for this user from unknown addresses.
    #[oai(status = 429)]
    TooMany(ProblemJson, #[oai(header = "Retry-After")] u64),
    #[oai(status = 500)]
    Internal(ProblemJson),
    /// Too many logins are being checked at once.
    #[oai(status = 503)]
    Busy(ProblemJson, #[oai(header = "Retry-After")] u64),
}

#[derive(ApiResponse)]
pub enum LogoutResponse {
    /// The session ended and its cookie is cleared.
    #[oai(status = 204)]
    Ended(#[oai(header = "Set-Cookie")] String),
    #[oai(status = 500)]
    Internal(ProblemJson),
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
    BadRequest(ProblemJson),
    /// The current password is wrong.
    #[oai(status = 403)]
    WrongPassword(ProblemJson),
    #[oai(status = 500)]
    Internal(ProblemJson),
    /// Too many passwords are being checked at once.
    #[oai(status = 503)]
    Busy(ProblemJson, #[oai(header = "Retry-After")] u64),
}

documented!(
    /// Listing accounts.
    ListUsersErrors: 500 "A server-side failure."
);
documented!(
    /// Creating or changing an account.
    UserErrors:
        400 "Invalid input (`field` says which); nothing changed.",
        404 "No such user.",
        409 "The name is taken, or the change would leave no admin.",
        500 "A server-side failure.",
        503 "Too many passwords are being hashed at once."
);
documented!(
    /// Deleting an account.
    DeleteUserErrors:
        400 "Invalid parameters.",
        404 "No such user.",
        409 "Refused (the last admin, or yourself).",
        500 "A server-side failure."
);

fn session_cookie(value: &str, max_age: i64, secure: bool) -> String {
    format!(
        "{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{}",
        if secure { "; Secure" } else { "" }
    )
}

/// An account by id, or 404.
async fn find_user(state: &AppState, id: Uuid) -> Result<accounts::UserRecord, Problem> {
    match accounts::user_by_id(&state.pool, id).await {
        Ok(Some(user)) => Ok(user),
        Ok(None) => Err(Problem::not_found("no such user")),
        Err(e) => Err(Problem::internal(&e)),
    }
}

/// An account command's refusal as the API answers it.
fn account_problem<D: Documented>(e: AccountError) -> ApiError<D> {
    let field = e.field();
    let problem = match e {
        AccountError::Username(_) | AccountError::Password(_) => {
            Problem::validation(e.to_string()).with_field(field)
        }
        AccountError::Exists(_) => Problem::conflict(e.to_string()).with_field(field),
        AccountError::LastAdmin(_) | AccountError::SelfDelete => Problem::conflict(e.to_string()),
        AccountError::NotFound => Problem::not_found("no such user"),
        AccountError::Busy(b) => {
            return ApiError::new(busy_problem(&b)).retry_after(BUSY_RETRY_SECS);
        }
        other => Problem::internal(&other),
    };
    ApiError::new(problem)
}

/// Seconds a client is told to wait when the hash gate is full.
const BUSY_RETRY_SECS: u64 = 1;

fn busy_problem(e: &dyn std::fmt::Display) -> Problem {
    Problem::new(StatusCode::SERVICE_UNAVAILABLE, "busy", e.to_string())
}

fn throttled_response(t: &Throttled) -> LoginResponse {
    let secs = t.retry_after.as_secs().max(1);
    LoginResponse::TooMany(
        ProblemJson(Problem::new(
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
    #[oai(path = "/auth/login", method = "post", operation_id = "login", tag = "Tag::Auth")]
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
        let events = &state.events;
        // The slot is taken before anything is checked (module docs of the limiter).
        let attempt = match state.limiter.begin(&username, &client) {
            Ok(attempt) => attempt,
            Err(t) => {
                sessions::login_throttled(events, &username, &client, t.limit.as_str()).await;
                return throttled_response(&t);
            }
        };
        if let Err(e) = domain::auth::check_login_password(&body.password) {
            state.limiter.failed(attempt);
            sessions::login_failed(events, &username, &client).await;
            return LoginResponse::BadRequest(ProblemJson(Problem::invalid(
                "password",
                e.to_string(),
            )));
        }
        // A name no account can have is not looked up: it may hold what Postgres refuses.
        let looked_up = match domain::Username::parse(&username) {
            Ok(name) => accounts::user_by_name(&state.pool, name.as_str()).await,
            Err(_) => Ok(None),
        };
        let user = match looked_up {
            Ok(user) => user,
            Err(e) => {
                state.limiter.cancelled(attempt);
                return LoginResponse::Internal(ProblemJson(Problem::internal(&e)));
            }
        };
        // An unknown user costs the same hash (see `verify_password`).
        let phc = user.as_ref().map(|u| u.password_hash.as_str());
        let ok = match users::verify_password(state.hash_gate, &body.password, phc).await {
            Ok(ok) => ok,
            Err(e) => {
                state.limiter.cancelled(attempt);
                sessions::login_throttled(events, &username, &client, "busy").await;
                return LoginResponse::Busy(ProblemJson(busy_problem(&e)), BUSY_RETRY_SECS);
            }
        };
        let Some(user) = user.filter(|_| ok) else {
            state.limiter.failed(attempt);
            sessions::login_failed(events, &username, &client).await;
            return LoginResponse::Unauthorized(ProblemJson(Problem::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "invalid user name or password",
            )));
        };
        state.limiter.succeeded(attempt);
        let session = match sessions::start_session(events, &user, client).await {
            Ok(session) => session,
            Err(e) => return LoginResponse::Internal(ProblemJson(Problem::internal(&e))),
        };
        let me = Me {
            user_id: user.user_id,
            username: user.username,
            role: user.role.into(),
            auth: "session".to_owned(),
            csrf_token: Some(secrets::csrf_token(&session.secret)),
        };
        let cookie = session_cookie(
            &session.secret,
            sessions::SESSION_TTL.num_seconds(),
            state.secure_cookies,
        );
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
            Err(AccountError::WrongPassword) => PasswordChangeResponse::WrongPassword(ProblemJson(
                Problem::new(
                    StatusCode::FORBIDDEN,
                    "wrong-password",
                    "the current password is wrong",
                )
                .with_field(Some("current_password")),
            )),
            Err(e @ AccountError::Password(_)) => PasswordChangeResponse::BadRequest(ProblemJson(
                Problem::invalid("new_password", e.to_string()),
            )),
            Err(AccountError::Busy(b)) => {
                PasswordChangeResponse::Busy(ProblemJson(busy_problem(&b)), BUSY_RETRY_SECS)
            }
            Err(e) => PasswordChangeResponse::Internal(ProblemJson(Problem::internal(&e))),
        }
    }

    /// Ends the current browser session (a no-op for token callers) and clears the cookie.
    #[oai(path = "/auth/logout", method = "post", operation_id = "logout", tag = "Tag::Auth")]
    async fn logout(&self, auth: ViewerAuth, state: Data<&AppState>) -> LogoutResponse {
        if let Via::Session { session_id, .. } = auth.principal().via
            && let Err(e) = sessions::end_session(&state.events, session_id, auth.actor()).await
        {
            return LogoutResponse::Internal(ProblemJson(Problem::internal(&e)));
        }
        LogoutResponse::Ended(session_cookie("", 0, state.secure_cookies))
    }

    /// Who is calling, and (for a session) the CSRF token to send with changes.
    #[oai(path = "/auth/me", method = "get", operation_id = "getMe", tag = "Tag::Auth")]
    async fn me(&self, auth: ViewerAuth) -> Json<Me> {
        Json(Me::of(auth.principal()))
    }
}

pub struct UsersApi;

#[OpenApi]
impl UsersApi {
    /// All user accounts.
    #[oai(path = "/users", method = "get", operation_id = "listUsers", tag = "Tag::Users")]
    async fn list(
        &self,
        _auth: AdminAuth,
        state: Data<&AppState>,
    ) -> Answer<Json<Vec<User>>, ListUsersErrors> {
        let users = accounts::list_users(&state.pool).await?;
        Ok(Json(users.into_iter().map(User::from).collect()))
    }

    /// Creates an account.
    #[oai(path = "/users", method = "post", operation_id = "createUser", tag = "Tag::Users")]
    async fn create(
        &self,
        auth: AdminAuth,
        state: Data<&AppState>,
        body: Json<NewUser>,
    ) -> Answer<Created<User>, UserErrors> {
        let user_id = users::create_user(
            &state.events,
            &body.username,
            &body.password,
            body.role.into(),
            auth.actor(),
        )
        .await
        .map_err(account_problem)?;
        Ok(Created(find_user(&state, user_id).await?.into()))
    }

    /// Changes an account's role and/or password.
    #[oai(path = "/users/:id", method = "patch", operation_id = "patchUser", tag = "Tag::Users")]
    async fn patch(
        &self,
        auth: AdminAuth,
        state: Data<&AppState>,
        id: Path<Uuid>,
        body: Json<UserPatch>,
    ) -> Answer<Json<User>, UserErrors> {
        let user = find_user(&state, id.0).await?;
        if let Some(password) = &body.password {
            domain::auth::check_new_password(password)
                .map_err(|e| Problem::invalid("password", e.to_string()))?;
        }
        if let Some(role) = body.role.map(Role::from) {
            users::set_role(&state.events, user.user_id, role, auth.actor())
                .await
                .map_err(account_problem)?;
        }
        if let Some(password) = &body.password {
            let tokens = if body.keep_tokens.unwrap_or(false) {
                Tokens::Keep
            } else {
                Tokens::Revoke
            };
            users::set_password(&state.events, user.user_id, password, tokens, auth.actor())
                .await
                .map_err(account_problem)?;
        }
        Ok(Json(find_user(&state, user.user_id).await?.into()))
    }

    /// Deletes an account; its sessions end and its tokens are revoked.
    #[oai(path = "/users/:id", method = "delete", operation_id = "deleteUser", tag = "Tag::Users")]
    async fn delete(
        &self,
        auth: AdminAuth,
        state: Data<&AppState>,
        id: Path<Uuid>,
    ) -> Answer<NoContent, DeleteUserErrors> {
        let user = find_user(&state, id.0).await?;
        users::delete_user(
            &state.events,
            user.user_id,
            Some(auth.principal().user_id),
            auth.actor(),
        )
        .await
        .map_err(account_problem)?;
        Ok(NoContent)
    }
}
