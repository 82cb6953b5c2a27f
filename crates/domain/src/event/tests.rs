//! Tests of the event codec: every event type round-trips through its stored form.

use super::*;
use crate::auth::{Role, Username};
use crate::ids::{RestoreId, TargetId};
use crate::replication::ErrorClass;
use proptest::prelude::*;

fn samples() -> Vec<DomainEvent> {
    vec![
        DomainEvent::InstanceInitialized(InstanceInitialized {
            instance_id: Uuid::from_u128(7),
            software_version: "0.1.0".into(),
        }),
        DomainEvent::InstanceRenamed(InstanceRenamed {
            name: "lab fleet".into(),
        }),
        DomainEvent::UserCreated(UserCreated {
            user_id: Uuid::from_u128(1),
            username: Username::parse("alice").unwrap(),
            role: Role::Operator,
            password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
        }),
        DomainEvent::SessionStarted(SessionStarted {
            session_id: Uuid::from_u128(2),
            user_id: Uuid::from_u128(1),
            secret_hash: "ab".repeat(32),
            expires_at: DateTime::from_timestamp(1_800_000_000, 0).unwrap(),
            client: Some("127.0.0.1".into()),
        }),
        DomainEvent::TokenCreated(TokenCreated {
            token_id: Uuid::from_u128(3),
            user_id: Uuid::from_u128(1),
            name: "grafana".into(),
            role: Role::Viewer,
            secret_hash: "cd".repeat(32),
            expires_at: None,
        }),
        DomainEvent::TokenRevoked(TokenRevoked {
            token_id: Uuid::from_u128(3),
        }),
        DomainEvent::LoginFailed(LoginFailed {
            username: "mallory".into(),
            client: None,
        }),
        DomainEvent::LoginThrottled(LoginThrottled {
            username: "mallory".into(),
            client: Some("127.0.0.9".into()),
            limit: "address".into(),
        }),
        DomainEvent::UserPasswordChanged(UserPasswordChanged {
            user_id: Uuid::from_u128(1),
            password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
        }),
        DomainEvent::UserRoleChanged(UserRoleChanged {
            user_id: Uuid::from_u128(1),
            role: Role::Admin,
        }),
        DomainEvent::UserDeleted(UserDeleted {
            user_id: Uuid::from_u128(1),
        }),
        DomainEvent::SessionEnded(SessionEnded {
            session_id: Uuid::from_u128(2),
        }),
        DomainEvent::ServerRegistered(ServerRegistered {
            server_id: ServerId::from_uuid(Uuid::from_u128(1)),
            name: "primary".into(),
            role: ServerRole::Primary,
            transport: Transport::Local,
            allowed_roots: vec!["/mnt/pool".into()],
            sudo: false,
        }),
        DomainEvent::ServerRegistered(ServerRegistered {
            server_id: ServerId::from_uuid(Uuid::from_u128(2)),
            name: "remote1".into(),
            role: ServerRole::Remote,
            transport: Transport::Ssh {
                address: "127.0.0.11".into(),
                port: 2222,
                username: "dbtlab".into(),
            },
            allowed_roots: vec![],
            sudo: true,
        }),
        DomainEvent::ServerRootsChanged(ServerRootsChanged {
            server_id: ServerId::from_uuid(Uuid::from_u128(1)),
            allowed_roots: vec!["/a".into(), "/b".into()],
        }),
        DomainEvent::ServerHostKeyPinned(ServerHostKeyPinned {
            server_id: ServerId::from_uuid(Uuid::from_u128(2)),
            fingerprint: "SHA256:5vGNcgOv/jaOecxi0KpslH5Zc4RG+AJChMNuUHI10v0".into(),
        }),
        DomainEvent::ServerHostKeyAccepted(ServerHostKeyAccepted {
            server_id: ServerId::from_uuid(Uuid::from_u128(2)),
            old: Some("SHA256:5vGNcgOv/jaOecxi0KpslH5Zc4RG+AJChMNuUHI10v0".into()),
            new: "SHA256:tlFjVNAbtVmVjqcaQ7JTHvF1adLDg/uaELk3N2RGVuc".into(),
        }),
        DomainEvent::ServerUpdated(ServerUpdated {
            server_id: ServerId::from_uuid(Uuid::from_u128(2)),
            name: "remote-1".into(),
            transport: Transport::Ssh {
                address: "127.0.0.12".into(),
                port: 22,
                username: "backup".into(),
            },
            sudo: false,
            allowed_roots: vec!["/srv".into()],
        }),
        DomainEvent::ServerCredentialsChanged(ServerCredentialsChanged {
            server_id: ServerId::from_uuid(Uuid::from_u128(2)),
            kind: CredentialKind::Key,
        }),
        DomainEvent::ServerRemoved(ServerRemoved {
            server_id: ServerId::from_uuid(Uuid::from_u128(2)),
        }),
        DomainEvent::ServerStorageSettingsChanged(ServerStorageSettingsChanged {
            server_id: ServerId::from_uuid(Uuid::from_u128(1)),
            collect_qgroups: true,
        }),
        DomainEvent::SubvolumeManaged(SubvolumeManaged {
            subvolume_id: sv(),
            server_id: ServerId::from_uuid(Uuid::from_u128(1)),
            name: "home".into(),
            path: "/mnt/pool/data/home".into(),
            snapshot_dir: "/mnt/pool/.snapshots".into(),
            btrfs_uuid: Uuid::from_u128(9),
            btrfs_id: 256,
        }),
        DomainEvent::SubvolumeUnmanaged(SubvolumeUnmanaged { subvolume_id: sv() }),
        DomainEvent::SnapshotCreated(SnapshotCreated {
            snapshot_id: snap(),
            subvolume_id: sv(),
            name: "home.20261126T120000Z".into(),
            path: "/mnt/pool/.snapshots/home.20261126T120000Z".into(),
            uuid: Uuid::from_u128(10),
            parent_uuid: Uuid::from_u128(9),
            btrfs_id: 260,
            created_at: DateTime::from_timestamp(1_700_000_000, 5).unwrap(),
        }),
        DomainEvent::SnapshotCreateFailed(SnapshotCreateFailed {
            subvolume_id: sv(),
            name: "n".into(),
            path: "/p/n".into(),
            error: "boom".into(),
        }),
        DomainEvent::SnapshotDeleted(SnapshotDeleted {
            snapshot_id: snap(),
            subvolume_id: sv(),
        }),
        DomainEvent::SnapshotDeleteFailed(SnapshotDeleteFailed {
            snapshot_id: snap(),
            subvolume_id: sv(),
            error: "busy".into(),
        }),
        DomainEvent::SnapshotVanished(SnapshotVanished {
            snapshot_id: snap(),
            subvolume_id: sv(),
        }),
        DomainEvent::SnapshotDiscovered(SnapshotDiscovered {
            snapshot_id: snap(),
            subvolume_id: sv(),
            name: "home@manual".into(),
            path: "/mnt/pool/.snapshots/home@manual".into(),
            uuid: Uuid::from_u128(11),
            parent_uuid: Uuid::from_u128(9),
            btrfs_id: 261,
            created_at: None,
        }),
        DomainEvent::SnapshotAdopted(SnapshotAdopted {
            snapshot_id: snap(),
            subvolume_id: sv(),
        }),
        DomainEvent::SnapshotPruned(SnapshotPruned {
            snapshot_id: snap(),
            subvolume_id: sv(),
            policy_id: pol(),
        }),
        DomainEvent::PolicyCreated(PolicyCreated {
            policy_id: pol(),
            spec: policy_spec(),
        }),
        DomainEvent::PolicyUpdated(PolicyUpdated {
            policy_id: pol(),
            spec: PolicySpec {
                target_retention: Some(policy_spec().retention),
                replicate_after_snapshot: true,
                ..policy_spec()
            },
        }),
        DomainEvent::PolicyDeleted(PolicyDeleted { policy_id: pol() }),
        DomainEvent::PolicyAssigned(PolicyAssigned {
            policy_id: pol(),
            subvolume_id: sv(),
        }),
        DomainEvent::PolicyUnassigned(PolicyUnassigned {
            policy_id: pol(),
            subvolume_id: sv(),
        }),
        DomainEvent::JobFailed(JobFailed {
            job_kind: "snapshot".into(),
            key: "snapshot:p:s:2026-11-26T12:00:00Z".into(),
            subvolume_id: Some(sv()),
            error: "server unreachable".into(),
            class: "transient".into(),
            attempts: 5,
        }),
    ]
    .into_iter()
    .chain(replication_samples())
    .chain(restore_samples())
    .chain(notify_samples())
    .collect()
}

