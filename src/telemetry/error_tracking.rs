//! Error tracking: Sentry events for what `telemetry::errors` reports, and for panics.
//!
//! Off unless `EXECORA_SENTRY_DSN` is set; then [`init`] starts a client and [`layer`]
//! adds `sentry-tracing`'s error layer to the subscriber. It takes only the events that
//! carry an `error.kind` field — exactly one per 5xx and per job that ends `failed` or
//! `dead` (see `errors`, which puts the trace id, tenant, workflow and step on them) —
//! so nothing is reported twice and ordinary `error!` lines stay logs. No span goes to
//! Sentry (OTLP exports those). Panics are reported by the `panic` integration, tagged
//! from the `http`, `job` and `step` spans they happened in (`span_tags`, which keeps
//! those spans' identifiers: a small map per such span, only while tracking is on).
//!
//! Personal data never leaves: [`scrub`] keeps only whitelisted identifiers as tags,
//! drops every other field, context, breadcrumb, user and request, and masks digit runs,
//! email addresses and token-like words in what text remains (a panic's message).

mod scrub;
mod span_tags;
mod transport;

use std::{borrow::Cow, sync::Arc, time::Duration};

use anyhow::Context as _;
use secrecy::ExposeSecret;
use sentry::integrations::tracing::ErrorLayer;
use tracing::Subscriber;
use tracing_subscriber::{Layer, filter::filter_fn, registry::LookupSpan};

use crate::config::Settings;

/// The client, flushed and closed by [`Telemetry::shutdown`](super::Telemetry::shutdown).
pub struct ErrorTracking {
    guard: sentry::ClientInitGuard,
}

/// The release every event names: the crate's version, plus the commit when the build
/// was given one (`EXECORA_GIT_SHA` at compile time).
pub fn release() -> String {
    match option_env!("EXECORA_GIT_SHA") {
        Some(sha) if !sha.is_empty() => format!("execora@{}+{sha}", env!("CARGO_PKG_VERSION")),
        _ => format!("execora@{}", env!("CARGO_PKG_VERSION")),
    }
}

/// Starts the Sentry client when a DSN is configured; `None` (and nothing installed,
/// no panic hook, no thread) when it is not.
pub fn init(settings: &Settings) -> anyhow::Result<Option<ErrorTracking>> {
    let dsn = settings.sentry.dsn.expose_secret().trim();
    if dsn.is_empty() {
        return Ok(None);
    }
    let dsn: sentry::types::Dsn = dsn
        .parse()
        .context("EXECORA_SENTRY_DSN is not a valid DSN")?;
    let environment = match settings.sentry.environment.trim() {
        "" if settings.production() => "production".to_string(),
        "" => "development".to_string(),
        other => other.to_string(),
    };
    let mut options = sentry::ClientOptions::default();
    options.dsn = Some(dsn);
    options.release = Some(Cow::Owned(release()));
    options.environment = Some(Cow::Owned(environment));
    options.send_default_pii = false;
    options.max_breadcrumbs = 0;
    options.attach_stacktrace = false;
    options.before_send = Some(Arc::new(scrub::event));
    options.transport = Some(Arc::new(transport::Factory));
    options.shutdown_timeout = Duration::from_secs(2);
    Ok(Some(ErrorTracking {
        guard: sentry::init(options),
    }))
}

impl ErrorTracking {
    /// Sends what is queued (bounded wait) and closes the client; blocks, so callers run
    /// it on a blocking thread.
    pub fn close(self) {
        self.guard.flush(Some(Duration::from_secs(2)));
        drop(self.guard);
    }
}

/// The error layer, when error tracking is configured; `None` costs nothing per event.
pub fn layer<S>(settings: &Settings) -> Option<Box<dyn Layer<S> + Send + Sync>>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    if settings.sentry.dsn.expose_secret().trim().is_empty() {
        return None;
    }
    let reported = filter_fn(|meta| meta.is_event() && meta.fields().field("error.kind").is_some());
    Some(
        ErrorLayer::new()
            .with_filter(reported)
            .and_then(span_tags::SpanTags)
            .boxed(),
    )
}
