//! `dist-btrfs serve`: open the database, migrate, initialise the installation on
//! first start, serve HTTP until SIGINT/SIGTERM, then shut down in order (HTTP
//! drains, pool closes, the private Postgres stops).

use std::time::Duration;

use anyhow::Context;
use domain::event::InstanceInitialized;
use domain::{Actor, DomainEvent, StreamId};
use poem::listener::{Acceptor, Listener, TcpListener};
use store::{AppendMeta, EventStore, ExpectedVersion, StoreError};
use tokio::signal::unix::{SignalKind, signal};

use crate::DatabaseArgs;
use crate::database;

const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

pub async fn run(listen: &str, db: &DatabaseArgs) -> anyhow::Result<()> {
    // Register signal handlers first, so a signal during start-up still shuts down cleanly.
    let mut sigterm = signal(SignalKind::terminate()).context("installing SIGTERM handler")?;
    let mut sigint = signal(SignalKind::interrupt()).context("installing SIGINT handler")?;

    let database = database::open_exclusive(db).await?;
    let result = serve_on(listen, &database, async move {
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
    listen: &str,
    database: &database::Database,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    store::db::migrate(database.pool()).await?;
    let events = EventStore::new(database.pool().clone());
    let instance = ensure_instance(&events).await?;
    tracing::info!(%instance, "installation ready");

    let acceptor = TcpListener::bind(listen.to_owned())
        .into_acceptor()
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    for addr in acceptor.local_addr() {
        if let Some(addr) = addr.as_socket_addr() {
            println!("dist-btrfs: listening on http://{addr}");
        }
    }
    let app = api::app(api::AppState::new(database.pool().clone()));
    poem::Server::new_with_acceptor(acceptor)
        .run_with_graceful_shutdown(app, shutdown, Some(DRAIN_TIMEOUT))
        .await
        .context("HTTP server failed")?;
    Ok(())
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
        .append(&stream, ExpectedVersion::NoStream, &[init], &AppendMeta::new(Actor::System))
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
