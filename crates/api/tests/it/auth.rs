//! Authentication and roles over the whole API, against a real Postgres (one fresh
//! database per test). The route table comes from the OpenAPI document itself, so a
//! new endpoint is covered the day it is added.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use api::AppState;
use domain::{Actor, DomainEvent, Role, StreamId};
use engine::accounts as users;
use poem::EndpointExt;
use poem::http::{Method, StatusCode};
use poem::test::{TestClient, TestResponse};
use serde_json::{Value, json};
use sqlx::PgPool;
use store::{AppendMeta, ExpectedVersion};
use uuid::Uuid;

pub(crate) const ADMIN_PW: &str = "admin-password-123";
pub(crate) const VIEWER_PW: &str = "viewer-password-456";
pub(crate) const OPERATOR_PW: &str = "operator-password-789";

/// Every log line of this test binary, to scan for secrets.
fn captured_logs() -> Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let writer = buffer.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(move || SharedWriter(writer.clone()))
            .finish();
        let _ = tracing::subscriber::set_global_default(subscriber);
        buffer
    })
    .clone()
}

struct SharedWriter(Arc<Mutex<Vec<u8>>>);
impl Write for SharedWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

pub(crate) struct Fixture {
    pub(crate) client: TestClient<poem::endpoint::BoxEndpoint<'static, poem::Response>>,
    pub(crate) state: AppState,
}

pub(crate) async fn fixture(pool: PgPool) -> Fixture {
    captured_logs();
    store::db::migrate(&pool).await.unwrap();
    let state = AppState::new(pool);
    users::create_user(&state.events, "admin", ADMIN_PW, Role::Admin, Actor::System)
        .await
        .unwrap();
    users::create_user(
        &state.events,
        "viewer",
        VIEWER_PW,
        Role::Viewer,
        Actor::System,
    )
    .await
    .unwrap();
    users::create_user(
        &state.events,
        "operator",
        OPERATOR_PW,
        Role::Operator,
        Actor::System,
    )
    .await
    .unwrap();
    state
        .events
        .append(
            &StreamId::instance(),
            ExpectedVersion::NoStream,
            &[DomainEvent::InstanceInitialized(
                domain::event::InstanceInitialized {
                    instance_id: Uuid::now_v7(),
                    software_version: "test".into(),
                },
            )],
            &AppendMeta::new(Actor::System),
        )
        .await
        .unwrap();
    let app = api::app(state.clone(), None).map_to_response().boxed();
    Fixture {
        client: TestClient::new(app),
        state,
    }
}

/// A logged-in browser session: the cookie and the CSRF token.
pub(crate) struct Session {
    pub(crate) cookie: String,
    pub(crate) csrf: String,
}

impl Fixture {
    pub(crate) async fn login(&self, username: &str, password: &str) -> TestResponse {
        self.client
            .post("/api/v1/auth/login")
            .body_json(&json!({"username": username, "password": password}))
            .send()
            .await
    }

    pub(crate) async fn session(&self, username: &str, password: &str) -> Session {
        let resp = self.login(username, password).await;
        resp.assert_status_is_ok();
        let set_cookie = resp
            .0
            .headers()
            .get("set-cookie")
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        assert!(set_cookie.contains("HttpOnly"), "{set_cookie}");
        assert!(set_cookie.contains("SameSite=Strict"), "{set_cookie}");
        let cookie = set_cookie.split(';').next().unwrap().to_owned();
        let body: Value = resp.json().await.value().deserialize();
        Session {
            cookie,
            csrf: body["csrf_token"].as_str().unwrap().to_owned(),
        }
    }

    pub(crate) async fn token(
        &self,
        session: &Session,
        role: &str,
        expires: Option<u32>,
    ) -> String {
        let resp = self
            .client
            .post("/api/v1/tokens")
            .header("cookie", &session.cookie)
            .header("x-csrf-token", &session.csrf)
            .body_json(&json!({"name": "automation", "role": role, "expires_in_days": expires}))
            .send()
            .await;
        resp.assert_status(StatusCode::CREATED);
        let body: Value = resp.json().await.value().deserialize();
        body["token"].as_str().unwrap().to_owned()
    }

