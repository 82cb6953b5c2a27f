//! The client commands of the `dist-btrfs` binary: the daily work against a running serve
//! over its REST API, through the client generated from `openapi/dist-btrfs.json`
//! (`dist-btrfs-client`, progenitor), never hand-written requests.
//!
//! Where to: `--url`/`DIST_BTRFS_URL` and `--token`/`DIST_BTRFS_TOKEN`, else the profile
//! `dist-btrfs login` wrote ([`profile`]). Output: tables and progress bars for people,
//! `--json` (the API's answer as it came) for scripts ([`output`]).
//!
//! Exit codes (also in `--help` and the README):
//! 0 done; 1 the server refused or failed the request (its problem is printed);
//! 2 a usage or local configuration error; 3 the server could not be reached;
//! 4 a watched replication or restore ended failed; 5 `status`: the fleet is not OK.
//!
//! A profile's token is sent only to the profile's own URL (or with `--profile`).
//!
//! Not here: serve itself, the server-side commands (`users`, `vault`, `backup` ...).

mod args;
mod commands;
mod output;
pub mod profile;
mod watch;

use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Subcommand};
use serde::Serialize;
use serde_json::Value;

pub use commands::run;

/// How a client command failed; each kind has its exit code (module docs).
#[derive(Debug)]
pub enum ClientError {
    /// The server answered with an error.
    Api { status: u16, detail: String },
    /// Usage or configuration.
    Usage(String),
    /// No answer from the server.
    Unreachable(String),
    /// A watched replication or restore failed.
    Failed(String),
    /// `status` found problems.
    NotOk,
}

impl ClientError {
    pub fn exit_code(&self) -> ExitCode {
        ExitCode::from(match self {
            Self::Api { .. } => 1,
            Self::Usage(_) => 2,
            Self::Unreachable(_) => 3,
            Self::Failed(_) => 4,
            Self::NotOk => 5,
        })
    }

    /// The message for stderr (none for `NotOk`: the table said it).
    pub fn message(&self) -> Option<String> {
        match self {
            Self::Api { status, detail } => Some(format!("the server answered {status}: {detail}")),
            Self::Usage(m) => Some(m.clone()),
            Self::Unreachable(m) => Some(format!("cannot reach the server: {m}")),
            Self::Failed(m) => Some(m.clone()),
            Self::NotOk => None,
        }
    }
}

impl From<anyhow::Error> for ClientError {
    fn from(e: anyhow::Error) -> Self {
        Self::Usage(format!("{e:#}"))
    }
}

impl<E: Serialize + std::fmt::Debug> From<progenitor_client::Error<E>> for ClientError {
    fn from(e: progenitor_client::Error<E>) -> Self {
        use progenitor_client::Error as E2;
        match e {
            E2::ErrorResponse(r) => {
                let status = r.status().as_u16();
                let body = serde_json::to_value(r.into_inner()).unwrap_or(Value::Null);
                let detail = body["detail"]
                    .as_str()
                    .or(body["title"].as_str())
                    .unwrap_or("(no detail)")
                    .to_owned();
                Self::Api { status, detail }
            }
            E2::CommunicationError(e) | E2::ResponseBodyError(e)
                if e.is_connect() || e.is_timeout() =>
            {
                Self::Unreachable(e.to_string())
            }
            E2::UnexpectedResponse(r) => Self::Api {
                status: r.status().as_u16(),
                detail: format!("an undocumented answer ({})", r.status()),
            },
            E2::InvalidResponsePayload(_, e) => Self::Api {
                status: 0,
                detail: format!("an answer that is not the documented JSON ({e})"),
            },
            other => Self::Unreachable(other.to_string()),
        }
    }
}

/// Where the API is and how to authenticate, for every client command.
#[derive(Debug, Clone, Args)]
pub struct ConnArgs {
    /// The serve to talk to, e.g. `https://backup.example.org` (default: the profile's).
    #[arg(long, global = true, env = "DIST_BTRFS_URL")]
    pub url: Option<String>,
    /// An API token (`dist-btrfs tokens create`, or the dashboard's Tokens page; default:
    /// the profile's). Prefer the variable: a flag shows in the process list.
    #[arg(long, global = true, env = "DIST_BTRFS_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// The profile of ~/.config/dist-btrfs/config.toml to use (default: its `default`).
    #[arg(long, global = true, env = "DIST_BTRFS_PROFILE")]
    pub profile: Option<String>,
    /// Print the API's answer as JSON instead of a table.
    #[arg(long, global = true)]
    pub json: bool,
}

/// A connection to a serve's API.
pub struct Conn {
    pub api: dist_btrfs_client::Client,
    pub json: bool,
}

impl ConnArgs {
    /// The API client: URL and token from the flags and variables, else the profile.
    pub fn connect(&self) -> Result<Conn, ClientError> {
        let profile = profile::pick(&profile::load()?, self.profile.as_deref())?;
        let url = self
            .url
            .clone()
            .or_else(|| profile.as_ref().map(|p| p.url.clone()))
            .ok_or_else(|| {
                ClientError::Usage(
                    "no server: give --url (or DIST_BTRFS_URL), or run `dist-btrfs login`".into(),
                )
            })?;
        // A profile's token goes only to its own server: `--url` elsewhere without
        // `--token` (or `--profile`) must not send it there.
        let profile_token = profile.filter(|p| {
            self.profile.is_some() || self.url.as_deref().is_none_or(|u| same_server(u, &p.url))
        });
        let token = self
            .token
            .clone()
            .or_else(|| profile_token.map(|p| p.token))
            .ok_or_else(|| {
                ClientError::Usage(
                    "no token: give DIST_BTRFS_TOKEN (or --token), or run `dist-btrfs login`"
                        .into(),
                )
            })?;
        Ok(Conn {
            api: api_client(&url, Some(&token), &[])?,
            json: self.json,
        })
    }
}

