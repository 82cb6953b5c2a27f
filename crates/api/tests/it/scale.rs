//! What keeps the API honest at fleet size: every fleet list is keyset-paged (every item
//! once, in order, and a bad cursor or limit refused); the large lists' kept pages are
//! never older than the events committed; a database pool with no free
//! connection answers 503 with `Retry-After`, not 500; and `/metrics` says which of its
//! series it could not read instead of leaving them out silently.

use std::time::Duration;

use api::AppState;
use domain::Role;
use poem::http::StatusCode;
use serde_json::Value;
use sqlx::PgPool;
use testkit::app::assert_problem;
use testkit::{TestApp, ssh_ok};

use crate::replication_api::spawn;

/// Every item of a keyset-paged list, walked one item a page; asserts that the walk
/// gives the items of one whole page, in its order, and that each page but the last
/// names the next (a page of one item per request, so `n` items take `n` requests).
async fn walk_one_by_one(app: &TestApp, path: &str, id: &str) -> Vec<String> {
    let sep = if path.contains('?') { '&' } else { '?' };
    let (code, all) = app.get(path).await;
    assert_eq!(code, StatusCode::OK, "{path}: {all}");
    assert!(
        all["next_after"].is_null(),
        "{path}: one page holds all: {all}"
    );
    let whole: Vec<String> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i[id].as_str().unwrap().to_owned())
        .collect();
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let next = match &after {
            Some(a) => format!("{path}{sep}limit=1&after={a}"),
            None => format!("{path}{sep}limit=1"),
        };
        let (code, page) = app.get(&next).await;
        assert_eq!(code, StatusCode::OK, "{next}: {page}");
        let items = page["items"].as_array().unwrap();
        assert_eq!(items.len(), 1, "{next}: no empty page: {page}");
        seen.push(items[0][id].as_str().unwrap().to_owned());
        match page["next_after"].as_str() {
            Some(a) => after = Some(a.to_owned()),
            None => break,
        }
        assert!(
            seen.len() <= whole.len(),
            "{path}: the pages never end: {seen:?}"
        );
    }
    assert_eq!(seen, whole, "{path}");
    for bad in ["limit=0", "limit=1001", "after=not-a-cursor", "after=e30"] {
        let (code, body) = app.get(&format!("{path}{sep}{bad}")).await;
        assert_problem(code, &body, StatusCode::BAD_REQUEST, bad);
    }
    seen
}

#[sqlx::test(migrations = false)]
async fn the_health_list_pages_through_every_target_once_in_order(pool: PgPool) {
    let app = spawn(pool).await;
    let mut added = Vec::new();
    let dirs: Vec<String> = (0..3)
        .map(|n| format!("{}-{n}", app.remote_dir()))
        .collect();
    for dir in &dirs {
        ssh_ok(1, &format!("mkdir {dir}"));
        added.push(app.add_target(dir).await);
    }
    let mut seen = walk_one_by_one(&app, "/api/v1/replication/health", "target_id").await;
    seen.sort();
    added.sort();
    assert_eq!(seen, added);
    for dir in &dirs {
        ssh_ok(1, &format!("rmdir {dir}"));
    }
}

/// No list is unbounded: servers, subvolumes, policies, targets (all and of a
/// subvolume), a target's replicas and storage each page through every item once, in
/// the order of one whole page, and refuse a bad limit or cursor.
#[sqlx::test(migrations = false)]
async fn every_fleet_list_pages_through_every_item_once_in_order(pool: PgPool) {
    let app = spawn(pool).await;
    let dirs: Vec<String> = (0..2)
        .map(|n| format!("{}-page-{n}", app.remote_dir()))
        .collect();
    let mut targets = Vec::new();
    for dir in &dirs {
        ssh_ok(1, &format!("mkdir {dir}"));
        targets.push(app.add_target(dir).await);
    }
    for name in ["zeta", "alpha", "mid"] {
        let body = serde_json::json!({"name": name,
            "schedule": {"cron": "0 * * * *", "time_zone": "UTC"},
            "retention": {"keep_last": 1}});
        let (code, p) = app.post("/api/v1/policies", body).await;
        assert_eq!(code, StatusCode::CREATED, "{p}");
    }
    // Two replicas on every target.
    app.snapshot_and_replicate().await;
    app.snapshot_and_replicate().await;

    let servers = walk_one_by_one(&app, "/api/v1/servers", "name").await;
    let mut sorted = servers.clone();
    sorted.sort();
    assert_eq!(servers, sorted, "servers by name");
    assert!(servers.len() >= 2, "the primary and a remote: {servers:?}");
    let policies = walk_one_by_one(&app, "/api/v1/policies", "name").await;
    assert_eq!(policies, ["alpha", "mid", "zeta"]);
    walk_one_by_one(&app, "/api/v1/subvolumes", "id").await;
    let all_targets = walk_one_by_one(&app, "/api/v1/targets", "id").await;
    for t in &targets {
        assert!(all_targets.contains(t), "{t} in {all_targets:?}");
    }
    let of_subvolume = format!("/api/v1/subvolumes/{}/targets", app.subvolume);
    assert_eq!(
        walk_one_by_one(&app, &of_subvolume, "id").await,
        all_targets
    );
    let replicas = walk_one_by_one(
        &app,
        &format!("/api/v1/targets/{}/replicas", targets[1]),
        "path",
    )
    .await;
    assert_eq!(replicas.len(), 2, "{replicas:?}");
    assert!(replicas[0] < replicas[1], "by path: {replicas:?}");
    walk_one_by_one(&app, "/api/v1/storage", "server_name").await;
    for dir in &dirs {
        ssh_ok(
            1,
            &format!(
                "rm -rf {dir}/.dist-btrfs-staging; for s in {dir}/*; do [ -e \"$s\" ] && sudo btrfs subvolume delete \"$s\" >/dev/null; done; rmdir {dir}"
            ),
        );
    }
}

