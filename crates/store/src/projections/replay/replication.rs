//! The batch replay's part of the replication projection: runs requested, started and
//! finished, their targets started and succeeded, the replicas each success lists, the
//! pins, and replicas pruned.
//!
//! A target's listing replaces what the target held. Collected listings of one target
//! merge into one: the later listing's rows, each keeping the time the earlier listing
//! gave it when it is the same replica; a replica pruned meanwhile leaves the listing. A
//! row that the earlier listing did not leave as it is (changed, not listed, or pruned
//! since) is written anew (deleted first), as the event-by-event replay would have.
//!
//! What this does not do: targets added, updated or removed, and retries; they flush and
//! apply one by one.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use domain::DomainEvent;
use domain::replication::Compression;
use sqlx::postgres::PgConnection;
use uuid::Uuid;

use super::Taken;
use crate::StoreError;
use crate::projections::to_i64;
use crate::record::RecordedEvent;

/// Where a collected write of a row stands among the writes a flush makes (lower first):
/// a run's row is inserted, started, finished; a run target's row inserted, started,
/// progressed, succeeded, failed.
type Rank = u8;
const INSERTED: Rank = 0;
const STARTED: Rank = 1;
const PROGRESSED: Rank = 2;
const SUCCEEDED: Rank = 3;
const FAILED: Rank = 4;
const FINISHED: Rank = 2;

/// Admits a write of `rank` to `key`'s row: not when the row already has a write that the
/// flush makes later, or one of the same rank that `merges` says the new one cannot join.
fn admit<K: std::hash::Hash + Eq>(
    ranks: &HashMap<K, Rank>,
    key: &K,
    rank: Rank,
    merges: bool,
) -> bool {
    match ranks.get(key) {
        Some(r) if *r > rank => false,
        Some(r) if *r == rank => merges,
        _ => true,
    }
}

struct Requested {
    id: Uuid,
    subvolume: Uuid,
    snapshot: Uuid,
    actor: String,
    targets: Vec<Uuid>,
    at: DateTime<Utc>,
}

struct TargetStart {
    key: (Uuid, Uuid),
    snapshot: Uuid,
    parent: Option<Uuid>,
    send: Uuid,
    group_size: i32,
    expected: Option<i64>,
    compression: &'static str,
    fallback: Option<String>,
    at: DateTime<Utc>,
}

/// A run target's successes in this batch, merged: the last one's values, with the
/// bytes and sent snapshots of all of them added up and the first one's time.
struct TargetSuccess {
    key: (Uuid, Uuid),
    snapshot: Uuid,
    parent: Option<Uuid>,
    bytes: i64,
    bytes_sum: i64,
    sent_count: i64,
    first_at: DateTime<Utc>,
    rate: i64,
    duration: i64,
    path: String,
    wire: Option<i64>,
    at: DateTime<Utc>,
}

/// A send's last progress: bytes, rate and when.
struct Progress {
    bytes: i64,
    rate: i64,
    at: DateTime<Utc>,
}

type ProgressBySend = HashMap<Uuid, Progress>;

struct TargetFailure {
    key: (Uuid, Uuid),
    snapshot: Option<Uuid>,
    error: String,
    class: &'static str,
    at: DateTime<Utc>,
}

struct Listed {
    snapshot: Uuid,
    path: String,
    uuid: Uuid,
    at: DateTime<Utc>,
    /// Written anew: the replica changed, or went away and came back, in this batch.
    anew: bool,
}

/// What a target's collected listings leave on it: exactly these rows.
#[derive(Default)]
struct Listing {
    rows: Vec<Listed>,
}

