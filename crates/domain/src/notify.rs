//! Notifications: where alerts go (channels: a webhook or an SMTP relay), which problems
//! raise them (rules), and the pure decision of what one rule sends at one evaluation
//! ([`decide`]). An alert is one problem of the fleet status (`crate::status`) as one
//! rule sees it, identified by the problem's key: it fires when the problem appears,
//! is repeated no more often than the rule's interval while it lasts, and is resolved
//! (one message) when it clears. A muted rule sends nothing and keeps its alerts as
//! they are, so unmuting it reports what changed meanwhile.
//!
//! Not here: reading the fleet status, storing alerts, sending (engine `notify`).
//! There is no "command" channel: nothing here ever runs a shell.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::status::{ProblemKind, Severity};
use crate::{AlertRuleId, ChannelId, DeliveryId};

crate::text_enum! {
    /// How an email channel secures its SMTP connection.
    pub enum SmtpTls {
        /// Plain connection upgraded with STARTTLS, which must succeed (port 587).
        Starttls = "starttls",
        /// TLS from the first byte (port 465).
        Tls = "tls",
        /// No TLS: only for a relay on this machine (a loopback address).
        None = "none",
    }
}

crate::text_enum! {
    /// What a notification says about its alert.
    pub enum Notice {
        /// The problem appeared (or is still there after the repeat interval).
        Firing = "firing",
        /// The problem cleared.
        Resolved = "resolved",
        /// An operator asked for a test message; no alert is behind it.
        Test = "test",
    }
}

crate::text_enum! {
    /// Where a delivery stands.
    pub enum DeliveryState {
        /// Waiting for its first or next attempt.
        Queued = "queued",
        Delivered = "delivered",
        /// Gave up after its last attempt (or a permanent error).
        Failed = "failed",
    }
}

/// Where notifications go. Secrets (the webhook's signing key, the SMTP password) are
/// not part of it: they live in the vault under the channel id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum ChannelSpec {
    /// An HTTP(S) POST of a JSON body, signed with HMAC-SHA256 of the body under the
    /// channel's key (header `X-Dist-Btrfs-Signature-256: sha256=<hex>`).
    Webhook { url: String },
    /// An email through an SMTP relay.
    Email {
        smtp_host: String,
        smtp_port: u16,
        tls: SmtpTls,
        /// SMTP user (its password is in the vault); none: no authentication.
        username: Option<String>,
        from: String,
        to: Vec<String>,
    },
}

/// Which problems notify which channels, and how often.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleSpec {
    /// The problem kinds the rule watches (at least one).
    pub kinds: Vec<ProblemKind>,
    /// The channels it notifies (at least one).
    pub channels: Vec<ChannelId>,
    /// A firing alert is repeated no more often than this (60 s to 7 days).
    pub repeat_seconds: u32,
    /// A muted rule sends nothing (its alerts stay as they are).
    pub muted: bool,
}

/// Bounds of [`RuleSpec::repeat_seconds`].
pub const REPEAT_SECONDS: std::ops::RangeInclusive<u32> = 60..=7 * 24 * 3600;

/// At most this many recipients per email channel.
pub const MAX_RECIPIENTS: usize = 20;

impl ChannelSpec {
    /// Checks every field; the error starts with the field's name.
    pub fn validate(&self) -> Result<(), String> {
        match self {
            Self::Webhook { url } => validate_url(url),
            Self::Email {
                smtp_host,
                smtp_port,
                tls,
                username,
                from,
                to,
            } => {
                if smtp_host.is_empty()
                    || smtp_host.len() > 253
                    || !smtp_host
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b))
                {
                    return Err("smtp_host: must be a host name or an IP address".into());
                }
                if *smtp_port == 0 {
                    return Err("smtp_port: must be 1-65535".into());
                }
                if *tls == SmtpTls::None && !is_loopback_host(smtp_host) {
                    return Err(
                        "tls: \"none\" is allowed only for a relay on a loopback address; use starttls or tls"
                            .into(),
                    );
                }
                if let Some(u) = username
                    && (u.is_empty() || u.len() > 256 || u.chars().any(char::is_control))
                {
                    return Err(
                        "username: must be 1-256 characters without control characters".into(),
                    );
                }
                validate_address("from", from)?;
                if to.is_empty() || to.len() > MAX_RECIPIENTS {
                    return Err(format!("to: give 1 to {MAX_RECIPIENTS} addresses"));
                }
                to.iter().try_for_each(|a| validate_address("to", a))
            }
        }
    }

    /// The kind's name: `webhook` or `email`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Webhook { .. } => "webhook",
            Self::Email { .. } => "email",
        }
    }
}

