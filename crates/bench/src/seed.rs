//! `control-plane-bench seed`: fills an empty database with a large, realistic catalog
//! for `ops/bench/control-plane`: real events, the way serve would have appended them,
//! and then the projections built from them by the store's own replay
//! ([`store::projections::rebuild`], the `projections rebuild` command). Every row of
//! every projection comes from a real event; nothing here writes a projection table.
//!
//! How the events go in: [`Log`] numbers each stream's versions as an append would, and
//! writes the rows into `events` a few thousand per statement, without projecting each
//! (a backup import loads its events the same way). Appending through
//! [`store::events::append_in`], which projects event by event as serve does, ran at
//! 500-1,300 events/s here: 1-3 hours for the 5M events of the full catalog. Loading and
//! then rebuilding gives the same tables (`dist-btrfs projections check` compares the
//! live tables with a fresh rebuild), and the rebuild's own time is printed.
//!
//! The fleet: `--servers` SSH servers (a fifth primaries, the rest remotes), `--subvolumes`
//! managed subvolumes spread over the primaries, `--policies` policies (one assigned to
//! each subvolume; the rest unassigned), `--targets-per-subvolume` targets per subvolume on
//! remotes, and per subvolume an hourly history of snapshots ending now. The primary keeps
//! the newest `--present-per-subvolume` (older ones are pruned), each target the newest
//! `--replicas-per-target` (older replicas are pruned); replication runs every few
//! snapshots send what is new to every target, and one run in twenty fails on one target.
//!
//! The servers' addresses are lab loopback addresses at port 1, where nothing listens, and
//! the policies fire once a year (January 1st, 03:00 UTC): a serve started on the seeded
//! database evaluates every schedule but takes no snapshot and reaches no host.
//!
//! Besides events, the scheduler's ledger (`job_snapshot_slots`, queue bookkeeping, not
//! domain state) gets each assignment's newest slot, as if serve had been running: the
//! first tick of a serve on the seeded database then finds nothing due.
//!
//! What this does not do: measure anything (the script does) or seed a non-empty database.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use chrono::{DateTime, TimeDelta, Utc};
use domain::event::{
    PolicyAssigned, PolicyCreated, ServerRegistered, SnapshotCreated, SnapshotPruned,
    SubvolumeManaged,
};
use domain::replication::{
    ErrorClass, Outcome, Replica, ReplicaPruned, ReplicationFinished, ReplicationRequested,
    ReplicationStarted, ReplicationTargetFailed, ReplicationTargetStarted,
    ReplicationTargetSucceeded, TargetAdded, TargetOptions,
};
use domain::retention::RetentionSpec;
use domain::{
    Actor, DomainEvent, EventKind, PolicyId, PolicySpec, ReplicationId, ScheduleSpec, ServerId,
    ServerRole, SnapshotId, StreamId, SubvolumeId, TargetId, Transport,
};
use sqlx::postgres::{PgConnection, PgPool};
use store::AppendMeta;
use uuid::Uuid;

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    #[arg(long, default_value_t = 500)]
    servers: usize,
    #[arg(long, default_value_t = 2000)]
    subvolumes: usize,
    #[arg(long, default_value_t = 10_000)]
    policies: usize,
    #[arg(long, default_value_t = 3)]
    targets_per_subvolume: usize,
    /// Snapshots created in all (spread evenly over the subvolumes).
    #[arg(long, default_value_t = 1_000_000)]
    snapshots: usize,
    #[arg(long, default_value_t = 100)]
    present_per_subvolume: usize,
    /// Replicas each target keeps. Every success event lists all of them (what the
    /// target holds), so the log grows with this times the runs: at the defaults about
    /// 3.5 GB of payload; with 500 and enough runs for 5M events, about 40 GB.
    #[arg(long, default_value_t = 100)]
    replicas_per_target: usize,
    /// Replication runs per subvolume (each to all of its targets). The defaults give
    /// about 5M events.
    #[arg(long, default_value_t = 44)]
    runs_per_subvolume: usize,
    /// Subvolumes seeded at once (each on its own connection).
    #[arg(long, default_value_t = 3)]
    jobs: usize,
}

/// The seeded policies' schedule: once a year, so a serve on the catalog evaluates every
/// schedule at each tick but takes no snapshot.
const SEEDED_CRON: &str = "0 3 1 1 *";

/// Rows written per `INSERT` (and at most held before one).
const LOAD_BATCH: usize = 4000;

