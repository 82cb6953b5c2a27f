//! SSH servers over HTTP (poem's `TestClient` over `api::app`) with a real Postgres (a
//! fresh database per test), a real vault (master key in a temp dir) and the lab's sshds
//! (`eval "$(ops/lab env)"`). Only 127.0.0.0/8 addresses are used.

use std::sync::Arc;

use domain::Role;
use poem::http::StatusCode;
use serde_json::{Value, json};
use sqlx::PgPool;
use testkit::TestApp;
use testkit::env;
use testkit::lab::{Remote, remote};

/// The API as an admin with a vault (master key in `key_dir`) and SSH connections only:
/// no local primary.
struct Setup {
    api: TestApp,
    key_dir: tempfile::TempDir,
    hosts: Arc<engine::HostRegistry>,
}

impl std::ops::Deref for Setup {
    type Target = TestApp;
    fn deref(&self) -> &TestApp {
        &self.api
    }
}

async fn spawn(pool: PgPool) -> Setup {
    store::db::migrate(&pool).await.unwrap();
    let key_dir = tempfile::tempdir().unwrap();
    let vault = Arc::new(
        store::vault::open_vault(pool.clone(), &key_dir.path().join("master.key"))
            .await
            .unwrap(),
    );
    let hosts = Arc::new(engine::HostRegistry::new().with_connector(Arc::new(
        engine::ssh_servers::VaultConnector::new(vault.clone()),
    )));
    let state = api::AppState::with_hosts(pool, hosts.clone()).with_vault(vault);
    Setup {
        api: TestApp::start(state, Role::Admin).await,
        key_dir,
        hosts,
    }
}

impl Setup {
    /// (events, vault rows, servers)
    async fn stored(&self) -> (i64, i64, i64) {
        (
            self.count("SELECT count(*) FROM events").await,
            self.count("SELECT count(*) FROM vault_secrets").await,
            self.count("SELECT count(*) FROM proj_servers").await,
        )
    }

    async fn register(&self, body: Value) -> (StatusCode, Value) {
        self.send("POST", "/api/v1/servers", Some(body)).await
    }
}

fn password_body(name: &str, r: &Remote) -> Value {
    json!({"name": name, "address": r.addr, "port": r.port, "username": env("LAB_SSH_USER"),
           "password": env("LAB_SSH_PASSWORD"), "role": "remote", "sudo": true,
           "allowed_roots": [env("LAB_REMOTE_MOUNT")]})
}

fn key_body(name: &str, r: &Remote) -> Value {
    json!({"name": name, "address": r.addr, "port": r.port, "username": env("LAB_SSH_USER"),
           "private_key": testkit::lab::private_key(),
           "role": "remote", "sudo": true, "allowed_roots": [env("LAB_REMOTE_MOUNT")]})
}

