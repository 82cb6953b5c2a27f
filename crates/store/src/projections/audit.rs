//! Projection `proj_audit`: the audit timeline, one readable line per event, with the
//! ids it is about (`subjects`: every uuid in the event's payload but in a listing of the
//! world's state, `about_only`) for searching it by kind, subject, time and text
//! (`domain::event_search::EventQuery`), newest first, keyset-paged.

use chrono::{DateTime, Utc};
use domain::EventKind;
use domain::event_search::EventQuery;
use sqlx::postgres::{PgConnection, PgPool};
use uuid::Uuid;

use crate::StoreError;
use crate::record::RecordedEvent;

/// The row an event gets in `proj_audit`.
pub(super) struct AuditLine {
    pub global_seq: i64,
    pub recorded_at: DateTime<Utc>,
    pub actor: String,
    pub stream_id: String,
    pub event_type: &'static str,
    pub summary: String,
    pub correlation_id: Uuid,
    pub subjects: Vec<Uuid>,
}

mod subjects;

pub(super) fn line(event: &RecordedEvent) -> Result<AuditLine, StoreError> {
    let subjects = subjects::of(&event.event)
        .map_err(|e| StoreError::Corrupt(format!("event {}: {e}", event.global_seq)))?;
    // The collector against the definition, on every line a debug build writes (every
    // test's events): the payload as stored, walked.
    #[cfg(debug_assertions)]
    if let Ok(mut payload) = event.event.payload() {
        about_only(&event.event, &mut payload);
        let stored: Vec<Uuid> = subjects_of(&payload).into_iter().collect();
        debug_assert_eq!(subjects, stored, "subjects of event {}", event.global_seq);
    }
    Ok(AuditLine {
        global_seq: event.global_seq,
        recorded_at: event.recorded_at,
        actor: event.actor.to_string(),
        stream_id: event.stream_id.as_str().to_owned(),
        event_type: event.event.event_type(),
        summary: event.event.summary(),
        correlation_id: event.correlation_id,
        subjects,
    })
}

pub(super) async fn apply(
    conn: &mut PgConnection,
    event: &RecordedEvent,
) -> Result<(), StoreError> {
    let line = line(event)?;
    sqlx::query(
        "INSERT INTO proj_audit
             (global_seq, recorded_at, actor, stream_id, event_type, summary, correlation_id,
              subjects)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(line.global_seq)
    .bind(line.recorded_at)
    .bind(line.actor)
    .bind(line.stream_id)
    .bind(line.event_type)
    .bind(line.summary)
    .bind(line.correlation_id)
    .bind(line.subjects)
    .execute(conn)
    .await?;
    Ok(())
}

/// Removes from `payload` what the event lists as the state of the world rather than what
/// it is about: a target's success lists every replica on the target (`replicas`). Its ids
/// would make each success a subject of every snapshot replicated there before, and its
/// subjects grow with the target: about 160 ids a line with 100 replicas a target, most of
/// the audit's index and of its write cost. (Migration `20261206000010` recomputes the
/// lines recorded before.) The audit's lines leave it out as they collect
/// ([`subjects::of`]); this is the definition, which debug builds check them against.
#[cfg(any(test, debug_assertions))]
fn about_only(event: &domain::DomainEvent, payload: &mut serde_json::Value) {
    if let domain::DomainEvent::ReplicationTargetSucceeded(_) = event
        && let Some(fields) = payload.as_object_mut()
    {
        fields.remove("replicas");
    }
}

/// Every uuid (hyphenated, lower case: as ids are stored) inside the payload's strings,
/// in order: what the migration's backfill finds with a regular expression over the text.
pub fn subjects_of(payload: &serde_json::Value) -> std::collections::BTreeSet<Uuid> {
    let mut out = std::collections::BTreeSet::new();
    let mut stack = vec![payload];
    while let Some(v) = stack.pop() {
        match v {
            serde_json::Value::String(s) => out.extend(uuids_in(s)),
            serde_json::Value::Array(a) => stack.extend(a),
            serde_json::Value::Object(o) => stack.extend(o.values()),
            _ => {}
        }
    }
    out
}

fn uuids_in(s: &str) -> impl Iterator<Item = Uuid> + '_ {
    uuid_spans(s).map(|(_, id)| id)
}

