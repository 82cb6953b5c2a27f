//! The operations of dist-btrfs on servers: discover subvolumes, manage / unmanage
//! them, create / delete / adopt snapshots and reconcile the catalog with the disk
//! (inventory sync). Each operation is a plain async method of [`Engine`] that takes its
//! inputs and an [`AppendMeta`] (who, which request), does the btrfs work through a
//! [`btrfs::Host`] and records the outcome as events; the job runner (the `jobs`
//! crate, apalis) wraps these same methods.
//!
//! - [`accounts`]: users, passwords, roles and the rules between them (there is always
//!   an admin), argon2 hashing behind a bounded gate, session and token secrets.
//! - [`hosts`]: [`HostRegistry`], server id → [`btrfs::Host`] (the local host, or SSH
//!   through a [`hosts::Connector`]: in `serve`, [`ssh_servers::VaultConnector`]).
//! - [`servers`]: registering the local primary at start.
//! - [`remote`]: SSH servers: the vault-backed connector, server checks, register /
//!   update / remove / test / accept a changed host key.
//! - [`inventory`]: what is on a server's disk, under its allowed roots.
//! - [`real_paths`]: the allowed-roots rule on paths as their server resolves them.
//! - [`subvolumes`], [`snapshots`]: the operations.
//! - [`policies`]: policies and their assignment to subvolumes (database only).
//! - [`prune`]: retention on the primary: dry-run preview and pruning;
//!   [`target_prune`]: the policy's target retention on each replication target.
//! - [`scheduled`]: the snapshot of one scheduled slot, idempotent across crashes.
//! - [`test_pause`]: test-only pause points for kill-in-the-middle tests.
//! - [`storage`]: storage collection (filesystem usage, qgroup sizes) into the metrics
//!   history.
//! - [`targets`], [`replication`], [`fanout`]: replication targets, replication runs
//!   (one `btrfs send` fanned out to every target of a group) and the stream fan-out.
//! - [`notify`]: notification channels and alert rules, the evaluation of the fleet
//!   status into alerts, and the delivery of one notification (webhook, email).
//! - [`rpo`]: the recovery point objective per subvolume (replication health).
//! - [`error`]: [`EngineError`], classified for the API and the job runner.
//!
//! Ordering rules (see ARCHITECTURE.md for the invariants): input is parsed into domain
//! types first; disk work happens before the event that reports it; every change of one
//! subvolume's catalog runs under that subvolume's advisory lock, in one transaction with
//! the append.

pub mod accounts;
pub mod browse;
pub mod diff;
pub mod error;
pub mod fanout;
pub mod hooks;
pub mod hosts;
pub mod instance;
pub mod inventory;
pub mod local_primary;
pub mod notify;
pub mod policies;
pub mod prune;
pub mod real_paths;
pub mod replicas;
pub mod replication;
pub mod restore;
pub mod rpo;
pub mod scheduled;
pub mod snapshots;
pub mod ssh_servers;
pub mod status;
pub mod storage;
pub mod subvolumes;
pub mod target_prune;
pub mod targets;
pub mod test_pause;
pub mod verify;

use std::sync::Arc;

use btrfs::{AbsPath, Btrfs, Host};
use domain::{ServerId, ServerPath};
use store::projections::{self, ServerView};
use store::{AppendMeta, EventStore};

pub use error::EngineError;
pub use hosts::HostRegistry;

/// The operations, over one event store and one host registry. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Engine {
    events: EventStore,
    hosts: Arc<HostRegistry>,
    /// Sends estimated at this many bytes or more are staged on the target and resume
    /// where a cut stopped (`replication` module docs); `None`: never.
    resumable_min_bytes: Option<u64>,
    /// A target that accepts no byte of a stream for this long fails (see
    /// [`fanout::Options::stall_timeout`]).
    stall_timeout: std::time::Duration,
    /// How far one target of a fan-out may fall behind the others ([`fanout::Options::lag_bytes`]).
    fanout_buffer_bytes: usize,
    /// Where snapshot hooks live on every server ([`hooks`]); `None`: the default.
    hooks_dir: Option<AbsPath>,
    /// Diffs being read, spooled to files ([`diff`] module docs).
    diffs: Arc<diff::Spools>,
}

/// The default of [`Engine::with_resumable_sends`]: 1 GiB.
pub const DEFAULT_RESUMABLE_MIN_BYTES: u64 = 1 << 30;

impl Engine {
    pub fn new(events: EventStore, hosts: Arc<HostRegistry>) -> Self {
        Self {
            events,
            hosts,
            resumable_min_bytes: Some(DEFAULT_RESUMABLE_MIN_BYTES),
            stall_timeout: fanout::STALL_TIMEOUT,
            fanout_buffer_bytes: fanout::LAG_BYTES,
            hooks_dir: None,
            diffs: Arc::default(),
        }
    }

