//! Request telemetry: a tracing span per HTTP request (method, path, operation,
//! status, duration) and the request metrics that `/metrics` exposes in the
//! Prometheus text format, together with figures read from the database at scrape
//! time (events by type from `proj_event_counts`, jobs by state, storage of the last
//! collection per server and subvolume). The same request durations go to the
//! OpenTelemetry meter, which exports them when OTLP is configured.
//!
//! Never records headers, bodies or query strings (they may carry credentials).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::Instant;

use poem::{Endpoint, IntoResponse, Request, Response};
use poem_openapi::OperationId;
use sqlx::PgPool;
use tracing::Instrument;

/// Upper bounds (seconds) of the request-duration histogram buckets.
const BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

#[derive(Debug, Default, Clone)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

impl Histogram {
    fn observe(&mut self, seconds: f64) {
        for (bound, count) in BUCKETS.iter().zip(self.counts.iter_mut()) {
            if seconds <= *bound {
                *count += 1;
            }
        }
        self.count += 1;
        self.sum += seconds;
    }
}

/// In-process request metrics, keyed by (operation, status).
#[derive(Debug, Default)]
pub struct RequestMetrics {
    requests: Mutex<BTreeMap<(String, u16), Histogram>>,
}

impl RequestMetrics {
    pub fn observe(&self, operation: &str, status: u16, seconds: f64) {
        let mut map = self.requests.lock().unwrap_or_else(|p| p.into_inner());
        map.entry((operation.to_owned(), status))
            .or_default()
            .observe(seconds);
    }

    fn render(&self, out: &mut String) {
        let map = self
            .requests
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        out.push_str("# HELP dist_btrfs_http_request_duration_seconds API request durations.\n");
        out.push_str("# TYPE dist_btrfs_http_request_duration_seconds histogram\n");
        for ((operation, status), h) in &map {
            let labels = format!("operation=\"{}\",status=\"{status}\"", escape(operation));
            for (bound, count) in BUCKETS.iter().zip(h.counts) {
                let _ = writeln!(
                    out,
                    "dist_btrfs_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {count}"
                );
            }
            let _ = writeln!(
                out,
                "dist_btrfs_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(
                out,
                "dist_btrfs_http_request_duration_seconds_sum{{{labels}}} {}",
                h.sum
            );
            let _ = writeln!(
                out,
                "dist_btrfs_http_request_duration_seconds_count{{{labels}}} {}",
                h.count
            );
        }
    }
}

/// Escapes a Prometheus label value.
pub(crate) fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Wraps every request in a span and records its duration.
pub async fn around<E: Endpoint>(
    endpoint: std::sync::Arc<E>,
    req: Request,
    metrics: std::sync::Arc<RequestMetrics>,
) -> poem::Result<Response> {
    let span = tracing::info_span!(
        "http_request",
        method = %req.method(),
        path = %req.uri().path(),
        operation = tracing::field::Empty,
        status = tracing::field::Empty,
    );
    let started = Instant::now();
    let result = endpoint.call(req).instrument(span.clone()).await;
    let response = match result {
        Ok(r) => r.into_response(),
        Err(e) => e.into_response(),
    };
    let operation = response
        .extensions()
        .get::<OperationId>()
        .map_or("other", |op| op.0);
    let status = response.status().as_u16();
    let seconds = started.elapsed().as_secs_f64();
    span.record("operation", operation);
    span.record("status", status);
    span.in_scope(|| tracing::debug!(seconds, "request finished"));
    metrics.observe(operation, status, seconds);
    otel_request_duration().record(
        seconds,
        &[
            opentelemetry::KeyValue::new("operation", operation),
            opentelemetry::KeyValue::new("http.response.status_code", i64::from(status)),
        ],
    );
    Ok(response)
}

/// The OpenTelemetry twin of the request histogram (a no-op unless an OTLP meter
/// provider was installed at start-up).
fn otel_request_duration() -> &'static opentelemetry::metrics::Histogram<f64> {
    static HISTOGRAM: std::sync::OnceLock<opentelemetry::metrics::Histogram<f64>> =
        std::sync::OnceLock::new();
    HISTOGRAM.get_or_init(|| {
        opentelemetry::global::meter("dist-btrfs")
            .f64_histogram("dist_btrfs.http.request.duration")
            .with_unit("s")
            .with_description("API request durations")
            .build()
    })
}

/// The whole `/metrics` text: request metrics plus counts from the database.
pub async fn render(metrics: &RequestMetrics, pool: &PgPool) -> String {
    let mut out = String::new();
    out.push_str(
        "# HELP dist_btrfs_build_info The running version.\n# TYPE dist_btrfs_build_info gauge\n",
    );
    let _ = writeln!(
        out,
        "dist_btrfs_build_info{{version=\"{}\"}} 1",
        env!("CARGO_PKG_VERSION")
    );
    metrics.render(&mut out);

    // Counted in the append transaction (proj_event_counts): no scan of the log.
    let events = store::projections::event_counts(pool)
        .await
        .unwrap_or_default();
    out.push_str("# HELP dist_btrfs_events_total Events in the log, by type.\n# TYPE dist_btrfs_events_total counter\n");
    for (event_type, n) in events {
        let _ = writeln!(
            out,
            "dist_btrfs_events_total{{type=\"{}\"}} {n}",
            escape(&event_type)
        );
    }

    render_storage(&mut out, pool).await;
    crate::replication_health::render_metrics(&mut out, pool).await;

    let jobs: Vec<(String, i64)> =
        sqlx::query_as("SELECT status, count(*) FROM apalis.jobs GROUP BY status ORDER BY status")
            .fetch_all(pool)
            .await
            .unwrap_or_default();
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
    let by_queue: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT job_type, status, count(*) FROM apalis.jobs GROUP BY 1, 2 ORDER BY 1, 2",
    )
    .fetch_all(pool)
    .await
    .unwrap_or_default();
    out.push_str("# HELP dist_btrfs_jobs_by_queue Jobs in the queue, by queue and state.\n# TYPE dist_btrfs_jobs_by_queue gauge\n");
    for (queue, state, n) in by_queue {
        let _ = writeln!(
            out,
            "dist_btrfs_jobs_by_queue{{queue=\"{}\",state=\"{}\"}} {n}",
            escape(&queue),
            escape(&state.to_lowercase())
        );
    }
    out
}

