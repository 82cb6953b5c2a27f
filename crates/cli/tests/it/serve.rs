//! End-to-end tests of the `dist-btrfs serve` binary with its own private Postgres:
//! start on an empty state dir with no DATABASE_URL, write through the API, stop,
//! start again and find the data; the state-dir lock; a clean, fast failure for an
//! unreachable DATABASE_URL. Needs the Postgres server binaries (ops/test installs
//! them) and, as root, the `postgres` OS user.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

pub(crate) const BIN: &str = env!("CARGO_BIN_EXE_dist-btrfs");

/// A running `serve`, stopped with SIGTERM on drop.
pub(crate) struct Serve {
    child: Child,
    pub(crate) base: String,
    /// What it printed on stdout before it listened (e.g. the first admin login).
    pub(crate) banner: Vec<String>,
}

/// `dist-btrfs serve` on a free loopback port with `state_dir` as its state directory.
pub(crate) fn serve_command(state_dir: &Path) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.args(["serve", "--listen", "127.0.0.1:0", "--state-dir"])
        .arg(state_dir);
    cmd
}

impl Serve {
    pub(crate) fn start(state_dir: &Path) -> Self {
        Self::start_with(state_dir, &[])
    }

    pub(crate) fn start_with(state_dir: &Path, extra: &[&std::ffi::OsStr]) -> Self {
        Self::start_env(state_dir, extra, &[])
    }

    pub(crate) fn start_env(
        state_dir: &Path,
        extra: &[&std::ffi::OsStr],
        envs: &[(&str, &str)],
    ) -> Self {
        let mut child = serve_command(state_dir)
            .args(extra)
            .env_remove("OTEL_EXPORTER_OTLP_ENDPOINT")
            .env_remove("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
            .env_remove("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT")
            .envs(envs.iter().copied())
            .env_remove("DATABASE_URL")
            .env("DIST_BTRFS_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn dist-btrfs serve");
        let stdout = child.stdout.take().expect("stdout piped");
        let mut lines = BufReader::new(stdout).lines();
        let mut banner = Vec::new();
        let base = loop {
            let line = lines
                .next()
                .expect("serve exited before it listened")
                .expect("read serve stdout");
            if let Some(url) = line.strip_prefix("dist-btrfs: listening on ") {
                break format!("{url}/api/v1");
            }
            banner.push(line);
        };
        Self {
            child,
            base,
            banner,
        }
    }

    /// SIGTERM, then the exit status.
    pub(crate) fn stop(mut self) -> std::process::ExitStatus {
        let pid = nix::unistd::Pid::from_raw(self.child.id() as i32);
        nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).expect("signal serve");
        let status = self.child.wait().expect("wait for serve");
        std::mem::forget(self);
        status
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let pid = nix::unistd::Pid::from_raw(self.child.id() as i32);
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
        let _ = self.child.wait();
    }
}

pub(crate) fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("http client")
}

/// The generated admin password printed at first start.
pub(crate) fn first_admin_password(serve: &Serve) -> String {
    serve
        .banner
        .iter()
        .find_map(|l| l.strip_prefix("dist-btrfs: first start: admin login: admin / "))
        .unwrap_or_else(|| panic!("no admin login printed: {:?}", serve.banner))
        .to_owned()
}

/// Logs in; returns (cookie header value, CSRF token).
pub(crate) async fn login(
    http: &reqwest::Client,
    serve: &Serve,
    password: &str,
) -> (String, String) {
    let resp = http
        .post(format!("{}/auth/login", serve.base))
        .json(&json!({"username": "admin", "password": password}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "admin login with the printed password");
    let cookie = resp.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let body: Value = resp.json().await.unwrap();
    (cookie, body["csrf_token"].as_str().unwrap().to_owned())
}

pub(crate) fn postmaster_running(state_dir: &Path) -> bool {
    let pid_file = state_dir.join("postgres/data/postmaster.pid");
    let Ok(text) = std::fs::read_to_string(pid_file) else {
        return false;
    };
    let Some(pid) = text
        .lines()
        .next()
        .and_then(|l| l.trim().parse::<i32>().ok())
    else {
        return false;
    };
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None).is_ok()
}

