//! A client of the dist-btrfs REST API (`/api/v1`), generated at build time from the
//! committed `openapi/dist-btrfs.json` by progenitor (see `build.rs`): one [`Client`] with a
//! builder per operation (`client.list_servers().limit(10).send().await`) and the
//! document's schemas in [`types`]. The `dist-btrfs` binary's client commands use it.
//!
//! Not here: authentication state, profiles or output (the binary's `client` module).

#![allow(
    clippy::all,
    clippy::unwrap_used,
    clippy::expect_used,
    unused_qualifications,
    missing_docs,
    unreachable_pub
)]

include!(concat!(env!("OUT_DIR"), "/codegen.rs"));
