//! [`EngineError`]: why an operation failed, classified so that the API can choose a
//! status (without this crate knowing HTTP) and the job runner can decide to retry.

use btrfs::HostError;
use store::StoreError;

/// Why an operation failed.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The input is not acceptable (bad name or path, outside the allowed roots, not a
    /// subvolume, ...). Nothing was changed.
    #[error("{0}")]
    Invalid(String),
    /// A referenced server, subvolume or snapshot does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The request conflicts with the current state (already managed, unmanaged snapshot,
    /// already deleted, ...). Nothing was changed.
    #[error("{0}")]
    Conflict(String),
    /// No [`btrfs::Host`] can be had for the server (no local host configured, SSH not
    /// available yet, connection refused).
    #[error("server {server} is not reachable: {reason}")]
    HostUnavailable { server: String, reason: String },
    /// A command on the server failed.
    #[error(transparent)]
    Host(#[from] HostError),
    /// A command succeeded but its result is not what it must be (e.g. a new snapshot
    /// that is not read-only).
    #[error("{0}")]
    Verification(String),
    /// The database failed.
    #[error(transparent)]
    Store(StoreError),
    /// Recorded data contradicts itself (a bug or a hand-edited database).
    #[error("inconsistent state: {0}")]
    Inconsistent(String),
}

impl From<StoreError> for EngineError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict { .. } => {
                Self::Conflict(format!("a concurrent change won, retry: {e}"))
            }
            other => Self::Store(other),
        }
    }
}

impl From<sqlx::Error> for EngineError {
    fn from(e: sqlx::Error) -> Self {
        Self::Store(StoreError::Database(e))
    }
}

impl EngineError {
    /// Whether retrying the same operation later may succeed.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Invalid(_)
            | Self::NotFound(_)
            | Self::Conflict(_)
            | Self::Verification(_)
            | Self::Inconsistent(_) => false,
            Self::HostUnavailable { .. } => true,
            Self::Host(e) => e.is_transient(),
            Self::Store(e) => !matches!(e, StoreError::Codec(_) | StoreError::Corrupt(_)),
        }
    }
}
