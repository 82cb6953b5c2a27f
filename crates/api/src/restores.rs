//! Restore and replica management: browsing a snapshot or replica
//! (`GET /snapshots/{id}/tree`, `/replicas/{id}/tree`), downloading one file
//! (`.../file`), restores (`POST/GET /restores`, `GET /restores/{id}`), releasing a held
//! snapshot (`POST /snapshots/{id}/release`), and deleting a replica
//! (`DELETE /replicas/{id}`).
//!
//! Browsing, downloading and restoring are operator+ (a snapshot's files are the users'
//! data); viewers see that restores happened (`GET /restores`) but not which files, nor
//! the error text (which can name them): [`Restore::for_viewer`]. The download answers
//! with the bytes and `Content-Disposition`, so it keeps an `ApiResponse` of its own for
//! the success (errors are the usual problems).

use chrono::{DateTime, Utc};
use domain::paths::InnerPath;
use domain::restore::RestoreMode;
use domain::{ReplicaId, RestoreId, Role, ServerId, SnapshotId, SubvolumeId};
use engine::browse::Source;
use engine::restore::RestoreRequest;
use poem::Body;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::{Binary, Json};
use poem_openapi::{ApiResponse, Enum, Object, OpenApi, Tags};
use store::AppendMeta;
use store::projections::{self, RestoreView};
use uuid::Uuid;

use crate::AppState;
use crate::auth::{OperatorAuth, ViewerAuth};
use crate::problem::Problem;
use crate::replication::dto::Replica;
use crate::respond::{Accepted, Answer, documented};
use crate::snapshots::Snapshot;

mod listing;

pub use listing::{DiffListing, TreeListing};

#[derive(Tags)]
enum Tag {
    /// Browsing snapshots and replicas, restoring, managing replicas.
    Restore,
}

/// What a restore does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case", rename = "RestoreMode")]
pub enum Mode {
    /// A writable copy of the snapshot at `destination`.
    NewSubvolume,
    /// The subvolume goes back to the snapshot; its state before is kept as a held
    /// `pre-restore` snapshot.
    Rollback,
    /// `paths` of the snapshot are copied into the live subvolume.
    Files,
    /// The snapshot, lost on the primary, is received back from `source_replica_id`
    /// into the subvolume's snapshot directory and catalogued again; or, with
    /// `destination_server_id`, received onto that server as a copy.
    Snapshot,
    /// Not a restore: a replica checked against its snapshot (`POST
    /// /replicas/{id}/verify`; only listed, never requested here).
    Verify,
}

/// Where a restore stands.
#[derive(Debug, Enum)]
#[oai(rename_all = "snake_case", rename = "RestoreState")]
pub enum State {
    Queued,
    Running,
    Succeeded,
    Failed,
}

/// A restore to carry out.
#[derive(Debug, Object)]
pub struct NewRestore {
    pub mode: Mode,
    pub snapshot_id: Uuid,
    /// Restore from this replica of the snapshot (required when the primary lost the
    /// snapshot): it is received back first (incremental when a common snapshot is on
    /// both sides), then the mode runs.
    pub source_replica_id: Option<Uuid>,
    /// `new_subvolume`: the new subvolume's absolute path, inside the server's allowed
    /// roots; it must not exist. `snapshot` with `destination_server_id`: the existing
    /// directory on that server the copy is received into.
    pub destination: Option<String>,
    /// `snapshot` only: receive the replica onto this registered server instead of the
    /// primary (a read-only copy at `destination/<snapshot name>`, not catalogued;
    /// incremental against an earlier copy in that directory).
    pub destination_server_id: Option<Uuid>,
    /// `files`: paths inside the snapshot (relative; no `..`).
    #[oai(default)]
    pub paths: Vec<String>,
    /// `files`: replace existing files; otherwise the restored file is written beside
    /// an existing one as `NAME.restored-<time>`.
    #[oai(default)]
    pub overwrite: bool,
}

