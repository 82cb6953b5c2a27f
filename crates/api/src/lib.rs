//! The REST API of dist-btrfs, served by poem with an OpenAPI document generated
//! by poem-openapi.
//!
//! Every endpoint lives under `/api/v1`; errors are JSON problem bodies
//! ([`problem::Problem`]); the spec is served at `/api/v1/openapi.json` and a
//! browsable UI at `/api/docs`. Handlers translate HTTP to store/engine calls and
//! back; they hold no business rules of their own (those live in `domain`) and do
//! no btrfs or SSH work directly.

mod events;
mod health;
mod instance;
pub mod problem;

use poem::{Endpoint, EndpointExt, Route};
use poem_openapi::OpenApiService;
use sqlx::PgPool;
use store::EventStore;

/// What every handler can reach.
#[derive(Debug, Clone)]
pub struct AppState {
    pub pool: PgPool,
    pub events: EventStore,
}

impl AppState {
    pub fn new(pool: PgPool) -> Self {
        Self {
            events: EventStore::new(pool.clone()),
            pool,
        }
    }
}

type Apis = (health::HealthApi, instance::InstanceApi, events::EventsApi);

fn service() -> OpenApiService<Apis, ()> {
    OpenApiService::new(
        (health::HealthApi, instance::InstanceApi, events::EventsApi),
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
    service().spec()
}

/// The whole HTTP application: API, spec, docs UI, with JSON problem bodies for
/// every error (including poem's own 404s and request-parsing failures).
pub fn app(state: AppState) -> impl Endpoint {
    let api = service();
    let spec = api.spec_endpoint();
    let docs = api.swagger_ui();
    Route::new()
        .at("/api/v1/openapi.json", spec)
        .nest("/api/v1", api)
        .nest("/api/docs", docs)
        .data(state)
        .catch_all_error(problem::from_poem_error)
}