#[tokio::test]
async fn serve_with_private_postgres_keeps_data_across_restarts() {
    let state = tempfile::tempdir().expect("tempdir");
    let http = client();

    let serve = Serve::start(state.path());
    let password = first_admin_password(&serve);
    let (cookie, csrf) = login(&http, &serve, &password).await;
    let health: Value = http
        .get(format!("{}/health", serve.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["status"], "ok");
    assert_eq!(health["database"], true);
    let first: Value = http
        .get(format!("{}/instance", serve.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let instance_id = first["instance_id"]
        .as_str()
        .expect("instance id")
        .to_owned();
    let renamed = http
        .patch(format!("{}/instance", serve.base))
        .header("cookie", &cookie)
        .header("x-csrf-token", &csrf)
        .json(&json!({"name": "persisted across restarts"}))
        .send()
        .await
        .unwrap();
    assert_eq!(renamed.status(), 200);
    assert!(
        postmaster_running(state.path()),
        "the private cluster runs while serve runs"
    );
    let status = serve.stop();
    assert!(status.success(), "serve exits 0 on SIGTERM, got {status}");
    assert!(
        !postmaster_running(state.path()),
        "the private cluster stops with serve"
    );

    let serve = Serve::start(state.path());
    assert!(
        serve.banner.iter().all(|l| !l.contains("admin login")),
        "the admin password is printed at first start only"
    );
    let (cookie, _) = login(&http, &serve, &password).await;
    let again: Value = http
        .get(format!("{}/instance", serve.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        again["instance_id"],
        instance_id.as_str(),
        "same installation after restart"
    );
    assert_eq!(again["name"], "persisted across restarts");
    let events: Value = http
        .get(format!("{}/events", serve.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let types: Vec<&str> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["event_type"].as_str())
        .collect();
    assert_eq!(
        types,
        [
            "SessionStarted",
            "InstanceRenamed",
            "SessionStarted",
            "UserCreated",
            "InstanceInitialized"
        ],
        "one init, one admin, one rename, two logins: {events}"
    );
    assert!(serve.stop().success());
}

#[tokio::test]
async fn a_second_serve_on_the_same_state_dir_is_refused() {
    let state = tempfile::tempdir().expect("tempdir");
    let serve = Serve::start(state.path());
    let second = serve_command(state.path())
        .env_remove("DATABASE_URL")
        .output()
        .expect("run second serve");
    assert!(!second.status.success());
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(stderr.contains("in use by another dist-btrfs"), "{stderr}");
    // The first one is unharmed.
    let health = client()
        .get(format!("{}/health", serve.base))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    assert!(serve.stop().success());
}

#[test]
fn a_killed_serve_leaves_a_cluster_the_next_start_recovers() {
    let state = tempfile::tempdir().expect("tempdir");
    let mut serve = Serve::start(state.path());
    serve.child.kill().expect("SIGKILL serve");
    serve.child.wait().expect("reap");
    std::mem::forget(serve);
    assert!(
        postmaster_running(state.path()),
        "postgres survives its parent's SIGKILL"
    );
    let serve = Serve::start(state.path());
    assert!(serve.stop().success());
    assert!(!postmaster_running(state.path()));
}

#[test]
fn an_unreachable_database_url_fails_with_the_host_and_without_the_password() {
    let state = tempfile::tempdir().expect("tempdir");
    let out = serve_command(state.path())
        .env(
            "DATABASE_URL",
            "postgres://admin:s3cr3t-pw@127.0.0.1:9/fleet",
        )
        .output()
        .expect("run serve");
    assert!(!out.status.success());
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(all.contains("127.0.0.1:9"), "{all}");
    assert!(!all.contains("s3cr3t-pw"), "password leaked: {all}");
}

#[test]
fn a_zero_worker_thread_count_is_refused_before_anything_starts() {
    let state = tempfile::tempdir().expect("tempdir");
    let out = serve_command(state.path())
        .args(["--worker-threads", "0"])
        .env_remove("DATABASE_URL")
        .output()
        .expect("run serve");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--worker-threads"), "{stderr}");
    let left: Vec<_> = std::fs::read_dir(state.path())
        .expect("read state dir")
        .collect();
    assert!(left.is_empty(), "a refused start created {left:?}");
}

/// A setting out of range or not a number, given by flag or by its variable, is refused
/// by name before anything starts (nothing written to the state dir).
#[test]
fn bad_settings_are_refused_by_name_before_anything_starts() {
    for (var, value, named) in [
        ("DIST_BTRFS_JOB_MAX_ATTEMPTS", "0", "--job-max-attempts"),
        (
            "DIST_BTRFS_SCHEDULER_TICK_SECS",
            "soon",
            "--scheduler-tick-secs",
        ),
        ("DIST_BTRFS_JOB_POLL_SECS", "0", "--job-poll-secs"),
        (
            "DIST_BTRFS_STORAGE_INTERVAL_SECS",
            "-5",
            "--storage-interval-secs",
        ),
    ] {
        let state = tempfile::tempdir().expect("tempdir");
        let out = serve_command(state.path())
            .env(var, value)
            .env_remove("DATABASE_URL")
            .output()
            .expect("run serve");
        assert!(!out.status.success(), "{var}={value} was accepted");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(named), "{var}={value}: {stderr}");
        let left: Vec<_> = std::fs::read_dir(state.path()).expect("read").collect();
        assert!(left.is_empty(), "a refused start created {left:?}");
    }
}

/// The config file's settings are checked like flags: a bad value is refused by the
/// flag's name, an unknown key by the file's name, before anything starts.
#[test]
fn bad_config_file_settings_are_refused_before_anything_starts() {
    for (file, named) in [
        ("job-max-attempts = 0\n", "--job-max-attempts"),
        ("lisen = \"127.0.0.1:1\"\n", "\"lisen\""),
    ] {
        let state = tempfile::tempdir().expect("tempdir");
        let config = state.path().join("dist-btrfs.toml");
        std::fs::write(&config, file).expect("write config");
        let out = serve_command(state.path())
            .env("DIST_BTRFS_CONFIG", &config)
            .env_remove("DATABASE_URL")
            .output()
            .expect("run serve");
        assert!(!out.status.success(), "{file} was accepted");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(named), "{file}: {stderr}");
        let left: Vec<_> = std::fs::read_dir(state.path()).expect("read").collect();
        assert_eq!(left.len(), 1, "a refused start created {left:?}");
    }
}

/// The README's settings table is what the binary says its settings are (regenerate:
/// `dist-btrfs settings-table`, pasted between the markers).
#[test]
fn the_readme_lists_every_setting_as_the_binary_does() {
    let out = Command::new(BIN).arg("settings-table").output().unwrap();
    assert!(out.status.success());
    let table = String::from_utf8(out.stdout).unwrap();
    for env in [
        "DATABASE_URL",
        "DIST_BTRFS_PRIMARY_ROOTS",
        "DIST_BTRFS_JOB_MAX_ATTEMPTS",
        "DIST_BTRFS_LOG",
    ] {
        assert!(
            table.contains(&format!("`{env}`")),
            "{env} missing:\n{table}"
        );
    }
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md"))
            .unwrap();
    let start = "<!-- settings-table:start -->\n";
    let inside = readme
        .split_once(start)
        .and_then(|(_, rest)| rest.split_once("<!-- settings-table:end -->"))
        .map(|(table, _)| table)
        .unwrap();
    assert_eq!(
        inside, table,
        "README.md's settings table is stale: run `dist-btrfs settings-table`"
    );
}

#[test]
fn openapi_command_prints_the_committed_spec() {
    let out = Command::new(BIN)
        .arg("openapi")
        .output()
        .expect("run openapi");
    assert!(out.status.success());
    let printed: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let committed: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../openapi/dist-btrfs.json"
        ))
        .unwrap(),
    )
    .unwrap();
    assert_eq!(printed, committed);
}

