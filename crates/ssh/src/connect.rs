//! Opening one authenticated SSH connection: TCP connect, handshake with host-key
//! verification ([`HostKeyPolicy`]), authentication, all bounded by
//! [`SshConfig::connect_timeout`]; plus [`probe_host_key`] for the "add server" flow.
//!
//! Every failure becomes a [`HostError::Connect`] with a [`ConnectErrorKind`]: refused,
//! reset, timed out, unreachable and closed are transient; host-key mismatch,
//! authentication failure and protocol errors are permanent. Messages name the host, the
//! user and the method, never a secret.
//!
//! Not here: reuse and reconnection ([`crate::SshHost`]), channels ([`crate::exec`]).

use std::io;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use btrfs::HostError;
use btrfs::host::ConnectErrorKind;
use russh::keys::{PrivateKeyWithHashAlg, PublicKeyOrCertificate};
use russh::{cipher, client};
use secrecy::ExposeSecret;

use crate::config::{Auth, CipherPreference, Fingerprint, HostKeyPolicy, SshConfig};

/// An authenticated connection.
pub(crate) type Handle = client::Handle<ClientHandler>;

/// What the server presented, recorded by the handler during the handshake.
type SeenKey = Arc<Mutex<Option<Fingerprint>>>;

/// The russh callbacks: host-key verification only.
pub(crate) struct ClientHandler {
    /// The key to require; `None` accepts any key (trust on first use, probing).
    expected: Option<Fingerprint>,
    /// Reject after recording (probing: no need to go further than the key).
    reject_all: bool,
    seen: SeenKey,
}

/// Errors surfacing from the russh event loop.
#[derive(Debug)]
pub(crate) enum HandlerError {
    Russh(russh::Error),
    HostKeyMismatch {
        expected: Fingerprint,
        presented: Fingerprint,
    },
    Certificate,
    Probed,
}

impl From<russh::Error> for HandlerError {
    fn from(e: russh::Error) -> Self {
        Self::Russh(e)
    }
}

impl client::Handler for ClientHandler {
    type Error = HandlerError;

    async fn check_server_key(
        &mut self,
        key: &PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        let PublicKeyOrCertificate::PublicKey { key, .. } = key else {
            // Certificate host-key algorithms are not advertised; a server sending one
            // anyway is not something we can pin.
            return Err(HandlerError::Certificate);
        };
        let presented = Fingerprint::of(key);
        if let Ok(mut seen) = self.seen.lock() {
            *seen = Some(presented.clone());
        }
        if self.reject_all {
            return Err(HandlerError::Probed);
        }
        match &self.expected {
            Some(expected) if *expected != presented => Err(HandlerError::HostKeyMismatch {
                expected: expected.clone(),
                presented,
            }),
            _ => Ok(true),
        }
    }
}

/// Builds a [`HostError::Connect`].
pub(crate) fn connect_error(
    host: &str,
    kind: ConnectErrorKind,
    message: impl Into<String>,
) -> HostError {
    HostError::Connect {
        host: host.to_owned(),
        kind,
        message: message.into(),
    }
}

/// The connection kind of an I/O error.
pub(crate) fn io_kind(e: &io::Error) -> ConnectErrorKind {
    use io::ErrorKind as K;
    match e.kind() {
        K::ConnectionRefused => ConnectErrorKind::Refused,
        K::ConnectionReset | K::ConnectionAborted | K::BrokenPipe => ConnectErrorKind::Reset,
        K::TimedOut => ConnectErrorKind::TimedOut,
        K::UnexpectedEof | K::NotConnected => ConnectErrorKind::Closed,
        // Network/host unreachable, address not available, DNS failures ...
        _ => ConnectErrorKind::Unreachable,
    }
}

