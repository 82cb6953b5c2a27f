//! The shipped Grafana dashboard (`ops/grafana/dist-btrfs.json`) is valid JSON,
//! importable (datasource variable, unique panel ids) and only queries metric
//! families that `/metrics` actually exposes.

use std::collections::HashSet;

/// Every metric family `/metrics` exposes (the alert rules' test reads it too).
pub(crate) const EXPOSED: &[&str] = &[
    "dist_btrfs_build_info",
    "dist_btrfs_http_request_duration_seconds_bucket",
    "dist_btrfs_http_request_duration_seconds_count",
    "dist_btrfs_http_request_duration_seconds_sum",
    "dist_btrfs_events_total",
    "dist_btrfs_jobs",
    "dist_btrfs_jobs_by_queue",
    "dist_btrfs_filesystem_size_bytes",
    "dist_btrfs_filesystem_used_bytes",
    "dist_btrfs_filesystem_free_bytes",
    "dist_btrfs_storage_collection_failed",
    "dist_btrfs_storage_sampled_timestamp_seconds",
    "dist_btrfs_subvolume_snapshots",
    "dist_btrfs_subvolume_referenced_bytes",
    "dist_btrfs_subvolume_exclusive_bytes",
    "dist_btrfs_subvolume_snapshot_exclusive_bytes",
    "dist_btrfs_replication_last_success_timestamp_seconds",
    "dist_btrfs_replication_lag_seconds",
    "dist_btrfs_replication_replica_age_seconds",
    "dist_btrfs_replication_rpo_seconds",
    "dist_btrfs_replication_bytes_total",
    "dist_btrfs_replication_failures_total",
    "dist_btrfs_replication_last_throughput_bytes_per_second",
    "dist_btrfs_replication_health",
    "dist_btrfs_replications",
    "dist_btrfs_fleet_status",
    "dist_btrfs_fleet_problems",
    "dist_btrfs_scrape_errors",
];

#[test]
fn dashboard_is_importable_and_queries_only_exposed_metrics() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../ops/grafana/dist-btrfs.json"
    );
    let dash: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert_eq!(dash["uid"], "dist-btrfs");
    assert!(
        dash["templating"]["list"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v["type"] == "datasource")
    );
    let panels = dash["panels"].as_array().unwrap();
    let ids: HashSet<i64> = panels.iter().map(|p| p["id"].as_i64().unwrap()).collect();
    assert_eq!(ids.len(), panels.len(), "panel ids are unique");
    let mut queried = 0;
    for panel in panels {
        for target in panel["targets"].as_array().into_iter().flatten() {
            let expr = target["expr"].as_str().unwrap();
            let names: Vec<&str> = expr
                .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .filter(|w| w.starts_with("dist_btrfs_"))
                .collect();
            assert!(!names.is_empty(), "{expr}");
            for name in names {
                assert!(
                    EXPOSED.contains(&name),
                    "panel {:?} queries unknown metric {name}",
                    panel["title"]
                );
            }
            queried += 1;
        }
    }
    assert!(queried >= 10);
}

#[test]
fn the_exposed_list_matches_what_render_writes() {
    // Every family the dashboard may use appears in the exposition's HELP/TYPE lines
    // or as a sample name in the renderer's source.
    let source = concat!(
        include_str!("../../src/metrics/mod.rs"),
        include_str!("../../src/metrics/requests.rs"),
        include_str!("../../src/metrics/storage.rs"),
        include_str!("../../src/metrics/replication.rs"),
        include_str!("../../src/metrics/status.rs")
    );
    for name in EXPOSED {
        let family = name
            .trim_end_matches("_bucket")
            .trim_end_matches("_count")
            .trim_end_matches("_sum");
        assert!(
            source.contains(family),
            "{family} is not rendered by api::metrics"
        );
    }
}
