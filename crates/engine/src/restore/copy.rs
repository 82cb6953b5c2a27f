//! The two copying modes: `new_subvolume` (a writable snapshot of the snapshot at a new
//! path) and `files` (chosen paths copied into the live subvolume). Both are idempotent:
//! a second run finds what the first made and finishes.

use btrfs::command::files;
use btrfs::parse::listing;
use domain::paths::InnerPath;
use domain::{ServerId, ServerPath};
use store::projections::{self, RestoreView};
use tokio::io::BufReader;

use super::{Outcome, beside_suffix, invalid};
use crate::browse::Source;
use crate::{Engine, EngineError, abs};

impl Engine {
    /// `new_subvolume`: the destination's parent resolves inside the allowed roots and
    /// the destination itself does not exist yet.
    pub(super) async fn check_new_subvolume_destination(
        &self,
        server: ServerId,
        dest: &ServerPath,
    ) -> Result<(), EngineError> {
        let (server, roots) = self.server(server).await?;
        let btrfs = self.btrfs(&server).await?;
        let parent = dest
            .parent()
            .ok_or_else(|| invalid("destination", "must not be /"))?;
        let real_parent = crate::real_paths::resolve_within(&btrfs, &parent, &roots)
            .await
            .map_err(|e| e.into_engine("destination"))?;
        if real_parent != parent {
            return Err(invalid(
                "destination",
                format!("its directory resolves to {real_parent}: give the real path"),
            ));
        }
        match btrfs.realpath(&abs(dest)?).await {
            Err(e) if btrfs::client::is_missing_path(&e) => Ok(()),
            Err(e) => Err(e.into()),
            Ok(_) => Err(EngineError::Conflict(format!(
                "destination: {dest} already exists"
            ))),
        }
    }

    /// `new_subvolume` (module docs of `restore`).
    pub(super) async fn restore_new_subvolume(
        &self,
        view: &RestoreView,
    ) -> Result<Option<Outcome>, EngineError> {
        let pool = self.events().pool();
        let snapshot = projections::snapshot_by_id(pool, view.request.snapshot_id)
            .await?
            .ok_or_else(|| {
                EngineError::NotFound(format!("no snapshot {}", view.request.snapshot_id))
            })?;
        let (server, roots) = self.server(view.request.server_id).await?;
        let btrfs = self.btrfs(&server).await?;
        let dest = crate::recorded_path(&view.request.destination)?;
        if let Some(parent) = dest.parent() {
            crate::real_paths::still_real(&btrfs, &parent, &roots)
                .await
                .map_err(|e| e.into_engine("destination"))?;
        }
        let snap_disk = super::disk_uuid(&btrfs, &snapshot).await?;
        let existing = btrfs.show_if_exists(&abs(&dest)?).await;
        // Made by an earlier attempt of this restore: a writable child of the snapshot.
        let ours = matches!(&existing, Ok(Some(show))
            if show.parent_uuid == Some(snap_disk) && !show.readonly);
        if !ours {
            if btrfs.realpath(&abs(&dest)?).await.is_ok() {
                return Err(EngineError::Conflict(format!(
                    "destination: {dest} exists and is not this restore's copy"
                )));
            }
            let src = crate::recorded_path(&snapshot.path)?;
            btrfs.snapshot_writable(&abs(&src)?, &abs(&dest)?).await?;
        }
        Ok(Some(Outcome {
            result_path: dest.as_str().to_owned(),
            ..Outcome::default()
        }))
    }

