//! The wire side of a notification: a signed webhook POST ([`webhook`]) and an email
//! through an SMTP relay ([`email`]), each classifying its failure as transient (worth
//! another attempt: a refused connection, a timeout, HTTP 408/429/5xx, an SMTP 4xx) or
//! permanent (HTTP 4xx, an SMTP 5xx, a malformed address).
//!
//! The webhook body is JSON ([`WebhookBody`]); its signature is the lower-case hex
//! HMAC-SHA256 of the exact body bytes under the channel's key, sent as
//! `X-Dist-Btrfs-Signature-256: sha256=<hex>` ([`signature`]). Redirects are not
//! followed: the URL the admin saved is the only place the body goes.

use std::time::Duration;

use chrono::{DateTime, Utc};
use domain::notify::{ChannelSpec, Notice, SmtpTls};
use hmac::{Hmac, Mac};
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use sha2::Sha256;
use store::projections::notify::{ChannelView, DeliveryView};

/// The header that carries the webhook body's signature.
pub const SIGNATURE_HEADER: &str = "X-Dist-Btrfs-Signature-256";

/// How long one attempt may take (connect, send, answer).
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(15);

/// Why an attempt failed, and whether another may succeed.
#[derive(Debug)]
pub(super) struct Failure {
    pub message: String,
    pub permanent: bool,
}

impl Failure {
    pub fn permanent(m: impl Into<String>) -> Self {
        Self {
            message: m.into(),
            permanent: true,
        }
    }

    pub fn transient(m: impl Into<String>) -> Self {
        Self {
            message: m.into(),
            permanent: false,
        }
    }
}