/// Whether two server URLs name the same serve (a trailing `/` aside).
fn same_server(a: &str, b: &str) -> bool {
    a.trim_end_matches('/') == b.trim_end_matches('/')
}

/// A client of `url`'s API sending `token` as a bearer token and `headers`.
pub fn api_client(
    url: &str,
    token: Option<&str>,
    headers: &[(&str, String)],
) -> Result<dist_btrfs_client::Client, ClientError> {
    let base = url.trim_end_matches('/');
    if !(base.starts_with("http://") || base.starts_with("https://")) {
        return Err(ClientError::Usage(format!(
            "--url {url:?} must start with http:// or https://"
        )));
    }
    let mut map = reqwest::header::HeaderMap::new();
    let bad = |what: &str| ClientError::Usage(format!("the {what} cannot be sent as a header"));
    if let Some(token) = token {
        let value = reqwest::header::HeaderValue::from_str(&format!("Bearer {token}"))
            .map_err(|_| bad("token"))?;
        map.insert(reqwest::header::AUTHORIZATION, value);
    }
    for (name, value) in headers {
        let name =
            reqwest::header::HeaderName::from_bytes(name.as_bytes()).map_err(|_| bad(name))?;
        let value = reqwest::header::HeaderValue::from_str(value).map_err(|_| bad("header"))?;
        map.insert(name, value);
    }
    let http = reqwest::Client::builder()
        .default_headers(map)
        .connect_timeout(Duration::from_secs(10))
        .user_agent(concat!("dist-btrfs-cli/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| ClientError::Usage(format!("HTTP client: {e}")))?;
    Ok(dist_btrfs_client::Client::new_with_client(
        &format!("{base}/api/v1"),
        http,
    ))
}

/// A typed answer as JSON, for output.
pub fn to_json<T: Serialize>(value: T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// A request body from JSON (the generated types check it as the server would).
pub fn body<T: serde::de::DeserializeOwned>(value: Value) -> Result<T, ClientError> {
    serde_json::from_value(value).map_err(|e| ClientError::Usage(format!("invalid request: {e}")))
}

/// The client commands (`dist-btrfs <command> --help` for each).
#[derive(Debug, Subcommand)]
pub enum ClientCommand {
    /// Log in to a serve with a user's password and keep an API token for it in a profile
    /// (~/.config/dist-btrfs/config.toml, mode 0600).
    Login {
        /// The serve, e.g. `http://127.0.0.1:8080`.
        url: String,
        #[arg(long, short = 'u')]
        username: String,
        /// Read the password from standard input (else DIST_BTRFS_PASSWORD).
        #[arg(long)]
        password_stdin: bool,
        /// The profile's name.
        #[arg(long = "as", default_value = "default")]
        profile_name: String,
        /// The token's role (default: yours).
        #[arg(long, value_parser = ["viewer", "operator", "admin"])]
        role: Option<String>,
    },
    /// The fleet's status: OK, or every problem (exit code 5 when not OK).
    Status {
        #[command(flatten)]
        conn: ConnArgs,
    },
    /// Servers: list, register, test, remove.
    Servers {
        #[command(flatten)]
        conn: ConnArgs,
        #[command(subcommand)]
        command: args::ServersCommand,
    },
    /// Managed subvolumes: list, manage.
    Subvolumes {
        #[command(flatten)]
        conn: ConnArgs,
        #[command(subcommand)]
        command: args::SubvolumesCommand,
    },
    /// Snapshots of a subvolume: list, create, delete.
    Snapshots {
        #[command(flatten)]
        conn: ConnArgs,
        #[command(subcommand)]
        command: args::SnapshotsCommand,
    },
    /// Replication targets of a subvolume: list, add.
    Targets {
        #[command(flatten)]
        conn: ConnArgs,
        #[command(subcommand)]
        command: args::TargetsCommand,
    },
    /// Policies: list, apply one to a subvolume.
    Policies {
        #[command(flatten)]
        conn: ConnArgs,
        #[command(subcommand)]
        command: args::PoliciesCommand,
    },
    /// Replicate a snapshot to its subvolume's targets (or some of them).
    Replicate {
        #[command(flatten)]
        conn: ConnArgs,
        /// The snapshot's id.
        snapshot: uuid::Uuid,
        /// Only these targets (repeatable; default: all of the subvolume's).
        #[arg(long = "target")]
        targets: Vec<uuid::Uuid>,
        /// Follow it until it ends, with progress bars (exit code 4 if it fails).
        #[arg(long)]
        watch: bool,
    },
    /// Replications: list, show one, watch one live.
    Replications {
        #[command(flatten)]
        conn: ConnArgs,
        #[command(subcommand)]
        command: args::ReplicationsCommand,
    },
    /// Restore a snapshot: as a new subvolume, by rollback, files, or a copy elsewhere.
    Restore(args::RestoreArgs),
    /// The event log: the newest events, or follow it live.
    Events {
        #[command(flatten)]
        conn: ConnArgs,
        #[command(subcommand)]
        command: args::EventsCommand,
    },
    /// API tokens: create one (its secret is shown once).
    Tokens {
        #[command(flatten)]
        conn: ConnArgs,
        #[command(subcommand)]
        command: args::TokensCommand,
    },
    /// Print a shell completion script (`dist-btrfs completions bash > /etc/bash_completion.d/dist-btrfs`).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff): `dist-btrfs man | man -l -`.
    Man,
}