#[derive(Default)]
pub(super) struct Pending {
    run_ranks: HashMap<Uuid, Rank>,
    target_ranks: HashMap<(Uuid, Uuid), Rank>,
    requested: Vec<Requested>,
    /// Run → when it first started (a run started again keeps its first time).
    started: HashMap<Uuid, DateTime<Utc>>,
    /// Run → (outcome, when); the last finish counts.
    finished: super::StateChanges,
    target_started: Vec<TargetStart>,
    /// Run target → send → its last progress (bytes, rate, when). Progress counts only
    /// for the target's current send, so each send's last one is kept.
    progress: HashMap<(Uuid, Uuid), ProgressBySend>,
    target_succeeded: HashMap<(Uuid, Uuid), TargetSuccess>,
    target_failed: Vec<TargetFailure>,
    /// (target, snapshot) pruned before any listing of the target in this batch.
    pruned: HashSet<(Uuid, Uuid)>,
    listings: HashMap<Uuid, Listing>,
    /// Target → its pin (subvolume, snapshot, when), or none; the last one counts.
    pins: HashMap<Uuid, Option<(Uuid, Uuid, DateTime<Utc>)>>,
}

impl Pending {
    pub(super) fn take(&mut self, event: &RecordedEvent) -> Result<Taken, StoreError> {
        let at = event.recorded_at;
        let taken = match &event.event {
            DomainEvent::ReplicationRequested(e) => {
                let id = e.replication_id.as_uuid();
                let targets: Vec<Uuid> = e.target_ids.iter().map(|t| t.as_uuid()).collect();
                if !admit(&self.run_ranks, &id, INSERTED, false)
                    || targets
                        .iter()
                        .any(|t| !admit(&self.target_ranks, &(id, *t), INSERTED, false))
                {
                    return Ok(Taken::FlushFirst);
                }
                self.run_ranks.insert(id, INSERTED);
                for t in &targets {
                    self.target_ranks.insert((id, *t), INSERTED);
                }
                self.requested.push(Requested {
                    id,
                    subvolume: e.subvolume_id.as_uuid(),
                    snapshot: e.snapshot_id.as_uuid(),
                    actor: event.actor.to_string(),
                    targets,
                    at,
                });
                Taken::Yes
            }
            DomainEvent::ReplicationStarted(e) => {
                let id = e.replication_id.as_uuid();
                if !admit(&self.run_ranks, &id, STARTED, true) {
                    return Ok(Taken::FlushFirst);
                }
                self.run_ranks.insert(id, STARTED);
                self.started.entry(id).or_insert(at);
                Taken::Yes
            }
            DomainEvent::ReplicationFinished(e) => {
                let id = e.replication_id.as_uuid();
                // A run started again after it finished flushes first (`admit`).
                if !admit(&self.run_ranks, &id, FINISHED, true) {
                    return Ok(Taken::FlushFirst);
                }
                self.run_ranks.insert(id, FINISHED);
                self.finished.insert(id, (e.outcome.as_str(), at));
                Taken::Yes
            }
            DomainEvent::ReplicationTargetStarted(e) => {
                let key = (e.replication_id.as_uuid(), e.target_id.as_uuid());
                if !admit(&self.target_ranks, &key, STARTED, false) {
                    return Ok(Taken::FlushFirst);
                }
                self.target_ranks.insert(key, STARTED);
                self.target_started.push(TargetStart {
                    key,
                    snapshot: e.snapshot_id.as_uuid(),
                    parent: e.parent_snapshot_id.map(|p| p.as_uuid()),
                    send: e.send_id,
                    group_size: i32::try_from(e.group_size).unwrap_or(i32::MAX),
                    expected: e
                        .expected_bytes
                        .map(|b| to_i64(b, "expected bytes"))
                        .transpose()?,
                    compression: match e.compression {
                        Compression::None => "none",
                        Compression::Zstd => "zstd",
                    },
                    fallback: e.compression_fallback.clone(),
                    at,
                });
                Taken::Yes
            }
            DomainEvent::ReplicationTargetFailed(e) => {
                let key = (e.replication_id.as_uuid(), e.target_id.as_uuid());
                if !admit(&self.target_ranks, &key, FAILED, false) {
                    return Ok(Taken::FlushFirst);
                }
                self.target_ranks.insert(key, FAILED);
                self.target_failed.push(TargetFailure {
                    key,
                    snapshot: e.snapshot_id.map(|s| s.as_uuid()),
                    error: e.error.clone(),
                    class: e.class.as_str(),
                    at,
                });
                Taken::Yes
            }
            DomainEvent::ReplicationProgress(e) => {
                let run = e.replication_id.as_uuid();
                let keys: Vec<(Uuid, Uuid)> = e
                    .targets
                    .iter()
                    .map(|t| (run, t.target_id.as_uuid()))
                    .collect();
                if keys
                    .iter()
                    .any(|k| !admit(&self.target_ranks, k, PROGRESSED, true))
                {
                    return Ok(Taken::FlushFirst);
                }
                let rate = to_i64(e.rate_bytes_per_sec, "rate")?;
                for (key, t) in keys.into_iter().zip(&e.targets) {
                    self.target_ranks.insert(key, PROGRESSED);
                    let bytes = to_i64(t.bytes, "bytes")?;
                    self.progress
                        .entry(key)
                        .or_default()
                        .insert(e.send_id, Progress { bytes, rate, at });
                }
                Taken::Yes
            }
            DomainEvent::ReplicationTargetSucceeded(e) => {
                let key = (e.replication_id.as_uuid(), e.target_id.as_uuid());
                if !admit(&self.target_ranks, &key, SUCCEEDED, true) {
                    return Ok(Taken::FlushFirst);
                }
                self.target_ranks.insert(key, SUCCEEDED);
                let bytes = to_i64(e.bytes, "bytes")?;
                let earlier = self.target_succeeded.remove(&key);
                self.target_succeeded.insert(
                    key,
                    TargetSuccess {
                        key,
                        snapshot: e.snapshot_id.as_uuid(),
                        parent: e.parent_snapshot_id.map(|p| p.as_uuid()),
                        bytes,
                        bytes_sum: earlier.as_ref().map_or(0, |s| s.bytes_sum) + bytes,
                        sent_count: earlier.as_ref().map_or(0, |s| s.sent_count)
                            + i64::from(e.sent),
                        first_at: earlier.as_ref().map_or(at, |s| s.first_at),
                        rate: to_i64(e.throughput_bytes_per_sec, "throughput")?,
                        duration: to_i64(e.duration_ms, "duration")?,
                        path: e.received_path.clone(),
                        wire: e.wire_bytes.map(|b| to_i64(b, "wire bytes")).transpose()?,
                        at,
                    },
                );
                self.list(e.target_id.as_uuid(), &e.replicas, at);
                let pin = e
                    .common_base
                    .map(|base| (e.subvolume_id.as_uuid(), base.as_uuid(), at));
                self.pins.insert(e.target_id.as_uuid(), pin);
                Taken::Yes
            }
            DomainEvent::ReplicaPruned(e) => {
                let (target, snapshot) = (e.target_id.as_uuid(), e.snapshot_id.as_uuid());
                match self.listings.get_mut(&target) {
                    Some(listing) => listing.rows.retain(|r| r.snapshot != snapshot),
                    None => {
                        self.pruned.insert((target, snapshot));
                    }
                }
                Taken::Yes
            }
            _ => Taken::Yes,
        };
        Ok(taken)
    }

