//! Projections `proj_users`, `proj_sessions`, `proj_tokens`: who may log in, which
//! browser sessions are open and which API tokens exist. Only hashes live here.
//!
//! Deleting a user drops its sessions and revokes its tokens in the same step, so no
//! credential outlives its account.

use chrono::{DateTime, Utc};
use domain::{DomainEvent, Role};
use sqlx::Row;
use sqlx::postgres::{PgConnection, PgPool};
use uuid::Uuid;

use crate::StoreError;
use crate::record::RecordedEvent;

pub(super) async fn apply(
    conn: &mut PgConnection,
    event: &RecordedEvent,
) -> Result<(), StoreError> {
    let at = event.recorded_at;
    match &event.event {
        DomainEvent::UserCreated(e) => {
            sqlx::query(
                "INSERT INTO proj_users (user_id, username, role, password_hash, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $5)",
            )
            .bind(e.user_id)
            .bind(e.username.as_str())
            .bind(e.role.as_str())
            .bind(&e.password_hash)
            .bind(at)
            .execute(conn)
            .await?;
        }
        DomainEvent::UserPasswordChanged(e) => {
            sqlx::query(
                "UPDATE proj_users SET password_hash = $2, updated_at = $3 WHERE user_id = $1",
            )
            .bind(e.user_id)
            .bind(&e.password_hash)
            .bind(at)
            .execute(&mut *conn)
            .await?;
            // A new password ends every open session of that user.
            sqlx::query("DELETE FROM proj_sessions WHERE user_id = $1")
                .bind(e.user_id)
                .execute(conn)
                .await?;
        }
        DomainEvent::UserRoleChanged(e) => {
            sqlx::query("UPDATE proj_users SET role = $2, updated_at = $3 WHERE user_id = $1")
                .bind(e.user_id)
                .bind(e.role.as_str())
                .bind(at)
                .execute(conn)
                .await?;
        }
        DomainEvent::UserDeleted(e) => {
            sqlx::query("DELETE FROM proj_users WHERE user_id = $1")
                .bind(e.user_id)
                .execute(&mut *conn)
                .await?;
            sqlx::query("DELETE FROM proj_sessions WHERE user_id = $1")
                .bind(e.user_id)
                .execute(&mut *conn)
                .await?;
            sqlx::query(
                "UPDATE proj_tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL",
            )
            .bind(e.user_id)
            .bind(at)
            .execute(conn)
            .await?;
        }
        DomainEvent::SessionStarted(e) => {
            sqlx::query(
                "INSERT INTO proj_sessions (session_id, user_id, secret_hash, client, created_at, expires_at)
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(e.session_id)
            .bind(e.user_id)
            .bind(&e.secret_hash)
            .bind(&e.client)
            .bind(at)
            .bind(e.expires_at)
            .execute(conn)
            .await?;
        }
        DomainEvent::SessionEnded(e) => {
            sqlx::query("DELETE FROM proj_sessions WHERE session_id = $1")
                .bind(e.session_id)
                .execute(conn)
                .await?;
        }
        DomainEvent::TokenCreated(e) => {
            sqlx::query(
                "INSERT INTO proj_tokens (token_id, user_id, name, role, secret_hash, created_at, expires_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(e.token_id)
            .bind(e.user_id)
            .bind(&e.name)
            .bind(e.role.as_str())
            .bind(&e.secret_hash)
            .bind(at)
            .bind(e.expires_at)
            .execute(conn)
            .await?;
        }
        DomainEvent::TokenRevoked(e) => {
            sqlx::query(
                "UPDATE proj_tokens SET revoked_at = $2 WHERE token_id = $1 AND revoked_at IS NULL",
            )
            .bind(e.token_id)
            .bind(at)
            .execute(conn)
            .await?;
        }
        _ => {}
    }
    Ok(())
}

/// A user account (with its password hash, for verification only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    pub user_id: Uuid,
    pub username: String,
    pub role: Role,
    pub password_hash: String,
    pub created_at: DateTime<Utc>,
}

/// Who is behind a valid session or token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    pub user_id: Uuid,
    pub username: String,
    /// The effective role: for a token, the lower of the token's and the user's role.
    pub role: Role,
    /// The session or token id.
    pub credential_id: Uuid,
}

/// An API token as listed (never its secret or hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRecord {
    pub token_id: Uuid,
    pub user_id: Uuid,
    pub username: String,
    pub name: String,
    pub role: Role,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

fn role(s: &str) -> Result<Role, StoreError> {
    Role::parse(s).ok_or_else(|| StoreError::Corrupt(format!("unknown role {s:?}")))
}

fn user_from_row(row: &sqlx::postgres::PgRow) -> Result<UserRecord, StoreError> {
    Ok(UserRecord {
        user_id: row.try_get("user_id")?,
        username: row.try_get("username")?,
        role: role(row.try_get::<&str, _>("role")?)?,
        password_hash: row.try_get("password_hash")?,
        created_at: row.try_get("created_at")?,
    })
}

const USER_COLUMNS: &str = "user_id, username, role, password_hash, created_at";

