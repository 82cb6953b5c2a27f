//! `GET /servers`, `GET /servers/{id}` and `GET /servers/{id}/subvolumes` (discovery)
//! for viewers; registering (`POST /servers`), changing (`PATCH`), removing (`DELETE`),
//! testing (`POST /servers/{id}/test`), probing a new server's host key
//! (`POST /servers/probe-host-key`) and re-pinning a changed host key
//! (`POST /servers/{id}/host-key/accept`) SSH servers for admins. Secrets are write-only:
//! they go to the vault through the engine and are never returned.

use chrono::{DateTime, Utc};
use std::sync::Arc;

use domain::{ServerId, ServerRole, Transport};
use engine::ssh_servers::{
    Check, Credentials, NewSshServer, RegisterError, ServerChanges, VaultConnector,
};
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi, Tags};
use secrecy::SecretString;
use store::projections::{self, ServerView};
use store::vault::Vault;
use uuid::Uuid;

use crate::AppState;
use crate::auth::{AdminAuth, ViewerAuth};
use crate::page::{self, Page};
use crate::problem::{Problem, ProblemJson};
use crate::respond::{Answer, NoContent, documented};

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
    /// btrfs runs through `sudo -n` (a non-root SSH user).
    pub sudo: bool,
    /// The pinned SSH host key (SHA256 fingerprint); SSH servers only.
    pub host_key_fingerprint: Option<String>,
    /// `password` or `key`: which kind of SSH credential is stored (never the secret).
    pub credential_kind: Option<String>,
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
            sudo: v.sudo,
            host_key_fingerprint: v.host_key_fingerprint,
            credential_kind: v.credential_kind.map(|k| k.as_str().to_owned()),
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

documented!(
    /// Reading servers.
    ReadErrors: 400 "Invalid parameters.", 404 "No such server.", 500 "A server-side failure."
);
documented!(
    /// Work on a server or its registration (the vault, a connection, a check).
    ServerErrors:
        400 "Invalid input (`field` names it). Nothing was changed.",
        404 "No such server.",
        409 "Conflicts with the current state: the name is taken, the fingerprint differs, \
             the server is local, or (removal) managed subvolumes or replication targets \
             still use it (named in the detail).",
        500 "A server-side failure.",
        502 "A command on the server failed, or it could not be reached.",
        503 "The server or the vault is not available."
);

pub struct ServersApi;

#[OpenApi(tag = "Tag::Servers")]
impl ServersApi {
    /// The registered servers by name, a page at a time.
    #[oai(path = "/servers", method = "get", operation_id = "listServers")]
    async fn list(
        &self,
        _auth: ViewerAuth,
        state: Data<&AppState>,
        /// Items per page, 1 to 1000 (default 1000).
        limit: Query<Option<i64>>,
        /// The `next_after` of the previous page.
        after: Query<Option<String>>,
    ) -> Answer<Json<Page<Server>>, ReadErrors> {
        let limit = page::limit(limit.0)?;
        let after: Option<String> = page::decode_after(after.0.as_deref())?;
        let rows =
            projections::servers_page(&state.pool, after.as_deref(), Some(limit + 1)).await?;
        Ok(Json(page::page(
            rows,
            limit,
            |s| s.name.clone(),
            Server::from,
        )))
    }

    /// One server.
    #[oai(path = "/servers/:id", method = "get", operation_id = "getServer")]
    async fn get(
        &self,
        _auth: ViewerAuth,
        state: Data<&AppState>,
        id: Path<Uuid>,
    ) -> Answer<Json<Server>, ReadErrors> {
        let server = projections::server(&state.pool, ServerId::from_uuid(id.0))
            .await?
            .ok_or_else(|| Problem::not_found(format!("no server {}", id.0)))?;
        Ok(Json(server.into()))
    }

    /// Discovers the btrfs subvolumes on a server (under its allowed roots), marking the
    /// managed ones. Reads the server's disk; changes nothing.
    #[oai(path = "/servers/:id/subvolumes", method = "get", operation_id = "discoverSubvolumes")]
    async fn discover(
        &self,
        _auth: ViewerAuth,
        state: Data<&AppState>,
        id: Path<Uuid>,
    ) -> Answer<Json<Vec<DiscoveredSubvolume>>, ServerErrors> {
        let found = state
            .engine
            .discover_subvolumes(ServerId::from_uuid(id.0))
            .await?;
        Ok(Json(
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
        ))
    }