/// A restore.
#[derive(Debug, Object)]
pub struct Restore {
    pub id: Uuid,
    pub mode: Mode,
    pub subvolume_id: Uuid,
    pub snapshot_id: Uuid,
    /// The target whose replica the snapshot came back from, when restored from one.
    pub replica_target_id: Option<Uuid>,
    pub server_id: Uuid,
    pub destination: String,
    /// `files`: the paths restored (empty for a viewer: file names are the users' data).
    pub paths: Vec<String>,
    pub overwrite: bool,
    /// `verify`: the percentage of files whose content digests are compared.
    pub sample_percent: Option<u8>,
    pub state: State,
    pub attempts: u32,
    pub bytes: u64,
    pub rate_bytes_per_sec: Option<u64>,
    /// What the restore made (the new subvolume, the rolled-back subvolume, the
    /// directory files went to).
    pub result_path: Option<String>,
    /// A rollback's held snapshot of the state before.
    pub pre_restore_snapshot_id: Option<Uuid>,
    /// From a replica: the snapshot the stream was incremental against (absent: full).
    pub incremental_from: Option<Uuid>,
    pub files_copied: Option<u64>,
    /// `files`: the restored paths written beside an existing file (empty for a viewer).
    pub kept_beside: Vec<String>,
    /// Why it failed (for a viewer only that it failed: the text can name files).
    pub error: Option<String>,
    pub requested_by: String,
    pub requested_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
}

impl Restore {
    /// What a viewer may see of a restore: that it happened, of what snapshot, where and
    /// how it went, without the names of the users' files.
    fn for_viewer(self) -> Self {
        Self {
            paths: Vec::new(),
            kept_beside: Vec::new(),
            error: self
                .error
                .map(|_| "failed (the details are for operators)".to_owned()),
            ..self
        }
    }

    /// The restore as the caller's role may see it.
    fn for_role(self, role: Role) -> Self {
        if role == Role::Viewer {
            self.for_viewer()
        } else {
            self
        }
    }
}

impl From<RestoreView> for Restore {
    fn from(v: RestoreView) -> Self {
        use domain::restore::RestoreState as S;
        let r = v.request;
        Self {
            id: r.restore_id.as_uuid(),
            mode: match r.mode {
                RestoreMode::NewSubvolume => Mode::NewSubvolume,
                RestoreMode::Snapshot => Mode::Snapshot,
                RestoreMode::Verify => Mode::Verify,
                RestoreMode::Rollback => Mode::Rollback,
                RestoreMode::Files => Mode::Files,
            },
            subvolume_id: r.subvolume_id.as_uuid(),
            snapshot_id: r.snapshot_id.as_uuid(),
            replica_target_id: r.replica_target_id.map(|t| t.as_uuid()),
            server_id: r.server_id.as_uuid(),
            destination: r.destination,
            paths: r.paths,
            overwrite: r.overwrite,
            sample_percent: r.sample_percent,
            state: match v.state {
                S::Queued => State::Queued,
                S::Running => State::Running,
                S::Succeeded => State::Succeeded,
                S::Failed => State::Failed,
            },
            attempts: v.attempts,
            bytes: v.bytes,
            rate_bytes_per_sec: v.rate_bytes_per_sec,
            result_path: v.result_path,
            pre_restore_snapshot_id: v.pre_restore_snapshot_id.map(|s| s.as_uuid()),
            incremental_from: v.incremental_from.map(|s| s.as_uuid()),
            files_copied: v.files_copied,
            kept_beside: v.kept_beside,
            error: v.error,
            requested_by: v.requested_by,
            requested_at: v.requested_at,
            started_at: v.started_at,
            finished_at: v.finished_at,
        }
    }
}

/// A page of restores, newest first.
#[derive(Debug, Object)]
pub struct RestorePage {
    pub items: Vec<Restore>,
    /// Pass as `before` for the next page; absent on the last.
    pub next_before: Option<String>,
}

