//! The fleet status over HTTP (`GET /status` and its `/metrics` series) against the
//! lab: it says `ok` only while nothing is wrong, and each thing made wrong (a target
//! never replicated, a replication failing, a server unreachable, a filesystem over the
//! threshold) turns it and names the thing; put right, it says `ok` again.

use domain::Role;
use poem::http::StatusCode;
use serde_json::{Value, json};
use sqlx::PgPool;
use testkit::TestApp;

use crate::replication_api::{sample, spawn};
use crate::storage_api::remote_body;

async fn status(app: &TestApp) -> Value {
    let (code, s) = app.send("GET", "/api/v1/status", None).await;
    assert_eq!(code, StatusCode::OK, "{s}");
    s
}

/// The problems of `kind`: (severity, summary, the row).
fn of_kind<'a>(s: &'a Value, kind: &str) -> Vec<&'a Value> {
    s["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["kind"] == kind)
        .collect()
}

#[sqlx::test(migrations = false)]
async fn the_status_is_ok_only_while_nothing_is_wrong_and_names_each_problem(pool: PgPool) {
    let app = spawn(pool).await;
    let s = status(&app).await;
    assert_eq!(
        (s["status"].as_str(), s["problems"].clone()),
        (Some("ok"), json!([])),
        "{s}"
    );
    assert_eq!(s["usage_warning_percent"], 85);

    // Two targets never replicated: a warning each.
    let good = app.add_target(&app.remote_dir()).await;
    let (bad, gone) = app.add_vanished_target().await;
    let s = status(&app).await;
    assert_eq!(s["status"], "warning", "{s}");
    let never = of_kind(&s, "replication_never");
    assert_eq!(never.len(), 2, "{s}");
    assert!(
        never
            .iter()
            .all(|p| p["severity"] == "warning" && p["subvolume_id"] == app.subvolume.as_str())
    );

    // One replication fails (its directory is gone): critical, naming that target.
    let (_, _, run) = app.snapshot_and_replicate().await;
    assert_eq!(run["state"], "partially_failed", "{run}");
    let s = status(&app).await;
    assert_eq!(s["status"], "critical", "{s}");
    let failing = of_kind(&s, "replication_failing");
    assert_eq!(failing.len(), 1, "{s}");
    assert_eq!(failing[0]["target_id"], bad.as_str());
    let summary = failing[0]["summary"].as_str().unwrap();
    assert!(
        summary.contains("data") && summary.contains(&gone),
        "{summary}"
    );
    assert!(of_kind(&s, "replication_never").is_empty(), "{s}");
    let rows = s["problems"].as_array().unwrap();
    assert!(
        rows.iter().all(|p| p["target_id"] != good.as_str()),
        "the good target is fine: {s}"
    );
    assert_eq!(s["problems"][0]["severity"], "critical", "worst first: {s}");
    // /metrics says the same.
    let (_, text) = app.send("GET", "/api/v1/metrics", None).await;
    let text = text.as_str().unwrap();
    assert!(text.contains("\ndist_btrfs_fleet_status 2\n"), "{text}");
    assert_eq!(
        sample(
            text,
            "dist_btrfs_fleet_problems",
            "kind=\"replication_failing\",severity=\"critical\""
        ),
        Some(1.0)
    );
    assert_eq!(
        sample(
            text,
            "dist_btrfs_fleet_problems",
            "kind=\"server_unreachable\",severity=\"critical\""
        ),
        Some(0.0)
    );

    // Put right: the failing target removed. Then a server that cannot be reached
    // (registered, then pointed at a closed port) after its storage collection.
    let (code, body) = app
        .send("DELETE", &format!("/api/v1/targets/{bad}"), None)
        .await;
    assert!(code.is_success(), "{body}");
    app.fleet.engine.collect_storage_all().await.unwrap();
    let s = status(&app).await;
    assert_eq!(s["status"], "ok", "{s}");
    let (code, r3) = app
        .send("POST", "/api/v1/servers", Some(remote_body("remote3", 3)))
        .await;
    assert_eq!(code, StatusCode::CREATED, "{r3}");
    let dead = r3["id"].as_str().unwrap().to_owned();
    let (code, body) = app
        .send(
            "PATCH",
            &format!("/api/v1/servers/{dead}"),
            Some(json!({"port": 1})),
        )
        .await;
    assert_eq!(code, StatusCode::OK, "{body}");
    app.fleet.engine.collect_storage_all().await.unwrap();
    let s = status(&app).await;
    assert_eq!(s["status"], "critical", "{s}");
    let unreachable = of_kind(&s, "server_unreachable");
    assert_eq!(unreachable.len(), 1, "{s}");
    assert_eq!(unreachable[0]["server_id"], dead.as_str());
    assert!(
        unreachable[0]["summary"]
            .as_str()
            .unwrap()
            .contains("remote3"),
        "{s}"
    );
    let (code, body) = app
        .send("DELETE", &format!("/api/v1/servers/{dead}"), None)
        .await;
    assert!(code.is_success(), "{body}");
    assert_eq!(status(&app).await["status"], "ok");

    // A subvolume on an hourly policy: no snapshot yet for a slot two hours on (the
    // status as of then), overdue naming the subvolume; a snapshot that failed is
    // critical.
    let (code, policy) = app
        .post(
            "/api/v1/policies",
            json!({"name": "hourly", "schedule": {"cron": "0 * * * *", "time_zone": "UTC"},
                   "retention": {"keep_last": 5}}),
        )
        .await;
    assert_eq!(code, StatusCode::CREATED, "{policy}");
    let (code, body) = app
        .post(
            &format!("/api/v1/subvolumes/{}/policy", app.subvolume),
            json!({"policy_id": policy["id"]}),
        )
        .await;
    assert!(code.is_success(), "{body}");
    let later = chrono::Utc::now() + chrono::Duration::hours(2);
    let then = engine::status::fleet_status(&app.fleet.pool, later, 85)
        .await
        .unwrap();
    let overdue: Vec<_> = then
        .problems
        .iter()
        .filter(|p| p.kind == domain::status::ProblemKind::SnapshotOverdue)
        .collect();
    assert_eq!(overdue.len(), 1, "{then:?}");
    assert!(overdue[0].summary.contains("data") && overdue[0].summary.contains("hourly"));
    assert_eq!(status(&app).await["status"], "ok", "not overdue now");

    // A usage threshold every filesystem is over: a warning per collected filesystem.
    let mut state = api::AppState::with_hosts(app.fleet.pool.clone(), app.fleet.hosts.clone())
        .with_vault(app.fleet.vault.clone());
    state.usage_warning_percent = 1;
    let strict = TestApp::start(state, Role::Viewer).await;
    let s = status(&strict).await;
    assert_eq!(s["status"], "warning", "{s}");
    let full = of_kind(&s, "filesystem_full");
    assert!(!full.is_empty(), "{s}");
    assert!(
        full.iter()
            .all(|p| p["summary"].as_str().unwrap().contains("threshold 1%")),
        "{s}"
    );
}