/// One gauge family: HELP/TYPE header and its samples.
fn gauge(out: &mut String, name: &str, help: &str, samples: &[(String, i64)]) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge");
    for (labels, value) in samples {
        let _ = writeln!(out, "{name}{{{labels}}} {value}");
    }
}

/// Storage figures from the storage metrics tables (last collection per server).
async fn render_storage(out: &mut String, pool: &PgPool) {
    let servers = store::storage::latest(pool).await.unwrap_or_default();
    let mut size = Vec::new();
    let mut used = Vec::new();
    let mut free = Vec::new();
    let mut failed = Vec::new();
    let mut sampled = Vec::new();
    for s in &servers {
        let server = format!(
            "server=\"{}\",server_id=\"{}\"",
            escape(&s.server_name),
            s.server_id
        );
        if s.attempted_at.is_some() {
            failed.push((server.clone(), i64::from(s.error.is_some())));
        }
        if let Some(at) = s.succeeded_at {
            sampled.push((server.clone(), at.timestamp()));
        }
        for f in &s.filesystems {
            let labels = format!("{server},filesystem=\"{}\"", escape(&f.sample.filesystem));
            size.push((labels.clone(), f.sample.size_bytes));
            used.push((labels.clone(), f.sample.used_bytes));
            free.push((labels, f.sample.free_bytes));
        }
    }
    gauge(
        out,
        "dist_btrfs_filesystem_size_bytes",
        "Filesystem device size (btrfs filesystem usage), as of the last collection.",
        &size,
    );
    gauge(
        out,
        "dist_btrfs_filesystem_used_bytes",
        "Filesystem bytes used.",
        &used,
    );
    gauge(
        out,
        "dist_btrfs_filesystem_free_bytes",
        "Filesystem estimated free bytes.",
        &free,
    );
    gauge(
        out,
        "dist_btrfs_storage_collection_failed",
        "1 when the server's last storage collection failed.",
        &failed,
    );
    gauge(
        out,
        "dist_btrfs_storage_sampled_timestamp_seconds",
        "When the server's storage was last collected successfully (Unix time).",
        &sampled,
    );

    let subvolumes = store::storage::subvolume_storage(pool, None)
        .await
        .unwrap_or_default();
    let mut snapshots = Vec::new();
    let mut referenced = Vec::new();
    let mut exclusive = Vec::new();
    let mut overhead = Vec::new();
    for v in &subvolumes {
        let labels = format!(
            "server=\"{}\",server_id=\"{}\",subvolume=\"{}\",subvolume_id=\"{}\"",
            escape(&v.server_name),
            v.server_id,
            escape(&v.name),
            v.subvolume_id
        );
        snapshots.push((labels.clone(), v.snapshots));
        if let Some(n) = v.referenced_bytes {
            referenced.push((labels.clone(), n));
        }
        if let Some(n) = v.exclusive_bytes {
            exclusive.push((labels.clone(), n));
        }
        if let Some(n) = v.snapshot_exclusive_bytes {
            overhead.push((labels, n));
        }
    }
    gauge(
        out,
        "dist_btrfs_subvolume_snapshots",
        "Present snapshots of a managed subvolume.",
        &snapshots,
    );
    gauge(
        out,
        "dist_btrfs_subvolume_referenced_bytes",
        "Bytes a managed subvolume references (qgroups, when collected).",
        &referenced,
    );
    gauge(
        out,
        "dist_btrfs_subvolume_exclusive_bytes",
        "Bytes only the subvolume references (qgroups, when collected).",
        &exclusive,
    );
    gauge(
        out,
        "dist_btrfs_subvolume_snapshot_exclusive_bytes",
        "Exclusive bytes of the subvolume's present snapshots, summed (snapshot overhead).",
        &overhead,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_buckets_are_cumulative_and_rendered() {
        let m = RequestMetrics::default();
        m.observe("getHealth", 200, 0.003);
        m.observe("getHealth", 200, 0.2);
        m.observe("login", 401, 20.0);
        let mut out = String::new();
        m.render(&mut out);
        assert!(out.contains("dist_btrfs_http_request_duration_seconds_bucket{operation=\"getHealth\",status=\"200\",le=\"0.005\"} 1"), "{out}");
        assert!(out.contains("dist_btrfs_http_request_duration_seconds_bucket{operation=\"getHealth\",status=\"200\",le=\"0.25\"} 2"), "{out}");
        assert!(out.contains("dist_btrfs_http_request_duration_seconds_count{operation=\"getHealth\",status=\"200\"} 2"), "{out}");
        assert!(out.contains("dist_btrfs_http_request_duration_seconds_bucket{operation=\"login\",status=\"401\",le=\"10\"} 0"), "{out}");
        assert!(out.contains("dist_btrfs_http_request_duration_seconds_bucket{operation=\"login\",status=\"401\",le=\"+Inf\"} 1"), "{out}");
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
