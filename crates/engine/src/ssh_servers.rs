//! Servers reached over SSH: the vault-backed [`VaultConnector`] (the
//! [`hosts::Connector`](crate::hosts::Connector) of `serve`), the server checks
//! ([`run_checks`]) and the admin operations (register, update, remove, test, accept a
//! changed host key).
//!
//! Design:
//! - Credentials live only in the vault, under the server id and the fields
//!   [`FIELD_PASSWORD`], [`FIELD_PRIVATE_KEY`], [`FIELD_PASSPHRASE`]; events carry only
//!   the credential *kind*. Secrets are written in the same transaction as the events
//!   that register or change them (`Vault::put_in`), so a failure stores neither.
//! - The host key is pinned on first contact: registration connects with
//!   trust-on-first-use, and records the key it saw (`ServerHostKeyPinned`). Every later
//!   connection uses [`HostKeyPolicy::Pinned`]; a different key is refused (permanent
//!   `HostKeyMismatch`, naming both fingerprints) until an admin accepts the presented key
//!   (`ServerHostKeyAccepted`), which must equal the fingerprint the admin gives.
//! - Registration runs the same checks as `POST /servers/{id}/test` and refuses a server
//!   that fails any of them unless `force`; a failed *connection* is refused even with
//!   `force` (without contact there is no host key to pin and the credentials are
//!   unverified).
//! - `sudo` per server: the engine builds its `Btrfs` client `with_sudo(server.sudo)`.
//! - PATCH does not connect: a changed address that presents another key is refused at
//!   the next operation until the key is accepted.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use btrfs::{AbsPath, Btrfs, Host};
use domain::event::{
    ServerCredentialsChanged, ServerHostKeyAccepted, ServerHostKeyPinned, ServerRegistered,
    ServerRemoved, ServerUpdated,
};
use domain::{
    CredentialKind, DomainEvent, EntityName, ServerId, ServerPath, ServerRole, Transport,
};
use secrecy::{ExposeSecret, SecretString};
use ssh::{Auth, Fingerprint, HostKeyPolicy, SshConfig, SshHost};
use store::projections::{self, ServerView};
use store::vault::{Vault, VaultError};
use store::{AppendMeta, ExpectedVersion, events, locks};

use crate::{Engine, EngineError};

/// Vault field of an SSH password.
pub const FIELD_PASSWORD: &str = "ssh_password";
/// Vault field of an SSH private key (its text).
pub const FIELD_PRIVATE_KEY: &str = "ssh_private_key";
/// Vault field of a private key's passphrase.
pub const FIELD_PASSPHRASE: &str = "ssh_key_passphrase";
/// Free space below which the free-space check fails.
pub const MIN_FREE_BYTES: u64 = 64 * 1024 * 1024;

/// SSH credentials as given by an admin. `Debug` is redacted by `secrecy`.
#[derive(Debug, Clone)]
pub enum Credentials {
    Password(SecretString),
    Key {
        key: SecretString,
        passphrase: Option<SecretString>,
    },
}

impl Credentials {
    pub fn kind(&self) -> CredentialKind {
        match self {
            Self::Password(_) => CredentialKind::Password,
            Self::Key { .. } => CredentialKind::Key,
        }
    }

    /// Validates the credentials (non-empty password, decodable key) into an [`Auth`].
    /// Errors name the request field.
    pub fn auth(&self) -> Result<Auth, EngineError> {
        match self {
            Self::Password(p) if p.expose_secret().is_empty() => {
                Err(EngineError::Invalid("password: must not be empty".into()))
            }
            Self::Password(p) => Ok(Auth::password(p.clone())),
            Self::Key { key, passphrase } => Auth::private_key(key, passphrase.as_ref())
                .map_err(|e| EngineError::Invalid(format!("private_key: {e}"))),
        }
    }