    /// Registers a server reached over SSH: validates the input, connects (pinning the
    /// host key it presents), runs the checks and refuses a server that fails them
    /// unless `force` (a failed connection is refused regardless). Admins only.
    #[oai(path = "/servers", method = "post", operation_id = "registerServer")]
    async fn register(
        &self,
        auth: AdminAuth,
        state: Data<&AppState>,
        body: Json<NewServer>,
    ) -> RegisterServerResponse {
        let vault = match vault(&state) {
            Ok(v) => v,
            Err(p) => return RegisterServerResponse::Unavailable(ProblemJson(p)),
        };
        let b = body.0;
        let credentials = match required_credentials(b.password, b.private_key, b.passphrase) {
            Ok(c) => c,
            Err(p) => return RegisterServerResponse::BadRequest(ProblemJson(p)),
        };
        let req = NewSshServer {
            name: b.name,
            address: b.address,
            port: b.port,
            username: b.username,
            credentials,
            role: match b.role {
                Role::Primary => ServerRole::Primary,
                Role::Remote => ServerRole::Remote,
            },
            sudo: b.sudo,
            allowed_roots: b.allowed_roots,
            force: b.force,
            host_key_fingerprint: b.host_key_fingerprint,
        };
        match state
            .engine
            .register_ssh_server(&vault, &req, &store::AppendMeta::new(auth.actor()))
            .await
        {
            Ok((server, _)) => RegisterServerResponse::Created(Json(server.into())),
            Err(RegisterError::Engine(e)) => e.into(),
            Err(RegisterError::ChecksFailed(checks)) => {
                let failed: Vec<String> = checks
                    .iter()
                    .filter(|c| !c.ok)
                    .map(|c| format!("{}: {}", c.name, c.detail))
                    .collect();
                RegisterServerResponse::ChecksFailed(Json(ChecksProblem {
                    kind: "/problems/checks-failed".into(),
                    title: "the server failed its checks".into(),
                    status: 422,
                    detail: Some(failed.join("; ")),
                    checks: checks.into_iter().map(CheckResult::from).collect(),
                }))
            }
        }
    }

    /// The SSH host key fingerprint `address:port` presents, for the admin to confirm
    /// before registering (then sent as `host_key_fingerprint`). Stores nothing.
    /// Admins only, at most 10 a minute each. The answer is the key or "unreachable":
    /// it says nothing about why (closed, filtered, not SSH), and a failure takes as
    /// long as a connection time-out, so it is no port scanner.
    #[oai(path = "/servers/probe-host-key", method = "post", operation_id = "probeServerHostKey")]
    async fn probe_host_key(
        &self,
        auth: AdminAuth,
        state: Data<&AppState>,
        body: Json<ProbeHostKey>,
    ) -> ProbeHostKeyResponse {
        if let Err(wait) = state.probe_limit.take(&auth.principal().user_id) {
            let secs = wait.as_secs().max(1);
            return ProbeHostKeyResponse::TooMany(
                ProblemJson(Problem::new(
                    poem::http::StatusCode::TOO_MANY_REQUESTS,
                    "rate-limited",
                    format!("too many host-key probes; try again in {secs} s"),
                )),
                secs,
            );
        }
        let started = tokio::time::Instant::now();
        match engine::ssh_servers::probe_host_key(&body.0.address, body.0.port).await {
            Ok(fingerprint) => ProbeHostKeyResponse::Ok(Json(HostKeyProbe { fingerprint })),
            Err(e @ engine::EngineError::Invalid(_)) => {
                let field = if e.to_string().starts_with("port") {
                    "port"
                } else {
                    "address"
                };
                ProbeHostKeyResponse::BadRequest(ProblemJson(Problem::invalid(
                    field,
                    e.to_string(),
                )))
            }
            Err(e) => {
                tracing::info!(error = %e, "host-key probe failed");
                tokio::time::sleep_until(started + state.probe_failure_floor).await;
                ProbeHostKeyResponse::Unreachable(ProblemJson(Problem::new(
                    poem::http::StatusCode::SERVICE_UNAVAILABLE,
                    "unreachable",
                    "no SSH server answered at that address and port",
                )))
            }
        }
    }

    /// Changes a server's name, address, port, user, sudo flag, allowed roots and/or
    /// credentials. Does not connect. Admins only.
    #[oai(path = "/servers/:id", method = "patch", operation_id = "updateServer")]
    async fn update(
        &self,
        auth: AdminAuth,
        state: Data<&AppState>,
        id: Path<Uuid>,
        body: Json<ServerPatch>,
    ) -> Answer<Json<Server>, ServerErrors> {
        let vault = vault(&state)?;
        let b = body.0;
        let credentials = credentials(b.password, b.private_key, b.passphrase)?;
        let changes = ServerChanges {
            name: b.name,
            address: b.address,
            port: b.port,
            username: b.username,
            sudo: b.sudo,
            allowed_roots: b.allowed_roots,
            credentials,
        };
        let server = state
            .engine
            .update_server(
                &vault,
                ServerId::from_uuid(id.0),
                &changes,
                &store::AppendMeta::new(auth.actor()),
            )
            .await?;
        Ok(Json(server.into()))
    }

