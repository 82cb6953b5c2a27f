//! Security properties measured from outside, as an attacker would: the API served on
//! a real loopback socket (so client addresses are real: requests come from
//! 127.0.0.2, 127.0.0.3, ...), a real Postgres database per test, many concurrent
//! requests where the property is about a race.

use std::net::IpAddr;
use std::sync::Arc;

use api::AppState;
use domain::{Actor, Role};
use engine::accounts as users;
use engine::accounts::hashing::{HashGate, QUEUE};
use futures::future::join_all;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::PgPool;

const ADMIN_PW: &str = "admin-password-123";
const ADMIN2_PW: &str = "second-admin-password";
const VIEWER_PW: &str = "viewer-password-456";
const OPERATOR_PW: &str = "operator-password-789";

struct Server {
    base: String,
    pool: PgPool,
}

/// The app with an admin, a second admin and a viewer, on 127.0.0.1:<free port>.
async fn serve(pool: PgPool, tune: impl FnOnce(&mut AppState)) -> Server {
    use poem::listener::{Acceptor, Listener};
    store::db::migrate(&pool).await.unwrap();
    let mut state = AppState::new(pool.clone());
    for (name, pw, role) in [
        ("admin", ADMIN_PW, Role::Admin),
        ("admin2", ADMIN2_PW, Role::Admin),
        ("viewer", VIEWER_PW, Role::Viewer),
        ("operator", OPERATOR_PW, Role::Operator),
    ] {
        users::create_user(&state.events, name, pw, role, Actor::System)
            .await
            .unwrap();
    }
    tune(&mut state);
    let acceptor = poem::listener::TcpListener::bind("127.0.0.1:0")
        .into_acceptor()
        .await
        .unwrap();
    let addr = acceptor.local_addr()[0].as_socket_addr().copied().unwrap();
    tokio::spawn(poem::Server::new_with_acceptor(acceptor).run(api::app(state, None)));
    Server {
        base: format!("http://{addr}"),
        pool,
    }
}

/// An HTTP client whose requests come from `from` (a loopback address).
fn client_from(from: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(from.parse::<IpAddr>().unwrap())
        .build()
        .unwrap()
}

impl Server {
    fn url(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.base)
    }

    async fn login(&self, http: &reqwest::Client, user: &str, pw: &str) -> reqwest::Response {
        http.post(self.url("/auth/login"))
            .json(&json!({"username": user, "password": pw}))
            .send()
            .await
            .unwrap()
    }

    /// A logged-in session: (cookie, CSRF token).
    async fn session(&self, http: &reqwest::Client, user: &str, pw: &str) -> (String, String) {
        let resp = self.login(http, user, pw).await;
        assert_eq!(resp.status(), StatusCode::OK, "{user} logs in");
        let cookie = resp.headers()["set-cookie"].to_str().unwrap();
        let cookie = cookie.split(';').next().unwrap().to_owned();
        let body: Value = resp.json().await.unwrap();
        (cookie, body["csrf_token"].as_str().unwrap().to_owned())
    }

    async fn events_of(&self, event_type: &str) -> Vec<Value> {
        sqlx::query_scalar("SELECT payload FROM events WHERE event_type = $1 ORDER BY global_seq")
            .bind(event_type)
            .fetch_all(&self.pool)
            .await
            .unwrap()
    }

    async fn admins(&self) -> i64 {
        store::projections::auth::count_admins(&self.pool)
            .await
            .unwrap()
    }

    async fn user_id(&self, name: &str) -> String {
        store::projections::auth::user_by_name(&self.pool, name)
            .await
            .unwrap()
            .unwrap()
            .user_id
            .to_string()
    }
}

