//! Projection `proj_servers`: every registered server with its transport and allowed
//! roots.

use chrono::{DateTime, Utc};
use domain::{DomainEvent, ServerId, ServerRole, Transport};
use sqlx::Row;
use sqlx::postgres::{PgConnection, PgRow};

use crate::StoreError;
use crate::events::RecordedEvent;

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
                     (server_id, name, role, transport, allowed_roots, registered_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $6)",
            )
            .bind(e.server_id.as_uuid())
            .bind(&e.name)
            .bind(e.role.as_str())
            .bind(transport)
            .bind(&e.allowed_roots)
            .bind(event.recorded_at)
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
        _ => {}
    }
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
    pub registered_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const COLUMNS: &str = "server_id, name, role, transport, allowed_roots, registered_at, updated_at";

fn from_row(row: &PgRow) -> Result<ServerView, StoreError> {
    let role: String = row.try_get("role")?;
    let role = match role.as_str() {
        "primary" => ServerRole::Primary,
        "remote" => ServerRole::Remote,
        other => return Err(StoreError::Corrupt(format!("server role {other:?}"))),
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
        registered_at: row.try_get("registered_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// Every server, by name.
pub async fn servers<'e>(exec: impl sqlx::PgExecutor<'e>) -> Result<Vec<ServerView>, StoreError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM proj_servers ORDER BY name, server_id"
    )))
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
