//! `ops/remote/dist-btrfs-remote-wrapper` behind the lab's real sshd: a fresh key is
//! authorized for the lab user with `command="WRAPPER --root TARGET --sudo",restrict`, then
//! a full replication (local `btrfs send` → wrapper → `sudo btrfs receive`), the read
//! commands dist-btrfs parses and the deletion go through it, and everything else is refused
//! permanently with the wrapper's message (through [`ssh::SshHost`], and raw command strings
//! through the OpenSSH client, which sends them unquoted).
//!
//! Needs the lab (`eval "$(ops/lab env)"`) and root, like `lab_ssh.rs`. Cleans up the
//! subvolumes it makes on both sides and exactly the authorized_keys line it adds.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use btrfs::command::btrfs as cmd;
use btrfs::host::RunOptions;
use btrfs::{AbsPath, Argv, Btrfs, Host, HostError, LocalHost};
use ssh::{Auth, Fingerprint, HostKeyPolicy, SshConfig, SshHost};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const REFUSED: &str = "dist-btrfs-remote-wrapper: refused: ";

use testkit::env;

fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::new_v4().simple())
}

use testkit::lab::keys as lab_keys;

use lab_keys::Restricted;

/// A fresh key restricted to the wrapper on the lab's target directory.
fn restricted(opts: &str) -> Restricted {
    lab_keys::restricted_key(&env("LAB_REMOTE_TARGET_DIR"), opts)
}

/// Logging in with a restricted key to lab remote 1.
trait Login {
    fn host(&self) -> SshHost;
    fn openssh(&self, command: Option<&str>) -> (i32, String, String);
}

impl Login for Restricted {
    fn host(&self) -> SshHost {
        SshHost::new(
            SshConfig::new(
                env("LAB_REMOTE1_ADDR"),
                env("LAB_REMOTE1_PORT").parse().unwrap(),
                env("LAB_SSH_USER"),
                Auth::private_key_file(&self.key, None).unwrap(),
                HostKeyPolicy::Pinned(Fingerprint::parse(&env("LAB_REMOTE1_HOSTKEY_FPR")).unwrap()),
            )
            .connect_timeout(Duration::from_secs(10)),
        )
    }

