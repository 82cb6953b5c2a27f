//! Replication over HTTP: targets (`/subvolumes/{id}/targets`, `/targets`,
//! `/targets/{id}`, `/targets/{id}/replicas`) and replications (`/replications`,
//! `/replications/{id}`). Reads come from the replication projections; changes go
//! through the engine. `POST /replications` records the request and hands the run to
//! `AppState::job_queue` (in `serve`: a durable `ReplicateJob`, retried while
//! targets fail transiently), or without one runs it in a task of this process.

use domain::replication::TargetOptions;
use domain::{ReplicationId, ServerId, SnapshotId, SubvolumeId, TargetId};
use engine::targets::TargetChanges;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::types::MaybeUndefined;
use poem_openapi::{OpenApi, Tags};
use store::AppendMeta;
use store::projections::{self, ReplicaKey, ReplicationKey, TargetKey};
use uuid::Uuid;

use crate::AppState;
use crate::auth::{OperatorAuth, ViewerAuth};
use crate::page::{self, Page};
use crate::problem::Problem;
use crate::respond::{Accepted, Answer, Created, JsonText, NoContent, documented};

pub(crate) mod dto;
pub(crate) mod retention;

pub use dto::*;
use dto::{replication, replication_with, target, with_pin};
pub use retention::TargetRetention;

#[derive(Tags)]
enum Tag {
    /// Where a subvolume's snapshots are replicated to.
    Targets,
    /// Sending snapshots to targets.
    Replications,
}

documented!(
    /// Changes of targets and requests of runs: every engine outcome.
    ChangeErrors:
        400 "Invalid input (the detail starts with the field, `field` names it). Nothing changed.",
        404 "A referenced subvolume, server, snapshot or target does not exist.",
        409 "Conflicts with the current state (e.g. a run to the target has not finished). \
             Nothing changed.",
        500 "A server-side failure.",
        502 "A command on a server failed.",
        503 "A server cannot be reached."
);
documented!(
    /// Reads of targets, replicas and runs.
    ReadErrors:
        400 "Invalid parameters.",
        404 "Not found.",
        500 "A server-side failure."
);

const MAX_LIMIT: i64 = 100;

async fn targets_page(
    pool: &sqlx::PgPool,
    subvolume: Option<SubvolumeId>,
    limit: Option<i64>,
    after: Option<String>,
) -> Result<Page<Target>, Problem> {
    let limit = page::limit(limit)?;
    let after: Option<TargetKey> = page::decode_after(after.as_deref())?;
    let mut views =
        projections::targets_page(pool, subvolume, after.as_ref(), Some(limit + 1)).await?;
    let next_after = page::cut(&mut views, limit, |t| TargetKey::from(t));
    // One query for every pin, not one per target.
    let ids: Vec<TargetId> = views.iter().map(|v| v.target_id).collect();
    let pins = projections::pins_of_targets(pool, &ids).await?;
    let items = views
        .into_iter()
        .map(|v| {
            let pin = pins.get(&v.target_id).copied();
            target(v, pin)
        })
        .collect();
    Ok(Page { items, next_after })
}

pub struct TargetsApi;

#[OpenApi(tag = "Tag::Targets")]
impl TargetsApi {
    /// Attaches a replication target (a directory on a remote SSH server) to a managed
    /// subvolume.
    #[oai(path = "/subvolumes/:id/targets", method = "post", operation_id = "addTarget")]
    async fn add(
        &self,
        auth: OperatorAuth,
        state: Data<&AppState>,
        id: Path<Uuid>,
        body: Json<NewTarget>,
    ) -> Answer<Created<Target>, ChangeErrors> {
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
            .await?;
        Ok(Created(target(added, None)))
    }

    /// A subvolume's targets, oldest first, a page at a time.
    #[oai(path = "/subvolumes/:id/targets", method = "get", operation_id = "listSubvolumeTargets")]
    async fn list_of(
        &self,
        _auth: ViewerAuth,
        state: Data<&AppState>,
        id: Path<Uuid>,
        /// Items per page, 1 to 1000 (default 1000), oldest first.
        limit: Query<Option<i64>>,
        /// The `next_after` of the previous page.
        after: Query<Option<String>>,
    ) -> Answer<JsonText<Page<Target>>, ReadErrors> {
        let sv = SubvolumeId::from_uuid(id.0);
        if projections::subvolume(&state.pool, sv).await?.is_none() {
            return Err(Problem::not_found(format!("no subvolume {}", id.0)).into());
        }
        Ok(JsonText::of(
            &targets_page(&state.pool, Some(sv), limit.0, after.0).await?,
        )?)
    }

