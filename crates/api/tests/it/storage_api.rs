//! Storage collection over HTTP (poem's `TestClient` over `api::app`) with a real
//! Postgres (fresh database per test), the lab primary's real btrfs, a lab remote over
//! SSH, and — for qgroups — a small btrfs filesystem of the test's own (loop image
//! under /var/tmp, quotas enabled on it only; the shared lab primary keeps quotas off).
//! Every test works in its own directories and removes them.

use std::process::Command;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use btrfs::{Argv, Host, HostError, RunOptions, RunningCommand};
use domain::{Role, ServerPath};
use poem::http::StatusCode;
use serde_json::{Value, json};
use sqlx::PgPool;
use store::EventStore;
use testkit::{Area, TestApp, env};

fn run(program: &str, args: &[&str]) -> String {
    let out = Command::new(program).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The local host, remembering every command it ran.
#[derive(Debug, Default)]
struct RecordingHost {
    inner: btrfs::LocalHost,
    ran: Mutex<Vec<String>>,
}

#[async_trait]
impl Host for RecordingHost {
    fn describe(&self) -> String {
        self.inner.describe()
    }

    async fn start(
        &self,
        argv: &Argv,
        opts: &RunOptions,
    ) -> Result<Box<dyn RunningCommand>, HostError> {
        self.ran
            .lock()
            .unwrap()
            .push(argv.words().collect::<Vec<_>>().join(" "));
        self.inner.start(argv, opts).await
    }
}

/// A 256 MiB btrfs of the test's own, loop-mounted under /var/tmp, quotas enabled.
struct QuotaFs {
    base: String,
    mount: String,
}

impl QuotaFs {
    fn new() -> Self {
        let base = format!("/var/tmp/dbt-storage-{}", uuid::Uuid::new_v4().simple());
        let mount = format!("{base}/mnt");
        let image = format!("{base}/fs.img");
        std::fs::create_dir_all(&mount).unwrap();
        let fs = Self { base, mount };
        run("truncate", &["-s", "256M", &image]);
        run("mkfs.btrfs", &["-q", &image]);
        run("mount", &["-o", "loop", &image, &fs.mount]);
        run("btrfs", &["quota", "enable", &fs.mount]);
        fs
    }
}

impl Drop for QuotaFs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.mount).output();
        let _ = std::fs::remove_dir_all(&self.base);
    }
}

struct Setup {
    api: TestApp,
    engine: engine::Engine,
    local: Arc<RecordingHost>,
    _key_dir: tempfile::TempDir,
}

impl std::ops::Deref for Setup {
    type Target = TestApp;
    fn deref(&self) -> &TestApp {
        &self.api
    }
}

/// The app as an admin, with a local primary (reached through a [`RecordingHost`])
/// whose allowed root is `root`.
async fn spawn(pool: PgPool, root: &str) -> (Setup, String) {
    store::db::migrate(&pool).await.unwrap();
    let events = EventStore::new(pool.clone());
    let server = engine::local_primary::ensure_local_primary(
        &events,
        &[ServerPath::parse(root).unwrap()],
        &testkit::meta(),
    )
    .await
    .unwrap()
    .unwrap();
    let key_dir = tempfile::tempdir().unwrap();
    let vault = Arc::new(
        store::vault::open_vault(pool.clone(), &key_dir.path().join("master.key"))
            .await
            .unwrap(),
    );
    let local = Arc::new(RecordingHost::default());
    let hosts = Arc::new(
        engine::HostRegistry::new()
            .with_local(local.clone())
            .with_connector(Arc::new(engine::ssh_servers::VaultConnector::new(
                vault.clone(),
            ))),
    );
    let state = api::AppState::with_hosts(pool, hosts).with_vault(vault);
    let engine = state.engine.clone();
    (
        Setup {
            api: TestApp::start(state, Role::Admin).await,
            engine,
            local,
            _key_dir: key_dir,
        },
        server.to_string(),
    )
}

