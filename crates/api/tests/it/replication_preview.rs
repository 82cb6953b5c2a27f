//! `GET /snapshots/{id}/replication-preview` against the lab: what a replication would do
//! per target (already present, full or incremental with an estimate, unreadable),
//! computed from the disks, and nothing recorded.

use poem::http::StatusCode;
use serde_json::Value;
use sqlx::PgPool;

use crate::replication_api::{Setup, spawn};

async fn preview(app: &Setup, snapshot: &str) -> Vec<Value> {
    let (code, p) = app
        .send(
            "GET",
            &format!("/api/v1/snapshots/{snapshot}/replication-preview"),
            None,
        )
        .await;
    assert_eq!(code, StatusCode::OK, "{p}");
    p.as_array().unwrap().clone()
}

fn of<'a>(plans: &'a [Value], target: &str) -> &'a Value {
    plans.iter().find(|p| p["target_id"] == target).unwrap()
}

#[sqlx::test(migrations = false)]
async fn the_preview_says_per_target_what_a_replication_would_send(pool: PgPool) {
    let app = spawn(pool).await;
    const MIB: u64 = 1 << 20;
    let good = app.add_target(&app.remote_dir()).await;
    app.fleet.area.write_random("a.bin", 3);
    let (snap1, _, run) = app.snapshot_and_replicate().await;
    assert_eq!(run["state"], "succeeded", "{run}");
    let events = app.events().await;
    let plans = preview(&app, &snap1).await;
    assert_eq!(of(&plans, &good)["plan"], "already_present", "{plans:?}");

    // A second target whose directory went away, and a new snapshot with 1 MiB more.
    let (bad, _) = app.add_vanished_target().await;
    app.fleet.area.write_random("b.bin", 1);
    let (code, s2) = app
        .send(
            "POST",
            &format!("/api/v1/subvolumes/{}/snapshots", app.subvolume),
            None,
        )
        .await;
    assert_eq!(code, StatusCode::CREATED, "{s2}");
    let snap2 = s2["id"].as_str().unwrap();
    let events = events + 2; // TargetAdded, SnapshotCreated
    let plans = preview(&app, snap2).await;
    let g = of(&plans, &good);
    assert_eq!(
        (
            g["plan"].as_str(),
            g["snapshot_id"].as_str(),
            g["parent_snapshot_id"].as_str()
        ),
        (Some("incremental"), Some(snap2), Some(snap1.as_str())),
        "{plans:?}"
    );
    let estimate = g["estimated_bytes"].as_u64().unwrap();
    assert!(
        (MIB..3 * MIB).contains(&estimate),
        "incremental of 1 MiB: {estimate}"
    );
    let b = of(&plans, &bad);
    assert_eq!(b["plan"], "unreadable", "{plans:?}");
    assert!(!b["reason"].as_str().unwrap().is_empty(), "{plans:?}");
    assert_eq!(app.events().await, events, "a preview records nothing");

    // Unknown snapshot: 404.
    let (code, _) = app
        .send(
            "GET",
            &format!(
                "/api/v1/snapshots/{}/replication-preview",
                uuid::Uuid::now_v7()
            ),
            None,
        )
        .await;
    assert_eq!(code, StatusCode::NOT_FOUND);
}
