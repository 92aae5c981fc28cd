//! Gauges read when `/metrics` is scraped: queue depth and the age of the oldest waiting
//! job per queue, the database pool, and the process itself.
//!
//! They describe shared state (Redis streams, Postgres rows) or the process, so they are
//! computed on scrape instead of being kept up to date on every change. They live in
//! their own registry, appended to the main one's exposition.

use prometheus::{Encoder, GaugeVec, IntGauge, IntGaugeVec, Opts, Registry, TextEncoder};

use crate::{app::App, domain::jobs};

/// The scrape-time families.
pub struct ScrapeMetrics {
    registry: Registry,
    oldest_age: GaugeVec,
    pool_connections: IntGaugeVec,
    paused: IntGaugeVec,
}

impl ScrapeMetrics {
    pub fn new(max_connections: u32) -> anyhow::Result<Self> {
        let registry = Registry::new();
        let oldest_age = GaugeVec::new(
            Opts::new(
                "execora_queue_oldest_job_age_seconds",
                "How long the longest-waiting due job of each queue has waited",
            ),
            &["queue"],
        )?;
        let pool_connections = IntGaugeVec::new(
            Opts::new(
                "execora_db_pool_connections",
                "Database pool connections by state (idle, in_use)",
            ),
            &["state"],
        )?;
        let pool_max = IntGauge::new(
            "execora_db_pool_max_connections",
            "Largest size of the database pool (EXECORA_DATABASE_MAX_CONNECTIONS)",
        )?;
        pool_max.set(i64::from(max_connections));
        let paused = IntGaugeVec::new(
            Opts::new(
                "execora_queue_paused",
                "1 while an operator has paused the workflow's queue (its jobs wait), else 0",
            ),
            &["workflow"],
        )?;
        registry.register(Box::new(paused.clone()))?;
        registry.register(Box::new(oldest_age.clone()))?;
        registry.register(Box::new(pool_connections.clone()))?;
        registry.register(Box::new(pool_max.clone()))?;
        if let Some(waits) = crate::telemetry::pool_waits::histogram() {
            registry.register(Box::new(waits))?;
        }
        // CPU seconds, resident memory, open files, threads, start time (Linux).
        registry.register(Box::new(
            prometheus::process_collector::ProcessCollector::new(
                std::process::id() as i32,
                "execora",
            ),
        ))?;
        Ok(Self {
            registry,
            oldest_age,
            pool_connections,
            paused,
        })
    }

    fn render(&self) -> String {
        let mut buf = Vec::new();
        if let Err(e) = TextEncoder::new().encode(&self.registry.gather(), &mut buf) {
            tracing::error!(error = %e, "metrics encoding failed");
        }
        String::from_utf8_lossy(&buf).into_owned()
    }
}

/// Refreshes every scrape-time gauge and renders all metrics.
pub async fn render(app: &App) -> String {
    refresh_queue_depth(app).await;
    let scrape = &app.scrape_metrics;
    let mut redis = app.redis.clone();
    match crate::workflows::pause::paused(&mut redis, &app.settings.redis_namespace).await {
        Ok(paused) => {
            for spec in app.runtime.specs.iter() {
                let value = i64::from(paused.contains(&spec.name));
                scrape.paused.with_label_values(&[&spec.name]).set(value);
            }
        }
        Err(e) => tracing::warn!(error = %e, "paused queues not read"),
    }
    let size = app.pool.size();
    let idle = u32::try_from(app.pool.num_idle()).unwrap_or(u32::MAX);
    scrape
        .pool_connections
        .with_label_values(&["idle"])
        .set(i64::from(idle));
    scrape
        .pool_connections
        .with_label_values(&["in_use"])
        .set(i64::from(size.saturating_sub(idle)));
    match jobs::oldest_waiting(&app.pool).await {
        Ok(ages) => {
            for spec in app.runtime.specs.iter() {
                let age = ages
                    .iter()
                    .filter(|(workflow, _)| *workflow == spec.name)
                    .map(|(_, age)| *age)
                    .fold(0.0, f64::max);
                scrape.oldest_age.with_label_values(&[&spec.queue]).set(age);
            }
        }
        Err(e) => tracing::warn!(error = %e, "oldest job age not read"),
    }
    let mut text = app.metrics.render();
    text.push_str(&scrape.render());
    text
}

/// Updates `execora_queue_depth_jobs` for every queue: waiting (not yet read by a
/// worker) and scheduled (delayed retries and schedules).
async fn refresh_queue_depth(app: &App) {
    let mut seen = std::collections::HashSet::new();
    for (workflow, producer) in app.queue.producers() {
        let queue = producer.config().queue.clone();
        if !seen.insert(queue.clone()) {
            continue;
        }
        match producer.depth().await {
            Ok(depth) => {
                let g = &app.metrics.queue_depth;
                g.with_label_values(&[&queue, "waiting"]).set(depth.waiting);
                g.with_label_values(&[&queue, "scheduled"])
                    .set(depth.delayed);
            }
            Err(e) => tracing::warn!(workflow, error = %e, "queue depth not read"),
        }
    }
}

/// Creates the zero-valued series a fresh process should already report, so dashboards
/// and alerts see every workflow, limit and tier from the start (a counter that first
/// appears at 1 hides its first increase from `rate`).
pub fn preinitialize(metrics: &crate::telemetry::Metrics, workflows: &[String]) {
    for wf in workflows {
        let labels = [wf.as_str()];
        for family in [
            &metrics.jobs_enqueued,
            &metrics.jobs_started,
            &metrics.jobs_succeeded,
            &metrics.jobs_failed,
            &metrics.jobs_retried,
            &metrics.jobs_dead,
        ] {
            family.with_label_values(&labels);
        }
    }
    for limit in ["api", "voice"] {
        metrics.rate_limited.with_label_values(&[limit]);
    }
    for tier in ["local", "redis"] {
        for outcome in ["hit", "miss"] {
            metrics.cache_requests.with_label_values(&[tier, outcome]);
        }
    }
    for (kind, outcome) in [
        ("login", "ok"),
        ("login", "refused"),
        ("refresh", "reuse_detected"),
    ] {
        metrics.auth_events.with_label_values(&[kind, outcome]);
    }
    for (kind, outcome) in [("message", "stored"), ("razorpay", "recorded")] {
        metrics.webhook_events.with_label_values(&[kind, outcome]);
    }
    for kind in ["http_5xx", "job_dead", "job_failed"] {
        metrics.errors.with_label_values(&[kind]);
    }
    // Breakers report closed (0) until they are first used.
    for breaker in crate::resilience::KNOWN_BREAKERS {
        metrics.breaker_state.with_label_values(&[breaker]);
    }
}
