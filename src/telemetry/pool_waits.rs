//! How long requests and steps wait for a database connection.
//!
//! sqlx exposes the pool's size and idle count but not its waits; it does emit one
//! `sqlx::pool::acquire` event per acquisition with the time it took, when asked to
//! (`db::connect` sets `acquire_time_level`). This layer turns those events into the
//! histogram `execora_db_pool_acquire_seconds`: its count is the acquisitions, and the
//! share above a few milliseconds is the pool making callers wait. The histogram is
//! process-wide, like the pool's events; every app's registry exports it.

use std::sync::LazyLock;

use prometheus::{Histogram, HistogramOpts};
use tracing::{
    Event, Level, Subscriber,
    field::{Field, Visit},
};
use tracing_subscriber::{
    Layer,
    filter::Targets,
    layer::{Context, Filter},
};

/// The events' target in sqlx 0.9 (`sqlx-core/src/pool/inner.rs`).
const TARGET: &str = "sqlx::pool::acquire";

static ACQUIRE_SECONDS: LazyLock<Option<Histogram>> = LazyLock::new(|| {
    let opts = HistogramOpts::new(
        "execora_db_pool_acquire_seconds",
        "Time to get a connection from the database pool (waits for a free one included)",
    )
    .buckets(vec![
        0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0,
    ]);
    Histogram::with_opts(opts).ok()
});

/// The histogram, for registering with a metrics registry.
pub fn histogram() -> Option<Histogram> {
    ACQUIRE_SECONDS.clone()
}

/// Records each acquisition sqlx reports.
pub struct PoolWaits;

impl<S: Subscriber> Layer<S> for PoolWaits {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let mut seconds = AcquiredAfter(None);
        event.record(&mut seconds);
        if let (Some(secs), Some(h)) = (seconds.0, ACQUIRE_SECONDS.as_ref()) {
            h.observe(secs);
        }
    }
}

/// Only sqlx's acquisition events, at every level (they are emitted at TRACE).
pub fn filter<S: Subscriber>() -> impl Filter<S> {
    Targets::new().with_target(TARGET, Level::TRACE)
}

struct AcquiredAfter(Option<f64>);

impl Visit for AcquiredAfter {
    fn record_f64(&mut self, field: &Field, value: f64) {
        if field.name() == "acquired_after_secs" {
            self.0 = Some(value);
        }
    }

    fn record_debug(&mut self, _field: &Field, _value: &dyn std::fmt::Debug) {}
}

#[cfg(test)]
mod tests {
    use tracing_subscriber::prelude::*;

    use super::*;

    #[test]
    fn acquisition_events_are_recorded_and_others_ignored() {
        let h = histogram().unwrap();
        let (count, sum) = (h.get_sample_count(), h.get_sample_sum());
        let subscriber = tracing_subscriber::registry().with(PoolWaits.with_filter(filter()));
        tracing::subscriber::with_default(subscriber, || {
            tracing::event!(target: "sqlx::pool::acquire", Level::TRACE, acquired_after_secs = 0.25f64, "acquired connection");
            tracing::event!(target: "sqlx::query", Level::TRACE, acquired_after_secs = 9.0f64, "not a pool event");
        });
        assert_eq!(h.get_sample_count(), count + 1);
        assert!((h.get_sample_sum() - sum - 0.25).abs() < 1e-9);
    }
}
