//! Scaffolding shared by the integration tests of every crate (a dev-dependency only,
//! never linked into the product).
//!
//! - [`lab`]: the lab's hosts as the tests reach them: `LAB_*` variables, local and
//!   remote shell commands (OpenSSH, test side only), temporary authorized keys and keys
//!   restricted to the remote wrapper, fault injection.
//! - [`area`]: a test's own directory on the lab primary (and target directories on
//!   remotes), with a subvolume and a snapshot directory, removed on drop.
//! - [`fleet`]: a migrated database, a vault, an engine with the lab primary and lab
//!   remotes registered, a managed subvolume.
//! - [`db`]: a database of the test's own for a `dist-btrfs serve` process.
//! - [`app`]: the API over poem's test client with an account of a chosen role logged
//!   in by an API token.
//!
//! What it does not do: mock btrfs, SSH or Postgres. Everything here drives the real
//! thing; `ops/lab up` and `eval "$(ops/lab env)"` come first. Each test gets its own
//! Postgres database from `#[sqlx::test]`.
//!
//! Test code: it fails loudly (panics) on any setup error by design.

#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod app;
pub mod area;
pub mod db;
pub mod fleet;
pub mod lab;

pub use app::TestApp;
pub use area::Area;
pub use fleet::Fleet;
pub use lab::{env, sh, ssh, ssh_ok};

/// Event metadata of a test's own actions (a user named `tester`).
pub fn meta() -> store::AppendMeta {
    store::AppendMeta::new(domain::Actor::User("tester".into()))
}
