//! Projections `proj_policies` (every existing policy) and `proj_policy_assignments`
//! (which policy each subvolume follows; at most one). An assignment ends with
//! `PolicyUnassigned`, and also when its subvolume is unmanaged (`SubvolumeUnmanaged`):
//! a subvolume that is no longer managed follows nothing.

use chrono::{DateTime, Utc};
use domain::event::{PolicyCreated, PolicyUpdated};
use domain::{DomainEvent, PolicyId, PolicySpec, RetentionSpec, ScheduleSpec, SubvolumeId};
use sqlx::Row;
use sqlx::postgres::{PgConnection, PgRow};
use uuid::Uuid;

use crate::StoreError;
use crate::record::RecordedEvent;

pub(super) async fn apply(
    conn: &mut PgConnection,
    event: &RecordedEvent,
) -> Result<(), StoreError> {
    match &event.event {
        DomainEvent::PolicyCreated(PolicyCreated { policy_id, spec }) => {
            sqlx::query(
                "INSERT INTO proj_policies
                     (policy_id, name, cron, time_zone, retention, target_retention,
                      replicate_after_snapshot, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
            )
            .bind(policy_id.as_uuid())
            .bind(&spec.name)
            .bind(&spec.schedule.cron)
            .bind(&spec.schedule.time_zone)
            .bind(json(&spec.retention)?)
            .bind(spec.target_retention.as_ref().map(json).transpose()?)
            .bind(spec.replicate_after_snapshot)
            .bind(event.recorded_at)
            .execute(conn)
            .await?;
        }
        DomainEvent::PolicyUpdated(PolicyUpdated { policy_id, spec }) => {
            sqlx::query(
                "UPDATE proj_policies SET name = $2, cron = $3, time_zone = $4, retention = $5,
                        target_retention = $6, replicate_after_snapshot = $7, updated_at = $8
                  WHERE policy_id = $1",
            )
            .bind(policy_id.as_uuid())
            .bind(&spec.name)
            .bind(&spec.schedule.cron)
            .bind(&spec.schedule.time_zone)
            .bind(json(&spec.retention)?)
            .bind(spec.target_retention.as_ref().map(json).transpose()?)
            .bind(spec.replicate_after_snapshot)
            .bind(event.recorded_at)
            .execute(conn)
            .await?;
        }
        DomainEvent::PolicyDeleted(e) => {
            sqlx::query("DELETE FROM proj_policy_assignments WHERE policy_id = $1")
                .bind(e.policy_id.as_uuid())
                .execute(&mut *conn)
                .await?;
            sqlx::query("DELETE FROM proj_policies WHERE policy_id = $1")
                .bind(e.policy_id.as_uuid())
                .execute(conn)
                .await?;
        }
        DomainEvent::PolicyAssigned(e) => {
            sqlx::query(
                "INSERT INTO proj_policy_assignments (subvolume_id, policy_id, assigned_at)
                 VALUES ($1, $2, $3)
                 ON CONFLICT (subvolume_id) DO UPDATE
                    SET policy_id = EXCLUDED.policy_id, assigned_at = EXCLUDED.assigned_at",
            )
            .bind(e.subvolume_id.as_uuid())
            .bind(e.policy_id.as_uuid())
            .bind(event.recorded_at)
            .execute(conn)
            .await?;
        }
        DomainEvent::PolicyUnassigned(e) => {
            sqlx::query(
                "DELETE FROM proj_policy_assignments WHERE subvolume_id = $1 AND policy_id = $2",
            )
            .bind(e.subvolume_id.as_uuid())
            .bind(e.policy_id.as_uuid())
            .execute(conn)
            .await?;
        }
        DomainEvent::SubvolumeUnmanaged(e) => {
            sqlx::query("DELETE FROM proj_policy_assignments WHERE subvolume_id = $1")
                .bind(e.subvolume_id.as_uuid())
                .execute(conn)
                .await?;
        }
        _ => {}
    }
    Ok(())
}

fn json(spec: &RetentionSpec) -> Result<serde_json::Value, StoreError> {
    serde_json::to_value(spec).map_err(|e| StoreError::Corrupt(format!("retention spec: {e}")))
}

/// One policy with the subvolumes that follow it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyView {
    pub policy_id: PolicyId,
    pub spec: PolicySpec,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Subvolumes assigned to it, ordered by id.
    pub subvolumes: Vec<SubvolumeId>,
}

const SELECT: &str = "SELECT p.policy_id, p.name, p.cron, p.time_zone, p.retention,
        p.target_retention, p.replicate_after_snapshot, p.created_at, p.updated_at,
        COALESCE((SELECT array_agg(a.subvolume_id ORDER BY a.subvolume_id)
                    FROM proj_policy_assignments a WHERE a.policy_id = p.policy_id),
                 '{}') AS subvolumes
   FROM proj_policies p";

