//! Reusing the fleet health and fleet status ([`StatusCache`]): `GET /replication/health`,
//! `GET /status` and `/metrics` read one kept computation while nothing it is computed
//! from changed and for at most [`STATUS_REUSE`], so many readers at once cost one
//! computation (hundreds of milliseconds at thousands of targets); `GET /storage`'s first
//! page reads every server's storage kept the same way. [`keep_warm`] computes the next
//! health and status before the kept ones turn old while someone reads them, so a reader
//! of a watched status waits only after an event.
//!
//! Not here: what the status is made of and its rules (the parent module).

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use store::projections;

use super::{FleetHealth, FleetStatus, fleet_status_with, health_order};
use crate::EngineError;
use store::storage;

/// How long a computed status (or fleet health) is reused while nothing it is computed
/// from changed. A purely time-driven change (a replication turning late, a snapshot
/// overdue) shows at most twice this late: while one reader computes the next value, the
/// others get the old one for up to another [`STATUS_REUSE`] (`Reused`).
pub const STATUS_REUSE: chrono::Duration = chrono::Duration::seconds(5);

/// A value computed from the catalog as of some time, kept with the
/// [`store::status::ChangeStamp`] read before it. Many readers at once compute it once:
/// the others wait for it and reuse it.
///
/// When only time made it old (no event, no storage collection since, and it is as of
/// less than twice [`STATUS_REUSE`] ago), one reader recomputes it and the others keep
/// getting the old value meanwhile, so a steady read load never queues behind the
/// recomputation; a purely time-driven change then shows at most 2 x [`STATUS_REUSE`]
/// late. After an event every reader waits for the new value: an event shows at once.
#[derive(Debug)]
struct Reused<T> {
    last: std::sync::Mutex<Option<Kept<T>>>,
    /// Held by the one reader computing a new value.
    computing: tokio::sync::Mutex<()>,
}

/// A kept value: the stamp read before it was computed, and the time it is as of.
type Kept<T> = (store::status::ChangeStamp, DateTime<Utc>, Arc<T>);

impl<T> Default for Reused<T> {
    fn default() -> Self {
        Self {
            last: std::sync::Mutex::new(None),
            computing: tokio::sync::Mutex::new(()),
        }
    }
}

/// Whether a kept value may be answered for `stamp` at `now`: `Fresh` within
/// [`STATUS_REUSE`], `Stale` when only time made it old, up to twice that.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Age {
    Fresh,
    Stale,
    Gone,
}

fn age<T>(
    kept: Option<&Kept<T>>,
    stamp: &store::status::ChangeStamp,
    now: DateTime<Utc>,
    fits: impl FnOnce(&T) -> bool,
) -> Age {
    match kept {
        Some((seen, at, value)) if seen == stamp && *at <= now && fits(value) => {
            if now - *at < STATUS_REUSE {
                Age::Fresh
            } else if now - *at < STATUS_REUSE * 2 {
                Age::Stale
            } else {
                Age::Gone
            }
        }
        _ => Age::Gone,
    }
}

impl<T> Reused<T> {
    fn kept(&self) -> Option<Kept<T>> {
        let last = self
            .last
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        last.as_ref()
            .map(|(stamp, at, value)| (*stamp, *at, Arc::clone(value)))
    }

    /// The kept value while no event was committed, no storage collection ran, it is as
    /// of less than [`STATUS_REUSE`] ago and `fits` it (or, while another reader computes
    /// the next one, up to twice that: type docs); otherwise `compute`'s (the value and the
    /// time it is as of), kept.
    async fn get<Fut>(
        &self,
        pool: &PgPool,
        fits: impl Fn(&T) -> bool,
        compute: impl FnOnce() -> Fut,
    ) -> Result<Arc<T>, EngineError>
    where
        Fut: Future<Output = Result<(DateTime<Utc>, T), EngineError>>,
    {
        self.get_with(pool, true, fits, compute).await
    }

