//! `GET /events` searched on the server (`q`): by event type, by an id the event is
//! about, by time range and by text (also in the names of what the events are about),
//! keyset-paged, with summaries that name things instead of printing ids; a bad search
//! is a 400 naming `q`.

use domain::Role;
use poem::http::StatusCode;
use serde_json::Value;
use sqlx::PgPool;
use testkit::{Fleet, TestApp};

async fn search(app: &TestApp, q: &str, extra: &str) -> Vec<Value> {
    let q: String = q
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    let (code, page) = app.get(&format!("/api/v1/events?q={q}{extra}")).await;
    assert_eq!(code, StatusCode::OK, "{page}");
    page["items"].as_array().unwrap().clone()
}

fn types(items: &[Value]) -> Vec<&str> {
    items
        .iter()
        .map(|i| i["event_type"].as_str().unwrap())
        .collect()
}

#[sqlx::test(migrations = false)]
async fn the_timeline_is_searched_on_the_server_and_names_things(pool: PgPool) {
    let fleet = Fleet::primary(pool).await;
    let app = TestApp::for_fleet(&fleet, Role::Admin).await;
    let subvolume = fleet.manage(Some("searchvol")).await.to_string();
    let (code, snap) = app
        .post_empty(&format!("/api/v1/subvolumes/{subvolume}/snapshots"))
        .await;
    assert_eq!(code, StatusCode::CREATED, "{snap}");
    let snap_id = snap["id"].as_str().unwrap().to_owned();
    let snap_name = snap["name"].as_str().unwrap().to_owned();
    let (code, _) = app.delete(&format!("/api/v1/snapshots/{snap_id}")).await;
    assert!(code.is_success(), "{code}");

    // By type: only those, newest first; the deleted snapshot is named, not an id.
    let deleted = search(&app, "kind:SnapshotDeleted", "").await;
    assert_eq!(types(&deleted), vec!["SnapshotDeleted"]);
    let summary = deleted[0]["summary"].as_str().unwrap();
    assert_eq!(summary, format!("deleted snapshot searchvol@{snap_name}"));
    assert!(!summary.contains(&snap_id));
    let two = search(&app, "kind:SnapshotDeleted kind:SnapshotCreated", "").await;
    assert_eq!(types(&two), vec!["SnapshotDeleted", "SnapshotCreated"]);

    // By subject: every event about the snapshot, and only those.
    let about = search(&app, &format!("subject:{snap_id}"), "").await;
    assert_eq!(types(&about), vec!["SnapshotDeleted", "SnapshotCreated"]);
    assert!(about.iter().all(|e| {
        e["subjects"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s == snap_id.as_str())
    }));

    // By text: in a summary, or in the name of what the event is about (the snapshot's
    // deletion says only its id, its subvolume is named searchvol).
    let by_name = search(&app, "SEARCHVOL", "").await;
    assert!(types(&by_name).contains(&"SnapshotDeleted"), "{by_name:?}");
    assert!(types(&by_name).contains(&"SubvolumeManaged"));
    assert!(search(&app, "no-such-thing-anywhere", "").await.is_empty());
    // Wildcards in the text are taken literally.
    assert!(search(&app, "%", "").await.is_empty());

    // By time: nothing before the fleet existed, everything since.
    let all = search(&app, "", "").await;
    let oldest = all.last().unwrap()["recorded_at"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(search(&app, &format!("to:{oldest}"), "").await.is_empty());
    assert_eq!(
        search(&app, &format!("from:{oldest}"), "").await.len(),
        all.len()
    );

    // Keyset pages of one, in order, ending.
    let mut seen = Vec::new();
    let mut before = String::new();
    loop {
        let (_, page) = app
            .get(&format!(
                "/api/v1/events?q=kind%3ASnapshotCreated%20kind%3ASnapshotDeleted&limit=1{before}"
            ))
            .await;
        seen.extend(
            types(page["items"].as_array().unwrap())
                .into_iter()
                .map(str::to_owned),
        );
        match page["next_before"].as_i64() {
            Some(seq) => before = format!("&before={seq}"),
            None => break,
        }
    }
    assert_eq!(seen, vec!["SnapshotDeleted", "SnapshotCreated"]);

    // A bad search is refused and names `q`.
    for bad in [
        "subject:nope",
        "from:yesterday",
        "kind:Not-A-Type",
        "%22open",
    ] {
        let (code, p) = app.get(&format!("/api/v1/events?q={bad}")).await;
        assert_eq!(
            (code, p["field"].as_str()),
            (StatusCode::BAD_REQUEST, Some("q")),
            "{bad}: {p}"
        );
    }
}
