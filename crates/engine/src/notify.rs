//! Notifications that reach a person: channels (webhook, email) and alert rules,
//! the evaluation that turns the fleet status into alerts ([`Notifier::evaluate`]),
//! and the delivery of one notification ([`Notifier::deliver`], run as a durable job
//! with retries by the `jobs` crate).
//!
//! - Configuration is events (`ChannelSaved`, `AlertRuleSaved`, ...). A channel's secret
//!   (the webhook's signing key, the SMTP password) is stored in the vault in the same
//!   transaction, under the channel id; it is never returned after creation and never
//!   logged.
//! - [`Notifier::evaluate`] reads the fleet status (`crate::status`, the same one the
//!   dashboard shows), and for each rule applies `domain::notify::decide` to its firing
//!   alerts; every message to every channel of the rule is a `NotificationQueued` event.
//!   Evaluations are serialized on the `alerts` stream's lock, in one transaction with
//!   their reads, so two `serve`s never notify one alert twice.
//! - [`Notifier::deliver`] sends one queued notification and records
//!   `NotificationDelivered` or `NotificationAttemptFailed` (with `gave_up` on a
//!   permanent error or the last attempt). Only a transient failure with attempts left
//!   is returned as an error, for the job's retry with backoff; a notification that gave
//!   up is a failed delivery, not a failed job (which would itself raise an alert).
//!
//! Not here: HTTP or SMTP wire details (`send`), the schedule of evaluations and the
//! delivery jobs (`jobs::notify`).

mod send;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use domain::notify::{
    AlertRuleRemoved, AlertRuleSaved, ChannelRemoved, ChannelSaved, ChannelSpec, DeliveryState,
    Notice, NotificationAttemptFailed, NotificationDelivered, NotificationQueued, Present,
    RuleSpec, decide,
};
use domain::{AlertRuleId, ChannelId, DeliveryId, DomainEvent, EntityName, StreamId};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use sqlx::PgPool;
use store::events::append_in;
use store::projections::notify::{self as proj, AlertRuleView, ChannelView, DeliveryView};
use store::vault::Vault;
use store::{AppendMeta, ExpectedVersion};

pub use send::{SIGNATURE_HEADER, WebhookBody, signature};

use crate::EngineError;

/// The vault field of a webhook's signing key.
pub const FIELD_WEBHOOK_KEY: &str = "webhook_key";
/// The vault field of an email channel's SMTP password.
pub const FIELD_SMTP_PASSWORD: &str = "smtp_password";

/// A webhook signing key given by the operator must be at least this long.
pub const MIN_KEY_LEN: usize = 16;

/// The configuration and delivery of notifications (module docs). Cheap to clone.
#[derive(Debug, Clone)]
pub struct Notifier {
    pool: PgPool,
    vault: Arc<Vault>,
    http: Result<reqwest::Client, String>,
    usage_warning_percent: u8,
}

/// A channel just created: the signing key is shown this once (a webhook without a
/// key given gets a generated one).
#[derive(Debug)]
pub struct CreatedChannel {
    pub channel: ChannelView,
    pub generated_key: Option<SecretString>,
}

