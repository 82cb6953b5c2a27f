//! [`DomainEvent::summary`]: the one human-readable line per event of the audit
//! timeline.

use super::DomainEvent;

impl DomainEvent {
    /// One human-readable line for the audit timeline.
    pub fn summary(&self) -> String {
        match self {
            Self::InstanceInitialized(e) => format!(
                "dist-btrfs {} initialised instance {}",
                e.software_version, e.instance_id
            ),
            Self::InstanceRenamed(e) => format!("instance renamed to {:?}", e.name),
            Self::UserCreated(e) => format!("user {} created with role {}", e.username, e.role),
            Self::UserPasswordChanged(e) => format!("password of user {} changed", e.user_id),
            Self::UserRoleChanged(e) => format!("user {} now has role {}", e.user_id, e.role),
            Self::UserDeleted(e) => format!("user {} deleted", e.user_id),
            Self::SessionStarted(e) => format!(
                "login (session {}) from {}",
                e.session_id,
                e.client.as_deref().unwrap_or("unknown address")
            ),
            Self::SessionEnded(e) => format!("logout (session {})", e.session_id),
            Self::LoginThrottled(e) => format!(
                "login as {:?} from {} refused: {} limit",
                e.username,
                e.client.as_deref().unwrap_or("unknown address"),
                e.limit
            ),
            Self::LoginFailed(e) => format!(
                "failed login as {:?} from {}",
                e.username,
                e.client.as_deref().unwrap_or("unknown address")
            ),
            Self::TokenCreated(e) => format!(
                "API token {:?} ({}) issued with role {}",
                e.name, e.token_id, e.role
            ),
            Self::TokenRevoked(e) => format!("API token {} revoked", e.token_id),
            Self::ServerRegistered(e) => format!(
                "{} server {:?} registered ({}), allowed roots: {}",
                e.role.as_str(),
                e.name,
                e.transport,
                roots(&e.allowed_roots)
            ),
            Self::ServerRootsChanged(e) => {
                format!("allowed roots changed to {}", roots(&e.allowed_roots))
            }
            Self::ServerHostKeyPinned(e) => format!("host key pinned: {}", e.fingerprint),
            Self::ServerHostKeyAccepted(e) => format!(
                "host key changed from {} to {} (accepted)",
                e.old.as_deref().unwrap_or("none"),
                e.new
            ),
            Self::ServerUpdated(e) => format!(
                "server {:?} updated ({}{}), allowed roots: {}",
                e.name,
                e.transport,
                if e.sudo { ", sudo" } else { "" },
                roots(&e.allowed_roots)
            ),
            Self::ServerCredentialsChanged(e) => {
                format!("SSH credentials replaced ({})", e.kind.as_str())
            }
            Self::ServerRemoved(e) => format!("server {} removed", e.server_id),
            Self::ServerStorageSettingsChanged(e) => format!(
                "qgroup size collection {}",
                if e.collect_qgroups { "on" } else { "off" }
            ),
            Self::SubvolumeManaged(e) => format!(
                "managing subvolume {} as {:?}, snapshots in {}",
                e.path, e.name, e.snapshot_dir
            ),
            Self::SubvolumeUnmanaged(e) => format!("stopped managing subvolume {}", e.subvolume_id),
            Self::SnapshotCreated(e) => format!("created snapshot {}", e.path),
            Self::SnapshotCreateFailed(e) => {
                format!("creating snapshot {} failed: {}", e.path, e.error)
            }
            Self::SnapshotDeleted(e) => format!("deleted snapshot {}", e.snapshot_id),
            Self::SnapshotDeleteFailed(e) => {
                format!("deleting snapshot {} failed: {}", e.snapshot_id, e.error)
            }
            Self::SnapshotVanished(e) => {
                format!("snapshot {} is gone from disk", e.snapshot_id)
            }
            Self::SnapshotDiscovered(e) => {
                format!("found unmanaged snapshot {}", e.path)
            }
            Self::SnapshotAdopted(e) => format!("adopted snapshot {}", e.snapshot_id),
            Self::SnapshotPruned(e) => format!(
                "pruned snapshot {} (retention of policy {})",
                e.snapshot_id, e.policy_id
            ),
            Self::PolicyCreated(e) => format!(
                "policy {:?} created (schedule {:?} in {})",
                e.spec.name, e.spec.schedule.cron, e.spec.schedule.time_zone
            ),
            Self::PolicyUpdated(e) => format!(
                "policy {:?} updated (schedule {:?} in {})",
                e.spec.name, e.spec.schedule.cron, e.spec.schedule.time_zone
            ),
            Self::PolicyDeleted(e) => format!("policy {} deleted", e.policy_id),
            Self::PolicyAssigned(e) => format!(
                "subvolume {} now follows policy {}",
                e.subvolume_id, e.policy_id
            ),
            Self::PolicyUnassigned(e) => format!(
                "subvolume {} no longer follows policy {}",
                e.subvolume_id, e.policy_id
            ),
            Self::JobFailed(e) => format!(
                "{} job {} failed ({}, after {} attempt{}): {}",
                e.job_kind,
                e.key,
                e.class,
                e.attempts,
                if e.attempts == 1 { "" } else { "s" },
                e.error
            ),
            Self::TargetAdded(e) => format!(
                "replication target {} added: server {} directory {}",
                e.target_id, e.server_id, e.directory
            ),
            Self::TargetUpdated(e) => format!(
                "replication target {} updated: directory {}",
                e.target_id, e.directory
            ),
            Self::TargetRemoved(e) => format!("replication target {} removed", e.target_id),
            Self::ReplicationRequested(e) => format!(
                "replication of snapshot {} to {} target(s) requested",
                e.snapshot_id,
                e.target_ids.len()
            ),
            Self::ReplicationStarted(e) => format!("replication {} started", e.replication_id),
            Self::ReplicationTargetStarted(e) => format!(
                "sending snapshot {} to target {} ({})",
                e.snapshot_id,
                e.target_id,
                match e.parent_snapshot_id {
                    Some(p) => format!("incremental from {p}"),
                    None => "full".to_owned(),
                }
            ),
            Self::ReplicationProgress(e) => format!(
                "send {}: {} target(s), {} B/s",
                e.send_id,
                e.targets.len(),
                e.rate_bytes_per_sec
            ),
            Self::ReplicationTargetSucceeded(e) => format!(
                "snapshot {} on target {} at {} ({} bytes)",
                e.snapshot_id, e.target_id, e.received_path, e.bytes
            ),
            Self::ReplicaHalfReceivedDeleted(e) => format!(
                "deleted half-received {} on target {} ({})",
                e.path, e.target_id, e.reason
            ),
            Self::ReplicationTargetFailed(e) => format!(
                "replication to target {} failed ({}): {}",
                e.target_id,
                e.class.as_str(),
                e.error
            ),
            Self::ReplicationFinished(e) => format!(
                "replication {} finished: {}",
                e.replication_id,
                e.outcome.as_str()
            ),
            Self::ReplicationRetried(e) => format!(
                "replication {} retried for {} target(s)",
                e.replication_id,
                e.target_ids.len()
            ),
            Self::ReplicaPruned(e) => format!(
                "replica {} of snapshot {} pruned from target {}",
                e.path, e.snapshot_id, e.target_id
            ),
            Self::ReplicaPruneFailed(e) => format!(
                "pruning target {} failed ({}): {}",
                e.target_id,
                e.class.as_str(),
                e.error
            ),
            Self::SubvolumeRpoSet(e) => match e.rpo_seconds {
                Some(secs) => format!("RPO of subvolume {} set to {secs} s", e.subvolume_id),
                None => format!("RPO of subvolume {} reset to the default", e.subvolume_id),
            },
            Self::SubvolumeHooksSet(e) => match (&e.pre, &e.post) {
                (None, None) => format!("snapshot hooks of subvolume {} removed", e.subvolume_id),
                (pre, post) => format!(
                    "snapshot hooks of subvolume {} set: pre {}, post {}, timeout {} s",
                    e.subvolume_id,
                    pre.as_deref().unwrap_or("none"),
                    post.as_deref().unwrap_or("none"),
                    e.timeout_secs
                ),
            },
            Self::SnapshotHookRan(e) => e.describe(),
            Self::RestoreRequested(e) if e.mode == crate::restore::RestoreMode::Verify => format!(
                "verification of the replica of snapshot {} on target {} requested ({}% sample)",
                e.snapshot_id,
                e.replica_target_id
                    .map_or_else(|| "?".to_owned(), |t| t.to_string()),
                e.sample_percent.unwrap_or(100)
            ),
            Self::RestoreRequested(e) => format!(
                "{} restore of snapshot {}{} to {} requested",
                e.mode.as_str(),
                e.snapshot_id,
                match e.replica_target_id {
                    Some(t) => format!(" from its replica on target {t}"),
                    None => String::new(),
                },
                e.destination
            ),
            Self::RestoreStarted(e) => {
                format!("restore {} started (attempt {})", e.restore_id, e.attempt)
            }
            Self::RestoreProgress(e) => format!(
                "restore {}: {} bytes, {} B/s",
                e.restore_id, e.bytes, e.rate_bytes_per_sec
            ),
            Self::RestoreSucceeded(e) => format!(
                "restore {} succeeded: {} ({} bytes)",
                e.restore_id, e.result_path, e.bytes
            ),
            Self::RestoreFailed(e) => format!(
                "restore {} failed ({}): {}",
                e.restore_id,
                e.class.as_str(),
                e.error
            ),
            Self::SubvolumeRolledBack(e) => match e.pre_restore_snapshot_id {
                Some(pre) => format!(
                    "subvolume {} rolled back to snapshot {} (state before kept as snapshot {pre})",
                    e.subvolume_id, e.snapshot_id
                ),
                None => format!(
                    "subvolume {} recreated from snapshot {} (it was gone)",
                    e.subvolume_id, e.snapshot_id
                ),
            },
            Self::SnapshotHeld(e) => format!(
                "snapshot {} held ({}): never pruned until released",
                e.snapshot_id,
                e.reason.as_str()
            ),
            Self::SnapshotReleased(e) => format!("snapshot {} released", e.snapshot_id),
            Self::SnapshotRestored(e) => format!(
                "snapshot {} received back from a replica at {}",
                e.snapshot_id, e.path
            ),
            Self::ReplicaDeleted(e) => format!(
                "replica {} of snapshot {} deleted from target {}{}",
                e.path,
                e.snapshot_id,
                e.target_id,
                if e.forced {
                    " (it was the common base)"
                } else {
                    ""
                }
            ),
            Self::FileDownloaded(e) => format!(
                "file {:?} of snapshot {} downloaded{} ({} bytes)",
                e.path,
                e.snapshot_id,
                match e.target_id {
                    Some(t) => format!(" from target {t}"),
                    None => String::new(),
                },
                e.size
            ),
            Self::ReplicaVerified(e) => format!(
                "replica of snapshot {} on target {} verified: {} ({} files compared, {}% sample)",
                e.snapshot_id,
                e.target_id,
                if e.ok { "matches" } else { "DIFFERS" },
                e.files_compared,
                e.sample_percent
            ),
            Self::ChannelSaved(e) => format!(
                "notification channel {:?} ({}) saved",
                e.name,
                e.spec.kind()
            ),
            Self::ChannelRemoved(e) => format!("notification channel {} removed", e.channel_id),
            Self::AlertRuleSaved(e) => format!(
                "alert rule {:?} saved{}",
                e.name,
                if e.spec.muted { " (muted)" } else { "" }
            ),
            Self::AlertRuleRemoved(e) => format!("alert rule {} removed", e.rule_id),
            Self::NotificationQueued(e) => format!(
                "notification ({}{}) queued for channel {}: {}",
                e.notice,
                if e.repeat { ", repeated" } else { "" },
                e.channel_id,
                e.summary
            ),
            Self::NotificationDelivered(e) => format!(
                "notification {} delivered (attempt {}): {}",
                e.delivery_id, e.attempt, e.detail
            ),
            Self::NotificationAttemptFailed(e) => format!(
                "notification {} attempt {} failed{}: {}",
                e.delivery_id,
                e.attempt,
                if e.gave_up { ", giving up" } else { "" },
                e.error
            ),
        }
    }
}

fn roots(roots: &[String]) -> String {
    if roots.is_empty() {
        "none".to_owned()
    } else {
        roots.join(", ")
    }
}