    /// The targets, oldest first, a page at a time.
    #[oai(path = "/targets", method = "get", operation_id = "listTargets")]
    async fn list(
        &self,
        _auth: ViewerAuth,
        state: Data<&AppState>,
        /// Items per page, 1 to 1000 (default 1000), oldest first.
        limit: Query<Option<i64>>,
        /// The `next_after` of the previous page.
        after: Query<Option<String>>,
    ) -> Answer<JsonText<Page<Target>>, ReadErrors> {
        // Checked before a kept page is looked for: bad input is a 400 either way.
        let query = page::ListQuery {
            of: None,
            after: after.0,
            limit: page::limit(limit.0)?,
        };
        page::decode_after::<TargetKey>(query.after.as_deref())?;
        let (pool, limit, after) = (&state.pool, Some(query.limit), query.after.clone());
        let body = page::read_kept(
            pool,
            &state.list_pages.targets,
            query,
            page::no_clock,
            async { targets_page(pool, None, limit, after).await },
        )
        .await?;
        Ok(JsonText::of_bytes(body))
    }

    /// One target.
    #[oai(path = "/targets/:id", method = "get", operation_id = "getTarget")]
    async fn get(
        &self,
        _auth: ViewerAuth,
        state: Data<&AppState>,
        id: Path<Uuid>,
    ) -> Answer<Json<Target>, ReadErrors> {
        let v = projections::target(&state.pool, TargetId::from_uuid(id.0))
            .await?
            .ok_or_else(|| Problem::not_found(format!("no target {}", id.0)))?;
        Ok(Json(with_pin(&state.pool, v).await?))
    }

    /// Changes a target's directory or options.
    #[oai(path = "/targets/:id", method = "patch", operation_id = "updateTarget")]
    async fn update(
        &self,
        auth: OperatorAuth,
        state: Data<&AppState>,
        id: Path<Uuid>,
        body: Json<TargetPatch>,
    ) -> Answer<Json<Target>, ChangeErrors> {
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
        let v = state
            .engine
            .update_target(tid, &changes, &AppendMeta::new(auth.actor()))
            .await?;
        Ok(Json(with_pin(&state.pool, v).await?))
    }

    /// Detaches a target. Copies already on the remote stay there.
    #[oai(path = "/targets/:id", method = "delete", operation_id = "removeTarget")]
    async fn remove(
        &self,
        auth: OperatorAuth,
        state: Data<&AppState>,
        id: Path<Uuid>,
    ) -> Answer<NoContent, ChangeErrors> {
        state
            .engine
            .remove_target(TargetId::from_uuid(id.0), &AppendMeta::new(auth.actor()))
            .await?;
        Ok(NoContent)
    }

    /// What the next prune would do to the target's replicas, planned now by the
    /// subvolume's policy's target retention over the catalogued replicas: each with its
    /// size, receive time, whether it is the incremental base, and why it is kept or
    /// that it would be deleted. Changes nothing.
    #[oai(path = "/targets/:id/retention", method = "get", operation_id = "getTargetRetention")]
    async fn retention(
        &self,
        _auth: ViewerAuth,
        state: Data<&AppState>,
        id: Path<Uuid>,
    ) -> Answer<Json<TargetRetention>, ReadErrors> {
        Ok(Json(
            retention::target_retention(&state, TargetId::from_uuid(id.0)).await?,
        ))
    }

    /// The replica catalog of a target: the complete copies found on it after the last
    /// successful replication.
    #[oai(path = "/targets/:id/replicas", method = "get", operation_id = "listReplicas")]
    async fn replicas(
        &self,
        _auth: ViewerAuth,
        state: Data<&AppState>,
        id: Path<Uuid>,
        /// Items per page, 1 to 1000 (default 1000), by path.
        limit: Query<Option<i64>>,
        /// The `next_after` of the previous page.
        after: Query<Option<String>>,
    ) -> Answer<Json<Page<Replica>>, ReadErrors> {
        let limit = page::limit(limit.0)?;
        let after: Option<ReplicaKey> = page::decode_after(after.0.as_deref())?;
        let tid = TargetId::from_uuid(id.0);
        if projections::target(&state.pool, tid).await?.is_none() {
            return Err(Problem::not_found(format!("no target {}", id.0)).into());
        }
        let rows =
            projections::replicas_of_target_page(&state.pool, tid, after.as_ref(), Some(limit + 1))
                .await?;
        Ok(Json(page::page(
            rows,
            limit,
            |r| ReplicaKey::from(r),
            Replica::from,
        )))
    }
}

pub struct ReplicationsApi;

