//! The events of the log: every state change of dist-btrfs is one of these first
//! (docs/design.md invariant 8). Projections are folds over them.
//!
//! Stored formats are frozen: an applied event type never changes shape. A change of
//! shape is a new `schema_version` with an upcaster in [`DomainEvent::decode`]. This
//! module knows nothing of Postgres; `store` maps envelopes to rows.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

mod accounts;
mod summary;

pub use crate::notify::{
    AlertRuleRemoved, AlertRuleSaved, ChannelRemoved, ChannelSaved, NotificationAttemptFailed,
    NotificationDelivered, NotificationQueued,
};

pub use crate::health::SubvolumeRpoSet;
pub use crate::hooks::{SnapshotHookRan, SubvolumeHooksSet};
use crate::ids::{PolicyId, ServerId, SnapshotId, SubvolumeId};
use crate::policy::PolicySpec;
pub use crate::replication::{
    ReplicaHalfReceivedDeleted, ReplicaPruneFailed, ReplicaPruned, ReplicationFinished,
    ReplicationProgress, ReplicationRequested, ReplicationRetried, ReplicationStarted,
    ReplicationTargetFailed, ReplicationTargetStarted, ReplicationTargetSucceeded, TargetAdded,
    TargetRemoved, TargetUpdated,
};
pub use crate::restore::{
    FileDownloaded, ReplicaDeleted, ReplicaVerified, RestoreFailed, RestoreProgress,
    RestoreRequested, RestoreStarted, RestoreSucceeded, SnapshotHeld, SnapshotReleased,
    SnapshotRestored, SubvolumeRolledBack,
};
pub use accounts::{
    InstanceInitialized, InstanceRenamed, LoginFailed, LoginThrottled, SessionEnded,
    SessionStarted, TokenCreated, TokenRevoked, UserCreated, UserDeleted, UserPasswordChanged,
    UserRoleChanged,
};

/// Who caused an event. Stored as text: `system`, `user:<name>`, `token:<id>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Actor {
    /// dist-btrfs itself: start-up, the scheduler, job workers.
    System,
    /// A logged-in user, by user name.
    User(String),
    /// An API token, by token id (never the secret).
    Token(Uuid),
}

/// Why a stored actor string could not be read back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an actor: {0:?}")]
pub struct ActorParseError(String);

impl Actor {
    pub fn parse(s: &str) -> Result<Self, ActorParseError> {
        match s.split_once(':') {
            None if s == "system" => Ok(Self::System),
            Some(("user", name)) if !name.is_empty() => Ok(Self::User(name.to_owned())),
            Some(("token", id)) => Uuid::parse_str(id)
                .map(Self::Token)
                .map_err(|_| ActorParseError(s.to_owned())),
            _ => Err(ActorParseError(s.to_owned())),
        }
    }
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::System => f.write_str("system"),
            Self::User(name) => write!(f, "user:{name}"),
            Self::Token(id) => write!(f, "token:{id}"),
        }
    }
}

/// What a server is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ServerRole {
    /// Holds the subvolumes that are snapshotted (and sent).
    Primary,
    /// Receives replicas.
    Remote,
}

impl ServerRole {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Primary => "primary",
            Self::Remote => "remote",
        }
    }
}

/// How dist-btrfs reaches a server. Credentials are not part of it (they live in the
/// vault, keyed by server id).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Transport {
    /// Commands run on the machine dist-btrfs runs on.
    Local,
    /// Commands run over SSH.
    Ssh {
        address: String,
        port: u16,
        username: String,
    },
}

impl fmt::Display for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Local => f.write_str("local"),
            Self::Ssh {
                address,
                port,
                username,
            } => write!(f, "ssh://{username}@{address}:{port}"),
        }
    }
}

/// A server became known. `allowed_roots` are the absolute paths under which dist-btrfs
/// may read, create and delete subvolumes on it (docs/design.md invariant 7).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerRegistered {
    pub server_id: ServerId,
    pub name: String,
    pub role: ServerRole,
    pub transport: Transport,
    pub allowed_roots: Vec<String>,
    /// Run btrfs through `sudo -n` (a non-root SSH user). Absent in events recorded
    /// before it existed (= false); omitted when false so those stay byte-identical.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub sudo: bool,
}

/// What kind of SSH credential a server uses (never the secret itself).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CredentialKind {
    Password,
    Key,
}