    /// [`Reused::get`], or with `stale_ok` false a value within [`STATUS_REUSE`] only (a
    /// stale one is waited for, as when it is gone): for a value computed from this one,
    /// which is as of the same time and would otherwise be stale, or gone, from the start.
    async fn get_with<Fut>(
        &self,
        pool: &PgPool,
        stale_ok: bool,
        fits: impl Fn(&T) -> bool,
        compute: impl FnOnce() -> Fut,
    ) -> Result<Arc<T>, EngineError>
    where
        Fut: Future<Output = Result<(DateTime<Utc>, T), EngineError>>,
    {
        let stamp = store::status::change_stamp(pool).await?;
        let kept = self.kept();
        let computing = match (age(kept.as_ref(), &stamp, Utc::now(), &fits), kept) {
            (Age::Fresh, Some((_, _, value))) => return Ok(value),
            (Age::Stale, Some((_, _, value))) if stale_ok => match self.computing.try_lock() {
                Ok(computing) => computing,
                // Another reader is computing the next value: answer the old one meanwhile.
                Err(_) => return Ok(value),
            },
            _ => self.computing.lock().await,
        };
        // Another reader may have computed it while this one waited; the stamp is read
        // again, before the computation: what the value will be computed from at least.
        let stamp = store::status::change_stamp(pool).await?;
        let kept = self.kept();
        if let (Age::Fresh, Some((_, _, value))) =
            (age(kept.as_ref(), &stamp, Utc::now(), &fits), kept)
        {
            return Ok(value);
        }
        let value = self.keep(stamp, compute().await?);
        drop(computing);
        Ok(value)
    }

    /// Keeps `computed` (the time it is as of, the value) with `stamp`; the caller holds
    /// `computing`.
    fn keep(&self, stamp: store::status::ChangeStamp, computed: (DateTime<Utc>, T)) -> Arc<T> {
        let (at, value) = computed;
        let value = Arc::new(value);
        *self
            .last
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) =
            Some((stamp, at, Arc::clone(&value)));
        value
    }

    /// Computes a new value now, whatever the kept one's age, and keeps it with `stamp`
    /// (read before anything it is computed from); readers keep getting the kept one
    /// meanwhile (it is still fresh: [`keep_warm`] refreshes ahead).
    async fn refresh<Fut>(
        &self,
        stamp: store::status::ChangeStamp,
        compute: impl FnOnce() -> Fut,
    ) -> Result<Arc<T>, EngineError>
    where
        Fut: Future<Output = Result<(DateTime<Utc>, T), EngineError>>,
    {
        let computing = self.computing.lock().await;
        // A reader may have computed a value (after an event: with a newer stamp) while
        // this waited for the lock: that one is kept, not pushed out by an older stamp.
        if let Some((_, at, value)) = self.kept()
            && !due(Some(at), Utc::now())
        {
            return Ok(value);
        }
        let value = self.keep(stamp, compute().await?);
        drop(computing);
        Ok(value)
    }

    /// The time the kept value is as of, if any.
    fn kept_at(&self) -> Option<DateTime<Utc>> {
        self.kept().map(|(_, at, _)| at)
    }
}

/// The last fleet health and fleet status computed (`GET /replication/health`, `GET
/// /status` and `/metrics` read them, so they cannot disagree): each reused while
/// nothing it is computed from changed and for at most [`STATUS_REUSE`].
#[derive(Debug, Default)]
pub struct StatusCache {
    health: Reused<FleetHealth>,
    status: Reused<FleetStatus>,
    /// Every server's latest storage (`GET /storage`'s first page is cut from it).
    storage: Reused<FleetStorage>,
    /// When a reader last asked for either (Unix milliseconds; 0: never): [`keep_warm`]
    /// keeps them fresh while someone reads them.
    read_at: AtomicI64,
    /// How the kept lists' items are written for their readers, if at all.
    writers: Option<ItemWriters>,
}

/// How a reader of the kept lists (the API) writes one item as JSON. The items are written
/// as part of each computation, on a blocking thread, before the value is handed out: a
/// page is then a copy of its items' texts, and no reader of a new value waits for its
/// writing (at 6,000 targets the first reader of each new health waited 20-48 ms for it,
/// every request meanwhile).
#[derive(Debug, Clone, Copy)]
pub struct ItemWriters {
    pub health: fn(&projections::TargetHealth) -> String,
    pub storage: fn(&storage::ServerStorage) -> String,
}

/// Every server's latest storage figures, by name, as one reading ([`fleet_storage_cached`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FleetStorage {
    pub servers: Vec<storage::ServerStorage>,
    /// Each server's text by [`ItemWriters::storage`], in the same order; empty without
    /// writers.
    pub item_texts: Vec<String>,
}

/// `items` and each one's text by `write` (none without `write`), written on a blocking
/// thread.
async fn written<T: Send + 'static>(
    items: Vec<T>,
    write: Option<fn(&T) -> String>,
) -> Result<(Vec<T>, Vec<String>), EngineError> {
    let Some(write) = write else {
        return Ok((items, Vec::new()));
    };
    tokio::task::spawn_blocking(move || {
        let texts = items.iter().map(write).collect();
        (items, texts)
    })
    .await
    .map_err(|e| EngineError::Inconsistent(format!("writing a kept list failed: {e}")))
}