    /// Merges a success's listing into what the batch holds for the target (module docs).
    fn list(&mut self, target: Uuid, replicas: &[domain::replication::Replica], at: DateTime<Utc>) {
        let earlier = self.listings.remove(&target);
        // The earlier listing's rows by snapshot (each is there once: made deduplicated).
        let earlier_rows: HashMap<Uuid, &Listed> = earlier
            .iter()
            .flat_map(|l| l.rows.iter().map(|e| (e.snapshot, e)))
            .collect();
        let mut seen = HashSet::new();
        let mut rows = Vec::with_capacity(replicas.len());
        for r in replicas.iter().filter(|r| seen.insert(r.snapshot_id)) {
            let snapshot = r.snapshot_id.as_uuid();
            let before = earlier_rows.get(&snapshot).copied();
            let (at, anew) = match before {
                Some(e) if e.uuid == r.uuid && e.path == r.path => (e.at, e.anew),
                // Changed since the earlier listing.
                Some(_) => (at, true),
                // The earlier listing left the target without it (it removed whatever it
                // did not list, and a prune may have taken it since): it comes anew.
                None => (at, earlier.is_some()),
            };
            rows.push(Listed {
                snapshot,
                path: r.path.clone(),
                uuid: r.uuid,
                at,
                anew,
            });
        }
        self.listings.insert(target, Listing { rows });
    }

