//! A database of the test's own on the lab Postgres (`DATABASE_URL`), for tests that
//! hand a database URL to another process (`dist-btrfs serve`); tests in one process
//! use `#[sqlx::test]`, which does the same. Dropped, with `FORCE`, on drop.

use sqlx::PgPool;
use sqlx::postgres::PgConnectOptions;

/// See the module doc.
pub struct Database {
    pub url: String,
    pub pool: PgPool,
    admin: PgConnectOptions,
    name: String,
}

impl Database {
    /// A new database named `dbt_<prefix>_<uuid>`, migrated by nobody yet.
    pub async fn new(prefix: &str) -> Self {
        let url = std::env::var("DATABASE_URL")
            .expect("DATABASE_URL is not set: eval \"$(ops/lab env)\" first");
        let admin: PgConnectOptions = url.parse().unwrap();
        let name = format!("dbt_{prefix}_{}", uuid::Uuid::new_v4().simple());
        let admin_pool = sqlx::PgPool::connect_with(admin.clone()).await.unwrap();
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&admin_pool)
            .await
            .unwrap();
        admin_pool.close().await;
        let (base, _) = url.rsplit_once('/').unwrap();
        let url = format!("{base}/{name}");
        let pool = sqlx::postgres::PgPoolOptions::new()
            .max_connections(4)
            .connect_with(admin.clone().database(&name))
            .await
            .unwrap();
        Self {
            admin,
            name,
            url,
            pool,
        }
    }

    /// A one-integer query.
    pub async fn scalar(&self, sql: &str) -> i64 {
        sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
            .fetch_one(&self.pool)
            .await
            .unwrap()
    }

    /// A one-text-column query.
    pub async fn strings(&self, sql: &str) -> Vec<String> {
        sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
            .fetch_all(&self.pool)
            .await
            .unwrap()
    }
}

/// Drops the database even when the test failed (from a thread of its own: `Drop`
/// cannot await on the test's runtime). `FORCE` ends the pool's open connections.
impl Drop for Database {
    fn drop(&mut self) {
        let admin = self.admin.clone();
        let name = self.name.clone();
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                let admin_pool = sqlx::PgPool::connect_with(admin).await.unwrap();
                let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                )))
                .execute(&admin_pool)
                .await;
                admin_pool.close().await;
            });
        })
        .join();
    }
}