/// A file's bytes, with its name.
#[derive(ApiResponse)]
pub enum FileBytes {
    /// The file (`Content-Disposition: attachment`). The download is recorded as an
    /// event first.
    #[oai(status = 200)]
    Ok(
        Binary<Body>,
        #[oai(header = "Content-Disposition")] String,
        #[oai(header = "Content-Length")] u64,
    ),
}

documented!(
    /// Browsing a snapshot or replica.
    BrowseErrors:
        400 "The path is absolute, contains `..`, leaves the snapshot through a symlink, or is not a directory (file) as needed. `field` is `path`.",
        404 "No such snapshot or replica, or no such path in it.",
        409 "The snapshot is not on its server any more.",
        500 "A server-side failure.",
        502 "A command on the server failed.",
        503 "The server cannot be reached."
);
documented!(
    /// Requesting a restore.
    RestoreErrors:
        400 "Invalid request (`field` names it): a missing or bad destination or path, a path leaving the snapshot.",
        404 "No such snapshot.",
        409 "The snapshot is not present, the subvolume is not managed, or the destination exists.",
        500 "A server-side failure.",
        502 "A command on the server failed.",
        503 "The server cannot be reached."
);
documented!(
    /// Reading restores.
    ReadRestoreErrors:
        400 "Invalid parameters.",
        404 "No such restore.",
        500 "A server-side failure."
);
documented!(
    /// Changing a snapshot's hold or a replica.
    ChangeErrors:
        400 "Invalid parameters.",
        404 "No such snapshot or replica.",
        409 "Refused in the current state: not held; the replica is its target's common base (pass `force=true`); the subvolume at its path is another one.",
        500 "A server-side failure.",
        502 "A command on the server failed.",
        503 "The server cannot be reached."
);

fn inner(path: Option<String>) -> Result<InnerPath, Problem> {
    InnerPath::parse(path.as_deref().unwrap_or(""))
        .map_err(|e| Problem::validation(format!("path: {e}")).with_field(Some("path")))
}

