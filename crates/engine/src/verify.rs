//! Checking a replica against its source snapshot ([`Engine::request_verify`], run as a
//! restore job of mode `verify` by [`Engine::verify_replica`]), from what each side's
//! disk says, not from the catalog:
//!
//! - the replica is read-only and its `received_uuid` is the snapshot's uuid;
//! - the same regular files with the same sizes on both sides (`find -type f`);
//! - the same sha256 digests (`sha256sum -z`, computed on each server) for every file,
//!   or for a sample: a file is in the sample when a hash of its path falls below the
//!   percentage, so both sides (and every run) pick the same files (at least one file,
//!   when there is one).
//!
//! The result is `ReplicaVerified` (at most 20 differences named) and the restore's
//! success; a replica that differs is a finding, not a failure of the job.
//!
//! Memory: both sides' file lists (path and size) are held to compare them, which is
//! fine for hundreds of thousands of files but not bounded; digests are compared in
//! batches of [`DIGEST_BATCH`] files.
//!
//! Not here: repairing a replica (delete it and replicate again).

use std::collections::BTreeMap;
use std::sync::Arc;

use btrfs::command::files;
use btrfs::parse::listing;
use btrfs::{AbsPath, Btrfs, Host};
use domain::restore::{ReplicaVerified, RestoreMode, RestoreRequested};
use domain::{DomainEvent, ReplicaId, RestoreId};
use store::projections::{self, RestoreView, SnapshotState};
use store::{AppendMeta, ExpectedVersion};
use tokio::io::BufReader;

use crate::restore::Outcome;
use crate::{Engine, EngineError, abs, recorded_path};

/// Files whose digests one `sha256sum` computes (the wrapper allows 64 words).
pub const DIGEST_BATCH: usize = 48;
/// Differences named in the result.
const MAX_MISMATCHES: usize = 20;

/// Whether `path` is in a `percent` sample (FNV-1a of the path, mod 100).
pub fn in_sample(path: &str, percent: u8) -> bool {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in path.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h % 100 < u64::from(percent)
}

fn verification(e: impl std::fmt::Display) -> EngineError {
    EngineError::Verification(e.to_string())
}

/// Every regular file below `root`: relative path → size.
async fn file_sizes(
    btrfs: &Btrfs<Arc<dyn Host>>,
    root: &AbsPath,
) -> Result<BTreeMap<String, u64>, EngineError> {
    let mut cmd = btrfs.spawn_reader(files::list_files(root)).await?;
    let stdout = cmd
        .take_stdout()
        .ok_or_else(|| EngineError::Inconsistent("find without stdout".into()))?;
    let mut reader = BufReader::new(stdout);
    let mut out = BTreeMap::new();
    let mut record = 0;
    while let Some(fields) = listing::read_nul_fields(&mut reader, 2, record + 1)
        .await
        .map_err(verification)?
    {
        record += 1;
        let (size, path) = listing::file_entry(&fields, record).map_err(verification)?;
        out.insert(path, size);
    }
    drop(reader);
    cmd.wait().await?;
    Ok(out)
}

/// sha256 of `paths` (relative to `root`), in the order given.
async fn digests(
    btrfs: &Btrfs<Arc<dyn Host>>,
    root: &AbsPath,
    paths: &[&str],
) -> Result<Vec<String>, EngineError> {
    let mut full = Vec::with_capacity(paths.len());
    for p in paths {
        let mut path = root.clone();
        for c in p.split('/') {
            path = path.join(c).map_err(verification)?;
        }
        full.push(path);
    }
    let mut cmd = btrfs.spawn_reader(files::sha256(&full)).await?;
    let stdout = cmd
        .take_stdout()
        .ok_or_else(|| EngineError::Inconsistent("sha256sum without stdout".into()))?;
    let mut reader = BufReader::new(stdout);
    let mut out = Vec::with_capacity(paths.len());
    while let Some(fields) = listing::read_nul_fields(&mut reader, 1, out.len() + 1)
        .await
        .map_err(verification)?
    {
        let (digest, _) =
            listing::sha256_record(&fields[0], out.len() + 1).map_err(verification)?;
        out.push(digest);
    }
    drop(reader);
    cmd.wait().await?;
    if out.len() != paths.len() {
        return Err(verification(format!(
            "sha256sum gave {} digests for {} files",
            out.len(),
            paths.len()
        )));
    }
    Ok(out)
}