    pub(super) async fn flush(&mut self, conn: &mut PgConnection) -> Result<(), StoreError> {
        let p = std::mem::take(self);
        insert_requested(conn, p.requested).await?;
        set_started(conn, p.started).await?;
        set_targets_started(conn, p.target_started).await?;
        set_progress(conn, p.progress).await?;
        set_targets_succeeded(conn, p.target_succeeded).await?;
        set_targets_failed(conn, p.target_failed).await?;
        set_finished(conn, p.finished).await?;
        delete_pruned(conn, p.pruned).await?;
        replace_listings(conn, p.listings).await?;
        set_pins(conn, p.pins).await
    }
}

async fn insert_requested(conn: &mut PgConnection, runs: Vec<Requested>) -> Result<(), StoreError> {
    if runs.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = runs.iter().map(|r| r.id).collect();
    let subvolumes: Vec<Uuid> = runs.iter().map(|r| r.subvolume).collect();
    let snapshots: Vec<Uuid> = runs.iter().map(|r| r.snapshot).collect();
    let actors: Vec<&str> = runs.iter().map(|r| r.actor.as_str()).collect();
    let ats: Vec<DateTime<Utc>> = runs.iter().map(|r| r.at).collect();
    sqlx::query(
        "INSERT INTO proj_replications (replication_id, subvolume_id, snapshot_id, state,
             requested_by, requested_at)
         SELECT id, subvolume, snapshot, 'queued', actor, at
           FROM UNNEST($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::timestamptz[])
             AS r(id, subvolume, snapshot, actor, at)",
    )
    .bind(ids)
    .bind(subvolumes)
    .bind(snapshots)
    .bind(actors)
    .bind(ats)
    .execute(&mut *conn)
    .await?;
    let (mut run, mut target, mut at) = (Vec::new(), Vec::new(), Vec::new());
    for r in &runs {
        for t in &r.targets {
            run.push(r.id);
            target.push(*t);
            at.push(r.at);
        }
    }
    sqlx::query(
        "INSERT INTO proj_replication_targets (replication_id, target_id, state, updated_at)
         SELECT run, target, 'queued', at
           FROM UNNEST($1::uuid[], $2::uuid[], $3::timestamptz[]) AS t(run, target, at)",
    )
    .bind(run)
    .bind(target)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}

async fn set_started(
    conn: &mut PgConnection,
    started: HashMap<Uuid, DateTime<Utc>>,
) -> Result<(), StoreError> {
    if started.is_empty() {
        return Ok(());
    }
    let (ids, ats): (Vec<Uuid>, Vec<DateTime<Utc>>) = started.into_iter().unzip();
    sqlx::query(
        "UPDATE proj_replications p SET state = 'running',
                started_at = COALESCE(p.started_at, s.at)
           FROM UNNEST($1::uuid[], $2::timestamptz[]) AS s(id, at)
          WHERE p.replication_id = s.id",
    )
    .bind(ids)
    .bind(ats)
    .execute(conn)
    .await?;
    Ok(())
}

async fn set_finished(
    conn: &mut PgConnection,
    finished: super::StateChanges,
) -> Result<(), StoreError> {
    if finished.is_empty() {
        return Ok(());
    }
    let (ids, states, ats) = super::state_columns(finished);
    sqlx::query(
        "UPDATE proj_replications p SET state = f.state, finished_at = f.at
           FROM UNNEST($1::uuid[], $2::text[], $3::timestamptz[]) AS f(id, state, at)
          WHERE p.replication_id = f.id",
    )
    .bind(ids)
    .bind(states)
    .bind(ats)
    .execute(conn)
    .await?;
    Ok(())
}

