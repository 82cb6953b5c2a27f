//! The transport of a send group: cleans each member's directory, records the starts
//! (under the subvolume lock, after re-checking that the snapshot and parent are still
//! catalogued), starts every member's `btrfs receive` (or `zstd -d -c | btrfs receive`),
//! then the ONE `btrfs send`, and streams it into all of them through
//! [`crate::fanout`] with throttled progress events. A member whose send is staged
//! ([`super::staged`]) gets a writer into its staged file instead of a receive (and only
//! the bytes its file lacks), and is received from the file once the stream is whole.
//! Each member's outcome (its receive's or writer's exit, the send's, the stream's) goes
//! to the driver's verification as soon as that member has the whole stream and the send
//! exited: a slower member (rate-limited, distant) does not hold up the others' records.
//!
//! What it does not do: choose snapshots or parents (the planner).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use btrfs::host::{CommandStdin, CommandStdout, RunningCommand};
use domain::replication::{
    Compression, ErrorClass, ReplicationProgress, ReplicationTargetStarted, TargetBytes,
};
use domain::{DomainEvent, TargetId};
use futures::FutureExt;
use futures::stream::{FuturesUnordered, StreamExt};
use store::projections::{self, SnapshotState};
use store::{ExpectedVersion, events, locks};
use tokio::sync::oneshot;
use tokio_util::task::AbortOnDropHandle;
use tracing::Instrument;
use uuid::Uuid;

use super::plan::InDir;
use super::staged::Delivery;
use super::{
    Failure, PROGRESS_EVERY, Primary, RECEIVE_EXIT_GRACE, RunCtx, SendSpec, TargetRun, append_run,
    millis, throughput,
};
use crate::fanout::{self, Delivered, Sink};
use crate::{EngineError, abs, recorded_path};

/// Each member's result.
type Results = Vec<(TargetId, Result<(), Failure>)>;

/// A member whose `btrfs receive` (or staged writer) runs.
struct Receiving {
    cmd: Box<dyn RunningCommand>,
    /// Its `replication_target` span.
    span: tracing::Span,
    delivery: Delivery,
}

/// The members' receives, and the sinks that feed them.
#[derive(Default)]
struct Receives {
    running: HashMap<TargetId, Receiving>,
    sinks: Vec<Sink<TargetId>>,
    /// Bytes written so far, per member (for progress).
    counters: Vec<(TargetId, Arc<AtomicU64>)>,
}

/// The members that have their outcome: progress no longer names them (a progress
/// event after a target's success would overwrite its recorded rate). Held across a
/// progress event's append, so no progress of a member is recorded after it is here.
type Settled = Arc<tokio::sync::Mutex<HashSet<TargetId>>>;

/// Each ready member's delivery.
type Deliveries = HashMap<TargetId, Delivery>;

/// How one member's transfer ended.
struct MemberEnd {
    tid: TargetId,
    /// What it was given (with the whole stream's sha256 when a member is staged), or why
    /// it failed.
    outcome: Result<Delivered, Failure>,
    delivery: Delivery,
    /// From the send's start to this member's end.
    elapsed: Duration,
}

