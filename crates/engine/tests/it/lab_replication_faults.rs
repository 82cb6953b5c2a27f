//! Replication under faults, against the lab: a connection dropped mid-stream, a run
//! interrupted like a killed `serve`, an SSH primary relaying through dist-btrfs, and
//! full target filesystems. The fixture is `lab_replication`'s.
use domain::replication::TargetOptions;
use domain::replication::{ErrorClass, RunState, TargetState};
use domain::{ServerRole, TargetId};
use engine::ssh_servers::NewSshServer;
use engine::subvolumes::ManageRequest;
use sqlx::PgPool;
use store::projections;
use testkit::lab::{kill_session_receiving_into, sorted_lines as sums, ssh_as};
use testkit::{Fleet, env, meta};

/// The lab primary and remotes 1-3 registered, the area's subvolume managed as "data".
use crate::lab_replication::{Lab, lab, spawn_replication};

impl Lab {
    /// Waits until the run has written more than `bytes` to `target` (progress events).
    async fn wait_for_bytes(&self, id: domain::ReplicationId, target: TargetId, bytes: u64) {
        for _ in 0..600 {
            let rows = projections::replication_targets(&self.pool, id)
                .await
                .unwrap();
            if rows
                .iter()
                .any(|r| r.target_id == target && r.bytes > bytes)
            {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("no progress past {bytes} bytes to {target}");
    }
}

const MIB: u64 = 1024 * 1024;

#[sqlx::test(migrations = false)]
async fn a_dropped_connection_fails_only_that_target_and_the_retry_cleans_up(pool: PgPool) {
    let lab = lab(pool).await;
    let slow = lab.add_slow_target(1, 30, TargetOptions::default()).await;
    let other = lab.add_target(2, TargetOptions::default()).await;
    lab.area.write_random("big.bin", 300);
    let (s1, name) = lab.snapshot().await;
    let (id, run) = spawn_replication(&lab.engine, s1, None).await;
    lab.wait_for_bytes(id, slow, 40 * MIB).await;
    assert_eq!(kill_session_receiving_into(lab.area.remote(1)), 1);
    run.await.unwrap().unwrap();

    assert_eq!(lab.state(id).await, RunState::PartiallyFailed);
    assert!(lab.event_count(id, "ReplicationProgress").await >= 1);
    let rows = projections::replication_targets(&lab.pool, id)
        .await
        .unwrap();
    let failed = rows.iter().find(|x| x.target_id == slow).unwrap();
    assert_eq!(failed.state, TargetState::Failed, "{failed:?}");
    assert_eq!(
        failed.error_class,
        Some(ErrorClass::Transient),
        "{failed:?}"
    );
    let ok = rows.iter().find(|x| x.target_id == other).unwrap();
    assert_eq!(ok.state, TargetState::Succeeded, "{ok:?}");
    lab.assert_copy(2, &name);

    // What the broken receive left is deleted, right after the failure (reconnecting)
    // or by the retry's cleaning, and the retry succeeds.
    let retry = lab.replicate(s1, Some(vec![slow])).await;
    assert_eq!(lab.state(retry).await, RunState::Succeeded);
    assert_eq!(
        lab.event_count(id, "ReplicaHalfReceivedDeleted").await
            + lab.event_count(retry, "ReplicaHalfReceivedDeleted").await,
        1
    );
    lab.assert_copy(1, &name);
}

#[sqlx::test(migrations = false)]
async fn a_run_interrupted_like_a_killed_serve_is_resumed_and_cleans_up(pool: PgPool) {
    let lab = lab(pool).await;
    let target = lab.add_slow_target(3, 30, TargetOptions::default()).await;
    lab.area.write_random("big.bin", 300);
    let (s1, name) = lab.snapshot().await;
    let r = lab
        .engine
        .request_replication(s1, None, &meta())
        .await
        .unwrap();
    let run = lab.engine.spawn_replication(r.replication_id, meta());
    lab.wait_for_bytes(r.replication_id, target, 40 * MIB).await;
    // Dropping the run mid-stream: the send is killed, the receive abandoned, nothing is
    // recorded (as when serve is killed).
    run.abort();
    let _ = run.await;
    assert_eq!(lab.state(r.replication_id).await, RunState::Running);
    // Let the abandoned receive notice its stream ended.
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;

    let resumed = lab.engine.resume_replications().await.unwrap();
    assert_eq!(resumed, vec![r.replication_id]);
    for _ in 0..1200 {
        if !matches!(
            lab.state(r.replication_id).await.as_str(),
            "queued" | "running"
        ) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(lab.state(r.replication_id).await, RunState::Succeeded);
    assert_eq!(
        lab.event_count(r.replication_id, "ReplicaHalfReceivedDeleted")
            .await,
        1
    );
    assert_eq!(
        lab.event_count(r.replication_id, "ReplicationStarted")
            .await,
        2
    );
    lab.assert_copy(3, &name);
}

/// Runs a shell command as root on lab remote `n` (test setup only).
fn ssh_root(n: u8, cmd: &str) -> String {
    let (ok, text) = ssh_as("root", &env("LAB_ROOT_KEY"), n, cmd);
    assert!(ok, "root@remote{n}: {cmd}: {text}");
    text
}

/// A subvolume and snapshot directory on remote3, used as an SSH *primary*.
struct RemotePrimary {
    dir: String,
}

impl Drop for RemotePrimary {
    fn drop(&mut self) {
        let d = &self.dir;
        let _ = std::panic::catch_unwind(|| {
            ssh_root(
                3,
                &format!(
                    "for s in {d}/snaps/*; do [ -e \"$s\" ] && btrfs subvolume delete \"$s\"; done; \
                     btrfs subvolume delete {d}/vol; rm -rf {d}"
                ),
            )
        });
    }
}

#[sqlx::test(migrations = false)]
async fn an_ssh_primary_relays_the_stream_through_dist_btrfs(pool: PgPool) {
    let lab = lab(pool).await;
    let id = uuid::Uuid::new_v4().simple().to_string();
    let src = RemotePrimary {
        dir: format!("{}/t-{id}-src", env("LAB_REMOTE_TARGET_DIR")),
    };
    let d = &src.dir;
    ssh_root(
        3,
        &format!(
            "mkdir {d} {d}/snaps && btrfs subvolume create {d}/vol >/dev/null && \
             head -c 5000000 /dev/urandom > {d}/vol/a.bin && echo hi > {d}/vol/b.txt"
        ),
    );
    let (engine, vault) = (&lab.engine, &lab.vault);
    let mut servers = Vec::new();
    for (n, name, role) in [
        (3, "primary3", ServerRole::Primary),
        (1, "backup1", ServerRole::Remote),
    ] {
        let req = NewSshServer {
            name: name.into(),
            role,
            ..Fleet::remote_request(n)
        };
        let (server, _) = engine
            .register_ssh_server(vault, &req, &meta())
            .await
            .unwrap();
        servers.push(server.server_id);
    }
    let sv = engine
        .manage_subvolume(
            &ManageRequest {
                server_id: servers[0],
                path: format!("{d}/vol"),
                snapshot_dir: format!("{d}/snaps"),
                name: Some("relay".into()),
            },
            &meta(),
        )
        .await
        .unwrap();
    let target = engine
        .add_target(
            sv.subvolume_id,
            servers[1],
            lab.area.remote(1),
            TargetOptions::default(),
            &meta(),
        )
        .await
        .unwrap();
    let snap = engine
        .create_snapshot(sv.subvolume_id, &meta())
        .await
        .unwrap();
    let r = engine
        .request_replication(snap.snapshot_id, None, &meta())
        .await
        .unwrap();
    engine
        .run_replication(r.replication_id, &meta())
        .await
        .unwrap();
    let rows = projections::replication_targets(&lab.pool, r.replication_id)
        .await
        .unwrap();
    assert_eq!(rows[0].state, TargetState::Succeeded, "{:?}", rows[0]);
    assert_eq!(rows[0].target_id, target.target_id);
    assert!(rows[0].bytes > 5_000_000);

    let (ro, received) = lab.area.remote_show(1, &snap.name);
    assert!(ro);
    assert_eq!(received, snap.uuid.to_string());
    let primary_sums = sums(&ssh_root(
        3,
        &format!("cd {d}/snaps/{} && sha256sum $(ls)", snap.name),
    ));
    assert_eq!(lab.area.remote_sums(1, &snap.name), primary_sums);
}

/// A small, separate btrfs mounted as a target directory on remote3 (root over SSH):
/// filling it disturbs no other test.
struct SmallFs {
    dir: String,
    img: String,
}

impl SmallFs {
    fn new(id: &str) -> Self {
        let fs = Self {
            dir: format!("{}/t-{id}-full", env("LAB_REMOTE_TARGET_DIR")),
            img: format!("/var/tmp/dist-btrfs-test-{id}.img"),
        };
        ssh_root(
            3,
            &format!(
                "truncate -s 200M {img} && mkfs.btrfs -q {img} >/dev/null 2>&1 && mkdir {d} && \
                 mount -o loop {img} {d}",
                img = fs.img,
                d = fs.dir
            ),
        );
        fs
    }
}

impl Drop for SmallFs {
    fn drop(&mut self) {
        let (d, img) = (&self.dir, &self.img);
        let _ = std::panic::catch_unwind(|| {
            ssh_root(3, &format!("umount {d}; rmdir {d}; rm -f {img}"))
        });
    }
}

/// A target on remote3 whose filesystem is too small for a 300 MiB snapshot.
async fn add_full_target(lab: &Lab) -> (SmallFs, TargetId) {
    let small = SmallFs::new(&uuid::Uuid::new_v4().simple().to_string());
    let full = lab
        .engine
        .add_target(
            lab.subvolume,
            lab.remotes[2],
            &small.dir,
            TargetOptions::default(),
            &meta(),
        )
        .await
        .unwrap()
        .target_id;
    (small, full)
}

#[sqlx::test(migrations = false)]
async fn a_full_target_fails_cleanly_and_the_others_succeed(pool: PgPool) {
    let lab = lab(pool).await;
    let (small, full) = add_full_target(&lab).await;
    let fine = lab.add_target(2, TargetOptions::default()).await;
    lab.area.write_random("big.bin", 300);
    let (s1, name) = lab.snapshot().await;
    let r = lab.replicate(s1, None).await;
    assert_eq!(lab.state(r).await, RunState::PartiallyFailed);
    let rows = projections::replication_targets(&lab.pool, r)
        .await
        .unwrap();
    let failed = rows.iter().find(|x| x.target_id == full).unwrap();
    assert_eq!(failed.state, TargetState::Failed, "{failed:?}");
    assert!(
        failed.error.as_deref().unwrap().contains("No space left"),
        "{failed:?}"
    );
    assert_eq!(
        rows.iter().find(|x| x.target_id == fine).unwrap().state,
        TargetState::Succeeded
    );
    lab.assert_copy(2, &name);
    // Nothing garbled remains on the full target.
    assert_eq!(lab.event_count(r, "ReplicaHalfReceivedDeleted").await, 1);
    let listing = ssh_root(3, &format!("btrfs subvolume list -o {}", small.dir));
    assert!(!listing.contains(&name), "{listing}");
}

/// The only target is full: its receive fails, we close the send's stdout and the send
/// dies of SIGPIPE. The error recorded must be the target's (no space), not the send's.
#[sqlx::test(migrations = false)]
async fn a_sole_full_target_reports_no_space_not_the_sends_broken_pipe(pool: PgPool) {
    let lab = lab(pool).await;
    let (small, full) = add_full_target(&lab).await;
    lab.area.write_random("big.bin", 300);
    let (s1, name) = lab.snapshot().await;
    let r = lab.replicate(s1, None).await;
    assert_eq!(lab.state(r).await, RunState::Failed);
    let rows = projections::replication_targets(&lab.pool, r)
        .await
        .unwrap();
    let failed = rows.iter().find(|x| x.target_id == full).unwrap();
    assert_eq!(failed.state, TargetState::Failed, "{failed:?}");
    let error = failed.error.as_deref().unwrap();
    assert!(error.contains("No space left"), "{failed:?}");
    assert!(!error.contains("btrfs send failed"), "{failed:?}");
    let listing = ssh_root(3, &format!("btrfs subvolume list -o {}", small.dir));
    assert!(!listing.contains(&name), "{listing}");
}

/// A fresh installation (database lost, no backup) finds on a target the replica of a
/// snapshot the primary pruned before the loss: the next run catalogues it as a
/// snapshot gone from the primary, with its replica, once (found by `ops/bench/faults`,
/// db_loss after clock_step: "on disk is not in the catalog").
#[sqlx::test(migrations = false)]
async fn a_replica_of_a_snapshot_the_catalog_never_knew_is_catalogued_once(pool: PgPool) {
    let lab = lab(pool).await;
    let target = lab.add_target(1, TargetOptions::default()).await;
    lab.area.write_random("a.bin", 1);
    // What the lost database had created, replicated, then pruned on the primary.
    let old = "data.20200101T000000Z";
    let old_path = lab.area.snapshot(old);
    testkit::sh(&[
        "btrfs",
        "subvolume",
        "snapshot",
        "-r",
        &lab.area.vol,
        &old_path,
    ]);
    let old_uuid = lab.area.uuid_of(&old_path);
    testkit::sh(&[
        "sh",
        "-c",
        &format!(
            "btrfs send -q {old_path} | ssh -i {key} -p {port} -o StrictHostKeyChecking=no \
             -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR {user}@{addr} \
             sudo btrfs receive {dir}",
            key = env("LAB_SSH_KEY"),
            port = env("LAB_REMOTE1_PORT"),
            user = env("LAB_SSH_USER"),
            addr = env("LAB_REMOTE1_ADDR"),
            dir = lab.area.remote(1),
        ),
    ]);
    testkit::sh(&["btrfs", "subvolume", "delete", &old_path]);

    for round in 0..2 {
        lab.area.write_random(&format!("r{round}.bin"), 1);
        let (s, _) = lab.snapshot().await;
        let r = lab.replicate(s, None).await;
        assert_eq!(lab.state(r).await, RunState::Succeeded);
        let named: Vec<_> = projections::all_snapshots_of(&lab.pool, lab.subvolume)
            .await
            .unwrap()
            .into_iter()
            .filter(|s| s.name == old)
            .collect();
        assert_eq!(named.len(), 1, "round {round}: catalogued once: {named:?}");
        let snap = &named[0];
        assert_eq!(snap.uuid.to_string(), old_uuid);
        assert_eq!(snap.state, projections::SnapshotState::Vanished);
        assert!(
            !snap.managed,
            "found, not adopted: nothing deletes it unasked"
        );
        assert_eq!(
            snap.created_at.map(|t| t.to_rfc3339()).as_deref(),
            Some("2020-01-01T00:00:00+00:00")
        );
        let replicas = projections::replicas_of_target(&lab.pool, target)
            .await
            .unwrap();
        assert!(
            replicas.iter().any(|r| r.snapshot_id == snap.snapshot_id),
            "round {round}: {replicas:?}"
        );
    }
}