async fn set_targets_started(
    conn: &mut PgConnection,
    rows: Vec<TargetStart>,
) -> Result<(), StoreError> {
    if rows.is_empty() {
        return Ok(());
    }
    let runs: Vec<Uuid> = rows.iter().map(|r| r.key.0).collect();
    let targets: Vec<Uuid> = rows.iter().map(|r| r.key.1).collect();
    let snapshots: Vec<Uuid> = rows.iter().map(|r| r.snapshot).collect();
    let parents: Vec<Option<Uuid>> = rows.iter().map(|r| r.parent).collect();
    let sends: Vec<Uuid> = rows.iter().map(|r| r.send).collect();
    let groups: Vec<i32> = rows.iter().map(|r| r.group_size).collect();
    let expected: Vec<Option<i64>> = rows.iter().map(|r| r.expected).collect();
    let ats: Vec<DateTime<Utc>> = rows.iter().map(|r| r.at).collect();
    let compressions: Vec<&str> = rows.iter().map(|r| r.compression).collect();
    let fallbacks: Vec<Option<&str>> = rows.iter().map(|r| r.fallback.as_deref()).collect();
    sqlx::query(
        "UPDATE proj_replication_targets t SET state = 'running', snapshot_id = s.snapshot,
                parent_snapshot_id = s.parent, send_id = s.send, group_size = s.group_size,
                bytes = 0, expected_bytes = s.expected, rate_bytes_per_sec = NULL,
                started_at = COALESCE(t.started_at, s.at), error = NULL, error_class = NULL,
                updated_at = s.at, compression = s.compression,
                compression_fallback = s.fallback, wire_bytes = NULL
           FROM UNNEST($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::uuid[], $6::int[],
                       $7::bigint[], $8::timestamptz[], $9::text[], $10::text[])
             AS s(run, target, snapshot, parent, send, group_size, expected, at, compression,
                  fallback)
          WHERE t.replication_id = s.run AND t.target_id = s.target",
    )
    .bind(runs)
    .bind(targets)
    .bind(snapshots)
    .bind(parents)
    .bind(sends)
    .bind(groups)
    .bind(expected)
    .bind(ats)
    .bind(compressions)
    .bind(fallbacks)
    .execute(conn)
    .await?;
    Ok(())
}

async fn set_progress(
    conn: &mut PgConnection,
    progress: HashMap<(Uuid, Uuid), ProgressBySend>,
) -> Result<(), StoreError> {
    if progress.is_empty() {
        return Ok(());
    }
    let (mut run, mut target, mut send, mut bytes, mut rate, mut at) = (
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
    );
    for ((r, t), sends) in progress {
        for (s, p) in sends {
            run.push(r);
            target.push(t);
            send.push(s);
            bytes.push(p.bytes);
            rate.push(p.rate);
            at.push(p.at);
        }
    }
    // At most one send per row is its current one (`send_id`).
    sqlx::query(
        "UPDATE proj_replication_targets t SET bytes = p.bytes, rate_bytes_per_sec = p.rate,
                updated_at = p.at
           FROM UNNEST($1::uuid[], $2::uuid[], $3::uuid[], $4::bigint[], $5::bigint[],
                       $6::timestamptz[]) AS p(run, target, send, bytes, rate, at)
          WHERE t.replication_id = p.run AND t.target_id = p.target AND t.send_id = p.send",
    )
    .bind(run)
    .bind(target)
    .bind(send)
    .bind(bytes)
    .bind(rate)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}

