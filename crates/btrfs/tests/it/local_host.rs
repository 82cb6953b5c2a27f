//! `LocalHost` with ordinary programs (sh, sleep, cat): output capture, exit codes, error
//! classification, timeouts, bounded stderr/stdout, streaming, kill on drop. No root needed.

// Panicking shortcuts are fine in tests (clippy.toml allows them in #[test] fns only).

use std::sync::Arc;
use std::time::{Duration, Instant};

use btrfs::{Argv, Btrfs, Host, HostError, LocalHost, RunOptions};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn sh(script: &'static str) -> Argv {
    Argv::new("sh").literal("-c").literal(script)
}

#[tokio::test]
async fn run_collects_stdout_and_stderr() {
    let out = LocalHost
        .run(
            &sh("printf 'a b\\n'; printf warn >&2"),
            RunOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(out.stdout, b"a b\n");
    assert_eq!(out.stderr, "warn");
    assert_eq!(LocalHost.describe(), "local");
}

#[tokio::test]
async fn stdin_is_empty_unless_requested() {
    let out = LocalHost
        .run(
            &Argv::new("cat"),
            RunOptions::with_timeout(Duration::from_secs(5)),
        )
        .await
        .unwrap();
    assert!(out.stdout.is_empty());
}

#[tokio::test]
async fn non_zero_exit_is_permanent_and_carries_argv_code_and_stderr() {
    let argv = sh("echo oops >&2; exit 3");
    let err = LocalHost
        .run(&argv, RunOptions::default())
        .await
        .unwrap_err();
    match &err {
        HostError::NonZeroExit {
            host,
            argv: a,
            code,
            stderr,
        } => {
            assert_eq!(
                (host.as_str(), a, *code, stderr.as_str()),
                ("local", &argv, 3, "oops\n")
            );
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(!err.is_transient());
    assert_eq!(
        err.to_string(),
        "`sh -c 'echo oops >&2; exit 3'` on local exited with code 3: oops"
    );
}

#[tokio::test]
async fn timeout_is_transient_and_prompt() {
    let started = Instant::now();
    let err = LocalHost
        .run(
            &Argv::new("sleep").literal("5"),
            RunOptions::with_timeout(Duration::from_millis(100)),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, HostError::Timeout { .. }), "{err:?}");
    assert!(err.is_transient());
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn spawn_timeout_kills_even_while_nobody_waits() {
    let mut cmd = LocalHost
        .spawn(
            &sh("echo started; sleep 5; echo never"),
            RunOptions::with_timeout(Duration::from_millis(300)),
        )
        .await
        .unwrap();
    let mut out = cmd.take_stdout().unwrap();
    let started = Instant::now();
    let mut text = String::new();
    // The reader ends when the deadline kills the whole process group (sh and its sleep).
    out.read_to_string(&mut text).await.unwrap();
    assert_eq!(text, "started\n");
    assert!(started.elapsed() < Duration::from_secs(3));
    let err = cmd.wait().await.unwrap_err();
    assert!(matches!(err, HostError::Timeout { .. }), "{err:?}");
}

#[tokio::test]
async fn missing_program_is_permanent() {
    let err = LocalHost
        .run(
            &Argv::new("dist-btrfs-no-such-program"),
            RunOptions::default(),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, HostError::CommandNotFound { ref program, .. } if program == "dist-btrfs-no-such-program"),
        "{err:?}"
    );
    assert!(!err.is_transient());
}

#[tokio::test]
async fn killed_by_signal_is_transient() {
    let err = LocalHost
        .run(&sh("kill -TERM $$"), RunOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(err, HostError::Signalled { signal: 15, .. }),
        "{err:?}"
    );
    assert!(err.is_transient());
}

#[tokio::test]
async fn stderr_keeps_only_the_last_64_kib() {
    let err = LocalHost
        .run(
            &sh("head -c 300000 /dev/zero | tr '\\0' a >&2; echo END >&2; exit 1"),
            RunOptions::default(),
        )
        .await
        .unwrap_err();
    let stderr = err.stderr().unwrap();
    assert!(stderr.starts_with('…'));
    assert!(stderr.ends_with("aaaEND\n"));
    assert_eq!(stderr.len(), "…".len() + 64 * 1024);
    // The one-line message stays short.
    assert!(err.to_string().len() < 2200);
}

#[tokio::test]
async fn stdout_beyond_the_limit_is_refused() {
    let opts = RunOptions {
        stdout_limit: 1000,
        ..RunOptions::default()
    };
    let err = LocalHost
        .run(&sh("head -c 5000 /dev/zero"), opts.clone())
        .await
        .unwrap_err();
    assert!(
        matches!(err, HostError::OutputTooLarge { limit: 1000, .. }),
        "{err:?}"
    );
    assert!(!err.is_transient());
    let out = LocalHost
        .run(&sh("head -c 1000 /dev/zero"), opts)
        .await
        .unwrap();
    assert_eq!(out.stdout.len(), 1000);
}

#[tokio::test]
async fn streams_stdin_to_stdout_in_32k_chunks() {
    let mut cmd = LocalHost
        .spawn(&Argv::new("cat"), RunOptions::with_stdin())
        .await
        .unwrap();
    let mut stdin = cmd.take_stdin().unwrap();
    let mut stdout = cmd.take_stdout().unwrap();
    assert!(cmd.take_stdin().is_none() && cmd.take_stdout().is_none());
    let data: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
    let writer = {
        let data = data.clone();
        async move {
            for chunk in data.chunks(32 * 1024) {
                stdin.write_all(chunk).await.unwrap();
            }
            stdin.shutdown().await.unwrap();
        }
    };
    let reader = async move {
        let mut got = Vec::new();
        stdout.read_to_end(&mut got).await.unwrap();
        got
    };
    let ((), got) = tokio::join!(writer, reader);
    assert!(got == data);
    cmd.wait().await.unwrap();
}

#[tokio::test]
async fn wait_discards_untaken_stdout_instead_of_deadlocking() {
    // Far more than a pipe buffer; nobody reads it.
    let cmd = LocalHost
        .spawn(
            &sh("head -c 5000000 /dev/zero"),
            RunOptions::with_timeout(Duration::from_secs(10)),
        )
        .await
        .unwrap();
    cmd.wait().await.unwrap();
}

#[tokio::test]
async fn wait_closes_untaken_stdin() {
    let cmd = LocalHost
        .spawn(
            &Argv::new("cat"),
            RunOptions::with_stdin().timeout(Some(Duration::from_secs(10))),
        )
        .await
        .unwrap();
    cmd.wait().await.unwrap();
}

fn is_gone(pid: &str) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        // A zombie waiting for its new parent to reap it is dead too.
        Ok(stat) => stat
            .rsplit(')')
            .next()
            .is_some_and(|rest| rest.trim_start().starts_with('Z')),
    }
}