#[test]
fn tls_serves_https_with_secure_cookies() {
    let state = tempfile::tempdir().expect("tempdir");
    let (cert, key) = (state.path().join("cert.pem"), state.path().join("key.pem"));
    let made = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
        ])
        .args(["-days", "1", "-subj", "/CN=127.0.0.1", "-keyout"])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("run openssl");
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let serve = Serve::start_with(
        state.path(),
        &[
            "--tls-cert".as_ref(),
            cert.as_os_str(),
            "--tls-key".as_ref(),
            key.as_os_str(),
        ],
    );
    assert!(serve.base.starts_with("https://"), "{}", serve.base);
    let password = first_admin_password(&serve);
    let curl = |args: &[&str]| {
        let out = Command::new("curl")
            .args(["-skS", "--max-time", "20"])
            .args(args)
            .output()
            .expect("run curl");
        assert!(
            out.status.success(),
            "curl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let health = curl(&[&format!("{}/health", serve.base)]);
    assert!(health.contains("\"status\":\"ok\""), "{health}");
    let body = json!({"username": "admin", "password": password}).to_string();
    let login = curl(&[
        "-i",
        "-X",
        "POST",
        "-H",
        "content-type: application/json",
        "--data",
        &body,
        &format!("{}/auth/login", serve.base),
    ]);
    let cookie_line = login
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("set-cookie:"))
        .unwrap_or_else(|| panic!("no cookie: {login}"));
    assert!(cookie_line.contains("; Secure"), "{cookie_line}");
    assert!(cookie_line.contains("HttpOnly"), "{cookie_line}");
    // Over TLS, browsers are told to keep to HTTPS.
    assert!(
        login.lines().any(|l| l
            .to_ascii_lowercase()
            .starts_with("strict-transport-security: max-age=")),
        "{login}"
    );
    // Plain HTTP on the TLS port gets nowhere.
    let plain = Command::new("curl")
        .args(["-s", "--max-time", "10"])
        .arg(serve.base.replacen("https://", "http://", 1) + "/health")
        .output()
        .expect("run curl");
    assert!(!String::from_utf8_lossy(&plain.stdout).contains("\"status\":\"ok\""));
    assert!(serve.stop().success());
}

