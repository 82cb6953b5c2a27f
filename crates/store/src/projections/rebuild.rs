//! Rebuilding the projections from the log, and checking them against a rebuild.
//!
//! [`rebuild`] (the `projections rebuild` command) never blocks appends for long:
//! 1. a moment under `LOCK events IN SHARE MODE` records `upto`, the newest event: every
//!    event at or below it is committed (the lock waits for the appends in flight);
//! 2. a schema of its own (`proj_rebuild`) gets an empty copy of every projection table
//!    (`LIKE … INCLUDING ALL`, autovacuum off: each is vacuumed once full, below, and
//!    autovacuum at work on a copy that fills takes CPU from the replay; half-empty pages
//!    for the tables of [`UPDATED_IN_PLACE`]), and the log up to
//!    `upto` is replayed into it in batches of [`REPLAY_BATCH`] events, each batch its own
//!    transaction with the schema first on the `search_path` (projections name their
//!    tables unqualified), while a task on a connection of its own reads the batches ahead
//!    and another writes their audit lines and the lines' subjects into the copies of
//!    `proj_audit` and `proj_audit_subjects` by binary `COPY` ([`write_audit`]). Appends go
//!    on meanwhile, into the live tables. The copies are analyzed each time the replay has
//!    doubled, so that its statements plan for their size. The indexes no replay statement
//!    reads ([`READ_ONLY_INDEXES`], and all of [`INDEXED_AFTER_REPLAY`]'s) are built after
//!    the replay, one bulk build each instead of an index entry per row version. Then the
//!    copies are vacuumed and analyzed (statistics for the planner, and nothing left for
//!    autovacuum to hold the next swap up with);
//! 3. under the SHARE lock again, the events appended since `upto` are replayed into the
//!    copies, and each live table is dropped and its copy moved into its place, taking
//!    the live index names. Appends wait for this part only.
//!
//! The tables a live append keeps by trigger are filled otherwise (copies have no
//! triggers): `proj_target_totals` from its copied source under the lock,
//! `proj_audit_subjects` from each batch's subject rows (by the audit's writer during the
//! replay, with the caught-up lines under the lock).
//!
//! A row updated by every event of a kind (`proj_event_counts`) is not updated per batch
//! while replaying: the replay counts the events it reads, the caught-up ones too, and
//! writes the counts once at its end (`event_counts::Counts`), so no row collects a long
//! chain of versions in one transaction, and the log is not scanned a second time to
//! count it.
//!
//! [`rebuild_in`] replays inside a caller's transaction (restoring a backup loads and
//! replays in one), and [`check`] compares a replay into temporary copies, rolled back,
//! with the live tables, in SQL.

use sqlx::Connection;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool};
use tokio::sync::mpsc;

use super::TABLES;
use super::event_counts::Counts;
use super::replay::{
    AuditRows, Batch, apply_batch, copy_audit_statement, copy_in, copy_subjects_statement,
};
use crate::StoreError;
use crate::record::{decode_row, read_all_in, read_range_rows_in};

/// What a rebuild did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RebuildReport {
    pub events_replayed: u64,
    pub tables_cleared: usize,
    /// How long appends had to wait for the rebuild (its final catch-up and swap; for
    /// [`rebuild_in`], the whole replay).
    pub appends_blocked: std::time::Duration,
}

/// Events replayed per read (and, in [`rebuild`], per transaction). Larger batches mean
/// fewer statements and round trips per event, for memory: a rebuild of 5.05M events took
/// 121 s with 2,000 (67 MB peak), 89-91 s with 6,000 (116-127 MB) and 83 s with 12,000
/// (192 MB), on 2 cores (2026-12-07).
pub const REPLAY_BATCH: i64 = 12_000;

/// Batches [`read_ahead`] holds ready beyond the one being replayed.
const READ_AHEAD_BATCHES: usize = 2;

/// The schema the copies are built in.
const SHADOW: &str = "proj_rebuild";

/// Tables the replay only inserts into and never reads: their copies get their indexes
/// after the replay, one bulk build each instead of an index insert per row.
const INDEXED_AFTER_REPLAY: &[&str] = &["proj_audit", "proj_audit_subjects"];