impl StatusCache {
    /// A cache whose health and storage items are written by `writers` as they are
    /// computed ([`ItemWriters`]).
    pub fn writing_items(writers: ItemWriters) -> Self {
        Self {
            writers: Some(writers),
            ..Self::default()
        }
    }

    fn note_read(&self) {
        self.read_at
            .fetch_max(Utc::now().timestamp_millis(), Ordering::Relaxed);
    }

    /// Whether a reader asked for the health or the status less than `within` before `now`.
    fn read_within(&self, now: DateTime<Utc>, within: chrono::Duration) -> bool {
        let at = self.read_at.load(Ordering::Relaxed);
        at > 0 && now.timestamp_millis() - at < within.num_milliseconds()
    }
}

/// The replication health of every (subvolume, target), reused from `cache` like the
/// status ([`StatusCache`]); otherwise read as of now (once, however many ask at the same
/// time) and kept.
pub async fn fleet_health_cached(
    pool: &PgPool,
    cache: &StatusCache,
) -> Result<Arc<FleetHealth>, EngineError> {
    cache.note_read();
    fleet_health_reused(pool, cache, true).await
}

/// Every server's latest storage figures, by name ([`storage::latest`]), reused from
/// `cache` like the health ([`StatusCache`]: a collection, a renamed or removed server
/// shows at once, and otherwise it is at most [`STATUS_REUSE`] old, twice that while
/// another reader reads it again); otherwise read (once, however many ask at the same
/// time). The status is computed from this reading too.
pub async fn fleet_storage_cached(
    pool: &PgPool,
    cache: &StatusCache,
) -> Result<Arc<FleetStorage>, EngineError> {
    cache
        .storage
        .get(
            pool,
            |_| true,
            || async {
                let now = Utc::now();
                let servers = storage::latest(pool).await?;
                let (servers, item_texts) =
                    written(servers, cache.writers.map(|w| w.storage)).await?;
                Ok((
                    now,
                    FleetStorage {
                        servers,
                        item_texts,
                    },
                ))
            },
        )
        .await
}

/// The fleet health as of now, read (one query over the projections, sorted for pages),
/// its items written by `cache`'s writer.
async fn health_now(
    pool: &PgPool,
    cache: &StatusCache,
) -> Result<(DateTime<Utc>, FleetHealth), EngineError> {
    let now = Utc::now();
    let mut items = projections::replication_health(pool, None, now).await?;
    items.sort_by(|a, b| health_order(&a.cursor).cmp(&health_order(&b.cursor)));
    let (items, item_texts) = written(items, cache.writers.map(|w| w.health)).await?;
    Ok((
        now,
        FleetHealth {
            as_of: now,
            items,
            item_texts,
        },
    ))
}

/// The fleet status as of `health`'s time, with the servers' storage `GET /storage`
/// reads (the change stamp covers all of it, so a kept reading is the same rows).
async fn status_as_of(
    pool: &PgPool,
    usage_warning_percent: u8,
    health: &FleetHealth,
    cache: &StatusCache,
) -> Result<(DateTime<Utc>, FleetStatus), EngineError> {
    let servers = fleet_storage_cached(pool, cache).await?;
    let status = fleet_status_with(
        pool,
        health.as_of,
        usage_warning_percent,
        &health.items,
        &servers.servers,
    )
    .await?;
    Ok((health.as_of, status))
}

/// [`fleet_health_cached`]; with `stale_ok` false, never a value older than
/// [`STATUS_REUSE`] (`Reused::get_with`).
async fn fleet_health_reused(
    pool: &PgPool,
    cache: &StatusCache,
    stale_ok: bool,
) -> Result<Arc<FleetHealth>, EngineError> {
    cache
        .health
        .get_with(pool, stale_ok, |_| true, || health_now(pool, cache))
        .await
}

/// [`fleet_status`](super::fleet_status) as of the fleet health [`fleet_health_cached`]
/// gives, reused from `cache` while no event was committed, no storage collection ran
/// and it is younger than [`STATUS_REUSE`]; otherwise computed (once, however many ask at
/// the same time) and kept.
pub async fn fleet_status_cached(
    pool: &PgPool,
    usage_warning_percent: u8,
    cache: &StatusCache,
) -> Result<FleetStatus, EngineError> {
    cache.note_read();
    let status = cache
        .status
        .get(
            pool,
            |s| s.usage_warning_percent == usage_warning_percent,
            || async {
                // The status is as of its health: a stale one would make it stale (and
                // soon gone, every reader waiting) from the start.
                let health = fleet_health_reused(pool, cache, false).await?;
                status_as_of(pool, usage_warning_percent, &health, cache).await
            },
        )
        .await?;
    Ok(FleetStatus::clone(&status))
}

