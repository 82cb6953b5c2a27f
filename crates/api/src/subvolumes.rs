//! `POST/GET /subvolumes`, `GET/DELETE /subvolumes/{id}` and `POST /subvolumes/{id}/sync`:
//! which subvolumes dist-btrfs manages, and reconciling their catalog with the disk.

use chrono::{DateTime, Utc};
use domain::{ServerId, SubvolumeId};
use engine::subvolumes::ManageRequest;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi, Tags};
use serde::Serialize;
use store::projections::{self, SubvolumeKey, SubvolumeView};
use uuid::Uuid;

use crate::AppState;
use crate::auth::{OperatorAuth, ViewerAuth};
use crate::hooks::SnapshotHooks;
use crate::page::{self, Page};
use crate::problem::Problem;
use crate::respond::{Answer, Created, JsonText, documented};
use store::AppendMeta;

#[derive(Tags)]
enum Tag {
    /// Subvolumes dist-btrfs manages.
    Subvolumes,
}

/// A managed (or formerly managed) subvolume.
#[derive(Debug, Object, Serialize)]
pub struct Subvolume {
    pub id: Uuid,
    pub server_id: Uuid,
    /// Prefix of its snapshots' names.
    pub name: String,
    /// Absolute path on the server.
    pub path: String,
    /// Where its snapshots are created.
    pub snapshot_dir: String,
    pub btrfs_uuid: Uuid,
    pub btrfs_id: u64,
    /// False once dist-btrfs stopped managing it.
    pub managed: bool,
    #[serde(serialize_with = "crate::openapi_serde::rfc3339")]
    pub managed_at: DateTime<Utc>,
    #[serde(serialize_with = "crate::openapi_serde::rfc3339_opt")]
    pub unmanaged_at: Option<DateTime<Utc>>,
    /// Why the last snapshot attempt failed (cleared by the next success).
    pub last_snapshot_error: Option<String>,
    #[serde(serialize_with = "crate::openapi_serde::rfc3339_opt")]
    pub last_snapshot_error_at: Option<DateTime<Utc>>,
    /// Its pre- and post-snapshot hooks (`PUT /subvolumes/{id}/hooks`).
    pub hooks: SnapshotHooks,
}

impl From<SubvolumeView> for Subvolume {
    fn from(v: SubvolumeView) -> Self {
        Self {
            hooks: SnapshotHooks::of(&v),
            id: v.subvolume_id.as_uuid(),
            server_id: v.server_id.as_uuid(),
            name: v.name,
            path: v.path,
            snapshot_dir: v.snapshot_dir,
            btrfs_uuid: v.btrfs_uuid,
            btrfs_id: v.btrfs_id,
            managed: v.managed,
            managed_at: v.managed_at,
            unmanaged_at: v.unmanaged_at,
            last_snapshot_error: v.last_snapshot_error,
            last_snapshot_error_at: v.last_snapshot_error_at,
        }
    }
}

/// Start managing a subvolume.
#[derive(Debug, Object)]
pub struct ManageSubvolume {
    pub server_id: Uuid,
    /// Absolute path of the subvolume, under one of the server's allowed roots.
    /// Components: ASCII letters, digits and `. _ @ + -`; no `..`, no trailing `/`.
    pub path: String,
    /// Existing directory (under an allowed root, outside the subvolume) where snapshots
    /// are created.
    pub snapshot_dir: String,
    /// Prefix of snapshot names (default: the path's last component). Same characters as
    /// path components, at most 200 bytes.
    pub name: Option<String>,
}

/// What an inventory sync changed.
#[derive(Debug, Object)]
pub struct SyncReport {
    /// Catalogued snapshots found gone from disk (now `vanished`).
    pub vanished: Vec<Uuid>,
    /// Read-only snapshots of the subvolume found on disk, catalogued as unmanaged.
    pub discovered: Vec<Uuid>,
}

documented!(
    /// Managing a subvolume.
    ManageSubvolumeErrors:
        400 "Invalid name or path, outside the allowed roots, not a subvolume, or a missing \
             snapshot directory. Nothing changed.",
        404 "No such server.",
        409 "Already managed, or the name is taken. Nothing changed.",
        500 "A server-side failure.",
        502 "A btrfs command on the server failed.",
        503 "The server cannot be reached."
);
documented!(
    /// Listing subvolumes.
    ListSubvolumesErrors: 400 "Invalid parameters.", 500 "A server-side failure."
);
documented!(
    /// Reading one subvolume.
    GetSubvolumeErrors:
        400 "Invalid parameters.",
        404 "No such subvolume.",
        500 "A server-side failure."
);
documented!(
    /// Unmanaging a subvolume (no server work).
    UnmanageSubvolumeErrors:
        400 "Invalid parameters.",
        404 "No such subvolume.",
        409 "It is not managed any more.",
        500 "A server-side failure."
);
documented!(
    /// Syncing a subvolume's catalog with the disk.
    SyncSubvolumeErrors:
        400 "Invalid parameters, or an allowed root of the server cannot be listed.",
        404 "No such subvolume.",
        409 "Not managed, or the subvolume itself is not on disk (nothing changed).",
        500 "A server-side failure.",
        502 "A btrfs command on the server failed.",
        503 "The server cannot be reached."
);

