//! Snapshot hooks over HTTP (`GET /servers/{id}/hooks`, `PUT /subvolumes/{id}/hooks`) with
//! the lab primary, a real Postgres and a hooks directory of the test's own: what an admin
//! sets is what the next snapshot runs; a name the server does not offer is a 400 problem
//! that changes nothing; a failing pre-hook makes the snapshot request a 409.

use domain::Role;
use poem::http::StatusCode;
use serde_json::json;
use sqlx::PgPool;
use testkit::app::assert_problem;
use testkit::{Fleet, TestApp};

#[sqlx::test(migrations = false)]
async fn an_admin_sets_hooks_by_name_and_the_next_snapshot_runs_them(pool: PgPool) {
    let fleet = Fleet::primary(pool).await;
    let hooks = tempfile::tempdir().unwrap();
    let log = hooks.path().join("log");
    for (name, exit) in [("freeze", 0), ("refuse", 4)] {
        let path = hooks.path().join(name);
        let script = format!(
            "#!/bin/sh\necho \"{name} $1\" >> '{}'\nexit {exit}\n",
            log.display()
        );
        testkit::install_executable(&path, script, 0o755);
    }
    let mut state = api::AppState::with_hosts(fleet.pool.clone(), fleet.hosts.clone())
        .with_vault(fleet.vault.clone());
    let dir = btrfs::AbsPath::parse(hooks.path().to_str().unwrap()).unwrap();
    state.engine = state.engine.clone().with_hooks_dir(dir);
    let app = TestApp::start(state, Role::Admin).await;
    let sv = fleet.manage(None).await;

    let (status, offered) = app
        .get(&format!("/api/v1/servers/{}/hooks", fleet.primary))
        .await;
    assert_eq!(status, StatusCode::OK, "{offered}");
    assert_eq!(offered["directory"], hooks.path().to_str().unwrap());
    assert_eq!(offered["items"].as_array().unwrap().len(), 2, "{offered}");

    let path = format!("/api/v1/subvolumes/{sv}/hooks");
    let before = app.events().await;
    for body in [
        json!({"pre": "nope"}),
        json!({"pre": "../freeze"}),
        json!({"post": "freeze", "timeout_secs": 0}),
    ] {
        let (status, problem) = app.send("PUT", &path, Some(body.clone())).await;
        assert_problem(status, &problem, StatusCode::BAD_REQUEST, &body.to_string());
    }
    assert_eq!(
        app.events().await,
        before,
        "a refused request changes nothing"
    );

    let (status, subvolume) = app
        .send(
            "PUT",
            &path,
            Some(json!({"pre": "freeze", "timeout_secs": 20})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{subvolume}");
    assert_eq!(subvolume["hooks"]["pre"], "freeze");
    assert_eq!(subvolume["hooks"]["post"], serde_json::Value::Null);
    assert_eq!(subvolume["hooks"]["timeout_secs"], 20);

    let (status, snap) = app
        .post_empty(&format!("/api/v1/subvolumes/{sv}/snapshots"))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{snap}");
    assert_eq!(
        std::fs::read_to_string(&log).unwrap(),
        "freeze pre\n",
        "the pre hook ran once, with `pre` first"
    );
    let (_, subvolume) = app.get(&format!("/api/v1/subvolumes/{sv}")).await;
    assert_eq!(subvolume["hooks"]["last_pre"]["outcome"], "ok");
    assert_eq!(subvolume["hooks"]["last_pre"]["snapshot"], snap["name"]);

    app.send("PUT", &path, Some(json!({"pre": "refuse"}))).await;
    let (status, problem) = app
        .post_empty(&format!("/api/v1/subvolumes/{sv}/snapshots"))
        .await;
    assert_problem(status, &problem, StatusCode::CONFLICT, "a failing pre-hook");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("refuse failed (exit 4)"),
        "{problem}"
    );
    let (_, subvolume) = app.get(&format!("/api/v1/subvolumes/{sv}")).await;
    assert_eq!(subvolume["hooks"]["last_pre"]["outcome"], "failed");
    assert_eq!(subvolume["hooks"]["last_pre"]["exit_code"], 4);
}
