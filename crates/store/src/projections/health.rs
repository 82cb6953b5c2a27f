//! Replication health per (subvolume, target): the projection `proj_subvolume_rpo`
//! (the operator's RPO per subvolume, from `SubvolumeRpoSet`) and [`replication_health`],
//! one query over the existing projections (targets, runs, replicas, snapshots,
//! policies) whose facts [`domain::health::assess`] turns into a state. No event-log
//! scan and no I/O besides Postgres; the rule itself is `domain::health`'s.

use std::time::Duration;

use chrono::{DateTime, Utc};
use domain::health::{Assessment, HealthFacts, HealthState, RpoSource, assess, effective_rpo};
use domain::{DomainEvent, ReplicationId, Schedule, ServerId, SnapshotId, SubvolumeId, TargetId};
use sqlx::Row;
use sqlx::postgres::{PgConnection, PgRow};
use uuid::Uuid;

use crate::StoreError;
use crate::record::RecordedEvent;

pub(super) async fn apply(
    conn: &mut PgConnection,
    event: &RecordedEvent,
) -> Result<(), StoreError> {
    if let DomainEvent::SubvolumeRpoSet(e) = &event.event {
        match e.rpo_seconds {
            Some(secs) => {
                sqlx::query(
                    "INSERT INTO proj_subvolume_rpo (subvolume_id, rpo_seconds, updated_at)
                     VALUES ($1, $2, $3)
                     ON CONFLICT (subvolume_id) DO UPDATE
                        SET rpo_seconds = EXCLUDED.rpo_seconds, updated_at = EXCLUDED.updated_at",
                )
                .bind(e.subvolume_id.as_uuid())
                .bind(super::to_i64(secs, "rpo")?)
                .bind(event.recorded_at)
                .execute(conn)
                .await?;
            }
            None => {
                sqlx::query("DELETE FROM proj_subvolume_rpo WHERE subvolume_id = $1")
                    .bind(e.subvolume_id.as_uuid())
                    .execute(conn)
                    .await?;
            }
        }
    }
    Ok(())
}

/// The RPO an operator set for a subvolume (`None`: the default applies).
pub async fn rpo_of_subvolume<'e>(
    exec: impl sqlx::PgExecutor<'e>,
    subvolume: SubvolumeId,
) -> Result<Option<u64>, StoreError> {
    let n: Option<i64> =
        sqlx::query_scalar("SELECT rpo_seconds FROM proj_subvolume_rpo WHERE subvolume_id = $1")
            .bind(subvolume.as_uuid())
            .fetch_optional(exec)
            .await?;
    n.map(|n| super::to_u64(n, "rpo")).transpose()
}

/// A snapshot named in the health view, with its creation time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthSnapshot {
    pub snapshot_id: SnapshotId,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

/// The newest transfer that brought the requested snapshot to the target by sending it
/// (a run that found it already there sent nothing and is not a transfer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LastTransfer {
    pub replication_id: ReplicationId,
    pub finished_at: DateTime<Utc>,
    /// Bytes of every send of that run to this target.
    pub bytes: u64,
    /// Throughput of its last send.
    pub throughput_bytes_per_sec: Option<u64>,
    pub duration_ms: Option<u64>,
    /// Full (`false`) or incremental (`true`) last send.
    pub incremental: bool,
}

/// The newest failed attempt on the target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LastFailure {
    pub replication_id: ReplicationId,
    pub failed_at: DateTime<Utc>,
    pub error: Option<String>,
    pub error_class: Option<String>,
}

/// Replication health of one (subvolume, target).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetHealth {
    pub subvolume_id: SubvolumeId,
    pub subvolume_name: String,
    pub target_id: TargetId,
    pub server_id: ServerId,
    /// The target's server name (empty if the server is gone).
    pub server_name: String,
    pub directory: String,
    pub state: HealthState,
    pub rpo_seconds: u64,
    pub rpo_source: RpoSource,
    pub newest_primary: Option<HealthSnapshot>,
    pub newest_replica: Option<HealthSnapshot>,
    pub lag: Option<Duration>,
    pub replica_age: Option<Duration>,
    /// The newest run that left the requested snapshot on the target: (run, when), a
    /// send or "already present" alike.
    pub last_success: Option<(ReplicationId, DateTime<Utc>)>,
    /// The newest of those that sent it (its figures are the last transfer's).
    pub last_transfer: Option<LastTransfer>,
    pub last_failure: Option<LastFailure>,
    /// Bytes of every successful send to this target, all runs together.
    pub bytes_total: u64,
    /// Failed attempts on this target, all runs together.
    pub failures_total: u64,
    /// A run to this target is queued or running now.
    pub in_flight: bool,
    /// Where the next page starts when this row is a page's last.
    pub cursor: HealthCursor,
}

/// A position in the health list (ordered by subvolume name, target age, target id): a
/// page of it (the API's, over the whole list) starts after it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct HealthCursor {
    pub subvolume_name: String,
    pub target_created_at: DateTime<Utc>,
    pub target_id: TargetId,
}

