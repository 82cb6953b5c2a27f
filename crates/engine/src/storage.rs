//! Storage collection: how full each server's filesystems are and, when the server's
//! `collect_qgroups` setting is on, how much space each managed subvolume and its
//! snapshots take.
//!
//! For each distinct filesystem under a server's allowed roots (identified by the mount
//! of its top level, as in [`crate::inventory`]) it runs `btrfs filesystem usage -b`;
//! with `collect_qgroups` on it also reads `btrfs qgroup show` there and maps level-0
//! qgroups to the catalog's managed subvolumes and present snapshots by btrfs id.
//! Results go to the storage metrics tables ([`store::storage`]), which are a bounded
//! time series outside the event log (why: see that module).
//!
//! `serve` collects every server every `DIST_BTRFS_STORAGE_INTERVAL_SECS` (default 300,
//! 0 = off) with servers concurrently, and `POST /servers/{id}/storage/collect` collects
//! one now.
//!
//! It never enables quotas: a filesystem without them is reported in the collection's
//! `qgroup_note`. A failure (server unreachable, command failed) is recorded for that
//! server and returned; [`Engine::collect_storage_all`] goes on with the others.
//! Changing the setting is an event ([`ServerStorageSettingsChanged`]).

use std::collections::HashMap;
use std::sync::Arc;

use btrfs::host::ConnectErrorKind;
use btrfs::parse::{BlockGroupKind, FilesystemUsage, Qgroup};
use btrfs::{Btrfs, Host, HostError};
use chrono::Utc;
use domain::event::ServerStorageSettingsChanged;
use domain::status::ContactFailure;
use domain::{DomainEvent, ServerId, ServerPath};
use store::projections::{self, ServerView};
use store::storage::{self, EntitySize, FilesystemSample, SizeTarget, Sizes};
use store::{AppendMeta, ExpectedVersion, events, locks};

use crate::{Engine, EngineError, abs, inventory, parse_roots};

/// What one collection found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageCollection {
    pub server_id: ServerId,
    pub filesystems: Vec<FilesystemSample>,
    /// `None` when `collect_qgroups` is off.
    pub sizes: Option<Vec<EntitySize>>,
    /// Filesystems where qgroups were wanted but quotas are not enabled.
    pub qgroup_note: Option<String>,
}

/// The outcome of collecting one server in [`Engine::collect_storage_all`].
#[derive(Debug)]
pub struct CollectOutcome {
    pub server_id: ServerId,
    pub server_name: String,
    pub result: Result<StorageCollection, EngineError>,
}

impl Engine {
    /// Collects one server's storage figures now and records them (or the failure).
    #[tracing::instrument(skip_all, fields(server = %server_id), err(level = "debug", Display))]
    pub async fn collect_storage(
        &self,
        server_id: ServerId,
    ) -> Result<StorageCollection, EngineError> {
        let server = projections::server(self.events.pool(), server_id)
            .await?
            .ok_or_else(|| EngineError::NotFound(format!("no server {server_id}")))?;
        let at = Utc::now();
        match self.measure(&server).await {
            Ok(c) => {
                let sizes = match &c.sizes {
                    None => Sizes::Off,
                    Some(sizes) => Sizes::Collected {
                        sizes: sizes.clone(),
                        note: c.qgroup_note.clone(),
                    },
                };
                storage::record_success(self.events.pool(), server_id, at, &c.filesystems, &sizes)
                    .await?;
                Ok(c)
            }
            Err(e) => {
                let kind = contact_failure(&e);
                storage::record_failure(self.events.pool(), server_id, at, &e.to_string(), kind)
                    .await?;
                Err(e)
            }
        }
    }

    /// Collects every registered server, concurrently (a slow or hanging server does
    /// not delay the others); a failing server is recorded and logged and does not stop
    /// the others. Outcomes are in server-name order. Metrics of removed servers are
    /// deleted first.
    pub async fn collect_storage_all(&self) -> Result<Vec<CollectOutcome>, EngineError> {
        storage::forget_removed_servers(self.events.pool()).await?;
        let servers = projections::servers(self.events.pool()).await?;
        let mut tasks = tokio::task::JoinSet::new();
        for (index, server) in servers.iter().enumerate() {
            let engine = self.clone();
            let id = server.server_id;
            tasks.spawn(async move { (index, engine.collect_storage(id).await) });
        }
        let mut results: Vec<Option<Result<StorageCollection, EngineError>>> =
            servers.iter().map(|_| None).collect();
        while let Some(joined) = tasks.join_next().await {
            match joined {
                Ok((index, result)) => {
                    if let Some(slot) = results.get_mut(index) {
                        *slot = Some(result);
                    }
                }
                Err(e) => tracing::error!(error = %e, "storage collection task failed"),
            }
        }
        Ok(servers
            .into_iter()
            .zip(results)
            .map(|(server, result)| {
                let result = result.unwrap_or_else(|| {
                    Err(EngineError::Inconsistent(
                        "storage collection task did not finish".into(),
                    ))
                });
                if let Err(e) = &result {
                    tracing::warn!(server = %server.name, error = %e, "storage collection failed");
                }
                CollectOutcome {
                    server_id: server.server_id,
                    server_name: server.name,
                    result,
                }
            })
            .collect())
    }

