//! Projection `proj_instance`: this installation's id, name and version.

use chrono::{DateTime, Utc};
use domain::DomainEvent;
use sqlx::postgres::{PgConnection, PgPool};
use uuid::Uuid;

use crate::StoreError;
use crate::record::RecordedEvent;

pub(super) async fn apply(
    conn: &mut PgConnection,
    event: &RecordedEvent,
) -> Result<(), StoreError> {
    match &event.event {
        DomainEvent::InstanceInitialized(e) => {
            sqlx::query(
                "INSERT INTO proj_instance (instance_id, software_version, initialized_at, updated_at)
                 VALUES ($1, $2, $3, $3)",
            )
            .bind(e.instance_id)
            .bind(&e.software_version)
            .bind(event.recorded_at)
            .execute(conn)
            .await?;
        }
        DomainEvent::InstanceRenamed(e) => {
            sqlx::query("UPDATE proj_instance SET name = $1, updated_at = $2")
                .bind(&e.name)
                .bind(event.recorded_at)
                .execute(conn)
                .await?;
        }
        _ => {}
    }
    Ok(())
}

/// The installation as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct InstanceView {
    pub instance_id: Uuid,
    pub name: Option<String>,
    pub software_version: String,
    pub initialized_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The installation, once it has been initialised.
pub async fn instance(pool: &PgPool) -> Result<Option<InstanceView>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT instance_id, name, software_version, initialized_at, updated_at FROM proj_instance",
    )
    .fetch_optional(pool)
    .await?)
}
