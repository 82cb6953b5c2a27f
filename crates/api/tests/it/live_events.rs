//! `GET /events/stream` (server-sent events) against the lab Postgres: a connected
//! client receives events appended through the API and by a second `AppState` (a
//! second process's pool) on the same database, resumes with `Last-Event-ID`, and
//! needs credentials.

use std::time::Duration;

use api::AppState;
use domain::{Actor, Role};
use engine::accounts as users;
use futures::StreamExt;
use futures::stream::BoxStream;
use poem::EndpointExt;
use poem::http::StatusCode;
use poem::test::TestClient;
use serde_json::{Value, json};
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;

const ADMIN_PW: &str = "admin-password-123";

/// Reads SSE messages (id, JSON data) off a response body.
struct SseReader {
    body: BoxStream<'static, Result<bytes::Bytes, std::io::Error>>,
    buffer: String,
}

impl SseReader {
    /// The next message (comments/keep-alives skipped); a hang guard, not a timing check.
    async fn next(&mut self) -> (i64, Value) {
        tokio::time::timeout(Duration::from_secs(60), async {
            loop {
                if let Some(end) = self.buffer.find("\n\n") {
                    let block: String = self.buffer.drain(..end + 2).collect();
                    let mut id = None;
                    let mut data = String::new();
                    for line in block.lines() {
                        if let Some(v) = line.strip_prefix("id:") {
                            id = Some(v.trim().parse::<i64>().unwrap());
                        } else if let Some(v) = line.strip_prefix("data:") {
                            data.push_str(v.trim_start());
                        }
                    }
                    if let Some(id) = id {
                        return (id, serde_json::from_str(&data).unwrap());
                    }
                    continue;
                }
                let chunk = self.body.next().await.expect("stream ended").unwrap();
                self.buffer.push_str(std::str::from_utf8(&chunk).unwrap());
            }
        })
        .await
        .expect("no event arrived")
    }

    /// Reads until the server ends the stream; returns the event types seen before.
    async fn until_end(&mut self) -> Vec<String> {
        tokio::time::timeout(Duration::from_secs(60), async {
            let mut seen = Vec::new();
            while let Some(chunk) = self.body.next().await {
                self.buffer
                    .push_str(std::str::from_utf8(&chunk.unwrap()).unwrap());
                while let Some(end) = self.buffer.find("\n\n") {
                    let block: String = self.buffer.drain(..end + 2).collect();
                    if let Some(data) = block.lines().find_map(|l| l.strip_prefix("data:")) {
                        let v: Value = serde_json::from_str(data.trim()).unwrap();
                        seen.push(v["type"].as_str().unwrap().to_owned());
                    }
                }
            }
            seen
        })
        .await
        .expect("the stream did not end")
    }

    /// Skips messages until one of `event_type` whose summary mentions `needle`.
    async fn until(&mut self, event_type: &str, needle: &str) -> (i64, Value) {
        loop {
            let (id, data) = self.next().await;
            assert_eq!(data["seq"].as_i64(), Some(id), "the SSE id is the seq");
            if data["type"] == event_type && data["summary"].as_str().unwrap().contains(needle) {
                return (id, data);
            }
        }
    }
}

type Client = TestClient<poem::endpoint::BoxEndpoint<'static, poem::Response>>;

async fn open(client: &Client, cookie: &str, last_event_id: Option<i64>) -> SseReader {
    open_with(client, ("cookie", cookie.to_owned()), last_event_id).await
}