fn from_row(row: &PgRow) -> Result<PolicyView, StoreError> {
    // Decoded straight from the stored JSON, no `serde_json::Value` in between.
    let retention: sqlx::types::Json<RetentionSpec> = row.try_get("retention")?;
    let target: Option<sqlx::types::Json<RetentionSpec>> = row.try_get("target_retention")?;
    let subvolumes: Vec<uuid::Uuid> = row.try_get("subvolumes")?;
    Ok(PolicyView {
        policy_id: PolicyId::from_uuid(row.try_get("policy_id")?),
        spec: PolicySpec {
            name: row.try_get("name")?,
            schedule: ScheduleSpec {
                cron: row.try_get("cron")?,
                time_zone: row.try_get("time_zone")?,
            },
            retention: retention.0,
            target_retention: target.map(|t| t.0),
            replicate_after_snapshot: row.try_get("replicate_after_snapshot")?,
        },
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        subvolumes: subvolumes.into_iter().map(SubvolumeId::from_uuid).collect(),
    })
}

/// Every policy, by name.
pub async fn policies<'e>(exec: impl sqlx::PgExecutor<'e>) -> Result<Vec<PolicyView>, StoreError> {
    policies_page(exec, None, None).await
}

/// What the scheduler reads of a policy: its schedule and the subvolumes it is assigned
/// to (at least one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicySchedule {
    pub policy_id: PolicyId,
    pub cron: String,
    pub time_zone: String,
    /// Ordered by id.
    pub subvolumes: Vec<SubvolumeId>,
}

/// The schedules of the policies assigned to a subvolume or more, in one grouped read: an
/// unassigned policy has nothing to enqueue, and retention specs are not decoded.
pub async fn schedules<'e>(
    exec: impl sqlx::PgExecutor<'e>,
) -> Result<Vec<PolicySchedule>, StoreError> {
    let rows: Vec<(Uuid, String, String, Vec<Uuid>)> = sqlx::query_as(
        "SELECT p.policy_id, p.cron, p.time_zone,
                array_agg(a.subvolume_id ORDER BY a.subvolume_id)
           FROM proj_policy_assignments a JOIN proj_policies p USING (policy_id)
          GROUP BY p.policy_id
          ORDER BY p.policy_id",
    )
    .fetch_all(exec)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(policy_id, cron, time_zone, subvolumes)| PolicySchedule {
            policy_id: PolicyId::from_uuid(policy_id),
            cron,
            time_zone,
            subvolumes: subvolumes.into_iter().map(SubvolumeId::from_uuid).collect(),
        })
        .collect())
}

/// Policies by name (names are unique), at most `limit` after the name `after`.
pub async fn policies_page<'e>(
    exec: impl sqlx::PgExecutor<'e>,
    after: Option<&str>,
    limit: Option<i64>,
) -> Result<Vec<PolicyView>, StoreError> {
    // The page's assignments in one grouped read, not a sub-select per policy.
    let cursor = super::condition(after.is_some(), "name > $1", "$1::text IS NULL");
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "WITH page AS (
             SELECT * FROM proj_policies
              WHERE {cursor} ORDER BY name LIMIT $2)
         SELECT p.policy_id, p.name, p.cron, p.time_zone, p.retention,
                p.target_retention, p.replicate_after_snapshot, p.created_at, p.updated_at,
                COALESCE(a.subvolumes, '{{}}') AS subvolumes
           FROM page p
           LEFT JOIN (SELECT policy_id, array_agg(subvolume_id ORDER BY subvolume_id) AS subvolumes
                        FROM proj_policy_assignments
                       WHERE policy_id IN (SELECT policy_id FROM page)
                       GROUP BY policy_id) a USING (policy_id)
          ORDER BY p.name"
    )))
    .bind(after)
    .bind(limit)
    .fetch_all(exec)
    .await?;
    rows.iter().map(from_row).collect()
}

/// One policy.
pub async fn policy<'e>(
    exec: impl sqlx::PgExecutor<'e>,
    id: PolicyId,
) -> Result<Option<PolicyView>, StoreError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE p.policy_id = $1"
    )))
    .bind(id.as_uuid())
    .fetch_optional(exec)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// The policy with this name, if any.
pub async fn policy_by_name<'e>(
    exec: impl sqlx::PgExecutor<'e>,
    name: &str,
) -> Result<Option<PolicyView>, StoreError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} WHERE p.name = $1")))
        .bind(name)
        .fetch_optional(exec)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// The policy a subvolume follows, if any.
pub async fn policy_of_subvolume<'e>(
    exec: impl sqlx::PgExecutor<'e>,
    subvolume: SubvolumeId,
) -> Result<Option<PolicyView>, StoreError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE p.policy_id =
              (SELECT policy_id FROM proj_policy_assignments WHERE subvolume_id = $1)
         "
    )))
    .bind(subvolume.as_uuid())
    .fetch_optional(exec)
    .await?;
    row.as_ref().map(from_row).transpose()
}