    /// The same engine on another pool of the same database (serve's job workers have
    /// their own, apart from the API's).
    #[must_use]
    pub fn with_pool(mut self, pool: sqlx::PgPool) -> Self {
        self.events = EventStore::new(pool);
        self
    }

    /// A target that accepts no byte of a stream for `timeout` fails its transfer (a link
    /// gone dark while a write waits; serve sets it to the SSH keepalive's interval times
    /// its count).
    #[must_use]
    pub fn with_stall_timeout(mut self, timeout: std::time::Duration) -> Self {
        // At most a day (a deadline must stay representable).
        self.stall_timeout = timeout.min(std::time::Duration::from_secs(86_400));
        self
    }

    /// One target of a fan-out may fall `bytes` behind the others before it sets their
    /// pace (at least one chunk, at most 1 GiB: the buffer is memory of `serve`).
    #[must_use]
    pub fn with_fanout_buffer(mut self, bytes: u64) -> Self {
        let bytes = usize::try_from(bytes.min(1 << 30)).unwrap_or(fanout::LAG_BYTES);
        self.fanout_buffer_bytes = bytes.max(fanout::CHUNK);
        self
    }

    /// How this engine's fan-outs run.
    pub(crate) fn fanout_options(&self, hash: bool) -> fanout::Options {
        fanout::Options {
            hash,
            stall_timeout: self.stall_timeout,
            lag_bytes: self.fanout_buffer_bytes,
        }
    }

    /// Sends estimated at `min_bytes` or more are staged on the target so that a cut one
    /// resumes; `None`: every send goes straight into `btrfs receive`.
    #[must_use]
    pub fn with_resumable_sends(mut self, min_bytes: Option<u64>) -> Self {
        self.resumable_min_bytes = min_bytes;
        self
    }

    pub fn events(&self) -> &EventStore {
        &self.events
    }

    pub fn hosts(&self) -> &Arc<HostRegistry> {
        &self.hosts
    }

    /// A server and its parsed allowed roots.
    async fn server(&self, id: ServerId) -> Result<(ServerView, Vec<ServerPath>), EngineError> {
        let server = projections::server(self.events.pool(), id)
            .await?
            .ok_or_else(|| EngineError::NotFound(format!("no server {id}")))?;
        let roots = parse_roots(&server)?;
        Ok((server, roots))
    }

    /// btrfs-progs on a server.
    async fn btrfs(&self, server: &ServerView) -> Result<Btrfs<Arc<dyn Host>>, EngineError> {
        Ok(Btrfs::new(self.hosts.host_for(server).await?).with_sudo(server.sudo))
    }
}

/// The allowed roots of a server as recorded, parsed. A recorded root that no longer
/// parses is an inconsistency, not bad input.
fn parse_roots(server: &ServerView) -> Result<Vec<ServerPath>, EngineError> {
    server
        .allowed_roots
        .iter()
        .map(|r| {
            ServerPath::parse(r).map_err(|e| {
                EngineError::Inconsistent(format!(
                    "server {} has an invalid allowed root {r:?}: {e}",
                    server.server_id
                ))
            })
        })
        .collect()
}

/// A recorded path, parsed (an inconsistency if it does not parse).
fn recorded_path(path: &str) -> Result<ServerPath, EngineError> {
    ServerPath::parse(path)
        .map_err(|e| EngineError::Inconsistent(format!("recorded path {path:?}: {e}")))
}

/// A [`ServerPath`] as a command word. Every `ServerPath` is a valid [`AbsPath`] (it is
/// the stricter of the two).
fn abs(path: &ServerPath) -> Result<AbsPath, EngineError> {
    AbsPath::parse(path.as_str())
        .map_err(|e| EngineError::Inconsistent(format!("path {path} as a command word: {e}")))
}

/// Lower-case hex of bytes (a digest as `sha256sum` prints it).
pub(crate) fn lower_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Meta for events the engine records on its own (start-up, periodic sync).
pub fn system_meta() -> AppendMeta {
    AppendMeta::new(domain::Actor::System)
}

#[cfg(test)]
mod tests {
    #[test]
    fn lower_hex_is_as_sha256sum_prints() {
        let mut d = [0_u8; 32];
        d[0] = 0xab;
        d[31] = 0x01;
        let h = super::lower_hex(&d);
        assert_eq!(h.len(), 64);
        assert!(h.starts_with("ab00"));
        assert!(h.ends_with("0001"));
    }
}
