//! The subvolume and snapshot endpoints over HTTP (poem's `TestClient` over `api::app`)
//! with a real Postgres (fresh database per test) and the lab primary's real btrfs. Each
//! test works in its own directory `<LAB_PRIMARY_MOUNT>/t-<uuid>` and removes it.

use domain::Role;
use poem::http::StatusCode;
use serde_json::{Value, json};
use sqlx::PgPool;
use std::process::Command;
use testkit::app::assert_problem;
use testkit::{Fleet, TestApp};

/// The API over the lab primary alone, as an operator with an API token (as automation
/// would use it).
struct Setup {
    api: TestApp,
    fleet: Fleet,
}

impl std::ops::Deref for Setup {
    type Target = TestApp;
    fn deref(&self) -> &TestApp {
        &self.api
    }
}

async fn spawn(pool: PgPool) -> Setup {
    let fleet = Fleet::primary(pool).await;
    let api = TestApp::for_fleet(&fleet, Role::Operator).await;
    Setup { api, fleet }
}

impl Setup {
    async fn manage(&self) -> String {
        let (status, body) = self
            .post(
                "/api/v1/subvolumes",
                json!({"server_id": self.fleet.primary, "path": self.fleet.area.vol,
                       "snapshot_dir": self.fleet.area.snaps}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["id"].as_str().unwrap().to_owned()
    }
}

#[sqlx::test(migrations = false)]
async fn the_snapshot_lifecycle_over_http(pool: PgPool) {
    let app = spawn(pool).await;
    let (status, servers) = app.get("/api/v1/servers").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(servers["items"][0]["role"], "primary");
    assert_eq!(servers["items"][0]["transport"]["kind"], "local");
    let (status, _) = app
        .get(&format!("/api/v1/servers/{}", app.fleet.primary))
        .await;
    assert_eq!(status, StatusCode::OK);

    let (status, found) = app
        .get(&format!("/api/v1/servers/{}/subvolumes", app.fleet.primary))
        .await;
    assert_eq!(status, StatusCode::OK, "{found}");
    assert_eq!(found[0]["path"], app.fleet.area.vol.as_str());
    assert_eq!(found[0]["managed_subvolume_id"], Value::Null);

    let sv = app.manage().await;
    let (_, found) = app
        .get(&format!("/api/v1/servers/{}/subvolumes", app.fleet.primary))
        .await;
    assert_eq!(found[0]["managed_subvolume_id"], sv.as_str());
    let (status, list) = app.get("/api/v1/subvolumes").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["items"].as_array().unwrap().len(), 1);

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
    // The next page starts after the first one's last row, and is the last page.
    let after = page["next_after"].as_str().expect("a next page");
    let (_, page2) = app
        .get(&format!(
            "/api/v1/subvolumes/{sv}/snapshots?limit=2&after={after}"
        ))
        .await;
    assert_eq!(page2["items"].as_array().unwrap().len(), 1, "{page2}");
    assert_eq!(page2["items"][0]["id"], ids[0].as_str());
    assert_eq!(page2["next_after"], Value::Null);
    let (status, forged) = app
        .get(&format!("/api/v1/subvolumes/{sv}/snapshots?after=nope"))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{forged}");

    let (status, deleted) = app.delete(&format!("/api/v1/snapshots/{}", ids[0])).await;
    assert_eq!(status, StatusCode::OK, "{deleted}");
    assert_eq!(deleted["state"], "deleted");
    assert_eq!(app.fleet.area.snaps_on_disk().len(), 2);
    let (status, got) = app.get(&format!("/api/v1/snapshots/{}", ids[0])).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(got["state"], "deleted");

    // A hand-made read-only snapshot: discovered by sync, protected until adopted.
    let manual = format!("{}/vol@manual", app.fleet.area.snaps);
    assert!(
        Command::new("btrfs")
            .args(["subvolume", "snapshot", "-r", &app.fleet.area.vol, &manual])
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
    assert_eq!(
        app.fleet.area.snaps_on_disk().len(),
        2,
        "unmanaging touches no data"
    );
    let (_, list) = app.get("/api/v1/subvolumes").await;
    assert!(list["items"].as_array().unwrap().is_empty());

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
    let d = app.fleet.area.dir.clone();
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
        (
            app.fleet.area.vol.clone(),
            Some("a/b".into()),
            "name with /",
        ),
        (app.fleet.area.vol.clone(), Some("..".into()), "name .."),
        (
            app.fleet.area.vol.clone(),
            Some("a b".into()),
            "name with space",
        ),
        (
            app.fleet.area.vol.clone(),
            Some("$(id)".into()),
            "name with $()",
        ),
        (
            app.fleet.area.vol.clone(),
            Some("a`b".into()),
            "name with backtick",
        ),
        (
            app.fleet.area.vol.clone(),
            Some("a;b".into()),
            "name with ;",
        ),
        (
            app.fleet.area.vol.clone(),
            Some("a\nb".into()),
            "name with newline",
        ),
        (
            app.fleet.area.vol.clone(),
            Some("a\0b".into()),
            "name with NUL",
        ),
        (
            app.fleet.area.vol.clone(),
            Some("n".repeat(201)),
            "over-long name",
        ),
        (app.fleet.area.snaps.clone(), None, "not a subvolume"),
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
                json!({"server_id": app.fleet.primary, "path": path,
                       "snapshot_dir": app.fleet.area.snaps, "name": name}),
            )
            .await;
        assert_problem(status, &body, StatusCode::BAD_REQUEST, what);
    }
    let (status, body) = app
        .post(
            "/api/v1/subvolumes",
            json!({"server_id": app.fleet.primary, "path": app.fleet.area.vol,
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
            json!({"server_id": uuid::Uuid::new_v4(), "path": app.fleet.area.vol,
                   "snapshot_dir": app.fleet.area.snaps}),
        )
        .await;
    assert_problem(status, &body, StatusCode::NOT_FOUND, "unknown server");
    assert_eq!(app.events().await, before, "nothing recorded");

    let sv = app.manage().await;
    let (status, body) = app
        .post(
            "/api/v1/subvolumes",
            json!({"server_id": app.fleet.primary, "path": app.fleet.area.vol,
                   "snapshot_dir": app.fleet.area.snaps, "name": "again"}),
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
    assert_eq!(app.fleet.area.snaps_on_disk().len(), 1);
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
    // Hourly ("0 * * * *"): the next snapshot is at a full hour within the next hour.
    let next: chrono::DateTime<chrono::Utc> = policy["next_snapshot_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let ahead = next - chrono::Utc::now();
    assert!(
        ahead > chrono::Duration::zero() && ahead <= chrono::Duration::hours(1),
        "{policy}"
    );
    assert_eq!(next.timestamp() % 3600, 0, "{policy}");
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
    let disk = app.fleet.area.snaps_on_disk().len();
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
    assert_eq!(
        app.fleet.area.snaps_on_disk().len(),
        disk,
        "preview touches no disk"
    );

    let (status, pruned) = app
        .post_empty(&format!("/api/v1/subvolumes/{sv}/prune"))
        .await;
    assert_eq!(status, StatusCode::OK, "{pruned}");
    assert_eq!(pruned["deleted"].as_array().unwrap().len(), 2, "{pruned}");
    assert_eq!(app.fleet.area.snaps_on_disk().len(), 1);

    let (status, body) = app.delete(&format!("/api/v1/subvolumes/{sv}/policy")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = app.delete(&format!("/api/v1/policies/{pid}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}
