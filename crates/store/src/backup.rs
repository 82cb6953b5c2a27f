//! Backup and restore of the control plane's database: what cannot be recomputed.
//!
//! A backup file holds the event log (every event with its sequence number, stream
//! version, actor, correlation id and time), the vault's sealed secrets (still
//! encrypted: the master key is not in the backup and must be kept beside it), and the
//! scheduler's slot ledger (`job_snapshot_slots`, so a restored control plane does not
//! take a catch-up snapshot for slots already done). Projections are not in it: they
//! are rebuilt from the events. Storage samples and the job queue are not either: the
//! first is history that refills, the second is re-derived at start (unfinished runs
//! and restores are enqueued again).
//!
//! The format is JSON lines: a `header` (format name, version, the schema migration it
//! was written at), the rows, and an `end` line with the counts. Export reads one
//! REPEATABLE READ snapshot, so the file is consistent while `serve` runs, and writes
//! `FILE.partial` before renaming it to `FILE`: a file named FILE is complete. Import
//! refuses a database that already has events, a file without its `end` line or with
//! other counts, and a file from a newer schema; it loads and replays everything in one
//! transaction, so a failed import leaves the database as it was.
//!
//! What this does not do: copy snapshots (they live on the servers; a fresh
//! installation without any backup adopts them from the disks instead), or run
//! `pg_dump` (no client binary needed, and the file does not depend on Postgres's
//! version).

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, BufWriter};
use uuid::Uuid;

use crate::StoreError;

/// The `format` of a header line.
pub const FORMAT: &str = "dist-btrfs-backup";
/// The format version this build writes and reads.
pub const VERSION: u32 = 1;

/// What a backup or an import moved.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupCounts {
    pub events: u64,
    pub secrets: u64,
    pub slots: u64,
}

/// Why a backup could not be written or loaded.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} line {line}: {reason}")]
    Format {
        path: PathBuf,
        line: u64,
        reason: String,
    },
    #[error("{path} is incomplete: {reason}")]
    Incomplete { path: PathBuf, reason: String },
    #[error(
        "{path} was written at schema {found}; this build knows up to {known}: restore it with a newer dist-btrfs"
    )]
    NewerSchema {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    #[error("the database already holds {0} events: restore-db loads into an empty database only")]
    NotEmpty(i64),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for BackupError {
    fn from(e: sqlx::Error) -> Self {
        Self::Store(StoreError::Database(e))
    }
}

/// One event as stored.
#[derive(Debug, Serialize, Deserialize, sqlx::FromRow)]
struct EventRow {
    global_seq: i64,
    stream_id: String,
    stream_version: i64,
    event_type: String,
    schema_version: i32,
    payload: serde_json::Value,
    actor: String,
    correlation_id: Uuid,
    recorded_at: DateTime<Utc>,
}

/// One sealed vault secret, still encrypted.
#[derive(Debug, Serialize, Deserialize, sqlx::FromRow)]
struct SecretRow {
    owner_id: Uuid,
    field: String,
    key_id: String,
    nonce: Vec<u8>,
    ciphertext: Vec<u8>,
    updated_at: DateTime<Utc>,
}

/// One slot of the scheduler's ledger.
#[derive(Debug, Serialize, Deserialize, sqlx::FromRow)]
struct SlotRow {
    policy_id: Uuid,
    subvolume_id: Uuid,
    slot: DateTime<Utc>,
    job_id: String,
    enqueued_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "t", rename_all = "snake_case")]
enum Line {
    Header {
        format: String,
        version: u32,
        schema: i64,
        created_at: DateTime<Utc>,
    },
    Event(EventRow),
    Secret(SecretRow),
    Slot(SlotRow),
    End(BackupCounts),
}

/// The newest migration applied to the database.
async fn schema(conn: &mut sqlx::PgConnection) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COALESCE(max(version), 0) FROM _sqlx_migrations WHERE success")
        .fetch_one(conn)
        .await
}

