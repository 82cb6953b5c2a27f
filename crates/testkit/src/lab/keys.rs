//! Logging in to the lab with keys of the test's own: temporary lines in the lab user's
//! authorized_keys, and fresh keys restricted to `ops/remote/dist-btrfs-remote-wrapper`.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::env;

/// Authorizes a line for the lab user while alive (adds it to the lab's
/// AuthorizedKeysFile); removes exactly that line on drop.
///
/// Tests run in parallel (threads and processes): every change holds an exclusive lock
/// on [`LOCK`] and replaces the file by a rename, so no change is lost and sshd never
/// reads a half-written file.
pub struct TemporaryAuthorizedKey {
    file: PathBuf,
    line: String,
}

/// Serializes changes of the lab's authorized_keys files by the tests.
const LOCK: &str = "/tmp/dist-btrfs-lab-authorized-keys.lock";

/// Rewrites `file` as `change(its lines)` under the lock (see [`TemporaryAuthorizedKey`]).
fn rewrite(file: &Path, change: impl FnOnce(Vec<String>) -> Vec<String>) -> std::io::Result<()> {
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(LOCK)?;
    lock.lock()?;
    let text = std::fs::read_to_string(file)?;
    let lines = change(text.lines().map(str::to_owned).collect());
    let tmp = file.with_extension(format!("tmp-{}", uuid::Uuid::new_v4().simple()));
    let out: String = lines.iter().map(|l| format!("{l}\n")).collect();
    std::fs::write(&tmp, out)?;
    std::fs::set_permissions(&tmp, std::fs::metadata(file)?.permissions())?;
    std::fs::rename(&tmp, file)
}

impl TemporaryAuthorizedKey {
    pub fn add(line: String) -> Self {
        let file = PathBuf::from(env("LAB_DIR"))
            .join("authorized_keys")
            .join(env("LAB_SSH_USER"));
        let added = line.clone();
        rewrite(&file, |mut lines| {
            lines.push(added);
            lines
        })
        .unwrap();
        Self { file, line }
    }
}

impl Drop for TemporaryAuthorizedKey {
    fn drop(&mut self) {
        let _ = rewrite(&self.file, |lines| {
            lines
                .into_iter()
                .filter(|l| l.trim() != self.line)
                .collect()
        });
    }
}

/// A fresh ed25519 key of the lab user restricted to the wrapper (installed, like in
/// production, as a 0755 file in a 0755 directory the lab user can traverse), authorized
/// while alive.
pub struct Restricted {
    pub dir: tempfile::TempDir,
    /// The private key file.
    pub key: PathBuf,
    _authorized: TemporaryAuthorizedKey,
}

/// [`Restricted`] with `command="WRAPPER --root ROOT OPTS"`.
pub fn restricted_key(root: &str, opts: &str) -> Restricted {
    let dir = tempfile::Builder::new()
        .prefix("dbt-wrapper-lab-")
        .tempdir_in("/tmp")
        .unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let wrapper = dir.path().join("dist-btrfs-remote-wrapper");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ops/remote/dist-btrfs-remote-wrapper"),
        &wrapper,
    )
    .unwrap();
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
    let key = dir.path().join("id_ed25519");
    let comment = format!("dbt-wrapper-test-{}", uuid::Uuid::new_v4().simple());
    let status = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", &comment, "-f"])
        .arg(&key)
        .status()
        .unwrap();
    assert!(status.success());
    let public = std::fs::read_to_string(key.with_extension("pub")).unwrap();
    let line = format!(
        "command=\"{} --root {root}{opts}\",restrict {}",
        wrapper.display(),
        public.trim()
    );
    Restricted {
        _authorized: TemporaryAuthorizedKey::add(line),
        dir,
        key,
    }
}
