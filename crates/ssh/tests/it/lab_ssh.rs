//! [`ssh::SshHost`] against the lab's real OpenSSH servers (`ops/lab`): logins, host keys,
//! error classification, connection reuse and reconnect, streaming both ways, and a real
//! `btrfs send | btrfs receive` replication from the lab primary to remote1.
//!
//! These tests need the lab environment (`eval "$(ops/lab env)"`; `ops/test` exports it)
//! and root (for the primary's btrfs and `ss -K`). Without it they fail, not skip.

use std::path::PathBuf;
use std::time::Duration;

use btrfs::host::{ConnectErrorKind, RunOptions};
use btrfs::{AbsPath, Argv, Btrfs, Host, HostError, LocalHost};
use secrecy::SecretString;
use sha2::{Digest, Sha256};
use ssh::{Auth, Fingerprint, HostKeyPolicy, SshConfig, SshHost, probe_host_key};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use testkit::env;

struct Remote {
    addr: String,
    port: u16,
    fpr: Fingerprint,
}

fn remote(i: u8) -> Remote {
    Remote {
        addr: env(&format!("LAB_REMOTE{i}_ADDR")),
        port: env(&format!("LAB_REMOTE{i}_PORT")).parse().unwrap(),
        fpr: Fingerprint::parse(&env(&format!("LAB_REMOTE{i}_HOSTKEY_FPR"))).unwrap(),
    }
}

fn password() -> SecretString {
    SecretString::from(env("LAB_SSH_PASSWORD"))
}

fn user_key() -> Auth {
    Auth::private_key_file(&PathBuf::from(env("LAB_SSH_KEY")), None).unwrap()
}

fn root_key() -> Auth {
    Auth::private_key_file(&PathBuf::from(env("LAB_ROOT_KEY")), None).unwrap()
}

fn config(r: &Remote, user: &str, auth: Auth) -> SshConfig {
    SshConfig::new(
        r.addr.clone(),
        r.port,
        user,
        auth,
        HostKeyPolicy::Pinned(r.fpr.clone()),
    )
    .connect_timeout(Duration::from_secs(10))
}

fn dbtlab_key_host() -> SshHost {
    SshHost::new(config(&remote(1), &env("LAB_SSH_USER"), user_key()))
}

async fn run_text(host: &impl Host, argv: &Argv) -> String {
    let out = host
        .run(argv, RunOptions::with_timeout(Duration::from_secs(60)))
        .await
        .unwrap_or_else(|e| panic!("{argv}: {e}"));
    out.stdout_text().trim().to_owned()
}

fn whoami() -> Argv {
    Argv::new("id").literal("-un")
}

/// `sh -c SCRIPT`: the script is a literal of this test file.
fn sh(script: &'static str) -> Argv {
    Argv::new("sh").literal("-c").literal(script)
}

fn connect_kind(e: &HostError) -> ConnectErrorKind {
    match e {
        HostError::Connect { kind, .. } => *kind,
        other => panic!("expected a connect error, got {other:?}"),
    }
}

#[tokio::test]
async fn password_login() {
    let host = SshHost::new(config(
        &remote(1),
        &env("LAB_SSH_USER"),
        Auth::password(password()),
    ));
    assert_eq!(run_text(&host, &whoami()).await, env("LAB_SSH_USER"));
}

#[tokio::test]
async fn key_login_as_lab_user_and_root() {
    assert_eq!(
        run_text(&dbtlab_key_host(), &whoami()).await,
        env("LAB_SSH_USER")
    );
    let root = SshHost::new(config(&remote(2), "root", root_key()));
    assert_eq!(run_text(&root, &whoami()).await, "root");
    assert_eq!(root.host_key_fingerprint(), Some(remote(2).fpr));
}

#[tokio::test]
async fn sudo_btrfs_over_ssh_parses() {
    let host = dbtlab_key_host();
    let mount = AbsPath::parse(env("LAB_REMOTE_MOUNT")).unwrap();
    // `filesystem show` has no parser; `filesystem usage -b` (needs root: sudo) does.
    let show = Argv::new("btrfs")
        .literal("filesystem")
        .literal("show")
        .path(&mount)
        .sudo(true);
    let text = run_text(&host, &show).await;
    assert!(text.contains("uuid:"), "{text}");
    let client = Btrfs::new(&host).with_sudo(true);
    let usage = client.usage(&mount).await.unwrap();
    assert!(usage.device_size > 0);
    let version = client.version().await.unwrap();
    assert!(version.major >= 5, "{version:?}");
}

