//! The event search language of `GET /events?q=...`: whitespace-separated terms, each
//! either a filter `kind:<EventType>` (repeat for any of several), `subject:<uuid>` (an
//! id the event is about), `from:<RFC 3339 time>` (inclusive), `to:<RFC 3339 time>`
//! (exclusive), or text (every other word, and `"quoted phrases"`, joined by one space:
//! found in the summary or in a name of what the event is about). One string keeps a
//! search in one URL parameter, shareable as it is.
//!
//! Not here: running the search (store `projections::audit_timeline`).

use chrono::{DateTime, Utc};
use uuid::Uuid;

/// A parsed search; every part that is set must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventQuery {
    pub kinds: Vec<String>,
    pub subject: Option<Uuid>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub text: Option<String>,
}

/// At most this many characters of search.
pub const MAX_LEN: usize = 500;

/// Parses a search (module docs); the error says which term is wrong and why.
pub fn parse(q: &str) -> Result<EventQuery, String> {
    if q.chars().count() > MAX_LEN {
        return Err(format!("q: at most {MAX_LEN} characters"));
    }
    // Postgres text cannot hold NUL, and no summary or name has a control character.
    if q.chars().any(|c| c.is_control() && !c.is_whitespace()) {
        return Err("q: control characters are not allowed".into());
    }
    let mut out = EventQuery::default();
    let mut words: Vec<String> = Vec::new();
    for term in terms(q)? {
        let Term::Word(word) = term else {
            if let Term::Phrase(p) = term {
                words.push(p);
            }
            continue;
        };
        match word.split_once(':') {
            Some(("kind", k)) => {
                if k.is_empty() || k.len() > 64 || !k.bytes().all(|b| b.is_ascii_alphabetic()) {
                    return Err(format!("q: kind:{k} is not an event type"));
                }
                out.kinds.push(k.to_owned());
            }
            Some(("subject", id)) => {
                let id =
                    Uuid::parse_str(id).map_err(|_| format!("q: subject:{id} is not an id"))?;
                if out.subject.replace(id).is_some() {
                    return Err("q: give subject: once".into());
                }
            }
            Some((key @ ("from" | "to"), at)) => {
                let at = DateTime::parse_from_rfc3339(at)
                    .map_err(|_| format!("q: {key}:{at} is not an RFC 3339 time"))?
                    .with_timezone(&Utc);
                let slot = if key == "from" {
                    &mut out.from
                } else {
                    &mut out.to
                };
                if slot.replace(at).is_some() {
                    return Err(format!("q: give {key}: once"));
                }
            }
            _ => words.push(word),
        }
    }
    if let (Some(f), Some(t)) = (out.from, out.to)
        && f >= t
    {
        return Err("q: from: must be before to:".into());
    }
    let text = words.join(" ");
    out.text = (!text.is_empty()).then_some(text);
    Ok(out)
}

/// The search written back as a string that parses to the same (for links).
pub fn render(q: &EventQuery) -> String {
    let mut parts: Vec<String> = q.kinds.iter().map(|k| format!("kind:{k}")).collect();
    if let Some(s) = q.subject {
        parts.push(format!("subject:{s}"));
    }
    for (key, at) in [("from", q.from), ("to", q.to)] {
        if let Some(at) = at {
            parts.push(format!(
                "{key}:{}",
                at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
            ));
        }
    }
    if let Some(t) = &q.text {
        parts.push(format!("\"{t}\""));
    }
    parts.join(" ")
}

enum Term {
    Word(String),
    Phrase(String),
}

fn terms(q: &str) -> Result<Vec<Term>, String> {
    let mut out = Vec::new();
    let mut chars = q.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c == '"' {
            chars.next();
            let mut phrase = String::new();
            loop {
                match chars.next() {
                    Some('"') => break,
                    Some(ch) => phrase.push(ch),
                    None => return Err("q: a quoted phrase is not closed".into()),
                }
            }
            let phrase = phrase.split_whitespace().collect::<Vec<_>>().join(" ");
            if !phrase.is_empty() {
                out.push(Term::Phrase(phrase));
            }
        } else {
            let mut word = String::new();
            while let Some(&ch) = chars.peek() {
                if ch.is_whitespace() || ch == '"' {
                    break;
                }
                word.push(ch);
                chars.next();
            }
            out.push(Term::Word(word));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    #[test]
    fn filters_and_text_are_read_from_one_string() {
        let id = "01a2426b-985b-71b5-9c5d-83dce6a4e99e";
        let q = parse(&format!(
            r#"kind:SnapshotCreated  failed kind:JobFailed subject:{id} from:2026-12-03T10:00:00Z "backup 2" to:2026-12-04T00:00:00+01:00"#
        ))
        .unwrap();
        assert_eq!(q.kinds, vec!["SnapshotCreated", "JobFailed"]);
        assert_eq!(q.subject.unwrap().to_string(), id);
        assert_eq!(
            q.from,
            Some(Utc.with_ymd_and_hms(2026, 12, 3, 10, 0, 0).unwrap())
        );
        assert_eq!(
            q.to,
            Some(Utc.with_ymd_and_hms(2026, 12, 3, 23, 0, 0).unwrap())
        );
        assert_eq!(q.text.as_deref(), Some("failed backup 2"));
        assert_eq!(parse("").unwrap(), EventQuery::default());
        assert_eq!(
            parse("  data/home  ").unwrap().text.as_deref(),
            Some("data/home")
        );
    }

    #[test]
    fn bad_terms_are_named() {
        for (q, want) in [
            ("kind:Snap-shot", "kind:Snap-shot"),
            ("subject:42", "subject:42"),
            ("from:yesterday", "from:yesterday"),
            (
                "from:2026-12-04T00:00:00Z to:2026-12-03T00:00:00Z",
                "before",
            ),
            ("\"open", "not closed"),
            (
                "subject:01a2426b-985b-71b5-9c5d-83dce6a4e99e subject:01a2426b-985b-71b5-9c5d-83dce6a4e99f",
                "once",
            ),
            ("disk\u{0}full", "control characters"),
        ] {
            let e = parse(q).unwrap_err();
            assert!(e.starts_with("q:") && e.contains(want), "{q}: {e}");
        }
        assert!(parse(&"x".repeat(501)).is_err());
    }

    proptest! {
        /// A search written back parses to the same search.
        #[test]
        fn render_round_trips(
            kinds in proptest::collection::vec("[A-Za-z]{1,20}", 0..3),
            subject in proptest::option::of(any::<u128>()),
            from in proptest::option::of(0i64..1_000_000),
            span in 1i64..1_000_000,
            text in proptest::option::of("[a-z0-9/@ -]{1,30}"),
        ) {
            let base = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
            let text = text.map(|t| t.split_whitespace().collect::<Vec<_>>().join(" ")).filter(|t| !t.is_empty());
            let q = EventQuery {
                kinds,
                subject: subject.map(Uuid::from_u128),
                from: from.map(|s| base + chrono::Duration::seconds(s)),
                to: from.map(|s| base + chrono::Duration::seconds(s + span)),
                text,
            };
            prop_assert_eq!(parse(&render(&q)).unwrap(), q);
        }

        /// Nothing makes the parser panic.
        #[test]
        fn parse_never_panics(q in "\\PC{0,80}") {
            let _ = parse(&q);
        }
    }
}
