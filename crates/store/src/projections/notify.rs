//! Projections of notifications: `proj_channels`, `proj_alert_rules`, `proj_alerts`
//! (the alerts each rule has firing: from a firing message to its resolve message) and
//! `proj_deliveries` (each notification to one channel, its attempts and outcome).

use chrono::{DateTime, Utc};
use domain::notify::{Alert, ChannelSpec, DeliveryState, Notice, RuleSpec};
use domain::status::{ProblemKind, Severity};
use domain::{AlertRuleId, ChannelId, DeliveryId, DomainEvent};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::Row;
use sqlx::postgres::{PgConnection, PgRow};

use super::{opt_text_enum, text_enum};
use crate::StoreError;
use crate::record::RecordedEvent;

pub(super) async fn apply(
    conn: &mut PgConnection,
    event: &RecordedEvent,
) -> Result<(), StoreError> {
    let at = event.recorded_at;
    match &event.event {
        DomainEvent::ChannelSaved(e) => {
            sqlx::query(
                "INSERT INTO proj_channels (channel_id, name, kind, spec, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $5)
                 ON CONFLICT (channel_id) DO UPDATE
                    SET name = EXCLUDED.name, kind = EXCLUDED.kind, spec = EXCLUDED.spec,
                        updated_at = EXCLUDED.updated_at",
            )
            .bind(e.channel_id.as_uuid())
            .bind(&e.name)
            .bind(e.spec.kind())
            .bind(json(&e.spec)?)
            .bind(at)
            .execute(conn)
            .await?;
        }
        DomainEvent::ChannelRemoved(e) => {
            sqlx::query("DELETE FROM proj_channels WHERE channel_id = $1")
                .bind(e.channel_id.as_uuid())
                .execute(conn)
                .await?;
        }
        DomainEvent::AlertRuleSaved(e) => {
            sqlx::query(
                "INSERT INTO proj_alert_rules (rule_id, name, spec, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $4)
                 ON CONFLICT (rule_id) DO UPDATE
                    SET name = EXCLUDED.name, spec = EXCLUDED.spec,
                        updated_at = EXCLUDED.updated_at",
            )
            .bind(e.rule_id.as_uuid())
            .bind(&e.name)
            .bind(json(&e.spec)?)
            .bind(at)
            .execute(conn)
            .await?;
        }
        DomainEvent::AlertRuleRemoved(e) => {
            sqlx::query("DELETE FROM proj_alerts WHERE rule_id = $1")
                .bind(e.rule_id.as_uuid())
                .execute(&mut *conn)
                .await?;
            sqlx::query("DELETE FROM proj_alert_rules WHERE rule_id = $1")
                .bind(e.rule_id.as_uuid())
                .execute(conn)
                .await?;
        }
        DomainEvent::NotificationQueued(e) => {
            sqlx::query(
                "INSERT INTO proj_deliveries
                     (delivery_id, channel_id, rule_id, notice, alert_key, problem_kind,
                      severity, summary, repeat, state, queued_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'queued', $10)",
            )
            .bind(e.delivery_id.as_uuid())
            .bind(e.channel_id.as_uuid())
            .bind(e.rule_id.map(|r| r.as_uuid()))
            .bind(e.notice.as_str())
            .bind(&e.alert_key)
            .bind(e.problem_kind.map(ProblemKind::as_str))
            .bind(e.severity.map(Severity::as_str))
            .bind(&e.summary)
            .bind(e.repeat)
            .bind(at)
            .execute(&mut *conn)
            .await?;
            let (Some(rule), Some(key)) = (e.rule_id, &e.alert_key) else {
                return Ok(());
            };
            match e.notice {
                Notice::Firing => {
                    sqlx::query(
                        "INSERT INTO proj_alerts (rule_id, alert_key, problem_kind, severity,
                                                  summary, first_fired_at, last_notified_at)
                         VALUES ($1, $2, $3, $4, $5, $6, $6)
                         ON CONFLICT (rule_id, alert_key) DO UPDATE
                            SET severity = EXCLUDED.severity, summary = EXCLUDED.summary,
                                last_notified_at = EXCLUDED.last_notified_at",
                    )
                    .bind(rule.as_uuid())
                    .bind(key)
                    .bind(e.problem_kind.map(ProblemKind::as_str).unwrap_or(""))
                    .bind(e.severity.map(Severity::as_str).unwrap_or(""))
                    .bind(&e.summary)
                    .bind(at)
                    .execute(conn)
                    .await?;
                }
                Notice::Resolved => {
                    sqlx::query("DELETE FROM proj_alerts WHERE rule_id = $1 AND alert_key = $2")
                        .bind(rule.as_uuid())
                        .bind(key)
                        .execute(conn)
                        .await?;
                }
                Notice::Test => {}
            }
        }
        DomainEvent::NotificationDelivered(e) => {
            sqlx::query(
                "UPDATE proj_deliveries SET state = 'delivered', attempts = $2, detail = $3,
                        finished_at = $4
                  WHERE delivery_id = $1",
            )
            .bind(e.delivery_id.as_uuid())
            .bind(i32::try_from(e.attempt).unwrap_or(i32::MAX))
            .bind(&e.detail)
            .bind(at)
            .execute(conn)
            .await?;
        }
        DomainEvent::NotificationAttemptFailed(e) => {
            sqlx::query(
                "UPDATE proj_deliveries SET attempts = $2, last_error = $3,
                        state = CASE WHEN $4 THEN 'failed' ELSE state END,
                        finished_at = CASE WHEN $4 THEN $5 ELSE finished_at END
                  WHERE delivery_id = $1",
            )
            .bind(e.delivery_id.as_uuid())
            .bind(i32::try_from(e.attempt).unwrap_or(i32::MAX))
            .bind(&e.error)
            .bind(e.gave_up)
            .bind(at)
            .execute(conn)
            .await?;
        }
        _ => {}
    }
    Ok(())
}

