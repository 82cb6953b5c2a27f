//! dist-btrfs' SSH transport: [`SshHost`], the russh client implementing [`btrfs::Host`] for
//! remote servers.
//!
//! - [`config`]: [`SshConfig`] — address, user, [`Auth`] (password or private key, secrets
//!   in `secrecy` types, redacted `Debug`), [`HostKeyPolicy`] (pinned [`Fingerprint`] or
//!   trust on first use), timeouts, keepalive, [`CipherPreference`].
//! - [`connect`]: one authenticated connection, errors classified transient/permanent;
//!   [`probe_host_key`] for the "add server" flow.
//! - [`host`]: [`SshHost`] — one connection reused for every command, reopened when it
//!   dropped, the host key seen.
//! - [`exec`]: a command on a session channel: argv shell-quoted for the remote POSIX
//!   shell, stdin in 32 KiB chunks, stdout as a bounded `AsyncRead`, stderr tail, exit
//!   status, deadline.
//!
//! Non-root remotes run btrfs through `sudo -n` ([`btrfs::Argv::sudo`]); nothing here
//! needs to know. Not here: which commands to run ([`btrfs::Btrfs`]), storing credentials
//! (the store's vault), retries (the job runner, using [`btrfs::HostError::is_transient`]).

pub mod config;
pub mod connect;
pub mod exec;
pub mod host;
mod short_ecdsa;

pub use config::{
    Auth, CipherPreference, Fingerprint, FingerprintError, HostKeyPolicy, KeyError, PrivateKeyAuth,
    SshConfig,
};
pub use connect::{has_aes_ni, probe_host_key};
pub use host::SshHost;
