//! `GET /servers`, `GET /servers/{id}` and `GET /servers/{id}/subvolumes` (discovery).
//! Registering, changing and removing servers arrives with the remote-servers issue.

use chrono::{DateTime, Utc};
use domain::{ServerId, ServerRole, Transport};
use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi, Tags};
use store::projections::{self, ServerView};
use uuid::Uuid;

use crate::AppState;
use crate::auth::ViewerAuth;
use crate::engine_error::engine_responses;
use crate::problem::Problem;

#[derive(Tags)]
enum Tag {
    /// Servers: the primary and the remotes.
    Servers,
}

/// What a server is for.
#[derive(Debug, Enum)]
#[oai(rename_all = "lowercase")]
pub enum Role {
    /// Holds the subvolumes that are snapshotted.
    Primary,
    /// Receives replicas.
    Remote,
}

/// How dist-btrfs reaches a server.
#[derive(Debug, Enum)]
#[oai(rename_all = "lowercase")]
pub enum TransportKind {
    /// On the machine dist-btrfs runs on.
    Local,
    /// Over SSH.
    Ssh,
}

/// How dist-btrfs reaches a server (credentials are never shown).
#[derive(Debug, Object)]
pub struct ServerTransport {
    pub kind: TransportKind,
    /// SSH only.
    pub address: Option<String>,
    /// SSH only.
    pub port: Option<u16>,
    /// SSH only.
    pub username: Option<String>,
}

/// A server.
#[derive(Debug, Object)]
pub struct Server {
    pub id: Uuid,
    pub name: String,
    pub role: Role,
    pub transport: ServerTransport,
    /// Absolute paths under which dist-btrfs may manage subvolumes and snapshots.
    pub allowed_roots: Vec<String>,
    pub registered_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<ServerView> for Server {
    fn from(v: ServerView) -> Self {
        let transport = match v.transport {
            Transport::Local => ServerTransport {
                kind: TransportKind::Local,
                address: None,
                port: None,
                username: None,
            },
            Transport::Ssh {
                address,
                port,
                username,
            } => ServerTransport {
                kind: TransportKind::Ssh,
                address: Some(address),
                port: Some(port),
                username: Some(username),
            },
        };
        Self {
            id: v.server_id.as_uuid(),
            name: v.name,
            role: match v.role {
                ServerRole::Primary => Role::Primary,
                ServerRole::Remote => Role::Remote,
            },
            transport,
            allowed_roots: v.allowed_roots,
            registered_at: v.registered_at,
            updated_at: v.updated_at,
        }
    }
}

/// A btrfs subvolume found on a server, under its allowed roots.
#[derive(Debug, Object)]
pub struct DiscoveredSubvolume {
    /// Absolute path on the server.
    pub path: String,
    /// btrfs subvolume id.
    pub btrfs_id: u64,
    pub uuid: Option<Uuid>,
    /// Set on snapshots: the uuid of the subvolume they were taken of.
    pub parent_uuid: Option<Uuid>,
    /// Set on received subvolumes.
    pub received_uuid: Option<Uuid>,
    /// Generation of the last change.
    pub generation: u64,
    pub readonly: bool,
    /// Whether the path can be managed (paths with spaces, quotes etc. cannot).
    pub manageable: bool,
    /// The managed subvolume this is, if any.
    pub managed_subvolume_id: Option<Uuid>,
}

#[derive(ApiResponse)]
pub enum ListServersResponse {
    /// Every server, by name.
    #[oai(status = 200)]
    Ok(Json<Vec<Server>>),
    /// A server-side failure.
    #[oai(status = 500)]
    Internal(Json<Problem>),
}

#[derive(ApiResponse)]
pub enum GetServerResponse {
    /// The server.
    #[oai(status = 200)]
    Ok(Json<Server>),
    /// No such server.
    #[oai(status = 404)]
    NotFound(Json<Problem>),
    /// A server-side failure.
    #[oai(status = 500)]
    Internal(Json<Problem>),
}

#[derive(ApiResponse)]
pub enum DiscoverSubvolumesResponse {
    /// The subvolumes under the server's allowed roots (snapshots included), by path.
    #[oai(status = 200)]
    Ok(Json<Vec<DiscoveredSubvolume>>),
    /// An allowed root of the server cannot be listed (e.g. it is not inside a mount of
    /// the filesystem's top level).
    #[oai(status = 400)]
    BadRequest(Json<Problem>),
    /// No such server.
    #[oai(status = 404)]
    NotFound(Json<Problem>),
    /// The state does not allow it.
    #[oai(status = 409)]
    Conflict(Json<Problem>),
    /// A btrfs command on the server failed.
    #[oai(status = 502)]
    BadGateway(Json<Problem>),
    /// The server cannot be reached.
    #[oai(status = 503)]
    Unavailable(Json<Problem>),
    /// A server-side failure.
    #[oai(status = 500)]
    Internal(Json<Problem>),
}

engine_responses!(DiscoverSubvolumesResponse);

pub struct ServersApi;

#[OpenApi(tag = "Tag::Servers")]
impl ServersApi {
    /// Every registered server.
    #[oai(path = "/servers", method = "get", operation_id = "listServers")]
    async fn list(&self, _auth: ViewerAuth, state: Data<&AppState>) -> ListServersResponse {
        match projections::servers(&state.pool).await {
            Ok(servers) => {
                ListServersResponse::Ok(Json(servers.into_iter().map(Server::from).collect()))
            }
            Err(e) => ListServersResponse::Internal(Json(Problem::internal(&e))),
        }
    }

    /// One server.
    #[oai(path = "/servers/:id", method = "get", operation_id = "getServer")]
    async fn get(
        &self,
        _auth: ViewerAuth,
        state: Data<&AppState>,
        id: Path<Uuid>,
    ) -> GetServerResponse {
        match projections::server(&state.pool, ServerId::from_uuid(id.0)).await {
            Ok(Some(server)) => GetServerResponse::Ok(Json(server.into())),
            Ok(None) => {
                GetServerResponse::NotFound(Json(Problem::not_found(format!("no server {}", id.0))))
            }
            Err(e) => GetServerResponse::Internal(Json(Problem::internal(&e))),
        }
    }

    /// Discovers the btrfs subvolumes on a server (under its allowed roots), marking the
    /// managed ones. Reads the server's disk; changes nothing.
    #[oai(
        path = "/servers/:id/subvolumes",
        method = "get",
        operation_id = "discoverSubvolumes"
    )]
    async fn discover(
        &self,
        _auth: ViewerAuth,
        state: Data<&AppState>,
        id: Path<Uuid>,
    ) -> DiscoverSubvolumesResponse {
        match state
            .engine
            .discover_subvolumes(ServerId::from_uuid(id.0))
            .await
        {
            Ok(found) => DiscoverSubvolumesResponse::Ok(Json(
                found
                    .into_iter()
                    .map(|d| DiscoveredSubvolume {
                        manageable: d.found.path.is_some(),
                        path: d.found.raw_path,
                        btrfs_id: d.found.info.id,
                        uuid: d.found.info.uuid,
                        parent_uuid: d.found.info.parent_uuid,
                        received_uuid: d.found.info.received_uuid,
                        generation: d.found.info.generation,
                        readonly: d.found.readonly,
                        managed_subvolume_id: d.managed_as.map(|s| s.as_uuid()),
                    })
                    .collect(),
            )),
            Err(e) => e.into(),
        }
    }
}