    async fn store_in(
        &self,
        vault: &Vault,
        conn: &mut sqlx::PgConnection,
        server: ServerId,
    ) -> Result<(), EngineError> {
        let owner = server.as_uuid();
        Vault::delete_owner_in(conn, owner)
            .await
            .map_err(vault_error)?;
        match self {
            Self::Password(p) => vault.put_in(conn, owner, FIELD_PASSWORD, p).await,
            Self::Key { key, passphrase } => {
                vault
                    .put_in(conn, owner, FIELD_PRIVATE_KEY, key)
                    .await
                    .map_err(vault_error)?;
                match passphrase {
                    Some(p) => vault.put_in(conn, owner, FIELD_PASSPHRASE, p).await,
                    None => Ok(()),
                }
            }
        }
        .map_err(vault_error)
    }

    /// The credentials of `server` from the vault.
    pub async fn load(vault: &Vault, server: ServerId) -> Result<Self, VaultError> {
        let owner = server.as_uuid();
        if let Some(key) = vault.get(owner, FIELD_PRIVATE_KEY).await? {
            let passphrase = vault.get(owner, FIELD_PASSPHRASE).await?;
            return Ok(Self::Key { key, passphrase });
        }
        match vault.get(owner, FIELD_PASSWORD).await? {
            Some(p) => Ok(Self::Password(p)),
            None => Err(VaultError::Decrypt {
                owner_id: owner,
                field: "ssh credentials (none stored)".into(),
            }),
        }
    }
}

fn vault_error(e: VaultError) -> EngineError {
    match e {
        VaultError::Database(e) => EngineError::from(e),
        other => EngineError::Inconsistent(format!("vault: {other}")),
    }
}

pub use connector::{DEFAULT_KEEPALIVE, DEFAULT_KEEPALIVE_MAX, VaultConnector};

/// The result of one server check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// `connect`, `btrfs_version`, `root_on_btrfs:<root>`, `free_space:<root>`.
    pub name: String,
    pub ok: bool,
    pub detail: String,
    pub duration: Duration,
}

/// Connects with `config` and runs the checks: connection (host key + login),
/// `btrfs --version`, each allowed root on btrfs (`filesystem usage -b`) with at least
/// [`MIN_FREE_BYTES`] free. Returns the connected host (if it connected) and every
/// check; checks after a failed connection are not run.
pub async fn run_checks(
    config: SshConfig,
    sudo: bool,
    roots: &[ServerPath],
) -> (Option<SshHost>, Vec<Check>) {
    let mut checks = Vec::new();
    let started = Instant::now();
    let host = match SshHost::connect(config).await {
        Ok(host) => {
            checks.push(Check {
                name: "connect".into(),
                ok: true,
                detail: format!(
                    "connected to {}, host key {}",
                    host.describe(),
                    host.host_key_fingerprint()
                        .map(|f| f.to_string())
                        .unwrap_or_default()
                ),
                duration: started.elapsed(),
            });
            host
        }
        Err(e) => {
            checks.push(Check {
                name: "connect".into(),
                ok: false,
                detail: e.to_string(),
                duration: started.elapsed(),
            });
            return (None, checks);
        }
    };
    {
        let btrfs = Btrfs::new(&host).with_sudo(sudo);
        let started = Instant::now();
        let (ok, detail) = match btrfs.version().await {
            Ok(v) => (true, v.text),
            Err(e) => (false, e.to_string()),
        };
        checks.push(Check {
            name: "btrfs_version".into(),
            ok,
            detail,
            duration: started.elapsed(),
        });
        for root in roots {
            let started = Instant::now();
            let usage = match AbsPath::parse(root.as_str()) {
                Ok(path) => btrfs.usage(&path).await.map_err(|e| e.to_string()),
                Err(e) => Err(e.to_string()),
            };
            let elapsed = started.elapsed();
            match usage {
                Ok(u) => {
                    checks.push(Check {
                        name: format!("root_on_btrfs:{root}"),
                        ok: true,
                        detail: format!("{root} is on btrfs ({} bytes used)", u.used),
                        duration: elapsed,
                    });
                    checks.push(Check {
                        name: format!("free_space:{root}"),
                        ok: u.free_estimated >= MIN_FREE_BYTES,
                        detail: format!(
                            "{} bytes free (at least {MIN_FREE_BYTES} required)",
                            u.free_estimated
                        ),
                        duration: Duration::ZERO,
                    });
                }
                Err(e) => {
                    checks.push(Check {
                        name: format!("root_on_btrfs:{root}"),
                        ok: false,
                        detail: e,
                        duration: elapsed,
                    });
                    checks.push(Check {
                        name: format!("free_space:{root}"),
                        ok: false,
                        detail: "not checked: the root is not usable".into(),
                        duration: Duration::ZERO,
                    });
                }
            }
        }
    }
    (Some(host), checks)
}

