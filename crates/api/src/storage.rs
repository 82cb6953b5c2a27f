//! Storage metrics: `GET /storage` (latest figures per server), `GET
//! /servers/{id}/storage/history` (samples for charts), `POST
//! /servers/{id}/storage/collect` (collect now), `PUT /servers/{id}/storage/settings`
//! (read qgroup sizes or not) and `GET /subvolumes/{id}/storage` (per-subvolume sizes
//! and snapshot overhead). Reads come from the storage metrics tables
//! (`store::storage`); collection is `engine::storage`.

use chrono::{DateTime, Duration, Utc};
use domain::{ServerId, SubvolumeId};
use engine::status::fleet_storage_cached;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::types::ToJSON;
use poem_openapi::{Object, OpenApi, Tags};
use store::AppendMeta;
use store::storage::{self, FilesystemSample, ServerStorage, StoredSample, SubvolumeStorage};
use uuid::Uuid;

use crate::AppState;
use crate::auth::{AdminAuth, OperatorAuth, ViewerAuth};
use crate::page::{self, Page};
use crate::problem::Problem;
use crate::respond::{Answer, JsonText, documented};

#[derive(Tags)]
enum Tag {
    /// How full the filesystems are and what the subvolumes and snapshots take.
    Storage,
}

/// Most history samples one request returns.
const MAX_HISTORY: u32 = 2000;

/// Bytes allocated to one kind of block group and used of them.
#[derive(Debug, Object)]
pub struct BlockGroupBytes {
    pub size_bytes: i64,
    pub used_bytes: i64,
}

/// `btrfs filesystem usage -b` figures of one filesystem.
#[derive(Debug, Object)]
pub struct FilesystemStorage {
    /// The mount of the filesystem's top level that the allowed roots lie in.
    pub filesystem: String,
    /// Device size.
    pub size_bytes: i64,
    pub used_bytes: i64,
    /// Estimated free space for data.
    pub free_bytes: i64,
    /// Pessimistic free estimate, when btrfs gave one.
    pub free_min_bytes: Option<i64>,
    pub data: Option<BlockGroupBytes>,
    pub metadata: Option<BlockGroupBytes>,
    pub system: Option<BlockGroupBytes>,
}

impl From<FilesystemSample> for FilesystemStorage {
    fn from(s: FilesystemSample) -> Self {
        let bg = |p: Option<(i64, i64)>| {
            p.map(|(size_bytes, used_bytes)| BlockGroupBytes {
                size_bytes,
                used_bytes,
            })
        };
        Self {
            filesystem: s.filesystem,
            size_bytes: s.size_bytes,
            used_bytes: s.used_bytes,
            free_bytes: s.free_bytes,
            free_min_bytes: s.free_min_bytes,
            data: bg(s.data),
            metadata: bg(s.metadata),
            system: bg(s.system),
        }
    }
}

/// A server's storage as of its last collection.
#[derive(Debug, Object)]
pub struct ServerStorageView {
    pub server_id: Uuid,
    pub server_name: String,
    /// Whether collection reads per-subvolume sizes from qgroups. Quotas must be enabled
    /// on the filesystem by the operator (`btrfs quota enable`); they cost write
    /// performance on large filesystems and dist-btrfs never enables them.
    pub collect_qgroups: bool,
    /// When the figures below were measured (the last successful collection).
    pub sampled_at: Option<DateTime<Utc>>,
    /// When the last collection was attempted.
    pub attempted_at: Option<DateTime<Utc>>,
    /// Why the last collection failed; absent when it succeeded.
    pub error: Option<String>,
    /// Why per-subvolume sizes are missing although qgroup collection is on.
    pub qgroup_note: Option<String>,
    pub filesystems: Vec<FilesystemStorage>,
}

impl From<ServerStorage> for ServerStorageView {
    fn from(s: ServerStorage) -> Self {
        Self {
            server_id: s.server_id.as_uuid(),
            server_name: s.server_name,
            collect_qgroups: s.collect_qgroups,
            sampled_at: s.succeeded_at,
            attempted_at: s.attempted_at,
            error: s.error,
            qgroup_note: s.qgroup_note,
            filesystems: s.filesystems.into_iter().map(|f| f.sample.into()).collect(),
        }
    }
}

