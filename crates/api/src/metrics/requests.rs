//! In-process request metrics: a duration histogram per (operation, status), observed
//! by [`crate::observe::around`] and written into `/metrics` by [`super::render`].

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;

use super::escape;

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

    pub(super) fn render(&self, out: &mut String) {
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
}