/// Events on their way into `events`, in log order (module docs). Each [`Log::push`]
/// is one append: the next versions of its stream and one correlation id, as
/// [`store::events::append_in`] would give them.
struct Log {
    versions: Arc<Mutex<HashMap<String, i64>>>,
    streams: Vec<String>,
    stream_versions: Vec<i64>,
    types: Vec<&'static str>,
    schemas: Vec<i32>,
    payloads: Vec<String>,
    correlations: Vec<Uuid>,
}

impl Log {
    fn new(versions: Arc<Mutex<HashMap<String, i64>>>) -> Self {
        Self {
            versions,
            streams: Vec::with_capacity(LOAD_BATCH),
            stream_versions: Vec::with_capacity(LOAD_BATCH),
            types: Vec::with_capacity(LOAD_BATCH),
            schemas: Vec::with_capacity(LOAD_BATCH),
            payloads: Vec::with_capacity(LOAD_BATCH),
            correlations: Vec::with_capacity(LOAD_BATCH),
        }
    }

    /// Appends `events` to `stream` (written at the next [`Log::flush`] at the latest).
    async fn push(
        &mut self,
        conn: &mut PgConnection,
        stream: &StreamId,
        events: Vec<DomainEvent>,
    ) -> anyhow::Result<usize> {
        let n = events.len();
        let first = {
            let mut versions = self
                .versions
                .lock()
                .map_err(|_| anyhow::anyhow!("a seeding task panicked"))?;
            let version = versions.entry(stream.as_str().to_owned()).or_insert(0);
            let first = *version + 1;
            *version += i64::try_from(n)?;
            first
        };
        let correlation = AppendMeta::new(Actor::System).correlation_id;
        for (version, event) in (first..).zip(events) {
            let payload = event
                .payload()
                .with_context(|| format!("encoding an event of {stream}"))?;
            self.streams.push(stream.as_str().to_owned());
            self.stream_versions.push(version);
            self.types.push(event.event_type());
            self.schemas.push(event.schema_version());
            self.payloads.push(payload.to_string());
            self.correlations.push(correlation);
        }
        if self.streams.len() >= LOAD_BATCH {
            self.flush(conn).await?;
        }
        Ok(n)
    }

    /// Writes what is held with one `INSERT`.
    async fn flush(&mut self, conn: &mut PgConnection) -> anyhow::Result<()> {
        if self.streams.is_empty() {
            return Ok(());
        }
        sqlx::query(
            "INSERT INTO events
                 (stream_id, stream_version, event_type, schema_version, payload, actor,
                  correlation_id)
             SELECT stream, version, kind, schema, payload::jsonb, $6, correlation
               FROM UNNEST($1::text[], $2::bigint[], $3::text[], $4::int[], $5::text[],
                           $7::uuid[])
                 AS e(stream, version, kind, schema, payload, correlation)",
        )
        .bind(std::mem::take(&mut self.streams))
        .bind(std::mem::take(&mut self.stream_versions))
        .bind(std::mem::take(&mut self.types))
        .bind(std::mem::take(&mut self.schemas))
        .bind(std::mem::take(&mut self.payloads))
        .bind(Actor::System.to_string())
        .bind(std::mem::take(&mut self.correlations))
        .execute(conn)
        .await
        .context("loading events")?;
        Ok(())
    }
}

/// The fixed part of the fleet: servers and policies.
struct Fleet {
    primaries: Vec<ServerId>,
    remotes: Vec<ServerId>,
    policies: Vec<PolicyId>,
}

async fn seed_fleet(pool: &PgPool, args: &Args, log: &mut Log) -> anyhow::Result<(Fleet, usize)> {
    let primaries = (args.servers / 5).max(1);
    let mut fleet = Fleet {
        primaries: Vec::new(),
        remotes: Vec::new(),
        policies: Vec::new(),
    };
    let mut events = 0;
    let mut tx = pool.begin().await?;
    for i in 0..args.servers.max(2) {
        let server_id = ServerId::new();
        let role = if i < primaries {
            fleet.primaries.push(server_id);
            ServerRole::Primary
        } else {
            fleet.remotes.push(server_id);
            ServerRole::Remote
        };
        let registered = DomainEvent::ServerRegistered(ServerRegistered {
            server_id,
            name: format!("host-{i:04}"),
            role,
            transport: Transport::Ssh {
                address: format!("127.0.0.{}", 10 + i % 10),
                port: 1,
                username: "bench".to_owned(),
            },
            allowed_roots: vec!["/srv".to_owned()],
            sudo: false,
        });
        events += log
            .push(&mut tx, &server_id.stream(), vec![registered])
            .await?;
    }
    for i in 0..args.policies {
        let policy_id = PolicyId::new();
        fleet.policies.push(policy_id);
        let created = DomainEvent::PolicyCreated(PolicyCreated {
            policy_id,
            spec: PolicySpec {
                name: format!("policy-{i:05}"),
                schedule: ScheduleSpec {
                    cron: SEEDED_CRON.to_owned(),
                    time_zone: "UTC".to_owned(),
                },
                retention: retention(args.present_per_subvolume),
                target_retention: Some(retention(args.replicas_per_target)),
                replicate_after_snapshot: true,
            },
        });
        events += log
            .push(&mut tx, &policy_id.stream(), vec![created])
            .await?;
    }
    log.flush(&mut tx).await?;
    tx.commit().await?;
    Ok((fleet, events))
}

