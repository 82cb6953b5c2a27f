//! The client commands of the binary against a real serve (its private Postgres), the lab
//! primary (the test's area as the local primary's root) and lab remote 1 over SSH: log
//! in, register the remote, manage the subvolume, add the target, snapshot, replicate and
//! watch it succeed, restore the snapshot as a new subvolume, list what happened; the documented exit codes for a refused
//! request, a missing configuration and an unreachable server; completions and man page.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::Value;
use testkit::area::Area;
use testkit::lab::{env, remote};

use crate::serve::{BIN, Serve};

/// Runs the binary's client command `args` with `home` as HOME (its profile lives there).
fn cli(home: &std::path::Path, args: &[&str]) -> Output {
    cli_env(home, args, &[])
}

fn cli_env(home: &std::path::Path, args: &[&str], envs: &[(&str, &str)]) -> Output {
    Command::new(BIN)
        .args(args)
        .env("HOME", home)
        .env_remove("XDG_CONFIG_HOME")
        .env_remove("DIST_BTRFS_URL")
        .env_remove("DIST_BTRFS_TOKEN")
        .env_remove("DIST_BTRFS_PROFILE")
        .env("DIST_BTRFS_CONFIG", "/dev/null")
        .envs(envs.iter().copied())
        .output()
        .expect("run dist-btrfs")
}

