//! The batch replay's part of `proj_snapshots` (with the names it fills into
//! `proj_replicas`) and of `proj_subvolumes`: snapshots created, discovered and gone.
//!
//! What this does not do: the other snapshot events (held, released, adopted, restored,
//! failed deletes); they flush and apply one by one.

use std::collections::{BTreeSet, HashSet};

use chrono::{DateTime, Utc};
use domain::DomainEvent;
use sqlx::postgres::PgConnection;
use uuid::Uuid;

use super::Taken;
use crate::StoreError;
use crate::record::RecordedEvent;

struct NewSnapshot {
    id: Uuid,
    subvolume: Uuid,
    name: String,
    path: String,
    uuid: Uuid,
    parent: Uuid,
    btrfs_id: i64,
    origin: &'static str,
    managed: bool,
    created_at: Option<DateTime<Utc>>,
    recorded_at: DateTime<Utc>,
}

#[derive(Default)]
pub(super) struct Pending {
    inserts: Vec<NewSnapshot>,
    inserted: HashSet<Uuid>,
    /// Snapshot → (state, when): a later gone event overwrites what an earlier one set.
    gone: super::StateChanges,
    /// Subvolumes whose last snapshot error a new snapshot clears.
    cleared: BTreeSet<Uuid>,
}

impl Pending {
    pub(super) fn take(&mut self, event: &RecordedEvent) -> Result<Taken, StoreError> {
        let at = event.recorded_at;
        let new = match &event.event {
            DomainEvent::SnapshotCreated(e) => NewSnapshot {
                id: e.snapshot_id.as_uuid(),
                subvolume: e.subvolume_id.as_uuid(),
                name: e.name.clone(),
                path: e.path.clone(),
                uuid: e.uuid,
                parent: e.parent_uuid,
                btrfs_id: crate::projections::to_i64(e.btrfs_id, "btrfs id")?,
                origin: "created",
                managed: true,
                created_at: Some(e.created_at),
                recorded_at: at,
            },
            DomainEvent::SnapshotDiscovered(e) => NewSnapshot {
                id: e.snapshot_id.as_uuid(),
                subvolume: e.subvolume_id.as_uuid(),
                name: e.name.clone(),
                path: e.path.clone(),
                uuid: e.uuid,
                parent: e.parent_uuid,
                btrfs_id: crate::projections::to_i64(e.btrfs_id, "btrfs id")?,
                origin: "discovered",
                managed: false,
                created_at: e.created_at,
                recorded_at: at,
            },
            DomainEvent::SnapshotDeleted(e) => {
                self.gone.insert(e.snapshot_id.as_uuid(), ("deleted", at));
                return Ok(Taken::Yes);
            }
            DomainEvent::SnapshotPruned(e) => {
                self.gone.insert(e.snapshot_id.as_uuid(), ("deleted", at));
                return Ok(Taken::Yes);
            }
            DomainEvent::SnapshotVanished(e) => {
                self.gone.insert(e.snapshot_id.as_uuid(), ("vanished", at));
                return Ok(Taken::Yes);
            }
            _ => return Ok(Taken::Yes),
        };
        // Inserts are written before the gone updates: a snapshot gone and then
        // catalogued again must not meet its own update first.
        if self.inserted.contains(&new.id) || self.gone.contains_key(&new.id) {
            return Ok(Taken::FlushFirst);
        }
        if new.managed {
            // Created (not discovered): the subvolume's last snapshot error is cleared.
            self.cleared.insert(new.subvolume);
        }
        self.inserted.insert(new.id);
        self.inserts.push(new);
        Ok(Taken::Yes)
    }

    pub(super) async fn flush(&mut self, conn: &mut PgConnection) -> Result<(), StoreError> {
        let pending = std::mem::take(self);
        insert(conn, pending.inserts).await?;
        set_gone(conn, pending.gone).await?;
        clear_errors(conn, pending.cleared).await
    }
}

async fn insert(conn: &mut PgConnection, rows: Vec<NewSnapshot>) -> Result<(), StoreError> {
    if rows.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let subvolumes: Vec<Uuid> = rows.iter().map(|r| r.subvolume).collect();
    let names: Vec<&str> = rows.iter().map(|r| r.name.as_str()).collect();
    let paths: Vec<&str> = rows.iter().map(|r| r.path.as_str()).collect();
    let uuids: Vec<Uuid> = rows.iter().map(|r| r.uuid).collect();
    let parents: Vec<Uuid> = rows.iter().map(|r| r.parent).collect();
    let btrfs_ids: Vec<i64> = rows.iter().map(|r| r.btrfs_id).collect();
    let origins: Vec<&str> = rows.iter().map(|r| r.origin).collect();
    let managed: Vec<bool> = rows.iter().map(|r| r.managed).collect();
    let created: Vec<Option<DateTime<Utc>>> = rows.iter().map(|r| r.created_at).collect();
    let recorded: Vec<DateTime<Utc>> = rows.iter().map(|r| r.recorded_at).collect();
    sqlx::query(
        "INSERT INTO proj_snapshots
             (snapshot_id, subvolume_id, name, path, uuid, parent_uuid, btrfs_id, origin,
              managed, state, created_at, recorded_at)
         SELECT id, subvolume, name, path, uuid, parent, btrfs_id, origin, managed, 'present',
                created, recorded
           FROM UNNEST($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::uuid[], $6::uuid[],
                       $7::bigint[], $8::text[], $9::bool[], $10::timestamptz[],
                       $11::timestamptz[])
             AS s(id, subvolume, name, path, uuid, parent, btrfs_id, origin, managed, created,
                  recorded)",
    )
    .bind(&ids)
    .bind(subvolumes)
    .bind(names)
    .bind(paths)
    .bind(uuids)
    .bind(parents)
    .bind(btrfs_ids)
    .bind(origins)
    .bind(managed)
    .bind(created)
    .bind(recorded)
    .execute(&mut *conn)
    .await?;
    crate::projections::snapshots::name_replicas(conn, &ids).await
}

async fn set_gone(conn: &mut PgConnection, gone: super::StateChanges) -> Result<(), StoreError> {
    if gone.is_empty() {
        return Ok(());
    }
    let (ids, states, ats) = super::state_columns(gone);
    sqlx::query(
        "UPDATE proj_snapshots p SET state = g.state, gone_at = g.at, last_error = NULL
           FROM UNNEST($1::uuid[], $2::text[], $3::timestamptz[]) AS g(id, state, at)
          WHERE p.snapshot_id = g.id",
    )
    .bind(ids)
    .bind(states)
    .bind(ats)
    .execute(conn)
    .await?;
    Ok(())
}

/// As `subvolumes`' answer to a created snapshot.
async fn clear_errors(conn: &mut PgConnection, cleared: BTreeSet<Uuid>) -> Result<(), StoreError> {
    if cleared.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = cleared.into_iter().collect();
    sqlx::query(
        "UPDATE proj_subvolumes SET last_snapshot_error = NULL, last_snapshot_error_at = NULL
          WHERE subvolume_id = ANY($1)
            AND (last_snapshot_error IS NOT NULL OR last_snapshot_error_at IS NOT NULL)",
    )
    .bind(ids)
    .execute(conn)
    .await?;
    Ok(())
}
