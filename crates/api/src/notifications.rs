//! Notifications, for admins: channels (`/notifications/channels`, a signed webhook or
//! email over SMTP; `POST .../{id}/test` sends a test message), alert rules
//! (`/notifications/rules`: which problem kinds of the fleet status notify which
//! channels, the repeat interval, mute), the alerts firing now
//! (`/notifications/alerts`) and every delivery with its attempts
//! (`/notifications/deliveries`, newest first, keyset-paged). Secrets (the webhook's
//! signing key, the SMTP password) are write-only: the vault keeps them, and a
//! generated signing key is returned once, by the create.
//!
//! What it does not do: evaluate or send (engine `notify`, run by `serve`'s jobs).

use chrono::{DateTime, Utc};
use domain::notify::{ChannelSpec, RuleSpec, SmtpTls as DomainTls};
use domain::{AlertRuleId, ChannelId, DeliveryId};
use engine::notify::Notifier;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{Enum, Object, OpenApi, Tags};
use secrecy::{ExposeSecret, SecretString};
use store::AppendMeta;
use store::projections::notify::{self as proj, AlertRuleView, ChannelView, DeliveryView};
use uuid::Uuid;

use crate::AppState;
use crate::auth::AdminAuth;
use crate::problem::Problem;
use crate::respond::{Accepted, Answer, Created, NoContent, documented};
use crate::status::{ProblemKind, Severity};

#[derive(Tags)]
enum Tag {
    /// Notification channels, alert rules and deliveries.
    Notifications,
}

/// What a channel is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "lowercase")]
pub enum ChannelKind {
    /// An HTTP(S) POST of JSON, signed with HMAC-SHA256
    /// (`X-Dist-Btrfs-Signature-256: sha256=<hex>`).
    Webhook,
    /// An email through an SMTP relay.
    Email,
}

/// How an email channel secures its SMTP connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "lowercase")]
pub enum SmtpTls {
    /// STARTTLS, required (port 587).
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
    /// None: only for a relay on a loopback address.
    None,
}

impl From<SmtpTls> for DomainTls {
    fn from(t: SmtpTls) -> Self {
        match t {
            SmtpTls::Starttls => Self::Starttls,
            SmtpTls::Tls => Self::Tls,
            SmtpTls::None => Self::None,
        }
    }
}

impl From<DomainTls> for SmtpTls {
    fn from(t: DomainTls) -> Self {
        match t {
            DomainTls::Starttls => Self::Starttls,
            DomainTls::Tls => Self::Tls,
            DomainTls::None => Self::None,
        }
    }
}

/// A channel as given by an admin. Webhook: `url`. Email: `smtp_host`, `smtp_port`,
/// `tls`, `from`, `to`, and `username` when the relay wants a login.
#[derive(Debug, Clone, Object)]
pub struct ChannelInput {
    pub name: String,
    pub kind: ChannelKind,
    pub url: Option<String>,
    pub smtp_host: Option<String>,
    pub smtp_port: Option<u16>,
    pub tls: Option<SmtpTls>,
    pub username: Option<String>,
    pub from: Option<String>,
    pub to: Option<Vec<String>>,
    /// Write-only. Webhook: the signing key (at least 16 characters; generated on
    /// create when absent). Email: the SMTP password of `username`. On a change,
    /// absent keeps the stored one.
    pub secret: Option<String>,
}

