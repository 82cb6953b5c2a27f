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
//! - [`install_executable`]: a script or program a test then runs, written without the
//!   `Text file busy` race of parallel tests.
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

/// Writes `contents` to `path` as an executable (`mode`, e.g. 0o755) through a child
/// process (`install`), so that this process never holds a write descriptor for it.
///
/// Tests run in threads of one process: a file written here stays open for writing in
/// any child another thread forks meanwhile (until that child execs), and executing it
/// then fails with ETXTBSY (`Text file busy`). The contents go to a sibling file first
/// (never executed), which `install` copies into place.
pub fn install_executable(
    path: impl AsRef<std::path::Path>,
    contents: impl AsRef<[u8]>,
    mode: u32,
) {
    let path = path.as_ref();
    let staged = path.with_extension("contents");
    std::fs::write(&staged, contents).unwrap();
    let status = std::process::Command::new("install")
        .arg("-m")
        .arg(format!("{mode:o}"))
        .arg(&staged)
        .arg(path)
        .status()
        .unwrap();
    assert!(status.success(), "install {} failed", path.display());
    std::fs::remove_file(&staged).unwrap();
}