    /// Removes a server and deletes its stored secrets. Refused while subvolumes are
    /// managed on it or replication targets use it. Admins only.
    #[oai(path = "/servers/:id", method = "delete", operation_id = "removeServer")]
    async fn remove(
        &self,
        auth: AdminAuth,
        state: Data<&AppState>,
        id: Path<Uuid>,
    ) -> Answer<NoContent, ServerErrors> {
        state
            .engine
            .remove_server(
                ServerId::from_uuid(id.0),
                &store::AppendMeta::new(auth.actor()),
            )
            .await?;
        Ok(NoContent)
    }

    /// Connects to an SSH server with its pinned host key and stored credentials and
    /// runs the checks (connection, `btrfs --version`, each allowed root on btrfs, free
    /// space). Changes nothing. Admins only.
    #[oai(path = "/servers/:id/test", method = "post", operation_id = "testServer")]
    async fn test(
        &self,
        _auth: AdminAuth,
        state: Data<&AppState>,
        id: Path<Uuid>,
    ) -> Answer<Json<Vec<CheckResult>>, ServerErrors> {
        let connector = VaultConnector::new(vault(&state)?);
        let checks = state
            .engine
            .test_server(&connector, ServerId::from_uuid(id.0))
            .await?;
        Ok(Json(checks.into_iter().map(CheckResult::from).collect()))
    }

    /// Re-pins a server's SSH host key to the key it presents now, which must be the
    /// given fingerprint. Recorded as an event. Admins only.
    #[oai(
        path = "/servers/:id/host-key/accept",
        method = "post",
        operation_id = "acceptServerHostKey"
    )]
    async fn accept_host_key(
        &self,
        auth: AdminAuth,
        state: Data<&AppState>,
        id: Path<Uuid>,
        body: Json<AcceptHostKey>,
    ) -> Answer<Json<Server>, ServerErrors> {
        let server = state
            .engine
            .accept_host_key(
                ServerId::from_uuid(id.0),
                &body.0.fingerprint,
                &store::AppendMeta::new(auth.actor()),
            )
            .await?;
        Ok(Json(server.into()))
    }
}

/// A new SSH server. Give `password` or `private_key` (with `passphrase` when it is
/// encrypted); they are stored encrypted and never returned.
#[derive(Object)]
pub struct NewServer {
    /// Unique name (letters, digits, `. _ @ + -`).
    pub name: String,
    /// Host name or IP address.
    pub address: String,
    /// SSH port, 1-65535.
    #[oai(default = "default_port")]
    pub port: u32,
    pub username: String,
    #[oai(write_only)]
    pub password: Option<String>,
    /// OpenSSH or PEM private key text (ed25519, RSA, ECDSA).
    #[oai(write_only)]
    pub private_key: Option<String>,
    #[oai(write_only)]
    pub passphrase: Option<String>,
    pub role: Role,
    /// Run btrfs through `sudo -n` (non-root user).
    #[oai(default)]
    pub sudo: bool,
    /// Absolute paths under which dist-btrfs may work on this server (at least one).
    pub allowed_roots: Vec<String>,
    /// Register even if a check other than the connection fails.
    #[oai(default)]
    pub force: bool,
    /// The host key fingerprint the admin confirmed (see `probeServerHostKey`): the
    /// connection must present exactly this key. Absent: trust on first use.
    pub host_key_fingerprint: Option<String>,
}

/// Where to look for a host key.
#[derive(Debug, Object)]
pub struct ProbeHostKey {
    /// Host name or IP address.
    pub address: String,
    /// SSH port, 1-65535.
    #[oai(default = "default_port")]
    pub port: u32,
}

/// The host key a server presents.
#[derive(Debug, Object)]
pub struct HostKeyProbe {
    /// `SHA256:...` as printed by `ssh-keygen -lf`.
    pub fingerprint: String,
}