impl RuleSpec {
    /// Checks every field; the error starts with the field's name.
    pub fn validate(&self) -> Result<(), String> {
        if self.kinds.is_empty() {
            return Err("kinds: name at least one problem kind".into());
        }
        if self.channels.is_empty() {
            return Err("channels: name at least one channel".into());
        }
        if !REPEAT_SECONDS.contains(&self.repeat_seconds) {
            return Err(format!(
                "repeat_seconds: must be {} to {}",
                REPEAT_SECONDS.start(),
                REPEAT_SECONDS.end()
            ));
        }
        Ok(())
    }
}

fn validate_url(url: &str) -> Result<(), String> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or("url: must start with http:// or https://")?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if host.is_empty() || host.contains('@') {
        return Err("url: must name a host (and no user or password)".into());
    }
    if url.len() > 2048 || url.chars().any(|c| c.is_control() || c == ' ') {
        return Err("url: at most 2048 characters, no spaces or control characters".into());
    }
    Ok(())
}

fn validate_address(field: &str, a: &str) -> Result<(), String> {
    let ok = a.len() <= 254
        && a.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && !domain.is_empty() && !domain.contains('@')
        })
        && !a
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || "<>,;\"".contains(c));
    if ok {
        Ok(())
    } else {
        Err(format!("{field}: {a:?} is not an email address"))
    }
}

fn is_loopback_host(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    h == "localhost"
        || h.parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// An alert of one rule as last notified: firing (open) or resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    /// The problem's key (`engine::status::FleetProblem::key`).
    pub key: String,
    /// `Firing` or `Resolved`.
    pub last_notice: Notice,
    pub last_notified_at: DateTime<Utc>,
}

/// A problem present now, as a rule sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Present {
    pub key: String,
    pub kind: ProblemKind,
}

/// One message a rule sends now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub key: String,
    /// `Firing` or `Resolved`.
    pub notice: Notice,
    /// A firing alert sent again after the repeat interval.
    pub repeat: bool,
}

/// What `rule` sends at `now`, given its alerts as last notified and the problems
/// present (module docs): a present problem of a watched kind that is not firing
/// fires; one firing for at least the repeat interval since its last message fires
/// again; a firing alert whose problem is gone (or no longer watched) is resolved.
/// Muted: nothing. Sorted by key.
pub fn decide(
    rule: &RuleSpec,
    alerts: &[Alert],
    present: &[Present],
    now: DateTime<Utc>,
) -> Vec<Decision> {
    if rule.muted {
        return Vec::new();
    }
    let repeat = Duration::seconds(i64::from(rule.repeat_seconds));
    let watched: std::collections::BTreeSet<&str> = present
        .iter()
        .filter(|p| rule.kinds.contains(&p.kind))
        .map(|p| p.key.as_str())
        .collect();
    let firing = |key: &str| {
        alerts
            .iter()
            .find(|a| a.key == key && a.last_notice == Notice::Firing)
    };
    let mut out: Vec<Decision> = Vec::new();
    for key in &watched {
        match firing(key) {
            None => out.push(Decision {
                key: (*key).to_owned(),
                notice: Notice::Firing,
                repeat: false,
            }),
            Some(a) if now - a.last_notified_at >= repeat => out.push(Decision {
                key: (*key).to_owned(),
                notice: Notice::Firing,
                repeat: true,
            }),
            Some(_) => {}
        }
    }
    for a in alerts {
        if a.last_notice == Notice::Firing && !watched.contains(a.key.as_str()) {
            out.push(Decision {
                key: a.key.clone(),
                notice: Notice::Resolved,
                repeat: false,
            });
        }
    }
    out.sort_by(|a, b| a.key.cmp(&b.key));
    out.dedup_by(|a, b| a.key == b.key);
    out
}