fn notify_samples() -> Vec<DomainEvent> {
    use crate::notify::{ChannelSpec, Notice, RuleSpec, SmtpTls};
    use crate::status::{ProblemKind, Severity};
    use crate::{AlertRuleId, ChannelId, DeliveryId};
    let c = ChannelId::from_uuid(Uuid::from_u128(30));
    let r = AlertRuleId::from_uuid(Uuid::from_u128(31));
    let d = DeliveryId::from_uuid(Uuid::from_u128(32));
    vec![
        DomainEvent::ChannelSaved(ChannelSaved {
            channel_id: c,
            name: "ops mail".into(),
            spec: ChannelSpec::Email {
                smtp_host: "127.0.0.1".into(),
                smtp_port: 2525,
                tls: SmtpTls::None,
                username: Some("relay".into()),
                from: "dist-btrfs@lab".into(),
                to: vec!["ops@lab".into()],
            },
        }),
        DomainEvent::ChannelRemoved(ChannelRemoved { channel_id: c }),
        DomainEvent::AlertRuleSaved(AlertRuleSaved {
            rule_id: r,
            name: "pager".into(),
            spec: RuleSpec {
                kinds: vec![ProblemKind::ReplicationFailing],
                channels: vec![c],
                repeat_seconds: 3600,
                muted: false,
            },
        }),
        DomainEvent::AlertRuleRemoved(AlertRuleRemoved { rule_id: r }),
        DomainEvent::NotificationQueued(NotificationQueued {
            delivery_id: d,
            channel_id: c,
            rule_id: Some(r),
            notice: Notice::Firing,
            alert_key: Some("replication_failing:x:y".into()),
            problem_kind: Some(ProblemKind::ReplicationFailing),
            severity: Some(Severity::Critical),
            summary: "replication of data/home to backup-1:/b is failing".into(),
            repeat: true,
        }),
        DomainEvent::NotificationDelivered(NotificationDelivered {
            delivery_id: d,
            attempt: 2,
            detail: "HTTP 200".into(),
        }),
        DomainEvent::NotificationAttemptFailed(NotificationAttemptFailed {
            delivery_id: d,
            attempt: 1,
            error: "connection refused".into(),
            gave_up: false,
        }),
    ]
}