impl Notifier {
    pub fn new(pool: PgPool, vault: Arc<Vault>, usage_warning_percent: u8) -> Self {
        Self {
            pool,
            vault,
            http: send::http_client(),
            usage_warning_percent,
        }
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Creates a channel. `secret`: the webhook's signing key (generated when absent)
    /// or the SMTP password (required when a username is set).
    pub async fn create_channel(
        &self,
        name: &str,
        spec: ChannelSpec,
        secret: Option<SecretString>,
        meta: &AppendMeta,
    ) -> Result<CreatedChannel, EngineError> {
        let name = valid_name(name)?;
        spec.validate().map_err(EngineError::Invalid)?;
        let (secret, generated_key) = match (&spec, secret) {
            (ChannelSpec::Webhook { .. }, None) => {
                let key = generate_key();
                (Some(key.clone()), Some(key))
            }
            (_, s) => (s, None),
        };
        check_secret(&spec, secret.as_ref(), true)?;
        let id = ChannelId::new();
        self.save_channel(id, name, spec, secret, meta).await?;
        let channel = proj::channel(&self.pool, id)
            .await?
            .ok_or_else(|| EngineError::Inconsistent(format!("channel {id} not projected")))?;
        Ok(CreatedChannel {
            channel,
            generated_key,
        })
    }

    /// Replaces a channel's settings; `secret` replaces its secret (absent: kept, when
    /// the channel keeps its kind).
    pub async fn update_channel(
        &self,
        id: ChannelId,
        name: &str,
        spec: ChannelSpec,
        secret: Option<SecretString>,
        meta: &AppendMeta,
    ) -> Result<ChannelView, EngineError> {
        let name = valid_name(name)?;
        spec.validate().map_err(EngineError::Invalid)?;
        let current = proj::channel(&self.pool, id)
            .await?
            .ok_or_else(|| EngineError::NotFound(format!("no channel {id}")))?;
        let kept = current.spec.kind() == spec.kind();
        check_secret(&spec, secret.as_ref(), !kept)?;
        self.save_channel(id, name, spec, secret, meta).await?;
        proj::channel(&self.pool, id)
            .await?
            .ok_or_else(|| EngineError::NotFound(format!("no channel {id}")))
    }

    async fn save_channel(
        &self,
        id: ChannelId,
        name: String,
        spec: ChannelSpec,
        secret: Option<SecretString>,
        meta: &AppendMeta,
    ) -> Result<(), EngineError> {
        let field = secret_field(&spec);
        let mut tx = self.pool.begin().await?;
        if let Some(s) = &secret {
            Vault::delete_owner_in(&mut tx, id.as_uuid())
                .await
                .map_err(vault_error)?;
            self.vault
                .put_in(&mut tx, id.as_uuid(), field, s)
                .await
                .map_err(vault_error)?;
        }
        let event = DomainEvent::ChannelSaved(ChannelSaved {
            channel_id: id,
            name,
            spec,
        });
        append_in(&mut tx, &id.stream(), ExpectedVersion::Any, &[event], meta).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Removes a channel that no rule uses, with its secrets.
    pub async fn remove_channel(
        &self,
        id: ChannelId,
        meta: &AppendMeta,
    ) -> Result<(), EngineError> {
        let mut tx = self.pool.begin().await?;
        store::locks::lock_stream(&mut tx, &alerts_stream()?).await?;
        if proj::channel(&mut *tx, id).await?.is_none() {
            return Err(EngineError::NotFound(format!("no channel {id}")));
        }
        let users = proj::rules_using_channel(&mut *tx, id).await?;
        if !users.is_empty() {
            return Err(EngineError::Conflict(format!(
                "channel {id} is used by the rules {}; change or remove them first",
                users.join(", ")
            )));
        }
        Vault::delete_owner_in(&mut tx, id.as_uuid())
            .await
            .map_err(vault_error)?;
        let event = DomainEvent::ChannelRemoved(ChannelRemoved { channel_id: id });
        append_in(&mut tx, &id.stream(), ExpectedVersion::Any, &[event], meta).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Creates (`id` absent) or replaces a rule. Its channels must exist.
    pub async fn save_rule(
        &self,
        id: Option<AlertRuleId>,
        name: &str,
        spec: RuleSpec,
        meta: &AppendMeta,
    ) -> Result<AlertRuleView, EngineError> {
        let name = valid_name(name)?;
        spec.validate().map_err(EngineError::Invalid)?;
        let mut tx = self.pool.begin().await?;
        // Serialized with channel removal and evaluation: a rule never names a removed
        // channel.
        store::locks::lock_stream(&mut tx, &alerts_stream()?).await?;
        for c in &spec.channels {
            if proj::channel(&mut *tx, *c).await?.is_none() {
                return Err(EngineError::Invalid(format!("channels: no channel {c}")));
            }
        }
        let id = match id {
            Some(id) => {
                if proj::alert_rule(&mut *tx, id).await?.is_none() {
                    return Err(EngineError::NotFound(format!("no alert rule {id}")));
                }
                id
            }
            None => AlertRuleId::new(),
        };
        let event = DomainEvent::AlertRuleSaved(AlertRuleSaved {
            rule_id: id,
            name,
            spec,
        });
        append_in(&mut tx, &id.stream(), ExpectedVersion::Any, &[event], meta).await?;
        let view = proj::alert_rule(&mut *tx, id)
            .await?
            .ok_or_else(|| EngineError::Inconsistent(format!("rule {id} not projected")))?;
        tx.commit().await?;
        Ok(view)
    }

    /// Removes a rule (its firing alerts end without resolve messages).
    pub async fn remove_rule(&self, id: AlertRuleId, meta: &AppendMeta) -> Result<(), EngineError> {
        let mut tx = self.pool.begin().await?;
        store::locks::lock_stream(&mut tx, &alerts_stream()?).await?;
        if proj::alert_rule(&mut *tx, id).await?.is_none() {
            return Err(EngineError::NotFound(format!("no alert rule {id}")));
        }
        let event = DomainEvent::AlertRuleRemoved(AlertRuleRemoved { rule_id: id });
        append_in(&mut tx, &id.stream(), ExpectedVersion::Any, &[event], meta).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Queues a test message to a channel; the caller enqueues its delivery job.
    pub async fn queue_test(
        &self,
        id: ChannelId,
        meta: &AppendMeta,
    ) -> Result<DeliveryView, EngineError> {
        let channel = proj::channel(&self.pool, id)
            .await?
            .ok_or_else(|| EngineError::NotFound(format!("no channel {id}")))?;
        let delivery_id = DeliveryId::new();
        let event = DomainEvent::NotificationQueued(NotificationQueued {
            delivery_id,
            channel_id: id,
            rule_id: None,
            notice: Notice::Test,
            alert_key: None,
            problem_kind: None,
            severity: None,
            summary: format!("test message to channel {} from dist-btrfs", channel.name),
            repeat: false,
        });
        let mut tx = self.pool.begin().await?;
        append_in(
            &mut tx,
            &alerts_stream()?,
            ExpectedVersion::Any,
            &[event],
            meta,
        )
        .await?;
        tx.commit().await?;
        proj::delivery(&self.pool, delivery_id)
            .await?
            .ok_or_else(|| {
                EngineError::Inconsistent(format!("delivery {delivery_id} not projected"))
            })
    }

    /// One evaluation at `now` (module docs): the notifications it queued.
    pub async fn evaluate(&self, now: DateTime<Utc>) -> Result<Vec<DeliveryId>, EngineError> {
        let status =
            crate::status::fleet_status(&self.pool, now, self.usage_warning_percent).await?;
        let present: Vec<Present> = status
            .problems
            .iter()
            .map(|p| Present {
                key: p.key.clone(),
                kind: p.kind,
            })
            .collect();
        let stream = alerts_stream()?;
        let mut tx = self.pool.begin().await?;
        store::locks::lock_stream(&mut tx, &stream).await?;
        let rules = proj::alert_rules(&mut *tx).await?;
        let firing = proj::firing_alerts(&mut *tx).await?;
        let mut events = Vec::new();
        let mut queued = Vec::new();
        for rule in &rules {
            let alerts: Vec<_> = firing
                .iter()
                .filter(|a| a.rule_id == rule.rule_id)
                .map(|a| a.as_alert())
                .collect();
            for d in decide(&rule.spec, &alerts, &present, now) {
                let (kind, severity, summary) = match d.notice {
                    Notice::Firing => match status.problems.iter().find(|p| p.key == d.key) {
                        Some(p) => (p.kind, p.severity, p.summary.clone()),
                        None => continue,
                    },
                    _ => match firing
                        .iter()
                        .find(|a| a.rule_id == rule.rule_id && a.key == d.key)
                    {
                        Some(a) => (a.problem_kind, a.severity, a.summary.clone()),
                        None => continue,
                    },
                };
                for channel in &rule.spec.channels {
                    let delivery_id = DeliveryId::new();
                    queued.push(delivery_id);
                    events.push(DomainEvent::NotificationQueued(NotificationQueued {
                        delivery_id,
                        channel_id: *channel,
                        rule_id: Some(rule.rule_id),
                        notice: d.notice,
                        alert_key: Some(d.key.clone()),
                        problem_kind: Some(kind),
                        severity: Some(severity),
                        summary: summary.clone(),
                        repeat: d.repeat,
                    }));
                }
            }
        }
        if !events.is_empty() {
            append_in(
                &mut tx,
                &stream,
                ExpectedVersion::Any,
                &events,
                &crate::system_meta(),
            )
            .await?;
        }
        tx.commit().await?;
        if !queued.is_empty() {
            tracing::info!(count = queued.len(), "notifications queued");
        }
        Ok(queued)
    }

    /// Sends one queued notification (module docs). `max_attempts`: the job's budget;
    /// the attempt number is the delivery's recorded attempts plus one.
    pub async fn deliver(&self, id: DeliveryId, max_attempts: u32) -> Result<(), EngineError> {
        let delivery = proj::delivery(&self.pool, id)
            .await?
            .ok_or_else(|| EngineError::NotFound(format!("no delivery {id}")))?;
        if delivery.state != DeliveryState::Queued {
            return Ok(());
        }
        let attempt = delivery.attempts + 1;
        let channel = proj::channel(&self.pool, delivery.channel_id).await?;
        let outcome = match &channel {
            None => Err(send::Failure::permanent("the channel was removed")),
            Some(c) => self.send(c, &delivery).await,
        };
        let stream = id.stream();
        let meta = crate::system_meta();
        let mut tx = self.pool.begin().await?;
        match outcome {
            Ok(detail) => {
                tracing::info!(delivery = %id, attempt, %detail, "notification delivered");
                let event = DomainEvent::NotificationDelivered(NotificationDelivered {
                    delivery_id: id,
                    attempt,
                    detail,
                });
                append_in(&mut tx, &stream, ExpectedVersion::Any, &[event], &meta).await?;
                tx.commit().await?;
                Ok(())
            }
            Err(f) => {
                let gave_up = f.permanent || attempt >= max_attempts;
                tracing::warn!(delivery = %id, attempt, gave_up, error = %f.message, "notification attempt failed");
                let event = DomainEvent::NotificationAttemptFailed(NotificationAttemptFailed {
                    delivery_id: id,
                    attempt,
                    error: f.message.clone(),
                    gave_up,
                });
                append_in(&mut tx, &stream, ExpectedVersion::Any, &[event], &meta).await?;
                tx.commit().await?;
                if gave_up {
                    Ok(())
                } else {
                    Err(EngineError::HostUnavailable {
                        server: format!(
                            "notification channel {}",
                            channel.map(|c| c.name).unwrap_or_default()
                        ),
                        reason: f.message,
                    })
                }
            }
        }
    }

    async fn send(&self, channel: &ChannelView, d: &DeliveryView) -> Result<String, send::Failure> {
        let secret = self
            .vault
            .get(channel.channel_id.as_uuid(), secret_field(&channel.spec))
            .await
            .map_err(|e| send::Failure::transient(format!("vault: {e}")))?;
        match &channel.spec {
            ChannelSpec::Webhook { url } => {
                let key = secret.ok_or_else(|| {
                    send::Failure::permanent("the channel has no signing key in the vault")
                })?;
                send::webhook(&self.http, url, &key, &WebhookBody::of(channel, d)).await
            }
            ChannelSpec::Email { .. } => send::email(&channel.spec, secret.as_ref(), d).await,
        }
    }
}

/// The stream of alert notifications (and the lock evaluations hold).
fn alerts_stream() -> Result<StreamId, EngineError> {
    StreamId::parse("alerts").map_err(|e| EngineError::Inconsistent(e.to_string()))
}

/// A channel's or rule's name, checked as every entity name is.
fn valid_name(name: &str) -> Result<String, EngineError> {
    Ok(EntityName::parse(name)
        .map_err(|e| EngineError::Invalid(format!("name: {e}")))?
        .to_string())
}

fn secret_field(spec: &ChannelSpec) -> &'static str {
    match spec {
        ChannelSpec::Webhook { .. } => FIELD_WEBHOOK_KEY,
        ChannelSpec::Email { .. } => FIELD_SMTP_PASSWORD,
    }
}

/// The secret rules: a webhook key is long enough; an SMTP user comes with a password
/// when the channel is new (or changes kind).
fn check_secret(
    spec: &ChannelSpec,
    secret: Option<&SecretString>,
    required: bool,
) -> Result<(), EngineError> {
    match spec {
        ChannelSpec::Webhook { .. } => match secret {
            Some(k) if k.expose_secret().len() < MIN_KEY_LEN => Err(EngineError::Invalid(format!(
                "secret: a signing key has at least {MIN_KEY_LEN} characters"
            ))),
            None if required => Err(EngineError::Invalid(
                "secret: a signing key is required".into(),
            )),
            _ => Ok(()),
        },
        ChannelSpec::Email { username, .. } => match (username, secret) {
            (Some(_), None) if required => Err(EngineError::Invalid(
                "secret: the SMTP password of the username is required".into(),
            )),
            (None, Some(_)) => Err(EngineError::Invalid(
                "secret: a password without a username is never used; set username".into(),
            )),
            _ => Ok(()),
        },
    }
}

/// 32 random bytes as hex.
fn generate_key() -> SecretString {
    let mut bytes = [0_u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    SecretString::from(crate::lower_hex(&bytes))
}

fn vault_error(e: store::vault::VaultError) -> EngineError {
    EngineError::Inconsistent(format!("vault: {e}"))
}