impl CredentialKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Password => "password",
            Self::Key => "key",
        }
    }
}

/// The SSH host key of a server was recorded at first contact (SHA256 fingerprint).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerHostKeyPinned {
    pub server_id: ServerId,
    pub fingerprint: String,
}

/// An admin accepted a changed SSH host key: `new` is pinned in place of `old`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerHostKeyAccepted {
    pub server_id: ServerId,
    pub old: Option<String>,
    pub new: String,
}

/// A server's settings changed (the full new values of what can be edited).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerUpdated {
    pub server_id: ServerId,
    pub name: String,
    pub transport: Transport,
    pub sudo: bool,
    pub allowed_roots: Vec<String>,
}

/// A server's SSH credentials were replaced in the vault (the secret is not here).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerCredentialsChanged {
    pub server_id: ServerId,
    pub kind: CredentialKind,
}

/// A server was removed (its secrets were deleted from the vault).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerRemoved {
    pub server_id: ServerId,
}

/// Whether storage collection reads per-subvolume sizes from the server's qgroups.
/// Only reads them: dist-btrfs never enables quotas (they cost write performance on
/// large filesystems; the operator enables them with `btrfs quota enable`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerStorageSettingsChanged {
    pub server_id: ServerId,
    pub collect_qgroups: bool,
}

/// A server's allowed roots were replaced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerRootsChanged {
    pub server_id: ServerId,
    pub allowed_roots: Vec<String>,
}

/// dist-btrfs started managing a subvolume: its snapshots go to `snapshot_dir`, named
/// after `name`. `btrfs_uuid` identifies the subvolume on disk (snapshots of it carry it
/// as their parent uuid).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubvolumeManaged {
    pub subvolume_id: SubvolumeId,
    pub server_id: ServerId,
    pub name: String,
    pub path: String,
    pub snapshot_dir: String,
    pub btrfs_uuid: Uuid,
    pub btrfs_id: u64,
}

/// dist-btrfs stopped managing a subvolume. Nothing on disk was touched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubvolumeUnmanaged {
    pub subvolume_id: SubvolumeId,
}

/// dist-btrfs created a read-only snapshot (it exists on disk: this event is appended
/// only after the snapshot was made and checked).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotCreated {
    pub snapshot_id: SnapshotId,
    pub subvolume_id: SubvolumeId,
    pub name: String,
    pub path: String,
    pub uuid: Uuid,
    pub parent_uuid: Uuid,
    pub btrfs_id: u64,
    pub created_at: DateTime<Utc>,
}

/// A snapshot could not be created; nothing of it remains on disk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotCreateFailed {
    pub subvolume_id: SubvolumeId,
    pub name: String,
    pub path: String,
    pub error: String,
}

/// dist-btrfs deleted a snapshot from disk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotDeleted {
    pub snapshot_id: SnapshotId,
    pub subvolume_id: SubvolumeId,
}

/// Deleting a snapshot failed; it is still on disk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotDeleteFailed {
    pub snapshot_id: SnapshotId,
    pub subvolume_id: SubvolumeId,
    pub error: String,
}

/// An inventory sync found a catalogued snapshot gone from disk (deleted by hand).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotVanished {
    pub snapshot_id: SnapshotId,
    pub subvolume_id: SubvolumeId,
}

/// An inventory sync found a read-only snapshot of a managed subvolume that dist-btrfs
/// did not create. It is catalogued as unmanaged: never deleted unless adopted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotDiscovered {
    pub snapshot_id: SnapshotId,
    pub subvolume_id: SubvolumeId,
    pub name: String,
    pub path: String,
    pub uuid: Uuid,
    pub parent_uuid: Uuid,
    pub btrfs_id: u64,
    /// The snapshot's btrfs creation time, when known.
    pub created_at: Option<DateTime<Utc>>,
}

/// An operator took an unmanaged snapshot under management: from now on dist-btrfs may
/// delete it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotAdopted {
    pub snapshot_id: SnapshotId,
    pub subvolume_id: SubvolumeId,
}

/// Retention deleted a snapshot from disk: the plan of `policy_id` kept it for no reason.
/// Recorded *instead of* `SnapshotDeleted` (the catalog treats both as `deleted`), so the
/// log tells an operator's delete from a policy's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotPruned {
    pub snapshot_id: SnapshotId,
    pub subvolume_id: SubvolumeId,
    pub policy_id: PolicyId,
}

