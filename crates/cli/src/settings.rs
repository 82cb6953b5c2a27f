//! `serve`'s settings that are not about listening or the database: the local primary,
//! the first admin, the demo fleet, storage collection and the job runner. Like every
//! setting of the binary they are read one way, by clap: a flag, else its `DIST_BTRFS_*`
//! environment variable, else the default. `dist-btrfs settings-table` prints the table
//! of all of them that the README holds (a test keeps the two equal).
//!
//! Not settings, and so read elsewhere: `OTEL_EXPORTER_OTLP_*` / `OTEL_*` (the
//! OpenTelemetry SDK's own variables, `crate::telemetry`), `XDG_STATE_HOME` / `HOME` /
//! `PATH` (the OS's conventions), `DIST_BTRFS_TEST_PAUSE_*` (test-only pause points,
//! `engine::test_pause`), `DIST_BTRFS_TEST_CLOCK_SKEW_FILE` (test-only scheduler clock,
//! `jobs::SkewedClock`).

use std::path::PathBuf;
use std::time::Duration;

use jobs::JobsConfig;

/// The local primary, the first admin, the demo fleet, storage collection.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeSettings {
    /// Allowed roots of this machine as the local primary, colon-separated absolute
    /// paths; registered at start. Empty: this machine is not a primary.
    #[arg(long, env = "DIST_BTRFS_PRIMARY_ROOTS", default_value = "")]
    pub primary_roots: String,
    /// The first admin's password on a fresh installation (else one is generated and
    /// printed once). Give it in the environment, not on a command line.
    #[arg(long, env = "DIST_BTRFS_ADMIN_PASSWORD", hide_env_values = true)]
    pub admin_password: Option<String>,
    /// A demo fleet file to seed a fresh installation with (`ops/run` writes one).
    #[arg(long, env = "DIST_BTRFS_DEMO_FLEET")]
    pub demo_fleet: Option<PathBuf>,
    /// Seconds between storage collections of every server (0: off).
    #[arg(long, env = "DIST_BTRFS_STORAGE_INTERVAL_SECS", default_value_t = 300)]
    pub storage_interval_secs: u64,
    /// Seconds of silence from an SSH server before a keepalive is sent (0: none).
    #[arg(long, env = "DIST_BTRFS_SSH_KEEPALIVE_SECS",
          default_value_t = engine::ssh_servers::DEFAULT_KEEPALIVE.as_secs())]
    pub ssh_keepalive_secs: u64,
    /// Unanswered keepalives after which an SSH connection counts as lost: a link gone
    /// dark fails its transfers after keepalive seconds times this (at least 10 s; a
    /// target that accepts no byte of a stream for that long fails too), and they are
    /// retried.
    #[arg(long, env = "DIST_BTRFS_SSH_KEEPALIVE_MAX",
          default_value_t = engine::ssh_servers::DEFAULT_KEEPALIVE_MAX,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=100))]
    pub ssh_keepalive_max: usize,
    /// Sends estimated at this many bytes or more are staged on the target (in
    /// `.dist-btrfs-staging` beside its replicas, written as the login user) so that a cut
    /// transfer resumes where it stopped; 0: every send goes straight into btrfs receive.
    #[arg(long, env = "DIST_BTRFS_RESUMABLE_SEND_MIN_BYTES",
          default_value_t = engine::DEFAULT_RESUMABLE_MIN_BYTES)]
    pub resumable_send_min_bytes: u64,
    /// Bytes one target of a fan-out (one send to several targets) may fall behind the
    /// others before the send waits for it: a slower target lags by up to this without
    /// slowing the rest. Memory of serve, shared by the targets (at most 1 GiB).
    #[arg(long, env = "DIST_BTRFS_FANOUT_BUFFER_BYTES",
          default_value_t = engine::fanout::LAG_BYTES as u64)]
    pub fanout_buffer_bytes: u64,
    /// The directory of snapshot hooks on every server: a subvolume's pre- and
    /// post-snapshot hooks are executables in it, chosen by file name (absolute path).
    #[arg(long, env = "DIST_BTRFS_HOOKS_DIR", default_value = engine::hooks::DEFAULT_HOOKS_DIR,
          value_parser = parse_abs_path)]
    pub hooks_dir: btrfs::AbsPath,
    /// A filesystem at or above this usage (percent) is a warning of the fleet status
    /// (`GET /api/v1/status`, `/metrics`, the dashboard); at 95% or more it is critical.
    #[arg(long, env = "DIST_BTRFS_USAGE_WARNING_PERCENT",
          default_value_t = domain::status::DEFAULT_USAGE_WARNING_PERCENT,
          value_parser = clap::value_parser!(u8).range(1..=100))]
    pub usage_warning_percent: u8,
    /// Seconds between evaluations of the alert rules against the fleet status (0: no
    /// notifications are sent).
    #[arg(long, env = "DIST_BTRFS_ALERT_INTERVAL_SECS", default_value_t = 30)]
    pub alert_interval_secs: u64,
    #[command(flatten)]
    pub jobs: JobSettings,
}