/// The alerts after sending `decisions` at `now` (what the store records).
pub fn after(alerts: &[Alert], decisions: &[Decision], now: DateTime<Utc>) -> Vec<Alert> {
    let mut out: Vec<Alert> = alerts
        .iter()
        .filter(|a| !decisions.iter().any(|d| d.key == a.key))
        .cloned()
        .collect();
    out.extend(decisions.iter().map(|d| Alert {
        key: d.key.clone(),
        last_notice: d.notice,
        last_notified_at: now,
    }));
    out.sort_by(|a, b| a.key.cmp(&b.key));
    out
}

/// A channel was created or changed: its full settings (secrets are in the vault).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelSaved {
    pub channel_id: ChannelId,
    pub name: String,
    pub spec: ChannelSpec,
}

/// A channel was removed (no rule used it; its secrets were deleted from the vault).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelRemoved {
    pub channel_id: ChannelId,
}

/// A rule was created or changed (muted, unmuted, ...): its full settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertRuleSaved {
    pub rule_id: AlertRuleId,
    pub name: String,
    pub spec: RuleSpec,
}

/// A rule was removed (its open alerts with it, without resolve messages).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertRuleRemoved {
    pub rule_id: AlertRuleId,
}

/// A notification to one channel was decided and waits for its delivery job. Alert
/// notifications are recorded on the `alerts` stream (one evaluation at a time); a test
/// has no rule and no alert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationQueued {
    pub delivery_id: DeliveryId,
    pub channel_id: ChannelId,
    pub rule_id: Option<AlertRuleId>,
    pub notice: Notice,
    /// The problem's key (none for a test).
    pub alert_key: Option<String>,
    pub problem_kind: Option<ProblemKind>,
    pub severity: Option<Severity>,
    pub summary: String,
    /// A firing alert sent again after the rule's repeat interval.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub repeat: bool,
}

/// A notification reached its channel (`detail`: the HTTP status or SMTP reply).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationDelivered {
    pub delivery_id: DeliveryId,
    pub attempt: u32,
    pub detail: String,
}

