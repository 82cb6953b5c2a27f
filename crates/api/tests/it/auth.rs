//! Authentication and roles over the whole API, against a real Postgres (one fresh
//! database per test). The route table comes from the OpenAPI document itself, so a
//! new endpoint is covered the day it is added.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use api::AppState;
use chrono::{Duration, Utc};
use domain::event::TokenCreated;
use domain::{Actor, DomainEvent, Role, StreamId};
use engine::accounts as users;
use poem::EndpointExt;
use poem::http::{Method, StatusCode};
use poem::test::{TestClient, TestResponse};
use serde_json::{Value, json};
use sqlx::PgPool;
use store::{AppendMeta, ExpectedVersion};
use uuid::Uuid;

const ADMIN_PW: &str = "admin-password-123";
const VIEWER_PW: &str = "viewer-password-456";
const OPERATOR_PW: &str = "operator-password-789";

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

struct Fixture {
    client: TestClient<poem::endpoint::BoxEndpoint<'static, poem::Response>>,
    state: AppState,
}

async fn fixture(pool: PgPool) -> Fixture {
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
struct Session {
    cookie: String,
    csrf: String,
}

impl Fixture {
    async fn login(&self, username: &str, password: &str) -> TestResponse {
        self.client
            .post("/api/v1/auth/login")
            .body_json(&json!({"username": username, "password": password}))
            .send()
            .await
    }

    async fn session(&self, username: &str, password: &str) -> Session {
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

    async fn token(&self, session: &Session, role: &str, expires: Option<u32>) -> String {
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

    async fn call(&self, method: &Method, path: &str, bearer: Option<&str>) -> StatusCode {
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
fn routes() -> Vec<(Method, String, String)> {
    let spec: Value = serde_json::from_str(&api::openapi_json()).unwrap();
    let mut routes = Vec::new();
    for (path, ops) in spec["paths"].as_object().unwrap() {
        for (method, op) in ops.as_object().unwrap() {
            let concrete = path
                .split('/')
                .map(|seg| {
                    if seg.starts_with('{') {
                        Uuid::now_v7().to_string()
                    } else {
                        seg.to_owned()
                    }
                })
                .collect::<Vec<_>>()
                .join("/");
            routes.push((
                method.to_uppercase().parse().unwrap(),
                format!("/api/v1{concrete}"),
                op["operationId"].as_str().unwrap().to_owned(),
            ));
        }
    }
    assert!(routes.len() >= 10, "the spec lists the API: {routes:?}");
    routes
}

/// The authorization matrix: every operation in the spec and the least role that may
/// call it. A route missing here (or listed but gone) fails the test, so a new
/// endpoint cannot ship without a decision on who may call it.
const MATRIX: &[(&str, Need)] = &[
    ("getHealth", Need::Nobody),
    ("login", Need::Nobody),
    // Any logged-in user.
    ("getMe", Need::Viewer),
    ("logout", Need::Viewer),
    ("changeOwnPassword", Need::Viewer),
    ("getInstance", Need::Viewer),
    ("getMetrics", Need::Viewer),
    ("listEvents", Need::Viewer),
    ("streamEvents", Need::Viewer),
    ("listTokens", Need::Viewer),
    ("listServers", Need::Viewer),
    ("getServer", Need::Viewer),
    ("discoverSubvolumes", Need::Viewer),
    ("listSubvolumes", Need::Viewer),
    ("getSubvolume", Need::Viewer),
    ("listSnapshots", Need::Viewer),
    ("getSnapshot", Need::Viewer),
    ("listPolicies", Need::Viewer),
    ("getPolicy", Need::Viewer),
    ("previewPolicy", Need::Viewer),
    ("listStorage", Need::Viewer),
    ("storageHistory", Need::Viewer),
    ("subvolumeStorage", Need::Viewer),
    ("listTargets", Need::Viewer),
    ("getTarget", Need::Viewer),
    ("listSubvolumeTargets", Need::Viewer),
    ("listReplicas", Need::Viewer),
    ("listReplications", Need::Viewer),
    ("getReplication", Need::Viewer),
    ("getReplicationHealth", Need::Viewer),
    ("getSubvolumeReplicationHealth", Need::Viewer),
    // Day-to-day operations.
    ("createToken", Need::Operator),
    ("revokeToken", Need::Operator),
    ("manageSubvolume", Need::Operator),
    ("unmanageSubvolume", Need::Operator),
    ("syncSubvolume", Need::Operator),
    ("pruneSubvolume", Need::Operator),
    ("setSubvolumeRpo", Need::Operator),
    ("createSnapshot", Need::Operator),
    ("deleteSnapshot", Need::Operator),
    ("adoptSnapshot", Need::Operator),
    ("createPolicy", Need::Operator),
    ("updatePolicy", Need::Operator),
    ("deletePolicy", Need::Operator),
    ("assignPolicy", Need::Operator),
    ("unassignPolicy", Need::Operator),
    ("collectStorage", Need::Operator),
    ("addTarget", Need::Operator),
    ("updateTarget", Need::Operator),
    ("removeTarget", Need::Operator),
    ("requestReplication", Need::Operator),
    // Accounts, servers, the instance.
    ("listUsers", Need::Admin),
    ("createUser", Need::Admin),
    ("patchUser", Need::Admin),
    ("deleteUser", Need::Admin),
    ("patchInstance", Need::Admin),
    ("registerServer", Need::Admin),
    ("updateServer", Need::Admin),
    ("removeServer", Need::Admin),
    ("testServer", Need::Admin),
    ("probeServerHostKey", Need::Admin),
    ("acceptServerHostKey", Need::Admin),
    ("setStorageSettings", Need::Admin),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Need {
    Nobody,
    Viewer,
    Operator,
    Admin,
}

impl Need {
    fn allows(self, role: Role) -> bool {
        match self {
            Need::Nobody | Need::Viewer => true,
            Need::Operator => role.allows(Role::Operator),
            Need::Admin => role == Role::Admin,
        }
    }
}

/// Which credentials a matrix row is tried with.
enum Caller<'a> {
    Token(&'a str),
    Session(&'a Session),
}

impl Fixture {
    async fn call_as(&self, method: &Method, path: &str, caller: &Caller<'_>) -> StatusCode {
        let mut req = self.client.request(method.clone(), path);
        req = match caller {
            Caller::Token(token) => req.header("authorization", format!("Bearer {token}")),
            Caller::Session(s) => req
                .header("cookie", &s.cookie)
                .header("x-csrf-token", &s.csrf),
        };
        req.content_type("application/json")
            .body("{}")
            .send()
            .await
            .0
            .status()
    }

    /// An API token of `user` that expired a minute ago.
    async fn expired_token(&self, user: &str) -> String {
        let token = engine::accounts::secrets::new_token();
        let user_id = store::projections::auth::user_by_name(&self.state.pool, user)
            .await
            .unwrap()
            .unwrap()
            .user_id;
        let token_id = Uuid::now_v7();
        self.state
            .events
            .append(
                &StreamId::for_entity("token", token_id),
                ExpectedVersion::NoStream,
                &[DomainEvent::TokenCreated(TokenCreated {
                    token_id,
                    user_id,
                    name: "expired".into(),
                    role: Role::Admin,
                    secret_hash: engine::accounts::secrets::hash(&token),
                    expires_at: Some(Utc::now() - Duration::minutes(1)),
                })],
                &AppendMeta::new(Actor::System),
            )
            .await
            .unwrap();
        token
    }
}

#[sqlx::test(migrations = false)]
async fn the_authorization_matrix_holds_for_every_operation(pool: PgPool) {
    let f = fixture(pool).await;
    let spec: Value = serde_json::from_str(&api::openapi_json()).unwrap();
    let mut routes = routes();
    // Logging out ends the session it is called with: last.
    routes.sort_by_key(|(_, _, op)| op == "logout");

    // The table and the spec list the same operations.
    let mut in_spec: Vec<&str> = routes.iter().map(|(_, _, op)| op.as_str()).collect();
    let mut in_table: Vec<&str> = MATRIX.iter().map(|(op, _)| *op).collect();
    in_spec.sort_unstable();
    in_table.sort_unstable();
    assert_eq!(
        in_spec, in_table,
        "every operation needs a row in MATRIX (and every row an operation)"
    );

    let admin = f.session("admin", ADMIN_PW).await;
    let operator = f.session("operator", OPERATOR_PW).await;
    let viewer = f.session("viewer", VIEWER_PW).await;
    let tokens = [
        (Role::Viewer, f.token(&admin, "viewer", None).await),
        (Role::Operator, f.token(&admin, "operator", None).await),
        (Role::Admin, f.token(&admin, "admin", None).await),
    ];
    let sessions = [
        (Role::Viewer, &viewer),
        (Role::Operator, &operator),
        (Role::Admin, &admin),
    ];
    let expired = f.expired_token("admin").await;
    let revoked = f.token(&admin, "admin", None).await;
    let listed: Value = f
        .client
        .get("/api/v1/tokens")
        .header("authorization", format!("Bearer {revoked}"))
        .send()
        .await
        .json()
        .await
        .value()
        .deserialize();
    let revoked_id = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["role"] == "admin")
        .unwrap()["token_id"]
        .as_str()
        .unwrap()
        .to_owned();
    f.call_as(
        &Method::DELETE,
        &format!("/api/v1/tokens/{revoked_id}"),
        &Caller::Session(&admin),
    )
    .await;

    let mut probes = 0;
    for (method, path, op) in &routes {
        let need = MATRIX.iter().find(|(o, _)| o == op).unwrap().1;
        if need == Need::Nobody {
            assert_ne!(
                f.call(method, path, None).await,
                StatusCode::UNAUTHORIZED,
                "{op} is public"
            );
            probes += 1;
            continue;
        }
        assert_eq!(
            spec_security(&spec, op),
            ["bearerToken", "sessionCookie"],
            "{op} declares both schemes"
        );
        for (what, bearer) in [
            ("no credentials", None),
            ("a bogus token", Some("dbt_not-a-real-token")),
            ("an expired token", Some(expired.as_str())),
            ("a revoked token", Some(revoked.as_str())),
        ] {
            assert_eq!(
                f.call(method, path, bearer).await,
                StatusCode::UNAUTHORIZED,
                "{method} {path} ({op}) with {what}"
            );
            probes += 1;
        }
        let callers = tokens
            .iter()
            .map(|(role, t)| (*role, "token", Caller::Token(t)))
            .chain(
                sessions
                    .iter()
                    .map(|(role, s)| (*role, "session", Caller::Session(s))),
            );
        for (role, via, caller) in callers {
            let status = f.call_as(method, path, &caller).await;
            if need.allows(role) {
                assert!(
                    status != StatusCode::UNAUTHORIZED && status != StatusCode::FORBIDDEN,
                    "{op} as {role} {via}: {status}"
                );
            } else {
                assert_eq!(status, StatusCode::FORBIDDEN, "{op} as {role} {via}");
            }
            probes += 1;
        }
    }
    // 63 operations x 10 callers, less the public ones: the matrix is not empty.
    assert!(probes >= 600, "{probes} probes");
}

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

fn spec_security(spec: &Value, op_id: &str) -> Vec<String> {
    for ops in spec["paths"].as_object().unwrap().values() {
        for op in ops.as_object().unwrap().values() {
            if op["operationId"] == op_id {
                return op["security"]
                    .as_array()
                    .map(|alts| {
                        alts.iter()
                            .flat_map(|a| a.as_object().unwrap().keys().cloned())
                            .collect()
                    })
                    .unwrap_or_default();
            }
        }
    }
    panic!("no operation {op_id}")
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
