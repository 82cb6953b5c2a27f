//! `GET /metrics`: Prometheus text for scrapers holding an API token (viewer role).
//! `serve --metrics-listen` also offers it without authentication on a separate
//! address, for operators who prefer network-level protection.

use poem::web::Data;
use poem_openapi::payload::PlainText;
use poem_openapi::{ApiResponse, OpenApi, Tags};

use crate::AppState;
use crate::auth::ViewerAuth;

#[derive(Tags)]
enum Tag {
    /// Telemetry for monitoring systems.
    Telemetry,
}

#[derive(ApiResponse)]
pub enum MetricsResponse {
    /// Metrics in the Prometheus text exposition format (0.0.4).
    #[oai(status = 200, content_type = "text/plain; version=0.0.4")]
    Ok(PlainText<String>),
}

pub struct MetricsApi;

#[OpenApi(tag = "Tag::Telemetry")]
impl MetricsApi {
    /// Prometheus metrics: request durations, events by type, jobs by state.
    #[oai(path = "/metrics", method = "get", operation_id = "getMetrics")]
    async fn metrics(&self, _auth: ViewerAuth, state: Data<&AppState>) -> MetricsResponse {
        MetricsResponse::Ok(PlainText(
            crate::observe::render(&state.metrics, &state.pool).await,
        ))
    }
}