impl RunCtx<'_> {
    /// One `btrfs send` of `spec.snap` (from `spec.parent`) into every member's
    /// `btrfs receive`.
    pub(super) async fn send_group(
        &self,
        primary: &Primary,
        spec: SendSpec<'_>,
        members: Vec<(TargetId, Vec<InDir>)>,
        pending: &BTreeMap<TargetId, TargetRun>,
    ) -> Result<Results, EngineError> {
        let mut results = Results::new();
        let ready = self
            .clean_members(primary, spec, &members, pending, &mut results)
            .await;
        if ready.is_empty() {
            return Ok(results);
        }
        let estimate = self.estimate(primary, spec).await;
        let staging = ready.iter().filter_map(|tid| {
            let (_, listing) = members.iter().find(|(m, _)| m == tid)?;
            Some((*tid, pending.get(tid)?, listing.as_slice()))
        });
        let mut deliveries = Deliveries::new();
        for (tid, d) in self.deliveries(primary, spec, staging, estimate).await {
            match d {
                Ok(d) => {
                    deliveries.insert(tid, d);
                }
                Err(f) => results.push((tid, Err(f))),
            }
        }
        let ready: Vec<TargetId> = ready
            .into_iter()
            .filter(|t| deliveries.contains_key(t))
            .collect();
        if ready.is_empty() {
            return Ok(results);
        }
        let send_id = self
            .record_starts(spec, &ready, pending, &deliveries, estimate)
            .await?;
        tracing::info!(replication = %self.id(), snapshot = %spec.snap.name, parent = ?spec.parent.map(|p| &p.name), targets = ready.len(), estimate, "send started");
        let mut receives = start_receives(spec, &ready, pending, deliveries, &mut results).await;
        if receives.sinks.is_empty() {
            return Ok(results);
        }
        let started_at = Instant::now();
        let (send, stdout) = match self.start_send(primary, spec).await? {
            Ok(s) => s,
            Err(f) => {
                drop(receives);
                results.extend(ready.iter().map(|t| (*t, Err(f.clone()))));
                return Ok(results);
            }
        };
        // Each member settles as soon as it has the whole stream and the send exited 0:
        // a fast target is verified and recorded while a slow one still streams. Members
        // settle side by side: a staged one still hashes and receives its file, and a hung
        // one waits out its grace, without holding up the others.
        let settled_ids = Settled::default();
        let mut at_end = HashMap::new();
        let mut waits = Vec::new();
        for sink in &mut receives.sinks {
            let (early_tx, early) = oneshot::channel();
            let (end_tx, end) = oneshot::channel();
            sink.on_delivered = Some(early_tx);
            at_end.insert(sink.key, end_tx);
            waits.push((sink.key, early, end));
        }
        let send_exit = async move { Arc::new(send.wait().await.map(drop)) }.shared();
        let progress = self.spawn_progress(send_id, receives.counters.clone(), settled_ids.clone());
        // A staged member's file is checked against the whole stream's digest.
        let hash = receives
            .running
            .values()
            .any(|r| r.delivery.staged_offset().is_some());
        let opts = self.engine.fanout_options(hash);
        let sinks = std::mem::take(&mut receives.sinks);
        let fanning = {
            let send_exit = send_exit.clone();
            async move {
                let report = fanout::fan_out(stdout, sinks, opts).await;
                drop(progress);
                let send = send_exit.await;
                tracing::info!(
                    replication = %self.id(),
                    bytes = report.bytes_read,
                    ms = millis(started_at.elapsed()),
                    peak_queued_chunks = report.peak_queued_chunks,
                    send_ok = send.is_ok(),
                    "send finished"
                );
                for (tid, written) in report.sinks {
                    if let Some(tell) = at_end.remove(&tid) {
                        let _ = tell.send(written);
                    }
                }
            }
        };
        let settling: FuturesUnordered<_> = waits
            .into_iter()
            .filter_map(|(tid, early, end)| {
                let receiving = receives.running.remove(&tid)?;
                let send_exit = send_exit.clone();
                let settled_ids = settled_ids.clone();
                Some(
                    async move {
                        let written = match early.await {
                            Ok(delivered) => Ok(delivered),
                            // Not delivered whole: what the fan-out's report says.
                            Err(_) => end.await.unwrap_or_else(|_| {
                                Err(std::io::Error::other("the fan-out ended without it"))
                            }),
                        };
                        let send = send_exit.await;
                        // No progress of this member after its outcome.
                        settled_ids.lock().await.insert(tid);
                        let elapsed = started_at.elapsed();
                        let outcome = target_outcome(receiving.cmd, written, &send).await;
                        let end = MemberEnd {
                            tid,
                            outcome,
                            delivery: receiving.delivery,
                            elapsed,
                        };
                        (tid, self.settle(end, primary, spec, pending).await)
                    }
                    .instrument(receiving.span),
                )
            })
            .collect();
        let ((), settled) = tokio::join!(fanning, settling.collect::<Vec<_>>());
        results.extend(settled);
        Ok(results)
    }

    /// Cleans each member's directory; those that cannot be cleaned fail. The ready ones.
    async fn clean_members(
        &self,
        primary: &Primary,
        spec: SendSpec<'_>,
        members: &[(TargetId, Vec<InDir>)],
        pending: &BTreeMap<TargetId, TargetRun>,
        results: &mut Results,
    ) -> Vec<TargetId> {
        let mut names: HashSet<String> = primary.names();
        names.insert(spec.snap.name.clone());
        let mut ready = Vec::new();
        for (tid, listing) in members {
            let Some(t) = pending.get(tid) else { continue };
            match self.clean_target(*tid, t, listing, &names, spec.snap).await {
                Ok(()) => ready.push(*tid),
                Err(f) => results.push((*tid, Err(f))),
            }
        }
        ready
    }

    /// Records the starts under the subvolume lock, after checking that the snapshot and
    /// the parent are still catalogued (pruning reads "in flight" under it). The send id.
    async fn record_starts(
        &self,
        spec: SendSpec<'_>,
        ready: &[TargetId],
        pending: &BTreeMap<TargetId, TargetRun>,
        deliveries: &Deliveries,
        estimate: Option<u64>,
    ) -> Result<Uuid, EngineError> {
        let pool = self.engine.events.pool();
        let send_id = Uuid::now_v7();
        let expected = match estimate {
            Some(e) => Some(e),
            None => {
                projections::last_send_bytes(pool, self.run.subvolume_id, spec.parent.is_some())
                    .await?
            }
        };
        let mut tx = pool.begin().await?;
        locks::lock_subvolume(&mut tx, self.run.subvolume_id).await?;
        for s in std::iter::once(spec.snap).chain(spec.parent) {
            let now = projections::snapshot_by_id(&mut *tx, s.snapshot_id).await?;
            if now.is_none_or(|n| n.state != SnapshotState::Present) {
                return Err(EngineError::Conflict(format!(
                    "snapshot {} was deleted on the primary meanwhile",
                    s.snapshot_id
                )));
            }
        }
        let started: Vec<DomainEvent> = ready
            .iter()
            .filter_map(|tid| Some((tid, pending.get(tid)?)))
            .map(|(tid, t)| {
                DomainEvent::ReplicationTargetStarted(ReplicationTargetStarted {
                    replication_id: self.id(),
                    target_id: *tid,
                    snapshot_id: spec.snap.snapshot_id,
                    parent_snapshot_id: spec.parent.map(|p| p.snapshot_id),
                    send_id,
                    group_size: u32::try_from(ready.len()).unwrap_or(u32::MAX),
                    expected_bytes: expected,
                    compression: if deliveries.get(tid).map_or(t.zstd, |d| d.compressed_for(t)) {
                        Compression::Zstd
                    } else {
                        Compression::None
                    },
                    compression_fallback: t.compression_fallback.clone(),
                    staged_offset: deliveries.get(tid).and_then(Delivery::staged_offset),
                })
            })
            .collect();
        let stream = self.id().stream();
        events::append_in(&mut tx, &stream, ExpectedVersion::Any, &started, self.meta).await?;
        tx.commit().await?;
        Ok(send_id)
    }

    /// Starts the one send: the command and its stdout. `Ok(Err(_))`: the send did not
    /// start (every member fails with it).
    async fn start_send(
        &self,
        primary: &Primary,
        spec: SendSpec<'_>,
    ) -> Result<Result<(Box<dyn RunningCommand>, CommandStdout), Failure>, EngineError> {
        let snap_path = abs(&recorded_path(&spec.snap.path)?)?;
        let parent_path = spec
            .parent
            .map(|p| recorded_path(&p.path).and_then(|p| abs(&p)))
            .transpose()?;
        let mut send = match primary
            .btrfs
            .send(&snap_path, parent_path.as_ref(), &[])
            .await
        {
            Ok(cmd) => cmd,
            Err(e) => return Ok(Err(Failure::from_engine(&EngineError::Host(e)))),
        };
        let Some(stdout) = send.take_stdout() else {
            return Err(EngineError::Inconsistent("btrfs send has no stdout".into()));
        };
        Ok(Ok((send, stdout)))
    }

    /// A task appending `ReplicationProgress` at most every [`PROGRESS_EVERY`] while
    /// bytes move, for the members without an outcome yet. It ends when the handle is
    /// dropped: with the fan-out, or with the send group's future (a cancelled job).
    fn spawn_progress(
        &self,
        send_id: Uuid,
        counters: Vec<(TargetId, Arc<AtomicU64>)>,
        settled: Settled,
    ) -> AbortOnDropHandle<()> {
        let engine = self.engine.clone();
        let meta = self.meta.clone();
        let id = self.id();
        AbortOnDropHandle::new(tokio::spawn(async move {
            // Counters start at what a resumed member holds already: not bytes moved now.
            let mut last: HashMap<TargetId, u64> = counters
                .iter()
                .map(|(t, c)| (*t, c.load(Ordering::Relaxed)))
                .collect();
            let mut last_at = Instant::now();
            loop {
                tokio::time::sleep(PROGRESS_EVERY).await;
                let settled = settled.lock().await;
                let targets: Vec<TargetBytes> = counters
                    .iter()
                    .filter(|(t, _)| !settled.contains(t))
                    .map(|(t, c)| TargetBytes {
                        target_id: *t,
                        bytes: c.load(Ordering::Relaxed),
                    })
                    .collect();
                // Recorded while any member moved, not only the leader: a slower member
                // goes on after the fastest has the whole stream. The rate is that of the
                // member that moved most since the last event.
                let moved = targets
                    .iter()
                    .map(|t| {
                        t.bytes
                            .saturating_sub(last.get(&t.target_id).copied().unwrap_or(0))
                    })
                    .max()
                    .unwrap_or(0);
                if moved == 0 {
                    continue;
                }
                let rate = throughput(moved, last_at.elapsed());
                last_at = Instant::now();
                last.extend(targets.iter().map(|t| (t.target_id, t.bytes)));
                let event = DomainEvent::ReplicationProgress(ReplicationProgress {
                    replication_id: id,
                    send_id,
                    targets,
                    rate_bytes_per_sec: rate,
                });
                // Under the lock: a member's outcome waits for this append.
                if let Err(e) = append_run(&engine, id, event, &meta).await {
                    tracing::warn!(error = %e, "recording progress failed");
                }
                drop(settled);
            }
        }))
    }

    /// A member's delivered stream verified and recorded, or its failure cleaned up.
    async fn settle(
        &self,
        end: MemberEnd,
        primary: &Primary,
        spec: SendSpec<'_>,
        pending: &BTreeMap<TargetId, TargetRun>,
    ) -> Result<(), Failure> {
        let t = pending
            .get(&end.tid)
            .ok_or_else(|| Failure::permanent("target vanished from the run"))?;
        let received = match (end.outcome, &end.delivery) {
            (Ok(delivered), Delivery::Direct) => Ok(delivered),
            (Ok(delivered), Delivery::Staged { file, .. }) => self
                .receive_staged(t, file, delivered.sha256)
                .await
                .map(|()| delivered),
            (Err(f), _) => Err(f),
        };
        match received {
            Ok(delivered) => {
                let span = tracing::Span::current();
                span.record("bytes", delivered.stream_bytes);
                span.record("wire_bytes", delivered.wire_bytes);
                self.verify_and_record(t, primary, spec, &delivered, end.elapsed)
                    .await
            }
            Err(f) => {
                self.clean_after_failure(end.tid, t, spec.snap).await;
                Err(f)
            }
        }
    }
}