impl Setup {
    async fn storage_of(&self, server: &str) -> Value {
        let (status, all) = self.send("GET", "/api/v1/storage", None).await;
        assert_eq!(status, StatusCode::OK, "{all}");
        all["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["server_id"] == server)
            .cloned()
            .unwrap_or_else(|| panic!("no storage entry for {server}: {all}"))
    }

    async fn metrics(&self) -> String {
        let (status, text) = self.send("GET", "/api/v1/metrics", None).await;
        assert_eq!(status, StatusCode::OK);
        text.as_str().unwrap().to_owned()
    }

    fn ran(&self) -> Vec<String> {
        self.local.ran.lock().unwrap().clone()
    }
}

pub(crate) fn remote_body(name: &str, n: u8) -> Value {
    json!({"name": name, "address": env(&format!("LAB_REMOTE{n}_ADDR")),
           "port": env(&format!("LAB_REMOTE{n}_PORT")).parse::<u16>().unwrap(),
           "username": env("LAB_SSH_USER"),
           "private_key": testkit::lab::private_key(),
           "role": "remote", "sudo": true, "allowed_roots": [env("LAB_REMOTE_MOUNT")]})
}

fn usage_of(mount: &str) -> btrfs::parse::FilesystemUsage {
    btrfs::parse::filesystem_usage(&run("btrfs", &["filesystem", "usage", "-b", mount])).unwrap()
}

fn df_size(mount: &str) -> i64 {
    let out = run("df", &["-B1", "--output=size", mount]);
    out.lines().nth(1).unwrap().trim().parse().unwrap()
}

#[sqlx::test(migrations = false)]
async fn primary_and_ssh_remote_are_collected_and_an_unreachable_server_does_not_stop_others(
    pool: PgPool,
) {
    let mount = env("LAB_PRIMARY_MOUNT");
    let area = Area::under(&mount);
    let (app, primary) = spawn(pool, &area.dir).await;

    // A lab remote over SSH, and one that cannot be reached (registered while up, then
    // pointed at a closed port: PATCH does not connect).
    let (status, r1) = app
        .send("POST", "/api/v1/servers", Some(remote_body("remote1", 1)))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{r1}");
    let remote1 = r1["id"].as_str().unwrap().to_owned();
    let (status, r3) = app
        .send("POST", "/api/v1/servers", Some(remote_body("remote3", 3)))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{r3}");
    let dead = r3["id"].as_str().unwrap().to_owned();
    let (status, body) = app
        .send(
            "PATCH",
            &format!("/api/v1/servers/{dead}"),
            Some(json!({"port": 1})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // Never collected yet: listed without figures.
    let before = app.storage_of(&primary).await;
    assert!(before["sampled_at"].is_null(), "{before}");
    assert_eq!(before["filesystems"], json!([]));

    let outcomes = app.engine.collect_storage_all().await.unwrap();
    assert_eq!(outcomes.len(), 3, "{outcomes:?}");
    for o in &outcomes {
        let id = o.server_id.to_string();
        assert_eq!(
            o.result.is_ok(),
            id != dead,
            "{}: {:?}",
            o.server_name,
            o.result
        );
    }

    // The primary: the real filesystem's size, as btrfs and df report it.
    let p = app.storage_of(&primary).await;
    assert!(p["error"].is_null(), "{p}");
    assert!(p["sampled_at"].is_string(), "{p}");
    assert_eq!(p["collect_qgroups"], false);
    let fs = &p["filesystems"].as_array().unwrap()[0];
    assert_eq!(fs["filesystem"], mount.as_str(), "{p}");
    let usage = usage_of(&mount);
    assert_eq!(fs["size_bytes"].as_u64().unwrap(), usage.device_size);
    assert_eq!(fs["size_bytes"].as_i64().unwrap(), df_size(&mount));
    assert!(fs["data"]["size_bytes"].as_i64().unwrap() > 0, "{fs}");
    assert!(fs["metadata"]["used_bytes"].as_i64().unwrap() > 0, "{fs}");
    assert!(fs["used_bytes"].as_i64().unwrap() <= fs["size_bytes"].as_i64().unwrap());
    let used_before = fs["used_bytes"].as_i64().unwrap();

    // The SSH remote: its own filesystem, collected over SSH.
    let r = app.storage_of(&remote1).await;
    assert!(r["error"].is_null(), "{r}");
    let rfs = &r["filesystems"].as_array().unwrap()[0];
    assert_eq!(rfs["filesystem"], env("LAB_REMOTE_MOUNT").as_str(), "{r}");
    assert!(rfs["size_bytes"].as_i64().unwrap() > 0, "{r}");

    // The unreachable server: an error, no figures.
    let d = app.storage_of(&dead).await;
    assert!(d["error"].as_str().unwrap().contains("reach"), "{d}");
    assert!(d["sampled_at"].is_null(), "{d}");

    // Writing 64 MiB (incompressible) to the primary makes "used" grow.
    let data: Vec<u8> = (0..64 * 1024 * 1024_u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let file = format!("{}/blob", area.vol);
    std::fs::write(&file, &data).unwrap();
    std::fs::File::open(&file).unwrap().sync_all().unwrap();
    run("btrfs", &["filesystem", "sync", &mount]);
    let (status, now) = app
        .send(
            "POST",
            &format!("/api/v1/servers/{primary}/storage/collect"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{now}");
    let used_after = now["filesystems"][0]["used_bytes"].as_i64().unwrap();
    assert!(
        used_after >= used_before + 32 * 1024 * 1024,
        "used {used_before} -> {used_after}"
    );

    // Collecting the unreachable one on demand: a 5xx problem naming the cause.
    let (status, body) = app
        .send(
            "POST",
            &format!("/api/v1/servers/{dead}/storage/collect"),
            None,
        )
        .await;
    assert!(status.is_server_error(), "{body}");
    assert!(
        body["detail"].as_str().unwrap().contains("cannot reach"),
        "{body}"
    );

    // History for charts.
    let (status, hist) = app
        .send(
            "GET",
            &format!("/api/v1/servers/{primary}/storage/history"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{hist}");
    let hist = hist.as_array().unwrap();
    assert!(!hist.is_empty());
    assert_eq!(
        hist.last().unwrap()["used_bytes"].as_i64().unwrap(),
        used_after
    );
    let (status, body) = app
        .send(
            "GET",
            &format!("/api/v1/servers/{primary}/storage/history?limit=0"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(
        body["detail"].as_str().unwrap().starts_with("limit"),
        "{body}"
    );

    // Per-subvolume: a snapshot count, no sizes without qgroups.
    let (status, sv) = app
        .send(
            "POST",
            "/api/v1/subvolumes",
            Some(json!({"server_id": primary, "path": area.vol, "snapshot_dir": area.snaps})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{sv}");
    let sv = sv["id"].as_str().unwrap().to_owned();
    let (status, snap) = app
        .send("POST", &format!("/api/v1/subvolumes/{sv}/snapshots"), None)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{snap}");
    let (status, st) = app
        .send("GET", &format!("/api/v1/subvolumes/{sv}/storage"), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{st}");
    assert_eq!(st["snapshots"], 1);
    assert!(st["referenced_bytes"].is_null(), "{st}");

    // /metrics: the filesystem series with the right labels and values.
    let latest = app.storage_of(&primary).await;
    let size = latest["filesystems"][0]["size_bytes"].as_i64().unwrap();
    let used = latest["filesystems"][0]["used_bytes"].as_i64().unwrap();
    let free = latest["filesystems"][0]["free_bytes"].as_i64().unwrap();
    let name = latest["server_name"].as_str().unwrap();
    let labels = format!("server=\"{name}\",server_id=\"{primary}\",filesystem=\"{mount}\"");
    let text = app.metrics().await;
    for line in [
        format!("dist_btrfs_filesystem_size_bytes{{{labels}}} {size}"),
        format!("dist_btrfs_filesystem_used_bytes{{{labels}}} {used}"),
        format!("dist_btrfs_filesystem_free_bytes{{{labels}}} {free}"),
        format!(
            "dist_btrfs_storage_collection_failed{{server=\"remote3\",server_id=\"{dead}\"}} 1"
        ),
        format!(
            "dist_btrfs_storage_collection_failed{{server=\"{name}\",server_id=\"{primary}\"}} 0"
        ),
    ] {
        assert!(text.contains(&line), "missing {line:?} in\n{text}");
    }
    assert!(
        text.contains(&format!("subvolume_id=\"{sv}\"}} 1")),
        "snapshot count series: {text}"
    );
    assert!(
        text.contains(&format!(
            "dist_btrfs_filesystem_size_bytes{{server=\"remote1\",server_id=\"{remote1}\""
        )),
        "{text}"
    );
    assert!(
        !text.contains("dist_btrfs_subvolume_referenced_bytes{"),
        "{text}"
    );

    // With qgroup collection on but quotas off on the lab primary: a note, and quotas
    // are never enabled.
    let (status, body) = app
        .send(
            "PUT",
            &format!("/api/v1/servers/{primary}/storage/settings"),
            Some(json!({"collect_qgroups": true})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, now) = app
        .send(
            "POST",
            &format!("/api/v1/servers/{primary}/storage/collect"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{now}");
    let note = now["qgroup_note"].as_str().unwrap();
    assert!(note.contains("not enabled"), "{now}");
    assert!(
        note.contains("run `btrfs quota enable MOUNT` on the server yourself")
            && note.contains("never enables quotas"),
        "the note says what to do: {note}"
    );
    let ran = app.ran();
    assert!(
        ran.iter().any(|c| c.contains("filesystem usage")),
        "{ran:?}"
    );
    assert!(ran.iter().any(|c| c.contains("qgroup show")), "{ran:?}");
    assert!(!ran.iter().any(|c| c.contains("quota")), "{ran:?}");
}

/// `GET /subvolumes/{id}/storage/history`, oldest first.
async fn subvolume_history(app: &Setup, sv: &str) -> Vec<serde_json::Value> {
    let (status, h) = app
        .send(
            "GET",
            &format!("/api/v1/subvolumes/{sv}/storage/history"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{h}");
    h.as_array().unwrap().clone()
}

#[sqlx::test(migrations = false)]
async fn with_quotas_enabled_subvolume_and_snapshot_sizes_come_from_qgroups(pool: PgPool) {
    let qfs = QuotaFs::new();
    let area = Area::under(&qfs.mount);
    let (app, primary) = spawn(pool, &qfs.mount).await;

    // Off by default: only usage runs, no qgroup command at all.
    let (status, _) = app
        .send(
            "POST",
            &format!("/api/v1/servers/{primary}/storage/collect"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        !app.ran()
            .iter()
            .any(|c| c.contains("qgroup") || c.contains("quota"))
    );

    let (status, body) = app
        .send(
            "PUT",
            &format!("/api/v1/servers/{primary}/storage/settings"),
            Some(json!({"collect_qgroups": true})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["collect_qgroups"], true);
    let types: Vec<String> = sqlx::query_scalar(
        "SELECT event_type FROM events WHERE stream_id = $1 ORDER BY stream_version DESC LIMIT 1",
    )
    .bind(format!("server-{primary}"))
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(types, ["ServerStorageSettingsChanged"]);

    let (status, sv) = app
        .send(
            "POST",
            "/api/v1/subvolumes",
            Some(json!({"server_id": primary, "path": area.vol, "snapshot_dir": area.snaps})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{sv}");
    let sv = sv["id"].as_str().unwrap().to_owned();

    // 8 MiB in the subvolume, snapshot it, then delete the file from the subvolume: the
    // snapshot alone holds those bytes (exclusive).
    let file = format!("{}/blob", area.vol);
    let data: Vec<u8> = (0..8 * 1024 * 1024_u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 11) as u8)
        .collect();
    std::fs::write(&file, &data).unwrap();
    run("btrfs", &["filesystem", "sync", &qfs.mount]);
    let (status, snap) = app
        .send("POST", &format!("/api/v1/subvolumes/{sv}/snapshots"), None)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{snap}");
    let snap_id = snap["id"].as_str().unwrap().to_owned();
    std::fs::remove_file(&file).unwrap();
    run("btrfs", &["filesystem", "sync", &qfs.mount]);
    run("btrfs", &["quota", "rescan", "-w", &qfs.mount]);

    let (status, now) = app
        .send(
            "POST",
            &format!("/api/v1/servers/{primary}/storage/collect"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{now}");
    assert!(now["qgroup_note"].is_null(), "{now}");
    let mib = 1024 * 1024;
    let (status, st) = app
        .send("GET", &format!("/api/v1/subvolumes/{sv}/storage"), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{st}");
    assert_eq!(st["snapshots"], 1, "{st}");
    assert_eq!(st["snapshots_measured"], 1, "{st}");
    assert!(st["referenced_bytes"].as_i64().unwrap() < mib, "{st}");
    assert!(
        st["snapshot_exclusive_bytes"].as_i64().unwrap() >= 8 * mib,
        "{st}"
    );
    // The snapshot's size in the catalog listing comes from its qgroup.
    let (status, page) = app
        .send("GET", &format!("/api/v1/subvolumes/{sv}/snapshots"), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let item = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == snap_id.as_str())
        .unwrap()
        .clone();
    assert!(item["size_bytes"].as_i64().unwrap() >= 8 * mib, "{item}");

    // The history: one sample per collection (the subvolume did not exist at the first).
    let h = subvolume_history(&app, &sv).await;
    assert_eq!(h.len(), 1, "{h:?}");
    assert_eq!(h[0]["snapshots"], 1, "{h:?}");
    assert!(
        h[0]["snapshot_exclusive_bytes"].as_i64().unwrap() >= 8 * mib,
        "{h:?}"
    );
    // An hour later (moved back), a second snapshot: two samples, oldest first.
    sqlx::query("UPDATE subvolume_samples SET sampled_at = sampled_at - interval '1 hour'")
        .execute(&app.pool)
        .await
        .unwrap();
    let (status, _) = app
        .send("POST", &format!("/api/v1/subvolumes/{sv}/snapshots"), None)
        .await;
    assert_eq!(status, StatusCode::CREATED);
    for _ in 0..2 {
        let (status, _) = app
            .send(
                "POST",
                &format!("/api/v1/servers/{primary}/storage/collect"),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK);
    }
    let h = subvolume_history(&app, &sv).await;
    // The two collections just now share a 5-minute bucket: the newer one is kept.
    let counts: Vec<i64> = h.iter().map(|x| x["snapshots"].as_i64().unwrap()).collect();
    assert_eq!(counts, [1, 2], "{h:?}");
    let (status, _) = app
        .send(
            "GET",
            &format!(
                "/api/v1/subvolumes/{}/storage/history",
                uuid::Uuid::now_v7()
            ),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let text = app.metrics().await;
    assert!(
        text.contains("dist_btrfs_subvolume_snapshot_exclusive_bytes{server="),
        "{text}"
    );
    assert!(text.contains(&format!("subvolume_id=\"{sv}\"")), "{text}");
    // Never `btrfs quota ...` from dist-btrfs (the test enabled them itself).
    assert!(
        !app.ran().iter().any(|c| c.contains("quota")),
        "{:?}",
        app.ran()
    );

    // Turning it off forgets the sizes at the next collection.
    let (status, _) = app
        .send(
            "PUT",
            &format!("/api/v1/servers/{primary}/storage/settings"),
            Some(json!({"collect_qgroups": false})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app
        .send(
            "POST",
            &format!("/api/v1/servers/{primary}/storage/collect"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, st) = app
        .send("GET", &format!("/api/v1/subvolumes/{sv}/storage"), None)
        .await;
    assert!(st["referenced_bytes"].is_null(), "{st}");
}
