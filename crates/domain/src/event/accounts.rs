//! Payloads of the instance's and the accounts' events: the installation, users,
//! sessions, login attempts and API tokens. Re-exported by [`super`].

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::auth::{Role, Username};

/// This installation came into being: the first event of the `instance` stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstanceInitialized {
    pub instance_id: Uuid,
    /// The dist-btrfs version that initialised the database.
    pub software_version: String,
}

/// The operator gave this installation a display name (shown in the dashboard).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstanceRenamed {
    pub name: String,
}

/// A user account was created. `password_hash` is an argon2id PHC string, never
/// the password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserCreated {
    pub user_id: Uuid,
    pub username: Username,
    pub role: Role,
    pub password_hash: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserPasswordChanged {
    pub user_id: Uuid,
    pub password_hash: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRoleChanged {
    pub user_id: Uuid,
    pub role: Role,
}

/// The account is gone; its sessions and tokens stop working with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserDeleted {
    pub user_id: Uuid,
}

/// A successful login opened a browser session. `secret_hash` is the SHA-256 of the
/// cookie's secret; the secret itself is only ever in the browser.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionStarted {
    pub session_id: Uuid,
    pub user_id: Uuid,
    pub secret_hash: String,
    pub expires_at: DateTime<Utc>,
    pub client: Option<String>,
}

/// A logout (or an administrative end) closed a session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionEnded {
    pub session_id: Uuid,
}

/// A login attempt failed. `username` is what was typed (it may not exist).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginFailed {
    pub username: String,
    pub client: Option<String>,
}

/// A login attempt was refused before its password was checked: too many failures
/// for this user name from this address (or from this address, or from unknown
/// addresses for this name), or too many logins being checked at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginThrottled {
    pub username: String,
    pub client: Option<String>,
    /// Which limit refused it, e.g. `user-and-address`, `address`, `user`, `busy`.
    pub limit: String,
}

/// An API token was issued. `secret_hash` is the SHA-256 of its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenCreated {
    pub token_id: Uuid,
    pub user_id: Uuid,
    pub name: String,
    pub role: Role,
    pub secret_hash: String,
    pub expires_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRevoked {
    pub token_id: Uuid,
}