/// A channel (its secret is never shown).
#[derive(Debug, Clone, Object)]
pub struct Channel {
    pub id: Uuid,
    pub name: String,
    pub kind: ChannelKind,
    pub url: Option<String>,
    pub smtp_host: Option<String>,
    pub smtp_port: Option<u16>,
    pub tls: Option<SmtpTls>,
    pub username: Option<String>,
    pub from: Option<String>,
    pub to: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<ChannelView> for Channel {
    fn from(v: ChannelView) -> Self {
        let mut c = Channel {
            id: v.channel_id.as_uuid(),
            name: v.name,
            kind: ChannelKind::Webhook,
            url: None,
            smtp_host: None,
            smtp_port: None,
            tls: None,
            username: None,
            from: None,
            to: Vec::new(),
            created_at: v.created_at,
            updated_at: v.updated_at,
        };
        match v.spec {
            ChannelSpec::Webhook { url } => c.url = Some(url),
            ChannelSpec::Email {
                smtp_host,
                smtp_port,
                tls,
                username,
                from,
                to,
            } => {
                c.kind = ChannelKind::Email;
                c.smtp_host = Some(smtp_host);
                c.smtp_port = Some(smtp_port);
                c.tls = Some(tls.into());
                c.username = username;
                c.from = Some(from);
                c.to = to;
            }
        }
        c
    }
}

/// A channel just created.
#[derive(Debug, Object)]
pub struct ChannelCreated {
    pub channel: Channel,
    /// The generated webhook signing key, shown this once (none when one was given, or
    /// for email). Verify each body's `X-Dist-Btrfs-Signature-256` with it.
    pub signing_key: Option<String>,
}

/// An alert rule as given by an admin.
#[derive(Debug, Clone, Object)]
pub struct RuleInput {
    pub name: String,
    /// The problem kinds of the fleet status that notify (at least one).
    pub kinds: Vec<ProblemKind>,
    /// The channels notified (at least one).
    pub channel_ids: Vec<Uuid>,
    /// A firing alert is repeated no more often than this (60 to 604800 s).
    #[oai(default = "default_repeat")]
    pub repeat_seconds: u32,
    /// Muted: nothing is sent (alerts keep their state; unmuting reports changes).
    #[oai(default)]
    pub muted: bool,
}

fn default_repeat() -> u32 {
    3600
}

/// An alert rule.
#[derive(Debug, Clone, Object)]
pub struct Rule {
    pub id: Uuid,
    pub name: String,
    pub kinds: Vec<ProblemKind>,
    pub channel_ids: Vec<Uuid>,
    pub repeat_seconds: u32,
    pub muted: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<AlertRuleView> for Rule {
    fn from(v: AlertRuleView) -> Self {
        Self {
            id: v.rule_id.as_uuid(),
            name: v.name,
            kinds: v.spec.kinds.into_iter().map(Into::into).collect(),
            channel_ids: v.spec.channels.iter().map(|c| c.as_uuid()).collect(),
            repeat_seconds: v.spec.repeat_seconds,
            muted: v.spec.muted,
            created_at: v.created_at,
            updated_at: v.updated_at,
        }
    }
}

/// An alert firing now: one problem as one rule notified it.
#[derive(Debug, Object)]
pub struct FiringAlert {
    pub rule_id: Uuid,
    pub key: String,
    pub kind: ProblemKind,
    pub severity: Severity,
    pub summary: String,
    pub first_fired_at: DateTime<Utc>,
    pub last_notified_at: DateTime<Utc>,
}

/// What a notification says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "lowercase")]
pub enum Notice {
    Firing,
    Resolved,
    Test,
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "lowercase")]
pub enum DeliveryState {
    /// Waiting for its first or next attempt.
    Queued,
    Delivered,
    /// Gave up (a permanent error or the last attempt).
    Failed,
}

/// One notification to one channel.
#[derive(Debug, Object)]
pub struct Delivery {
    pub id: Uuid,
    pub channel_id: Uuid,
    pub rule_id: Option<Uuid>,
    pub notice: Notice,
    /// A firing alert sent again after the rule's repeat interval.
    pub repeat: bool,
    pub alert_key: Option<String>,
    pub kind: Option<ProblemKind>,
    pub severity: Option<Severity>,
    pub summary: String,
    pub state: DeliveryState,
    pub attempts: u32,
    /// The channel's answer when delivered (`HTTP 200`, `SMTP 250 ...`).
    pub detail: Option<String>,
    pub last_error: Option<String>,
    pub queued_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

impl From<DeliveryView> for Delivery {
    fn from(v: DeliveryView) -> Self {
        use domain::notify::{DeliveryState as S, Notice as N};
        Self {
            id: v.delivery_id.as_uuid(),
            channel_id: v.channel_id.as_uuid(),
            rule_id: v.rule_id.map(|r| r.as_uuid()),
            notice: match v.notice {
                N::Firing => Notice::Firing,
                N::Resolved => Notice::Resolved,
                N::Test => Notice::Test,
            },
            repeat: v.repeat,
            alert_key: v.alert_key,
            kind: v.problem_kind.map(Into::into),
            severity: v.severity.map(Into::into),
            summary: v.summary,
            state: match v.state {
                S::Queued => DeliveryState::Queued,
                S::Delivered => DeliveryState::Delivered,
                S::Failed => DeliveryState::Failed,
            },
            attempts: v.attempts,
            detail: v.detail,
            last_error: v.last_error,
            queued_at: v.queued_at,
            finished_at: v.finished_at,
        }
    }
}

/// A page of deliveries, newest first.
#[derive(Debug, Object)]
pub struct DeliveryPage {
    pub deliveries: Vec<Delivery>,
    /// Pass as `before` for the next (older) page; none on the last page.
    pub next: Option<String>,
}

documented!(
    /// Reading notification settings.
    ReadErrors: 400 "Invalid parameters.", 500 "A server-side failure.", 503 "This process has no credential vault."
);
documented!(
    /// Changing a channel or rule.
    ChangeErrors:
        400 "Invalid input (`field` names it). Nothing was changed.",
        404 "No such channel or rule.",
        409 "The channel is used by a rule (removal). Nothing was changed.",
        500 "A server-side failure.",
        503 "This process has no credential vault."
);

pub struct NotificationsApi;

#[OpenApi(tag = "Tag::Notifications", prefix_path = "/notifications")]
impl NotificationsApi {
    /// Every channel, by name.
    #[oai(path = "/channels", method = "get", operation_id = "listChannels")]
    async fn channels(
        &self,
        _auth: AdminAuth,
        state: Data<&AppState>,
    ) -> Answer<Json<Vec<Channel>>, ReadErrors> {
        let list = proj::channels(&state.pool).await?;
        Ok(Json(list.into_iter().map(Channel::from).collect()))
    }

