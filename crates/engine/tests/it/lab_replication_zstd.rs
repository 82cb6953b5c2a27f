//! Compression against the lab: a zstd target sharing one send with a plain one, a
//! remote without zstd, and the (ignored, slow) throughput figures. The fixture is
//! `lab_replication`'s.
use domain::TargetId;
use domain::replication::TargetOptions;
use domain::replication::{Compression, RunState};
use engine::ssh_servers::{Credentials, NewSshServer};
use sqlx::PgPool;
use store::projections;
use testkit::Area;
use testkit::lab::keys as lab_keys;
use testkit::{Fleet, env, meta, sh, ssh, ssh_ok};

/// The lab primary and remotes 1-3 registered, the area's subvolume managed as "data".
use crate::lab_replication::{Lab, lab};

/// Not a benchmark (that is `ops/bench replication`, later): rough figures for one and
/// three targets and an OpenSSH pipeline, printed. Run with
/// `cargo test -p dist-btrfs-engine --test it lab_replication_zstd::throughput_figures -- --ignored --nocapture`.
#[sqlx::test(migrations = false)]
#[ignore = "slow; prints throughput figures"]
async fn throughput_figures(pool: PgPool) {
    let lab = lab(pool).await;
    let extra: Vec<String> = ["b", "ossh"]
        .iter()
        .map(|s| format!("{}-{s}", lab.area.remote(1)))
        .collect();
    for d in &extra {
        ssh_ok(1, &format!("mkdir {d}"));
    }
    let one = lab.add_target(1, TargetOptions::default()).await;
    let mut three = Vec::new();
    three.push(
        lab.engine
            .add_target(
                lab.subvolume,
                lab.remotes[0],
                &extra[0],
                TargetOptions::default(),
                &meta(),
            )
            .await
            .unwrap()
            .target_id,
    );
    three.push(lab.add_target(2, TargetOptions::default()).await);
    three.push(lab.add_target(3, TargetOptions::default()).await);
    lab.area.write_random("big.bin", 1024);
    let (s1, name) = lab.snapshot().await;
    let mb = |bytes: u64, ms: u64| bytes as f64 / 1e6 / (ms as f64 / 1000.0);

    let r = lab.replicate(s1, Some(vec![one])).await;
    let row = &projections::replication_targets(&lab.pool, r)
        .await
        .unwrap()[0];
    let (bytes, ms) = (row.bytes, row.duration_ms.unwrap());
    println!(
        "dist-btrfs, 1 target : {bytes} B in {ms} ms = {:.0} MB/s",
        mb(bytes, ms)
    );

    let r = lab.replicate(s1, Some(three.clone())).await;
    let rows = projections::replication_targets(&lab.pool, r)
        .await
        .unwrap();
    let ms = rows.iter().filter_map(|r| r.duration_ms).max().unwrap();
    let total: u64 = rows.iter().map(|r| r.bytes).sum();
    println!(
        "dist-btrfs, 3 targets: {total} B in {ms} ms = {:.0} MB/s aggregate",
        mb(total, ms)
    );

    let started = std::time::Instant::now();
    sh(&[
        "sh",
        "-c",
        &format!(
            "btrfs send -q {snaps}/{name} | ssh -c aes128-gcm@openssh.com -i {key} -p {port} \
             -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
             {user}@{addr} sudo btrfs receive {dir}",
            snaps = lab.area.snaps,
            key = env("LAB_SSH_KEY"),
            port = env("LAB_REMOTE1_PORT"),
            user = env("LAB_SSH_USER"),
            addr = env("LAB_REMOTE1_ADDR"),
            dir = extra[1]
        ),
    ]);
    let ms = u64::try_from(started.elapsed().as_millis()).unwrap();
    println!(
        "OpenSSH aes128-gcm, 1: {bytes} B in {ms} ms = {:.0} MB/s",
        mb(bytes, ms)
    );
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let peak = status
        .lines()
        .find(|l| l.starts_with("VmHWM"))
        .unwrap_or_default();
    println!("peak memory of this test process (1 GiB sent 1 + 3 times): {peak}");
    for d in &extra {
        let _ = ssh(
            1,
            &format!(
                "for s in {d}/*; do [ -e \"$s\" ] && sudo btrfs subvolume delete \"$s\"; done; rmdir {d}"
            ),
        );
    }
}

