//! Storage metrics history: filesystem usage samples per server, the outcome of each
//! server's last collection, and the latest qgroup sizes of managed subvolumes and
//! their snapshots.
//!
//! These tables are measurements, not projections: they are written by the engine's
//! storage collection (`engine::storage`), never by `projections::apply`, are not part
//! of the event log and are left alone by a rebuild. Samples have bounded retention
//! ([`thin`], run in the collection's transaction): one per 5 minutes for 48 hours, one
//! per hour for 90 days, nothing older.
//!
//! Why not events: one collection per server every 5 minutes would add ~100k events per
//! server-year to an append-only log that can never shed them, for no audit value. Only
//! the setting change is an event (`ServerStorageSettingsChanged`). The price: a
//! `projections rebuild` cannot reproduce these tables, and a lost database loses this
//! history.
//!
//! Tables: `storage_samples` (one row per filesystem and collection),
//! `storage_collections` (last attempt, last success, error and qgroup note per server),
//! `storage_sizes` (latest referenced / exclusive bytes per managed subvolume and present
//! snapshot, replaced per server at each collection). Read models join them:
//! `proj_snapshots`' reads fill `size_bytes` from `storage_sizes` (exclusive bytes), and
//! `GET /storage`, `GET /servers/{id}/storage/history` and `GET /subvolumes/{id}/storage`
//! and the `/metrics` storage series read them.

use chrono::{DateTime, Utc};
use domain::status::ContactFailure;
use domain::{ServerId, SubvolumeId};
use sqlx::Row;
use sqlx::postgres::{PgConnection, PgPool, PgRow};
use uuid::Uuid;

use crate::StoreError;

/// Samples younger than this keep a 5-minute resolution.
pub const FINE_RETENTION_HOURS: i64 = 48;
/// Resolution of recent samples, seconds.
pub const FINE_BUCKET_SECS: i64 = 300;
/// Samples younger than this (and older than the fine window) keep one per hour.
pub const COARSE_RETENTION_DAYS: i64 = 90;
/// Resolution of older samples, seconds.
pub const COARSE_BUCKET_SECS: i64 = 3600;

/// `btrfs filesystem usage -b` figures of one filesystem at one time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilesystemSample {
    /// The mount of the filesystem's top level that the server's allowed roots lie in.
    pub filesystem: String,
    pub size_bytes: i64,
    pub used_bytes: i64,
    /// Estimated free space for data.
    pub free_bytes: i64,
    /// The pessimistic free estimate, when btrfs printed one.
    pub free_min_bytes: Option<i64>,
    /// (allocated, used) per block-group kind, when the filesystem has that kind.
    pub data: Option<(i64, i64)>,
    pub metadata: Option<(i64, i64)>,
    pub system: Option<(i64, i64)>,
}

/// A stored sample.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSample {
    pub server_id: ServerId,
    pub sampled_at: DateTime<Utc>,
    pub sample: FilesystemSample,
}

/// What a size belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SizeKind {
    Subvolume,
    Snapshot,
}

impl SizeKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Subvolume => "subvolume",
            Self::Snapshot => "snapshot",
        }
    }
}

/// The qgroup sizes of one managed subvolume or snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntitySize {
    /// A subvolume id or a snapshot id.
    pub entity_id: Uuid,
    pub kind: SizeKind,
    pub referenced_bytes: i64,
    pub exclusive_bytes: i64,
}

/// What a collection learned about per-subvolume sizes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sizes {
    /// `collect_qgroups` is off: forget earlier sizes of the server.
    Off,
    /// Sizes from qgroups (replace the server's earlier ones). `note` says which
    /// filesystems had no quotas, if any.
    Collected {
        sizes: Vec<EntitySize>,
        note: Option<String>,
    },
}

/// A managed subvolume or present snapshot whose size qgroups can give.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SizeTarget {
    pub entity_id: Uuid,
    pub kind: SizeKind,
    pub path: String,
    pub btrfs_id: i64,
}