/// The connection kind of a russh error.
pub(crate) fn russh_kind(e: &russh::Error) -> ConnectErrorKind {
    use russh::Error as E;
    match e {
        E::IO(io) => io_kind(io),
        E::Disconnect | E::HUP | E::SendError | E::RecvError => ConnectErrorKind::Closed,
        E::ConnectionTimeout | E::KeepaliveTimeout | E::InactivityTimeout | E::Elapsed(_) => {
            ConnectErrorKind::TimedOut
        }
        E::UnknownKey | E::WrongServerSig | E::KeyChanged { .. } => {
            ConnectErrorKind::HostKeyMismatch
        }
        E::NotAuthenticated | E::NoAuthMethod | E::UnsupportedAuthMethod => {
            ConnectErrorKind::AuthenticationFailed
        }
        _ => ConnectErrorKind::Protocol,
    }
}

fn handler_error(host: &str, e: HandlerError) -> HostError {
    match e {
        HandlerError::HostKeyMismatch {
            expected,
            presented,
        } => connect_error(
            host,
            ConnectErrorKind::HostKeyMismatch,
            format!(
                "host key mismatch: expected {expected}, the server presented {presented}; \
                 refusing to connect until an administrator re-pins the host key"
            ),
        ),
        HandlerError::Certificate => connect_error(
            host,
            ConnectErrorKind::Protocol,
            "the server presented a host certificate, which cannot be pinned",
        ),
        HandlerError::Probed => {
            connect_error(host, ConnectErrorKind::Protocol, "host key probe ended")
        }
        HandlerError::Russh(e) => {
            connect_error(host, russh_kind(&e), format!("SSH handshake failed: {e}"))
        }
    }
}

/// The cipher list: AES-GCM first on CPUs with AES-NI (or when asked), chacha20 otherwise.
pub(crate) fn cipher_order(pref: CipherPreference) -> Vec<cipher::Name> {
    let aes_first = match pref {
        CipherPreference::AesGcm => true,
        CipherPreference::Chacha20 => false,
        CipherPreference::Auto => has_aes_ni(),
    };
    let gcm = [cipher::AES_128_GCM, cipher::AES_256_GCM];
    let rest = [
        cipher::AES_256_CTR,
        cipher::AES_192_CTR,
        cipher::AES_128_CTR,
    ];
    let mut v = Vec::with_capacity(6);
    if aes_first {
        v.extend(gcm);
        v.push(cipher::CHACHA20_POLY1305);
    } else {
        v.push(cipher::CHACHA20_POLY1305);
        v.extend(gcm);
    }
    v.extend(rest);
    v
}

/// Whether this CPU has hardware AES (x86 AES-NI + PCLMULQDQ for GHASH; ARMv8 AES).
pub fn has_aes_ni() -> bool {
    #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
    {
        std::arch::is_x86_feature_detected!("aes")
            && std::arch::is_x86_feature_detected!("pclmulqdq")
    }
    #[cfg(target_arch = "aarch64")]
    {
        std::arch::is_aarch64_feature_detected!("aes")
    }
    #[cfg(not(any(target_arch = "x86", target_arch = "x86_64", target_arch = "aarch64")))]
    {
        false
    }
}

fn russh_config(config: &SshConfig) -> client::Config {
    let preferred = russh::Preferred {
        cipher: cipher_order(config.ciphers).into(),
        ..russh::Preferred::default()
    };
    client::Config {
        preferred,
        keepalive_interval: config.keepalive_interval,
        keepalive_max: config.keepalive_max,
        inactivity_timeout: None,
        // Downloads (a restore's `btrfs send` on the remote) flow within the window and
        // packet size this side grants: larger packets mean fewer messages, decryptions and
        // task wake-ups per byte in serve.
        window_size: DOWNLOAD_WINDOW,
        maximum_packet_size: DOWNLOAD_PACKET,
        ..client::Config::default()
    }
}

/// Channel window this client grants (russh's default: 2 MiB).
const DOWNLOAD_WINDOW: u32 = 16 << 20;
/// Largest packet this client accepts (russh's default: 32 KiB). russh logs an ERROR at
/// every connect for a value over 65,535 ("should not be larger than a TCP packet"), so
/// this is the largest it takes quietly.
const DOWNLOAD_PACKET: u32 = 65_535;

