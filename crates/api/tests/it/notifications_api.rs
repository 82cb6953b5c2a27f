//! Notifications end to end, with a real HTTP receiver and a real SMTP server
//! (Python's `aiosmtpd`, with a login) run by the test, and a real problem in the
//! event log (a job that gave up): a rule fires once per channel, its webhook body is
//! signed with the channel's key, a receiver that is down fails the attempt (recorded,
//! retried) and gets it when it comes back, the email arrives through the relay's
//! login, nothing repeats within the interval, a muted rule is silent, and the clear
//! sends one resolve message. Bad input is refused with the field named; secrets are
//! never returned.

use std::sync::{Arc, Mutex};

use chrono::{Duration, Utc};
use domain::event::JobFailed;
use domain::{DeliveryId, DomainEvent, Role};
use poem::http::StatusCode;
use serde_json::{Value, json};
use sqlx::PgPool;
use store::{AppendMeta, ExpectedVersion};
use testkit::{Fleet, TestApp};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Requests a [`receive`]r got: (headers, lower-cased, and body).
type Received = Arc<Mutex<Vec<(Vec<(String, String)>, Vec<u8>)>>>;

/// A free loopback port nothing listens on (yet).
async fn free_port() -> u16 {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    l.local_addr().unwrap().port()
}

/// A minimal HTTP/1.1 server on `port` that records each request and answers 200.
async fn receive(port: u16, got: Received) -> tokio::task::JoinHandle<()> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let got = got.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0_u8; 4096];
                let (head_end, length) = loop {
                    let n = sock.read(&mut chunk).await.unwrap();
                    assert!(n > 0, "the client closed before the headers ended");
                    buf.extend_from_slice(&chunk[..n]);
                    if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        let head = String::from_utf8_lossy(&buf[..i]).to_lowercase();
                        let len = head
                            .lines()
                            .find_map(|l| l.strip_prefix("content-length:"))
                            .map(|v| v.trim().parse::<usize>().unwrap())
                            .unwrap_or(0);
                        break (i + 4, len);
                    }
                };
                while buf.len() < head_end + length {
                    let n = sock.read(&mut chunk).await.unwrap();
                    assert!(n > 0);
                    buf.extend_from_slice(&chunk[..n]);
                }
                let headers = String::from_utf8_lossy(&buf[..head_end])
                    .lines()
                    .filter_map(|l| l.split_once(':'))
                    .map(|(k, v)| (k.trim().to_lowercase(), v.trim().to_owned()))
                    .collect();
                got.lock()
                    .unwrap()
                    .push((headers, buf[head_end..head_end + length].to_vec()));
                sock.write_all(
                    b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                )
                .await
                .unwrap();
            });
        }
    })
}

/// An SMTP server (aiosmtpd) on `port` that accepts the login relay / `password` and
/// appends each message to `mbox`; killed on drop.
struct Smtp(std::process::Child);

impl Drop for Smtp {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

const SMTP_SERVER: &str = r#"
import sys, time
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
port, mbox, password = int(sys.argv[1]), sys.argv[2], sys.argv[3].encode()
class Store:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("nobody@"):
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"
    async def handle_DATA(self, server, session, envelope):
        with open(mbox, "ab") as f:
            f.write(envelope.content + b"\n--END--\n")
        return "250 OK stored"
def login(server, session, envelope, mechanism, auth_data):
    return AuthResult(success=auth_data.login == b"relay" and auth_data.password == password)
c = Controller(Store(), hostname="127.0.0.1", port=port, authenticator=login,
               auth_require_tls=False, auth_required=True)
c.start()
print("ready", flush=True)
time.sleep(3600)
"#;

fn smtp(port: u16, mbox: &std::path::Path, password: &str) -> Smtp {
    use std::io::BufRead;
    // Debian's python3 (where python3-aiosmtpd is installed), not a pyenv shim.
    let mut child = std::process::Command::new("/usr/bin/python3")
        .args(["-c", SMTP_SERVER, &port.to_string()])
        .arg(mbox)
        .arg(password)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("/usr/bin/python3 with aiosmtpd (apt python3-aiosmtpd; ops/test installs it)");
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line.trim(), "ready", "aiosmtpd did not start");
    Smtp(child)
}

async fn deliveries(app: &TestApp) -> Vec<Value> {
    let (code, page) = app.get("/api/v1/notifications/deliveries").await;
    assert_eq!(code, StatusCode::OK, "{page}");
    page["deliveries"].as_array().unwrap().clone()
}

