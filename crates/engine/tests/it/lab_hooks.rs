//! Snapshot hooks against the lab: real btrfs on the lab primary, real Postgres, real
//! executables in a hooks directory of the test's own (the engine's `with_hooks_dir`).
//! Each hook script appends its argv, and whether the snapshot path existed when it ran,
//! to a log the test reads.

use std::os::unix::fs::PermissionsExt;

use domain::SubvolumeId;
use domain::status::ProblemKind;
use engine::{Engine, EngineError};
use sqlx::PgPool;
use store::projections;
use testkit::{Fleet, meta};

struct Setup {
    fleet: Fleet,
    engine: Engine,
    hooks: tempfile::TempDir,
    sv: SubvolumeId,
}

async fn setup(pool: PgPool) -> Setup {
    let fleet = Fleet::primary(pool).await;
    fleet.area.write("file", b"hello");
    let hooks = tempfile::tempdir().unwrap();
    let dir = btrfs::AbsPath::parse(hooks.path().to_str().unwrap()).unwrap();
    let engine = fleet.engine.clone().with_hooks_dir(dir);
    let sv = fleet.manage(None).await;
    Setup {
        fleet,
        engine,
        hooks,
        sv,
    }
}

impl Setup {
    fn log(&self) -> String {
        std::fs::read_to_string(self.hooks.path().join("log")).unwrap_or_default()
    }

    /// Installs hook `name`: logs `<phase> <args...> exists=<yes|no>`, then runs `body`.
    fn install(&self, name: &str, body: &str) {
        let log = self.hooks.path().join("log");
        let script = format!(
            "#!/bin/sh\nif [ -e \"$3\" ]; then e=yes; else e=no; fi\n\
             echo \"$* exists=$e\" >> '{}'\n{body}\n",
            log.display()
        );
        let path = self.hooks.path().join(name);
        testkit::install_executable(&path, script, 0o755);
    }

    async fn set(&self, pre: Option<&str>, post: Option<&str>, timeout: u64) {
        self.engine
            .set_snapshot_hooks(self.sv, pre, post, timeout, &meta())
            .await
            .unwrap();
    }

    async fn hook_runs(&self) -> Vec<serde_json::Value> {
        sqlx::query_scalar(
            "SELECT payload FROM events WHERE event_type = 'SnapshotHookRan' ORDER BY global_seq",
        )
        .fetch_all(&self.fleet.pool)
        .await
        .unwrap()
    }

    fn snapshots_on_disk(&self) -> usize {
        std::fs::read_dir(&self.fleet.area.snaps).unwrap().count()
    }

    async fn hook_problems(&self) -> Vec<String> {
        engine::status::fleet_status(&self.fleet.pool, chrono::Utc::now(), 85)
            .await
            .unwrap()
            .problems
            .into_iter()
            .filter(|p| p.kind == ProblemKind::HookFailing && p.subvolume_id == Some(self.sv))
            .map(|p| p.summary)
            .collect()
    }
}

#[sqlx::test(migrations = false)]
async fn hooks_run_before_and_after_the_snapshot_with_a_fixed_argv(pool: PgPool) {
    let s = setup(pool).await;
    s.install("freeze", "exit 0");
    s.install("thaw", "exit 0");
    s.set(Some("freeze"), Some("thaw"), 10).await;

    let snap = s.engine.create_snapshot(s.sv, &meta()).await.unwrap();

    let vol = &s.fleet.area.vol;
    let path = &snap.path;
    assert_eq!(
        s.log(),
        format!("pre {vol} {path} exists=no\npost {vol} {path} created exists=yes\n"),
        "the pre hook ran before the snapshot existed, the post hook after"
    );
    let runs = s.hook_runs().await;
    assert_eq!(runs.len(), 2, "{runs:?}");
    assert_eq!(runs[0]["phase"], "pre");
    assert_eq!(runs[1]["phase"], "post");
    assert!(
        runs.iter()
            .all(|r| r["outcome"] == "ok" && r["snapshot"] == snap.name.as_str())
    );
    let view = projections::subvolume(&s.fleet.pool, s.sv)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(view.pre_snapshot_hook.as_deref(), Some("freeze"));
    assert_eq!(view.hook_timeout_secs, 10);
    assert_eq!(view.last_post_hook.unwrap().outcome.as_str(), "ok");
    assert!(s.hook_problems().await.is_empty());
}

