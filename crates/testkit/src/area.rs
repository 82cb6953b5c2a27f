//! A test's own directories: `<LAB_PRIMARY_MOUNT>/t-<uuid>` on the primary (the
//! primary's allowed root in most tests) holding a subvolume `vol` and a snapshot
//! directory `snaps`, and optionally `<LAB_REMOTE_TARGET_DIR>/t-<uuid>-r<n>` on lab
//! remotes. Everything, received subvolumes included, is removed on drop: other
//! engineers' tests share the filesystems.

use std::collections::BTreeSet;
use std::process::Command;

use crate::lab::{env, listed_below, sh, show_field, sorted_lines, ssh, ssh_ok};

/// See the module doc.
pub struct Area {
    /// The test's directory on the primary.
    pub dir: String,
    /// The subvolume `dir/vol`.
    pub vol: String,
    /// The snapshot directory `dir/snaps`.
    pub snaps: String,
    /// (remote number, target directory) for each remote the area has a directory on.
    pub remote_dirs: Vec<(u8, String)>,
}

impl Area {
    /// An area on the lab primary only.
    pub fn new() -> Self {
        Self::under(&env("LAB_PRIMARY_MOUNT"))
    }

    /// An area in `parent` (a btrfs directory of the test's choice).
    pub fn under(parent: &str) -> Self {
        Self::create(parent, &[])
    }

    /// An area on the lab primary with a target directory on each of `remotes`.
    pub fn with_remotes(remotes: &[u8]) -> Self {
        Self::create(&env("LAB_PRIMARY_MOUNT"), remotes)
    }

    /// An area in `parent` with a target directory on each of `remotes`.
    pub fn under_with_remotes(parent: &str, remotes: &[u8]) -> Self {
        Self::create(parent, remotes)
    }

    fn create(parent: &str, remotes: &[u8]) -> Self {
        let id = uuid::Uuid::new_v4().simple().to_string();
        let dir = format!("{parent}/t-{id}");
        std::fs::create_dir(&dir).unwrap();
        let area = Self {
            vol: format!("{dir}/vol"),
            snaps: format!("{dir}/snaps"),
            remote_dirs: remotes
                .iter()
                .map(|&n| (n, format!("{}/t-{id}-r{n}", env("LAB_REMOTE_TARGET_DIR"))))
                .collect(),
            dir,
        };
        sh(&["btrfs", "subvolume", "create", &area.vol]);
        std::fs::create_dir(&area.snaps).unwrap();
        for (n, d) in &area.remote_dirs {
            ssh_ok(*n, &format!("mkdir {d}"));
        }
        area
    }

    /// Writes `bytes` to `vol/<name>`.
    pub fn write(&self, name: &str, bytes: &[u8]) {
        std::fs::write(format!("{}/{name}", self.vol), bytes).unwrap();
    }

    /// Writes `mib` MiB of random bytes to `vol/<name>`.
    pub fn write_random(&self, name: &str, mib: u32) {
        sh(&[
            "dd",
            "if=/dev/urandom",
            &format!("of={}/{name}", self.vol),
            "bs=1M",
            &format!("count={mib}"),
            "status=none",
        ]);
    }

    /// The path of snapshot `name` on the primary.
    pub fn snapshot(&self, name: &str) -> String {
        format!("{}/{name}", self.snaps)
    }

    /// The entries of the snapshot directory, sorted.
    pub fn snaps_on_disk(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&self.snaps)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    }

    /// The snapshots in the snapshot directory as `btrfs subvolume list` sees them.
    pub fn snaps_listed(&self) -> BTreeSet<String> {
        let mount = env("LAB_PRIMARY_MOUNT");
        listed_below(
            &sh(&["btrfs", "subvolume", "list", &mount]),
            &mount,
            &self.snaps,
        )
    }

    /// The UUID of the subvolume at `path` on the primary.
    pub fn uuid_of(&self, path: &str) -> String {
        show_field(&sh(&["btrfs", "subvolume", "show", path]), "UUID:")
    }

    /// sha256 of every file of a primary snapshot, sorted by name: "hash  name" lines.
    pub fn primary_sums(&self, snapshot: &str) -> String {
        sorted_lines(&sh(&[
            "sh",
            "-c",
            &format!("cd {}/{snapshot} && sha256sum $(ls)", self.snaps),
        ]))
    }

    /// The target directory on remote `n`.
    pub fn remote(&self, n: u8) -> &str {
        &self.remote_dirs.iter().find(|(m, _)| *m == n).unwrap().1
    }

    /// [`Area::primary_sums`] of a received snapshot on remote `n`.
    pub fn remote_sums(&self, n: u8, snapshot: &str) -> String {
        let d = self.remote(n);
        sorted_lines(&ssh_ok(n, &format!("cd {d}/{snapshot} && sha256sum $(ls)")))
    }

    /// `btrfs subvolume show` of a received subvolume: (read-only, received uuid).
    pub fn remote_show(&self, n: u8, snapshot: &str) -> (bool, String) {
        let out = ssh_ok(
            n,
            &format!("sudo btrfs subvolume show {}/{snapshot}", self.remote(n)),
        );
        let field = |name: &str| {
            out.lines()
                .find_map(|l| l.trim().strip_prefix(name).map(|v| v.trim().to_owned()))
                .unwrap_or_default()
        };
        (
            field("Flags:").contains("readonly"),
            field("Received UUID:"),
        )
    }

    /// The subvolume names in remote `n`'s target directory, from `btrfs subvolume
    /// list` on the remote.
    pub fn remote_subvolumes(&self, n: u8) -> BTreeSet<String> {
        let mount = env("LAB_REMOTE_MOUNT");
        let out = ssh_ok(n, &format!("sudo btrfs subvolume list {mount}"));
        listed_below(&out, &mount, self.remote(n))
    }
}

impl Default for Area {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for Area {
    fn drop(&mut self) {
        for (n, d) in &self.remote_dirs {
            let _ = ssh(
                *n,
                &format!(
                    "rm -rf {d}/.dist-btrfs-staging; for s in {d}/*; do [ -e \"$s\" ] && sudo btrfs subvolume delete \"$s\"; done; rmdir {d}"
                ),
            );
        }
        if let Ok(entries) = std::fs::read_dir(&self.snaps) {
            for e in entries.flatten() {
                let _ = Command::new("btrfs")
                    .args(["subvolume", "delete"])
                    .arg(e.path())
                    .output();
            }
        }
        let _ = Command::new("btrfs")
            .args(["subvolume", "delete", &self.vol])
            .output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