async fn set_targets_succeeded(
    conn: &mut PgConnection,
    rows: HashMap<(Uuid, Uuid), TargetSuccess>,
) -> Result<(), StoreError> {
    if rows.is_empty() {
        return Ok(());
    }
    let rows: Vec<TargetSuccess> = rows.into_values().collect();
    let runs: Vec<Uuid> = rows.iter().map(|r| r.key.0).collect();
    let targets: Vec<Uuid> = rows.iter().map(|r| r.key.1).collect();
    let snapshots: Vec<Uuid> = rows.iter().map(|r| r.snapshot).collect();
    let parents: Vec<Option<Uuid>> = rows.iter().map(|r| r.parent).collect();
    let bytes: Vec<i64> = rows.iter().map(|r| r.bytes).collect();
    let sums: Vec<i64> = rows.iter().map(|r| r.bytes_sum).collect();
    let sent: Vec<i64> = rows.iter().map(|r| r.sent_count).collect();
    let firsts: Vec<DateTime<Utc>> = rows.iter().map(|r| r.first_at).collect();
    let rates: Vec<i64> = rows.iter().map(|r| r.rate).collect();
    let durations: Vec<i64> = rows.iter().map(|r| r.duration).collect();
    let paths: Vec<&str> = rows.iter().map(|r| r.path.as_str()).collect();
    let ats: Vec<DateTime<Utc>> = rows.iter().map(|r| r.at).collect();
    let wires: Vec<Option<i64>> = rows.iter().map(|r| r.wire).collect();
    sqlx::query(
        "UPDATE proj_replication_targets t SET
                state = CASE WHEN s.snapshot = r.snapshot_id THEN 'succeeded' ELSE 'running' END,
                snapshot_id = s.snapshot, parent_snapshot_id = s.parent, bytes = s.bytes,
                bytes_total = t.bytes_total + s.bytes_sum,
                snapshots_sent = t.snapshots_sent + s.sent,
                rate_bytes_per_sec = s.rate, duration_ms = s.duration, received_path = s.path,
                finished_at = CASE WHEN s.snapshot = r.snapshot_id THEN s.at END,
                started_at = COALESCE(t.started_at, s.first_at),
                wire_bytes = s.wire,
                updated_at = s.at
           FROM UNNEST($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::bigint[], $6::bigint[],
                       $7::bigint[], $8::timestamptz[], $9::bigint[], $10::bigint[], $11::text[],
                       $12::timestamptz[], $13::bigint[])
                  AS s(run, target, snapshot, parent, bytes, bytes_sum, sent, first_at, rate,
                       duration, path, at, wire),
                proj_replications r
          WHERE r.replication_id = t.replication_id
            AND t.replication_id = s.run AND t.target_id = s.target",
    )
    .bind(runs)
    .bind(targets)
    .bind(snapshots)
    .bind(parents)
    .bind(bytes)
    .bind(sums)
    .bind(sent)
    .bind(firsts)
    .bind(rates)
    .bind(durations)
    .bind(paths)
    .bind(ats)
    .bind(wires)
    .execute(conn)
    .await?;
    Ok(())
}

async fn set_targets_failed(
    conn: &mut PgConnection,
    rows: Vec<TargetFailure>,
) -> Result<(), StoreError> {
    if rows.is_empty() {
        return Ok(());
    }
    let runs: Vec<Uuid> = rows.iter().map(|r| r.key.0).collect();
    let targets: Vec<Uuid> = rows.iter().map(|r| r.key.1).collect();
    let snapshots: Vec<Option<Uuid>> = rows.iter().map(|r| r.snapshot).collect();
    let errors: Vec<&str> = rows.iter().map(|r| r.error.as_str()).collect();
    let classes: Vec<&str> = rows.iter().map(|r| r.class).collect();
    let ats: Vec<DateTime<Utc>> = rows.iter().map(|r| r.at).collect();
    sqlx::query(
        "UPDATE proj_replication_targets t SET state = 'failed',
                snapshot_id = COALESCE(f.snapshot, t.snapshot_id), error = f.error,
                error_class = f.class, finished_at = f.at, updated_at = f.at
           FROM UNNEST($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[],
                       $6::timestamptz[]) AS f(run, target, snapshot, error, class, at)
          WHERE t.replication_id = f.run AND t.target_id = f.target",
    )
    .bind(runs)
    .bind(targets)
    .bind(snapshots)
    .bind(errors)
    .bind(classes)
    .bind(ats)
    .execute(conn)
    .await?;
    Ok(())
}

async fn delete_pruned(
    conn: &mut PgConnection,
    pruned: HashSet<(Uuid, Uuid)>,
) -> Result<(), StoreError> {
    if pruned.is_empty() {
        return Ok(());
    }
    let (targets, snapshots): (Vec<Uuid>, Vec<Uuid>) = pruned.into_iter().unzip();
    delete_pairs(conn, targets, snapshots).await
}