fn restore_samples() -> Vec<DomainEvent> {
    use crate::restore::{HoldReason, RestoreMode};
    let r = RestoreId::from_uuid(Uuid::from_u128(20));
    let t = TargetId::from_uuid(Uuid::from_u128(21));
    vec![
        DomainEvent::RestoreRequested(RestoreRequested {
            restore_id: r,
            mode: RestoreMode::Files,
            subvolume_id: sv(),
            snapshot_id: snap(),
            replica_target_id: Some(t),
            server_id: ServerId::from_uuid(Uuid::from_u128(2)),
            destination: "/mnt/pool/home".into(),
            paths: vec!["docs/a.txt".into()],
            overwrite: false,
            sample_percent: Some(10),
        }),
        DomainEvent::RestoreStarted(RestoreStarted {
            restore_id: r,
            attempt: 1,
        }),
        DomainEvent::RestoreProgress(RestoreProgress {
            restore_id: r,
            bytes: 10,
            rate_bytes_per_sec: 5,
            expected_bytes: None,
        }),
        DomainEvent::RestoreSucceeded(RestoreSucceeded {
            restore_id: r,
            result_path: "/mnt/pool/home".into(),
            bytes: 10,
            pre_restore_snapshot_id: None,
            incremental_from: Some(snap()),
            files_copied: 1,
            kept_beside: vec!["docs/a.txt.restored-20260101T000000Z".into()],
        }),
        DomainEvent::RestoreFailed(RestoreFailed {
            restore_id: r,
            error: "target unreachable".into(),
            class: ErrorClass::Transient,
        }),
        DomainEvent::SubvolumeRolledBack(SubvolumeRolledBack {
            subvolume_id: sv(),
            restore_id: r,
            snapshot_id: snap(),
            previous_uuid: Uuid::from_u128(30),
            new_uuid: Uuid::from_u128(31),
            new_btrfs_id: 270,
            pre_restore_snapshot_id: Some(SnapshotId::from_uuid(Uuid::from_u128(32))),
        }),
        DomainEvent::SnapshotHeld(SnapshotHeld {
            subvolume_id: sv(),
            snapshot_id: snap(),
            reason: HoldReason::PreRestore,
            restore_id: Some(r),
        }),
        DomainEvent::SnapshotReleased(SnapshotReleased {
            subvolume_id: sv(),
            snapshot_id: snap(),
        }),
        DomainEvent::SnapshotRestored(SnapshotRestored {
            subvolume_id: sv(),
            snapshot_id: snap(),
            restore_id: r,
            path: "/mnt/pool/.snapshots/home.20260101T000000Z".into(),
            uuid: Uuid::from_u128(33),
            btrfs_id: 260,
        }),
        DomainEvent::ReplicaDeleted(ReplicaDeleted {
            target_id: t,
            subvolume_id: sv(),
            snapshot_id: snap(),
            path: "/srv/backups/home.20260101T000000Z".into(),
            forced: true,
        }),
        DomainEvent::FileDownloaded(FileDownloaded {
            subvolume_id: sv(),
            snapshot_id: snap(),
            target_id: None,
            path: "docs/a.txt".into(),
            size: 10,
        }),
        DomainEvent::ReplicaVerified(ReplicaVerified {
            target_id: t,
            subvolume_id: sv(),
            snapshot_id: snap(),
            restore_id: r,
            ok: false,
            files_compared: 3,
            sample_percent: 100,
            mismatches: vec!["docs/a.txt".into()],
        }),
    ]
}

