//! The identifiers of the spans a panic happened in.
//!
//! An error event brings its own tags (see `errors`), but a panic is only a message: its
//! tenant, workflow and step are fields of the `http`, `job` and `step` spans around it.
//! [`SpanTags`] (installed only with error tracking) keeps those fields, as the spans
//! record them, in each span's extensions, and [`current`] reads them back from the
//! current span outwards when a panic is reported.

use std::{collections::BTreeMap, fmt};

use tracing::{
    Subscriber,
    field::{Field, Visit},
    span::{Attributes, Id, Record},
};
use tracing_subscriber::{
    Layer,
    layer::Context,
    registry::{LookupSpan, Registry},
};

/// The span fields kept; all identifiers, none personal.
const FIELDS: &[&str] = &[
    "tenant_id",
    "workflow",
    "step",
    "job_id",
    "request_id",
    "trace_id",
];

#[derive(Default)]
struct Tags(BTreeMap<&'static str, String>);

impl Tags {
    fn keep(&mut self, field: &Field, value: String) {
        if let Some(name) = FIELDS.iter().find(|n| **n == field.name())
            && !value.is_empty()
        {
            self.0.insert(name, value);
        }
    }
}

impl Visit for Tags {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.keep(field, value.to_string());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.keep(field, format!("{value:?}"));
    }
}

/// Keeps the identifiers of `http`, `job` and `step` spans.
pub(super) struct SpanTags;

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for SpanTags {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        if !matches!(attrs.metadata().name(), "http" | "job" | "step") {
            return;
        }
        if let Some(span) = ctx.span(id) {
            let mut tags = Tags::default();
            attrs.record(&mut tags);
            span.extensions_mut().insert(tags);
        }
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(id)
            && let Some(tags) = span.extensions_mut().get_mut::<Tags>()
        {
            values.record(tags);
        }
    }
}

/// The kept identifiers of the current span and its parents, inner spans first. Empty
/// inside the subscriber's own callbacks (no span is current there) and without the
/// registry.
pub(super) fn current() -> BTreeMap<&'static str, String> {
    tracing::dispatcher::get_default(|dispatch| {
        let mut out = BTreeMap::new();
        let current = dispatch.current_span();
        let (Some(registry), Some(id)) = (dispatch.downcast_ref::<Registry>(), current.id()) else {
            return out;
        };
        let Some(span) = registry.span(id) else {
            return out;
        };
        for s in span.scope() {
            if let Some(tags) = s.extensions().get::<Tags>() {
                for (k, v) in &tags.0 {
                    out.entry(*k).or_insert_with(|| v.clone());
                }
            }
        }
        out
    })
}
