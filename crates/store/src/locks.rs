//! Postgres advisory locks that serialize work on one entity across processes and
//! requests: `pg_advisory_xact_lock` on a hash of `<namespace>:<id>`, held until the
//! caller's transaction ends (commit or rollback — never leaked by a crashed request).
//!
//! The engine takes [`lock_subvolume`] around create / delete / sync / adopt of one
//! subvolume's snapshots, [`lock_server`] around managing subvolumes of one server, and
//! [`lock_server_registry`] around registering servers. Locks of different namespaces
//! may share a hash bucket; that only ever makes two operations wait for each other.

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
