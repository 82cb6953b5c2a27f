//! `control-plane-bench indexes`: which indexes each list read of the API really uses,
//! and which tables it reads from end to end, on the seeded catalog.
//!
//! Each read is the store's own page function (the query serve runs), run 6 times on
//! one connection with `plan_cache_mode = force_generic_plan`, so that the last run uses
//! the generic plan a long-lived serve connection may end up with (Postgres may switch a
//! prepared statement to it after 5 runs; a generic plan cannot see that a parameter is
//! null, and a `$1 IS NULL OR key > $1` cursor then filters a walk from the list's start).
//! The figures are Postgres's own counters for that last run (`pg_stat_get_xact_numscans`
//! and `pg_stat_get_xact_tuples_returned` of each index, `pg_stat_xact_user_tables`: the
//! current transaction's scans), so they name what the executor did, not what a plan
//! estimate says.
//!
//! Prints one markdown table: read | indexes scanned (entries read) | sequential scans
//! (rows read).

use std::collections::BTreeMap;

use domain::{SubvolumeId, TargetId};
use sqlx::{Connection, PgConnection};
use store::projections::{self, ReplicaKey, ReplicationKey, SnapshotKey, SubvolumeKey, TargetKey};

#[derive(Debug, Clone, clap::Args)]
pub struct Args {}

/// Scans so far in this transaction: index name → (scans, entries read), table name →
/// (seq scans, rows).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct Scans {
    indexes: BTreeMap<String, (i64, i64)>,
    tables: BTreeMap<String, (i64, i64)>,
}

async fn scans(conn: &mut PgConnection) -> anyhow::Result<Scans> {
    let indexes: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT relname::text, pg_stat_get_xact_numscans(oid), pg_stat_get_xact_tuples_returned(oid)
           FROM pg_class
          WHERE relkind = 'i' AND relnamespace = 'public'::regnamespace
            AND pg_stat_get_xact_numscans(oid) > 0",
    )
    .fetch_all(&mut *conn)
    .await?;
    let tables: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT relname::text, seq_scan, seq_tup_read FROM pg_stat_xact_user_tables
          WHERE seq_scan > 0",
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(Scans {
        indexes: indexes.into_iter().map(|(i, s, r)| (i, (s, r))).collect(),
        tables: tables.into_iter().map(|(t, s, r)| (t, (s, r))).collect(),
    })
}

/// What the scans grew by from `before` to `after`, as the table's two cells.
fn grown(before: &Scans, after: &Scans) -> (String, String) {
    let indexes: Vec<String> = after
        .indexes
        .iter()
        .filter_map(|(name, (s, read))| {
            let (s0, read0) = before.indexes.get(name).copied().unwrap_or((0, 0));
            (s > &s0).then(|| format!("{name} ×{} ({} read)", s - s0, read - read0))
        })
        .collect();
    let tables: Vec<String> = after
        .tables
        .iter()
        .filter_map(|(name, (s, rows))| {
            let (s0, rows0) = before.tables.get(name).copied().unwrap_or((0, 0));
            (s > &s0).then(|| format!("{name} ×{} ({} rows)", s - s0, rows - rows0))
        })
        .collect();
    let or_none = |v: Vec<String>| {
        if v.is_empty() {
            "none".to_owned()
        } else {
            v.join(", ")
        }
    };
    (or_none(indexes), or_none(tables))
}

/// Runs `read` 6 times in one transaction and answers the scans of the last run.
macro_rules! measure {
    ($conn:expr, $rows:expr, $name:expr, |$tx:ident| $read:expr) => {{
        let mut $tx = $conn.begin().await?;
        sqlx::query("SET LOCAL plan_cache_mode = force_generic_plan")
            .execute(&mut *$tx)
            .await?;
        for _ in 0..5 {
            $read;
        }
        let before = scans(&mut $tx).await?;
        $read;
        let after = scans(&mut $tx).await?;
        $tx.rollback().await?;
        let (indexes, tables) = grown(&before, &after);
        $rows.push(format!("| {} | {} | {} |", $name, indexes, tables));
    }};
}

