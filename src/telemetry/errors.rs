//! Structured error events: exactly one per 5xx answer and per job that ends `failed` or
//! `dead`.
//!
//! Each is a `tracing::error!` with an `error.kind`, emitted inside the span it concerns
//! (so it carries that span's ids and the span's status becomes an error), plus one
//! increment of `execora_errors_total{kind}`. The message is fixed text: causes (which may
//! quote a customer's name, a phone number or a provider's answer) are logged where they
//! happen, at `warn`, so an error event itself never holds personal data. Other
//! `tracing::error!` calls exist for conditions that answer no request (a worker crash),
//! but none precedes a 5xx, so a failed request is never reported twice. The `error.kind`
//! field is also what error tracking (`error_tracking`) picks events by, and the event
//! carries its trace id and tenant itself, so a Sentry report is tagged with them.

use opentelemetry::trace::TraceContextExt as _;
use tracing::Span;
use tracing_opentelemetry::OpenTelemetrySpanExt as _;
use uuid::Uuid;

use super::Metrics;

/// The span's OpenTelemetry trace id, put on the error event itself: error tracking
/// (`error_tracking`) sees only the event's own fields, not its spans'.
fn trace_id(span: &Span) -> String {
    let cx = span.context();
    let sc = cx.span().span_context().clone();
    if sc.is_valid() {
        sc.trace_id().to_string()
    } else {
        String::new()
    }
}

/// A request answered with a 5xx status.
pub struct HttpFailure<'a> {
    pub request_id: &'a str,
    pub method: &'a str,
    /// The bounded route label (operation id), as in the HTTP metrics.
    pub route: &'a str,
    pub status: u16,
    /// The tenant of the caller's token, when it carried a valid one.
    pub tenant_id: Option<Uuid>,
}

/// Reports a 5xx answer within the request's span.
pub fn http_5xx(metrics: &Metrics, span: &Span, failure: &HttpFailure<'_>) {
    span.record("otel.status_code", "error");
    let trace_id = trace_id(span);
    span.in_scope(|| {
        tracing::error!(
            error.kind = "http_5xx",
            trace_id = trace_id.as_str(),
            tenant_id = failure.tenant_id.as_ref().map(tracing::field::display),
            request_id = failure.request_id,
            http.request.method = failure.method,
            route = failure.route,
            status = failure.status,
            "request answered with a server error"
        );
    });
    metrics.errors.with_label_values(&["http_5xx"]).inc();
}

/// How a job ended badly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobEnd {
    /// A permanent step failure: retrying could not help.
    Failed,
    /// A transient failure with no attempts left.
    Dead,
}

impl JobEnd {
    fn kind(self) -> &'static str {
        match self {
            Self::Failed => "job_failed",
            Self::Dead => "job_dead",
        }
    }
}

/// A job that ended failed or dead.
pub struct JobFailure<'a> {
    pub job_id: Uuid,
    pub tenant_id: Uuid,
    pub workflow: &'a str,
    pub step: &'a str,
    pub attempts: u32,
    pub end: JobEnd,
}

/// Reports a job's bad end within the job's span.
pub fn job(metrics: &Metrics, span: &Span, failure: &JobFailure<'_>) {
    let kind = failure.end.kind();
    span.record("otel.status_code", "error");
    let trace_id = trace_id(span);
    span.in_scope(|| match failure.end {
        JobEnd::Failed => tracing::error!(
            error.kind = kind,
            trace_id = trace_id.as_str(),
            job_id = %failure.job_id,
            tenant_id = %failure.tenant_id,
            workflow = failure.workflow,
            step = failure.step,
            attempts = failure.attempts,
            status = "failed",
            "job failed permanently"
        ),
        JobEnd::Dead => tracing::error!(
            error.kind = kind,
            trace_id = trace_id.as_str(),
            job_id = %failure.job_id,
            tenant_id = %failure.tenant_id,
            workflow = failure.workflow,
            step = failure.step,
            attempts = failure.attempts,
            status = "dead",
            "job dead: attempts exhausted"
        ),
    });
    metrics.errors.with_label_values(&[kind]).inc();
}
