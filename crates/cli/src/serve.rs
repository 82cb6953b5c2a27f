//! `dist-btrfs serve`: open the database, migrate, initialise the installation on
//! first start, register the local primary (`--primary-roots`), serve HTTP (on a runtime
//! of its own, [`default_api_threads`]) and run the job workers and the scheduler
//! (`crate::jobs`, which also runs the periodic inventory sync) until SIGINT/SIGTERM, then
//! shut down in order (HTTP drains, the workers finish their running jobs, pool closes,
//! the private Postgres stops).

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use domain::event::InstanceInitialized;
use domain::{Actor, DomainEvent, StreamId};
use engine::accounts::Bootstrap;
use poem::listener::{
    Acceptor, AcceptorExt, Listener, RustlsCertificate, RustlsConfig, TcpListener,
};
use store::{AppendMeta, EventStore, ExpectedVersion, StoreError};
use tokio::signal::unix::{SignalKind, signal};

use crate::DatabaseArgs;
use crate::database;

const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// The shortest stall timeout serve sets from the keepalive settings.
const MIN_STALL_TIMEOUT: Duration = Duration::from_secs(10);
/// The repository's `frontend/dist` when this binary was built from a checkout
/// that has it, else the packaged location.
pub fn default_frontend_dir() -> PathBuf {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../frontend/dist");
    if repo.join("index.html").is_file() {
        repo
    } else {
        PathBuf::from("/usr/share/dist-btrfs/frontend")
    }
}

/// What `serve` was asked to do (besides where the database is).
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub listen: String,
    pub frontend_dir: PathBuf,
    /// PEM certificate chain and private key; HTTPS (and `Secure` cookies) when set.
    pub tls: Option<(PathBuf, PathBuf)>,
    /// The vault's master key file.
    pub master_key_file: PathBuf,
    /// A second, unauthenticated listener serving only `/metrics`.
    pub metrics_listen: Option<String>,
    /// Reverse proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// The request body limit.
    pub max_body_bytes: usize,
    /// The local primary, first admin, demo fleet, storage and job settings.
    pub settings: crate::settings::ServeSettings,
    /// Worker threads of the API's runtime ([`default_api_threads`]).
    pub api_threads: usize,
}

/// The API runtime's threads unless `serve --api-threads` says otherwise: one per CPU.
///
/// HTTP runs on a runtime of its own, not on the jobs' (whose one fewer worker than the
/// CPUs suits a transfer, `default_worker_threads` in `main`): with one worker on a 2-core
/// box, reads of hundreds of kilobytes at 32 clients were bound by that one thread while
/// the machine was 23-31 % idle. Measured on the 5M-event catalog, serve alone, wrk at 32
/// clients, one worker then two (2026-12-07): replications pages of 100 645 then 928 req/s,
/// the whole-fleet health 1,576 then 2,125, events about a subvolume 1,387 then 1,886.
/// Separate runtimes also keep a burst of reads from queueing on the thread a transfer's
/// tasks run on. The API's threads sleep while nobody asks.
pub fn default_api_threads() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
}

pub async fn run(options: &ServeOptions, db: &DatabaseArgs) -> anyhow::Result<()> {
    // Register signal handlers first, so a signal during start-up still shuts down cleanly.
    let mut sigterm = signal(SignalKind::terminate()).context("installing SIGTERM handler")?;
    let mut sigint = signal(SignalKind::interrupt()).context("installing SIGINT handler")?;

    let database = database::open_exclusive(db).await?;
    let result = serve_on(options, &database, async move {
        tokio::select! {
            _ = sigterm.recv() => tracing::info!("SIGTERM received, shutting down"),
            _ = sigint.recv() => tracing::info!("SIGINT received, shutting down"),
        }
    })
    .await;
    let closed = database.close().await;
    result.and(closed)
}

