//! Following things live: the event stream (`GET /events/stream`, server-sent events),
//! and a replication or restore until it ends, with a progress bar per target (indicatif)
//! redrawn whenever an event about it arrives.

use std::collections::BTreeMap;
use std::time::Duration;

use futures::StreamExt;
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use serde_json::Value;
use uuid::Uuid;

use super::output;
use dist_btrfs_client::types;

use super::{ClientError, Conn};

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
    loop {
        let mut req = c.api.stream_events();
        if let Some(seq) = after {
            req = req.after(seq);
        }
        let stream = req.send().await?.into_inner();
        let mut stream = std::pin::pin!(stream);
        let mut buf = String::new();
        while let Some(chunk) = stream.next().await {
            let Ok(chunk) = chunk else { break };
            buf.push_str(&String::from_utf8_lossy(&chunk));
            while let Some(end) = buf.find("\n\n") {
                let frame: String = buf.drain(..end + 2).collect();
                let Some(event) = data_of(&frame) else {
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

/// The JSON of an SSE frame's `data:` lines (none for comments and keep-alives).
fn data_of(frame: &str) -> Option<Value> {
    let data: Vec<&str> = frame
        .lines()
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
    let bars = MultiProgress::new();
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
            println!("replication {id}: {}", run.state);
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
    let bar = ProgressBar::new_spinner();
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
                println!("restore {id}: {} {result}", r.state);
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