#[tokio::test]
async fn wrong_password_is_permanent_and_clear() {
    let secret = "wrong-password-Zq81!";
    let cfg = config(
        &remote(1),
        &env("LAB_SSH_USER"),
        Auth::password(SecretString::from(secret)),
    );
    let err = SshHost::connect(cfg.clone()).await.unwrap_err();
    assert_eq!(connect_kind(&err), ConnectErrorKind::AuthenticationFailed);
    assert!(!err.is_transient());
    let msg = err.to_string();
    assert!(msg.contains("dbtlab") && msg.contains("password"), "{msg}");
    for shown in [msg, format!("{err:?}"), format!("{cfg:?}")] {
        assert!(!shown.contains(secret), "secret leaked: {shown}");
    }
}

#[tokio::test]
async fn trust_on_first_use_records_the_fingerprint() {
    let r = remote(1);
    let mut cfg = config(&r, &env("LAB_SSH_USER"), user_key());
    cfg.host_key = HostKeyPolicy::TrustOnFirstUse;
    let host = SshHost::new(cfg);
    assert_eq!(host.host_key_fingerprint(), None);
    run_text(&host, &whoami()).await;
    assert_eq!(host.host_key_fingerprint(), Some(r.fpr.clone()));
    let probed = probe_host_key(&r.addr, r.port, Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(probed, r.fpr);
}

#[tokio::test]
async fn pinned_key_mismatch_is_refused_naming_both() {
    let (r1, r2) = (remote(1), remote(2));
    let mut cfg = config(&r1, &env("LAB_SSH_USER"), Auth::password(password()));
    cfg.host_key = HostKeyPolicy::Pinned(r2.fpr.clone());
    let host = SshHost::new(cfg);
    let err = host
        .run(&whoami(), RunOptions::default())
        .await
        .unwrap_err();
    assert_eq!(connect_kind(&err), ConnectErrorKind::HostKeyMismatch);
    assert!(!err.is_transient());
    let msg = err.to_string();
    assert!(msg.contains(r2.fpr.as_str()), "expected fpr missing: {msg}");
    assert!(
        msg.contains(r1.fpr.as_str()),
        "presented fpr missing: {msg}"
    );
    assert!(!msg.contains(&env("LAB_SSH_PASSWORD")));
}

#[tokio::test]
async fn connection_refused_is_transient() {
    let r = Remote {
        addr: "127.0.0.19".into(),
        port: 2222,
        fpr: remote(1).fpr,
    };
    let err = SshHost::connect(config(&r, "dbtlab", Auth::password(password())))
        .await
        .unwrap_err();
    assert_eq!(connect_kind(&err), ConnectErrorKind::Refused, "{err}");
    assert!(err.is_transient());
}

#[tokio::test]
async fn silent_server_times_out_transiently() {
    // Accepts TCP connections and never says a word.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let keep = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = listener.accept().await {
            held.push(s);
        }
    });
    let r = Remote {
        addr: "127.0.0.1".into(),
        port,
        fpr: remote(1).fpr,
    };
    let cfg = config(&r, "dbtlab", Auth::password(password()))
        .connect_timeout(Duration::from_millis(700));
    let err = SshHost::connect(cfg).await.unwrap_err();
    assert_eq!(connect_kind(&err), ConnectErrorKind::TimedOut, "{err}");
    assert!(err.is_transient());
    let err = probe_host_key("127.0.0.1", port, Duration::from_millis(500))
        .await
        .unwrap_err();
    assert_eq!(connect_kind(&err), ConnectErrorKind::TimedOut, "{err}");
    keep.abort();
}

/// The client side of the SSH connection as the server sees it (`SSH_CONNECTION`).
async fn client_endpoint(host: &SshHost) -> String {
    let text = run_text(host, &sh("echo $SSH_CONNECTION")).await;
    let words: Vec<&str> = text.split_whitespace().collect();
    assert_eq!(words.len(), 4, "{text}");
    format!("{}:{}", words[0], words[1])
}

#[tokio::test]
async fn one_connection_for_many_commands_even_concurrent() {
    let host = dbtlab_key_host();
    let first = client_endpoint(&host).await;
    for _ in 0..10 {
        assert_eq!(client_endpoint(&host).await, first);
    }
    let host = &host;
    let concurrent = futures::future::join_all((0..8).map(|_| client_endpoint(host))).await;
    assert!(concurrent.iter().all(|e| *e == first), "{concurrent:?}");
    assert_eq!(host.connections_opened(), 1);
}