    /// Runs the OpenSSH client with this key and a raw command string (`None`: no command,
    /// as an interactive login would). Returns (exit code, stdout, stderr).
    fn openssh(&self, command: Option<&str>) -> (i32, String, String) {
        let known = self.dir.path().join("known_hosts");
        let hostkey = std::fs::read_to_string(env("LAB_REMOTE1_HOSTKEY_PUB")).unwrap();
        let mut fields = hostkey.split_whitespace();
        let (kind, blob) = (fields.next().unwrap(), fields.next().unwrap());
        let (addr, port) = (env("LAB_REMOTE1_ADDR"), env("LAB_REMOTE1_PORT"));
        std::fs::write(&known, format!("[{addr}]:{port} {kind} {blob}\n")).unwrap();
        let mut c = Command::new("ssh");
        c.args(["-F", "/dev/null", "-T", "-p", &port, "-i"])
            .arg(&self.key)
            .arg("-o")
            .arg(format!("UserKnownHostsFile={}", known.display()))
            .args([
                "-o",
                "StrictHostKeyChecking=yes",
                "-o",
                "BatchMode=yes",
                "-o",
                "IdentitiesOnly=yes",
                "-o",
                "IdentityAgent=none",
                "-o",
                "LogLevel=ERROR",
                "-o",
                "ConnectTimeout=10",
            ])
            .arg(format!("{}@{addr}", env("LAB_SSH_USER")))
            .stdin(Stdio::null());
        if let Some(cmd) = command {
            c.arg(cmd);
        }
        let out = c.output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

#[track_caller]
fn assert_refused(result: Result<impl std::fmt::Debug, HostError>, why: &str) {
    let err = result.expect_err("should be refused");
    assert_eq!(err.exit_code(), Some(126), "{err:?}");
    assert!(matches!(err, HostError::NonZeroExit { .. }), "{err:?}");
    assert!(!err.is_transient(), "{err:?}");
    let stderr = err.stderr().unwrap_or_default();
    assert!(
        stderr.starts_with(REFUSED) && stderr.contains(why),
        "stderr {stderr:?} should mention {why:?}"
    );
}

async fn run(host: &SshHost, argv: &Argv) -> Result<String, HostError> {
    host.run(argv, RunOptions::with_timeout(Duration::from_secs(60)))
        .await
        .map(|o| o.stdout_text().into_owned())
}

#[tokio::test]
async fn replication_and_remote_commands_through_the_wrapper() {
    let primary = AbsPath::parse(env("LAB_PRIMARY_MOUNT")).unwrap();
    let target = AbsPath::parse(env("LAB_REMOTE_TARGET_DIR")).unwrap();
    let local = Btrfs::new(LocalHost::new());
    let r = restricted(" --sudo --allow-staging");
    let host = r.host();
    let remote = Btrfs::new(&host).with_sudo(true);

    let name = unique("wrapper-test");
    let subvol = primary.join(&name).unwrap();
    let snap_name = format!("{name}@snap");
    let snap = primary.join(&snap_name).unwrap();
    let received = target.join(&snap_name).unwrap();

    local.create_subvolume(&subvol).await.unwrap();
    std::fs::write(
        PathBuf::from(subvol.as_str()).join("data.txt"),
        b"through the wrapper\n",
    )
    .unwrap();
    local.snapshot_readonly(&subvol, &snap).await.unwrap();
    let source = local.show(&snap).await.unwrap();

    let result = async {
        let version = remote.version().await?;
        assert!(version.major >= 5, "{version:?}");
        let mut send = local.send(&snap, None, &[]).await?;
        let mut recv = remote.receive(&target).await?;
        let mut from = send.take_stdout().expect("send stdout");
        let mut to = recv.take_stdin().expect("receive stdin");
        let copied = tokio::io::copy(&mut from, &mut to).await;
        let shut = to.shutdown().await;
        drop(to);
        send.wait().await?;
        recv.wait().await?;
        copied.expect("copy");
        shut.expect("shutdown");

        let shown = remote.show(&received).await?;
        assert!(shown.readonly);
        assert_eq!(shown.received_uuid, source.uuid);
        assert!(remote.is_readonly(&received).await?);
        let listed = remote.list_subvolumes(&target).await?;
        assert!(
            listed.iter().any(|s| s.received_uuid == source.uuid),
            "{listed:?}"
        );
        let usage = remote.usage(&target).await?;
        assert!(usage.device_size > 0);
        // Quotas are off in the lab: qgroup show runs (through the wrapper) and says so.
        let _ = remote.qgroups(&target).await?;

        // Refused: other programs, other subcommands, paths outside or at the root.
        let refusals: Vec<(Argv, &str)> = vec![
            (Argv::new("rm").literal("-rf").literal("/"), "rm"),
            (
                Argv::new("sh").literal("-c").literal("id"),
                "only btrfs commands",
            ),
            (Argv::new("id").sudo(true), "only btrfs commands"),
            (
                cmd::subvolume_delete(&AbsPath::parse(env("LAB_REMOTE_MOUNT")).unwrap()),
                "is outside",
            ),
            (cmd::subvolume_delete(&target), "delete the root"),
            (
                Argv::new("btrfs")
                    .literal("receive")
                    .literal("/srv/dist-btrfs/backups/../../etc"),
                "canonical",
            ),
            (
                cmd::subvolume_show(&AbsPath::parse("/").unwrap()),
                "is outside",
            ),
            (
                cmd::subvolume_snapshot_readonly(&received, &target.join("copy").unwrap()),
                "is not allowed",
            ),
            (
                cmd::subvolume_create(&target.join("new").unwrap()),
                "is not allowed",
            ),
            (cmd::send(&received, None, &[]), "--allow-send"),
        ];
        for (argv, why) in refusals {
            for sudo in [false, true] {
                let argv = argv.clone().sudo(sudo);
                assert_refused(run(&host, &argv).await, why);
            }
        }
        // A refused receive: the stream is not read, the wait reports the refusal.
        let mut recv = remote.receive(&AbsPath::parse("/tmp").unwrap()).await?;
        drop(recv.take_stdin());
        assert_refused(recv.wait().await, "is outside");

        // Deletion of the received snapshot works; afterwards btrfs itself says it is gone
        // (its own exit code, not the wrapper's).
        remote.delete(&received).await?;
        let gone = remote.show(&received).await.expect_err("deleted");
        assert_ne!(gone.exit_code(), Some(126), "{gone:?}");
        assert!(!gone.stderr().unwrap_or_default().contains(REFUSED));

        // The compressed receive (`zstd -d -c | btrfs receive`) runs as a pipeline there.
        assert!(remote.has_zstd().await?, "the lab remotes have zstd");
        let mut send = local.send(&snap, None, &[]).await?;
        let mut stream = Vec::new();
        send.take_stdout()
            .expect("send stdout")
            .read_to_end(&mut stream)
            .await
            .expect("read the stream");
        send.wait().await?;
        let packed = zstd_compress(&stream);
        let mut recv = remote.receive_zstd(&target).await?;
        let mut to = recv.take_stdin().expect("receive stdin");
        to.write_all(&packed).await.expect("write");
        to.shutdown().await.expect("shutdown");
        drop(to);
        recv.wait().await?;
        let shown = remote.show(&received).await?;
        assert!(shown.readonly);
        assert_eq!(shown.received_uuid, source.uuid);
        remote.delete(&received).await?;

        // A resumable send's staging (btrfs::command::stage) runs there too: the stream
        // staged raw up to its middle, again whole through zstd from 0, then its second
        // half raw from the middle (a resumption); checked, received from the file, removed.
        let staging = btrfs::command::stage::staging_dir(&target).unwrap();
        let file = staging
            .join(&btrfs::command::stage::stream_file_name(
                uuid::Uuid::new_v4(),
                None,
            ))
            .unwrap();
        remote.make_staging_dir(&staging).await?;
        assert_eq!(remote.staged_files(&staging).await?, Vec::new());
        let half = stream.len() / 2;
        for (offset, bytes, zstd) in [(0, &stream[..half], false), (0, &stream[..], true)] {
            let data = if zstd {
                zstd_compress(bytes)
            } else {
                bytes.to_vec()
            };
            let mut w = remote.stage_writer(&file, offset, zstd).await?;
            let mut to = w.take_stdin().expect("writer stdin");
            to.write_all(&data).await.expect("write");
            to.shutdown().await.expect("shutdown");
            drop(to);
            w.wait().await?;
        }
        let mut rest = remote.stage_writer(&file, half as u64, false).await?;
        let mut to = rest.take_stdin().expect("writer stdin");
        to.write_all(&stream[half..]).await.expect("write");
        to.shutdown().await.expect("shutdown");
        drop(to);
        rest.wait().await?;
        let staged = remote.staged_files(&staging).await?;
        assert_eq!(staged.len(), 1, "{staged:?}");
        assert_eq!(staged[0].size, stream.len() as u64);
        let want = {
            use sha2::Digest;
            sha2::Sha256::digest(&stream)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        };
        assert_eq!(remote.staged_sha256(&file).await?, want);
        remote.receive_staged(&file, &target).await?;
        remote.remove_staged(std::slice::from_ref(&file)).await?;
        assert_eq!(remote.staged_files(&staging).await?, Vec::new());
        assert_eq!(remote.show(&received).await?.received_uuid, source.uuid);
        remote.delete(&received).await?;
        Ok::<_, HostError>(())
    }
    .await;

    // Clean up whatever happened (the deletion above is part of the test; this is a net
    // with the lab's unrestricted key).
    let plain = SshHost::new(
        SshConfig::new(
            env("LAB_REMOTE1_ADDR"),
            env("LAB_REMOTE1_PORT").parse().unwrap(),
            env("LAB_SSH_USER"),
            Auth::private_key_file(&PathBuf::from(env("LAB_SSH_KEY")), None).unwrap(),
            HostKeyPolicy::Pinned(Fingerprint::parse(&env("LAB_REMOTE1_HOSTKEY_FPR")).unwrap()),
        )
        .connect_timeout(Duration::from_secs(10)),
    );
    let plain = Btrfs::new(&plain).with_sudo(true);
    if plain.show(&received).await.is_ok() {
        let _ = plain.delete(&received).await;
    }
    let _ = local.delete(&snap).await;
    let _ = local.delete(&subvol).await;
    let _ = testkit::ssh(
        1,
        &format!(
            "rm -rf {}/.dist-btrfs-staging",
            env("LAB_REMOTE_TARGET_DIR")
        ),
    );

    result.unwrap();
}

#[tokio::test]
async fn raw_command_strings_are_parsed_never_interpreted() {
    let r = restricted(" --sudo");
    // The exact form dist-btrfs sends works through OpenSSH too.
    let (code, out, err) = r.openssh(Some("'sudo' '-n' '--' 'btrfs' '--version'"));
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("btrfs-progs v"), "{out}");
    for raw in [
        "'btrfs' '--version'; id",
        "'btrfs' '--version' && id",
        "'btrfs' '--version' | id",
        "'btrfs' '--version' $(id)",
        "'btrfs' '--version' `id`",
        "btrfs --version",
        "id",
        "'btrfs' '--version'\nid",
        "'btrfs' '--version",
        "'btrfs'\t'--version'",
    ] {
        let (code, out, err) = r.openssh(Some(raw));
        assert_eq!(code, 126, "{raw:?}: {out} {err}");
        assert!(!out.contains("uid="), "{raw:?} ran id: {out}");
        assert!(err.starts_with(REFUSED), "{raw:?}: {err}");
    }
    // No command: an interactive login attempt.
    let (code, _, err) = r.openssh(None);
    assert_eq!(code, 126, "{err}");
    assert!(err.contains("interactive login is not allowed"), "{err}");
}

#[tokio::test]
async fn without_sudo_option_the_client_cannot_ask_for_sudo() {
    let r = restricted("");
    let host = r.host();
    assert_refused(
        run(&host, &cmd::version().sudo(true)).await,
        "sudo is not enabled",
    );
    // Without the prefix it runs btrfs as the lab user (enough for --version).
    let out = run(&host, &cmd::version()).await.unwrap();
    assert!(out.starts_with("btrfs-progs v"), "{out}");
}

/// `zstd -c` of `data` (the local CLI).
fn zstd_compress(data: &[u8]) -> Vec<u8> {
    let mut z = Command::new("zstd")
        .args(["-c", "-q"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut z.stdin.take().unwrap(), data).unwrap();
    z.wait_with_output().unwrap().stdout
}

#[tokio::test]
async fn the_zstd_probe_answers_false_where_zstd_does_not_run() {
    let r = restricted(" --sudo --zstd /nonexistent/zstd");
    let host = r.host();
    let remote = Btrfs::new(&host).with_sudo(true);
    assert!(!remote.has_zstd().await.unwrap());
    let r = restricted(" --sudo");
    let host = r.host();
    assert!(Btrfs::new(&host).has_zstd().await.unwrap());
}