fn ok_json(home: &std::path::Path, args: &[&str]) -> Value {
    let out = cli(home, args);
    assert!(
        out.status.success(),
        "{args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{args:?} printed no JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

fn id(v: &Value) -> String {
    v["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no id in {v}"))
        .to_owned()
}

#[test]
fn the_cli_drives_a_snapshot_to_a_replica_and_says_how_it_went() {
    let area = Area::with_remotes(&[1]);
    area.write("file", b"from the cli\n");
    let state = tempfile::tempdir().expect("state dir");
    let home = tempfile::tempdir().expect("home");
    let password = "cli-test-password-1";
    let serve = Serve::start_env(
        state.path(),
        &[],
        &[
            ("DIST_BTRFS_ADMIN_PASSWORD", password),
            ("DIST_BTRFS_PRIMARY_ROOTS", &area.dir),
        ],
    );
    let url = serve.base.trim_end_matches("/api/v1").to_owned();
    let home = home.path();

    // login keeps a token in a profile (0600) that every later command uses.
    let mut login = Command::new(BIN)
        .args(["login", &url, "-u", "admin", "--password-stdin"])
        .env("HOME", home)
        .env("DIST_BTRFS_CONFIG", "/dev/null")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("run login");
    login
        .stdin
        .take()
        .expect("stdin")
        .write_all(format!("{password}\n").as_bytes())
        .expect("write password");
    let out = login.wait_with_output().expect("login");
    assert!(
        out.status.success(),
        "login: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    let config = home.join(".config/dist-btrfs/config.toml");
    let mode = std::fs::metadata(&config)
        .expect("profile written")
        .permissions();
    assert_eq!(
        std::os::unix::fs::PermissionsExt::mode(&mode) & 0o777,
        0o600
    );
    assert!(
        std::fs::read_to_string(&config)
            .expect("read")
            .contains("token = \"dbt_")
    );

    let servers = ok_json(home, &["servers", "ls", "--json"]);
    let primary = id(&servers["items"][0]);

    let r = remote(1);
    let port = r.port.to_string();
    let key = env("LAB_SSH_KEY");
    let user = env("LAB_SSH_USER");
    let root = env("LAB_REMOTE_MOUNT");
    let added = ok_json(
        home,
        &[
            "servers",
            "add",
            "cli-remote1",
            "--address",
            &r.addr,
            "--port",
            &port,
            "--username",
            &user,
            "--key-file",
            &key,
            "--root",
            &root,
            "--sudo",
            "--fingerprint",
            &r.fpr,
            "--json",
        ],
    );
    assert_eq!(added["host_key_fingerprint"], r.fpr.as_str());
    let remote_id = id(&added);
    let checks = cli(home, &["servers", "test", &remote_id]);
    assert!(
        checks.status.success(),
        "{}",
        String::from_utf8_lossy(&checks.stdout)
    );
    assert!(String::from_utf8_lossy(&checks.stdout).contains("connect"));

    let sv = ok_json(
        home,
        &[
            "subvolumes",
            "manage",
            &primary,
            &area.vol,
            "--snapshot-dir",
            &area.snaps,
            "--json",
        ],
    );
    let sv = id(&sv);
    let target = ok_json(
        home,
        &["targets", "add", &sv, &remote_id, area.remote(1), "--json"],
    );
    assert_eq!(target["directory"], area.remote(1));

    let snap = ok_json(home, &["snapshots", "create", &sv, "--json"]);
    let snap_name = snap["name"].as_str().expect("name").to_owned();
    let listed = cli(home, &["snapshots", "ls", &sv]);
    assert!(String::from_utf8_lossy(&listed.stdout).contains(&snap_name));

    // replicate --watch follows it to the end; exit 0 means it succeeded.
    let watched = cli(home, &["replicate", &id(&snap), "--watch"]);
    let text = String::from_utf8_lossy(&watched.stdout);
    assert!(
        watched.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&watched.stderr)
    );
    assert!(text.contains(": succeeded"), "{text}");
    assert_eq!(
        area.remote_sums(1, &snap_name),
        area.primary_sums(&snap_name),
        "the replica on the remote holds the snapshot's files"
    );
    let runs = ok_json(home, &["replications", "ls", "--json"]);
    assert_eq!(runs["items"][0]["state"], "succeeded");
    let shown = cli(home, &["replications", "show", &id(&runs["items"][0])]);
    assert!(String::from_utf8_lossy(&shown.stdout).contains(&remote_id[..8]));
    let events = cli(home, &["events", "tail", "-n", "50"]);
    assert!(String::from_utf8_lossy(&events.stdout).contains("ReplicationTargetSucceeded"));
    let status = cli(home, &["status", "--json"]);
    let body: Value = serde_json::from_slice(&status.stdout).expect("status JSON");
    let want = if body["status"] == "ok" { 0 } else { 5 };
    assert_eq!(
        status.status.code(),
        Some(want),
        "status exits 5 unless the fleet is OK: {body}"
    );

    // restore --watch brings the snapshot back as a new subvolume.
    let restored = format!("{}/restored", area.dir);
    let out = cli(
        home,
        &[
            "restore",
            &id(&snap),
            "--mode",
            "new_subvolume",
            "--destination",
            &restored,
            "--watch",
        ],
    );
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read(format!("{restored}/file")).expect("restored file"),
        b"from the cli\n"
    );
    let _ = Command::new("btrfs")
        .args(["subvolume", "delete", &restored])
        .output();

    // Exit codes: refused (1), no configuration (2), unreachable (3).
    let refused = cli(
        home,
        &[
            "snapshots",
            "create",
            "00000000-0000-0000-0000-000000000001",
        ],
    );
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("answered 404"));
    let nowhere = tempfile::tempdir().expect("empty home");
    let unconfigured = cli(nowhere.path(), &["status"]);
    assert_eq!(unconfigured.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unconfigured.stderr).contains("dist-btrfs login"));
    // The profile's token goes only to the profile's server.
    let elsewhere = cli(home, &["status", "--url", "http://127.0.0.1:9"]);
    assert_eq!(elsewhere.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&elsewhere.stderr).contains("no token"));
    let unreachable = cli_env(
        home,
        &["status", "--url", "http://127.0.0.1:9"],
        &[("DIST_BTRFS_TOKEN", "dbt_x")],
    );
    assert_eq!(unreachable.status.code(), Some(3));

    let bash = cli(home, &["completions", "bash"]);
    assert!(String::from_utf8_lossy(&bash.stdout).contains("replications"));
    let man = cli(home, &["man"]);
    assert!(String::from_utf8_lossy(&man.stdout).starts_with(".ie"));
    drop(serve);
}
