//! Replication over HTTP (poem's `TestClient` over `api::app`): targets and replications
//! with a real Postgres (fresh database per test), a real vault, the lab primary's btrfs
//! (own directory `<LAB_PRIMARY_MOUNT>/t-<uuid>`) and lab remote1 (own directory under
//! `LAB_REMOTE_TARGET_DIR`, made and removed with OpenSSH). Bad input is refused with the
//! field named first and changes nothing.

use std::process::Command;
use std::time::Duration;

use domain::Role;
use poem::http::StatusCode;
use serde_json::{Value, json};
use sqlx::PgPool;
use testkit::{Fleet, TestApp, ssh_ok};

/// The API as an admin over the lab primary and lab remote 1 (registered), with the
/// area's subvolume managed as "data".
pub(crate) struct Setup {
    pub(crate) api: TestApp,
    pub(crate) fleet: Fleet,
    pub(crate) primary: String,
    pub(crate) remote: String,
    pub(crate) subvolume: String,
}

impl std::ops::Deref for Setup {
    type Target = TestApp;
    fn deref(&self) -> &TestApp {
        &self.api
    }
}

pub(crate) async fn spawn(pool: PgPool) -> Setup {
    let fleet = Fleet::with_remotes(pool, &[1]).await;
    let api = TestApp::for_fleet(&fleet, Role::Admin).await;
    let subvolume = fleet.manage(Some("data")).await.to_string();
    Setup {
        api,
        primary: fleet.primary.to_string(),
        remote: fleet.remote_id(1).to_string(),
        subvolume,
        fleet,
    }
}

impl Setup {
    /// The test's target directory on remote 1.
    pub(crate) fn remote_dir(&self) -> String {
        self.fleet.area.remote(1).to_owned()
    }