fn retention(keep_last: usize) -> RetentionSpec {
    RetentionSpec {
        keep_last: u32::try_from(keep_last).unwrap_or(u32::MAX),
        min_age: None,
        hourly: 0,
        daily: 0,
        weekly: 0,
        monthly: 0,
        yearly: 0,
        time_zone: "UTC".to_owned(),
    }
}

/// One snapshot of the history being written.
#[derive(Clone)]
struct Snap {
    id: SnapshotId,
    name: String,
    path: String,
    uuid: Uuid,
}

/// Seeds subvolume number `i` with its targets and its whole history. Returns events written.
async fn seed_subvolume(
    pool: &PgPool,
    args: &Args,
    fleet: &Fleet,
    i: usize,
    now: DateTime<Utc>,
    log: &mut Log,
) -> anyhow::Result<usize> {
    let mut conn = pool.acquire().await?;
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    let subvolume_id = SubvolumeId::new();
    let stream = subvolume_id.stream();
    let name = format!("sv{i:05}");
    let policy_id = fleet.policies[i % fleet.policies.len()];
    let mut written = log
        .push(
            &mut tx,
            &stream,
            vec![DomainEvent::SubvolumeManaged(SubvolumeManaged {
                subvolume_id,
                server_id: fleet.primaries[i % fleet.primaries.len()],
                name: name.clone(),
                path: format!("/srv/{name}"),
                snapshot_dir: "/srv/.snapshots".to_owned(),
                btrfs_uuid: Uuid::new_v4(),
                btrfs_id: 256 + i as u64,
            })],
        )
        .await?;
    written += log
        .push(
            &mut tx,
            &policy_id.stream(),
            vec![DomainEvent::PolicyAssigned(PolicyAssigned {
                policy_id,
                subvolume_id,
            })],
        )
        .await?;
    let mut targets = Vec::new();
    for t in 0..args.targets_per_subvolume {
        let target_id = TargetId::new();
        let server_id = fleet.remotes[(i * args.targets_per_subvolume + t) % fleet.remotes.len()];
        written += log
            .push(
                &mut tx,
                &target_id.stream(),
                vec![DomainEvent::TargetAdded(TargetAdded {
                    target_id,
                    subvolume_id,
                    server_id,
                    directory: format!("/srv/replicas/{name}"),
                    options: TargetOptions::default(),
                })],
            )
            .await?;
        targets.push(target_id);
    }

    let per_subvolume = (args.snapshots / args.subvolumes.max(1)).max(1);
    let run_every = (per_subvolume / args.runs_per_subvolume.max(1)).max(1);
    let mut present: std::collections::VecDeque<Snap> = std::collections::VecDeque::new();
    // What each target holds (all targets receive the same runs), oldest first.
    let mut on_targets: std::collections::VecDeque<Snap> = std::collections::VecDeque::new();
    let mut last_sent: Option<SnapshotId> = None;
    let mut pending: Vec<Snap> = Vec::new();
    let mut runs = 0_usize;
    for k in 0..per_subvolume {
        let at = now - TimeDelta::hours((per_subvolume - k) as i64);
        let snap_name = format!(
            "{name}.{}",
            at.format(domain::snapshot_names::TIMESTAMP_FORMAT)
        );
        let snap = Snap {
            id: SnapshotId::new(),
            path: format!("/srv/.snapshots/{snap_name}"),
            name: snap_name,
            uuid: Uuid::new_v4(),
        };
        let mut batch = vec![DomainEvent::SnapshotCreated(SnapshotCreated {
            snapshot_id: snap.id,
            subvolume_id,
            name: snap.name.clone(),
            path: snap.path.clone(),
            uuid: snap.uuid,
            parent_uuid: Uuid::nil(),
            btrfs_id: 1000 + k as u64,
            created_at: at,
        })];
        present.push_back(snap.clone());
        pending.push(snap);
        while present.len() > args.present_per_subvolume {
            let Some(old) = present.pop_front() else {
                break;
            };
            batch.push(DomainEvent::SnapshotPruned(SnapshotPruned {
                snapshot_id: old.id,
                subvolume_id,
                policy_id,
            }));
        }
        written += log.push(&mut tx, &stream, batch).await?;

        if (k + 1).is_multiple_of(run_every) || k + 1 == per_subvolume {
            runs += 1;
            let sent = std::mem::take(&mut pending);
            on_targets.extend(sent.iter().cloned());
            let mut dropped = Vec::new();
            while on_targets.len() > args.replicas_per_target {
                if let Some(old) = on_targets.pop_front() {
                    dropped.push(old);
                }
            }
            let run = Run {
                id: ReplicationId::new(),
                subvolume_id,
                policy_id,
                targets: &targets,
                sent: &sent,
                on_targets: &on_targets,
                dropped: &dropped,
                parent: last_sent,
                failing: runs.is_multiple_of(20).then_some(i % targets.len().max(1)),
            };
            written += seed_run(&mut tx, &run, log).await?;
            last_sent = sent.last().map(|s| s.id);
        }
    }
    log.flush(&mut tx).await?;
    tx.commit().await?;
    Ok(written)
}

