//! The engine crate's integration tests: snapshots and replication against the lab (real btrfs, real sshd, real Postgres per test).
//!
//! One test binary per crate (modules below) so that the workspace links few test
//! executables. Shared scaffolding lives in the `testkit` crate.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod lab_hooks;
mod lab_replication;
mod lab_replication_faults;
mod lab_replication_resume;
mod lab_replication_zstd;
mod lab_restore;
mod lab_restore_replica;
mod lab_snapshots;
