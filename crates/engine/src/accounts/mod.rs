//! User accounts: the commands the API, `serve`'s first start and the server-side CLI
//! share (create, reset or change a password, change a role, delete, bootstrap the
//! first admin), and the rules between accounts.
//!
//! Architecture invariant: there is always at least one admin. Every command that can
//! take away an admin (demote, delete) takes the accounts lock, counts the admins and
//! appends its event in ONE transaction, so two admins demoting each other at the same
//! moment cannot both succeed. User names are unique by the same lock (and the
//! projection's unique index).
//!
//! Passwords are hashed with argon2id behind [`hashing::HashGate`] (bounded CPU and
//! memory). Hashes live in the `UserCreated` / `UserPasswordChanged` events (so the
//! projections can be rebuilt from the log) and in `proj_users`; no API returns them.
//! A new password ends every browser session of its user (the projection does that)
//! and revokes the user's API tokens unless the caller asks to keep them.
//!
//! Sessions, tokens and the login audit trail are [`sessions`].
//!
//! What this module does not do: HTTP, or login throttling (the API's limiter).

pub mod hashing;
pub mod secrets;
pub mod sessions;

use domain::auth::{PasswordError, UsernameError, check_new_password};
use domain::event::{TokenRevoked, UserCreated, UserDeleted, UserPasswordChanged, UserRoleChanged};
use domain::{Actor, DomainEvent, Role, StreamId, Username};
use store::projections::auth as accounts;
use store::{AppendMeta, EventStore, ExpectedVersion, StoreError};
use uuid::Uuid;

use hashing::{GateError, HashBusy, HashGate};

