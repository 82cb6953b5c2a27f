//! Opening the database for a command: `DATABASE_URL` when given, otherwise the
//! private cluster under the state directory. The private cluster is started only
//! by whoever holds the state-dir lock; a maintenance command run beside a live
//! `serve` connects to the cluster that `serve` runs.

use anyhow::{Context, bail};
use sqlx::PgPool;
use store::cluster::PrivateCluster;

use crate::DatabaseArgs;
use crate::state_dir::{self, LockOutcome, StateLock};

/// An open database and whatever keeps it alive.
#[derive(Debug)]
pub struct Database {
    pool: PgPool,
    cluster: Option<PrivateCluster>,
    _lock: Option<StateLock>,
}

impl Database {
    pub fn pool(&self) -> &PgPool {
        &self.pool
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

const POOL_SIZE: u32 = 10;

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
        let pool = store::db::connect(options, POOL_SIZE).await?;
        return Ok(Database {
            pool,
            cluster: None,
            _lock: lock,
        });
    }
    let mut cluster =
        PrivateCluster::new(&dir, args.pg_user.as_deref(), args.pg_bindir.as_deref())?;
    if lock.is_none() {
        // serve holds the lock and runs the cluster: connect to it.
        let pool = store::db::connect(cluster.connect_options(), 2).await?;
        return Ok(Database {
            pool,
            cluster: None,
            _lock: None,
        });
    }
    let options = cluster.start().await?;
    let pool = match store::db::connect(options, POOL_SIZE).await {
        Ok(pool) => pool,
        Err(e) => {
            cluster.stop().await.ok();
            return Err(e.into());
        }
    };
    Ok(Database {
        pool,
        cluster: Some(cluster),
        _lock: lock,
    })
}
