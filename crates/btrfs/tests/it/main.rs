//! The btrfs crate's integration tests: parsers against captured btrfs-progs output, the local host's process handling, and real btrfs on a scratch loop filesystem.
//!
//! One test binary per crate (modules below) so that the workspace links few test
//! executables. Shared scaffolding lives in the `testkit` crate.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod local_btrfs;
mod local_host;
mod parse_fixtures;