#[OpenApi(tag = "Tag::Replications")]
impl ReplicationsApi {
    /// Replicates a snapshot to its subvolume's targets (all, or the given ones). The run
    /// starts in the background; the response is the queued replication: poll
    /// `GET /replications/{id}`.
    #[oai(path = "/replications", method = "post", operation_id = "requestReplication")]
    async fn request(
        &self,
        auth: OperatorAuth,
        state: Data<&AppState>,
        body: Json<NewReplication>,
    ) -> Answer<Accepted<Replication>, ChangeErrors> {
        let meta = AppendMeta::new(auth.actor());
        let targets = body
            .0
            .target_ids
            .map(|ids| ids.into_iter().map(TargetId::from_uuid).collect());
        let view = state
            .engine
            .request_replication(SnapshotId::from_uuid(body.0.snapshot_id), targets, &meta)
            .await?;
        match &state.job_queue {
            Some(queue) => {
                // The run is recorded; if enqueueing fails, the next start of `serve`
                // enqueues every unfinished run.
                if let Err(e) = queue.enqueue_replication(&view).await {
                    tracing::error!(replication = %view.replication_id, error = %e, "enqueueing the replication failed");
                }
            }
            None => {
                state.engine.spawn_replication(view.replication_id, meta);
            }
        }
        Ok(Accepted(replication(&state.pool, view).await?))
    }

    /// What replicating a snapshot would do on each target of its subvolume, without
    /// doing it: already present, a full or an incremental send (from which parent, of
    /// about how many bytes: a metadata-only `btrfs send --no-data`), refused (e.g. strict
    /// incremental without a base) or unreadable now. Reads the primary and every target
    /// over SSH; records nothing.
    #[oai(
        path = "/snapshots/:id/replication-preview",
        method = "get",
        operation_id = "previewReplication"
    )]
    async fn preview(
        &self,
        _auth: OperatorAuth,
        state: Data<&AppState>,
        id: Path<Uuid>,
    ) -> Answer<Json<Vec<TargetPreview>>, ChangeErrors> {
        let plans = state
            .engine
            .preview_replication(SnapshotId::from_uuid(id.0))
            .await?;
        Ok(Json(plans.into_iter().map(TargetPreview::from).collect()))
    }

    /// Replications, newest first, a page at a time.
    #[oai(path = "/replications", method = "get", operation_id = "listReplications")]
    async fn list(
        &self,
        _auth: ViewerAuth,
        state: Data<&AppState>,
        /// Items per page, 1 to 100 (default 20).
        limit: Query<Option<i64>>,
        /// The `next_after` of the previous page.
        after: Query<Option<String>>,
        /// Only the replications of this subvolume.
        subvolume_id: Query<Option<Uuid>>,
    ) -> Answer<JsonText<Page<Replication>>, ReadErrors> {
        // Checked before a kept page is looked for: bad input is a 400 either way.
        let query = page::ListQuery {
            of: subvolume_id.0,
            after: after.0,
            limit: page::limit_within(limit.0, 20, MAX_LIMIT)?,
        };
        let after: Option<ReplicationKey> = page::decode_after(query.after.as_deref())?;
        let (pool, subvolume, limit) = (&state.pool, query.of, query.limit);
        let body = page::read_kept(
            pool,
            &state.list_pages.replications,
            query,
            page::no_clock,
            async move {
                let mut views = projections::replications_page(
                    pool,
                    subvolume.map(SubvolumeId::from_uuid),
                    after.as_ref(),
                    limit + 1,
                )
                .await?;
                let next_after = page::cut(&mut views, limit, |v| ReplicationKey::from(v));
                // One query for every run's targets, not one per run.
                let ids: Vec<ReplicationId> = views.iter().map(|v| v.replication_id).collect();
                let mut targets = projections::replication_targets_of(pool, &ids).await?;
                let items: Vec<Replication> = views
                    .into_iter()
                    .map(|v| {
                        let rows = targets.remove(&v.replication_id).unwrap_or_default();
                        replication_with(v, rows)
                    })
                    .collect();
                Ok(Page { items, next_after })
            },
        )
        .await?;
        Ok(JsonText::of_bytes(body))
    }

    /// One replication with the state, progress and result of each target.
    #[oai(path = "/replications/:id", method = "get", operation_id = "getReplication")]
    async fn get(
        &self,
        _auth: ViewerAuth,
        state: Data<&AppState>,
        id: Path<Uuid>,
    ) -> Answer<Json<Replication>, ReadErrors> {
        let v = projections::replication(&state.pool, ReplicationId::from_uuid(id.0))
            .await?
            .ok_or_else(|| Problem::not_found(format!("no replication {}", id.0)))?;
        Ok(Json(replication(&state.pool, v).await?))
    }
}
