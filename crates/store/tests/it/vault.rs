//! The credential vault against a real Postgres: secrets round-trip, are bound to
//! their record, never sit in the database in clear, and survive key rotation.

use std::os::unix::fs::PermissionsExt;

use secrecy::{ExposeSecret, SecretString};
use sqlx::PgPool;
use store::vault::{MasterKey, Vault, VaultError, open_vault, rotate_key_file};
use uuid::Uuid;

const PASSWORD: &str = "hunter2-ssh-password-plaintext";

async fn migrated(pool: &PgPool) {
    store::db::migrate(pool).await.unwrap();
}

#[sqlx::test(migrations = false)]
async fn secrets_round_trip_and_are_not_stored_in_clear(pool: PgPool) {
    migrated(&pool).await;
    let vault = Vault::new(pool.clone(), MasterKey::generate());
    let owner = Uuid::now_v7();
    vault
        .put(owner, "ssh_password", &SecretString::from(PASSWORD))
        .await
        .unwrap();
    let back = vault.get(owner, "ssh_password").await.unwrap().unwrap();
    assert_eq!(back.expose_secret(), PASSWORD);
    assert!(vault.get(owner, "ssh_private_key").await.unwrap().is_none());

    let raw: Vec<u8> = sqlx::query_scalar("SELECT ciphertext FROM vault_secrets")
        .fetch_one(&pool)
        .await
        .unwrap();
    let dump: String = sqlx::query_scalar("SELECT string_agg(t::text, ' ') FROM vault_secrets t")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(!String::from_utf8_lossy(&raw).contains("hunter2"));
    assert!(!dump.contains("hunter2"));
    assert!(
        !dump.contains(&hex(PASSWORD.as_bytes())),
        "not even hex-encoded"
    );
    assert!(!format!("{vault:?}").contains("hunter2"));
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[sqlx::test(migrations = false)]
async fn a_ciphertext_moved_to_another_record_or_field_does_not_decrypt(pool: PgPool) {
    migrated(&pool).await;
    let vault = Vault::new(pool.clone(), MasterKey::generate());
    let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
    vault
        .put(a, "ssh_password", &SecretString::from(PASSWORD))
        .await
        .unwrap();
    vault
        .put(b, "ssh_password", &SecretString::from("other-secret-value"))
        .await
        .unwrap();
    // Copy a's ciphertext over b's, and into another field of a.
    sqlx::query(
        "UPDATE vault_secrets SET nonce = src.nonce, ciphertext = src.ciphertext
           FROM (SELECT nonce, ciphertext FROM vault_secrets WHERE owner_id = $1) src
          WHERE owner_id = $2",
    )
    .bind(a)
    .bind(b)
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO vault_secrets (owner_id, field, key_id, nonce, ciphertext)
         SELECT owner_id, 'ssh_passphrase', key_id, nonce, ciphertext FROM vault_secrets WHERE owner_id = $1 AND field = 'ssh_password'",
    )
    .bind(a)
    .execute(&pool)
    .await
    .unwrap();
    assert!(matches!(
        vault.get(b, "ssh_password").await,
        Err(VaultError::Decrypt { .. })
    ));
    assert!(matches!(
        vault.get(a, "ssh_passphrase").await,
        Err(VaultError::Decrypt { .. })
    ));
    assert_eq!(
        vault
            .get(a, "ssh_password")
            .await
            .unwrap()
            .unwrap()
            .expose_secret(),
        PASSWORD
    );
}

#[sqlx::test(migrations = false)]
async fn key_rotation_reencrypts_everything_and_the_old_key_stops_working(pool: PgPool) {
    migrated(&pool).await;
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("master.key");
    let vault = open_vault(pool.clone(), &key_file).await.unwrap();
    let mode = std::fs::metadata(&key_file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "the master key file is private");
    let old_id = vault.key_id().to_owned();
    let owners: Vec<Uuid> = (0..5).map(|_| Uuid::now_v7()).collect();
    for (i, owner) in owners.iter().enumerate() {
        vault
            .put(
                *owner,
                "ssh_password",
                &SecretString::from(format!("secret-{i}")),
            )
            .await
            .unwrap();
    }
    let before: Vec<Vec<u8>> =
        sqlx::query_scalar("SELECT ciphertext FROM vault_secrets ORDER BY owner_id")
            .fetch_all(&pool)
            .await
            .unwrap();

    let (count, new_id) = rotate_key_file(pool.clone(), &key_file).await.unwrap();
    assert_eq!(count, 5);
    assert_ne!(new_id, old_id);
    let after: Vec<Vec<u8>> =
        sqlx::query_scalar("SELECT ciphertext FROM vault_secrets ORDER BY owner_id")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert!(
        before.iter().zip(&after).all(|(b, a)| b != a),
        "every ciphertext changed"
    );

    let reopened = open_vault(pool.clone(), &key_file).await.unwrap();
    assert_eq!(reopened.key_id(), new_id);
    for (i, owner) in owners.iter().enumerate() {
        let secret = reopened.get(*owner, "ssh_password").await.unwrap().unwrap();
        assert_eq!(secret.expose_secret(), format!("secret-{i}"));
    }
    // The old key is refused with a clear error rather than garbage.
    let old = Vault::new(pool.clone(), MasterKey::generate());
    assert!(matches!(
        old.check_key().await,
        Err(VaultError::WrongKey { .. })
    ));
}

#[sqlx::test(migrations = false)]
async fn an_interrupted_rotation_is_finished_at_the_next_open(pool: PgPool) {
    migrated(&pool).await;
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("master.key");
    let mut vault = open_vault(pool.clone(), &key_file).await.unwrap();
    let owner = Uuid::now_v7();
    vault
        .put(owner, "ssh_password", &SecretString::from(PASSWORD))
        .await
        .unwrap();
    // Simulate a crash after the database was re-encrypted but before the rename.
    let new = MasterKey::generate();
    new.write(&key_file.with_extension("new")).unwrap();
    let new_id = new.id().to_owned();
    vault.rotate(new).await.unwrap();

    let reopened = open_vault(pool.clone(), &key_file).await.unwrap();
    assert_eq!(reopened.key_id(), new_id);
    assert!(!key_file.with_extension("new").exists());
    assert_eq!(
        reopened
            .get(owner, "ssh_password")
            .await
            .unwrap()
            .unwrap()
            .expose_secret(),
        PASSWORD
    );
}

#[test]
fn key_files_must_be_private_and_well_formed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("master.key");
    MasterKey::generate().write(&path).unwrap();
    assert!(MasterKey::read(&path).is_ok());
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    assert!(matches!(
        MasterKey::read(&path),
        Err(VaultError::KeyPermissions(_))
    ));
    std::fs::write(&path, "not hex").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert!(matches!(
        MasterKey::read(&path),
        Err(VaultError::KeyFormat(_))
    ));
    assert!(!format!("{:?}", MasterKey::generate()).contains("key:"));
}
