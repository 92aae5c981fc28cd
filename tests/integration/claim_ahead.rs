//! Claiming ahead (`workflows::claim_ahead`): a worker claims tasks in batches before
//! they reach a slot; stopping it gracefully gives those claims back, so a job that never
//! started here loses no attempt and is `queued` again.

use std::time::Duration;

use execora::domain::jobs::NewJob;
use serde_json::json;
use uuid::Uuid;

use crate::common::{TestApp, TestEnv, assert_drained};

const JOBS: usize = 30;

/// (state, attempts) of every job of the tenant.
async fn states(pool: &sqlx::PgPool, tenant: Uuid) -> Vec<(String, i32)> {
    sqlx::query_as("select state, attempts from jobs where business_id = $1")
        .bind(tenant)
        .fetch_all(pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_graceful_stop_gives_back_the_claims_of_jobs_that_never_started() {
    let env = TestEnv::new().await;
    let t = TestApp::start(&env, false, false).await;
    let (tenant, _) = env.tenant(&t.app, None).await;
    // Probe runs 8 at a time: slow jobs keep the rest claimed ahead, waiting for a slot.
    let jobs: Vec<NewJob> = (0..JOBS)
        .map(|_| NewJob {
            id: Uuid::now_v7(),
            business_id: tenant,
            user_id: None,
            workflow: "probe".into(),
            input: json!({"sleep_ms": 1500}),
            request_id: None,
            traceparent: None,
        })
        .collect();
    t.app.queue.enqueue_many(jobs).await.unwrap();
    let workers = TestApp::start(&env, false, true).await;
    // Wait (polling the record) until the worker has claimed more than its slots.
    let pool = &t.app.pool;
    for _ in 0..300 {
        let claimed = states(pool, tenant)
            .await
            .iter()
            .filter(|(_, a)| *a > 0)
            .count();
        if claimed > 8 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    workers.stop().await;
    // Each job either ran here (and finished: a graceful stop lets running jobs end) or
    // never started, with no attempt counted.
    for (state, attempts) in states(pool, tenant).await {
        assert!(
            (state == "succeeded" && attempts == 1) || (state == "queued" && attempts == 0),
            "a job left {state} with {attempts} attempts"
        );
    }
    // The next worker runs the rest, each in one attempt.
    let workers = TestApp::start(&env, false, true).await;
    for _ in 0..600 {
        let all = states(pool, tenant).await;
        if all.iter().all(|(s, _)| s == "succeeded") {
            assert!(all.iter().all(|(_, a)| *a == 1), "{all:?}");
            workers.stop().await;
            assert_drained(&t.app).await;
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "the jobs did not all finish: {:?}",
        states(pool, tenant).await
    );
}
