//! The subvolume and snapshot endpoints over HTTP (poem's `TestClient` over `api::app`)
//! with a real Postgres (fresh database per test) and the lab primary's real btrfs. Each
//! test works in its own directory `<LAB_PRIMARY_MOUNT>/t-<uuid>` and removes it.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::process::Command;
use std::sync::Arc;

use domain::{Actor, ServerPath};
use poem::http::StatusCode;
use poem::test::TestClient;
use serde_json::{Value, json};
use sqlx::PgPool;
use store::{AppendMeta, EventStore};

struct Area {
    dir: String,
    vol: String,
    snaps: String,
}

impl Area {
    fn new() -> Self {
        let mount = std::env::var("LAB_PRIMARY_MOUNT")
            .expect("LAB_PRIMARY_MOUNT is not set: eval \"$(ops/lab env)\" first");
        let dir = format!("{mount}/t-{}", uuid::Uuid::new_v4().simple());
        std::fs::create_dir(&dir).unwrap();
        let area = Self {
            vol: format!("{dir}/vol"),
            snaps: format!("{dir}/snaps"),
            dir,
        };
        let out = Command::new("btrfs")
            .args(["subvolume", "create", &area.vol])
            .output()
            .unwrap();
        assert!(out.status.success());
        std::fs::create_dir(&area.snaps).unwrap();
        area
    }

    fn snaps_on_disk(&self) -> usize {
        std::fs::read_dir(&self.snaps).unwrap().count()
    }
}