#[tokio::test]
async fn reconnects_after_the_connection_is_killed() {
    let host = dbtlab_key_host();
    let before = client_endpoint(&host).await;
    let local_port = before.rsplit(':').next().unwrap().to_owned();
    // Kill exactly this test's TCP connection (others may be using the lab).
    let r = remote(1);
    let status = std::process::Command::new("ss")
        .args([
            "-K",
            "dst",
            &r.addr,
            "dport",
            "=",
            &r.port.to_string(),
            "sport",
            "=",
            &local_port,
        ])
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let after = client_endpoint(&host).await;
    assert_ne!(before, after);
    assert_eq!(host.connections_opened(), 2);
}

#[tokio::test]
async fn exit_codes_stderr_and_quoting() {
    let host = dbtlab_key_host();
    let err = host
        .run(&sh("echo oops >&2; exit 3"), RunOptions::default())
        .await
        .unwrap_err();
    assert_eq!(err.exit_code(), Some(3));
    assert!(matches!(err, HostError::NonZeroExit { .. }));
    assert!(!err.is_transient());
    assert_eq!(err.stderr().map(str::trim), Some("oops"));

    let err = host
        .run(
            &Argv::new("dist-btrfs-no-such-program"),
            RunOptions::default(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, HostError::CommandNotFound { .. }), "{err:?}");
    assert!(!err.is_transient());

    let argv = Argv::new("printf")
        .literal("%s|")
        .literal("it's")
        .literal("$(id)")
        .literal("a b")
        .literal("");
    assert_eq!(run_text(&host, &argv).await, "it's|$(id)|a b||");
}

#[tokio::test]
async fn command_timeout_kills_and_is_transient() {
    let host = dbtlab_key_host();
    let started = std::time::Instant::now();
    let err = host
        .run(
            &Argv::new("sleep").uint(30),
            RunOptions::with_timeout(Duration::from_secs(1)),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, HostError::Timeout { .. }), "{err:?}");
    assert!(err.is_transient());
    assert!(started.elapsed() < Duration::from_secs(20));
    // The connection survives a timed-out command.
    assert_eq!(run_text(&host, &whoami()).await, env("LAB_SSH_USER"));
    assert_eq!(host.connections_opened(), 1);
}

const BIG: usize = 64 * 1024 * 1024;

#[tokio::test]
async fn download_64_mib_through_stdout() {
    let host = dbtlab_key_host();
    // The remote hashes what it sends (to stderr), we hash what we receive.
    let argv = sh(
        "f=$(mktemp) && head -c 67108864 /dev/urandom >\"$f\" && sha256sum <\"$f\" >&2 \
         && cat \"$f\"; s=$?; rm -f \"$f\"; exit $s",
    );
    let mut cmd = host.spawn(&argv, RunOptions::default()).await.unwrap();
    let mut out = cmd.take_stdout().unwrap();
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut total = 0;
    loop {
        let n = out.read(&mut buf).await.unwrap();
        if n == 0 {
            break;
        }
        total += n;
        hasher.update(&buf[..n]);
    }
    let exit = cmd.wait().await.unwrap();
    assert_eq!(total, BIG);
    let local = hex(&hasher.finalize());
    let remote = exit.stderr.split_whitespace().next().unwrap_or_default();
    assert_eq!(local, remote);
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Deterministic incompressible-looking bytes (xorshift).
fn pseudo_random(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    let mut v = Vec::with_capacity(len + 8);
    while v.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        v.extend_from_slice(&x.to_le_bytes());
    }
    v.truncate(len);
    v
}

/// Runs `sha256sum` on remote1 with `write` feeding its stdin (then shut down); asserts
/// that the remote hashed exactly `data`.
async fn assert_uploaded<F>(data: &[u8], write: impl FnOnce(btrfs::host::CommandStdin) -> F)
where
    F: std::future::Future<Output = btrfs::host::CommandStdin>,
{
    let host = dbtlab_key_host();
    let expected = hex(&Sha256::digest(data));
    let mut cmd = host
        .spawn(&Argv::new("sha256sum"), RunOptions::with_stdin())
        .await
        .unwrap();
    let stdin = cmd.take_stdin().unwrap();
    let mut stdout = cmd.take_stdout().unwrap();
    let reader = tokio::spawn(async move {
        let mut s = String::new();
        stdout.read_to_string(&mut s).await.unwrap();
        s
    });
    let mut stdin = write(stdin).await;
    stdin.shutdown().await.unwrap();
    let out = reader.await.unwrap();
    cmd.wait().await.unwrap();
    assert_eq!(out.split_whitespace().next(), Some(expected.as_str()));
}

