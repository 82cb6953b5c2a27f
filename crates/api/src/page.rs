//! Keyset pages of the list endpoints: `limit` (1 to [`MAX_PAGE`], default
//! [`MAX_PAGE`]) and `after`, an opaque cursor taken from the previous page's
//! `next_after`. A page is a [`Page`] of items and the cursor of the next one, absent on
//! the last page, so no list is unbounded and a deep page costs what the first one does
//! (each list's order has an index).
//!
//! A cursor is the last item's sort key (a store `…Key`) as base64 JSON. Clients must
//! not build one: its content is the server's business.
//!
//! What it does not do: choose a list's order or key (the store's `…_page` functions).

use base64::Engine as _;
use poem_openapi::Object;
use poem_openapi::types::{ParseFromJSON, ToJSON};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::problem::Problem;

/// Most items of one page, and the default.
pub const MAX_PAGE: i64 = 1000;

/// The texts of `items` ([`with_items`]): `written` when it has one per item (the status
/// cache writes them as it computes a kept list), else written now by `write`.
pub fn texts_of<'a, T>(
    items: &[T],
    written: &'a [String],
    write: fn(&T) -> String,
) -> std::borrow::Cow<'a, [String]> {
    if written.len() == items.len() {
        std::borrow::Cow::Borrowed(written)
    } else {
        std::borrow::Cow::Owned(items.iter().map(write).collect())
    }
}

/// What kept pages were written from: a page is answered again while it is the same.
pub trait Version: Clone {
    fn is(&self, other: &Self) -> bool;
}

/// One computation of a kept list: a new computation is a new list, an equal one too.
impl<T> Version for std::sync::Arc<T> {
    fn is(&self, other: &Self) -> bool {
        std::sync::Arc::ptr_eq(self, other)
    }
}

/// The projections as of a change stamp, read at a time: the same while no event has
/// committed (they change by events only), for at most [`KEEP_LISTS_FOR`]: a `projections
/// rebuild` swaps the tables under the same stamp, and what it corrected shows by then.
#[derive(Debug, Clone)]
pub struct StampedAt {
    pub stamp: store::status::ChangeStamp,
    pub at: std::time::Instant,
}

/// Longest a list page is kept with no event, as long as the status is.
pub const KEEP_LISTS_FOR: std::time::Duration = std::time::Duration::from_secs(5);

impl Version for StampedAt {
    /// `self` kept, `now` just read.
    fn is(&self, now: &Self) -> bool {
        self.stamp == now.stamp && now.at.saturating_duration_since(self.at) < KEEP_LISTS_FOR
    }
}

/// The last pages written from one version of a list, by their query: a page asked for
/// again while the list is the same is the same bytes, answered without being read,
/// written or copied again (a page of the whole fleet's health is about a megabyte, and
/// putting it together was about 13 % of serve's CPU samples under 32 readers of it).
#[derive(Debug)]
pub struct KeptPages<V, K> {
    last: std::sync::Mutex<Option<KeptBodies<V, K>>>,
}

/// A version of a list and the pages written from it.
type KeptBodies<V, K> = (V, Vec<KeptPage<K>>);

/// A page as written for a query, and the time it is wrong from whatever the list's
/// version says, if any: a page with times computed from the clock (the policies' next
/// snapshot) is wrong once the first of those times has passed.
#[derive(Debug)]
struct KeptPage<K> {
    query: K,
    body: bytes::Bytes,
    until: Option<chrono::DateTime<chrono::Utc>>,
}

/// What a page that depends on its list's version only is good until: no time.
pub fn no_clock<T>(_: &T) -> Option<chrono::DateTime<chrono::Utc>> {
    None
}

/// Pages kept per list: the queries a dashboard and a few scripts repeat.
const KEPT_PAGES: usize = 8;

impl<V, K> Default for KeptPages<V, K> {
    fn default() -> Self {
        Self {
            last: std::sync::Mutex::new(None),
        }
    }
}

