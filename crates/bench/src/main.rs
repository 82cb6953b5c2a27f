//! `control-plane-bench`: the Rust half of `ops/bench/control-plane` (the script starts
//! serve, drives the HTTP load and prints the table).
//!
//! - `seed`: a large catalog through the event store ([`seed`]);
//! - `tick`: times the scheduler's tick over the catalog's policies ([`tick`]).

mod indexes;
mod seed;
mod tick;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(about = "Seeds and measures a large dist-btrfs catalog")]
struct Cli {
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    database_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Fill an empty database with a catalog, through the event store.
    Seed(seed::Args),
    /// Time the scheduler's tick (nothing is due on a seeded catalog).
    Tick(tick::Args),
    /// Which indexes each list read uses (Postgres's own scan counters).
    Indexes(indexes::Args),
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let Some(url) = cli.database_url else {
        anyhow::bail!("give the database in DATABASE_URL (or --database-url)");
    };
    match cli.command {
        Command::Seed(args) => seed::run(&url, args).await,
        Command::Tick(args) => tick::run(&url, args).await,
        Command::Indexes(args) => indexes::run(&url, args).await,
    }
}
