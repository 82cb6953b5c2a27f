//! Account commands shared by the API, `serve`'s first-start bootstrap and the CLI:
//! create a user, set a password, bootstrap the first admin. Each validates its input
//! into domain types, hashes off the async threads, and appends one event.

use domain::auth::{PasswordError, UsernameError, check_new_password};
use domain::event::{UserCreated, UserPasswordChanged};
use domain::{Actor, DomainEvent, Role, StreamId, Username};
use store::{AppendMeta, EventStore, ExpectedVersion, StoreError};
use uuid::Uuid;

use super::secrets;

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
    #[error(transparent)]
    Hash(#[from] secrets::HashError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("password hashing task failed")]
    Join,
}

pub fn user_stream(user_id: Uuid) -> StreamId {
    StreamId::for_entity("user", user_id)
}

async fn hash_off_thread(password: String) -> Result<String, AccountError> {
    tokio::task::spawn_blocking(move || secrets::hash_password(&password))
        .await
        .map_err(|_| AccountError::Join)?
        .map_err(AccountError::from)
}

/// Creates a user. The name must be free; the password must pass the length rule.
pub async fn create_user(
    events: &EventStore,
    username: &str,
    password: &str,
    role: Role,
    actor: Actor,
) -> Result<Uuid, AccountError> {
    let username = Username::parse(username)?;
    check_new_password(password)?;
    if store::projections::auth::user_by_name(events.pool(), username.as_str())
        .await?
        .is_some()
    {
        return Err(AccountError::Exists(username.to_string()));
    }
    let password_hash = hash_off_thread(password.to_owned()).await?;
    let user_id = Uuid::now_v7();
    let event = DomainEvent::UserCreated(UserCreated {
        user_id,
        username: username.clone(),
        role,
        password_hash,
    });
    match events
        .append(
            &user_stream(user_id),
            ExpectedVersion::NoStream,
            &[event],
            &AppendMeta::new(actor),
        )
        .await
    {
        Ok(_) => Ok(user_id),
        // The unique user name in the projection lost a race with a concurrent create.
        Err(StoreError::Database(sqlx::Error::Database(db))) if db.is_unique_violation() => {
            Err(AccountError::Exists(username.to_string()))
        }
        Err(e) => Err(e.into()),
    }
}

/// Sets a new password (ending the user's sessions, see the projection).
pub async fn set_password(
    events: &EventStore,
    user_id: Uuid,
    password: &str,
    actor: Actor,
) -> Result<(), AccountError> {
    check_new_password(password)?;
    store::projections::auth::user_by_id(events.pool(), user_id)
        .await?
        .ok_or(AccountError::NotFound)?;
    let password_hash = hash_off_thread(password.to_owned()).await?;
    let event = DomainEvent::UserPasswordChanged(UserPasswordChanged {
        user_id,
        password_hash,
    });
    events
        .append(
            &user_stream(user_id),
            ExpectedVersion::Any,
            &[event],
            &AppendMeta::new(actor),
        )
        .await?;
    Ok(())
}

/// The first admin, created when there are no users at all: named `admin`, with the
/// given password or a generated one. Returns the password when it was generated
/// (for printing once), `None` when there were users already or it was given.
pub async fn bootstrap_admin(
    events: &EventStore,
    given_password: Option<&str>,
) -> Result<Bootstrap, AccountError> {
    if store::projections::auth::count_users(events.pool()).await? > 0 {
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
