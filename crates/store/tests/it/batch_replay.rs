//! The rebuild's batch replay (`projections::replay`) against the event-by-event path
//! live appends take: a random but plausible fleet log, with every kind the batch
//! replay collects interleaved with the kinds that interrupt it, appended one event at a
//! time (so the live tables are the event-by-event result), then `check` (which
//! replays in batches) and a full `rebuild` must give exactly the live tables.
//! `REPLAY_SEED=N` replays another random log.

use std::collections::HashMap;

use chrono::{TimeDelta, Utc};
use domain::event::{
    SnapshotCreateFailed, SnapshotCreated, SnapshotDeleteFailed, SnapshotDeleted,
    SnapshotDiscovered, SnapshotPruned, SnapshotVanished, SubvolumeManaged,
};
use domain::replication::{
    ErrorClass, Outcome, Replica, ReplicaPruned, ReplicationFinished, ReplicationProgress,
    ReplicationRequested, ReplicationRetried, ReplicationStarted, ReplicationTargetFailed,
    ReplicationTargetStarted, ReplicationTargetSucceeded, TargetAdded, TargetBytes, TargetOptions,
};
use domain::restore::{HoldReason, ReplicaDeleted, SnapshotHeld, SnapshotReleased};
use domain::{
    Actor, DomainEvent, PolicyId, ReplicationId, ServerId, SnapshotId, StreamId, SubvolumeId,
    TargetId,
};
use sqlx::PgPool;
use store::{AppendMeta, EventStore, ExpectedVersion, projections};
use uuid::Uuid;

use crate::event_store::initialized_store;

/// xorshift64*: reproducible without a dependency.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33) as usize % n.max(1)
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

struct Run {
    id: ReplicationId,
    subvolume: usize,
    targets: Vec<TargetId>,
    /// Target → its current send.
    sends: HashMap<TargetId, Uuid>,
}

/// The fleet the log is about, and what the log said so far.
struct Fleet {
    subvolumes: Vec<SubvolumeId>,
    targets: Vec<Vec<TargetId>>,
    snapshots: Vec<(SnapshotId, usize)>,
    /// (target, snapshot) → the replica's uuid and path as last listed.
    replicas: HashMap<(TargetId, SnapshotId), (Uuid, String)>,
    runs: Vec<Run>,
    n: u64,
}

impl Fleet {
    fn snapshot_of(&self, rng: &mut Rng, subvolume: usize) -> Option<SnapshotId> {
        let of: Vec<SnapshotId> = self
            .snapshots
            .iter()
            .filter(|(_, s)| *s == subvolume)
            .map(|(id, _)| *id)
            .collect();
        (!of.is_empty()).then(|| of[rng.below(of.len())])
    }

    fn any_snapshot(&self, rng: &mut Rng) -> Option<(SnapshotId, usize)> {
        (!self.snapshots.is_empty()).then(|| self.snapshots[rng.below(self.snapshots.len())])
    }

    /// A listing for `target`: some of its subvolume's snapshots, some replicas changed.
    fn listing(&mut self, rng: &mut Rng, target: TargetId, subvolume: usize) -> Vec<Replica> {
        let mut out = Vec::new();
        for (id, s) in self.snapshots.clone() {
            if s != subvolume || !rng.chance(60) {
                continue;
            }
            let entry = self
                .replicas
                .entry((target, id))
                .or_insert_with(|| (Uuid::new_v4(), format!("/r/{id}")));
            if rng.chance(5) {
                entry.0 = Uuid::new_v4();
            }
            if rng.chance(3) {
                entry.1 = format!("/r/moved/{id}");
            }
            out.push(Replica {
                snapshot_id: id,
                path: entry.1.clone(),
                uuid: entry.0,
            });
        }
        out
    }