/// Indexes that only the API's reads use (pages, newest-first orders), never a replay
/// statement: built after the replay too. Every other index and constraint of a copy is
/// there while it replays (its upserts and lookups need them). Naming an index here that
/// a replay statement does use makes the rebuild slow, never wrong.
const READ_ONLY_INDEXES: &[&str] = &[
    "proj_snapshots_page_idx",
    "proj_snapshots_newest_present_idx",
    "proj_replicas_page_idx",
    "proj_replicas_newest_idx",
    "proj_replicas_replica_id_key",
    "proj_replications_page_idx",
    "proj_replications_subvolume_idx",
    "proj_replication_targets_succeeded_idx",
    "proj_replication_targets_failed_idx",
];

/// Tables whose rows the replay updates after inserting them, most of them once
/// (a snapshot pruned, a run target started then done): their copies leave half of each
/// page free while they fill, so that the update goes into the row's own page without a
/// new index entry (a HOT update; no replay statement updates a column their indexes
/// hold while it replays), and the setting is reset after the replay.
const UPDATED_IN_PLACE: &[&str] = &["proj_snapshots", "proj_replication_targets"];

/// Whether the copy of `table` gets the constraint or index `name` after the replay.
fn built_after_replay(table: &str, name: &str) -> bool {
    INDEXED_AFTER_REPLAY.contains(&table) || READ_ONLY_INDEXES.contains(&name)
}

async fn lock_events(conn: &mut PgConnection) -> Result<(), StoreError> {
    // SHARE mode blocks concurrent INSERTs into events until the transaction ends.
    sqlx::query("LOCK TABLE events IN SHARE MODE")
        .execute(conn)
        .await?;
    Ok(())
}

/// Unqualified table names mean the copies for the rest of the transaction.
async fn use_shadow(conn: &mut PgConnection) -> Result<(), StoreError> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SET LOCAL search_path TO {SHADOW}, public"
    )))
    .execute(conn)
    .await?;
    Ok(())
}

/// `proj_target_totals` computed from `proj_replication_targets` (the tables unqualified
/// names mean in the caller's transaction): a replay into copies, which have no triggers,
/// fills it once at the end; live tables keep it by trigger (its migration).
async fn fill_target_totals(conn: &mut PgConnection) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM proj_target_totals")
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO proj_target_totals (target_id, runs, bytes_total, failures)
         SELECT target_id, count(*), sum(bytes_total), count(*) FILTER (WHERE state = 'failed')
           FROM proj_replication_targets GROUP BY target_id",
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Clears every projection table and replays the log without holding appends back for
/// more than the final catch-up (module docs), in batches of [`REPLAY_BATCH`] events.
pub async fn rebuild(pool: &PgPool) -> Result<RebuildReport, StoreError> {
    rebuild_in_batches_of(pool, REPLAY_BATCH).await
}

/// [`rebuild`] in batches of `batch_size` events (at least 1): tests replay logs of a few
/// batches without appending tens of thousands of events.
#[tracing::instrument(name = "rebuild", skip(pool), err)]
pub async fn rebuild_in_batches_of(
    pool: &PgPool,
    batch_size: i64,
) -> Result<RebuildReport, StoreError> {
    let batch_size = batch_size.max(1);
    // A connection of its own, closed at the end: it holds the rebuild's advisory lock
    // (one rebuild at a time) and its session settings never reach the pool.
    let mut conn = PgConnection::connect_with(&pool.connect_options()).await?;
    sqlx::query("SELECT pg_advisory_lock(hashtextextended('projections-rebuild', 0))")
        .execute(&mut conn)
        .await?;
    let result = rebuild_on(&mut conn, &pool.connect_options(), batch_size).await;
    if result.is_err() {
        let dropped = sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP SCHEMA IF EXISTS {SHADOW} CASCADE"
        )))
        .execute(&mut conn)
        .await;
        if let Err(e) = dropped {
            tracing::warn!(error = %e, "could not drop the rebuild's schema");
        }
    }
    conn.close().await.ok();
    let report = result?;
    tracing::info!(replayed = report.events_replayed, "projections rebuilt");
    Ok(report)
}

