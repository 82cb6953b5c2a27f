//! The fleet status series of `/metrics`, from the same computation as `GET /status`
//! (`engine::status::fleet_status_with`, over the replication health and storage that
//! `render` read once for their own series): `dist_btrfs_fleet_status` (0 ok, 1 warning, 2
//! critical) and `dist_btrfs_fleet_problems` by kind and severity (every kind, 0 when
//! none, so an alert rule has a series to compare). When the status cannot be computed
//! both are left out and `dist_btrfs_scrape_errors{source="fleet_status"}` is 1.

use std::fmt::Write as _;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use domain::status::{ProblemKind, Severity};
use engine::EngineError;
use engine::status::FleetHealth;
use store::StoreError;
use store::storage::ServerStorage;

use super::{Scrape, family};

pub(super) async fn render(
    out: &mut String,
    scrape: &mut Scrape,
    pool: &sqlx::PgPool,
    now: DateTime<Utc>,
    usage_warning_percent: u8,
    health: &Result<Arc<FleetHealth>, EngineError>,
    servers: &Result<Vec<ServerStorage>, StoreError>,
) {
    let (Ok(health), Ok(servers)) = (health, servers) else {
        // Already counted under their own sources; the status depends on both.
        scrape.fail(
            "fleet_status",
            &"replication health or storage could not be read",
        );
        return;
    };
    let status = match engine::status::fleet_status_with(
        pool,
        now,
        usage_warning_percent,
        &health.items,
        servers,
    )
    .await
    {
        Ok(s) => s,
        Err(e) => {
            scrape.fail("fleet_status", &e);
            return;
        }
    };
    let level = match status.status {
        Severity::Ok => 0,
        Severity::Warning => 1,
        Severity::Critical => 2,
    };
    out.push_str(
        "# HELP dist_btrfs_fleet_status The fleet status, the worst of its problems: 0 ok, 1 warning, 2 critical.\n# TYPE dist_btrfs_fleet_status gauge\n",
    );
    let _ = writeln!(out, "dist_btrfs_fleet_status {level}");
    let mut samples = Vec::new();
    for &kind in ProblemKind::ALL {
        for &severity in &[Severity::Warning, Severity::Critical] {
            let n = status
                .problems
                .iter()
                .filter(|p| p.kind == kind && p.severity == severity)
                .count();
            if n > 0 || kind.severity() == severity {
                samples.push((format!("kind=\"{kind}\",severity=\"{severity}\""), n));
            }
        }
    }
    family(
        out,
        "dist_btrfs_fleet_problems",
        "gauge",
        "Problems of the fleet status, by kind and severity.",
        &samples,
    );
}