/// One item of the storage list as JSON (the status cache writes each once per reading:
/// `engine::status::ItemWriters`).
pub(crate) fn storage_text(s: &ServerStorage) -> String {
    ServerStorageView::from(s.clone()).to_json_string()
}

/// One filesystem sample of a server's history.
#[derive(Debug, Object)]
pub struct StorageSample {
    pub sampled_at: DateTime<Utc>,
    pub filesystem: String,
    pub size_bytes: i64,
    pub used_bytes: i64,
    pub free_bytes: i64,
}

impl From<StoredSample> for StorageSample {
    fn from(s: StoredSample) -> Self {
        Self {
            sampled_at: s.sampled_at,
            filesystem: s.sample.filesystem,
            size_bytes: s.sample.size_bytes,
            used_bytes: s.sample.used_bytes,
            free_bytes: s.sample.free_bytes,
        }
    }
}

/// Storage figures of one subvolume.
#[derive(Debug, Object)]
pub struct SubvolumeStorageView {
    pub subvolume_id: Uuid,
    pub server_id: Uuid,
    /// Present snapshots in the catalog.
    pub snapshots: i64,
    /// Bytes the subvolume references (qgroups; absent unless collected).
    pub referenced_bytes: Option<i64>,
    /// Bytes only the subvolume references.
    pub exclusive_bytes: Option<i64>,
    /// Snapshot overhead: the exclusive bytes of its present snapshots, summed.
    pub snapshot_exclusive_bytes: Option<i64>,
    /// How many of its present snapshots have a measured size.
    pub snapshots_measured: i64,
    pub sampled_at: Option<DateTime<Utc>>,
}

/// A subvolume's figures at one storage collection.
#[derive(Debug, Object)]
pub struct SubvolumeSampleView {
    pub sampled_at: DateTime<Utc>,
    /// Present snapshots in the catalog then.
    pub snapshots: i64,
    /// How many of them had a measured size.
    pub snapshots_measured: i64,
    /// Their summed exclusive bytes (absent: sizes were not collected).
    pub snapshot_exclusive_bytes: Option<i64>,
    pub referenced_bytes: Option<i64>,
    pub exclusive_bytes: Option<i64>,
}

impl From<store::subvolume_history::SubvolumeSample> for SubvolumeSampleView {
    fn from(s: store::subvolume_history::SubvolumeSample) -> Self {
        Self {
            sampled_at: s.sampled_at,
            snapshots: s.snapshots,
            snapshots_measured: s.snapshots_measured,
            snapshot_exclusive_bytes: s.snapshot_exclusive_bytes,
            referenced_bytes: s.referenced_bytes,
            exclusive_bytes: s.exclusive_bytes,
        }
    }
}

impl From<SubvolumeStorage> for SubvolumeStorageView {
    fn from(s: SubvolumeStorage) -> Self {
        Self {
            subvolume_id: s.subvolume_id.as_uuid(),
            server_id: s.server_id.as_uuid(),
            snapshots: s.snapshots,
            referenced_bytes: s.referenced_bytes,
            exclusive_bytes: s.exclusive_bytes,
            snapshot_exclusive_bytes: s.snapshot_exclusive_bytes,
            snapshots_measured: s.snapshots_measured,
            sampled_at: s.sampled_at,
        }
    }
}

/// Storage collection settings of a server.
#[derive(Debug, Object)]
pub struct StorageSettings {
    /// Read per-subvolume referenced/exclusive bytes from qgroups. Only reads: quotas
    /// must already be enabled on the filesystem (`btrfs quota enable`), which slows
    /// writes, snapshot deletion and balance on large filesystems; dist-btrfs never
    /// enables them.
    pub collect_qgroups: bool,
}