#[derive(ApiResponse)]
pub enum ProbeHostKeyResponse {
    /// Reachable, with this host key.
    #[oai(status = 200)]
    Ok(Json<HostKeyProbe>),
    /// Invalid address or port (`field` says which).
    #[oai(status = 400)]
    BadRequest(ProblemJson),
    /// More than 10 probes in a minute.
    #[oai(status = 429)]
    TooMany(ProblemJson, #[oai(header = "Retry-After")] u64),
    /// Unreachable (no detail why).
    #[oai(status = 503)]
    Unreachable(ProblemJson),
}

fn default_port() -> u32 {
    22
}

/// Changes to a server; absent fields keep their value. New credentials replace the
/// stored ones.
#[derive(Object)]
pub struct ServerPatch {
    pub name: Option<String>,
    pub address: Option<String>,
    pub port: Option<u32>,
    pub username: Option<String>,
    pub sudo: Option<bool>,
    pub allowed_roots: Option<Vec<String>>,
    #[oai(write_only)]
    pub password: Option<String>,
    #[oai(write_only)]
    pub private_key: Option<String>,
    #[oai(write_only)]
    pub passphrase: Option<String>,
}

/// The fingerprint the admin confirmed (must equal the key the server presents now).
#[derive(Debug, Object)]
pub struct AcceptHostKey {
    /// `SHA256:...` as printed by `ssh-keygen -lf`.
    pub fingerprint: String,
}

/// The result of one server check.
#[derive(Debug, Object)]
pub struct CheckResult {
    /// `connect`, `btrfs_version`, `root_on_btrfs:<root>`, `free_space:<root>`.
    pub name: String,
    pub ok: bool,
    pub detail: String,
    pub duration_ms: u64,
}

impl From<Check> for CheckResult {
    fn from(c: Check) -> Self {
        Self {
            name: c.name,
            ok: c.ok,
            detail: c.detail,
            duration_ms: u64::try_from(c.duration.as_millis()).unwrap_or(u64::MAX),
        }
    }
}

/// A problem with the result of every check that was run.
#[derive(Debug, Object)]
pub struct ChecksProblem {
    #[oai(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: Option<String>,
    pub checks: Vec<CheckResult>,
}

/// The credentials a request carries, if any (at most one kind).
fn credentials(
    password: Option<String>,
    private_key: Option<String>,
    passphrase: Option<String>,
) -> Result<Option<Credentials>, Problem> {
    match (password, private_key) {
        (Some(_), Some(_)) => Err(Problem::validation(
            "password, private_key: give one of them, not both",
        )),
        (Some(p), None) => Ok(Some(Credentials::Password(SecretString::from(p)))),
        (None, Some(k)) => Ok(Some(Credentials::Key {
            key: SecretString::from(k),
            passphrase: passphrase.filter(|p| !p.is_empty()).map(SecretString::from),
        })),
        (None, None) => Ok(None),
    }
}

/// The credentials a new server must carry.
fn required_credentials(
    password: Option<String>,
    private_key: Option<String>,
    passphrase: Option<String>,
) -> Result<Credentials, Problem> {
    credentials(password, private_key, passphrase)?
        .ok_or_else(|| Problem::validation("password, private_key: one of them is required"))
}

#[derive(ApiResponse)]
pub enum RegisterServerResponse {
    /// Registered; its host key is pinned.
    #[oai(status = 201)]
    Created(Json<Server>),
    /// Invalid input (the detail names the field). Nothing was stored.
    #[oai(status = 400)]
    BadRequest(ProblemJson),
    #[oai(status = 404)]
    NotFound(ProblemJson),
    /// The name is taken.
    #[oai(status = 409)]
    Conflict(ProblemJson),
    /// A check failed (the connection, or another check without `force`). Nothing was
    /// stored.
    #[oai(status = 422)]
    ChecksFailed(Json<ChecksProblem>),
    #[oai(status = 502)]
    BadGateway(ProblemJson),
    /// The vault is not available.
    #[oai(status = 503)]
    Unavailable(ProblemJson),
    #[oai(status = 500)]
    Internal(ProblemJson),
}

impl From<engine::EngineError> for RegisterServerResponse {
    fn from(e: engine::EngineError) -> Self {
        let p = crate::engine_error::classify(&e);
        match p.status {
            400 => Self::BadRequest(ProblemJson(p)),
            404 => Self::NotFound(ProblemJson(p)),
            409 => Self::Conflict(ProblemJson(p)),
            502 => Self::BadGateway(ProblemJson(p)),
            503 => Self::Unavailable(ProblemJson(p)),
            _ => Self::Internal(ProblemJson(p)),
        }
    }
}

fn vault(state: &AppState) -> Result<Arc<Vault>, Problem> {
    state.vault.clone().ok_or_else(|| {
        Problem::new(
            poem::http::StatusCode::SERVICE_UNAVAILABLE,
            "vault-unavailable",
            "the credential vault is not configured in this process",
        )
    })
}
