//! The jobs crate's integration tests: schedules, workers and replication jobs against the lab and a real Postgres per test.
//!
//! One test binary per crate (modules below) so that the workspace links few test
//! executables. Shared scaffolding lives in the `testkit` crate.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod lab_jobs;
mod lab_replicate;
mod notify_jobs;