/// TCP connect (for sessions and host-key probes) bounded by the caller's timeout; errors
/// classified. Nagle is off: an SSH session sends small packets back to back (channel
/// open, exec, EOF, close), and each one held back until the previous one's delayed ACK
/// cost 40 ms per remote command. (`client::Config::nodelay` only applies to sockets
/// russh opens itself, not to the one handed to `connect_stream`.)
async fn tcp(host: &str, addr: &str, port: u16) -> Result<tokio::net::TcpStream, HostError> {
    let stream = tokio::net::TcpStream::connect((addr, port))
        .await
        .map_err(|e| connect_error(host, io_kind(&e), format!("TCP connect failed: {e}")))?;
    stream
        .set_nodelay(true)
        .map_err(|e| connect_error(host, io_kind(&e), format!("TCP_NODELAY failed: {e}")))?;
    Ok(stream)
}

/// A new authenticated connection and the fingerprint the server presented.
#[tracing::instrument(name = "ssh_connect", skip_all, fields(host = %config.describe()), err(level = "info", Display))]
pub(crate) async fn connect(
    config: &SshConfig,
    expected: Option<Fingerprint>,
) -> Result<(Handle, Fingerprint), HostError> {
    let host = config.describe();
    let expected = match (&config.host_key, expected) {
        (_, Some(fp)) => Some(fp),
        (HostKeyPolicy::Pinned(fp), None) => Some(fp.clone()),
        (HostKeyPolicy::TrustOnFirstUse, None) => None,
    };
    let seen: SeenKey = Arc::default();
    let handler = ClientHandler {
        expected,
        reject_all: false,
        seen: seen.clone(),
    };
    let russh_config = Arc::new(russh_config(config));
    let attempt = {
        let (host, config) = (host.clone(), config.clone());
        async move {
            let stream = tcp(&host, &config.addr, config.port).await?;
            let mut handle = client::connect_stream(russh_config, stream, handler)
                .await
                .map_err(|e| handler_error(&host, e))?;
            authenticate(&host, &config, &mut handle).await?;
            Ok::<_, HostError>(handle)
        }
    };
    let bounded = {
        let (host, timeout) = (host.clone(), config.connect_timeout);
        async move {
            tokio::time::timeout(timeout, attempt).await.map_err(|_| {
                connect_error(
                    &host,
                    ConnectErrorKind::TimedOut,
                    format!(
                        "no SSH session within {timeout:?} (TCP connect, handshake and authentication)"
                    ),
                )
            })?
        }
    };
    // Connected on `sessions_on`, the socket and the session's task belong to it.
    let handle = match &config.sessions_on {
        Some(runtime) => runtime.spawn(bounded).await.map_err(|e| {
            connect_error(
                &host,
                ConnectErrorKind::Protocol,
                format!("the session's runtime lost the connection attempt: {e}"),
            )
        })??,
        None => bounded.await?,
    };
    let fingerprint = seen.lock().ok().and_then(|s| s.clone()).ok_or_else(|| {
        connect_error(
            &host,
            ConnectErrorKind::Protocol,
            "connected without seeing a host key",
        )
    })?;
    tracing::debug!(host_key = %fingerprint, "SSH connection established");
    Ok((handle, fingerprint))
}