async fn serve_on(
    options: &ServeOptions,
    database: &database::Database,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    store::db::migrate(database.pool()).await?;
    let vault = store::vault::open_vault(database.pool().clone(), &options.master_key_file).await?;
    tracing::info!(key_id = vault.key_id(), "credential vault ready");
    // One vault for the whole process: the SSH connector reads credentials from it and
    // the API writes them through it.
    let vault = std::sync::Arc::new(vault);
    let events = EventStore::new(database.pool().clone());
    let instance = ensure_instance(&events).await?;
    tracing::info!(
        %instance,
        worker_threads = tokio::runtime::Handle::current().metrics().num_workers(),
        "installation ready"
    );
    let settings = &options.settings;
    match engine::accounts::bootstrap_admin(&events, settings.admin_password.as_deref()).await? {
        Bootstrap::Generated(password) => {
            announce(&format!(
                "dist-btrfs: first start: admin login: admin / {password}"
            ));
            announce(
                "dist-btrfs: (shown once; `dist-btrfs users reset-password admin` sets a new one)",
            );
        }
        Bootstrap::FromEnvironment => {
            announce(
                "dist-btrfs: first start: admin login: admin / (the DIST_BTRFS_ADMIN_PASSWORD you set)",
            );
        }
        Bootstrap::AlreadyHadUsers => {}
    }
    let roots = engine::local_primary::parse_root_list(&settings.primary_roots)
        .context("--primary-roots (DIST_BTRFS_PRIMARY_ROOTS) is invalid")?;
    match engine::local_primary::ensure_local_primary(&events, &roots, &engine::system_meta())
        .await?
    {
        Some(server) => tracing::info!(%server, ?roots, "local primary registered"),
        None => tracing::info!("no primary roots set: no local primary"),
    }
    let hosts = std::sync::Arc::new(
        engine::HostRegistry::new()
            .with_local(std::sync::Arc::new(btrfs::LocalHost::new()))
            .with_connector(std::sync::Arc::new(
                engine::ssh_servers::VaultConnector::new(vault.clone())
                    .keepalive(
                        crate::settings::interval_or_off(settings.ssh_keepalive_secs),
                        settings.ssh_keepalive_max,
                    )
                    // On the jobs' runtime, whichever (an API request, a job) connects first.
                    .sessions_on(tokio::runtime::Handle::current()),
            )),
    );
    let mut state =
        api::AppState::with_hosts(database.pool().clone(), hosts).with_vault(vault.clone());
    state.usage_warning_percent = settings.usage_warning_percent;
    let mut engine = state
        .engine
        .clone()
        .with_resumable_sends(
            (settings.resumable_send_min_bytes > 0).then_some(settings.resumable_send_min_bytes),
        )
        .with_fanout_buffer(settings.fanout_buffer_bytes)
        .with_hooks_dir(settings.hooks_dir.clone());
    // A link gone dark while a write waits blocks the SSH keepalive: the fan-out's stall
    // timeout is what fails it, after the same time the keepalive would.
    if let Some(k) = crate::settings::interval_or_off(settings.ssh_keepalive_secs) {
        let max = u32::try_from(settings.ssh_keepalive_max).unwrap_or(u32::MAX);
        let stall = k.checked_mul(max).unwrap_or(engine::fanout::STALL_TIMEOUT);
        engine = engine.with_stall_timeout(stall.max(MIN_STALL_TIMEOUT));
    }
    state.engine = engine;
    if let Some(file) = &settings.demo_fleet {
        let fleet = crate::demo::read(file)?;
        if crate::demo::seed(&state.engine, &vault, &fleet).await? {
            announce("dist-btrfs: demo fleet registered (lab remotes, subvolumes, policy)");
        }
    }
    let jobs_config = settings.jobs.config();
    let storage_task = spawn_periodic_storage(
        state.engine.clone(),
        crate::settings::interval_or_off(settings.storage_interval_secs),
    );
    // Replications and restores run as jobs; those left queued or running without one
    // (requested before a crash) get theirs now (a dead worker's running job apalis
    // re-enqueues).
    state = state.with_job_queue(std::sync::Arc::new(crate::jobs::JobsQueue {
        pool: database.pool().clone(),
        max_attempts: jobs_config.max_attempts,
    }));
    match jobs::queue::enqueue_unfinished_replications(database.pool(), jobs_config.max_attempts)
        .await
    {
        Ok(n) if n > 0 => tracing::info!(count = n, "enqueued unfinished replications"),
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "could not enqueue unfinished replications"),
    }
    match jobs::queue::enqueue_unfinished_restores(database.pool(), jobs_config.max_attempts).await
    {
        Ok(n) if n > 0 => tracing::info!(count = n, "enqueued unfinished restores"),
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "could not enqueue unfinished restores"),
    }
    match jobs::notify::enqueue_queued_deliveries(database.pool(), jobs_config.max_attempts).await {
        Ok(n) if n > 0 => tracing::info!(count = n, "enqueued queued notifications"),
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "could not enqueue queued notifications"),
    }

    // The listener's socket and every connection belong to the API's runtime: they are
    // made and polled there.
    let api_runtime = ApiRuntime::start(options.api_threads)?;
    let (acceptor, scheme) = api_runtime
        .run(bind(options.listen.clone(), options.tls.clone()))
        .await??;
    for addr in acceptor.local_addr() {
        if let Some(addr) = addr.as_socket_addr() {
            announce(&format!("dist-btrfs: listening on {scheme}://{addr}"));
        }
    }
    let frontend_dir = &options.frontend_dir;
    if frontend_dir.join("index.html").is_file() {
        tracing::info!(dir = %frontend_dir.display(), "serving the dashboard");
    } else {
        tracing::warn!(dir = %frontend_dir.display(), "no built dashboard there; serving the API only");
    }
    state.secure_cookies = options.tls.is_some();
    state.trusted_proxies = std::sync::Arc::new(options.trusted_proxies.clone());
    state.max_body_bytes = options.max_body_bytes;

    // One shutdown signal for every listener.
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        shutdown.await;
        let _ = stop_tx.send(true);
    });
    let stopped = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|stop| *stop).await;
    };
    // The workers stop after HTTP has drained (or failed), by their own signal.
    let (jobs_stop, jobs_stop_rx) = tokio::sync::watch::channel(false);
    // The workers and the scheduler have a pool of their own: a burst of API reads cannot
    // keep them from polling and heartbeating, nor they the API from answering.
    let worker_pool = database
        .another_pool(crate::database::WORKER_POOL_SIZE)
        .await?;
    let notifier = engine::notify::Notifier::new(
        worker_pool.clone(),
        vault.clone(),
        settings.usage_warning_percent,
    );
    let jobs = crate::jobs::start(
        state.engine.clone().with_pool(worker_pool.clone()),
        worker_pool,
        jobs_config,
        notifier,
        crate::settings::interval_or_off(settings.alert_interval_secs),
        jobs_stop_rx,
    );
    let metrics_server = match &options.metrics_listen {
        Some(addr) => Some(metrics_listener(addr, state.clone(), stopped(stop_rx.clone())).await?),
        None => None,
    };
    // While someone reads the fleet status, the next one is computed before the kept one
    // turns old, so its readers do not wait for the computation; for as long as HTTP runs.
    let keep_warm = tokio::spawn(engine::status::keep_warm(
        state.pool.clone(),
        state.usage_warning_percent,
        state.status_cache.clone(),
    ));
    let app = api::app(state, Some(frontend_dir.to_path_buf()));
    let served = api_runtime
        .run(
            poem::Server::new_with_acceptor(acceptor).run_with_graceful_shutdown(
                app,
                stopped(stop_rx),
                Some(DRAIN_TIMEOUT),
            ),
        )
        .await
        .and_then(|served| served.context("HTTP server failed"));
    api_runtime.stop().await;
    keep_warm.abort();
    // HTTP has drained: stop the scheduler and wait for the workers' running jobs.
    let _ = jobs_stop.send(true);
    jobs.await.context("job workers task failed")??;
    if let Some(task) = storage_task {
        task.abort();
    }
    if let Some(server) = metrics_server {
        server.await.context("metrics listener task failed")??;
    }
    served
}

