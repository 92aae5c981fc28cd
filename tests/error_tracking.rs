//! Error tracking against a local fake Sentry ingest endpoint, in a test binary of its
//! own: the Sentry client, the panic hook and the subscriber are process-wide, so no
//! other test may share this process.
//!
//! A 5xx, a dead job and a panic each arrive exactly once, as an envelope addressed
//! with the DSN's key, carrying the release and the trace, tenant, workflow and step
//! tags, and no personal data.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails loudly on the first surprise"
)]

use std::sync::{Arc, Mutex};

use execora::{
    config::Settings,
    telemetry::{self, Metrics, error_tracking, errors},
};
use poem::{EndpointExt, Route, handler, http::HeaderMap, web::Data};
use serde_json::Value;
use uuid::Uuid;

type Seen = Arc<Mutex<Vec<(String, Vec<u8>)>>>;

#[handler]
fn ingest(headers: &HeaderMap, body: Vec<u8>, seen: Data<&Seen>) -> &'static str {
    let auth = headers
        .get("x-sentry-auth")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    seen.lock().unwrap().push((auth, body));
    "{}"
}

/// The fake ingest endpoint: `POST /api/<project>/envelope/`, keeping what it got.
fn fake_sentry() -> (String, Seen) {
    let seen = Seen::default();
    let app = Route::new()
        .at("/api/:project/envelope/", poem::post(ingest))
        .data(seen.clone());
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    let acceptor = poem::listener::TcpAcceptor::from_std(listener).unwrap();
    tokio::spawn(async move { poem::Server::new_with_acceptor(acceptor).run(app).await });
    (format!("http://publickey@{addr}/42"), seen)
}

/// The event of an envelope: header line, item header line, then the event's JSON.
fn event_of(body: &[u8]) -> Value {
    let text = std::str::from_utf8(body).unwrap();
    let mut lines = text.lines();
    let _envelope_header = lines.next().unwrap();
    let item_header: Value = serde_json::from_str(lines.next().unwrap()).unwrap();
    assert_eq!(item_header["type"], "event", "{text}");
    serde_json::from_str(lines.next().unwrap()).unwrap()
}

fn settings(dsn: &str) -> Settings {
    Settings::from_sources(None, |k| match k {
        "DATABASE_URL" => Some("postgres://unused/db".into()),
        "REDIS_URL" => Some("redis://unused".into()),
        "EXECORA_SENTRY_DSN" => Some(dsn.into()),
        "EXECORA_LOG_FORMAT" => Some("json".into()),
        _ => None,
    })
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_5xx_a_dead_job_and_a_panic_each_reach_sentry_once_without_personal_data() {
    let (dsn, seen) = fake_sentry();
    let settings = settings(&dsn);
    let (dispatch, _telemetry) = telemetry::build(&settings, std::io::sink).unwrap();
    tracing::dispatcher::set_global_default(dispatch).unwrap();
    let tracking = error_tracking::init(&settings)
        .unwrap()
        .expect("a DSN turns it on");
    let metrics = Metrics::new().unwrap();
    let (tenant, job) = (Uuid::now_v7(), Uuid::now_v7());

    let http = tracing::info_span!(target: "execora", "http", trace_id = tracing::field::Empty, phone = "+919812345678");
    telemetry::otel::continue_trace(&http, None);
    let failure = errors::HttpFailure {
        request_id: "req-1",
        method: "GET",
        route: "listCustomers",
        status: 500,
        tenant_id: Some(tenant),
    };
    errors::http_5xx(&metrics, &http, &failure);

    let job_span = tracing::info_span!(target: "execora", "job", trace_id = tracing::field::Empty,
        tenant_id = %tenant, workflow = "probe", utterance = "Ramesh ka balance");
    telemetry::otel::continue_trace(&job_span, None);
    let dead = errors::JobFailure {
        job_id: job,
        tenant_id: tenant,
        workflow: "probe",
        step: "work",
        attempts: 3,
        end: errors::JobEnd::Dead,
    };
    errors::job(&metrics, &job_span, &dead);

    let step_span =
        job_span.in_scope(|| tracing::info_span!(target: "execora", "step", step = "work"));
    let panicked = step_span.in_scope(|| {
        std::panic::catch_unwind(|| panic!("boom for +91 98123 45678 and ramesh@example.com"))
    });
    assert!(panicked.is_err());
    // Ordinary error lines are logs, not reports.
    tracing::error!("a worker crashed");

    tokio::task::spawn_blocking(move || tracking.close())
        .await
        .unwrap();
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 3, "one report each");
    let events: Vec<Value> = seen
        .iter()
        .map(|(auth, body)| {
            assert!(auth.contains("sentry_key=publickey"), "{auth}");
            let text = String::from_utf8_lossy(body);
            for secret in ["98123", "ramesh", "Ramesh", "+9198"] {
                assert!(!text.contains(secret), "{secret} leaked: {text}");
            }
            event_of(body)
        })
        .collect();
    for e in &events {
        assert_eq!(e["release"], error_tracking::release());
        assert_eq!(e["tags"]["trace_id"].as_str().unwrap().len(), 32, "{e}");
    }
    let by_kind = |kind: &str| {
        events
            .iter()
            .find(|e| e["tags"]["error.kind"] == kind)
            .unwrap_or_else(|| panic!("no {kind} in {events:?}"))
    };
    let http_event = by_kind("http_5xx");
    assert_eq!(http_event["tags"]["tenant_id"], tenant.to_string());
    assert_eq!(http_event["tags"]["route"], "listCustomers");
    let job_event = by_kind("job_dead");
    assert_eq!(job_event["tags"]["tenant_id"], tenant.to_string());
    assert_eq!(job_event["tags"]["workflow"], "probe");
    assert_eq!(job_event["tags"]["step"], "work");
    assert_eq!(job_event["tags"]["job_id"], job.to_string());
    let panic_event = events
        .iter()
        .find(|e| e["tags"].get("error.kind").is_none())
        .unwrap();
    assert_eq!(
        panic_event["tags"]["trace_id"], job_event["tags"]["trace_id"],
        "the panic is tagged with the trace of the span it happened in"
    );
    assert_eq!(panic_event["tags"]["tenant_id"], tenant.to_string());
    assert_eq!(panic_event["tags"]["workflow"], "probe");
    assert_eq!(panic_event["tags"]["step"], "work");
}

#[test]
fn without_a_dsn_nothing_is_installed() {
    let settings = Settings::from_sources(None, |k| match k {
        "DATABASE_URL" => Some("postgres://unused/db".into()),
        "REDIS_URL" => Some("redis://unused".into()),
        _ => None,
    })
    .unwrap();
    assert!(error_tracking::init(&settings).unwrap().is_none());
    assert!(error_tracking::layer::<tracing_subscriber::Registry>(&settings).is_none());
}
