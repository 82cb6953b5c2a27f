//! Pure domain logic of dist-btrfs: typed identifiers, validated names and paths, the
//! snapshot naming rule, the events that make up the log, and (as features land) the
//! retention planner, lineage and schedules.
//!
//! This crate does no I/O and depends on no other crate of ours. Everything here can
//! be unit- and property-tested without btrfs, SSH or Postgres.

pub mod auth;
pub mod catalog;
pub mod event;
pub mod event_search;
pub mod health;
pub mod hooks;
pub mod ids;
pub mod lineage;
pub mod names;
pub mod notify;
pub mod paths;
pub mod policy;
pub mod replication;
pub mod restore;
pub mod retention;
pub mod schedule;
pub mod snapshot_names;
pub mod status;
pub mod stream;
mod text_enum;

pub use auth::{Role, Username};
pub use event::{Actor, CredentialKind, DomainEvent, EventKind, ServerRole, Transport};
pub use ids::{
    AlertRuleId, ChannelId, DeliveryId, PolicyId, ReplicaId, ReplicationId, RestoreId, ServerId,
    SnapshotId, SubvolumeId, TargetId,
};
pub use lineage::{
    IncompleteReason, IncrementalMode, MissingMode, PrimarySnapshot, ReceivedState,
    ReceivedSubvolume, SendDecision,
};
pub use names::{
    DisplayName, DisplayNameError, EntityName, NameError, SnapshotName, SubvolumeName,
};
pub use paths::{ServerPath, ServerPathError};
pub use policy::{PolicyError, PolicySpec, ScheduleSpec, ValidPolicy};
pub use retention::{
    Decision, KeepReason, Pin, Plan, RetentionError, RetentionPolicy, RetentionSpec, SnapshotFacts,
};
pub use schedule::{ParsedSchedules, Schedule, ScheduleError, Slot, UnknownTimeZone};
pub use stream::{StreamId, StreamIdError};
