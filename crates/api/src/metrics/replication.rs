//! The replication series of `/metrics`, per (subvolume, target): last success, lag,
//! replica age, RPO, bytes, failures, throughput, health state; and runs by state.

use domain::health::HealthState as DomainState;
use store::projections::TargetHealth;

use super::{Scrape, escape, family};

/// The replication series of `/metrics`, per (subvolume, target), from
/// `projections::replication_health` (no event-log scan), and runs by state.
pub(super) async fn render(
    out: &mut String,
    scrape: &mut Scrape,
    pool: &sqlx::PgPool,
    list: &[TargetHealth],
) {
    let mut last_success = Vec::new();
    let mut lag = Vec::new();
    let mut age = Vec::new();
    let mut rpo = Vec::new();
    let mut bytes = Vec::new();
    let mut failures = Vec::new();
    let mut throughput = Vec::new();
    let mut health = Vec::new();
    for h in list {
        let labels = format!(
            "subvolume=\"{}\",subvolume_id=\"{}\",target_id=\"{}\",server=\"{}\"",
            escape(&h.subvolume_name),
            h.subvolume_id,
            h.target_id,
            escape(&h.server_name)
        );
        if let Some((_, at)) = h.last_success {
            last_success.push((labels.clone(), u64::try_from(at.timestamp()).unwrap_or(0)));
        }
        if let Some(t) = h
            .last_transfer
            .as_ref()
            .and_then(|s| s.throughput_bytes_per_sec)
        {
            throughput.push((labels.clone(), t));
        }
        if let Some(d) = h.lag {
            lag.push((labels.clone(), d.as_secs()));
        }
        if let Some(d) = h.replica_age {
            age.push((labels.clone(), d.as_secs()));
        }
        rpo.push((labels.clone(), h.rpo_seconds));
        bytes.push((labels.clone(), h.bytes_total));
        failures.push((labels.clone(), h.failures_total));
        for s in DomainState::ALL {
            health.push((
                format!("{labels},state=\"{}\"", s.as_str()),
                u64::from(s == h.state),
            ));
        }
    }
    family(
        out,
        "dist_btrfs_replication_last_success_timestamp_seconds",
        "gauge",
        "When the newest successful replication to the target finished (Unix time).",
        &last_success,
    );
    family(
        out,
        "dist_btrfs_replication_lag_seconds",
        "gauge",
        "Creation time of the newest primary snapshot minus that of the newest replica on the target.",
        &lag,
    );
    family(
        out,
        "dist_btrfs_replication_replica_age_seconds",
        "gauge",
        "Age of the newest replica on the target (now minus its creation on the primary).",
        &age,
    );
    family(
        out,
        "dist_btrfs_replication_rpo_seconds",
        "gauge",
        "The recovery point objective in force for the subvolume.",
        &rpo,
    );
    family(
        out,
        "dist_btrfs_replication_bytes_total",
        "counter",
        "Bytes of every successful send to the target.",
        &bytes,
    );
    family(
        out,
        "dist_btrfs_replication_failures_total",
        "counter",
        "Failed replication attempts on the target.",
        &failures,
    );
    family(
        out,
        "dist_btrfs_replication_last_throughput_bytes_per_second",
        "gauge",
        "Throughput of the newest successful send to the target.",
        &throughput,
    );
    family(
        out,
        "dist_btrfs_replication_health",
        "gauge",
        "1 for the (subvolume, target)'s current health state (ok, late, failing, never_replicated).",
        &health,
    );

    let runs: Vec<(String, i64)> = scrape.read(
        "replication_runs",
        sqlx::query_as(
            "SELECT state, count(*) FROM proj_replications GROUP BY state ORDER BY state",
        )
        .fetch_all(pool)
        .await,
    );
    let runs: Vec<(String, u64)> = [
        "queued",
        "running",
        "succeeded",
        "partially_failed",
        "failed",
    ]
    .iter()
    .map(|state| {
        let n = runs.iter().find(|(s, _)| s == state).map_or(0, |(_, n)| *n);
        (format!("state=\"{state}\""), u64::try_from(n).unwrap_or(0))
    })
    .collect();
    family(
        out,
        "dist_btrfs_replications",
        "gauge",
        "Replication runs, by state.",
        &runs,
    );
}