/// A policy was created (the spec was validated first).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyCreated {
    pub policy_id: PolicyId,
    #[serde(flatten)]
    pub spec: PolicySpec,
}

/// A policy was replaced by a new (validated) spec.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyUpdated {
    pub policy_id: PolicyId,
    #[serde(flatten)]
    pub spec: PolicySpec,
}

/// A policy was deleted (it had no subvolumes assigned).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyDeleted {
    pub policy_id: PolicyId,
}

/// A subvolume now follows this policy (a subvolume follows at most one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyAssigned {
    pub policy_id: PolicyId,
    pub subvolume_id: SubvolumeId,
}

/// A subvolume no longer follows this policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyUnassigned {
    pub policy_id: PolicyId,
    pub subvolume_id: SubvolumeId,
}

/// A durable job gave up: a permanent error, or a transient one that was still failing
/// after the last retry. Recorded on the subvolume's stream when the job is about one
/// subvolume, else on the `jobs` stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobFailed {
    /// `snapshot`, `prune`, `sync`, ...
    pub job_kind: String,
    /// The job's idempotency key, e.g. `snapshot:<policy>:<subvolume>:<slot>`.
    pub key: String,
    pub subvolume_id: Option<SubvolumeId>,
    pub error: String,
    /// `transient` (retries exhausted) or `permanent` (not retried).
    pub class: String,
    /// How many times it ran.
    pub attempts: u32,
}

/// Every event dist-btrfs records. The variant name is the stored event type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum DomainEvent {
    InstanceInitialized(InstanceInitialized),
    InstanceRenamed(InstanceRenamed),
    UserCreated(UserCreated),
    UserPasswordChanged(UserPasswordChanged),
    UserRoleChanged(UserRoleChanged),
    UserDeleted(UserDeleted),
    SessionStarted(SessionStarted),
    SessionEnded(SessionEnded),
    LoginFailed(LoginFailed),
    LoginThrottled(LoginThrottled),
    TokenCreated(TokenCreated),
    TokenRevoked(TokenRevoked),
    ServerRegistered(ServerRegistered),
    ServerRootsChanged(ServerRootsChanged),
    ServerHostKeyPinned(ServerHostKeyPinned),
    ServerHostKeyAccepted(ServerHostKeyAccepted),
    ServerUpdated(ServerUpdated),
    ServerCredentialsChanged(ServerCredentialsChanged),
    ServerRemoved(ServerRemoved),
    ServerStorageSettingsChanged(ServerStorageSettingsChanged),
    SubvolumeManaged(SubvolumeManaged),
    SubvolumeUnmanaged(SubvolumeUnmanaged),
    SnapshotCreated(SnapshotCreated),
    SnapshotCreateFailed(SnapshotCreateFailed),
    SnapshotDeleted(SnapshotDeleted),
    SnapshotDeleteFailed(SnapshotDeleteFailed),
    SnapshotVanished(SnapshotVanished),
    SnapshotDiscovered(SnapshotDiscovered),
    SnapshotAdopted(SnapshotAdopted),
    SnapshotPruned(SnapshotPruned),
    PolicyCreated(PolicyCreated),
    PolicyUpdated(PolicyUpdated),
    PolicyDeleted(PolicyDeleted),
    PolicyAssigned(PolicyAssigned),
    PolicyUnassigned(PolicyUnassigned),
    JobFailed(JobFailed),
    TargetAdded(TargetAdded),
    TargetUpdated(TargetUpdated),
    TargetRemoved(TargetRemoved),
    ReplicationRequested(ReplicationRequested),
    ReplicationStarted(ReplicationStarted),
    ReplicationTargetStarted(ReplicationTargetStarted),
    ReplicationProgress(ReplicationProgress),
    ReplicationTargetSucceeded(ReplicationTargetSucceeded),
    ReplicaHalfReceivedDeleted(ReplicaHalfReceivedDeleted),
    ReplicationTargetFailed(ReplicationTargetFailed),
    ReplicationFinished(ReplicationFinished),
    ReplicationRetried(ReplicationRetried),
    ReplicaPruned(ReplicaPruned),
    ReplicaPruneFailed(ReplicaPruneFailed),
    SubvolumeRpoSet(SubvolumeRpoSet),
    SubvolumeHooksSet(SubvolumeHooksSet),
    SnapshotHookRan(SnapshotHookRan),
    RestoreRequested(RestoreRequested),
    RestoreStarted(RestoreStarted),
    RestoreProgress(RestoreProgress),
    RestoreSucceeded(RestoreSucceeded),
    RestoreFailed(RestoreFailed),
    SubvolumeRolledBack(SubvolumeRolledBack),
    SnapshotHeld(SnapshotHeld),
    SnapshotReleased(SnapshotReleased),
    SnapshotRestored(SnapshotRestored),
    ReplicaDeleted(ReplicaDeleted),
    FileDownloaded(FileDownloaded),
    ReplicaVerified(ReplicaVerified),
    ChannelSaved(ChannelSaved),
    ChannelRemoved(ChannelRemoved),
    AlertRuleSaved(AlertRuleSaved),
    AlertRuleRemoved(AlertRuleRemoved),
    NotificationQueued(NotificationQueued),
    NotificationDelivered(NotificationDelivered),
    NotificationAttemptFailed(NotificationAttemptFailed),
}