/// How long after the last read [`keep_warm`] goes on computing (a dashboard polls the
/// status every few seconds; nobody reading costs nothing).
pub const WARM_AFTER_READ: chrono::Duration = chrono::Duration::seconds(60);

/// How long before the kept status turns old [`keep_warm`] computes the next one: more
/// than a computation takes at thousands of targets (a few hundred milliseconds).
const WARM_AHEAD: chrono::Duration = chrono::Duration::milliseconds(1500);

/// How often [`keep_warm`] looks at the kept values' age.
const WARM_CHECK: std::time::Duration = std::time::Duration::from_millis(250);

/// Whether the kept value, as of `kept_at`, is due for [`keep_warm`]'s refresh at `now`.
fn due(kept_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    kept_at.is_none_or(|at| now - at >= STATUS_REUSE - WARM_AHEAD)
}

/// Computes the fleet health and status again shortly before the kept ones turn old
/// (serve runs this), for as long as a reader asked for either in the last
/// [`WARM_AFTER_READ`]: the readers of a watched status get a fresh one without waiting
/// for its computation, and without it the first reader after each [`STATUS_REUSE`]
/// waited (hundreds of milliseconds at thousands of targets). After an event every reader
/// still waits for the next value, as [`Reused`] says. Runs until aborted. A computation
/// starts at least `STATUS_REUSE - WARM_AHEAD` after the last one ended, so one that takes
/// longer than that, or fails (logged), is not followed by another at once.
pub async fn keep_warm(pool: PgPool, usage_warning_percent: u8, cache: Arc<StatusCache>) {
    let mut ticker = tokio::time::interval(WARM_CHECK);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last_ended: Option<DateTime<Utc>> = None;
    loop {
        ticker.tick().await;
        let now = Utc::now();
        if !cache.read_within(now, WARM_AFTER_READ) || !due(last_ended, now) {
            continue;
        }
        if !due(cache.health.kept_at(), now) && !due(cache.status.kept_at(), now) {
            continue;
        }
        if let Err(e) = refresh(&pool, usage_warning_percent, &cache).await {
            tracing::warn!(error = %e, "could not compute the fleet status ahead of its readers");
        }
        last_ended = Some(Utc::now());
    }
}

