//! What changed between two snapshots of one subvolume ([`Engine::diff_snapshots`]),
//! from btrfs's own metadata: `btrfs send --no-data -p OTHER SNAPSHOT` on the primary,
//! read as it streams by `btrfs::send_stream` and folded into changes (added, modified,
//! deleted, renamed, with sizes as far as the stream tells).
//!
//! Paged by position: a page is the changes `cursor..cursor + limit` of the stream's
//! deterministic order. The send runs once per diff: its changes go to a spool file as
//! they come ([`spool`]), and every page is read from there, so walking a diff of n
//! changes costs one send and O(n) reads, with memory for one page (the first page
//! answers as soon as the send has reached it).
//!
//! Not here: walking trees (never: the send stream is the source), the data of files.

mod spool;

use btrfs::RunningCommand;
pub use btrfs::send_stream::{Change, ChangeKind, FileType};
use btrfs::send_stream::{DiffFold, SendStreamReader};
use domain::SnapshotId;
use store::projections::{self, SnapshotState};

use tokio_util::io::SyncIoBridge;
use tracing::Instrument;

use crate::{Engine, EngineError, abs, recorded_path};
pub(crate) use spool::Spools;

/// One page of a diff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffPage {
    pub changes: Vec<Change>,
    /// The position of the next page; `None` on the last.
    pub next_cursor: Option<u64>,
}

/// Largest page of a diff.
pub const MAX_DIFF_PAGE: usize = 5000;

fn stream_error(e: impl std::fmt::Display) -> String {
    format!("reading the send stream: {e}")
}

impl Engine {
    /// The changes from `against` to `snapshot` (both of one subvolume, present on the
    /// primary), `limit` of them from position `cursor` (module docs).
    #[tracing::instrument(skip_all, fields(snapshot = %snapshot, against = %against), err(level = "debug", Display))]
    pub async fn diff_snapshots(
        &self,
        snapshot: SnapshotId,
        against: SnapshotId,
        cursor: u64,
        limit: usize,
    ) -> Result<DiffPage, EngineError> {
        let limit = limit.clamp(1, MAX_DIFF_PAGE);
        let pool = self.events().pool();
        let mut views = Vec::with_capacity(2);
        for (field, id) in [("snapshot", snapshot), ("against", against)] {
            let view = projections::snapshot_by_id(pool, id)
                .await?
                .ok_or_else(|| EngineError::NotFound(format!("{field}: no snapshot {id}")))?;
            if view.state != SnapshotState::Present {
                return Err(EngineError::Conflict(format!(
                    "{field}: snapshot {id} is {} on the primary",
                    view.state.as_str()
                )));
            }
            views.push(view);
        }
        let (new, old) = (&views[0], &views[1]);
        if new.subvolume_id != old.subvolume_id {
            return Err(EngineError::Invalid(
                "against: not a snapshot of the same subvolume".into(),
            ));
        }
        let sub = projections::subvolume(pool, new.subvolume_id)
            .await?
            .ok_or_else(|| EngineError::Inconsistent("snapshot without subvolume".into()))?;
        let new_path = abs(&recorded_path(&new.path)?)?;
        let old_path = abs(&recorded_path(&old.path)?)?;
        let page = self
            .diffs
            .page((snapshot, against), cursor, limit, || async move {
                let (server, _) = self.server(sub.server_id).await?;
                let btrfs = self.btrfs(&server).await?;
                let cmd = btrfs.send_no_data(&new_path, Some(&old_path)).await?;
                let (spool, writer) = spool::create()?;
                tokio::spawn(write_spool(cmd, writer).in_current_span());
                Ok(spool)
            })
            .await?;
        let next_cursor = page.more.then(|| cursor + page.changes.len() as u64);
        Ok(DiffPage {
            changes: page.changes,
            next_cursor,
        })
    }
}

/// The writer of a diff's spool: one blocking thread folds the send's stream into
/// changes and appends them, to the end of the stream or until nobody holds the spool
/// (then the send is killed: dropping it).
async fn write_spool(mut cmd: Box<dyn RunningCommand>, writer: spool::SpoolWriter) {
    let Some(stdout) = cmd.take_stdout() else {
        writer.finish(Err("send without stdout".to_owned()));
        return;
    };
    let stdout = SyncIoBridge::new(stdout);
    let folded = tokio::task::spawn_blocking(move || {
        let mut writer = writer;
        let outcome = fold_into(stdout, &mut writer);
        (writer, outcome)
    })
    .await;
    let Ok((writer, outcome)) = folded else {
        // The thread panicked: the writer went with it, and readers see it gone.
        return;
    };
    let outcome = match outcome {
        Ok(true) => cmd.wait().await.map(drop).map_err(|e| e.to_string()),
        Ok(false) => return,
        Err(e) => Err(e),
    };
    if let Err(e) = &outcome {
        tracing::warn!(error = %e, "a diff's send failed");
    }
    writer.finish(outcome);
}

/// `Ok(true)`: the stream was read to its end; `Ok(false)`: the spool was let go first.
fn fold_into(
    stdout: SyncIoBridge<btrfs::CommandStdout>,
    writer: &mut spool::SpoolWriter,
) -> Result<bool, String> {
    let write_error = |e: std::io::Error| format!("writing the diff spool: {e}");
    let mut reader = SendStreamReader::new(std::io::BufReader::with_capacity(256 * 1024, stdout))
        .map_err(stream_error)?;
    let mut fold = DiffFold::new();
    while let Some(command) = reader.next_command().map_err(stream_error)? {
        for change in fold.push(command) {
            if !writer.push(&change).map_err(write_error)? {
                return Ok(false);
            }
        }
    }
    for change in fold.finish() {
        if !writer.push(&change).map_err(write_error)? {
            return Ok(false);
        }
    }
    // The reader stops at END; let send write whatever follows before it exits (closing
    // the pipe early would kill it with SIGPIPE).
    std::io::copy(&mut reader.into_inner(), &mut std::io::sink()).map_err(stream_error)?;
    Ok(true)
}
