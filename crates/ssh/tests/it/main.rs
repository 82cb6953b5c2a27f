//! The ssh crate's integration tests: the russh transport against the lab's sshds, the restricted wrapper, and secret handling.
//!
//! One test binary per crate (modules below) so that the workspace links few test
//! executables. Shared scaffolding lives in the `testkit` crate.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod lab_ssh;
mod restricted_wrapper;
mod restricted_wrapper_hooks;
mod restricted_wrapper_local;
mod restricted_wrapper_pipelines;
mod restricted_wrapper_staging;
mod secrets;