/// Managed subvolumes of a server and their present snapshots, with their btrfs ids.
pub async fn size_targets(pool: &PgPool, server: ServerId) -> Result<Vec<SizeTarget>, StoreError> {
    let rows = sqlx::query(
        "SELECT subvolume_id AS entity_id, 'subvolume' AS kind, path, btrfs_id
           FROM proj_subvolumes WHERE server_id = $1 AND managed
         UNION ALL
         SELECT p.snapshot_id, 'snapshot', p.path, p.btrfs_id
           FROM proj_snapshots p JOIN proj_subvolumes v USING (subvolume_id)
          WHERE v.server_id = $1 AND v.managed AND p.state = 'present'",
    )
    .bind(server.as_uuid())
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            let kind: String = r.try_get("kind")?;
            Ok(SizeTarget {
                entity_id: r.try_get("entity_id")?,
                kind: if kind == "subvolume" {
                    SizeKind::Subvolume
                } else {
                    SizeKind::Snapshot
                },
                path: r.try_get("path")?,
                btrfs_id: r.try_get("btrfs_id")?,
            })
        })
        .collect()
}

/// Records a successful collection: the samples (all stamped `at`), the sizes, and the
/// server's status; then thins the server's history. One transaction.
pub async fn record_success(
    pool: &PgPool,
    server: ServerId,
    at: DateTime<Utc>,
    samples: &[FilesystemSample],
    sizes: &Sizes,
) -> Result<(), StoreError> {
    let mut tx = pool.begin().await?;
    for s in samples {
        sqlx::query(
            "INSERT INTO storage_samples
                 (server_id, filesystem, sampled_at, size_bytes, used_bytes, free_bytes,
                  free_min_bytes, data_size_bytes, data_used_bytes, metadata_size_bytes,
                  metadata_used_bytes, system_size_bytes, system_used_bytes)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        )
        .bind(server.as_uuid())
        .bind(&s.filesystem)
        .bind(at)
        .bind(s.size_bytes)
        .bind(s.used_bytes)
        .bind(s.free_bytes)
        .bind(s.free_min_bytes)
        .bind(s.data.map(|d| d.0))
        .bind(s.data.map(|d| d.1))
        .bind(s.metadata.map(|d| d.0))
        .bind(s.metadata.map(|d| d.1))
        .bind(s.system.map(|d| d.0))
        .bind(s.system.map(|d| d.1))
        .execute(&mut *tx)
        .await?;
    }
    sqlx::query("DELETE FROM storage_sizes WHERE server_id = $1")
        .bind(server.as_uuid())
        .execute(&mut *tx)
        .await?;
    let note = match sizes {
        Sizes::Off => None,
        Sizes::Collected { sizes, note } => {
            for z in sizes {
                sqlx::query(
                    "INSERT INTO storage_sizes
                         (entity_id, server_id, kind, referenced_bytes, exclusive_bytes, sampled_at)
                     VALUES ($1, $2, $3, $4, $5, $6)
                     ON CONFLICT (entity_id) DO UPDATE SET
                         server_id = EXCLUDED.server_id, kind = EXCLUDED.kind,
                         referenced_bytes = EXCLUDED.referenced_bytes,
                         exclusive_bytes = EXCLUDED.exclusive_bytes,
                         sampled_at = EXCLUDED.sampled_at",
                )
                .bind(z.entity_id)
                .bind(server.as_uuid())
                .bind(z.kind.as_str())
                .bind(z.referenced_bytes)
                .bind(z.exclusive_bytes)
                .bind(at)
                .execute(&mut *tx)
                .await?;
            }
            note.clone()
        }
    };
    sqlx::query(
        "INSERT INTO storage_collections (server_id, attempted_at, succeeded_at, error, qgroup_note)
         VALUES ($1, $2, $2, NULL, $3)
         ON CONFLICT (server_id) DO UPDATE SET attempted_at = $2, succeeded_at = $2,
             error = NULL, error_kind = NULL, qgroup_note = $3",
    )
    .bind(server.as_uuid())
    .bind(at)
    .bind(note)
    .execute(&mut *tx)
    .await?;
    thin(&mut tx, server, at).await?;
    crate::subvolume_history::record(&mut tx, server, at).await?;
    tx.commit().await?;
    Ok(())
}

