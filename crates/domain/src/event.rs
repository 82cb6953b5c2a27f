//! The events of the log: every state change of dist-btrfs is one of these first
//! (DESIGN.md invariant 8). Projections are folds over them.
//!
//! Stored formats are frozen: an applied event type never changes shape. A change of
//! shape is a new `schema_version` with an upcaster in [`DomainEvent::decode`]. This
//! module knows nothing of Postgres; `store` maps envelopes to rows.

use std::fmt;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Who caused an event. Stored as text: `system`, `user:<name>`, `token:<id>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Actor {
    /// dist-btrfs itself: start-up, the scheduler, job workers.
    System,
    /// A logged-in user, by user name.
    User(String),
    /// An API token, by token id (never the secret).
    Token(Uuid),
}

/// Why a stored actor string could not be read back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an actor: {0:?}")]
pub struct ActorParseError(String);

impl Actor {
    pub fn parse(s: &str) -> Result<Self, ActorParseError> {
        match s.split_once(':') {
            None if s == "system" => Ok(Self::System),
            Some(("user", name)) if !name.is_empty() => Ok(Self::User(name.to_owned())),
            Some(("token", id)) => Uuid::parse_str(id)
                .map(Self::Token)
                .map_err(|_| ActorParseError(s.to_owned())),
            _ => Err(ActorParseError(s.to_owned())),
        }
    }
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::System => f.write_str("system"),
            Self::User(name) => write!(f, "user:{name}"),
            Self::Token(id) => write!(f, "token:{id}"),
        }
    }
}

/// This installation came into being: the first event of the `instance` stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstanceInitialized {
    pub instance_id: Uuid,
    /// The dist-btrfs version that initialised the database.
    pub software_version: String,
}

/// The operator gave this installation a display name (shown in the dashboard).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstanceRenamed {
    pub name: String,
}

/// Every event dist-btrfs records. The variant name is the stored event type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum DomainEvent {
    InstanceInitialized(InstanceInitialized),
    InstanceRenamed(InstanceRenamed),
}

/// Static facts about an event's type.
pub trait EventKind {
    /// The stored type name, e.g. `InstanceInitialized`.
    fn event_type(&self) -> &'static str;
    /// The payload's schema version, stored beside it.
    fn schema_version(&self) -> i32;
}

impl EventKind for DomainEvent {
    fn event_type(&self) -> &'static str {
        match self {
            Self::InstanceInitialized(_) => "InstanceInitialized",
            Self::InstanceRenamed(_) => "InstanceRenamed",
        }
    }

    fn schema_version(&self) -> i32 {
        match self {
            Self::InstanceInitialized(_) | Self::InstanceRenamed(_) => 1,
        }
    }
}

impl DomainEvent {
    /// One human-readable line for the audit timeline.
    pub fn summary(&self) -> String {
        match self {
            Self::InstanceInitialized(e) => format!(
                "dist-btrfs {} initialised instance {}",
                e.software_version, e.instance_id
            ),
            Self::InstanceRenamed(e) => format!("instance renamed to {:?}", e.name),
        }
    }
}

/// Why a stored event could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum EventCodecError {
    #[error("unknown event type {event_type:?} (schema version {schema_version})")]
    UnknownType {
        event_type: String,
        schema_version: i32,
    },
    #[error("event {event_type} v{schema_version} has a malformed payload: {source}")]
    Payload {
        event_type: String,
        schema_version: i32,
        source: serde_json::Error,
    },
}

impl DomainEvent {
    /// The payload as stored: the variant's data without the type tag.
    pub fn payload(&self) -> Result<serde_json::Value, EventCodecError> {
        let tagged = serde_json::to_value(self).map_err(|source| EventCodecError::Payload {
            event_type: self.event_type().to_owned(),
            schema_version: self.schema_version(),
            source,
        })?;
        Ok(match tagged {
            serde_json::Value::Object(mut map) => {
                map.remove("data").unwrap_or(serde_json::Value::Null)
            }
            other => other,
        })
    }

    /// Reads a stored event back. Older schema versions are upcast here.
    pub fn decode(
        event_type: &str,
        schema_version: i32,
        payload: serde_json::Value,
    ) -> Result<Self, EventCodecError> {
        if schema_version != 1 {
            return Err(EventCodecError::UnknownType {
                event_type: event_type.to_owned(),
                schema_version,
            });
        }
        let tagged = serde_json::json!({ "type": event_type, "data": payload });
        serde_json::from_value(tagged).map_err(|source| {
            if source.to_string().contains("unknown variant") {
                EventCodecError::UnknownType {
                    event_type: event_type.to_owned(),
                    schema_version,
                }
            } else {
                EventCodecError::Payload {
                    event_type: event_type.to_owned(),
                    schema_version,
                    source,
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn samples() -> Vec<DomainEvent> {
        vec![
            DomainEvent::InstanceInitialized(InstanceInitialized {
                instance_id: Uuid::from_u128(7),
                software_version: "0.1.0".into(),
            }),
            DomainEvent::InstanceRenamed(InstanceRenamed {
                name: "lab fleet".into(),
            }),
        ]
    }

    #[test]
    fn every_event_round_trips_through_its_stored_form() {
        for event in samples() {
            let payload = event.payload().unwrap();
            assert!(
                payload.get("type").is_none(),
                "type tag must not be in the payload"
            );
            let back =
                DomainEvent::decode(event.event_type(), event.schema_version(), payload).unwrap();
            assert_eq!(back, event);
        }
    }

    #[test]
    fn unknown_types_and_versions_are_errors_not_panics() {
        let err = DomainEvent::decode("NoSuchEvent", 1, serde_json::json!({})).unwrap_err();
        assert!(matches!(err, EventCodecError::UnknownType { .. }), "{err}");
        let err = DomainEvent::decode("InstanceRenamed", 9, serde_json::json!({"name": "x"}))
            .unwrap_err();
        assert!(matches!(err, EventCodecError::UnknownType { .. }), "{err}");
        let err =
            DomainEvent::decode("InstanceRenamed", 1, serde_json::json!({"nom": 1})).unwrap_err();
        assert!(matches!(err, EventCodecError::Payload { .. }), "{err}");
    }

    #[test]
    fn actors_round_trip_as_text() {
        for actor in [
            Actor::System,
            Actor::User("alice".into()),
            Actor::Token(Uuid::from_u128(42)),
        ] {
            assert_eq!(Actor::parse(&actor.to_string()).unwrap(), actor);
        }
        assert!(Actor::parse("user:").is_err());
        assert!(Actor::parse("token:nope").is_err());
        assert!(Actor::parse("root").is_err());
    }

    proptest! {
        #[test]
        fn rename_events_round_trip(name in "\\PC{0,64}") {
            let event = DomainEvent::InstanceRenamed(InstanceRenamed { name });
            let back = DomainEvent::decode(
                event.event_type(), event.schema_version(), event.payload().unwrap()).unwrap();
            prop_assert_eq!(back, event);
        }

        #[test]
        fn actor_parse_never_panics(s in "\\PC{0,40}") {
            if let Ok(actor) = Actor::parse(&s) {
                prop_assert_eq!(actor.to_string(), s);
            }
        }
    }
}