fn replication_samples() -> Vec<DomainEvent> {
    use crate::lineage::{IncompleteReason, MissingMode};
    use crate::replication::*;
    use crate::{ReplicationId, TargetId};
    let t = TargetId::from_uuid(Uuid::from_u128(21));
    let r = ReplicationId::from_uuid(Uuid::from_u128(22));
    let options = TargetOptions {
        strict_incremental: true,
        missing: MissingMode::AllMissing,
        compression: Compression::Zstd,
        rate_limit_bytes_per_sec: Some(1 << 20),
    };
    vec![
        DomainEvent::TargetAdded(TargetAdded {
            target_id: t,
            subvolume_id: sv(),
            server_id: ServerId::from_uuid(Uuid::from_u128(2)),
            directory: "/srv/backups/home".into(),
            options,
        }),
        DomainEvent::TargetUpdated(TargetUpdated {
            target_id: t,
            directory: "/srv/backups/home2".into(),
            options: TargetOptions::default(),
        }),
        DomainEvent::TargetRemoved(TargetRemoved {
            target_id: t,
            subvolume_id: sv(),
        }),
        DomainEvent::ReplicationRequested(ReplicationRequested {
            replication_id: r,
            subvolume_id: sv(),
            snapshot_id: snap(),
            target_ids: vec![t],
        }),
        DomainEvent::ReplicationStarted(ReplicationStarted { replication_id: r }),
        DomainEvent::ReplicationTargetStarted(ReplicationTargetStarted {
            replication_id: r,
            target_id: t,
            snapshot_id: snap(),
            parent_snapshot_id: Some(SnapshotId::from_uuid(Uuid::from_u128(23))),
            send_id: Uuid::from_u128(24),
            group_size: 3,
            expected_bytes: Some(1000),
            compression: Compression::None,
            compression_fallback: Some("zstd: not found on the target".into()),
            staged_offset: Some(4096),
        }),
        DomainEvent::ReplicationProgress(ReplicationProgress {
            replication_id: r,
            send_id: Uuid::from_u128(24),
            targets: vec![TargetBytes {
                target_id: t,
                bytes: 500,
            }],
            rate_bytes_per_sec: 250,
        }),
        DomainEvent::ReplicationTargetSucceeded(ReplicationTargetSucceeded {
            replication_id: r,
            target_id: t,
            subvolume_id: sv(),
            snapshot_id: snap(),
            parent_snapshot_id: None,
            sent: true,
            bytes: 1000,
            wire_bytes: Some(400),
            duration_ms: 4000,
            throughput_bytes_per_sec: 250,
            received_path: "/srv/backups/home/home.20260101T000000Z".into(),
            replicas: vec![Replica {
                snapshot_id: snap(),
                path: "/srv/backups/home/home.20260101T000000Z".into(),
                uuid: Uuid::from_u128(25),
            }],
            common_base: Some(snap()),
        }),
        DomainEvent::ReplicaHalfReceivedDeleted(ReplicaHalfReceivedDeleted {
            replication_id: r,
            target_id: t,
            path: "/srv/backups/home/home.20260101T000000Z".into(),
            reason: IncompleteReason::NotReadOnly,
        }),
        DomainEvent::ReplicationTargetFailed(ReplicationTargetFailed {
            replication_id: r,
            target_id: t,
            snapshot_id: None,
            error: "connection lost".into(),
            class: ErrorClass::Transient,
        }),
        DomainEvent::ReplicationFinished(ReplicationFinished {
            replication_id: r,
            outcome: Outcome::PartiallyFailed,
        }),
        DomainEvent::ReplicationRetried(ReplicationRetried {
            replication_id: r,
            target_ids: vec![t],
        }),
        DomainEvent::ReplicaPruned(ReplicaPruned {
            target_id: t,
            subvolume_id: sv(),
            snapshot_id: snap(),
            policy_id: PolicyId::from_uuid(Uuid::from_u128(5)),
            path: "/srv/backups/home/home.20260101T000000Z".into(),
        }),
        DomainEvent::ReplicaPruneFailed(ReplicaPruneFailed {
            target_id: t,
            subvolume_id: sv(),
            snapshot_id: None,
            error: "server unreachable".into(),
            class: ErrorClass::Transient,
        }),
        DomainEvent::SubvolumeRpoSet(SubvolumeRpoSet {
            subvolume_id: sv(),
            rpo_seconds: Some(3600),
        }),
        DomainEvent::SubvolumeHooksSet(SubvolumeHooksSet {
            subvolume_id: sv(),
            pre: Some("freeze-db".into()),
            post: None,
            timeout_secs: 30,
        }),
        DomainEvent::SnapshotHookRan(SnapshotHookRan {
            subvolume_id: sv(),
            phase: crate::hooks::HookPhase::Pre,
            hook: "freeze-db".into(),
            snapshot: "db.20260101T000000Z".into(),
            outcome: crate::hooks::HookOutcome::TimedOut,
            exit_code: None,
            duration_ms: 30_000,
            message: String::new(),
        }),
    ]
}