#[tokio::test]
async fn upload_64_mib_through_stdin() {
    let data = pseudo_random(BIG, 0x5eed);
    assert_uploaded(&data, |mut stdin| async {
        // Odd-sized writes: the transport re-chunks them.
        for piece in data.chunks(10_007) {
            stdin.write_all(piece).await.unwrap();
        }
        stdin
    })
    .await;
}

/// The replication stream mixes whole chunks (`write_chunk`, handed to russh as they are)
/// with bytes written through `AsyncWrite` (gathered into 32 KiB chunks): the remote must
/// get them in the order written, nothing lost or doubled.
#[tokio::test]
async fn whole_chunks_and_buffered_writes_arrive_in_order() {
    let data = bytes::Bytes::from(pseudo_random(8 * 1024 * 1024 + 333, 0xc4a1));
    assert_uploaded(&data, |mut stdin| async {
        // Alternate: an odd-sized buffered write, a whole 32 KiB chunk, a large one.
        let mut at = 0;
        for (i, size) in [777_usize, 32 * 1024, 100_000].iter().cycle().enumerate() {
            if at >= data.len() {
                break;
            }
            let piece = data.slice(at..(at + size).min(data.len()));
            at += piece.len();
            if i % 3 == 0 {
                stdin.write_all(&piece).await.unwrap();
            } else {
                btrfs::host::write_chunk(&mut stdin, piece).await.unwrap();
            }
        }
        stdin
    })
    .await;
}

#[tokio::test]
async fn writing_to_a_command_that_exited_fails_instead_of_hanging() {
    let host = dbtlab_key_host();
    let mut cmd = host
        .spawn(&Argv::new("true"), RunOptions::with_stdin())
        .await
        .unwrap();
    let mut stdin = cmd.take_stdin().unwrap();
    let chunk = vec![7u8; 1024 * 1024];
    let write = async {
        for _ in 0..64 {
            stdin.write_all(&chunk).await?;
        }
        stdin.shutdown().await
    };
    let r = tokio::time::timeout(Duration::from_secs(30), write)
        .await
        .expect("writing into an exited command hung");
    assert!(
        r.is_err(),
        "64 MiB into `true` should fail with a broken pipe"
    );
    cmd.wait().await.unwrap();
}

/// Unique subvolume names for this run.
fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::new_v4().simple())
}

#[tokio::test]
async fn replicates_a_snapshot_from_the_primary_to_remote1() {
    let primary = AbsPath::parse(env("LAB_PRIMARY_MOUNT")).unwrap();
    let target = AbsPath::parse(env("LAB_REMOTE_TARGET_DIR")).unwrap();
    let local = Btrfs::new(LocalHost::new());
    let remote_host = dbtlab_key_host();
    let remote = Btrfs::new(&remote_host).with_sudo(true);

    let name = unique("ssh-test");
    let subvol = primary.join(&name).unwrap();
    let snap_name = format!("{name}@snap");
    let snap = primary.join(&snap_name).unwrap();
    let received = target.join(&snap_name).unwrap();

    local.create_subvolume(&subvol).await.unwrap();
    std::fs::write(
        PathBuf::from(subvol.as_str()).join("data.bin"),
        pseudo_random(8 * 1024 * 1024, 42),
    )
    .unwrap();
    local.snapshot_readonly(&subvol, &snap).await.unwrap();
    let source = local.show(&snap).await.unwrap();

    let result = async {
        let mut send = local.send(&snap, None, &[]).await?;
        let mut recv = remote.receive(&target).await?;
        let mut from = send.take_stdout().expect("send stdout");
        let mut to = recv.take_stdin().expect("receive stdin");
        let copied = tokio::io::copy(&mut from, &mut to).await;
        let shut = to.shutdown().await;
        let sent = send.wait().await;
        let recvd = recv.wait().await;
        sent?;
        recvd?;
        copied.expect("copy");
        shut.expect("shutdown");
        remote.show(&received).await
    }
    .await;

    // Clean up whatever happened.
    let _ = remote.delete(&received).await;
    let _ = local.delete(&snap).await;
    let _ = local.delete(&subvol).await;

    let shown = result.unwrap();
    assert!(shown.readonly, "received subvolume must be read-only");
    assert_eq!(shown.received_uuid, source.uuid);
    assert!(source.uuid.is_some());
}

