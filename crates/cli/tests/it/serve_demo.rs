//! `ops/run`'s demo fleet through the `dist-btrfs serve` binary: a fleet file seeds a
//! fresh installation once (lab remotes with pinned host keys, subvolumes, a policy).
//! The `serve` helpers are `serve`'s.

use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};
use testkit::env;

use crate::serve::{Serve, client, login};

fn btrfs_ok(args: &[&str]) {
    let out = Command::new("btrfs")
        .args(args)
        .output()
        .expect("run btrfs");
    assert!(out.status.success(), "btrfs {args:?}: {out:?}");
}

/// How many ServerRegistered, SubvolumeManaged, PolicyCreated, PolicyAssigned events a
/// page of the audit timeline holds.
fn seeding_events(page: &Value) -> [usize; 4] {
    let types = [
        "ServerRegistered",
        "SubvolumeManaged",
        "PolicyCreated",
        "PolicyAssigned",
    ];
    types.map(|t| {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["event_type"] == t)
            .count()
    })
}

/// `ops/run`'s demo: a fleet file seeds a fresh installation with the lab remotes (host
/// keys pinned on first contact), the subvolumes and a policy — once; a restart adds
/// nothing.
#[tokio::test]
async fn a_demo_fleet_file_seeds_a_fresh_installation_once() {
    let primary = env("LAB_PRIMARY_MOUNT");
    let area = Path::new(&primary).join(format!("demo-test-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(area.join(".snapshots")).unwrap();
    for sub in ["alpha", "beta"] {
        btrfs_ok(&["subvolume", "create", area.join(sub).to_str().unwrap()]);
    }
    let remotes: Vec<String> = env("LAB_REMOTES")
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    let subvolumes: Vec<Value> = ["alpha", "beta"]
        .iter()
        .map(|s| json!({"path": area.join(s), "snapshot_dir": area.join(".snapshots")}))
        .collect();
    let fleet = json!({
        "remotes": remotes.iter().map(|r| {
            let up = r.to_uppercase();
            json!({
                "name": format!("lab-{r}"),
                "address": env(&format!("LAB_{up}_ADDR")),
                "port": env(&format!("LAB_{up}_PORT")).parse::<u32>().unwrap(),
                "username": env("LAB_SSH_USER"),
                "private_key_file": env("LAB_SSH_KEY"),
                "sudo": true,
                "allowed_root": env("LAB_REMOTE_MOUNT"),
                "host_key_fingerprint": env(&format!("LAB_{up}_HOSTKEY_FPR")),
            })
        }).collect::<Vec<_>>(),
        "subvolumes": subvolumes,
        "policy": {
            "name": "demo-hourly",
            "schedule": {"cron": "0 * * * *", "time_zone": "UTC"},
            "retention": {"keep_last": 24, "min_age": null, "hourly": 0, "daily": 7,
                          "weekly": 4, "monthly": 6, "yearly": 0, "time_zone": "UTC"},
            "target_retention": null,
            // (Nothing is sent to the shared lab remotes by this test.)
            "replicate_after_snapshot": false,
        },
        "target_dir": env("LAB_REMOTE_TARGET_DIR"),
    });
    let dir = tempfile::tempdir().unwrap();
    let fleet_file = dir.path().join("demo-fleet.json");
    std::fs::write(&fleet_file, fleet.to_string()).unwrap();
    let state = dir.path().join("state");
    let envs = [
        ("DIST_BTRFS_PRIMARY_ROOTS", area.to_str().unwrap()),
        ("DIST_BTRFS_DEMO_FLEET", fleet_file.to_str().unwrap()),
        ("DIST_BTRFS_ADMIN_PASSWORD", "demo-test-password"),
        ("DIST_BTRFS_SYNC_INTERVAL_SECS", "0"),
    ];
    let http = client();

    let serve = Serve::start_env(&state, &[], &envs);
    assert!(
        serve
            .banner
            .iter()
            .any(|l| l.contains("demo fleet registered")),
        "{:?}",
        serve.banner
    );
    let (cookie, _) = login(&http, &serve, "demo-test-password").await;
    let get = |path: &str| {
        http.get(format!("{}{path}", serve.base))
            .header("cookie", &cookie)
            .send()
    };
    let items = |page: Value| -> Vec<Value> {
        assert!(page["next_after"].is_null(), "one page: {page}");
        page["items"].as_array().cloned().unwrap_or_default()
    };
    let servers = items(get("/servers").await.unwrap().json().await.unwrap());
    assert_eq!(servers.len(), 1 + remotes.len(), "{servers:?}");
    for (i, r) in remotes.iter().enumerate() {
        let s = servers
            .iter()
            .find(|s| s["name"] == format!("lab-{r}"))
            .unwrap_or_else(|| panic!("lab-{r} registered: {servers:?}"));
        assert_eq!(
            s["host_key_fingerprint"],
            env(&format!("LAB_REMOTE{}_HOSTKEY_FPR", i + 1)),
            "pinned to the fleet file's fingerprint"
        );
        assert_eq!(s["credential_kind"], "key");
    }
    let subvolumes = items(get("/subvolumes").await.unwrap().json().await.unwrap());
    assert_eq!(subvolumes.len(), 2, "{subvolumes:?}");
    let policies = items(get("/policies").await.unwrap().json().await.unwrap());
    assert_eq!(policies.len(), 1);
    assert_eq!(policies[0]["name"], "demo-hourly");
    assert_eq!(policies[0]["subvolumes"].as_array().unwrap().len(), 2);
    let targets = items(get("/targets").await.unwrap().json().await.unwrap());
    assert_eq!(
        targets.len(),
        2 * remotes.len(),
        "every subvolume to every remote"
    );
    assert!(
        targets
            .iter()
            .all(|t| t["directory"] == env("LAB_REMOTE_TARGET_DIR")),
        "{targets:?}"
    );
    let events: Value = get("/events?limit=500")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let seeded = seeding_events(&events);
    assert_eq!(
        seeded,
        [4, 2, 1, 2],
        "servers (primary + 3), subvolumes, policies, assignments"
    );
    assert!(serve.stop().success());

    let serve = Serve::start_env(&state, &[], &envs);
    assert!(
        !serve.banner.iter().any(|l| l.contains("demo fleet")),
        "seeded twice: {:?}",
        serve.banner
    );
    let (cookie, _) = login(&http, &serve, "demo-test-password").await;
    let servers: Value = http
        .get(format!("{}/servers", serve.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        servers["items"].as_array().unwrap().len(),
        1 + remotes.len()
    );
    let events: Value = http
        .get(format!("{}/events?limit=500", serve.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // (The scheduler may have taken the policy's first snapshots meanwhile.)
    assert_eq!(seeding_events(&events), seeded, "nothing seeded twice");
    assert!(serve.stop().success());

    // The scheduler may have taken snapshots into .snapshots meanwhile.
    let snapshots: Vec<_> = std::fs::read_dir(area.join(".snapshots"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    for path in snapshots
        .iter()
        .chain([area.join("alpha"), area.join("beta")].iter())
    {
        btrfs_ok(&["subvolume", "delete", path.to_str().unwrap()]);
    }
    std::fs::remove_dir_all(&area).unwrap();
}