/// Writes a consistent backup of the database to `path` (module docs).
pub async fn export(pool: &PgPool, path: &Path) -> Result<BackupCounts, BackupError> {
    let partial = path.with_extension(match path.extension() {
        Some(ext) => format!("{}.partial", ext.to_string_lossy()),
        None => "partial".to_owned(),
    });
    let io = |source| BackupError::Io {
        path: partial.clone(),
        source,
    };
    let file = tokio::fs::File::create(&partial).await.map_err(io)?;
    let mut out = BufWriter::new(file);
    let counts = match write_all(pool, &mut out, &partial).await {
        Ok(counts) => counts,
        Err(e) => {
            let _ = tokio::fs::remove_file(&partial).await;
            return Err(e);
        }
    };
    out.flush().await.map_err(io)?;
    out.get_ref().sync_all().await.map_err(io)?;
    tokio::fs::rename(&partial, path)
        .await
        .map_err(|source| BackupError::Io {
            path: path.to_owned(),
            source,
        })?;
    Ok(counts)
}

async fn write_all(
    pool: &PgPool,
    out: &mut BufWriter<tokio::fs::File>,
    path: &Path,
) -> Result<BackupCounts, BackupError> {
    let io = |source| BackupError::Io {
        path: path.to_owned(),
        source,
    };
    let mut tx = pool.begin().await?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .execute(&mut *tx)
        .await?;
    let mut counts = BackupCounts::default();
    let header = Line::Header {
        format: FORMAT.to_owned(),
        version: VERSION,
        schema: schema(&mut tx).await?,
        created_at: Utc::now(),
    };
    write_line(out, &header).await.map_err(io)?;
    {
        let mut events = sqlx::query_as::<_, EventRow>(
            "SELECT global_seq, stream_id, stream_version, event_type, schema_version, payload, \
             actor, correlation_id, recorded_at FROM events ORDER BY global_seq",
        )
        .fetch(&mut *tx);
        while let Some(row) = events.try_next().await? {
            write_line(out, &Line::Event(row)).await.map_err(io)?;
            counts.events += 1;
        }
    }
    let secrets = sqlx::query_as::<_, SecretRow>(
        "SELECT owner_id, field, key_id, nonce, ciphertext, updated_at FROM vault_secrets \
         ORDER BY owner_id, field",
    )
    .fetch_all(&mut *tx)
    .await?;
    for row in secrets {
        write_line(out, &Line::Secret(row)).await.map_err(io)?;
        counts.secrets += 1;
    }
    let slots = sqlx::query_as::<_, SlotRow>(
        "SELECT policy_id, subvolume_id, slot, job_id, enqueued_at FROM job_snapshot_slots \
         ORDER BY policy_id, subvolume_id, slot",
    )
    .fetch_all(&mut *tx)
    .await?;
    for row in slots {
        write_line(out, &Line::Slot(row)).await.map_err(io)?;
        counts.slots += 1;
    }
    write_line(out, &Line::End(counts)).await.map_err(io)?;
    tx.commit().await?;
    Ok(counts)
}

async fn write_line(out: &mut BufWriter<tokio::fs::File>, line: &Line) -> std::io::Result<()> {
    let mut bytes = serde_json::to_vec(line).map_err(std::io::Error::other)?;
    bytes.push(b'\n');
    out.write_all(&bytes).await
}

/// Events inserted per statement by [`import`].
const INSERT_BATCH: usize = 1000;