/// Each uuid (hyphenated, lower case: as ids are stored) spelled out in `s`, with the
/// byte range it takes (at character boundaries: a uuid's characters are ASCII).
pub fn uuid_spans(s: &str) -> impl Iterator<Item = (std::ops::Range<usize>, Uuid)> + '_ {
    let b = s.as_bytes();
    let shape = |w: &[u8]| {
        w.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_digit() || (b'a'..=b'f').contains(c),
        })
    };
    let mut i = 0;
    std::iter::from_fn(move || {
        while i + 36 <= b.len() {
            let at = i;
            let w = &b[at..at + 36];
            if shape(w) {
                i += 36;
                if let Some(id) = std::str::from_utf8(w)
                    .ok()
                    .and_then(|t| Uuid::parse_str(t).ok())
                {
                    return Some((at..at + 36, id));
                }
                continue;
            }
            i += 1;
        }
        None
    })
}

/// One line of the audit timeline.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AuditEntry {
    pub global_seq: i64,
    pub recorded_at: DateTime<Utc>,
    pub actor: String,
    pub stream_id: String,
    pub event_type: String,
    pub summary: String,
    pub correlation_id: Uuid,
    /// The ids the event is about.
    pub subjects: Vec<Uuid>,
}

/// The newest entries first that match `filter`, older than `before` (a global
/// sequence) when given.
pub async fn audit_timeline<'e>(
    exec: impl sqlx::PgExecutor<'e>,
    filter: &EventQuery,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<AuditEntry>, StoreError> {
    let pattern = filter.text.as_deref().map(|t| {
        let escaped = t
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        format!("%{escaped}%")
    });
    // With a subject, its lines come newest first from `proj_audit_subjects`'s primary
    // key, and the walk stops at the page's end (a subject's lines are never all read).
    // (Two texts, not `$4 IS NULL OR ...`, and `before` as a bound that is always there:
    // a generic plan could not use the key otherwise.)
    let (from, subject) = if filter.subject.is_some() {
        (
            "proj_audit_subjects s JOIN proj_audit USING (global_seq)",
            "s.subject = $4",
        )
    } else {
        ("proj_audit", "$4::uuid IS NULL")
    };
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT global_seq, recorded_at, actor, stream_id, event_type, summary, correlation_id,
                subjects
           FROM {from}
          WHERE global_seq < COALESCE($1::bigint, 9223372036854775807)
            AND (cardinality($3::text[]) = 0 OR event_type = ANY($3))
            AND {subject}
            AND ($5::timestamptz IS NULL OR recorded_at >= $5)
            AND ($6::timestamptz IS NULL OR recorded_at < $6)
            AND ($7::text IS NULL OR summary ILIKE $7 OR subjects && ARRAY(
                    SELECT server_id FROM proj_servers WHERE name ILIKE $7
                    UNION ALL SELECT subvolume_id FROM proj_subvolumes WHERE name ILIKE $7
                    UNION ALL SELECT snapshot_id FROM proj_snapshots WHERE name ILIKE $7
                    UNION ALL SELECT policy_id FROM proj_policies WHERE name ILIKE $7
                    UNION ALL SELECT user_id FROM proj_users WHERE username ILIKE $7
                    UNION ALL SELECT target_id FROM proj_targets WHERE directory ILIKE $7))
          ORDER BY global_seq DESC
          LIMIT $2"
    )))
    .bind(before)
    .bind(limit)
    .bind(&filter.kinds)
    .bind(filter.subject)
    .bind(filter.from)
    .bind(filter.to)
    .bind(pattern)
    .fetch_all(exec)
    .await?)
}