/// A new SSH server, as requested.
#[derive(Debug, Clone)]
pub struct NewSshServer {
    pub name: String,
    pub address: String,
    /// Wider than `u16` so that out-of-range input is reported, not wrapped.
    pub port: u32,
    pub username: String,
    pub credentials: Credentials,
    pub role: ServerRole,
    pub sudo: bool,
    pub allowed_roots: Vec<String>,
    pub force: bool,
    /// The host key fingerprint the admin confirmed (from [`probe_host_key`]): the
    /// connection then requires exactly that key. `None`: trust on first use.
    pub host_key_fingerprint: Option<String>,
}

/// The fingerprint of the host key `address:port` presents (the add-server flow shows
/// it for the admin to confirm before anything is stored). Does not authenticate.
/// How long a connection attempt to an SSH server may take.
pub const CONNECT_TIMEOUT: std::time::Duration = ssh::config::DEFAULT_CONNECT_TIMEOUT;

pub async fn probe_host_key(address: &str, port: u32) -> Result<String, EngineError> {
    validate_address(address)?;
    let port = validate_port(port)?;
    let fingerprint =
        ssh::probe_host_key(address, port, ssh::config::DEFAULT_CONNECT_TIMEOUT).await?;
    Ok(fingerprint.to_string())
}

/// Why registering failed.
#[derive(Debug, thiserror::Error)]
pub enum RegisterError {
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// A check failed (and `force` was not set, or the connection failed). Nothing was
    /// stored.
    #[error("the server failed its checks")]
    ChecksFailed(Vec<Check>),
}

/// Checks that `address` is an IP address or a DNS host name (no spaces, shell
/// characters, ports or user parts).
pub fn validate_address(address: &str) -> Result<(), EngineError> {
    let bad = |why: &str| EngineError::Invalid(format!("address: {address:?} {why}"));
    if address.parse::<IpAddr>().is_ok() {
        return Ok(());
    }
    if address.is_empty() || address.len() > 253 {
        return Err(bad("must be 1-253 characters"));
    }
    let name = address.strip_suffix('.').unwrap_or(address);
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    };
    if name.split('.').all(label_ok) {
        Ok(())
    } else {
        Err(bad("is not an IP address or a host name"))
    }
}

/// Checks a port number (1-65535).
pub fn validate_port(port: u32) -> Result<u16, EngineError> {
    u16::try_from(port)
        .ok()
        .filter(|p| *p != 0)
        .ok_or_else(|| EngineError::Invalid(format!("port: {port} is not in 1-65535")))
}

/// Checks an SSH user name (letters, digits, `. _ -`, not starting with `-`).
pub fn validate_username(user: &str) -> Result<(), EngineError> {
    let ok = !user.is_empty()
        && user.len() <= 64
        && !user.starts_with('-')
        && user
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(EngineError::Invalid(format!(
            "username: {user:?} must be 1-64 letters, digits, '.', '_' or '-' (not starting with '-')"
        )))
    }
}

fn validate_name(name: &str) -> Result<EntityName, EngineError> {
    EntityName::parse(name).map_err(|e| EngineError::Invalid(format!("name: {e}")))
}

fn validate_roots(roots: &[String]) -> Result<Vec<ServerPath>, EngineError> {
    if roots.is_empty() {
        return Err(EngineError::Invalid(
            "allowed_roots: at least one absolute path is required".into(),
        ));
    }
    let mut out: Vec<ServerPath> = Vec::new();
    for r in roots {
        let p = ServerPath::parse(r)
            .map_err(|e| EngineError::Invalid(format!("allowed_roots: {r:?}: {e}")))?;
        if !out.contains(&p) {
            out.push(p);
        }
    }
    Ok(out)
}