/// Why an account command was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("username: {0}")]
    Username(#[from] UsernameError),
    #[error("password: {0}")]
    Password(#[from] PasswordError),
    #[error("user {0:?} already exists")]
    Exists(String),
    #[error("no such user")]
    NotFound,
    #[error("no such token")]
    NoSuchToken,
    #[error("the current password is wrong")]
    WrongPassword,
    #[error("cannot {0} the last admin")]
    LastAdmin(&'static str),
    #[error("you cannot delete yourself")]
    SelfDelete,
    #[error(transparent)]
    Busy(#[from] HashBusy),
    #[error(transparent)]
    Hash(#[from] secrets::HashError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("password hashing task failed")]
    Join,
}

impl AccountError {
    /// The request field the error is about, when one input is at fault.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            Self::Username(_) | Self::Exists(_) => Some("username"),
            Self::Password(_) => Some("password"),
            Self::WrongPassword => Some("current_password"),
            _ => None,
        }
    }
}

impl From<GateError> for AccountError {
    fn from(e: GateError) -> Self {
        match e {
            GateError::Busy(b) => Self::Busy(b),
            GateError::Join => Self::Join,
        }
    }
}

impl From<sqlx::Error> for AccountError {
    fn from(e: sqlx::Error) -> Self {
        Self::Store(e.into())
    }
}

pub fn user_stream(user_id: Uuid) -> StreamId {
    StreamId::for_entity("user", user_id)
}

/// argon2id of `password`, through the process's hash gate.
pub async fn hash_password(password: &str) -> Result<String, AccountError> {
    let password = password.to_owned();
    Ok(HashGate::global()
        .run(move || secrets::hash_password(&password))
        .await??)
}

/// Whether `password` matches the stored hash, through `gate` (the process's
/// [`HashGate::global`] in `serve`). With no hash (an unknown user) it spends the same
/// work hashing the password and answers `false`, so timing does not tell.
pub async fn verify_password(
    gate: &HashGate,
    password: &str,
    phc: Option<&str>,
) -> Result<bool, GateError> {
    let (password, phc) = (password.to_owned(), phc.map(str::to_owned));
    gate.run(move || match phc {
        Some(phc) => secrets::verify_password(&password, &phc),
        None => {
            let _ = secrets::hash_password(&password);
            false
        }
    })
    .await
}

/// Creates a user. The name must be free; the password must pass the rules.
pub async fn create_user(
    events: &EventStore,
    username: &str,
    password: &str,
    role: Role,
    actor: Actor,
) -> Result<Uuid, AccountError> {
    let pool = events.pool();
    let username = Username::parse(username)?;
    check_new_password(password)?;
    let password_hash = hash_password(password).await?;
    let mut tx = pool.begin().await?;
    store::locks::lock_accounts(&mut tx).await?;
    if accounts::user_by_name(&mut *tx, username.as_str())
        .await?
        .is_some()
    {
        return Err(AccountError::Exists(username.to_string()));
    }
    let user_id = Uuid::now_v7();
    let event = DomainEvent::UserCreated(UserCreated {
        user_id,
        username,
        role,
        password_hash,
    });
    append(&mut tx, user_id, vec![event], &actor).await?;
    tx.commit().await?;
    Ok(user_id)
}

/// What to do with a user's API tokens when the password changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tokens {
    /// Revoke them (the default: whoever knew the old password may have made some).
    Revoke,
    Keep,
}

/// Sets a new password (an admin's reset, or the CLI's): ends the user's browser
/// sessions and, unless kept, revokes their tokens.
pub async fn set_password(
    events: &EventStore,
    user_id: Uuid,
    password: &str,
    tokens: Tokens,
    actor: Actor,
) -> Result<(), AccountError> {
    let pool = events.pool();
    check_new_password(password)?;
    accounts::user_by_id(pool, user_id)
        .await?
        .ok_or(AccountError::NotFound)?;
    let password_hash = hash_password(password).await?;
    let mut tx = pool.begin().await?;
    store::locks::lock_accounts(&mut tx).await?;
    accounts::user_by_id(&mut *tx, user_id)
        .await?
        .ok_or(AccountError::NotFound)?;
    let mut events = vec![DomainEvent::UserPasswordChanged(UserPasswordChanged {
        user_id,
        password_hash,
    })];
    if tokens == Tokens::Revoke {
        for token_id in accounts::unrevoked_token_ids(&mut *tx, user_id).await? {
            events.push(DomainEvent::TokenRevoked(TokenRevoked { token_id }));
        }
    }
    append(&mut tx, user_id, events, &actor).await?;
    tx.commit().await?;
    Ok(())
}

/// A user changes their own password, proving they know the current one.
pub async fn change_own_password(
    events: &EventStore,
    user_id: Uuid,
    current: &str,
    new: &str,
    tokens: Tokens,
    actor: Actor,
) -> Result<(), AccountError> {
    let pool = events.pool();
    domain::auth::check_login_password(current).map_err(|_| AccountError::WrongPassword)?;
    check_new_password(new)?;
    let user = accounts::user_by_id(pool, user_id)
        .await?
        .ok_or(AccountError::NotFound)?;
    if !verify_password(HashGate::global(), current, Some(&user.password_hash)).await? {
        return Err(AccountError::WrongPassword);
    }
    set_password(events, user_id, new, tokens, actor).await
}

/// Changes a user's role; refuses to demote the last admin.
pub async fn set_role(
    events: &EventStore,
    user_id: Uuid,
    role: Role,
    actor: Actor,
) -> Result<(), AccountError> {
    let pool = events.pool();
    let mut tx = pool.begin().await?;
    store::locks::lock_accounts(&mut tx).await?;
    let user = accounts::user_by_id(&mut *tx, user_id)
        .await?
        .ok_or(AccountError::NotFound)?;
    if user.role == role {
        return Ok(());
    }
    if user.role == Role::Admin && accounts::count_admins(&mut *tx).await? <= 1 {
        return Err(AccountError::LastAdmin("demote"));
    }
    let event = DomainEvent::UserRoleChanged(UserRoleChanged { user_id, role });
    append(&mut tx, user_id, vec![event], &actor).await?;
    tx.commit().await?;
    Ok(())
}

/// Deletes a user (their sessions end, their tokens are revoked); refuses to delete
/// the last admin or the caller's own account.
pub async fn delete_user(
    events: &EventStore,
    user_id: Uuid,
    caller: Option<Uuid>,
    actor: Actor,
) -> Result<(), AccountError> {
    let pool = events.pool();
    if caller == Some(user_id) {
        return Err(AccountError::SelfDelete);
    }
    let mut tx = pool.begin().await?;
    store::locks::lock_accounts(&mut tx).await?;
    let user = accounts::user_by_id(&mut *tx, user_id)
        .await?
        .ok_or(AccountError::NotFound)?;
    if user.role == Role::Admin && accounts::count_admins(&mut *tx).await? <= 1 {
        return Err(AccountError::LastAdmin("delete"));
    }
    let event = DomainEvent::UserDeleted(UserDeleted { user_id });
    append(&mut tx, user_id, vec![event], &actor).await?;
    tx.commit().await?;
    Ok(())
}

async fn append(
    tx: &mut sqlx::PgConnection,
    user_id: Uuid,
    events: Vec<DomainEvent>,
    actor: &Actor,
) -> Result<(), StoreError> {
    // Token revocations go to each token's own stream; the rest to the user's.
    let meta = AppendMeta::new(actor.clone());
    for event in events {
        let stream = match &event {
            DomainEvent::TokenRevoked(t) => StreamId::for_entity("token", t.token_id),
            _ => user_stream(user_id),
        };
        store::events::append_in(tx, &stream, ExpectedVersion::Any, &[event], &meta).await?;
    }
    Ok(())
}

/// The first admin, created when there are no users at all: named `admin`, with the
/// given password or a generated one. Returns the password when it was generated
/// (for printing once), `None` when there were users already or it was given.
pub async fn bootstrap_admin(
    events: &EventStore,
    given_password: Option<&str>,
) -> Result<Bootstrap, AccountError> {
    let pool = events.pool();
    if accounts::count_users(pool).await? > 0 {
        return Ok(Bootstrap::AlreadyHadUsers);
    }
    let (password, generated) = match given_password {
        Some(p) => (p.to_owned(), false),
        None => (secrets::generated_password(), true),
    };
    match create_user(events, "admin", &password, Role::Admin, Actor::System).await {
        Ok(_) if generated => Ok(Bootstrap::Generated(password)),
        Ok(_) => Ok(Bootstrap::FromEnvironment),
        // Another process bootstrapped concurrently.
        Err(AccountError::Exists(_)) => Ok(Bootstrap::AlreadyHadUsers),
        Err(e) => Err(e),
    }
}

/// What `bootstrap_admin` did.
#[derive(Debug, PartialEq, Eq)]
pub enum Bootstrap {
    AlreadyHadUsers,
    FromEnvironment,
    /// The generated password, to print once and forget.
    Generated(String),
}