fn sv() -> SubvolumeId {
    SubvolumeId::from_uuid(Uuid::from_u128(3))
}

fn pol() -> PolicyId {
    PolicyId::from_uuid(Uuid::from_u128(5))
}

fn policy_spec() -> PolicySpec {
    PolicySpec {
        name: "nightly".into(),
        schedule: crate::policy::ScheduleSpec {
            cron: "0 3 * * *".into(),
            time_zone: "Europe/Berlin".into(),
        },
        retention: crate::retention::RetentionSpec {
            keep_last: 3,
            min_age: Some(std::time::Duration::from_secs(3600)),
            hourly: 0,
            daily: 7,
            weekly: 4,
            monthly: 12,
            yearly: 2,
            time_zone: "Europe/Berlin".into(),
        },
        target_retention: None,
        replicate_after_snapshot: false,
    }
}

fn snap() -> SnapshotId {
    SnapshotId::from_uuid(Uuid::from_u128(4))
}

#[test]
fn stored_forms_are_frozen() {
    // Changing any of these breaks every database that holds such an event: add a
    // schema version and an upcaster instead.
    let e = DomainEvent::ServerRegistered(ServerRegistered {
        server_id: ServerId::from_uuid(Uuid::from_u128(2)),
        name: "r".into(),
        role: ServerRole::Remote,
        transport: Transport::Ssh {
            address: "a".into(),
            port: 22,
            username: "u".into(),
        },
        allowed_roots: vec!["/x".into()],
        sudo: false,
    });
    assert_eq!(
        e.payload().unwrap(),
        serde_json::json!({
            "server_id": "00000000-0000-0000-0000-000000000002",
            "name": "r",
            "role": "remote",
            "transport": {"kind": "ssh", "address": "a", "port": 22, "username": "u"},
            "allowed_roots": ["/x"],
        })
    );
    let e = DomainEvent::SnapshotVanished(SnapshotVanished {
        snapshot_id: snap(),
        subvolume_id: sv(),
    });
    assert_eq!(
        e.payload().unwrap(),
        serde_json::json!({
            "snapshot_id": "00000000-0000-0000-0000-000000000004",
            "subvolume_id": "00000000-0000-0000-0000-000000000003",
        })
    );
}

