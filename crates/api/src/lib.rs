//! The REST API of dist-btrfs, served by poem with an OpenAPI document generated
//! by poem-openapi.
//!
//! Every endpoint lives under `/api/v1`; errors are JSON problem bodies
//! ([`problem::Problem`]); the spec is served at `/api/v1/openapi.json` and a
//! browsable UI at `/api/docs`. Handlers translate HTTP to store/engine calls and
//! back; they hold no business rules of their own (those live in `domain`) and do
//! no btrfs or SSH work directly.

pub mod assets;
pub mod auth;
mod engine_error;
mod events;
pub mod hardening;
mod health;
mod hooks;
mod instance;
mod live;
pub mod metrics;
mod notifications;
pub mod observe;
mod openapi_serde;
mod page;
mod policies;
pub mod problem;
mod rate;
mod replication;
mod replication_health;
pub mod respond;
mod restores;
mod servers;
mod snapshots;
pub mod spec;
mod status;
mod storage;
mod subvolumes;

use std::path::PathBuf;
use std::sync::Arc;

use engine::{Engine, HostRegistry};
use poem::web::Html;
use poem::{Endpoint, EndpointExt, Response, Route, handler};
use poem_openapi::OpenApiService;
use sqlx::PgPool;
use store::EventStore;
use store::vault::Vault;

/// What every handler can reach.
#[derive(Debug, Clone)]
pub struct AppState {
    pub pool: PgPool,
    pub events: EventStore,
    /// Login throttling (per process).
    pub limiter: Arc<auth::LoginLimiter>,
    /// The bound on concurrent password checks of logins (the process's own gate).
    pub hash_gate: &'static engine::accounts::hashing::HashGate,
    /// Host-key probes per admin (so the probe is no port scanner).
    pub probe_limit: Arc<rate::SlidingWindow<uuid::Uuid>>,
    /// A failed probe is answered no sooner than this after it started, so the time
    /// it takes does not tell a closed port from a filtered one.
    pub probe_failure_floor: std::time::Duration,
    /// Reverse proxies whose `X-Forwarded-For` is believed (`serve --trusted-proxy`).
    pub trusted_proxies: Arc<Vec<ipnet::IpNet>>,
    /// Mark cookies `Secure` and send HSTS (set when serving over TLS).
    pub secure_cookies: bool,
    /// The largest request body accepted (`serve --max-body-bytes`).
    pub max_body_bytes: usize,
    /// Request metrics for `/metrics`.
    pub metrics: Arc<metrics::RequestMetrics>,
    /// The operations on servers (btrfs work + events).
    pub engine: Engine,
    /// The credential vault (the same instance the SSH connector reads); `None` in
    /// processes without one: registering or changing SSH servers answers 503.
    pub vault: Option<Arc<Vault>>,
    /// This process's live event feed (one Postgres listener, shared by clones).
    pub live: Arc<store::live::LiveFeed>,
    /// Where requested replications and restores go: the job runner (`serve` sets it: a
    /// durable, retried `ReplicateJob` / `RestoreJob`); `None` (tests without a runner):
    /// a task of this process.
    pub job_queue: Option<Arc<dyn JobQueue>>,
    /// A filesystem at or above this usage (percent) is a problem of the fleet status
    /// (`serve --usage-warning-percent`).
    pub usage_warning_percent: u8,
    /// Notification channels and rules (set with the vault, which keeps their secrets);
    /// `None`: the notification operations answer 503.
    pub notifier: Option<engine::notify::Notifier>,
    /// `GET /status`'s last answer, the fleet health and every server's storage, reused
    /// while nothing changed (shared by clones), with their items' texts as the API writes
    /// them.
    pub status_cache: Arc<engine::status::StatusCache>,
    /// The health pages last written from the kept fleet health, by query.
    pub health_pages:
        Arc<page::KeptPages<Arc<engine::status::FleetHealth>, replication_health::HealthQuery>>,
    /// The pages of the large lists last read (replications, targets, policies), by
    /// query, kept while no event commits, 5 s at most ([`page::read_kept`]).
    pub list_pages: Arc<page::ListPages>,
}

/// Host-key probes one admin may make per minute.
pub const PROBES_PER_MINUTE: usize = 10;

/// Hands requested work to the job runner.
pub trait JobQueue: Send + Sync + std::fmt::Debug {
    fn enqueue_replication<'a>(
        &'a self,
        run: &'a store::projections::ReplicationView,
    ) -> futures::future::BoxFuture<'a, Result<(), String>>;

    fn enqueue_restore<'a>(
        &'a self,
        restore: &'a store::projections::RestoreView,
    ) -> futures::future::BoxFuture<'a, Result<(), String>>;

    fn enqueue_notification(
        &self,
        delivery: domain::DeliveryId,
    ) -> futures::future::BoxFuture<'_, Result<(), String>>;
}

impl AppState {
    /// State without any host: every server is unreachable until
    /// [`AppState::with_hosts`] provides them.
    pub fn new(pool: PgPool) -> Self {
        Self::with_hosts(pool, Arc::new(HostRegistry::new()))
    }

