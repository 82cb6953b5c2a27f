//! `/metrics`, the one home of the Prometheus text exposition: [`render`] writes the
//! whole text (request durations from [`RequestMetrics`], events by type, jobs by
//! state, [`storage`], [`replication`] and [`status`] series read from the database at
//! scrape time)
//! and [`family`] is its one writer of a metric family. A read that fails never just
//! drops its series: [`Scrape`] logs it and `dist_btrfs_scrape_errors{source}` says which
//! part of this scrape is missing (every source, 0 when it was read). `GET /metrics` serves it to
//! scrapers holding an API token (viewer role); `serve --metrics-listen` also offers it
//! without authentication on a separate address, for operators who prefer
//! network-level protection.

use std::fmt::Write as _;

use poem::web::Data;
use poem_openapi::payload::PlainText;
use poem_openapi::{ApiResponse, OpenApi, Tags};

use crate::AppState;
use crate::auth::ViewerAuth;

mod replication;
mod requests;
mod status;
mod storage;

pub use requests::RequestMetrics;

#[derive(Tags)]
enum Tag {
    /// Telemetry for monitoring systems.
    Telemetry,
}

#[derive(ApiResponse)]
pub enum MetricsResponse {
    /// Metrics in the Prometheus text exposition format (0.0.4).
    #[oai(status = 200, content_type = "text/plain; version=0.0.4")]
    Ok(PlainText<String>),
}

pub struct MetricsApi;

#[OpenApi(tag = "Tag::Telemetry")]
impl MetricsApi {
    /// Prometheus metrics: request durations, events by type, jobs by state.
    #[oai(path = "/metrics", method = "get", operation_id = "getMetrics")]
    async fn metrics(&self, _auth: ViewerAuth, state: Data<&AppState>) -> MetricsResponse {
        MetricsResponse::Ok(PlainText(render(&state).await))
    }
}

/// The whole `/metrics` text: request metrics plus counts from the database.
pub async fn render(state: &AppState) -> String {
    let (requests, pool) = (&state.metrics, &state.pool);
    let mut out = String::new();
    out.push_str(
        "# HELP dist_btrfs_build_info The running version.\n# TYPE dist_btrfs_build_info gauge\n",
    );
    let _ = writeln!(
        out,
        "dist_btrfs_build_info{{version=\"{}\"}} 1",
        env!("CARGO_PKG_VERSION")
    );
    requests.render(&mut out);

    let mut scrape = Scrape::default();
    // Counted in the append transaction (proj_event_counts): no scan of the log.
    let events = scrape.read("events", store::projections::event_counts(pool).await);
    out.push_str("# HELP dist_btrfs_events_total Events in the log, by type.\n# TYPE dist_btrfs_events_total counter\n");
    for (event_type, n) in events {
        let _ = writeln!(
            out,
            "dist_btrfs_events_total{{type=\"{}\"}} {n}",
            escape(&event_type)
        );
    }

    // Read once, rendered three times: as storage and replication series and, with the
    // rest of what can be wrong, as the fleet status.
    // The health is `GET /replication/health`'s and the status's own (reused while
    // nothing changed): the three cannot disagree.
    let servers = store::storage::latest(pool).await;
    let health = engine::status::fleet_health_cached(pool, &state.status_cache).await;
    scrape.note("storage", &servers);
    scrape.note("replication_health", &health);
    let now = health
        .as_ref()
        .map_or_else(|_| chrono::Utc::now(), |h| h.as_of);
    storage::render(
        &mut out,
        &mut scrape,
        pool,
        servers.as_deref().unwrap_or_default(),
    )
    .await;
    replication::render(
        &mut out,
        &mut scrape,
        pool,
        health.as_ref().map_or(&[][..], |h| &h.items[..]),
    )
    .await;
    status::render(
        &mut out,
        &mut scrape,
        pool,
        now,
        state.usage_warning_percent,
        &health,
        &servers,
    )
    .await;

    let jobs: Vec<(String, i64)> = scrape.read(
        "jobs",
        sqlx::query_as("SELECT status, count(*) FROM apalis.jobs GROUP BY status ORDER BY status")
            .fetch_all(pool)
            .await,
    );
    out.push_str(
        "# HELP dist_btrfs_jobs Jobs in the queue, by state.\n# TYPE dist_btrfs_jobs gauge\n",
    );
    for state in ["Pending", "Queued", "Running", "Done", "Failed", "Killed"] {
        let n = jobs.iter().find(|(s, _)| s == state).map_or(0, |(_, n)| *n);
        let _ = writeln!(
            out,
            "dist_btrfs_jobs{{state=\"{}\"}} {n}",
            state.to_lowercase()
        );
    }
    // The same by queue (job_type: every queue, present and future, without a list here).
    let by_queue: Vec<(String, String, i64)> = scrape.read(
        "jobs_by_queue",
        sqlx::query_as(
            "SELECT job_type, status, count(*) FROM apalis.jobs GROUP BY 1, 2 ORDER BY 1, 2",
        )
        .fetch_all(pool)
        .await,
    );
    out.push_str("# HELP dist_btrfs_jobs_by_queue Jobs in the queue, by queue and state.\n# TYPE dist_btrfs_jobs_by_queue gauge\n");
    for (queue, state, n) in by_queue {
        let _ = writeln!(
            out,
            "dist_btrfs_jobs_by_queue{{queue=\"{}\",state=\"{}\"}} {n}",
            escape(&queue),
            escape(&state.to_lowercase())
        );
    }
    scrape.render(&mut out);
    out
}