/// The webhook client, or why there is none (e.g. the system's root certificates are
/// unreadable): then every webhook attempt fails with that reason, nothing panics.
pub(super) fn http_client() -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .timeout(ATTEMPT_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("dist-btrfs/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| format!("no HTTP client: {}", error_chain(&e)))
}

/// The JSON a webhook receives.
#[derive(Debug, Clone, Serialize)]
pub struct WebhookBody {
    pub delivery_id: String,
    /// `firing`, `resolved` or `test`.
    pub notice: &'static str,
    /// A firing alert sent again after the rule's repeat interval.
    pub repeat: bool,
    pub channel: String,
    pub rule_id: Option<String>,
    /// The problem's key, kind and severity (none for a test).
    pub alert_key: Option<String>,
    pub problem_kind: Option<&'static str>,
    pub severity: Option<&'static str>,
    pub summary: String,
    pub queued_at: DateTime<Utc>,
}

impl WebhookBody {
    pub fn of(channel: &ChannelView, d: &DeliveryView) -> Self {
        Self {
            delivery_id: d.delivery_id.to_string(),
            notice: d.notice.as_str(),
            repeat: d.repeat,
            channel: channel.name.clone(),
            rule_id: d.rule_id.map(|r| r.to_string()),
            alert_key: d.alert_key.clone(),
            problem_kind: d.problem_kind.map(|k| k.as_str()),
            severity: d.severity.map(|s| s.as_str()),
            summary: d.summary.clone(),
            queued_at: d.queued_at,
        }
    }
}

/// `sha256=<hex>` of HMAC-SHA256(`key`, `body`).
pub fn signature(key: &[u8], body: &[u8]) -> String {
    // HMAC takes a key of any length.
    let mut mac = match <Hmac<Sha256> as Mac>::new_from_slice(key) {
        Ok(m) => m,
        Err(_) => return String::new(),
    };
    mac.update(body);
    format!("sha256={}", crate::lower_hex(&mac.finalize().into_bytes()))
}

pub(super) async fn webhook(
    http: &Result<reqwest::Client, String>,
    url: &str,
    key: &SecretString,
    body: &WebhookBody,
) -> Result<String, Failure> {
    let http = http.as_ref().map_err(|e| Failure::permanent(e.clone()))?;
    let bytes = serde_json::to_vec(body).map_err(|e| Failure::permanent(e.to_string()))?;
    let sig = signature(key.expose_secret().as_bytes(), &bytes);
    let response = http
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(SIGNATURE_HEADER, sig)
        .header("X-Dist-Btrfs-Delivery", &body.delivery_id)
        .header("X-Dist-Btrfs-Notice", body.notice)
        .body(bytes)
        .send()
        .await
        .map_err(|e| {
            // The error repeats the URL, query and all: leave it out.
            let e = e.without_url();
            Failure::transient(format!("POST {}: {}", redact(url), error_chain(&e)))
        })?;
    let status = response.status();
    let detail = format!("HTTP {}", status.as_u16());
    if status.is_success() {
        Ok(detail)
    } else if status.is_server_error() || matches!(status.as_u16(), 408 | 429) {
        Err(Failure::transient(format!(
            "{} answered {detail}",
            redact(url)
        )))
    } else {
        Err(Failure::permanent(format!(
            "{} answered {detail}",
            redact(url)
        )))
    }
}

/// The URL without its query (which may carry a token) for messages.
fn redact(url: &str) -> &str {
    url.split(['?', '#']).next().unwrap_or(url)
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

pub(super) async fn email(
    spec: &ChannelSpec,
    password: Option<&SecretString>,
    d: &DeliveryView,
) -> Result<String, Failure> {
    let ChannelSpec::Email {
        smtp_host,
        smtp_port,
        tls,
        username,
        from,
        to,
    } = spec
    else {
        return Err(Failure::permanent("not an email channel"));
    };
    let mut message = Message::builder()
        .from(
            from.parse()
                .map_err(|e| Failure::permanent(format!("from: {e}")))?,
        )
        .subject(subject(d))
        .header(ContentType::TEXT_PLAIN);
    for t in to {
        message = message.to(t
            .parse()
            .map_err(|e| Failure::permanent(format!("to {t}: {e}")))?);
    }
    let message = message
        .body(text(d))
        .map_err(|e| Failure::permanent(e.to_string()))?;
    let smtp_error = |e: lettre::transport::smtp::Error| {
        let m = format!("SMTP {smtp_host}:{smtp_port}: {}", error_chain(&e));
        if e.is_permanent() {
            Failure::permanent(m)
        } else {
            Failure::transient(m)
        }
    };
    let builder = match tls {
        SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(smtp_host),
        SmtpTls::Starttls => {
            AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(smtp_host).map_err(smtp_error)?
        }
        SmtpTls::Tls => {
            AsyncSmtpTransport::<Tokio1Executor>::relay(smtp_host).map_err(smtp_error)?
        }
    };
    let mut builder = builder.port(*smtp_port).timeout(Some(ATTEMPT_TIMEOUT));
    if let Some(user) = username {
        let password =
            password.ok_or_else(|| Failure::permanent("the SMTP password is not in the vault"))?;
        builder = builder.credentials(Credentials::new(
            user.clone(),
            password.expose_secret().to_owned(),
        ));
    }
    // lettre bounds the connection, not a relay that stops answering mid-dialogue.
    let response = tokio::time::timeout(ATTEMPT_TIMEOUT, builder.build().send(message))
        .await
        .map_err(|_| {
            Failure::transient(format!(
                "SMTP {smtp_host}:{smtp_port}: no answer within {} s",
                ATTEMPT_TIMEOUT.as_secs()
            ))
        })?
        .map_err(smtp_error)?;
    Ok(format!(
        "SMTP {} {}",
        response.code(),
        response.message().collect::<Vec<_>>().join(" ")
    ))
}

fn subject(d: &DeliveryView) -> String {
    let what = match d.notice {
        Notice::Firing if d.repeat => "STILL FIRING",
        Notice::Firing => "FIRING",
        Notice::Resolved => "RESOLVED",
        Notice::Test => "TEST",
    };
    let severity = d.severity.map(|s| format!(" {s}")).unwrap_or_default();
    let mut summary: String = d.summary.chars().take(120).collect();
    if summary.len() < d.summary.len() {
        summary.push('…');
    }
    format!("[dist-btrfs] {what}{severity}: {summary}")
}

fn text(d: &DeliveryView) -> String {
    let mut out = format!("{}\n\n", d.summary);
    match d.notice {
        Notice::Firing => out.push_str("This problem is present now."),
        Notice::Resolved => out.push_str("This problem has cleared."),
        Notice::Test => out.push_str("A test message: the channel works."),
    }
    out.push_str("\n\n");
    if let Some(kind) = d.problem_kind {
        out.push_str(&format!("kind: {kind}\n"));
    }
    if let Some(key) = &d.alert_key {
        out.push_str(&format!("alert: {key}\n"));
    }
    out.push_str(&format!(
        "queued: {}\ndelivery: {}\n",
        d.queued_at.format("%Y-%m-%d %H:%M:%S UTC"),
        d.delivery_id
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_hmac_sha256_of_the_body() {
        // RFC 4231 test case 2.
        let sig = signature(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(
            sig,
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert_ne!(signature(b"Jefe", b"what do ya want for nothing!"), sig);
    }

    #[test]
    fn queries_are_not_repeated_in_messages() {
        assert_eq!(redact("https://h/x?token=s3cret"), "https://h/x");
        assert_eq!(redact("http://h/x"), "http://h/x");
    }
}
