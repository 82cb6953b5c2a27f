//! Opening the database for a command: `DATABASE_URL` when given, otherwise the
//! private cluster under the state directory. The private cluster is started only
//! by whoever holds the state-dir lock; a maintenance command run beside a live
//! `serve` connects to the cluster that `serve` runs.

use anyhow::{Context, bail};
use sqlx::PgPool;
use sqlx::postgres::PgConnectOptions;
use store::cluster::PrivateCluster;

use crate::DatabaseArgs;
use crate::state_dir::{self, LockOutcome, StateLock};

/// An open database and whatever keeps it alive.
#[derive(Debug)]
pub struct Database {
    pool: PgPool,
    /// Where `pool` connects, for [`Database::another_pool`].
    options: PgConnectOptions,
    cluster: Option<PrivateCluster>,
    _lock: Option<StateLock>,
}

impl Database {
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// A second pool of `size` connections to the same database (serve gives its job
    /// workers their own, so that neither they nor the API can starve the other).
    pub async fn another_pool(&self, size: u32) -> anyhow::Result<PgPool> {
        Ok(store::db::connect(self.options.clone(), size).await?)
    }

    /// Closes the pool and stops the private cluster if we started it.
    pub async fn close(mut self) -> anyhow::Result<()> {
        self.pool.close().await;
        if let Some(cluster) = self.cluster.as_mut() {
            cluster
                .stop()
                .await
                .context("stopping the private Postgres")?;
        }
        Ok(())
    }
}

/// Connections of a command's pool (serve's API; its workers get [`WORKER_POOL_SIZE`]
/// more).
const POOL_SIZE: u32 = 10;

/// Connections of serve's job workers and scheduler.
pub const WORKER_POOL_SIZE: u32 = 8;

/// Opens the database for a maintenance command (never refuses because `serve` runs).
pub async fn open(args: &DatabaseArgs) -> anyhow::Result<Database> {
    open_with(args, false).await
}

/// Opens the database for `serve`: the state dir must not be in use by another `serve`.
pub async fn open_exclusive(args: &DatabaseArgs) -> anyhow::Result<Database> {
    open_with(args, true).await
}

async fn open_with(args: &DatabaseArgs, exclusive: bool) -> anyhow::Result<Database> {
    let dir = args
        .state_dir
        .clone()
        .unwrap_or_else(state_dir::default_dir);
    let dir = state_dir::prepare(&dir)?;
    let lock = match state_dir::try_lock(&dir)? {
        LockOutcome::Acquired(lock) => Some(lock),
        LockOutcome::HeldBy(pid) if exclusive => bail!(
            "state directory {} is in use by another dist-btrfs (pid {pid}); \
             stop it first or pass a different --state-dir",
            dir.display()
        ),
        LockOutcome::HeldBy(_) => None,
    };
    if let Some(url) = &args.database_url {
        let options = store::db::parse_url(url)?;
        let pool = store::db::connect(options.clone(), POOL_SIZE).await?;
        return Ok(Database {
            pool,
            options,
            cluster: None,
            _lock: lock,
        });
    }
    let mut cluster =
        PrivateCluster::new(&dir, args.pg_user.as_deref(), args.pg_bindir.as_deref())?;
    if lock.is_none() {
        // serve holds the lock and runs the cluster: connect to it.
        let options = cluster.connect_options();
        let pool = store::db::connect(options.clone(), 2).await?;
        return Ok(Database {
            pool,
            options,
            cluster: None,
            _lock: None,
        });
    }
    let options = cluster.start().await?;
    let pool = match store::db::connect(options.clone(), POOL_SIZE).await {
        Ok(pool) => pool,
        Err(e) => {
            cluster.stop().await.ok();
            return Err(e.into());
        }
    };
    Ok(Database {
        pool,
        options,
        cluster: Some(cluster),
        _lock: lock,
    })
}