#[sqlx::test(migrations = false)]
async fn a_failing_pre_hook_aborts_the_snapshot_and_says_why(pool: PgPool) {
    let s = setup(pool).await;
    s.install("freeze", "echo 'database busy' >&2; exit 3");
    s.install("thaw", "exit 0");
    s.set(Some("freeze"), Some("thaw"), 10).await;

    let err = s.engine.create_snapshot(s.sv, &meta()).await.unwrap_err();

    assert!(matches!(err, EngineError::Conflict(_)), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains("pre-snapshot hook freeze failed (exit 3): database busy"),
        "{msg}"
    );
    assert_eq!(s.snapshots_on_disk(), 0, "no snapshot was taken");
    assert!(
        s.log().contains(&format!("post {} ", s.fleet.area.vol))
            && s.log().contains(" failed exists=no"),
        "the post hook runs after a pre hook that ran, told the snapshot failed: {}",
        s.log()
    );
    assert_eq!(
        s.fleet.count("SELECT count(*) FROM proj_snapshots").await,
        0
    );
    let view = projections::subvolume(&s.fleet.pool, s.sv)
        .await
        .unwrap()
        .unwrap();
    let error = view.last_snapshot_error.unwrap();
    assert!(
        error.contains("database busy") && error.contains("not taken"),
        "{error}"
    );
    let runs = s.hook_runs().await;
    assert_eq!(runs.len(), 2, "{runs:?}");
    assert_eq!(runs[0]["outcome"], "failed");
    assert_eq!(runs[0]["exit_code"], 3);
    assert_eq!(runs[1]["phase"], "post");
    assert_eq!(runs[1]["outcome"], "ok");
}

#[sqlx::test(migrations = false)]
async fn a_hung_pre_hook_is_killed_at_its_timeout_and_no_snapshot_is_taken(pool: PgPool) {
    let s = setup(pool).await;
    s.install("slow", "exec sleep 600");
    s.set(Some("slow"), None, 1).await;

    let err = s.engine.create_snapshot(s.sv, &meta()).await.unwrap_err();

    assert!(
        err.to_string().contains("pre-snapshot hook slow timed out"),
        "{err}"
    );
    assert_eq!(s.snapshots_on_disk(), 0);
    assert_eq!(s.hook_runs().await[0]["outcome"], "timed_out");
}

#[sqlx::test(migrations = false)]
async fn a_failing_post_hook_keeps_the_snapshot_and_is_a_problem_until_it_succeeds(pool: PgPool) {
    let s = setup(pool).await;
    let flag = s.hooks.path().join("fail");
    s.install(
        "thaw",
        &format!(
            "if [ -e '{}' ]; then echo 'cannot thaw' >&2; exit 1; fi",
            flag.display()
        ),
    );
    s.set(None, Some("thaw"), 10).await;
    std::fs::write(&flag, b"").unwrap();

    let snap = s.engine.create_snapshot(s.sv, &meta()).await.unwrap();

    assert!(
        std::path::Path::new(&snap.path).exists(),
        "the snapshot stays"
    );
    let problems = s.hook_problems().await;
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].contains("thaw") && problems[0].contains("cannot thaw"),
        "{problems:?}"
    );

    std::fs::remove_file(&flag).unwrap();
    s.engine.create_snapshot(s.sv, &meta()).await.unwrap();
    assert!(
        s.hook_problems().await.is_empty(),
        "a successful run clears the problem"
    );
}

