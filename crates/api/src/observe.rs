//! Request telemetry: a tracing span per HTTP request (method, path, operation,
//! status, duration), its duration observed into [`crate::metrics::RequestMetrics`]
//! (exposed by `/metrics`) and into the OpenTelemetry meter, which exports it when OTLP
//! is configured.
//!
//! Never records headers, bodies or query strings (they may carry credentials).

use std::time::Instant;

use poem::{Endpoint, IntoResponse, Request, Response};
use poem_openapi::OperationId;
use tracing::Instrument;

use crate::metrics::RequestMetrics;

/// Wraps every request in a span and records its duration.
pub async fn around<E: Endpoint>(
    endpoint: std::sync::Arc<E>,
    req: Request,
    metrics: std::sync::Arc<RequestMetrics>,
) -> poem::Result<Response> {
    let span = tracing::info_span!(
        "http_request",
        method = %req.method(),
        path = %req.uri().path(),
        operation = tracing::field::Empty,
        status = tracing::field::Empty,
    );
    let started = Instant::now();
    let result = endpoint.call(req).instrument(span.clone()).await;
    let response = match result {
        Ok(r) => r.into_response(),
        Err(e) => e.into_response(),
    };
    let operation = response
        .extensions()
        .get::<OperationId>()
        .map_or("other", |op| op.0);
    let status = response.status().as_u16();
    let seconds = started.elapsed().as_secs_f64();
    span.record("operation", operation);
    span.record("status", status);
    span.in_scope(|| tracing::debug!(seconds, "request finished"));
    metrics.observe(operation, status, seconds);
    otel_request_duration().record(
        seconds,
        &[
            opentelemetry::KeyValue::new("operation", operation),
            opentelemetry::KeyValue::new("http.response.status_code", i64::from(status)),
        ],
    );
    Ok(response)
}

/// The OpenTelemetry twin of the request histogram (a no-op unless an OTLP meter
/// provider was installed at start-up).
fn otel_request_duration() -> &'static opentelemetry::metrics::Histogram<f64> {
    static HISTOGRAM: std::sync::OnceLock<opentelemetry::metrics::Histogram<f64>> =
        std::sync::OnceLock::new();
    HISTOGRAM.get_or_init(|| {
        opentelemetry::global::meter("dist-btrfs")
            .f64_histogram("dist_btrfs.http.request.duration")
            .with_unit("s")
            .with_description("API request durations")
            .build()
    })
}
