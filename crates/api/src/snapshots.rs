//! `POST/GET /subvolumes/{id}/snapshots`, `GET/DELETE /snapshots/{id}` and
//! `POST /snapshots/{id}/adopt`: the snapshot catalog and the operations on it.

use chrono::{DateTime, Utc};
use domain::{SnapshotId, SubvolumeId};
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{Enum, Object, OpenApi, Tags};
use store::projections::{self, SnapshotKey, SnapshotOrigin, SnapshotState, SnapshotView};
use uuid::Uuid;

use crate::AppState;
use crate::auth::{OperatorAuth, ViewerAuth};
use crate::page::{self, Page};
use crate::problem::Problem;
use crate::respond::{Answer, Created, documented};
use store::AppendMeta;

#[derive(Tags)]
enum Tag {
    /// Read-only snapshots of managed subvolumes.
    Snapshots,
}

/// Who made a snapshot.
#[derive(Debug, Enum)]
#[oai(rename_all = "lowercase")]
pub enum Origin {
    /// dist-btrfs.
    Created,
    /// Someone else; found by an inventory sync.
    Discovered,
}

/// Where a snapshot stands.
#[derive(Debug, Enum)]
#[oai(rename_all = "lowercase")]
pub enum State {
    /// On disk.
    Present,
    /// Deleted by dist-btrfs.
    Deleted,
    /// Found missing from disk by an inventory sync (deleted by other means).
    Vanished,
}

/// A catalogued snapshot.
#[derive(Debug, Object)]
pub struct Snapshot {
    pub id: Uuid,
    pub subvolume_id: Uuid,
    pub name: String,
    /// Absolute path on the server.
    pub path: String,
    /// The snapshot's btrfs uuid.
    pub uuid: Uuid,
    /// The btrfs uuid of the subvolume it is a snapshot of.
    pub parent_uuid: Uuid,
    pub btrfs_id: u64,
    pub origin: Origin,
    /// Whether dist-btrfs may delete it: true when it created it or it was adopted.
    pub managed: bool,
    pub state: State,
    /// When it was taken (for discovered snapshots, btrfs' creation time when known).
    pub created_at: Option<DateTime<Utc>>,
    /// When it entered the catalog.
    pub recorded_at: DateTime<Utc>,
    /// When it was deleted or found vanished.
    pub gone_at: Option<DateTime<Utc>>,
    /// Exclusive size in bytes (what deleting it would free), when known: measured from
    /// qgroups by storage collection when the server's `collect_qgroups` is on.
    pub size_bytes: Option<i64>,
    /// Why the last delete attempt failed, if it did.
    pub last_error: Option<String>,
    /// Why it is held (`pre-restore`: a rollback's state before), never pruned until
    /// released; absent when not held.
    pub held: Option<String>,
}

impl From<SnapshotView> for Snapshot {
    fn from(v: SnapshotView) -> Self {
        Self {
            id: v.snapshot_id.as_uuid(),
            subvolume_id: v.subvolume_id.as_uuid(),
            name: v.name,
            path: v.path,
            uuid: v.uuid,
            parent_uuid: v.parent_uuid,
            btrfs_id: v.btrfs_id,
            origin: match v.origin {
                SnapshotOrigin::Created => Origin::Created,
                SnapshotOrigin::Discovered => Origin::Discovered,
            },
            managed: v.managed,
            state: match v.state {
                SnapshotState::Present => State::Present,
                SnapshotState::Deleted => State::Deleted,
                SnapshotState::Vanished => State::Vanished,
            },
            created_at: v.created_at,
            recorded_at: v.recorded_at,
            gone_at: v.gone_at,
            size_bytes: v.size_bytes,
            last_error: v.last_error,
            held: v.held.map(|h| h.as_str().to_owned()),
        }
    }
}

documented!(
    /// Creating a snapshot.
    CreateSnapshotErrors:
        400 "Invalid parameters, or the server's allowed roots cannot be listed.",
        404 "No such subvolume.",
        409 "The subvolume is not managed, or lies outside the server's allowed roots now, \
             or its pre-snapshot hook failed (recorded; no snapshot was taken).",
        500 "A server-side failure.",
        502 "A btrfs command on the server failed (the failure is recorded).",
        503 "The server cannot be reached."
);
documented!(
    /// Deleting a snapshot.
    DeleteSnapshotErrors:
        400 "Invalid parameters.",
        404 "No such snapshot, or it is not a snapshot of the given subvolume.",
        409 "Unmanaged (adopt it first), already deleted or vanished, or the subvolume at its \
             path is not this snapshot any more. Nothing changed.",
        500 "A server-side failure.",
        502 "A btrfs command on the server failed (the failure is recorded).",
        503 "The server cannot be reached."
);
documented!(
    /// Adopting a snapshot.
    AdoptSnapshotErrors:
        400 "Invalid parameters.",
        404 "No such snapshot.",
        409 "Already managed, not present, or its path cannot be handled.",
        500 "A server-side failure.",
        502 "A btrfs command on the server failed.",
        503 "The server cannot be reached."
);
documented!(
    /// Listing a subvolume's snapshots.
    ListSnapshotsErrors:
        400 "Invalid paging parameters.",
        404 "No such subvolume.",
        500 "A server-side failure."
);
documented!(
    /// Reading one snapshot.
    GetSnapshotErrors:
        400 "Invalid parameters.",
        404 "No such snapshot.",
        500 "A server-side failure."
);