impl<V: Version, K: PartialEq> KeptPages<V, K> {
    fn lock(&self) -> std::sync::MutexGuard<'_, Option<KeptBodies<V, K>>> {
        self.last
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The page kept for `query` of this `version` of the list, if there is one and its
    /// time (if any) has not passed.
    pub fn get(&self, version: &V, query: &K) -> Option<bytes::Bytes> {
        let last = self.lock();
        let (kept, pages) = last.as_ref()?;
        if !kept.is(version) {
            return None;
        }
        let page = pages.iter().find(|p| p.query == *query)?;
        match page.until {
            Some(until) if chrono::Utc::now() >= until => None,
            _ => Some(page.body.clone()),
        }
    }

    /// Keeps `body` as the page for `query` of `version`, good until `until` if that is
    /// given; the pages of another version go (at most [`KEPT_PAGES`] are kept, the
    /// oldest goes first, and a page kept again replaces the one before).
    pub fn keep(
        &self,
        version: &V,
        query: K,
        body: bytes::Bytes,
        until: Option<chrono::DateTime<chrono::Utc>>,
    ) {
        let mut last = self.lock();
        if !last.as_ref().is_some_and(|(kept, _)| kept.is(version)) {
            *last = Some((version.clone(), Vec::new()));
        }
        if let Some((_, pages)) = last.as_mut() {
            pages.retain(|p| p.query != query);
            if pages.len() >= KEPT_PAGES {
                pages.remove(0);
            }
            pages.push(KeptPage { query, body, until });
        }
    }

    /// The page of `version` for `query`: kept, or written by `write` and kept. Written
    /// without the lock held: two first readers may both write it.
    pub fn get_or_write(
        &self,
        version: &V,
        query: K,
        write: impl FnOnce() -> String,
    ) -> bytes::Bytes {
        if let Some(body) = self.get(version, &query) {
            return body;
        }
        let body = bytes::Bytes::from(write());
        self.keep(version, query, body.clone(), None);
        body
    }
}

/// What a page of a list read from the projections is kept by ([`read_kept`]), in that
/// list's [`KeptLists`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListQuery {
    /// Its filter (a subvolume), if any.
    pub of: Option<uuid::Uuid>,
    /// The cursor as the client sent it (checked first by the caller).
    pub after: Option<String>,
    pub limit: i64,
}

/// The kept pages of each large list a dashboard polls, each list with its own gate: a
/// slow read of one list never holds up the readers of another, and one list's pages
/// never push out another's.
#[derive(Debug, Default)]
pub struct ListPages {
    pub replications: KeptLists,
    pub targets: KeptLists,
    pub policies: KeptLists,
}

/// The kept pages of one large list, and the gate that lets one reader at a time read a
/// page that is not kept ([`KeptLists::get_or_read`]).
#[derive(Debug, Default)]
pub struct KeptLists {
    pages: KeptPages<StampedAt, ListQuery>,
    reading: tokio::sync::Mutex<()>,
}

impl KeptLists {
    /// The page for `query` of the projections as of `version`: kept, or read by `read`,
    /// written by serde and kept. One reader at a time reads: the others wait and take
    /// what it kept (32 readers of a page of 1000 targets all reading it at once made the
    /// slowest wait about 70 ms). A page kept by another reader under the same stamp is
    /// at least as new as this reader's stamp, so it is answered. A reader waits for
    /// another's read [`READ_WAIT`] at most, then reads itself: when the database is slow
    /// or down, readers do not queue one pool timeout after another. A page is kept until
    /// the time `until` finds in it, if any ([`no_clock`] for none).
    pub async fn get_or_read<T: Serialize>(
        &self,
        version: StampedAt,
        query: ListQuery,
        until: impl FnOnce(&T) -> Option<chrono::DateTime<chrono::Utc>>,
        read: impl std::future::Future<Output = Result<T, Problem>>,
    ) -> Result<bytes::Bytes, Problem> {
        if let Some(body) = self.pages.get(&version, &query) {
            return Ok(body);
        }
        let _reading = tokio::time::timeout(READ_WAIT, self.reading.lock())
            .await
            .ok();
        if let Some(body) = self.pages.get(&version, &query) {
            return Ok(body);
        }
        let page = read.await?;
        let body = crate::respond::json_bytes(&page)?;
        self.pages.keep(&version, query, body.clone(), until(&page));
        Ok(body)
    }
}