fn json<T: Serialize>(v: &T) -> Result<serde_json::Value, StoreError> {
    serde_json::to_value(v).map_err(|e| StoreError::Corrupt(format!("notification spec: {e}")))
}

fn from_json<T: DeserializeOwned>(v: serde_json::Value) -> Result<T, StoreError> {
    serde_json::from_value(v)
        .map_err(|e| StoreError::Corrupt(format!("stored notification spec: {e}")))
}

/// A channel (its secrets are not here).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelView {
    pub channel_id: ChannelId,
    pub name: String,
    pub spec: ChannelSpec,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn channel_row(row: &PgRow) -> Result<ChannelView, StoreError> {
    Ok(ChannelView {
        channel_id: ChannelId::from_uuid(row.try_get("channel_id")?),
        name: row.try_get("name")?,
        spec: from_json(row.try_get("spec")?)?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// Every channel, by name.
pub async fn channels<'e>(exec: impl sqlx::PgExecutor<'e>) -> Result<Vec<ChannelView>, StoreError> {
    let rows = sqlx::query("SELECT * FROM proj_channels ORDER BY name, channel_id")
        .fetch_all(exec)
        .await?;
    rows.iter().map(channel_row).collect()
}

/// One channel.
pub async fn channel<'e>(
    exec: impl sqlx::PgExecutor<'e>,
    id: ChannelId,
) -> Result<Option<ChannelView>, StoreError> {
    let row = sqlx::query("SELECT * FROM proj_channels WHERE channel_id = $1")
        .bind(id.as_uuid())
        .fetch_optional(exec)
        .await?;
    row.as_ref().map(channel_row).transpose()
}

/// A rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertRuleView {
    pub rule_id: AlertRuleId,
    pub name: String,
    pub spec: RuleSpec,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn rule_row(row: &PgRow) -> Result<AlertRuleView, StoreError> {
    Ok(AlertRuleView {
        rule_id: AlertRuleId::from_uuid(row.try_get("rule_id")?),
        name: row.try_get("name")?,
        spec: from_json(row.try_get("spec")?)?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// Every rule, by name.
pub async fn alert_rules<'e>(
    exec: impl sqlx::PgExecutor<'e>,
) -> Result<Vec<AlertRuleView>, StoreError> {
    let rows = sqlx::query("SELECT * FROM proj_alert_rules ORDER BY name, rule_id")
        .fetch_all(exec)
        .await?;
    rows.iter().map(rule_row).collect()
}

/// One rule.
pub async fn alert_rule<'e>(
    exec: impl sqlx::PgExecutor<'e>,
    id: AlertRuleId,
) -> Result<Option<AlertRuleView>, StoreError> {
    let row = sqlx::query("SELECT * FROM proj_alert_rules WHERE rule_id = $1")
        .bind(id.as_uuid())
        .fetch_optional(exec)
        .await?;
    row.as_ref().map(rule_row).transpose()
}

/// The rules that notify `channel`.
pub async fn rules_using_channel<'e>(
    exec: impl sqlx::PgExecutor<'e>,
    channel: ChannelId,
) -> Result<Vec<String>, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT name FROM proj_alert_rules WHERE spec->'channels' ? $1 ORDER BY name",
    )
    .bind(channel.to_string())
    .fetch_all(exec)
    .await?)
}

/// A firing alert of a rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FiringAlert {
    pub rule_id: AlertRuleId,
    pub key: String,
    pub problem_kind: ProblemKind,
    pub severity: Severity,
    pub summary: String,
    pub first_fired_at: DateTime<Utc>,
    pub last_notified_at: DateTime<Utc>,
}

impl FiringAlert {
    /// As the pure decision sees it.
    pub fn as_alert(&self) -> Alert {
        Alert {
            key: self.key.clone(),
            last_notice: Notice::Firing,
            last_notified_at: self.last_notified_at,
        }
    }
}

