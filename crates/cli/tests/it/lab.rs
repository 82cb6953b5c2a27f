//! The lab is real: every remote answers `btrfs` over SSH on its own loopback
//! address with its own host key and its own filesystem, and no remote's mount is
//! visible on the host (so a command run on the wrong host fails instead of passing
//! by accident). Runs under `ops/test`, which exports `ops/lab env`.

use std::path::Path;
use std::process::{Command, Output};

use testkit::env as lab;

struct Remote {
    addr: String,
    port: String,
    host_pub: String,
}

fn remotes() -> Vec<Remote> {
    (1..=lab("LAB_REMOTES").split_whitespace().count())
        .map(|i| Remote {
            addr: lab(&format!("LAB_REMOTE{i}_ADDR")),
            port: lab(&format!("LAB_REMOTE{i}_PORT")),
            host_pub: lab(&format!("LAB_REMOTE{i}_HOSTKEY_PUB")),
        })
        .collect()
}

/// A known_hosts file pinning `pinned`'s host key for `target`'s address.
fn known_hosts(dir: &Path, target: &Remote, pinned: &Remote) -> std::path::PathBuf {
    let key = std::fs::read_to_string(&pinned.host_pub).unwrap();
    let key: Vec<&str> = key.split_whitespace().take(2).collect();
    let path = dir.join(format!("known_hosts_{}_{}", target.addr, pinned.addr));
    std::fs::write(
        &path,
        format!("[{}]:{} {}\n", target.addr, target.port, key.join(" ")),
    )
    .unwrap();
    path
}

/// Runs argv on a remote with OpenSSH, strict host-key checking, key auth only.
fn ssh(remote: &Remote, known: &Path, user: &str, key: &str, argv: &[&str]) -> Output {
    Command::new("ssh")
        .args(["-i", key, "-p", &remote.port])
        .args(["-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes"])
        .arg("-o")
        .arg(format!("UserKnownHostsFile={}", known.display()))
        .args(["-o", "ConnectTimeout=10", "-o", "LogLevel=ERROR"])
        .arg(format!("{user}@{}", remote.addr))
        .args(argv)
        .output()
        .expect("run ssh")
}

fn fs_uuid(show_output: &[u8]) -> String {
    let text = String::from_utf8_lossy(show_output);
    let at = text
        .find("uuid: ")
        .unwrap_or_else(|| panic!("no uuid in: {text}"));
    text[at + 6..].split_whitespace().next().unwrap().to_owned()
}

#[test]
fn every_remote_runs_btrfs_over_ssh_on_its_own_filesystem() {
    let dir = tempfile::tempdir().unwrap();
    let (user, key, root_key) = (lab("LAB_SSH_USER"), lab("LAB_SSH_KEY"), lab("LAB_ROOT_KEY"));
    let mount = lab("LAB_REMOTE_MOUNT");
    let primary = Command::new("btrfs")
        .args(["filesystem", "show"])
        .arg(lab("LAB_PRIMARY_MOUNT"))
        .output()
        .unwrap();
    assert!(
        primary.status.success(),
        "the primary is mounted on the host"
    );
    let mut uuids = vec![fs_uuid(&primary.stdout)];

    for remote in remotes() {
        let known = known_hosts(dir.path(), &remote, &remote);
        let out = ssh(
            &remote,
            &known,
            &user,
            &key,
            &["sudo", "-n", "btrfs", "filesystem", "show", &mount],
        );
        assert!(
            out.status.success(),
            "btrfs over ssh on {}: {}",
            remote.addr,
            String::from_utf8_lossy(&out.stderr)
        );
        uuids.push(fs_uuid(&out.stdout));

        let out = ssh(
            &remote,
            &known,
            "root",
            &root_key,
            &["btrfs", "subvolume", "list", &mount],
        );
        assert!(out.status.success(), "root key login on {}", remote.addr);
    }
    let mut distinct = uuids.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(
        distinct.len(),
        uuids.len(),
        "primary and each remote have their own filesystem: {uuids:?}"
    );
}

#[test]
fn remote_mounts_are_invisible_on_the_host() {
    let mount = lab("LAB_REMOTE_MOUNT");
    let findmnt = Command::new("findmnt").arg(&mount).output().unwrap();
    assert!(
        !findmnt.status.success(),
        "{mount} must not be a mount point on the host"
    );
    let show = Command::new("btrfs")
        .args(["filesystem", "show", &mount])
        .output()
        .unwrap();
    assert!(
        !show.status.success(),
        "btrfs on the host must not find a remote's filesystem"
    );
}

#[test]
fn each_remote_has_its_own_host_key() {
    let dir = tempfile::tempdir().unwrap();
    let (user, key) = (lab("LAB_SSH_USER"), lab("LAB_SSH_KEY"));
    let remotes = remotes();
    assert!(remotes.len() >= 2);
    // Pin remote 2's key for remote 1's address: strict checking must refuse.
    let wrong = known_hosts(dir.path(), &remotes[0], &remotes[1]);
    let out = ssh(&remotes[0], &wrong, &user, &key, &["true"]);
    assert!(
        !out.status.success(),
        "a mismatched host key must be refused"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("HOST IDENTIFICATION HAS CHANGED")
            || stderr.contains("Host key verification failed"),
        "{stderr}"
    );
}
