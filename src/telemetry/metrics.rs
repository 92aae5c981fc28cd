//! The Prometheus metrics: one registry, every family named `execora_*` with its unit in
//! the name, created once per process and shared behind an `Arc`.

use prometheus::{
    CounterVec, Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, IntGaugeVec, Opts,
    Registry, TextEncoder,
};

/// Every metric family Execora exports.
#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    pub http_requests: IntCounterVec,
    pub http_duration: HistogramVec,
    pub jobs_enqueued: IntCounterVec,
    pub jobs_started: IntCounterVec,
    pub jobs_succeeded: IntCounterVec,
    pub jobs_failed: IntCounterVec,
    pub jobs_retried: IntCounterVec,
    pub jobs_dead: IntCounterVec,
    pub step_duration: HistogramVec,
    pub queue_depth: IntGaugeVec,
    pub ws_sessions: IntGauge,
    pub ws_events_sent: IntCounterVec,
    pub webhook_events: IntCounterVec,
    pub rate_limited: IntCounterVec,
    pub cache_requests: IntCounterVec,
    pub auth_events: IntCounterVec,
    /// Token validity checks by where the answer came from (memory, database).
    pub token_checks: IntCounterVec,
    /// Circuit breaker state per breaker: 0 closed, 1 half-open, 2 open.
    pub breaker_state: IntGaugeVec,
    /// Logical provider calls (retries included) by outcome: ok, transient, permanent,
    /// rejected (breaker open).
    pub provider_requests: IntCounterVec,
    /// Duration of each HTTP attempt to a provider.
    pub provider_duration: HistogramVec,
    /// Language-model tokens by kind: prompt, completion, cached (a part of prompt).
    pub llm_tokens: IntCounterVec,
    /// Estimated language-model spend from the configured per-token prices.
    pub llm_cost_usd: CounterVec,
    /// Structured error events by kind (`http_5xx`, `job_dead`, `job_failed`): one per
    /// event, so an alert on this counter and a search of the error log agree.
    pub errors: IntCounterVec,
    /// Rows written per flush of the job-record writer, by kind (insert, claim,
    /// step_done, succeed): the sample count is the number of statements.
    pub record_flush_rows: HistogramVec,
    /// Duration of one flush of the job-record writer, by kind.
    pub record_flush_duration: HistogramVec,
}