    /// Creates a channel. A webhook without `secret` gets a generated signing key,
    /// returned this once.
    #[oai(path = "/channels", method = "post", operation_id = "createChannel")]
    async fn create_channel(
        &self,
        auth: AdminAuth,
        state: Data<&AppState>,
        body: Json<ChannelInput>,
    ) -> Answer<Created<ChannelCreated>, ChangeErrors> {
        let notifier = notifier(&state)?;
        let (spec, secret) = channel_spec(&body.0)?;
        let created = notifier
            .create_channel(&body.0.name, spec, secret, &AppendMeta::new(auth.actor()))
            .await?;
        Ok(Created(ChannelCreated {
            channel: created.channel.into(),
            signing_key: created.generated_key.map(|k| k.expose_secret().to_owned()),
        }))
    }

    /// Replaces a channel's settings (an absent `secret` keeps the stored one).
    #[oai(path = "/channels/:id", method = "put", operation_id = "updateChannel")]
    async fn update_channel(
        &self,
        auth: AdminAuth,
        state: Data<&AppState>,
        id: Path<Uuid>,
        body: Json<ChannelInput>,
    ) -> Answer<Json<Channel>, ChangeErrors> {
        let notifier = notifier(&state)?;
        let (spec, secret) = channel_spec(&body.0)?;
        let v = notifier
            .update_channel(
                ChannelId::from_uuid(id.0),
                &body.0.name,
                spec,
                secret,
                &AppendMeta::new(auth.actor()),
            )
            .await?;
        Ok(Json(v.into()))
    }

    /// Removes a channel no rule uses, with its secret.
    #[oai(path = "/channels/:id", method = "delete", operation_id = "deleteChannel")]
    async fn delete_channel(
        &self,
        auth: AdminAuth,
        state: Data<&AppState>,
        id: Path<Uuid>,
    ) -> Answer<NoContent, ChangeErrors> {
        notifier(&state)?
            .remove_channel(ChannelId::from_uuid(id.0), &AppendMeta::new(auth.actor()))
            .await?;
        Ok(NoContent)
    }

