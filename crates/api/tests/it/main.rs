//! The api crate's integration tests: the HTTP API (poem's TestClient or a real socket) over a real Postgres per test and, for the lab tests, the lab's btrfs and sshds.
//!
//! One test binary per crate (modules below) so that the workspace links few test
//! executables. Shared scaffolding lives in the `testkit` crate.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod alert_rules;
mod auth;
mod auth_matrix;
mod events_search;
mod grafana_dashboard;
mod hooks_api;
mod live_events;
mod notifications_api;
mod openapi_file;
mod replication_api;
mod replication_preview;
mod restore_api;
mod scale;
mod security;
mod servers_api;
mod snapshots_api;
mod status_api;
mod storage_api;
mod target_retention;
