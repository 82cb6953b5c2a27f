//! Writing the large list answers straight to JSON text, in exactly the shape their
//! OpenAPI `ToJSON` gives.
//!
//! poem-openapi writes a body by building a `serde_json::Value` tree first (a map with
//! allocated keys per object, a `String` per uuid and date) and then printing it. For a
//! page of hundreds of targets, runs or policies that tree is most of serve's work, so
//! those pages' types also derive `serde::Serialize` and are answered with
//! [`crate::respond::JsonText::of`]. Two rules keep the shapes equal, and the tests of
//! each type (`serialize_as_to_json` property tests) check them:
//! - every `DateTime<Utc>` field is written by [`rfc3339`] / [`rfc3339_opt`], as
//!   poem-openapi writes it (`to_rfc3339`: `+00:00`, not chrono's own `Z`);
//! - enums carry the same `rename_all` for serde as for poem-openapi, and `None` is
//!   written as `null`, as poem-openapi writes it.
//!
//! What it does not do: decide which answers are written this way (their handlers).

use chrono::{DateTime, Utc};
use serde::Serializer;

/// A date as poem-openapi writes it.
pub fn rfc3339<S: Serializer>(at: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&at.to_rfc3339())
}

/// An optional date as poem-openapi writes it (`null` when absent).
#[allow(clippy::ref_option)] // serde's `serialize_with` passes `&Option<T>`
pub fn rfc3339_opt<S: Serializer>(at: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
    match at {
        Some(at) => rfc3339(at, s),
        None => s.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    //! Every type answered through [`crate::respond::JsonText::of`]: serde writes it as its
    //! `ToJSON` does, whatever the values (`None`s, every enum variant, text that needs
    //! escaping, any date).
    mod strategies {
        //! proptest strategies for the values the serialized types hold.
        use chrono::{DateTime, TimeZone, Utc};
        use proptest::prelude::*;
        use uuid::Uuid;

        /// Any instant from 1970 to about 2200, with any microsecond or nanosecond part.
        pub fn date() -> impl Strategy<Value = DateTime<Utc>> {
            (0_i64..7_258_118_400, 0_u32..1_000_000_000).prop_map(|(secs, nanos)| {
                Utc.timestamp_opt(secs, nanos).single().unwrap_or_default()
            })
        }

        pub fn uuid() -> impl Strategy<Value = Uuid> {
            any::<u128>().prop_map(Uuid::from_u128)
        }

        /// Text with what JSON must escape: quotes, backslashes, controls, non-ASCII.
        pub fn text() -> impl Strategy<Value = String> {
            "(?s).{0,12}"
        }

        /// Checks that serde writes `value` as its `ToJSON` does.
        pub fn assert_same_json<T: serde::Serialize + poem_openapi::types::ToJSON>(value: &T) {
            let by_serde = serde_json::to_value(value).expect("serializable");
            let by_openapi = value.to_json().expect("a JSON value");
            assert_eq!(by_serde, by_openapi);
        }
    }

    use proptest::collection::vec;
    use proptest::option::of;
    use proptest::prelude::*;

    use crate::hooks::{HookRunDto, SnapshotHooks};
    use crate::page::Page;
    use crate::policies::{Policy, PolicyRetention, PolicySchedule};
    use crate::replication::{
        Compression, ErrorClass, Missing, Replication, ReplicationState, ReplicationTarget,
        SendKind, Target, TargetState,
    };
    use crate::replication_health::{
        HealthSnapshotRef, HealthState, RpoSource, TargetHealthDto, TransferKind,
    };
    use crate::subvolumes::Subvolume;
    use strategies::{assert_same_json, date, text, uuid};

    fn target() -> impl Strategy<Value = Target> {
        (
            (uuid(), uuid(), uuid(), text(), any::<bool>()),
            prop_oneof![Just(Missing::NewestOnly), Just(Missing::SendAll)],
            prop_oneof![Just(Compression::None), Just(Compression::Zstd)],
            (of(any::<u64>()), of(uuid()), date(), date()),
        )
            .prop_map(
                |((id, subvolume_id, server_id, directory, strict), missing, compression, rest)| {
                    Target {
                        id,
                        subvolume_id,
                        server_id,
                        directory,
                        strict_incremental: strict,
                        missing,
                        compression,
                        rate_limit_bytes_per_sec: rest.0,
                        common_base_snapshot_id: rest.1,
                        created_at: rest.2,
                        updated_at: rest.3,
                    }
                },
            )
    }

    fn replication_target() -> impl Strategy<Value = ReplicationTarget> {
        let state = prop_oneof![
            Just(TargetState::Queued),
            Just(TargetState::Running),
            Just(TargetState::Succeeded),
            Just(TargetState::Failed),
        ];
        let kind = of(prop_oneof![
            Just(SendKind::Full),
            Just(SendKind::Incremental),
            Just(SendKind::AlreadyPresent),
        ]);
        let compression = of(prop_oneof![
            Just(Compression::None),
            Just(Compression::Zstd)
        ]);
        let class = of(prop_oneof![
            Just(ErrorClass::Transient),
            Just(ErrorClass::Permanent)
        ]);
        (
            (uuid(), state, of(uuid()), of(uuid()), kind, of(uuid())),
            (of(any::<i32>()), any::<u64>(), any::<u64>(), any::<i32>()),
            (of(any::<u64>()), compression, of(text()), of(any::<u64>())),
            (of(any::<u64>()), of(any::<u64>()), of(date()), of(date())),
            (of(any::<u64>()), of(text()), of(text()), class, date()),
        )
            .prop_map(|(a, b, c, d, e)| ReplicationTarget {
                target_id: a.0,
                state: a.1,
                snapshot_id: a.2,
                parent_snapshot_id: a.3,
                kind: a.4,
                send_id: a.5,
                group_size: b.0,
                bytes: b.1,
                bytes_total: b.2,
                snapshots_sent: b.3,
                expected_bytes: c.0,
                compression: c.1,
                compression_warning: c.2,
                wire_bytes: c.3,
                rate_bytes_per_sec: d.0,
                eta_seconds: d.1,
                started_at: d.2,
                finished_at: d.3,
                duration_ms: e.0,
                received_path: e.1,
                error: e.2,
                error_class: e.3,
                updated_at: e.4,
            })
    }

    fn replication() -> impl Strategy<Value = Replication> {
        let state = prop_oneof![
            Just(ReplicationState::Queued),
            Just(ReplicationState::Running),
            Just(ReplicationState::Succeeded),
            Just(ReplicationState::Failed),
            Just(ReplicationState::PartiallyFailed),
        ];
        (
            (uuid(), uuid(), uuid(), state, text()),
            (date(), of(date()), of(date())),
            vec(replication_target(), 0..3),
        )
            .prop_map(|(a, b, targets)| Replication {
                id: a.0,
                subvolume_id: a.1,
                snapshot_id: a.2,
                state: a.3,
                requested_by: a.4,
                requested_at: b.0,
                started_at: b.1,
                finished_at: b.2,
                targets,
            })
    }

    fn retention() -> impl Strategy<Value = PolicyRetention> {
        (
            any::<i64>(),
            of(any::<i64>()),
            (any::<i64>(), any::<i64>(), any::<i64>()),
            (any::<i64>(), any::<i64>()),
        )
            .prop_map(
                |(keep_last, min_age_seconds, (hourly, daily, weekly), (monthly, yearly))| {
                    PolicyRetention {
                        keep_last,
                        min_age_seconds,
                        hourly,
                        daily,
                        weekly,
                        monthly,
                        yearly,
                    }
                },
            )
    }

    fn policy() -> impl Strategy<Value = Policy> {
        (
            (uuid(), text(), text(), text()),
            (retention(), of(retention()), any::<bool>()),
            (vec(uuid(), 0..3), of(date()), date(), date()),
        )
            .prop_map(|(a, b, c)| Policy {
                id: a.0,
                name: a.1,
                schedule: PolicySchedule {
                    cron: a.2,
                    time_zone: a.3,
                },
                retention: b.0,
                target_retention: b.1,
                replicate_after_snapshot: b.2,
                subvolumes: c.0,
                next_snapshot_at: c.1,
                created_at: c.2,
                updated_at: c.3,
            })
    }

    fn hook_run() -> impl Strategy<Value = HookRunDto> {
        (
            (text(), text(), text()),
            (of(any::<i32>()), any::<u64>(), text(), date()),
        )
            .prop_map(|(a, b)| HookRunDto {
                hook: a.0,
                snapshot: a.1,
                outcome: a.2,
                exit_code: b.0,
                duration_ms: b.1,
                message: b.2,
                at: b.3,
            })
    }

    fn subvolume() -> impl Strategy<Value = Subvolume> {
        let hooks = (
            of(text()),
            of(text()),
            any::<u32>(),
            of(hook_run()),
            of(hook_run()),
        )
            .prop_map(
                |(pre, post, timeout_secs, last_pre, last_post)| SnapshotHooks {
                    pre,
                    post,
                    timeout_secs,
                    last_pre,
                    last_post,
                },
            );
        (
            (uuid(), uuid(), text(), text(), text(), uuid(), any::<u64>()),
            (any::<bool>(), date(), of(date()), of(text()), of(date())),
            hooks,
        )
            .prop_map(|(a, b, hooks)| Subvolume {
                id: a.0,
                server_id: a.1,
                name: a.2,
                path: a.3,
                snapshot_dir: a.4,
                btrfs_uuid: a.5,
                btrfs_id: a.6,
                managed: b.0,
                managed_at: b.1,
                unmanaged_at: b.2,
                last_snapshot_error: b.3,
                last_snapshot_error_at: b.4,
                hooks,
            })
    }

    fn snapshot_ref() -> impl Strategy<Value = HealthSnapshotRef> {
        (uuid(), text(), date()).prop_map(|(id, name, created_at)| HealthSnapshotRef {
            id,
            name,
            created_at,
        })
    }

    fn target_health() -> impl Strategy<Value = TargetHealthDto> {
        let state = prop_oneof![
            Just(HealthState::Ok),
            Just(HealthState::Late),
            Just(HealthState::Failing),
            Just(HealthState::NeverReplicated),
        ];
        let source = prop_oneof![
            Just(RpoSource::Set),
            Just(RpoSource::Schedule),
            Just(RpoSource::Default),
        ];
        let kind = of(prop_oneof![
            Just(TransferKind::Full),
            Just(TransferKind::Incremental)
        ]);
        (
            (uuid(), text(), uuid(), uuid(), text(), text(), state),
            (any::<u64>(), source, of(snapshot_ref()), of(snapshot_ref())),
            (of(any::<u64>()), of(any::<u64>()), of(date()), of(uuid())),
            (of(any::<u64>()), of(any::<u64>()), of(any::<u64>()), kind),
            (of(date()), of(uuid()), of(text()), of(text())),
            (any::<u64>(), any::<u64>(), any::<bool>()),
        )
            .prop_map(|(a, b, c, d, e, f)| TargetHealthDto {
                subvolume_id: a.0,
                subvolume_name: a.1,
                target_id: a.2,
                server_id: a.3,
                server_name: a.4,
                directory: a.5,
                state: a.6,
                rpo_seconds: b.0,
                rpo_source: b.1,
                newest_primary_snapshot: b.2,
                newest_replica_snapshot: b.3,
                lag_seconds: c.0,
                replica_age_seconds: c.1,
                last_success_at: c.2,
                last_success_replication_id: c.3,
                last_transfer_bytes: d.0,
                last_transfer_throughput_bytes_per_sec: d.1,
                last_transfer_duration_ms: d.2,
                last_transfer_kind: d.3,
                last_failure_at: e.0,
                last_failure_replication_id: e.1,
                last_error: e.2,
                last_error_class: e.3,
                bytes_total: f.0,
                failures_total: f.1,
                in_flight: f.2,
            })
    }

    fn page<
        T: poem_openapi::types::ParseFromJSON + poem_openapi::types::ToJSON + std::fmt::Debug,
    >(
        item: impl Strategy<Value = T>,
    ) -> impl Strategy<Value = Page<T>> {
        (vec(item, 0..4), of(text())).prop_map(|(items, next_after)| Page { items, next_after })
    }

    proptest! {
        #[test]
        fn serialize_as_to_json_targets(p in page(target())) {
            assert_same_json(&p);
        }

        #[test]
        fn serialize_as_to_json_replications(p in page(replication())) {
            assert_same_json(&p);
        }

        #[test]
        fn serialize_as_to_json_policies(p in page(policy())) {
            assert_same_json(&p);
        }

        #[test]
        fn serialize_as_to_json_subvolumes(p in page(subvolume())) {
            assert_same_json(&p);
        }

        #[test]
        fn serialize_as_to_json_replication_health(item in target_health()) {
            assert_same_json(&item);
        }
    }

    #[test]
    fn a_date_is_written_as_poem_openapi_writes_it_not_as_chrono_does() {
        use chrono::TimeZone;
        let at = chrono::Utc
            .timestamp_opt(1_700_000_000, 123_456_000)
            .single()
            .expect("a valid instant");
        let mut out = Vec::new();
        super::rfc3339(&at, &mut serde_json::Serializer::new(&mut out)).expect("written");
        assert_eq!(out, br#""2023-11-14T22:13:20.123456+00:00""#);
    }
}