async fn rebuild_on(
    conn: &mut PgConnection,
    options: &PgConnectOptions,
    batch_size: i64,
) -> Result<RebuildReport, StoreError> {
    let upto: i64 = {
        let mut tx = conn.begin().await?;
        lock_events(&mut tx).await?;
        let upto = sqlx::query_scalar("SELECT COALESCE(max(global_seq), 0) FROM events")
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        upto
    };
    {
        let mut tx = conn.begin().await?;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP SCHEMA IF EXISTS {SHADOW} CASCADE"
        )))
        .execute(&mut *tx)
        .await?;
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {SHADOW}")))
            .execute(&mut *tx)
            .await?;
        for table in TABLES {
            let fill = if UPDATED_IN_PLACE.contains(table) {
                ", fillfactor = 50"
            } else {
                ""
            };
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "CREATE TABLE {SHADOW}.{table} \
                 (LIKE public.{table} INCLUDING ALL EXCLUDING INDEXES) \
                 WITH (autovacuum_enabled = false{fill})"
            )))
            .execute(&mut *tx)
            .await?;
            add_indexes(&mut tx, table, false).await?;
        }
        tx.commit().await?;
    }
    let mut batches = read_ahead(options.clone(), upto, batch_size);
    let (finish, finish_audit) = tokio::sync::oneshot::channel();
    let (audit, committed, audit_writer) = write_audit(options.clone(), finish_audit);
    let replay = replay_batches(conn, &mut batches, &audit).await;
    // The audit writer commits its rows when the channel closes. After a replay that
    // went well it then finishes the audit's copies while this connection finishes the
    // others (two chains of index builds and vacuums, on two cores); it must have ended
    // before anything else touches its copies (or drops them, after an error). Every
    // path below sends on `finish` or drops it, so the writer never waits for nothing.
    drop(audit);
    let finished = match replay {
        // This connection vacuums only once the writer's transaction has ended: while it
        // is open, a vacuum can neither remove the replay's dead rows nor set pages
        // all-visible.
        Ok(done) => {
            if committed.await.is_ok() {
                finish.send(()).ok();
                finish_replay(conn).await.map(|()| done)
            } else {
                // The writer failed: its error is the one reported below.
                drop(finish);
                Err(StoreError::AuditWriterStopped)
            }
        }
        Err(e) => {
            drop(finish);
            Err(e)
        }
    };
    let audit_written = audit_writer
        .await
        .map_err(|_| StoreError::AuditWriterStopped)?;
    // A writer that failed stopped the replay too: its error is the cause.
    audit_written?;
    let (mut after, mut replayed, mut counts) = finished?;
    // Catch up and swap; appends wait from here to the commit.
    let mut tx = conn.begin().await?;
    lock_events(&mut tx).await?;
    let locked = std::time::Instant::now();
    use_shadow(&mut tx).await?;
    loop {
        let events = read_all_in(&mut *tx, after, batch_size).await?;
        let Some(last) = events.last() else { break };
        after = last.global_seq;
        counts.add(&events);
        replayed += events.len() as u64;
        apply_batch(&mut tx, Batch::new(events)?).await?;
    }
    counts.write(&mut tx).await?;
    fill_target_totals(&mut tx).await?;
    sqlx::query("SET LOCAL search_path TO public")
        .execute(&mut *tx)
        .await?;
    for table in TABLES {
        swap(&mut tx, table).await?;
    }
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {SHADOW}")))
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    let appends_blocked = locked.elapsed();
    Ok(RebuildReport {
        events_replayed: replayed,
        tables_cleared: TABLES.len(),
        appends_blocked,
    })
}

/// After the replay, on the replay's connection: the copies but the audit's
/// ([`finish_copies`]; the audit's writer finishes those beside it).
async fn finish_replay(conn: &mut PgConnection) -> Result<(), StoreError> {
    let tables: Vec<&str> = TABLES
        .iter()
        .copied()
        .filter(|t| !INDEXED_AFTER_REPLAY.contains(t))
        .collect();
    finish_copies(conn, &tables).await
}

