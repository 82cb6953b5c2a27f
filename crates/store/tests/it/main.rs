//! The store crate's integration tests: the event store, projections, the vault and metrics over a real Postgres per test.
//!
//! One test binary per crate (modules below) so that the workspace links few test
//! executables. Shared scaffolding lives in the `testkit` crate.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod backup;
mod batch_replay;
mod event_store;
mod keyset_pages;
mod live_feed;
mod rebuild;
mod replication_health;
mod storage_metrics;
mod vault;
