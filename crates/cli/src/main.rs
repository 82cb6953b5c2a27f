//! The `dist-btrfs` binary: parses the command line and runs one command.
//!
//! This is the binary edge: errors are `anyhow` here and nowhere else. Commands:
//! `serve` (the control plane), `migrate`, `openapi` (print the spec),
//! `projections rebuild`, `users reset-password` / `users set-role` (recovery from the
//! server itself, straight against the database, recorded as events) and `vault
//! rotate-key` (refused while a `serve` holds the state directory).

mod client;
mod config_file;
mod database;
mod demo;
mod jobs;
mod serve;
mod settings;
mod state_dir;
mod telemetry;
mod tls_race;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};

// mimalloc, not glibc's malloc: serve's answers build many small JSON values, and under
// load glibc's malloc and free took about a third of serve's CPU (docs/design.md). It is built
// without eager arena commit (`.cargo/config.toml`), which keeps purged pages out of RSS.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Debug, Parser)]
#[command(
    name = "dist-btrfs",
    version,
    about = "Control plane for btrfs snapshots across a fleet",
    after_help = "Exit codes of the client commands (login ... tokens): 0 done; 1 the server refused \
                  or failed the request; 2 usage or configuration; 3 the server could not be \
                  reached; 4 a watched replication or restore failed (or a server check); \
                  5 status: the fleet is not OK."
)]
struct Cli {
    /// The configuration file: every setting below under its flag's name
    /// (`hooks-dir = "/srv/hooks"`); flags and variables beat it. Read only when present
    /// unless named.
    #[arg(long, global = true, env = "DIST_BTRFS_CONFIG", default_value = config_file::DEFAULT_CONFIG)]
    config: PathBuf,
    /// Log format on stderr.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text, env = "DIST_BTRFS_LOG_FORMAT")]
    log_format: LogFormat,
    /// What is logged: a tracing filter (`info`, `debug`, `info,engine=debug`, ...).
    #[arg(long, global = true, default_value = telemetry::DEFAULT_LOG, env = "DIST_BTRFS_LOG")]
    log: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

/// Where the database is: `DATABASE_URL`, or the private cluster under the state dir.
#[derive(Debug, Clone, clap::Args)]
struct DatabaseArgs {
    /// State directory (private Postgres, master key, locks).
    #[arg(long, env = "DIST_BTRFS_STATE_DIR")]
    state_dir: Option<PathBuf>,
    /// External Postgres. When unset, a private cluster under the state dir is used.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    database_url: Option<String>,
    /// OS user the private Postgres runs as when dist-btrfs runs as root.
    #[arg(long, env = "DIST_BTRFS_PG_USER")]
    pg_user: Option<String>,
    /// The vault's master key (created 0600 at first start). Default: <state-dir>/master.key.
    #[arg(long, env = "DIST_BTRFS_MASTER_KEY_FILE")]
    master_key_file: Option<PathBuf>,
    /// Where the private Postgres's `postgres` and `initdb` are. Default: the newest
    /// /usr/lib/postgresql/<N>/bin, else PATH.
    #[arg(long, env = "DIST_BTRFS_PG_BINDIR")]
    pg_bindir: Option<PathBuf>,
}

impl DatabaseArgs {
    /// The master key file: `--master-key-file`, else `<state-dir>/master.key`.
    fn master_key_path(&self) -> PathBuf {
        self.master_key_file.clone().unwrap_or_else(|| {
            self.state_dir
                .clone()
                .unwrap_or_else(state_dir::default_dir)
                .join("master.key")
        })
    }
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the control plane: REST API, dashboard, job workers.
    Serve {
        /// Address to listen on (port 0 picks a free port and prints it).
        #[arg(long, default_value = "127.0.0.1:8080", env = "DIST_BTRFS_LISTEN")]
        listen: String,
        /// The built dashboard (a folder with index.html). Default: the repository's
        /// frontend/dist when present, else /usr/share/dist-btrfs/frontend.
        #[arg(long, env = "DIST_BTRFS_FRONTEND_DIR")]
        frontend_dir: Option<PathBuf>,
        /// PEM certificate (chain) for HTTPS; needs --tls-key.
        #[arg(long, env = "DIST_BTRFS_TLS_CERT", requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        /// PEM private key for HTTPS; needs --tls-cert.
        #[arg(long, env = "DIST_BTRFS_TLS_KEY", requires = "tls_cert")]
        tls_key: Option<PathBuf>,
        /// Also serve `/metrics` WITHOUT authentication on this address (keep it private).
        /// `/api/v1/metrics` always works with an API token.
        #[arg(long, env = "DIST_BTRFS_METRICS_LISTEN")]
        metrics_listen: Option<String>,
        /// Threads of the async runtime of the jobs (every transfer's SSH encryption, the
        /// scheduler, the workers). Default: one fewer than the CPUs, at least one (a core
        /// is left for `btrfs send`).
        #[arg(long, env = "DIST_BTRFS_WORKER_THREADS", value_parser = clap::value_parser!(u16).range(1..=1024))]
        worker_threads: Option<u16>,
        /// Threads of the HTTP API's own async runtime. Default: as many as the CPUs (the
        /// API's threads sleep while nobody asks; a burst of reads uses every core without
        /// sharing a thread with a transfer).
        #[arg(long, env = "DIST_BTRFS_API_THREADS", value_parser = clap::value_parser!(u16).range(1..=1024))]
        api_threads: Option<u16>,
        /// A reverse proxy (CIDR, repeatable or comma-separated) whose `X-Forwarded-For`
        /// names the client for login throttling and audit events. Without it the
        /// socket's peer address counts and the header is ignored.
        #[arg(long = "trusted-proxy", env = "DIST_BTRFS_TRUSTED_PROXIES", value_delimiter = ',')]
        trusted_proxies: Vec<ipnet::IpNet>,
        /// The largest request body accepted; larger ones get 413 unread.
        #[arg(long, env = "DIST_BTRFS_MAX_BODY_BYTES", default_value_t = api::hardening::DEFAULT_MAX_BODY_BYTES,
              value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1024..=1_073_741_824))]
        max_body_bytes: usize,
        #[command(flatten)]
        settings: Box<settings::ServeSettings>,
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// Apply database migrations and exit.
    Migrate {
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// Write a backup of the control plane's database (the event log, the sealed
    /// secrets, the slot ledger) to FILE; safe while serve runs. Keep the master key
    /// beside it: the secrets stay encrypted under it.
    Backup {
        /// The file to write (replaced only once complete).
        file: PathBuf,
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// Load a backup written by `backup` into an empty database and rebuild the
    /// projections from it, in one transaction; serve must not run on the database.
    RestoreDb {
        /// The backup file.
        file: PathBuf,
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// Print the OpenAPI document (JSON) to stdout.
    Openapi,
    /// Print the table of settings and their environment variables (markdown, as the
    /// README has it).
    #[command(hide = true)]
    SettingsTable,
    /// Projection maintenance.
    Projections {
        #[command(subcommand)]
        command: ProjectionsCommand,
    },
    /// User accounts.
    Users {
        #[command(subcommand)]
        command: UsersCommand,
    },
    /// The credential vault.
    Vault {
        #[command(subcommand)]
        command: VaultCommand,
    },
    #[command(flatten)]
    Client(client::ClientCommand),
}

#[derive(Debug, Subcommand)]
enum VaultCommand {
    /// Re-encrypt every stored secret under a new master key, in one transaction.
    RotateKey {
        #[command(flatten)]
        db: DatabaseArgs,
    },
}

#[derive(Debug, Subcommand)]
enum UsersCommand {
    /// Set a new, generated password for a user and print it (ends their sessions).
    ResetPassword {
        /// The user name.
        username: String,
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// Give a user a role (`admin`, `operator` or `viewer`): the way back in for an
    /// installation whose admins are locked out. Refuses to demote the last admin.
    SetRole {
        /// The user name.
        username: String,
        /// The new role.
        #[arg(value_parser = ["admin", "operator", "viewer"])]
        role: String,
        #[command(flatten)]
        db: DatabaseArgs,
    },
}

#[derive(Debug, Subcommand)]
enum ProjectionsCommand {
    /// Clear every projection and replay the event log into it.
    Rebuild {
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// Compare the projections with a fresh rebuild (replayed in a transaction that is
    /// rolled back); exit 1 naming the tables that differ.
    Check {
        #[command(flatten)]
        db: DatabaseArgs,
    },
}

fn main() -> ExitCode {
    let command = <Cli as clap::CommandFactory>::command();
    let args = match config_file::with_config_file(&command, std::env::args_os().collect(), |k| {
        std::env::var_os(k)
    }) {
        Ok(args) => args,
        Err(e) => {
            eprintln!("dist-btrfs: {e:#}");
            return ExitCode::from(2);
        }
    };
    let cli = Cli::parse_from(args);
    let cli = match cli.command {
        Command::Client(command) => return run_client(command),
        command => Cli { command, ..cli },
    };
    let telemetry = telemetry::init(cli.log_format, &cli.log);
    let workers = match &cli.command {
        Command::Serve {
            worker_threads: Some(n),
            ..
        } => usize::from(*n),
        _ => default_worker_threads(),
    };
    let Some(runtime) =
        runtime(tokio::runtime::Builder::new_multi_thread().worker_threads(workers))
    else {
        return ExitCode::FAILURE;
    };
    let result = runtime.block_on(run(cli.command));
    drop(runtime);
    drop(telemetry); // flush exported spans and metrics
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("dist-btrfs: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// The async runtime `builder` makes (with I/O and timers), or `None` after saying why.
fn runtime(builder: &mut tokio::runtime::Builder) -> Option<tokio::runtime::Runtime> {
    match builder.enable_all().build() {
        Ok(rt) => Some(rt),
        Err(e) => {
            eprintln!("dist-btrfs: cannot start the async runtime: {e}");
            None
        }
    }
}

/// A client command, on a small runtime, without the server's logging: its exit code
/// says how it ended (`client` module docs).
fn run_client(command: client::ClientCommand) -> ExitCode {
    let root = <Cli as clap::CommandFactory>::command();
    let Some(runtime) = runtime(&mut tokio::runtime::Builder::new_current_thread()) else {
        return ExitCode::FAILURE;
    };
    match runtime.block_on(client::run(command, root)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if let Some(message) = e.message() {
                eprintln!("dist-btrfs: {message}");
            }
            e.exit_code()
        }
    }
}

/// The runtime's worker threads unless `serve --worker-threads` says otherwise: one fewer
/// than the CPUs, at least one. The primary's `btrfs send` (and, on a small box, the rest of
/// the system) needs a core too. A transfer is a chain of tasks that wake each other per
/// chunk (fan-out, SSH session, pipe reads); with a worker per CPU, every wake-up may pull
/// an idle worker onto another CPU, which on a 2-core machine takes that CPU from
/// `btrfs send` and costs a context switch each time. Measured on the 2-core lab
/// (`ops/bench/replication`, back-to-back runs): serve's core-seconds per 2 GiB sent
/// dropped from ~2.8 to 2.2-2.5 with one worker instead of two, and dist-btrfs to one
/// remote went from 1.06x to 1.16x OpenSSH aes128-gcm (medians of the per-round ratios).
fn default_worker_threads() -> usize {
    std::thread::available_parallelism()
        .map_or(1, |n| n.get().saturating_sub(1))
        .max(1)
}

async fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Serve {
            listen,
            frontend_dir,
            tls_cert,
            tls_key,
            metrics_listen,
            worker_threads: _,
            api_threads,
            trusted_proxies,
            max_body_bytes,
            settings,
            db,
        } => {
            let options = serve::ServeOptions {
                trusted_proxies,
                max_body_bytes,
                settings: *settings,
                listen,
                frontend_dir: frontend_dir.unwrap_or_else(serve::default_frontend_dir),
                tls: tls_cert.zip(tls_key),
                master_key_file: db.master_key_path(),
                metrics_listen,
                api_threads: api_threads.map_or_else(serve::default_api_threads, usize::from),
            };
            serve::run(&options, &db).await
        }
        Command::Migrate { db } => {
            let database = database::open(&db).await?;
            store::db::migrate(database.pool()).await?;
            println!("migrations applied");
            database.close().await
        }
        Command::Backup { file, db } => {
            let database = database::open(&db).await?;
            store::db::migrate(database.pool()).await?;
            let counts = store::backup::export(database.pool(), &file).await?;
            println!(
                "backup written to {}: {} events, {} secrets, {} slots",
                file.display(),
                counts.events,
                counts.secrets,
                counts.slots
            );
            database.close().await
        }
        Command::RestoreDb { file, db } => {
            let database = database::open_exclusive(&db).await?;
            store::db::migrate(database.pool()).await?;
            let counts = store::backup::import(database.pool(), &file).await?;
            println!(
                "database restored from {}: {} events, {} secrets, {} slots; projections rebuilt",
                file.display(),
                counts.events,
                counts.secrets,
                counts.slots
            );
            database.close().await
        }
        Command::Openapi => {
            println!("{}", api::openapi_json());
            Ok(())
        }
        Command::SettingsTable => {
            print!(
                "{}",
                settings::table(&<Cli as clap::CommandFactory>::command())
            );
            Ok(())
        }
        Command::Projections {
            command: ProjectionsCommand::Rebuild { db },
        } => {
            let database = database::open(&db).await?;
            store::db::migrate(database.pool()).await?;
            let report = store::projections::rebuild(database.pool()).await?;
            println!(
                "projections rebuilt: replayed {} events into {} tables; appends waited {} ms",
                report.events_replayed,
                report.tables_cleared,
                report.appends_blocked.as_millis()
            );
            database.close().await
        }
        Command::Projections {
            command: ProjectionsCommand::Check { db },
        } => {
            let database = database::open(&db).await?;
            store::db::migrate(database.pool()).await?;
            let differ = store::projections::check(database.pool()).await?;
            database.close().await?;
            if !differ.is_empty() {
                anyhow::bail!(
                    "projections differ from a fresh rebuild in: {}",
                    differ.join(", ")
                );
            }
            println!("projections equal a fresh rebuild");
            Ok(())
        }
        Command::Vault {
            command: VaultCommand::RotateKey { db },
        } => {
            // A running serve holds the old key in memory: rotate only while it is stopped.
            let database = database::open_exclusive(&db)
                .await
                .context("vault rotate-key needs serve stopped")?;
            let key_file = db.master_key_path();
            let result = async {
                store::db::migrate(database.pool()).await?;
                Ok::<_, anyhow::Error>(
                    store::vault::rotate_key_file(database.pool().clone(), &key_file).await?,
                )
            }
            .await;
            database.close().await?;
            let (count, key_id) = result?;
            println!(
                "vault: {count} secrets re-encrypted under key {key_id} ({})",
                key_file.display()
            );
            Ok(())
        }
        // Dispatched before the runtime is built (`run_client`).
        Command::Client(_) => anyhow::bail!("a client command reached the server's dispatch"),
        Command::Users {
            command: UsersCommand::ResetPassword { username, db },
        } => {
            let database = database::open(&db).await?;
            let result = reset_password(database.pool(), &username).await;
            database.close().await?;
            let password = result?;
            println!("new password for {username}: {password}");
            Ok(())
        }
        Command::Users {
            command: UsersCommand::SetRole { username, role, db },
        } => {
            let role = domain::Role::parse(&role)
                .ok_or_else(|| anyhow::anyhow!("unknown role {role:?}"))?;
            let database = database::open(&db).await?;
            let result = set_role(database.pool(), &username, role).await;
            database.close().await?;
            result?;
            println!("{username} now has role {role}");
            Ok(())
        }
    }
}

async fn user_named(pool: &sqlx::PgPool, username: &str) -> anyhow::Result<uuid::Uuid> {
    store::db::migrate(pool).await?;
    Ok(store::projections::auth::user_by_name(pool, username)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no user named {username:?}"))?
        .user_id)
}

async fn set_role(pool: &sqlx::PgPool, username: &str, role: domain::Role) -> anyhow::Result<()> {
    let user_id = user_named(pool, username).await?;
    let events = store::EventStore::new(pool.clone());
    engine::accounts::set_role(&events, user_id, role, domain::Actor::System).await?;
    Ok(())
}

async fn reset_password(pool: &sqlx::PgPool, username: &str) -> anyhow::Result<String> {
    let user_id = user_named(pool, username).await?;
    let password = engine::accounts::secrets::generated_password();
    let events = store::EventStore::new(pool.clone());
    // A reset is for an account that may be compromised: its tokens go too.
    engine::accounts::set_password(
        &events,
        user_id,
        &password,
        engine::accounts::Tokens::Revoke,
        domain::Actor::System,
    )
    .await?;
    Ok(password)
}