    /// State whose engine reaches servers through `hosts`.
    pub fn with_hosts(pool: PgPool, hosts: Arc<HostRegistry>) -> Self {
        let events = EventStore::new(pool.clone());
        Self {
            engine: Engine::new(events.clone(), hosts),
            events,
            pool,
            limiter: Arc::new(auth::LoginLimiter::default()),
            hash_gate: engine::accounts::hashing::HashGate::global(),
            trusted_proxies: Arc::new(Vec::new()),
            probe_limit: Arc::new(rate::SlidingWindow::new(
                std::time::Duration::from_secs(60),
                PROBES_PER_MINUTE,
            )),
            probe_failure_floor: engine::ssh_servers::CONNECT_TIMEOUT,
            secure_cookies: false,
            max_body_bytes: hardening::DEFAULT_MAX_BODY_BYTES,
            metrics: Arc::new(metrics::RequestMetrics::default()),
            vault: None,
            live: Arc::new(store::live::LiveFeed::default()),
            job_queue: None,
            usage_warning_percent: domain::status::DEFAULT_USAGE_WARNING_PERCENT,
            notifier: None,
            status_cache: Arc::new(engine::status::StatusCache::writing_items(
                engine::status::ItemWriters {
                    health: replication_health::health_text,
                    storage: storage::storage_text,
                },
            )),
            health_pages: Arc::default(),
            list_pages: Arc::default(),
        }
    }

    /// The same state with requested replications and restores going to `queue`.
    #[must_use]
    pub fn with_job_queue(mut self, queue: Arc<dyn JobQueue>) -> Self {
        self.job_queue = Some(queue);
        self
    }

    /// The same state with the credential vault.
    #[must_use]
    pub fn with_vault(mut self, vault: Arc<Vault>) -> Self {
        self.notifier = Some(engine::notify::Notifier::new(
            self.pool.clone(),
            vault.clone(),
            self.usage_warning_percent,
        ));
        self.vault = Some(vault);
        self
    }
}

type Apis = (
    health::HealthApi,
    auth::api::AuthApi,
    auth::api::UsersApi,
    auth::api::TokensApi,
    instance::InstanceApi,
    events::EventsApi,
    metrics::MetricsApi,
    servers::ServersApi,
    subvolumes::SubvolumesApi,
    snapshots::SnapshotsApi,
    policies::PoliciesApi,
    storage::StorageApi,
    live::LiveApi,
    replication::TargetsApi,
    replication::ReplicationsApi,
    (
        replication_health::ReplicationHealthApi,
        restores::RestoreApi,
        status::StatusApi,
        notifications::NotificationsApi,
        hooks::HooksApi,
    ),
);

fn service() -> OpenApiService<Apis, ()> {
    OpenApiService::new(
        (
            health::HealthApi,
            auth::api::AuthApi,
            auth::api::UsersApi,
            auth::api::TokensApi,
            instance::InstanceApi,
            events::EventsApi,
            metrics::MetricsApi,
            servers::ServersApi,
            subvolumes::SubvolumesApi,
            snapshots::SnapshotsApi,
            policies::PoliciesApi,
            storage::StorageApi,
            live::LiveApi,
            replication::TargetsApi,
            replication::ReplicationsApi,
            (
                replication_health::ReplicationHealthApi,
                restores::RestoreApi,
                status::StatusApi,
                notifications::NotificationsApi,
                hooks::HooksApi,
            ),
        ),
        "dist-btrfs",
        env!("CARGO_PKG_VERSION"),
    )
    .description(
        "Control plane for btrfs snapshots across a fleet: snapshots, schedules, \
         retention and replication over SSH.",
    )
    .server("/api/v1")
}

/// The OpenAPI document as pretty JSON (what `dist-btrfs openapi` prints and
/// `openapi/dist-btrfs.json` holds).
pub fn openapi_json() -> String {
    completed(&service().spec())
}

/// poem-openapi's document completed by [`spec::complete`] (as it is, should that fail).
fn completed(raw: &str) -> String {
    spec::complete(raw).unwrap_or_else(|_| raw.to_owned())
}

/// The whole HTTP application: API, spec, docs UI and the dashboard (the built
/// frontend in `frontend_dir`, when it holds an `index.html`), with JSON problem
/// bodies for every error (including poem's own 404s and request-parsing failures).
pub fn app(state: AppState, frontend_dir: Option<PathBuf>) -> impl Endpoint {
    let api = service();
    let raw = api.spec();
    let document = completed(&raw);
    // The docs page embeds the document: poem's page, with the completed one in it.
    let docs_page = api.swagger_ui_html().replacen(&raw, &document, 1);
    let routes_of_document = spec::Routes::from_document(&document);
    let routes = Route::new()
        .at(
            "/api/v1/openapi.json",
            poem::endpoint::make_sync(move |_| {
                Response::builder()
                    .content_type("application/json")
                    .body(document.clone())
            }),
        )
        .nest("/api/v1", api)
        .nest(
            "/api/docs",
            poem::endpoint::make_sync(move |_| Html(docs_page.clone())),
        );
    let dashboard = frontend_dir
        .filter(|dir| dir.join("index.html").is_file())
        .and_then(|dir| assets::Dashboard::new(&dir).ok());
    let routes = match dashboard {
        Some(dashboard) => routes.nest("/", dashboard),
        None => routes.at("/", no_dashboard),
    };
    let metrics = state.metrics.clone();
    let hardening = hardening::Hardening {
        max_body_bytes: state.max_body_bytes,
        tls: state.secure_cookies,
    };
    routes
        .data(state)
        .catch_all_error(problem::from_poem_error)
        .around(move |ep, req| spec::around(ep, req, routes_of_document.clone()))
        .around(move |ep, req| hardening::around(ep, req, hardening))
        .around(move |ep, req| observe::around(ep, req, metrics.clone()))
}

/// Shown at `/` when the dashboard has not been built.
#[handler]
fn no_dashboard() -> Html<&'static str> {
    Html(
        "<!doctype html><title>dist-btrfs</title><h1>dist-btrfs</h1>\
         <p>The dashboard is not built (run <code>ops/run</code>, or <code>npm run build</code> \
         in <code>frontend/</code>). The API is at <a href=\"/api/docs\">/api/docs</a>.</p>",
    )
}
