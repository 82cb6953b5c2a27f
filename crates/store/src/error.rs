//! The error type of the store crate.

use domain::StreamId;
use domain::event::EventCodecError;

/// Everything that can go wrong talking to the database.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another writer appended to the stream first (optimistic concurrency).
    #[error("concurrent write to stream {stream}: expected version {expected}, found {actual}")]
    Conflict {
        stream: StreamId,
        expected: String,
        actual: i64,
    },
    /// The database could not be reached at all. `target` names host, port and
    /// database, never the password.
    #[error("cannot reach Postgres at {target}: {reason}")]
    Unreachable { target: String, reason: String },
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("job queue setup failed: {0}")]
    JobQueue(String),
    #[error(transparent)]
    Codec(#[from] EventCodecError),
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
    /// The rebuild's reader of the log ended before the end of the log it was to read.
    #[error("the rebuild's reader stopped before the end of the log")]
    ReaderStopped,
    /// The rebuild's writer of the audit lines ended before its work was done (before the
    /// end of the replay, or while finishing the audit's copies after it).
    #[error("the rebuild's audit writer stopped before its work was done")]
    AuditWriterStopped,
    /// A blocking thread decoding rows panicked.
    #[error("a thread decoding {0} stopped")]
    DecoderStopped(&'static str),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}