impl Drop for Area {
    fn drop(&mut self) {
        if let Ok(entries) = std::fs::read_dir(&self.snaps) {
            for e in entries.flatten() {
                let _ = Command::new("btrfs")
                    .args(["subvolume", "delete"])
                    .arg(e.path())
                    .output();
            }
        }
        let _ = Command::new("btrfs")
            .args(["subvolume", "delete", &self.vol])
            .output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

struct TestApp {
    client: TestClient<poem::endpoint::BoxEndpoint<'static, poem::Response>>,
    pool: PgPool,
    server_id: String,
    area: Area,
    /// `Authorization` header value of an operator's API token.
    bearer: String,
}

/// An operator account with an API token, as automation would use the API.
async fn operator_token(events: &EventStore) -> String {
    let user_id = engine::accounts::create_user(
        events,
        "operator",
        "operator-password-1",
        domain::Role::Operator,
        Actor::System,
    )
    .await
    .unwrap();
    let token = engine::accounts::secrets::new_token();
    let token_id = uuid::Uuid::now_v7();
    events
        .append(
            &domain::StreamId::for_entity("token", token_id),
            store::ExpectedVersion::NoStream,
            &[domain::DomainEvent::TokenCreated(
                domain::event::TokenCreated {
                    token_id,
                    user_id,
                    name: "tests".into(),
                    role: domain::Role::Operator,
                    secret_hash: engine::accounts::secrets::hash(&token),
                    expires_at: None,
                },
            )],
            &AppendMeta::new(Actor::System),
        )
        .await
        .unwrap();
    format!("Bearer {token}")
}

async fn spawn(pool: PgPool) -> TestApp {
    store::db::migrate(&pool).await.unwrap();
    let area = Area::new();
    let events = EventStore::new(pool.clone());
    let roots = [ServerPath::parse(&area.dir).unwrap()];
    let server =
        engine::servers::ensure_local_primary(&events, &roots, &AppendMeta::new(Actor::System))
            .await
            .unwrap()
            .unwrap();
    let bearer = operator_token(&events).await;
    let hosts = Arc::new(engine::HostRegistry::new().with_local(Arc::new(btrfs::LocalHost::new())));
    let app = api::app(api::AppState::with_hosts(pool.clone(), hosts), None);
    let app = poem::EndpointExt::boxed(poem::EndpointExt::map_to_response(app));
    TestApp {
        client: TestClient::new(app),
        pool,
        server_id: server.to_string(),
        area,
        bearer,
    }
}

impl TestApp {
    async fn events(&self) -> i64 {
        sqlx::query_scalar("SELECT count(*) FROM events")
            .fetch_one(&self.pool)
            .await
            .unwrap()
    }

    async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        let resp = self
            .client
            .post(path)
            .header("authorization", &self.bearer)
            .body_json(&body)
            .send()
            .await;
        let status = resp.0.status();
        (status, resp.json().await.value().deserialize())
    }

    async fn post_empty(&self, path: &str) -> (StatusCode, Value) {
        let resp = self
            .client
            .post(path)
            .header("authorization", &self.bearer)
            .send()
            .await;
        let status = resp.0.status();
        (status, resp.json().await.value().deserialize())
    }

    async fn get(&self, path: &str) -> (StatusCode, Value) {
        let resp = self
            .client
            .get(path)
            .header("authorization", &self.bearer)
            .send()
            .await;
        let status = resp.0.status();
        (status, resp.json().await.value().deserialize())
    }

    async fn delete(&self, path: &str) -> (StatusCode, Value) {
        let resp = self
            .client
            .delete(path)
            .header("authorization", &self.bearer)
            .send()
            .await;
        let status = resp.0.status();
        (status, resp.json().await.value().deserialize())
    }

    async fn manage(&self) -> String {
        let (status, body) = self
            .post(
                "/api/v1/subvolumes",
                json!({"server_id": self.server_id, "path": self.area.vol,
                       "snapshot_dir": self.area.snaps}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["id"].as_str().unwrap().to_owned()
    }
}

fn assert_problem(status: StatusCode, body: &Value, want: StatusCode, what: &str) {
    assert_eq!(status, want, "{what}: {body}");
    assert_eq!(body["status"], want.as_u16(), "{what}: {body}");
    assert!(
        body["type"].as_str().unwrap().starts_with("/problems/"),
        "{body}"
    );
    assert!(!body["detail"].as_str().unwrap_or("").is_empty(), "{body}");
}

#[sqlx::test(migrations = false)]
async fn the_snapshot_lifecycle_over_http(pool: PgPool) {
    let app = spawn(pool).await;
    let (status, servers) = app.get("/api/v1/servers").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(servers[0]["role"], "primary");
    assert_eq!(servers[0]["transport"]["kind"], "local");
    let (status, _) = app.get(&format!("/api/v1/servers/{}", app.server_id)).await;
    assert_eq!(status, StatusCode::OK);

    let (status, found) = app
        .get(&format!("/api/v1/servers/{}/subvolumes", app.server_id))
        .await;
    assert_eq!(status, StatusCode::OK, "{found}");
    assert_eq!(found[0]["path"], app.area.vol.as_str());
    assert_eq!(found[0]["managed_subvolume_id"], Value::Null);

    let sv = app.manage().await;
    let (_, found) = app
        .get(&format!("/api/v1/servers/{}/subvolumes", app.server_id))
        .await;
    assert_eq!(found[0]["managed_subvolume_id"], sv.as_str());
    let (status, list) = app.get("/api/v1/subvolumes").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list.as_array().unwrap().len(), 1);

    let mut ids = Vec::new();
    for _ in 0..3 {
        let (status, snap) = app
            .post_empty(&format!("/api/v1/subvolumes/{sv}/snapshots"))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{snap}");
        assert_eq!(snap["state"], "present");
        assert_eq!(snap["origin"], "created");
        assert!(snap["name"].as_str().unwrap().starts_with("vol."));
        ids.push(snap["id"].as_str().unwrap().to_owned());
    }
    let (status, page) = app
        .get(&format!("/api/v1/subvolumes/{sv}/snapshots?limit=2"))
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["total"], 3);
    let first_page: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        first_page,
        [ids[2].as_str(), ids[1].as_str()],
        "newest first"
    );
    let (_, page2) = app
        .get(&format!(
            "/api/v1/subvolumes/{sv}/snapshots?limit=2&offset=2"
        ))
        .await;
    assert_eq!(page2["items"][0]["id"], ids[0].as_str());