    fn next(&mut self, rng: &mut Rng) -> Option<DomainEvent> {
        self.n += 1;
        let sv = rng.below(self.subvolumes.len());
        let subvolume_id = self.subvolumes[sv];
        let roll = rng.below(100);
        Some(match roll {
            0..=17 => {
                let snapshot_id = SnapshotId::new();
                self.snapshots.push((snapshot_id, sv));
                let name = format!("s{}", self.n);
                if rng.chance(85) {
                    DomainEvent::SnapshotCreated(SnapshotCreated {
                        snapshot_id,
                        subvolume_id,
                        path: format!("/snaps/{name}"),
                        name,
                        uuid: Uuid::new_v4(),
                        parent_uuid: Uuid::nil(),
                        btrfs_id: 300 + self.n,
                        created_at: Utc::now() - TimeDelta::seconds(self.n as i64),
                    })
                } else {
                    DomainEvent::SnapshotDiscovered(SnapshotDiscovered {
                        snapshot_id,
                        subvolume_id,
                        path: format!("/snaps/{name}"),
                        name,
                        uuid: Uuid::new_v4(),
                        parent_uuid: Uuid::nil(),
                        btrfs_id: 300 + self.n,
                        created_at: rng.chance(50).then(Utc::now),
                    })
                }
            }
            18..=27 => {
                let (snapshot_id, s) = self.any_snapshot(rng)?;
                let subvolume_id = self.subvolumes[s];
                match rng.below(3) {
                    0 => DomainEvent::SnapshotDeleted(SnapshotDeleted {
                        snapshot_id,
                        subvolume_id,
                    }),
                    1 => DomainEvent::SnapshotPruned(SnapshotPruned {
                        snapshot_id,
                        subvolume_id,
                        policy_id: PolicyId::new(),
                    }),
                    _ => DomainEvent::SnapshotVanished(SnapshotVanished {
                        snapshot_id,
                        subvolume_id,
                    }),
                }
            }
            28..=31 => self.barrier(rng, sv)?,
            32..=38 => self.open_run(rng, sv)?,
            39..=79 => self.advance_run(rng)?,
            80..=95 => {
                let t = self.targets[sv][rng.below(self.targets[sv].len())];
                DomainEvent::ReplicaPruned(ReplicaPruned {
                    target_id: t,
                    subvolume_id,
                    snapshot_id: self.snapshot_of(rng, sv)?,
                    policy_id: PolicyId::new(),
                    path: "/r/x".to_owned(),
                })
            }
            _ => {
                let t = self.targets[sv][rng.below(self.targets[sv].len())];
                DomainEvent::ReplicaDeleted(ReplicaDeleted {
                    target_id: t,
                    subvolume_id,
                    snapshot_id: self.snapshot_of(rng, sv)?,
                    path: "/r/x".to_owned(),
                    forced: false,
                })
            }
        })
    }

    /// An event the batch replay must flush before.
    fn barrier(&mut self, rng: &mut Rng, sv: usize) -> Option<DomainEvent> {
        let subvolume_id = self.subvolumes[sv];
        Some(match rng.below(4) {
            0 => DomainEvent::SnapshotCreateFailed(SnapshotCreateFailed {
                subvolume_id,
                name: "x".to_owned(),
                path: "/snaps/x".to_owned(),
                error: format!("no space {}", self.n),
            }),
            1 => DomainEvent::SnapshotDeleteFailed(SnapshotDeleteFailed {
                snapshot_id: self.snapshot_of(rng, sv)?,
                subvolume_id,
                error: "busy".to_owned(),
            }),
            2 => DomainEvent::SnapshotHeld(SnapshotHeld {
                subvolume_id,
                snapshot_id: self.snapshot_of(rng, sv)?,
                reason: HoldReason::PreRestore,
                restore_id: None,
            }),
            _ => DomainEvent::SnapshotReleased(SnapshotReleased {
                subvolume_id,
                snapshot_id: self.snapshot_of(rng, sv)?,
            }),
        })
    }

    fn open_run(&mut self, rng: &mut Rng, sv: usize) -> Option<DomainEvent> {
        let id = ReplicationId::new();
        let targets: Vec<TargetId> = self.targets[sv]
            .iter()
            .copied()
            .filter(|_| rng.chance(80))
            .collect();
        let snapshot_id = self.snapshot_of(rng, sv)?;
        self.runs.push(Run {
            id,
            subvolume: sv,
            targets: targets.clone(),
            sends: HashMap::new(),
        });
        Some(DomainEvent::ReplicationRequested(ReplicationRequested {
            replication_id: id,
            subvolume_id: self.subvolumes[sv],
            snapshot_id,
            target_ids: targets,
        }))
    }

