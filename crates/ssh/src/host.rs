//! [`SshHost`]: the [`Host`] implementation for a remote. One SSH connection, opened on
//! first use and reused for every command (one session channel per command); opened again
//! transparently when it has dropped.
//!
//! Reconnecting is only ever done *before* a command starts: if opening the channel fails
//! on a connection that turns out to be dead, the connection is replaced and the channel
//! opened once more. A command that was already running when the connection dropped fails
//! with a transient [`HostError::Connect`] (`Closed`); re-running it is the job runner's
//! decision, since only it knows whether the command is idempotent.
//!
//! Host keys: the fingerprint the first connection saw is kept
//! ([`SshHost::host_key_fingerprint`]); later connections of the same `SshHost` must present
//! the same key, whatever the [`HostKeyPolicy`] (trust on first use means *first*).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use btrfs::host::{ConnectErrorKind, RunOptions, RunningCommand};
use btrfs::{Argv, Host, HostError};
use russh::client::Msg;
use tokio::sync::Mutex as AsyncMutex;

use crate::config::{Fingerprint, HostKeyPolicy, SshConfig};
use crate::connect::{self, Handle, connect_error, russh_kind};
use crate::exec;

/// A remote host reached over SSH. Cheap to share (`Arc<SshHost>`); all commands share one
/// connection.
pub struct SshHost {
    config: SshConfig,
    describe: String,
    /// The current connection; `None` before the first command or after it was found dead.
    conn: AsyncMutex<Option<Arc<Handle>>>,
    /// The host key the first connection saw.
    fingerprint: Mutex<Option<Fingerprint>>,
    connects: AtomicU64,
}

impl std::fmt::Debug for SshHost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SshHost")
            .field("config", &self.config)
            .field("host_key", &self.host_key_fingerprint())
            .field("connections_opened", &self.connections_opened())
            .finish_non_exhaustive()
    }
}

impl SshHost {
    /// A host that connects on first use.
    pub fn new(config: SshConfig) -> Self {
        Self {
            describe: config.describe(),
            config,
            conn: AsyncMutex::new(None),
            fingerprint: Mutex::new(None),
            connects: AtomicU64::new(0),
        }
    }

    /// Connects (handshake, host-key check, authentication) and returns the host, whose
    /// [`SshHost::host_key_fingerprint`] is then set. Use it to test a new server's
    /// credentials.
    pub async fn connect(config: SshConfig) -> Result<Self, HostError> {
        let host = Self::new(config);
        host.connection().await?;
        Ok(host)
    }

    pub fn config(&self) -> &SshConfig {
        &self.config
    }

    /// The SHA-256 fingerprint of the host key presented at the first successful handshake
    /// (`None` before any connection). With [`HostKeyPolicy::TrustOnFirstUse`] this is what
    /// the server registry records and pins.
    pub fn host_key_fingerprint(&self) -> Option<Fingerprint> {
        self.fingerprint.lock().ok().and_then(|f| f.clone())
    }

    /// How many SSH connections this host has opened so far (1 while the first one lives).
    pub fn connections_opened(&self) -> u64 {
        self.connects.load(Ordering::Relaxed)
    }

    /// Closes the connection (politely); the next command opens a new one.
    pub async fn disconnect(&self) {
        let conn = self.conn.lock().await.take();
        if let Some(handle) = conn {
            let _ = handle
                .disconnect(russh::Disconnect::ByApplication, "bye", "en")
                .await;
        }
    }

    /// The live connection, opened if there is none or the current one is closed.
    async fn connection(&self) -> Result<Arc<Handle>, HostError> {
        let mut slot = self.conn.lock().await;
        if let Some(handle) = slot.as_ref()
            && !handle.is_closed()
        {
            return Ok(handle.clone());
        }
        *slot = None;
        let known = self.host_key_fingerprint();
        let (handle, seen) = connect::connect(&self.config, known).await?;
        if let Ok(mut fp) = self.fingerprint.lock()
            && fp.is_none()
        {
            if matches!(self.config.host_key, HostKeyPolicy::TrustOnFirstUse) {
                tracing::info!(host = %self.describe, host_key = %seen, "trusting host key on first use");
            }
            *fp = Some(seen);
        }
        self.connects.fetch_add(1, Ordering::Relaxed);
        let handle = Arc::new(handle);
        *slot = Some(handle.clone());
        Ok(handle)
    }

    /// Forgets `dead` if it is still the current connection.
    async fn forget(&self, dead: &Arc<Handle>) {
        let mut slot = self.conn.lock().await;
        if slot.as_ref().is_some_and(|c| Arc::ptr_eq(c, dead)) {
            *slot = None;
        }
    }

    /// A session channel, reconnecting once if the connection turns out to be dead.
    async fn open_channel(&self) -> Result<russh::Channel<Msg>, HostError> {
        let mut last = None;
        for _ in 0..2 {
            let conn = self.connection().await?;
            let opened =
                tokio::time::timeout(self.config.connect_timeout, conn.channel_open_session())
                    .await;
            match opened {
                Ok(Ok(channel)) => return Ok(channel),
                Ok(Err(russh::Error::ChannelOpenFailure(reason))) => {
                    // The connection is alive; the server does not want another session
                    // (sshd MaxSessions) or refuses sessions altogether.
                    return Err(connect_error(
                        &self.describe,
                        ConnectErrorKind::Protocol,
                        format!("the server refused a session channel: {reason:?}"),
                    ));
                }
                Ok(Err(e)) => {
                    tracing::debug!(host = %self.describe, error = %e, "connection found dead; reconnecting");
                    let kind = russh_kind(&e);
                    last = Some(connect_error(
                        &self.describe,
                        kind,
                        format!("opening a session channel failed: {e}"),
                    ));
                }
                Err(_) => {
                    tracing::debug!(host = %self.describe, "channel open timed out; reconnecting");
                    last = Some(connect_error(
                        &self.describe,
                        ConnectErrorKind::TimedOut,
                        format!(
                            "no session channel within {:?}",
                            self.config.connect_timeout
                        ),
                    ));
                }
            }
            self.forget(&conn).await;
        }
        Err(last.unwrap_or_else(|| {
            connect_error(
                &self.describe,
                ConnectErrorKind::Closed,
                "cannot open a session channel",
            )
        }))
    }
}

#[async_trait]
impl Host for SshHost {
    fn describe(&self) -> String {
        self.describe.clone()
    }

    async fn start(
        &self,
        argv: &Argv,
        opts: &RunOptions,
    ) -> Result<Box<dyn RunningCommand>, HostError> {
        let channel = self.open_channel().await?;
        let cmd = exec::start(self.describe.clone(), channel, argv, opts).await?;
        Ok(Box::new(cmd))
    }
}