/// An attempt to deliver a notification failed; `gave_up`: no attempt follows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationAttemptFailed {
    pub delivery_id: DeliveryId,
    pub attempt: u32,
    pub error: String,
    pub gave_up: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn rule(kinds: &[ProblemKind], repeat: u32) -> RuleSpec {
        RuleSpec {
            kinds: kinds.to_vec(),
            channels: vec![ChannelId::new()],
            repeat_seconds: repeat,
            muted: false,
        }
    }

    fn t(secs: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 4, 0, 0, 0).unwrap() + Duration::seconds(secs)
    }

    fn present(key: &str, kind: ProblemKind) -> Present {
        Present {
            key: key.into(),
            kind,
        }
    }

    #[test]
    fn an_alert_fires_repeats_after_the_interval_and_resolves_once() {
        let r = rule(&[ProblemKind::ReplicationFailing], 600);
        let p = [present("a", ProblemKind::ReplicationFailing)];
        let d = decide(&r, &[], &p, t(0));
        assert_eq!(d.len(), 1);
        assert_eq!((d[0].notice, d[0].repeat), (Notice::Firing, false));
        let alerts = after(&[], &d, t(0));
        assert!(decide(&r, &alerts, &p, t(599)).is_empty());
        let d = decide(&r, &alerts, &p, t(600));
        assert_eq!((d[0].notice, d[0].repeat), (Notice::Firing, true));
        let alerts = after(&alerts, &d, t(600));
        let d = decide(&r, &alerts, &[], t(601));
        assert_eq!(d[0].notice, Notice::Resolved);
        let alerts = after(&alerts, &d, t(601));
        assert!(decide(&r, &alerts, &[], t(10_000)).is_empty());
    }

    #[test]
    fn unwatched_kinds_and_muted_rules_send_nothing() {
        let r = rule(&[ProblemKind::JobFailed], 60);
        let p = [present("a", ProblemKind::ReplicationLate)];
        assert!(decide(&r, &[], &p, t(0)).is_empty());
        let muted = RuleSpec {
            muted: true,
            ..rule(&[ProblemKind::ReplicationLate], 60)
        };
        assert!(decide(&muted, &[], &p, t(0)).is_empty());
    }

    #[test]
    fn specs_are_validated_with_the_field_named() {
        let hook = |url: &str| ChannelSpec::Webhook { url: url.into() }.validate();
        assert!(hook("http://127.0.0.1:9000/hook").is_ok());
        assert!(hook("https://alerts.example/x?y=1").is_ok());
        assert!(hook("ftp://x").unwrap_err().starts_with("url:"));
        assert!(
            hook("http://user:pw@host/")
                .unwrap_err()
                .starts_with("url:")
        );
        assert!(hook("http:///path").unwrap_err().starts_with("url:"));
        let email = |host: &str, tls, to: Vec<&str>| {
            ChannelSpec::Email {
                smtp_host: host.into(),
                smtp_port: 25,
                tls,
                username: None,
                from: "dist-btrfs@example.org".into(),
                to: to.into_iter().map(String::from).collect(),
            }
            .validate()
        };
        assert!(email("127.0.0.1", SmtpTls::None, vec!["ops@example.org"]).is_ok());
        assert!(
            email("mail.example", SmtpTls::None, vec!["a@b"])
                .unwrap_err()
                .starts_with("tls:")
        );
        assert!(
            email("mail.example", SmtpTls::Starttls, vec![])
                .unwrap_err()
                .starts_with("to:")
        );
        assert!(
            email("mail.example", SmtpTls::Tls, vec!["x y@b"])
                .unwrap_err()
                .starts_with("to:")
        );
        assert!(
            email("bad host", SmtpTls::Tls, vec!["a@b"])
                .unwrap_err()
                .starts_with("smtp_host:")
        );
        let mut r = rule(&[ProblemKind::JobFailed], 59);
        assert!(r.validate().unwrap_err().starts_with("repeat_seconds:"));
        r.repeat_seconds = 60;
        assert!(r.validate().is_ok());
        r.kinds.clear();
        assert!(r.validate().unwrap_err().starts_with("kinds:"));
    }

    proptest! {
        /// Over any sequence of evaluations: an alert's firing messages are at least the
        /// repeat interval apart, a resolve follows a firing only, and after each
        /// evaluation exactly the present watched problems are firing.
        #[test]
        fn alerts_follow_their_problems(
            steps in proptest::collection::vec((0u8..8, 1i64..400), 1..40),
            repeat in 60u32..900,
        ) {
            let r = rule(&[ProblemKind::ReplicationFailing, ProblemKind::JobFailed], repeat);
            let kinds = [ProblemKind::ReplicationFailing, ProblemKind::JobFailed, ProblemKind::ReplicationLate];
            let mut alerts: Vec<Alert> = Vec::new();
            let mut last_firing: std::collections::HashMap<String, DateTime<Utc>> = Default::default();
            let mut now = t(0);
            for (mask, dt) in steps {
                now += Duration::seconds(dt);
                let p: Vec<Present> = (0..3)
                    .filter(|i| mask & (1 << i) != 0)
                    .map(|i| present(&format!("k{i}"), kinds[i]))
                    .collect();
                let d = decide(&r, &alerts, &p, now);
                for x in &d {
                    let was_firing = alerts.iter().any(|a| a.key == x.key && a.last_notice == Notice::Firing);
                    match x.notice {
                        Notice::Firing if x.repeat => {
                            prop_assert!(was_firing);
                            let prev = last_firing[&x.key];
                            prop_assert!(now - prev >= Duration::seconds(i64::from(repeat)));
                        }
                        Notice::Firing => prop_assert!(!was_firing),
                        Notice::Resolved => prop_assert!(was_firing),
                        Notice::Test => prop_assert!(false),
                    }
                    if x.notice == Notice::Firing {
                        last_firing.insert(x.key.clone(), now);
                    }
                }
                alerts = after(&alerts, &d, now);
                let firing: Vec<&str> = alerts.iter().filter(|a| a.last_notice == Notice::Firing).map(|a| a.key.as_str()).collect();
                let watched: Vec<String> = p.iter().filter(|x| r.kinds.contains(&x.kind)).map(|x| x.key.clone()).collect();
                prop_assert_eq!(firing, watched.iter().map(String::as_str).collect::<Vec<_>>());
            }
        }
    }
}
