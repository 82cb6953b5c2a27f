//! What keeps the API honest at fleet size: the replication health list is paged (every
//! target once, in order, and a bad cursor or limit refused); a database pool with no free
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
    let (code, all) = app.get("/api/v1/replication/health").await;
    assert_eq!(code, StatusCode::OK, "{all}");
    assert_eq!(all["items"].as_array().unwrap().len(), 3);
    assert!(all["next_after"].is_null(), "one page holds all: {all}");

    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let path = match &after {
            Some(a) => format!("/api/v1/replication/health?limit=1&after={a}"),
            None => "/api/v1/replication/health?limit=1".to_owned(),
        };
        let (code, page) = app.get(&path).await;
        assert_eq!(code, StatusCode::OK, "{page}");
        let items = page["items"].as_array().unwrap();
        seen.extend(
            items
                .iter()
                .map(|i| i["target_id"].as_str().unwrap().to_owned()),
        );
        match page["next_after"].as_str() {
            Some(next) => after = Some(next.to_owned()),
            None => break,
        }
        assert!(seen.len() <= 4, "the pages never end: {seen:?}");
    }
    // The last full page still names a next one, which is empty.
    let in_order: Vec<String> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["target_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(seen, in_order);
    let mut sorted = added.clone();
    sorted.sort();
    let mut got = seen.clone();
    got.sort();
    assert_eq!(got, sorted);

    for bad in ["limit=0", "limit=1001", "after=not-a-cursor", "after=e30"] {
        let (code, body) = app.get(&format!("/api/v1/replication/health?{bad}")).await;
        assert_problem(code, &body, StatusCode::BAD_REQUEST, bad);
    }
    for dir in &dirs {
        ssh_ok(1, &format!("rmdir {dir}"));
    }
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
