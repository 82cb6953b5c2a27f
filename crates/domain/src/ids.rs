//! Typed identifiers of the entities dist-btrfs manages: servers, subvolumes and
//! snapshots. Each is a UUID (v7 when minted here, so ids sort by creation) wrapped in
//! its own type so that a snapshot id can never be passed where a subvolume id is meant.
//!
//! Each entity's events live in one stream ([`crate::StreamId::for_entity`]): a server in
//! `server-<id>`; a subvolume *and all its snapshots* in `subvolume-<id>` (one stream per
//! subvolume, so every catalog change of one subvolume is totally ordered).

use std::fmt;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::StreamId;

macro_rules! entity_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// A new, time-ordered id.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            pub fn from_uuid(id: Uuid) -> Self {
                Self(id)
            }

            pub fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }

        impl From<Uuid> for $name {
            fn from(id: Uuid) -> Self {
                Self(id)
            }
        }

        impl From<$name> for Uuid {
            fn from(id: $name) -> Self {
                id.0
            }
        }
    };
}

entity_id!(
    /// A server (the primary or a remote).
    ServerId
);
entity_id!(
    /// A managed subvolume (one management period of one btrfs subvolume).
    SubvolumeId
);
entity_id!(
    /// A snapshot in the catalog (created by dist-btrfs or discovered).
    SnapshotId
);
entity_id!(
    /// A retention/schedule policy.
    PolicyId
);
entity_id!(
    /// A replication target: a directory on a remote server, attached to a subvolume.
    TargetId
);
entity_id!(
    /// One replication run: a snapshot to some targets.
    ReplicationId
);

entity_id!(
    /// One restore (or replica verification) request, carried out as a job.
    RestoreId
);
entity_id!(
    /// A replica: one snapshot's copy in one target directory. Derived, not minted: the
    /// projection computes it from (target, snapshot) (`proj_replicas.replica_id`), so it
    /// is the same after a rebuild.
    ReplicaId
);

entity_id!(
    /// A notification channel (a webhook or an email relay).
    ChannelId
);
entity_id!(
    /// A notification rule: which problems notify which channels.
    AlertRuleId
);
entity_id!(
    /// One notification to one channel (carried out as a job, retried).
    DeliveryId
);

impl ChannelId {
    /// The stream of the channel's configuration.
    pub fn stream(&self) -> StreamId {
        StreamId::for_entity("channel", self.0)
    }
}

impl AlertRuleId {
    /// The stream of the rule's configuration.
    pub fn stream(&self) -> StreamId {
        StreamId::for_entity("alert-rule", self.0)
    }
}

impl DeliveryId {
    /// The stream of one delivery's attempts and outcome.
    pub fn stream(&self) -> StreamId {
        StreamId::for_entity("delivery", self.0)
    }
}

impl RestoreId {
    /// The stream of one restore or verification.
    pub fn stream(&self) -> StreamId {
        StreamId::for_entity("restore", self.0)
    }
}

impl ServerId {
    /// The server's event stream.
    pub fn stream(&self) -> StreamId {
        StreamId::for_entity("server", self.0)
    }
}

impl SubvolumeId {
    /// The stream of the subvolume and of all its snapshots.
    pub fn stream(&self) -> StreamId {
        StreamId::for_entity("subvolume", self.0)
    }
}

impl TargetId {
    /// The stream of the target's configuration (added, updated, removed).
    pub fn stream(&self) -> StreamId {
        StreamId::for_entity("target", self.0)
    }
}

impl ReplicationId {
    /// The stream of one replication run.
    pub fn stream(&self) -> StreamId {
        StreamId::for_entity("replication", self.0)
    }
}

impl PolicyId {
    /// The stream of the policy and of its assignments to subvolumes.
    pub fn stream(&self) -> StreamId {
        StreamId::for_entity("policy", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_and_serde() {
        let id = SubvolumeId::from_uuid(Uuid::from_u128(1));
        assert_eq!(
            id.stream().as_str(),
            "subvolume-00000000-0000-0000-0000-000000000001"
        );
        assert_eq!(
            serde_json::to_string(&id).unwrap(),
            "\"00000000-0000-0000-0000-000000000001\""
        );
        let s = ServerId::from_uuid(Uuid::from_u128(2));
        assert!(s.stream().as_str().starts_with("server-"));
    }
}