async fn authenticate(
    host: &str,
    config: &SshConfig,
    handle: &mut Handle,
) -> Result<(), HostError> {
    let user = config.user.clone();
    let result = match &config.auth {
        Auth::Password(password) => {
            handle
                .authenticate_password(user, password.expose_secret())
                .await
        }
        Auth::Key(key) => {
            let key = key.key();
            let hash = if key.algorithm().is_rsa() {
                // rsa-sha2-512/256 as the server advertises (server-sig-algs); SHA-1
                // `ssh-rsa` only for servers that know nothing else.
                match handle.best_supported_rsa_hash().await {
                    Ok(Some(alg)) => alg,
                    _ => Some(russh::keys::HashAlg::Sha256),
                }
            } else {
                None
            };
            handle
                .authenticate_publickey(user, PrivateKeyWithHashAlg::new(key, hash))
                .await
        }
    }
    .map_err(|e| connect_error(host, russh_kind(&e), format!("authentication failed: {e}")))?;
    match result {
        client::AuthResult::Success => Ok(()),
        client::AuthResult::Failure {
            remaining_methods,
            partial_success,
        } => {
            let methods: Vec<&str> = remaining_methods.iter().map(|m| m.into()).collect();
            Err(connect_error(
                host,
                ConnectErrorKind::AuthenticationFailed,
                format!(
                    "authentication as {} by {} was rejected{} (server accepts: {})",
                    config.user,
                    config.auth.method_name(),
                    if partial_success {
                        " (partial success: a second factor is required)"
                    } else {
                        ""
                    },
                    if methods.is_empty() {
                        "-".to_owned()
                    } else {
                        methods.join(",")
                    }
                ),
            ))
        }
    }
}

/// Connects to `addr:port`, reads the host key the server presents and disconnects
/// without authenticating. For the "add server" flow: show the fingerprint, let the
/// administrator confirm it, then pin it ([`HostKeyPolicy::Pinned`]).
#[tracing::instrument(skip_all, fields(addr = %addr, port), err(level = "info", Display))]
pub async fn probe_host_key(
    addr: &str,
    port: u16,
    timeout: Duration,
) -> Result<Fingerprint, HostError> {
    let host = format!("ssh://{addr}:{port}");
    let seen: SeenKey = Arc::default();
    let handler = ClientHandler {
        expected: None,
        reject_all: true,
        seen: seen.clone(),
    };
    let config = Arc::new(client::Config::default());
    let attempt = async {
        let stream = tcp(&host, addr, port).await?;
        match client::connect_stream(config, stream, handler).await {
            // A server accepting without a key check cannot happen (we reject every key).
            Ok(_) | Err(HandlerError::Probed) => Ok(()),
            Err(e) => Err(handler_error(&host, e)),
        }
    };
    tokio::time::timeout(timeout, attempt).await.map_err(|_| {
        connect_error(
            &host,
            ConnectErrorKind::TimedOut,
            format!("no SSH host key within {timeout:?}"),
        )
    })??;
    seen.lock().ok().and_then(|s| s.clone()).ok_or_else(|| {
        connect_error(
            &host,
            ConnectErrorKind::Protocol,
            "the server presented no host key",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cipher_order_prefers_gcm_or_chacha() {
        assert_eq!(
            cipher_order(CipherPreference::AesGcm)[0],
            cipher::AES_128_GCM
        );
        assert_eq!(
            cipher_order(CipherPreference::Chacha20)[0],
            cipher::CHACHA20_POLY1305
        );
        let auto = cipher_order(CipherPreference::Auto)[0];
        assert_eq!(auto == cipher::AES_128_GCM, has_aes_ni());
    }

    #[tokio::test]
    async fn the_ssh_socket_has_nagle_off() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let stream = tcp("test", "127.0.0.1", port).await.unwrap();
        assert!(
            stream.nodelay().unwrap(),
            "Nagle delays each small SSH packet"
        );
    }

    #[test]
    fn error_kinds() {
        let io = |k| russh::Error::IO(io::Error::from(k));
        assert_eq!(
            russh_kind(&io(io::ErrorKind::ConnectionRefused)),
            ConnectErrorKind::Refused
        );
        assert_eq!(
            russh_kind(&io(io::ErrorKind::ConnectionReset)),
            ConnectErrorKind::Reset
        );
        assert_eq!(russh_kind(&russh::Error::HUP), ConnectErrorKind::Closed);
        assert_eq!(
            russh_kind(&russh::Error::KeepaliveTimeout),
            ConnectErrorKind::TimedOut
        );
    }
}
