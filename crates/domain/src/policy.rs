//! Policies: a schedule (cron + IANA zone) plus a retention for the primary's snapshots,
//! an optional retention for the copies on replication targets, and whether to
//! replicate right after each scheduled snapshot.
//!
//! [`PolicySpec`] is the policy as entered and as stored in events; [`PolicySpec::validate`]
//! checks every part and names the offending field (`name`, `schedule.cron`,
//! `schedule.time_zone`, `retention.<field>`, `target_retention.<field>`), which the API
//! turns into a 400.

use serde::{Deserialize, Serialize};

use crate::names::EntityName;
use crate::retention::{RetentionPolicy, RetentionSpec};
use crate::schedule::Schedule;

/// A cron expression and the IANA zone it is evaluated in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleSpec {
    pub cron: String,
    pub time_zone: String,
}

/// A policy as entered (and as recorded in `PolicyCreated` / `PolicyUpdated`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicySpec {
    pub name: String,
    pub schedule: ScheduleSpec,
    /// Retention of the snapshots on the primary.
    pub retention: RetentionSpec,
    /// Retention of the copies on each replication target (used once replication lands).
    pub target_retention: Option<RetentionSpec>,
    /// Replicate to the subvolume's targets after each scheduled snapshot.
    pub replicate_after_snapshot: bool,
}

/// Why a policy is refused: the field and a message that starts with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct PolicyError {
    /// Dotted path of the offending input field, e.g. `retention.daily`.
    pub field: String,
    pub message: String,
}

/// A validated policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidPolicy {
    pub name: EntityName,
    pub schedule: Schedule,
    pub retention: RetentionPolicy,
    pub target_retention: Option<RetentionPolicy>,
    pub replicate_after_snapshot: bool,
}

impl PolicySpec {
    /// Validates every part; the first error names its field.
    pub fn validate(&self) -> Result<ValidPolicy, PolicyError> {
        let name = EntityName::parse(&self.name).map_err(|e| PolicyError {
            field: "name".into(),
            message: format!("name: {e}"),
        })?;
        let schedule =
            Schedule::parse(&self.schedule.cron, &self.schedule.time_zone).map_err(|e| {
                PolicyError {
                    field: format!("schedule.{}", e.field()),
                    message: format!("schedule.{e}"),
                }
            })?;
        let retention = parse_retention("retention", &self.retention)?;
        let target_retention = self
            .target_retention
            .as_ref()
            .map(|t| parse_retention("target_retention", t))
            .transpose()?;
        Ok(ValidPolicy {
            name,
            schedule,
            retention,
            target_retention,
            replicate_after_snapshot: self.replicate_after_snapshot,
        })
    }
}

/// Parses one retention spec, naming the field under `prefix`.
pub fn parse_retention(prefix: &str, spec: &RetentionSpec) -> Result<RetentionPolicy, PolicyError> {
    RetentionPolicy::parse(spec).map_err(|e| PolicyError {
        field: format!("{prefix}.{}", e.field()),
        message: format!("{prefix}.{e}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> PolicySpec {
        PolicySpec {
            name: "hourly-home".into(),
            schedule: ScheduleSpec {
                cron: "0 * * * *".into(),
                time_zone: "Europe/Berlin".into(),
            },
            retention: RetentionSpec {
                keep_last: 3,
                min_age: None,
                hourly: 24,
                daily: 7,
                weekly: 4,
                monthly: 12,
                yearly: 0,
                time_zone: "Europe/Berlin".into(),
            },
            target_retention: None,
            replicate_after_snapshot: false,
        }
    }

    #[test]
    fn a_good_policy_validates() {
        assert!(spec().validate().is_ok());
    }

    #[test]
    fn errors_name_their_field() {
        let field = |f: &dyn Fn(&mut PolicySpec)| {
            let mut s = spec();
            f(&mut s);
            let e = s.validate().unwrap_err();
            assert!(e.message.starts_with(&e.field), "{e:?}");
            e.field
        };
        assert_eq!(field(&|s| s.name = "../x".into()), "name");
        assert_eq!(
            field(&|s| s.schedule.cron = "61 * * * *".into()),
            "schedule.cron"
        );
        assert_eq!(
            field(&|s| s.schedule.time_zone = "Mars/Olympus".into()),
            "schedule.time_zone"
        );
        assert_eq!(field(&|s| s.retention.daily = 1_000_000), "retention.daily");
        assert_eq!(
            field(&|s| {
                s.retention = RetentionSpec {
                    keep_last: 0,
                    min_age: None,
                    hourly: 0,
                    daily: 0,
                    weekly: 0,
                    monthly: 0,
                    yearly: 0,
                    time_zone: "UTC".into(),
                }
            }),
            "retention.keep_last"
        );
        assert_eq!(
            field(&|s| {
                let mut t = s.retention.clone();
                t.time_zone = "Nowhere/Else".into();
                s.target_retention = Some(t);
            }),
            "target_retention.time_zone"
        );
    }
}
