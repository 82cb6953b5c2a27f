//! The installation itself: renaming it (`InstanceRenamed` on the `instance` stream,
//! appended only after the stream's first event, with the version read just before, so
//! a concurrent rename is a conflict rather than a lost update).

use domain::event::InstanceRenamed;
use domain::{Actor, DisplayName, DomainEvent, StreamId};
use store::{AppendMeta, EventStore, ExpectedVersion, StoreError};

/// Why a rename did not happen.
#[derive(Debug, thiserror::Error)]
pub enum RenameError {
    #[error("name: {0}")]
    Name(String),
    #[error("the installation is not initialised yet")]
    NotReady,
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Store(StoreError),
}

/// Renames the installation to `name` (a display name).
pub async fn rename(events: &EventStore, name: &str, actor: Actor) -> Result<(), RenameError> {
    let name = DisplayName::parse(name).map_err(|e| RenameError::Name(e.to_string()))?;
    let stream = StreamId::instance();
    let version = match events
        .stream_version(&stream)
        .await
        .map_err(RenameError::Store)?
    {
        0 => return Err(RenameError::NotReady),
        v => v,
    };
    let event = DomainEvent::InstanceRenamed(InstanceRenamed {
        name: name.into_string(),
    });
    match events
        .append(
            &stream,
            ExpectedVersion::Exactly(version),
            &[event],
            &AppendMeta::new(actor),
        )
        .await
    {
        Ok(_) => Ok(()),
        Err(e @ StoreError::Conflict { .. }) => Err(RenameError::Conflict(e.to_string())),
        Err(e) => Err(RenameError::Store(e)),
    }
}