/// Computes the fleet health and the status as of it now, and keeps both.
async fn refresh(
    pool: &PgPool,
    usage_warning_percent: u8,
    cache: &StatusCache,
) -> Result<(), EngineError> {
    // One stamp for both: the status is computed from this health.
    let stamp = store::status::change_stamp(pool).await?;
    let health = cache
        .health
        .refresh(stamp, || health_now(pool, cache))
        .await?;
    cache
        .status
        .refresh(stamp, || {
            status_as_of(pool, usage_warning_percent, &health, cache)
        })
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    //! [`Reused`] against a real Postgres (its change stamp): a value only time made old
    //! is answered while one reader computes the next; after an event nobody gets it.
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    fn computed(n: usize) -> Result<(DateTime<Utc>, usize), EngineError> {
        Ok((Utc::now(), n))
    }

    #[sqlx::test(migrations = false)]
    async fn an_old_value_is_answered_while_one_reader_computes_the_next(pool: PgPool) {
        store::db::migrate(&pool).await.unwrap();
        let reused = Reused::<usize>::default();
        let first = reused.get(&pool, |_| true, || async { computed(1) }).await;
        assert_eq!(*first.unwrap(), 1);
        // Within the reuse time nothing is computed.
        let again = reused.get(&pool, |_| true, || async { computed(99) }).await;
        assert_eq!(*again.unwrap(), 1);

        // Only time makes it old: make it as of 6 s ago.
        {
            let mut last = reused.last.lock().unwrap();
            let (stamp, _, value) = last.take().unwrap();
            *last = Some((stamp, Utc::now() - chrono::Duration::seconds(6), value));
        }
        // One reader computes (and is held there); 20 others at once get the old value
        // without waiting for it.
        let (release, held) = tokio::sync::oneshot::channel::<()>();
        let computations = AtomicUsize::new(0);
        let slow = reused.get(
            &pool,
            |_| true,
            || async {
                computations.fetch_add(1, Ordering::SeqCst);
                held.await.ok();
                computed(2)
            },
        );
        let others = async {
            // Wait until the slow reader holds the computing lock (it is computing).
            while computations.load(Ordering::SeqCst) == 0 {
                tokio::task::yield_now().await;
            }
            let mut answers = Vec::new();
            for _ in 0..20 {
                let got = reused
                    .get(
                        &pool,
                        |_| true,
                        || async {
                            computations.fetch_add(1, Ordering::SeqCst);
                            computed(3)
                        },
                    )
                    .await;
                answers.push(*got.unwrap());
            }
            release.send(()).ok();
            answers
        };
        // Readers that waited for the computation would never let it finish: a hang, cut.
        let (slow, answers) = tokio::time::timeout(std::time::Duration::from_secs(30), async {
            tokio::join!(slow, others)
        })
        .await
        .expect("the readers did not wait for the computation");
        assert_eq!(answers, vec![1; 20], "the old value, not a wait");
        assert_eq!(*slow.unwrap(), 2);
        assert_eq!(computations.load(Ordering::SeqCst), 1, "computed once");

        // An event (here: a storage collection's stamp moving) makes the kept value gone
        // at once, even within the reuse time: every reader gets a new one.
        sqlx::query(
            "INSERT INTO proj_event_counts (event_type, events) VALUES ('Test', 1)
             ON CONFLICT (event_type) DO UPDATE SET events = proj_event_counts.events + 1",
        )
        .execute(&pool)
        .await
        .unwrap();
        let after_event = reused.get(&pool, |_| true, || async { computed(4) }).await;
        assert_eq!(*after_event.unwrap(), 4);

        // A stale value is not answered to a reader that wants a fresh one (the status
        // computing itself from the health): it computes.
        {
            let mut last = reused.last.lock().unwrap();
            let (stamp, _, value) = last.take().unwrap();
            *last = Some((stamp, Utc::now() - chrono::Duration::seconds(6), value));
        }
        let fresh = reused
            .get_with(&pool, false, |_| true, || async { computed(5) })
            .await;
        assert_eq!(*fresh.unwrap(), 5);
    }

    /// Makes the kept health and status as of `age` ago.
    fn age_kept(cache: &StatusCache, age: chrono::Duration) {
        fn back<T>(reused: &Reused<T>, age: chrono::Duration) {
            let mut last = reused.last.lock().unwrap();
            let (stamp, _, value) = last.take().unwrap();
            *last = Some((stamp, Utc::now() - age, value));
        }
        back(&cache.health, age);
        back(&cache.status, age);
    }

    #[sqlx::test(migrations = false)]
    async fn a_read_status_is_computed_again_before_it_turns_old_an_unread_one_is_not(
        pool: PgPool,
    ) {
        store::db::migrate(&pool).await.unwrap();
        let cache = Arc::new(StatusCache::default());
        fleet_status_cached(&pool, 85, &cache).await.unwrap();
        let old = chrono::Duration::seconds(4);
        age_kept(&cache, old);
        let before = cache.status.kept_at().unwrap();
        let warm = tokio::spawn(keep_warm(pool.clone(), 85, Arc::clone(&cache)));
        // Read 4 s before its reuse time ends: due for computing again now.
        let mut waited = 0;
        while cache.status.kept_at() == Some(before) {
            waited += 1;
            assert!(waited < 600, "the status was never computed again");
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        let (health_at, status_at) = (cache.health.kept_at(), cache.status.kept_at());
        assert!(status_at > Some(before));
        assert_eq!(
            health_at, status_at,
            "the status is as of the health computed with it"
        );
        // A reader now gets it as it is (fresh), without computing.
        let read = cache
            .status
            .get(&pool, |_| true, || async { panic!("computed by a reader") })
            .await
            .unwrap();
        assert_eq!(Some(read.checked_at), status_at);

        // Nobody read it within WARM_AFTER_READ: it is left to turn old.
        cache.read_at.store(
            (Utc::now() - WARM_AFTER_READ).timestamp_millis(),
            Ordering::Relaxed,
        );
        age_kept(&cache, old);
        let unread = cache.status.kept_at();
        tokio::time::sleep(WARM_CHECK * 4).await;
        assert_eq!(cache.status.kept_at(), unread);
        warm.abort();
    }

    #[test]
    fn due_within_warm_ahead_of_the_reuse_time() {
        let now = Utc::now();
        assert!(due(None, now));
        assert!(!due(Some(now - chrono::Duration::seconds(3)), now));
        assert!(due(Some(now - (STATUS_REUSE - WARM_AHEAD)), now));
        assert!(due(Some(now - chrono::Duration::seconds(60)), now));
    }
}