const MAX_LIMIT: i64 = 500;

pub struct SnapshotsApi;

#[OpenApi(tag = "Tag::Snapshots")]
impl SnapshotsApi {
    /// Creates a read-only snapshot of a managed subvolume, named
    /// `<subvolume-name>.<UTC YYYYMMDDTHHMMSSZ>` (`_N` appended when taken).
    #[oai(path = "/subvolumes/:id/snapshots", method = "post", operation_id = "createSnapshot")]
    async fn create(
        &self,
        auth: OperatorAuth,
        state: Data<&AppState>,
        id: Path<Uuid>,
    ) -> Answer<Created<Snapshot>, CreateSnapshotErrors> {
        let view = state
            .engine
            .create_snapshot(SubvolumeId::from_uuid(id.0), &AppendMeta::new(auth.actor()))
            .await?;
        Ok(Created(view.into()))
    }

    /// A subvolume's snapshots, newest first (undated ones last), a page at a time.
    #[oai(path = "/subvolumes/:id/snapshots", method = "get", operation_id = "listSnapshots")]
    async fn list(
        &self,
        _auth: ViewerAuth,
        state: Data<&AppState>,
        id: Path<Uuid>,
        /// Items per page, 1 to 500 (default 100).
        limit: Query<Option<i64>>,
        /// The `next_after` of the previous page.
        after: Query<Option<String>>,
        /// Include deleted and vanished snapshots (default false).
        include_gone: Query<Option<bool>>,
    ) -> Answer<Json<Page<Snapshot>>, ListSnapshotsErrors> {
        let limit = page::limit_within(limit.0, 100, MAX_LIMIT)?;
        let after: Option<SnapshotKey> = page::decode_after(after.0.as_deref())?;
        let sv = SubvolumeId::from_uuid(id.0);
        if projections::subvolume(&state.pool, sv).await?.is_none() {
            return Err(Problem::not_found(format!("no subvolume {}", id.0)).into());
        }
        let rows = projections::snapshots_page(
            &state.pool,
            sv,
            include_gone.0.unwrap_or(false),
            after.as_ref(),
            limit + 1,
        )
        .await?;
        Ok(Json(page::page(
            rows,
            limit,
            |s| SnapshotKey::from(s),
            Snapshot::from,
        )))
    }

    /// One snapshot.
    #[oai(path = "/snapshots/:id", method = "get", operation_id = "getSnapshot")]
    async fn get(
        &self,
        _auth: ViewerAuth,
        state: Data<&AppState>,
        id: Path<Uuid>,
    ) -> Answer<Json<Snapshot>, GetSnapshotErrors> {
        let view = projections::snapshot_by_id(&state.pool, SnapshotId::from_uuid(id.0))
            .await?
            .ok_or_else(|| Problem::not_found(format!("no snapshot {}", id.0)))?;
        Ok(Json(view.into()))
    }

    /// Deletes a snapshot from disk. Snapshots dist-btrfs did not create are refused
    /// unless adopted.
    #[oai(path = "/snapshots/:id", method = "delete", operation_id = "deleteSnapshot")]
    async fn delete(
        &self,
        auth: OperatorAuth,
        state: Data<&AppState>,
        id: Path<Uuid>,
        /// Refuse (404) unless the snapshot belongs to this subvolume.
        subvolume_id: Query<Option<Uuid>>,
    ) -> Answer<Json<Snapshot>, DeleteSnapshotErrors> {
        let view = state
            .engine
            .delete_snapshot(
                SnapshotId::from_uuid(id.0),
                subvolume_id.0.map(SubvolumeId::from_uuid),
                &AppendMeta::new(auth.actor()),
            )
            .await?;
        Ok(Json(view.into()))
    }

    /// Takes a snapshot dist-btrfs did not create under management, so that it may be
    /// deleted (and, later, pruned by retention).
    #[oai(path = "/snapshots/:id/adopt", method = "post", operation_id = "adoptSnapshot")]
    async fn adopt(
        &self,
        auth: OperatorAuth,
        state: Data<&AppState>,
        id: Path<Uuid>,
    ) -> Answer<Json<Snapshot>, AdoptSnapshotErrors> {
        let view = state
            .engine
            .adopt_snapshot(SnapshotId::from_uuid(id.0), &AppendMeta::new(auth.actor()))
            .await?;
        Ok(Json(view.into()))
    }
}
