//! Connecting to Postgres and migrating it.
//!
//! Two migrators share the database: ours (`migrations/`, table `_sqlx_migrations`)
//! and apalis-postgres's (schema `apalis`, its own `apalis._sqlx_migrations` in 1.x).
//! Both run with `ignore_missing` so that neither refuses to start because it sees
//! the other's history (apalis issues #439, #177).

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};

use crate::StoreError;

/// How long a start-up waits for an unreachable database before giving up.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// A pooled connection idle this long is pinged before it is used again.
const PING_AFTER_IDLE: Duration = Duration::from_secs(1);

/// Where a connection goes, for messages: host (or socket dir), port, database.
/// Never contains the password.
pub fn describe_target(options: &PgConnectOptions) -> String {
    let database = options.get_database().unwrap_or("(default)");
    match options.get_socket() {
        Some(dir) => format!("unix socket in {} (database {database})", dir.display()),
        None => format!(
            "{}:{} (database {database})",
            options.get_host(),
            options.get_port()
        ),
    }
}

/// Parses a `postgres://` URL. The error never repeats the URL (it may hold a password).
pub fn parse_url(url: &str) -> Result<PgConnectOptions, StoreError> {
    PgConnectOptions::from_str(url).map_err(|e| StoreError::Unreachable {
        target: "DATABASE_URL".to_owned(),
        reason: format!("not a valid postgres URL ({})", redact_kind(&e)),
    })
}

fn redact_kind(e: &sqlx::Error) -> &'static str {
    match e {
        sqlx::Error::Configuration(_) => "configuration error",
        _ => "parse error",
    }
}

/// Connects a pool, failing within [`CONNECT_TIMEOUT`] with the target named.
pub async fn connect(
    options: PgConnectOptions,
    max_connections: u32,
) -> Result<PgPool, StoreError> {
    let target = describe_target(&options);
    // No JIT: our queries are short, and on a large catalog the planner's cost estimates
    // made Postgres spend more time compiling a read (0.7 s of 1.9 s) than running it.
    let options = options
        .application_name("dist-btrfs")
        .options([("jit", "off")]);
    let pool = PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(CONNECT_TIMEOUT)
        // sqlx pings every connection as it goes back to the pool. Pinging it again as it
        // is taken was a round trip per query (about 12 % of serve's CPU samples under 32
        // readers of the policies); only one idle long enough for Postgres to have gone
        // away meanwhile (a restart) is checked, and dropped when it fails.
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for >= PING_AFTER_IDLE {
                    sqlx::Connection::ping(conn).await?;
                }
                Ok(true)
            })
        })
        .connect_with(options)
        .await
        .map_err(|e| StoreError::Unreachable {
            target: target.clone(),
            reason: connect_reason(&e),
        })?;
    tracing::info!(%target, "connected to Postgres");
    Ok(pool)
}

/// A short reason for a failed connection. Database errors carry the server's
/// message (which never echoes the password); I/O errors their kind.
fn connect_reason(e: &sqlx::Error) -> String {
    match e {
        sqlx::Error::Io(io) => io.to_string(),
        sqlx::Error::PoolTimedOut => "timed out".to_owned(),
        sqlx::Error::Database(db) => db.message().to_owned(),
        sqlx::Error::Tls(_) => "TLS negotiation failed".to_owned(),
        other => other.to_string(),
    }
}

/// Our migrations, embedded from the workspace's `migrations/`.
pub fn migrator() -> sqlx::migrate::Migrator {
    let mut migrator = sqlx::migrate!("../../migrations");
    migrator.set_ignore_missing(true);
    migrator
}

/// Applies our migrations and apalis's job-queue migrations.
pub async fn migrate(pool: &PgPool) -> Result<(), StoreError> {
    migrator().run(pool).await?;
    let mut jobs = apalis_postgres::PostgresStorage::<()>::migrations();
    jobs.set_ignore_missing(true);
    jobs.run(pool)
        .await
        .map_err(|e| StoreError::JobQueue(e.to_string()))?;
    Ok(())
}
