//! The allowed-roots rule on the paths a server will really touch.
//!
//! A [`ServerPath`] is canonical as a string, but a symlink inside an allowed root can
//! point anywhere; `ServerPath::check_within` alone would let an operator manage,
//! snapshot and replicate outside every root. So every path that comes from the API is
//! resolved ON ITS OWN SERVER (`realpath -e`, through the restricted wrapper on remotes)
//! and the resolved path is checked against the server's roots, themselves resolved
//! ([`resolve_within`]). The resolved path is what gets recorded.
//!
//! Where the engine uses a recorded path (snapshot, delete, receive), it resolves it
//! again and refuses when the result differs ([`still_real`]): a symlink swapped in
//! after the check is caught at use.
//!
//! What this module does not do: parse or validate the string (that is `ServerPath`),
//! decide whether the path must be a subvolume (the callers ask btrfs).

use std::sync::Arc;

use btrfs::{Btrfs, Host, HostError};
use domain::ServerPath;

use crate::{EngineError, abs};

/// Why a path failed the check.
#[derive(Debug, thiserror::Error)]
pub enum RealPathError {
    #[error("{0} does not exist")]
    Missing(ServerPath),
    #[error("{path} resolves to {real:?}, which is not an acceptable path: {why}")]
    Unacceptable {
        path: ServerPath,
        real: String,
        why: String,
    },
    #[error("{path} resolves to {real}, outside the server's allowed roots ({roots})")]
    Outside {
        path: ServerPath,
        real: ServerPath,
        roots: String,
    },
    #[error("{path}: the server's restricted wrapper refused it: {why}")]
    Refused { path: ServerPath, why: String },
    #[error("{path} now resolves to {real}: it changed since it was checked")]
    Changed { path: ServerPath, real: ServerPath },
    #[error(transparent)]
    Host(#[from] HostError),
    #[error(transparent)]
    Engine(#[from] EngineError),
}

impl RealPathError {
    /// As an engine error, naming the request `field`: input errors are invalid input,
    /// a changed path is a conflict, a failing server stays what it was.
    pub fn into_engine(self, field: &str) -> EngineError {
        match self {
            Self::Host(e) => e.into(),
            Self::Engine(e) => e,
            e @ Self::Changed { .. } => EngineError::Conflict(format!("{field}: {e}")),
            e => EngineError::Invalid(format!("{field}: {e}")),
        }
    }
}

/// `path` as the server resolves it, or `Missing` when it does not exist.
async fn real(
    btrfs: &Btrfs<Arc<dyn Host>>,
    path: &ServerPath,
) -> Result<ServerPath, RealPathError> {
    let resolved = match btrfs.realpath(&abs(path)?).await {
        Ok(resolved) => resolved,
        // realpath says "No such file or directory" too.
        Err(e) if btrfs::client::is_missing_path(&e) => {
            return Err(RealPathError::Missing(path.clone()));
        }
        // The wrapper on a remote checks the root itself (exit 126, "refused: ...").
        Err(HostError::NonZeroExit {
            code: 126, stderr, ..
        }) if stderr.contains("refused") => {
            return Err(RealPathError::Refused {
                path: path.clone(),
                why: stderr.trim().chars().take(300).collect(),
            });
        }
        Err(e) => return Err(e.into()),
    };
    ServerPath::parse(resolved.as_str()).map_err(|e| RealPathError::Unacceptable {
        path: path.clone(),
        real: resolved.as_str().chars().take(200).collect(),
        why: e.to_string(),
    })
}

/// The server's allowed roots as it resolves them (roots that do not exist there are
/// left out: nothing can be below them).
async fn real_roots(
    btrfs: &Btrfs<Arc<dyn Host>>,
    roots: &[ServerPath],
) -> Result<Vec<ServerPath>, RealPathError> {
    let mut out = Vec::with_capacity(roots.len());
    for root in roots {
        match real(btrfs, root).await {
            Ok(r) => out.push(r),
            Err(RealPathError::Missing(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

/// Resolves `path` on its server and checks the real path lies within the (resolved)
/// allowed roots. Returns the real path: record that, not the string that was sent.
pub async fn resolve_within(
    btrfs: &Btrfs<Arc<dyn Host>>,
    path: &ServerPath,
    roots: &[ServerPath],
) -> Result<ServerPath, RealPathError> {
    let real_path = real(btrfs, path).await?;
    let real_roots = real_roots(btrfs, roots).await?;
    if real_path.is_within(&real_roots) {
        Ok(real_path)
    } else {
        Err(RealPathError::Outside {
            path: path.clone(),
            real: real_path,
            roots: roots
                .iter()
                .map(ServerPath::as_str)
                .collect::<Vec<_>>()
                .join(", "),
        })
    }
}

/// Checks, right before use, that a recorded (already resolved) path still resolves to
/// itself and so still lies where it was checked. A path that no longer exists passes:
/// it leads nowhere, and the command that uses it fails (and is recorded) as before.
pub async fn still_real(
    btrfs: &Btrfs<Arc<dyn Host>>,
    path: &ServerPath,
    roots: &[ServerPath],
) -> Result<(), RealPathError> {
    let real_path = match resolve_within(btrfs, path, roots).await {
        Ok(real_path) => real_path,
        Err(RealPathError::Missing(_)) => return Ok(()),
        Err(e) => return Err(e),
    };
    if &real_path == path {
        Ok(())
    } else {
        Err(RealPathError::Changed {
            path: path.clone(),
            real: real_path,
        })
    }
}
