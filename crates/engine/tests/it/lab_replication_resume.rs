//! Resumable (staged) sends against the lab: a staged send cut mid-way resumes where it
//! stopped and sends only the rest (raw and zstd members), a staged stream that differs
//! from the send is never received, and stale staged streams are removed. The engine
//! stages every send here (threshold 1 byte). The fixture is `lab_replication`'s.
use domain::replication::{Compression, ErrorClass, RunState, TargetOptions, TargetState};
use domain::{ReplicationId, SnapshotId, TargetId};
use engine::Engine;
use sqlx::PgPool;
use store::projections;
use testkit::lab::kill_session_running;
use testkit::{meta, ssh, ssh_ok};

use crate::lab_replication::{Lab, lab, spawn_replication};

const MIB: u64 = 1024 * 1024;

/// Requests a replication of `snapshot` to `targets` with `engine` and runs it to its end.
async fn replicate(engine: &Engine, snapshot: SnapshotId, targets: Vec<TargetId>) -> ReplicationId {
    let r = engine
        .request_replication(snapshot, Some(targets), &meta())
        .await
        .unwrap();
    engine
        .run_replication(r.replication_id, &meta())
        .await
        .unwrap();
    r.replication_id
}

impl Lab {
    /// The staging directory of remote `n`'s target.
    fn staging(&self, n: u8) -> String {
        format!("{}/.dist-btrfs-staging", self.area.remote(n))
    }

    /// Name and size of each file staged on remote `n`, sorted.
    fn staged(&self, n: u8) -> Vec<(String, u64)> {
        let (ok, out) = ssh(
            n,
            &format!("cd {} && stat -c '%n %s' -- *", self.staging(n)),
        );
        if !ok {
            return Vec::new();
        }
        let mut files: Vec<(String, u64)> = out
            .lines()
            .filter_map(|l| l.split_once(' '))
            .map(|(n, s)| (n.to_owned(), s.trim().parse().unwrap()))
            .collect();
        files.sort();
        files
    }

    /// The uuid of snapshot `s`.
    async fn uuid(&self, s: SnapshotId) -> uuid::Uuid {
        projections::snapshot_by_id(&self.pool, s)
            .await
            .unwrap()
            .unwrap()
            .uuid
    }

    /// `staged_offset` of each `ReplicationTargetStarted` of run `id` for `target`.
    async fn staged_offsets(&self, id: ReplicationId, target: TargetId) -> Vec<Option<i64>> {
        self.sends_to(id, target)
            .await
            .into_iter()
            .map(|s| s.2)
            .collect()
    }

    async fn target_row(
        &self,
        id: ReplicationId,
        target: TargetId,
    ) -> projections::ReplicationTargetView {
        projections::replication_targets(&self.pool, id)
            .await
            .unwrap()
            .into_iter()
            .find(|r| r.target_id == target)
            .unwrap()
    }
}

impl Lab {
    /// (snapshot, parent, staged offset) of each `ReplicationTargetStarted` of run `id`
    /// for `target`.
    async fn sends_to(
        &self,
        id: ReplicationId,
        target: TargetId,
    ) -> Vec<(String, Option<String>, Option<i64>)> {
        sqlx::query_as(
            "SELECT payload->>'snapshot_id', payload->>'parent_snapshot_id',
                    (payload->>'staged_offset')::bigint FROM events
              WHERE stream_id = $1 AND event_type = 'ReplicationTargetStarted'
                AND payload->>'target_id' = $2 ORDER BY global_seq",
        )
        .bind(id.stream().as_str())
        .bind(target.to_string())
        .fetch_all(&self.pool)
        .await
        .unwrap()
    }