documented!(
    /// Reading every server's storage.
    ListStorageErrors: 400 "Invalid parameters.", 500 "A server-side failure."
);
documented!(
    /// A server's storage history.
    StorageHistoryErrors:
        400 "A bad range or limit.",
        404 "No such server.",
        500 "A server-side failure."
);
documented!(
    /// Collecting a server's storage now (failures are recorded as the server's error).
    CollectStorageErrors:
        400 "Invalid parameters, or an allowed root is not on a btrfs filesystem.",
        404 "No such server.",
        500 "A server-side failure.",
        502 "A btrfs command on the server failed or the connection was refused.",
        503 "The server cannot be reached."
);
documented!(
    /// Changing a server's storage settings (no server work).
    StorageSettingsErrors:
        400 "Invalid parameters.",
        404 "No such server.",
        409 "A concurrent change won; nothing changed.",
        500 "A server-side failure."
);
documented!(
    /// A subvolume's storage figures.
    SubvolumeStorageErrors:
        400 "Invalid parameters.",
        404 "No such subvolume.",
        500 "A server-side failure."
);

/// One server's latest storage, read back after a collection.
async fn server_storage(state: &AppState, id: ServerId) -> Option<ServerStorageView> {
    storage::latest(&state.pool)
        .await
        .ok()?
        .into_iter()
        .find(|s| s.server_id == id)
        .map(Into::into)
}

pub struct StorageApi;

#[OpenApi(tag = "Tag::Storage")]
impl StorageApi {
    /// The servers' filesystems (size, used, free estimate, data/metadata/system) as of
    /// each server's last collection, and the last collection's error if it failed; by
    /// server name, a page at a time. The first page is cut from one reading of every
    /// server's storage, reused until an event is committed, a storage collection runs or
    /// 5 s pass; later pages are read when asked for.
    #[oai(path = "/storage", method = "get", operation_id = "listStorage")]
    async fn list(
        &self,
        _auth: ViewerAuth,
        state: Data<&AppState>,
        /// Servers per page, 1 to 1000 (default 1000).
        limit: Query<Option<i64>>,
        /// The `next_after` of the previous page.
        after: Query<Option<String>>,
    ) -> Answer<JsonText<Page<ServerStorageView>>, ListStorageErrors> {
        let limit = page::limit(limit.0)?;
        let after: Option<String> = page::decode_after(after.0.as_deref())?;
        if let Some(after) = after {
            let rows = storage::latest_page(&state.pool, Some(&after), Some(limit + 1)).await?;
            let page: Page<ServerStorageView> =
                page::page(rows, limit, |s| s.server_name.clone(), Into::into);
            return Ok(JsonText::new(page.to_json_string()));
        }
        // The first page: the kept reading, in its order (the database's, by name).
        let kept = fleet_storage_cached(&state.pool, &state.status_cache).await?;
        let all = &kept.servers;
        let texts = page::texts_of(all, &kept.item_texts, storage_text);
        let take = usize::try_from(limit).unwrap_or(usize::MAX);
        let mut chosen: Vec<usize> = (0..all.len().min(take.saturating_add(1))).collect();
        let next_after = page::cut(&mut chosen, limit, |&i| all[i].server_name.clone());
        let head: Page<ServerStorageView> = Page {
            items: Vec::new(),
            next_after,
        };
        Ok(JsonText::new(page::with_items(
            &head,
            chosen.iter().map(|&i| texts[i].as_str()),
        )))
    }

    /// A server's filesystem samples for charts. History is kept at one sample per
    /// 5 minutes for 48 hours and one per hour for 90 days.
    #[oai(path = "/servers/:id/storage/history", method = "get", operation_id = "storageHistory")]
    async fn history(
        &self,
        _auth: ViewerAuth,
        state: Data<&AppState>,
        id: Path<Uuid>,
        /// Start of the range (default: 48 hours before `until`).
        since: Query<Option<DateTime<Utc>>>,
        /// End of the range (default: now).
        until: Query<Option<DateTime<Utc>>>,
        /// Most samples to return (1-2000, default 1000).
        limit: Query<Option<u32>>,
    ) -> Answer<Json<Vec<StorageSample>>, StorageHistoryErrors> {
        let until = until.0.unwrap_or_else(Utc::now);
        let since = since.0.unwrap_or(until - Duration::hours(48));
        if since > until {
            return Err(Problem::validation("since: must not be after until").into());
        }
        let limit = limit.0.unwrap_or(1000);
        if limit == 0 || limit > MAX_HISTORY {
            return Err(Problem::validation(format!("limit: must be 1-{MAX_HISTORY}")).into());
        }
        let server = ServerId::from_uuid(id.0);
        if store::projections::server(&state.pool, server)
            .await?
            .is_none()
        {
            return Err(Problem::not_found(format!("no server {}", id.0)).into());
        }
        let samples = storage::history(&state.pool, server, since, until, i64::from(limit)).await?;
        Ok(Json(samples.into_iter().map(Into::into).collect()))
    }