#[sqlx::test(migrations = false)]
async fn a_scheduled_slot_runs_its_hooks_once_however_often_it_is_retried(pool: PgPool) {
    let s = setup(pool).await;
    s.install("freeze", "exit 0");
    s.install("thaw", "exit 0");
    s.set(Some("freeze"), Some("thaw"), 10).await;
    let slot = chrono::Utc::now();

    s.engine
        .snapshot_for_slot(s.sv, slot, &meta())
        .await
        .unwrap();
    s.engine
        .snapshot_for_slot(s.sv, slot, &meta())
        .await
        .unwrap();

    let log = s.log();
    assert_eq!(
        log.lines().filter(|l| l.starts_with("pre ")).count(),
        1,
        "{log}"
    );
    assert_eq!(
        log.lines().filter(|l| l.starts_with("post ")).count(),
        1,
        "{log}"
    );
    assert_eq!(s.snapshots_on_disk(), 1);
}

#[sqlx::test(migrations = false)]
async fn hooks_are_chosen_only_among_the_executables_the_server_offers(pool: PgPool) {
    let s = setup(pool).await;
    s.install("b-hook", "exit 0");
    s.install("a-hook", "exit 0");
    std::fs::write(s.hooks.path().join("not-executable"), b"#!/bin/sh\n").unwrap();
    std::fs::write(s.hooks.path().join(".hidden"), b"").unwrap();
    std::os::unix::fs::symlink("/bin/true", s.hooks.path().join("linked")).unwrap();

    let offered: Vec<String> = s
        .engine
        .list_hooks(s.fleet.primary)
        .await
        .unwrap()
        .into_iter()
        .map(|h| h.name)
        .collect();
    assert_eq!(offered, ["a-hook", "b-hook", "linked"]);

    let before = s.fleet.count("SELECT count(*) FROM events").await;
    for (pre, post, timeout, why) in [
        (Some("missing"), None, 10, "no executable \"missing\""),
        (Some("not-executable"), None, 10, "no executable"),
        (None, Some("../../bin/sh"), 10, "is not a file name"),
        (None, Some("/bin/sh"), 10, "is not a file name"),
        (Some("a-hook"), None, 0, "out of range"),
        (Some("a-hook"), None, 901, "out of range"),
    ] {
        let err = s
            .engine
            .set_snapshot_hooks(s.sv, pre, post, timeout, &meta())
            .await
            .unwrap_err();
        assert!(matches!(err, EngineError::Invalid(_)), "{err:?}");
        assert!(err.to_string().contains(why), "{err} should say {why}");
    }
    assert_eq!(
        s.fleet.count("SELECT count(*) FROM events").await,
        before,
        "nothing changed"
    );

    // A hook removed after it was set fails the next snapshot, loudly.
    s.set(Some("a-hook"), None, 10).await;
    std::fs::remove_file(s.hooks.path().join("a-hook")).unwrap();
    let err = s.engine.create_snapshot(s.sv, &meta()).await.unwrap_err();
    assert!(
        err.to_string()
            .contains("pre-snapshot hook a-hook could not be started"),
        "{err}"
    );
    assert_eq!(s.snapshots_on_disk(), 0);

    // Both null: no hooks any more, snapshots work again.
    s.set(None, None, 60).await;
    s.engine.create_snapshot(s.sv, &meta()).await.unwrap();
}