/// Every part of a scrape read from the database, by the `source` label it is counted
/// under when its read fails.
const SOURCES: &[&str] = &[
    "events",
    "storage",
    "subvolume_storage",
    "replication_health",
    "replication_runs",
    "fleet_status",
    "jobs",
    "jobs_by_queue",
];

/// The reads of one scrape that failed (each logged once), rendered as
/// `dist_btrfs_scrape_errors`.
#[derive(Debug, Default)]
pub(crate) struct Scrape {
    failed: Vec<&'static str>,
}

impl Scrape {
    /// The value read, or (after logging and counting the failure) the empty default.
    pub(crate) fn read<T: Default, E: std::fmt::Display>(
        &mut self,
        source: &'static str,
        result: Result<T, E>,
    ) -> T {
        match result {
            Ok(v) => v,
            Err(e) => {
                self.fail(source, &e);
                T::default()
            }
        }
    }

    /// Counts `result`'s failure, if it failed (its value is used elsewhere).
    pub(crate) fn note<T, E: std::fmt::Display>(
        &mut self,
        source: &'static str,
        result: &Result<T, E>,
    ) {
        if let Err(e) = result {
            self.fail(source, e);
        }
    }

    pub(crate) fn fail(&mut self, source: &'static str, error: &dyn std::fmt::Display) {
        tracing::warn!(source, error = %error, "a /metrics series could not be read");
        self.failed.push(source);
    }

    fn render(&self, out: &mut String) {
        let samples: Vec<(String, u8)> = SOURCES
            .iter()
            .map(|s| (format!("source=\"{s}\""), u8::from(self.failed.contains(s))))
            .collect();
        family(
            out,
            "dist_btrfs_scrape_errors",
            "gauge",
            "1 when this scrape could not read the source's series (they are missing from it).",
            &samples,
        );
    }
}

/// Escapes a Prometheus label value.
pub(crate) fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// One metric family: HELP/TYPE header (`kind`: gauge, counter) and its samples
/// (`labels`, value).
pub(crate) fn family<V: std::fmt::Display>(
    out: &mut String,
    name: &str,
    kind: &str,
    help: &str,
    samples: &[(String, V)],
) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
    for (labels, value) in samples {
        let _ = writeln!(out, "{name}{{{labels}}} {value}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_read_is_counted_by_source_and_the_rest_are_zero() {
        let mut scrape = Scrape::default();
        let v: Vec<u8> = scrape.read("jobs", Err::<Vec<u8>, _>("pool timed out"));
        assert!(v.is_empty());
        scrape.note("storage", &Ok::<(), &str>(()));
        let mut out = String::new();
        scrape.render(&mut out);
        assert!(
            out.contains("dist_btrfs_scrape_errors{source=\"jobs\"} 1\n"),
            "{out}"
        );
        assert!(
            out.contains("dist_btrfs_scrape_errors{source=\"storage\"} 0\n"),
            "{out}"
        );
        assert_eq!(
            out.matches("dist_btrfs_scrape_errors{").count(),
            SOURCES.len()
        );
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }

    #[test]
    fn a_family_has_help_type_and_one_line_per_sample() {
        let mut out = String::new();
        family(
            &mut out,
            "x_total",
            "counter",
            "Xs.",
            &[("a=\"1\"".to_owned(), 2_u64)],
        );
        assert_eq!(
            out,
            "# HELP x_total Xs.\n# TYPE x_total counter\nx_total{a=\"1\"} 2\n"
        );
    }
}
