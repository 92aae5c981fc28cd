//! Logs, traces and metrics: the one telemetry module.
//!
//! [`init`] installs the process's `tracing` subscriber: a log layer (human or JSON, on
//! stderr) and an OpenTelemetry layer that turns Execora's spans into OTLP spans
//! ([`otel`]). [`Metrics`] owns the Prometheus registry ([`metrics`]); [`errors`] emits the
//! structured error events that tie a log line, a failed span and a counter together.
//!
//! With `EXECORA_SENTRY_DSN` set, [`error_tracking`] adds Sentry: the error events of
//! [`errors`] and panics become Sentry events, tagged and scrubbed of personal data.
//!
//! The OpenTelemetry layer is always installed, exporter or not, so every request and
//! job has a trace id in its logs and passes a `traceparent` on; spans leave the process
//! only when `OTEL_EXPORTER_OTLP_ENDPOINT` (or the traces endpoint) is set. One subscriber
//! and one tracer provider serve a whole process: `serve`, `work` and `run` are one
//! process each. Tests that run several apps in one process do not install a global
//! subscriber; a test that looks at traces builds its own with [`build`] and sets it as
//! the default of its (single-threaded) runtime's thread, so its spans go to its own
//! receiver and no other test's do.

pub mod error_tracking;
pub mod errors;
mod logs;
pub mod metrics;
pub mod otel;
pub mod pool_waits;

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing::Dispatch;
use tracing_subscriber::{EnvFilter, Layer as _, fmt::MakeWriter, prelude::*};

use crate::config::Settings;

pub use metrics::Metrics;

/// Owns the tracer provider and the error-tracking client; [`Telemetry::shutdown`]
/// exports what is still buffered.
pub struct Telemetry {
    /// Taken by `shutdown`; still here on drop only if shutdown was skipped.
    provider: Option<SdkTracerProvider>,
    /// Sentry, when `EXECORA_SENTRY_DSN` is set (only the binary's `init` starts it).
    error_tracking: Option<error_tracking::ErrorTracking>,
}

impl Drop for Telemetry {
    /// The SDK's own drop would shut down synchronously on this thread, which hangs a
    /// single-threaded runtime (a panicking test) whose batch task can then never run.
    /// A helper thread waits instead; it ends when the task answers or the runtime goes.
    fn drop(&mut self) {
        if let Some(provider) = self.provider.take() {
            std::thread::spawn(move || drop(provider.shutdown()));
        }
        if let Some(tracking) = self.error_tracking.take() {
            std::thread::spawn(move || tracking.close());
        }
    }
}

/// Installs the global subscriber, logging to stderr. Must run inside the Tokio runtime:
/// the span exporter's batch task is spawned on it. `RUST_LOG` overrides the default
/// `info` filter of the logs (spans are exported at `info` and above either way).
pub fn init(settings: &Settings) -> anyhow::Result<Telemetry> {
    let (dispatch, mut telemetry) = build(settings, std::io::stderr)?;
    telemetry.error_tracking = error_tracking::init(settings)?;
    // Only the binary calls this, once; a second call would keep the first subscriber.
    if tracing::dispatcher::set_global_default(dispatch).is_err() {
        eprintln!("execora: a tracing subscriber was already installed; keeping it");
    }
    Ok(telemetry)
}

/// Builds the subscriber without installing it, logging to `writer`.
pub fn build<W>(settings: &Settings, writer: W) -> anyhow::Result<(Dispatch, Telemetry)>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let provider = otel::provider(&settings.otel)?;
    let tracer = provider.tracer("execora");
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let json = match settings.log.format.as_str() {
        "json" => true,
        "pretty" => false,
        _ => settings.production(),
    };
    let subscriber = tracing_subscriber::registry()
        .with(logs::layer(json, writer).with_filter(filter))
        .with(pool_waits::PoolWaits.with_filter(pool_waits::filter()))
        .with(
            tracing_opentelemetry::layer()
                .with_tracer(tracer)
                // Busy/idle times and thread ids are noise next to the real durations.
                .with_tracked_inactivity(false)
                .with_threads(false)
                .with_filter(otel::span_filter()),
        )
        .with(error_tracking::layer(settings));
    Ok((
        Dispatch::new(subscriber),
        Telemetry {
            provider: Some(provider),
            error_tracking: None,
        },
    ))
}

impl Telemetry {
    /// Exports the spans still buffered and stops the exporter. The SDK waits for its
    /// batch task synchronously, and that task needs the runtime: so the wait happens on
    /// a blocking thread, never on a runtime worker (which could deadlock).
    pub async fn shutdown(mut self) {
        if let Some(tracking) = self.error_tracking.take() {
            let _ = tokio::task::spawn_blocking(move || tracking.close()).await;
        }
        let Some(provider) = self.provider.take() else {
            return;
        };
        match tokio::task::spawn_blocking(move || provider.shutdown()).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::warn!(error = %e, "span exporter did not shut down cleanly"),
            Err(e) => tracing::warn!(error = %e, "span exporter shutdown task failed"),
        }
    }

    /// Exports the spans buffered so far (tests, before looking at the receiver).
    pub async fn flush(&self) {
        let Some(provider) = self.provider.clone() else {
            return;
        };
        match tokio::task::spawn_blocking(move || provider.force_flush()).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::warn!(error = %e, "span flush failed"),
            Err(e) => tracing::warn!(error = %e, "span flush task failed"),
        }
    }
}
