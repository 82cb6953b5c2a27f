//! dist-btrfs' interface to btrfs-progs: typed commands, parsers of their output, and the
//! [`Host`] boundary that runs them.
//!
//! - [`command`]: [`AbsPath`] and [`Argv`] (argv words, never a shell string) and the
//!   builders of every btrfs invocation ([`command::btrfs`]).
//! - [`parse`]: typed results of those commands, from their real text output.
//! - [`host`]: the [`Host`] trait (run / stream a command; one tracing wrapper), its error
//!   classification ([`HostError::is_transient`]).
//! - [`local`]: [`LocalHost`], the implementation for this machine (the SSH one lives in
//!   the `ssh` crate).
//! - [`client`]: [`Btrfs`], typed async methods (list, show, snapshot, delete, usage,
//!   qgroups, send, receive) over any [`Host`].
//! - [`send_stream`]: a streaming reader of the btrfs send stream and the diff fold of an
//!   incremental `btrfs send --no-data` (what changed between two snapshots).
//!
//! This crate has no policy (retention, lineage, which paths are allowed) and no storage;
//! those live in `domain` and `engine`. It depends on no other dist-btrfs crate.

pub mod client;
pub mod command;
pub mod host;
pub mod local;
pub mod parse;
pub mod send_stream;

pub use client::Btrfs;
pub use command::{AbsPath, Argv, PathError};
pub use host::{
    CommandOutput, CommandStdin, CommandStdout, ExitInfo, Host, HostError, RunOptions,
    RunningCommand, StdinWrite,
};
pub use local::LocalHost;
pub use parse::ParseError;
