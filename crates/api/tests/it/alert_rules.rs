//! The shipped alert rules: `ops/prometheus/rules.yml` (Prometheus alerting rules; CI also
//! runs `promtool check rules` and `promtool test rules` on it) and the Grafana-provisioned
//! `ops/grafana/provisioning/alerting/dist-btrfs-alerts.yaml` hold the same alerts, and
//! both query only metric families `/metrics` exposes.

use std::collections::BTreeSet;

use serde_yaml::Value;

use crate::grafana_dashboard::EXPOSED;

fn read(path: &str) -> Value {
    let full = format!("{}/../../{path}", env!("CARGO_MANIFEST_DIR"));
    serde_yaml::from_str(&std::fs::read_to_string(&full).unwrap()).unwrap()
}

/// The `dist_btrfs_*` names in a PromQL expression, each checked to be exposed.
fn assert_exposed(expr: &str, what: &str) {
    let names: Vec<&str> = expr
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| w.starts_with("dist_btrfs_"))
        .collect();
    for name in names {
        assert!(
            EXPOSED.contains(&name),
            "{what} queries unknown metric {name}"
        );
    }
}

#[test]
fn prometheus_and_grafana_alert_on_the_same_things_with_exposed_metrics() {
    let prom = read("ops/prometheus/rules.yml");
    let mut prom_alerts = BTreeSet::new();
    for group in prom["groups"].as_sequence().unwrap() {
        for rule in group["rules"].as_sequence().unwrap() {
            let name = rule["alert"].as_str().unwrap().to_owned();
            let severity = rule["labels"]["severity"].as_str().unwrap();
            assert!(matches!(severity, "warning" | "critical"), "{name}");
            assert!(rule["annotations"]["summary"].as_str().is_some(), "{name}");
            assert_exposed(rule["expr"].as_str().unwrap(), &name);
            assert!(prom_alerts.insert(name));
        }
    }
    for needed in [
        "DistBtrfsDown",
        "DistBtrfsReplicationFailing",
        "DistBtrfsReplicationLate",
        "DistBtrfsJobFailed",
        "DistBtrfsFilesystemFilling",
        "DistBtrfsServerUnreachable",
        "DistBtrfsFleetCritical",
    ] {
        assert!(prom_alerts.contains(needed), "no Prometheus alert {needed}");
    }

    let grafana = read("ops/grafana/provisioning/alerting/dist-btrfs-alerts.yaml");
    assert_eq!(grafana["apiVersion"], 1);
    let mut titles = BTreeSet::new();
    let mut uids = BTreeSet::new();
    for group in grafana["groups"].as_sequence().unwrap() {
        for rule in group["rules"].as_sequence().unwrap() {
            let title = rule["title"].as_str().unwrap().to_owned();
            assert!(
                uids.insert(rule["uid"].as_str().unwrap().to_owned()),
                "{title}"
            );
            let data = rule["data"].as_sequence().unwrap();
            let refs: BTreeSet<&str> = data.iter().map(|d| d["refId"].as_str().unwrap()).collect();
            assert!(
                refs.contains(rule["condition"].as_str().unwrap()),
                "{title}"
            );
            let query = data
                .iter()
                .find(|d| d["datasourceUid"] != "__expr__")
                .unwrap();
            assert_eq!(query["datasourceUid"], "prometheus", "{title}");
            assert_exposed(query["model"]["expr"].as_str().unwrap(), &title);
            assert!(rule["labels"]["severity"].as_str().is_some(), "{title}");
            assert!(titles.insert(title));
        }
    }
    assert_eq!(
        titles, prom_alerts,
        "Grafana and Prometheus alert on the same things"
    );
}