/// One replication run of a subvolume's seeded history.
struct Run<'a> {
    id: ReplicationId,
    subvolume_id: SubvolumeId,
    policy_id: PolicyId,
    targets: &'a [TargetId],
    /// The snapshots this run sends, oldest first (the last is the requested one).
    sent: &'a [Snap],
    /// What every target holds after the run (and after its replica pruning).
    on_targets: &'a std::collections::VecDeque<Snap>,
    /// Replicas the target's retention removes after the run.
    dropped: &'a [Snap],
    parent: Option<SnapshotId>,
    /// The target (by index) that fails in this run, if one does.
    failing: Option<usize>,
}

async fn seed_run(tx: &mut PgConnection, run: &Run<'_>, log: &mut Log) -> anyhow::Result<usize> {
    let Some(upto) = run.sent.last() else {
        return Ok(0);
    };
    let rid = run.id;
    let mut events = vec![
        DomainEvent::ReplicationRequested(ReplicationRequested {
            replication_id: rid,
            subvolume_id: run.subvolume_id,
            snapshot_id: upto.id,
            target_ids: run.targets.to_vec(),
        }),
        DomainEvent::ReplicationStarted(ReplicationStarted {
            replication_id: rid,
        }),
    ];
    let replicas: Vec<Replica> = run
        .on_targets
        .iter()
        .map(|s| Replica {
            snapshot_id: s.id,
            path: format!("/srv/replicas/{}", s.name),
            uuid: Uuid::new_v4(),
        })
        .collect();
    let bytes = 64 * 1024 * 1024 * run.sent.len() as u64;
    let mut failed = false;
    for (n, target_id) in run.targets.iter().enumerate() {
        events.push(DomainEvent::ReplicationTargetStarted(
            ReplicationTargetStarted {
                replication_id: rid,
                target_id: *target_id,
                snapshot_id: upto.id,
                parent_snapshot_id: run.parent,
                send_id: Uuid::new_v4(),
                group_size: u32::try_from(run.targets.len()).unwrap_or(u32::MAX),
                expected_bytes: Some(bytes),
                compression: Default::default(),
                compression_fallback: None,
                staged_offset: None,
            },
        ));
        if run.failing == Some(n) {
            failed = true;
            events.push(DomainEvent::ReplicationTargetFailed(
                ReplicationTargetFailed {
                    replication_id: rid,
                    target_id: *target_id,
                    snapshot_id: Some(upto.id),
                    error: "connection reset by peer".to_owned(),
                    class: ErrorClass::Transient,
                },
            ));
            continue;
        }
        events.push(DomainEvent::ReplicationTargetSucceeded(
            ReplicationTargetSucceeded {
                replication_id: rid,
                target_id: *target_id,
                subvolume_id: run.subvolume_id,
                snapshot_id: upto.id,
                parent_snapshot_id: run.parent,
                sent: true,
                bytes,
                wire_bytes: Some(bytes),
                duration_ms: 4000,
                throughput_bytes_per_sec: bytes / 4,
                received_path: format!("/srv/replicas/{}", upto.name),
                replicas: replicas.clone(),
                common_base: Some(upto.id),
            },
        ));
    }
    events.push(DomainEvent::ReplicationFinished(ReplicationFinished {
        replication_id: rid,
        outcome: if failed {
            Outcome::PartiallyFailed
        } else {
            Outcome::Succeeded
        },
    }));
    let mut written = log.push(tx, &rid.stream(), events).await?;
    for target_id in run.targets {
        let pruned: Vec<DomainEvent> = run
            .dropped
            .iter()
            .map(|s| {
                DomainEvent::ReplicaPruned(ReplicaPruned {
                    target_id: *target_id,
                    subvolume_id: run.subvolume_id,
                    snapshot_id: s.id,
                    policy_id: run.policy_id,
                    path: format!("/srv/replicas/{}", s.name),
                })
            })
            .collect();
        if !pruned.is_empty() {
            written += log.push(tx, &target_id.stream(), pruned).await?;
        }
    }
    Ok(written)
}

