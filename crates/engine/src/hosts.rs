//! [`HostRegistry`]: which [`Host`] runs commands for which server.
//!
//! A server with `transport: local` gets the registry's local host (a
//! [`btrfs::LocalHost`] in `serve`, absent when dist-btrfs is not on the primary). A
//! server with `transport: ssh` gets a host from the [`Connector`] plugged in with
//! [`HostRegistry::with_connector`] — the SSH crate provides it (issue 4) — cached per
//! server until [`HostRegistry::forget`] (credentials or host key changed).

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use btrfs::{Host, HostError};
use domain::{ServerId, Transport};
use store::projections::ServerView;

use crate::EngineError;

/// Makes hosts for servers reached over SSH.
#[async_trait]
pub trait Connector: Send + Sync {
    /// A host for `server` (whose transport is `ssh`). May connect lazily.
    async fn connect(&self, server: &ServerView) -> Result<Arc<dyn Host>, HostError>;
}

/// Server id → host.
#[derive(Default)]
pub struct HostRegistry {
    local: Option<Arc<dyn Host>>,
    connector: Option<Arc<dyn Connector>>,
    cache: Mutex<HashMap<ServerId, Arc<dyn Host>>>,
}

impl fmt::Debug for HostRegistry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HostRegistry")
            .field("local", &self.local.as_ref().map(|h| h.describe()))
            .field("connector", &self.connector.is_some())
            .finish_non_exhaustive()
    }
}

impl HostRegistry {
    /// No hosts at all (every server is unreachable).
    pub fn new() -> Self {
        Self::default()
    }

    /// Servers with `transport: local` run commands on `host`.
    #[must_use]
    pub fn with_local(mut self, host: Arc<dyn Host>) -> Self {
        self.local = Some(host);
        self
    }

    /// Servers with `transport: ssh` get their hosts from `connector`.
    #[must_use]
    pub fn with_connector(mut self, connector: Arc<dyn Connector>) -> Self {
        self.connector = Some(connector);
        self
    }

    /// The host for `server`.
    pub async fn host_for(&self, server: &ServerView) -> Result<Arc<dyn Host>, EngineError> {
        let unavailable = |reason: String| EngineError::HostUnavailable {
            server: server.name.clone(),
            reason,
        };
        match &server.transport {
            Transport::Local => self.local.clone().ok_or_else(|| {
                unavailable("it is reached locally but this process has no local host".into())
            }),
            Transport::Ssh { .. } => {
                if let Some(host) = self.cached(server.server_id) {
                    return Ok(host);
                }
                let connector = self
                    .connector
                    .as_ref()
                    .ok_or_else(|| unavailable("SSH transport is not available".into()))?;
                // A connector that cannot even build the host (no pinned key, missing or
                // undecryptable credentials) fails permanently; only transient errors
                // mean "unavailable, retry later".
                let host = connector.connect(server).await.map_err(|e| {
                    if e.is_transient() {
                        unavailable(e.to_string())
                    } else {
                        EngineError::Host(e)
                    }
                })?;
                if let Ok(mut cache) = self.cache.lock() {
                    cache.insert(server.server_id, host.clone());
                }
                Ok(host)
            }
        }
    }

    /// Drops the cached host of a server (it is made again on next use).
    pub fn forget(&self, server: ServerId) {
        if let Ok(mut cache) = self.cache.lock() {
            cache.remove(&server);
        }
    }

    fn cached(&self, server: ServerId) -> Option<Arc<dyn Host>> {
        self.cache.lock().ok()?.get(&server).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use btrfs::host::ConnectErrorKind;
    use domain::ServerRole;

    /// A connector that always fails with the given kind (the mapping under test is
    /// the registry's, not the SSH client's).
    struct Failing(ConnectErrorKind);

    #[async_trait]
    impl Connector for Failing {
        async fn connect(&self, server: &ServerView) -> Result<Arc<dyn Host>, HostError> {
            Err(HostError::Connect {
                host: server.name.clone(),
                kind: self.0,
                message: "test".into(),
            })
        }
    }

    fn ssh_server() -> ServerView {
        ServerView {
            server_id: ServerId::from_uuid(uuid::Uuid::from_u128(7)),
            name: "backup-1".into(),
            role: ServerRole::Remote,
            transport: Transport::Ssh {
                address: "127.0.0.11".into(),
                port: 2222,
                username: "dbtlab".into(),
            },
            allowed_roots: vec![],
            sudo: false,
            host_key_fingerprint: None,
            credential_kind: None,
            collect_qgroups: false,
            registered_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
        }
    }

    #[tokio::test]
    async fn connector_failures_keep_their_class() {
        for (kind, transient) in [
            (ConnectErrorKind::Refused, true),
            (ConnectErrorKind::TimedOut, true),
            (ConnectErrorKind::HostKeyMismatch, false),
            (ConnectErrorKind::AuthenticationFailed, false),
        ] {
            let registry = HostRegistry::new().with_connector(Arc::new(Failing(kind)));
            let err = registry.host_for(&ssh_server()).await.err().unwrap();
            assert_eq!(err.is_transient(), transient, "{kind:?}: {err}");
            assert_eq!(
                matches!(err, EngineError::HostUnavailable { .. }),
                transient,
                "{kind:?}"
            );
        }
    }
}