// The targets first, then one index probe per lateral for each of them: the cost is the
// number of targets', not the history's.
const HEALTH_SQL: &str = "
WITH targets AS (
  SELECT t.target_id, t.subvolume_id, t.server_id, t.directory, t.created_at,
         s.name AS subvolume_name
    FROM proj_targets t
    JOIN proj_subvolumes s ON s.subvolume_id = t.subvolume_id
   WHERE ($1::uuid IS NULL OR t.subvolume_id = $1))
SELECT t.target_id, t.subvolume_id, t.server_id, t.directory, t.created_at,
       t.subvolume_name, COALESCE(srv.name, '') AS server_name,
       rpo.rpo_seconds, p.cron, p.time_zone,
       np.snapshot_id AS np_id, np.name AS np_name, np.at AS np_at,
       nr.snapshot_id AS nr_id, nr.name AS nr_name, nr.at AS nr_at,
       ls.replication_id AS ls_run, ls.finished_at AS ls_at,
       lt.replication_id AS lt_run, lt.finished_at AS lt_at, lt.bytes_total AS lt_bytes,
       lt.rate_bytes_per_sec AS lt_rate, lt.duration_ms AS lt_ms,
       (lt.parent_snapshot_id IS NOT NULL) AS lt_incremental,
       lf.replication_id AS lf_run, lf.finished_at AS lf_at, lf.error AS lf_error,
       lf.error_class AS lf_class,
       COALESCE(tt.bytes_total, 0)::BIGINT AS bytes_sum, COALESCE(tt.failures, 0) AS failures,
       EXISTS (SELECT 1 FROM proj_replications r
                 JOIN proj_replication_targets u ON u.replication_id = r.replication_id
                WHERE r.state IN ('queued', 'running') AND u.target_id = t.target_id)
         AS in_flight
  FROM targets t
  LEFT JOIN proj_servers srv ON srv.server_id = t.server_id
  LEFT JOIN proj_subvolume_rpo rpo ON rpo.subvolume_id = t.subvolume_id
  LEFT JOIN proj_policy_assignments pa ON pa.subvolume_id = t.subvolume_id
  LEFT JOIN proj_policies p ON p.policy_id = pa.policy_id
  LEFT JOIN LATERAL (
       SELECT snapshot_id, name, COALESCE(created_at, recorded_at) AS at FROM proj_snapshots
        WHERE subvolume_id = t.subvolume_id AND state = 'present'
        ORDER BY COALESCE(created_at, recorded_at) DESC, name DESC LIMIT 1) np ON true
  LEFT JOIN LATERAL (
       SELECT snapshot_id, snapshot_name AS name, snapshot_at AS at FROM proj_replicas
        WHERE target_id = t.target_id AND snapshot_at IS NOT NULL
        ORDER BY snapshot_at DESC, snapshot_name DESC LIMIT 1) nr ON true
  LEFT JOIN LATERAL (
       SELECT replication_id, finished_at
         FROM proj_replication_targets
        WHERE target_id = t.target_id AND state = 'succeeded' AND finished_at IS NOT NULL
        ORDER BY finished_at DESC LIMIT 1) ls ON true
  LEFT JOIN LATERAL (
       SELECT replication_id, finished_at, bytes_total, rate_bytes_per_sec, duration_ms,
              parent_snapshot_id
         FROM proj_replication_targets
        WHERE target_id = t.target_id AND state = 'succeeded' AND finished_at IS NOT NULL
          AND snapshots_sent > 0
        ORDER BY finished_at DESC LIMIT 1) lt ON true
  LEFT JOIN LATERAL (
       SELECT replication_id, finished_at, error, error_class
         FROM proj_replication_targets
        WHERE target_id = t.target_id AND state = 'failed' AND finished_at IS NOT NULL
        ORDER BY finished_at DESC LIMIT 1) lf ON true
  LEFT JOIN proj_target_totals tt ON tt.target_id = t.target_id
 ORDER BY t.subvolume_name, t.created_at, t.target_id";

fn snapshot_of(row: &PgRow, prefix: &str) -> Result<Option<HealthSnapshot>, StoreError> {
    let id: Option<Uuid> = row.try_get(format!("{prefix}_id").as_str())?;
    let name: Option<String> = row.try_get(format!("{prefix}_name").as_str())?;
    let at: Option<DateTime<Utc>> = row.try_get(format!("{prefix}_at").as_str())?;
    Ok(match (id, name, at) {
        (Some(id), Some(name), Some(created_at)) => Some(HealthSnapshot {
            snapshot_id: SnapshotId::from_uuid(id),
            name,
            created_at,
        }),
        _ => None,
    })
}

fn opt_u64(n: Option<i64>, what: &str) -> Result<Option<u64>, StoreError> {
    n.map(|n| super::to_u64(n, what)).transpose()
}

/// The effective RPO of each (set RPO, cron, zone) seen in one read: targets of a fleet
/// share a handful of policies, and a schedule's RPO walks its next slots.
type RpoCache =
    std::collections::HashMap<(Option<u64>, Option<String>, Option<String>), (u64, RpoSource)>;