/// Inserts `rows` (with their sequence numbers) in one statement and empties it.
async fn insert_events(
    conn: &mut sqlx::PgConnection,
    rows: &mut Vec<EventRow>,
) -> Result<(), sqlx::Error> {
    if rows.is_empty() {
        return Ok(());
    }
    let n = rows.len();
    let (mut seq, mut stream, mut version, mut kind) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    let (mut schema, mut payload, mut actor, mut correlation, mut at) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    for e in rows.drain(..) {
        seq.push(e.global_seq);
        stream.push(e.stream_id);
        version.push(e.stream_version);
        kind.push(e.event_type);
        schema.push(e.schema_version);
        payload.push(e.payload);
        actor.push(e.actor);
        correlation.push(e.correlation_id);
        at.push(e.recorded_at);
    }
    sqlx::query(
        "INSERT INTO events (global_seq, stream_id, stream_version, event_type, schema_version, \
         payload, actor, correlation_id, recorded_at) OVERRIDING SYSTEM VALUE \
         SELECT * FROM UNNEST($1::bigint[], $2::text[], $3::bigint[], $4::text[], $5::int[], \
         $6::jsonb[], $7::text[], $8::uuid[], $9::timestamptz[])",
    )
    .bind(seq)
    .bind(stream)
    .bind(version)
    .bind(kind)
    .bind(schema)
    .bind(payload)
    .bind(actor)
    .bind(correlation)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Loads the backup at `path` into `pool`'s database, which must be migrated and hold
/// no events, and rebuilds the projections from it, in one transaction.
pub async fn import(pool: &PgPool, path: &Path) -> Result<BackupCounts, BackupError> {
    let file = tokio::fs::File::open(path)
        .await
        .map_err(|source| BackupError::Io {
            path: path.to_owned(),
            source,
        })?;
    let mut lines = BufReader::new(file).lines();
    let mut tx = pool.begin().await?;
    let existing: i64 = sqlx::query_scalar("SELECT count(*) FROM events")
        .fetch_one(&mut *tx)
        .await?;
    if existing > 0 {
        return Err(BackupError::NotEmpty(existing));
    }
    let known = schema(&mut tx).await?;
    let mut counts = BackupCounts::default();
    let mut batch = Vec::with_capacity(INSERT_BATCH);
    let mut number = 0_u64;
    let mut end = None;
    let bad = |line: u64, reason: String| BackupError::Format {
        path: path.to_owned(),
        line,
        reason,
    };
    loop {
        let text = lines.next_line().await.map_err(|source| BackupError::Io {
            path: path.to_owned(),
            source,
        })?;
        let Some(text) = text else { break };
        number += 1;
        let line: Line = serde_json::from_str(&text).map_err(|e| bad(number, e.to_string()))?;
        if end.is_some() {
            return Err(bad(number, "a line after the end line".into()));
        }
        match line {
            Line::Header {
                format,
                version,
                schema,
                ..
            } => {
                if number != 1 || format != FORMAT || version != VERSION {
                    return Err(bad(
                        number,
                        format!("not a {FORMAT} version {VERSION} header"),
                    ));
                }
                if schema > known {
                    return Err(BackupError::NewerSchema {
                        path: path.to_owned(),
                        found: schema,
                        known,
                    });
                }
            }
            _ if number == 1 => {
                return Err(bad(number, format!("not a {FORMAT} file (no header)")));
            }
            Line::Event(e) => {
                batch.push(e);
                counts.events += 1;
                if batch.len() >= INSERT_BATCH {
                    insert_events(&mut tx, &mut batch).await?;
                }
            }
            Line::Secret(v) => {
                insert_events(&mut tx, &mut batch).await?;
                sqlx::query(
                    "INSERT INTO vault_secrets (owner_id, field, key_id, nonce, ciphertext, \
                     updated_at) VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(v.owner_id)
                .bind(v.field)
                .bind(v.key_id)
                .bind(v.nonce)
                .bind(v.ciphertext)
                .bind(v.updated_at)
                .execute(&mut *tx)
                .await?;
                counts.secrets += 1;
            }
            Line::Slot(v) => {
                insert_events(&mut tx, &mut batch).await?;
                sqlx::query(
                    "INSERT INTO job_snapshot_slots (policy_id, subvolume_id, slot, job_id, \
                     enqueued_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                )
                .bind(v.policy_id)
                .bind(v.subvolume_id)
                .bind(v.slot)
                .bind(v.job_id)
                .bind(v.enqueued_at)
                .execute(&mut *tx)
                .await?;
                counts.slots += 1;
            }
            Line::End(written) => end = Some(written),
        }
    }
    insert_events(&mut tx, &mut batch).await?;
    let incomplete = |reason: String| BackupError::Incomplete {
        path: path.to_owned(),
        reason,
    };
    match end {
        None => return Err(incomplete("no end line (cut short?)".into())),
        Some(written) if written != counts => {
            return Err(incomplete(format!(
                "the end line counts {written:?}, the file holds {counts:?}"
            )));
        }
        Some(_) => {}
    }
    // The next append continues after the restored sequence numbers.
    sqlx::query(
        "SELECT setval(pg_get_serial_sequence('events', 'global_seq'), \
         GREATEST((SELECT max(global_seq) FROM events), 1), \
         (SELECT count(*) > 0 FROM events))",
    )
    .execute(&mut *tx)
    .await?;
    crate::projections::rebuild_in(&mut tx).await?;
    tx.commit().await?;
    Ok(counts)
}
