//! The call path every HTTP speech and language provider shares: circuit breaker,
//! retries with backoff, error classification and metrics (CONTRACTS.md §2–4).
//!
//! A logical call is refused at once while its breaker is open. Otherwise it is tried,
//! and retried after connection errors, timeouts, 408, 409, 429 and 5xx, waiting what the
//! server asks (`retry-after-ms`, then `retry-after`, when between 0 and 60 s) or an
//! exponential, jittered backoff — the rules of OpenAI's own SDK, which suit the other
//! providers too. A 429 that means "out of credit" (`insufficient_quota`,
//! `quota_exceeded`) is permanent: waiting does not refill an account. The breaker and
//! the outcome counter see one result per logical call, after its retries; the duration
//! histogram sees every attempt. Bodies are never logged: they carry keys, transcripts
//! and audio. Each attempt is a client span, and its context goes to the provider as a
//! `traceparent` header, so a provider (or a proxy in front of it) that traces can join.

use std::{sync::Arc, time::Duration};

use rand::Rng;
use reqwest::{StatusCode, header::HeaderMap};
use serde_json::Value;

use tracing::Instrument;

use crate::{
    resilience::CircuitBreaker,
    telemetry::{Metrics, otel},
};

/// Why a provider call produced nothing. Callers fall back (rule-based parser, text
/// reply) on every variant; `Transient` is also worth a later job-level retry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProviderError {
    /// The circuit breaker is open: the provider failed repeatedly and is left alone.
    #[error("provider unavailable (circuit breaker open)")]
    Unavailable,
    /// Throttling, a server error or the network, still failing after the retries.
    #[error("provider failed transiently: {0}")]
    Transient(String),
    /// Retrying cannot help: bad key, no credit, invalid request or unusable answer.
    #[error("provider failed permanently: {0}")]
    Permanent(String),
}

/// How many times, and how patiently, a failed attempt is repeated.
#[derive(Debug, Clone, Copy)]
pub struct RetrySettings {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// The first backoff; doubled per retry. Tests make it tiny.
    pub base_delay: Duration,
    pub max_delay: Duration,
}

impl RetrySettings {
    pub fn new(max_retries: u32) -> Self {
        Self {
            max_retries,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(8),
        }
    }

    /// The wait before retry number `retry` (0-based), when the server gave no hint.
    fn backoff(&self, retry: u32) -> Duration {
        let exp = self.base_delay.saturating_mul(1 << retry.min(16));
        exp.min(self.max_delay)
            .mul_f64(rand::thread_rng().gen_range(0.75..=1.0))
    }
}

impl Default for RetrySettings {
    fn default() -> Self {
        Self::new(2)
    }
}

/// A successful answer, read whole.
#[derive(Debug)]
pub struct Reply {
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

/// What a provider's error body says; each adapter knows its own shape.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ErrorBody {
    /// The machine-readable code (`insufficient_quota`, `TOO_MANY_REQUESTS`, …).
    pub code: Option<String>,
    pub message: Option<String>,
}

/// Parses an error body; lenient, since proxies and gateways answer in their own shapes.
pub type ErrorParser = fn(&[u8]) -> ErrorBody;

/// Codes that come with a 429 yet mean the account is out of credit.
const OUT_OF_CREDIT: &[&str] = &["insufficient_quota", "quota_exceeded"];
/// Provider messages may quote the request; only their start goes into errors.
const MAX_MESSAGE: usize = 160;

/// One provider's HTTP client with its breaker and metrics. Cheap to clone.
#[derive(Clone)]
pub struct ProviderClient {
    http: reqwest::Client,
    /// The `provider` label of the metrics (`deepgram`, `openai_llm`, …).
    provider: &'static str,
    breaker: Arc<CircuitBreaker>,
    metrics: Arc<Metrics>,
    retry: RetrySettings,
}