#[test]
fn every_event_has_a_type_and_summary() {
    let mut types = std::collections::BTreeSet::new();
    for event in samples() {
        assert!(!event.summary().is_empty());
        types.insert(event.event_type());
    }
    assert_eq!(types.len(), 72, "every variant is sampled: {types:?}");
}

#[test]
fn every_event_round_trips_through_its_stored_form() {
    for event in samples() {
        let payload = event.payload().unwrap();
        assert!(
            payload.get("type").is_none(),
            "type tag must not be in the payload"
        );
        let back = DomainEvent::decode(
            event.event_type(),
            event.schema_version(),
            &payload.to_string(),
        )
        .unwrap();
        assert_eq!(back, event);
    }
}

#[test]
fn summaries_never_carry_hashes() {
    for event in samples() {
        let summary = event.summary();
        assert!(!summary.contains("argon2"), "{summary}");
        assert!(!summary.contains(&"ab".repeat(32)), "{summary}");
        assert!(!summary.contains(&"cd".repeat(32)), "{summary}");
    }
}

#[test]
fn unknown_types_and_versions_are_errors_not_panics() {
    let err = DomainEvent::decode("NoSuchEvent", 1, "{}").unwrap_err();
    assert!(matches!(err, EventCodecError::UnknownType { .. }), "{err}");
    let err = DomainEvent::decode("InstanceRenamed", 9, r#"{"name": "x"}"#).unwrap_err();
    assert!(matches!(err, EventCodecError::UnknownType { .. }), "{err}");
    let err = DomainEvent::decode("InstanceRenamed", 1, r#"{"nom": 1}"#).unwrap_err();
    assert!(matches!(err, EventCodecError::Payload { .. }), "{err}");
}

#[test]
fn actors_round_trip_as_text() {
    for actor in [
        Actor::System,
        Actor::User("alice".into()),
        Actor::Token(Uuid::from_u128(42)),
    ] {
        assert_eq!(Actor::parse(&actor.to_string()).unwrap(), actor);
    }
    assert!(Actor::parse("user:").is_err());
    assert!(Actor::parse("token:nope").is_err());
    assert!(Actor::parse("root").is_err());
}

proptest! {
    #[test]
    fn rename_events_round_trip(name in "\\PC{0,64}") {
        let event = DomainEvent::InstanceRenamed(InstanceRenamed { name });
        let back = DomainEvent::decode(
            event.event_type(), event.schema_version(), &event.payload().unwrap().to_string()).unwrap();
        prop_assert_eq!(back, event);
    }

    #[test]
    fn actor_parse_never_panics(s in "\\PC{0,40}") {
        if let Ok(actor) = Actor::parse(&s) {
            prop_assert_eq!(actor.to_string(), s);
        }
    }
}
