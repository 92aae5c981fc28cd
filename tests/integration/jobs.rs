//! The job runtime through the API: retries with backoff, dead letters, operator retry
//! and cancel, tenant isolation, listing.

use chrono::{DateTime, Utc};
use execora::auth::Role;
use serde_json::{Value, json};

use crate::common::{
    TestApp, TestEnv, WsClient, assert_consecutive, assert_drained, client, kinds,
};

async fn probe(base: &str, token: &str, input: Value, wait: Option<u32>) -> (u16, Value) {
    let mut req = client()
        .post(format!("{base}/api/v1/probes"))
        .bearer_auth(token)
        .json(&input);
    if let Some(w) = wait {
        req = req.header("prefer", format!("wait={w}"));
    }
    let resp = req.send().await.unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap())
}

fn at(v: &Value) -> DateTime<Utc> {
    v.as_str().unwrap().parse().unwrap()
}

#[tokio::test]
async fn transient_failures_are_retried_with_backoff_then_succeed() {
    let env = TestEnv::new().await;
    let t = TestApp::start(&env, true, true).await;
    let (tenant, user) = env.tenant(&t.app, None).await;
    let token = t.token(tenant, user, Role::Owner);
    let (status, job) = probe(&t.base, &token, json!({"fail_times": 2}), Some(30)).await;
    assert_eq!(status, 200, "{job}");
    assert_eq!(job["state"], "succeeded");
    assert_eq!(job["attempts"], 3);
    let errors = job["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 2);
    assert!(
        errors
            .iter()
            .all(|e| e["transient"] == true && e["step"] == "run")
    );
    // Backoff after attempt 2 is 1000 ms with up to half as jitter: the third attempt
    // succeeds no earlier than 500 ms after the second failure.
    let gap = at(&job["finished_at"]) - at(&errors[1]["at"]);
    assert!(gap.num_milliseconds() >= 500, "retry came after {gap}");
    let first_gap = at(&errors[1]["at"]) - at(&errors[0]["at"]);
    assert!(
        first_gap.num_milliseconds() >= 250,
        "retry came after {first_gap}"
    );
    assert_eq!(job["result"]["run"]["attempt"], 3);
    // The event history tells the same story, ids consecutive.
    let mut ws = WsClient::connect(&t.ws_url, &token).await;
    let events = ws
        .follow_to_end(job["id"].as_str().unwrap().parse().unwrap(), 0)
        .await;
    assert_consecutive(&events, 1);
    let k = kinds(&events);
    assert_eq!(k.iter().filter(|k| *k == "retrying").count(), 2, "{k:?}");
    assert_eq!(k.first().map(String::as_str), Some("accepted"));
    assert_eq!(k.last().map(String::as_str), Some("succeeded"));
    assert_drained(&t.app).await;
    t.stop().await;
}

#[tokio::test]
async fn a_job_that_always_fails_ends_dead_and_can_be_retried() {
    let env = TestEnv::new().await;
    let t = TestApp::start(&env, true, true).await;
    let (tenant, user) = env.tenant(&t.app, None).await;
    let token = t.token(tenant, user, Role::Manager);
    let (_, job) = probe(&t.base, &token, json!({"always_fail": true}), Some(30)).await;
    assert_eq!(job["state"], "dead", "{job}");
    assert_eq!(job["attempts"], 3, "max_attempts of probe.run is 3");
    let id = job["id"].as_str().unwrap().to_string();
    let c = client();
    let dead: Value = c
        .get(format!("{}/api/v1/jobs?state=dead", t.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(dead["items"].as_array().unwrap().len(), 1);
    assert_eq!(dead["items"][0]["id"], json!(id));
    // Retrying it runs it again (and it dies again); cancelling then dismisses it.
    let resp = c
        .post(format!("{}/api/v1/jobs/{id}/retry", t.base))
        .bearer_auth(&token)
        .header("prefer", "wait=30")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let again: Value = resp.json().await.unwrap();
    assert_eq!(again["state"], "dead");
    assert_eq!(again["attempts"], 6);
    assert_eq!(again["errors"].as_array().unwrap().len(), 6);
    let dismissed: Value = c
        .post(format!("{}/api/v1/jobs/{id}/cancel", t.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(dismissed["state"], "cancelled");
    assert_eq!(
        dismissed["finished_at"], again["finished_at"],
        "it keeps when it ended"
    );
    assert_drained(&t.app).await;
    t.stop().await;
}

#[tokio::test]
async fn permanent_failures_fail_without_retry() {
    let env = TestEnv::new().await;
    let t = TestApp::start(&env, true, true).await;
    let (tenant, user) = env.tenant(&t.app, None).await;
    let token = t.token(tenant, user, Role::Owner);
    let (_, job) = probe(&t.base, &token, json!({"permanent": true}), Some(30)).await;
    assert_eq!(job["state"], "failed");
    assert_eq!(job["attempts"], 1);
    assert_eq!(job["errors"][0]["transient"], false);
    t.stop().await;
}

#[tokio::test]
async fn queued_jobs_can_be_cancelled_and_then_never_run() {
    let env = TestEnv::new().await;
    // A server with no workers: the job stays queued.
    let server = TestApp::start(&env, true, false).await;
    let (tenant, user) = env.tenant(&server.app, None).await;
    let token = server.token(tenant, user, Role::Owner);
    let (status, job) = probe(&server.base, &token, json!({}), None).await;
    assert_eq!(status, 202);
    assert_eq!(job["state"], "queued");
    let id = job["id"].as_str().unwrap().to_string();
    let c = client();
    let staff = server.token(tenant, user, Role::Staff);
    let resp = c
        .post(format!("{}/api/v1/jobs/{id}/cancel", server.base))
        .bearer_auth(&staff)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403, "staff may not cancel jobs");
    let resp = c
        .post(format!("{}/api/v1/jobs/{id}/cancel", server.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    // Now a worker drains the queue: the cancelled delivery is a no-op, and a second
    // probe enqueued after it completes, proving the worker went past it.
    let workers = TestApp::start(&env, false, true).await;
    let (_, later) = probe(&server.base, &token, json!({}), Some(30)).await;
    assert_eq!(later["state"], "succeeded");
    let job: Value = c
        .get(format!("{}/api/v1/jobs/{id}", server.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(job["state"], "cancelled");
    assert_eq!(job["attempts"], 0, "a cancelled job never started");
    workers.stop().await;
    server.stop().await;
}

#[tokio::test]
async fn another_tenants_job_is_not_found() {
    let env = TestEnv::new().await;
    let t = TestApp::start(&env, true, false).await;
    let (tenant_a, user_a) = env.tenant(&t.app, None).await;
    let (tenant_b, user_b) = env.tenant(&t.app, None).await;
    let token_a = t.token(tenant_a, user_a, Role::Owner);
    let token_b = t.token(tenant_b, user_b, Role::Owner);
    let (_, job) = probe(&t.base, &token_a, json!({}), None).await;
    let id = job["id"].as_str().unwrap();
    let c = client();
    for (method, path) in [
        ("GET", format!("/api/v1/jobs/{id}")),
        ("POST", format!("/api/v1/jobs/{id}/cancel")),
        ("POST", format!("/api/v1/jobs/{id}/retry")),
    ] {
        let url = format!("{}{path}", t.base);
        let req = if method == "GET" {
            c.get(&url)
        } else {
            c.post(&url)
        };
        let resp = req.bearer_auth(&token_b).send().await.unwrap();
        assert_eq!(resp.status(), 404, "{method} {path}");
    }
    let list: Value = c
        .get(format!("{}/api/v1/jobs", t.base))
        .bearer_auth(&token_b)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"], json!([]));
    t.stop().await;
}

#[tokio::test]
async fn jobs_are_listed_newest_first_with_filters_and_pages() {
    let env = TestEnv::new().await;
    let t = TestApp::start(&env, true, false).await;
    let (tenant, user) = env.tenant(&t.app, None).await;
    let token = t.token(tenant, user, Role::Owner);
    let mut ids = Vec::new();
    for _ in 0..5 {
        let (_, job) = probe(&t.base, &token, json!({}), None).await;
        ids.push(job["id"].as_str().unwrap().to_string());
    }
    let c = client();
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut url = format!("{}/api/v1/jobs?workflow=probe&state=queued&limit=2", t.base);
        if let Some(cur) = &cursor {
            url.push_str(&format!("&cursor={cur}"));
        }
        let page: Value = c
            .get(&url)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        seen.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|j| j["id"].as_str().unwrap().to_string()),
        );
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => break,
        }
    }
    ids.reverse();
    assert_eq!(seen, ids);
    let none: Value = c
        .get(format!("{}/api/v1/jobs?workflow=webhook", t.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(none["items"], json!([]));
    t.stop().await;
}

#[tokio::test]
async fn a_recorded_but_never_pushed_job_is_pushed_again_by_the_sweeper() {
    let env = TestEnv::new()
        .await
        .with("EXECORA_JOBS_REQUEUE_AFTER_SECS", "0");
    let t = TestApp::start(&env, true, true).await;
    let (tenant, user) = env.tenant(&t.app, None).await;
    let token = t.token(tenant, user, Role::Owner);
    // As if the process died between writing the record and pushing it.
    let id = uuid::Uuid::now_v7();
    let job = execora::domain::jobs::NewJob {
        id,
        business_id: tenant,
        user_id: None,
        workflow: "probe".into(),
        input: json!({}),
        request_id: None,
        traceparent: None,
    };
    execora::domain::jobs::insert_queued(&t.app.pool, &job)
        .await
        .unwrap();
    let mut ws = WsClient::connect(&t.ws_url, &token).await;
    ws.send(json!({"type": "subscribe", "job_id": id})).await;
    assert_eq!(ws.next().await["type"], "subscribed");
    let pushed = execora::workflows::upkeep::requeue_overdue(&t.app.runtime, &t.app.settings)
        .await
        .unwrap();
    assert_eq!(pushed, 1);
    // Pushing the same delivery again is dropped by the idempotency key.
    execora::workflows::upkeep::requeue_overdue(&t.app.runtime, &t.app.settings)
        .await
        .unwrap();
    let events = ws.follow_to_end(id, 0).await;
    assert_eq!(
        kinds(&events).iter().filter(|k| *k == "succeeded").count(),
        1
    );
    let job: Value = client()
        .get(format!("{}/api/v1/jobs/{id}", t.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (job["state"].as_str(), job["attempts"].as_i64()),
        (Some("succeeded"), Some(1))
    );
    t.stop().await;
}

#[tokio::test]
async fn finished_jobs_past_retention_are_cleaned_up_in_postgres_and_redis() {
    let env = TestEnv::new()
        .await
        .with("EXECORA_JOBS_RETENTION_SECS", "0");
    let t = TestApp::start(&env, true, true).await;
    let (tenant, user) = env.tenant(&t.app, None).await;
    let token = t.token(tenant, user, Role::Owner);
    let (_, job) = probe(&t.base, &token, json!({}), Some(30)).await;
    assert_eq!(job["state"], "succeeded");
    let job_id = job["id"].as_str().unwrap().to_string();
    let producer = t
        .app
        .queue
        .producers()
        .find(|(w, _)| *w == "probe")
        .map(|(_, p)| p.clone())
        .unwrap();
    let rows = execora::workflows::upkeep::clean_up(&t.app.runtime, &t.app.settings)
        .await
        .unwrap();
    assert_eq!(rows, 1);
    let resp = client()
        .get(format!("{}/api/v1/jobs/{job_id}", t.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    // Redis keeps nothing of the finished job but a deduplication key that expires.
    let mut conn = t.app.redis.clone();
    t.stop().await;
    let depth = producer.depth().await.unwrap();
    assert_eq!((depth.waiting, depth.in_flight, depth.delayed), (0, 0, 0));
    let ttl: i64 = redis::cmd("TTL")
        .arg(producer.config().dedupe_key(&format!("{job_id}:1")))
        .query_async(&mut conn)
        .await
        .unwrap();
    assert!((1..=86_400).contains(&ttl), "dedupe key expires: ttl {ttl}");
}

/// A backlog of due deliveries far larger than one promotion batch (workers down while
/// retries kept falling due) drains once workers start.
#[tokio::test]
async fn a_backlog_of_20000_due_deliveries_drains() {
    let env = TestEnv::new().await;
    let t = TestApp::start(&env, false, false).await;
    // Deliveries of jobs without records: each is a quick no-op for the worker.
    let backlog: Vec<_> = (0..20_000)
        .map(|_| execora::workflows::queue::Delivery {
            job_id: uuid::Uuid::now_v7(),
            workflow: "noop".into(),
            delivery: 1,
            delay: std::time::Duration::from_millis(1),
        })
        .collect();
    for chunk in backlog.chunks(2000) {
        t.app.queue.push_many(chunk).await.unwrap();
    }
    let producer = t
        .app
        .queue
        .producers()
        .find(|(w, _)| *w == "noop")
        .map(|(_, p)| p.clone())
        .unwrap();
    assert_eq!(producer.depth().await.unwrap().delayed, 20_000);
    let workers = TestApp::start(&env, false, true).await;
    let mut depth = producer.depth().await.unwrap();
    for _ in 0..1200 {
        if depth.delayed + depth.waiting + depth.in_flight == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        depth = producer.depth().await.unwrap();
    }
    assert_eq!(
        (depth.delayed, depth.waiting, depth.in_flight),
        (0, 0, 0),
        "every delivery was promoted, read and acknowledged"
    );
    workers.stop().await;
}
