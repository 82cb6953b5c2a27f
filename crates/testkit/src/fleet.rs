//! A fleet for engine-level tests: a migrated database (the test's own, from
//! `#[sqlx::test]`), a vault with its key in a temporary directory, an engine whose
//! hosts are this machine (the lab primary) and SSH connections through the vault, the
//! local primary with the test's [`Area`] as its allowed root, and optionally lab
//! remotes registered as SSH servers (lab key, sudo btrfs, host key pinned).

use std::sync::Arc;

use domain::{ServerId, ServerPath, ServerRole, SubvolumeId, TargetId};
use engine::ssh_servers::{Credentials, NewSshServer, VaultConnector};
use engine::subvolumes::ManageRequest;
use engine::{Engine, HostRegistry};
use sqlx::PgPool;
use store::EventStore;
use store::vault::Vault;

use crate::area::Area;
use crate::lab::{env, private_key, remote};
use crate::meta;

/// See the module doc.
pub struct Fleet {
    pub pool: PgPool,
    pub events: EventStore,
    pub engine: Engine,
    pub hosts: Arc<HostRegistry>,
    pub vault: Arc<Vault>,
    pub area: Area,
    /// The local primary.
    pub primary: ServerId,
    /// Registered lab remotes, in the order asked for.
    pub remotes: Vec<ServerId>,
    _key_dir: tempfile::TempDir,
}

impl Fleet {
    /// The local primary only.
    pub async fn primary(pool: PgPool) -> Self {
        Self::with_remotes(pool, &[]).await
    }

    /// The local primary and lab remotes `ns` (each with a target directory in the area).
    pub async fn with_remotes(pool: PgPool, ns: &[u8]) -> Self {
        let area = Area::with_remotes(ns);
        Self::build(pool, area, Arc::new(btrfs::LocalHost::new()), ns).await
    }

    /// The local primary reached through `local` (a host of the test's own, e.g. one
    /// that records commands), with `area` as its allowed root, and lab remotes `ns`.
    pub async fn build(pool: PgPool, area: Area, local: Arc<dyn btrfs::Host>, ns: &[u8]) -> Self {
        store::db::migrate(&pool).await.unwrap();
        let events = EventStore::new(pool.clone());
        let key_dir = tempfile::tempdir().unwrap();
        let vault = Arc::new(
            store::vault::open_vault(pool.clone(), &key_dir.path().join("master.key"))
                .await
                .unwrap(),
        );
        let hosts = Arc::new(
            HostRegistry::new()
                .with_local(local)
                .with_connector(Arc::new(VaultConnector::new(vault.clone()))),
        );
        let engine = Engine::new(events.clone(), hosts.clone());
        let primary = engine::local_primary::ensure_local_primary(
            &events,
            &[ServerPath::parse(&area.dir).unwrap()],
            &meta(),
        )
        .await
        .unwrap()
        .unwrap();
        let mut fleet = Self {
            pool,
            events,
            engine,
            hosts,
            vault,
            area,
            primary,
            remotes: Vec::new(),
            _key_dir: key_dir,
        };
        for &n in ns {
            let id = fleet.register_remote(n).await;
            fleet.remotes.push(id);
        }
        fleet
    }

    /// How lab remote `n` is registered: the lab user's key, sudo btrfs, the lab's
    /// remote mount as allowed root, its host key pinned.
    pub fn remote_request(n: u8) -> NewSshServer {
        let r = remote(n);
        NewSshServer {
            name: format!("remote{n}"),
            address: r.addr,
            port: r.port.into(),
            username: env("LAB_SSH_USER"),
            credentials: Credentials::Key {
                key: private_key().into(),
                passphrase: None,
            },
            role: ServerRole::Remote,
            sudo: true,
            allowed_roots: vec![env("LAB_REMOTE_MOUNT")],
            force: false,
            host_key_fingerprint: Some(r.fpr),
        }
    }

    async fn register_remote(&self, n: u8) -> ServerId {
        let (server, _) = self
            .engine
            .register_ssh_server(&self.vault, &Self::remote_request(n), &meta())
            .await
            .unwrap();
        server.server_id
    }

    /// The registered id of lab remote `n`.
    pub fn remote_id(&self, n: u8) -> ServerId {
        let at = self.area.remote_dirs.iter().position(|(m, _)| *m == n);
        self.remotes[at.unwrap()]
    }

    /// Manages the area's subvolume under `name` (None: its directory name).
    pub async fn manage(&self, name: Option<&str>) -> SubvolumeId {
        self.engine
            .manage_subvolume(
                &ManageRequest {
                    server_id: self.primary,
                    path: self.area.vol.clone(),
                    snapshot_dir: self.area.snaps.clone(),
                    name: name.map(str::to_owned),
                },
                &meta(),
            )
            .await
            .unwrap()
            .subvolume_id
    }

    /// Creates a policy from `spec` and makes `subvolume` follow it.
    pub async fn follow_new_policy(
        &self,
        subvolume: SubvolumeId,
        spec: domain::PolicySpec,
    ) -> domain::PolicyId {
        let policy = self
            .engine
            .create_policy(spec, &meta())
            .await
            .unwrap()
            .policy_id;
        self.engine
            .assign_policy(subvolume, policy, &meta())
            .await
            .unwrap();
        policy
    }

    /// Adds remote `n`'s area directory as a target of `subvolume`.
    pub async fn add_target(
        &self,
        subvolume: SubvolumeId,
        n: u8,
        options: domain::replication::TargetOptions,
    ) -> TargetId {
        self.engine
            .add_target(
                subvolume,
                self.remote_id(n),
                self.area.remote(n),
                options,
                &meta(),
            )
            .await
            .unwrap()
            .target_id
    }

    /// `SELECT count(*) ...` (or any one-integer query) on the test's database.
    pub async fn count(&self, sql: &str) -> i64 {
        count(&self.pool, sql).await
    }
}

/// A one-integer query (e.g. `SELECT count(*) FROM events`) on `pool`.
pub async fn count(pool: &PgPool, sql: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_one(pool)
        .await
        .unwrap()
}
