//! Pausing a queue: owners only, from the API or the CLI; workers stop taking the
//! workflow's jobs, which wait; the state shows in `GET /queues` and `/metrics`; a
//! resume lets them run.

use std::time::Duration;

use execora::auth::Role;
use serde_json::{Value, json};

use crate::common::{TestApp, TestEnv, assert_drained, client};

async fn post(t: &TestApp, path: &str, token: &str, body: Value) -> (u16, Value) {
    let resp = client()
        .post(format!("{}/api/v1{path}", t.base))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn get(t: &TestApp, path: &str, token: &str) -> Value {
    client()
        .get(format!("{}/api/v1{path}", t.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn cli(t: &TestApp, token: &str, args: &[&str]) -> String {
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_execora"))
        .args(args)
        .args(["--url", &t.base])
        .env("EXECORA_TOKEN", token)
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

async fn paused_metric(t: &TestApp) -> String {
    let text = client()
        .get(format!("{}/metrics", t.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .find(|l| l.starts_with("execora_queue_paused{workflow=\"probe\"}"))
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn a_paused_queue_holds_its_jobs_until_an_owner_resumes_it() {
    let env = TestEnv::new().await;
    let t = TestApp::start(&env, true, true).await;
    let (tenant, user) = env.tenant(&t.app, None).await;
    let (owner, manager) = (
        t.token(tenant, user, Role::Owner),
        t.token(tenant, user, Role::Manager),
    );
    assert_eq!(
        post(&t, "/queues/probe/pause", &manager, json!({})).await.0,
        403
    );
    assert_eq!(
        post(&t, "/queues/nope/pause", &owner, json!({})).await.0,
        404
    );
    assert_eq!(
        cli(&t, &owner, &["queues", "pause", "probe"]).await,
        "queue probe paused\n"
    );
    assert!(paused_metric(&t).await.ends_with(" 1"));
    let queues = get(&t, "/queues", &owner).await;
    let probe = queues["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["workflow"] == "probe")
        .unwrap()
        .clone();
    assert_eq!(probe["paused"], true);

    // Workers read the state once a second: nothing to await but that.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let (status, job) = post(&t, "/probes", &owner, json!({})).await;
    assert_eq!(status, 202);
    let path = format!("/jobs/{}", job["id"].as_str().unwrap());
    // Nothing to await either: the job must not start (the workers read it twice).
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(get(&t, &path, &owner).await["state"], "queued");

    let (status, state) = post(&t, "/queues/probe/resume", &owner, json!({})).await;
    assert_eq!((status, state["paused"].clone()), (200, json!(false)));
    assert!(paused_metric(&t).await.ends_with(" 0"));
    let mut state = Value::Null;
    for _ in 0..100 {
        state = get(&t, &path, &owner).await["state"].clone();
        if state == "succeeded" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(state, "succeeded");
    assert_drained(&t.app).await;
    t.stop().await;
}