    /// Sends a test message to a channel (a delivery like any other: see
    /// `/notifications/deliveries` for its outcome).
    #[oai(path = "/channels/:id/test", method = "post", operation_id = "testChannel")]
    async fn test_channel(
        &self,
        auth: AdminAuth,
        state: Data<&AppState>,
        id: Path<Uuid>,
    ) -> Answer<Accepted<Delivery>, ChangeErrors> {
        let notifier = notifier(&state)?;
        let d = notifier
            .queue_test(ChannelId::from_uuid(id.0), &AppendMeta::new(auth.actor()))
            .await?;
        enqueue(&state, &notifier, d.delivery_id).await;
        Ok(Accepted(d.into()))
    }

    /// Every alert rule, by name.
    #[oai(path = "/rules", method = "get", operation_id = "listAlertRules")]
    async fn rules(
        &self,
        _auth: AdminAuth,
        state: Data<&AppState>,
    ) -> Answer<Json<Vec<Rule>>, ReadErrors> {
        let list = proj::alert_rules(&state.pool).await?;
        Ok(Json(list.into_iter().map(Rule::from).collect()))
    }

    /// Creates an alert rule.
    #[oai(path = "/rules", method = "post", operation_id = "createAlertRule")]
    async fn create_rule(
        &self,
        auth: AdminAuth,
        state: Data<&AppState>,
        body: Json<RuleInput>,
    ) -> Answer<Created<Rule>, ChangeErrors> {
        let v = notifier(&state)?
            .save_rule(
                None,
                &body.0.name,
                rule_spec(&body.0),
                &AppendMeta::new(auth.actor()),
            )
            .await?;
        Ok(Created(v.into()))
    }

    /// Replaces an alert rule (muting is `muted: true`).
    #[oai(path = "/rules/:id", method = "put", operation_id = "updateAlertRule")]
    async fn update_rule(
        &self,
        auth: AdminAuth,
        state: Data<&AppState>,
        id: Path<Uuid>,
        body: Json<RuleInput>,
    ) -> Answer<Json<Rule>, ChangeErrors> {
        let v = notifier(&state)?
            .save_rule(
                Some(AlertRuleId::from_uuid(id.0)),
                &body.0.name,
                rule_spec(&body.0),
                &AppendMeta::new(auth.actor()),
            )
            .await?;
        Ok(Json(v.into()))
    }

    /// Removes an alert rule; its firing alerts end without resolve messages.
    #[oai(path = "/rules/:id", method = "delete", operation_id = "deleteAlertRule")]
    async fn delete_rule(
        &self,
        auth: AdminAuth,
        state: Data<&AppState>,
        id: Path<Uuid>,
    ) -> Answer<NoContent, ChangeErrors> {
        notifier(&state)?
            .remove_rule(AlertRuleId::from_uuid(id.0), &AppendMeta::new(auth.actor()))
            .await?;
        Ok(NoContent)
    }

    /// The alerts firing now, by rule and key.
    #[oai(path = "/alerts", method = "get", operation_id = "listFiringAlerts")]
    async fn alerts(
        &self,
        _auth: AdminAuth,
        state: Data<&AppState>,
    ) -> Answer<Json<Vec<FiringAlert>>, ReadErrors> {
        let list = proj::firing_alerts(&state.pool).await?;
        Ok(Json(
            list.into_iter()
                .map(|a| FiringAlert {
                    rule_id: a.rule_id.as_uuid(),
                    key: a.key,
                    kind: a.problem_kind.into(),
                    severity: a.severity.into(),
                    summary: a.summary,
                    first_fired_at: a.first_fired_at,
                    last_notified_at: a.last_notified_at,
                })
                .collect(),
        ))
    }

