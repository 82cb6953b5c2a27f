//! Projection `proj_servers`: every registered server with its transport and allowed
//! roots.

use chrono::{DateTime, Utc};
use domain::{CredentialKind, DomainEvent, ServerId, ServerRole, Transport};
use sqlx::Row;
use sqlx::postgres::{PgConnection, PgRow};

use crate::StoreError;
use crate::record::RecordedEvent;

pub(super) async fn apply(
    conn: &mut PgConnection,
    event: &RecordedEvent,
) -> Result<(), StoreError> {
    match &event.event {
        DomainEvent::ServerRegistered(e) => {
            let transport = serde_json::to_value(&e.transport)
                .map_err(|err| StoreError::Corrupt(format!("server transport: {err}")))?;
            sqlx::query(
                "INSERT INTO proj_servers
                     (server_id, name, role, transport, allowed_roots, registered_at, updated_at,
                      sudo)
                 VALUES ($1, $2, $3, $4, $5, $6, $6, $7)",
            )
            .bind(e.server_id.as_uuid())
            .bind(&e.name)
            .bind(e.role.as_str())
            .bind(transport)
            .bind(&e.allowed_roots)
            .bind(event.recorded_at)
            .bind(e.sudo)
            .execute(conn)
            .await?;
        }
        DomainEvent::ServerRootsChanged(e) => {
            sqlx::query(
                "UPDATE proj_servers SET allowed_roots = $2, updated_at = $3 WHERE server_id = $1",
            )
            .bind(e.server_id.as_uuid())
            .bind(&e.allowed_roots)
            .bind(event.recorded_at)
            .execute(conn)
            .await?;
        }
        DomainEvent::ServerHostKeyPinned(e) => {
            set_fingerprint(conn, e.server_id, &e.fingerprint, event).await?;
        }
        DomainEvent::ServerHostKeyAccepted(e) => {
            set_fingerprint(conn, e.server_id, &e.new, event).await?;
        }
        DomainEvent::ServerUpdated(e) => {
            let transport = serde_json::to_value(&e.transport)
                .map_err(|err| StoreError::Corrupt(format!("server transport: {err}")))?;
            sqlx::query(
                "UPDATE proj_servers SET name = $2, transport = $3, sudo = $4,
                        allowed_roots = $5, updated_at = $6
                  WHERE server_id = $1",
            )
            .bind(e.server_id.as_uuid())
            .bind(&e.name)
            .bind(transport)
            .bind(e.sudo)
            .bind(&e.allowed_roots)
            .bind(event.recorded_at)
            .execute(conn)
            .await?;
        }
        DomainEvent::ServerCredentialsChanged(e) => {
            sqlx::query(
                "UPDATE proj_servers SET credential_kind = $2, updated_at = $3 WHERE server_id = $1",
            )
            .bind(e.server_id.as_uuid())
            .bind(e.kind.as_str())
            .bind(event.recorded_at)
            .execute(conn)
            .await?;
        }
        DomainEvent::ServerStorageSettingsChanged(e) => {
            sqlx::query(
                "UPDATE proj_servers SET collect_qgroups = $2, updated_at = $3 WHERE server_id = $1",
            )
            .bind(e.server_id.as_uuid())
            .bind(e.collect_qgroups)
            .bind(event.recorded_at)
            .execute(conn)
            .await?;
        }
        DomainEvent::ServerRemoved(e) => {
            sqlx::query("DELETE FROM proj_servers WHERE server_id = $1")
                .bind(e.server_id.as_uuid())
                .execute(conn)
                .await?;
        }
        _ => {}
    }
    Ok(())
}

async fn set_fingerprint(
    conn: &mut PgConnection,
    server: ServerId,
    fingerprint: &str,
    event: &RecordedEvent,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE proj_servers SET host_key_fingerprint = $2, updated_at = $3 WHERE server_id = $1",
    )
    .bind(server.as_uuid())
    .bind(fingerprint)
    .bind(event.recorded_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// A server as the API and the engine see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerView {
    pub server_id: ServerId,
    pub name: String,
    pub role: ServerRole,
    pub transport: Transport,
    /// As recorded; the engine parses them into `ServerPath`s before use.
    pub allowed_roots: Vec<String>,
    /// Run btrfs through `sudo -n`.
    pub sudo: bool,
    /// The pinned SSH host key (SHA256 fingerprint); `None` for local servers.
    pub host_key_fingerprint: Option<String>,
    /// Which kind of SSH credential is in the vault; `None` for local servers.
    pub credential_kind: Option<CredentialKind>,
    /// Storage collection reads per-subvolume sizes from qgroups (never enables quotas).
    pub collect_qgroups: bool,
    pub registered_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const COLUMNS: &str = "server_id, name, role, transport, allowed_roots, registered_at, updated_at, \
     sudo, host_key_fingerprint, credential_kind, collect_qgroups";

fn from_row(row: &PgRow) -> Result<ServerView, StoreError> {
    let role: String = row.try_get("role")?;
    let role = match role.as_str() {
        "primary" => ServerRole::Primary,
        "remote" => ServerRole::Remote,
        other => return Err(StoreError::Corrupt(format!("server role {other:?}"))),
    };
    let credential_kind: Option<String> = row.try_get("credential_kind")?;
    let credential_kind = match credential_kind.as_deref() {
        None => None,
        Some("password") => Some(CredentialKind::Password),
        Some("key") => Some(CredentialKind::Key),
        Some(other) => return Err(StoreError::Corrupt(format!("credential kind {other:?}"))),
    };
    let transport: serde_json::Value = row.try_get("transport")?;
    let transport = serde_json::from_value(transport)
        .map_err(|e| StoreError::Corrupt(format!("server transport: {e}")))?;
    Ok(ServerView {
        server_id: ServerId::from_uuid(row.try_get("server_id")?),
        name: row.try_get("name")?,
        role,
        transport,
        allowed_roots: row.try_get("allowed_roots")?,
        sudo: row.try_get("sudo")?,
        host_key_fingerprint: row.try_get("host_key_fingerprint")?,
        credential_kind,
        collect_qgroups: row.try_get("collect_qgroups")?,
        registered_at: row.try_get("registered_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// Every server, by name.
pub async fn servers<'e>(exec: impl sqlx::PgExecutor<'e>) -> Result<Vec<ServerView>, StoreError> {
    servers_page(exec, None, None).await
}

/// Servers by name (names are unique), at most `limit` after the name `after`.
pub async fn servers_page<'e>(
    exec: impl sqlx::PgExecutor<'e>,
    after: Option<&str>,
    limit: Option<i64>,
) -> Result<Vec<ServerView>, StoreError> {
    let cursor = super::condition(after.is_some(), "name > $1", "$1::text IS NULL");
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM proj_servers WHERE {cursor} ORDER BY name LIMIT $2"
    )))
    .bind(after)
    .bind(limit)
    .fetch_all(exec)
    .await?;
    rows.iter().map(from_row).collect()
}

/// One server.
pub async fn server<'e>(
    exec: impl sqlx::PgExecutor<'e>,
    id: ServerId,
) -> Result<Option<ServerView>, StoreError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM proj_servers WHERE server_id = $1"
    )))
    .bind(id.as_uuid())
    .fetch_optional(exec)
    .await?;
    row.as_ref().map(from_row).transpose()
}
