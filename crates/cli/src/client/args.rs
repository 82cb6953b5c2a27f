//! The arguments of the client commands' subcommands (clap), apart from what they do
//! (`commands`).
//!
//! Not here: connection flags (`super::ConnArgs`), the top-level list (`super::ClientCommand`).

use clap::{Args, Subcommand};
use uuid::Uuid;

use super::ConnArgs;

#[derive(Debug, Subcommand)]
pub enum ServersCommand {
    /// Every registered server.
    Ls,
    /// Register an SSH server (its host key is pinned: give --fingerprint as shown by
    /// `ssh-keyscan HOST | ssh-keygen -lf -`, or --trust-first-key).
    Add {
        name: String,
        #[arg(long)]
        address: String,
        #[arg(long, default_value_t = 22)]
        port: u16,
        #[arg(long)]
        username: String,
        /// A private key file (OpenSSH format).
        #[arg(long)]
        key_file: std::path::PathBuf,
        /// `primary` (holds subvolumes) or `remote` (receives replicas).
        #[arg(long, value_parser = ["primary", "remote"], default_value = "remote")]
        role: String,
        /// An allowed root (repeatable; at least one).
        #[arg(long = "root", required = true)]
        roots: Vec<String>,
        /// Run btrfs through `sudo -n` on it.
        #[arg(long)]
        sudo: bool,
        /// The host key fingerprint (`SHA256:...`) the server must present.
        #[arg(long, conflicts_with = "trust_first_key")]
        fingerprint: Option<String>,
        /// Pin whatever key the server presents now (trust on first use).
        #[arg(long)]
        trust_first_key: bool,
    },
    /// Run the server's checks (connection, btrfs, roots, free space).
    Test { server: Uuid },
    /// Remove a server (refused while it holds managed subvolumes or targets).
    Rm { server: Uuid },
}

#[derive(Debug, Subcommand)]
pub enum SubvolumesCommand {
    /// Managed subvolumes.
    Ls {
        #[arg(long)]
        server: Option<Uuid>,
    },
    /// Start managing a subvolume of a server.
    Manage {
        server: Uuid,
        /// The subvolume's absolute path.
        path: String,
        /// The existing directory its snapshots go into.
        #[arg(long)]
        snapshot_dir: String,
        /// Snapshot name prefix (default: the path's last component).
        #[arg(long)]
        name: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum TargetsCommand {
    /// A subvolume's replication targets.
    Ls { subvolume: Uuid },
    /// Replicate a subvolume to a directory of a remote server from now on.
    Add {
        subvolume: Uuid,
        server: Uuid,
        /// The directory on the server that receives the replicas.
        directory: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum SnapshotsCommand {
    /// A subvolume's snapshots, newest first.
    Ls {
        subvolume: Uuid,
        /// Also the deleted and vanished ones.
        #[arg(long)]
        all: bool,
    },
    /// Take a read-only snapshot now.
    Create { subvolume: Uuid },
    /// Delete a managed snapshot.
    Rm { snapshot: Uuid },
}

#[derive(Debug, Subcommand)]
pub enum PoliciesCommand {
    /// Every policy.
    Ls,
    /// Make a subvolume follow a policy (its schedule and retention).
    Apply { policy: Uuid, subvolume: Uuid },
}

#[derive(Debug, Subcommand)]
pub enum ReplicationsCommand {
    /// Recent replications, newest first.
    Ls {
        #[arg(long)]
        subvolume: Option<Uuid>,
        #[arg(long, default_value_t = 20)]
        limit: i64,
    },
    /// One replication and its targets.
    Show { replication: Uuid },
    /// Follow a replication live until it ends (exit code 4 if it fails).
    Watch { replication: Uuid },
}

#[derive(Debug, Subcommand)]
pub enum EventsCommand {
    /// The newest events, then (with --follow) new ones as they happen.
    Tail {
        #[arg(short = 'n', long, default_value_t = 20)]
        lines: i64,
        #[arg(short, long)]
        follow: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokensCommand {
    /// Create an API token; its secret is printed once.
    Create {
        name: String,
        #[arg(long, value_parser = ["viewer", "operator", "admin"])]
        role: Option<String>,
        #[arg(long)]
        expires_in_days: Option<u32>,
    },
}

/// `dist-btrfs restore`.
#[derive(Debug, Args)]
pub struct RestoreArgs {
    #[command(flatten)]
    pub conn: ConnArgs,
    /// The snapshot to restore.
    pub snapshot: Uuid,
    /// `new_subvolume`, `rollback`, `files` or `snapshot` (a copy onto --destination-server).
    #[arg(long, value_parser = ["new_subvolume", "rollback", "files", "snapshot"])]
    pub mode: String,
    /// new_subvolume: the new subvolume's path; files: where to copy them; snapshot: the
    /// directory on --destination-server.
    #[arg(long)]
    pub destination: Option<String>,
    /// files: a path inside the snapshot (repeatable).
    #[arg(long = "path")]
    pub paths: Vec<String>,
    #[arg(long)]
    pub overwrite: bool,
    /// Restore from this replica instead of the primary's snapshot.
    #[arg(long)]
    pub from_replica: Option<Uuid>,
    /// snapshot: the registered server to receive the copy.
    #[arg(long)]
    pub destination_server: Option<Uuid>,
    /// Follow it until it ends (exit code 4 if it fails).
    #[arg(long)]
    pub watch: bool,
}
