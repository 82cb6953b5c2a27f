//! `GET/PATCH /instance`: this installation's identity and display name.

use chrono::{DateTime, Utc};
use engine::instance::RenameError;
use poem::web::Data;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi, Tags};
use store::projections;
use uuid::Uuid;

use crate::AppState;
use crate::auth::{AdminAuth, ViewerAuth};
use crate::problem::Problem;
use crate::respond::{Answer, documented};

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

documented!(
    /// Reading the installation.
    GetInstanceErrors:
        500 "A server-side failure.",
        503 "The installation has not been initialised yet (start-up in progress)."
);
documented!(
    /// Renaming the installation.
    PatchInstanceErrors:
        400 "The request was invalid; nothing changed.",
        409 "A concurrent change won; retry.",
        500 "A server-side failure.",
        503 "The installation has not been initialised yet."
);

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
    async fn get(
        &self,
        _auth: ViewerAuth,
        state: Data<&AppState>,
    ) -> Answer<Json<Instance>, GetInstanceErrors> {
        let view = projections::instance(&state.pool)
            .await?
            .ok_or_else(not_ready)?;
        Ok(Json(view.into()))
    }

    /// Renames this installation (admins). Recorded as an `InstanceRenamed` event.
    #[oai(path = "/instance", method = "patch", operation_id = "patchInstance")]
    async fn patch(
        &self,
        auth: AdminAuth,
        state: Data<&AppState>,
        body: Json<InstancePatch>,
    ) -> Answer<Json<Instance>, PatchInstanceErrors> {
        engine::instance::rename(&state.events, &body.name, auth.actor())
            .await
            .map_err(|e| match e {
                RenameError::Name(_) => Problem::invalid("name", e.to_string()),
                RenameError::NotReady => not_ready(),
                RenameError::Conflict(m) => Problem::conflict(m),
                RenameError::Store(e) => Problem::internal(&e),
            })?;
        let view = projections::instance(&state.pool)
            .await?
            .ok_or_else(not_ready)?;
        Ok(Json(view.into()))
    }
}
