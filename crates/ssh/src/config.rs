//! How to reach one remote: [`SshConfig`] (address, user, [`Auth`], [`HostKeyPolicy`],
//! timeouts, keepalive, [`CipherPreference`]) and the [`Fingerprint`] of a host key.
//!
//! Secrets (password, private key, passphrase) live in `secrecy` types only; the `Debug`
//! of every type here prints `[REDACTED]` in their place, and no error of this crate quotes
//! them. A private key is decoded when the [`Auth`] is built, so a wrong passphrase or a
//! damaged key is reported when the server is added, not at the first replication.
//!
//! Not here: connecting ([`crate::connect`]), running commands ([`crate::SshHost`]).

use std::fmt;
use std::path::Path;
use std::time::Duration;

use russh::keys::{HashAlg, PrivateKey};
use secrecy::{ExposeSecret, SecretString};

/// Default bound on TCP connect + SSH handshake + authentication.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(15);
/// Default interval of SSH keepalives when nothing was received from the server.
pub const DEFAULT_KEEPALIVE_INTERVAL: Duration = Duration::from_secs(15);
/// Default number of unanswered keepalives after which the connection is dropped.
pub const DEFAULT_KEEPALIVE_MAX: usize = 3;

/// A SHA-256 host-key fingerprint, written exactly as `ssh-keygen -lf` prints it:
/// `SHA256:` followed by 43 characters of unpadded standard base64.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Fingerprint(String);

/// Why a string is not a [`Fingerprint`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{0:?} is not a SHA256 host key fingerprint (expected `SHA256:` and 43 base64 characters, as printed by `ssh-keygen -lf`)"
)]
pub struct FingerprintError(String);

impl Fingerprint {
    /// Validates `s` (`SHA256:` + 43 characters of `A-Za-z0-9+/`).
    pub fn parse(s: &str) -> Result<Self, FingerprintError> {
        let s = s.trim();
        let ok = s.strip_prefix("SHA256:").is_some_and(|b64| {
            b64.len() == 43
                && b64
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
        });
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(FingerprintError(s.to_owned()))
        }
    }

    /// The fingerprint of a public key.
    pub fn of(key: &russh::keys::PublicKey) -> Self {
        Self(key.fingerprint(HashAlg::Sha256).to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for Fingerprint {
    type Err = FingerprintError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// Which host keys a connection accepts (docs/design.md invariant 6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostKeyPolicy {
    /// Only this key. Anything else is refused with
    /// [`btrfs::host::ConnectErrorKind::HostKeyMismatch`], naming both fingerprints.
    Pinned(Fingerprint),
    /// Accept the key presented at the first connection and report it
    /// ([`crate::SshHost::host_key_fingerprint`]) so the caller can pin it. Later
    /// reconnects of the same [`crate::SshHost`] require that same key.
    TrustOnFirstUse,
}

/// How to authenticate. `Debug` never prints the secrets.
#[derive(Clone)]
pub enum Auth {
    /// Password authentication.
    Password(SecretString),
    /// Public-key authentication with a decoded private key (ed25519, RSA, ECDSA).
    Key(PrivateKeyAuth),
}

/// A decoded private key. Build it with [`Auth::private_key`] or [`Auth::private_key_file`].
#[derive(Clone)]
pub struct PrivateKeyAuth {
    key: std::sync::Arc<PrivateKey>,
}

impl PrivateKeyAuth {
    pub(crate) fn key(&self) -> std::sync::Arc<PrivateKey> {
        self.key.clone()
    }

    /// The key's algorithm (`ssh-ed25519`, `ssh-rsa` ...), for display.
    pub fn algorithm(&self) -> String {
        self.key.algorithm().to_string()
    }

    /// The SHA-256 fingerprint of the public half (not secret: it is what
    /// `ssh-keygen -lf key.pub` prints).
    pub fn public_fingerprint(&self) -> Fingerprint {
        Fingerprint::of(self.key.public_key())
    }
}

/// Why a private key could not be used. Never contains key material or the passphrase.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("cannot read private key file {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("the private key is encrypted and no passphrase was given")]
    PassphraseRequired,
    /// Wrong passphrase, unsupported format or damaged key (the decoder does not tell them
    /// apart reliably).
    #[error(
        "cannot decode the private key (wrong passphrase, unsupported format or damaged key): {0}"
    )]
    Decode(String),
}

impl Auth {
    /// Password authentication.
    pub fn password(password: SecretString) -> Self {
        Self::Password(password)
    }

