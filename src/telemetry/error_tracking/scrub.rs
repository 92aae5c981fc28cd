//! What an event may carry out of the process: whitelisted identifiers as tags, the
//! message and exception text with personal data masked, and nothing else.

use std::collections::BTreeMap;

use opentelemetry::trace::TraceContextExt as _;
use sentry::protocol::{Context, Event, Value};
use tracing_opentelemetry::OpenTelemetrySpanExt as _;

/// Fields that become tags: identifiers and bounded labels, never personal data.
const TAGS: &[&str] = &[
    "error.kind",
    "trace_id",
    "tenant_id",
    "workflow",
    "step",
    "job_id",
    "request_id",
    "route",
    "status",
    "attempts",
    "http.request.method",
];

/// The `before_send` hook: every event passes here, on the thread that reported it.
pub(super) fn event(mut event: Event<'static>) -> Option<Event<'static>> {
    let fields = match event.contexts.remove("Rust Tracing Fields") {
        Some(Context::Other(map)) => map,
        _ => BTreeMap::new(),
    };
    let mut tags: BTreeMap<String, String> = fields
        .iter()
        .filter(|(key, _)| TAGS.contains(&key.as_str()))
        .filter_map(|(key, value)| Some((key.clone(), tag_text(value)?)))
        .collect();
    // A panic has no fields: its tags are those of the spans it happened in. (An error
    // event is converted inside the subscriber, where no span is current: it brings its
    // own.)
    for (name, value) in super::span_tags::current() {
        tags.entry(name.to_string()).or_insert(value);
    }
    if !tags.contains_key("trace_id")
        && let Some(trace) = current_trace_id()
    {
        tags.insert("trace_id".into(), trace);
    }
    event.tags = tags;
    // The trace context holds Sentry's own ids only; every other context goes.
    event.contexts.retain(|name, _| name == "trace");
    event.extra.clear();
    event.breadcrumbs = Default::default();
    event.user = None;
    event.request = None;
    event.message = event.message.map(|m| mask(&m));
    for exception in &mut event.exception.values {
        exception.value = exception.value.take().map(|v| mask(&v));
    }
    Some(event)
}

fn tag_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The OpenTelemetry trace id of the span the report happened in (a panic's).
fn current_trace_id() -> Option<String> {
    let cx = tracing::Span::current().context();
    let sc = cx.span().span_context().clone();
    sc.is_valid().then(|| sc.trace_id().to_string())
}

/// Masks what may identify a person in free text: any word with an `@` (email), a
/// long token-like word (access tokens, keys), and every run of five or more digits
/// (phone numbers, OTPs, account numbers). Text is cut at 300 characters.
pub(super) fn mask(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(300));
    for (i, word) in text.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let tokenish = word.len() >= 24
            && word
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.=+/".contains(c));
        if word.contains('@') {
            out.push_str("[email]");
        } else if tokenish {
            out.push_str("[token]");
        } else {
            mask_digits(word, &mut out);
        }
    }
    out.chars().take(300).collect()
}

fn mask_digits(word: &str, out: &mut String) {
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if run.chars().filter(char::is_ascii_digit).count() >= 5 {
            out.push_str("[number]");
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in word.chars() {
        // A run goes on through the separators phone numbers are written with.
        if c.is_ascii_digit()
            || (!run.is_empty() && "+- ".contains(c))
            || (run.is_empty() && c == '+')
        {
            run.push(c);
        } else {
            flush(&mut run, out);
            out.push(c);
        }
    }
    flush(&mut run, out);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn personal_data_is_masked_and_short_numbers_stay() {
        let text = "customer +91-98123-45678 (ramesh@example.com) token eyJhbGciOiJFZERTQSJ9abcdefgh failed at step 3 of 12";
        let masked = mask(text);
        assert!(!masked.contains("98123"), "{masked}");
        assert!(!masked.contains("ramesh"), "{masked}");
        assert!(!masked.contains("eyJhbG"), "{masked}");
        assert!(masked.ends_with("failed at step 3 of 12"), "{masked}");
    }

    #[test]
    fn only_whitelisted_fields_become_tags_and_the_rest_goes() {
        let mut fields = BTreeMap::new();
        for (k, v) in [
            ("error.kind", "job_dead"),
            ("workflow", "probe"),
            ("tenant_id", "t-1"),
            ("trace_id", "abc"),
            ("step", "work"),
            ("phone", "+919812345678"),
            ("url.path", "/api/v1/customers/x"),
        ] {
            fields.insert(k.to_string(), Value::String(v.into()));
        }
        let mut event = Event::default();
        event
            .contexts
            .insert("Rust Tracing Fields".into(), Context::Other(fields));
        event.message = Some("job dead: attempts exhausted".into());
        let out = super::event(event).unwrap();
        let tags: Vec<_> = out.tags.keys().map(String::as_str).collect();
        assert_eq!(
            tags,
            ["error.kind", "step", "tenant_id", "trace_id", "workflow"]
        );
        assert!(out.contexts.is_empty());
        let json = serde_json::to_string(&out).unwrap();
        assert!(
            !json.contains("98123") && !json.contains("customers"),
            "{json}"
        );
    }
}