/// Writes `mib` MiB of very compressible text to `vol/<name>`.
fn write_compressible(area: &Area, name: &str, mib: u32) {
    sh(&[
        "sh",
        "-c",
        &format!(
            "yes 'dist-btrfs compressible line of text 0123456789' | head -c {}M > {}/{name}",
            mib, area.vol
        ),
    ]);
}

impl Lab {
    /// The payloads of a target's `event_type` events in a run, in order.
    async fn payloads(
        &self,
        id: domain::ReplicationId,
        target: TargetId,
        event_type: &str,
    ) -> Vec<serde_json::Value> {
        sqlx::query_scalar(
            "SELECT payload FROM events WHERE stream_id = $1 AND event_type = $2
                AND payload->>'target_id' = $3 ORDER BY global_seq",
        )
        .bind(id.stream().as_str())
        .bind(event_type)
        .bind(target.to_string())
        .fetch_all(&self.pool)
        .await
        .unwrap()
    }

    /// (compression, compression_fallback) of each ReplicationTargetStarted of a target.
    async fn compressions(
        &self,
        id: domain::ReplicationId,
        target: TargetId,
    ) -> Vec<(String, Option<String>)> {
        let p = self.payloads(id, target, "ReplicationTargetStarted").await;
        p.iter()
            .map(|p| {
                let fallback = p.get("compression_fallback").and_then(|v| v.as_str());
                (
                    p["compression"].as_str().unwrap().to_owned(),
                    fallback.map(str::to_owned),
                )
            })
            .collect()
    }

    /// (stream bytes, wire bytes) of each ReplicationTargetSucceeded of a target.
    async fn byte_counts(&self, id: domain::ReplicationId, target: TargetId) -> Vec<(u64, u64)> {
        let p = self
            .payloads(id, target, "ReplicationTargetSucceeded")
            .await;
        p.iter()
            .map(|p| {
                (
                    p["bytes"].as_u64().unwrap(),
                    p["wire_bytes"].as_u64().unwrap(),
                )
            })
            .collect()
    }
}

fn zstd_options() -> TargetOptions {
    TargetOptions {
        compression: domain::replication::Compression::Zstd,
        ..TargetOptions::default()
    }
}