enum Attempt {
    Done(Reply),
    Retry {
        error: String,
        wait: Option<Duration>,
    },
    Fail(String),
}

impl ProviderClient {
    pub fn new(
        http: reqwest::Client,
        provider: &'static str,
        breaker: Arc<CircuitBreaker>,
        metrics: Arc<Metrics>,
        retry: RetrySettings,
    ) -> Self {
        Self {
            http,
            provider,
            breaker,
            metrics,
            retry,
        }
    }

    /// An HTTP client with a per-attempt timeout, for [`ProviderClient::new`].
    pub fn http_client(timeout: Duration) -> reqwest::Result<reqwest::Client> {
        reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(5)))
            .build()
    }

    pub fn provider(&self) -> &'static str {
        self.provider
    }

    pub fn breaker(&self) -> &Arc<CircuitBreaker> {
        &self.breaker
    }

    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// Makes one logical call. `build` is invoked per attempt, because a request (a
    /// multipart form in particular) cannot be replayed once sent.
    pub async fn send<B>(&self, build: B, parse_error: ErrorParser) -> Result<Reply, ProviderError>
    where
        B: Fn(&reqwest::Client) -> reqwest::RequestBuilder,
    {
        if !self.breaker.try_acquire() {
            self.count("rejected");
            return Err(ProviderError::Unavailable);
        }
        let mut retry = 0;
        let result = loop {
            let started = std::time::Instant::now();
            let attempt = self.attempt(&build, parse_error).await;
            self.metrics
                .provider_duration
                .with_label_values(&[self.provider])
                .observe(started.elapsed().as_secs_f64());
            match attempt {
                Attempt::Done(reply) => break Ok(reply),
                Attempt::Fail(error) => break Err(ProviderError::Permanent(error)),
                Attempt::Retry { error, .. } if retry >= self.retry.max_retries => {
                    break Err(ProviderError::Transient(error));
                }
                Attempt::Retry { error, wait } => {
                    let wait = wait.unwrap_or_else(|| self.retry.backoff(retry));
                    tracing::warn!(
                        provider = self.provider,
                        retry = retry + 1,
                        wait_ms = wait.as_millis() as u64,
                        error = %error,
                        "provider call failed; retrying"
                    );
                    tokio::time::sleep(wait).await;
                    retry += 1;
                }
            }
        };
        // The breaker watches availability: a permanent answer (bad key, invalid input)
        // still shows the provider is up, and must not open it for everyone.
        match &result {
            Ok(_) => self.count("ok"),
            Err(ProviderError::Permanent(_)) => self.count("permanent"),
            Err(_) => self.count("transient"),
        }
        match &result {
            Err(ProviderError::Transient(_)) => self.breaker.record_failure(),
            _ => self.breaker.record_success(),
        }
        result
    }

    /// One HTTP attempt, in a client span whose context goes out as `traceparent`.
    async fn attempt<B>(&self, build: &B, parse_error: ErrorParser) -> Attempt
    where
        B: Fn(&reqwest::Client) -> reqwest::RequestBuilder,
    {
        let request = match build(&self.http).build() {
            Ok(r) => r,
            // A request that cannot even be built (bad URL) fails the same way every time.
            Err(e) => return Attempt::Fail(e.without_url().to_string()),
        };
        // Host only: paths and queries of some providers name accounts or models.
        let span = tracing::info_span!(
            "provider.request",
            otel.name = %format!("{} {}", request.method(), self.provider),
            otel.kind = "client",
            otel.status_code = tracing::field::Empty,
            provider = self.provider,
            http.request.method = %request.method(),
            server.address = request.url().host_str().unwrap_or(""),
            http.response.status_code = tracing::field::Empty,
        );
        let attempt = self
            .attempt_in_span(request, parse_error)
            .instrument(span.clone())
            .await;
        if !matches!(attempt, Attempt::Done(_)) {
            span.record("otel.status_code", "error");
        }
        attempt
    }

    async fn attempt_in_span(
        &self,
        mut request: reqwest::Request,
        parse_error: ErrorParser,
    ) -> Attempt {
        otel::inject(request.headers_mut());
        let response = match self.http.execute(request).await {
            Ok(r) => r,
            Err(e) => return network(e),
        };
        tracing::Span::current().record("http.response.status_code", response.status().as_u16());
        let status = response.status();
        let headers = response.headers().clone();
        let body = match response.bytes().await {
            Ok(b) => Vec::from(b),
            Err(e) => return network(e),
        };
        if status.is_success() {
            return Attempt::Done(Reply { headers, body });
        }
        let parsed = parse_error(&body);
        let error = describe(status, &parsed);
        if parsed
            .code
            .as_deref()
            .is_some_and(|c| OUT_OF_CREDIT.contains(&c))
        {
            return Attempt::Fail(error);
        }
        let should_retry = match header_str(&headers, "x-should-retry") {
            Some("true") => true,
            Some("false") => false,
            _ => retryable(status),
        };
        if should_retry {
            Attempt::Retry {
                error,
                wait: retry_after(&headers),
            }
        } else {
            Attempt::Fail(error)
        }
    }

    fn count(&self, outcome: &str) {
        self.metrics
            .provider_requests
            .with_label_values(&[self.provider, outcome])
            .inc();
    }
}