/// Longest a reader of a list page waits for another reader's read of it.
pub const READ_WAIT: std::time::Duration = std::time::Duration::from_secs(1);

/// A page of a list read from the projections, as JSON: the text kept for `query` while
/// no event has committed since it was read (the change stamp: the projections change
/// by events only) and for at most [`KEEP_LISTS_FOR`], else read by `read`
/// ([`KeptLists::get_or_read`]). The stamp is read before the page, so a kept page is at
/// least as new as its stamp: a client that saw its change committed gets a page with
/// it. For the large lists a dashboard polls (replications, targets, policies): one small query
/// instead of reading and writing the page. A page with times from the clock is kept
/// until the first of them (`until`; [`no_clock`] for a page with none).
pub async fn read_kept<T: Serialize>(
    pool: &sqlx::PgPool,
    lists: &KeptLists,
    query: ListQuery,
    until: impl FnOnce(&T) -> Option<chrono::DateTime<chrono::Utc>>,
    read: impl std::future::Future<Output = Result<T, Problem>>,
) -> Result<bytes::Bytes, Problem> {
    let version = StampedAt {
        stamp: store::status::change_stamp(pool).await?,
        at: std::time::Instant::now(),
    };
    lists.get_or_read(version, query, until, read).await
}

/// `head` (whose `items` is empty) as JSON, with `items` (each a JSON text) as its items.
pub fn with_items<'a, H: ToJSON>(head: &H, items: impl Iterator<Item = &'a str> + Clone) -> String {
    let mut text = match head.to_json() {
        Some(serde_json::Value::Object(mut map)) => {
            map.remove("items");
            serde_json::Value::Object(map).to_string()
        }
        _ => "{}".to_owned(),
    };
    // Sized once: a page of the whole-fleet health is about a megabyte.
    text.reserve(items.clone().map(|i| i.len() + 1).sum::<usize>() + 12);
    text.pop(); // the closing brace
    if text.len() > 1 {
        text.push(',');
    }
    text.push_str("\"items\":[");
    for (n, item) in items.enumerate() {
        if n > 0 {
            text.push(',');
        }
        text.push_str(item);
    }
    text.push_str("]}");
    text
}

/// One page of a list.
#[derive(Debug, Object, Serialize)]
pub struct Page<T: ParseFromJSON + ToJSON> {
    pub items: Vec<T>,
    /// Pass as `after` for the next page; absent on the last.
    pub next_after: Option<String>,
}

/// The `limit` query parameter, checked (400 outside 1 to [`MAX_PAGE`]).
pub fn limit(limit: Option<i64>) -> Result<i64, Problem> {
    limit_within(limit, MAX_PAGE, MAX_PAGE)
}

/// The `limit` query parameter of a list with pages of its own size: `default` when
/// absent, 400 outside 1 to `max`.
pub fn limit_within(limit: Option<i64>, default: i64, max: i64) -> Result<i64, Problem> {
    let limit = limit.unwrap_or(default);
    if (1..=max).contains(&limit) {
        Ok(limit)
    } else {
        Err(Problem::invalid(
            "limit",
            format!("limit: must be 1 to {max}"),
        ))
    }
}

/// A sort key as the opaque `after` of the next page.
pub fn encode_after<K: Serialize>(key: &K) -> String {
    let json = serde_json::to_vec(key).unwrap_or_default();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
}