impl Engine {
    /// Records a verification of the replica (a restore of mode `verify`); the caller
    /// enqueues its job.
    pub async fn request_verify(
        &self,
        id: ReplicaId,
        sample_percent: u8,
        meta: &AppendMeta,
    ) -> Result<RestoreView, EngineError> {
        if !(1..=100).contains(&sample_percent) {
            return Err(EngineError::Invalid(
                "sample_percent: must be between 1 and 100".into(),
            ));
        }
        let pool = self.events().pool();
        let replica = projections::replica(pool, id)
            .await?
            .ok_or_else(|| EngineError::NotFound(format!("no replica {id}")))?;
        let target = projections::target(pool, replica.target_id)
            .await?
            .ok_or_else(|| {
                EngineError::NotFound(format!("replica {id}: its target was removed"))
            })?;
        let snapshot = projections::snapshot_by_id(pool, replica.snapshot_id)
            .await?
            .ok_or_else(|| {
                EngineError::Inconsistent(format!("replica {id} of an unknown snapshot"))
            })?;
        if snapshot.state != SnapshotState::Present {
            return Err(EngineError::Conflict(format!(
                "snapshot {} is {} on the primary: there is nothing to compare the replica with",
                snapshot.name,
                snapshot.state.as_str()
            )));
        }
        let restore_id = RestoreId::new();
        let event = DomainEvent::RestoreRequested(RestoreRequested {
            restore_id,
            mode: RestoreMode::Verify,
            subvolume_id: target.subvolume_id,
            snapshot_id: replica.snapshot_id,
            replica_target_id: Some(replica.target_id),
            server_id: target.server_id,
            destination: replica.path.clone(),
            paths: Vec::new(),
            overwrite: false,
            sample_percent: Some(sample_percent),
        });
        self.events()
            .append(
                &restore_id.stream(),
                ExpectedVersion::NoStream,
                &[event],
                meta,
            )
            .await?;
        projections::restore(pool, restore_id)
            .await?
            .ok_or_else(|| EngineError::Inconsistent(format!("restore {restore_id} not projected")))
    }

    /// The verification's steps (module docs); records `ReplicaVerified`.
    pub(crate) async fn verify_replica(
        &self,
        view: &RestoreView,
        meta: &AppendMeta,
    ) -> Result<Option<Outcome>, EngineError> {
        let pool = self.events().pool();
        let target_id = view
            .request
            .replica_target_id
            .ok_or_else(|| EngineError::Inconsistent("a verification without a target".into()))?;
        let snapshot = projections::snapshot_by_id(pool, view.request.snapshot_id)
            .await?
            .ok_or_else(|| {
                EngineError::NotFound(format!("no snapshot {}", view.request.snapshot_id))
            })?;
        let sub = projections::subvolume(pool, view.request.subvolume_id)
            .await?
            .ok_or_else(|| {
                EngineError::Inconsistent("verification of an unknown subvolume".into())
            })?;
        let (primary_server, _) = self.server(sub.server_id).await?;
        let primary = self.btrfs(&primary_server).await?;
        let (remote_server, _) = self.server(view.request.server_id).await?;
        let remote = self.btrfs(&remote_server).await?;
        let source = abs(&recorded_path(&snapshot.path)?)?;
        let replica = abs(&recorded_path(&view.request.destination)?)?;
        let percent = view.request.sample_percent.unwrap_or(100);

        let mut mismatches = Vec::new();
        let show = remote.show(&replica).await?;
        if show.received_uuid != Some(snapshot.uuid) {
            mismatches.push(format!(
                "received_uuid is {:?}, the snapshot's uuid is {}",
                show.received_uuid, snapshot.uuid
            ));
        }
        if !show.readonly {
            mismatches.push("the replica is not read-only".to_owned());
        }
        let ours = file_sizes(&primary, &source).await?;
        let theirs = file_sizes(&remote, &replica).await?;
        for (path, size) in &ours {
            match theirs.get(path) {
                None => mismatches.push(format!("missing on the replica: {path}")),
                Some(s) if s != size => {
                    mismatches.push(format!("size differs: {path} ({size} vs {s})"));
                }
                Some(_) => {}
            }
        }
        for path in theirs.keys().filter(|p| !ours.contains_key(*p)) {
            mismatches.push(format!("only on the replica: {path}"));
        }
        let common = || {
            ours.keys()
                .filter(|p| theirs.contains_key(*p))
                .map(String::as_str)
        };
        let mut sample: Vec<&str> = common().filter(|p| in_sample(p, percent)).collect();
        // A small sample of few files can be empty: compare one file at least, so an
        // "OK" always rests on some content.
        if sample.is_empty() {
            sample.extend(common().next());
        }
        for batch in sample.chunks(DIGEST_BATCH) {
            let a = digests(&primary, &source, batch).await?;
            let b = digests(&remote, &replica, batch).await?;
            for ((path, x), y) in batch.iter().zip(&a).zip(&b) {
                if x != y {
                    mismatches.push(format!("content differs: {path}"));
                }
            }
        }
        let ok = mismatches.is_empty();
        mismatches.truncate(MAX_MISMATCHES);
        tracing::info!(target = %target_id, snapshot = %snapshot.name, ok, compared = sample.len(), "replica verified");
        let event = DomainEvent::ReplicaVerified(ReplicaVerified {
            target_id,
            subvolume_id: view.request.subvolume_id,
            snapshot_id: view.request.snapshot_id,
            restore_id: view.request.restore_id,
            ok,
            files_compared: sample.len() as u64,
            sample_percent: percent,
            mismatches,
        });
        self.events()
            .append(&target_id.stream(), ExpectedVersion::Any, &[event], meta)
            .await?;
        Ok(Some(Outcome {
            result_path: view.request.destination.clone(),
            files_copied: 0,
            ..Outcome::default()
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// 100% takes every file, and a larger sample contains a smaller one.
        #[test]
        fn samples_nest(path in "\\PC{0,40}", a in 1u8..=100, b in 1u8..=100) {
            prop_assert!(in_sample(&path, 100));
            let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
            prop_assert!(!in_sample(&path, lo) || in_sample(&path, hi));
        }
    }

    #[test]
    fn a_sample_is_about_its_size() {
        let n = (0..10_000)
            .filter(|i| in_sample(&format!("dir/file-{i}"), 10))
            .count();
        assert!((800..1200).contains(&n), "{n}");
    }
}
