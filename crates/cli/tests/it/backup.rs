//! `dist-btrfs backup` and `restore-db` end to end: a serve's database (its private
//! Postgres) is backed up, loaded into another installation's empty database, and a
//! serve started there shows the same installation, users and policies; the same admin
//! password logs in. A cut file and a database that has a log are refused with a
//! message and a non-zero exit.

use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};

use crate::serve::{BIN, Serve, client, first_admin_password, login};

/// Runs `dist-btrfs ARGS --state-dir STATE` (private Postgres); (success, stdout, stderr).
fn cli(args: &[&str], state: &Path) -> (bool, String, String) {
    let out = Command::new(BIN)
        .args(args)
        .arg("--state-dir")
        .arg(state)
        .env_remove("DATABASE_URL")
        .output()
        .expect("run dist-btrfs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

async fn get(http: &reqwest::Client, serve: &Serve, cookie: &str, path: &str) -> Value {
    let resp = http
        .get(format!("{}{path}", serve.base))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "GET {path}");
    resp.json().await.unwrap()
}

/// What a restore must bring back: the installation, the users, the policies.
async fn state_of(http: &reqwest::Client, serve: &Serve, cookie: &str) -> Value {
    let users: Vec<Value> = get(http, serve, cookie, "/users")
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|u| json!([u["username"], u["role"]]))
        .collect();
    json!({
        "instance": get(http, serve, cookie, "/instance").await["id"],
        "users": users,
        "policies": get(http, serve, cookie, "/policies").await,
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn a_backup_restored_into_an_empty_database_brings_back_users_and_policies() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b, c) = (
        dir.path().join("a"),
        dir.path().join("b"),
        dir.path().join("c"),
    );
    let file = dir.path().join("control-plane.backup");
    let http = client();

    let serve = Serve::start(&a);
    let password = first_admin_password(&serve);
    let (cookie, csrf) = login(&http, &serve, &password).await;
    for (path, body) in [
        (
            "/users",
            json!({"username": "ops", "password": "ops-password-long-enough", "role": "viewer"}),
        ),
        (
            "/policies",
            json!({"name": "nightly", "schedule": {"cron": "0 3 * * *", "time_zone": "UTC"},
                   "retention": {"keep_last": 7}}),
        ),
    ] {
        let resp = http
            .post(format!("{}{path}", serve.base))
            .header("cookie", &cookie)
            .header("x-csrf-token", &csrf)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 201, "POST {path}");
    }
    let before = state_of(&http, &serve, &cookie).await;
    // Written while serve runs: a consistent snapshot of the log.
    let (ok, stdout, stderr) = cli(&["backup", file.to_str().unwrap()], &a);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("backup written to"), "{stdout}");
    assert!(serve.stop().success());

    // The other installation gets the master key and the backup.
    std::fs::create_dir_all(&b).unwrap();
    std::fs::copy(a.join("master.key"), b.join("master.key")).unwrap();
    let (ok, stdout, stderr) = cli(&["restore-db", file.to_str().unwrap()], &b);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("projections rebuilt"), "{stdout}");
    let (ok, _, stderr) = cli(&["restore-db", file.to_str().unwrap()], &b);
    assert!(!ok, "a database with a log is never loaded over");
    assert!(stderr.contains("already holds"), "{stderr}");
    let (ok, stdout, stderr) = cli(&["projections", "check"], &b);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("equal a fresh rebuild"), "{stdout}");

    let serve = Serve::start(&b);
    assert!(
        serve.banner.iter().all(|l| !l.contains("first start")),
        "the restored installation is not a first start: {:?}",
        serve.banner
    );
    let (cookie, _) = login(&http, &serve, &password).await;
    assert_eq!(state_of(&http, &serve, &cookie).await, before);
    drop(serve);

    // A cut file changes nothing.
    let text = std::fs::read_to_string(&file).unwrap();
    let cut = dir.path().join("cut.backup");
    std::fs::write(&cut, &text[..text.len() / 2]).unwrap();
    let (ok, _, stderr) = cli(&["restore-db", cut.to_str().unwrap()], &c);
    assert!(!ok);
    assert!(
        stderr.contains("incomplete") || stderr.contains("line"),
        "{stderr}"
    );
    let (ok, stdout, _) = cli(&["projections", "check"], &c);
    assert!(
        ok && stdout.contains("equal"),
        "an empty database stays empty"
    );
}