/// The HTTP API's own async runtime ([`default_api_threads`]). Dropped without
/// [`ApiRuntime::stop`] (serve failed to start), its tasks are dropped without waiting.
struct ApiRuntime(Option<tokio::runtime::Runtime>);

impl Drop for ApiRuntime {
    fn drop(&mut self) {
        if let Some(runtime) = self.0.take() {
            runtime.shutdown_background();
        }
    }
}

impl ApiRuntime {
    fn start(threads: usize) -> anyhow::Result<Self> {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads.max(1))
            .thread_name("api-worker")
            .enable_all()
            .build()
            .map(|runtime| Self(Some(runtime)))
            .context("cannot start the API's async runtime")
    }

    /// `task`'s outcome, run on the API's runtime.
    async fn run<T: Send + 'static>(
        &self,
        task: impl std::future::Future<Output = T> + Send + 'static,
    ) -> anyhow::Result<T> {
        let runtime = self.0.as_ref().context("the API's runtime has stopped")?;
        runtime
            .spawn(task)
            .await
            .context("the API's runtime lost a task")
    }

    /// Ends what is left on it (HTTP has drained) off the caller's runtime: a runtime
    /// cannot be dropped inside another's task.
    async fn stop(mut self) {
        if let Some(runtime) = self.0.take() {
            let _ =
                tokio::task::spawn_blocking(move || runtime.shutdown_timeout(DRAIN_TIMEOUT)).await;
        }
    }
}

