//! The real binary: crash recovery, concurrent migrations, configuration errors.

use std::{process::Stdio, time::Duration};

use execora::auth::Role;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::common::{TestApp, TestEnv, WsClient, assert_drained, client};

#[tokio::test]
async fn four_concurrent_migrations_on_an_empty_database_all_succeed() {
    let env = TestEnv::empty().await;
    let children: Vec<_> = (0..4)
        .map(|_| {
            env.command(&["migrate"])
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "migrate failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let pool = sqlx::PgPool::connect(&env.db_url).await.unwrap();
    let applied: i64 = sqlx::query_scalar("select count(*) from _sqlx_migrations where success")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(applied as usize, execora::db::MIGRATOR.iter().count());
    let jobs_tables: i64 = sqlx::query_scalar(
        "select count(*) from information_schema.tables where table_name = 'jobs'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(jobs_tables, 1);
}

#[tokio::test]
async fn a_bad_setting_stops_startup_with_one_line_naming_it() {
    let env = TestEnv::new().await.with("EXECORA_JOBS_BATCH_SIZE", "lots");
    let out = env.command(&["serve"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("EXECORA_JOBS_BATCH_SIZE"), "{stderr}");
    let env = TestEnv::new().await.with("EXECORA_PROFILE", "production");
    let out = env.command(&["serve"]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("EXECORA_JWT_PRIVATE_KEY"));
}

#[tokio::test]
async fn token_command_prints_a_token_the_server_accepts() {
    let env = TestEnv::new().await;
    let t = TestApp::start(&env, true, false).await;
    let (tenant, user) = env.tenant(&t.app, None).await;
    let out = env
        .command(&[
            "token",
            "--tenant",
            &tenant.to_string(),
            "--user",
            &user.to_string(),
            "--role",
            "manager",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let token = String::from_utf8(out.stdout).unwrap();
    let resp = client()
        .get(format!("{}/api/v1/jobs", t.base))
        .bearer_auth(token.trim())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    t.stop().await;
}

/// SIGKILL a worker with jobs in flight: another worker finishes every one, and no job
/// completes twice.
#[tokio::test]
async fn killed_worker_jobs_are_completed_by_another_exactly_once() {
    let env = TestEnv::new().await;
    let server = TestApp::start(&env, true, false).await;
    let (tenant, user) = env.tenant(&server.app, None).await;
    let token = server.token(tenant, user, Role::Owner);
    let c = client();
    let mut jobs = Vec::new();
    for _ in 0..12 {
        let job: Value = c
            .post(format!("{}/api/v1/probes", server.base))
            .bearer_auth(&token)
            .json(&json!({"sleep_ms": 3000}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        jobs.push(job["id"].as_str().unwrap().parse::<Uuid>().unwrap());
    }
    // Follow the first job so we know the doomed worker has started work.
    let mut ws = WsClient::connect(&server.ws_url, &token).await;
    ws.send(json!({"type": "subscribe", "job_id": jobs[0]}))
        .await;
    let mut doomed = env
        .command(&["work"])
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    loop {
        let frame = ws.next().await;
        if frame["kind"] == "step.started" {
            break;
        }
    }
    doomed.kill().unwrap(); // SIGKILL
    doomed.wait().unwrap();
    let running: i64 = sqlx::query_scalar("select count(*) from jobs where state = 'running'")
        .fetch_one(&server.app.pool)
        .await
        .unwrap();
    assert!(running > 0, "jobs were in flight when the worker died");
    let mut rescuer = env
        .command(&["work"])
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    for job in &jobs {
        let events = ws.follow_to_end(*job, 0).await;
        let succeeded = events.iter().filter(|e| e["kind"] == "succeeded").count();
        assert_eq!(succeeded, 1, "job {job} ended: {events:?}");
        let reports = events
            .iter()
            .filter(|e| e["kind"] == "step.succeeded" && e["data"]["step"] == "report")
            .count();
        assert_eq!(reports, 1, "job {job} completed its last step once");
    }
    assert_drained(&server.app).await;
    let _ = rescuer.kill();
    let _ = rescuer.wait();
    tokio::time::timeout(Duration::from_secs(20), server.stop())
        .await
        .unwrap();
}
