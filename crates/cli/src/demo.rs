//! The demo fleet: on a fresh installation started by `ops/run` with the lab as its demo
//! (`DIST_BTRFS_DEMO_FLEET=FILE`), register the lab remotes, manage the lab primary's demo
//! subvolumes, give them an hourly policy and replication targets (every demo subvolume
//! to every remote's target directory), so the dashboard shows a
//! working fleet at once.
//!
//! It goes through the same engine methods as the API (validation, checks, events with the
//! `system` actor) and does nothing when any SSH server is registered already: it seeds a
//! fresh installation once and never fights what an operator changed. It does not build the
//! lab (ops/lab does) and is not used outside the demo.

use std::path::Path;

use anyhow::Context as _;
use domain::replication::TargetOptions;
use domain::{PolicySpec, ServerRole, Transport};
use engine::Engine;
use engine::ssh_servers::{Credentials, NewSshServer};
use engine::subvolumes::ManageRequest;
use serde::Deserialize;
use store::projections;
use store::vault::Vault;

/// The demo fleet file, written by ops/run from `ops/lab env`.
#[derive(Debug, Deserialize)]
pub struct DemoFleet {
    pub remotes: Vec<DemoRemote>,
    /// The local primary's subvolumes to manage, with their snapshot directory.
    pub subvolumes: Vec<DemoSubvolume>,
    /// The policy the subvolumes follow.
    pub policy: PolicySpec,
    /// Directory on every remote that receives every demo subvolume's snapshots (a
    /// replication target per subvolume and remote); unset: no targets.
    #[serde(default)]
    pub target_dir: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct DemoRemote {
    pub name: String,
    pub address: String,
    pub port: u32,
    pub username: String,
    /// File holding the private key (never the key itself in the fleet file).
    pub private_key_file: String,
    pub sudo: bool,
    pub allowed_root: String,
    /// The host key to pin (`SHA256:…`); unset: trusted on first use.
    #[serde(default)]
    pub host_key_fingerprint: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct DemoSubvolume {
    pub path: String,
    pub snapshot_dir: String,
}

/// Reads the fleet file.
pub fn read(path: &Path) -> anyhow::Result<DemoFleet> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading the demo fleet file {}", path.display()))?;
    serde_json::from_str(&text)
        .with_context(|| format!("parsing the demo fleet file {}", path.display()))
}

/// Seeds the fleet unless an SSH server is registered already. Returns whether it did.
pub async fn seed(engine: &Engine, vault: &Vault, fleet: &DemoFleet) -> anyhow::Result<bool> {
    let pool = engine.events().pool();
    let servers = projections::servers(pool).await?;
    if servers
        .iter()
        .any(|s| matches!(s.transport, Transport::Ssh { .. }))
    {
        return Ok(false);
    }
    let primary = servers
        .iter()
        .find(|s| s.role == ServerRole::Primary && !matches!(s.transport, Transport::Ssh { .. }))
        .context("the demo needs the local primary (DIST_BTRFS_PRIMARY_ROOTS)")?;
    let meta = engine::system_meta();

    let mut remotes = Vec::new();
    for r in &fleet.remotes {
        let key = std::fs::read_to_string(&r.private_key_file)
            .with_context(|| format!("reading {}", r.private_key_file))?;
        let req = NewSshServer {
            name: r.name.clone(),
            address: r.address.clone(),
            port: r.port,
            username: r.username.clone(),
            credentials: Credentials::Key {
                key: key.into(),
                passphrase: None,
            },
            role: ServerRole::Remote,
            sudo: r.sudo,
            allowed_roots: vec![r.allowed_root.clone()],
            force: false,
            host_key_fingerprint: r.host_key_fingerprint.clone(),
        };
        let (server, _) = engine
            .register_ssh_server(vault, &req, &meta)
            .await
            .map_err(|e| anyhow::anyhow!("registering demo remote {}: {e}", r.name))?;
        remotes.push(server);
    }

    let policy = engine.create_policy(fleet.policy.clone(), &meta).await?;
    for s in &fleet.subvolumes {
        let sub = engine
            .manage_subvolume(
                &ManageRequest {
                    server_id: primary.server_id,
                    path: s.path.clone(),
                    snapshot_dir: s.snapshot_dir.clone(),
                    name: None,
                },
                &meta,
            )
            .await
            .with_context(|| format!("managing demo subvolume {}", s.path))?;
        engine
            .assign_policy(sub.subvolume_id, policy.policy_id, &meta)
            .await?;
        if let Some(dir) = &fleet.target_dir {
            for remote in &remotes {
                engine
                    .add_target(
                        sub.subvolume_id,
                        remote.server_id,
                        dir,
                        TargetOptions::default(),
                        &meta,
                    )
                    .await
                    .with_context(|| format!("adding demo target {dir} on {}", remote.name))?;
            }
        }
    }
    Ok(true)
}
