//! The credential vault: secrets (SSH passwords, private keys, passphrases) stored
//! encrypted with XChaCha20-Poly1305 under a 256-bit master key kept in a 0600 file
//! outside the database (docs/design.md invariant 5).
//!
//! Each secret belongs to a record (`owner_id`, e.g. a server id) and a `field`
//! (`ssh_password`, ...). Both are the AEAD's associated data, so a ciphertext copied
//! to another record or field fails to decrypt. Every ciphertext carries the id of the
//! key that sealed it (a hash prefix of the key, not the key). Rotation re-encrypts
//! every row in one transaction; the new key file is written before and promoted after,
//! so a crash in between leaves a key that opens the database (see [`MasterKey::load`]).
//!
//! Plaintext only ever lives in [`SecretString`] values, whose `Debug` is redacted.

use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretBox, SecretString};
use sha2::{Digest, Sha256};
use sqlx::Row;
use sqlx::postgres::PgPool;
use uuid::Uuid;

/// Why the vault could not do its work.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error("master key file {path}: {source}")]
    KeyFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("master key file {0} is not 64 hex characters")]
    KeyFormat(PathBuf),
    #[error("master key file {0} is readable by others; it must be mode 0600")]
    KeyPermissions(PathBuf),
    #[error(
        "the vault was sealed with key {stored}, but the master key file holds key {loaded}; \
         restore the right master key file"
    )]
    WrongKey { stored: String, loaded: String },
    #[error("secret {field} of {owner_id} does not decrypt (tampered, moved or wrong key)")]
    Decrypt { owner_id: Uuid, field: String },
    #[error("secret field name must be 1-64 characters of a-z and '_'")]
    BadField,
    #[error("encryption failed")]
    Encrypt,
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

/// The 256-bit master key. Never printed: `Debug` shows only its id.
pub struct MasterKey {
    key: SecretBox<[u8; 32]>,
    id: String,
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MasterKey")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl MasterKey {
    /// A new random key.
    pub fn generate() -> Self {
        let mut bytes = [0_u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        Self::from_bytes(bytes)
    }

    fn from_bytes(bytes: [u8; 32]) -> Self {
        let digest = Sha256::digest(bytes);
        let id = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
        Self {
            key: SecretBox::new(Box::new(bytes)),
            id,
        }
    }

    /// The key's public id (a hash prefix), stored beside each ciphertext.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Reads the key file, creating it (0600, random key) when it does not exist.
    /// A `<path>.new` left by an interrupted rotation is promoted when the database
    /// was already re-encrypted with it (checked later by [`Vault::check_key`]); here
    /// it is only returned as a candidate.
    pub fn load_or_create(path: &Path) -> Result<Self, VaultError> {
        if !path.exists() {
            let key = Self::generate();
            key.write(path)?;
            tracing::info!(path = %path.display(), key_id = key.id(), "created a new master key");
            return Ok(key);
        }
        Self::read(path)
    }

    pub fn read(path: &Path) -> Result<Self, VaultError> {
        let io = |source| VaultError::KeyFile {
            path: path.to_owned(),
            source,
        };
        let meta = std::fs::metadata(path).map_err(io)?;
        if meta.permissions().mode() & 0o077 != 0 {
            return Err(VaultError::KeyPermissions(path.to_owned()));
        }
        let text = std::fs::read_to_string(path).map_err(io)?;
        let hex = text.trim();
        if hex.len() != 64 {
            return Err(VaultError::KeyFormat(path.to_owned()));
        }
        let mut bytes = [0_u8; 32];
        for (i, byte) in bytes.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16)
                .map_err(|_| VaultError::KeyFormat(path.to_owned()))?;
        }
        Ok(Self::from_bytes(bytes))
    }

    /// Writes the key as hex to a new 0600 file (atomically: temp file + rename).
    pub fn write(&self, path: &Path) -> Result<(), VaultError> {
        let io = |source| VaultError::KeyFile {
            path: path.to_owned(),
            source,
        };
        let tmp = path.with_extension("tmp");
        let _ = std::fs::remove_file(&tmp);
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)
            .map_err(io)?;
        let hex: String = self
            .key
            .expose_secret()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        file.write_all(hex.as_bytes()).map_err(io)?;
        file.write_all(b"\n").map_err(io)?;
        file.sync_all().map_err(io)?;
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o600)).map_err(io)?;
        std::fs::rename(&tmp, path).map_err(io)
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(&Key::from(*self.key.expose_secret()))
    }
}

fn check_field(field: &str) -> Result<(), VaultError> {
    if (1..=64).contains(&field.len()) && field.chars().all(|c| c.is_ascii_lowercase() || c == '_')
    {
        Ok(())
    } else {
        Err(VaultError::BadField)
    }
}