pub async fn run(url: &str, _args: Args) -> anyhow::Result<()> {
    let mut conn = PgConnection::connect_with(&store::db::parse_url(url)?).await?;
    // The subjects: the subvolume with the longest history, its first target.
    let (sv, target): (uuid::Uuid, uuid::Uuid) = sqlx::query_as(
        "SELECT s.subvolume_id, t.target_id FROM proj_snapshots s
           JOIN proj_targets t USING (subvolume_id)
          GROUP BY s.subvolume_id, t.target_id ORDER BY count(*) DESC, 1, 2 LIMIT 1",
    )
    .fetch_one(&mut conn)
    .await?;
    let (sv, target) = (SubvolumeId::from_uuid(sv), TargetId::from_uuid(target));
    // Cursors into the middle of each list, as a client paging that far would send.
    let all = projections::snapshots_page(&mut conn, sv, true, None, 1_000_000).await?;
    let deep_snapshot = all.get(all.len() / 2).map(SnapshotKey::from);
    let runs = projections::replications_page(&mut conn, None, None, 1_000_000).await?;
    let deep_run = runs.get(runs.len() / 2).map(ReplicationKey::from);
    let targets = projections::targets_page(&mut conn, None, None, None).await?;
    let mid_target = targets.get(targets.len() / 2).map(TargetKey::from);
    let replicas = projections::replicas_of_target_page(&mut conn, target, None, None).await?;
    let mid_replica = replicas.get(replicas.len() / 2).map(ReplicaKey::from);
    let policies = projections::policies_page(&mut conn, None, None).await?;
    let mid_policy = policies
        .get(policies.len() / 2)
        .map(|p| p.spec.name.clone());
    let subvolumes = projections::subvolumes_page(&mut conn, None, false, None, None).await?;
    let mid_subvolume = subvolumes.get(subvolumes.len() / 2).map(SubvolumeKey::from);

    let mut rows = Vec::new();
    measure!(conn, rows, "snapshots of a subvolume, first page", |tx| {
        projections::snapshots_page(&mut *tx, sv, false, None, 51).await?
    });
    measure!(conn, rows, "snapshots, a page deep in the history", |tx| {
        projections::snapshots_page(&mut *tx, sv, true, deep_snapshot.as_ref(), 51).await?
    });
    measure!(conn, rows, "replicas of a target, a page of 100", |tx| {
        projections::replicas_of_target_page(&mut *tx, target, None, Some(101)).await?
    });
    measure!(
        conn,
        rows,
        "replicas of a target, a page from the middle",
        |tx| {
            projections::replicas_of_target_page(&mut *tx, target, mid_replica.as_ref(), Some(101))
                .await?
        }
    );
    measure!(conn, rows, "replications, first page of 100", |tx| {
        projections::replications_page(&mut *tx, None, None, 101).await?
    });
    measure!(
        conn,
        rows,
        "replications, a page deep in the history",
        |tx| { projections::replications_page(&mut *tx, None, deep_run.as_ref(), 101).await? }
    );
    measure!(conn, rows, "replications of a subvolume", |tx| {
        projections::replications_page(&mut *tx, Some(sv), None, 101).await?
    });
    measure!(conn, rows, "targets, a page of 100 from the middle", |tx| {
        projections::targets_page(&mut *tx, None, mid_target.as_ref(), Some(101)).await?
    });
    measure!(conn, rows, "targets of a subvolume", |tx| {
        projections::targets_page(&mut *tx, Some(sv), None, Some(1001)).await?
    });
    measure!(conn, rows, "policies, a page of 100", |tx| {
        projections::policies_page(&mut *tx, None, Some(101)).await?
    });
    measure!(
        conn,
        rows,
        "policies, a page of 100 from the middle",
        |tx| { projections::policies_page(&mut *tx, mid_policy.as_deref(), Some(101)).await? }
    );
    measure!(conn, rows, "subvolumes, a page of 100", |tx| {
        projections::subvolumes_page(&mut *tx, None, false, None, Some(101)).await?
    });
    measure!(
        conn,
        rows,
        "subvolumes, a page of 100 from the middle",
        |tx| {
            projections::subvolumes_page(&mut *tx, None, false, mid_subvolume.as_ref(), Some(101))
                .await?
        }
    );
    measure!(conn, rows, "events about a subvolume, 50", |tx| {
        let about = domain::event_search::EventQuery {
            subject: Some(sv.as_uuid()),
            ..Default::default()
        };
        projections::audit_timeline(&mut *tx, &about, None, 51).await?
    });
    measure!(conn, rows, "replication health, whole fleet", |tx| {
        projections::replication_health(&mut *tx, None, chrono::Utc::now()).await?
    });

    println!(
        "| read (the store's query, 6th run, generic plan) | indexes scanned (entries read) | sequential scans (rows read) |"
    );
    println!("|---|---|---|");
    for row in rows {
        println!("{row}");
    }
    Ok(())
}