/// The `after` query parameter as the sort key it was made from (400 when it was not
/// made by [`encode_after`]).
pub fn decode_after<K: DeserializeOwned>(after: Option<&str>) -> Result<Option<K>, Problem> {
    let Some(after) = after else { return Ok(None) };
    let bad = || Problem::invalid("after", "after: not a cursor from a page's `next_after`");
    let json = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(after)
        .map_err(|_| bad())?;
    let value: serde_json::Value = serde_json::from_slice(&json).map_err(|_| bad())?;
    // No key of ours holds a NUL, and Postgres could not compare one: refuse it here.
    if has_nul(&value) {
        return Err(bad());
    }
    serde_json::from_value(value).map(Some).map_err(|_| bad())
}

fn has_nul(value: &serde_json::Value) -> bool {
    match value {
        serde_json::Value::String(s) => s.contains('\u{0}'),
        serde_json::Value::Array(items) => items.iter().any(has_nul),
        serde_json::Value::Object(map) => {
            map.iter().any(|(k, v)| k.contains('\u{0}') || has_nul(v))
        }
        _ => false,
    }
}

/// Cuts `rows`, fetched with `limit + 1` (the extra row only says that a next page
/// exists), to at most `limit`, and answers the next page's cursor: the last row's key.
pub fn cut<V, K: Serialize>(
    rows: &mut Vec<V>,
    limit: i64,
    key: impl Fn(&V) -> K,
) -> Option<String> {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let more = rows.len() > limit;
    rows.truncate(limit);
    if more {
        rows.last().map(|last| encode_after(&key(last)))
    } else {
        None
    }
}

