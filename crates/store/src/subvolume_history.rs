//! The history of each managed subvolume's storage figures (`subvolume_samples`): at
//! every successful storage collection of a server, one row per managed subvolume on
//! it with its present snapshot count and, when qgroups were read, its referenced and
//! exclusive bytes and its snapshots' summed exclusive bytes. What the subvolume page
//! charts and derives its growth rate from. Thinned with the server's filesystem
//! samples (the same buckets, [`crate::storage`]).
//!
//! What this does not do: measure anything (the storage collector in the engine does),
//! or keep a subvolume's history after its server is removed.

use chrono::{DateTime, Utc};
use domain::{ServerId, SubvolumeId};
use sqlx::Row;
use sqlx::postgres::{PgConnection, PgPool};

use crate::StoreError;

/// One subvolume's figures at one collection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubvolumeSample {
    pub sampled_at: DateTime<Utc>,
    /// Present snapshots in the catalog.
    pub snapshots: i64,
    /// How many of them had a size.
    pub snapshots_measured: i64,
    /// Their summed exclusive bytes (`None`: no size was collected).
    pub snapshot_exclusive_bytes: Option<i64>,
    pub referenced_bytes: Option<i64>,
    pub exclusive_bytes: Option<i64>,
}

/// Records the figures of every managed subvolume on `server` as of `at` (inside the
/// collection's transaction, after its sizes were written), then thins its history.
pub(crate) async fn record(
    conn: &mut PgConnection,
    server: ServerId,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO subvolume_samples
             (subvolume_id, server_id, sampled_at, snapshots, snapshots_measured,
              snapshot_exclusive_bytes, referenced_bytes, exclusive_bytes)
         SELECT v.subvolume_id, v.server_id, $2,
                (SELECT count(*) FROM proj_snapshots p
                  WHERE p.subvolume_id = v.subvolume_id AND p.state = 'present'),
                (SELECT count(*) FROM proj_snapshots p
                   JOIN storage_sizes e ON e.entity_id = p.snapshot_id
                  WHERE p.subvolume_id = v.subvolume_id AND p.state = 'present'),
                (SELECT sum(e.exclusive_bytes)::bigint FROM proj_snapshots p
                   JOIN storage_sizes e ON e.entity_id = p.snapshot_id
                  WHERE p.subvolume_id = v.subvolume_id AND p.state = 'present'),
                z.referenced_bytes, z.exclusive_bytes
           FROM proj_subvolumes v
           LEFT JOIN storage_sizes z ON z.entity_id = v.subvolume_id
          WHERE v.server_id = $1 AND v.managed",
    )
    .bind(server.as_uuid())
    .bind(at)
    .execute(&mut *conn)
    .await?;
    crate::storage::thin_series(conn, "subvolume_samples", "subvolume_id", server, at).await?;
    Ok(())
}

/// A subvolume's samples since `since`, oldest first.
pub async fn history(
    pool: &PgPool,
    subvolume: SubvolumeId,
    since: DateTime<Utc>,
) -> Result<Vec<SubvolumeSample>, StoreError> {
    let rows = sqlx::query(
        "SELECT sampled_at, snapshots, snapshots_measured, snapshot_exclusive_bytes,
                referenced_bytes, exclusive_bytes
           FROM subvolume_samples
          WHERE subvolume_id = $1 AND sampled_at >= $2
          ORDER BY sampled_at, sample_id",
    )
    .bind(subvolume.as_uuid())
    .bind(since)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(SubvolumeSample {
                sampled_at: r.try_get("sampled_at")?,
                snapshots: r.try_get("snapshots")?,
                snapshots_measured: r.try_get("snapshots_measured")?,
                snapshot_exclusive_bytes: r.try_get("snapshot_exclusive_bytes")?,
                referenced_bytes: r.try_get("referenced_bytes")?,
                exclusive_bytes: r.try_get("exclusive_bytes")?,
            })
        })
        .collect()
}