#[sqlx::test(migrations = false)]
async fn password_and_key_servers_lifecycle_secrets_and_rotation(pool: PgPool) {
    let app = spawn(pool).await;
    let (r1, r2) = (remote(1), remote(2));

    let (status, s1) = app.register(password_body("remote1", &r1)).await;
    assert_eq!(status, StatusCode::CREATED, "{s1}");
    assert_eq!(s1["host_key_fingerprint"], r1.fpr.as_str());
    assert_eq!(s1["credential_kind"], "password");
    assert_eq!(s1["sudo"], true);
    let (status, s2) = app.register(key_body("remote2", &r2)).await;
    assert_eq!(status, StatusCode::CREATED, "{s2}");
    assert_eq!(s2["host_key_fingerprint"], r2.fpr.as_str());
    assert_eq!(s2["credential_kind"], "key");
    let id1 = s1["id"].as_str().unwrap().to_owned();
    let id2 = s2["id"].as_str().unwrap().to_owned();

    // Events: registered, pinned, credential kind.
    let types: Vec<String> = sqlx::query_scalar(
        "SELECT event_type FROM events WHERE stream_id = $1 ORDER BY stream_version",
    )
    .bind(format!("server-{id1}"))
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        types,
        [
            "ServerRegistered",
            "ServerHostKeyPinned",
            "ServerCredentialsChanged"
        ]
    );

    // Checks with the stored credentials and the pinned key.
    for id in [&id1, &id2] {
        let (status, checks) = app
            .send("POST", &format!("/api/v1/servers/{id}/test"), None)
            .await;
        assert_eq!(status, StatusCode::OK, "{checks}");
        let checks = checks.as_array().unwrap();
        assert!(checks.len() >= 4, "{checks:?}");
        assert!(checks.iter().all(|c| c["ok"] == true), "{checks:?}");
        assert!(checks.iter().any(|c| c["name"] == "btrfs_version"));
    }

    // No secret in any response, event, projection or vault row.
    let password = env("LAB_SSH_PASSWORD");
    let key_text = std::fs::read_to_string(env("LAB_SSH_KEY")).unwrap();
    let key_line = key_text
        .lines()
        .find(|l| l.len() > 40 && !l.starts_with("-----"))
        .unwrap()
        .to_owned();
    let (_, list) = app.send("GET", "/api/v1/servers", None).await;
    let dumps = [
        list.to_string(),
        app.send("GET", "/api/v1/events", None).await.1.to_string(),
        sqlx::query_scalar::<_, String>(
            "SELECT coalesce(string_agg(payload::text, ' '), '') FROM events",
        )
        .fetch_one(&app.pool)
        .await
        .unwrap(),
        sqlx::query_scalar::<_, String>(
            "SELECT coalesce(string_agg(t::text, ' '), '') FROM proj_servers t",
        )
        .fetch_one(&app.pool)
        .await
        .unwrap(),
        sqlx::query_scalar::<_, String>(
            "SELECT coalesce(string_agg(t::text, ' '), '') FROM proj_audit t",
        )
        .fetch_one(&app.pool)
        .await
        .unwrap(),
    ];
    let raw: Vec<Vec<u8>> = sqlx::query_scalar("SELECT ciphertext FROM vault_secrets")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert_eq!(raw.len(), 2);
    for blob in &raw {
        let hay = String::from_utf8_lossy(blob);
        assert!(!hay.contains(&password) && !hay.contains("OPENSSH"));
        assert!(
            !blob
                .windows(password.len())
                .any(|w| w == password.as_bytes())
        );
    }
    for d in &dumps {
        assert!(!d.contains(&password), "password leaked: {d}");
        assert!(
            !d.contains(&key_line) && !d.contains("PRIVATE KEY"),
            "key leaked: {d}"
        );
    }

    // PATCH: rename, new (empty) password refused naming the field.
    let (status, p) = app
        .send(
            "PATCH",
            &format!("/api/v1/servers/{id2}"),
            Some(json!({"name": "remote-two"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{p}");
    assert_eq!(p["name"], "remote-two");
    let before = app.stored().await;
    let (status, p) = app
        .send(
            "PATCH",
            &format!("/api/v1/servers/{id2}"),
            Some(json!({"password": ""})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{p}");
    assert!(p["detail"].as_str().unwrap().contains("password"), "{p}");
    assert_eq!(app.stored().await, before);
    // Switch remote1 to key credentials.
    let (status, p) = app
        .send(
            "PATCH",
            &format!("/api/v1/servers/{id1}"),
            Some(json!({"private_key": key_text})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{p}");
    assert_eq!(p["credential_kind"], "key");

    // `dist-btrfs vault rotate-key`: every server still reachable via the connector.
    let key_file = app.key_dir.path().join("master.key");
    let (count, _) = store::vault::rotate_key_file(app.pool.clone(), &key_file)
        .await
        .unwrap();
    assert_eq!(count, 2);
    let vault = Arc::new(
        store::vault::open_vault(app.pool.clone(), &key_file)
            .await
            .unwrap(),
    );
    let connector = engine::ssh_servers::VaultConnector::new(vault);
    use engine::hosts::Connector;
    for server in store::projections::servers(&app.pool).await.unwrap() {
        let host = connector.connect(&server).await.unwrap();
        let v = btrfs::Btrfs::new(host)
            .with_sudo(server.sudo)
            .version()
            .await;
        assert!(v.is_ok(), "{}: {v:?}", server.name);
    }

    // DELETE removes the server and its secrets.
    let (status, _) = app
        .send("DELETE", &format!("/api/v1/servers/{id2}"), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM vault_secrets WHERE owner_id = '{id2}'"
        ))
        .await,
        0
    );
    let (status, _) = app
        .send("GET", &format!("/api/v1/servers/{id2}"), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[sqlx::test(migrations = false)]
async fn bad_input_and_wrong_password_store_nothing(pool: PgPool) {
    let app = spawn(pool).await;
    let r1 = remote(1);
    let (status, _) = app.register(password_body("taken", &r1)).await;
    assert_eq!(status, StatusCode::CREATED);
    let before = app.stored().await;

    let with = |patch: Value| {
        let mut b = password_body("new1", &r1);
        for (k, v) in patch.as_object().unwrap() {
            if v.is_null() {
                b.as_object_mut().unwrap().remove(k);
            } else {
                b[k] = v.clone();
            }
        }
        b
    };
    let cases: Vec<(&str, Value, StatusCode, &str)> = vec![
        (
            "wrong password",
            with(json!({"password": "not-the-password"})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "connect",
        ),
        (
            "empty password",
            with(json!({"password": ""})),
            StatusCode::BAD_REQUEST,
            "password",
        ),
        (
            "malformed key",
            with(
                json!({"password": null, "private_key": "-----BEGIN OPENSSH PRIVATE KEY-----\nnope\n-----END OPENSSH PRIVATE KEY-----\n"}),
            ),
            StatusCode::BAD_REQUEST,
            "private_key",
        ),
        (
            "no credentials",
            with(json!({"password": null})),
            StatusCode::BAD_REQUEST,
            "password",
        ),
        (
            "port 0",
            with(json!({"port": 0})),
            StatusCode::BAD_REQUEST,
            "port",
        ),
        (
            "port 70000",
            with(json!({"port": 70000})),
            StatusCode::BAD_REQUEST,
            "port",
        ),
        (
            "address with space",
            with(json!({"address": "127.0.0.11 x"})),
            StatusCode::BAD_REQUEST,
            "address",
        ),
        (
            "address with shell",
            with(json!({"address": "127.0.0.11;id"})),
            StatusCode::BAD_REQUEST,
            "address",
        ),
        (
            "address subst",
            with(json!({"address": "$(reboot)"})),
            StatusCode::BAD_REQUEST,
            "address",
        ),
        (
            "duplicate name",
            with(json!({"name": "taken"})),
            StatusCode::CONFLICT,
            "name",
        ),
        (
            "bad name",
            with(json!({"name": "../x"})),
            StatusCode::BAD_REQUEST,
            "name",
        ),
        (
            "relative root",
            with(json!({"allowed_roots": ["srv"]})),
            StatusCode::BAD_REQUEST,
            "allowed_roots",
        ),
        (
            "bad username",
            with(json!({"username": "-oProxyCommand=x"})),
            StatusCode::BAD_REQUEST,
            "username",
        ),
    ];
    for (what, body, want, field) in cases {
        let (status, p) = app.register(body).await;
        assert_eq!(status, want, "{what}: {p}");
        assert!(
            p["detail"].as_str().unwrap_or_default().contains(field),
            "{what}: detail should name {field}: {p}"
        );
        assert_eq!(app.stored().await, before, "{what}: something was stored");
    }
    // The wrong password's message is clear.
    let (_, p) = app.register(with(json!({"password": "nope-nope"}))).await;
    let detail = p["detail"].as_str().unwrap().to_lowercase();
    assert!(detail.contains("auth"), "{p}");
    assert!(!detail.contains("nope-nope"), "{p}");
}

#[sqlx::test(migrations = false)]
async fn changed_host_key_is_refused_until_accepted_and_force(pool: PgPool) {
    let app = spawn(pool).await;
    let (r1, r2, r3) = (remote(1), remote(2), remote(3));
    let (status, s1) = app.register(password_body("remote1", &r1)).await;
    assert_eq!(status, StatusCode::CREATED, "{s1}");
    let id = s1["id"].as_str().unwrap().to_owned();

    // Pretend remote1's key changed: the recorded pin is remote2's key.
    sqlx::query("UPDATE proj_servers SET host_key_fingerprint = $2 WHERE server_id = $1")
        .bind(uuid::Uuid::parse_str(&id).unwrap())
        .bind(&r2.fpr)
        .execute(&app.pool)
        .await
        .unwrap();
    app.hosts.forget(domain::ServerId::from_uuid(
        uuid::Uuid::parse_str(&id).unwrap(),
    ));
    let (status, checks) = app
        .send("POST", &format!("/api/v1/servers/{id}/test"), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let connect = &checks[0];
    assert_eq!(connect["ok"], false, "{checks}");
    let detail = connect["detail"].as_str().unwrap();
    assert!(
        detail.contains(&r1.fpr) && detail.contains(&r2.fpr),
        "{detail}"
    );
    // Every operation fails, naming both.
    let (status, p) = app
        .send("GET", &format!("/api/v1/servers/{id}/subvolumes"), None)
        .await;
    assert!(status.is_server_error(), "{status} {p}");
    let detail = p["detail"].as_str().unwrap();
    assert!(
        detail.contains(&r1.fpr) && detail.contains(&r2.fpr),
        "{detail}"
    );

    // Accepting a fingerprint other than the presented one is refused.
    let before = app.stored().await;
    let (status, p) = app
        .send(
            "POST",
            &format!("/api/v1/servers/{id}/host-key/accept"),
            Some(json!({"fingerprint": r3.fpr})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{p}");
    assert_eq!(app.stored().await, before);
    let (status, p) = app
        .send(
            "POST",
            &format!("/api/v1/servers/{id}/host-key/accept"),
            Some(json!({"fingerprint": r1.fpr})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{p}");
    assert_eq!(p["host_key_fingerprint"], r1.fpr.as_str());
    let last: String =
        sqlx::query_scalar("SELECT event_type FROM events ORDER BY global_seq DESC LIMIT 1")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(last, "ServerHostKeyAccepted");
    let (_, checks) = app
        .send("POST", &format!("/api/v1/servers/{id}/test"), None)
        .await;
    assert!(
        checks.as_array().unwrap().iter().all(|c| c["ok"] == true),
        "{checks}"
    );
    let (status, p) = app
        .send("GET", &format!("/api/v1/servers/{id}/subvolumes"), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{p}");

    // force: a root that is not on btrfs fails the checks; force registers anyway.
    let mut body = password_body("remote3", &r3);
    body["allowed_roots"] = json!(["/nonexistent-dist-btrfs-root"]);
    let before = app.stored().await;
    let (status, p) = app.register(body.clone()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
    assert!(
        p["checks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["ok"] == false)
    );
    assert_eq!(app.stored().await, before);
    body["force"] = json!(true);
    let (status, p) = app.register(body).await;
    assert_eq!(status, StatusCode::CREATED, "{p}");
    assert_eq!(p["host_key_fingerprint"], r3.fpr.as_str());
}

#[sqlx::test(migrations = false)]
async fn an_ssh_primary_takes_snapshots(pool: PgPool) {
    let app = spawn(pool).await;
    let r1 = remote(1);
    let mut body = password_body("ssh-primary", &r1);
    body["role"] = json!("primary");
    let (status, s) = app.register(body).await;
    assert_eq!(status, StatusCode::CREATED, "{s}");
    let id = s["id"].as_str().unwrap().to_owned();

    // Make a subvolume and a snapshot dir over SSH.
    let server = store::projections::server(
        &app.pool,
        domain::ServerId::from_uuid(uuid::Uuid::parse_str(&id).unwrap()),
    )
    .await
    .unwrap()
    .unwrap();
    let vault = app.key_dir.path().join("master.key");
    let vault = Arc::new(
        store::vault::open_vault(app.pool.clone(), &vault)
            .await
            .unwrap(),
    );
    use engine::hosts::Connector;
    let host = engine::ssh_servers::VaultConnector::new(vault)
        .connect(&server)
        .await
        .unwrap();
    let bt = btrfs::Btrfs::new(host).with_sudo(true);
    let base = format!(
        "{}/t-{}",
        env("LAB_REMOTE_MOUNT"),
        uuid::Uuid::new_v4().simple()
    );
    let vol = btrfs::AbsPath::parse(format!("{base}-vol")).unwrap();
    let snaps = btrfs::AbsPath::parse(format!("{base}-snaps")).unwrap();
    bt.create_subvolume(&vol).await.unwrap();
    bt.create_subvolume(&snaps).await.unwrap();

    let (status, sv) = app
        .send(
            "POST",
            "/api/v1/subvolumes",
            Some(json!({"server_id": id, "path": format!("{base}-vol"),
                        "snapshot_dir": format!("{base}-snaps")})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{sv}");
    let sv = sv["id"].as_str().unwrap().to_owned();
    let (status, snap) = app
        .send("POST", &format!("/api/v1/subvolumes/{sv}/snapshots"), None)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{snap}");
    let path = btrfs::AbsPath::parse(snap["path"].as_str().unwrap()).unwrap();
    assert!(
        bt.is_readonly(&path).await.unwrap(),
        "snapshot is not read-only"
    );

    // Deleting the server is refused while it manages subvolumes, naming them.
    let (status, p) = app
        .send("DELETE", &format!("/api/v1/servers/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{p}");
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains(&format!("{base}-vol")),
        "{p}"
    );

    let _ = bt.delete(&path).await;
    let _ = bt.delete(&snaps).await;
    let _ = bt.delete(&vol).await;
}

#[sqlx::test(migrations = false)]
async fn probe_shows_the_host_key_and_registration_pins_the_confirmed_one(pool: PgPool) {
    let app = spawn(pool).await;
    let r1 = remote(1);
    let (status, body) = app
        .send(
            "POST",
            "/api/v1/servers/probe-host-key",
            Some(json!({"address": r1.addr, "port": r1.port})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["fingerprint"], r1.fpr.as_str());
    assert_eq!(app.stored().await.2, 0, "probing stores nothing");

    let (status, body) = app
        .send(
            "POST",
            "/api/v1/servers/probe-host-key",
            Some(json!({"address": "bad host", "port": r1.port})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(
        body["detail"].as_str().unwrap().starts_with("address"),
        "{body}"
    );

    // A confirmed fingerprint that is not the presented key: refused, nothing stored.
    let before = app.stored().await;
    let mut wrong = password_body("confirmed-wrong", &r1);
    wrong["host_key_fingerprint"] = json!(remote(2).fpr);
    assert_ne!(
        remote(2).fpr,
        r1.fpr,
        "the lab remotes have distinct host keys"
    );
    let (status, body) = app.register(wrong).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["checks"][0]["name"], "connect", "{body}");
    assert_eq!(body["checks"][0]["ok"], false, "{body}");
    assert_eq!(app.stored().await, before);

    let mut confirmed = password_body("confirmed-right", &r1);
    confirmed["host_key_fingerprint"] = json!(r1.fpr);
    let (status, body) = app.register(confirmed).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["host_key_fingerprint"], r1.fpr.as_str());
    let id = body["id"].as_str().unwrap().to_owned();
    let (status, _) = app
        .send("DELETE", &format!("/api/v1/servers/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
}
