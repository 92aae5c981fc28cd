//! Tests of the shared provider call path, against a local fake server.

use super::*;
use crate::integrations::fake_server::{Canned, FakeServer, client, metrics};
use serde_json::json;

async fn call(c: &ProviderClient, base: &str) -> Result<Reply, ProviderError> {
    let url = format!("{base}/thing");
    c.send(|http| http.post(&url), openai_error).await
}

#[tokio::test]
async fn retry_after_ms_is_obeyed_then_the_call_succeeds() {
    let server = FakeServer::start(vec![
        Canned::json(429, json!({"error": {"code": "rate_limit_exceeded"}}))
            .with_header("retry-after-ms", "10"),
        Canned::json(200, json!({"ok": true})),
    ])
    .await;
    let m = metrics();
    let c = client("p", "stt", &m, 5, 2);
    let reply = call(&c, &server.base).await.unwrap();
    assert_eq!(reply.body, br#"{"ok":true}"#);
    assert_eq!(server.calls(), 2);
    assert_eq!(m.provider_requests.with_label_values(&["p", "ok"]).get(), 1);
    let attempts = m
        .provider_duration
        .with_label_values(&["p"])
        .get_sample_count();
    assert_eq!(attempts, 2);
}

#[tokio::test]
async fn x_should_retry_overrides_the_status() {
    let server = FakeServer::start(vec![
        Canned::json(400, json!({})).with_header("x-should-retry", "true"),
        Canned::json(503, json!({})).with_header("x-should-retry", "false"),
    ])
    .await;
    let c = client("p", "stt", &metrics(), 5, 2);
    let err = call(&c, &server.base).await.unwrap_err();
    assert!(
        matches!(err, ProviderError::Permanent(ref m) if m.contains("503")),
        "{err}"
    );
    assert_eq!(server.calls(), 2);
}

#[tokio::test]
async fn a_refused_connection_is_transient_and_counts_against_the_breaker() {
    // Bind then drop, so nothing listens on the port.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let m = metrics();
    let c = client("p", "llm", &m, 1, 1);
    let err = call(&c, &format!("http://127.0.0.1:{port}"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, ProviderError::Transient(ref e) if e.starts_with("network")),
        "{err}"
    );
    assert_eq!(c.breaker().state(), crate::resilience::BreakerState::Open);
    assert_eq!(m.breaker_state.with_label_values(&["llm"]).get(), 2);
    assert_eq!(
        call(&c, "http://127.0.0.1:1").await.unwrap_err(),
        ProviderError::Unavailable
    );
    assert_eq!(
        m.provider_requests
            .with_label_values(&["p", "rejected"])
            .get(),
        1
    );
}

#[test]
fn server_hints_are_used_only_within_a_minute() {
    let headers = |pairs: &[(&'static str, &str)]| {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    };
    let ms = |h: HeaderMap| retry_after(&h).map(|d| d.as_millis());
    assert_eq!(ms(headers(&[("retry-after-ms", "10")])), Some(10));
    assert_eq!(
        ms(headers(&[("retry-after-ms", "5"), ("retry-after", "9")])),
        Some(5)
    );
    assert_eq!(ms(headers(&[("retry-after", "2")])), Some(2000));
    assert_eq!(ms(headers(&[("retry-after", "0")])), None);
    assert_eq!(ms(headers(&[("retry-after", "61")])), None);
    assert_eq!(ms(headers(&[("retry-after", "soon")])), None);
    let future = (chrono::Utc::now() + chrono::Duration::seconds(30)).to_rfc2822();
    let d = ms(headers(&[("retry-after", &future)])).unwrap();
    assert!((28_000..=30_000).contains(&d), "{d}");
}

#[test]
fn backoff_doubles_to_the_cap_with_jitter() {
    let r = RetrySettings::default();
    for (retry, full) in [(0, 500), (1, 1000), (2, 2000), (4, 8000), (9, 8000)] {
        let ms = r.backoff(retry).as_millis();
        assert!(ms <= full && ms * 4 >= full * 3, "retry {retry}: {ms}");
    }
}

#[test]
fn status_classification_follows_the_sdk() {
    for s in [408, 409, 429, 499, 500, 502, 503] {
        assert!(retryable(StatusCode::from_u16(s).unwrap()), "{s}");
    }
    for s in [400, 401, 402, 403, 404, 422] {
        assert!(!retryable(StatusCode::from_u16(s).unwrap()), "{s}");
    }
}
