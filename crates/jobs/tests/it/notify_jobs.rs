//! Notifications through the durable jobs, as `serve` runs them: the alert evaluation
//! loop (`jobs::notify::run_alerts`) queues a firing message for a real problem (a job
//! that gave up), its `NotifyJob` fails while the receiver is down (each attempt an
//! event, the delivery still queued), the queue's backoff runs it again, and the
//! receiver, started later on that port, gets it: delivered, with more than one attempt.

use std::time::Duration;

use domain::event::JobFailed;
use domain::notify::{ChannelSpec, RuleSpec};
use domain::status::ProblemKind;
use domain::{DomainEvent, StreamId};
use engine::notify::Notifier;
use jobs::JobsConfig;
use jobs::worker::JobContext;
use sqlx::PgPool;
use store::ExpectedVersion;
use testkit::{Fleet, meta};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn scalar(pool: &PgPool, sql: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_one(pool)
        .await
        .unwrap()
}

/// Waits (generously: the machine is shared) until `sql` is at least `want`.
async fn wait_for(pool: &PgPool, sql: &str, want: i64) -> i64 {
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    loop {
        let got = scalar(pool, sql).await;
        if got >= want {
            return got;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{sql}: {got}, want {want}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[sqlx::test(migrations = false)]
async fn a_firing_alert_reaches_a_receiver_that_comes_back_through_the_job_retries(pool: PgPool) {
    let fleet = Fleet::primary(pool).await;
    let pool = fleet.pool.clone();
    let notifier = Notifier::new(pool.clone(), fleet.vault.clone(), 85);
    let port = {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        l.local_addr().unwrap().port()
    };
    let created = notifier
        .create_channel(
            "hook",
            ChannelSpec::Webhook {
                url: format!("http://127.0.0.1:{port}/hook"),
            },
            None,
            &meta(),
        )
        .await
        .unwrap();
    notifier
        .save_rule(
            None,
            "failures",
            RuleSpec {
                kinds: vec![ProblemKind::JobFailed],
                channels: vec![created.channel.channel_id],
                repeat_seconds: 3600,
                muted: false,
            },
            &meta(),
        )
        .await
        .unwrap();
    let failed = DomainEvent::JobFailed(JobFailed {
        job_kind: "snapshot".into(),
        key: "snapshot:t".into(),
        subvolume_id: None,
        error: "the primary is unreachable".into(),
        class: "transient".into(),
        attempts: 5,
    });
    fleet
        .engine
        .events()
        .append(
            &StreamId::parse("jobs").unwrap(),
            ExpectedVersion::Any,
            &[failed],
            &meta(),
        )
        .await
        .unwrap();

    let config = JobsConfig {
        sync_interval: None,
        poll_interval: Duration::from_millis(200),
        heartbeat: Duration::from_secs(1),
        max_attempts: 10,
        backoff_min: Duration::from_millis(300),
        backoff_max: Duration::from_secs(1),
        shutdown_timeout: Duration::from_secs(10),
        ..JobsConfig::default()
    };
    let ctx = JobContext {
        engine: fleet.engine.clone(),
        pool: pool.clone(),
        config: config.clone(),
        notifier: Some(notifier.clone()),
    };
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let stopped = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|s| *s).await;
    };
    let alerts = tokio::spawn(jobs::notify::run_alerts(
        notifier,
        config.max_attempts,
        Duration::from_millis(300),
        stopped(stop_rx.clone()),
    ));
    let workers = tokio::spawn(jobs::worker::run_workers(ctx, stopped(stop_rx)));

    // Down: attempts fail and are recorded; the delivery stays queued.
    wait_for(
        &pool,
        "SELECT count(*) FROM events WHERE event_type = 'NotificationAttemptFailed'",
        2,
    )
    .await;
    assert_eq!(
        scalar(
            &pool,
            "SELECT count(*) FROM proj_deliveries WHERE state = 'queued'"
        )
        .await,
        1
    );

    // Back: the next retry is delivered.
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    let receiver = tokio::spawn(async move {
        let (mut sock, _) = listener.accept().await.unwrap();
        let mut buf = vec![0_u8; 65536];
        let mut got = Vec::new();
        loop {
            let n = sock.read(&mut buf).await.unwrap();
            got.extend_from_slice(&buf[..n]);
            let text = String::from_utf8_lossy(&got).to_string();
            if let Some(i) = text.find("\r\n\r\n") {
                let len: usize = text[..i]
                    .lines()
                    .find_map(|l| {
                        l.to_lowercase()
                            .strip_prefix("content-length:")
                            .map(|v| v.trim().to_owned())
                    })
                    .map(|v| v.parse().unwrap())
                    .unwrap_or(0);
                if got.len() >= i + 4 + len {
                    break;
                }
            }
            assert!(n > 0);
        }
        sock.write_all(b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n")
            .await
            .unwrap();
        String::from_utf8_lossy(&got).to_string()
    });
    let request = tokio::time::timeout(Duration::from_secs(120), receiver)
        .await
        .expect("the receiver got nothing")
        .unwrap();
    assert!(request.contains("\"notice\":\"firing\""), "{request}");
    assert!(request.contains("the primary is unreachable"), "{request}");
    wait_for(
        &pool,
        "SELECT count(*) FROM proj_deliveries WHERE state = 'delivered' AND attempts >= 3",
        1,
    )
    .await;
    assert_eq!(
        scalar(
            &pool,
            "SELECT count(*) FROM events WHERE event_type = 'NotificationQueued'"
        )
        .await,
        1,
        "one firing message however many evaluations ran"
    );
    assert_eq!(
        scalar(
            &pool,
            "SELECT count(*) FROM events WHERE event_type = 'JobFailed'"
        )
        .await,
        1,
        "a notification that failed for a while is no failed job"
    );
    let _ = stop_tx.send(true);
    workers.await.unwrap().unwrap();
    alerts.await.unwrap();
}