/// Starts each ready member's receive under its `replication_target` span; those that
/// cannot start fail.
async fn start_receives(
    spec: SendSpec<'_>,
    ready: &[TargetId],
    pending: &BTreeMap<TargetId, TargetRun>,
    mut deliveries: Deliveries,
    results: &mut Results,
) -> Receives {
    let mut receives = Receives::default();
    for tid in ready {
        let Some(t) = pending.get(tid) else { continue };
        let delivery = deliveries.remove(tid).unwrap_or(Delivery::Direct);
        let span = target_span(spec, *tid, t, &delivery);
        let skip = delivery.staged_offset().unwrap_or(0);
        let zstd = delivery.compressed_for(t);
        match start_receive(t, &delivery, zstd)
            .instrument(span.clone())
            .await
        {
            Ok((cmd, stdin)) => {
                let written = Arc::new(AtomicU64::new(skip));
                receives.counters.push((*tid, written.clone()));
                receives.sinks.push(Sink {
                    key: *tid,
                    stdin,
                    rate_limit: t.view.options.rate_limit_bytes_per_sec,
                    written,
                    zstd,
                    skip,
                    on_delivered: None,
                });
                receives.running.insert(
                    *tid,
                    Receiving {
                        cmd,
                        span,
                        delivery,
                    },
                );
            }
            Err(e) => results.push((*tid, Err(e.into()))),
        }
    }
    receives
}