/// Records a failed collection (earlier samples and sizes stay) and why it failed.
pub async fn record_failure(
    pool: &PgPool,
    server: ServerId,
    at: DateTime<Utc>,
    error: &str,
    kind: ContactFailure,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO storage_collections (server_id, attempted_at, succeeded_at, error, error_kind)
         VALUES ($1, $2, NULL, $3, $4)
         ON CONFLICT (server_id) DO UPDATE SET attempted_at = $2, error = $3, error_kind = $4",
    )
    .bind(server.as_uuid())
    .bind(at)
    .bind(error)
    .bind(kind.as_str())
    .execute(pool)
    .await?;
    Ok(())
}

/// Deletes the metrics of servers that are no longer registered (their samples would
/// otherwise never be thinned). Returns the rows deleted.
pub async fn forget_removed_servers(pool: &PgPool) -> Result<u64, StoreError> {
    let mut deleted = 0;
    for table in [
        "storage_samples",
        "storage_collections",
        "storage_sizes",
        "subvolume_samples",
    ] {
        deleted += sqlx::query(sqlx::AssertSqlSafe(format!(
            "DELETE FROM {table} WHERE server_id NOT IN (SELECT server_id FROM proj_servers)"
        )))
        .execute(pool)
        .await?
        .rows_affected();
    }
    Ok(deleted)
}

/// Applies the retention to one server's samples as of `now`: the newest sample of
/// each 5-minute bucket younger than 48 h, of each hour younger than 90 days; nothing
/// older.
pub async fn thin(
    conn: &mut PgConnection,
    server: ServerId,
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    thin_series(conn, "storage_samples", "filesystem", server, now).await
}

/// [`thin`] on a history table of one row per (`series` column, time) with `sample_id`,
/// `server_id` and `sampled_at` columns (the filesystem samples, the subvolume samples).
pub(crate) async fn thin_series(
    conn: &mut PgConnection,
    table: &'static str,
    series: &'static str,
    server: ServerId,
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let old = sqlx::query(sqlx::AssertSqlSafe(format!(
        "DELETE FROM {table}
          WHERE server_id = $1 AND sampled_at < $2::timestamptz - make_interval(days => $3::int)"
    )))
    .bind(server.as_uuid())
    .bind(now)
    .bind(i32::try_from(COARSE_RETENTION_DAYS).unwrap_or(i32::MAX))
    .execute(&mut *conn)
    .await?
    .rows_affected();
    let thinned = sqlx::query(sqlx::AssertSqlSafe(format!(
        "DELETE FROM {table} WHERE sample_id IN (
             SELECT sample_id FROM (
                 SELECT sample_id, row_number() OVER (
                     PARTITION BY {series}, fine,
                         floor(extract(epoch FROM sampled_at) / CASE WHEN fine THEN $4::bigint ELSE $5::bigint END)
                     ORDER BY sampled_at DESC, sample_id DESC) AS rn
                   FROM (SELECT sample_id, {series}, sampled_at,
                                sampled_at >= $2::timestamptz - make_interval(hours => $3::int) AS fine
                           FROM {table} WHERE server_id = $1) s
             ) ranked WHERE rn > 1)"
    )))
    .bind(server.as_uuid())
    .bind(now)
    .bind(i32::try_from(FINE_RETENTION_HOURS).unwrap_or(i32::MAX))
    .bind(FINE_BUCKET_SECS)
    .bind(COARSE_BUCKET_SECS)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(old + thinned)
}

const SAMPLE_COLUMNS: &str = "x.server_id, x.filesystem, x.sampled_at, x.size_bytes, x.used_bytes, \
     x.free_bytes, x.free_min_bytes, x.data_size_bytes, x.data_used_bytes, \
     x.metadata_size_bytes, x.metadata_used_bytes, x.system_size_bytes, x.system_used_bytes";

