//! Replication over HTTP: targets (`/subvolumes/{id}/targets`, `/targets`,
//! `/targets/{id}`, `/targets/{id}/replicas`) and replications (`/replications`,
//! `/replications/{id}`). Reads come from the replication projections; changes go
//! through the engine. `POST /replications` records the request and hands the run to
//! `AppState::replication_queue` (in `serve`: a durable `ReplicateJob`, retried while
//! targets fail transiently), or without one runs it in a task of this process.

use domain::replication::TargetOptions;
use domain::{ReplicationId, ServerId, SnapshotId, SubvolumeId, TargetId};
use engine::targets::TargetChanges;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::types::MaybeUndefined;
use poem_openapi::{ApiResponse, OpenApi, Tags};
use store::AppendMeta;
use store::projections::{self, TargetView};
use uuid::Uuid;

use crate::AppState;
use crate::auth::{OperatorAuth, ViewerAuth};
use crate::engine_error::engine_responses;
use crate::problem::Problem;

mod dto;

pub use dto::*;
use dto::{replication, replication_with, target, with_pin};

#[derive(Tags)]
enum Tag {
    /// Where a subvolume's snapshots are replicated to.
    Targets,
    /// Sending snapshots to targets.
    Replications,
}

macro_rules! change_response {
    ($name:ident, $ok_status:literal, $ok:ty, $ok_doc:literal) => {
        #[derive(ApiResponse)]
        pub enum $name {
            #[doc = $ok_doc]
            #[oai(status = $ok_status)]
            Ok($ok),
            /// Invalid input (the detail starts with the field). Nothing changed.
            #[oai(status = 400)]
            BadRequest(Json<Problem>),
            /// A referenced subvolume, server, snapshot or target does not exist.
            #[oai(status = 404)]
            NotFound(Json<Problem>),
            /// Conflicts with the current state. Nothing changed.
            #[oai(status = 409)]
            Conflict(Json<Problem>),
            /// A command on a server failed.
            #[oai(status = 502)]
            BadGateway(Json<Problem>),
            /// A server cannot be reached.
            #[oai(status = 503)]
            Unavailable(Json<Problem>),
            /// A server-side failure.
            #[oai(status = 500)]
            Internal(Json<Problem>),
        }
    };
}

change_response!(
    AddTargetResponse,
    201,
    Json<Target>,
    "The target, recorded as `TargetAdded`."
);
change_response!(
    UpdateTargetResponse,
    200,
    Json<Target>,
    "The target, recorded as `TargetUpdated`."
);

#[derive(ApiResponse)]
pub enum RemoveTargetResponse {
    /// Removed (`TargetRemoved`); nothing on the remote was touched.
    #[oai(status = 204)]
    NoContent,
    /// Invalid input.
    #[oai(status = 400)]
    BadRequest(Json<Problem>),
    /// No such target.
    #[oai(status = 404)]
    NotFound(Json<Problem>),
    /// A replication to it has not finished. Nothing changed.
    #[oai(status = 409)]
    Conflict(Json<Problem>),
    /// A command on a server failed.
    #[oai(status = 502)]
    BadGateway(Json<Problem>),
    /// A server cannot be reached.
    #[oai(status = 503)]
    Unavailable(Json<Problem>),
    /// A server-side failure.
    #[oai(status = 500)]
    Internal(Json<Problem>),
}
change_response!(
    RequestReplicationResponse,
    202,
    Json<Replication>,
    "Recorded as `ReplicationRequested` and started in the background; poll `GET /replications/{id}`."
);
engine_responses!(
    AddTargetResponse,
    UpdateTargetResponse,
    RemoveTargetResponse,
    RequestReplicationResponse
);

macro_rules! read_response {
    ($name:ident, $ok:ty, $ok_doc:literal) => {
        #[derive(ApiResponse)]
        pub enum $name {
            #[doc = $ok_doc]
            #[oai(status = 200)]
            Ok($ok),
            /// Invalid parameters.
            #[oai(status = 400)]
            BadRequest(Json<Problem>),
            /// Not found.
            #[oai(status = 404)]
            NotFound(Json<Problem>),
            /// A server-side failure.
            #[oai(status = 500)]
            Internal(Json<Problem>),
        }

        impl From<store::StoreError> for $name {
            fn from(e: store::StoreError) -> Self {
                Self::Internal(Json(Problem::internal(&e)))
            }
        }
    };
}