async fn open_with(
    client: &Client,
    (header, value): (&'static str, String),
    last_event_id: Option<i64>,
) -> SseReader {
    let mut req = client.get("/api/v1/events/stream").header(header, value);
    if let Some(id) = last_event_id {
        req = req.header("last-event-id", id.to_string());
    }
    let resp = req.send().await;
    resp.assert_status_is_ok();
    resp.assert_content_type("text/event-stream");
    SseReader {
        body: resp.0.into_body().into_bytes_stream().boxed(),
        buffer: String::new(),
    }
}

/// A fresh app with an admin; its client.
async fn app(pool: &PgPool) -> Client {
    store::db::migrate(pool).await.unwrap();
    let state = AppState::new(pool.clone());
    users::create_user(&state.events, "admin", ADMIN_PW, Role::Admin, Actor::System)
        .await
        .unwrap();
    TestClient::new(api::app(state, None).map_to_response().boxed())
}

/// Logs the admin in: (cookie, CSRF token).
async fn login(client: &Client) -> (String, String) {
    let login = client
        .post("/api/v1/auth/login")
        .body_json(&json!({"username": "admin", "password": ADMIN_PW}))
        .send()
        .await;
    login.assert_status_is_ok();
    let cookie = login.0.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let csrf = login.json().await.value().deserialize::<Value>()["csrf_token"]
        .as_str()
        .unwrap()
        .to_owned();
    (cookie, csrf)
}

#[sqlx::test(migrations = false)]
async fn stream_delivers_appends_from_every_process_and_resumes(pool: PgPool) {
    let client = app(&pool).await;

    // Credentials are required.
    let anonymous = client.get("/api/v1/events/stream").send().await;
    anonymous.assert_status(StatusCode::UNAUTHORIZED);
    let bogus = client
        .get("/api/v1/events/stream")
        .header("authorization", "Bearer dbt_not-a-real-token")
        .send()
        .await;
    bogus.assert_status(StatusCode::UNAUTHORIZED);

    let (cookie, csrf) = login(&client).await;

    let mut live = open(&client, &cookie, None).await;

    // An append through this process's API.
    client
        .post("/api/v1/users")
        .header("cookie", &cookie)
        .header("x-csrf-token", &csrf)
        .body_json(&json!({"username": "alice", "password": "alice-password-1", "role": "viewer"}))
        .send()
        .await
        .assert_status(StatusCode::CREATED);
    let (alice_seq, alice) = live.until("UserCreated", "alice").await;
    assert!(
        alice["stream"].as_str().unwrap().starts_with("user-"),
        "{alice}"
    );
    assert_eq!(alice["actor"], "user:admin");

    // An append by another process: its own pool and AppState on the same database.
    let other_pool = PgPoolOptions::new()
        .max_connections(2)
        .connect_with((*pool.connect_options()).clone())
        .await
        .unwrap();
    let other = AppState::new(other_pool);
    users::create_user(
        &other.events,
        "bob",
        "bob-password-12",
        Role::Viewer,
        Actor::System,
    )
    .await
    .unwrap();
    let (bob_seq, bob) = live.until("UserCreated", "bob").await;
    assert!(bob_seq > alice_seq);
    assert_eq!(bob["actor"], "system");

    // A reconnecting client gets what it missed after Last-Event-ID, in order.
    let mut resumed = open(&client, &cookie, Some(alice_seq)).await;
    let (first, _) = resumed.next().await;
    assert!(
        first > alice_seq,
        "nothing at or before Last-Event-ID is replayed"
    );
    let mut seen = first;
    while seen < bob_seq {
        let (next, _) = resumed.next().await;
        assert!(next > seen, "replayed in log order");
        seen = next;
    }
    assert_eq!(seen, bob_seq, "bob's event is replayed");
}

#[sqlx::test(migrations = false)]
async fn stream_ends_when_its_token_is_revoked_or_its_session_logged_out(pool: PgPool) {
    let client = app(&pool).await;
    let (cookie, csrf) = login(&client).await;
    let issued = client
        .post("/api/v1/tokens")
        .header("cookie", &cookie)
        .header("x-csrf-token", &csrf)
        .body_json(&json!({"name": "watcher", "role": "viewer"}))
        .send()
        .await;
    issued.assert_status(StatusCode::CREATED);
    let issued: Value = issued.json().await.value().deserialize();
    let token = issued["token"].as_str().unwrap().to_owned();
    let token_id = issued["token_id"].as_str().unwrap().to_owned();

    let mut by_token = open_with(&client, ("authorization", format!("Bearer {token}")), None).await;
    let mut by_session = open(&client, &cookie, None).await;
    client
        .delete(format!("/api/v1/tokens/{token_id}"))
        .header("cookie", &cookie)
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .assert_status(StatusCode::NO_CONTENT);
    let seen = by_token.until_end().await;
    assert!(
        !seen.iter().any(|t| t == "TokenRevoked"),
        "the revoked token's stream ended before passing on its revocation: {seen:?}"
    );
    // the session's stream is still open and sees the revocation
    by_session.until("TokenRevoked", &token_id).await;

    client
        .post("/api/v1/auth/logout")
        .header("cookie", &cookie)
        .header("x-csrf-token", &csrf)
        .send()
        .await;
    by_session.until_end().await;
    client
        .get("/api/v1/events/stream")
        .header("cookie", &cookie)
        .send()
        .await
        .assert_status(StatusCode::UNAUTHORIZED);
}