/// The job runner and the scheduler (`jobs::JobsConfig`).
#[derive(Debug, Clone, clap::Args)]
pub struct JobSettings {
    /// Seconds between inventory syncs of every managed subvolume (0: off).
    #[arg(long, env = "DIST_BTRFS_SYNC_INTERVAL_SECS",
          default_value_t = JobsConfig::default().sync_interval.map_or(0, |d| d.as_secs()))]
    pub sync_interval_secs: u64,
    /// Seconds between the scheduler's looks for due slots.
    #[arg(long, env = "DIST_BTRFS_SCHEDULER_TICK_SECS",
          default_value_t = JobsConfig::default().tick.as_secs(), value_parser = at_least_one())]
    pub scheduler_tick_secs: u64,
    /// Seconds between an idle worker's polls of its queue.
    #[arg(long, env = "DIST_BTRFS_JOB_POLL_SECS",
          default_value_t = JobsConfig::default().poll_interval.as_secs(), value_parser = at_least_one())]
    pub job_poll_secs: u64,
    /// Seconds between worker heartbeats; a worker silent for 4 loses its jobs to others
    /// (at once when its serve's process is gone from this machine).
    #[arg(long, env = "DIST_BTRFS_JOB_HEARTBEAT_SECS",
          default_value_t = JobsConfig::default().heartbeat.as_secs(), value_parser = at_least_one())]
    pub job_heartbeat_secs: u64,
    /// Runs of a job whose errors are transient before it gives up.
    #[arg(long, env = "DIST_BTRFS_JOB_MAX_ATTEMPTS",
          default_value_t = JobsConfig::default().max_attempts,
          value_parser = clap::value_parser!(u32).range(1..=100))]
    pub job_max_attempts: u32,
    /// Seconds before the first retry (doubling after each, up to 300).
    #[arg(long, env = "DIST_BTRFS_JOB_BACKOFF_SECS",
          default_value_t = JobsConfig::default().backoff_min.as_secs(), value_parser = at_least_one())]
    pub job_backoff_secs: u64,
}

fn at_least_one() -> clap::builder::RangedU64ValueParser {
    clap::builder::RangedU64ValueParser::new().range(1..)
}

/// Seconds as an interval; 0 is "off".
pub fn interval_or_off(secs: u64) -> Option<Duration> {
    (secs > 0).then(|| Duration::from_secs(secs))
}

impl JobSettings {
    /// The job runner's configuration.
    pub fn config(&self) -> JobsConfig {
        let d = JobsConfig::default();
        let backoff_min = Duration::from_secs(self.job_backoff_secs);
        JobsConfig {
            tick: Duration::from_secs(self.scheduler_tick_secs),
            sync_interval: interval_or_off(self.sync_interval_secs),
            poll_interval: Duration::from_secs(self.job_poll_secs),
            heartbeat: Duration::from_secs(self.job_heartbeat_secs),
            max_attempts: self.job_max_attempts,
            backoff_min,
            backoff_max: d.backoff_max.max(backoff_min),
            ..d
        }
    }
}

/// One setting with an environment variable, and the commands that take it.
struct Row {
    env: String,
    flag: String,
    default: String,
    help: String,
    commands: Vec<String>,
}

/// The markdown table of every setting that has an environment variable, in the order
/// `dist-btrfs --help` shows them, for the README.
pub fn table(command: &clap::Command) -> String {
    let mut rows = Vec::new();
    collect(command, "", &mut rows);
    let mut out = String::from(
        "| variable | flag (config file key) | commands | default | what |\n|---|---|---|---|---|\n",
    );
    for r in rows {
        out.push_str(&format!(
            "| `{}` | `--{}` | {} | {} | {} |\n",
            r.env,
            r.flag,
            r.commands.join(", "),
            r.default,
            r.help
        ));
    }
    out
}

fn collect(command: &clap::Command, name: &str, rows: &mut Vec<Row>) {
    for arg in command.get_arguments() {
        let (Some(env), Some(long)) = (arg.get_env(), arg.get_long()) else {
            continue;
        };
        let env = env.to_string_lossy().into_owned();
        let here = if name.is_empty() { "all" } else { name }.to_owned();
        if let Some(row) = rows.iter_mut().find(|r| r.env == env) {
            if !row.commands.contains(&here) && !row.commands.iter().any(|c| c == "all") {
                row.commands.push(here);
            }
            continue;
        }
        let default: Vec<String> = arg
            .get_default_values()
            .iter()
            .map(|v| v.to_string_lossy().into_owned())
            .filter(|v| !v.is_empty())
            .collect();
        rows.push(Row {
            env,
            flag: long.to_owned(),
            default: if default.is_empty() {
                "—".to_owned()
            } else {
                format!("`{}`", default.join(","))
            },
            help: arg
                .get_help()
                .map(|h| {
                    h.to_string()
                        .replace('\n', " ")
                        .replace('|', "\\|")
                        .replace('<', "&lt;")
                })
                .unwrap_or_default(),
            commands: vec![here],
        });
    }
    for sub in command.get_subcommands() {
        let sub_name = if name.is_empty() {
            sub.get_name().to_owned()
        } else {
            format!("{name} {}", sub.get_name())
        };
        collect(sub, &sub_name, rows);
    }
}

/// An absolute path setting (`--hooks-dir`).
fn parse_abs_path(s: &str) -> Result<btrfs::AbsPath, String> {
    btrfs::AbsPath::parse(s).map_err(|e| e.to_string())
}