/// The large lists a dashboard polls (replications, targets) answer a page kept by its
/// query while no event commits: a change made behind the projections' back (no event)
/// does not show until the next event, and a page asked for right after an event shows
/// it (a kept page is never older than the events its reader saw committed).
#[sqlx::test(migrations = false)]
async fn replications_and_targets_pages_are_kept_until_an_event_commits(pool: PgPool) {
    let app = spawn(pool).await;
    let dir = format!("{}-kept", app.remote_dir());
    ssh_ok(1, &format!("mkdir {dir}"));
    let target = app.add_target(&dir).await;
    let (code, runs) = app.get("/api/v1/replications?limit=5").await;
    assert_eq!(code, StatusCode::OK, "{runs}");
    assert_eq!(runs["items"], serde_json::json!([]), "{runs}");
    let (code, targets) = app.get("/api/v1/targets").await;
    assert_eq!(code, StatusCode::OK, "{targets}");
    assert_eq!(targets["items"][0]["directory"], dir.as_str(), "{targets}");

    sqlx::query("UPDATE proj_targets SET directory = '/behind/its/back' WHERE target_id = $1")
        .bind(uuid::Uuid::parse_str(&target).unwrap())
        .execute(&app.pool)
        .await
        .unwrap();
    let (_, kept) = app.get("/api/v1/targets").await;
    assert_eq!(kept, targets, "no event since: the kept page");
    let (_, other) = app.get("/api/v1/targets?limit=1").await;
    assert_eq!(
        other["items"][0]["directory"], "/behind/its/back",
        "another query is read: {other}"
    );

    // A run: its events commit, and the next pages are read again.
    let (_, id, last) = app.snapshot_and_replicate().await;
    let (_, runs) = app.get("/api/v1/replications?limit=5").await;
    assert_eq!(runs["items"].as_array().unwrap().len(), 1, "{runs}");
    assert_eq!(runs["items"][0]["id"], id.as_str());
    assert_eq!(runs["items"][0]["state"], last["state"], "{runs}");
    let (_, targets) = app.get("/api/v1/targets").await;
    assert_eq!(
        targets["items"][0]["directory"], "/behind/its/back",
        "{targets}"
    );
    // Bad input is refused whatever is kept.
    let (code, _) = app.get("/api/v1/replications?limit=5&after=forged").await;
    assert_eq!(code, StatusCode::BAD_REQUEST);
    ssh_ok(
        1,
        &format!(
            "rm -rf {dir}/.dist-btrfs-staging; for s in {dir}/*; do [ -e \"$s\" ] && sudo btrfs subvolume delete \"$s\" >/dev/null; done; rmdir {dir}"
        ),
    );
}