async fn delivery(app: &TestApp, id: DeliveryId) -> Value {
    deliveries(app)
        .await
        .into_iter()
        .find(|d| d["id"] == id.to_string())
        .unwrap()
}

/// A snapshot job that gave up: a `job_failed` problem of the fleet status.
async fn fail_a_job(app: &TestApp) {
    let event = DomainEvent::JobFailed(JobFailed {
        job_kind: "snapshot".into(),
        key: "snapshot:test".into(),
        subvolume_id: None,
        error: "the primary is unreachable".into(),
        class: "transient".into(),
        attempts: 5,
    });
    app.state
        .events
        .append(
            &domain::StreamId::parse("jobs").unwrap(),
            ExpectedVersion::Any,
            &[event],
            &AppendMeta::new(domain::Actor::System),
        )
        .await
        .unwrap();
}

fn field(v: &Value) -> &str {
    v["field"].as_str().unwrap_or("")
}

#[sqlx::test(migrations = false)]
async fn alerts_reach_a_webhook_and_a_mailbox_once_repeat_after_the_interval_and_resolve(
    pool: PgPool,
) {
    let fleet = Fleet::primary(pool).await;
    let app = TestApp::for_fleet(&fleet, Role::Admin).await;
    let notifier = app.state.notifier.clone().unwrap();
    let hook_port = free_port().await;
    let hook_url = format!("http://127.0.0.1:{hook_port}/hook?token=abc");
    let smtp_port = free_port().await;
    let dir = tempfile::tempdir().unwrap();
    let mbox = dir.path().join("mbox");
    let _smtp = smtp(smtp_port, &mbox, "pw-s3cret");

    // Bad input names its field and changes nothing.
    let bad = [
        (json!({"name": "h", "kind": "webhook"}), "url"),
        (
            json!({"name": "h", "kind": "webhook", "url": "ftp://x/"}),
            "url",
        ),
        (
            json!({"name": "h", "kind": "webhook", "url": hook_url, "secret": "short"}),
            "secret",
        ),
        (
            json!({"name": "m", "kind": "email", "smtp_host": "mail.example", "tls": "none",
                "from": "a@b", "to": ["c@d"]}),
            "tls",
        ),
        (
            json!({"name": "m", "kind": "email", "smtp_host": "127.0.0.1", "tls": "none",
                "from": "a@b", "to": ["not an address"]}),
            "to",
        ),
        (
            json!({"name": "m", "kind": "email", "smtp_host": "127.0.0.1", "tls": "none",
                "username": "relay", "from": "a@b", "to": ["c@d"]}),
            "secret",
        ),
    ];
    for (body, want) in bad {
        let (code, p) = app
            .post("/api/v1/notifications/channels", body.clone())
            .await;
        assert_eq!(
            (code, field(&p)),
            (StatusCode::BAD_REQUEST, want),
            "{body} -> {p}"
        );
    }
    assert_eq!(app.count("SELECT count(*) FROM proj_channels").await, 0);

    // A webhook gets a generated signing key, shown once.
    let (code, created) = app
        .post(
            "/api/v1/notifications/channels",
            json!({"name": "pager-hook", "kind": "webhook", "url": hook_url}),
        )
        .await;
    assert_eq!(code, StatusCode::CREATED, "{created}");
    let key = created["signing_key"].as_str().unwrap().to_owned();
    assert_eq!(key.len(), 64);
    let hook = created["channel"]["id"].as_str().unwrap().to_owned();
    let (code, email) = app
        .post(
            "/api/v1/notifications/channels",
            json!({"name": "ops-mail", "kind": "email", "smtp_host": "127.0.0.1",
                   "smtp_port": smtp_port, "tls": "none", "username": "relay",
                   "secret": "pw-s3cret", "from": "dist-btrfs@lab.example",
                   "to": ["ops@lab.example"]}),
        )
        .await;
    assert_eq!(code, StatusCode::CREATED, "{email}");
    assert!(email["signing_key"].is_null());
    let mail = email["channel"]["id"].as_str().unwrap().to_owned();
    let (_, list) = app.get("/api/v1/notifications/channels").await;
    let listed = list.to_string();
    assert!(
        !listed.contains(&key) && !listed.contains("pw-s3cret"),
        "{listed}"
    );
    assert_eq!(list.as_array().unwrap().len(), 2);
    assert_eq!(
        app.count("SELECT count(*) FROM vault_secrets").await,
        2,
        "both secrets are in the vault"
    );

    // Rules: the channels must exist; then one rule over both.
    let (code, p) = app
        .post(
            "/api/v1/notifications/rules",
            json!({"name": "r", "kinds": ["job_failed"], "channel_ids": [uuid::Uuid::now_v7()]}),
        )
        .await;
    assert_eq!(
        (code, field(&p)),
        (StatusCode::BAD_REQUEST, "channels"),
        "{p}"
    );
    let rule_body = json!({"name": "failures", "kinds": ["job_failed", "replication_failing"],
                           "channel_ids": [hook, mail], "repeat_seconds": 600});
    let (code, rule) = app
        .post("/api/v1/notifications/rules", rule_body.clone())
        .await;
    assert_eq!(code, StatusCode::CREATED, "{rule}");
    let rule_id = rule["id"].as_str().unwrap().to_owned();

    // Nothing wrong: nothing sent.
    let t0 = Utc::now();
    assert!(notifier.evaluate(t0).await.unwrap().is_empty());

    // A job gives up: one firing message per channel.
    fail_a_job(&app).await;
    let queued = notifier.evaluate(t0).await.unwrap();
    assert_eq!(queued.len(), 2);
    assert!(
        notifier.evaluate(t0).await.unwrap().is_empty(),
        "fires once"
    );
    let (_, alerts) = app.get("/api/v1/notifications/alerts").await;
    assert_eq!(alerts.as_array().unwrap().len(), 1, "{alerts}");
    assert_eq!(alerts[0]["kind"], "job_failed");
    let (to_hook, to_mail) = {
        let d0 = delivery(&app, queued[0]).await;
        if d0["channel_id"] == hook.as_str() {
            (queued[0], queued[1])
        } else {
            (queued[1], queued[0])
        }
    };

    // The receiver is down: the attempt fails, is recorded, and is worth a retry.
    let err = notifier.deliver(to_hook, 5).await.unwrap_err();
    assert!(err.is_transient(), "{err}");
    let d = delivery(&app, to_hook).await;
    assert_eq!(
        (d["state"].as_str(), d["attempts"].as_u64()),
        (Some("queued"), Some(1)),
        "{d}"
    );
    assert!(
        d["last_error"].as_str().unwrap().contains("127.0.0.1"),
        "{d}"
    );
    assert!(
        !d["last_error"].as_str().unwrap().contains("token=abc"),
        "{d}"
    );

    // It comes back: the retry is delivered, signed with the channel's key.
    let got: Received = Arc::default();
    let server = receive(hook_port, got.clone()).await;
    notifier.deliver(to_hook, 5).await.unwrap();
    let d = delivery(&app, to_hook).await;
    assert_eq!(
        (
            d["state"].as_str(),
            d["attempts"].as_u64(),
            d["detail"].as_str()
        ),
        (Some("delivered"), Some(2), Some("HTTP 200")),
        "{d}"
    );
    {
        let got = got.lock().unwrap();
        assert_eq!(got.len(), 1);
        let (headers, body) = &got[0];
        let sig = headers
            .iter()
            .find(|(k, _)| k == "x-dist-btrfs-signature-256")
            .map(|(_, v)| v.clone())
            .unwrap();
        assert_eq!(sig, engine::notify::signature(key.as_bytes(), body));
        assert_ne!(
            sig,
            engine::notify::signature(b"another key of 64 chars", body)
        );
        let body: Value = serde_json::from_slice(body).unwrap();
        assert_eq!(body["notice"], "firing");
        assert_eq!(body["problem_kind"], "job_failed");
        assert_eq!(body["severity"], "warning");
        assert!(
            body["summary"]
                .as_str()
                .unwrap()
                .contains("the primary is unreachable")
        );
    }
    // Delivered is final: another run of the job sends nothing.
    notifier.deliver(to_hook, 5).await.unwrap();
    assert_eq!(got.lock().unwrap().len(), 1);

    // The email goes through the relay's login.
    notifier.deliver(to_mail, 5).await.unwrap();
    let d = delivery(&app, to_mail).await;
    assert_eq!(d["state"], "delivered", "{d}");
    assert!(d["detail"].as_str().unwrap().starts_with("SMTP 250"), "{d}");
    let messages = std::fs::read_to_string(&mbox).unwrap();
    assert!(
        messages.contains("Subject: [dist-btrfs] FIRING warning: snapshot job failed"),
        "{messages}"
    );
    assert!(messages.contains("To: ops@lab.example"), "{messages}");

    // No repeat within the interval; one after it.
    let fired: chrono::DateTime<Utc> = alerts[0]["last_notified_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        notifier
            .evaluate(fired + Duration::seconds(599))
            .await
            .unwrap()
            .is_empty()
    );
    let again = notifier
        .evaluate(fired + Duration::seconds(600))
        .await
        .unwrap();
    assert_eq!(again.len(), 2);
    assert!(delivery(&app, again[0]).await["repeat"].as_bool().unwrap());

    // Muted: silent even when the problem clears (the job failure is older than 24 h).
    let later = t0 + Duration::hours(25);
    let mut muted = rule_body.clone();
    muted["muted"] = json!(true);
    let (code, r) = app
        .send(
            "PUT",
            &format!("/api/v1/notifications/rules/{rule_id}"),
            Some(muted),
        )
        .await;
    assert_eq!(
        (code, r["muted"].as_bool()),
        (StatusCode::OK, Some(true)),
        "{r}"
    );
    assert!(notifier.evaluate(later).await.unwrap().is_empty());
    // Unmuted: the clear is reported, once, to each channel.
    let (code, _) = app
        .send(
            "PUT",
            &format!("/api/v1/notifications/rules/{rule_id}"),
            Some(rule_body),
        )
        .await;
    assert_eq!(code, StatusCode::OK);
    let resolved = notifier.evaluate(later).await.unwrap();
    assert_eq!(resolved.len(), 2);
    for id in &resolved {
        assert_eq!(delivery(&app, *id).await["notice"], "resolved");
    }
    assert!(notifier.evaluate(later).await.unwrap().is_empty());
    let (_, alerts) = app.get("/api/v1/notifications/alerts").await;
    assert_eq!(alerts, json!([]));
    for id in resolved {
        notifier.deliver(id, 5).await.unwrap();
    }
    let bodies: Vec<Value> = got
        .lock()
        .unwrap()
        .iter()
        .map(|(_, b)| serde_json::from_slice(b).unwrap())
        .collect();
    assert_eq!(bodies.last().unwrap()["notice"], "resolved");
    assert!(std::fs::read_to_string(&mbox).unwrap().contains("RESOLVED"));

    // A refused recipient is permanent: one attempt, given up, recorded.
    let (code, _) = app
        .send(
            "PUT",
            &format!("/api/v1/notifications/channels/{mail}"),
            Some(
                json!({"name": "ops-mail", "kind": "email", "smtp_host": "127.0.0.1",
                        "smtp_port": smtp_port, "tls": "none", "username": "relay",
                        "from": "dist-btrfs@lab.example",
                        "to": ["nobody@lab.example"]}),
            ),
        )
        .await;
    assert_eq!(code, StatusCode::OK);
    let (code, test) = app
        .post_empty(&format!("/api/v1/notifications/channels/{mail}/test"))
        .await;
    assert_eq!(code, StatusCode::ACCEPTED, "{test}");
    let test_id = DeliveryId::from_uuid(test["id"].as_str().unwrap().parse().unwrap());
    let mut d = delivery(&app, test_id).await;
    for _ in 0..100 {
        if d["state"] != "queued" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        d = delivery(&app, test_id).await;
    }
    assert_eq!(
        (d["state"].as_str(), d["attempts"].as_u64()),
        (Some("failed"), Some(1)),
        "{d}"
    );
    assert!(d["last_error"].as_str().unwrap().contains("550"), "{d}");

    // Every queued, delivered and failed attempt is an event.
    let count = |t: &'static str| {
        let pool = app.pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT count(*) FROM events WHERE event_type = $1")
                .bind(t)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    assert_eq!(count("NotificationQueued").await, 7);
    assert_eq!(count("NotificationDelivered").await, 4);
    assert_eq!(count("NotificationAttemptFailed").await, 2);

    // A channel in use is not removed; without its rule it is, with its secret.
    let (code, p) = app
        .delete(&format!("/api/v1/notifications/channels/{hook}"))
        .await;
    assert_eq!(code, StatusCode::CONFLICT, "{p}");
    let (code, _) = app
        .delete(&format!("/api/v1/notifications/rules/{rule_id}"))
        .await;
    assert_eq!(code, StatusCode::NO_CONTENT);
    let (code, _) = app
        .delete(&format!("/api/v1/notifications/channels/{hook}"))
        .await;
    assert_eq!(code, StatusCode::NO_CONTENT);
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM vault_secrets WHERE owner_id = '{hook}'"
        ))
        .await,
        0
    );
    server.abort();
}
