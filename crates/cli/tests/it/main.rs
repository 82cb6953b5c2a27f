//! End-to-end tests of the `dist-btrfs` binary (serve, jobs, the lab) and the repository's tidy checks.
//!
//! One test binary per crate (modules below) so that the workspace links few test
//! executables. Shared scaffolding lives in the `testkit` crate.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod backup;
mod client_cli;
mod handover;
mod jobs;
mod lab;
mod serve;
mod serve_demo;
mod serve_telemetry;
mod tidy;