#[sqlx::test(migrations = false)]
async fn concurrent_wrong_passwords_are_throttled_before_the_hash_and_all_recorded(pool: PgPool) {
    let server = serve(pool, |_| {}).await;
    let attacker = client_from("127.0.0.2");
    let tries = join_all((0..60).map(|i| {
        let (server, attacker) = (&server, &attacker);
        async move {
            let resp = server
                .login(attacker, "admin", &format!("wrong-guess-{i}"))
                .await;
            let retry_after = resp.headers().get("retry-after").cloned();
            let content_type = resp.headers()["content-type"].to_str().unwrap().to_owned();
            (resp.status(), retry_after, content_type)
        }
    }))
    .await;
    let checked = tries
        .iter()
        .filter(|(s, _, _)| *s == StatusCode::UNAUTHORIZED)
        .count();
    let throttled: Vec<_> = tries
        .iter()
        .filter(|(s, _, _)| *s == StatusCode::TOO_MANY_REQUESTS)
        .collect();
    // The limit is 5 per (user, address): only 5 of 60 concurrent guesses were checked.
    assert_eq!(checked, 5, "{tries:?}");
    assert_eq!(throttled.len(), 55, "{tries:?}");
    for (_, retry_after, content_type) in &throttled {
        let secs: u64 = retry_after
            .as_ref()
            .unwrap()
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(secs >= 1, "Retry-After in seconds");
        assert_eq!(content_type, "application/problem+json");
    }
    // Every attempt left an event: 5 failures, 55 throttled, none lost to the race.
    let failed = server.events_of("LoginFailed").await;
    let refused = server.events_of("LoginThrottled").await;
    assert_eq!((failed.len(), refused.len()), (5, 55));
    assert!(
        failed
            .iter()
            .chain(&refused)
            .all(|e| e["client"] == "127.0.0.2" && e["username"] == "admin")
    );

    // The stranger did not lock the admin out of another address.
    let admin = client_from("127.0.0.3");
    assert_eq!(
        server.login(&admin, "admin", ADMIN_PW).await.status(),
        StatusCode::OK
    );
    // ... but the attacker's address stays throttled, even with the right password.
    assert_eq!(
        server.login(&attacker, "admin", ADMIN_PW).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(server.events_of("SessionStarted").await.len(), 1);
}

#[sqlx::test(migrations = false)]
async fn forwarded_for_is_believed_only_from_a_trusted_proxy(pool: PgPool) {
    let trusting = serve(pool.clone(), |state| {
        state.trusted_proxies = Arc::new(vec!["127.0.0.2/32".parse().unwrap()]);
    })
    .await;
    for (from, expected) in [("127.0.0.2", "127.0.0.99"), ("127.0.0.4", "127.0.0.4")] {
        let resp = client_from(from)
            .post(trusting.url("/auth/login"))
            .header("x-forwarded-for", "127.0.0.99")
            .json(&json!({"username": "admin", "password": "not-the-password"}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
        let failed = trusting.events_of("LoginFailed").await;
        assert_eq!(failed.last().unwrap()["client"], expected, "from {from}");
    }
}

#[sqlx::test(migrations = false)]
async fn password_hashing_is_bounded_under_a_login_flood(pool: PgPool) {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    // Its own gate, so the flood does not turn other tests' logins away.
    let gate: &'static HashGate = Box::leak(Box::new(HashGate::new(cores, QUEUE)));
    let server = serve(pool, |state| state.hash_gate = gate).await;
    // 80 logins at once from 80 addresses for 80 names: no limiter applies, so only
    // the hash gate stands between them and 80 argon2 buffers.
    let tries = join_all((0..80).map(|i| {
        let server = &server;
        async move {
            let http = client_from(&format!("127.0.1.{}", i + 1));
            let resp = server
                .login(&http, &format!("nobody{i}"), "some-password-here")
                .await;
            (resp.status(), resp.headers().get("retry-after").cloned())
        }
    }))
    .await;
    let peak = gate.peak();
    assert!(peak <= cores, "{peak} hashes ran at once on {cores} cores");
    for (status, retry_after) in &tries {
        match *status {
            StatusCode::UNAUTHORIZED => {}
            StatusCode::SERVICE_UNAVAILABLE => assert!(retry_after.is_some()),
            other => panic!("unexpected {other}"),
        }
    }
    // Every attempt is recorded, refused for load ("busy") or failed.
    let recorded = server.events_of("LoginFailed").await.len()
        + server.events_of("LoginThrottled").await.len();
    assert_eq!(recorded, 80);
}

#[sqlx::test(migrations = false)]
async fn two_admins_demoting_each_other_at_once_leave_an_admin(pool: PgPool) {
    let server = serve(pool, |_| {}).await;
    let http = client_from("127.0.0.5");
    let ids = [
        server.user_id("admin").await,
        server.user_id("admin2").await,
    ];
    for round in 0..10 {
        let s1 = server.session(&http, "admin", ADMIN_PW).await;
        let s2 = server.session(&http, "admin2", ADMIN2_PW).await;
        // Each demotes the other at the same moment.
        let demote = |(cookie, csrf): &(String, String), target: &str| {
            http.patch(server.url(&format!("/users/{target}")))
                .header("cookie", cookie)
                .header("x-csrf-token", csrf)
                .json(&json!({"role": "viewer"}))
                .send()
        };
        let (a, b) = tokio::join!(demote(&s1, &ids[1]), demote(&s2, &ids[0]));
        let statuses = [a.unwrap().status(), b.unwrap().status()];
        assert_eq!(server.admins().await, 1, "round {round}: {statuses:?}");
        // One won; the other was refused: 409 (the last admin) when both checks ran
        // at once, 403 when the loser was already demoted by the time it was
        // authenticated.
        let mut sorted = statuses;
        sorted.sort();
        assert_eq!(sorted[0], StatusCode::OK, "round {round}: {statuses:?}");
        assert!(
            [StatusCode::FORBIDDEN, StatusCode::CONFLICT].contains(&sorted[1]),
            "round {round}: {statuses:?}"
        );
        // Put both back for the next round, through the CLI's path.
        let events = store::EventStore::new(server.pool.clone());
        for id in &ids {
            users::set_role(&events, id.parse().unwrap(), Role::Admin, Actor::System)
                .await
                .unwrap();
        }
    }
    // Deleting each other at once: one admin remains as well.
    let s1 = server.session(&http, "admin", ADMIN_PW).await;
    let s2 = server.session(&http, "admin2", ADMIN2_PW).await;
    let delete = |(cookie, csrf): &(String, String), target: &str| {
        http.delete(server.url(&format!("/users/{target}")))
            .header("cookie", cookie)
            .header("x-csrf-token", csrf)
            .send()
    };
    let (a, b) = tokio::join!(delete(&s1, &ids[1]), delete(&s2, &ids[0]));
    let statuses = [a.unwrap().status(), b.unwrap().status()];
    assert_eq!(server.admins().await, 1, "{statuses:?}");
}

#[sqlx::test(migrations = false)]
async fn oversized_bodies_duplicate_keys_and_long_passwords_are_refused(pool: PgPool) {
    let server = serve(pool, |state| state.max_body_bytes = 64 * 1024).await;
    let http = client_from("127.0.0.6");
    let big = format!(
        r#"{{"username":"admin","password":"{}"}}"#,
        "x".repeat(2 * 1024 * 1024)
    );
    // With a Content-Length ...
    let resp = http
        .post(server.url("/auth/login"))
        .header("content-type", "application/json")
        .body(big.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(resp.headers()["content-type"], "application/problem+json");
    // ... and chunked, without one.
    let chunks = futures::stream::iter(
        big.into_bytes()
            .chunks(16 * 1024)
            .map(|c| Ok::<_, std::io::Error>(c.to_vec()))
            .collect::<Vec<_>>(),
    );
    let resp = http
        .post(server.url("/auth/login"))
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(chunks))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::PAYLOAD_TOO_LARGE);
    // Neither was looked at: no login attempt recorded.
    assert!(server.events_of("LoginFailed").await.is_empty());

    let resp = http
        .post(server.url("/auth/login"))
        .header("content-type", "application/json")
        .body(format!(
            r#"{{"username":"viewer","password":"wrong","password":"{VIEWER_PW}"}}"#
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let problem: Value = resp.json().await.unwrap();
    assert!(
        problem["detail"].as_str().unwrap().contains("twice"),
        "{problem}"
    );
    assert!(server.events_of("SessionStarted").await.is_empty());

    let resp = server.login(&http, "admin", &"p".repeat(1025)).await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let problem: Value = resp.json().await.unwrap();
    assert_eq!(problem["field"], "password", "{problem}");
}

#[sqlx::test(migrations = false)]
async fn nul_characters_are_a_400_before_postgres_sees_them(pool: PgPool) {
    use base64::Engine as _;
    let server = serve(pool, |_| {}).await;
    let http = client_from("127.0.0.12");
    let (cookie, csrf) = server.session(&http, "admin", ADMIN_PW).await;
    let nul_cursor = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(r#""a\u0000""#);
    let cases = [
        // The body a fuzzer found (it was a 500: Postgres refused the NUL).
        http.post(server.url("/auth/login"))
            .header("content-type", "application/json")
            .body(r#"{"<x": ["undefined"], "username": "\u0000\u00f5[+C", "password": "pw"}"#)
            .build()
            .unwrap(),
        http.post(server.url("/servers"))
            .header("cookie", &cookie)
            .header("x-csrf-token", &csrf)
            .header("content-type", "application/json")
            .body(r#"{"name": "db\u0000", "address": "127.0.0.10", "username": "root"}"#)
            .build()
            .unwrap(),
        http.get(server.url("/events?q=a%00b"))
            .header("cookie", &cookie)
            .build()
            .unwrap(),
        http.get(server.url(&format!("/servers?after={nul_cursor}")))
            .header("cookie", &cookie)
            .build()
            .unwrap(),
    ];
    for req in cases {
        let what = format!("{} {}", req.method(), req.url());
        let resp = http.execute(req).await.unwrap();
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{what}");
        let problem: Value = resp.json().await.unwrap();
        assert_eq!(problem["status"], 400, "{what}: {problem}");
    }
    // Nothing was recorded or created.
    assert!(server.events_of("LoginFailed").await.is_empty());
    assert!(server.events_of("ServerRegistered").await.is_empty());
    // A user name no account can have is a plain 401, not a lookup.
    let resp = server.login(&http, "Not A User\u{1}", "pw").await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
}

#[sqlx::test(migrations = false)]
async fn every_response_carries_the_security_headers(pool: PgPool) {
    let server = serve(pool, |_| {}).await;
    let http = client_from("127.0.0.7");
    for path in ["/api/v1/health", "/api/v1/nope", "/", "/api/docs"] {
        let resp = http
            .get(format!("{}{path}", server.base))
            .send()
            .await
            .unwrap();
        let h = resp.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        let script_src = csp
            .split(';')
            .find(|d| d.trim().starts_with("script-src"))
            .unwrap();
        assert!(!script_src.contains("unsafe-inline"), "{path}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["referrer-policy"], "no-referrer", "{path}");
        assert!(
            h.get("strict-transport-security").is_none(),
            "no HSTS without TLS"
        );
        if path.starts_with("/api/v1") {
            assert_eq!(h["cache-control"], "no-store", "{path}");
        }
        if path == "/api/v1/nope" {
            assert_eq!(h["content-type"], "application/problem+json");
        }
        if path == "/api/docs" {
            // The docs page's own inline scripts are allowed by hash, nothing else.
            assert!(script_src.contains("'sha256-"), "{csp}");
        }
    }
    // The login response, which sets the session cookie, is never cached.
    let resp = server.login(&http, "admin", ADMIN_PW).await;
    assert_eq!(resp.headers()["cache-control"], "no-store");
}

#[sqlx::test(migrations = false)]
async fn password_rules_and_changing_your_own_password(pool: PgPool) {
    let server = serve(pool, |_| {}).await;
    let http = client_from("127.0.0.8");
    let (cookie, csrf) = server.session(&http, "admin", ADMIN_PW).await;
    let post = |path: &str, body: Value| {
        http.post(server.url(path))
            .header("cookie", &cookie)
            .header("x-csrf-token", &csrf)
            .json(&body)
            .send()
    };
    for (password, why) in [
        ("short-pw", "at least 12"),
        ("qwerty123456", "too common"),
        ("with\u{7}bell-char", "control"),
    ] {
        let resp = post(
            "/users",
            json!({"username": "carol", "password": password, "role": "viewer"}),
        )
        .await
        .unwrap();
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{password}");
        let problem: Value = resp.json().await.unwrap();
        assert_eq!(problem["field"], "password");
        assert!(
            problem["detail"].as_str().unwrap().contains(why),
            "{problem}"
        );
    }

    // The operator makes a token, then changes the password.
    let operator = server.session(&http, "operator", OPERATOR_PW).await;
    let as_operator = |path: &str, body: Value| {
        http.post(server.url(path))
            .header("cookie", &operator.0)
            .header("x-csrf-token", &operator.1)
            .json(&body)
            .send()
    };
    let token: Value = as_operator("/tokens", json!({"name": "script"}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = token["token"].as_str().unwrap().to_owned();
    let resp = as_operator(
        "/auth/password",
        json!({"current_password": "not-my-password", "new_password": "a-brand-new-passphrase"}),
    )
    .await
    .unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    let problem: Value = resp.json().await.unwrap();
    assert_eq!(problem["field"], "current_password");
    let resp = as_operator(
        "/auth/password",
        json!({"current_password": OPERATOR_PW, "new_password": "a-brand-new-passphrase"}),
    )
    .await
    .unwrap();
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    let me = |auth: (&str, String)| {
        http.get(server.url("/auth/me"))
            .header(auth.0, auth.1)
            .send()
    };
    // The session ended, the token was revoked, the new password works.
    assert_eq!(
        me(("cookie", operator.0.clone())).await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        me(("authorization", format!("Bearer {token}")))
            .await
            .unwrap()
            .status(),
        StatusCode::UNAUTHORIZED
    );
    let operator = server
        .session(&http, "operator", "a-brand-new-passphrase")
        .await;

    // With keep_tokens, a token survives the change.
    let resp = http
        .post(server.url("/tokens"))
        .header("cookie", &operator.0)
        .header("x-csrf-token", &operator.1)
        .json(&json!({"name": "kept"}))
        .send()
        .await
        .unwrap();
    let kept: Value = resp.json().await.unwrap();
    let resp = http
        .post(server.url("/auth/password"))
        .header("cookie", &operator.0)
        .header("x-csrf-token", &operator.1)
        .json(&json!({"current_password": "a-brand-new-passphrase",
                      "new_password": "yet-another-passphrase", "keep_tokens": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        me((
            "authorization",
            format!("Bearer {}", kept["token"].as_str().unwrap())
        ))
        .await
        .unwrap()
        .status(),
        StatusCode::OK
    );
}

#[sqlx::test(migrations = false)]
async fn only_admins_see_what_was_typed_into_failed_logins(pool: PgPool) {
    let server = serve(pool, |_| {}).await;
    let http = client_from("127.0.0.9");
    let typed = "mallory-typed-this";
    assert_eq!(
        server
            .login(&http, typed, "guess-guess-guess")
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    let summaries = |(cookie, _): (String, String)| {
        let http = http.clone();
        let url = server.url("/events?limit=50");
        async move {
            let page: Value = http
                .get(url)
                .header("cookie", cookie)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|e| e["event_type"] == "LoginFailed")
                .map(|e| e["summary"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    let viewer = summaries(server.session(&http, "viewer", VIEWER_PW).await).await;
    let admin = summaries(server.session(&http, "admin", ADMIN_PW).await).await;
    assert_eq!((viewer.len(), admin.len()), (1, 1));
    assert!(
        !viewer[0].contains(typed) && !viewer[0].contains("127.0.0.9"),
        "{viewer:?}"
    );
    assert!(
        admin[0].contains(typed) && admin[0].contains("127.0.0.9"),
        "{admin:?}"
    );
}

#[sqlx::test(migrations = false)]
async fn the_host_key_probe_is_rate_limited_and_no_port_scanner(pool: PgPool) {
    let server = serve(pool, |state| {
        state.probe_failure_floor = std::time::Duration::from_millis(200);
    })
    .await;
    let http = client_from("127.0.0.10");
    let (cookie, csrf) = server.session(&http, "admin", ADMIN_PW).await;
    let probe = |port: u16| {
        http.post(server.url("/servers/probe-host-key"))
            .header("cookie", &cookie)
            .header("x-csrf-token", &csrf)
            .json(&json!({"address": "127.0.0.1", "port": port}))
            .send()
    };
    // Three kinds of "not an SSH server": a closed port, a port that hangs up at once,
    // a port that speaks something else.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let hangs_up = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hangs_up_port = hangs_up.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((socket, _)) = hangs_up.accept().await {
            drop(socket);
        }
    });
    let speaks_http = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let speaks_http_port = speaks_http.local_addr().unwrap().port();
    tokio::spawn(async move {
        use tokio::io::AsyncWriteExt;
        while let Ok((mut socket, _)) = speaks_http.accept().await {
            let _ = socket.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n").await;
        }
    });
    let mut answers = Vec::new();
    for port in [closed, hangs_up_port, speaks_http_port] {
        let resp = probe(port).await.unwrap();
        let status = resp.status();
        let body: Value = resp.json().await.unwrap();
        answers.push((status, body));
    }
    assert_eq!(answers[0].0, StatusCode::SERVICE_UNAVAILABLE, "{answers:?}");
    assert!(
        answers.iter().all(|a| a == &answers[0]),
        "every failure looks the same: {answers:?}"
    );
    // 10 a minute per admin: 3 made, 7 more pass, the 11th is refused.
    for _ in 0..7 {
        assert_ne!(
            probe(closed).await.unwrap().status(),
            StatusCode::TOO_MANY_REQUESTS
        );
    }
    let resp = probe(closed).await.unwrap();
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(resp.headers().get("retry-after").is_some());
}

#[sqlx::test(migrations = false)]
async fn every_error_is_a_problem_with_one_type_scheme(pool: PgPool) {
    let server = serve(pool, |_| {}).await;
    let http = client_from("127.0.0.11");
    let (cookie, csrf) = server.session(&http, "viewer", VIEWER_PW).await;
    let cases = [
        // 401 from the auth extractor, 403 for a viewer, 404 route and entity, 405,
        // 400 from the JSON parser, 400 from a handler, 413.
        http.get(server.url("/instance")).build().unwrap(),
        http.post(server.url("/users"))
            .header("cookie", &cookie)
            .header("x-csrf-token", &csrf)
            .json(&json!({}))
            .build()
            .unwrap(),
        http.get(server.url("/no/such/route")).build().unwrap(),
        http.get(server.url(&format!("/servers/{}", uuid::Uuid::now_v7())))
            .header("cookie", &cookie)
            .build()
            .unwrap(),
        http.put(server.url("/health")).build().unwrap(),
        http.post(server.url("/auth/login"))
            .header("content-type", "application/json")
            .body("{not json")
            .build()
            .unwrap(),
        http.get(server.url("/events?limit=0"))
            .header("cookie", &cookie)
            .build()
            .unwrap(),
        http.post(server.url("/auth/login"))
            .header("content-type", "application/json")
            .body("x".repeat(2 * 1024 * 1024))
            .build()
            .unwrap(),
    ];
    let mut statuses = Vec::new();
    for req in cases {
        let what = format!("{} {}", req.method(), req.url().path());
        let resp = http.execute(req).await.unwrap();
        let status = resp.status();
        assert!(status.is_client_error(), "{what}: {status}");
        assert_eq!(
            resp.headers()["content-type"],
            "application/problem+json",
            "{what}"
        );
        let body: Value = resp.json().await.unwrap();
        assert!(
            body["type"].as_str().unwrap().starts_with("/problems/"),
            "{what}: {body}"
        );
        assert_eq!(body["status"], status.as_u16(), "{what}: {body}");
        statuses.push(status.as_u16());
    }
    assert_eq!(statuses, [401, 403, 404, 404, 405, 400, 400, 413]);
}

#[sqlx::test(migrations = false)]
async fn bodies_of_the_wrong_types_are_refused_and_a_405_names_the_methods(pool: PgPool) {
    let server = serve(pool, |_| {}).await;
    let http = client_from("127.0.0.12");
    let (cookie, csrf) = server.session(&http, "admin", ADMIN_PW).await;
    // poem-openapi alone would read `false` and `7` as the names "false" and "7".
    for (body, detail) in [
        (
            json!({ "name": false }),
            "name: expected a string, got a boolean",
        ),
        (
            json!({ "name": 7 }),
            "name: expected a string, got a number",
        ),
    ] {
        let resp = http
            .patch(server.url("/instance"))
            .header("cookie", &cookie)
            .header("x-csrf-token", &csrf)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
        assert_eq!(resp.headers()["content-type"], "application/problem+json");
        let problem: Value = resp.json().await.unwrap();
        assert_eq!(problem["field"], "name", "{problem}");
        assert_eq!(problem["detail"], detail, "{problem}");
    }
    let instance: Value = http
        .get(server.url("/instance"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(instance["name"], Value::Null, "nothing changed: {instance}");
    assert!(server.events_of("InstanceRenamed").await.is_empty());

    let resp = http.put(server.url("/health")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(resp.headers()["allow"], "GET");
    let resp = http
        .get(server.url("/servers/probe-host-key"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(resp.headers()["allow"], "POST");
}