    /// Key authentication from the text of a private key (OpenSSH `-----BEGIN OPENSSH
    /// PRIVATE KEY-----`, PKCS#1/PKCS#8 PEM), decrypted with `passphrase` when it is
    /// encrypted.
    pub fn private_key(
        key_text: &SecretString,
        passphrase: Option<&SecretString>,
    ) -> Result<Self, KeyError> {
        let text = key_text.expose_secret();
        let pass = passphrase.map(|p| p.expose_secret());
        // Refuse early with a clear message instead of the decoder's generic one.
        if pass.is_none() && is_encrypted_openssh(text) {
            return Err(KeyError::PassphraseRequired);
        }
        let decoded = russh::keys::decode_secret_key(text, pass).or_else(|e| {
            // A short ECDSA scalar (1 in 256 P-256 keys): the same key, padded.
            match crate::short_ecdsa::padded(text) {
                Some(fixed) => russh::keys::decode_secret_key(&fixed, pass),
                None => Err(e),
            }
        });
        let key = decoded.map_err(|e| {
            // The decoder's messages describe the format, never the key bytes; be careful
            // anyway and keep only the error's first line.
            KeyError::Decode(e.to_string().lines().next().unwrap_or_default().to_owned())
        })?;
        Ok(Self::Key(PrivateKeyAuth {
            key: std::sync::Arc::new(key),
        }))
    }

    /// [`Auth::private_key`] from a file.
    pub fn private_key_file(
        path: &Path,
        passphrase: Option<&SecretString>,
    ) -> Result<Self, KeyError> {
        let text = std::fs::read_to_string(path).map_err(|source| KeyError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Self::private_key(&SecretString::from(text), passphrase)
    }

    /// `password` or `publickey`, for messages.
    pub fn method_name(&self) -> &'static str {
        match self {
            Self::Password(_) => "password",
            Self::Key(_) => "publickey",
        }
    }
}

/// Whether an OpenSSH-format key is encrypted (its header names a cipher other than `none`).
fn is_encrypted_openssh(text: &str) -> bool {
    let Some(body) = text
        .split("-----BEGIN OPENSSH PRIVATE KEY-----")
        .nth(1)
        .and_then(|rest| rest.split("-----END").next())
    else {
        return false;
    };
    let b64: String = body.chars().filter(|c| !c.is_whitespace()).collect();
    // "openssh-key-v1\0" + string ciphername: the first 64 base64 chars decode well past it.
    let head = decode_base64_prefix(b64.get(..64).unwrap_or(&b64));
    const MAGIC: &[u8] = b"openssh-key-v1\0";
    let Some(rest) = head.strip_prefix(MAGIC) else {
        return false;
    };
    let Some((len_bytes, rest)) = rest.split_first_chunk::<4>() else {
        return false;
    };
    let len = u32::from_be_bytes(*len_bytes) as usize;
    rest.get(..len).is_some_and(|name| name != b"none")
}

/// Decodes standard base64 (whole groups only; enough for a header peek).
fn decode_base64_prefix(s: &str) -> Vec<u8> {
    fn val(c: u8) -> Option<u32> {
        match c {
            b'A'..=b'Z' => Some(u32::from(c - b'A')),
            b'a'..=b'z' => Some(u32::from(c - b'a') + 26),
            b'0'..=b'9' => Some(u32::from(c - b'0') + 52),
            b'+' => Some(62),
            b'/' => Some(63),
            _ => None,
        }
    }
    let mut out = Vec::new();
    for group in s.as_bytes().chunks_exact(4) {
        let mut n = 0u32;
        for &c in group {
            match val(c) {
                Some(v) => n = (n << 6) | v,
                None => return out,
            }
        }
        out.extend_from_slice(&n.to_be_bytes()[1..]);
    }
    out
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Password(_) => f.write_str("Password([REDACTED])"),
            Self::Key(k) => fmt::Debug::fmt(k, f),
        }
    }
}

impl fmt::Debug for PrivateKeyAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrivateKey")
            .field("algorithm", &self.algorithm())
            .field("public_fingerprint", &self.public_fingerprint().as_str())
            .field("secret", &"[REDACTED]")
            .finish()
    }
}

/// Symmetric cipher preference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CipherPreference {
    /// AES-GCM first when this CPU has AES-NI, chacha20-poly1305 first otherwise
    /// (docs/design.md, Replication: 1.25-1.3x on full replication with AES-NI).
    #[default]
    Auto,
    /// `aes128-gcm@openssh.com` first.
    AesGcm,
    /// `chacha20-poly1305@openssh.com` first (russh's and OpenSSH's default).
    Chacha20,
}

