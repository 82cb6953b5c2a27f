//! OpenTelemetry export of the `dist-btrfs serve` binary, against a stand-in OTLP/HTTP
//! collector: request spans and metrics when configured, nothing when not, and the
//! replication spans with their ids (a replication to lab remote 1). The `serve`
//! helpers are `serve`'s.

use std::time::Duration;

use serde_json::{Value, json};
use testkit::env;

use crate::serve::{Serve, client, first_admin_password, login};

/// A stand-in OTLP/HTTP collector: records (path, body) of every POST and answers 200.
type Received = std::sync::Arc<std::sync::Mutex<Vec<(String, Vec<u8>)>>>;

fn otlp_receiver(bind: &str) -> (String, Received) {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind(bind)
        .unwrap_or_else(|e| panic!("OTLP stand-in cannot listen on {bind}: {e}"));
    let addr = format!("http://{}", listener.local_addr().unwrap());
    let received = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = received.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let sink = sink.clone();
            std::thread::spawn(move || {
                loop {
                    let mut head = Vec::new();
                    let mut byte = [0_u8; 1];
                    while !head.ends_with(b"\r\n\r\n") {
                        match stream.read(&mut byte) {
                            Ok(1) => head.push(byte[0]),
                            _ => return,
                        }
                    }
                    let head = String::from_utf8_lossy(&head).to_string();
                    let path = head.split_whitespace().nth(1).unwrap_or("").to_owned();
                    let length = head
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                        })
                        .unwrap_or(0);
                    let mut body = vec![0_u8; length];
                    if stream.read_exact(&mut body).is_err() {
                        return;
                    }
                    sink.lock().unwrap().push((path, body));
                    let ok = b"HTTP/1.1 200 OK\r\ncontent-type: application/x-protobuf\r\ncontent-length: 0\r\n\r\n";
                    if stream.write_all(ok).is_err() {
                        return;
                    }
                }
            });
        }
    });
    (addr, received)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test]
async fn otlp_export_sends_request_spans_and_metrics_when_configured() {
    let (endpoint, received) = otlp_receiver("127.0.0.1:0");
    let state = tempfile::tempdir().expect("tempdir");
    let serve = Serve::start_env(
        state.path(),
        &[],
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint.as_str()),
            ("OTEL_BSP_SCHEDULE_DELAY", "100"),
            ("OTEL_METRIC_EXPORT_INTERVAL", "500"),
        ],
    );
    let http = client();
    let password = first_admin_password(&serve);
    login(&http, &serve, &password).await;
    assert_eq!(
        http.get(format!("{}/health", serve.base))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    // SIGTERM: the exporters flush what they hold before the process exits.
    assert!(serve.stop().success());

    let received = received.lock().unwrap().clone();
    let traces: Vec<&Vec<u8>> = received
        .iter()
        .filter(|(p, _)| p == "/v1/traces")
        .map(|(_, b)| b)
        .collect();
    let metrics: Vec<&Vec<u8>> = received
        .iter()
        .filter(|(p, _)| p == "/v1/metrics")
        .map(|(_, b)| b)
        .collect();
    assert!(
        !traces.is_empty(),
        "spans were exported: {:?}",
        received.iter().map(|(p, _)| p).collect::<Vec<_>>()
    );
    let all_traces: Vec<u8> = traces.into_iter().flatten().copied().collect();
    for needle in [
        &b"dist-btrfs"[..],
        b"http_request",
        b"getHealth",
        b"login",
        b"operation",
    ] {
        assert!(
            contains(&all_traces, needle),
            "exported spans mention {:?}",
            String::from_utf8_lossy(needle)
        );
    }
    let all_metrics: Vec<u8> = metrics.into_iter().flatten().copied().collect();
    assert!(
        contains(&all_metrics, b"dist_btrfs.http.request.duration"),
        "the request-duration histogram was exported"
    );
}

#[tokio::test]
async fn nothing_is_exported_without_otlp_configuration() {
    // Listen where an exporter would send by default (OTLP/HTTP's localhost:4318).
    let (_endpoint, received) = otlp_receiver("127.0.0.1:4318");
    let state = tempfile::tempdir().expect("tempdir");
    let serve = Serve::start(state.path());
    let http = client();
    http.get(format!("{}/health", serve.base))
        .send()
        .await
        .unwrap();
    assert!(serve.stop().success());
    assert!(received.lock().unwrap().is_empty());
}

/// The protobuf bytes of an OTLP string attribute `key = value` (KeyValue { key,
/// value: AnyValue { string_value } }), for keys and values shorter than 126 bytes.
fn otlp_string_attribute(key: &str, value: &str) -> Vec<u8> {
    let mut out = vec![0x0a, key.len() as u8];
    out.extend_from_slice(key.as_bytes());
    out.extend_from_slice(&[0x12, value.len() as u8 + 2, 0x0a, value.len() as u8]);
    out.extend_from_slice(value.as_bytes());
    out
}

/// The protobuf bytes of an OTLP span name (Span field 5).
fn otlp_span_name(name: &str) -> Vec<u8> {
    let mut out = vec![0x2a, name.len() as u8];
    out.extend_from_slice(name.as_bytes());
    out
}