    /// Collects a server's storage figures now (as the periodic collection does).
    #[oai(path = "/servers/:id/storage/collect", method = "post", operation_id = "collectStorage")]
    async fn collect(
        &self,
        _auth: OperatorAuth,
        state: Data<&AppState>,
        id: Path<Uuid>,
    ) -> Answer<Json<ServerStorageView>, CollectStorageErrors> {
        let server = ServerId::from_uuid(id.0);
        state.engine.collect_storage(server).await?;
        let view = server_storage(&state, server)
            .await
            .ok_or_else(|| Problem::not_found(format!("no server {}", id.0)))?;
        Ok(Json(view))
    }

    /// Turns reading per-subvolume sizes from qgroups on or off. Never enables quotas:
    /// enable them yourself (`btrfs quota enable`) knowing that they slow down writes,
    /// snapshot deletion and balance on large filesystems.
    #[oai(
        path = "/servers/:id/storage/settings",
        method = "put",
        operation_id = "setStorageSettings"
    )]
    async fn settings(
        &self,
        auth: AdminAuth,
        state: Data<&AppState>,
        id: Path<Uuid>,
        body: Json<StorageSettings>,
    ) -> Answer<Json<StorageSettings>, StorageSettingsErrors> {
        let server = state
            .engine
            .set_collect_qgroups(
                ServerId::from_uuid(id.0),
                body.0.collect_qgroups,
                &AppendMeta::new(auth.actor()),
            )
            .await?;
        Ok(Json(StorageSettings {
            collect_qgroups: server.collect_qgroups,
        }))
    }

    /// A subvolume's size (qgroups, when collected), snapshot overhead and snapshot
    /// count.
    #[oai(path = "/subvolumes/:id/storage", method = "get", operation_id = "subvolumeStorage")]
    async fn subvolume(
        &self,
        _auth: ViewerAuth,
        state: Data<&AppState>,
        id: Path<Uuid>,
    ) -> Answer<Json<SubvolumeStorageView>, SubvolumeStorageErrors> {
        let row = storage::subvolume_storage(&state.pool, Some(SubvolumeId::from_uuid(id.0)))
            .await?
            .pop()
            .ok_or_else(|| Problem::not_found(format!("no subvolume {}", id.0)))?;
        Ok(Json(row.into()))
    }

    /// A subvolume's snapshot count and sizes at each storage collection of its server
    /// since `since` (default: 7 days ago), oldest first: kept at one per 5 minutes for
    /// 48 hours and one per hour for 90 days.
    #[oai(
        path = "/subvolumes/:id/storage/history",
        method = "get",
        operation_id = "subvolumeStorageHistory"
    )]
    async fn subvolume_history(
        &self,
        _auth: ViewerAuth,
        state: Data<&AppState>,
        id: Path<Uuid>,
        /// Start of the range (default: 7 days ago).
        since: Query<Option<DateTime<Utc>>>,
    ) -> Answer<Json<Vec<SubvolumeSampleView>>, SubvolumeStorageErrors> {
        let subvolume = SubvolumeId::from_uuid(id.0);
        let since = since.0.unwrap_or_else(|| Utc::now() - Duration::days(7));
        if store::projections::subvolume(&state.pool, subvolume)
            .await?
            .is_none()
        {
            return Err(Problem::not_found(format!("no subvolume {}", id.0)).into());
        }
        let samples = store::subvolume_history::history(&state.pool, subvolume, since).await?;
        Ok(Json(samples.into_iter().map(Into::into).collect()))
    }
}