pub async fn user_by_name(
    pool: impl sqlx::PgExecutor<'_>,
    username: &str,
) -> Result<Option<UserRecord>, StoreError> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {USER_COLUMNS} FROM proj_users WHERE username = $1"
    )))
    .bind(username)
    .fetch_optional(pool)
    .await?
    .as_ref()
    .map(user_from_row)
    .transpose()
}

pub async fn user_by_id(
    pool: impl sqlx::PgExecutor<'_>,
    user_id: Uuid,
) -> Result<Option<UserRecord>, StoreError> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {USER_COLUMNS} FROM proj_users WHERE user_id = $1"
    )))
    .bind(user_id)
    .fetch_optional(pool)
    .await?
    .as_ref()
    .map(user_from_row)
    .transpose()
}

pub async fn list_users(pool: &PgPool) -> Result<Vec<UserRecord>, StoreError> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {USER_COLUMNS} FROM proj_users ORDER BY username"
    )))
    .fetch_all(pool)
    .await?
    .iter()
    .map(user_from_row)
    .collect()
}

pub async fn count_admins(pool: impl sqlx::PgExecutor<'_>) -> Result<i64, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT count(*) FROM proj_users WHERE role = 'admin'")
            .fetch_one(pool)
            .await?,
    )
}

/// The ids of a user's tokens that are not revoked (expired ones included).
pub async fn unrevoked_token_ids(
    conn: impl sqlx::PgExecutor<'_>,
    user_id: Uuid,
) -> Result<Vec<Uuid>, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT token_id FROM proj_tokens WHERE user_id = $1 AND revoked_at IS NULL ORDER BY token_id",
    )
    .bind(user_id)
    .fetch_all(conn)
    .await?)
}

pub async fn count_users(pool: &PgPool) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar("SELECT count(*) FROM proj_users")
        .fetch_one(pool)
        .await?)
}

/// The user behind an unexpired session with this secret hash.
pub async fn session_credential(
    pool: &PgPool,
    secret_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<Credential>, StoreError> {
    let row = sqlx::query(
        "SELECT s.session_id, u.user_id, u.username, u.role
           FROM proj_sessions s JOIN proj_users u ON u.user_id = s.user_id
          WHERE s.secret_hash = $1 AND s.expires_at > $2",
    )
    .bind(secret_hash)
    .bind(now)
    .fetch_optional(pool)
    .await?;
    row.map(|row| {
        Ok(Credential {
            user_id: row.try_get("user_id")?,
            username: row.try_get("username")?,
            role: role(row.try_get::<&str, _>("role")?)?,
            credential_id: row.try_get("session_id")?,
        })
    })
    .transpose()
}

/// The user behind an unrevoked, unexpired token with this secret hash.
pub async fn token_credential(
    pool: &PgPool,
    secret_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<Credential>, StoreError> {
    let row = sqlx::query(
        "SELECT t.token_id, t.role AS token_role, u.user_id, u.username, u.role AS user_role
           FROM proj_tokens t JOIN proj_users u ON u.user_id = t.user_id
          WHERE t.secret_hash = $1 AND t.revoked_at IS NULL
            AND (t.expires_at IS NULL OR t.expires_at > $2)",
    )
    .bind(secret_hash)
    .bind(now)
    .fetch_optional(pool)
    .await?;
    row.map(|row| {
        let token_role = role(row.try_get::<&str, _>("token_role")?)?;
        let user_role = role(row.try_get::<&str, _>("user_role")?)?;
        Ok(Credential {
            user_id: row.try_get("user_id")?,
            username: row.try_get("username")?,
            role: token_role.min(user_role),
            credential_id: row.try_get("token_id")?,
        })
    })
    .transpose()
}

/// Tokens, newest first; only `user_id`'s when given.
pub async fn list_tokens(
    pool: &PgPool,
    user_id: Option<Uuid>,
) -> Result<Vec<TokenRecord>, StoreError> {
    sqlx::query(
        "SELECT t.token_id, t.user_id, u.username, t.name, t.role, t.created_at, t.expires_at, t.revoked_at
           FROM proj_tokens t LEFT JOIN proj_users u ON u.user_id = t.user_id
          WHERE $1::uuid IS NULL OR t.user_id = $1
          ORDER BY t.created_at DESC, t.token_id",
    )
    .bind(user_id)
    .fetch_all(pool)
    .await?
    .iter()
    .map(|row| {
        Ok(TokenRecord {
            token_id: row.try_get("token_id")?,
            user_id: row.try_get("user_id")?,
            username: row
                .try_get::<Option<String>, _>("username")?
                .unwrap_or_else(|| "(deleted)".to_owned()),
            name: row.try_get("name")?,
            role: role(row.try_get::<&str, _>("role")?)?,
            created_at: row.try_get("created_at")?,
            expires_at: row.try_get("expires_at")?,
            revoked_at: row.try_get("revoked_at")?,
        })
    })
    .collect()
}

pub async fn token_by_id(pool: &PgPool, token_id: Uuid) -> Result<Option<TokenRecord>, StoreError> {
    Ok(list_tokens(pool, None)
        .await?
        .into_iter()
        .find(|t| t.token_id == token_id))
}
