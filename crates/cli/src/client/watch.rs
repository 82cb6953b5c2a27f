//! Following things live: the event stream (`GET /events/stream`, server-sent events),
//! and a replication or restore until it ends, with a progress bar per target (indicatif)
//! redrawn whenever an event about it arrives.
//!
//! Not here: starting replications or restores (`commands`), the event format (the API).

use std::collections::BTreeMap;
use std::time::Duration;

use futures::StreamExt;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::Value;
use uuid::Uuid;

use super::output;
use dist_btrfs_client::types;

use super::{ClientError, Conn, to_json};

/// Prints one event of the log: `seq time type summary`, or its JSON.
pub fn print_event(c: &Conn, e: &Value) {
    if c.json {
        println!("{e}");
    } else {
        println!(
            "{:>8}  {}  {:<28}  {}",
            output::field(e, "seq"),
            output::field(e, "recorded_at"),
            output::field(e, "event_type"),
            output::field(e, "summary")
        );
    }
}

/// Reads the event stream from after `after`, calling `each` with every event until it
/// returns true (done) or the stream ends (the server went away: reconnects once a second,
/// resuming where it stopped).
pub async fn follow_events(
    c: &Conn,
    mut after: Option<i64>,
    mut each: impl FnMut(&Value) -> bool,
) -> Result<(), ClientError> {
    let mut connected_before = false;
    loop {
        let mut req = c.api.stream_events();
        if let Some(seq) = after {
            req = req.after(seq);
        }
        let stream = match req.send().await {
            Ok(answer) => answer.into_inner(),
            // Refused or cut while reconnecting: try again once a second.
            Err(e) if connected_before => {
                tracing::debug!(error = %e, "reconnecting to the event stream");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        connected_before = true;
        let mut stream = std::pin::pin!(stream);
        // Bytes, not text: a character may be split across chunks. A frame ends at a
        // blank line, `\n\n` or `\r\n\r\n`.
        let mut buf: Vec<u8> = Vec::new();
        while let Some(chunk) = stream.next().await {
            let Ok(chunk) = chunk else { break };
            buf.extend_from_slice(&chunk);
            while let Some((end, sep)) = frame_end(&buf) {
                let frame: Vec<u8> = buf.drain(..end + sep).collect();
                let Some(event) = data_of(&String::from_utf8_lossy(&frame)) else {
                    continue;
                };
                if let Some(seq) = event["seq"].as_i64() {
                    after = Some(seq);
                }
                if each(&event) {
                    return Ok(());
                }
            }
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// Where the first complete frame in `buf` ends: (its length, the separator's length).
fn frame_end(buf: &[u8]) -> Option<(usize, usize)> {
    let lf = buf.windows(2).position(|w| w == b"\n\n").map(|i| (i, 2));
    let crlf = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| (i, 4));
    match (lf, crlf) {
        (Some(a), Some(b)) => Some(if a.0 <= b.0 { a } else { b }),
        (a, b) => a.or(b),
    }
}

/// The JSON of an SSE frame's `data:` lines (none for comments and keep-alives).
fn data_of(frame: &str) -> Option<Value> {
    let data: Vec<&str> = frame
        .lines()
        .map(|l| l.trim_end_matches('\r'))
        .filter_map(|l| l.strip_prefix("data:"))
        .map(|l| l.strip_prefix(' ').unwrap_or(l))
        .collect();
    if data.is_empty() {
        return None;
    }
    serde_json::from_str(&data.join("\n")).ok()
}

/// Whether an event is about `id` (its stream or its subjects).
fn is_about(e: &Value, stream: &str, id: Uuid) -> bool {
    let id = id.to_string();
    e["stream_id"] == stream
        || e["subjects"]
            .as_array()
            .is_some_and(|s| s.iter().any(|x| x.as_str() == Some(id.as_str())))
}

/// Follows a replication to its end: a bar per target, then its outcome.
pub async fn replication(c: &Conn, id: Uuid) -> Result<(), ClientError> {
    use types::ReplicationState as State;
    // With --json: no bars, the replication's final state as JSON.
    let bars = if c.json {
        MultiProgress::with_draw_target(ProgressDrawTarget::hidden())
    } else {
        MultiProgress::new()
    };
    let mut by_target: BTreeMap<Uuid, ProgressBar> = BTreeMap::new();
    let style = ProgressStyle::with_template(
        "{prefix:.bold} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} {msg}",
    )
    .unwrap_or_else(|_| ProgressStyle::default_bar())
    .progress_chars("=> ");
    let stream = format!("replication-{id}");
    // The state now, then again after each event about it (at least every 2 s: progress
    // events are throttled by the server).
    let mut last = None;
    loop {
        let run = c.api.get_replication().id(id).send().await?.into_inner();
        for t in &run.targets {
            let bar = by_target.entry(t.target_id).or_insert_with(|| {
                let b = bars.add(ProgressBar::new(0));
                b.set_style(style.clone());
                b.set_prefix(t.target_id.to_string().chars().take(8).collect::<String>());
                b
            });
            let total = t.expected_bytes.unwrap_or(t.bytes_total).max(t.bytes_total);
            bar.set_length(total.max(t.bytes));
            bar.set_position(t.bytes);
            bar.set_message(t.state.to_string());
        }
        let done = match run.state {
            State::Queued | State::Running => None,
            State::Succeeded => Some(true),
            State::Failed | State::PartiallyFailed => Some(false),
        };
        if let Some(succeeded) = done {
            for b in by_target.values() {
                b.finish();
            }
            if c.json {
                output::json(&to_json(&run));
            } else {
                println!("replication {id}: {}", run.state);
            }
            if succeeded {
                return Ok(());
            }
            let errors: Vec<String> = run
                .targets
                .iter()
                .filter_map(|t| t.error.as_ref().map(|e| format!("{}: {e}", t.target_id)))
                .collect();
            return Err(ClientError::Failed(format!(
                "replication {id} {}: {}",
                run.state,
                errors.join("; ")
            )));
        }
        last = wait_for(c, last, &stream, id).await?;
    }
}

/// Follows a restore to its end.
pub async fn restore(c: &Conn, id: Uuid) -> Result<(), ClientError> {
    use types::RestoreState as State;
    let bar = if c.json {
        ProgressBar::hidden()
    } else {
        ProgressBar::new_spinner()
    };
    let stream = format!("restore-{id}");
    let mut last = None;
    loop {
        let r = c.api.get_restore().id(id).send().await?.into_inner();
        bar.set_message(format!("{} {}", r.state, output::bytes(r.bytes)));
        bar.tick();
        let result = r.result_path.as_deref().unwrap_or("-");
        match r.state {
            State::Queued | State::Running => {}
            State::Succeeded => {
                bar.finish_and_clear();
                if c.json {
                    output::json(&to_json(&r));
                } else {
                    println!("restore {id}: {} {result}", r.state);
                }
                return Ok(());
            }
            State::Failed => {
                bar.finish_and_clear();
                let error = r.error.as_deref().unwrap_or("no error recorded");
                return Err(ClientError::Failed(format!("restore {id} failed: {error}")));
            }
        }
        last = wait_for(c, last, &stream, id).await?;
    }
}

/// Waits until an event about `id` arrives after `last` or 2 s pass; the newest seq seen.
async fn wait_for(
    c: &Conn,
    last: Option<i64>,
    stream: &str,
    id: Uuid,
) -> Result<Option<i64>, ClientError> {
    let mut seen = last;
    let waited = tokio::time::timeout(
        Duration::from_secs(2),
        follow_events(c, last, |e| {
            seen = e["seq"].as_i64().or(seen);
            is_about(e, stream, id)
        }),
    )
    .await;
    match waited {
        Ok(result) => result.map(|()| seen),
        Err(_) => Ok(seen),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn frames_end_at_a_blank_line_of_either_kind() {
        assert_eq!(frame_end(b"data: 1\n\nrest"), Some((7, 2)));
        assert_eq!(frame_end(b"data: 1\r\n\r\nrest"), Some((7, 4)));
        assert_eq!(frame_end(b"data: 1\n"), None);
        assert_eq!(data_of("data: {\"seq\": 4}\r\n"), Some(json!({"seq": 4})));
    }

    #[test]
    fn frames_yield_their_json_and_comments_none() {
        assert_eq!(
            data_of("id: 3\ndata: {\"seq\": 3}\n\n"),
            Some(json!({"seq": 3}))
        );
        assert_eq!(data_of(": keep-alive\n\n"), None);
        let id = Uuid::nil();
        assert!(is_about(
            &json!({"stream_id": "replication-x"}),
            "replication-x",
            id
        ));
        assert!(is_about(
            &json!({"stream_id": "y", "subjects": [id.to_string()]}),
            "z",
            id
        ));
        assert!(!is_about(
            &json!({"stream_id": "y", "subjects": []}),
            "z",
            id
        ));
    }
}