impl Metrics {
    pub fn new() -> anyhow::Result<Self> {
        let registry = Registry::new();
        let counter = |name: &str, help: &str, labels: &[&str]| -> anyhow::Result<IntCounterVec> {
            let c = IntCounterVec::new(Opts::new(name, help), labels)?;
            registry.register(Box::new(c.clone()))?;
            Ok(c)
        };
        let histogram = |name: &str, help: &str, labels: &[&str], buckets: Vec<f64>| {
            let h = HistogramVec::new(HistogramOpts::new(name, help).buckets(buckets), labels)?;
            registry.register(Box::new(h.clone()))?;
            anyhow::Ok(h)
        };
        let gauge = |name: &str, help: &str, labels: &[&str]| {
            let g = IntGaugeVec::new(Opts::new(name, help), labels)?;
            registry.register(Box::new(g.clone()))?;
            anyhow::Ok(g)
        };
        let latency = vec![
            0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
        ];
        let wf = &["workflow"];
        let metrics = Self {
            http_requests: counter(
                "execora_http_requests_total",
                "HTTP requests by route, method and status",
                &["route", "method", "status"],
            )?,
            http_duration: histogram(
                "execora_http_request_duration_seconds",
                "HTTP request latency",
                &["route", "method"],
                latency.clone(),
            )?,
            jobs_enqueued: counter("execora_jobs_enqueued_total", "Jobs accepted", wf)?,
            jobs_started: counter("execora_jobs_started_total", "Job attempts started", wf)?,
            jobs_succeeded: counter("execora_jobs_succeeded_total", "Jobs succeeded", wf)?,
            jobs_failed: counter("execora_jobs_failed_total", "Jobs failed permanently", wf)?,
            jobs_retried: counter("execora_jobs_retried_total", "Job retries scheduled", wf)?,
            jobs_dead: counter("execora_jobs_dead_total", "Jobs out of attempts", wf)?,
            step_duration: histogram(
                "execora_job_step_duration_seconds",
                "Duration of one step attempt",
                &["workflow", "step", "outcome"],
                latency.clone(),
            )?,
            queue_depth: gauge(
                "execora_queue_depth_jobs",
                "Jobs waiting per queue and state",
                &["queue", "state"],
            )?,
            ws_sessions: {
                let g = IntGauge::new("execora_ws_sessions", "Open WebSocket sessions")?;
                registry.register(Box::new(g.clone()))?;
                g
            },
            ws_events_sent: counter(
                "execora_ws_events_sent_total",
                "Job events delivered to WebSocket clients",
                &["kind"],
            )?,
            webhook_events: counter(
                "execora_webhook_events_total",
                "Provider webhook events (WhatsApp, Razorpay) by kind and outcome",
                &["kind", "outcome"],
            )?,
            cache_requests: counter(
                "execora_cache_requests_total",
                "Cache lookups by tier (local, redis) and outcome (hit, miss)",
                &["tier", "outcome"],
            )?,
            rate_limited: counter(
                "execora_rate_limit_rejections_total",
                "Requests refused by a rate limit, by limit",
                &["limit"],
            )?,
            token_checks: counter(
                "execora_auth_token_checks_total",
                "Whether a token's login still stands, by where the answer came from (memory, database)",
                &["source"],
            )?,
            auth_events: counter(
                "execora_auth_events_total",
                "Authentication outcomes by kind (login, otp, refresh) and outcome",
                &["kind", "outcome"],
            )?,
            breaker_state: gauge(
                "execora_breaker_state",
                "Circuit breaker state: 0 closed, 1 half-open, 2 open",
                &["breaker"],
            )?,
            provider_requests: counter(
                "execora_provider_requests_total",
                "Provider calls by provider and outcome (ok, transient, permanent, rejected)",
                &["provider", "outcome"],
            )?,
            provider_duration: histogram(
                "execora_provider_request_duration_seconds",
                "Duration of one HTTP attempt to a provider",
                &["provider"],
                latency.clone(),
            )?,
            record_flush_rows: histogram(
                "execora_record_flush_rows",
                "Job-record rows written per flush of the group-commit writer, by kind",
                &["kind"],
                vec![1.0, 2.0, 5.0, 10.0, 25.0, 50.0, 100.0, 250.0, 500.0, 1000.0],
            )?,
            record_flush_duration: histogram(
                "execora_record_flush_duration_seconds",
                "Duration of one flush of the group-commit job-record writer, by kind",
                &["kind"],
                latency,
            )?,
            llm_tokens: counter(
                "execora_llm_tokens_total",
                "Language-model tokens by kind (prompt, completion, cached)",
                &["provider", "model", "kind"],
            )?,
            errors: counter(
                "execora_errors_total",
                "Structured error events by kind (http_5xx, job_dead, job_failed)",
                &["kind"],
            )?,
            llm_cost_usd: {
                let c = CounterVec::new(
                    Opts::new(
                        "execora_llm_cost_usd_total",
                        "Estimated language-model cost in US dollars, from configured prices",
                    ),
                    &["provider", "model"],
                )?;
                registry.register(Box::new(c.clone()))?;
                c
            },
            registry,
        };
        Ok(metrics)
    }

    /// The Prometheus text exposition of every family.
    pub fn render(&self) -> String {
        let mut buf = Vec::new();
        let encoder = TextEncoder::new();
        if let Err(e) = encoder.encode(&self.registry.gather(), &mut buf) {
            tracing::error!(error = %e, "metrics encoding failed");
        }
        String::from_utf8_lossy(&buf).into_owned()
    }
}