fn pair(row: &PgRow, size: &str, used: &str) -> Result<Option<(i64, i64)>, StoreError> {
    let s: Option<i64> = row.try_get(size)?;
    let u: Option<i64> = row.try_get(used)?;
    Ok(s.zip(u))
}

fn sample_from_row(row: &PgRow) -> Result<StoredSample, StoreError> {
    Ok(StoredSample {
        server_id: ServerId::from_uuid(row.try_get("server_id")?),
        sampled_at: row.try_get("sampled_at")?,
        sample: FilesystemSample {
            filesystem: row.try_get("filesystem")?,
            size_bytes: row.try_get("size_bytes")?,
            used_bytes: row.try_get("used_bytes")?,
            free_bytes: row.try_get("free_bytes")?,
            free_min_bytes: row.try_get("free_min_bytes")?,
            data: pair(row, "data_size_bytes", "data_used_bytes")?,
            metadata: pair(row, "metadata_size_bytes", "metadata_used_bytes")?,
            system: pair(row, "system_size_bytes", "system_used_bytes")?,
        },
    })
}

/// The storage state of one server: its last collection and that collection's samples.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerStorage {
    pub server_id: ServerId,
    pub server_name: String,
    pub collect_qgroups: bool,
    pub attempted_at: Option<DateTime<Utc>>,
    pub succeeded_at: Option<DateTime<Utc>>,
    /// Why the last attempt failed (`None` when it succeeded or none was made).
    pub error: Option<String>,
    /// What kind of failure that was (`None` too for rows from before it was recorded).
    pub error_kind: Option<ContactFailure>,
    pub qgroup_note: Option<String>,
    /// The filesystems of the last successful collection, by mount.
    pub filesystems: Vec<StoredSample>,
}

/// Every registered server's storage state (servers never collected included), by name.
pub async fn latest(pool: &PgPool) -> Result<Vec<ServerStorage>, StoreError> {
    latest_page(pool, None, None).await
}

/// [`latest`] by server name: at most `limit` servers after the name `after`.
pub async fn latest_page(
    pool: &PgPool,
    after: Option<&str>,
    limit: Option<i64>,
) -> Result<Vec<ServerStorage>, StoreError> {
    let cursor = crate::projections::condition(after.is_some(), "s.name > $1", "$1::text IS NULL");
    let servers = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT s.server_id, s.name, s.collect_qgroups, c.attempted_at, c.succeeded_at,
                c.error, c.error_kind, c.qgroup_note
           FROM proj_servers s LEFT JOIN storage_collections c USING (server_id)
          WHERE {cursor}
          ORDER BY s.name LIMIT $2"
    )))
    .bind(after)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    let ids = servers
        .iter()
        .map(|r| r.try_get("server_id"))
        .collect::<Result<Vec<uuid::Uuid>, _>>()?;
    let mut samples: std::collections::HashMap<ServerId, Vec<StoredSample>> =
        std::collections::HashMap::new();
    for row in sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {SAMPLE_COLUMNS} FROM storage_samples x
           JOIN storage_collections c
             ON c.server_id = x.server_id AND x.sampled_at = c.succeeded_at
          WHERE x.server_id = ANY($1)
          ORDER BY x.filesystem"
    )))
    .bind(&ids)
    .fetch_all(pool)
    .await?
    {
        let sample = sample_from_row(&row)?;
        samples.entry(sample.server_id).or_default().push(sample);
    }
    servers
        .iter()
        .map(|r| {
            let server_id = ServerId::from_uuid(r.try_get("server_id")?);
            Ok(ServerStorage {
                server_id,
                server_name: r.try_get("name")?,
                collect_qgroups: r.try_get("collect_qgroups")?,
                attempted_at: r.try_get("attempted_at")?,
                succeeded_at: r.try_get("succeeded_at")?,
                error: r.try_get("error")?,
                error_kind: r
                    .try_get::<Option<String>, _>("error_kind")?
                    .as_deref()
                    .map(|k| {
                        ContactFailure::parse(k)
                            .ok_or_else(|| StoreError::Corrupt(format!("storage error kind {k:?}")))
                    })
                    .transpose()?,
                qgroup_note: r.try_get("qgroup_note")?,
                filesystems: samples.remove(&server_id).unwrap_or_default(),
            })
        })
        .collect()
}