/// Many readers at once share one computation of the status, and a committed event makes
/// the very next read compute it afresh (no stale "ok").
#[sqlx::test(migrations = false)]
async fn concurrent_readers_share_one_status_and_an_event_makes_a_new_one(pool: PgPool) {
    let app = spawn(pool).await;
    let first = futures::future::join_all((0..16).map(|_| status(&app))).await;
    let computed: std::collections::HashSet<&str> = first
        .iter()
        .map(|s| s["checked_at"].as_str().unwrap())
        .collect();
    assert!(
        computed.len() < first.len(),
        "16 readers at once computed it {} times",
        computed.len()
    );
    let last: chrono::DateTime<chrono::Utc> =
        first[15]["checked_at"].as_str().unwrap().parse().unwrap();
    let again = status(&app).await;
    // Reused while nothing changed (unless this machine took longer than the reuse bound).
    if chrono::Utc::now() - last < engine::status::STATUS_REUSE {
        assert_eq!(again["checked_at"], first[15]["checked_at"], "{again}");
    }
    // A target that was never replicated: an event, so the next read says so at once.
    app.add_target(&app.remote_dir()).await;
    let s = status(&app).await;
    assert_eq!(s["status"], "warning", "{s}");
    assert_eq!(of_kind(&s, "replication_never").len(), 1, "{s}");
}

/// The health pages are cut from the one computation the status is made of: both say
/// the same as of the same time, a page's summary counts that page, the subvolume
/// filter and `/subvolumes/{id}/replication-health` agree, and an event (a new RPO)
/// shows on the next page at once, however recently the health was computed.
#[sqlx::test(migrations = false)]
async fn health_pages_and_the_status_are_one_computation_and_an_event_shows_at_once(pool: PgPool) {
    let app = spawn(pool).await;
    let dirs: Vec<String> = (0..2)
        .map(|n| format!("{}-one-{n}", app.remote_dir()))
        .collect();
    for dir in &dirs {
        testkit::ssh_ok(1, &format!("mkdir {dir}"));
        app.add_target(dir).await;
    }
    let s = status(&app).await;
    let (code, h) = app.get("/api/v1/replication/health").await;
    assert_eq!(code, StatusCode::OK, "{h}");
    let checked_at: chrono::DateTime<chrono::Utc> =
        s["checked_at"].as_str().unwrap().parse().unwrap();
    if chrono::Utc::now() - checked_at < engine::status::STATUS_REUSE {
        assert_eq!(h["as_of"], s["checked_at"], "one computation: {h} {s}");
    }
    assert_eq!(h["summary"]["never_replicated"], 2, "{h}");
    assert_eq!(of_kind(&s, "replication_never").len(), 2, "{s}");

    let (code, one) = app.get("/api/v1/replication/health?limit=1").await;
    assert_eq!(code, StatusCode::OK, "{one}");
    assert_eq!(one["items"].as_array().unwrap().len(), 1, "{one}");
    assert_eq!(
        (
            &one["summary"]["total"],
            &one["summary"]["never_replicated"]
        ),
        (&json!(1), &json!(1)),
        "the summary is the page's: {one}"
    );

    let sv = &app.subvolume;
    let (_, filtered) = app
        .get(&format!("/api/v1/replication/health?subvolume_id={sv}"))
        .await;
    let (_, of_subvolume) = app
        .get(&format!("/api/v1/subvolumes/{sv}/replication-health"))
        .await;
    assert_eq!(filtered["items"], of_subvolume["items"], "{filtered}");
    assert_eq!(
        filtered["items"], h["items"],
        "one subvolume here: {filtered}"
    );

    let (code, rpo) = app
        .send(
            "PUT",
            &format!("/api/v1/subvolumes/{sv}/rpo"),
            Some(json!({"rpo_seconds": 7200})),
        )
        .await;
    assert_eq!(code, StatusCode::OK, "{rpo}");
    let (_, after) = app.get("/api/v1/replication/health").await;
    for item in after["items"].as_array().unwrap() {
        assert_eq!(
            (&item["rpo_seconds"], &item["rpo_source"]),
            (&json!(7200), &json!("set")),
            "{after}"
        );
    }
    for dir in &dirs {
        testkit::ssh_ok(1, &format!("rmdir {dir}"));
    }
}
