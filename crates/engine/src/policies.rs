//! Policies and their assignment to subvolumes: create, update, delete, assign,
//! unassign. Pure database operations (no server work), serialized by one advisory
//! lock (`store::locks::lock_policies`) so that name uniqueness and "an assigned
//! policy cannot be deleted" are checked and recorded atomically. Input is validated
//! by [`domain::PolicySpec::validate`] first; its error names the field, and becomes
//! [`EngineError::Invalid`] with a message starting with that field.
//!
//! A subvolume follows at most one policy: assigning another one records
//! `PolicyUnassigned` (old) and `PolicyAssigned` (new) in one transaction; assigning
//! the same one again records nothing.

use domain::event::{
    PolicyAssigned, PolicyCreated, PolicyDeleted, PolicyUnassigned, PolicyUpdated,
};
use domain::{DomainEvent, PolicyId, PolicySpec, SubvolumeId};
use store::projections::{self, PolicyView};
use store::{AppendMeta, ExpectedVersion, events, locks};

use crate::{Engine, EngineError};

/// Validates and normalises a spec (the name as parsed).
fn validated(mut spec: PolicySpec) -> Result<PolicySpec, EngineError> {
    let valid = spec
        .validate()
        .map_err(|e| EngineError::Invalid(e.message))?;
    spec.name = valid.name.as_str().to_owned();
    spec.schedule.cron = valid.schedule.expression().to_owned();
    Ok(spec)
}

impl Engine {
    /// Creates a policy. A taken name is a conflict.
    #[tracing::instrument(skip_all, err(level = "debug", Display))]
    pub async fn create_policy(
        &self,
        spec: PolicySpec,
        meta: &AppendMeta,
    ) -> Result<PolicyView, EngineError> {
        let spec = validated(spec)?;
        let mut tx = self.events.pool().begin().await?;
        locks::lock_policies(&mut tx).await?;
        if projections::policy_by_name(&mut *tx, &spec.name)
            .await?
            .is_some()
        {
            return Err(EngineError::Conflict(format!(
                "name: a policy named {:?} exists already",
                spec.name
            )));
        }
        let id = PolicyId::new();
        let event = DomainEvent::PolicyCreated(PolicyCreated {
            policy_id: id,
            spec,
        });
        events::append_in(
            &mut tx,
            &id.stream(),
            ExpectedVersion::NoStream,
            &[event],
            meta,
        )
        .await?;
        let view = projections::policy(&mut *tx, id)
            .await?
            .ok_or_else(|| EngineError::Inconsistent(format!("policy {id} not projected")))?;
        tx.commit().await?;
        Ok(view)
    }

    /// Replaces a policy's spec. Renaming onto another policy's name is a conflict.
    #[tracing::instrument(skip_all, fields(policy = %id), err(level = "debug", Display))]
    pub async fn update_policy(
        &self,
        id: PolicyId,
        spec: PolicySpec,
        meta: &AppendMeta,
    ) -> Result<PolicyView, EngineError> {
        let spec = validated(spec)?;
        let mut tx = self.events.pool().begin().await?;
        locks::lock_policies(&mut tx).await?;
        let current = projections::policy(&mut *tx, id)
            .await?
            .ok_or_else(|| EngineError::NotFound(format!("no policy {id}")))?;
        if let Some(other) = projections::policy_by_name(&mut *tx, &spec.name).await?
            && other.policy_id != id
        {
            return Err(EngineError::Conflict(format!(
                "name: a policy named {:?} exists already",
                spec.name
            )));
        }
        if current.spec == spec {
            return Ok(current);
        }
        let event = DomainEvent::PolicyUpdated(PolicyUpdated {
            policy_id: id,
            spec,
        });
        events::append_in(&mut tx, &id.stream(), ExpectedVersion::Any, &[event], meta).await?;
        let view = projections::policy(&mut *tx, id)
            .await?
            .ok_or_else(|| EngineError::Inconsistent(format!("policy {id} not projected")))?;
        tx.commit().await?;
        Ok(view)
    }

