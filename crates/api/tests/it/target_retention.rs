//! Target retention over HTTP against the lab: `GET /targets/{id}/retention` says what
//! the next prune would do to each replica (and why), a policy preview with `target_id`
//! plans a draft's target retention over the same replicas, and the prune then deletes
//! exactly what the plan said.

use poem::http::StatusCode;
use serde_json::{Value, json};
use sqlx::PgPool;

use crate::replication_api::{Setup, spawn};

async fn retention(app: &Setup, target: &str) -> Value {
    let (code, r) = app
        .send("GET", &format!("/api/v1/targets/{target}/retention"), None)
        .await;
    assert_eq!(code, StatusCode::OK, "{r}");
    r
}

/// The rows' (snapshot id, action) pairs, oldest first.
fn actions(rows: &Value) -> Vec<(String, String)> {
    rows.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["snapshot_id"].as_str().unwrap().to_owned(),
                r["action"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn policy(target_keep_last: Option<u32>) -> Value {
    let mut p = json!({"name": "with-targets",
        "schedule": {"cron": "0 3 * * *", "time_zone": "UTC"},
        "retention": {"keep_last": 10}});
    if let Some(n) = target_keep_last {
        p["target_retention"] = json!({"keep_last": n});
    }
    p
}

#[sqlx::test(migrations = false)]
async fn the_next_prune_of_a_target_is_shown_per_replica_and_is_what_pruning_does(pool: PgPool) {
    let app = spawn(pool).await;
    let target = app.add_target(&app.remote_dir()).await;
    let mut snaps = Vec::new();
    for _ in 0..3 {
        let (snap, _, run) = app.snapshot_and_replicate().await;
        assert_eq!(run["state"], "succeeded", "{run}");
        snaps.push(snap);
    }

    // No policy: nothing prunes there, every replica is kept, the newest is the base.
    let r = retention(&app, &target).await;
    assert_eq!(
        (r["policy_id"].clone(), r["target_retention"].clone()),
        (Value::Null, Value::Null),
        "{r}"
    );
    assert_eq!(
        (r["keep"].as_u64(), r["delete"].as_u64()),
        (Some(3), Some(0)),
        "{r}"
    );
    let rows = r["replicas"].as_array().unwrap();
    let ids: Vec<&str> = rows
        .iter()
        .map(|x| x["snapshot_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        snaps.iter().map(String::as_str).collect::<Vec<_>>(),
        "oldest first"
    );
    let pinned: Vec<bool> = rows
        .iter()
        .map(|x| x["pinned_as_base"].as_bool().unwrap())
        .collect();
    assert_eq!(pinned, [false, false, true], "{r}");
    for row in rows {
        assert!(
            row["path"].as_str().unwrap().starts_with(&app.remote_dir()),
            "{row}"
        );
        assert!(row["received_at"].is_string(), "{row}");
        // Quotas are off in the lab: unknown, never a made-up 0.
        assert_ne!(row["size_bytes"], json!(0), "{row}");
    }

    // A policy keeping one replica per target: the two older ones go, the newest stays
    // for two reasons.
    let (code, p) = app.post("/api/v1/policies", policy(Some(1))).await;
    assert_eq!(code, StatusCode::CREATED, "{p}");
    let (code, body) = app
        .post(
            &format!("/api/v1/subvolumes/{}/policy", app.subvolume),
            json!({"policy_id": p["id"]}),
        )
        .await;
    assert_eq!(code, StatusCode::OK, "{body}");
    let events = app.events().await;
    let r = retention(&app, &target).await;
    assert_eq!(r["policy_id"], p["id"], "{r}");
    assert_eq!(r["target_retention"]["keep_last"], 1, "{r}");
    let planned = actions(&r["replicas"]);
    let expected: Vec<(String, String)> = snaps
        .iter()
        .zip(["delete", "delete", "keep"])
        .map(|(s, a)| (s.clone(), a.to_owned()))
        .collect();
    assert_eq!(planned, expected, "{r}");
    let newest = &r["replicas"][2];
    let reasons: Vec<&str> = newest["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap())
        .collect();
    assert!(reasons.contains(&"keep_last 1"), "{reasons:?}");
    // Named by the target's server and directory (the id only when they are gone).
    let base = format!(":{}", app.remote_dir());
    assert!(
        reasons
            .iter()
            .any(|x| x.starts_with("incremental base for target ") && x.ends_with(&base)),
        "{reasons:?}"
    );
    assert_eq!(r["replicas"][0]["reasons"], json!([]), "{r}");

    // A draft keeping two, previewed on the target: the same replicas, one goes.
    let mut draft = policy(Some(2));
    draft["name"] = json!("draft");
    let (code, pv) = app
        .post(
            "/api/v1/policies/preview",
            json!({"subvolume_id": app.subvolume, "target_id": target, "draft": draft}),
        )
        .await;
    assert_eq!(code, StatusCode::OK, "{pv}");
    assert_eq!(
        (
            pv["target_id"].as_str(),
            pv["keep"].as_u64(),
            pv["delete"].as_u64()
        ),
        (Some(target.as_str()), Some(2), Some(1)),
        "{pv}"
    );
    assert!(
        pv["snapshots"][0]["path"]
            .as_str()
            .unwrap()
            .starts_with(&app.remote_dir()),
        "{pv}"
    );

    // Refusals name the field: a target of no such subvolume, a draft without target retention.
    for (body, field) in [
        (
            json!({"subvolume_id": app.subvolume, "target_id": uuid::Uuid::now_v7(), "draft": draft}),
            "target_id",
        ),
        (
            json!({"subvolume_id": app.subvolume, "target_id": target, "draft": policy(None)}),
            "draft.target_retention",
        ),
    ] {
        let (code, problem) = app.post("/api/v1/policies/preview", body).await;
        assert_eq!(code, StatusCode::BAD_REQUEST, "{problem}");
        assert_eq!(problem["field"], field, "{problem}");
    }
    let (code, _) = app
        .send(
            "GET",
            &format!("/api/v1/targets/{}/retention", uuid::Uuid::now_v7()),
            None,
        )
        .await;
    assert_eq!(code, StatusCode::NOT_FOUND);
    assert_eq!(
        app.events().await,
        events,
        "reading the plans records nothing"
    );

    // The prune deletes on the target exactly what the plan said.
    let (code, pruned) = app
        .post_empty(&format!("/api/v1/subvolumes/{}/prune", app.subvolume))
        .await;
    assert_eq!(code, StatusCode::OK, "{pruned}");
    let on_target = pruned["targets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["target_id"] == target.as_str())
        .unwrap();
    assert_eq!(
        on_target["deleted"],
        json!([snaps[0], snaps[1]]),
        "{pruned}"
    );
    let r = retention(&app, &target).await;
    assert_eq!(
        actions(&r["replicas"]),
        [(snaps[2].clone(), "keep".to_owned())],
        "{r}"
    );
}