read_response!(
    ListTargetsResponse,
    Json<Vec<Target>>,
    "Targets, oldest first."
);
read_response!(GetTargetResponse, Json<Target>, "The target.");
read_response!(
    ListReplicasResponse,
    Json<Vec<Replica>>,
    "The replicas on the target, by path."
);
read_response!(
    ListReplicationsResponse,
    Json<ReplicationPage>,
    "Replications, newest first."
);
read_response!(
    GetReplicationResponse,
    Json<Replication>,
    "The replication with its targets."
);

const MAX_LIMIT: i64 = 100;

async fn targets_json(
    pool: &sqlx::PgPool,
    views: Vec<TargetView>,
) -> Result<Vec<Target>, store::StoreError> {
    // One query for every pin, not one per target.
    let ids: Vec<TargetId> = views.iter().map(|v| v.target_id).collect();
    let pins = projections::pins_of_targets(pool, &ids).await?;
    Ok(views
        .into_iter()
        .map(|v| {
            let pin = pins.get(&v.target_id).copied();
            target(v, pin)
        })
        .collect())
}

pub struct TargetsApi;

#[OpenApi(tag = "Tag::Targets")]
impl TargetsApi {
    /// Attaches a replication target (a directory on a remote SSH server) to a managed
    /// subvolume.
    #[oai(
        path = "/subvolumes/:id/targets",
        method = "post",
        operation_id = "addTarget"
    )]
    async fn add(
        &self,
        auth: OperatorAuth,
        state: Data<&AppState>,
        id: Path<Uuid>,
        body: Json<NewTarget>,
    ) -> AddTargetResponse {
        let b = body.0;
        let options = TargetOptions {
            strict_incremental: b.strict_incremental.unwrap_or(false),
            missing: b.missing.map(Into::into).unwrap_or_default(),
            compression: b.compression.map(Into::into).unwrap_or_default(),
            rate_limit_bytes_per_sec: b.rate_limit_bytes_per_sec,
        };
        let added = state
            .engine
            .add_target(
                SubvolumeId::from_uuid(id.0),
                ServerId::from_uuid(b.server_id),
                &b.directory,
                options,
                &AppendMeta::new(auth.actor()),
            )
            .await;
        match added {
            Ok(v) => AddTargetResponse::Ok(Json(target(v, None))),
            Err(e) => e.into(),
        }
    }

    /// A subvolume's targets.
    #[oai(
        path = "/subvolumes/:id/targets",
        method = "get",
        operation_id = "listSubvolumeTargets"
    )]
    async fn list_of(
        &self,
        _auth: ViewerAuth,
        state: Data<&AppState>,
        id: Path<Uuid>,
    ) -> ListTargetsResponse {
        let sv = SubvolumeId::from_uuid(id.0);
        let result = async {
            if projections::subvolume(&state.pool, sv).await?.is_none() {
                return Ok(None);
            }
            let views = projections::targets(&state.pool, Some(sv)).await?;
            Ok::<_, store::StoreError>(Some(targets_json(&state.pool, views).await?))
        }
        .await;
        match result {
            Ok(Some(list)) => ListTargetsResponse::Ok(Json(list)),
            Ok(None) => ListTargetsResponse::NotFound(Json(Problem::not_found(format!(
                "no subvolume {}",
                id.0
            )))),
            Err(e) => e.into(),
        }
    }

    /// Every target.
    #[oai(path = "/targets", method = "get", operation_id = "listTargets")]
    async fn list(&self, _auth: ViewerAuth, state: Data<&AppState>) -> ListTargetsResponse {
        let result = async {
            let views = projections::targets(&state.pool, None).await?;
            targets_json(&state.pool, views).await
        }
        .await;
        match result {
            Ok(list) => ListTargetsResponse::Ok(Json(list)),
            Err(e) => e.into(),
        }
    }

    /// One target.
    #[oai(path = "/targets/:id", method = "get", operation_id = "getTarget")]
    async fn get(
        &self,
        _auth: ViewerAuth,
        state: Data<&AppState>,
        id: Path<Uuid>,
    ) -> GetTargetResponse {
        let result = async {
            match projections::target(&state.pool, TargetId::from_uuid(id.0)).await? {
                Some(v) => Ok(Some(with_pin(&state.pool, v).await?)),
                None => Ok::<_, store::StoreError>(None),
            }
        }
        .await;
        match result {
            Ok(Some(t)) => GetTargetResponse::Ok(Json(t)),
            Ok(None) => {
                GetTargetResponse::NotFound(Json(Problem::not_found(format!("no target {}", id.0))))
            }
            Err(e) => e.into(),
        }
    }

    /// Changes a target's directory or options.
    #[oai(path = "/targets/:id", method = "patch", operation_id = "updateTarget")]
    async fn update(
        &self,
        auth: OperatorAuth,
        state: Data<&AppState>,
        id: Path<Uuid>,
        body: Json<TargetPatch>,
    ) -> UpdateTargetResponse {
        let b = body.0;
        let changes = TargetChanges {
            directory: b.directory,
            strict_incremental: b.strict_incremental,
            missing: b.missing.map(Into::into),
            compression: b.compression.map(Into::into),
            rate_limit_bytes_per_sec: match b.rate_limit_bytes_per_sec {
                MaybeUndefined::Undefined => None,
                MaybeUndefined::Null => Some(None),
                MaybeUndefined::Value(v) => Some(Some(v)),
            },
        };
        let tid = TargetId::from_uuid(id.0);
        match state
            .engine
            .update_target(tid, &changes, &AppendMeta::new(auth.actor()))
            .await
        {
            Ok(v) => match with_pin(&state.pool, v).await {
                Ok(t) => UpdateTargetResponse::Ok(Json(t)),
                Err(e) => UpdateTargetResponse::Internal(Json(Problem::internal(&e))),
            },
            Err(e) => e.into(),
        }
    }

    /// Detaches a target. Copies already on the remote stay there.
    #[oai(
        path = "/targets/:id",
        method = "delete",
        operation_id = "removeTarget"
    )]
    async fn remove(
        &self,
        auth: OperatorAuth,
        state: Data<&AppState>,
        id: Path<Uuid>,
    ) -> RemoveTargetResponse {
        match state
            .engine
            .remove_target(TargetId::from_uuid(id.0), &AppendMeta::new(auth.actor()))
            .await
        {
            Ok(()) => RemoveTargetResponse::NoContent,
            Err(e) => e.into(),
        }
    }

    /// The replica catalog of a target: the complete copies found on it after the last
    /// successful replication.
    #[oai(
        path = "/targets/:id/replicas",
        method = "get",
        operation_id = "listReplicas"
    )]
    async fn replicas(
        &self,
        _auth: ViewerAuth,
        state: Data<&AppState>,
        id: Path<Uuid>,
    ) -> ListReplicasResponse {
        let tid = TargetId::from_uuid(id.0);
        let result = async {
            if projections::target(&state.pool, tid).await?.is_none() {
                return Ok(None);
            }
            Ok::<_, store::StoreError>(Some(
                projections::replicas_of_target(&state.pool, tid).await?,
            ))
        }
        .await;
        match result {
            Ok(Some(list)) => {
                ListReplicasResponse::Ok(Json(list.into_iter().map(Replica::from).collect()))
            }
            Ok(None) => ListReplicasResponse::NotFound(Json(Problem::not_found(format!(
                "no target {}",
                id.0
            )))),
            Err(e) => e.into(),
        }
    }
}