/// After the replay: builds the indexes of `tables`' copies left for after it, then
/// vacuums and analyzes them: planner statistics, and visibility maps set, before the
/// swap, so that autovacuum finds nothing to do on the fresh tables and is not at work on
/// them when the next rebuild's swap drops them (dropping a table autovacuum works on
/// waits until autovacuum gives way, a second or more per table). Autovacuum is then on
/// again for them, and new pages are filled whole again ([`UPDATED_IN_PLACE`]).
async fn finish_copies(conn: &mut PgConnection, tables: &[&str]) -> Result<(), StoreError> {
    // A bulk index build (above all the audit's) is much faster with room to sort in memory.
    sqlx::query("SET maintenance_work_mem = '256MB'")
        .execute(&mut *conn)
        .await?;
    for table in tables {
        add_indexes(conn, table, true).await?;
    }
    for table in tables {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "VACUUM (ANALYZE) {SHADOW}.{table}"
        )))
        .execute(&mut *conn)
        .await?;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "ALTER TABLE {SHADOW}.{table} RESET (autovacuum_enabled, fillfactor)"
        )))
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Replays the batches read ahead into the copies, a transaction each, and hands each
/// batch's audit rows to the audit writer; the newest event replayed, how many, and how
/// many of each type (for `proj_event_counts`).
async fn replay_batches(
    conn: &mut PgConnection,
    batches: &mut mpsc::Receiver<Result<Batch, StoreError>>,
    audit: &mpsc::Sender<AuditRows>,
) -> Result<(i64, u64, Counts), StoreError> {
    let mut after = 0_i64;
    let mut replayed = 0_u64;
    let mut counts = Counts::default();
    let mut analyze_at = ANALYZE_FIRST_AT;
    loop {
        // The reader ends with an empty batch; a reader gone without one (it panicked)
        // must not pass for the end of the log.
        let mut batch = batches.recv().await.ok_or(StoreError::ReaderStopped)??;
        let Some(last) = batch.events().last() else {
            break;
        };
        after = last.global_seq;
        replayed += batch.events().len() as u64;
        counts.add(batch.events());
        // A writer gone has failed; its error is what the caller reports.
        if audit.send(batch.take_audit()).await.is_err() {
            return Err(StoreError::AuditWriterStopped);
        }
        let mut tx = conn.begin().await?;
        use_shadow(&mut tx).await?;
        apply_batch(&mut tx, batch).await?;
        tx.commit().await?;
        analyze_when_doubled(conn, &format!("{SHADOW}."), replayed, &mut analyze_at).await?;
    }
    Ok((after, replayed, counts))
}

/// Events replayed before the tables are first analyzed; again each time the count doubles.
const ANALYZE_FIRST_AT: u64 = 4_000;

/// [`analyze`] once `replayed` reached `next` (start it at [`ANALYZE_FIRST_AT`]), which
/// then becomes twice `replayed`.
async fn analyze_when_doubled(
    conn: &mut PgConnection,
    prefix: &str,
    replayed: u64,
    next: &mut u64,
) -> Result<(), StoreError> {
    if replayed >= *next {
        analyze(conn, prefix).await?;
        *next = replayed.saturating_mul(2);
    }
    Ok(())
}

/// Planner statistics for the tables a replay reads (`prefix` then each name: a schema
/// and a dot, or nothing for what unqualified names mean in the caller's transaction),
/// taken while they fill. A table starts empty, and a plan made then (a sequential scan
/// is cheapest on an empty table) would be kept by the connection's prepared statements:
/// at 5.05M events, half-way, a rebuild had read 75.9M rows of `proj_replicas` by
/// sequential scans. `ANALYZE` gives the planner the tables' sizes and makes the
/// statements that read them plan again; doubling keeps it to nine times for 5M events
/// (the store's rebuild test, two batches of renames and more, runs it in a rebuild and in
/// a check).
async fn analyze(conn: &mut PgConnection, prefix: &str) -> Result<(), StoreError> {
    let tables: Vec<String> = TABLES
        .iter()
        .filter(|t| !INDEXED_AFTER_REPLAY.contains(t))
        .map(|t| format!("{prefix}{t}"))
        .collect();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "ANALYZE {}",
        tables.join(", ")
    )))
    .execute(conn)
    .await?;
    Ok(())
}