#[tokio::test]
async fn metrics_need_a_token_on_the_api_and_nothing_on_the_metrics_listener() {
    let state = tempfile::tempdir().expect("tempdir");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let metrics_addr = format!("127.0.0.1:{port}");
    let serve = Serve::start_with(
        state.path(),
        &["--metrics-listen".as_ref(), metrics_addr.as_ref()],
    );
    let http = client();
    let password = first_admin_password(&serve);
    let (cookie, _) = login(&http, &serve, &password).await;
    http.get(format!("{}/health", serve.base))
        .send()
        .await
        .unwrap();

    let anonymous = http
        .get(format!("{}/metrics", serve.base))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    let text = http
        .get(format!("{}/metrics", serve.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.contains("dist_btrfs_build_info{version="), "{text}");
    assert!(
        text.contains("dist_btrfs_events_total{type=\"UserCreated\"} 1"),
        "{text}"
    );
    assert!(
        text.contains("dist_btrfs_events_total{type=\"SessionStarted\"} 1"),
        "{text}"
    );
    assert!(
        text.contains("dist_btrfs_http_request_duration_seconds_count{operation=\"getHealth\",status=\"200\"} 1"),
        "{text}"
    );
    // The scheduler's first sync job may be pending or done by now: the series is there
    // with a count.
    assert!(
        text.lines().any(|l| l
            .strip_prefix("dist_btrfs_jobs{state=\"pending\"} ")
            .is_some_and(|n| n.parse::<u64>().is_ok())),
        "{text}"
    );

    let open = http
        .get(format!("http://{metrics_addr}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(open.status(), 200);
    let open = open.text().await.unwrap();
    assert!(
        open.contains("operation=\"login\",status=\"200\""),
        "{open}"
    );
    assert!(serve.stop().success());
}

#[test]
fn vault_key_rotation_waits_for_serve_to_stop() {
    let state = tempfile::tempdir().expect("tempdir");
    let rotate = || {
        Command::new(BIN)
            .args(["vault", "rotate-key", "--state-dir"])
            .arg(state.path())
            .env_remove("DATABASE_URL")
            .output()
            .expect("run vault rotate-key")
    };
    let key_before = {
        let serve = Serve::start(state.path());
        let refused = rotate();
        assert!(
            !refused.status.success(),
            "rotation refused while serve runs"
        );
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert!(stderr.contains("needs serve stopped"), "{stderr}");
        let key = std::fs::read_to_string(state.path().join("master.key")).unwrap();
        assert!(serve.stop().success());
        key
    };
    assert_eq!(
        std::fs::read_to_string(state.path().join("master.key")).unwrap(),
        key_before,
        "a refused rotation leaves the key file alone"
    );
    let done = rotate();
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    assert!(String::from_utf8_lossy(&done.stdout).contains("re-encrypted under key"));
    assert_ne!(
        std::fs::read_to_string(state.path().join("master.key")).unwrap(),
        key_before
    );
    // serve starts again with the new key.
    let serve = Serve::start(state.path());
    assert!(serve.stop().success());
}

/// `dist-btrfs users ...` on a stopped installation's state dir: (success, stdout, stderr).
fn users_cli(state: &Path, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(BIN)
        .arg("users")
        .args(args)
        .arg("--state-dir")
        .arg(state)
        .env_remove("DATABASE_URL")
        .output()
        .expect("run dist-btrfs users");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn a_locked_out_installation_is_recovered_from_the_servers_cli() {
    let state = tempfile::tempdir().expect("tempdir");
    let http = client();
    let serve = Serve::start(state.path());
    let password = first_admin_password(&serve);
    let (cookie, csrf) = login(&http, &serve, &password).await;
    let created = http
        .post(format!("{}/users", serve.base))
        .header("cookie", &cookie)
        .header("x-csrf-token", &csrf)
        .json(&json!({"username": "ops", "password": "ops-password-long-enough", "role": "viewer"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    assert!(serve.stop().success());

    // With serve down: the last admin cannot be demoted, not even from the CLI.
    let (ok, _, stderr) = users_cli(state.path(), &["set-role", "admin", "viewer"]);
    assert!(!ok, "demoting the last admin is refused");
    assert!(stderr.contains("last admin"), "{stderr}");
    let (ok, _, stderr) = users_cli(state.path(), &["set-role", "nobody", "admin"]);
    assert!(!ok && stderr.contains("no user named"), "{stderr}");
    // Another user becomes admin, the lost admin password is reset.
    let (ok, stdout, stderr) = users_cli(state.path(), &["set-role", "ops", "admin"]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("ops now has role admin"), "{stdout}");
    let (ok, stdout, stderr) = users_cli(state.path(), &["reset-password", "admin"]);
    assert!(ok, "{stderr}");
    let new_password = stdout
        .trim()
        .strip_prefix("new password for admin: ")
        .unwrap_or_else(|| panic!("{stdout}"))
        .to_owned();

    let serve = Serve::start(state.path());
    let old = http
        .post(format!("{}/auth/login", serve.base))
        .json(&json!({"username": "admin", "password": password}))
        .send()
        .await
        .unwrap();
    assert_eq!(old.status(), 401, "the old password is gone");
    let (cookie, _) = login(&http, &serve, &new_password).await;
    let users: Value = http
        .get(format!("{}/users", serve.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ops = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "ops")
        .unwrap();
    assert_eq!(ops["role"], "admin");
    // Both were recorded as events, by the system.
    let events: Value = http
        .get(format!("{}/events", serve.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let by_system: Vec<&str> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["actor"] == "system")
        .filter_map(|e| e["event_type"].as_str())
        .collect();
    assert!(by_system.contains(&"UserRoleChanged"), "{events}");
    assert!(by_system.contains(&"UserPasswordChanged"), "{events}");
    assert!(serve.stop().success());
}