    fn advance_run(&mut self, rng: &mut Rng) -> Option<DomainEvent> {
        if self.runs.is_empty() {
            return None;
        }
        let r = rng.below(self.runs.len());
        let (id, sv) = (self.runs[r].id, self.runs[r].subvolume);
        let targets = self.runs[r].targets.clone();
        let t = *targets.get(rng.below(targets.len()))?;
        let snapshot_id = self.snapshot_of(rng, sv)?;
        let roll = rng.below(100);
        Some(match roll {
            0..=9 => DomainEvent::ReplicationStarted(ReplicationStarted { replication_id: id }),
            10..=29 => {
                let send = Uuid::new_v4();
                self.runs[r].sends.insert(t, send);
                DomainEvent::ReplicationTargetStarted(ReplicationTargetStarted {
                    replication_id: id,
                    target_id: t,
                    snapshot_id,
                    parent_snapshot_id: rng.chance(50).then(SnapshotId::new),
                    send_id: send,
                    group_size: 2,
                    expected_bytes: rng.chance(50).then_some(1000),
                    compression: Default::default(),
                    compression_fallback: None,
                    staged_offset: None,
                })
            }
            30..=49 => {
                // Now and then the progress of a send that is no longer current.
                let send = match self.runs[r].sends.get(&t) {
                    Some(s) if rng.chance(80) => *s,
                    _ => Uuid::new_v4(),
                };
                DomainEvent::ReplicationProgress(ReplicationProgress {
                    replication_id: id,
                    send_id: send,
                    targets: targets
                        .iter()
                        .map(|t| TargetBytes {
                            target_id: *t,
                            bytes: self.n * 10,
                        })
                        .collect(),
                    rate_bytes_per_sec: self.n,
                })
            }
            50..=74 => DomainEvent::ReplicationTargetSucceeded(ReplicationTargetSucceeded {
                replication_id: id,
                target_id: t,
                subvolume_id: self.subvolumes[sv],
                snapshot_id,
                parent_snapshot_id: None,
                sent: rng.chance(70),
                bytes: self.n,
                wire_bytes: rng.chance(50).then_some(self.n / 2),
                duration_ms: 10,
                throughput_bytes_per_sec: 100,
                received_path: format!("/r/{snapshot_id}"),
                replicas: self.listing(rng, t, sv),
                common_base: rng.chance(80).then_some(snapshot_id),
            }),
            75..=82 => DomainEvent::ReplicationTargetFailed(ReplicationTargetFailed {
                replication_id: id,
                target_id: t,
                snapshot_id: rng.chance(50).then_some(snapshot_id),
                error: "reset".to_owned(),
                class: ErrorClass::Transient,
            }),
            83..=87 => DomainEvent::ReplicationRetried(ReplicationRetried {
                replication_id: id,
                target_ids: vec![t],
            }),
            _ => {
                if rng.chance(50) {
                    self.runs.swap_remove(r);
                }
                DomainEvent::ReplicationFinished(ReplicationFinished {
                    replication_id: id,
                    outcome: if rng.chance(70) {
                        Outcome::Succeeded
                    } else {
                        Outcome::PartiallyFailed
                    },
                })
            }
        })
    }
}

async fn append(store: &EventStore, event: DomainEvent) {
    let stream = StreamId::instance();
    store
        .append(
            &stream,
            ExpectedVersion::Any,
            &[event],
            &AppendMeta::new(Actor::System),
        )
        .await
        .unwrap();
}

async fn rows(pool: &PgPool, table: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT count(*) FROM {table}")))
        .fetch_one(pool)
        .await
        .unwrap()
}

#[sqlx::test(migrations = false)]
async fn a_batch_replay_gives_exactly_the_event_by_event_tables(pool: PgPool) {
    let store = initialized_store(&pool).await;
    let mut fleet = Fleet {
        subvolumes: (0..3).map(|_| SubvolumeId::new()).collect(),
        targets: Vec::new(),
        snapshots: Vec::new(),
        replicas: HashMap::new(),
        runs: Vec::new(),
        n: 0,
    };
    for (i, sv) in fleet.subvolumes.clone().into_iter().enumerate() {
        append(
            &store,
            DomainEvent::SubvolumeManaged(SubvolumeManaged {
                subvolume_id: sv,
                server_id: ServerId::new(),
                name: format!("sv{i}"),
                path: format!("/srv/sv{i}"),
                snapshot_dir: "/srv/.snapshots".to_owned(),
                btrfs_uuid: Uuid::new_v4(),
                btrfs_id: 256,
            }),
        )
        .await;
        let mut targets = Vec::new();
        for _ in 0..3 {
            let target_id = TargetId::new();
            append(
                &store,
                DomainEvent::TargetAdded(TargetAdded {
                    target_id,
                    subvolume_id: sv,
                    server_id: ServerId::new(),
                    directory: "/r".to_owned(),
                    options: TargetOptions::default(),
                }),
            )
            .await;
            targets.push(target_id);
        }
        fleet.targets.push(targets);
    }
    // More than a replay batch, so batches end inside runs.
    let seed = std::env::var("REPLAY_SEED")
        .ok()
        .and_then(|s| s.parse().ok());
    let mut rng = Rng(seed.unwrap_or(0x9E37_79B9_7F4A_7C15));
    let mut appended = 0;
    // Batches of 1,000 events (the product's are larger): 3.5 batches.
    let batch = 1000;
    while appended < 3 * batch + 500 {
        if let Some(event) = fleet.next(&mut rng) {
            append(&store, event).await;
            appended += 1;
        }
    }
    // The log reached the rows the batch replay writes.
    for table in [
        "proj_snapshots",
        "proj_replications",
        "proj_replication_targets",
        "proj_replicas",
        "proj_replication_pins",
    ] {
        assert!(rows(&pool, table).await > 0, "{table} is empty");
    }
    let live = projections::snapshot(&pool).await.unwrap();
    assert_eq!(
        projections::check_in_batches_of(&pool, batch)
            .await
            .unwrap(),
        Vec::<String>::new()
    );
    projections::rebuild_in_batches_of(&pool, batch)
        .await
        .unwrap();
    assert!(
        projections::snapshot(&pool).await.unwrap() == live,
        "the rebuild differs"
    );
}