    pub(crate) async fn call(
        &self,
        method: &Method,
        path: &str,
        bearer: Option<&str>,
    ) -> StatusCode {
        let mut req = match *method {
            Method::GET => self.client.get(path),
            Method::POST => self.client.post(path),
            Method::PATCH => self.client.patch(path),
            Method::PUT => self.client.put(path),
            Method::DELETE => self.client.delete(path),
            _ => panic!("unexpected method {method}"),
        };
        if let Some(token) = bearer {
            req = req.header("authorization", format!("Bearer {token}"));
        }
        req.content_type("application/json")
            .body("{}")
            .send()
            .await
            .0
            .status()
    }
}

/// (method, concrete path, operation id) for every operation in the spec.
#[sqlx::test(migrations = false)]
async fn another_users_token_cannot_be_seen_or_revoked(pool: PgPool) {
    let f = fixture(pool).await;
    let admin = f.session("admin", ADMIN_PW).await;
    let operator = f.session("operator", OPERATOR_PW).await;
    let admins_token = f.token(&admin, "admin", None).await;
    let operators_token = f.token(&operator, "operator", None).await;
    let list = |token: String| {
        let client = &f.client;
        async move {
            let v: Value = client
                .get("/api/v1/tokens")
                .header("authorization", format!("Bearer {token}"))
                .send()
                .await
                .json()
                .await
                .value()
                .deserialize();
            v.as_array().unwrap().clone()
        }
    };
    let admins = list(admins_token.clone()).await;
    let operators = list(operators_token.clone()).await;
    assert!(
        operators.iter().all(|t| t["username"] == "operator"),
        "{operators:?}"
    );
    let admin_token_id = admins.iter().find(|t| t["username"] == "admin").unwrap()["token_id"]
        .as_str()
        .unwrap()
        .to_owned();
    // The operator cannot revoke the admin's token: it does not exist for them.
    assert_eq!(
        f.call(
            &Method::DELETE,
            &format!("/api/v1/tokens/{admin_token_id}"),
            Some(&operators_token)
        )
        .await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        f.call(&Method::GET, "/api/v1/instance", Some(&admins_token))
            .await,
        StatusCode::OK,
        "still valid"
    );
}

#[sqlx::test(migrations = false)]
async fn revoked_expired_and_orphaned_tokens_are_refused(pool: PgPool) {
    let f = fixture(pool).await;
    let admin = f.session("admin", ADMIN_PW).await;
    let token = f.token(&admin, "operator", Some(30)).await;
    assert_eq!(
        f.call(&Method::GET, "/api/v1/instance", Some(&token)).await,
        StatusCode::OK
    );

    // Revoke it.
    let tokens: Value = f
        .client
        .get("/api/v1/tokens")
        .header("authorization", format!("Bearer {token}"))
        .send()
        .await
        .json()
        .await
        .value()
        .deserialize();
    let id = tokens[0]["token_id"].as_str().unwrap().to_owned();
    assert!(
        tokens[0].get("token").is_none(),
        "a listed token never shows its secret"
    );
    let resp = f
        .client
        .delete(format!("/api/v1/tokens/{id}"))
        .header("cookie", &admin.cookie)
        .header("x-csrf-token", &admin.csrf)
        .send()
        .await;
    resp.assert_status(StatusCode::NO_CONTENT);
    assert_eq!(
        f.call(&Method::GET, "/api/v1/instance", Some(&token)).await,
        StatusCode::UNAUTHORIZED
    );

    // An expired token (issued with an expiry already past).
    let expired = f.expired_token("admin").await;
    assert_eq!(
        f.call(&Method::GET, "/api/v1/instance", Some(&expired))
            .await,
        StatusCode::UNAUTHORIZED
    );

    // A token whose user is deleted stops working.
    let operator = f.session("operator", OPERATOR_PW).await;
    let op_token = f.token(&operator, "operator", None).await;
    assert_eq!(
        f.call(&Method::GET, "/api/v1/instance", Some(&op_token))
            .await,
        StatusCode::OK
    );
    let op_id = store::projections::auth::user_by_name(&f.state.pool, "operator")
        .await
        .unwrap()
        .unwrap()
        .user_id;
    let resp = f
        .client
        .delete(format!("/api/v1/users/{op_id}"))
        .header("cookie", &admin.cookie)
        .header("x-csrf-token", &admin.csrf)
        .send()
        .await;
    resp.assert_status(StatusCode::NO_CONTENT);
    assert_eq!(
        f.call(&Method::GET, "/api/v1/instance", Some(&op_token))
            .await,
        StatusCode::UNAUTHORIZED
    );
    let status = f
        .client
        .get("/api/v1/auth/me")
        .header("cookie", &operator.cookie)
        .send()
        .await
        .0
        .status();
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "the deleted user's session ended too"
    );
}

