//! What is on a server's disk: every subvolume of the filesystems holding its allowed
//! roots, with absolute paths and the read-only flag.
//!
//! `btrfs subvolume list` prints paths relative to the filesystem's top-level subvolume
//! (id 5) when run on a mount of it. So for each allowed root we find the mount of the
//! top level it lies in — the root itself or the nearest ancestor for which
//! `btrfs subvolume show` reports id 5 — list there, and prefix the paths with that
//! mount. Requirement (documented in ARCHITECTURE.md): every allowed root lies inside a
//! mount of its filesystem's top level (`subvolid=5`); a root inside another mounted
//! subvolume is refused with an explanation rather than mapped by guesswork.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use btrfs::client::is_not_a_subvolume;
use btrfs::parse::SubvolumeInfo;
use btrfs::{Btrfs, Host};
use domain::ServerPath;
use uuid::Uuid;

use crate::{EngineError, abs};

/// The id of every btrfs filesystem's top-level subvolume.
const TOP_LEVEL_ID: u64 = 5;

/// One subvolume found on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundSubvolume {
    /// Absolute path as printed (may contain characters a [`ServerPath`] refuses).
    pub raw_path: String,
    /// The path, when it is a valid [`ServerPath`] (only those can be managed).
    pub path: Option<ServerPath>,
    /// Whether the path lies under one of the server's allowed roots.
    pub within_roots: bool,
    pub readonly: bool,
    pub info: SubvolumeInfo,
}

/// The subvolumes of the filesystems holding `roots` (each filesystem once).
#[tracing::instrument(skip_all, fields(host = %btrfs.host().describe()), err(level = "debug", Display))]
pub async fn scan(
    btrfs: &Btrfs<Arc<dyn Host>>,
    roots: &[ServerPath],
) -> Result<Vec<FoundSubvolume>, EngineError> {
    let mut mounts: Vec<ServerPath> = Vec::new();
    for root in roots {
        let mount = top_level_mount(btrfs, root).await?;
        if !mounts.contains(&mount) {
            mounts.push(mount);
        }
    }
    let mut found: BTreeMap<(Option<Uuid>, u64, String), FoundSubvolume> = BTreeMap::new();
    for mount in &mounts {
        let cmd_path = abs(mount)?;
        // Two commands at once (two channels of one SSH connection): one round trip.
        let (all, readonly) = tokio::try_join!(
            btrfs.list_subvolumes(&cmd_path),
            btrfs.list_readonly_subvolumes(&cmd_path)
        )?;
        let readonly: HashSet<(u64, Option<Uuid>)> =
            readonly.into_iter().map(|i| (i.id, i.uuid)).collect();
        for info in all {
            let raw_path = if mount.as_str() == "/" {
                format!("/{}", info.path)
            } else {
                format!("{mount}/{}", info.path)
            };
            let path = ServerPath::parse(&raw_path).ok();
            let within_roots = match &path {
                Some(p) => p.is_within(roots),
                None => raw_within(&raw_path, roots),
            };
            let entry = FoundSubvolume {
                readonly: readonly.contains(&(info.id, info.uuid)),
                raw_path: raw_path.clone(),
                path,
                within_roots,
                info,
            };
            found.insert((entry.info.uuid, entry.info.id, raw_path), entry);
        }
    }
    // The same filesystem mounted twice lists the same subvolumes under two prefixes:
    // keep the first path per uuid.
    let mut seen = HashSet::new();
    Ok(found
        .into_values()
        .filter(|f| f.info.uuid.is_none_or(|u| seen.insert(u)))
        .collect())
}

/// Whether a path that is not a valid `ServerPath` lies under a root (component-wise).
fn raw_within(raw: &str, roots: &[ServerPath]) -> bool {
    let parts: Vec<&str> = raw.split('/').filter(|c| !c.is_empty()).collect();
    roots.iter().any(|root| {
        let r: Vec<&str> = root.components().collect();
        parts.len() >= r.len() && parts[..r.len()] == r[..]
    })
}

/// The mount of the top-level subvolume that `root` lies in (see the module docs).
pub(crate) async fn top_level_mount(
    btrfs: &Btrfs<Arc<dyn Host>>,
    root: &ServerPath,
) -> Result<ServerPath, EngineError> {
    let mut candidate = root.clone();
    loop {
        match btrfs.show_if_exists(&abs(&candidate)?).await {
            Ok(Some(show)) if show.subvolume_id == TOP_LEVEL_ID => return Ok(candidate),
            Ok(Some(show)) => {
                return Err(EngineError::Invalid(format!(
                    "allowed root {root} lies in subvolume {candidate} (id {}), not in a mount \
                     of the filesystem's top level; mount the top level (subvolid=5) and \
                     configure a root inside that mount",
                    show.subvolume_id
                )));
            }
            Ok(None) => {
                return Err(EngineError::Invalid(format!(
                    "allowed root {root}: {candidate} does not exist on the server"
                )));
            }
            Err(e) if is_not_a_subvolume(&e) => match candidate.parent() {
                Some(parent) => candidate = parent,
                None => {
                    return Err(EngineError::Invalid(format!(
                        "allowed root {root} is not on a btrfs filesystem"
                    )));
                }
            },
            Err(e) => return Err(e.into()),
        }
    }
}

/// A snapshot's identity in the catalog: its own uuid, or for one received back from a
/// replica (a restore) the uuid it was received from, which is the original snapshot's
/// (and what `btrfs send` puts in a stream that uses it as the parent).
pub fn identity(info: &btrfs::parse::SubvolumeInfo) -> Option<uuid::Uuid> {
    info.received_uuid.or(info.uuid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_paths_within_roots() {
        let roots = [ServerPath::parse("/mnt/pool").unwrap()];
        assert!(raw_within("/mnt/pool/my docs", &roots));
        assert!(!raw_within("/mnt/pool2/my docs", &roots));
        assert!(!raw_within("/mnt", &roots));
    }
}
