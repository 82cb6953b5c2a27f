//! `GET /health`: is the process up and can it reach its database.

use poem::web::Data;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi, Tags};

use crate::AppState;

#[derive(Tags)]
enum Tag {
    /// Liveness and readiness.
    System,
}

/// The service's health.
#[derive(Debug, Object)]
pub struct Health {
    /// `ok` when the database answers, `degraded` otherwise.
    pub status: String,
    /// The running dist-btrfs version.
    pub version: String,
    /// Whether the database answered a query just now.
    pub database: bool,
}

#[derive(ApiResponse)]
pub enum HealthResponse {
    /// Everything answers.
    #[oai(status = 200)]
    Ok(Json<Health>),
    /// The process runs but its database does not answer.
    #[oai(status = 503)]
    Degraded(Json<Health>),
}

pub struct HealthApi;

#[OpenApi(tag = "Tag::System")]
impl HealthApi {
    /// Liveness and database readiness. Needs no authentication.
    #[oai(path = "/health", method = "get", operation_id = "getHealth")]
    async fn health(&self, state: Data<&AppState>) -> HealthResponse {
        let database = sqlx::query_scalar::<_, i32>("SELECT 1")
            .fetch_one(&state.pool)
            .await
            .is_ok();
        let health = Health {
            status: if database { "ok" } else { "degraded" }.to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            database,
        };
        if database {
            HealthResponse::Ok(Json(health))
        } else {
            HealthResponse::Degraded(Json(health))
        }
    }
}