pub struct SubvolumesApi;

#[OpenApi(tag = "Tag::Subvolumes")]
impl SubvolumesApi {
    /// Starts managing a subvolume of a server. Touches nothing on disk.
    #[oai(path = "/subvolumes", method = "post", operation_id = "manageSubvolume")]
    async fn manage(
        &self,
        auth: OperatorAuth,
        state: Data<&AppState>,
        body: Json<ManageSubvolume>,
    ) -> Answer<Created<Subvolume>, ManageSubvolumeErrors> {
        let req = ManageRequest {
            server_id: ServerId::from_uuid(body.server_id),
            path: body.0.path,
            snapshot_dir: body.0.snapshot_dir,
            name: body.0.name,
        };
        let view = state
            .engine
            .manage_subvolume(&req, &AppendMeta::new(auth.actor()))
            .await?;
        Ok(Created(view.into()))
    }

    /// Managed subvolumes (with `include_unmanaged`, also those no longer managed).
    #[oai(path = "/subvolumes", method = "get", operation_id = "listSubvolumes")]
    async fn list(
        &self,
        _auth: ViewerAuth,
        state: Data<&AppState>,
        /// Only subvolumes of this server.
        server_id: Query<Option<Uuid>>,
        /// Include subvolumes that are no longer managed (default false).
        include_unmanaged: Query<Option<bool>>,
        /// Items per page, 1 to 1000 (default 1000), ordered by server then path.
        limit: Query<Option<i64>>,
        /// The `next_after` of the previous page.
        after: Query<Option<String>>,
    ) -> Answer<JsonText<Page<Subvolume>>, ListSubvolumesErrors> {
        let limit = page::limit(limit.0)?;
        let after: Option<SubvolumeKey> = page::decode_after(after.0.as_deref())?;
        let rows = projections::subvolumes_page(
            &state.pool,
            server_id.0.map(ServerId::from_uuid),
            include_unmanaged.0.unwrap_or(false),
            after.as_ref(),
            Some(limit + 1),
        )
        .await?;
        Ok(JsonText::of(&page::page(
            rows,
            limit,
            |s| SubvolumeKey::from(s),
            Subvolume::from,
        ))?)
    }

    /// One subvolume.
    #[oai(path = "/subvolumes/:id", method = "get", operation_id = "getSubvolume")]
    async fn get(
        &self,
        _auth: ViewerAuth,
        state: Data<&AppState>,
        id: Path<Uuid>,
    ) -> Answer<Json<Subvolume>, GetSubvolumeErrors> {
        let view = projections::subvolume(&state.pool, SubvolumeId::from_uuid(id.0))
            .await?
            .ok_or_else(|| Problem::not_found(format!("no subvolume {}", id.0)))?;
        Ok(Json(view.into()))
    }

    /// Stops managing a subvolume. No data is touched: the subvolume and its snapshots
    /// stay on disk, and the snapshots stay in the catalog.
    #[oai(path = "/subvolumes/:id", method = "delete", operation_id = "unmanageSubvolume")]
    async fn unmanage(
        &self,
        auth: OperatorAuth,
        state: Data<&AppState>,
        id: Path<Uuid>,
    ) -> Answer<Json<Subvolume>, UnmanageSubvolumeErrors> {
        let view = state
            .engine
            .unmanage_subvolume(SubvolumeId::from_uuid(id.0), &AppendMeta::new(auth.actor()))
            .await?;
        Ok(Json(view.into()))
    }

    /// Reconciles the subvolume's snapshot catalog with the server's disk: snapshots
    /// deleted by hand are recorded as vanished, read-only snapshots made by others are
    /// catalogued as unmanaged.
    #[oai(path = "/subvolumes/:id/sync", method = "post", operation_id = "syncSubvolume")]
    async fn sync(
        &self,
        auth: OperatorAuth,
        state: Data<&AppState>,
        id: Path<Uuid>,
    ) -> Answer<Json<SyncReport>, SyncSubvolumeErrors> {
        let r = state
            .engine
            .sync_subvolume(SubvolumeId::from_uuid(id.0), &AppendMeta::new(auth.actor()))
            .await?;
        Ok(Json(SyncReport {
            vanished: r.vanished.into_iter().map(|s| s.as_uuid()).collect(),
            discovered: r.discovered.into_iter().map(|s| s.as_uuid()).collect(),
        }))
    }
}
