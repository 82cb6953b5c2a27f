//! Enqueueing jobs, each at most once per idempotency key, enforced by Postgres.
//!
//! A job row is inserted into `apalis.jobs` directly (the columns of apalis-postgres's
//! own `queries/task/sink.sql`: id from `apalis.generate_ulid()`, `job_type` = the
//! queue, `job` = the arguments as JSON bytes, which is what its `JsonCodec` decodes)
//! so that it can share a transaction with our own bookkeeping:
//! - every job carries `idempotency_key`; apalis's unique index
//!   `(job_type, idempotency_key)` with `ON CONFLICT DO NOTHING` makes a second enqueue
//!   of the same key a no-op;
//! - a snapshot job additionally inserts its (policy, subvolume, slot) into
//!   `job_snapshot_slots` (primary key on the three) in the same transaction: the
//!   scheduler reads its last slot from there, and two schedulers racing for one slot
//!   cannot both insert it (the loser's transaction inserts nothing).
//!
//! After a job row is committed, this process's idle worker of its queue is woken
//! (`crate::wake`); other processes' workers find it at their next poll.

use std::collections::HashMap;

use domain::PolicyId;
use serde::Serialize;
use sqlx::PgPool;
use sqlx::postgres::PgConnection;

use crate::JobError;
use crate::kinds::{JobSpec, ReplicateJob, RestoreJob, SnapshotJob};
use crate::wake;

/// Inserts a job row unless one with the same key exists. `Some(job id)` if inserted.
async fn insert_job<J: JobSpec + Serialize>(
    conn: &mut PgConnection,
    job: &J,
    max_attempts: u32,
) -> Result<Option<String>, JobError> {
    let args =
        serde_json::to_vec(job).map_err(|e| JobError::Queue(format!("encoding job: {e}")))?;
    let max_attempts = i32::try_from(max_attempts).unwrap_or(i32::MAX);
    let id: Option<String> = sqlx::query_scalar(
        "INSERT INTO apalis.jobs
             (id, job_type, job, status, attempts, max_attempts, run_at, priority, idempotency_key)
         VALUES (apalis.generate_ulid(), $1, $2, 'Pending', 0, $3, now(), 0, $4)
         ON CONFLICT (job_type, idempotency_key) DO NOTHING
         RETURNING id",
    )
    .bind(J::QUEUE)
    .bind(args)
    .bind(max_attempts)
    .bind(job.key())
    .fetch_optional(&mut *conn)
    .await?;
    Ok(id)
}

/// Enqueues a job unless its key was enqueued before. True if this call enqueued it.
pub async fn enqueue<J: JobSpec + Serialize>(
    pool: &PgPool,
    job: &J,
    max_attempts: u32,
) -> Result<bool, JobError> {
    let mut conn = pool.acquire().await?;
    let inserted = insert_job(&mut conn, job, max_attempts).await?;
    if inserted.is_some() {
        wake::job_enqueued(J::QUEUE);
        tracing::info!(kind = J::KIND.as_str(), key = %job.key(), "job enqueued");
    }
    Ok(inserted.is_some())
}