fn name_taken(servers: &[ServerView], name: &str, except: Option<ServerId>) -> bool {
    servers
        .iter()
        .any(|s| s.name == name && Some(s.server_id) != except)
}

fn duplicate_name(name: &str) -> EngineError {
    EngineError::Conflict(format!("name: a server named {name:?} already exists"))
}

impl Engine {
    /// Registers a server reached over SSH (see the module docs). Returns the server as
    /// recorded and the checks that were run.
    #[tracing::instrument(skip_all, fields(name = %req.name, address = %req.address), err(level = "debug", Display))]
    pub async fn register_ssh_server(
        &self,
        vault: &Vault,
        req: &NewSshServer,
        meta: &AppendMeta,
    ) -> Result<(ServerView, Vec<Check>), RegisterError> {
        let name = validate_name(&req.name)?;
        validate_address(&req.address)?;
        let port = validate_port(req.port)?;
        validate_username(&req.username)?;
        let auth = req.credentials.auth()?;
        let roots = validate_roots(&req.allowed_roots)?;
        if name_taken(
            &projections::servers(self.events.pool())
                .await
                .map_err(EngineError::from)?,
            name.as_str(),
            None,
        ) {
            return Err(duplicate_name(name.as_str()).into());
        }

        let host_key = match &req.host_key_fingerprint {
            Some(confirmed) => HostKeyPolicy::Pinned(
                Fingerprint::parse(confirmed)
                    .map_err(|e| EngineError::Invalid(format!("host_key_fingerprint: {e}")))?,
            ),
            None => HostKeyPolicy::TrustOnFirstUse,
        };
        let config = SshConfig::new(
            req.address.clone(),
            port,
            req.username.clone(),
            auth,
            host_key,
        );
        let (host, checks) = run_checks(config, req.sudo, &roots).await;
        let Some(host) = host else {
            return Err(RegisterError::ChecksFailed(checks));
        };
        let fingerprint = host.host_key_fingerprint();
        host.disconnect().await;
        if !req.force && checks.iter().any(|c| !c.ok) {
            return Err(RegisterError::ChecksFailed(checks));
        }
        let fingerprint = fingerprint.ok_or_else(|| {
            EngineError::Inconsistent("connected but no host key was recorded".into())
        })?;

        let id = ServerId::new();
        let mut tx = self
            .events
            .pool()
            .begin()
            .await
            .map_err(EngineError::from)?;
        locks::lock_server_registry(&mut tx)
            .await
            .map_err(EngineError::from)?;
        let servers = projections::servers(&mut *tx)
            .await
            .map_err(EngineError::from)?;
        if name_taken(&servers, name.as_str(), None) {
            return Err(duplicate_name(name.as_str()).into());
        }
        let events_ = [
            DomainEvent::ServerRegistered(ServerRegistered {
                server_id: id,
                name: name.into_string(),
                role: req.role,
                transport: Transport::Ssh {
                    address: req.address.clone(),
                    port,
                    username: req.username.clone(),
                },
                allowed_roots: roots.iter().map(|r| r.as_str().to_owned()).collect(),
                sudo: req.sudo,
            }),
            DomainEvent::ServerHostKeyPinned(ServerHostKeyPinned {
                server_id: id,
                fingerprint: fingerprint.to_string(),
            }),
            DomainEvent::ServerCredentialsChanged(ServerCredentialsChanged {
                server_id: id,
                kind: req.credentials.kind(),
            }),
        ];
        events::append_in(
            &mut tx,
            &id.stream(),
            ExpectedVersion::NoStream,
            &events_,
            meta,
        )
        .await
        .map_err(EngineError::from)?;
        req.credentials.store_in(vault, &mut tx, id).await?;
        let server = projections::server(&mut *tx, id)
            .await
            .map_err(EngineError::from)?
            .ok_or_else(|| EngineError::Inconsistent("registered server not projected".into()))?;
        tx.commit().await.map_err(EngineError::from)?;
        tracing::info!(server = %id, %fingerprint, "registered SSH server");
        Ok((server, checks))
    }