/// The span of one member's transfer (its receive's `command` span goes under it).
fn target_span(
    spec: SendSpec<'_>,
    tid: TargetId,
    t: &TargetRun,
    delivery: &Delivery,
) -> tracing::Span {
    let span = tracing::info_span!(
        "replication_target",
        target_id = %tid,
        server_id = %t.view.server_id,
        snapshot_id = %spec.snap.snapshot_id,
        parent_snapshot_id = tracing::field::Empty,
        kind = if spec.parent.is_some() { "incremental" } else { "full" },
        compression = if t.zstd { "zstd" } else { "none" },
        staged_offset = delivery.staged_offset(),
        bytes = tracing::field::Empty,
        wire_bytes = tracing::field::Empty,
    );
    if let Some(p) = spec.parent {
        span.record("parent_snapshot_id", tracing::field::display(p.snapshot_id));
    }
    span
}

/// `btrfs receive DIR`, or the staged file's writer (through zstd when `zstd`): the
/// command and its stdin. Its stdout is drained at once (one SSH connection serves
/// many channels).
async fn start_receive(
    t: &TargetRun,
    delivery: &Delivery,
    zstd: bool,
) -> Result<(Box<dyn RunningCommand>, CommandStdin), EngineError> {
    let dir = abs(&t.dir)?;
    let mut cmd = match delivery {
        Delivery::Staged { file, offset } => t.btrfs.stage_writer(file, *offset, zstd).await?,
        Delivery::Direct if zstd => t.btrfs.receive_zstd(&dir).await?,
        Delivery::Direct => t.btrfs.receive(&dir).await?,
    };
    let stdin = cmd
        .take_stdin()
        .ok_or_else(|| EngineError::Inconsistent("btrfs receive has no stdin".into()))?;
    if let Some(mut out) = cmd.take_stdout() {
        tokio::spawn(async move {
            let _ = tokio::io::copy(&mut out, &mut tokio::io::sink()).await;
        });
    }
    Ok((cmd, stdin))
}