/// Every firing alert, by rule and key.
pub async fn firing_alerts<'e>(
    exec: impl sqlx::PgExecutor<'e>,
) -> Result<Vec<FiringAlert>, StoreError> {
    let rows = sqlx::query("SELECT * FROM proj_alerts ORDER BY rule_id, alert_key")
        .fetch_all(exec)
        .await?;
    rows.iter()
        .map(|row| {
            Ok(FiringAlert {
                rule_id: AlertRuleId::from_uuid(row.try_get("rule_id")?),
                key: row.try_get("alert_key")?,
                problem_kind: text_enum(row, "problem_kind", ProblemKind::parse)?,
                severity: text_enum(row, "severity", Severity::parse)?,
                summary: row.try_get("summary")?,
                first_fired_at: row.try_get("first_fired_at")?,
                last_notified_at: row.try_get("last_notified_at")?,
            })
        })
        .collect()
}

/// One notification to one channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryView {
    pub delivery_id: DeliveryId,
    pub channel_id: ChannelId,
    pub rule_id: Option<AlertRuleId>,
    pub notice: Notice,
    pub alert_key: Option<String>,
    pub problem_kind: Option<ProblemKind>,
    pub severity: Option<Severity>,
    pub summary: String,
    pub repeat: bool,
    pub state: DeliveryState,
    /// Attempts made so far.
    pub attempts: u32,
    /// The channel's answer (HTTP status, SMTP reply) when delivered.
    pub detail: Option<String>,
    pub last_error: Option<String>,
    pub queued_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

fn delivery_row(row: &PgRow) -> Result<DeliveryView, StoreError> {
    let attempts: i32 = row.try_get("attempts")?;
    Ok(DeliveryView {
        delivery_id: DeliveryId::from_uuid(row.try_get("delivery_id")?),
        channel_id: ChannelId::from_uuid(row.try_get("channel_id")?),
        rule_id: row
            .try_get::<Option<uuid::Uuid>, _>("rule_id")?
            .map(AlertRuleId::from_uuid),
        notice: text_enum(row, "notice", Notice::parse)?,
        alert_key: row.try_get("alert_key")?,
        problem_kind: opt_text_enum(row, "problem_kind", ProblemKind::parse)?,
        severity: opt_text_enum(row, "severity", Severity::parse)?,
        summary: row.try_get("summary")?,
        repeat: row.try_get("repeat")?,
        state: text_enum(row, "state", DeliveryState::parse)?,
        attempts: u32::try_from(attempts).unwrap_or(0),
        detail: row.try_get("detail")?,
        last_error: row.try_get("last_error")?,
        queued_at: row.try_get("queued_at")?,
        finished_at: row.try_get("finished_at")?,
    })
}

/// One delivery.
pub async fn delivery<'e>(
    exec: impl sqlx::PgExecutor<'e>,
    id: DeliveryId,
) -> Result<Option<DeliveryView>, StoreError> {
    let row = sqlx::query("SELECT * FROM proj_deliveries WHERE delivery_id = $1")
        .bind(id.as_uuid())
        .fetch_optional(exec)
        .await?;
    row.as_ref().map(delivery_row).transpose()
}

/// The newest deliveries first, at most `limit`, older than `before` when given.
pub async fn deliveries<'e>(
    exec: impl sqlx::PgExecutor<'e>,
    before: Option<(DateTime<Utc>, DeliveryId)>,
    limit: i64,
) -> Result<Vec<DeliveryView>, StoreError> {
    let (at, id) = match before {
        Some((at, id)) => (Some(at), Some(id.as_uuid())),
        None => (None, None),
    };
    let cursor = super::condition(
        at.is_some(),
        "(queued_at, delivery_id) < ($1, $2)",
        "$1::timestamptz IS NULL AND $2::uuid IS NULL",
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT * FROM proj_deliveries
          WHERE {cursor}
          ORDER BY queued_at DESC, delivery_id DESC LIMIT $3"
    )))
    .bind(at)
    .bind(id)
    .bind(limit)
    .fetch_all(exec)
    .await?;
    rows.iter().map(delivery_row).collect()
}

/// Deliveries still waiting for an attempt (their jobs are enqueued again at start and
/// at every evaluation; the job key keeps that to one job each).
pub async fn queued_deliveries<'e>(
    exec: impl sqlx::PgExecutor<'e>,
) -> Result<Vec<DeliveryId>, StoreError> {
    let ids: Vec<uuid::Uuid> = sqlx::query_scalar(
        "SELECT delivery_id FROM proj_deliveries WHERE state = 'queued' ORDER BY queued_at",
    )
    .fetch_all(exec)
    .await?;
    Ok(ids.into_iter().map(DeliveryId::from_uuid).collect())
}