#[sqlx::test(migrations = false)]
async fn cookie_sessions_need_the_csrf_token_to_change_state(pool: PgPool) {
    let f = fixture(pool).await;
    let admin = f.session("admin", ADMIN_PW).await;
    let rename = |csrf: Option<&str>| {
        let mut req = f
            .client
            .patch("/api/v1/instance")
            .header("cookie", &admin.cookie)
            .body_json(&json!({"name": "renamed"}));
        if let Some(csrf) = csrf {
            req = req.header("x-csrf-token", csrf);
        }
        req.send()
    };
    rename(None).await.assert_status(StatusCode::FORBIDDEN);
    rename(Some("wrong"))
        .await
        .assert_status(StatusCode::FORBIDDEN);
    rename(Some(&admin.csrf)).await.assert_status_is_ok();
    // Reads need no CSRF token.
    let me: Value = f
        .client
        .get("/api/v1/auth/me")
        .header("cookie", &admin.cookie)
        .send()
        .await
        .json()
        .await
        .value()
        .deserialize();
    assert_eq!(me["username"], "admin");
    assert_eq!(me["csrf_token"], admin.csrf.as_str());
    // The rename is attributed to the user.
    let events: Value = f
        .client
        .get("/api/v1/events")
        .header("cookie", &admin.cookie)
        .send()
        .await
        .json()
        .await
        .value()
        .deserialize();
    let rename = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["event_type"] == "InstanceRenamed")
        .unwrap();
    assert_eq!(rename["actor"], "user:admin");

    // Logout ends the session.
    f.client
        .post("/api/v1/auth/logout")
        .header("cookie", &admin.cookie)
        .header("x-csrf-token", &admin.csrf)
        .send()
        .await
        .assert_status(StatusCode::NO_CONTENT);
    let status = f
        .client
        .get("/api/v1/auth/me")
        .header("cookie", &admin.cookie)
        .send()
        .await
        .0
        .status();
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[sqlx::test(migrations = false)]
async fn failed_logins_are_vague_and_rate_limited(pool: PgPool) {
    let f = fixture(pool).await;
    let unknown: Value = f
        .login("nobody", "whatever-password")
        .await
        .json()
        .await
        .value()
        .deserialize();
    let wrong: Value = f
        .login("viewer", "wrong-password!")
        .await
        .json()
        .await
        .value()
        .deserialize();
    assert_eq!(
        unknown["detail"], wrong["detail"],
        "the message does not say whether the user exists"
    );
    assert_eq!(unknown["status"], 401);
    for _ in 0..4 {
        f.login("viewer", "wrong-password!")
            .await
            .assert_status(StatusCode::UNAUTHORIZED);
    }
    let resp = f.login("viewer", VIEWER_PW).await;
    resp.assert_status(StatusCode::TOO_MANY_REQUESTS);
    assert!(resp.0.headers().get("retry-after").is_some());
    // Another user from the same client is not yet blocked.
    f.login("admin", ADMIN_PW).await.assert_status_is_ok();
    let events: Vec<String> =
        sqlx::query_scalar("SELECT event_type FROM events WHERE event_type = 'LoginFailed'")
            .fetch_all(&f.state.pool)
            .await
            .unwrap();
    assert_eq!(events.len(), 6, "every failed attempt is recorded");
}

