//! The recovery point objective of a subvolume: an operator sets or clears it
//! (`SubvolumeRpoSet`); the health rule that uses it is `domain::health`, the view is
//! `store::projections::replication_health`. Database only, no btrfs.

use domain::health::{SubvolumeRpoSet, validate_rpo};
use domain::{DomainEvent, SubvolumeId};
use store::projections;
use store::{AppendMeta, ExpectedVersion, events, locks};

use crate::{Engine, EngineError};

impl Engine {
    /// Sets (`Some`) or clears (`None`: back to the default) a subvolume's RPO.
    /// Refused, changing nothing, for an unknown subvolume or an out-of-range value.
    #[tracing::instrument(skip_all, fields(subvolume = %subvolume), err(level = "debug", Display))]
    pub async fn set_rpo(
        &self,
        subvolume: SubvolumeId,
        rpo_seconds: Option<u64>,
        meta: &AppendMeta,
    ) -> Result<Option<u64>, EngineError> {
        if let Some(secs) = rpo_seconds {
            validate_rpo(secs).map_err(|e| EngineError::Invalid(e.to_string()))?;
        }
        let mut tx = self.events.pool().begin().await?;
        locks::lock_subvolume(&mut tx, subvolume).await?;
        if projections::subvolume(&mut *tx, subvolume).await?.is_none() {
            return Err(EngineError::NotFound(format!("no subvolume {subvolume}")));
        }
        let event = DomainEvent::SubvolumeRpoSet(SubvolumeRpoSet {
            subvolume_id: subvolume,
            rpo_seconds,
        });
        events::append_in(
            &mut tx,
            &subvolume.stream(),
            ExpectedVersion::Any,
            &[event],
            meta,
        )
        .await?;
        let now = projections::rpo_of_subvolume(&mut *tx, subvolume).await?;
        tx.commit().await?;
        Ok(now)
    }
}
