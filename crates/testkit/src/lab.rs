//! The lab as the tests reach it (`ops/lab up`, then `eval "$(ops/lab env)"`): its
//! variables, shell commands on the primary (this machine) and on remotes 1-3 (OpenSSH
//! as the lab user: test side only, the product uses russh), and faults.

pub mod keys;

use std::collections::BTreeSet;
use std::process::Command;

/// A lab variable; panics with the way to set it.
pub fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is not set: run under ops/test or after `eval \"$(ops/lab env)\"`")
    })
}

/// Runs `args[0]` with the rest as arguments (no shell); asserts success; its stdout.
pub fn sh(args: &[&str]) -> String {
    let out = Command::new(args[0]).args(&args[1..]).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// How the product reaches lab remote `n` (1-3).
#[derive(Debug, Clone)]
pub struct Remote {
    pub n: u8,
    pub addr: String,
    pub port: u16,
    /// The SHA256 fingerprint of its host key, as `ssh-keygen -l` prints it.
    pub fpr: String,
}

/// Lab remote `n`.
pub fn remote(n: u8) -> Remote {
    Remote {
        n,
        addr: env(&format!("LAB_REMOTE{n}_ADDR")),
        port: env(&format!("LAB_REMOTE{n}_PORT")).parse().unwrap(),
        fpr: env(&format!("LAB_REMOTE{n}_HOSTKEY_FPR")),
    }
}

/// The lab user's private key (OpenSSH PEM text).
pub fn private_key() -> String {
    std::fs::read_to_string(env("LAB_SSH_KEY")).unwrap()
}

/// Runs a shell command on lab remote `n` as `user` with `key`: (success, stdout +
/// stderr).
pub fn ssh_as(user: &str, key: &str, n: u8, cmd: &str) -> (bool, String) {
    let out = Command::new("ssh")
        .args([
            "-i",
            key,
            "-p",
            &env(&format!("LAB_REMOTE{n}_PORT")),
            "-o",
            "StrictHostKeyChecking=no",
            "-o",
            "UserKnownHostsFile=/dev/null",
            "-o",
            "BatchMode=yes",
            "-o",
            "LogLevel=ERROR",
            &format!("{user}@{}", env(&format!("LAB_REMOTE{n}_ADDR"))),
            cmd,
        ])
        .output()
        .unwrap();
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// [`ssh_as`] the lab user.
pub fn ssh(n: u8, cmd: &str) -> (bool, String) {
    ssh_as(&env("LAB_SSH_USER"), &env("LAB_SSH_KEY"), n, cmd)
}

/// [`ssh`], asserting success; its output.
pub fn ssh_ok(n: u8, cmd: &str) -> String {
    let (ok, out) = ssh(n, cmd);
    assert!(ok, "remote{n}: {cmd}: {out}");
    out
}

/// The value of `key` (e.g. `"UUID:"`) in `btrfs subvolume show` output.
pub fn show_field(show: &str, key: &str) -> String {
    show.lines()
        .find_map(|l| l.trim().strip_prefix(key).map(|v| v.trim().to_owned()))
        .unwrap_or_else(|| panic!("no {key} in {show}"))
}

/// The names directly below `dir` among the paths of `btrfs subvolume list MOUNT`
/// output (paths relative to `mount`).
pub fn listed_below(list: &str, mount: &str, dir: &str) -> BTreeSet<String> {
    let rel = format!("{}/", dir.trim_start_matches(mount).trim_start_matches('/'));
    list.lines()
        .filter_map(|l| l.split(" path ").nth(1))
        .filter_map(|p| p.trim().strip_prefix(&rel).map(str::to_owned))
        .collect()
}

/// Sorted non-empty lines: `sha256sum` output made comparable.
pub fn sorted_lines(text: &str) -> String {
    let mut lines: Vec<&str> = text.lines().filter(|l| !l.is_empty()).collect();
    lines.sort_unstable();
    lines.join("\n")
}

/// Kills (SIGKILL) the sshd session process that runs `btrfs receive` into `dir` on a
/// remote (the remotes' processes are visible from the host): that connection drops
/// mid-stream, as when a remote's sshd dies, without touching other sessions. Returns
/// how many sessions it killed.
pub fn kill_session_receiving_into(dir: &str) -> usize {
    kill_session_running(&format!("btrfs receive {dir}$"))
}

/// Kills (SIGKILL) the sshd session process above every process whose command line
/// matches the `pgrep -f` pattern; how many sessions were killed.
pub fn kill_session_running(pattern: &str) -> usize {
    let out = Command::new("pgrep")
        .args(["-f", pattern])
        .output()
        .unwrap();
    let mut killed = BTreeSet::new();
    for pid in String::from_utf8_lossy(&out.stdout).split_whitespace() {
        let mut pid: u32 = pid.parse().unwrap();
        while pid > 1 {
            let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
            if comm.starts_with("sshd") {
                if killed.insert(pid) {
                    sh(&["kill", "-9", &pid.to_string()]);
                }
                break;
            }
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            // pid (comm) state ppid ...: comm may hold spaces, so split after the ')'.
            let after = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
            pid = after
                .split_whitespace()
                .nth(1)
                .and_then(|p| p.parse().ok())
                .unwrap_or(0);
        }
    }
    killed.len()
}
