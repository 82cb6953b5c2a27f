//! `control-plane-bench tick`: runs the scheduler's tick over the database's policies a
//! few times and prints each one's duration and what it enqueued (a tick that enqueues
//! is the real tick's work too; on a seeded catalog nothing is due).

use std::sync::Arc;
use std::time::Instant;

use jobs::JobsConfig;
use jobs::scheduler::{Scheduler, SystemClock};

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    #[arg(long, default_value_t = 5)]
    rounds: usize,
}

/// Prints `tick_ms <median> <max> enqueued <n>` after the rounds.
pub async fn run(url: &str, args: Args) -> anyhow::Result<()> {
    let pool = store::db::connect(store::db::parse_url(url)?, 2).await?;
    let config = JobsConfig {
        sync_interval: None,
        ..JobsConfig::default()
    };
    let scheduler = Scheduler::new(pool, config, Arc::new(SystemClock));
    let mut took = Vec::new();
    let mut enqueued = 0;
    for _ in 0..args.rounds.max(1) {
        let started = Instant::now();
        let report = scheduler.tick().await?;
        took.push(started.elapsed().as_secs_f64() * 1000.0);
        enqueued += report.snapshots.len();
    }
    took.sort_by(f64::total_cmp);
    let median = took[took.len() / 2];
    let max = took[took.len() - 1];
    println!("tick_ms {median:.1} {max:.1} enqueued {enqueued}");
    Ok(())
}
