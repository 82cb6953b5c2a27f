//! `Btrfs<LocalHost>` against real btrfs: each test makes its own scratch filesystems (sparse
//! image → mkfs.btrfs → its own loop device → mount in a temp dir) and tears them down on
//! drop, detaching only the loop device it attached.
//!
//! Needs root, btrfs-progs and loop devices (CI runs as root). When not root, the tests fail
//! unless `DIST_BTRFS_SKIP_PRIVILEGED_TESTS=1` is set, in which case they are skipped.

// Panicking shortcuts are fine in tests (clippy.toml allows them in #[test] fns only).

use std::io::Write as _;
use std::process::Command;
use std::time::Duration;

use btrfs::host::{CommandStdin, CommandStdout};
use btrfs::{AbsPath, Argv, Btrfs, Host, HostError, LocalHost, RunOptions, RunningCommand};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const CHUNK: usize = 32 * 1024;

fn privileged() -> bool {
    if nix::unistd::Uid::effective().is_root() {
        return true;
    }
    if std::env::var_os("DIST_BTRFS_SKIP_PRIVILEGED_TESTS").is_some_and(|v| v == "1") {
        eprintln!("skipped: not root and DIST_BTRFS_SKIP_PRIVILEGED_TESTS=1");
        return false;
    }
    panic!("these tests need root (or set DIST_BTRFS_SKIP_PRIVILEGED_TESTS=1 to skip them)");
}

fn sh_ok(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A scratch btrfs filesystem mounted in a temp dir, gone on drop.
struct ScratchFs {
    mount: AbsPath,
    loop_dev: Option<String>,
    mounted: bool,
    _dir: tempfile::TempDir,
}

impl ScratchFs {
    fn new() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("dist-btrfs-test-")
            .tempdir()
            .unwrap();
        let image = dir.path().join("fs.img");
        std::fs::File::create(&image)
            .unwrap()
            .set_len(512 * 1024 * 1024)
            .unwrap();
        sh_ok(Command::new("mkfs.btrfs").arg("-q").arg(&image));
        let mnt = dir.path().join("mnt");
        std::fs::create_dir(&mnt).unwrap();
        let mut fs = ScratchFs {
            mount: AbsPath::parse(mnt.to_str().unwrap()).unwrap(),
            loop_dev: None,
            mounted: false,
            _dir: dir,
        };
        let dev = sh_ok(
            Command::new("losetup")
                .args(["--find", "--show"])
                .arg(&image),
        );
        fs.loop_dev = Some(dev.trim().to_owned());
        sh_ok(Command::new("mount").arg(dev.trim()).arg(&mnt));
        fs.mounted = true;
        fs
    }

    fn path(&self, name: &str) -> AbsPath {
        self.mount.join(name).unwrap()
    }
}

impl Drop for ScratchFs {
    fn drop(&mut self) {
        if self.mounted {
            let ok = Command::new("umount")
                .arg(self.mount.as_str())
                .status()
                .is_ok_and(|s| s.success());
            if !ok {
                let _ = Command::new("umount")
                    .arg("-l")
                    .arg(self.mount.as_str())
                    .status();
            }
        }
        // Only the device this helper attached; never `losetup -D`.
        if let Some(dev) = &self.loop_dev {
            let _ = Command::new("losetup").arg("-d").arg(dev).status();
        }
    }
}

fn write_random(path: &AbsPath, file: &str, bytes: usize) {
    let mut data = vec![0u8; bytes];
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15 ^ bytes as u64;
    for b in &mut data {
        // xorshift: incompressible enough, no extra dependency.
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        *b = x as u8;
    }
    let mut f = std::fs::File::create(format!("{path}/{file}")).unwrap();
    f.write_all(&data).unwrap();
    f.sync_all().unwrap();
}

/// Copies `src` into every sink in 32 KiB reads (the slowest sink paces), then EOFs them.
async fn fan_out(
    mut src: CommandStdout,
    mut sinks: Vec<CommandStdin>,
    limit: Option<usize>,
) -> usize {
    let mut buf = vec![0u8; CHUNK];
    let mut total = 0;
    loop {
        let want = limit.map_or(CHUNK, |l| CHUNK.min(l - total));
        if want == 0 {
            break;
        }
        let n = src.read(&mut buf[..want]).await.unwrap();
        if n == 0 {
            break;
        }
        for s in &mut sinks {
            s.write_all(&buf[..n]).await.unwrap();
        }
        total += n;
    }
    for mut s in sinks {
        s.shutdown().await.unwrap();
    }
    total
}

/// One send streamed into several receives; returns the bytes streamed.
async fn replicate(
    send: Box<dyn RunningCommand>,
    receives: Vec<Box<dyn RunningCommand>>,
) -> (usize, Vec<Result<btrfs::ExitInfo, HostError>>) {
    let mut send = send;
    let mut receives = receives;
    let stdout = send.take_stdout().unwrap();
    let sinks = receives
        .iter_mut()
        .map(|r| r.take_stdin().unwrap())
        .collect();
    let total = fan_out(stdout, sinks, None).await;
    send.wait().await.unwrap();
    let mut results = Vec::new();
    for r in receives {
        results.push(r.wait().await);
    }
    (total, results)
}

