//! Failing fast while Redis or PostgreSQL is down (issue 12): what needs the dependency
//! is refused within a fraction of a second with the error envelope and `Retry-After`,
//! nothing is created that the client was told failed, what does not need it keeps its
//! speed, and `/ready` answers within 250 ms.

use std::time::{Duration, Instant};

use execora::auth::Role;
use reqwest::Response;
use serde_json::{Value, json};

use crate::{
    common::{TestApp, TestEnv, client},
    private_services::{PrivatePostgres, PrivateRedis},
};

/// Polls `/ready` until `dep` reads `want`; every answer must come within 250 ms.
async fn ready_until(base: &str, dep: &str, want: &str) {
    for _ in 0..100 {
        let started = Instant::now();
        let resp = client().get(format!("{base}/ready")).send().await.unwrap();
        let took = started.elapsed();
        assert!(took < Duration::from_millis(250), "/ready took {took:?}");
        let body: Value = resp.json().await.unwrap();
        if body[dep] == want {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("/ready never said {dep} is {want}");
}

/// A 503 in the error envelope with `Retry-After`, answered within `limit`.
async fn assert_unavailable(resp: Response, took: Duration, limit: Duration) {
    assert!(took < limit, "answered after {took:?}");
    assert_eq!(resp.status(), 503);
    assert!(resp.headers().contains_key("retry-after"), "{resp:?}");
    let ct = resp
        .headers()
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(ct.starts_with("application/json"), "{ct}");
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["code"], "unavailable", "{body}");
}

async fn count(pool: &sqlx::PgPool, table: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(format!("select count(*) from {table}")))
        .fetch_one(pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn with_redis_down_enqueues_fail_fast_and_the_rest_keeps_its_speed() {
    let mut redis = PrivateRedis::start(false).await;
    let env = TestEnv::on(None, Some(redis.url())).await;
    let t = TestApp::start(&env, true, false).await;
    let (tenant, user) = env.tenant(&t.app, None).await;
    let token = t.token(tenant, user, Role::Owner);
    let api = format!("{}/api/v1", t.base);
    redis.kill();
    ready_until(&t.base, "redis", "unreachable").await;

    let started = Instant::now();
    let resp = client()
        .post(format!("{api}/probes"))
        .bearer_auth(&token)
        .json(&json!({"sleep_ms": 0}))
        .send()
        .await
        .unwrap();
    assert_unavailable(resp, started.elapsed(), Duration::from_millis(500)).await;
    assert_eq!(count(&t.app.pool, "jobs").await, 0, "no job was created");

    // Customers need only PostgreSQL (the limiter and the cache skip Redis).
    for _ in 0..3 {
        let started = Instant::now();
        let resp = client()
            .get(format!("{api}/customers"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        let took = started.elapsed();
        assert!(took < Duration::from_millis(300), "a read took {took:?}");
    }
    redis.restart().await;
    ready_until(&t.base, "redis", "ok").await;
    let resp = client()
        .post(format!("{api}/probes"))
        .bearer_auth(&token)
        .json(&json!({"sleep_ms": 0}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 202, "accepted again once Redis is back");
    t.stop().await;
}

#[tokio::test]
async fn with_postgres_down_requests_fail_fast_with_the_envelope_even_with_an_idempotency_key() {
    let mut pg = PrivatePostgres::start().await;
    let env = TestEnv::on(Some(pg.url()), None).await;
    let t = TestApp::start(&env, true, false).await;
    let (tenant, user) = env.tenant(&t.app, None).await;
    let token = t.token(tenant, user, Role::Owner);
    let api = format!("{}/api/v1", t.base);
    pg.kill();
    ready_until(&t.base, "postgres", "unreachable").await;

    let started = Instant::now();
    let resp = client()
        .post(format!("{api}/customers"))
        .bearer_auth(&token)
        .header("idempotency-key", "k-1")
        .json(&json!({"name": "Sita Devi", "phone": "9876543210"}))
        .send()
        .await
        .unwrap();
    assert_unavailable(resp, started.elapsed(), Duration::from_millis(500)).await;
    let started = Instant::now();
    let resp = client()
        .get(format!("{api}/customers"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_unavailable(resp, started.elapsed(), Duration::from_millis(500)).await;
    let started = Instant::now();
    let resp = client()
        .get(format!("{}/health", t.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(started.elapsed() < Duration::from_millis(100));

    pg.restart().await;
    ready_until(&t.base, "postgres", "ok").await;
    let customers: Value = client()
        .get(format!("{api}/customers"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        customers["items"],
        json!([]),
        "nothing was created: {customers}"
    );
    t.stop().await;
}