/// On a primary reached over SSH (lab remote 1 registered as a primary), the hooks run on
/// that server, as the SSH login user, with the remote's paths.
#[sqlx::test(migrations = false)]
async fn hooks_run_on_the_server_that_owns_the_subvolume_over_ssh(pool: PgPool) {
    use testkit::area::Area;
    use testkit::lab::ssh_ok;

    let fleet = Fleet::primary(pool).await;
    let area = Area::with_remotes(&[1]);
    let dir = area.remote(1).to_owned();
    ssh_ok(
        1,
        &format!("sudo btrfs subvolume create {dir}/vol >/dev/null"),
    );
    // The hooks directory lives on this machine's filesystem, which the lab remote shares
    // (only its btrfs mount is private); the login user must be able to write the log.
    let hooks = tempfile::tempdir().unwrap();
    std::fs::set_permissions(hooks.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let log = hooks.path().join("log");
    let script = format!("#!/bin/sh\necho \"$(id -un) $*\" >> '{}'\n", log.display());
    for name in ["freeze", "thaw"] {
        testkit::install_executable(hooks.path().join(name), &script, 0o755);
    }
    let engine = fleet
        .engine
        .clone()
        .with_hooks_dir(btrfs::AbsPath::parse(hooks.path().to_str().unwrap()).unwrap());
    let mut request = Fleet::remote_request(1);
    request.name = "ssh-primary".into();
    request.role = domain::ServerRole::Primary;
    let (server, _) = engine
        .register_ssh_server(&fleet.vault, &request, &meta())
        .await
        .unwrap();
    let sv = engine
        .manage_subvolume(
            &engine::subvolumes::ManageRequest {
                server_id: server.server_id,
                path: format!("{dir}/vol"),
                snapshot_dir: dir.clone(),
                name: Some("sshvol".into()),
            },
            &meta(),
        )
        .await
        .unwrap()
        .subvolume_id;
    let offered: Vec<String> = engine
        .list_hooks(server.server_id)
        .await
        .unwrap()
        .into_iter()
        .map(|h| h.name)
        .collect();
    assert_eq!(offered, ["freeze", "thaw"], "listed on the SSH server");
    engine
        .set_snapshot_hooks(sv, Some("freeze"), Some("thaw"), 30, &meta())
        .await
        .unwrap();

    let snap = engine.create_snapshot(sv, &meta()).await.unwrap();

    let user = testkit::lab::env("LAB_SSH_USER");
    let path = &snap.path;
    assert_eq!(
        std::fs::read_to_string(&log).unwrap(),
        format!("{user} pre {dir}/vol {path}\n{user} post {dir}/vol {path} created\n"),
        "both hooks ran over SSH as the login user"
    );
}

/// A slow hook holds only its own subvolume: while one subvolume's post-hook runs (it
/// waits for the test, after its pre-hook ran), another subvolume's snapshot, with a
/// pre-hook, is taken and recorded (the runs of both are events of the same type: nothing
/// of the first is written while its hook runs). Run as the race it is: the second
/// snapshot must finish before the first hook is let go.
#[sqlx::test(migrations = false)]
async fn a_slow_hook_never_holds_back_other_subvolumes(pool: PgPool) {
    let s = setup(pool).await;
    let release = s.hooks.path().join("release");
    let started = s.hooks.path().join("started");
    s.install(
        "slow",
        &format!(
            "touch '{}'; while [ ! -e '{}' ]; do sleep 0.05; done",
            started.display(),
            release.display()
        ),
    );
    s.install("fast", "exit 0");
    s.set(Some("fast"), Some("slow"), 120).await;
    let other_vol = format!("{}/other", s.fleet.area.dir);
    testkit::sh(&["btrfs", "subvolume", "create", &other_vol]);
    let other = s
        .engine
        .manage_subvolume(
            &engine::subvolumes::ManageRequest {
                server_id: s.fleet.primary,
                path: other_vol.clone(),
                snapshot_dir: s.fleet.area.snaps.clone(),
                name: Some("other".into()),
            },
            &meta(),
        )
        .await
        .unwrap()
        .subvolume_id;
    s.engine
        .set_snapshot_hooks(other, Some("fast"), None, 10, &meta())
        .await
        .unwrap();

    let engine = s.engine.clone();
    let sv = s.sv;
    let slow = tokio::spawn(async move { engine.create_snapshot(sv, &meta()).await });
    while !started.exists() {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let quick = tokio::time::timeout(
        std::time::Duration::from_secs(60),
        s.engine.create_snapshot(other, &meta()),
    )
    .await
    .expect("the other subvolume's snapshot waited for the slow hook")
    .unwrap();
    assert!(!slow.is_finished(), "the slow hook is still running");
    std::fs::write(&release, b"").unwrap();
    let first = slow.await.unwrap().unwrap();
    assert_ne!(first.snapshot_id, quick.snapshot_id);
    let _ = std::process::Command::new("btrfs")
        .args(["subvolume", "delete", &other_vol])
        .output();
}
