//! What changed between two snapshots of one subvolume ([`Engine::diff_snapshots`]),
//! from btrfs's own metadata: `btrfs send --no-data -p OTHER SNAPSHOT` on the primary,
//! read as it streams by `btrfs::send_stream` and folded into changes (added, modified,
//! deleted, renamed, with sizes as far as the stream tells).
//!
//! Paged by position: a page is the changes `cursor..cursor + limit` of the stream's
//! deterministic order. Only one page is ever held; the send is stopped as soon as the
//! page is full and one more change is known, so a diff of a million files costs memory
//! for one page, and early pages stop early.
//!
//! Not here: walking trees (never: the send stream is the source), the data of files.

use btrfs::send_stream::{AsyncSendStreamReader, DiffFold};
pub use btrfs::send_stream::{Change, ChangeKind, FileType};
use domain::SnapshotId;
use store::projections::{self, SnapshotState};

use crate::{Engine, EngineError, abs, recorded_path};

/// One page of a diff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffPage {
    pub changes: Vec<Change>,
    /// The position of the next page; `None` on the last.
    pub next_cursor: Option<u64>,
}

/// Largest page of a diff.
pub const MAX_DIFF_PAGE: usize = 5000;

fn stream_error(e: impl std::fmt::Display) -> EngineError {
    EngineError::Verification(format!("reading the send stream: {e}"))
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
        let (server, _) = self.server(sub.server_id).await?;
        let btrfs = self.btrfs(&server).await?;
        let mut cmd = btrfs
            .send_no_data(
                &abs(&recorded_path(&new.path)?)?,
                Some(&abs(&recorded_path(&old.path)?)?),
            )
            .await?;
        let stdout = cmd
            .take_stdout()
            .ok_or_else(|| EngineError::Inconsistent("send without stdout".into()))?;
        let mut reader = AsyncSendStreamReader::new(stdout)
            .await
            .map_err(stream_error)?;
        let mut fold = DiffFold::new();
        let mut page = Vec::new();
        let mut position = 0_u64;
        let mut more = false;
        let end = cursor.saturating_add(limit as u64);
        let mut take = |changes: Vec<Change>, page: &mut Vec<Change>| -> bool {
            for c in changes {
                if position >= end {
                    return true;
                }
                if position >= cursor {
                    page.push(c);
                }
                position += 1;
            }
            false
        };
        loop {
            let Some(command) = reader.next_command().await.map_err(stream_error)? else {
                break;
            };
            if take(fold.push(command), &mut page) {
                more = true;
                break;
            }
        }
        if more {
            // The page is full and more is known: stop the send (dropping kills it).
            drop(reader);
            drop(cmd);
        } else {
            more = take(fold.finish(), &mut page);
            // The reader stops at END; let send write whatever follows before it exits
            // (closing the pipe early would kill it with SIGPIPE).
            let mut rest = reader.into_inner();
            tokio::io::copy(&mut rest, &mut tokio::io::sink())
                .await
                .map_err(stream_error)?;
            drop(rest);
            cmd.wait().await?;
        }
        Ok(DiffPage {
            changes: page,
            next_cursor: more.then_some(end),
        })
    }
}
