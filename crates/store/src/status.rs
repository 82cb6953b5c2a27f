//! The reads behind the fleet status (engine `status`) that no projection answers
//! already: jobs that failed for good in a time window (from the `JobFailed` events),
//! and the scheduled subvolumes with their newest snapshot and last snapshot error.
//! Replication health and storage have their own reads (`projections::health`,
//! [`crate::storage`]).

use chrono::{DateTime, Utc};
use domain::{ServerId, SubvolumeId};
use sqlx::PgPool;
use sqlx::Row;

use crate::StoreError;

/// What the fleet status is computed from, in three numbers that change whenever any of
/// it does: the events committed (the sum of `proj_event_counts`, which every append
/// updates in its own transaction, so commits out of `global_seq` order still count),
/// and the storage collections (the sum of every server's last attempt time, and how
/// many servers have one). Each attempt moves its server's time, so the sum changes at
/// every committed attempt, in whatever order the servers of one round commit (the
/// newest attempt alone did not: a server that started earlier and finished later left
/// it as it was). Time is the status's only other input (late, overdue, the failed-job
/// window).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChangeStamp {
    pub events: i64,
    /// The sum of the servers' last attempt times in microseconds, modulo `i64::MAX`.
    pub attempts: i64,
    pub collections: i64,
}

/// The current [`ChangeStamp`] (one query over small tables).
pub async fn change_stamp(pool: &PgPool) -> Result<ChangeStamp, StoreError> {
    let row = sqlx::query(
        "SELECT (SELECT COALESCE(sum(events), 0)::bigint FROM proj_event_counts) AS events,
                (SELECT (COALESCE(sum(extract(epoch FROM attempted_at) * 1000000), 0)
                         % 9223372036854775807)::bigint
                   FROM storage_collections) AS attempts,
                (SELECT count(*) FROM storage_collections) AS collections",
    )
    .fetch_one(pool)
    .await?;
    Ok(ChangeStamp {
        events: row.try_get("events")?,
        attempts: row.try_get("attempts")?,
        collections: row.try_get("collections")?,
    })
}

/// The jobs of one key that failed for good since a time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedJob {
    /// `snapshot`, `prune`, `replicate`, ...
    pub job_kind: String,
    /// The job's idempotency key.
    pub key: String,
    pub subvolume_id: Option<SubvolumeId>,
    /// The subvolume's name, when it names one that is known.
    pub subvolume_name: Option<String>,
    /// The newest failure's error.
    pub error: String,
    /// How many times a job of this key failed in the window.
    pub failures: u64,
    pub last_failed_at: DateTime<Utc>,
}