/// The audit rows of the replay, written into the copies of `proj_audit` and
/// `proj_audit_subjects` by a task on a connection of its own, two `COPY`s a batch, beside
/// the replay's writes (the replay never reads them). Its transaction empties both copies
/// first, so that the rows go in frozen and visible to all (no vacuum has to visit them
/// again, nor a reader set their hint bits), and it commits when the channel closes.
/// It then says it committed (the second channel it gives), and when `finish` says the
/// replay went well, it finishes those two copies ([`finish_copies`]).
fn write_audit(
    options: PgConnectOptions,
    finish: tokio::sync::oneshot::Receiver<()>,
) -> (
    mpsc::Sender<AuditRows>,
    tokio::sync::oneshot::Receiver<()>,
    tokio::task::JoinHandle<Result<(), StoreError>>,
) {
    let (tx, mut rx) = mpsc::channel::<AuditRows>(READ_AHEAD_BATCHES);
    let (committed, committed_rx) = tokio::sync::oneshot::channel();
    let task = tokio::spawn(async move {
        let mut conn = PgConnection::connect_with(&options).await?;
        let mut audit = conn.begin().await?;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "TRUNCATE {SHADOW}.proj_audit, {SHADOW}.proj_audit_subjects"
        )))
        .execute(&mut *audit)
        .await?;
        let lines = copy_audit_statement(&format!("{SHADOW}.proj_audit"), true);
        let subjects = copy_subjects_statement(&format!("{SHADOW}.proj_audit_subjects"), true);
        while let Some(rows) = rx.recv().await {
            copy_in(&mut audit, &lines, rows.lines).await?;
            copy_in(&mut audit, &subjects, rows.subjects).await?;
        }
        audit.commit().await?;
        committed.send(()).ok();
        if finish.await.is_ok() {
            finish_copies(&mut conn, INDEXED_AFTER_REPLAY).await?;
        }
        conn.close().await.ok();
        Ok(())
    });
    (tx, committed_rx, task)
}

/// Gives the copy of `table` the live table's constraints (its primary key) and indexes
/// that are built before the replay (`after` false) or after it (`after` true).
async fn add_indexes(conn: &mut PgConnection, table: &str, after: bool) -> Result<(), StoreError> {
    let live = format!("public.{table}");
    let constraints: Vec<(String, String)> = sqlx::query_as(
        "SELECT conname::text, pg_get_constraintdef(oid) FROM pg_constraint
          WHERE conrelid = $1::regclass AND contype IN ('p', 'u', 'x')",
    )
    .bind(&live)
    .fetch_all(&mut *conn)
    .await?;
    for (name, definition) in constraints {
        if built_after_replay(table, &name) != after {
            continue;
        }
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "ALTER TABLE {SHADOW}.{table} ADD CONSTRAINT \"{name}\" {definition}"
        )))
        .execute(&mut *conn)
        .await?;
    }
    let indexes: Vec<(String, String)> = sqlx::query_as(
        "SELECT ic.relname::text, pg_get_indexdef(i.indexrelid)
           FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
          WHERE i.indrelid = $1::regclass
            AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
    )
    .bind(&live)
    .fetch_all(&mut *conn)
    .await?;
    for (name, definition) in indexes {
        if built_after_replay(table, &name) != after {
            continue;
        }
        let copy = [format!(" ON {live} "), format!(" ON {table} ")]
            .iter()
            .find(|on| definition.contains(on.as_str()))
            .map(|on| definition.replacen(on.as_str(), &format!(" ON {SHADOW}.{table} "), 1))
            .ok_or_else(|| {
                StoreError::Corrupt(format!("unexpected index definition: {definition}"))
            })?;
        sqlx::query(sqlx::AssertSqlSafe(copy))
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Index names and definitions (with the names taken out) of a table.
async fn indexes_of(
    conn: &mut PgConnection,
    table: &str,
) -> Result<Vec<(String, String)>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT c.relname::text,
                regexp_replace(pg_get_indexdef(i.indexrelid), 'INDEX \\S+ ON \\S+', 'INDEX ON')
           FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
          WHERE i.indrelid = $1::regclass",
    )
    .bind(table)
    .fetch_all(conn)
    .await?)
}