/// Static facts about an event's type.
pub trait EventKind {
    /// The stored type name, e.g. `InstanceInitialized`.
    fn event_type(&self) -> &'static str;
    /// The payload's schema version, stored beside it.
    fn schema_version(&self) -> i32;
}

impl EventKind for DomainEvent {
    fn event_type(&self) -> &'static str {
        match self {
            Self::InstanceInitialized(_) => "InstanceInitialized",
            Self::InstanceRenamed(_) => "InstanceRenamed",
            Self::UserCreated(_) => "UserCreated",
            Self::UserPasswordChanged(_) => "UserPasswordChanged",
            Self::UserRoleChanged(_) => "UserRoleChanged",
            Self::UserDeleted(_) => "UserDeleted",
            Self::SessionStarted(_) => "SessionStarted",
            Self::SessionEnded(_) => "SessionEnded",
            Self::LoginFailed(_) => "LoginFailed",
            Self::LoginThrottled(_) => "LoginThrottled",
            Self::TokenCreated(_) => "TokenCreated",
            Self::TokenRevoked(_) => "TokenRevoked",
            Self::ServerRegistered(_) => "ServerRegistered",
            Self::ServerRootsChanged(_) => "ServerRootsChanged",
            Self::ServerHostKeyPinned(_) => "ServerHostKeyPinned",
            Self::ServerHostKeyAccepted(_) => "ServerHostKeyAccepted",
            Self::ServerUpdated(_) => "ServerUpdated",
            Self::ServerCredentialsChanged(_) => "ServerCredentialsChanged",
            Self::ServerRemoved(_) => "ServerRemoved",
            Self::ServerStorageSettingsChanged(_) => "ServerStorageSettingsChanged",
            Self::SubvolumeManaged(_) => "SubvolumeManaged",
            Self::SubvolumeUnmanaged(_) => "SubvolumeUnmanaged",
            Self::SnapshotCreated(_) => "SnapshotCreated",
            Self::SnapshotCreateFailed(_) => "SnapshotCreateFailed",
            Self::SnapshotDeleted(_) => "SnapshotDeleted",
            Self::SnapshotDeleteFailed(_) => "SnapshotDeleteFailed",
            Self::SnapshotVanished(_) => "SnapshotVanished",
            Self::SnapshotDiscovered(_) => "SnapshotDiscovered",
            Self::SnapshotAdopted(_) => "SnapshotAdopted",
            Self::SnapshotPruned(_) => "SnapshotPruned",
            Self::PolicyCreated(_) => "PolicyCreated",
            Self::PolicyUpdated(_) => "PolicyUpdated",
            Self::PolicyDeleted(_) => "PolicyDeleted",
            Self::PolicyAssigned(_) => "PolicyAssigned",
            Self::PolicyUnassigned(_) => "PolicyUnassigned",
            Self::JobFailed(_) => "JobFailed",
            Self::TargetAdded(_) => "TargetAdded",
            Self::TargetUpdated(_) => "TargetUpdated",
            Self::TargetRemoved(_) => "TargetRemoved",
            Self::ReplicationRequested(_) => "ReplicationRequested",
            Self::ReplicationStarted(_) => "ReplicationStarted",
            Self::ReplicationTargetStarted(_) => "ReplicationTargetStarted",
            Self::ReplicationProgress(_) => "ReplicationProgress",
            Self::ReplicationTargetSucceeded(_) => "ReplicationTargetSucceeded",
            Self::ReplicaHalfReceivedDeleted(_) => "ReplicaHalfReceivedDeleted",
            Self::ReplicationTargetFailed(_) => "ReplicationTargetFailed",
            Self::ReplicationFinished(_) => "ReplicationFinished",
            Self::ReplicationRetried(_) => "ReplicationRetried",
            Self::ReplicaPruned(_) => "ReplicaPruned",
            Self::ReplicaPruneFailed(_) => "ReplicaPruneFailed",
            Self::SubvolumeRpoSet(_) => "SubvolumeRpoSet",
            Self::SubvolumeHooksSet(_) => "SubvolumeHooksSet",
            Self::SnapshotHookRan(_) => "SnapshotHookRan",
            Self::RestoreRequested(_) => "RestoreRequested",
            Self::RestoreStarted(_) => "RestoreStarted",
            Self::RestoreProgress(_) => "RestoreProgress",
            Self::RestoreSucceeded(_) => "RestoreSucceeded",
            Self::RestoreFailed(_) => "RestoreFailed",
            Self::SubvolumeRolledBack(_) => "SubvolumeRolledBack",
            Self::SnapshotHeld(_) => "SnapshotHeld",
            Self::SnapshotReleased(_) => "SnapshotReleased",
            Self::SnapshotRestored(_) => "SnapshotRestored",
            Self::ReplicaDeleted(_) => "ReplicaDeleted",
            Self::FileDownloaded(_) => "FileDownloaded",
            Self::ReplicaVerified(_) => "ReplicaVerified",
            Self::ChannelSaved(_) => "ChannelSaved",
            Self::ChannelRemoved(_) => "ChannelRemoved",
            Self::AlertRuleSaved(_) => "AlertRuleSaved",
            Self::AlertRuleRemoved(_) => "AlertRuleRemoved",
            Self::NotificationQueued(_) => "NotificationQueued",
            Self::NotificationDelivered(_) => "NotificationDelivered",
            Self::NotificationAttemptFailed(_) => "NotificationAttemptFailed",
        }
    }

    fn schema_version(&self) -> i32 {
        // Every type is at its first schema version so far.
        1
    }
}

