//! **Test-only** pause points: lets an end-to-end test land a `kill -9` at a named
//! point in the middle of a job (between the btrfs work and the event that records it).
//!
//! When the environment variable `DIST_BTRFS_TEST_PAUSE_AT` names a point (a
//! comma-separated list), reaching that point writes the point's name to the file
//! named by `DIST_BTRFS_TEST_PAUSE_FILE` (if set), logs it, and then sleeps for an
//! hour — the test kills the process meanwhile. Unset (as in every real deployment),
//! a pause point does nothing. Not a configuration option: never set it in production.

use std::time::Duration;

/// Inside the slot snapshot: after `btrfs subvolume snapshot`, before verifying and
/// recording it (`scheduled::snapshot_for_slot`).
pub const SNAPSHOT_MADE: &str = "snapshot-made";
/// Inside pruning: after the first deletion was recorded and committed, before the
/// next one (`prune::prune_subvolume`).
pub const PRUNE_FIRST_DELETED: &str = "prune-first-deleted";

const POINTS_ENV: &str = "DIST_BTRFS_TEST_PAUSE_AT";
const FILE_ENV: &str = "DIST_BTRFS_TEST_PAUSE_FILE";

/// Pauses here if the test environment asks for it (module docs).
pub async fn pause_point(point: &str) {
    let Ok(points) = std::env::var(POINTS_ENV) else {
        return;
    };
    if !points.split(',').any(|p| p.trim() == point) {
        return;
    }
    tracing::warn!(point, "test pause point reached; sleeping until killed");
    if let Ok(file) = std::env::var(FILE_ENV) {
        let _ = tokio::fs::write(&file, point).await;
    }
    tokio::time::sleep(Duration::from_secs(3600)).await;
}