pub struct ReplicationsApi;

#[OpenApi(tag = "Tag::Replications")]
impl ReplicationsApi {
    /// Replicates a snapshot to its subvolume's targets (all, or the given ones). The run
    /// starts in the background; the response is the queued replication.
    #[oai(
        path = "/replications",
        method = "post",
        operation_id = "requestReplication"
    )]
    async fn request(
        &self,
        auth: OperatorAuth,
        state: Data<&AppState>,
        body: Json<NewReplication>,
    ) -> RequestReplicationResponse {
        let meta = AppendMeta::new(auth.actor());
        let targets = body
            .0
            .target_ids
            .map(|ids| ids.into_iter().map(TargetId::from_uuid).collect());
        let view = match state
            .engine
            .request_replication(SnapshotId::from_uuid(body.0.snapshot_id), targets, &meta)
            .await
        {
            Ok(v) => v,
            Err(e) => return e.into(),
        };
        match &state.replication_queue {
            Some(queue) => {
                // The run is recorded; if enqueueing fails, the next start of `serve`
                // enqueues every unfinished run.
                if let Err(e) = queue.enqueue(&view).await {
                    tracing::error!(replication = %view.replication_id, error = %e, "enqueueing the replication failed");
                }
            }
            None => {
                state.engine.spawn_replication(view.replication_id, meta);
            }
        }
        match replication(&state.pool, view).await {
            Ok(r) => RequestReplicationResponse::Ok(Json(r)),
            Err(e) => RequestReplicationResponse::Internal(Json(Problem::internal(&e))),
        }
    }

    /// Replications, newest first.
    #[oai(
        path = "/replications",
        method = "get",
        operation_id = "listReplications"
    )]
    async fn list(
        &self,
        _auth: ViewerAuth,
        state: Data<&AppState>,
        /// Page size, 1-100 (default 20).
        limit: Query<Option<i64>>,
        /// How many to skip (default 0).
        offset: Query<Option<i64>>,
        /// Only the replications of this subvolume.
        subvolume_id: Query<Option<Uuid>>,
    ) -> ListReplicationsResponse {
        let limit = limit.0.unwrap_or(20);
        let offset = offset.0.unwrap_or(0);
        if !(1..=MAX_LIMIT).contains(&limit) || offset < 0 {
            return ListReplicationsResponse::BadRequest(Json(Problem::validation(format!(
                "limit must be between 1 and {MAX_LIMIT} and offset at least 0"
            ))));
        }
        let result = async {
            let mut conn = state.pool.acquire().await?;
            let (views, total) = projections::replications(
                &mut conn,
                subvolume_id.0.map(SubvolumeId::from_uuid),
                limit,
                offset,
            )
            .await?;
            drop(conn);
            // One query for every run's targets, not one per run.
            let ids: Vec<ReplicationId> = views.iter().map(|v| v.replication_id).collect();
            let mut targets = projections::replication_targets_of(&state.pool, &ids).await?;
            let items: Vec<Replication> = views
                .into_iter()
                .map(|v| {
                    let rows = targets.remove(&v.replication_id).unwrap_or_default();
                    replication_with(v, rows)
                })
                .collect();
            Ok::<_, store::StoreError>(ReplicationPage {
                items,
                total,
                limit,
                offset,
            })
        }
        .await;
        match result {
            Ok(page) => ListReplicationsResponse::Ok(Json(page)),
            Err(e) => e.into(),
        }
    }

    /// One replication with the state, progress and result of each target.
    #[oai(
        path = "/replications/:id",
        method = "get",
        operation_id = "getReplication"
    )]
    async fn get(
        &self,
        _auth: ViewerAuth,
        state: Data<&AppState>,
        id: Path<Uuid>,
    ) -> GetReplicationResponse {
        let result = async {
            match projections::replication(&state.pool, ReplicationId::from_uuid(id.0)).await? {
                Some(v) => Ok(Some(replication(&state.pool, v).await?)),
                None => Ok::<_, store::StoreError>(None),
            }
        }
        .await;
        match result {
            Ok(Some(r)) => GetReplicationResponse::Ok(Json(r)),
            Ok(None) => GetReplicationResponse::NotFound(Json(Problem::not_found(format!(
                "no replication {}",
                id.0
            )))),
            Err(e) => e.into(),
        }
    }
}