async fn delete_pairs(
    conn: &mut PgConnection,
    targets: Vec<Uuid>,
    snapshots: Vec<Uuid>,
) -> Result<(), StoreError> {
    sqlx::query(
        "DELETE FROM proj_replicas r
          USING UNNEST($1::uuid[], $2::uuid[]) AS p(target, snapshot)
          WHERE r.target_id = p.target AND r.snapshot_id = p.snapshot",
    )
    .bind(targets)
    .bind(snapshots)
    .execute(conn)
    .await?;
    Ok(())
}

async fn replace_listings(
    conn: &mut PgConnection,
    listings: HashMap<Uuid, Listing>,
) -> Result<(), StoreError> {
    if listings.is_empty() {
        return Ok(());
    }
    let listed_targets: Vec<Uuid> = listings.keys().copied().collect();
    let (mut target, mut snapshot, mut path, mut uuid, mut at) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut anew_target, mut anew_snapshot) = (Vec::new(), Vec::new());
    for (t, listing) in listings {
        for row in listing.rows {
            if row.anew {
                anew_target.push(t);
                anew_snapshot.push(row.snapshot);
            }
            target.push(t);
            snapshot.push(row.snapshot);
            path.push(row.path);
            uuid.push(row.uuid);
            at.push(row.at);
        }
    }
    if !anew_target.is_empty() {
        delete_pairs(conn, anew_target, anew_snapshot).await?;
    }
    // What each target no longer lists goes ...
    sqlx::query(
        "DELETE FROM proj_replicas r
          USING UNNEST($1::uuid[]) AS t(id)
          WHERE r.target_id = t.id
            AND NOT EXISTS (SELECT 1 FROM UNNEST($2::uuid[], $3::uuid[]) AS l(target, snapshot)
                             WHERE l.target = r.target_id AND l.snapshot = r.snapshot_id)",
    )
    .bind(listed_targets)
    .bind(&target)
    .bind(&snapshot)
    .execute(&mut *conn)
    .await?;
    // ... and what it lists comes, as `replication`'s success does it.
    sqlx::query(
        "INSERT INTO proj_replicas
             (target_id, snapshot_id, path, uuid, recorded_at, snapshot_name, snapshot_at)
         SELECT l.target, l.snapshot, l.path, l.uuid, l.at,
                s.name, COALESCE(s.created_at, s.recorded_at)
           FROM UNNEST($1::uuid[], $2::uuid[], $3::text[], $4::uuid[], $5::timestamptz[])
             AS l(target, snapshot, path, uuid, at)
           LEFT JOIN proj_snapshots s ON s.snapshot_id = l.snapshot
         ON CONFLICT (target_id, snapshot_id) DO UPDATE
            SET path = EXCLUDED.path, uuid = EXCLUDED.uuid, recorded_at = EXCLUDED.recorded_at
          WHERE proj_replicas.uuid <> EXCLUDED.uuid OR proj_replicas.path <> EXCLUDED.path",
    )
    .bind(target)
    .bind(snapshot)
    .bind(path)
    .bind(uuid)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}

async fn set_pins(
    conn: &mut PgConnection,
    pins: HashMap<Uuid, Option<(Uuid, Uuid, DateTime<Utc>)>>,
) -> Result<(), StoreError> {
    if pins.is_empty() {
        return Ok(());
    }
    let mut unpinned = Vec::new();
    let (mut target, mut subvolume, mut snapshot, mut at) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (t, pin) in pins {
        match pin {
            Some((s, base, when)) => {
                target.push(t);
                subvolume.push(s);
                snapshot.push(base);
                at.push(when);
            }
            None => unpinned.push(t),
        }
    }
    sqlx::query("DELETE FROM proj_replication_pins WHERE target_id = ANY($1)")
        .bind(unpinned)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO proj_replication_pins (target_id, subvolume_id, snapshot_id, updated_at)
         SELECT * FROM UNNEST($1::uuid[], $2::uuid[], $3::uuid[], $4::timestamptz[])
         ON CONFLICT (target_id) DO UPDATE
            SET snapshot_id = EXCLUDED.snapshot_id, updated_at = EXCLUDED.updated_at",
    )
    .bind(target)
    .bind(subvolume)
    .bind(snapshot)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}