fn health_from_row(
    row: &PgRow,
    now: DateTime<Utc>,
    rpos: &mut RpoCache,
) -> Result<TargetHealth, StoreError> {
    let set = opt_u64(row.try_get("rpo_seconds")?, "rpo")?;
    let cron: Option<String> = row.try_get("cron")?;
    let zone: Option<String> = row.try_get("time_zone")?;
    let (rpo_seconds, rpo_source) =
        *rpos
            .entry((set, cron, zone))
            .or_insert_with_key(|(set, cron, zone)| {
                // A stored policy always parses; if it ever did not, the 24 h default applies.
                let schedule = match (cron, zone) {
                    (Some(c), Some(z)) => Schedule::parse(c, z).ok(),
                    _ => None,
                };
                effective_rpo(*set, schedule.as_ref(), now)
            });
    let newest_primary = snapshot_of(row, "np")?;
    let newest_replica = snapshot_of(row, "nr")?;
    let last_success = match (
        row.try_get::<Option<Uuid>, _>("ls_run")?,
        row.try_get::<Option<DateTime<Utc>>, _>("ls_at")?,
    ) {
        (Some(run), Some(at)) => Some((ReplicationId::from_uuid(run), at)),
        _ => None,
    };
    let last_transfer = match (
        row.try_get::<Option<Uuid>, _>("lt_run")?,
        row.try_get::<Option<DateTime<Utc>>, _>("lt_at")?,
    ) {
        (Some(run), Some(at)) => Some(LastTransfer {
            replication_id: ReplicationId::from_uuid(run),
            finished_at: at,
            bytes: opt_u64(row.try_get("lt_bytes")?, "bytes")?.unwrap_or(0),
            throughput_bytes_per_sec: opt_u64(row.try_get("lt_rate")?, "rate")?,
            duration_ms: opt_u64(row.try_get("lt_ms")?, "duration")?,
            incremental: row.try_get("lt_incremental")?,
        }),
        _ => None,
    };
    let last_failure = match (
        row.try_get::<Option<Uuid>, _>("lf_run")?,
        row.try_get::<Option<DateTime<Utc>>, _>("lf_at")?,
    ) {
        (Some(run), Some(at)) => Some(LastFailure {
            replication_id: ReplicationId::from_uuid(run),
            failed_at: at,
            error: row.try_get("lf_error")?,
            error_class: row.try_get("lf_class")?,
        }),
        _ => None,
    };
    let facts = HealthFacts {
        newest_primary: newest_primary.as_ref().map(|s| s.created_at),
        newest_replica: newest_replica.as_ref().map(|s| s.created_at),
        last_success: last_success.map(|(_, at)| at),
        last_failure: last_failure.as_ref().map(|f| f.failed_at),
    };
    let Assessment {
        state,
        lag,
        replica_age,
    } = assess(&facts, Duration::from_secs(rpo_seconds), now);
    Ok(TargetHealth {
        subvolume_id: SubvolumeId::from_uuid(row.try_get("subvolume_id")?),
        subvolume_name: row.try_get("subvolume_name")?,
        target_id: TargetId::from_uuid(row.try_get("target_id")?),
        server_id: ServerId::from_uuid(row.try_get("server_id")?),
        server_name: row.try_get("server_name")?,
        directory: row.try_get("directory")?,
        state,
        rpo_seconds,
        rpo_source,
        newest_primary,
        newest_replica,
        lag,
        replica_age,
        last_success,
        last_transfer,
        last_failure,
        bytes_total: super::to_u64(row.try_get("bytes_sum")?, "bytes")?,
        failures_total: super::to_u64(row.try_get("failures")?, "failures")?,
        in_flight: row.try_get("in_flight")?,
        cursor: HealthCursor {
            subvolume_name: row.try_get("subvolume_name")?,
            target_created_at: row.try_get("created_at")?,
            target_id: TargetId::from_uuid(row.try_get("target_id")?),
        },
    })
}

/// Health of every target (of one subvolume, or all), by subvolume name then target
/// age, as of `now`.
pub async fn replication_health<'e>(
    exec: impl sqlx::PgExecutor<'e>,
    subvolume: Option<SubvolumeId>,
    now: DateTime<Utc>,
) -> Result<Vec<TargetHealth>, StoreError> {
    let rows = sqlx::query(HEALTH_SQL)
        .bind(subvolume.map(|s| s.as_uuid()))
        .fetch_all(exec)
        .await?;
    // Decoding thousands of rows is CPU work: a blocking thread, so that the runtime's
    // workers (one, on a machine of two cores) go on answering requests meanwhile.
    tokio::task::spawn_blocking(move || {
        let mut rpos = RpoCache::new();
        rows.iter()
            .map(|r| health_from_row(r, now, &mut rpos))
            .collect()
    })
    .await
    .map_err(|_| StoreError::DecoderStopped("the health rows"))?
}