/// A replication through the API of a `serve` exporting to the stand-in collector: the
/// exported spans include `replication` and `replication_target` with the run's ids,
/// and the receive's `command` span (zstd target: `zstd -d -c | ... btrfs receive`).
#[tokio::test]
async fn otlp_export_carries_replication_spans_with_their_ids() {
    let (endpoint, received) = otlp_receiver("127.0.0.1:0");
    let area = testkit::Area::with_remotes(&[1]);
    area.write("file", "traced replication\n".repeat(1000).as_bytes());

    let state = tempfile::tempdir().expect("tempdir");
    let serve = Serve::start_env(
        state.path(),
        &[],
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint.as_str()),
            ("OTEL_BSP_SCHEDULE_DELAY", "100"),
            ("DIST_BTRFS_PRIMARY_ROOTS", area.dir.as_str()),
            ("DIST_BTRFS_ADMIN_PASSWORD", "otlp-test-password"),
            ("DIST_BTRFS_SYNC_INTERVAL_SECS", "0"),
        ],
    );
    let http = client();
    let (cookie, csrf) = login(&http, &serve, "otlp-test-password").await;
    let call = |method: reqwest::Method, path: &str, body: Option<Value>| {
        let mut req = http
            .request(method, format!("{}{path}", serve.base))
            .header("cookie", &cookie)
            .header("x-csrf-token", &csrf);
        if let Some(b) = body {
            req = req.json(&b);
        }
        async move {
            let resp = req.send().await.unwrap();
            let status = resp.status().as_u16();
            (status, resp.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let (_, servers) = call(reqwest::Method::GET, "/servers", None).await;
    let primary = servers["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["role"] == "primary")
        .unwrap_or_else(|| panic!("a local primary: {servers}"))["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, remote) = call(
        reqwest::Method::POST,
        "/servers",
        Some(
            json!({"name": "remote1", "address": env("LAB_REMOTE1_ADDR"),
            "port": env("LAB_REMOTE1_PORT").parse::<u16>().unwrap(),
            "username": env("LAB_SSH_USER"),
            "private_key": std::fs::read_to_string(env("LAB_SSH_KEY")).unwrap(),
            "role": "remote", "sudo": true, "allowed_roots": [env("LAB_REMOTE_MOUNT")],
            "host_key_fingerprint": env("LAB_REMOTE1_HOSTKEY_FPR")}),
        ),
    )
    .await;
    assert_eq!(status, 201, "{remote}");
    let remote = remote["id"].as_str().unwrap().to_owned();
    let (status, sv) = call(
        reqwest::Method::POST,
        "/subvolumes",
        Some(
            json!({"server_id": primary, "path": area.vol, "snapshot_dir": area.snaps,
                    "name": "data"}),
        ),
    )
    .await;
    assert_eq!(status, 201, "{sv}");
    let sv = sv["id"].as_str().unwrap().to_owned();
    let (status, target) = call(
        reqwest::Method::POST,
        &format!("/subvolumes/{sv}/targets"),
        Some(json!({"server_id": remote, "directory": area.remote(1), "compression": "zstd"})),
    )
    .await;
    assert_eq!(status, 201, "{target}");
    let target = target["id"].as_str().unwrap().to_owned();
    let (status, snap) = call(
        reqwest::Method::POST,
        &format!("/subvolumes/{sv}/snapshots"),
        None,
    )
    .await;
    assert_eq!(status, 201, "{snap}");
    let snap = snap["id"].as_str().unwrap().to_owned();
    let (status, rep) = call(
        reqwest::Method::POST,
        "/replications",
        Some(json!({"snapshot_id": snap})),
    )
    .await;
    assert_eq!(status, 202, "{rep}");
    let rep = rep["id"].as_str().unwrap().to_owned();
    // Poll (generous deadline; no timing is asserted).
    let mut last = Value::Null;
    for _ in 0..600 {
        last = call(reqwest::Method::GET, &format!("/replications/{rep}"), None)
            .await
            .1;
        if !matches!(last["state"].as_str(), Some("queued" | "running")) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(last["state"], "succeeded", "{last}");
    let t = &last["targets"][0];
    assert_eq!(t["compression"], "zstd", "{t}");
    assert!(t["compression_warning"].is_null(), "{t}");
    let (stream, wire) = (
        t["bytes"].as_u64().unwrap(),
        t["wire_bytes"].as_u64().unwrap(),
    );
    assert!(wire < stream, "compressed on the wire: {t}");
    // SIGTERM: the exporters flush what they hold before the process exits.
    assert!(serve.stop().success());

    let received = received.lock().unwrap().clone();
    let traces: Vec<u8> = received
        .iter()
        .filter(|(p, _)| p == "/v1/traces")
        .flat_map(|(_, b)| b.iter().copied())
        .collect();
    let mut needles = vec![
        ("span replication", otlp_span_name("replication")),
        (
            "span replication_target",
            otlp_span_name("replication_target"),
        ),
        ("span command", otlp_span_name("command")),
        (
            "replication_id",
            otlp_string_attribute("replication_id", &rep),
        ),
        ("subvolume_id", otlp_string_attribute("subvolume_id", &sv)),
        ("snapshot_id", otlp_string_attribute("snapshot_id", &snap)),
        ("target_id", otlp_string_attribute("target_id", &target)),
        ("server_id", otlp_string_attribute("server_id", &remote)),
        ("kind", otlp_string_attribute("kind", "full")),
        ("compression", otlp_string_attribute("compression", "zstd")),
    ];
    needles.push((
        "the receive's command line",
        b"zstd -d -c | sudo -n -- btrfs receive".to_vec(),
    ));
    for (what, needle) in needles {
        assert!(
            contains(&traces, &needle),
            "the exported spans carry {what}"
        );
    }
}