    /// Waits until more than 90 MiB of `file` are staged on remote `n`, then kills the
    /// session writing it (one cut link).
    async fn cut_once_staged(&self, n: u8, file: &str) {
        let mut staged = 0;
        for _ in 0..600 {
            staged = self.staged(n).first().map_or(0, |f| f.1);
            if staged > 90 * MIB {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert!(staged > 90 * MIB, "remote{n}: {staged} bytes staged");
        let pattern = format!("dd of={}/{file}", self.staging(n));
        assert_eq!(kill_session_running(&pattern), 1, "remote{n}");
    }

    /// Replicates `snapshot` to the rate-limited `target` on remote 1, cutting its
    /// staged send once more than 90 MiB of `file` are there; returns the bytes kept.
    async fn cut_staged_send(
        &self,
        engine: &Engine,
        snapshot: SnapshotId,
        target: TargetId,
        file: &str,
    ) -> u64 {
        let (id, run) = spawn_replication(engine, snapshot, Some(vec![target])).await;
        self.cut_once_staged(1, file).await;
        run.await.unwrap().unwrap();
        assert_failed_transiently(&self.target_row(id, target).await, "");
        self.staged(1)[0].1
    }
}

/// The target failed, transiently, saying `says`.
#[track_caller]
fn assert_failed_transiently(row: &projections::ReplicationTargetView, says: &str) {
    assert_eq!(row.state, TargetState::Failed, "{row:?}");
    assert_eq!(row.error_class, Some(ErrorClass::Transient), "{row:?}");
    assert!(row.error.as_deref().unwrap_or("").contains(says), "{row:?}");
}

#[sqlx::test(migrations = false)]
async fn a_cut_staged_send_resumes_where_it_stopped_and_sends_only_the_rest(pool: PgPool) {
    let lab = lab(pool).await;
    let engine = lab.engine.clone().with_resumable_sends(Some(1));
    let slow = lab.add_slow_target(1, 25, TargetOptions::default()).await;
    let zstd = TargetOptions {
        compression: Compression::Zstd,
        ..TargetOptions::default()
    };
    let other = lab.add_target(2, zstd).await;
    let slow_zstd = lab.add_slow_target(3, 25, zstd).await;
    lab.area.write_random("big.bin", 160);
    let (s1, name) = lab.snapshot().await;
    let file = format!("{}.full.stream", lab.uuid(s1).await);

    let (id, run) = spawn_replication(&engine, s1, None).await;
    // Cut both slow links once more than half of the stream is staged on them.
    for n in [1, 3] {
        lab.cut_once_staged(n, &file).await;
    }
    run.await.unwrap().unwrap();
    assert_eq!(lab.state(id).await, RunState::PartiallyFailed);
    for t in [slow, slow_zstd] {
        let row = lab.target_row(id, t).await;
        assert_eq!(row.state, TargetState::Failed, "{row:?}");
        assert_eq!(row.error_class, Some(ErrorClass::Transient), "{row:?}");
    }
    // The fast member was received from its staged file (through zstd), which is gone.
    let ok = lab.target_row(id, other).await;
    assert_eq!(ok.state, TargetState::Succeeded, "{ok:?}");
    let total = ok.bytes;
    assert_eq!(lab.staged_offsets(id, other).await, vec![Some(0)]);
    assert!(lab.staged(2).is_empty(), "{:?}", lab.staged(2));
    lab.assert_copy(2, &name);
    // The estimate made before sending is within 2% of the stream.
    let estimate = ok.expected_bytes.unwrap();
    assert!(
        estimate.abs_diff(total) * 50 < total,
        "{estimate} vs {total}"
    );
    // The cut members keep what they got, and nothing half-received.
    let kept: Vec<u64> = [1, 3].map(|n| lab.staged(n)[0].1).to_vec();
    for (n, k) in [1, 3].iter().zip(&kept) {
        assert!(*k > 90 * MIB && *k < total, "remote{n}: {k} of {total}");
        assert!(lab.area.remote_subvolumes(*n).is_empty());
    }

    // The retry resumes each from what its file holds and sends only the rest, raw.
    let retry = replicate(&engine, s1, vec![slow, slow_zstd]).await;
    assert_eq!(lab.state(retry).await, RunState::Succeeded);
    for ((n, t), k) in [(1, slow), (3, slow_zstd)].iter().zip(&kept) {
        let offsets = lab.staged_offsets(retry, *t).await;
        assert_eq!(offsets, vec![Some(i64::try_from(*k).unwrap())], "remote{n}");
        let row = lab.target_row(retry, *t).await;
        assert_eq!(row.state, TargetState::Succeeded, "{row:?}");
        assert_eq!(row.bytes, total, "the whole stream was received");
        assert_eq!(
            row.wire_bytes,
            Some(total - k),
            "only the rest crossed the wire"
        );
        assert!(lab.staged(*n).is_empty(), "remote{n}: {:?}", lab.staged(*n));
        lab.assert_copy(*n, &name);
    }
}

#[sqlx::test(migrations = false)]
async fn a_staged_stream_that_differs_is_never_received_and_stale_ones_are_removed(pool: PgPool) {
    let lab = lab(pool).await;
    let engine = lab.engine.clone().with_resumable_sends(Some(1));
    let target = lab.add_target(1, TargetOptions::default()).await;
    lab.area.write_random("a.bin", 6);
    let (s0, _) = lab.snapshot().await;
    let first = replicate(&engine, s0, vec![target]).await;
    assert_eq!(lab.state(first).await, RunState::Succeeded);
    lab.area.write_random("b.bin", 6);
    let (s1, name) = lab.snapshot().await;
    let (s2, _) = lab.snapshot().await;
    let (u0, u1, u2) = (lab.uuid(s0).await, lab.uuid(s1).await, lab.uuid(s2).await);
    let ours = format!("{u1}.{u0}.stream");
    // A staged prefix that is not this send's (as after a crash that lost writes); this
    // snapshot's stream from another parent and one of a snapshot the target holds (of
    // no more use); one of a later snapshot waiting for its retry, and another
    // subvolume's (both kept).
    let waiting = format!("{u2}.{u1}.stream");
    let foreign = format!("{}.full.stream", uuid::Uuid::new_v4());
    ssh_ok(
        1,
        &format!(
            "cd {d} && head -c 3000000 /dev/urandom > {ours} && for f in {u1}.full.stream {u0}.full.stream {waiting} {foreign}; do echo x > $f; done",
            d = lab.staging(1)
        ),
    );

    let run = replicate(&engine, s1, vec![target]).await;
    assert_failed_transiently(&lab.target_row(run, target).await, "differs from this send");
    assert_eq!(lab.staged_offsets(run, target).await, vec![Some(3_000_000)]);
    assert!(
        !lab.area.remote_subvolumes(1).contains(&name),
        "nothing was received"
    );
    let names: Vec<String> = lab.staged(1).into_iter().map(|f| f.0).collect();
    let mut kept = vec![waiting, foreign];
    kept.sort();
    assert_eq!(names, kept);

    let retry = replicate(&engine, s1, vec![target]).await;
    assert_eq!(lab.state(retry).await, RunState::Succeeded);
    assert_eq!(lab.staged_offsets(retry, target).await, vec![Some(0)]);
    lab.assert_copy(1, &name);
}

#[sqlx::test(migrations = false)]
async fn a_send_under_the_threshold_goes_straight_into_receive(pool: PgPool) {
    let lab = lab(pool).await;
    let engine = lab.engine.clone().with_resumable_sends(Some(64 * MIB));
    let target = lab.add_target(1, TargetOptions::default()).await;
    lab.area.write_random("a.bin", 4);
    let (s1, name) = lab.snapshot().await;
    let id = replicate(&engine, s1, vec![target]).await;
    assert_eq!(lab.state(id).await, RunState::Succeeded);
    assert_eq!(lab.staged_offsets(id, target).await, vec![None]);
    let row = lab.target_row(id, target).await;
    let estimate = row.expected_bytes.unwrap();
    assert!(
        estimate.abs_diff(row.bytes) * 50 < row.bytes,
        "{estimate} vs {}",
        row.bytes
    );
    lab.assert_copy(1, &name);
}

#[sqlx::test(migrations = false)]
async fn a_receive_still_running_from_the_staged_stream_is_never_doubled(pool: PgPool) {
    let lab = lab(pool).await;
    let engine = lab.engine.clone().with_resumable_sends(Some(1));
    let target = lab.add_target(1, TargetOptions::default()).await;
    lab.area.write_random("a.bin", 6);
    let (s1, name) = lab.snapshot().await;
    let file = format!("{}/{}.full.stream", lab.staging(1), lab.uuid(s1).await);
    // An earlier attempt's `btrfs receive -f`, its session cut, still holding the file.
    ssh_ok(
        1,
        &format!(
            "mkdir -p {d} && : > {file} && (setsid flock -o {file} sleep 120 \
             </dev/null >/dev/null 2>&1 &)",
            d = lab.staging(1)
        ),
    );

    let run = replicate(&engine, s1, vec![target]).await;
    assert_failed_transiently(&lab.target_row(run, target).await, "still running");
    assert!(
        !lab.area.remote_subvolumes(1).contains(&name),
        "no second receive"
    );
    let staged = lab.staged(1);
    assert_eq!(staged.len(), 1, "the whole stream stays staged: {staged:?}");

    // The earlier receive ended: the retry receives from the file, sending nothing.
    ssh_ok(1, &format!("pkill -f '[f]lock -o {file}'"));
    let retry = replicate(&engine, s1, vec![target]).await;
    assert_eq!(lab.state(retry).await, RunState::Succeeded);
    let offset = i64::try_from(staged[0].1).unwrap();
    assert_eq!(lab.staged_offsets(retry, target).await, vec![Some(offset)]);
    assert_eq!(lab.target_row(retry, target).await.wire_bytes, Some(0));
    lab.assert_copy(1, &name);
}

#[sqlx::test(migrations = false)]
async fn with_resumable_sends_off_what_was_staged_for_the_snapshot_is_removed(pool: PgPool) {
    let lab = lab(pool).await;
    let engine = lab.engine.clone().with_resumable_sends(None);
    let target = lab.add_target(1, TargetOptions::default()).await;
    lab.area.write_random("a.bin", 2);
    let (s1, name) = lab.snapshot().await;
    // Staged while resumable sends were on, and cut; then they were turned off.
    ssh_ok(
        1,
        &format!(
            "mkdir -p {d} && head -c 1000000 /dev/urandom > {d}/{u}.full.stream",
            d = lab.staging(1),
            u = lab.uuid(s1).await
        ),
    );
    let id = replicate(&engine, s1, vec![target]).await;
    assert_eq!(lab.state(id).await, RunState::Succeeded);
    assert_eq!(lab.staged_offsets(id, target).await, vec![None]);
    assert!(lab.staged(1).is_empty(), "{:?}", lab.staged(1));
    lab.assert_copy(1, &name);
}

/// A newer snapshot's run that comes before the retry of a cut send (a long initial one
/// above all) finishes the cut send first, resuming it, then sends the newer snapshot
/// from it: the staged part is not sent again inside a whole send of the newer one.
#[sqlx::test(migrations = false)]
async fn a_newer_snapshots_run_finishes_a_cut_older_send_first(pool: PgPool) {
    let lab = lab(pool).await;
    let engine = lab.engine.clone().with_resumable_sends(Some(1));
    let slow = lab.add_slow_target(1, 25, TargetOptions::default()).await;
    lab.area.write_random("big.bin", 160);
    let (s1, name1) = lab.snapshot().await;
    let file = format!("{}.full.stream", lab.uuid(s1).await);
    let kept = lab.cut_staged_send(&engine, s1, slow, &file).await;
    assert_eq!(lab.staged(1), vec![(file, kept)]);

    lab.area.write_random("small.bin", 1);
    let (s2, name2) = lab.snapshot().await;
    let id = replicate(&engine, s2, vec![slow]).await;
    assert_eq!(lab.state(id).await, RunState::Succeeded);
    // Two sends in the one run: s1, full, from where its file ended; then s2 from s1.
    let kept = i64::try_from(kept).unwrap();
    assert_eq!(
        lab.sends_to(id, slow).await,
        vec![
            (s1.to_string(), None, Some(kept)),
            (s2.to_string(), Some(s1.to_string()), Some(0))
        ]
    );
    let row = lab.target_row(id, slow).await;
    assert_eq!(row.snapshots_sent, 2, "{row:?}");
    lab.assert_copy(1, &name1);
    lab.assert_copy(1, &name2);
    assert!(lab.staged(1).is_empty(), "{:?}", lab.staged(1));
}
