//! Postgres advisory locks that serialize work on one entity across processes and
//! requests: `pg_advisory_xact_lock` on a hash of `<namespace>:<id>`, held until the
//! caller's transaction ends (commit or rollback — never leaked by a crashed request).
//!
//! The engine takes [`lock_subvolume`] around create / delete / sync / adopt of one
//! subvolume's snapshots, [`lock_server`] around managing subvolumes of one server, and
//! [`lock_server_registry`] around registering servers. Locks of different namespaces
//! may share a hash bucket; that only ever makes two operations wait for each other.
//! [`SessionLock`] is the one session-level lock: a guard for work spanning transactions.

use domain::{ServerId, StreamId, SubvolumeId};
use sqlx::postgres::PgConnection;

use crate::StoreError;

async fn lock(conn: &mut PgConnection, key: &str) -> Result<(), StoreError> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
        .bind(key)
        .execute(conn)
        .await?;
    Ok(())
}

/// Serializes every catalog change of one subvolume (until the transaction ends).
pub async fn lock_subvolume(conn: &mut PgConnection, id: SubvolumeId) -> Result<(), StoreError> {
    lock(conn, &format!("subvolume:{id}")).await
}

/// Serializes managing / unmanaging subvolumes of one server.
pub async fn lock_server(conn: &mut PgConnection, id: ServerId) -> Result<(), StoreError> {
    lock(conn, &format!("server:{id}")).await
}

/// Serializes server registration (so two starting processes register one primary).
pub async fn lock_server_registry(conn: &mut PgConnection) -> Result<(), StoreError> {
    lock(conn, "servers").await
}

/// Serializes appends to one event stream (used for appends that accept any
/// version, so concurrent writers wait instead of failing on the version number).
pub async fn lock_stream(conn: &mut PgConnection, stream: &StreamId) -> Result<(), StoreError> {
    lock(conn, &format!("stream:{stream}")).await
}

/// Serializes every change of user accounts, so rules over all of them (there is
/// always an admin; user names are unique) are checked and kept in one transaction.
pub async fn lock_accounts(conn: &mut PgConnection) -> Result<(), StoreError> {
    lock(conn, "accounts").await
}

/// Serializes every change of policies and their assignments (names are unique, an
/// assigned policy cannot be deleted).
pub async fn lock_policies(conn: &mut PgConnection) -> Result<(), StoreError> {
    lock(conn, "policies").await
}

/// A session-level advisory lock (`pg_advisory_lock`) on a connection of its own, for
/// work that spans many transactions (a replication run of one subvolume). Held while
/// the guard lives: [`SessionLock::release`] unlocks; a guard dropped without it (task
/// aborted, process shutting down) closes its connection, which ends the session and so
/// releases the lock too: never leaked. The connection is closed, not pooled, either way.
pub struct SessionLock {
    conn: sqlx::pool::PoolConnection<sqlx::Postgres>,
    key: String,
}

impl SessionLock {
    /// Waits for the lock `key` on a new session of `pool`.
    pub async fn acquire(pool: &sqlx::PgPool, key: String) -> Result<Self, StoreError> {
        let mut conn = pool.acquire().await?;
        // If the guard is dropped, the connection must not go back to the pool still
        // holding the lock: closing the session on drop releases it in every case.
        conn.close_on_drop();
        sqlx::query("SELECT pg_advisory_lock(hashtextextended($1, 0))")
            .bind(&key)
            .execute(&mut *conn)
            .await?;
        Ok(Self { conn, key })
    }

    /// Serializes replication runs of one subvolume (two runs never receive into the
    /// same directories at once).
    pub async fn replication_run(pool: &sqlx::PgPool, id: SubvolumeId) -> Result<Self, StoreError> {
        Self::acquire(pool, format!("replication-run:{id}")).await
    }

    /// Unlocks. On failure, closing the connection releases the lock anyway.
    pub async fn release(mut self) -> Result<(), StoreError> {
        sqlx::query("SELECT pg_advisory_unlock(hashtextextended($1, 0))")
            .bind(&self.key)
            .execute(&mut *self.conn)
            .await?;
        Ok(())
    }
}