    /// Changes a server's settings and/or credentials (see [`ServerChanges`]).
    #[tracing::instrument(skip_all, fields(server = %id), err(level = "debug", Display))]
    pub async fn update_server(
        &self,
        vault: &Vault,
        id: ServerId,
        changes: &ServerChanges,
        meta: &AppendMeta,
    ) -> Result<ServerView, EngineError> {
        if let Some(n) = &changes.name {
            validate_name(n)?;
        }
        if let Some(a) = &changes.address {
            validate_address(a)?;
        }
        let port = changes.port.map(validate_port).transpose()?;
        if let Some(u) = &changes.username {
            validate_username(u)?;
        }
        if let Some(c) = &changes.credentials {
            c.auth()?;
        }
        let roots = changes
            .allowed_roots
            .as_deref()
            .map(validate_roots)
            .transpose()?;

        let mut tx = self.events.pool().begin().await?;
        locks::lock_server_registry(&mut tx).await?;
        let servers = projections::servers(&mut *tx).await?;
        let server = servers
            .iter()
            .find(|s| s.server_id == id)
            .ok_or_else(|| EngineError::NotFound(format!("no server {id}")))?;
        let Transport::Ssh {
            address,
            port: old_port,
            username,
        } = &server.transport
        else {
            return Err(EngineError::Conflict(
                "server is reached locally: its settings come from DIST_BTRFS_PRIMARY_ROOTS".into(),
            ));
        };
        if let Some(n) = &changes.name
            && name_taken(&servers, n, Some(id))
        {
            return Err(duplicate_name(n));
        }
        let updated = ServerUpdated {
            server_id: id,
            name: changes.name.clone().unwrap_or_else(|| server.name.clone()),
            transport: Transport::Ssh {
                address: changes.address.clone().unwrap_or_else(|| address.clone()),
                port: port.unwrap_or(*old_port),
                username: changes.username.clone().unwrap_or_else(|| username.clone()),
            },
            sudo: changes.sudo.unwrap_or(server.sudo),
            allowed_roots: roots
                .map(|r| r.iter().map(|p| p.as_str().to_owned()).collect())
                .unwrap_or_else(|| server.allowed_roots.clone()),
        };
        let mut out = Vec::new();
        let settings_changed = updated.name != server.name
            || updated.transport != server.transport
            || updated.sudo != server.sudo
            || updated.allowed_roots != server.allowed_roots;
        if settings_changed {
            out.push(DomainEvent::ServerUpdated(updated));
        }
        if let Some(c) = &changes.credentials {
            out.push(DomainEvent::ServerCredentialsChanged(
                ServerCredentialsChanged {
                    server_id: id,
                    kind: c.kind(),
                },
            ));
        }
        if !out.is_empty() {
            events::append_in(&mut tx, &id.stream(), ExpectedVersion::Any, &out, meta).await?;
        }
        if let Some(c) = &changes.credentials {
            c.store_in(vault, &mut tx, id).await?;
        }
        let server = projections::server(&mut *tx, id)
            .await?
            .ok_or_else(|| EngineError::Inconsistent("updated server not projected".into()))?;
        tx.commit().await?;
        self.hosts.forget(id);
        Ok(server)
    }

    /// Removes a server and its secrets. Refused while subvolumes are managed on it or
    /// replication targets use it (naming them).
    #[tracing::instrument(skip_all, fields(server = %id), err(level = "debug", Display))]
    pub async fn remove_server(&self, id: ServerId, meta: &AppendMeta) -> Result<(), EngineError> {
        let mut tx = self.events.pool().begin().await?;
        locks::lock_server_registry(&mut tx).await?;
        let server = projections::server(&mut *tx, id)
            .await?
            .ok_or_else(|| EngineError::NotFound(format!("no server {id}")))?;
        let managed = projections::subvolumes(&mut *tx, Some(id), false).await?;
        if !managed.is_empty() {
            let names: Vec<String> = managed
                .iter()
                .map(|s| format!("{} ({})", s.name, s.path))
                .collect();
            return Err(EngineError::Conflict(format!(
                "server {:?} still has managed subvolumes: {}; unmanage them first",
                server.name,
                names.join(", ")
            )));
        }
        let targets = replication_targets_using(&mut tx, id).await?;
        if !targets.is_empty() {
            return Err(EngineError::Conflict(format!(
                "server {:?} is used by replication targets: {}",
                server.name,
                targets.join(", ")
            )));
        }
        events::append_in(
            &mut tx,
            &id.stream(),
            ExpectedVersion::Any,
            &[DomainEvent::ServerRemoved(ServerRemoved { server_id: id })],
            meta,
        )
        .await?;
        Vault::delete_owner_in(&mut tx, id.as_uuid())
            .await
            .map_err(vault_error)?;
        tx.commit().await?;
        self.hosts.forget(id);
        Ok(())
    }

