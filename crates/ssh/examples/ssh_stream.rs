//! Streams this process's stdin into a remote command over [`ssh::SshHost`] and prints the
//! throughput: the russh leg of `ops/bench/ssh-throughput`.
//!
//! Usage (lab environment exported): `ssh_stream [auto|aes|chacha] < data`
//! Connects to `LAB_REMOTE1_ADDR:LAB_REMOTE1_PORT` as root with `LAB_ROOT_KEY` (pinned to
//! `LAB_REMOTE1_HOSTKEY_FPR`) and runs `sh -c 'cat >/dev/null'`. Prints
//! `bytes=N seconds=S mb_per_s=R` on stdout.

use std::io::Read;
use std::path::PathBuf;
use std::time::Instant;

use btrfs::host::RunOptions;
use btrfs::{Argv, Host};
use bytes::Bytes;
use ssh::{Auth, CipherPreference, Fingerprint, HostKeyPolicy, SshConfig, SshHost};
use tokio::io::AsyncWriteExt;

type Error = Box<dyn std::error::Error + Send + Sync>;

fn env(name: &str) -> Result<String, Error> {
    std::env::var(name).map_err(|_| format!("{name} is not set (eval \"$(ops/lab env)\")").into())
}

/// Reads stdin on a dedicated thread in 128 KiB blocks.
fn read_stdin(tx: tokio::sync::mpsc::Sender<Bytes>) {
    let mut stdin = std::io::stdin().lock();
    loop {
        let mut buf = vec![0u8; 128 * 1024];
        let mut filled = 0;
        while filled < buf.len() {
            match stdin.read(&mut buf[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => return,
            }
        }
        if filled == 0 {
            return;
        }
        buf.truncate(filled);
        if tx.blocking_send(Bytes::from(buf)).is_err() {
            return;
        }
    }
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let ciphers = match std::env::args().nth(1).as_deref() {
        None | Some("auto") => CipherPreference::Auto,
        Some("aes") => CipherPreference::AesGcm,
        Some("chacha") => CipherPreference::Chacha20,
        Some(other) => return Err(format!("unknown cipher choice {other:?}").into()),
    };
    let config = SshConfig::new(
        env("LAB_REMOTE1_ADDR")?,
        env("LAB_REMOTE1_PORT")?.parse()?,
        "root",
        Auth::private_key_file(&PathBuf::from(env("LAB_ROOT_KEY")?), None)?,
        HostKeyPolicy::Pinned(Fingerprint::parse(&env("LAB_REMOTE1_HOSTKEY_FPR")?)?),
    )
    .ciphers(ciphers);
    let host = SshHost::connect(config).await?;

    let started = Instant::now();
    let argv = Argv::new("sh").literal("-c").literal("cat >/dev/null");
    let mut cmd = host.spawn(&argv, RunOptions::with_stdin()).await?;
    let mut stdin = cmd.take_stdin().ok_or("no stdin")?;
    let (tx, mut rx) = tokio::sync::mpsc::channel(8);
    let reader = std::thread::spawn(move || read_stdin(tx));
    let mut total: u64 = 0;
    while let Some(block) = rx.recv().await {
        stdin.write_all(&block).await?;
        total += block.len() as u64;
    }
    stdin.shutdown().await?;
    cmd.wait().await?;
    let secs = started.elapsed().as_secs_f64();
    let _ = reader.join();
    println!(
        "bytes={total} seconds={secs:.3} mb_per_s={:.1}",
        total as f64 / secs / 1e6
    );
    Ok(())
}