    /// Turns reading qgroup sizes on or off for a server (records
    /// [`ServerStorageSettingsChanged`] when it changes). Never enables quotas.
    #[tracing::instrument(skip_all, fields(server = %server_id), err(level = "debug", Display))]
    pub async fn set_collect_qgroups(
        &self,
        server_id: ServerId,
        collect_qgroups: bool,
        meta: &AppendMeta,
    ) -> Result<ServerView, EngineError> {
        let mut tx = self.events.pool().begin().await?;
        locks::lock_server_registry(&mut tx).await?;
        let server = projections::server(&mut *tx, server_id)
            .await?
            .ok_or_else(|| EngineError::NotFound(format!("no server {server_id}")))?;
        if server.collect_qgroups == collect_qgroups {
            return Ok(server);
        }
        let event = DomainEvent::ServerStorageSettingsChanged(ServerStorageSettingsChanged {
            server_id,
            collect_qgroups,
        });
        events::append_in(
            &mut tx,
            &server_id.stream(),
            ExpectedVersion::Any,
            &[event],
            meta,
        )
        .await?;
        let server = projections::server(&mut *tx, server_id)
            .await?
            .ok_or_else(|| EngineError::Inconsistent("updated server not projected".into()))?;
        tx.commit().await?;
        Ok(server)
    }

    /// Runs the commands (no recording).
    async fn measure(&self, server: &ServerView) -> Result<StorageCollection, EngineError> {
        let roots = parse_roots(server)?;
        let btrfs = self.btrfs(server).await?;
        let mut mounts: Vec<ServerPath> = Vec::new();
        for root in &roots {
            let mount = inventory::top_level_mount(&btrfs, root).await?;
            if !mounts.contains(&mount) {
                mounts.push(mount);
            }
        }
        let mut filesystems = Vec::with_capacity(mounts.len());
        for mount in &mounts {
            let usage = btrfs.usage(&abs(mount)?).await?;
            filesystems.push(sample(mount, &usage));
        }
        let (sizes, qgroup_note) = if server.collect_qgroups {
            let (sizes, note) = self.qgroup_sizes(server, &btrfs, &mounts).await?;
            (Some(sizes), note)
        } else {
            (None, None)
        };
        Ok(StorageCollection {
            server_id: server.server_id,
            filesystems,
            sizes,
            qgroup_note,
        })
    }

    /// Per managed subvolume and present snapshot of the server, its qgroup sizes.
    async fn qgroup_sizes(
        &self,
        server: &ServerView,
        btrfs: &Btrfs<Arc<dyn Host>>,
        mounts: &[ServerPath],
    ) -> Result<(Vec<EntitySize>, Option<String>), EngineError> {
        let targets = storage::size_targets(self.events.pool(), server.server_id).await?;
        let mut sizes = Vec::new();
        let mut without_quotas = Vec::new();
        for mount in mounts {
            match btrfs.qgroups(&abs(mount)?).await? {
                Some(groups) => sizes.extend(match_qgroups(mount, mounts, &targets, &groups)),
                None => without_quotas.push(mount.to_string()),
            }
        }
        let note = (!without_quotas.is_empty()).then(|| {
            let mounts = without_quotas.join(", ");
            format!(
                "quotas are not enabled on {mounts}, so subvolume and snapshot sizes are unknown. \
                 To have them, run `btrfs quota enable MOUNT` on the server yourself (for each \
                 of {mounts}; it costs write, snapshot-deletion and balance performance on large \
                 filesystems), or switch off reading qgroups for this server. dist-btrfs never \
                 enables quotas"
            )
        });
        Ok((sizes, note))
    }
}

/// The filesystem figures worth keeping.
fn sample(mount: &ServerPath, usage: &FilesystemUsage) -> FilesystemSample {
    let pair = |kind| {
        usage
            .totals(&kind)
            .map(|(size, used)| (to_i64(size), to_i64(used)))
    };
    FilesystemSample {
        filesystem: mount.to_string(),
        size_bytes: to_i64(usage.device_size),
        used_bytes: to_i64(usage.used),
        free_bytes: to_i64(usage.free_estimated),
        free_min_bytes: usage.free_estimated_min.map(to_i64),
        data: pair(BlockGroupKind::Data).or_else(|| pair(BlockGroupKind::Mixed)),
        metadata: pair(BlockGroupKind::Metadata).or_else(|| pair(BlockGroupKind::Mixed)),
        system: pair(BlockGroupKind::System),
    }
}