/// Samples of one server in `[since, until]`, oldest first; at most `limit`, the newest
/// ones when there are more.
pub async fn history(
    pool: &PgPool,
    server: ServerId,
    since: DateTime<Utc>,
    until: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<StoredSample>, StoreError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT * FROM (
             SELECT {SAMPLE_COLUMNS}, x.sample_id FROM storage_samples x
              WHERE x.server_id = $1 AND x.sampled_at BETWEEN $2 AND $3
              ORDER BY x.sampled_at DESC, x.sample_id DESC LIMIT $4) x
          ORDER BY sampled_at, filesystem"
    )))
    .bind(server.as_uuid())
    .bind(since)
    .bind(until)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    rows.iter().map(sample_from_row).collect()
}

/// Storage figures of one managed subvolume.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubvolumeStorage {
    pub subvolume_id: SubvolumeId,
    pub server_id: ServerId,
    pub server_name: String,
    pub name: String,
    pub path: String,
    /// Present snapshots in the catalog.
    pub snapshots: i64,
    /// From qgroups, when collected.
    pub referenced_bytes: Option<i64>,
    pub exclusive_bytes: Option<i64>,
    /// Sum of the exclusive bytes of its present snapshots that have a size: what
    /// deleting all of them would free at least (snapshot overhead).
    pub snapshot_exclusive_bytes: Option<i64>,
    /// How many of its present snapshots have a size.
    pub snapshots_measured: i64,
    pub sampled_at: Option<DateTime<Utc>>,
}

/// Storage figures of one subvolume (`Some`) or of every managed subvolume (`None`),
/// by server and path.
pub async fn subvolume_storage(
    pool: &PgPool,
    subvolume: Option<SubvolumeId>,
) -> Result<Vec<SubvolumeStorage>, StoreError> {
    let rows = sqlx::query(
        "SELECT v.subvolume_id, v.server_id, s.name AS server_name, v.name, v.path,
                z.referenced_bytes, z.exclusive_bytes, z.sampled_at,
                (SELECT count(*) FROM proj_snapshots p
                  WHERE p.subvolume_id = v.subvolume_id AND p.state = 'present') AS snapshots,
                (SELECT sum(e.exclusive_bytes)::bigint FROM proj_snapshots p
                   JOIN storage_sizes e ON e.entity_id = p.snapshot_id
                  WHERE p.subvolume_id = v.subvolume_id AND p.state = 'present')
                  AS snapshot_exclusive_bytes,
                (SELECT count(*) FROM proj_snapshots p
                   JOIN storage_sizes e ON e.entity_id = p.snapshot_id
                  WHERE p.subvolume_id = v.subvolume_id AND p.state = 'present')
                  AS snapshots_measured
           FROM proj_subvolumes v
           JOIN proj_servers s USING (server_id)
           LEFT JOIN storage_sizes z ON z.entity_id = v.subvolume_id
          WHERE ($1::uuid IS NULL AND v.managed) OR v.subvolume_id = $1
          ORDER BY s.name, v.path",
    )
    .bind(subvolume.map(|s| s.as_uuid()))
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(SubvolumeStorage {
                subvolume_id: SubvolumeId::from_uuid(r.try_get("subvolume_id")?),
                server_id: ServerId::from_uuid(r.try_get("server_id")?),
                server_name: r.try_get("server_name")?,
                name: r.try_get("name")?,
                path: r.try_get("path")?,
                snapshots: r.try_get("snapshots")?,
                referenced_bytes: r.try_get("referenced_bytes")?,
                exclusive_bytes: r.try_get("exclusive_bytes")?,
                snapshot_exclusive_bytes: r.try_get("snapshot_exclusive_bytes")?,
                snapshots_measured: r.try_get("snapshots_measured")?,
                sampled_at: r.try_get("sampled_at")?,
            })
        })
        .collect()
}