/// Seeds the empty database at `url` (module docs).
pub async fn run(url: &str, args: Args) -> anyhow::Result<()> {
    if args.subvolumes == 0 || args.policies == 0 || args.targets_per_subvolume == 0 {
        bail!("--subvolumes, --policies and --targets-per-subvolume must be at least 1");
    }
    let options = store::db::parse_url(url)?;
    let pool = store::db::connect(options, u32::try_from(args.jobs + 1)?).await?;
    store::db::migrate(&pool).await?;
    let existing: i64 = sqlx::query_scalar("SELECT count(*) FROM events")
        .fetch_one(&pool)
        .await?;
    if existing > 0 {
        bail!("the database already holds {existing} events: seed an empty one");
    }
    let started = Instant::now();
    let now = Utc::now();
    let versions = Arc::new(Mutex::new(HashMap::new()));
    let (fleet, mut events) = seed_fleet(&pool, &args, &mut Log::new(versions.clone())).await?;
    let fleet = Arc::new(fleet);
    let args = Arc::new(args);
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..args.jobs.max(1) {
        let (pool, args, fleet, next) = (pool.clone(), args.clone(), fleet.clone(), next.clone());
        let mut log = Log::new(versions.clone());
        workers.spawn(async move {
            let mut written = 0;
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= args.subvolumes {
                    return Ok::<_, anyhow::Error>(written);
                }
                written += seed_subvolume(&pool, &args, &fleet, i, now, &mut log).await?;
                if (i + 1).is_multiple_of(100) {
                    eprintln!(
                        "control-plane-bench seed: {} of {} subvolumes",
                        i + 1,
                        args.subvolumes
                    );
                }
            }
        });
    }
    while let Some(done) = workers.join_next().await {
        events += done??;
    }
    let loaded = started.elapsed();
    println!(
        "loaded {events} events in {:.1} s ({:.0} events/s)",
        loaded.as_secs_f64(),
        per_second(events, loaded)
    );
    let rebuilt = Instant::now();
    let report = store::projections::rebuild(&pool).await?;
    let rebuilt = rebuilt.elapsed();
    println!(
        "built the projections from them (projections rebuild) in {:.1} s ({:.0} events/s)",
        rebuilt.as_secs_f64(),
        per_second(report.events_replayed as usize, rebuilt)
    );
    ledger_slots(&pool, now).await?;
    let took = started.elapsed();
    println!(
        "seeded {events} events in {:.1} s ({:.0} events/s)",
        took.as_secs_f64(),
        per_second(events, took)
    );
    Ok(())
}

fn per_second(n: usize, took: Duration) -> f64 {
    n as f64
        / took
            .as_secs_f64()
            .max(Duration::from_millis(1).as_secs_f64())
}

/// Records each assignment's newest slot of the seeded schedule (January 1st, 03:00 UTC)
/// as enqueued, as a running serve would have.
async fn ledger_slots(pool: &PgPool, now: DateTime<Utc>) -> anyhow::Result<()> {
    let slot = domain::Schedule::parse(SEEDED_CRON, "UTC")?
        .due_slot(None, now)
        .context("the seeded schedule has no past slot")?;
    sqlx::query(
        "INSERT INTO job_snapshot_slots (policy_id, subvolume_id, slot, job_id)
         SELECT policy_id, subvolume_id, $1, 'seeded' FROM proj_policy_assignments",
    )
    .bind(slot.at())
    .execute(pool)
    .await?;
    Ok(())
}