#[sqlx::test(migrations = false)]
async fn a_zstd_target_shares_the_send_with_a_plain_one_and_gets_fewer_bytes(pool: PgPool) {
    let lab = lab(pool).await;
    let packed = lab.add_target(1, zstd_options()).await;
    let plain = lab.add_target(2, TargetOptions::default()).await;
    write_compressible(&lab.area, "text.txt", 24);
    lab.area.write_random("noise.bin", 1);
    let (s1, name1) = lab.snapshot().await;
    let r1 = lab.replicate(s1, None).await;
    assert_eq!(lab.state(r1).await, RunState::Succeeded);
    assert_eq!(lab.sends(r1).await, 1, "one btrfs send for both targets");
    lab.assert_copy(1, &name1);
    lab.assert_copy(2, &name1);
    assert_eq!(lab.compressions(r1, packed).await, [("zstd".into(), None)]);
    assert_eq!(lab.compressions(r1, plain).await, [("none".into(), None)]);
    let [(stream, wire)] = lab.byte_counts(r1, packed).await[..] else {
        panic!("one success")
    };
    let [(plain_stream, plain_wire)] = lab.byte_counts(r1, plain).await[..] else {
        panic!("one success")
    };
    println!("full send: stream {stream} bytes, zstd wire {wire} bytes, plain wire {plain_wire}");
    assert_eq!(stream, plain_stream, "the same stream");
    assert_eq!(plain_wire, plain_stream);
    assert!(stream > 25 * 1024 * 1024, "{stream}");
    assert!(wire * 4 < stream, "compressed: {wire} of {stream}");
    let rows = projections::replication_targets(&lab.pool, r1)
        .await
        .unwrap();
    for row in &rows {
        let zstd = row.target_id == packed;
        let expect = if zstd {
            Compression::Zstd
        } else {
            Compression::None
        };
        assert_eq!(row.compression, Some(expect), "{row:?}");
        assert_eq!(row.compression_fallback, None);
        assert_eq!(row.bytes, stream);
        let w = if zstd { wire } else { plain_wire };
        assert_eq!(row.wire_bytes, Some(w), "{row:?}");
    }

    // An incremental through zstd too.
    write_compressible(&lab.area, "more.txt", 8);
    let (s2, name2) = lab.snapshot().await;
    let r2 = lab.replicate(s2, Some(vec![packed])).await;
    assert_eq!(lab.state(r2).await, RunState::Succeeded);
    lab.assert_copy(1, &name2);
    let rows = projections::replication_targets(&lab.pool, r2)
        .await
        .unwrap();
    assert_eq!(rows[0].parent_snapshot_id, Some(s1));
    let [(stream, wire)] = lab.byte_counts(r2, packed).await[..] else {
        panic!("one success")
    };
    println!("incremental: stream {stream} bytes, zstd wire {wire} bytes");
    assert!(wire * 4 < stream, "compressed: {wire} of {stream}");
}

#[sqlx::test(migrations = false)]
async fn without_zstd_on_the_remote_a_zstd_target_gets_the_raw_stream_with_a_warning(pool: PgPool) {
    let lab = lab(pool).await;
    // Remote 2 through the restricted wrapper, whose zstd does not exist: `zstd
    // --version` exits 127 there, as on a host without zstd.
    let key = lab_keys::restricted_key(
        &env("LAB_REMOTE_MOUNT"),
        " --sudo --no-syslog --zstd /nonexistent/zstd",
    );
    let req = NewSshServer {
        name: "remote2-without-zstd".into(),
        credentials: Credentials::Key {
            key: std::fs::read_to_string(&key.key).unwrap().into(),
            passphrase: None,
        },
        ..Fleet::remote_request(2)
    };
    let (server, _) = lab
        .engine
        .register_ssh_server(&lab.vault, &req, &meta())
        .await
        .unwrap();
    let target = lab
        .engine
        .add_target(
            lab.subvolume,
            server.server_id,
            lab.area.remote(2),
            zstd_options(),
            &meta(),
        )
        .await
        .unwrap()
        .target_id;
    write_compressible(&lab.area, "text.txt", 4);
    let (s1, name1) = lab.snapshot().await;
    let r1 = lab.replicate(s1, None).await;
    assert_eq!(
        lab.state(r1).await,
        RunState::Succeeded,
        "{:?}",
        projections::replication_targets(&lab.pool, r1)
            .await
            .unwrap()
    );
    lab.assert_copy(2, &name1);
    let started = lab.compressions(r1, target).await;
    assert_eq!(started.len(), 1);
    assert_eq!(started[0].0, "none");
    let why = started[0].1.clone().unwrap_or_default();
    assert!(
        why.contains("zstd") && why.contains("uncompressed"),
        "{why}"
    );
    let [(stream, wire)] = lab.byte_counts(r1, target).await[..] else {
        panic!("one success")
    };
    assert_eq!(stream, wire, "sent uncompressed");
    let row = &projections::replication_targets(&lab.pool, r1)
        .await
        .unwrap()[0];
    assert_eq!(row.compression, Some(Compression::None));
    assert_eq!(row.compression_fallback.as_deref(), Some(why.as_str()));
    assert_eq!(row.wire_bytes, Some(wire));
}