/// Why a stored event could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum EventCodecError {
    #[error("unknown event type {event_type:?} (schema version {schema_version})")]
    UnknownType {
        event_type: String,
        schema_version: i32,
    },
    #[error("event {event_type} v{schema_version} has a malformed payload: {source}")]
    Payload {
        event_type: String,
        schema_version: i32,
        source: serde_json::Error,
    },
}

impl DomainEvent {
    /// The payload as stored: the variant's data without the type tag.
    pub fn payload(&self) -> Result<serde_json::Value, EventCodecError> {
        let tagged = serde_json::to_value(self).map_err(|source| EventCodecError::Payload {
            event_type: self.event_type().to_owned(),
            schema_version: self.schema_version(),
            source,
        })?;
        Ok(match tagged {
            serde_json::Value::Object(mut map) => {
                map.remove("data").unwrap_or(serde_json::Value::Null)
            }
            other => other,
        })
    }

    /// Reads a stored event back from its payload's JSON text (as the database sends it).
    /// Older schema versions are upcast here. One parse straight into the event, with no
    /// `serde_json::Value` tree between (building those trees was most of a projection
    /// rebuild's own CPU).
    pub fn decode(
        event_type: &str,
        schema_version: i32,
        payload: &str,
    ) -> Result<Self, EventCodecError> {
        if schema_version != 1 {
            return Err(EventCodecError::UnknownType {
                event_type: event_type.to_owned(),
                schema_version,
            });
        }
        let tag = serde_json::to_string(event_type)
            .map_err(|e| codec_error(event_type, schema_version, e))?;
        let tagged = format!(r#"{{"type":{tag},"data":{payload}}}"#);
        serde_json::from_str(&tagged).map_err(|e| codec_error(event_type, schema_version, e))
    }
}

fn codec_error(
    event_type: &str,
    schema_version: i32,
    source: serde_json::Error,
) -> EventCodecError {
    if source.to_string().contains("unknown variant") {
        EventCodecError::UnknownType {
            event_type: event_type.to_owned(),
            schema_version,
        }
    } else {
        EventCodecError::Payload {
            event_type: event_type.to_owned(),
            schema_version,
            source,
        }
    }
}

#[cfg(test)]
mod tests;