    /// Adds a target on remote 1 in `dir` over HTTP; its id.
    pub(crate) async fn add_target(&self, dir: &str) -> String {
        let (status, t) = self
            .send(
                "POST",
                &format!("/api/v1/subvolumes/{}/targets", self.subvolume),
                Some(json!({"server_id": self.remote, "directory": dir})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{t}");
        t["id"].as_str().unwrap().to_owned()
    }

    /// A target whose directory disappears from the remote after it was added (a missing
    /// one is refused at add), so that sends to it fail: (its id, the directory).
    pub(crate) async fn add_vanished_target(&self) -> (String, String) {
        let gone = format!("{}-gone", self.remote_dir());
        ssh_ok(1, &format!("mkdir {gone}"));
        let id = self.add_target(&gone).await;
        ssh_ok(1, &format!("rmdir {gone}"));
        (id, gone)
    }
    /// Snapshots the subvolume, replicates it to all its targets and polls until the
    /// run finished (generous deadline; no timing is asserted): (snapshot, run id, run).
    pub(crate) async fn snapshot_and_replicate(&self) -> (String, String, Value) {
        let sv = &self.subvolume;
        let (_, snap) = self
            .send("POST", &format!("/api/v1/subvolumes/{sv}/snapshots"), None)
            .await;
        let snap = snap["id"].as_str().unwrap().to_owned();
        let (status, rep) = self
            .send(
                "POST",
                "/api/v1/replications",
                Some(json!({"snapshot_id": snap})),
            )
            .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{rep}");
        let id = rep["id"].as_str().unwrap().to_owned();
        let mut last = Value::Null;
        for _ in 0..600 {
            let (status, r) = self
                .send("GET", &format!("/api/v1/replications/{id}"), None)
                .await;
            assert_eq!(status, StatusCode::OK);
            last = r;
            if !matches!(last["state"].as_str(), Some("queued" | "running")) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        (snap, id, last)
    }

    /// Asserts a refusal with `status` whose detail starts with `field`, and that the
    /// log did not grow.
    async fn refused(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
        status: StatusCode,
        field: &str,
    ) {
        let before = self.events().await;
        let (got, problem) = self.send(method, path, body).await;
        assert_eq!(got, status, "{method} {path}: {problem}");
        let detail = problem["detail"].as_str().unwrap_or_default();
        assert!(
            detail.starts_with(field),
            "{method} {path}: detail {detail:?} should start with {field:?}"
        );
        assert_eq!(
            self.events().await,
            before,
            "{method} {path} changed nothing"
        );
    }
}

#[sqlx::test(migrations = false)]
async fn bad_input_is_refused_naming_the_field_and_changes_nothing(pool: PgPool) {
    let app = spawn(pool).await;
    let sv = app.subvolume.clone();
    let targets = format!("/api/v1/subvolumes/{sv}/targets");
    let good = json!({"server_id": app.remote, "directory": app.remote_dir()});
    let unknown = uuid::Uuid::now_v7().to_string();

    app.refused(
        "POST",
        &format!("/api/v1/subvolumes/{unknown}/targets"),
        Some(good.clone()),
        StatusCode::NOT_FOUND,
        "no subvolume",
    )
    .await;
    for (body, status, field) in [
        (
            json!({"server_id": app.remote, "directory": "/etc/backups"}),
            StatusCode::BAD_REQUEST,
            "directory",
        ),
        (
            json!({"server_id": app.remote, "directory": "backups/x"}),
            StatusCode::BAD_REQUEST,
            "directory",
        ),
        (
            json!({"server_id": app.remote, "directory": "/srv/dist-btrfs/../etc"}),
            StatusCode::BAD_REQUEST,
            "directory",
        ),
        (
            json!({"server_id": app.primary, "directory": app.fleet.area.dir}),
            StatusCode::BAD_REQUEST,
            "server_id",
        ),
        (
            json!({"server_id": unknown, "directory": app.remote_dir()}),
            StatusCode::NOT_FOUND,
            "server_id",
        ),
        (
            json!({"server_id": app.remote, "directory": app.remote_dir(),
                   "rate_limit_bytes_per_sec": 0}),
            StatusCode::BAD_REQUEST,
            "rate_limit_bytes_per_sec",
        ),
    ] {
        app.refused("POST", &targets, Some(body), status, field)
            .await;
    }

    let (status, target) = app.send("POST", &targets, Some(good.clone())).await;
    assert_eq!(status, StatusCode::CREATED, "{target}");
    assert_eq!(target["missing"], "newest_only");
    assert_eq!(target["compression"], "none");
    assert_eq!(target["strict_incremental"], false);
    let tid = target["id"].as_str().unwrap().to_owned();
    app.refused(
        "POST",
        &targets,
        Some(good),
        StatusCode::CONFLICT,
        "directory",
    )
    .await;
    app.refused(
        "PATCH",
        &format!("/api/v1/targets/{tid}"),
        Some(json!({"directory": "/tmp"})),
        StatusCode::BAD_REQUEST,
        "directory",
    )
    .await;
    app.refused(
        "PATCH",
        &format!("/api/v1/targets/{unknown}"),
        Some(json!({"strict_incremental": true})),
        StatusCode::NOT_FOUND,
        "no target",
    )
    .await;
    app.refused(
        "DELETE",
        &format!("/api/v1/targets/{unknown}"),
        None,
        StatusCode::NOT_FOUND,
        "no target",
    )
    .await;

    // Replications.
    let (status, snap) = app
        .send("POST", &format!("/api/v1/subvolumes/{sv}/snapshots"), None)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{snap}");
    let snap = snap["id"].as_str().unwrap().to_owned();
    app.refused(
        "POST",
        "/api/v1/replications",
        Some(json!({"snapshot_id": unknown})),
        StatusCode::NOT_FOUND,
        "snapshot_id",
    )
    .await;
    app.refused(
        "POST",
        "/api/v1/replications",
        Some(json!({"snapshot_id": snap, "target_ids": [unknown]})),
        StatusCode::NOT_FOUND,
        "target_ids",
    )
    .await;
    app.refused(
        "POST",
        "/api/v1/replications",
        Some(json!({"snapshot_id": snap, "target_ids": []})),
        StatusCode::BAD_REQUEST,
        "target_ids",
    )
    .await;
    app.refused(
        "GET",
        &format!("/api/v1/replications/{unknown}"),
        None,
        StatusCode::NOT_FOUND,
        "no replication",
    )
    .await;
    app.refused(
        "GET",
        "/api/v1/replications?limit=0",
        None,
        StatusCode::BAD_REQUEST,
        "limit",
    )
    .await;

    // A target of another subvolume is refused for this snapshot.
    let other_vol = format!("{}/other", app.fleet.area.dir);
    assert!(
        Command::new("btrfs")
            .args(["subvolume", "create", &other_vol])
            .output()
            .unwrap()
            .status
            .success()
    );
    let (status, other) = app
        .send(
            "POST",
            "/api/v1/subvolumes",
            Some(json!({"server_id": app.primary, "path": other_vol,
                        "snapshot_dir": app.fleet.area.snaps, "name": "other"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{other}");
    let other_sv = other["id"].as_str().unwrap();
    let (status, other_target) = app
        .send(
            "POST",
            &format!("/api/v1/subvolumes/{other_sv}/targets"),
            Some(json!({"server_id": app.remote, "directory": app.remote_dir()})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{other_target}");
    app.refused(
        "POST",
        "/api/v1/replications",
        Some(json!({"snapshot_id": snap, "target_ids": [other_target["id"]]})),
        StatusCode::BAD_REQUEST,
        "target_ids",
    )
    .await;

    // The remote cannot be removed while targets use it; the message names them.
    let before = app.events().await;
    let (status, problem) = app
        .send("DELETE", &format!("/api/v1/servers/{}", app.remote), None)
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert!(
        problem["detail"].as_str().unwrap().contains(&tid),
        "{problem}"
    );
    assert_eq!(app.events().await, before);

    // Listing: two targets overall, one of this subvolume.
    let (status, all) = app.send("GET", "/api/v1/targets", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(all["items"].as_array().unwrap().len(), 2);
    let (_, mine) = app.send("GET", &targets, None).await;
    assert_eq!(mine["items"].as_array().unwrap().len(), 1);
    let _ = std::fs::remove_dir(&other_vol);
    let _ = Command::new("btrfs")
        .args(["subvolume", "delete", &other_vol])
        .output();
}

#[sqlx::test(migrations = false)]
async fn replicate_over_http_and_poll_to_the_result(pool: PgPool) {
    let app = spawn(pool).await;
    let sv = app.subvolume.clone();
    let (status, target) = app
        .send(
            "POST",
            &format!("/api/v1/subvolumes/{sv}/targets"),
            Some(
                json!({"server_id": app.remote, "directory": app.remote_dir(),
                        "missing": "send_all", "rate_limit_bytes_per_sec": 100000000}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{target}");
    assert_eq!(target["missing"], "send_all");
    let tid = target["id"].as_str().unwrap().to_owned();
    let (snap, id, last) = app.snapshot_and_replicate().await;
    assert_eq!(last["targets"][0]["target_id"], tid.as_str());
    assert_eq!(last["state"], "succeeded", "{last}");
    let t = &last["targets"][0];
    assert_eq!(t["state"], "succeeded", "{t}");
    assert_eq!(t["kind"], "full");
    assert_eq!(t["group_size"], 1);
    assert!(t["bytes"].as_u64().unwrap() > 0, "{t}");
    assert!(
        t["received_path"]
            .as_str()
            .unwrap()
            .starts_with(&app.remote_dir()),
        "{t}"
    );

    let (_, page) = app.send("GET", "/api/v1/replications?limit=5", None).await;
    assert_eq!(page["items"].as_array().unwrap().len(), 1, "{page}");
    assert_eq!(page["next_after"], Value::Null, "one run: the last page");
    assert_eq!(page["items"][0]["id"], id.as_str());
    // The list reads every run's targets at once: the same rows as the run itself.
    assert_eq!(page["items"][0]["targets"], last["targets"], "{page}");
    // And every target's pin at once: the list says what the target itself says.
    let (_, listed) = app.send("GET", "/api/v1/targets", None).await;
    let (_, single) = app
        .send("GET", &format!("/api/v1/targets/{tid}"), None)
        .await;
    assert_eq!(listed["items"][0], single, "{listed}");
    assert_eq!(single["common_base_snapshot_id"], snap.as_str(), "{single}");
    let (_, page) = app
        .send(
            "GET",
            &format!("/api/v1/replications?subvolume_id={sv}"),
            None,
        )
        .await;
    assert_eq!(page["items"].as_array().unwrap().len(), 1, "{page}");
    let (_, page) = app
        .send(
            "GET",
            &format!("/api/v1/replications?subvolume_id={}", uuid::Uuid::now_v7()),
            None,
        )
        .await;
    assert_eq!(page["items"], serde_json::json!([]), "{page}");
    let (_, replicas) = app
        .send("GET", &format!("/api/v1/targets/{tid}/replicas"), None)
        .await;
    assert_eq!(replicas["items"].as_array().unwrap().len(), 1, "{replicas}");
    assert_eq!(replicas["items"][0]["snapshot_id"], snap.as_str());
    let (_, t) = app
        .send("GET", &format!("/api/v1/targets/{tid}"), None)
        .await;
    assert_eq!(t["common_base_snapshot_id"], snap.as_str());

    // A target with a finished replication can be changed and removed.
    let (status, t) = app
        .send(
            "PATCH",
            &format!("/api/v1/targets/{tid}"),
            Some(json!({"rate_limit_bytes_per_sec": null, "strict_incremental": true})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{t}");
    assert_eq!(t["rate_limit_bytes_per_sec"], Value::Null);
    assert_eq!(t["strict_incremental"], true);
    let (status, _) = app
        .send("DELETE", &format!("/api/v1/targets/{tid}"), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, all) = app.send("GET", "/api/v1/targets", None).await;
    assert_eq!(all["items"].as_array().unwrap().len(), 0);
}

/// The `/metrics` sample of `family` whose labels are exactly `labels`.
pub(crate) fn sample(text: &str, family: &str, labels: &str) -> Option<f64> {
    let prefix = format!("{family}{{{labels}}} ");
    text.lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .map(|v| v.parse().unwrap())
}

#[sqlx::test(migrations = false)]
async fn health_rpo_and_metrics_follow_a_real_replication(pool: PgPool) {
    let app = spawn(pool).await;
    let sv = app.subvolume.clone();
    let good = app.add_target(&app.remote_dir()).await;
    let (bad, _) = app.add_vanished_target().await;

    let (status, h) = app.send("GET", "/api/v1/replication/health", None).await;
    assert_eq!(status, StatusCode::OK, "{h}");
    assert_eq!(h["summary"]["total"], 2, "{h}");
    assert_eq!(h["summary"]["never_replicated"], 2, "{h}");

    // The RPO: refused out of range (naming the field, nothing recorded), 404 unknown.
    let rpo = format!("/api/v1/subvolumes/{sv}/rpo");
    app.refused(
        "PUT",
        &rpo,
        Some(json!({"rpo_seconds": 30})),
        StatusCode::BAD_REQUEST,
        "rpo_seconds",
    )
    .await;
    app.refused(
        "PUT",
        &format!("/api/v1/subvolumes/{}/rpo", uuid::Uuid::now_v7()),
        Some(json!({"rpo_seconds": 3600})),
        StatusCode::NOT_FOUND,
        "no subvolume",
    )
    .await;

    let (snap, id, run) = app.snapshot_and_replicate().await;
    assert_eq!(run["state"], "partially_failed", "{run}");
    let sent = run["targets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["target_id"] == good.as_str())
        .unwrap()["bytes"]
        .as_u64()
        .unwrap();
    assert!(sent > 0);

    let (status, h) = app
        .send(
            "GET",
            &format!("/api/v1/subvolumes/{sv}/replication-health"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{h}");
    assert_eq!(h["rpo"]["rpo_source"], "default", "{h}");
    assert_eq!(h["rpo"]["rpo_seconds"], 86400);
    assert_eq!(h["summary"]["ok"], 1, "{h}");
    assert_eq!(h["summary"]["failing"], 1, "{h}");
    let item = |tid: &str| {
        h["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["target_id"] == tid)
            .unwrap()
            .clone()
    };
    let ok = item(&good);
    assert_eq!(ok["state"], "ok", "{ok}");
    assert_eq!(ok["newest_primary_snapshot"]["id"], snap.as_str());
    assert_eq!(ok["newest_replica_snapshot"]["id"], snap.as_str());
    assert_eq!(ok["lag_seconds"], 0);
    assert_eq!(ok["last_success_replication_id"], id.as_str());
    assert_eq!(ok["last_transfer_kind"], "full");
    assert_eq!(ok["last_transfer_bytes"].as_u64(), Some(sent));
    assert_eq!(ok["bytes_total"].as_u64(), Some(sent));
    assert!(
        ok["last_transfer_throughput_bytes_per_sec"]
            .as_u64()
            .is_some(),
        "{ok}"
    );
    assert_eq!(ok["failures_total"], 0);
    assert_eq!(ok["server_name"], "remote1");
    assert_eq!(ok["subvolume_name"], "data");
    let failing = item(&bad);
    assert_eq!(failing["state"], "failing", "{failing}");
    assert_eq!(failing["failures_total"], 1);
    assert_eq!(failing["last_failure_replication_id"], id.as_str());
    assert!(
        !failing["last_error"].as_str().unwrap().is_empty(),
        "{failing}"
    );
    assert!(failing["last_error_class"].is_string(), "{failing}");
    assert_eq!(failing["newest_replica_snapshot"], Value::Null);

    // The same snapshot again to the good target: a no-op recorded as "already present",
    // a success that is no transfer (the last transfer's figures stay the first run's).
    let (status, again) = app
        .send(
            "POST",
            "/api/v1/replications",
            Some(json!({"snapshot_id": snap, "target_ids": [good]})),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{again}");
    let again_id = again["id"].as_str().unwrap().to_owned();
    let mut run = Value::Null;
    for _ in 0..600 {
        run = app
            .send("GET", &format!("/api/v1/replications/{again_id}"), None)
            .await
            .1;
        if run["state"] == "succeeded" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(run["state"], "succeeded", "{run}");
    assert_eq!(run["targets"][0]["kind"], "already_present", "{run}");
    let (_, h) = app
        .send(
            "GET",
            &format!("/api/v1/replication/health?subvolume_id={sv}"),
            None,
        )
        .await;
    let ok = h["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["target_id"] == good.as_str())
        .unwrap()
        .clone();
    assert_eq!(ok["last_success_replication_id"], again_id.as_str(), "{ok}");
    assert_eq!(ok["last_transfer_bytes"].as_u64(), Some(sent), "{ok}");
    assert_eq!(ok["last_transfer_kind"], "full", "{ok}");

    // Set, read back, reset.
    let (status, r) = app
        .send("PUT", &rpo, Some(json!({"rpo_seconds": 7200})))
        .await;
    assert_eq!(status, StatusCode::OK, "{r}");
    assert_eq!(
        (r["rpo_seconds"].as_u64(), r["rpo_source"].as_str()),
        (Some(7200), Some("set"))
    );
    let (_, h2) = app
        .send(
            "GET",
            &format!("/api/v1/replication/health?subvolume_id={sv}"),
            None,
        )
        .await;
    assert!(
        h2["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["rpo_seconds"] == 7200),
        "{h2}"
    );

    // A queued job of a queue `/metrics` has no list of (jobs by queue come from apalis.jobs).
    sqlx::query(
        "INSERT INTO apalis.jobs (id, job_type, job, status, attempts, max_attempts, run_at, priority)
         VALUES (apalis.generate_ulid(), 'dist-btrfs.replicate', '\\x7b7d', 'Pending', 0, 3, now(), 0)",
    )
    .execute(&app.pool)
    .await
    .unwrap();

    // /metrics: the replication series with the right labels and values.
    let (status, text) = app.send("GET", "/api/v1/metrics", None).await;
    assert_eq!(status, StatusCode::OK);
    let text = text.as_str().unwrap().to_owned();
    let labels = |tid: &str| {
        format!("subvolume=\"data\",subvolume_id=\"{sv}\",target_id=\"{tid}\",server=\"remote1\"")
    };
    let (lg, lb) = (labels(&good), labels(&bad));
    let health = |l: &str, s: &str| {
        sample(
            &text,
            "dist_btrfs_replication_health",
            &format!("{l},state=\"{s}\""),
        )
    };
    assert_eq!(health(&lg, "ok"), Some(1.0), "{text}");
    assert_eq!(health(&lg, "failing"), Some(0.0));
    assert_eq!(health(&lb, "failing"), Some(1.0));
    assert_eq!(health(&lb, "ok"), Some(0.0));
    assert_eq!(
        sample(&text, "dist_btrfs_replication_bytes_total", &lg),
        Some(sent as f64)
    );
    assert_eq!(
        sample(&text, "dist_btrfs_replication_failures_total", &lb),
        Some(1.0)
    );
    assert_eq!(
        sample(&text, "dist_btrfs_replication_failures_total", &lg),
        Some(0.0)
    );
    assert_eq!(
        sample(&text, "dist_btrfs_replication_lag_seconds", &lg),
        Some(0.0)
    );
    assert_eq!(
        sample(&text, "dist_btrfs_replication_rpo_seconds", &lg),
        Some(7200.0)
    );
    let finished = chrono::DateTime::parse_from_rfc3339(ok["last_success_at"].as_str().unwrap())
        .unwrap()
        .timestamp();
    assert_eq!(
        sample(
            &text,
            "dist_btrfs_replication_last_success_timestamp_seconds",
            &lg
        ),
        Some(finished as f64)
    );
    assert_eq!(
        sample(
            &text,
            "dist_btrfs_replication_last_success_timestamp_seconds",
            &lb
        ),
        None
    );
    assert_eq!(
        sample(
            &text,
            "dist_btrfs_replications",
            "state=\"partially_failed\""
        ),
        Some(1.0)
    );
    assert_eq!(
        sample(
            &text,
            "dist_btrfs_jobs_by_queue",
            "queue=\"dist-btrfs.replicate\",state=\"pending\""
        ),
        Some(1.0)
    );
    assert_eq!(
        sample(&text, "dist_btrfs_jobs", "state=\"pending\""),
        Some(1.0)
    );

    let (status, r) = app
        .send("PUT", &rpo, Some(json!({"rpo_seconds": null})))
        .await;
    assert_eq!(status, StatusCode::OK, "{r}");
    assert_eq!(r["rpo_source"], "default");
    assert_eq!(r["rpo_set_seconds"], Value::Null);
}