/// Replaces `public.table` by its copy, giving the copy's indexes the live ones' names
/// (migrations refer to them) and the live table's triggers.
async fn swap(conn: &mut PgConnection, table: &str) -> Result<(), StoreError> {
    let live = indexes_of(conn, &format!("public.{table}")).await?;
    let copy = indexes_of(conn, &format!("{SHADOW}.{table}")).await?;
    // The copy was made without the live table's triggers (`LIKE` copies none); they are
    // made again on it once it has the live table's name.
    let triggers: Vec<String> = sqlx::query_scalar(
        "SELECT pg_get_triggerdef(oid) FROM pg_trigger
          WHERE tgrelid = $1::regclass AND NOT tgisinternal ORDER BY tgname",
    )
    .bind(format!("public.{table}"))
    .fetch_all(&mut *conn)
    .await?;
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP TABLE public.{table}")))
        .execute(&mut *conn)
        .await?;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "ALTER TABLE {SHADOW}.{table} SET SCHEMA public"
    )))
    .execute(&mut *conn)
    .await?;
    for definition in triggers {
        sqlx::query(sqlx::AssertSqlSafe(definition))
            .execute(&mut *conn)
            .await?;
    }
    // Two passes, so that no new name meets an index not renamed yet.
    let mut renames = Vec::new();
    for (n, (name, definition)) in copy.iter().enumerate() {
        let Some((wanted, _)) = live.iter().find(|(_, d)| d == definition) else {
            return Err(StoreError::Corrupt(format!(
                "the rebuilt {table} has an index the live table lacks: {definition}"
            )));
        };
        let temporary = format!("proj_rebuild_index_{n}");
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "ALTER INDEX public.\"{name}\" RENAME TO \"{temporary}\""
        )))
        .execute(&mut *conn)
        .await?;
        renames.push((temporary, wanted.clone()));
    }
    for (temporary, wanted) in renames {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "ALTER INDEX public.\"{temporary}\" RENAME TO \"{wanted}\""
        )))
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Clears every projection table and replays the whole log inside the caller's
/// transaction (appends wait until it ends).
pub(crate) async fn rebuild_in(tx: &mut PgConnection) -> Result<RebuildReport, StoreError> {
    let started = std::time::Instant::now();
    lock_events(tx).await?;
    let tables = TABLES.join(", ");
    sqlx::query(sqlx::AssertSqlSafe(format!("TRUNCATE {tables}")))
        .execute(&mut *tx)
        .await?;
    let replayed = replay_all_in(tx, Derived::ByTriggers, REPLAY_BATCH).await?;
    Ok(RebuildReport {
        events_replayed: replayed,
        tables_cleared: TABLES.len(),
        appends_blocked: started.elapsed(),
    })
}

/// How the tables a replay fills get the rows live triggers keep (`proj_target_totals`,
/// `proj_audit_subjects`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Derived {
    /// The live tables: their triggers kept them while the replay wrote.
    ByTriggers,
    /// Copies without triggers: `proj_target_totals` filled from its source after the
    /// replay, `proj_audit_subjects` from each batch's subject rows.
    Filled,
}

/// Replays the whole log into the (empty) tables that unqualified names mean in the
/// caller's transaction, which holds the SHARE lock on events.
async fn replay_all_in(
    tx: &mut PgConnection,
    derived: Derived,
    batch_size: i64,
) -> Result<u64, StoreError> {
    let mut after = 0_i64;
    let mut replayed = 0_u64;
    let mut counts = Counts::default();
    let mut analyze_at = ANALYZE_FIRST_AT;
    loop {
        let events = read_all_in(&mut *tx, after, batch_size).await?;
        let Some(last) = events.last() else { break };
        after = last.global_seq;
        replayed += events.len() as u64;
        counts.add(&events);
        let mut batch = Batch::new(events)?;
        if derived == Derived::ByTriggers {
            batch.leave_subjects_to_trigger();
        }
        apply_batch(&mut *tx, batch).await?;
        analyze_when_doubled(tx, "", replayed, &mut analyze_at).await?;
    }
    counts.write(tx).await?;
    if derived == Derived::Filled {
        fill_target_totals(tx).await?;
    }
    Ok(replayed)
}