#[sqlx::test(migrations = false)]
async fn users_admin_rules(pool: PgPool) {
    let f = fixture(pool).await;
    let admin = f.session("admin", ADMIN_PW).await;
    let post = |body: Value| {
        f.client
            .post("/api/v1/users")
            .header("cookie", &admin.cookie)
            .header("x-csrf-token", &admin.csrf)
            .body_json(&body)
            .send()
    };
    post(json!({"username": "carol", "password": "carol-password-1", "role": "operator"}))
        .await
        .assert_status(StatusCode::CREATED);
    post(json!({"username": "carol", "password": "carol-password-1", "role": "viewer"}))
        .await
        .assert_status(StatusCode::CONFLICT);
    post(json!({"username": "Bad Name", "password": "long-enough-pw", "role": "viewer"}))
        .await
        .assert_status(StatusCode::BAD_REQUEST);
    post(json!({"username": "dave", "password": "short", "role": "viewer"}))
        .await
        .assert_status(StatusCode::BAD_REQUEST);
    f.session("carol", "carol-password-1").await;
    let me_id = store::projections::auth::user_by_name(&f.state.pool, "admin")
        .await
        .unwrap()
        .unwrap()
        .user_id;
    let resp = f
        .client
        .patch(format!("/api/v1/users/{me_id}"))
        .header("cookie", &admin.cookie)
        .header("x-csrf-token", &admin.csrf)
        .body_json(&json!({"role": "viewer"}))
        .send()
        .await;
    resp.assert_status(StatusCode::CONFLICT);
}

#[sqlx::test(migrations = false)]
async fn passwords_and_tokens_never_reach_logs_or_events(pool: PgPool) {
    let f = fixture(pool).await;
    let admin = f.session("admin", ADMIN_PW).await;
    let token = f.token(&admin, "admin", None).await;
    f.login("admin", "a-wrong-password-xyz").await;
    f.client
        .post("/api/v1/users")
        .header("authorization", format!("Bearer {token}"))
        .body_json(&json!({"username": "erin", "password": "erin-secret-pass", "role": "viewer"}))
        .send()
        .await
        .assert_status(StatusCode::CREATED);
    let session_secret = admin.cookie.split_once('=').unwrap().1.to_owned();

    let payloads: Vec<String> =
        sqlx::query_scalar("SELECT payload::text || actor || event_type FROM events")
            .fetch_all(&f.state.pool)
            .await
            .unwrap();
    let mut haystack = payloads.join("\n");
    for table in store::projections::TABLES {
        let rows: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT t::text FROM {table} t"
        )))
        .fetch_all(&f.state.pool)
        .await
        .unwrap();
        haystack.push_str(&rows.join("\n"));
    }
    haystack.push_str(&String::from_utf8_lossy(&captured_logs().lock().unwrap()));
    for secret in [
        ADMIN_PW,
        "a-wrong-password-xyz",
        "erin-secret-pass",
        token.as_str(),
        session_secret.as_str(),
        admin.csrf.as_str(),
    ] {
        assert!(
            !haystack.contains(secret),
            "a secret leaked into events, projections or logs"
        );
    }
    assert!(
        haystack.contains("$argon2id$"),
        "passwords are stored as argon2id hashes"
    );
}