    let (status, deleted) = app.delete(&format!("/api/v1/snapshots/{}", ids[0])).await;
    assert_eq!(status, StatusCode::OK, "{deleted}");
    assert_eq!(deleted["state"], "deleted");
    assert_eq!(app.area.snaps_on_disk(), 2);
    let (status, got) = app.get(&format!("/api/v1/snapshots/{}", ids[0])).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(got["state"], "deleted");

    // A hand-made read-only snapshot: discovered by sync, protected until adopted.
    let manual = format!("{}/vol@manual", app.area.snaps);
    assert!(
        Command::new("btrfs")
            .args(["subvolume", "snapshot", "-r", &app.area.vol, &manual])
            .status()
            .unwrap()
            .success()
    );
    let (status, report) = app
        .post_empty(&format!("/api/v1/subvolumes/{sv}/sync"))
        .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    let found = report["discovered"][0].as_str().unwrap().to_owned();
    let (status, body) = app.delete(&format!("/api/v1/snapshots/{found}")).await;
    assert_problem(status, &body, StatusCode::CONFLICT, "unmanaged delete");
    let (status, body) = app
        .post_empty(&format!("/api/v1/snapshots/{found}/adopt"))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["managed"], true);
    let (status, _) = app.delete(&format!("/api/v1/snapshots/{found}")).await;
    assert_eq!(status, StatusCode::OK);

    let (status, body) = app.delete(&format!("/api/v1/subvolumes/{sv}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["managed"], false);
    assert_eq!(app.area.snaps_on_disk(), 2, "unmanaging touches no data");
    let (_, list) = app.get("/api/v1/subvolumes").await;
    assert!(list.as_array().unwrap().is_empty());

    let (_, audit) = app.get("/api/v1/events?limit=20").await;
    let types: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event_type"].as_str().unwrap())
        .collect();
    for t in [
        "ServerRegistered",
        "SubvolumeManaged",
        "SnapshotCreated",
        "SnapshotDeleted",
        "SnapshotDiscovered",
        "SnapshotAdopted",
        "SubvolumeUnmanaged",
    ] {
        assert!(types.contains(&t), "{t} missing from {types:?}");
    }
}

#[sqlx::test(migrations = false)]
async fn bad_input_gets_a_4xx_problem_and_changes_nothing(pool: PgPool) {
    let app = spawn(pool).await;
    let mount = std::env::var("LAB_PRIMARY_MOUNT").unwrap();
    let d = app.area.dir.clone();
    let long = "n".repeat(256);
    let before = app.events().await;
    let cases: Vec<(String, Option<String>, &str)> = vec![
        (format!("{d}/vol/x/"), None, "trailing slash"),
        (format!("{d}/../etc"), None, ".."),
        (format!("{d}/my vol"), None, "space"),
        (format!("{d}/'vol'"), None, "single quotes"),
        (format!("{d}/\"vol\""), None, "double quotes"),
        (format!("{d}/$(reboot)"), None, "$()"),
        (format!("{d}/`reboot`"), None, "backticks"),
        (format!("{d}/vol;reboot"), None, ";"),
        (format!("{d}/vol\nreboot"), None, "newline"),
        (format!("{d}/vol\0x"), None, "NUL"),
        (format!("{d}/{long}"), None, "over-long component"),
        (app.area.vol.clone(), Some("a/b".into()), "name with /"),
        (app.area.vol.clone(), Some("..".into()), "name .."),
        (app.area.vol.clone(), Some("a b".into()), "name with space"),
        (app.area.vol.clone(), Some("$(id)".into()), "name with $()"),
        (
            app.area.vol.clone(),
            Some("a`b".into()),
            "name with backtick",
        ),
        (app.area.vol.clone(), Some("a;b".into()), "name with ;"),
        (
            app.area.vol.clone(),
            Some("a\nb".into()),
            "name with newline",
        ),
        (app.area.vol.clone(), Some("a\0b".into()), "name with NUL"),
        (
            app.area.vol.clone(),
            Some("n".repeat(201)),
            "over-long name",
        ),
        (app.area.snaps.clone(), None, "not a subvolume"),
        (
            format!("{mount}/data/home"),
            None,
            "outside the allowed roots",
        ),
    ];
    for (path, name, what) in &cases {
        let (status, body) = app
            .post(
                "/api/v1/subvolumes",
                json!({"server_id": app.server_id, "path": path,
                       "snapshot_dir": app.area.snaps, "name": name}),
            )
            .await;
        assert_problem(status, &body, StatusCode::BAD_REQUEST, what);
    }
    let (status, body) = app
        .post(
            "/api/v1/subvolumes",
            json!({"server_id": app.server_id, "path": app.area.vol,
                   "snapshot_dir": format!("{mount}/.snapshots")}),
        )
        .await;
    assert_problem(
        status,
        &body,
        StatusCode::BAD_REQUEST,
        "snapshot dir outside roots",
    );
    let (status, body) = app
        .post(
            "/api/v1/subvolumes",
            json!({"server_id": uuid::Uuid::new_v4(), "path": app.area.vol,
                   "snapshot_dir": app.area.snaps}),
        )
        .await;
    assert_problem(status, &body, StatusCode::NOT_FOUND, "unknown server");
    assert_eq!(app.events().await, before, "nothing recorded");

    let sv = app.manage().await;
    let (status, body) = app
        .post(
            "/api/v1/subvolumes",
            json!({"server_id": app.server_id, "path": app.area.vol,
                   "snapshot_dir": app.area.snaps, "name": "again"}),
        )
        .await;
    assert_problem(status, &body, StatusCode::CONFLICT, "managed twice");

    let (_, snap) = app
        .post_empty(&format!("/api/v1/subvolumes/{sv}/snapshots"))
        .await;
    let snap_id = snap["id"].as_str().unwrap().to_owned();
    let before = app.events().await;
    let (status, body) = app
        .delete(&format!("/api/v1/snapshots/{}", uuid::Uuid::new_v4()))
        .await;
    assert_problem(status, &body, StatusCode::NOT_FOUND, "no such snapshot");
    let (status, body) = app
        .delete(&format!(
            "/api/v1/snapshots/{snap_id}?subvolume_id={}",
            uuid::Uuid::new_v4()
        ))
        .await;
    assert_problem(
        status,
        &body,
        StatusCode::NOT_FOUND,
        "other subvolume's snapshot",
    );
    let (status, body) = app.delete("/api/v1/snapshots/not-a-uuid").await;
    assert!(status.is_client_error(), "{status} {body}");
    let (status, body) = app
        .get(&format!("/api/v1/subvolumes/{sv}/snapshots?limit=0"))
        .await;
    assert_problem(status, &body, StatusCode::BAD_REQUEST, "limit 0");
    assert_eq!(app.events().await, before);
    assert_eq!(app.area.snaps_on_disk(), 1);
}

fn policy_body(name: &str) -> Value {
    json!({"name": name, "schedule": {"cron": "0 * * * *", "time_zone": "Europe/Berlin"},
           "retention": {"keep_last": 1}})
}

/// Policies over HTTP: bad input is a 400 naming the field and records nothing; a
/// duplicate name and deleting an assigned policy are 409s; the preview changes nothing;
/// prune deletes what the plan drops.
#[sqlx::test(migrations = false)]
async fn policies_preview_and_prune_over_http(pool: PgPool) {
    let app = spawn(pool).await;
    let sv = app.manage().await;
    let before = app.events().await;
    for (body, field) in [
        (json!({"schedule": {"cron": "61 * * * *"}}), "schedule.cron"),
        (
            json!({"schedule": {"time_zone": "Mars/Olympus"}}),
            "schedule.time_zone",
        ),
        (json!({"retention": {"daily": -1}}), "retention.daily"),
        (
            json!({"retention": {"hourly": 5_000_000}}),
            "retention.hourly",
        ),
        (json!({"retention": {}}), "retention.keep_last"),
        (json!({"name": "../etc"}), "name"),
    ] {
        let mut input = policy_body("p");
        for (k, v) in body.as_object().unwrap() {
            match (input[k].as_object_mut(), v.as_object()) {
                (Some(dst), Some(src)) if k != "retention" => {
                    for (kk, vv) in src {
                        dst.insert(kk.clone(), vv.clone());
                    }
                }
                _ => input[k] = v.clone(),
            }
        }
        let (status, problem) = app.post("/api/v1/policies", input).await;
        assert_problem(status, &problem, StatusCode::BAD_REQUEST, field);
        assert!(
            problem["detail"].as_str().unwrap().starts_with(field),
            "{field}: {problem}"
        );
    }
    assert_eq!(app.events().await, before, "bad input records nothing");

    let (status, policy) = app.post("/api/v1/policies", policy_body("hourly")).await;
    assert_eq!(status, StatusCode::CREATED, "{policy}");
    let pid = policy["id"].as_str().unwrap().to_owned();
    let (status, problem) = app.post("/api/v1/policies", policy_body("hourly")).await;
    assert_problem(status, &problem, StatusCode::CONFLICT, "duplicate name");

    for _ in 0..3 {
        let (status, body) = app
            .post_empty(&format!("/api/v1/subvolumes/{sv}/snapshots"))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let (status, body) = app
        .post(
            &format!("/api/v1/subvolumes/{sv}/policy"),
            json!({"policy_id": pid}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, problem) = app.delete(&format!("/api/v1/policies/{pid}")).await;
    assert_problem(status, &problem, StatusCode::CONFLICT, "assigned policy");
    assert!(
        problem["detail"].as_str().unwrap().contains(&sv),
        "{problem}"
    );

    let events = app.events().await;
    let disk = app.area.snaps_on_disk();
    let (status, preview) = app
        .post(
            "/api/v1/policies/preview",
            json!({"subvolume_id": sv, "policy_id": pid}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{preview}");
    assert_eq!(preview["keep"], 1, "{preview}");
    assert_eq!(preview["delete"], 2, "{preview}");
    let newest = &preview["snapshots"][2];
    assert_eq!(newest["action"], "keep");
    assert!(
        newest["reasons"]
            .as_array()
            .unwrap()
            .contains(&json!("newest snapshot")),
        "{preview}"
    );
    let (status, draft) = app
        .post(
            "/api/v1/policies/preview",
            json!({"subvolume_id": sv, "draft": {"name": "d",
                   "schedule": {"cron": "@daily", "time_zone": "UTC"},
                   "retention": {"keep_last": 5}}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{draft}");
    assert_eq!(draft["delete"], 0, "{draft}");
    let (status, problem) = app
        .post(
            "/api/v1/policies/preview",
            json!({"subvolume_id": sv, "draft": {"name": "d",
                   "schedule": {"cron": "@daily", "time_zone": "UTC"},
                   "retention": {"keep_last": -3}}}),
        )
        .await;
    assert_problem(status, &problem, StatusCode::BAD_REQUEST, "draft");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .starts_with("draft.retention.keep_last"),
        "{problem}"
    );
    assert_eq!(app.events().await, events, "preview records nothing");
    assert_eq!(app.area.snaps_on_disk(), disk, "preview touches no disk");

    let (status, pruned) = app
        .post_empty(&format!("/api/v1/subvolumes/{sv}/prune"))
        .await;
    assert_eq!(status, StatusCode::OK, "{pruned}");
    assert_eq!(pruned["deleted"].as_array().unwrap().len(), 2, "{pruned}");
    assert_eq!(app.area.snaps_on_disk(), 1);

    let (status, body) = app.delete(&format!("/api/v1/subvolumes/{sv}/policy")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = app.delete(&format!("/api/v1/policies/{pid}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}