/// Names of the things `ids` are (servers, subvolumes, snapshots as
/// `<subvolume>@<snapshot>`, policies, users, targets as `<server>:<directory>`), for
/// showing summaries with names instead of ids; ids of things gone are absent.
pub async fn names_of(
    pool: &PgPool,
    ids: &[Uuid],
) -> Result<std::collections::HashMap<Uuid, String>, StoreError> {
    let rows: Vec<(Uuid, String)> = sqlx::query_as(
        "SELECT server_id, name FROM proj_servers WHERE server_id = ANY($1)
         UNION ALL SELECT subvolume_id, name FROM proj_subvolumes WHERE subvolume_id = ANY($1)
         UNION ALL SELECT s.snapshot_id, v.name || '@' || s.name
                     FROM proj_snapshots s JOIN proj_subvolumes v USING (subvolume_id)
                    WHERE s.snapshot_id = ANY($1)
         UNION ALL SELECT policy_id, name FROM proj_policies WHERE policy_id = ANY($1)
         UNION ALL SELECT user_id, username FROM proj_users WHERE user_id = ANY($1)
         UNION ALL SELECT t.target_id, COALESCE(sv.name, '?') || ':' || t.directory
                     FROM proj_targets t LEFT JOIN proj_servers sv USING (server_id)
                    WHERE t.target_id = ANY($1)",
    )
    .bind(ids)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_are_every_uuid_in_the_payloads_strings() {
        let a = "00000000-0000-0000-0000-00000000000a";
        let b = "01a2426b-985b-71b5-9c5d-83dce6a4e99e";
        let payload = serde_json::json!({
            "subvolume_id": a,
            "key": format!("snapshot:{b}:2026-12-04T10:00:00Z"),
            "nested": [{"x": b}, 5, null, "not-a-uuid", "0000000-0000-0000-0000-00000000000a"],
        });
        let got: Vec<String> = subjects_of(&payload).iter().map(Uuid::to_string).collect();
        assert_eq!(got, vec![a.to_owned(), b.to_owned()]);
        assert!(subjects_of(&serde_json::json!({"name": "x"})).is_empty());
    }

    #[test]
    fn a_target_success_is_about_its_run_target_and_snapshots_not_the_replicas_it_lists() {
        use domain::replication::{Replica, ReplicationTargetSucceeded};
        use domain::{ReplicationId, SnapshotId, SubvolumeId, TargetId};
        let (snapshot, parent, listed) = (SnapshotId::new(), SnapshotId::new(), SnapshotId::new());
        let success = ReplicationTargetSucceeded {
            replication_id: ReplicationId::new(),
            target_id: TargetId::new(),
            subvolume_id: SubvolumeId::new(),
            snapshot_id: snapshot,
            parent_snapshot_id: Some(parent),
            sent: true,
            bytes: 1,
            wire_bytes: None,
            duration_ms: 1,
            throughput_bytes_per_sec: 1,
            received_path: "/srv/a/x".into(),
            replicas: vec![Replica {
                snapshot_id: listed,
                path: "/srv/a/y".into(),
                uuid: Uuid::new_v4(),
            }],
            common_base: Some(snapshot),
        };
        let event = domain::DomainEvent::ReplicationTargetSucceeded(success.clone());
        let Ok(mut payload) = event.payload() else {
            panic!("the event serializes");
        };
        about_only(&event, &mut payload);
        let got = subjects_of(&payload);
        let want: std::collections::BTreeSet<Uuid> = [
            success.replication_id.as_uuid(),
            success.target_id.as_uuid(),
            success.subvolume_id.as_uuid(),
            snapshot.as_uuid(),
            parent.as_uuid(),
        ]
        .into_iter()
        .collect();
        assert_eq!(got, want, "the listed replica is not a subject");
        let collected = subjects::of(&event).unwrap_or_default();
        assert_eq!(
            collected,
            want.into_iter().collect::<Vec<_>>(),
            "as collected"
        );
    }
}
