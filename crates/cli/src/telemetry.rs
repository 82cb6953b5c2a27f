//! Logging and OpenTelemetry set-up for the binary.
//!
//! Logs go to stderr as text or JSON (`--log-format json`). When the standard
//! `OTEL_EXPORTER_OTLP_ENDPOINT` (or `..._TRACES_ENDPOINT` / `..._METRICS_ENDPOINT`)
//! is set, spans (every API request, job and external command span) and metrics
//! are exported over OTLP/HTTP (protobuf); the exporter reads the other standard
//! `OTEL_*` variables itself. When none is set, nothing is exported and no exporter
//! thread runs.
//!
//! Text logs escape control characters (newlines, carriage returns, ANSI escapes) in
//! every field and in the message, so a user string (a server name, a user name, a
//! path) can never start a line of its own and forge a log entry. JSON logs are
//! escaped by JSON itself.

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

/// Text-log field formatting that escapes control characters (module docs).
pub fn escaped_fields() -> impl for<'w> tracing_subscriber::fmt::FormatFields<'w> + 'static {
    use tracing_subscriber::field::MakeExt;
    tracing_subscriber::fmt::format::debug_fn(|writer, field, value| {
        let raw = format!("{value:?}");
        let text = escape_controls(&raw);
        if field.name() == "message" {
            write!(writer, "{text}")
        } else {
            write!(writer, "{}={text}", field.name())
        }
    })
    .delimited(" ")
}

/// `text` with every control character written as an escape (`\n`, `\r`, `\t`,
/// `\u{1b}`).
fn escape_controls(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// The default filter: what happened to the fleet at INFO; the database driver's and the
/// job queue's own chatter (a line per query, per worker start and stop) only as warnings.
pub const DEFAULT_LOG: &str = "info,sqlx=warn,apalis_core=warn";

/// Installs the global subscriber (and OTLP exporters when configured).
pub fn init(format: LogFormat, directives: &str) -> Telemetry {
    let filter = || {
        EnvFilter::try_new(directives).unwrap_or_else(|e| {
            eprintln!("dist-btrfs: --log / DIST_BTRFS_LOG {directives:?} is not a filter ({e}); logging at info");
            EnvFilter::new(DEFAULT_LOG)
        })
    };
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let fmt = match format {
        LogFormat::Text => tracing_subscriber::fmt::layer()
            .fmt_fields(escaped_fields())
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

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    use super::*;

    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);
    impl Write for Buffer {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_user_string_cannot_forge_a_log_line() {
        let buffer = Buffer::default();
        let writer = buffer.clone();
        let subscriber = tracing_subscriber::fmt()
            .fmt_fields(escaped_fields())
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        let name = "x\nERROR forged line\r\u{1b}[31m";
        tracing::subscriber::with_default(subscriber, || {
            let span = tracing::info_span!("request", server = %name);
            let _entered = span.enter();
            tracing::warn!(server_name = %name, debug = ?name, "server {name} refused");
        });
        let bytes = buffer
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        let log = String::from_utf8(bytes).unwrap_or_default();
        assert_eq!(log.lines().count(), 1, "one event, one line: {log}");
        assert!(!log.lines().any(|l| l.starts_with("ERROR")), "{log}");
        assert!(!log.contains('\u{1b}') && !log.contains('\r'), "{log:?}");
        assert!(log.contains("server_name=x\\nERROR forged line"), "{log}");
    }
}