/// Generates a key with `ssh-keygen` in `dir`; returns (private key path, public key line).
fn keygen(
    dir: &std::path::Path,
    kind: &str,
    bits: Option<&str>,
    passphrase: &str,
) -> (PathBuf, String) {
    let path = dir.join(format!("id_{kind}"));
    let mut cmd = std::process::Command::new("ssh-keygen");
    cmd.args([
        "-q",
        "-t",
        kind,
        "-N",
        passphrase,
        "-C",
        &unique("dist-btrfs-ssh-test"),
        "-f",
    ])
    .arg(&path);
    if let Some(b) = bits {
        cmd.args(["-b", b]);
    }
    assert!(cmd.status().unwrap().success());
    let public = std::fs::read_to_string(path.with_extension("pub")).unwrap();
    (path, public.trim().to_owned())
}

use testkit::lab::keys as lab_keys;

use lab_keys::TemporaryAuthorizedKey;

#[tokio::test]
async fn passphrase_protected_rsa_and_ed25519_keys_log_in() {
    let dir = tempfile::tempdir().unwrap();
    let passphrase = SecretString::from("correct horse battery staple");
    for (kind, bits) in [("rsa", Some("3072")), ("ed25519", None)] {
        let sub = dir.path().join(kind);
        std::fs::create_dir(&sub).unwrap();
        let (key, public) = keygen(&sub, kind, bits, "correct horse battery staple");
        let auth = Auth::private_key_file(&key, Some(&passphrase)).unwrap();
        let _authorized = TemporaryAuthorizedKey::add(public);
        let host = SshHost::new(config(&remote(3), &env("LAB_SSH_USER"), auth));
        assert_eq!(
            run_text(&host, &whoami()).await,
            env("LAB_SSH_USER"),
            "{kind}"
        );
    }
}

#[tokio::test]
async fn dropping_a_command_kills_it_on_the_remote() {
    let host = dbtlab_key_host();
    // A distinctive duration to find the process by.
    let cmd = host
        .spawn(&Argv::new("sleep").uint(3917), RunOptions::default())
        .await
        .unwrap();
    let running = sh("pgrep -u \"$(id -u)\" -x -f 'sleep 3917' >/dev/null && echo yes || echo no");
    let mut seen = false;
    for _ in 0..50 {
        if run_text(&host, &running).await == "yes" {
            seen = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(seen, "the remote sleep never started");
    drop(cmd);
    for _ in 0..100 {
        if run_text(&host, &running).await == "no" {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the remote command survived the drop of its RunningCommand");
}

#[tokio::test]
async fn an_unread_stdout_holds_the_remote_back() {
    let host = dbtlab_key_host();
    let marker = AbsPath::parse(format!("/tmp/{}", unique("dist-btrfs-ssh-bp"))).unwrap();
    let produce = sh("head -c 67108864 /dev/zero && touch \"$1\"")
        .literal("sh")
        .path(&marker);
    let exists = sh("test -e \"$1\" && echo yes || echo no")
        .literal("sh")
        .path(&marker);
    let mut cmd = host.spawn(&produce, RunOptions::default()).await.unwrap();
    let mut out = cmd.take_stdout().unwrap();
    // Nobody reads for a while: the buffers on the way (ours, russh's, the window, the
    // sockets) hold a few MiB, far from 64 MiB, so the remote must still be writing.
    tokio::time::sleep(Duration::from_secs(2)).await;
    // Another connection: this one is paused by the unread channel (see crate::exec).
    let observer = dbtlab_key_host();
    assert_eq!(run_text(&observer, &exists).await, "no");
    let mut sink = Vec::new();
    let n = out.read_to_end(&mut sink).await.unwrap();
    cmd.wait().await.unwrap();
    assert_eq!(n, BIG);
    assert_eq!(run_text(&observer, &exists).await, "yes");
    let _ = observer
        .run(
            &Argv::new("rm").literal("-f").path(&marker),
            RunOptions::default(),
        )
        .await;
}

/// With `sessions_on`, the session runs on that runtime, whoever connects: it works from
/// this test's runtime, and it ends with the runtime it was put on (serve puts every
/// session on the jobs' runtime, so a transfer's chunks never cross runtimes).
#[tokio::test]
async fn a_session_runs_on_the_runtime_it_is_put_on() {
    let other = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let host = SshHost::new(
        config(&remote(1), &env("LAB_SSH_USER"), user_key())
            .sessions_on(Some(other.handle().clone())),
    );
    assert_eq!(run_text(&host, &whoami()).await, env("LAB_SSH_USER"));
    other.shutdown_background();
    let after = host
        .run(&whoami(), RunOptions::with_timeout(Duration::from_secs(20)))
        .await;
    assert!(
        after.is_err(),
        "the session outlived its runtime: {:?}",
        after.map(|o| o.stdout_text().into_owned())
    );
}