/// Associated data: binds a ciphertext to its record and field.
fn aad(owner_id: Uuid, field: &str) -> Vec<u8> {
    let mut aad = Vec::with_capacity(16 + 1 + field.len());
    aad.extend_from_slice(b"dist-btrfs vault v1\0");
    aad.extend_from_slice(owner_id.as_bytes());
    aad.extend_from_slice(field.as_bytes());
    aad
}

fn seal(
    key: &MasterKey,
    owner_id: Uuid,
    field: &str,
    plaintext: &[u8],
) -> Result<([u8; 24], Vec<u8>), VaultError> {
    let mut nonce = [0_u8; 24];
    rand::rng().fill_bytes(&mut nonce);
    let aad = aad(owner_id, field);
    let ciphertext = key
        .cipher()
        .encrypt(
            &XNonce::from(nonce),
            Payload {
                msg: plaintext,
                aad: &aad,
            },
        )
        .map_err(|_| VaultError::Encrypt)?;
    Ok((nonce, ciphertext))
}

fn open(
    key: &MasterKey,
    owner_id: Uuid,
    field: &str,
    nonce: &[u8],
    ciphertext: &[u8],
) -> Result<SecretString, VaultError> {
    let fail = || VaultError::Decrypt {
        owner_id,
        field: field.to_owned(),
    };
    let nonce: [u8; 24] = nonce.try_into().map_err(|_| fail())?;
    let aad = aad(owner_id, field);
    let plaintext = key
        .cipher()
        .decrypt(
            &XNonce::from(nonce),
            Payload {
                msg: ciphertext,
                aad: &aad,
            },
        )
        .map_err(|_| fail())?;
    String::from_utf8(plaintext)
        .map(SecretString::from)
        .map_err(|_| fail())
}

/// The vault over a pool and a master key.
#[derive(Debug)]
pub struct Vault {
    pool: PgPool,
    key: MasterKey,
}

impl Vault {
    pub fn new(pool: PgPool, key: MasterKey) -> Self {
        Self { pool, key }
    }

    /// Fails when stored secrets were sealed with a different key than the loaded one.
    pub async fn check_key(&self) -> Result<(), VaultError> {
        let stored: Option<String> =
            sqlx::query_scalar("SELECT key_id FROM vault_secrets WHERE key_id <> $1 LIMIT 1")
                .bind(self.key.id())
                .fetch_optional(&self.pool)
                .await?;
        match stored {
            Some(stored) => Err(VaultError::WrongKey {
                stored,
                loaded: self.key.id().to_owned(),
            }),
            None => Ok(()),
        }
    }

    /// Stores (or replaces) a secret.
    pub async fn put(
        &self,
        owner_id: Uuid,
        field: &str,
        secret: &SecretString,
    ) -> Result<(), VaultError> {
        let mut conn = self.pool.acquire().await?;
        self.put_in(&mut conn, owner_id, field, secret).await
    }

    /// [`Vault::put`] on a caller's connection (inside its transaction, so the secret
    /// is stored exactly when the events that mention it are).
    pub async fn put_in(
        &self,
        conn: &mut sqlx::PgConnection,
        owner_id: Uuid,
        field: &str,
        secret: &SecretString,
    ) -> Result<(), VaultError> {
        check_field(field)?;
        let (nonce, ciphertext) = seal(
            &self.key,
            owner_id,
            field,
            secret.expose_secret().as_bytes(),
        )?;
        sqlx::query(
            "INSERT INTO vault_secrets (owner_id, field, key_id, nonce, ciphertext)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (owner_id, field) DO UPDATE
                SET key_id = EXCLUDED.key_id, nonce = EXCLUDED.nonce,
                    ciphertext = EXCLUDED.ciphertext, updated_at = now()",
        )
        .bind(owner_id)
        .bind(field)
        .bind(self.key.id())
        .bind(&nonce[..])
        .bind(&ciphertext)
        .execute(conn)
        .await?;
        Ok(())
    }