/// Byte counts are far below 2^63; saturate rather than fail if one is not.
fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// The sizes of the targets that live on the filesystem mounted at `mount` (the
/// longest of `mounts` containing their path), by level-0 qgroup = btrfs id.
fn match_qgroups(
    mount: &ServerPath,
    mounts: &[ServerPath],
    targets: &[SizeTarget],
    groups: &[Qgroup],
) -> Vec<EntitySize> {
    let by_id: HashMap<u64, &Qgroup> = groups
        .iter()
        .filter(|g| g.id.level == 0 && !g.is_stale())
        .map(|g| (g.id.id, g))
        .collect();
    targets
        .iter()
        .filter(|t| home_mount(&t.path, mounts) == Some(mount))
        .filter_map(|t| {
            let g = by_id.get(&u64::try_from(t.btrfs_id).ok()?)?;
            Some(EntitySize {
                entity_id: t.entity_id,
                kind: t.kind,
                referenced_bytes: to_i64(g.referenced),
                exclusive_bytes: to_i64(g.exclusive),
            })
        })
        .collect()
}

/// The mount (of those collected) whose filesystem holds `path`: the longest one
/// containing it.
fn home_mount<'m>(path: &str, mounts: &'m [ServerPath]) -> Option<&'m ServerPath> {
    let path = ServerPath::parse(path).ok()?;
    mounts
        .iter()
        .filter(|m| path.is_within(std::slice::from_ref(m)))
        .max_by_key(|m| m.components().count())
}

/// What kind of failure a failed collection was, for the fleet status.
fn contact_failure(e: &EngineError) -> ContactFailure {
    match e {
        EngineError::Host(HostError::Connect {
            kind: ConnectErrorKind::HostKeyMismatch,
            ..
        }) => ContactFailure::HostKeyChanged,
        EngineError::Host(HostError::Connect { .. } | HostError::Timeout { .. })
        | EngineError::HostUnavailable { .. } => ContactFailure::Unreachable,
        _ => ContactFailure::Failed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use btrfs::parse::QgroupId;
    use store::storage::SizeKind;
    use uuid::Uuid;

    fn group(id: u64, referenced: u64, exclusive: u64, path: &str) -> Qgroup {
        Qgroup {
            id: QgroupId { level: 0, id },
            referenced,
            exclusive,
            max_referenced: None,
            max_exclusive: None,
            parents: vec![],
            children: vec![],
            path: path.into(),
        }
    }

    fn target(n: u128, kind: SizeKind, path: &str, btrfs_id: i64) -> SizeTarget {
        SizeTarget {
            entity_id: Uuid::from_u128(n),
            kind,
            path: path.into(),
            btrfs_id,
        }
    }

    #[test]
    fn qgroups_map_by_btrfs_id_within_their_filesystem_only() {
        let outer = ServerPath::parse("/mnt").unwrap();
        let inner = ServerPath::parse("/mnt/b").unwrap();
        let mounts = [outer.clone(), inner.clone()];
        let targets = [
            target(1, SizeKind::Subvolume, "/mnt/data", 256),
            target(2, SizeKind::Snapshot, "/mnt/.snaps/data.1", 257),
            // Same btrfs id on the other filesystem: must not take /mnt's numbers.
            target(3, SizeKind::Subvolume, "/mnt/b/data", 256),
        ];
        let groups = [
            group(256, 1000, 100, "data"),
            group(257, 990, 10, ".snaps/data.1"),
            Qgroup {
                path: "<stale>".into(),
                ..group(300, 5, 5, "")
            },
        ];
        let got = match_qgroups(&outer, &mounts, &targets, &groups);
        assert_eq!(
            got,
            vec![
                EntitySize {
                    entity_id: Uuid::from_u128(1),
                    kind: SizeKind::Subvolume,
                    referenced_bytes: 1000,
                    exclusive_bytes: 100
                },
                EntitySize {
                    entity_id: Uuid::from_u128(2),
                    kind: SizeKind::Snapshot,
                    referenced_bytes: 990,
                    exclusive_bytes: 10
                },
            ]
        );
        let inner_got = match_qgroups(&inner, &mounts, &targets, &[group(256, 7, 3, "data")]);
        assert_eq!(inner_got.len(), 1);
        assert_eq!(inner_got[0].entity_id, Uuid::from_u128(3));
        assert_eq!(inner_got[0].referenced_bytes, 7);
    }

    #[test]
    fn sample_takes_overall_and_block_group_totals() {
        let text = include_str!("../../btrfs/tests/it/fixtures/filesystem_usage.txt");
        let usage = btrfs::parse::filesystem_usage(text).unwrap();
        let s = sample(&ServerPath::parse("/mnt/x").unwrap(), &usage);
        assert_eq!(s.size_bytes, to_i64(usage.device_size));
        assert_eq!(s.used_bytes, to_i64(usage.used));
        assert_eq!(s.free_bytes, to_i64(usage.free_estimated));
        assert!(s.data.is_some() && s.metadata.is_some() && s.system.is_some());
        assert_eq!(s.filesystem, "/mnt/x");
    }
}