/// How to reach and authenticate to one remote.
#[derive(Debug, Clone)]
pub struct SshConfig {
    /// Host name or IP address.
    pub addr: String,
    pub port: u16,
    pub user: String,
    pub auth: Auth,
    pub host_key: HostKeyPolicy,
    /// Bound on TCP connect, SSH handshake and authentication together (and on opening a
    /// channel).
    pub connect_timeout: Duration,
    /// Keepalive interval when the server is silent; `None` disables keepalives.
    pub keepalive_interval: Option<Duration>,
    /// Unanswered keepalives before the connection is considered lost.
    pub keepalive_max: usize,
    pub ciphers: CipherPreference,
    /// The runtime a session's own task (russh's reader and writer of the socket) runs
    /// on; `None`: the runtime that connects. Serve puts every session on the jobs'
    /// runtime: a session first opened by an API request would otherwise run on the
    /// API's, and every chunk of a transfer on it would cross runtimes (4-5x the context
    /// switches of serve, 15-20 % less throughput, measured 2026-12-07).
    pub sessions_on: Option<tokio::runtime::Handle>,
}

impl SshConfig {
    /// A configuration with the default timeouts, keepalive and cipher preference.
    pub fn new(
        addr: impl Into<String>,
        port: u16,
        user: impl Into<String>,
        auth: Auth,
        host_key: HostKeyPolicy,
    ) -> Self {
        Self {
            addr: addr.into(),
            port,
            user: user.into(),
            auth,
            host_key,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            keepalive_interval: Some(DEFAULT_KEEPALIVE_INTERVAL),
            keepalive_max: DEFAULT_KEEPALIVE_MAX,
            ciphers: CipherPreference::Auto,
            sessions_on: None,
        }
    }

    #[must_use]
    pub fn sessions_on(mut self, runtime: Option<tokio::runtime::Handle>) -> Self {
        self.sessions_on = runtime;
        self
    }

    #[must_use]
    pub fn connect_timeout(mut self, t: Duration) -> Self {
        self.connect_timeout = t;
        self
    }

    #[must_use]
    pub fn keepalive(mut self, interval: Option<Duration>, max: usize) -> Self {
        self.keepalive_interval = interval;
        self.keepalive_max = max;
        self
    }

    #[must_use]
    pub fn ciphers(mut self, c: CipherPreference) -> Self {
        self.ciphers = c;
        self
    }

    /// `ssh://user@addr:port`, the host's name in logs and errors.
    pub fn describe(&self) -> String {
        if self.addr.contains(':') {
            format!("ssh://{}@[{}]:{}", self.user, self.addr, self.port)
        } else {
            format!("ssh://{}@{}:{}", self.user, self.addr, self.port)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_parse() {
        let ok = "SHA256:J7tw+aaFeuY2gHybfW+sM8UL4ZWz+1n6M5db5PLXBFA";
        assert_eq!(Fingerprint::parse(ok).unwrap().as_str(), ok);
        assert_eq!(
            Fingerprint::parse(&format!(" {ok}\n")).unwrap().as_str(),
            ok
        );
        for bad in [
            "",
            "SHA256:",
            "MD5:J7tw+aaFeuY2gHybfW+sM8UL4ZWz+1n6M5db5PLXBFA",
            "SHA256:J7tw+aaFeuY2gHybfW+sM8UL4ZWz+1n6M5db5PLXBF",
            "SHA256:J7tw+aaFeuY2gHybfW+sM8UL4ZWz+1n6M5db5PLXBFA=",
            "SHA256:J7tw-aaFeuY2gHybfW+sM8UL4ZWz+1n6M5db5PLXBFA",
        ] {
            assert!(Fingerprint::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn describe_brackets_ipv6() {
        let c = |addr: &str| {
            SshConfig::new(
                addr,
                22,
                "u",
                Auth::password("x".into()),
                HostKeyPolicy::TrustOnFirstUse,
            )
        };
        assert_eq!(c("127.0.0.11").describe(), "ssh://u@127.0.0.11:22");
        assert_eq!(c("::1").describe(), "ssh://u@[::1]:22");
    }

    #[test]
    fn base64_prefix() {
        assert_eq!(decode_base64_prefix("b3BlbnNzaA=="), b"openss");
        assert_eq!(decode_base64_prefix("YWJj"), b"abc");
    }
}