/// The [`Page`] of `rows` ([`cut`]), each row made an item.
pub fn page<V, K: Serialize, T: ParseFromJSON + ToJSON>(
    mut rows: Vec<V>,
    limit: i64,
    key: impl Fn(&V) -> K,
    item: impl FnMut(V) -> T,
) -> Page<T> {
    let next_after = cut(&mut rows, limit, key);
    Page {
        items: rows.into_iter().map(item).collect(),
        next_after,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_round_trips_and_a_forged_one_is_a_400() {
        let key = ("data/home".to_owned(), 7_u32);
        let after = encode_after(&key);
        assert_eq!(
            decode_after::<(String, u32)>(Some(&after)).unwrap(),
            Some(key)
        );
        assert_eq!(decode_after::<(String, u32)>(None).unwrap(), None);
        // A well-formed cursor whose key holds a NUL never reaches Postgres.
        let nul = encode_after(&("a\u{0}b".to_owned(), 1_u32));
        for forged in ["not base64!", "e30", "", nul.as_str()] {
            let err = decode_after::<(String, u32)>(Some(forged)).unwrap_err();
            assert_eq!(err.status, 400, "{forged}");
        }
    }

    #[test]
    fn a_limit_is_its_default_when_absent_and_a_400_on_limit_outside_1_to_max() {
        assert_eq!(limit_within(None, 20, 100).unwrap(), 20);
        assert_eq!(limit_within(Some(100), 20, 100).unwrap(), 100);
        for bad in [0, -1, 101] {
            let err = limit_within(Some(bad), 20, 100).unwrap_err();
            assert_eq!(err.status, 400, "{bad}");
            assert_eq!(err.detail.as_deref(), Some("limit: must be 1 to 100"));
        }
        assert_eq!(limit(None).unwrap(), MAX_PAGE);
    }

    #[test]
    fn the_extra_row_makes_the_next_cursor_and_is_not_returned() {
        let p: Page<i64> = page(vec![1, 2, 3], 2, |v| *v, |v| v * 10);
        assert_eq!(p.items, vec![10, 20]);
        assert_eq!(
            decode_after::<i64>(p.next_after.as_deref()).unwrap(),
            Some(2)
        );
        let last: Page<i64> = page(vec![1, 2], 2, |v| *v, |v| v);
        assert_eq!(last.items, vec![1, 2]);
        assert!(last.next_after.is_none());
    }

    #[test]
    fn kept_texts_are_used_when_there_is_one_per_item_and_written_otherwise() {
        fn write(n: &i64) -> String {
            format!("<{n}>")
        }
        let kept = vec!["kept 1".to_owned(), "kept 2".to_owned()];
        assert_eq!(*texts_of(&[1, 2], &kept, write), kept);
        // A cache without writers keeps none: the page writes its items itself.
        assert_eq!(*texts_of(&[1, 2], &[], write), ["<1>", "<2>"]);
        let head: Page<i64> = Page {
            items: Vec::new(),
            next_after: None,
        };
        assert_eq!(
            with_items(&head, kept.iter().map(String::as_str)),
            r#"{"next_after":null,"items":[kept 1,kept 2]}"#
        );
    }

    #[test]
    fn a_page_is_written_once_per_list_and_query() {
        let pages = KeptPages::<std::sync::Arc<Vec<i64>>, i64>::default();
        let (one, two) = (std::sync::Arc::new(vec![1]), std::sync::Arc::new(vec![1]));
        let written = std::cell::Cell::new(0);
        let write = |text: &str| {
            written.set(written.get() + 1);
            text.to_owned()
        };
        assert_eq!(pages.get_or_write(&one, 1, || write("a")), "a");
        assert_eq!(pages.get_or_write(&one, 1, || write("b")), "a", "kept");
        assert_eq!(
            pages.get_or_write(&one, 2, || write("c")),
            "c",
            "another query"
        );
        // A new list (an equal one too: a new computation) is written again.
        assert_eq!(pages.get_or_write(&two, 1, || write("d")), "d");
        assert_eq!(written.get(), 3);
        // At most KEPT_PAGES per list: the oldest goes.
        for q in 0..=KEPT_PAGES as i64 {
            pages.get_or_write(&two, 100 + q, || write("e"));
        }
        assert_eq!(pages.get_or_write(&two, 1, || write("f")), "f");
    }

    #[test]
    fn a_list_page_is_kept_while_the_stamp_is_the_same_and_for_five_seconds_at_most() {
        let stamp = |events| store::status::ChangeStamp {
            events,
            attempts: 0,
            collections: 0,
        };
        let start = std::time::Instant::now();
        let kept = StampedAt {
            stamp: stamp(7),
            at: start,
        };
        let read = |events, after| StampedAt {
            stamp: stamp(events),
            at: start + after,
        };
        assert!(kept.is(&read(7, std::time::Duration::from_secs(4))));
        assert!(!kept.is(&read(8, std::time::Duration::ZERO)), "an event");
        assert!(!kept.is(&read(7, KEEP_LISTS_FOR)), "too old");
    }

    #[test]
    fn a_page_with_a_time_is_kept_until_that_time_only() {
        let pages: KeptPages<std::sync::Arc<()>, i64> = KeptPages::default();
        let one = std::sync::Arc::new(());
        let now = chrono::Utc::now();
        pages.keep(
            &one,
            1,
            "past".into(),
            Some(now - chrono::Duration::seconds(1)),
        );
        pages.keep(
            &one,
            2,
            "later".into(),
            Some(now + chrono::Duration::hours(1)),
        );
        pages.keep(&one, 3, "always".into(), None);
        assert_eq!(pages.get(&one, &1), None, "its time has passed");
        assert_eq!(pages.get(&one, &2).unwrap(), "later");
        assert_eq!(pages.get(&one, &3).unwrap(), "always");
        // Read again, the page replaces the one whose time had passed.
        pages.keep(
            &one,
            1,
            "again".into(),
            Some(now + chrono::Duration::hours(1)),
        );
        assert_eq!(pages.get(&one, &1).unwrap(), "again");
    }

    /// The projections at one stamp, now, and the first page of `list`.
    fn stamped_query(limit: i64) -> (StampedAt, ListQuery) {
        let stamp = store::status::ChangeStamp {
            events: 1,
            attempts: 0,
            collections: 0,
        };
        let at = std::time::Instant::now();
        let query = ListQuery {
            of: None,
            after: None,
            limit,
        };
        (StampedAt { stamp, at }, query)
    }

    #[tokio::test]
    async fn many_readers_of_a_page_that_is_not_kept_read_it_once() {
        let lists = KeptLists::default();
        let (version, query) = stamped_query(1000);
        let reads = std::sync::atomic::AtomicUsize::new(0);
        let readers = (0..32).map(|_| {
            lists.get_or_read(version.clone(), query.clone(), no_clock, async {
                reads.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                Ok(vec![1, 2, 3])
            })
        });
        let bodies = futures::future::try_join_all(readers).await.unwrap();
        assert_eq!(reads.load(std::sync::atomic::Ordering::SeqCst), 1);
        assert!(bodies.iter().all(|b| b == "[1,2,3]"), "{bodies:?}");
        // Another query is read.
        let other = ListQuery { limit: 1, ..query };
        let body = lists
            .get_or_read(version, other, no_clock, async { Ok(vec![9]) })
            .await
            .unwrap();
        assert_eq!(body, "[9]");
    }

    #[tokio::test]
    async fn a_page_whose_time_has_passed_is_read_again() {
        let lists = KeptLists::default();
        let (version, query) = stamped_query(100);
        let reads = std::sync::atomic::AtomicUsize::new(0);
        let read = |n: i64| {
            let reads = &reads;
            async move {
                reads.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                Ok(vec![n])
            }
        };
        let past = |_: &Vec<i64>| Some(chrono::Utc::now() - chrono::Duration::seconds(1));
        let later = |_: &Vec<i64>| Some(chrono::Utc::now() + chrono::Duration::hours(1));
        let first = lists.get_or_read(version.clone(), query.clone(), past, read(1));
        assert_eq!(first.await.unwrap(), "[1]");
        let second = lists.get_or_read(version.clone(), query.clone(), later, read(2));
        assert_eq!(
            second.await.unwrap(),
            "[2]",
            "the first page's time had passed"
        );
        let third = lists.get_or_read(version, query, later, read(3));
        assert_eq!(third.await.unwrap(), "[2]", "kept until its time");
        assert_eq!(reads.load(std::sync::atomic::Ordering::SeqCst), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn a_reader_waits_for_another_reader_a_second_at_most() {
        let lists = KeptLists::default();
        let (version, query) = stamped_query(20);
        // The first reader's read hangs (a database that does not answer) for a minute.
        let stuck = lists.get_or_read(version.clone(), query.clone(), no_clock, async {
            tokio::time::sleep(std::time::Duration::from_secs(60)).await;
            Err::<Vec<i64>, _>(Problem::internal(&"timed out"))
        });
        let second = async {
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            let started = tokio::time::Instant::now();
            let body = lists
                .get_or_read(version.clone(), query.clone(), no_clock, async {
                    Ok(vec![2])
                })
                .await;
            (body, started.elapsed())
        };
        tokio::select! {
            _ = stuck => panic!("the hung read ended first"),
            (body, waited) = second => {
                assert_eq!(body.unwrap(), "[2]");
                assert_eq!(waited, READ_WAIT, "on the paused clock: exactly the bound");
            }
        }
    }

    #[test]
    fn limits_outside_one_to_a_thousand_are_refused() {
        assert_eq!(limit(None).unwrap(), MAX_PAGE);
        assert_eq!(limit(Some(1)).unwrap(), 1);
        for bad in [0, -1, MAX_PAGE + 1] {
            assert_eq!(limit(Some(bad)).unwrap_err().status, 400);
        }
    }
}
