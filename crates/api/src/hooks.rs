//! `PUT /subvolumes/{id}/hooks` and `GET /servers/{id}/hooks`: a subvolume's pre- and
//! post-snapshot hooks, chosen by name among the executables of its server's hooks
//! directory (`engine::hooks`; the rules are `domain::hooks`). Admins only: a hook is a
//! program run on the server.
//!
//! Not here: running hooks or checking names (the engine), who sees their output (every
//! reader of the subvolume and of the events).

use chrono::{DateTime, Utc};
use domain::hooks::DEFAULT_HOOK_TIMEOUT_SECS;
use domain::{ServerId, SubvolumeId};
use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi, Tags};
use serde::Serialize;
use store::AppendMeta;
use store::projections::{HookRun, SubvolumeView};
use uuid::Uuid;

use crate::AppState;
use crate::auth::AdminAuth;
use crate::respond::{Answer, documented};
use crate::subvolumes::Subvolume;

#[derive(Tags)]
enum Tag {
    /// Subvolumes dist-btrfs manages.
    Subvolumes,
}

/// A subvolume's snapshot hooks and how each last ran.
#[derive(Debug, Object, Serialize)]
pub struct SnapshotHooks {
    /// Run before each snapshot: a failure aborts the snapshot.
    pub pre: Option<String>,
    /// Run right after each snapshot (also a failed one): a failure is a fleet problem
    /// (`hook_failing`) until it succeeds again; the snapshot stays.
    pub post: Option<String>,
    /// Seconds a hook may run before it is killed (and fails).
    pub timeout_secs: u32,
    /// The last run of the current pre hook.
    pub last_pre: Option<HookRunDto>,
    /// The last run of the current post hook.
    pub last_post: Option<HookRunDto>,
}

/// One run of a hook.
#[derive(Debug, Object, Serialize)]
#[oai(rename = "HookRun")]
pub struct HookRunDto {
    pub hook: String,
    /// The snapshot it ran for.
    pub snapshot: String,
    /// `ok`, `failed`, `timed_out`, `not_found` or `unreachable`.
    pub outcome: String,
    pub exit_code: Option<i32>,
    pub duration_ms: u64,
    /// The end of its error output (or why it could not run); empty when it succeeded.
    pub message: String,
    #[serde(serialize_with = "crate::openapi_serde::rfc3339")]
    pub at: DateTime<Utc>,
}

impl From<HookRun> for HookRunDto {
    fn from(r: HookRun) -> Self {
        Self {
            hook: r.hook,
            snapshot: r.snapshot,
            outcome: r.outcome.to_string(),
            exit_code: r.exit_code,
            duration_ms: r.duration_ms,
            message: r.message,
            at: r.at,
        }
    }
}

impl SnapshotHooks {
    pub(crate) fn of(v: &SubvolumeView) -> Self {
        Self {
            pre: v.pre_snapshot_hook.clone(),
            post: v.post_snapshot_hook.clone(),
            timeout_secs: v.hook_timeout_secs,
            last_pre: v.last_pre_hook.clone().map(HookRunDto::from),
            last_post: v.last_post_hook.clone().map(HookRunDto::from),
        }
    }
}

/// Set a subvolume's hooks (both null: none).
#[derive(Debug, Object)]
pub struct SetSnapshotHooks {
    /// A file name in the server's hooks directory (1 to 64 ASCII letters, digits, `.`,
    /// `_`, `-`, starting with a letter or digit), or null.
    pub pre: Option<String>,
    /// As `pre`.
    pub post: Option<String>,
    /// 1 to 900 seconds (default 60).
    pub timeout_secs: Option<u64>,
}

/// The hooks a server offers.
#[derive(Debug, Object)]
pub struct ServerHooks {
    /// The hooks directory on every server (serve's `--hooks-dir`).
    pub directory: String,
    pub items: Vec<AvailableHook>,
}

/// An executable in a server's hooks directory.
#[derive(Debug, Object)]
pub struct AvailableHook {
    pub name: String,
    /// A symbolic link (what it points to is checked when it runs).
    pub symlink: bool,
}

documented!(
    /// Setting a subvolume's hooks.
    SetHooksErrors:
        400 "An invalid hook name or timeout, or the server has no such executable in its \
             hooks directory. Nothing changed.",
        404 "No such subvolume.",
        409 "The subvolume is not managed any more.",
        500 "A server-side failure.",
        502 "Listing the hooks directory on the server failed.",
        503 "The server cannot be reached."
);
documented!(
    /// Listing a server's hooks.
    ListHooksErrors:
        400 "Invalid parameters.",
        404 "No such server.",
        500 "A server-side failure.",
        502 "Listing the hooks directory on the server failed.",
        503 "The server cannot be reached."
);

pub struct HooksApi;

#[OpenApi(tag = "Tag::Subvolumes")]
impl HooksApi {
    /// Sets (or, both null, removes) the subvolume's pre- and post-snapshot hooks. Each
    /// must be an executable in the hooks directory of the subvolume's server now.
    #[oai(path = "/subvolumes/:id/hooks", method = "put", operation_id = "setSnapshotHooks")]
    async fn set(
        &self,
        auth: AdminAuth,
        state: Data<&AppState>,
        id: Path<Uuid>,
        body: Json<SetSnapshotHooks>,
    ) -> Answer<Json<Subvolume>, SetHooksErrors> {
        let view = state
            .engine
            .set_snapshot_hooks(
                SubvolumeId::from_uuid(id.0),
                body.0.pre.as_deref(),
                body.0.post.as_deref(),
                body.0
                    .timeout_secs
                    .unwrap_or(u64::from(DEFAULT_HOOK_TIMEOUT_SECS)),
                &AppendMeta::new(auth.actor()),
            )
            .await?;
        Ok(Json(view.into()))
    }

    /// The executables a server offers as snapshot hooks (its hooks directory, listed now).
    #[oai(path = "/servers/:id/hooks", method = "get", operation_id = "listServerHooks")]
    async fn list(
        &self,
        _auth: AdminAuth,
        state: Data<&AppState>,
        id: Path<Uuid>,
    ) -> Answer<Json<ServerHooks>, ListHooksErrors> {
        let items = state
            .engine
            .list_hooks(ServerId::from_uuid(id.0))
            .await?
            .into_iter()
            .map(|h| AvailableHook {
                name: h.name,
                symlink: h.symlink,
            })
            .collect();
        Ok(Json(ServerHooks {
            directory: state.engine.hooks_dir().to_string(),
            items,
        }))
    }
}
