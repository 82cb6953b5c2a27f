//! [`VaultConnector`]: SSH hosts for registered servers, from the projection (address,
//! pinned host key) and the vault (credentials), with the connect timeout and the
//! keepalives `serve` is configured with.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use btrfs::host::ConnectErrorKind;
use btrfs::{Host, HostError};
use domain::Transport;
use ssh::{Fingerprint, HostKeyPolicy, SshConfig, SshHost};
use store::projections::ServerView;
use store::vault::Vault;

use super::Credentials;
use crate::hosts::Connector;

/// The SSH keepalive interval and count `serve` uses unless configured.
pub const DEFAULT_KEEPALIVE: Duration = ssh::config::DEFAULT_KEEPALIVE_INTERVAL;
pub const DEFAULT_KEEPALIVE_MAX: usize = ssh::config::DEFAULT_KEEPALIVE_MAX;

/// Makes [`SshHost`]s for SSH servers from the projection (address, pinned key) and the
/// vault (credentials). Hosts connect lazily: a host key mismatch or failed login shows
/// as the (permanent) error of the first command.
#[derive(Debug)]
pub struct VaultConnector {
    vault: Arc<Vault>,
    connect_timeout: Duration,
    keepalive: Option<Duration>,
    keepalive_max: usize,
    sessions_on: Option<tokio::runtime::Handle>,
}

impl VaultConnector {
    pub fn new(vault: Arc<Vault>) -> Self {
        Self {
            vault,
            connect_timeout: ssh::config::DEFAULT_CONNECT_TIMEOUT,
            keepalive: Some(ssh::config::DEFAULT_KEEPALIVE_INTERVAL),
            keepalive_max: ssh::config::DEFAULT_KEEPALIVE_MAX,
            sessions_on: None,
        }
    }

    /// Every session's own task runs on `runtime`, whoever connects first
    /// (`ssh::SshConfig::sessions_on`).
    #[must_use]
    pub fn sessions_on(mut self, runtime: tokio::runtime::Handle) -> Self {
        self.sessions_on = Some(runtime);
        self
    }

    /// Keepalives every `interval` of silence from the server (`None`: none); after
    /// `max` unanswered ones the connection counts as lost, so a link that went dark
    /// (a blackhole: no reset, no FIN) fails in `interval * max` instead of hanging.
    #[must_use]
    pub fn keepalive(mut self, interval: Option<Duration>, max: usize) -> Self {
        self.keepalive = interval;
        self.keepalive_max = max;
        self
    }

    #[must_use]
    pub fn connect_timeout(mut self, t: Duration) -> Self {
        self.connect_timeout = t;
        self
    }

    /// The SSH configuration of `server` (pinned host key).
    pub async fn config(&self, server: &ServerView) -> Result<SshConfig, HostError> {
        let fail = |kind, message: String| HostError::Connect {
            host: server.transport.to_string(),
            kind,
            message,
        };
        let Transport::Ssh {
            address,
            port,
            username,
        } = &server.transport
        else {
            return Err(fail(ConnectErrorKind::Protocol, "not an SSH server".into()));
        };
        let pinned = server
            .host_key_fingerprint
            .as_deref()
            .ok_or_else(|| {
                fail(
                    ConnectErrorKind::HostKeyMismatch,
                    "no host key is pinned for this server".into(),
                )
            })
            .and_then(|f| {
                Fingerprint::parse(f)
                    .map_err(|e| fail(ConnectErrorKind::HostKeyMismatch, e.to_string()))
            })?;
        let creds = Credentials::load(&self.vault, server.server_id)
            .await
            .map_err(|e| fail(ConnectErrorKind::AuthenticationFailed, e.to_string()))?;
        let auth = creds
            .auth()
            .map_err(|e| fail(ConnectErrorKind::AuthenticationFailed, e.to_string()))?;
        Ok(SshConfig::new(
            address.clone(),
            *port,
            username.clone(),
            auth,
            HostKeyPolicy::Pinned(pinned),
        )
        .connect_timeout(self.connect_timeout)
        .keepalive(self.keepalive, self.keepalive_max)
        .sessions_on(self.sessions_on.clone()))
    }
}

#[async_trait]
impl Connector for VaultConnector {
    async fn connect(&self, server: &ServerView) -> Result<Arc<dyn Host>, HostError> {
        Ok(Arc::new(SshHost::new(self.config(server).await?)))
    }
}
