//! Registering the local primary.
//!
//! Design: a server is an entity with its own stream (`server-<id>`) and a
//! `ServerRegistered` event carrying role, transport and allowed roots. `serve` calls
//! [`ensure_local_primary`] with the roots from `DIST_BTRFS_PRIMARY_ROOTS`: it registers a
//! primary reached locally when there is none, and records `ServerRootsChanged` when the
//! configured roots differ from the recorded ones (the environment is the configuration
//! of the local primary). Without roots nothing is registered: dist-btrfs is not running
//! on a primary. SSH servers (issue 4) are registered through the API with the same
//! event.

use domain::event::{ServerRegistered, ServerRootsChanged};
use domain::{DomainEvent, EntityName, ServerId, ServerPath, ServerRole, Transport};
use store::projections;
use store::{AppendMeta, EventStore, ExpectedVersion, events, locks};

use crate::EngineError;

/// The name the local primary is registered under.
pub const LOCAL_PRIMARY_NAME: &str = "primary";

/// Parses a colon-separated list of absolute paths (`DIST_BTRFS_PRIMARY_ROOTS`). Empty
/// entries are ignored; duplicates are removed, order kept.
pub fn parse_root_list(list: &str) -> Result<Vec<ServerPath>, EngineError> {
    let mut roots: Vec<ServerPath> = Vec::new();
    for entry in list.split(':').filter(|e| !e.is_empty()) {
        let root = ServerPath::parse(entry)
            .map_err(|e| EngineError::Invalid(format!("allowed root {entry:?}: {e}")))?;
        if !roots.contains(&root) {
            roots.push(root);
        }
    }
    Ok(roots)
}

/// Makes sure a local primary with exactly `roots` is registered (see the module docs).
/// Returns its id, or `None` when there is none and `roots` is empty. Safe when several
/// processes start at once (serialized by an advisory lock).
#[tracing::instrument(skip_all, err(level = "debug", Display))]
pub async fn ensure_local_primary(
    events: &EventStore,
    roots: &[ServerPath],
    meta: &AppendMeta,
) -> Result<Option<ServerId>, EngineError> {
    let mut tx = events.pool().begin().await?;
    locks::lock_server_registry(&mut tx).await?;
    let servers = projections::servers(&mut *tx).await?;
    let wanted: Vec<String> = roots.iter().map(|r| r.as_str().to_owned()).collect();
    let existing = servers
        .iter()
        .find(|s| s.role == ServerRole::Primary && s.transport == Transport::Local);
    let id = match existing {
        Some(server) if roots.is_empty() || server.allowed_roots == wanted => {
            Some(server.server_id)
        }
        Some(server) => {
            let event = DomainEvent::ServerRootsChanged(ServerRootsChanged {
                server_id: server.server_id,
                allowed_roots: wanted,
            });
            events::append_in(
                &mut tx,
                &server.server_id.stream(),
                ExpectedVersion::Any,
                &[event],
                meta,
            )
            .await?;
            tracing::info!(server = %server.server_id, "allowed roots of the local primary changed");
            Some(server.server_id)
        }
        None if roots.is_empty() => None,
        None => {
            let name = EntityName::parse(LOCAL_PRIMARY_NAME)
                .map_err(|e| EngineError::Inconsistent(e.to_string()))?;
            if servers.iter().any(|s| s.name == name.as_str()) {
                return Err(EngineError::Conflict(format!(
                    "a server named {name:?} exists but is not a local primary"
                )));
            }
            let id = ServerId::new();
            let event = DomainEvent::ServerRegistered(ServerRegistered {
                server_id: id,
                name: name.into_string(),
                role: ServerRole::Primary,
                transport: Transport::Local,
                allowed_roots: wanted,
                sudo: false,
            });
            events::append_in(
                &mut tx,
                &id.stream(),
                ExpectedVersion::NoStream,
                &[event],
                meta,
            )
            .await?;
            tracing::info!(server = %id, "registered the local primary");
            Some(id)
        }
    };
    tx.commit().await?;
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_lists() {
        let roots = parse_root_list("/mnt/a::/mnt/b:/mnt/a").unwrap();
        assert_eq!(
            roots.iter().map(ServerPath::as_str).collect::<Vec<_>>(),
            ["/mnt/a", "/mnt/b"]
        );
        assert!(parse_root_list("").unwrap().is_empty());
        assert!(parse_root_list("relative").is_err());
        assert!(parse_root_list("/a/../b").is_err());
        assert!(parse_root_list("/a b").is_err());
    }
}
