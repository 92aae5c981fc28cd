//! The log layer: human-readable lines in development, JSON in production.
//!
//! Both carry the fields of the spans an event happened in, which is how a line gets its
//! `request_id`, `trace_id`, `tenant_id`, `job_id`, `workflow` and `step` without every
//! call site repeating them. JSON lists every enclosing span (`spans`, outermost first)
//! rather than only the innermost one, because the ids live on the outer spans.

use tracing::Subscriber;
use tracing_subscriber::{
    Layer,
    fmt::{self, MakeWriter},
    registry::LookupSpan,
};

pub(super) fn layer<S, W>(json: bool, writer: W) -> Box<dyn Layer<S> + Send + Sync>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    if json {
        fmt::layer()
            .json()
            .with_current_span(false)
            .with_span_list(true)
            .with_writer(writer)
            .boxed()
    } else {
        fmt::layer().with_writer(writer).boxed()
    }
}