/// The API's listener on `listen`, with TLS when `tls` names a certificate and key.
async fn bind(
    listen: String,
    tls: Option<(PathBuf, PathBuf)>,
) -> anyhow::Result<(poem::listener::BoxAcceptor, &'static str)> {
    let listener = TcpListener::bind(listen.clone());
    Ok(match tls {
        Some((cert, key)) => {
            let cert =
                std::fs::read(&cert).with_context(|| format!("reading {}", cert.display()))?;
            let key = std::fs::read(&key).with_context(|| format!("reading {}", key.display()))?;
            let config = RustlsConfig::new().fallback(RustlsCertificate::new().cert(cert).key(key));
            let acceptor = crate::tls_race::ConfigFirst(listener)
                .rustls(config)
                .into_acceptor()
                .await
                .with_context(|| format!("cannot listen with TLS on {listen}"))?;
            (acceptor.boxed(), "https")
        }
        None => {
            let acceptor = listener
                .into_acceptor()
                .await
                .with_context(|| format!("cannot listen on {listen}"))?;
            (acceptor.boxed(), "http")
        }
    })
}

/// Collects every server's storage figures at start and then every `interval` (until
/// the job scheduler takes this over). Failures are recorded per server by the engine.
fn spawn_periodic_storage(
    engine: engine::Engine,
    interval: Option<Duration>,
) -> Option<tokio::task::JoinHandle<()>> {
    let interval = interval?;
    Some(tokio::spawn(async move {
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            match engine.collect_storage_all().await {
                Ok(outcomes) => {
                    for o in &outcomes {
                        if let Err(e) = &o.result {
                            tracing::warn!(server = %o.server_name, error = %e, "storage collection failed");
                        }
                    }
                }
                Err(e) => tracing::warn!(error = %e, "periodic storage collection failed"),
            }
        }
    }))
}

/// `--metrics-listen`: `/metrics` without authentication on its own address.
async fn metrics_listener(
    addr: &str,
    state: api::AppState,
    stop: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<tokio::task::JoinHandle<anyhow::Result<()>>> {
    let acceptor = TcpListener::bind(addr.to_owned())
        .into_acceptor()
        .await
        .with_context(|| format!("cannot listen for metrics on {addr}"))?;
    for local in acceptor.local_addr() {
        if let Some(local) = local.as_socket_addr() {
            announce(&format!("dist-btrfs: metrics on http://{local}/metrics"));
        }
    }
    let endpoint = poem::Route::new().at(
        "/metrics",
        poem::endpoint::make(move |_req| {
            let state = state.clone();
            async move { api::metrics::render(&state).await }
        }),
    );
    Ok(tokio::spawn(async move {
        poem::Server::new_with_acceptor(acceptor)
            .run_with_graceful_shutdown(endpoint, stop, Some(DRAIN_TIMEOUT))
            .await
            .context("metrics listener failed")
    }))
}

/// Records `InstanceInitialized` on first start; later starts find it. Safe when
/// two processes race: the loser sees a conflict and reads the winner's event.
async fn ensure_instance(events: &EventStore) -> anyhow::Result<uuid::Uuid> {
    let stream = StreamId::instance();
    let init = DomainEvent::InstanceInitialized(InstanceInitialized {
        instance_id: uuid::Uuid::now_v7(),
        software_version: env!("CARGO_PKG_VERSION").to_owned(),
    });
    match events
        .append(
            &stream,
            ExpectedVersion::NoStream,
            &[init],
            &AppendMeta::new(Actor::System),
        )
        .await
    {
        Ok(_) | Err(StoreError::Conflict { .. }) => {}
        Err(e) => return Err(e.into()),
    }
    let first = events.read_stream(&stream).await?;
    match first.first().map(|e| &e.event) {
        Some(DomainEvent::InstanceInitialized(e)) => Ok(e.instance_id),
        _ => anyhow::bail!("the instance stream does not start with InstanceInitialized"),
    }
}

/// A line for whoever started `serve` (the listen address, the first admin login).
/// A closed stdout (the starter went away) must not stop the server, so write
/// errors are ignored.
fn announce(line: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}