/// Batches read ahead of the replay of the log up to `upto`: a task on a connection of its
/// own reads each batch, and a blocking thread decodes it and makes its audit lines
/// (decoding is most of the replay's own CPU) while the replay writes the one before, at
/// most [`READ_AHEAD_BATCHES`] ahead (bounded memory). The events up to `upto` are
/// committed and never change, so what another connection reads is what the replay's would.
/// An error ends the stream; the task ends when the receiver is dropped.
fn read_ahead(
    options: PgConnectOptions,
    upto: i64,
    batch_size: i64,
) -> mpsc::Receiver<Result<Batch, StoreError>> {
    let (tx, rx) = mpsc::channel(READ_AHEAD_BATCHES);
    tokio::spawn(async move {
        let mut conn = match PgConnection::connect_with(&options).await {
            Ok(conn) => conn,
            Err(e) => {
                let _ = tx.send(Err(e.into())).await;
                return;
            }
        };
        let mut after = 0_i64;
        loop {
            let batch = match read_range_rows_in(&mut conn, after, upto, batch_size).await {
                // Decoding is CPU work: a blocking thread, not the runtime's worker that
                // the replay's writes need (one, on a machine of two cores).
                Ok(rows) => tokio::task::spawn_blocking(move || {
                    rows.iter()
                        .map(decode_row)
                        .collect::<Result<Vec<_>, _>>()
                        .and_then(Batch::new)
                })
                .await
                .unwrap_or(Err(StoreError::ReaderStopped)),
                Err(e) => Err(e),
            };
            // An error or the empty batch is the last thing sent.
            let next = batch
                .as_ref()
                .ok()
                .and_then(|b| b.events().last())
                .map(|last| last.global_seq);
            if tx.send(batch).await.is_err() {
                break;
            }
            match next {
                Some(seq) => after = seq,
                None => break,
            }
        }
        conn.close().await.ok();
    });
    rx
}

/// Every projection table as JSON rows in a stable order, for comparing a rebuild
/// with the live tables.
pub async fn snapshot(pool: &PgPool) -> Result<Vec<(String, Vec<serde_json::Value>)>, StoreError> {
    let mut conn = pool.acquire().await?;
    let mut out = Vec::with_capacity(TABLES.len());
    for table in TABLES {
        let rows: Vec<serde_json::Value> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT to_jsonb(t) FROM {table} t ORDER BY to_jsonb(t)::text"
        )))
        .fetch_all(&mut *conn)
        .await?;
        out.push(((*table).to_owned(), rows));
    }
    Ok(out)
}

/// Whether the projections equal a fresh rebuild: under the SHARE lock on events
/// (appends wait meanwhile), replays the log into temporary copies of the tables (dropped
/// with the transaction, which is rolled back) and names each table whose rows differ
/// from its copy's. Empty: they are equal. Postgres compares them (a row is its
/// `to_jsonb`, counted with its duplicates, as [`snapshot`] would compare them), so the
/// command's memory does not grow with the tables (`proj_audit_subjects` holds about four
/// rows an event): the comparison is Postgres's own `EXCEPT ALL`.
///
/// The live tables are only read: a check never takes a lock that a serve's append,
/// holding row locks on projections while it waits for events, could be waiting on
/// (that order deadlocked when the check truncated the live tables instead).
pub async fn check(pool: &PgPool) -> Result<Vec<String>, StoreError> {
    check_in_batches_of(pool, REPLAY_BATCH).await
}

/// [`check`], replaying in batches of `batch_size` events (at least 1; for tests, as
/// [`rebuild_in_batches_of`]).
pub async fn check_in_batches_of(
    pool: &PgPool,
    batch_size: i64,
) -> Result<Vec<String>, StoreError> {
    let batch_size = batch_size.max(1);
    let mut tx = pool.begin().await?;
    lock_events(&mut tx).await?;
    for table in TABLES {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "CREATE TEMPORARY TABLE {table} (LIKE public.{table} INCLUDING ALL) ON COMMIT DROP"
        )))
        .execute(&mut *tx)
        .await?;
    }
    sqlx::query("SET LOCAL search_path TO pg_temp, public")
        .execute(&mut *tx)
        .await?;
    replay_all_in(&mut tx, Derived::Filled, batch_size).await?;
    let mut differ = Vec::new();
    for table in TABLES {
        let one_way = |from: &str, to: &str| {
            format!(
                "EXISTS (SELECT to_jsonb(t) FROM {from}.{table} t \
                 EXCEPT ALL SELECT to_jsonb(t) FROM {to}.{table} t)"
            )
        };
        let differs: bool = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT {} OR {}",
            one_way("public", "pg_temp"),
            one_way("pg_temp", "public")
        )))
        .fetch_one(&mut *tx)
        .await?;
        if differs {
            differ.push((*table).to_owned());
        }
    }
    tx.rollback().await?;
    Ok(differ)
}
