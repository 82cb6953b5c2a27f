//! `GET/PATCH /instance`: this installation's identity and display name.

use chrono::{DateTime, Utc};
use domain::event::InstanceRenamed;
use domain::{DisplayName, DomainEvent, StreamId};
use poem::web::Data;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi, Tags};
use store::{AppendMeta, ExpectedVersion, StoreError, projections};
use uuid::Uuid;

use crate::AppState;
use crate::auth::{AdminAuth, ViewerAuth};
use crate::problem::Problem;

#[derive(Tags)]
enum Tag {
    /// This dist-btrfs installation.
    Instance,
}

/// This installation.
#[derive(Debug, Object)]
pub struct Instance {
    /// Stable id of this installation, fixed at first start.
    pub instance_id: Uuid,
    /// Display name shown in the dashboard, if one was set.
    pub name: Option<String>,
    /// Version of dist-btrfs that initialised the database.
    pub software_version: String,
    pub initialized_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<projections::InstanceView> for Instance {
    fn from(v: projections::InstanceView) -> Self {
        Self {
            instance_id: v.instance_id,
            name: v.name,
            software_version: v.software_version,
            initialized_at: v.initialized_at,
            updated_at: v.updated_at,
        }
    }
}

/// A change to this installation.
#[derive(Debug, Object)]
pub struct InstancePatch {
    /// New display name: 1-64 characters, no control characters.
    pub name: String,
}

#[derive(ApiResponse)]
pub enum GetInstanceResponse {
    /// The installation.
    #[oai(status = 200)]
    Ok(Json<Instance>),
    /// The installation has not been initialised yet (start-up in progress).
    #[oai(status = 503)]
    NotReady(Json<Problem>),
    /// A server-side failure.
    #[oai(status = 500)]
    Internal(Json<Problem>),
}

#[derive(ApiResponse)]
pub enum PatchInstanceResponse {
    /// The updated installation.
    #[oai(status = 200)]
    Ok(Json<Instance>),
    /// The request was invalid; nothing changed.
    #[oai(status = 400)]
    BadRequest(Json<Problem>),
    /// A concurrent change won; retry.
    #[oai(status = 409)]
    Conflict(Json<Problem>),
    /// The installation has not been initialised yet.
    #[oai(status = 503)]
    NotReady(Json<Problem>),
    /// A server-side failure.
    #[oai(status = 500)]
    Internal(Json<Problem>),
}

fn not_ready() -> Problem {
    Problem::new(
        poem::http::StatusCode::SERVICE_UNAVAILABLE,
        "not-ready",
        "the installation is not initialised yet",
    )
}

pub struct InstanceApi;

#[OpenApi(tag = "Tag::Instance")]
impl InstanceApi {
    /// This installation's id, name and version.
    #[oai(path = "/instance", method = "get", operation_id = "getInstance")]
    async fn get(&self, _auth: ViewerAuth, state: Data<&AppState>) -> GetInstanceResponse {
        match projections::instance(&state.pool).await {
            Ok(Some(view)) => GetInstanceResponse::Ok(Json(view.into())),
            Ok(None) => GetInstanceResponse::NotReady(Json(not_ready())),
            Err(e) => GetInstanceResponse::Internal(Json(Problem::internal(&e))),
        }
    }

    /// Renames this installation (admins). Recorded as an `InstanceRenamed` event.
    #[oai(path = "/instance", method = "patch", operation_id = "patchInstance")]
    async fn patch(
        &self,
        auth: AdminAuth,
        state: Data<&AppState>,
        body: Json<InstancePatch>,
    ) -> PatchInstanceResponse {
        let name = match DisplayName::parse(&body.name) {
            Ok(name) => name,
            Err(e) => {
                return PatchInstanceResponse::BadRequest(Json(Problem::validation(format!(
                    "name: {e}"
                ))));
            }
        };
        let stream = StreamId::instance();
        let version = match state.events.stream_version(&stream).await {
            Ok(0) => return PatchInstanceResponse::NotReady(Json(not_ready())),
            Ok(v) => v,
            Err(e) => return PatchInstanceResponse::Internal(Json(Problem::internal(&e))),
        };
        let meta = AppendMeta::new(auth.actor());
        let event = DomainEvent::InstanceRenamed(InstanceRenamed {
            name: name.into_string(),
        });
        match state
            .events
            .append(&stream, ExpectedVersion::Exactly(version), &[event], &meta)
            .await
        {
            Ok(_) => {}
            Err(e @ StoreError::Conflict { .. }) => {
                return PatchInstanceResponse::Conflict(Json(Problem::conflict(e.to_string())));
            }
            Err(e) => return PatchInstanceResponse::Internal(Json(Problem::internal(&e))),
        }
        match projections::instance(&state.pool).await {
            Ok(Some(view)) => PatchInstanceResponse::Ok(Json(view.into())),
            Ok(None) => PatchInstanceResponse::NotReady(Json(not_ready())),
            Err(e) => PatchInstanceResponse::Internal(Json(Problem::internal(&e))),
        }
    }
}
