//! The storage series of `/metrics`: filesystems and managed subvolumes as of the
//! last storage collection (read from the storage metrics tables).

use sqlx::PgPool;
use store::storage::ServerStorage;

use super::{Scrape, escape, family};

/// Storage figures from the storage metrics tables (last collection per server).
pub(super) async fn render(
    out: &mut String,
    scrape: &mut Scrape,
    pool: &PgPool,
    servers: &[ServerStorage],
) {
    let mut size = Vec::new();
    let mut used = Vec::new();
    let mut free = Vec::new();
    let mut failed = Vec::new();
    let mut sampled = Vec::new();
    for s in servers {
        let server = format!(
            "server=\"{}\",server_id=\"{}\"",
            escape(&s.server_name),
            s.server_id
        );
        if s.attempted_at.is_some() {
            failed.push((server.clone(), i64::from(s.error.is_some())));
        }
        if let Some(at) = s.succeeded_at {
            sampled.push((server.clone(), at.timestamp()));
        }
        for f in &s.filesystems {
            let labels = format!("{server},filesystem=\"{}\"", escape(&f.sample.filesystem));
            size.push((labels.clone(), f.sample.size_bytes));
            used.push((labels.clone(), f.sample.used_bytes));
            free.push((labels, f.sample.free_bytes));
        }
    }
    family(
        out,
        "dist_btrfs_filesystem_size_bytes",
        "gauge",
        "Filesystem device size (btrfs filesystem usage), as of the last collection.",
        &size,
    );
    family(
        out,
        "dist_btrfs_filesystem_used_bytes",
        "gauge",
        "Filesystem bytes used.",
        &used,
    );
    family(
        out,
        "dist_btrfs_filesystem_free_bytes",
        "gauge",
        "Filesystem estimated free bytes.",
        &free,
    );
    family(
        out,
        "dist_btrfs_storage_collection_failed",
        "gauge",
        "1 when the server's last storage collection failed.",
        &failed,
    );
    family(
        out,
        "dist_btrfs_storage_sampled_timestamp_seconds",
        "gauge",
        "When the server's storage was last collected successfully (Unix time).",
        &sampled,
    );

    let subvolumes = scrape.read(
        "subvolume_storage",
        store::storage::subvolume_storage(pool, None).await,
    );
    let mut snapshots = Vec::new();
    let mut referenced = Vec::new();
    let mut exclusive = Vec::new();
    let mut overhead = Vec::new();
    for v in &subvolumes {
        let labels = format!(
            "server=\"{}\",server_id=\"{}\",subvolume=\"{}\",subvolume_id=\"{}\"",
            escape(&v.server_name),
            v.server_id,
            escape(&v.name),
            v.subvolume_id
        );
        snapshots.push((labels.clone(), v.snapshots));
        if let Some(n) = v.referenced_bytes {
            referenced.push((labels.clone(), n));
        }
        if let Some(n) = v.exclusive_bytes {
            exclusive.push((labels.clone(), n));
        }
        if let Some(n) = v.snapshot_exclusive_bytes {
            overhead.push((labels, n));
        }
    }
    family(
        out,
        "dist_btrfs_subvolume_snapshots",
        "gauge",
        "Present snapshots of a managed subvolume.",
        &snapshots,
    );
    family(
        out,
        "dist_btrfs_subvolume_referenced_bytes",
        "gauge",
        "Bytes a managed subvolume references (qgroups, when collected).",
        &referenced,
    );
    family(
        out,
        "dist_btrfs_subvolume_exclusive_bytes",
        "gauge",
        "Bytes only the subvolume references (qgroups, when collected).",
        &exclusive,
    );
    family(
        out,
        "dist_btrfs_subvolume_snapshot_exclusive_bytes",
        "gauge",
        "Exclusive bytes of the subvolume's present snapshots, summed (snapshot overhead).",
        &overhead,
    );
}