#[tokio::test]
async fn dropping_a_command_kills_its_process_group() {
    let mut cmd = LocalHost
        .spawn(&sh("sleep 30 & echo $!; wait"), RunOptions::default())
        .await
        .unwrap();
    let mut out = cmd.take_stdout().unwrap();
    let mut buf = [0u8; 32];
    let n = out.read(&mut buf).await.unwrap();
    let pid = std::str::from_utf8(&buf[..n]).unwrap().trim().to_owned();
    assert!(!is_gone(&pid));
    drop(cmd);
    let started = Instant::now();
    while !is_gone(&pid) {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "grandchild {pid} survived the drop"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn hosts_can_be_shared_as_trait_objects() {
    let host: Arc<dyn Host> = Arc::new(LocalHost);
    let out = host
        .run(&Argv::new("true"), RunOptions::default())
        .await
        .unwrap();
    assert!(out.stdout.is_empty());
    let by_ref = Btrfs::new(&*host);
    assert_eq!(by_ref.host().describe(), "local");
    let shared = Btrfs::new(host.clone());
    assert_eq!(shared.prepare(Argv::new("true")).to_string(), "true");
}

/// A `MakeWriter` that appends log output to a shared buffer.
#[derive(Clone, Default)]
struct Captured(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

#[tokio::test]
async fn every_command_is_traced_with_host_argv_and_duration() {
    let logs = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .with_writer(logs.clone())
        .finish();
    // With one dispatcher registered, tracing-core computes a callsite's interest from the
    // default of whichever thread registers it first: a concurrent test's thread (no subscriber)
    // cached "never" for `command finished` once, and this test saw no line (CI, 2026-12-07).
    // With a second dispatcher registered, it combines every registered one instead.
    let _second = tracing::Dispatch::new(tracing::subscriber::NoSubscriber::default());
    let _guard = tracing::subscriber::set_default(subscriber);

    LocalHost
        .run(&sh("echo ok"), RunOptions::default())
        .await
        .unwrap();
    let _ = LocalHost
        .run(&sh("exit 4"), RunOptions::default())
        .await
        .unwrap_err();
    let cmd = LocalHost
        .spawn(&Argv::new("true"), RunOptions::default())
        .await
        .unwrap();
    cmd.wait().await.unwrap();

    let text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let find = |needle: &str, what: &str| {
        lines
            .iter()
            .find(|l| l.contains(needle) && l.contains(what))
            .unwrap_or_else(|| panic!("no {what:?} line for {needle:?} in:\n{text}"))
            .to_string()
    };
    let ok = find("argv=sh -c 'echo ok'", "command finished");
    assert!(
        ok.contains("host=local") && ok.contains("duration_ms="),
        "{ok}"
    );
    let failed = find("argv=sh -c 'exit 4'", "command failed");
    assert!(
        failed.contains("exited with code 4") && failed.contains("transient=false"),
        "{failed}"
    );
    find("argv=true", "command finished");
}

#[tokio::test]
async fn an_unrepresentable_timeout_means_no_deadline() {
    let out = LocalHost
        .run(&sh("echo ok"), RunOptions::with_timeout(Duration::MAX))
        .await
        .unwrap();
    assert_eq!(out.stdout, b"ok\n");
}
