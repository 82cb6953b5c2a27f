//! `store::backup` (export, import into an empty database) and `projections::check`,
//! on real Postgres databases.

use std::path::Path;

use domain::{Actor, StreamId};
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;
use store::backup::{self, BackupError};
use store::{AppendMeta, EventStore, ExpectedVersion, projections};
use uuid::Uuid;

use crate::event_store::{initialized_store, renamed};

/// A second, migrated database beside the test's own; `drop_db` removes it.
struct Other {
    pool: PgPool,
    name: String,
    admin: PgPool,
}

impl Other {
    async fn new(admin: &PgPool) -> Self {
        let name = format!("backup_{}", Uuid::new_v4().simple());
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
            .execute(admin)
            .await
            .unwrap();
        let options = admin.connect_options().as_ref().clone().database(&name);
        let pool = PgPoolOptions::new()
            .max_connections(2)
            .connect_with(options)
            .await
            .unwrap();
        store::db::migrate(&pool).await.unwrap();
        Self {
            pool,
            name,
            admin: admin.clone(),
        }
    }

    async fn drop_db(self) {
        self.pool.close().await;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
            self.name
        )))
        .execute(&self.admin)
        .await
        .unwrap();
    }
}

async fn events(pool: &PgPool) -> Vec<serde_json::Value> {
    sqlx::query_scalar("SELECT to_jsonb(e) FROM events e ORDER BY global_seq")
        .fetch_all(pool)
        .await
        .unwrap()
}

async fn count(pool: &PgPool, table: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT count(*) FROM {table}")))
        .fetch_one(pool)
        .await
        .unwrap()
}

/// A database with 41 events, one sealed secret and one slot.
async fn filled(pool: &PgPool) -> EventStore {
    let store = initialized_store(pool).await;
    let instance = StreamId::instance();
    for i in 0..40 {
        let meta = AppendMeta::new(Actor::User(format!("u{i}")));
        store
            .append(
                &instance,
                ExpectedVersion::Any,
                &[renamed(&format!("n{i}"))],
                &meta,
            )
            .await
            .unwrap();
    }
    sqlx::query(
        "INSERT INTO vault_secrets (owner_id, field, key_id, nonce, ciphertext) \
         VALUES ($1, 'private_key', 'k1', $2, $3)",
    )
    .bind(Uuid::from_u128(5))
    .bind(vec![7_u8; 24])
    .bind(b"sealed bytes".to_vec())
    .execute(pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO job_snapshot_slots (policy_id, subvolume_id, slot, job_id) \
         VALUES ($1, $2, now(), 'job-1')",
    )
    .bind(Uuid::from_u128(1))
    .bind(Uuid::from_u128(2))
    .execute(pool)
    .await
    .unwrap();
    store
}

#[sqlx::test(migrations = false)]
async fn a_backup_loaded_into_an_empty_database_gives_the_same_log_and_projections(pool: PgPool) {
    let store = filled(&pool).await;
    // More than one insert batch (1000 events) on the way back.
    let many: Vec<_> = (0..2000).map(|i| renamed(&format!("m{i}"))).collect();
    store
        .append(
            &StreamId::instance(),
            ExpectedVersion::Any,
            &many,
            &AppendMeta::new(Actor::System),
        )
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("db.backup");
    let counts = backup::export(&pool, &file).await.unwrap();
    assert_eq!((counts.events, counts.secrets, counts.slots), (2041, 1, 1));
    assert!(!dir.path().join("db.backup.partial").exists());

    let other = Other::new(&pool).await;
    let loaded = backup::import(&other.pool, &file).await.unwrap();
    assert_eq!(loaded, counts);
    assert_eq!(events(&other.pool).await, events(&pool).await);
    assert_eq!(
        projections::snapshot(&other.pool).await.unwrap(),
        projections::snapshot(&pool).await.unwrap()
    );
    let secret = "SELECT to_jsonb(v) FROM vault_secrets v";
    let a: serde_json::Value = sqlx::query_scalar(secret).fetch_one(&pool).await.unwrap();
    let b: serde_json::Value = sqlx::query_scalar(secret)
        .fetch_one(&other.pool)
        .await
        .unwrap();
    assert_eq!(a, b);
    assert_eq!(count(&other.pool, "job_snapshot_slots").await, 1);

    // The log goes on after the restored sequence numbers and stream versions.
    let store = EventStore::new(other.pool.clone());
    store
        .append(
            &StreamId::instance(),
            ExpectedVersion::Exactly(2041),
            &[renamed("after the restore")],
            &AppendMeta::new(Actor::System),
        )
        .await
        .unwrap();
    let last: i64 = sqlx::query_scalar("SELECT max(global_seq) FROM events")
        .fetch_one(&other.pool)
        .await
        .unwrap();
    assert_eq!(last, 2042);
    assert!(projections::check(&other.pool).await.unwrap().is_empty());
    other.drop_db().await;
}