    /// Runs the checks against a registered SSH server with its pinned key and stored
    /// credentials.
    pub async fn test_server(
        &self,
        connector: &VaultConnector,
        id: ServerId,
    ) -> Result<Vec<Check>, EngineError> {
        let (server, roots) = self.server(id).await?;
        let config = match connector.config(&server).await {
            Ok(c) => c,
            Err(e) => {
                return Ok(vec![Check {
                    name: "connect".into(),
                    ok: false,
                    detail: e.to_string(),
                    duration: Duration::ZERO,
                }]);
            }
        };
        let (host, checks) = run_checks(config, server.sudo, &roots).await;
        if let Some(host) = host {
            host.disconnect().await;
        }
        Ok(checks)
    }

    /// Re-pins a server's host key to the one it presents now, which must be
    /// `fingerprint`. Records `ServerHostKeyAccepted` (nothing when it is already pinned).
    #[tracing::instrument(skip_all, fields(server = %id), err(level = "debug", Display))]
    pub async fn accept_host_key(
        &self,
        id: ServerId,
        fingerprint: &str,
        meta: &AppendMeta,
    ) -> Result<ServerView, EngineError> {
        let wanted = Fingerprint::parse(fingerprint)
            .map_err(|e| EngineError::Invalid(format!("fingerprint: {e}")))?;
        let (server, _) = self.server(id).await?;
        let Transport::Ssh { address, port, .. } = &server.transport else {
            return Err(EngineError::Conflict(
                "server is reached locally: it has no host key".into(),
            ));
        };
        let presented =
            ssh::probe_host_key(address, *port, ssh::config::DEFAULT_CONNECT_TIMEOUT).await?;
        if presented != wanted {
            return Err(EngineError::Conflict(format!(
                "fingerprint: the server presents {presented}, not {wanted}; nothing was changed"
            )));
        }
        if server.host_key_fingerprint.as_deref() == Some(presented.as_str()) {
            return Ok(server);
        }
        let mut tx = self.events.pool().begin().await?;
        locks::lock_server_registry(&mut tx).await?;
        events::append_in(
            &mut tx,
            &id.stream(),
            ExpectedVersion::Any,
            &[DomainEvent::ServerHostKeyAccepted(ServerHostKeyAccepted {
                server_id: id,
                old: server.host_key_fingerprint.clone(),
                new: presented.to_string(),
            })],
            meta,
        )
        .await?;
        let server = projections::server(&mut *tx, id)
            .await?
            .ok_or_else(|| EngineError::NotFound(format!("no server {id}")))?;
        tx.commit().await?;
        self.hosts.forget(id);
        tracing::warn!(server = %id, new = %presented, "host key re-pinned");
        Ok(server)
    }
}

/// The replication targets that send to `server`, as `<target id> (<directory>)`:
/// `remove_server` refuses while there are any.
async fn replication_targets_using(
    conn: &mut sqlx::PgConnection,
    server: ServerId,
) -> Result<Vec<String>, EngineError> {
    Ok(store::projections::targets_on_server(conn, server).await?)
}

/// What a PATCH changes; `None` keeps the current value.
#[derive(Debug, Clone, Default)]
pub struct ServerChanges {
    pub name: Option<String>,
    pub address: Option<String>,
    pub port: Option<u32>,
    pub username: Option<String>,
    pub sudo: Option<bool>,
    pub allowed_roots: Option<Vec<String>>,
    pub credentials: Option<Credentials>,
}

mod connector;
#[cfg(test)]
mod tests;
