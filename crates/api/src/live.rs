//! `GET /events/stream`: the audit timeline live, as server-sent events.
//!
//! Each SSE message is one [`LiveEvent`] (JSON in `data`, the global sequence number
//! as the SSE `id`). The lines come from this process's one Postgres listener
//! (`store::live::LiveFeed`, fed by a NOTIFY trigger on `events`), so appends made
//! by any process on the database arrive. A client that reconnects sends
//! `Last-Event-ID` (browsers do it themselves) and first gets the lines it missed
//! (at most `store::live::MAX_BACKLOG`). A client too slow for the broadcast buffer
//! is disconnected; its browser reconnects and resumes the same way. The credential
//! the stream was opened with is checked again every [`RECHECK`] and before passing on
//! any session, token or user event: once it no longer authenticates (logged out,
//! revoked, expired, user deleted) the stream ends, and the reconnect gets 401. This
//! module decides nothing about what the events mean; the dashboard maps types to views.

use std::collections::HashSet;
use std::time::Duration;

use chrono::{DateTime, Utc};
use domain::Role;
use futures::StreamExt;
use futures::stream::{self, BoxStream};
use poem::web::Data;
use poem::web::sse::Event;
use poem_openapi::param::{Header, Query};
use poem_openapi::payload::EventStream;
use poem_openapi::types::ToJSON;
use poem_openapi::{ApiResponse, Object, OpenApi, Tags};
use store::live::{MAX_BACKLOG, audit_after};
use store::projections::AuditEntry;
use tokio::sync::broadcast;

use crate::AppState;
use crate::auth::{PresentedCredential, ViewerAuth};
use crate::problem::{Problem, ProblemJson};

#[derive(Tags)]
enum Tag {
    /// The audit timeline of recorded events.
    Events,
}

/// One appended event, as the live stream sends it.
#[derive(Debug, Clone, Object)]
pub struct LiveEvent {
    /// Position in the global event log (also the SSE `id`).
    pub seq: i64,
    /// The event type, e.g. `SnapshotCreated`.
    #[oai(rename = "type")]
    pub event_type: String,
    /// The stream the event belongs to, e.g. `subvolume-<id>`.
    pub stream: String,
    /// A readable one-line description.
    pub summary: String,
    /// `system`, `user:<name>` or `token:<id>`.
    pub actor: String,
    pub recorded_at: DateTime<Utc>,
}

impl From<AuditEntry> for LiveEvent {
    fn from(line: AuditEntry) -> Self {
        Self {
            seq: line.global_seq,
            event_type: line.event_type,
            stream: line.stream_id,
            summary: line.summary,
            actor: line.actor,
            recorded_at: line.recorded_at,
        }
    }
}

#[derive(ApiResponse)]
pub enum StreamEventsResponse {
    /// A `text/event-stream` of events appended from now on (after the missed ones
    /// when resuming). A comment line is sent every 15 s to keep proxies open.
    #[oai(status = 200)]
    Ok(EventStream<BoxStream<'static, LiveEvent>>),
    /// The database could not be reached.
    #[oai(status = 500)]
    Internal(ProblemJson),
}

const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// How often an open stream checks that its credential is still valid.
pub const RECHECK: Duration = Duration::from_secs(30);

pub struct LiveApi;

#[OpenApi(tag = "Tag::Events")]
impl LiveApi {
    /// Live events (server-sent events). Resume with `Last-Event-ID` or `after`.
    #[oai(path = "/events/stream", method = "get", operation_id = "streamEvents")]
    async fn stream(
        &self,
        auth: ViewerAuth,
        state: Data<&AppState>,
        req: &poem::Request,
        /// The last sequence number the client saw (sent by browsers on reconnect).
        #[oai(name = "Last-Event-ID")]
        last_event_id: Header<Option<i64>>,
        /// Like `Last-Event-ID`, for clients that cannot set headers.
        after: Query<Option<i64>>,
    ) -> StreamEventsResponse {
        let Some(credential) = PresentedCredential::of(req) else {
            return StreamEventsResponse::Internal(ProblemJson(Problem::internal(
                &"no credential",
            )));
        };
        // Subscribe before reading the backlog so nothing falls between the two.
        let receiver = match state.live.subscribe(&state.pool).await {
            Ok(receiver) => receiver,
            Err(e) => return StreamEventsResponse::Internal(ProblemJson(Problem::internal(&e))),
        };
        let backlog = match last_event_id.0.or(after.0) {
            Some(after) => match audit_after(&state.pool, after, MAX_BACKLOG).await {
                Ok(lines) => lines,
                Err(e) => {
                    return StreamEventsResponse::Internal(ProblemJson(Problem::internal(&e)));
                }
            },
            None => Vec::new(),
        };
        let replayed: HashSet<i64> = backlog.iter().map(|l| l.global_seq).collect();
        let role = auth.principal().role;
        let feed = Feed {
            receiver,
            credential,
            role,
            pool: state.pool.clone(),
            next_check: tokio::time::Instant::now() + RECHECK,
        };
        let live = stream::unfold(feed, next_line)
            .filter(move |line| std::future::ready(!replayed.contains(&line.global_seq)));
        let lines = stream::iter(backlog)
            .chain(live)
            .map(move |mut line| {
                line.summary = crate::events::visible_summary(role, &line.event_type, line.summary);
                LiveEvent::from(line)
            })
            .boxed();
        StreamEventsResponse::Ok(
            EventStream::new(lines)
                .keep_alive(KEEP_ALIVE)
                .to_event(|event| Event::message(event.to_json_string()).id(event.seq.to_string())),
        )
    }
}

/// One client's subscription and what it needs to re-check its credential.
struct Feed {
    receiver: broadcast::Receiver<AuditEntry>,
    credential: PresentedCredential,
    /// The role the stream was opened with: what it shows depends on it, so it ends
    /// when the caller no longer holds it (the client reconnects with its new role).
    role: Role,
    pool: sqlx::PgPool,
    next_check: tokio::time::Instant,
}

/// Events that can end a session or token (checked before they are passed on).
fn touches_credentials(event_type: &str) -> bool {
    ["Session", "Token", "User"]
        .iter()
        .any(|prefix| event_type.starts_with(prefix))
}

/// The next broadcast line. The stream ends when the credential no longer holds, when
/// this client lagged (it resumes with `Last-Event-ID`) or when the feed stopped.
async fn next_line(mut feed: Feed) -> Option<(AuditEntry, Feed)> {
    loop {
        let line = tokio::select! {
            received = feed.receiver.recv() => Some(received.ok()?),
            () = tokio::time::sleep_until(feed.next_check) => None,
        };
        let due = tokio::time::Instant::now() >= feed.next_check;
        if due
            || line
                .as_ref()
                .is_some_and(|l| touches_credentials(&l.event_type))
        {
            if !feed.credential.still_allows(&feed.pool, feed.role).await {
                return None;
            }
            feed.next_check = tokio::time::Instant::now() + RECHECK;
        }
        if let Some(line) = line {
            return Some((line, feed));
        }
    }
}