    /// Deliveries, newest first: at most `limit` (1-500, default 100), older than the
    /// cursor `before` (a page's `next`).
    #[oai(path = "/deliveries", method = "get", operation_id = "listDeliveries")]
    async fn deliveries(
        &self,
        _auth: AdminAuth,
        state: Data<&AppState>,
        limit: Query<Option<i64>>,
        before: Query<Option<String>>,
    ) -> Answer<Json<DeliveryPage>, ReadErrors> {
        let limit = crate::page::limit_within(limit.0, 100, 500)?;
        let before = before.0.as_deref().map(parse_cursor).transpose()?;
        let list = proj::deliveries(&state.pool, before, limit).await?;
        let next = (list.len() as i64 == limit)
            .then(|| {
                list.last()
                    .map(|d| format!("{}_{}", d.queued_at.to_rfc3339(), d.delivery_id))
            })
            .flatten();
        Ok(Json(DeliveryPage {
            deliveries: list.into_iter().map(Delivery::from).collect(),
            next,
        }))
    }
}

fn parse_cursor(s: &str) -> Result<(DateTime<Utc>, DeliveryId), Problem> {
    let bad = || Problem::invalid("before", "before: not a cursor from a page's `next`");
    let (at, id) = s.rsplit_once('_').ok_or_else(bad)?;
    let at = DateTime::parse_from_rfc3339(at).map_err(|_| bad())?;
    let id = Uuid::parse_str(id).map_err(|_| bad())?;
    Ok((at.with_timezone(&Utc), DeliveryId::from_uuid(id)))
}

fn notifier(state: &AppState) -> Result<Notifier, Problem> {
    state.notifier.clone().ok_or_else(|| {
        Problem::new(
            poem::http::StatusCode::SERVICE_UNAVAILABLE,
            "no-vault",
            "notifications need the credential vault, which this process does not have",
        )
    })
}

fn channel_spec(input: &ChannelInput) -> Result<(ChannelSpec, Option<SecretString>), Problem> {
    let need = |field: &str, v: &Option<String>| {
        v.clone()
            .ok_or_else(|| Problem::invalid(field, format!("{field}: required for this kind")))
    };
    let spec = match input.kind {
        ChannelKind::Webhook => ChannelSpec::Webhook {
            url: need("url", &input.url)?,
        },
        ChannelKind::Email => ChannelSpec::Email {
            smtp_host: need("smtp_host", &input.smtp_host)?,
            smtp_port: input.smtp_port.unwrap_or(match input.tls {
                Some(SmtpTls::Tls) => 465,
                Some(SmtpTls::None) => 25,
                _ => 587,
            }),
            tls: input.tls.unwrap_or(SmtpTls::Starttls).into(),
            username: input.username.clone().filter(|u| !u.is_empty()),
            from: need("from", &input.from)?,
            to: input.to.clone().unwrap_or_default(),
        },
    };
    let secret = input
        .secret
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(|s| SecretString::from(s.to_owned()));
    Ok((spec, secret))
}

fn rule_spec(input: &RuleInput) -> RuleSpec {
    RuleSpec {
        kinds: input.kinds.iter().map(|k| (*k).into()).collect(),
        channels: input
            .channel_ids
            .iter()
            .map(|c| ChannelId::from_uuid(*c))
            .collect(),
        repeat_seconds: input.repeat_seconds,
        muted: input.muted,
    }
}

/// The delivery's job goes to the job runner, or (a process without one) to a task
/// that makes one attempt. A failure to enqueue is logged: the delivery is recorded as
/// queued, and the next evaluation enqueues it.
async fn enqueue(state: &AppState, notifier: &Notifier, id: DeliveryId) {
    match &state.job_queue {
        Some(queue) => {
            if let Err(e) = queue.enqueue_notification(id).await {
                tracing::error!(delivery = %id, error = %e, "enqueueing the notification failed");
            }
        }
        None => {
            let notifier = notifier.clone();
            tokio::spawn(async move {
                if let Err(e) = notifier.deliver(id, 1).await {
                    tracing::warn!(delivery = %id, error = %e, "notification not delivered");
                }
            });
        }
    }
}
