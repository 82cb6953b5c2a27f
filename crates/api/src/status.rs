//! The fleet status over HTTP: `GET /status`, the worst of everything that can be wrong
//! and one row per problem (`engine::status::fleet_status`; the rules are
//! `domain::status`'s). `/metrics` renders the same computation (`metrics::status`), so
//! a Grafana board and the dashboard's overview cannot disagree.

use chrono::{DateTime, Utc};
use domain::status::{ProblemKind as DomainKind, Severity as DomainSeverity};
use poem::web::Data;
use poem_openapi::payload::Json;
use poem_openapi::{Enum, Object, OpenApi, Tags};
use uuid::Uuid;

use crate::AppState;
use crate::auth::ViewerAuth;
use crate::respond::{Answer, documented};

#[derive(Tags)]
enum Tag {
    /// Is anything wrong in the fleet?
    Status,
}

/// How bad: the fleet status is the worst of its problems.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum Severity {
    /// Nothing is wrong.
    Ok,
    /// Needs attention soon (late, never replicated, a failed job, a filling disk, an
    /// overdue snapshot, a server whose storage cannot be read).
    Warning,
    /// Data is not being protected (replication or snapshots failing, a server
    /// unreachable or with a changed host key, a filesystem at 95%).
    Critical,
}

impl From<DomainSeverity> for Severity {
    fn from(s: DomainSeverity) -> Self {
        match s {
            DomainSeverity::Ok => Self::Ok,
            DomainSeverity::Warning => Self::Warning,
            DomainSeverity::Critical => Self::Critical,
        }
    }
}

/// What kind of thing is wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum ProblemKind {
    ReplicationFailing,
    ReplicationLate,
    ReplicationNever,
    JobFailed,
    ServerUnreachable,
    HostKeyChanged,
    FilesystemFull,
    StorageUnknown,
    SnapshotFailing,
    SnapshotOverdue,
    HookFailing,
}

impl From<DomainKind> for ProblemKind {
    fn from(k: DomainKind) -> Self {
        match k {
            DomainKind::ReplicationFailing => Self::ReplicationFailing,
            DomainKind::ReplicationLate => Self::ReplicationLate,
            DomainKind::ReplicationNever => Self::ReplicationNever,
            DomainKind::JobFailed => Self::JobFailed,
            DomainKind::ServerUnreachable => Self::ServerUnreachable,
            DomainKind::HostKeyChanged => Self::HostKeyChanged,
            DomainKind::FilesystemFull => Self::FilesystemFull,
            DomainKind::StorageUnknown => Self::StorageUnknown,
            DomainKind::SnapshotFailing => Self::SnapshotFailing,
            DomainKind::SnapshotOverdue => Self::SnapshotOverdue,
            DomainKind::HookFailing => Self::HookFailing,
        }
    }
}

impl From<ProblemKind> for DomainKind {
    fn from(k: ProblemKind) -> Self {
        match k {
            ProblemKind::ReplicationFailing => Self::ReplicationFailing,
            ProblemKind::ReplicationLate => Self::ReplicationLate,
            ProblemKind::ReplicationNever => Self::ReplicationNever,
            ProblemKind::JobFailed => Self::JobFailed,
            ProblemKind::ServerUnreachable => Self::ServerUnreachable,
            ProblemKind::HostKeyChanged => Self::HostKeyChanged,
            ProblemKind::FilesystemFull => Self::FilesystemFull,
            ProblemKind::StorageUnknown => Self::StorageUnknown,
            ProblemKind::SnapshotFailing => Self::SnapshotFailing,
            ProblemKind::SnapshotOverdue => Self::SnapshotOverdue,
            ProblemKind::HookFailing => Self::HookFailing,
        }
    }
}

/// One thing that is wrong, with the ids of what it is about (where it is fixed).
#[derive(Debug, Object)]
pub struct FleetProblem {
    /// Stable while the problem lasts (`<kind>:<ids>`): the identity of its alerts.
    pub key: String,
    pub kind: ProblemKind,
    pub severity: Severity,
    /// One line naming the things involved.
    pub summary: String,
    /// Since when, where known.
    pub since: Option<DateTime<Utc>>,
    pub server_id: Option<Uuid>,
    pub subvolume_id: Option<Uuid>,
    pub target_id: Option<Uuid>,
}

/// The fleet's status and its problems, worst first.
#[derive(Debug, Object)]
pub struct FleetStatus {
    /// The worst severity among the problems; `ok` only when there is none.
    pub status: Severity,
    pub checked_at: DateTime<Utc>,
    /// The filesystem usage threshold in force, in percent (`serve
    /// --usage-warning-percent`).
    pub usage_warning_percent: u8,
    pub problems: Vec<FleetProblem>,
}

impl From<engine::status::FleetStatus> for FleetStatus {
    fn from(s: engine::status::FleetStatus) -> Self {
        Self {
            status: s.status.into(),
            checked_at: s.checked_at,
            usage_warning_percent: s.usage_warning_percent,
            problems: s
                .problems
                .into_iter()
                .map(|p| FleetProblem {
                    key: p.key,
                    kind: p.kind.into(),
                    severity: p.severity.into(),
                    summary: p.summary,
                    since: p.since,
                    server_id: p.server_id.map(|i| i.as_uuid()),
                    subvolume_id: p.subvolume_id.map(|i| i.as_uuid()),
                    target_id: p.target_id.map(|i| i.as_uuid()),
                })
                .collect(),
        }
    }
}

documented!(
    /// The fleet status: only a server-side failure.
    StatusErrors: 500 "A server-side failure."
);

pub struct StatusApi;

#[OpenApi(tag = "Tag::Status")]
impl StatusApi {
    /// The fleet's status: the worst of replication health (failing, late, never),
    /// jobs that failed in the last 24 h, servers unreachable or with a changed host
    /// key, filesystems over the usage threshold, and snapshots failing or overdue
    /// against their schedule; one row per problem, worst first. `ok` only when
    /// nothing is wrong. `/metrics` has the same as `dist_btrfs_fleet_status` and
    /// `dist_btrfs_fleet_problems`. Many readers at once share one computation, reused
    /// until an event is committed, a storage collection runs or 5 s pass.
    #[oai(path = "/status", method = "get", operation_id = "getFleetStatus")]
    async fn status(
        &self,
        _auth: ViewerAuth,
        state: Data<&AppState>,
    ) -> Answer<Json<FleetStatus>, StatusErrors> {
        let s = engine::status::fleet_status_cached(
            &state.pool,
            state.usage_warning_percent,
            &state.status_cache,
        )
        .await?;
        Ok(Json(s.into()))
    }
}