    /// `files` (module docs of `restore`).
    pub(super) async fn restore_files(
        &self,
        view: &RestoreView,
    ) -> Result<Option<Outcome>, EngineError> {
        let loc = self
            .locate(Source::Snapshot(view.request.snapshot_id))
            .await?;
        let live = crate::recorded_path(&view.request.destination)?;
        let live_real = loc.btrfs.realpath(&abs(&live)?).await?;
        let suffix = beside_suffix(view.requested_at);
        let mut outcome = Outcome {
            result_path: live.as_str().to_owned(),
            ..Outcome::default()
        };
        for p in &view.request.paths {
            let inner = InnerPath::parse(p).map_err(|e| invalid("paths", e))?;
            let src = self.resolve_inner(&loc, &inner).await?;
            let name = inner
                .file_name()
                .ok_or_else(|| invalid("paths", "the top is not a file"))?;
            // The directory it goes into must exist in the live subvolume and resolve
            // inside it (a symlink there must not lead the copy elsewhere).
            let mut parent = live_real.clone();
            let comps: Vec<&str> = inner.components().collect();
            for c in &comps[..comps.len().saturating_sub(1)] {
                parent = parent.join(c).map_err(|e| invalid("paths", e))?;
            }
            let parent_real = match loc.btrfs.realpath(&parent).await {
                Ok(real) => real,
                Err(e) if btrfs::client::is_missing_path(&e) => {
                    return Err(EngineError::Conflict(format!(
                        "paths: the directory of {p:?} does not exist in the live subvolume"
                    )));
                }
                Err(e) => return Err(e.into()),
            };
            let inside = parent_real == live_real
                || parent_real
                    .as_str()
                    .strip_prefix(live_real.as_str())
                    .is_some_and(|r| r.starts_with('/'));
            if !inside {
                return Err(invalid(
                    "paths",
                    format!("the directory of {p:?} leaves the live subvolume ({parent_real})"),
                ));
            }
            let dest = parent_real.join(name).map_err(|e| invalid("paths", e))?;
            let exists = self.exists_no_follow(&loc, &dest).await?;
            let (target, overwrite) = if exists && !view.request.overwrite {
                let beside = parent_real
                    .join(&format!("{name}{suffix}"))
                    .map_err(|e| invalid("paths", e))?;
                outcome.kept_beside.push(format!("{p}{suffix}"));
                // An earlier attempt may have written it: replace that.
                (beside, true)
            } else {
                (dest, view.request.overwrite)
            };
            loc.btrfs
                .run_writer(files::copy(&src, &target, overwrite))
                .await?;
            outcome.bytes += self.bytes_below(&loc, &src).await?;
            outcome.files_copied += 1;
        }
        Ok(Some(outcome))
    }

    /// Whether anything (even a dangling symlink) is at `path`.
    async fn exists_no_follow(
        &self,
        loc: &crate::browse::Located,
        path: &btrfs::AbsPath,
    ) -> Result<bool, EngineError> {
        match loc
            .btrfs
            .host()
            .run(&files::stat(path), btrfs::RunOptions::default())
            .await
        {
            Ok(out) => Ok(!out.stdout.is_empty()),
            Err(btrfs::HostError::NonZeroExit { stderr, .. })
                if stderr.contains("No such file or directory") =>
            {
                Ok(false)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// The bytes of the regular files at or below `path` (as `find -type f` sees them).
    async fn bytes_below(
        &self,
        loc: &crate::browse::Located,
        path: &btrfs::AbsPath,
    ) -> Result<u64, EngineError> {
        let mut cmd = loc.btrfs.spawn_reader(files::list_files(path)).await?;
        let stdout = cmd
            .take_stdout()
            .ok_or_else(|| EngineError::Inconsistent("find without stdout".into()))?;
        let mut reader = BufReader::new(stdout);
        let mut total = 0_u64;
        let mut record = 0;
        while let Some(fields) = listing::read_nul_fields(&mut reader, 2, record + 1)
            .await
            .map_err(|e| EngineError::Verification(e.to_string()))?
        {
            record += 1;
            let (size, _) = listing::file_entry(&fields, record)
                .map_err(|e| EngineError::Verification(e.to_string()))?;
            total = total.saturating_add(size);
        }
        drop(reader);
        cmd.wait().await?;
        Ok(total)
    }
}