/// `attachment; filename="ascii"; filename*=UTF-8''percent-encoded`.
fn content_disposition(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            encoded.push(char::from(b));
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

async fn download(
    state: &AppState,
    source: Source,
    path: Option<String>,
    meta: AppendMeta,
) -> Answer<FileBytes, BrowseErrors> {
    let path = inner(path)?;
    let file = state.engine.open_file(source, &path, &meta).await?;
    let body = Body::from_async_read(file.reader);
    Ok(FileBytes::Ok(
        Binary(body),
        content_disposition(&file.name),
        file.size,
    ))
}

/// The `before` cursor of [`RestorePage`]: `<rfc3339>,<id>`.
fn parse_before(s: &str) -> Result<(DateTime<Utc>, RestoreId), Problem> {
    let bad =
        || Problem::validation("before: not a cursor of this list").with_field(Some("before"));
    let (at, id) = s.split_once(',').ok_or_else(bad)?;
    let at = DateTime::parse_from_rfc3339(at).map_err(|_| bad())?;
    let id = Uuid::parse_str(id).map_err(|_| bad())?;
    Ok((at.with_timezone(&Utc), RestoreId::from_uuid(id)))
}

const DEFAULT_TREE_PAGE: usize = 500;

pub struct RestoreApi;

#[OpenApi(tag = "Tag::Restore")]
impl RestoreApi {
    /// One directory of a snapshot on the primary, in name order, paged.
    #[oai(path = "/snapshots/:id/tree", method = "get", operation_id = "browseSnapshot")]
    async fn snapshot_tree(
        &self,
        _auth: OperatorAuth,
        state: Data<&AppState>,
        id: Path<Uuid>,
        /// The directory, relative to the snapshot's top (default: the top).
        path: Query<Option<String>>,
        /// The `next_cursor` of the previous page.
        cursor: Query<Option<String>>,
        /// Entries per page, 1-5000 (default 500).
        limit: Query<Option<u32>>,
    ) -> Answer<Json<TreeListing>, BrowseErrors> {
        let source = Source::Snapshot(SnapshotId::from_uuid(id.0));
        tree(&state, source, path.0, cursor.0, limit.0).await
    }

    /// One directory of a replica on its target, read over SSH, paged.
    #[oai(path = "/replicas/:id/tree", method = "get", operation_id = "browseReplica")]
    async fn replica_tree(
        &self,
        _auth: OperatorAuth,
        state: Data<&AppState>,
        id: Path<Uuid>,
        /// The directory, relative to the replica's top (default: the top).
        path: Query<Option<String>>,
        /// The `next_cursor` of the previous page.
        cursor: Query<Option<String>>,
        /// Entries per page, 1-5000 (default 500).
        limit: Query<Option<u32>>,
    ) -> Answer<Json<TreeListing>, BrowseErrors> {
        let source = Source::Replica(ReplicaId::from_uuid(id.0));
        tree(&state, source, path.0, cursor.0, limit.0).await
    }

    /// What changed from snapshot `against` to this one (both of one subvolume), from
    /// btrfs's send stream, paged.
    #[oai(path = "/snapshots/:id/diff", method = "get", operation_id = "diffSnapshots")]
    async fn diff(
        &self,
        _auth: OperatorAuth,
        state: Data<&AppState>,
        id: Path<Uuid>,
        /// The older snapshot to compare with.
        against: Query<Uuid>,
        /// The `next_cursor` of the previous page.
        cursor: Query<Option<u64>>,
        /// Changes per page, 1-5000 (default 500).
        limit: Query<Option<u32>>,
    ) -> Answer<Json<DiffListing>, BrowseErrors> {
        let limit = limit.0.map_or(DEFAULT_TREE_PAGE, |l| l as usize);
        if !(1..=engine::diff::MAX_DIFF_PAGE).contains(&limit) {
            return Err(Problem::validation("limit: must be between 1 and 5000")
                .with_field(Some("limit"))
                .into());
        }
        let page = state
            .engine
            .diff_snapshots(
                SnapshotId::from_uuid(id.0),
                SnapshotId::from_uuid(against.0),
                cursor.0.unwrap_or(0),
                limit,
            )
            .await?;
        Ok(Json(page.into()))
    }

    /// One regular file of a snapshot, streamed. Each download is recorded.
    #[oai(path = "/snapshots/:id/file", method = "get", operation_id = "downloadSnapshotFile")]
    async fn snapshot_file(
        &self,
        auth: OperatorAuth,
        state: Data<&AppState>,
        id: Path<Uuid>,
        /// The file, relative to the snapshot's top.
        path: Query<Option<String>>,
    ) -> Answer<FileBytes, BrowseErrors> {
        let source = Source::Snapshot(SnapshotId::from_uuid(id.0));
        download(&state, source, path.0, AppendMeta::new(auth.actor())).await
    }

    /// One regular file of a replica, streamed from its target. Each download is
    /// recorded.
    #[oai(path = "/replicas/:id/file", method = "get", operation_id = "downloadReplicaFile")]
    async fn replica_file(
        &self,
        auth: OperatorAuth,
        state: Data<&AppState>,
        id: Path<Uuid>,
        /// The file, relative to the replica's top.
        path: Query<Option<String>>,
    ) -> Answer<FileBytes, BrowseErrors> {
        let source = Source::Replica(ReplicaId::from_uuid(id.0));
        download(&state, source, path.0, AppendMeta::new(auth.actor())).await
    }

    /// Requests a restore; it runs as a job (follow it with `GET /restores/{id}` or the
    /// event stream).
    #[oai(path = "/restores", method = "post", operation_id = "requestRestore")]
    async fn request(
        &self,
        auth: OperatorAuth,
        state: Data<&AppState>,
        body: Json<NewRestore>,
    ) -> Answer<Accepted<Restore>, RestoreErrors> {
        let meta = AppendMeta::new(auth.actor());
        let b = body.0;
        let req = RestoreRequest {
            mode: match b.mode {
                Mode::NewSubvolume => RestoreMode::NewSubvolume,
                Mode::Rollback => RestoreMode::Rollback,
                Mode::Files => RestoreMode::Files,
                Mode::Snapshot => RestoreMode::Snapshot,
                Mode::Verify => RestoreMode::Verify,
            },
            snapshot_id: SnapshotId::from_uuid(b.snapshot_id),
            source_replica_id: b.source_replica_id.map(ReplicaId::from_uuid),
            destination: b.destination,
            destination_server_id: b.destination_server_id.map(ServerId::from_uuid),
            paths: b.paths,
            overwrite: b.overwrite,
        };
        let view = state.engine.request_restore(req, &meta).await?;
        enqueue(&state, &view, meta).await;
        Ok(Accepted(view.into()))
    }

    /// Checks a replica against its source snapshot on the primary (`received_uuid`,
    /// read-only, the same files and sizes, and sha256 digests of all files or of a
    /// sample), as a job; the result is the replica's `verification`.
    #[oai(path = "/replicas/:id/verify", method = "post", operation_id = "verifyReplica")]
    async fn verify(
        &self,
        auth: OperatorAuth,
        state: Data<&AppState>,
        id: Path<Uuid>,
        body: Json<VerifyRequest>,
    ) -> Answer<Accepted<Restore>, RestoreErrors> {
        let meta = AppendMeta::new(auth.actor());
        let view = state
            .engine
            .request_verify(ReplicaId::from_uuid(id.0), body.0.sample_percent, &meta)
            .await?;
        enqueue(&state, &view, meta).await;
        Ok(Accepted(view.into()))
    }

    /// Restores, newest first, optionally of one subvolume.
    #[oai(path = "/restores", method = "get", operation_id = "listRestores")]
    async fn list(
        &self,
        auth: ViewerAuth,
        state: Data<&AppState>,
        subvolume_id: Query<Option<Uuid>>,
        /// The `next_before` of the previous page.
        before: Query<Option<String>>,
        /// Page size, 1-500 (default 100).
        limit: Query<Option<i64>>,
    ) -> Answer<Json<RestorePage>, ReadRestoreErrors> {
        let limit = limit.0.unwrap_or(100);
        if !(1..=500).contains(&limit) {
            return Err(Problem::validation("limit: must be between 1 and 500")
                .with_field(Some("limit"))
                .into());
        }
        let before = before.0.as_deref().map(parse_before).transpose()?;
        let items = projections::restores(
            &state.pool,
            subvolume_id.0.map(SubvolumeId::from_uuid),
            before,
            limit,
        )
        .await?;
        let next_before = (items.len() as i64 == limit)
            .then(|| {
                items
                    .last()
                    .map(|r| format!("{},{}", r.requested_at.to_rfc3339(), r.request.restore_id))
            })
            .flatten();
        let role = auth.principal().role;
        Ok(Json(RestorePage {
            items: items
                .into_iter()
                .map(|v| Restore::from(v).for_role(role))
                .collect(),
            next_before,
        }))
    }

    /// One restore.
    #[oai(path = "/restores/:id", method = "get", operation_id = "getRestore")]
    async fn get(
        &self,
        auth: ViewerAuth,
        state: Data<&AppState>,
        id: Path<Uuid>,
    ) -> Answer<Json<Restore>, ReadRestoreErrors> {
        let view = projections::restore(&state.pool, RestoreId::from_uuid(id.0))
            .await?
            .ok_or_else(|| Problem::not_found(format!("no restore {}", id.0)))?;
        Ok(Json(Restore::from(view).for_role(auth.principal().role)))
    }

    /// Releases a held snapshot (a rollback's `pre-restore`): retention may prune it
    /// again.
    #[oai(path = "/snapshots/:id/release", method = "post", operation_id = "releaseSnapshot")]
    async fn release(
        &self,
        auth: OperatorAuth,
        state: Data<&AppState>,
        id: Path<Uuid>,
    ) -> Answer<Json<Snapshot>, ChangeErrors> {
        let view = state
            .engine
            .release_snapshot(SnapshotId::from_uuid(id.0), &AppendMeta::new(auth.actor()))
            .await?;
        Ok(Json(view.into()))
    }

    /// The replicas of one snapshot, on every target that holds it.
    #[oai(path = "/snapshots/:id/replicas", method = "get", operation_id = "listSnapshotReplicas")]
    async fn snapshot_replicas(
        &self,
        _auth: ViewerAuth,
        state: Data<&AppState>,
        id: Path<Uuid>,
    ) -> Answer<Json<Vec<Replica>>, ReadRestoreErrors> {
        let sid = SnapshotId::from_uuid(id.0);
        if projections::snapshot_by_id(&state.pool, sid)
            .await?
            .is_none()
        {
            return Err(Problem::not_found(format!("no snapshot {}", id.0)).into());
        }
        let list = projections::replicas_of_snapshot(&state.pool, sid).await?;
        Ok(Json(list.into_iter().map(Replica::from).collect()))
    }

    /// Deletes a replica from its target. A target's common base (the parent of its
    /// next incremental send) is refused with 409 unless `force=true`.
    #[oai(path = "/replicas/:id", method = "delete", operation_id = "deleteReplica")]
    async fn delete_replica(
        &self,
        auth: OperatorAuth,
        state: Data<&AppState>,
        id: Path<Uuid>,
        /// Delete it even when it is the target's common base (the next send there is
        /// then full).
        force: Query<Option<bool>>,
    ) -> Answer<Json<Replica>, ChangeErrors> {
        let view = state
            .engine
            .remove_replica(
                ReplicaId::from_uuid(id.0),
                force.0.unwrap_or(false),
                &AppendMeta::new(auth.actor()),
            )
            .await?;
        Ok(Json(view.into()))
    }
}

async fn tree(
    state: &AppState,
    source: Source,
    path: Option<String>,
    cursor: Option<String>,
    limit: Option<u32>,
) -> Answer<Json<TreeListing>, BrowseErrors> {
    let path = inner(path)?;
    let limit = limit.map_or(DEFAULT_TREE_PAGE, |l| l as usize);
    if !(1..=engine::browse::MAX_PAGE).contains(&limit) {
        return Err(Problem::validation("limit: must be between 1 and 5000")
            .with_field(Some("limit"))
            .into());
    }
    let page = state
        .engine
        .list_tree(source, &path, cursor.as_deref(), limit)
        .await?;
    Ok(Json(page.into()))
}

/// A verification to run.
#[derive(Debug, Object)]
pub struct VerifyRequest {
    /// The percentage of files whose content digests are compared, 1-100.
    #[oai(default = "all_files")]
    pub sample_percent: u8,
}

fn all_files() -> u8 {
    100
}

/// Hands a recorded restore (or verification) to the job runner, or to a task of this
/// process without one. A failure to enqueue is logged: the restore is recorded, and
/// the next start of `serve` enqueues every unfinished one.
async fn enqueue(state: &AppState, view: &RestoreView, meta: AppendMeta) {
    match &state.job_queue {
        Some(queue) => {
            if let Err(e) = queue.enqueue_restore(view).await {
                tracing::error!(restore = %view.request.restore_id, error = %e, "enqueueing the restore failed");
            }
        }
        None => {
            let engine = state.engine.clone();
            let id = view.request.restore_id;
            tokio::spawn(async move {
                if let Err(e) = engine.run_restore(id, &meta).await {
                    let _ = engine.give_up_restore(id, &e, &meta).await;
                }
            });
        }
    }
}
