//! The HTTP edge: health, readiness, errors, authentication, the spec.

use execora::auth::Role;
use serde_json::{Value, json};

use crate::common::{TestApp, TestEnv, client};

#[tokio::test]
async fn health_ready_metrics_and_docs_answer() {
    let env = TestEnv::new().await;
    let t = TestApp::start(&env, true, false).await;
    let c = client();
    let health: Value = c
        .get(format!("{}/health", t.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["status"], "ok");
    let ready = c.get(format!("{}/ready", t.base)).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    let ready: Value = ready.json().await.unwrap();
    assert_eq!(
        (ready["postgres"].as_str(), ready["redis"].as_str()),
        (Some("ok"), Some("ok"))
    );
    let metrics = c
        .get(format!("{}/metrics", t.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for family in [
        "execora_http_requests_total",
        "execora_http_request_duration_seconds",
        "execora_queue_depth_jobs",
        "execora_ws_sessions",
    ] {
        assert!(metrics.contains(family), "{family} missing from /metrics");
    }
    assert_eq!(
        c.get(format!("{}/docs", t.base))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let spec = c
        .get(format!("{}/openapi.yaml", t.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(spec.starts_with("openapi: 3.0.0"));
    t.stop().await;
}

#[tokio::test]
async fn ready_names_the_dependency_that_is_down() {
    let env = TestEnv::new().await;
    let t = TestApp::start(&env, true, false).await;
    t.app.pool.close().await;
    let resp = client()
        .get(format!("{}/ready", t.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 503);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["postgres"], "unreachable");
    assert_eq!(body["redis"], "ok");
    t.stop().await;
}

#[test]
fn checked_in_openapi_matches_the_code() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/execora.yaml");
    let generated = execora::api::spec_yaml();
    // `EXECORA_BLESS=1 cargo test --test integration checked_in_openapi` rewrites it from
    // exactly this build (the same as `make openapi`).
    if std::env::var_os("EXECORA_BLESS").is_some() {
        std::fs::write(path, &generated).unwrap();
    }
    let checked_in = std::fs::read_to_string(path).unwrap();
    assert!(
        checked_in == generated,
        "openapi/execora.yaml is stale: run `make openapi` and commit it"
    );
}

#[tokio::test]
async fn api_requires_a_valid_token_and_errors_use_the_envelope() {
    let env = TestEnv::new().await;
    let t = TestApp::start(&env, true, false).await;
    let c = client();
    let url = format!("{}/api/v1/jobs", t.base);
    for auth in [None, Some("Bearer nonsense"), Some("Basic dXNlcjpwYXNz")] {
        let mut req = c.get(&url);
        if let Some(a) = auth {
            req = req.header("authorization", a);
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status(), 401, "{auth:?}");
        assert!(
            resp.headers().contains_key("x-request-id"),
            "errors carry the request id"
        );
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["code"], "unauthorized");
    }
    // A token signed by another key is refused.
    let other = TestEnv::new().await;
    let stranger = execora::app::load_tokens(&other.settings()).unwrap();
    let forged = stranger
        .issue(uuid::Uuid::new_v4(), uuid::Uuid::new_v4(), Role::Owner)
        .unwrap();
    let resp = c.get(&url).bearer_auth(forged).send().await.unwrap();
    assert_eq!(resp.status(), 401);
    t.stop().await;
}

#[tokio::test]
async fn malformed_input_is_a_400_with_a_code_never_a_500() {
    let env = TestEnv::new().await;
    let t = TestApp::start(&env, true, false).await;
    let (tenant, user) = env.tenant(&t.app, None).await;
    let token = t.token(tenant, user, Role::Owner);
    let c = client();
    let probe = format!("{}/api/v1/probes", t.base);
    let cases: Vec<(&str, String)> = vec![
        ("{not json", probe.clone()),
        (r#"{"fail_times": "two"}"#, probe.clone()),
        (r#"{"fail_times": -1}"#, probe.clone()),
        (r#"{"surprise": true}"#, probe.clone()),
    ];
    for (body, url) in cases {
        let resp = c
            .post(&url)
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 400, "{body}");
        let err: Value = resp.json().await.unwrap();
        assert_eq!(err["code"], "invalid_body", "{body}: {err}");
    }
    let resp = c
        .get(format!("{}/api/v1/jobs?state=bogus", t.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    assert_eq!(
        resp.json::<Value>().await.unwrap()["code"],
        "invalid_parameter"
    );
    let resp = c
        .get(format!("{}/api/v1/jobs/not-a-uuid", t.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let resp = c
        .get(format!("{}/api/v1/jobs?limit=1000", t.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 422);
    assert_eq!(resp.json::<Value>().await.unwrap()["code"], "invalid_limit");
    let resp = c
        .get(format!("{}/no/such/route", t.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    assert_eq!(resp.json::<Value>().await.unwrap()["code"], "not_found");
    let resp = c
        .post(&probe)
        .bearer_auth(&token)
        .header("content-type", "text/plain")
        .body("hi")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 415);
    assert_eq!(
        resp.json::<Value>().await.unwrap()["code"],
        "unsupported_media_type"
    );
    // Nothing was enqueued by any of that.
    let page: Value = c
        .get(format!("{}/api/v1/jobs", t.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"], json!([]));
    t.stop().await;
}

#[tokio::test]
async fn request_ids_are_echoed_or_generated() {
    let env = TestEnv::new().await;
    let t = TestApp::start(&env, true, false).await;
    let c = client();
    let resp = c
        .get(format!("{}/health", t.base))
        .header("x-request-id", "abc-123")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["x-request-id"], "abc-123");
    let resp = c.get(format!("{}/health", t.base)).send().await.unwrap();
    assert!(!resp.headers()["x-request-id"].is_empty());
    t.stop().await;
}