/// One member's outcome from its receive's exit, what was written to it and the send's
/// exit.
async fn target_outcome(
    cmd: Box<dyn RunningCommand>,
    written: Result<Delivered, std::io::Error>,
    send: &Result<(), btrfs::HostError>,
) -> Result<Delivered, Failure> {
    let exit = match &written {
        Ok(_) => cmd.wait().await.map(drop),
        Err(_) => match tokio::time::timeout(RECEIVE_EXIT_GRACE, cmd.wait()).await {
            Ok(r) => r.map(drop),
            Err(_) => Ok(()),
        },
    };
    // A send killed by SIGPIPE died because we closed its stdout after every target
    // had failed: the target's own error is the cause, report that.
    let target_failed = written.is_err() || exit.is_err();
    let send_failure = send
        .as_ref()
        .err()
        .filter(|e| !(e.is_broken_pipe() && target_failed));
    match (send_failure, written, exit) {
        (Some(e), _, _) => Err(Failure {
            error: format!("btrfs send failed: {e}"),
            class: ErrorClass::from_transient(e.is_transient()),
        }),
        (_, _, Err(e)) => Err(Failure::from_engine(&EngineError::Host(e))),
        (_, Err(e), Ok(())) => Err(Failure {
            error: format!("streaming to the target failed: {e}"),
            class: ErrorClass::Transient,
        }),
        (None, Ok(delivered), Ok(())) => Ok(delivered),
    }
}
