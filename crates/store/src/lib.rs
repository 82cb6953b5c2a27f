//! Postgres persistence of dist-btrfs.
//!
//! Owns the database: connecting (with a fast, password-free failure message),
//! migrations (ours and apalis's), the append-only event store with optimistic
//! concurrency, the projections that are updated in the same transaction as each
//! append and rebuilt from the log (with the query functions the API and the engine
//! read them through), advisory locks that serialize work per entity
//! ([`locks`]), the private Postgres cluster that `serve` runs under its state
//! directory when no `DATABASE_URL` is given, the credential vault (secrets
//! encrypted under a master key kept outside the database), and the storage metrics
//! history ([`storage`]: measurements with bounded retention, outside the event log),
//! and backups of what cannot be recomputed ([`backup`]).
//!
//! It does not decide what happens (that is the engine and the API); it records
//! and answers.

pub mod backup;
pub mod cluster;
pub mod db;
mod error;
pub mod events;
pub mod live;
pub mod locks;
pub mod projections;
mod record;
pub mod status;
pub mod storage;
pub mod subvolume_history;
pub mod vault;

pub use error::StoreError;
pub use events::{AppendMeta, EventStore, ExpectedVersion, RecordedEvent};
