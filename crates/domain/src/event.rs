//! The events of the log: every state change of dist-btrfs is one of these first
//! (DESIGN.md invariant 8). Projections are folds over them.
//!
//! Stored formats are frozen: an applied event type never changes shape. A change of
//! shape is a new `schema_version` with an upcaster in [`DomainEvent::decode`]. This
//! module knows nothing of Postgres; `store` maps envelopes to rows.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::auth::{Role, Username};

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

/// A user account was created. `password_hash` is an argon2id PHC string, never
/// the password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserCreated {
    pub user_id: Uuid,
    pub username: Username,
    pub role: Role,
    pub password_hash: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserPasswordChanged {
    pub user_id: Uuid,
    pub password_hash: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRoleChanged {
    pub user_id: Uuid,
    pub role: Role,
}

/// The account is gone; its sessions and tokens stop working with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserDeleted {
    pub user_id: Uuid,
}

/// A successful login opened a browser session. `secret_hash` is the SHA-256 of the
/// cookie's secret; the secret itself is only ever in the browser.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionStarted {
    pub session_id: Uuid,
    pub user_id: Uuid,
    pub secret_hash: String,
    pub expires_at: DateTime<Utc>,
    pub client: Option<String>,
}

/// A logout (or an administrative end) closed a session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionEnded {
    pub session_id: Uuid,
}

/// A login attempt failed. `username` is what was typed (it may not exist).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginFailed {
    pub username: String,
    pub client: Option<String>,
}

/// An API token was issued. `secret_hash` is the SHA-256 of its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenCreated {
    pub token_id: Uuid,
    pub user_id: Uuid,
    pub name: String,
    pub role: Role,
    pub secret_hash: String,
    pub expires_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRevoked {
    pub token_id: Uuid,
}

/// Every event dist-btrfs records. The variant name is the stored event type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum DomainEvent {
    InstanceInitialized(InstanceInitialized),
    InstanceRenamed(InstanceRenamed),
    UserCreated(UserCreated),
    UserPasswordChanged(UserPasswordChanged),
    UserRoleChanged(UserRoleChanged),
    UserDeleted(UserDeleted),
    SessionStarted(SessionStarted),
    SessionEnded(SessionEnded),
    LoginFailed(LoginFailed),
    TokenCreated(TokenCreated),
    TokenRevoked(TokenRevoked),
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
            Self::UserCreated(_) => "UserCreated",
            Self::UserPasswordChanged(_) => "UserPasswordChanged",
            Self::UserRoleChanged(_) => "UserRoleChanged",
            Self::UserDeleted(_) => "UserDeleted",
            Self::SessionStarted(_) => "SessionStarted",
            Self::SessionEnded(_) => "SessionEnded",
            Self::LoginFailed(_) => "LoginFailed",
            Self::TokenCreated(_) => "TokenCreated",
            Self::TokenRevoked(_) => "TokenRevoked",
        }
    }

    fn schema_version(&self) -> i32 {
        // Every type is at its first schema version so far.
        1
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
            Self::UserCreated(e) => format!("user {} created with role {}", e.username, e.role),
            Self::UserPasswordChanged(e) => format!("password of user {} changed", e.user_id),
            Self::UserRoleChanged(e) => format!("user {} now has role {}", e.user_id, e.role),
            Self::UserDeleted(e) => format!("user {} deleted", e.user_id),
            Self::SessionStarted(e) => format!(
                "login (session {}) from {}",
                e.session_id,
                e.client.as_deref().unwrap_or("unknown address")
            ),
            Self::SessionEnded(e) => format!("logout (session {})", e.session_id),
            Self::LoginFailed(e) => format!(
                "failed login as {:?} from {}",
                e.username,
                e.client.as_deref().unwrap_or("unknown address")
            ),
            Self::TokenCreated(e) => format!(
                "API token {:?} ({}) issued with role {}",
                e.name, e.token_id, e.role
            ),
            Self::TokenRevoked(e) => format!("API token {} revoked", e.token_id),
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
            DomainEvent::UserCreated(UserCreated {
                user_id: Uuid::from_u128(1),
                username: Username::parse("alice").unwrap(),
                role: Role::Operator,
                password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
            }),
            DomainEvent::SessionStarted(SessionStarted {
                session_id: Uuid::from_u128(2),
                user_id: Uuid::from_u128(1),
                secret_hash: "ab".repeat(32),
                expires_at: DateTime::from_timestamp(1_800_000_000, 0).unwrap(),
                client: Some("127.0.0.1".into()),
            }),
            DomainEvent::TokenCreated(TokenCreated {
                token_id: Uuid::from_u128(3),
                user_id: Uuid::from_u128(1),
                name: "grafana".into(),
                role: Role::Viewer,
                secret_hash: "cd".repeat(32),
                expires_at: None,
            }),
            DomainEvent::TokenRevoked(TokenRevoked {
                token_id: Uuid::from_u128(3),
            }),
            DomainEvent::LoginFailed(LoginFailed {
                username: "mallory".into(),
                client: None,
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
    fn summaries_never_carry_hashes() {
        for event in samples() {
            let summary = event.summary();
            assert!(!summary.contains("argon2"), "{summary}");
            assert!(!summary.contains(&"ab".repeat(32)), "{summary}");
            assert!(!summary.contains(&"cd".repeat(32)), "{summary}");
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