    /// Deletes a policy that no subvolume follows; otherwise a conflict naming them.
    #[tracing::instrument(skip_all, fields(policy = %id), err(level = "debug", Display))]
    pub async fn delete_policy(
        &self,
        id: PolicyId,
        meta: &AppendMeta,
    ) -> Result<PolicyView, EngineError> {
        let mut tx = self.events.pool().begin().await?;
        locks::lock_policies(&mut tx).await?;
        let current = projections::policy(&mut *tx, id)
            .await?
            .ok_or_else(|| EngineError::NotFound(format!("no policy {id}")))?;
        if !current.subvolumes.is_empty() {
            let list: Vec<String> = current.subvolumes.iter().map(|s| s.to_string()).collect();
            return Err(EngineError::Conflict(format!(
                "policy {:?} is assigned to subvolumes {}; unassign it first",
                current.spec.name,
                list.join(", ")
            )));
        }
        let event = DomainEvent::PolicyDeleted(PolicyDeleted { policy_id: id });
        events::append_in(&mut tx, &id.stream(), ExpectedVersion::Any, &[event], meta).await?;
        tx.commit().await?;
        Ok(current)
    }

    /// Makes a managed subvolume follow a policy (replacing the one it followed).
    #[tracing::instrument(skip_all, fields(subvolume = %subvolume, policy = %policy), err(level = "debug", Display))]
    pub async fn assign_policy(
        &self,
        subvolume: SubvolumeId,
        policy: PolicyId,
        meta: &AppendMeta,
    ) -> Result<PolicyView, EngineError> {
        let mut tx = self.events.pool().begin().await?;
        locks::lock_policies(&mut tx).await?;
        if projections::policy(&mut *tx, policy).await?.is_none() {
            return Err(EngineError::NotFound(format!("no policy {policy}")));
        }
        let sv = projections::subvolume(&mut *tx, subvolume)
            .await?
            .ok_or_else(|| EngineError::NotFound(format!("no subvolume {subvolume}")))?;
        if !sv.managed {
            return Err(EngineError::Conflict(format!(
                "subvolume {subvolume} is not managed any more"
            )));
        }
        let current = projections::policy_of_subvolume(&mut *tx, subvolume).await?;
        if let Some(old) = &current {
            if old.policy_id == policy {
                return Ok(old.clone());
            }
            let event = DomainEvent::PolicyUnassigned(PolicyUnassigned {
                policy_id: old.policy_id,
                subvolume_id: subvolume,
            });
            events::append_in(
                &mut tx,
                &old.policy_id.stream(),
                ExpectedVersion::Any,
                &[event],
                meta,
            )
            .await?;
        }
        let event = DomainEvent::PolicyAssigned(PolicyAssigned {
            policy_id: policy,
            subvolume_id: subvolume,
        });
        events::append_in(
            &mut tx,
            &policy.stream(),
            ExpectedVersion::Any,
            &[event],
            meta,
        )
        .await?;
        let view = projections::policy(&mut *tx, policy)
            .await?
            .ok_or_else(|| EngineError::Inconsistent(format!("policy {policy} not projected")))?;
        tx.commit().await?;
        Ok(view)
    }

    /// Ends a subvolume's policy assignment; returns the policy it followed.
    #[tracing::instrument(skip_all, fields(subvolume = %subvolume), err(level = "debug", Display))]
    pub async fn unassign_policy(
        &self,
        subvolume: SubvolumeId,
        meta: &AppendMeta,
    ) -> Result<PolicyView, EngineError> {
        let mut tx = self.events.pool().begin().await?;
        locks::lock_policies(&mut tx).await?;
        let current = projections::policy_of_subvolume(&mut *tx, subvolume)
            .await?
            .ok_or_else(|| {
                EngineError::NotFound(format!("subvolume {subvolume} follows no policy"))
            })?;
        let id = current.policy_id;
        let event = DomainEvent::PolicyUnassigned(PolicyUnassigned {
            policy_id: id,
            subvolume_id: subvolume,
        });
        events::append_in(&mut tx, &id.stream(), ExpectedVersion::Any, &[event], meta).await?;
        let view = projections::policy(&mut *tx, id)
            .await?
            .ok_or_else(|| EngineError::Inconsistent(format!("policy {id} not projected")))?;
        tx.commit().await?;
        Ok(view)
    }
}