fn rewrite(from: &Path, to: &Path, edit: impl Fn(Vec<String>) -> Vec<String>) {
    let text = std::fs::read_to_string(from).unwrap();
    let lines = edit(text.lines().map(str::to_owned).collect());
    std::fs::write(to, lines.join("\n") + "\n").unwrap();
}

#[sqlx::test(migrations = false)]
async fn a_cut_foreign_or_newer_backup_or_a_used_database_is_refused_and_nothing_changes(
    pool: PgPool,
) {
    filled(&pool).await;
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good");
    backup::export(&pool, &good).await.unwrap();
    let other = Other::new(&pool).await;

    let cut = dir.path().join("cut");
    rewrite(&good, &cut, |mut l| {
        l.pop();
        l
    });
    let err = backup::import(&other.pool, &cut).await.unwrap_err();
    assert!(matches!(err, BackupError::Incomplete { .. }), "{err}");

    let short = dir.path().join("short");
    rewrite(&good, &short, |mut l| {
        l.remove(5);
        l
    });
    let err = backup::import(&other.pool, &short).await.unwrap_err();
    assert!(matches!(err, BackupError::Incomplete { .. }), "{err}");

    let foreign = dir.path().join("foreign");
    rewrite(&good, &foreign, |l| l[1..].to_vec());
    let err = backup::import(&other.pool, &foreign).await.unwrap_err();
    assert!(matches!(err, BackupError::Format { line: 1, .. }), "{err}");

    let newer = dir.path().join("newer");
    rewrite(&good, &newer, |mut l| {
        let mut header: serde_json::Value = serde_json::from_str(&l[0]).unwrap();
        header["schema"] = serde_json::json!(99_990_101_000_000_i64);
        l[0] = header.to_string();
        l
    });
    let err = backup::import(&other.pool, &newer).await.unwrap_err();
    assert!(matches!(err, BackupError::NewerSchema { .. }), "{err}");

    for table in [
        "events",
        "vault_secrets",
        "job_snapshot_slots",
        "proj_audit",
    ] {
        assert_eq!(count(&other.pool, table).await, 0, "{table} after refusals");
    }

    // A database that already has a log is never loaded over.
    let before = events(&pool).await;
    let err = backup::import(&pool, &good).await.unwrap_err();
    assert!(matches!(err, BackupError::NotEmpty(41)), "{err}");
    assert_eq!(events(&pool).await, before);
    other.drop_db().await;
}

#[sqlx::test(migrations = false)]
async fn check_names_the_projections_that_differ_from_a_rebuild_and_changes_nothing(pool: PgPool) {
    filled(&pool).await;
    assert!(projections::check(&pool).await.unwrap().is_empty());
    sqlx::query("UPDATE proj_instance SET name = 'tampered'")
        .execute(&pool)
        .await
        .unwrap();
    let tampered = projections::snapshot(&pool).await.unwrap();
    assert_eq!(projections::check(&pool).await.unwrap(), ["proj_instance"]);
    assert_eq!(projections::snapshot(&pool).await.unwrap(), tampered);
}