fn network(e: reqwest::Error) -> Attempt {
    let kind = if e.is_timeout() { "timeout" } else { "network" };
    Attempt::Retry {
        error: format!("{kind}: {}", e.without_url()),
        wait: None,
    }
}

/// 499 is Deepgram's "client closed request", which it documents as retryable.
fn retryable(status: StatusCode) -> bool {
    matches!(status.as_u16(), 408 | 409 | 429 | 499) || status.is_server_error()
}

fn describe(status: StatusCode, body: &ErrorBody) -> String {
    let mut out = format!("http {}", status.as_u16());
    if let Some(code) = &body.code {
        out.push_str(&format!(" {code}"));
    }
    if let Some(message) = &body.message {
        let short: String = message.chars().take(MAX_MESSAGE).collect();
        out.push_str(&format!(": {short}"));
    }
    out
}

fn header_str<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
}

/// The server's requested wait, when it is a sane one (0 < d ≤ 60 s).
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let seconds = header_str(headers, "retry-after-ms")
        .and_then(|v| v.parse::<f64>().ok())
        .map(|ms| ms / 1000.0)
        .or_else(|| {
            let v = header_str(headers, "retry-after")?;
            v.parse::<f64>().ok().or_else(|| {
                let at = chrono::DateTime::parse_from_rfc2822(v).ok()?;
                Some(
                    (at.timestamp_millis() - chrono::Utc::now().timestamp_millis()) as f64 / 1000.0,
                )
            })
        })?;
    (seconds.is_finite() && seconds > 0.0 && seconds <= 60.0)
        .then(|| Duration::from_secs_f64(seconds))
}

/// The first string found at any of `pointers` (JSON pointers) in `body`.
pub fn first_str(body: &Value, pointers: &[&str]) -> Option<String> {
    pointers
        .iter()
        .find_map(|p| body.pointer(p).and_then(Value::as_str))
        .map(str::to_string)
}

/// OpenAI's error envelope `{"error": {"code", "type", "message"}}`, shared by every
/// OpenAI-compatible adapter.
pub fn openai_error(body: &[u8]) -> ErrorBody {
    let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    ErrorBody {
        code: first_str(&v, &["/error/code", "/error/type"]),
        message: first_str(&v, &["/error/message", "/error"]),
    }
}

/// A deliberately short description of a body that is not what the contract says.
pub fn unexpected(what: &str) -> ProviderError {
    ProviderError::Permanent(format!("unexpected response: {what}"))
}

#[cfg(test)]
#[path = "provider_tests.rs"]
mod tests;
