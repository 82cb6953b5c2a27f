//! Making and checking secrets: argon2id password hashes, random session and token
//! secrets, their SHA-256 hashes, and the CSRF token derived from a session secret.
//!
//! argon2's working memory (~19 MiB) is one buffer per thread, made once and reused for
//! every hash on that thread ([`with_blocks`]). Allocating and freeing it per hash made
//! glibc raise its mmap threshold and keep every freed buffer resident: ~20 MB of RSS
//! per login checked, for good (`ops/bench/login-flood`).

use std::cell::RefCell;

use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// Prefix of API tokens, so leaked ones are recognisable in scanners and logs.
pub const TOKEN_PREFIX: &str = "dbt_";

/// 32 random bytes, URL-safe base64.
pub fn random_secret() -> String {
    let mut bytes = [0_u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A new API token: `dbt_` + 32 random bytes.
pub fn new_token() -> String {
    format!("{TOKEN_PREFIX}{}", random_secret())
}

/// A generated password for a bootstrapped or reset account: 24 URL-safe characters.
pub fn generated_password() -> String {
    let mut bytes = [0_u8; 18];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// SHA-256 (hex) of a high-entropy secret: what is stored for sessions and tokens.
pub fn hash(secret: &str) -> String {
    crate::lower_hex(&Sha256::digest(secret.as_bytes()))
}

/// The CSRF token of a session: derived from its secret, so it needs no storage and
/// only a page that logged in (or asked `/auth/me` with the cookie) can know it.
pub fn csrf_token(session_secret: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"dist-btrfs csrf\0");
    hasher.update(session_secret.as_bytes());
    URL_SAFE_NO_PAD.encode(hasher.finalize())
}

/// Compares two strings in time independent of where they differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    constant_time_eq_bytes(a.as_bytes(), b.as_bytes())
}

/// Why a password could not be hashed.
#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

/// Runs `f` with this thread's argon2 working memory, at least `n` blocks.
fn with_blocks<R>(n: usize, f: impl FnOnce(&mut [Block]) -> R) -> R {
    thread_local! {
        static BLOCKS: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
    }
    BLOCKS.with(|blocks| {
        let mut blocks = blocks.borrow_mut();
        if blocks.len() < n {
            blocks.resize(n, Block::default());
        }
        f(&mut blocks[..n])
    })
}

/// The raw argon2 output of `password` under `argon`, into `out`.
fn compute(
    argon: &Argon2<'_>,
    params: &Params,
    password: &str,
    salt: &[u8],
    out: &mut [u8],
) -> Result<(), HashError> {
    with_blocks(params.block_count(), |blocks| {
        argon.hash_password_into_with_memory(password.as_bytes(), salt, out, blocks)
    })
    .map_err(|e| HashError(e.to_string()))
}

/// argon2id with the crate's default (OWASP) parameters, as a PHC string. CPU-heavy:
/// call through the hash gate.
pub fn hash_password(password: &str) -> Result<String, HashError> {
    let mut salt = [0_u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| HashError(e.to_string()))?;
    let params = Params::default();
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let mut salt_bytes = [0_u8; 64];
    let salt_bytes = salt
        .decode_b64(&mut salt_bytes)
        .map_err(|e| HashError(e.to_string()))?;
    let mut out = vec![0_u8; params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN)];
    compute(&argon, &params, password, salt_bytes, &mut out)?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(|e| HashError(e.to_string()))?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out).map_err(|e| HashError(e.to_string()))?),
    };
    Ok(phc.to_string())
}

/// Whether `password` matches a stored PHC hash (argon2 of any variant, with the
/// hash's own parameters). A malformed hash never matches.
pub fn verify_password(password: &str, phc: &str) -> bool {
    let check = || -> Option<bool> {
        let parsed = PasswordHash::new(phc).ok()?;
        let algorithm = Algorithm::try_from(parsed.algorithm).ok()?;
        let version = match parsed.version {
            Some(v) => Version::try_from(v).ok()?,
            None => Version::default(),
        };
        let expected = parsed.hash?;
        let mut salt = [0_u8; 64];
        let salt = parsed.salt?.decode_b64(&mut salt).ok()?;
        let params = Params::try_from(&parsed).ok()?;
        let argon = Argon2::new(algorithm, version, params.clone());
        let mut out = vec![0_u8; expected.len()];
        compute(&argon, &params, password, salt, &mut out).ok()?;
        Some(constant_time_eq_bytes(&out, expected.as_bytes()))
    };
    check().unwrap_or(false)
}

fn constant_time_eq_bytes(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0_u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_interoperate_with_the_argon2_crates_own_hasher_and_verifier() {
        use argon2::password_hash::{PasswordHasher, PasswordVerifier};
        // Hashes stored before (made by the crate) verify here ...
        let salt = SaltString::encode_b64(b"0123456789abcdef").unwrap();
        let theirs = Argon2::default()
            .hash_password(b"correct horse battery", &salt)
            .unwrap()
            .to_string();
        assert!(verify_password("correct horse battery", &theirs));
        assert!(!verify_password("wrong horse battery", &theirs));
        // ... and ours verify with the crate.
        let ours = hash_password("correct horse battery").unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(
            Argon2::default()
                .verify_password(b"correct horse battery", &parsed)
                .is_ok()
        );
    }

    #[test]
    fn password_hashes_verify_and_are_salted() {
        let a = hash_password("correct horse battery").unwrap();
        let b = hash_password("correct horse battery").unwrap();
        assert!(a.starts_with("$argon2id$"));
        assert_ne!(a, b, "salted");
        assert!(verify_password("correct horse battery", &a));
        assert!(!verify_password("wrong horse battery", &a));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn secrets_are_random_and_hashes_stable() {
        assert_ne!(random_secret(), random_secret());
        assert!(new_token().starts_with("dbt_"));
        assert_eq!(hash("abc"), hash("abc"));
        assert_eq!(hash("abc").len(), 64);
        assert_ne!(csrf_token("s1"), csrf_token("s2"));
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "ab"));
    }
}