/// Enqueues the snapshot job of a slot and records the slot in `job_snapshot_slots`,
/// in one transaction; nothing if the slot was enqueued before (by anyone). True if
/// this call enqueued it.
pub async fn enqueue_snapshot(
    pool: &PgPool,
    job: &SnapshotJob,
    max_attempts: u32,
) -> Result<bool, JobError> {
    let mut tx = pool.begin().await?;
    let claimed = sqlx::query(
        "INSERT INTO job_snapshot_slots (policy_id, subvolume_id, slot, job_id)
         VALUES ($1, $2, $3, '')
         ON CONFLICT (policy_id, subvolume_id, slot) DO NOTHING",
    )
    .bind(job.policy_id.as_uuid())
    .bind(job.subvolume_id.as_uuid())
    .bind(job.slot)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if claimed == 0 {
        return Ok(false);
    }
    let Some(job_id) = insert_job(&mut tx, job, max_attempts).await? else {
        // The slot was free but the job key was not: both are written together, so
        // this only happens if someone deleted ledger rows by hand. Keep the old job.
        tracing::warn!(key = %job.key(), "snapshot job exists without its ledger row");
        tx.commit().await?;
        return Ok(false);
    };
    sqlx::query(
        "UPDATE job_snapshot_slots SET job_id = $4
          WHERE policy_id = $1 AND subvolume_id = $2 AND slot = $3",
    )
    .bind(job.policy_id.as_uuid())
    .bind(job.subvolume_id.as_uuid())
    .bind(job.slot)
    .bind(&job_id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    wake::job_enqueued(SnapshotJob::QUEUE);
    tracing::info!(key = %job.key(), %job_id, "snapshot job enqueued");
    Ok(true)
}

/// The newest slot whose snapshot job was enqueued, of every (policy, subvolume) that
/// has one: one read per scheduler tick, however many assignments there are.
pub async fn last_slots(
    pool: &PgPool,
) -> Result<HashMap<(PolicyId, domain::SubvolumeId), domain::Slot>, JobError> {
    let rows: Vec<(uuid::Uuid, uuid::Uuid, chrono::DateTime<chrono::Utc>)> = sqlx::query_as(
        "SELECT policy_id, subvolume_id, max(slot) FROM job_snapshot_slots GROUP BY 1, 2",
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(p, s, at)| {
            (
                (PolicyId::from_uuid(p), domain::SubvolumeId::from_uuid(s)),
                domain::Slot::from_instant(at),
            )
        })
        .collect())
}

/// Forgets every slot older than its (policy, subvolume)'s newest: the scheduler only
/// ever reads the newest (and enqueues only slots after it), so the ledger keeps one row
/// per assignment instead of one per slot forever. Returns the rows removed.
pub async fn prune_slots(pool: &PgPool) -> Result<u64, JobError> {
    Ok(sqlx::query(
        "DELETE FROM job_snapshot_slots s
          USING (SELECT policy_id, subvolume_id, max(slot) AS newest
                   FROM job_snapshot_slots GROUP BY 1, 2) m
          WHERE s.policy_id = m.policy_id AND s.subvolume_id = m.subvolume_id
            AND s.slot < m.newest",
    )
    .execute(pool)
    .await?
    .rows_affected())
}

/// Enqueues the [`ReplicateJob`] of a requested run (once per run id).
pub async fn enqueue_replication(
    pool: &PgPool,
    run: &store::projections::ReplicationView,
    max_attempts: u32,
) -> Result<bool, JobError> {
    let job = ReplicateJob {
        replication_id: run.replication_id,
        subvolume_id: run.subvolume_id,
    };
    enqueue(pool, &job, max_attempts).await
}

/// Enqueues a [`ReplicateJob`] for every run left queued or running (requested by a
/// process that died before enqueueing, or by one without the job runner). Runs that
/// have their job already are left to it (the key); a dead worker's job is re-enqueued
/// by apalis. Returns how many were enqueued.
pub async fn enqueue_unfinished_replications(
    pool: &PgPool,
    max_attempts: u32,
) -> Result<usize, JobError> {
    let mut n = 0;
    for id in store::projections::unfinished_replications(pool).await? {
        if let Some(run) = store::projections::replication(pool, id).await?
            && enqueue_replication(pool, &run, max_attempts).await?
        {
            n += 1;
        }
    }
    Ok(n)
}

/// Enqueues the [`RestoreJob`] of a requested restore (once per restore id).
pub async fn enqueue_restore(
    pool: &PgPool,
    restore: &store::projections::RestoreView,
    max_attempts: u32,
) -> Result<bool, JobError> {
    let job = RestoreJob {
        restore_id: restore.request.restore_id,
        subvolume_id: restore.request.subvolume_id,
    };
    enqueue(pool, &job, max_attempts).await
}

/// Enqueues a [`RestoreJob`] for every restore left queued or running (as
/// [`enqueue_unfinished_replications`] does for runs). Returns how many were enqueued.
pub async fn enqueue_unfinished_restores(
    pool: &PgPool,
    max_attempts: u32,
) -> Result<usize, JobError> {
    let mut n = 0;
    for restore in store::projections::unfinished_restores(pool).await? {
        if enqueue_restore(pool, &restore, max_attempts).await? {
            n += 1;
        }
    }
    Ok(n)
}