    /// Reads a secret back, if there is one.
    pub async fn get(
        &self,
        owner_id: Uuid,
        field: &str,
    ) -> Result<Option<SecretString>, VaultError> {
        let row = sqlx::query(
            "SELECT nonce, ciphertext FROM vault_secrets WHERE owner_id = $1 AND field = $2",
        )
        .bind(owner_id)
        .bind(field)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            let nonce: Vec<u8> = row.try_get("nonce")?;
            let ciphertext: Vec<u8> = row.try_get("ciphertext")?;
            open(&self.key, owner_id, field, &nonce, &ciphertext)
        })
        .transpose()
    }

    /// Removes every secret of a record.
    pub async fn delete_owner(&self, owner_id: Uuid) -> Result<u64, VaultError> {
        let mut conn = self.pool.acquire().await?;
        Self::delete_owner_in(&mut conn, owner_id).await
    }

    /// [`Vault::delete_owner`] on a caller's connection.
    pub async fn delete_owner_in(
        conn: &mut sqlx::PgConnection,
        owner_id: Uuid,
    ) -> Result<u64, VaultError> {
        Ok(sqlx::query("DELETE FROM vault_secrets WHERE owner_id = $1")
            .bind(owner_id)
            .execute(conn)
            .await?
            .rows_affected())
    }

    /// Removes one secret of a record, on a caller's connection.
    pub async fn delete_field_in(
        conn: &mut sqlx::PgConnection,
        owner_id: Uuid,
        field: &str,
    ) -> Result<u64, VaultError> {
        Ok(
            sqlx::query("DELETE FROM vault_secrets WHERE owner_id = $1 AND field = $2")
                .bind(owner_id)
                .bind(field)
                .execute(conn)
                .await?
                .rows_affected(),
        )
    }

    /// Re-encrypts every secret under `new` in one transaction. On success the
    /// vault uses `new`; on failure nothing changed.
    pub async fn rotate(&mut self, new: MasterKey) -> Result<u64, VaultError> {
        let mut tx = self.pool.begin().await?;
        let rows =
            sqlx::query("SELECT owner_id, field, nonce, ciphertext FROM vault_secrets FOR UPDATE")
                .fetch_all(&mut *tx)
                .await?;
        let mut count = 0;
        for row in rows {
            let owner_id: Uuid = row.try_get("owner_id")?;
            let field: String = row.try_get("field")?;
            let nonce: Vec<u8> = row.try_get("nonce")?;
            let ciphertext: Vec<u8> = row.try_get("ciphertext")?;
            let secret = open(&self.key, owner_id, &field, &nonce, &ciphertext)?;
            let (nonce, ciphertext) =
                seal(&new, owner_id, &field, secret.expose_secret().as_bytes())?;
            sqlx::query(
                "UPDATE vault_secrets SET key_id = $3, nonce = $4, ciphertext = $5, updated_at = now()
                  WHERE owner_id = $1 AND field = $2",
            )
            .bind(owner_id)
            .bind(&field)
            .bind(new.id())
            .bind(&nonce[..])
            .bind(&ciphertext)
            .execute(&mut *tx)
            .await?;
            count += 1;
        }
        tx.commit().await?;
        self.key = new;
        Ok(count)
    }

    pub fn key_id(&self) -> &str {
        self.key.id()
    }
}

/// Opens the vault for a state directory's key file, finishing an interrupted
/// rotation: when the database was re-encrypted with `<key>.new` but the file was not
/// yet promoted, `<key>.new` becomes the key.
pub async fn open_vault(pool: PgPool, key_file: &Path) -> Result<Vault, VaultError> {
    let pending = key_file.with_extension("new");
    let vault = Vault::new(pool.clone(), MasterKey::load_or_create(key_file)?);
    match vault.check_key().await {
        Ok(()) => {
            let _ = std::fs::remove_file(&pending);
            Ok(vault)
        }
        Err(VaultError::WrongKey { stored, loaded }) if pending.exists() => {
            let candidate = MasterKey::read(&pending)?;
            if candidate.id() != stored {
                return Err(VaultError::WrongKey { stored, loaded });
            }
            promote_pending_key(key_file)?;
            tracing::warn!(
                key_id = candidate.id(),
                "finished an interrupted master key rotation"
            );
            Ok(Vault::new(pool, candidate))
        }
        Err(e) => Err(e),
    }
}

/// Rotates the key of the vault behind `key_file`: writes `<key>.new`, re-encrypts
/// in one transaction, then promotes the new file. Returns (secrets re-encrypted, new key id).
pub async fn rotate_key_file(pool: PgPool, key_file: &Path) -> Result<(u64, String), VaultError> {
    let mut vault = open_vault(pool, key_file).await?;
    let new = MasterKey::generate();
    let pending = key_file.with_extension("new");
    new.write(&pending)?;
    let new_id = new.id().to_owned();
    let count = vault.rotate(new).await?;
    promote_pending_key(key_file)?;
    Ok((count, new_id))
}

/// Makes `<key>.new` the master key file (the last step of a rotation).
fn promote_pending_key(key_file: &Path) -> Result<(), VaultError> {
    std::fs::rename(key_file.with_extension("new"), key_file).map_err(|source| {
        VaultError::KeyFile {
            path: key_file.to_owned(),
            source,
        }
    })
}