/// A page of policies is kept like the replications and targets pages, and with its
/// next snapshots (computed from the clock) until the first of them: a change behind the
/// projections' back does not show, a change by an event shows on the next read.
#[sqlx::test(migrations = false)]
async fn a_policies_page_is_kept_until_an_event_commits(pool: PgPool) {
    let app = spawn(pool).await;
    // Once a year: no slot passes during the test, which would make it read the page again.
    let body = serde_json::json!({"name": "kept",
        "schedule": {"cron": "0 0 1 1 *", "time_zone": "UTC"},
        "retention": {"keep_last": 1}});
    let (code, policy) = app.post("/api/v1/policies", body).await;
    assert_eq!(code, StatusCode::CREATED, "{policy}");
    let (code, page) = app.get("/api/v1/policies").await;
    assert_eq!(code, StatusCode::OK, "{page}");
    assert_eq!(page["items"][0]["name"], "kept", "{page}");
    assert_eq!(
        page["items"][0]["next_snapshot_at"], policy["next_snapshot_at"],
        "{page}"
    );

    sqlx::query("UPDATE proj_policies SET replicate_after_snapshot = NOT replicate_after_snapshot")
        .execute(&app.pool)
        .await
        .unwrap();
    let (_, kept) = app.get("/api/v1/policies").await;
    assert_eq!(kept, page, "no event since: the kept page");

    let id = policy["id"].as_str().unwrap();
    let (code, patched) = app
        .patch(
            &format!("/api/v1/policies/{id}"),
            serde_json::json!({"retention": {"keep_last": 3}}),
        )
        .await;
    assert_eq!(code, StatusCode::OK, "{patched}");
    let (_, page) = app.get("/api/v1/policies").await;
    assert_eq!(page["items"][0]["retention"]["keep_last"], 3, "{page}");
    assert_ne!(
        page["items"][0]["replicate_after_snapshot"], kept["items"][0]["replicate_after_snapshot"],
        "read again: {page}"
    );
    // Bad input is refused whatever is kept.
    let (code, _) = app.get("/api/v1/policies?after=forged").await;
    assert_eq!(code, StatusCode::BAD_REQUEST);
}

/// The app over a pool of one connection that gives up waiting after 200 ms.
async fn app_on_a_tiny_pool(pool: &PgPool) -> (TestApp, PgPool) {
    let tiny = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(Duration::from_millis(200))
        .connect_with(pool.connect_options().as_ref().clone())
        .await
        .unwrap();
    let app = TestApp::start(AppState::new(tiny.clone()), Role::Admin).await;
    (app, tiny)
}

#[sqlx::test(migrations = false)]
async fn a_pool_with_no_free_connection_answers_503_with_retry_after(pool: PgPool) {
    let (app, tiny) = app_on_a_tiny_pool(&pool).await;
    let (code, _) = app.get("/api/v1/servers").await;
    assert_eq!(code, StatusCode::OK);

    let held = tiny.acquire().await.unwrap();
    for path in [
        "/api/v1/servers",
        "/api/v1/replication/health",
        "/api/v1/status",
    ] {
        let resp = app
            .client
            .get(path)
            .header("Authorization", &app.bearer)
            .send()
            .await;
        assert_eq!(resp.0.status(), StatusCode::SERVICE_UNAVAILABLE, "{path}");
        let headers = resp.0.headers().clone();
        let retry_after = resp
            .0
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let text = resp.0.into_body().into_string().await.unwrap();
        assert_eq!(
            retry_after.as_deref(),
            Some("1"),
            "{path}: {text} {headers:?}"
        );
        let body: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(body["type"], "/problems/database-busy", "{path}: {body}");
    }
    drop(held);
    let (code, _) = app.get("/api/v1/servers").await;
    assert_eq!(code, StatusCode::OK, "free again");
}

/// One `/metrics` text.
async fn scrape(app: &TestApp) -> String {
    let resp = app
        .client
        .get("/api/v1/metrics")
        .header("Authorization", &app.bearer)
        .send()
        .await;
    assert_eq!(resp.0.status(), StatusCode::OK);
    resp.0.into_body().into_string().await.unwrap()
}

#[sqlx::test(migrations = false)]
async fn metrics_name_the_series_they_could_not_read(pool: PgPool) {
    let app = TestApp::start(AppState::new(pool.clone()), Role::Admin).await;
    let text = scrape(&app).await;
    assert!(
        text.contains("dist_btrfs_scrape_errors{source=\"jobs\"} 0"),
        "{text}"
    );
    assert!(text.contains("dist_btrfs_events_total{"), "{text}");

    // The job queue's table unreadable: its series go, and the scrape says so.
    sqlx::query("ALTER TABLE apalis.jobs RENAME TO jobs_away")
        .execute(&pool)
        .await
        .unwrap();
    let text = scrape(&app).await;
    assert!(
        text.contains("dist_btrfs_scrape_errors{source=\"jobs\"} 1"),
        "{text}"
    );
    assert!(
        text.contains("dist_btrfs_scrape_errors{source=\"jobs_by_queue\"} 1"),
        "{text}"
    );
    assert!(
        text.contains("dist_btrfs_scrape_errors{source=\"events\"} 0"),
        "{text}"
    );
    sqlx::query("ALTER TABLE apalis.jobs_away RENAME TO jobs")
        .execute(&pool)
        .await
        .unwrap();
    let text = scrape(&app).await;
    assert!(
        text.contains("dist_btrfs_scrape_errors{source=\"jobs\"} 0"),
        "{text}"
    );
}