#[tokio::test]
async fn subvolume_snapshot_list_show_delete() {
    if !privileged() {
        return;
    }
    let fs = ScratchFs::new();
    let b = Btrfs::new(LocalHost);
    let v = b.version().await.unwrap();
    assert!(v.at_least(5, 0), "{v:?}");

    let data = fs.path("data");
    b.create_subvolume(&data).await.unwrap();
    write_random(&data, "file", 100_000);
    let source = b.show(&data).await.unwrap();
    assert!(!source.readonly);
    assert!(!b.is_readonly(&data).await.unwrap());

    let snap = fs.path("data@1");
    b.snapshot_readonly(&data, &snap).await.unwrap();
    let shown = b.show(&snap).await.unwrap();
    assert!(shown.readonly);
    assert!(b.is_readonly(&snap).await.unwrap());
    assert_eq!(shown.parent_uuid, source.uuid);
    assert_eq!(shown.name, "data@1");

    let list = b.list_subvolumes(&fs.mount).await.unwrap();
    let listed = list
        .iter()
        .find(|s| s.path == "data@1")
        .expect("snapshot listed");
    assert_eq!(listed.parent_uuid, source.uuid);
    assert_eq!(listed.uuid, shown.uuid);
    assert_eq!(listed.id, shown.subvolume_id);
    assert_eq!(listed.received_uuid, None);
    assert_eq!(b.show(&data).await.unwrap().snapshots, ["data@1"]);

    let usage = b.usage(&fs.mount).await.unwrap();
    assert_eq!(usage.device_size, 512 * 1024 * 1024);
    assert!(usage.used > 0);

    b.delete(&snap).await.unwrap();
    let list = b.list_subvolumes(&fs.mount).await.unwrap();
    assert_eq!(
        list.iter().map(|s| s.path.as_str()).collect::<Vec<_>>(),
        ["data"]
    );
    let err = b.show(&snap).await.unwrap_err();
    assert!(
        matches!(err, HostError::NonZeroExit { code: 1, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn names_with_spaces_survive_the_round_trip() {
    if !privileged() {
        return;
    }
    let fs = ScratchFs::new();
    let b = Btrfs::new(LocalHost);
    let docs = fs.path("my docs");
    b.create_subvolume(&docs).await.unwrap();
    let snap = fs.path("my docs@ 1 $(x) 'q'");
    b.snapshot_readonly(&docs, &snap).await.unwrap();
    let list = b.list_subvolumes(&fs.mount).await.unwrap();
    let paths: Vec<_> = list.iter().map(|s| s.path.as_str()).collect();
    assert_eq!(paths, ["my docs", "my docs@ 1 $(x) 'q'"]);
    assert_eq!(b.show(&snap).await.unwrap().name, "my docs@ 1 $(x) 'q'");
}

#[tokio::test]
async fn send_fans_out_into_two_receives_and_incrementals_follow() {
    if !privileged() {
        return;
    }
    let (src, dst1, dst2) = (ScratchFs::new(), ScratchFs::new(), ScratchFs::new());
    let b = Btrfs::new(LocalHost);
    let data = src.path("data");
    b.create_subvolume(&data).await.unwrap();
    write_random(&data, "big", 8 * 1024 * 1024);
    let snap1 = src.path("data@1");
    b.snapshot_readonly(&data, &snap1).await.unwrap();
    let snap1_uuid = b.show(&snap1).await.unwrap().uuid;
    assert!(snap1_uuid.is_some());

    // Full send, one stream into two receives.
    let send = b.send(&snap1, None, &[]).await.unwrap();
    let receives = vec![
        b.receive(&dst1.mount).await.unwrap(),
        b.receive(&dst2.mount).await.unwrap(),
    ];
    let (bytes, results) = replicate(send, receives).await;
    assert!(bytes > 8 * 1024 * 1024, "{bytes}");
    for r in results {
        r.unwrap();
    }
    for dst in [&dst1, &dst2] {
        let got = b.show(&dst.path("data@1")).await.unwrap();
        assert!(got.readonly);
        assert_eq!(got.received_uuid, snap1_uuid);
        let content = std::fs::read(format!("{}/big", dst.path("data@1"))).unwrap();
        assert_eq!(content, std::fs::read(format!("{data}/big")).unwrap());
    }

    // Incremental to one target: the parent is matched by received_uuid.
    write_random(&data, "more", 1024 * 1024);
    let snap2 = src.path("data@2");
    b.snapshot_readonly(&data, &snap2).await.unwrap();
    let snap2_uuid = b.show(&snap2).await.unwrap().uuid;
    let send = b.send(&snap2, Some(&snap1), &[]).await.unwrap();
    let (bytes, results) = replicate(send, vec![b.receive(&dst1.mount).await.unwrap()]).await;
    assert!(
        bytes < 2 * 1024 * 1024,
        "incremental stream should be small: {bytes}"
    );
    for r in results {
        r.unwrap();
    }
    let remote = b.list_subvolumes(&dst1.mount).await.unwrap();
    let base = remote
        .iter()
        .find(|s| s.received_uuid == snap1_uuid)
        .unwrap();
    let incr = remote
        .iter()
        .find(|s| s.received_uuid == snap2_uuid)
        .unwrap();
    assert_eq!(incr.path, "data@2");
    assert_eq!(incr.parent_uuid, base.uuid);
    assert!(b.is_readonly(&dst1.path("data@2")).await.unwrap());
}

#[tokio::test]
async fn truncated_stream_leaves_a_detectable_partial_subvolume() {
    if !privileged() {
        return;
    }
    let (src, dst) = (ScratchFs::new(), ScratchFs::new());
    let b = Btrfs::new(LocalHost);
    let data = src.path("data");
    b.create_subvolume(&data).await.unwrap();
    write_random(&data, "big", 4 * 1024 * 1024);
    let snap = src.path("data@1");
    b.snapshot_readonly(&data, &snap).await.unwrap();

    let mut send = b.send(&snap, None, &[]).await.unwrap();
    let mut recv = b.receive(&dst.mount).await.unwrap();
    let copied = fan_out(
        send.take_stdout().unwrap(),
        vec![recv.take_stdin().unwrap()],
        Some(1024 * 1024),
    )
    .await;
    assert_eq!(copied, 1024 * 1024);
    // The sender loses its reader: broken pipe / SIGPIPE, a transient failure.
    let send_err = send.wait().await.unwrap_err();
    assert!(
        send_err.is_transient() || matches!(send_err, HostError::NonZeroExit { .. }),
        "{send_err:?}"
    );
    let err = recv.wait().await.unwrap_err();
    assert!(matches!(err, HostError::NonZeroExit { .. }), "{err:?}");
    assert!(err.stderr().unwrap().contains("ERROR"), "{err:?}");

    let partial = b.show(&dst.path("data@1")).await.unwrap();
    assert!(!partial.readonly);
    assert_eq!(partial.received_uuid, None);
    b.delete(&dst.path("data@1")).await.unwrap();
    assert!(b.list_subvolumes(&dst.mount).await.unwrap().is_empty());
}

#[tokio::test]
async fn failures_are_classified() {
    if !privileged() {
        return;
    }
    let fs = ScratchFs::new();
    let b = Btrfs::new(LocalHost);
    let err = b.show(&fs.path("does-not-exist")).await.unwrap_err();
    match &err {
        HostError::NonZeroExit {
            argv, code, stderr, ..
        } => {
            assert_eq!(*code, 1);
            assert_eq!(argv.command_name(), "btrfs");
            assert!(stderr.contains("No such file or directory"), "{stderr}");
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(!err.is_transient());

    // A plain directory is not a subvolume.
    std::fs::create_dir(fs.path("dir").as_str()).unwrap();
    assert!(!b.show(&fs.path("dir")).await.unwrap_err().is_transient());

    // A command that outlives its deadline is transient.
    let err = b
        .host()
        .run(
            &Argv::new("sleep").literal("5"),
            RunOptions::with_timeout(Duration::from_millis(100)),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, HostError::Timeout { .. }) && err.is_transient(),
        "{err:?}"
    );
}

#[tokio::test]
async fn qgroups_are_none_until_quotas_are_enabled() {
    if !privileged() {
        return;
    }
    let fs = ScratchFs::new();
    let b = Btrfs::new(LocalHost);
    b.create_subvolume(&fs.path("data")).await.unwrap();
    assert_eq!(b.qgroups(&fs.mount).await.unwrap(), None);
    sh_ok(
        Command::new("btrfs")
            .args(["quota", "enable"])
            .arg(fs.mount.as_str()),
    );
    sh_ok(
        Command::new("btrfs")
            .args(["quota", "rescan", "-w"])
            .arg(fs.mount.as_str()),
    );
    let groups = b.qgroups(&fs.mount).await.unwrap().unwrap();
    let data = groups
        .iter()
        .find(|g| g.subvolume_path() == Some("data"))
        .unwrap();
    assert_eq!(data.id.level, 0);
    assert!(data.referenced > 0);
    let show = b.show(&fs.path("data")).await.unwrap();
    assert_eq!(show.quota.map(|q| q.qgroup), Some(data.id));
}

#[tokio::test]
async fn sudo_prefix_runs_through_sudo() {
    if !privileged() {
        return;
    }
    if Command::new("sudo").arg("-n").arg("true").status().is_err() {
        eprintln!("skipped: sudo is not installed");
        return;
    }
    // As root, `sudo -n` needs no password: this exercises the exact argv a non-root
    // remote user gets.
    let b = Btrfs::new(LocalHost).with_sudo(true);
    assert_eq!(
        b.prepare(btrfs::command::btrfs::version()).to_string(),
        "sudo -n -- btrfs --version"
    );
    assert!(b.version().await.unwrap().at_least(5, 0));
}
