//! OpenTelemetry: the tracer provider, and W3C trace context in and out of spans.
//!
//! The provider exports over OTLP/HTTP (protobuf or JSON) through a batch processor on
//! the Tokio runtime when an endpoint is configured, and exports nothing otherwise; its
//! ids are still real, so logs and downstream providers see a trace either way.
//!
//! Context crosses process boundaries only as a `traceparent` string: in from an HTTP
//! request or a job record, out to a job record or a provider request. `tracestate` is
//! not carried: the job record has no place for it and no vendor state is used.

use opentelemetry::{
    Context,
    propagation::{Extractor, TextMapPropagator},
    trace::TraceContextExt,
};
use opentelemetry_otlp::{Protocol, SpanExporter, WithExportConfig, WithHttpConfig};
use opentelemetry_sdk::{
    Resource,
    propagation::TraceContextPropagator,
    runtime,
    trace::{SdkTracerProvider, span_processor_with_async_runtime::BatchSpanProcessor},
};
use tracing::{Level, Span};
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::filter::Targets;

use crate::config::{OtelSettings, OtlpProtocol};

/// The tracer provider for `settings`; exporting only when an endpoint is set.
pub fn provider(settings: &OtelSettings) -> anyhow::Result<SdkTracerProvider> {
    let resource = Resource::builder()
        .with_service_name(settings.service_name.clone())
        .build();
    let builder = SdkTracerProvider::builder().with_resource(resource);
    let Some(url) = settings.traces_url() else {
        return Ok(builder.build());
    };
    let protocol = match settings.protocol()? {
        OtlpProtocol::Protobuf => Protocol::HttpBinary,
        OtlpProtocol::Json => Protocol::HttpJson,
    };
    let exporter = SpanExporter::builder()
        .with_http()
        .with_endpoint(url)
        .with_protocol(protocol)
        .with_headers(settings.header_pairs()?.into_iter().collect())
        .build()?;
    // The async-runtime processor: export is an async reqwest call, which needs Tokio.
    let processor = BatchSpanProcessor::builder(exporter, runtime::Tokio).build();
    Ok(builder.with_span_processor(processor).build())
}

/// Which spans become OpenTelemetry spans: Execora's own, at `info` and above. Library
/// spans (connection pools, drivers) would multiply the volume without naming a step.
pub fn span_filter() -> Targets {
    Targets::new().with_target("execora", Level::INFO)
}

/// A lone `traceparent` value as a propagator carrier.
struct Traceparent<'a>(&'a str);

impl Extractor for Traceparent<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        (key == "traceparent").then_some(self.0)
    }
    fn keys(&self) -> Vec<&str> {
        vec!["traceparent"]
    }
}

/// Makes `span` (just created, not yet entered) continue the trace of `traceparent`
/// when it is valid, and records the span's `trace_id` field for the logs.
pub fn continue_trace(span: &Span, traceparent: Option<&str>) {
    if let Some(value) = traceparent {
        let parent = TraceContextPropagator::new().extract(&Traceparent(value));
        if parent.span().span_context().is_valid() {
            // Fails only without the OpenTelemetry layer (some tests), where it cannot matter.
            let _ = span.set_parent(parent);
        }
    }
    record_trace_id(span);
}

/// Records the trace id in the span's `trace_id` field (declared `Empty` by the span).
pub fn record_trace_id(span: &Span) {
    let cx: Context = span.context();
    let sc = cx.span().span_context().clone();
    if sc.is_valid() {
        span.record("trace_id", tracing::field::display(sc.trace_id()));
    }
}

/// Renames a started span (its `otel.name` field is read only when the span starts).
pub fn rename(span: &Span, name: String) {
    span.context().span().update_name(name);
}

/// The W3C `traceparent` naming `span` as the parent; `None` without a trace.
pub fn traceparent(span: &Span) -> Option<String> {
    let cx = span.context();
    let sc = cx.span().span_context().clone();
    sc.is_valid().then(|| {
        format!(
            "00-{}-{}-{:02x}",
            sc.trace_id(),
            sc.span_id(),
            sc.trace_flags().to_u8()
        )
    })
}

/// The `traceparent` of the current span (what a job enqueued here should carry).
pub fn current_traceparent() -> Option<String> {
    traceparent(&Span::current())
}

/// Sets `traceparent` on an outgoing request from the current span.
pub fn inject(headers: &mut reqwest::header::HeaderMap) {
    if let Some(value) =
        current_traceparent().and_then(|v| reqwest::header::HeaderValue::from_str(&v).ok())
    {
        headers.insert("traceparent", value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_traceparent_round_trips_through_a_span() {
        let provider = SdkTracerProvider::builder().build();
        let tracer = opentelemetry::trace::TracerProvider::tracer(&provider, "test");
        let subscriber = tracing_subscriber::layer::SubscriberExt::with(
            tracing_subscriber::registry(),
            tracing_opentelemetry::layer().with_tracer(tracer),
        );
        tracing::subscriber::with_default(subscriber, || {
            let incoming = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
            let span = tracing::info_span!("test", trace_id = tracing::field::Empty);
            continue_trace(&span, Some(incoming));
            let out = traceparent(&span).unwrap_or_default();
            assert!(
                out.starts_with("00-4bf92f3577b34da6a3ce929d0e0e4736-"),
                "{out}"
            );
            assert!(
                !out.contains("00f067aa0ba902b7"),
                "a child has its own span id"
            );
            assert!(out.ends_with("-01"));
            let fresh = tracing::info_span!("fresh", trace_id = tracing::field::Empty);
            continue_trace(&fresh, Some("00-garbage"));
            assert!(
                traceparent(&fresh).is_some(),
                "an invalid parent starts a new trace"
            );
        });
    }
}
