//! Logging and OpenTelemetry set-up for the binary.
//!
//! Logs go to stderr as text or JSON (`--log-format json`). When the standard
//! `OTEL_EXPORTER_OTLP_ENDPOINT` (or `..._TRACES_ENDPOINT` / `..._METRICS_ENDPOINT`)
//! is set, spans (every API request, job and external command span) and metrics
//! are exported over OTLP/HTTP (protobuf); the exporter reads the other standard
//! `OTEL_*` variables itself. When none is set, nothing is exported and no exporter
//! thread runs.

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::{MetricExporter, SpanExporter};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::metrics::{PeriodicReader, SdkMeterProvider};
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

use crate::LogFormat;

/// Keeps the exporters alive; flushes and stops them on drop.
pub struct Telemetry {
    tracer: Option<SdkTracerProvider>,
    meter: Option<SdkMeterProvider>,
}

impl Drop for Telemetry {
    fn drop(&mut self) {
        if let Some(tracer) = self.tracer.take() {
            let _ = tracer.shutdown();
        }
        if let Some(meter) = self.meter.take() {
            let _ = meter.shutdown();
        }
    }
}

fn configured(vars: &[&str]) -> bool {
    vars.iter()
        .any(|v| std::env::var(v).is_ok_and(|value| !value.trim().is_empty()))
}

/// Installs the global subscriber (and OTLP exporters when configured).
pub fn init(format: LogFormat) -> Telemetry {
    let filter = || {
        EnvFilter::try_from_env("DIST_BTRFS_LOG")
            .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"))
    };
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let fmt = match format {
        LogFormat::Text => tracing_subscriber::fmt::layer()
            .with_writer(std::io::stderr)
            .with_ansi(ansi)
            .with_filter(filter())
            .boxed(),
        LogFormat::Json => tracing_subscriber::fmt::layer()
            .json()
            .with_writer(std::io::stderr)
            .with_filter(filter())
            .boxed(),
    };
    let resource = || Resource::builder().with_service_name("dist-btrfs").build();

    let mut problems = Vec::new();
    let tracer = if configured(&[
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    ]) {
        match SpanExporter::builder().with_http().build() {
            Ok(exporter) => Some(
                SdkTracerProvider::builder()
                    .with_batch_exporter(exporter)
                    .with_resource(resource())
                    .build(),
            ),
            Err(e) => {
                problems.push(format!("OTLP trace exporter not started: {e}"));
                None
            }
        }
    } else {
        None
    };
    let meter = if configured(&[
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
    ]) {
        match MetricExporter::builder().with_http().build() {
            Ok(exporter) => {
                let provider = SdkMeterProvider::builder()
                    .with_reader(PeriodicReader::builder(exporter).build())
                    .with_resource(resource())
                    .build();
                opentelemetry::global::set_meter_provider(provider.clone());
                Some(provider)
            }
            Err(e) => {
                problems.push(format!("OTLP metric exporter not started: {e}"));
                None
            }
        }
    } else {
        None
    };
    let otel_layer = tracer.as_ref().map(|provider| {
        tracing_opentelemetry::layer()
            .with_tracer(provider.tracer("dist-btrfs"))
            .with_filter(EnvFilter::new(
                "info,sqlx=warn,h2=off,hyper=off,reqwest=off",
            ))
    });
    tracing_subscriber::registry()
        .with(fmt)
        .with(otel_layer)
        .init();
    for problem in problems {
        tracing::warn!("{problem}");
    }
    if tracer.is_some() || meter.is_some() {
        tracing::info!(
            traces = tracer.is_some(),
            metrics = meter.is_some(),
            "OpenTelemetry export on"
        );
    }
    Telemetry { tracer, meter }
}
