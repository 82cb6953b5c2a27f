//! The restore API against the lab: a snapshot browsed, a file downloaded with its
//! name, a restore requested and followed, bad paths refused with a 400 problem naming
//! the field, before anything is read or recorded, and a viewer seeing that restores
//! happened without the restored files' names.

use domain::Role;
use poem::http::StatusCode;
use serde_json::json;
use sqlx::PgPool;
use testkit::app::assert_problem;
use testkit::{Fleet, TestApp, meta};

#[sqlx::test]
async fn browse_download_restore_and_bad_paths(pool: PgPool) {
    let fleet = Fleet::primary(pool).await;
    let sv = fleet.manage(Some("data")).await;
    fleet.area.write("a b.txt", b"alpha\n");
    std::os::unix::fs::symlink("/etc", format!("{}/escape", fleet.area.vol)).unwrap();
    let snap = fleet.engine.create_snapshot(sv, &meta()).await.unwrap();
    let api = TestApp::for_fleet(&fleet, Role::Operator).await;
    let id = snap.snapshot_id;

    let (status, body) = api.get(&format!("/api/v1/snapshots/{id}/tree")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["entries"][0]["name"], "a b.txt");
    assert_eq!(body["entries"][1]["kind"], "symlink");

    let resp = api
        .client
        .get(format!("/api/v1/snapshots/{id}/file"))
        .query("path", &"a b.txt")
        .header("authorization", &api.bearer)
        .send()
        .await;
    resp.assert_status_is_ok();
    resp.assert_header(
        "content-disposition",
        "attachment; filename=\"a b.txt\"; filename*=UTF-8''a%20b.txt",
    );
    resp.assert_bytes(b"alpha\n").await;

    let events = api.events().await;
    for (what, url) in [
        (
            "parent component",
            format!("/api/v1/snapshots/{id}/tree?path=../x"),
        ),
        ("absolute", format!("/api/v1/snapshots/{id}/tree?path=/etc")),
        (
            "symlink escape",
            format!("/api/v1/snapshots/{id}/tree?path=escape"),
        ),
        (
            "download escape",
            format!("/api/v1/snapshots/{id}/file?path=escape/passwd"),
        ),
        (
            "download dotdot",
            format!("/api/v1/snapshots/{id}/file?path=a/../../x"),
        ),
    ] {
        let (status, body) = api.get(&url).await;
        assert_problem(status, &body, StatusCode::BAD_REQUEST, what);
        assert_eq!(body["field"], "path", "{what}: {body}");
    }
    for (what, paths) in [
        ("dotdot", json!(["../x"])),
        ("absolute", json!(["/etc/passwd"])),
    ] {
        let (status, body) = api
            .post(
                "/api/v1/restores",
                json!({"mode": "files", "snapshot_id": id, "paths": paths}),
            )
            .await;
        assert_problem(status, &body, StatusCode::BAD_REQUEST, what);
        assert_eq!(body["field"], "paths", "{what}: {body}");
    }
    assert_eq!(api.events().await, events, "refusals recorded nothing");

    // A restore is accepted, runs (in this process: no job runner here) and succeeds.
    let dest = format!("{}/copy", fleet.area.dir);
    let (status, body) = api
        .post(
            "/api/v1/restores",
            json!({"mode": "new_subvolume", "snapshot_id": id, "destination": dest}),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let rid = body["id"].as_str().unwrap().to_owned();
    let mut state = String::new();
    for _ in 0..100 {
        let (_, r) = api.get(&format!("/api/v1/restores/{rid}")).await;
        state = r["state"].as_str().unwrap().to_owned();
        if state == "succeeded" || state == "failed" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(state, "succeeded");
    assert_eq!(
        std::fs::read(format!("{dest}/a b.txt")).unwrap(),
        b"alpha\n"
    );
    let (_, list) = api.get("/api/v1/restores").await;
    assert_eq!(list["items"][0]["id"], rid.as_str());
    testkit::sh(&["btrfs", "subvolume", "delete", &dest]);

    // A files restore: the operator sees which files; a viewer only that it happened.
    let (status, body) = api
        .post(
            "/api/v1/restores",
            json!({"mode": "files", "snapshot_id": id, "paths": ["a b.txt"]}),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let fid = body["id"].as_str().unwrap().to_owned();
    let mut done = json!(null);
    for _ in 0..100 {
        let (_, r) = api.get(&format!("/api/v1/restores/{fid}")).await;
        if r["state"] == "succeeded" || r["state"] == "failed" {
            done = r;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(done["state"], "succeeded", "{done}");
    assert_eq!(done["paths"], json!(["a b.txt"]));
    let beside = done["kept_beside"][0].as_str().unwrap_or_default();
    assert!(
        beside.starts_with("a b.txt.restored-"),
        "the live file was kept: {done}"
    );
    let viewer = testkit::app::api_token(&fleet.events, Role::Viewer).await;
    let (status, seen) = api
        .send_as(&viewer, "GET", &format!("/api/v1/restores/{fid}"), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{seen}");
    assert_eq!(seen["state"], "succeeded");
    assert_eq!(seen["mode"], "files");
    assert_eq!(
        (&seen["paths"], &seen["kept_beside"]),
        (&json!([]), &json!([]))
    );
    let (_, page) = api.send_as(&viewer, "GET", "/api/v1/restores", None).await;
    let listed = page["items"].as_array().unwrap();
    assert_eq!(listed.len(), 2, "{page}");
    assert!(listed.iter().all(|r| r["paths"] == json!([])), "{page}");
}
