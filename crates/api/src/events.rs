//! `GET /events`: the audit timeline (newest first, keyset-paged by sequence number),
//! searched on the server with one string `q` (`domain::event_search`): by event type,
//! by an id the event is about, by time range and by text (in the summary or in the
//! name of something the event is about). Summaries name things: each id in a summary
//! is replaced by the name of what it is, where that still exists.

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi, Tags};
use store::projections;
use uuid::Uuid;

use crate::AppState;
use crate::auth::ViewerAuth;
use crate::problem::Problem;
use crate::respond::{Answer, documented};
use domain::Role;

#[derive(Tags)]
enum Tag {
    /// The audit timeline of recorded events.
    Events,
}

/// One recorded event as the timeline shows it.
#[derive(Debug, Object)]
pub struct AuditEvent {
    /// Position in the global event log.
    pub seq: i64,
    pub recorded_at: DateTime<Utc>,
    /// `system`, `user:<name>` or `token:<id>`.
    pub actor: String,
    pub stream_id: String,
    pub event_type: String,
    /// A readable one-line description.
    pub summary: String,
    /// Events caused by one request or job share this id.
    pub correlation_id: Uuid,
    /// The ids the event is about (filter with `subject`).
    pub subjects: Vec<Uuid>,
}

/// One page of the timeline.
#[derive(Debug, Object)]
pub struct AuditPage {
    pub items: Vec<AuditEvent>,
    /// Pass as `before` to get the next (older) page; absent on the last page.
    pub next_before: Option<i64>,
}

documented!(
    /// Reading the audit timeline.
    ListEventsErrors: 400 "Invalid paging parameters.", 500 "A server-side failure."
);

const MAX_LIMIT: i64 = 500;

pub struct EventsApi;

#[OpenApi(tag = "Tag::Events")]
impl EventsApi {
    /// The audit timeline, newest first, paged by `before` (a sequence number), filtered
    /// by every given parameter.
    #[oai(path = "/events", method = "get", operation_id = "listEvents")]
    async fn list(
        &self,
        auth: ViewerAuth,
        state: Data<&AppState>,
        /// Only events older than this sequence number.
        before: Query<Option<i64>>,
        /// Page size, 1-500 (default 100).
        limit: Query<Option<i64>>,
        /// A search (at most 500 characters): `kind:<EventType>` (repeat for any of
        /// several), `subject:<id>` (a server, subvolume, snapshot, target, user, ...),
        /// `from:<RFC 3339>` (inclusive), `to:<RFC 3339>` (exclusive), and any other
        /// words or `"quoted phrases"` as text found in the summary or in a name of
        /// what the event is about (case-insensitive).
        q: Query<Option<String>>,
    ) -> Answer<Json<AuditPage>, ListEventsErrors> {
        let limit = limit.0.unwrap_or(100);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(Problem::invalid(
                "limit",
                format!("limit: must be between 1 and {MAX_LIMIT}"),
            )
            .into());
        }
        let filter = domain::event_search::parse(q.0.as_deref().unwrap_or(""))
            .map_err(|e| Problem::invalid("q", e))?;
        let rows = projections::audit_timeline(&state.pool, &filter, before.0, limit).await?;
        let next_before = (rows.len() as i64 == limit)
            .then(|| rows.last().map(|r| r.global_seq))
            .flatten();
        // Only the ids a summary shows are named (an event may be about a thousand
        // replicas and say so in one line).
        let mut ids: Vec<Uuid> = rows
            .iter()
            .flat_map(|r| shown_ids(&r.summary, &r.subjects))
            .collect();
        ids.sort_unstable();
        ids.dedup();
        let names = projections::names_of(&state.pool, &ids).await?;
        let items = rows
            .into_iter()
            .map(|r| {
                let summary = visible_summary(auth.principal().role, &r.event_type, r.summary);
                AuditEvent {
                    seq: r.global_seq,
                    recorded_at: r.recorded_at,
                    actor: r.actor,
                    stream_id: r.stream_id,
                    summary: named(summary, &r.subjects, &names),
                    event_type: r.event_type,
                    correlation_id: r.correlation_id,
                    subjects: r.subjects,
                }
            })
            .collect();
        Ok(Json(AuditPage { items, next_before }))
    }
}

/// The ids of `subjects` that `summary` spells out (one scan of the summary: searching
/// it for each subject's text was most of this read's CPU).
fn shown_ids<'a>(summary: &'a str, subjects: &'a [Uuid]) -> impl Iterator<Item = Uuid> + 'a {
    projections::uuid_spans(summary)
        .map(|(_, id)| id)
        .filter(move |id| subjects.contains(id))
}

/// `summary` with each id of `subjects` it spells out replaced by the name of what it
/// is, if known.
fn named(
    summary: String,
    subjects: &[Uuid],
    names: &std::collections::HashMap<Uuid, String>,
) -> String {
    let mut out = String::with_capacity(summary.len());
    let mut copied = 0;
    for (span, id) in projections::uuid_spans(&summary) {
        let Some(name) = names.get(&id).filter(|_| subjects.contains(&id)) else {
            continue;
        };
        out.push_str(summary.get(copied..span.start).unwrap_or_default());
        out.push_str(name);
        copied = span.end;
    }
    if copied == 0 {
        return summary;
    }
    out.push_str(summary.get(copied..).unwrap_or_default());
    out
}

/// What a caller with `role` may read of an audit line. Only admins see the user
/// names and client addresses of login attempts (what strangers typed into the login
/// form may be a password, and addresses are personal data); others learn only that
/// an attempt happened.
pub(crate) fn visible_summary(role: Role, event_type: &str, summary: String) -> String {
    if role == Role::Admin {
        return summary;
    }
    match event_type {
        "LoginFailed" => "failed login (details visible to admins)".to_owned(),
        "LoginThrottled" => "login refused by throttling (details visible to admins)".to_owned(),
        "SessionStarted" => "login (details visible to admins)".to_owned(),
        _ => summary,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_ids_a_summary_shows_are_named() {
        let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let summary = format!("snapshot {a} sent");
        assert_eq!(shown_ids(&summary, &[a, b]).collect::<Vec<_>>(), [a]);
        let names = std::collections::HashMap::from([(a, "data@x".to_owned()), (b, "y".into())]);
        assert_eq!(named(summary, &[a, b], &names), "snapshot data@x sent");
        // Every mention is named; an id that is not a subject, or has no name, stays.
        let c = Uuid::from_u128(3);
        let summary = format!("{a} to {c} after {a}, {b}.");
        assert_eq!(
            named(summary, &[a, b], &names),
            format!("data@x to {c} after data@x, y.")
        );
        let summary = format!("{c} only");
        assert_eq!(named(summary.clone(), &[c], &names), summary);
    }
}