/// Jobs that failed for good (`JobFailed`) since `since`, one row per job key, newest
/// first; at most `limit` keys.
pub async fn failed_jobs_since(
    pool: &PgPool,
    since: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<FailedJob>, StoreError> {
    let rows = sqlx::query(
        "SELECT DISTINCT ON (e.payload->>'key')
                e.payload->>'job_kind' AS job_kind, e.payload->>'key' AS key,
                (e.payload->>'subvolume_id')::uuid AS subvolume_id, s.name AS subvolume_name,
                e.payload->>'error' AS error, e.recorded_at,
                count(*) OVER (PARTITION BY e.payload->>'key') AS failures
           FROM events e
           LEFT JOIN proj_subvolumes s ON s.subvolume_id = (e.payload->>'subvolume_id')::uuid
          WHERE e.event_type = 'JobFailed' AND e.recorded_at > $1
          ORDER BY e.payload->>'key', e.global_seq DESC",
    )
    .bind(since)
    .fetch_all(pool)
    .await?;
    let mut out = rows
        .iter()
        .map(|r| {
            Ok(FailedJob {
                job_kind: r
                    .try_get::<Option<String>, _>("job_kind")?
                    .unwrap_or_default(),
                key: r.try_get::<Option<String>, _>("key")?.unwrap_or_default(),
                subvolume_id: r
                    .try_get::<Option<uuid::Uuid>, _>("subvolume_id")?
                    .map(SubvolumeId::from_uuid),
                subvolume_name: r.try_get("subvolume_name")?,
                error: r.try_get::<Option<String>, _>("error")?.unwrap_or_default(),
                failures: crate::projections::to_u64(r.try_get("failures")?, "failures")?,
                last_failed_at: r.try_get("recorded_at")?,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    out.sort_by_key(|j| std::cmp::Reverse(j.last_failed_at));
    out.truncate(usize::try_from(limit).unwrap_or(0));
    Ok(out)
}

/// A managed subvolume that follows a policy: what the overdue and failing-snapshot
/// rules need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduledSubvolume {
    pub subvolume_id: SubvolumeId,
    pub name: String,
    pub server_id: ServerId,
    pub policy_name: String,
    pub cron: String,
    pub time_zone: String,
    pub assigned_at: DateTime<Utc>,
    /// Creation of the newest present snapshot (any origin).
    pub newest_snapshot_at: Option<DateTime<Utc>>,
    pub last_snapshot_error: Option<String>,
    pub last_snapshot_error_at: Option<DateTime<Utc>>,
}

/// Every managed subvolume that follows a policy, by name.
pub async fn scheduled_subvolumes(pool: &PgPool) -> Result<Vec<ScheduledSubvolume>, StoreError> {
    let rows = sqlx::query(
        "SELECT s.subvolume_id, s.name, s.server_id, p.name AS policy_name, p.cron,
                p.time_zone, a.assigned_at, s.last_snapshot_error, s.last_snapshot_error_at,
                (SELECT max(COALESCE(x.created_at, x.recorded_at)) FROM proj_snapshots x
                  WHERE x.subvolume_id = s.subvolume_id AND x.state = 'present') AS newest
           FROM proj_subvolumes s
           JOIN proj_policy_assignments a ON a.subvolume_id = s.subvolume_id
           JOIN proj_policies p ON p.policy_id = a.policy_id
          WHERE s.managed
          ORDER BY s.name, s.subvolume_id",
    )
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(ScheduledSubvolume {
                subvolume_id: SubvolumeId::from_uuid(r.try_get("subvolume_id")?),
                name: r.try_get("name")?,
                server_id: ServerId::from_uuid(r.try_get("server_id")?),
                policy_name: r.try_get("policy_name")?,
                cron: r.try_get("cron")?,
                time_zone: r.try_get("time_zone")?,
                assigned_at: r.try_get("assigned_at")?,
                newest_snapshot_at: r.try_get("newest")?,
                last_snapshot_error: r.try_get("last_snapshot_error")?,
                last_snapshot_error_at: r.try_get("last_snapshot_error_at")?,
            })
        })
        .collect()
}

/// A managed subvolume whose configured post-snapshot hook failed on its last run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailingHook {
    pub subvolume_id: SubvolumeId,
    pub name: String,
    pub server_id: ServerId,
    pub run: crate::projections::HookRun,
}

/// Every managed subvolume whose post-snapshot hook's last run failed, by name.
pub async fn failing_post_hooks(pool: &PgPool) -> Result<Vec<FailingHook>, StoreError> {
    let rows = sqlx::query(
        "SELECT subvolume_id, name, server_id, last_post_hook FROM proj_subvolumes
          WHERE managed AND post_snapshot_hook IS NOT NULL
            AND last_post_hook->>'outcome' <> 'ok'
          ORDER BY name, subvolume_id",
    )
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(FailingHook {
                subvolume_id: SubvolumeId::from_uuid(r.try_get("subvolume_id")?),
                name: r.try_get("name")?,
                server_id: ServerId::from_uuid(r.try_get("server_id")?),
                run: r
                    .try_get::<sqlx::types::Json<crate::projections::HookRun>, _>("last_post_hook")?
                    .0,
            })
        })
        .collect()
}
