//! Graceful shutdown of the real binary: SIGTERM under load closes WebSockets with 1001,
//! lets running jobs finish, exits 0, and every job accepted with 202 is finished by the
//! next worker.

use std::{
    process::{Child, Stdio},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use execora::auth::Role;
use futures::StreamExt;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::{Message, protocol::frame::coding::CloseCode};
use uuid::Uuid;

use crate::common::{TestApp, TestEnv, WsClient, assert_drained, client};

/// A loopback port nobody listens on (the process must be told its address up front).
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

fn sigterm(child: &Child) {
    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// Waits for the process to exit; its exit code, or a failure after `limit`.
async fn exit_code_within(child: &mut Child, limit: Duration) -> Option<i32> {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status.code();
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the process did not exit within {limit:?} of SIGTERM");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn wait_until_healthy(base: &str) {
    for _ in 0..300 {
        if let Ok(resp) = client().get(format!("{base}/health")).send().await
            && resp.status() == 200
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("execora run did not become healthy");
}

/// Posts probe jobs from several loops until the server stops answering; returns the
/// ids accepted with 202.
fn load(
    base: String,
    token: String,
    accepted: Arc<Mutex<Vec<Uuid>>>,
) -> Vec<tokio::task::JoinHandle<()>> {
    (0..4)
        .map(|_| {
            let (base, token, accepted) = (base.clone(), token.clone(), accepted.clone());
            tokio::spawn(async move {
                let c = client();
                // Paced, so the load is still arriving when SIGTERM does; capped, so a
                // server that never stops fails the test instead of filling the disk.
                while accepted.lock().unwrap().len() < 1000 {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    let Ok(resp) = c
                        .post(format!("{base}/api/v1/probes"))
                        .bearer_auth(&token)
                        .json(&json!({"sleep_ms": 200}))
                        .send()
                        .await
                    else {
                        return; // the server has stopped accepting
                    };
                    if resp.status() != 202 {
                        return;
                    }
                    let Ok(job) = resp.json::<Value>().await else {
                        return;
                    };
                    let id = job["id"].as_str().unwrap().parse().unwrap();
                    accepted.lock().unwrap().push(id);
                }
            })
        })
        .collect()
}

#[tokio::test]
async fn sigterm_closes_sockets_with_1001_finishes_running_jobs_and_loses_none() {
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let env = TestEnv::new()
        .await
        .with("EXECORA_LISTEN", &format!("127.0.0.1:{port}"))
        .with("EXECORA_JOBS_SHUTDOWN_TIMEOUT_SECS", "10")
        .with("EXECORA_LIMITS_API_PER_USER_PER_MINUTE", "100000");
    // Only for tokens and database checks: same data directory, so the same signing key.
    let helper = TestApp::start(&env, false, false).await;
    let (tenant, user) = env.tenant(&helper.app, None).await;
    let token = helper.token(tenant, user, Role::Owner);
    let mut server = env
        .command(&["run"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_until_healthy(&base).await;

    let accepted = Arc::new(Mutex::new(Vec::new()));
    let loaders = load(base.clone(), token.clone(), accepted.clone());
    // Wait until jobs are running, and follow one of them on a socket.
    let mut ws = WsClient::connect(&format!("ws://127.0.0.1:{port}/ws"), &token).await;
    let first = loop {
        if let Some(id) = accepted.lock().unwrap().first().copied() {
            break id;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    ws.send(json!({"type": "subscribe", "job_id": first})).await;
    loop {
        let frame = ws.next().await;
        if frame["kind"] == "step.started" {
            break;
        }
    }
    tokio::time::sleep(Duration::from_millis(500)).await;

    sigterm(&server);
    let signalled = Instant::now();
    let close = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match ws.stream.next().await {
                Some(Ok(Message::Close(frame))) => return frame,
                Some(Ok(_)) => {}
                other => panic!("the socket ended without a close frame: {other:?}"),
            }
        }
    })
    .await
    .expect("a close frame within 5 s of SIGTERM")
    .expect("a close code");
    assert_eq!(close.code, CloseCode::Away);
    assert!(close.reason.contains("reconnect"), "{}", close.reason);
    assert!(close.reason.contains("after"), "{}", close.reason);

    // Exits cleanly once running jobs finished, well inside the 10 s job timeout.
    let code = exit_code_within(&mut server, Duration::from_secs(20)).await;
    assert_eq!(code, Some(0), "exit status after SIGTERM");
    assert!(signalled.elapsed() < Duration::from_secs(15));
    for l in loaders {
        l.await.unwrap();
    }
    let accepted = accepted.lock().unwrap().clone();
    assert!(accepted.len() > 10, "load was applied: {}", accepted.len());
    let pool = &helper.app.pool;
    let running: i64 = sqlx::query_scalar("select count(*) from jobs where state = 'running'")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(running, 0, "in-flight jobs finished before the exit");
    let left: i64 = sqlx::query_scalar("select count(*) from jobs where state = 'queued'")
        .fetch_one(pool)
        .await
        .unwrap();
    assert!(
        left > 0,
        "the load outran the workers, so the next worker has work"
    );

    // The next worker finishes every accepted job.
    let mut worker = env
        .command(&["work"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let open: i64 = sqlx::query_scalar(
            "select count(*) from jobs where state in ('queued', 'running', 'retrying')",
        )
        .fetch_one(pool)
        .await
        .unwrap();
        if open == 0 {
            break;
        }
        assert!(Instant::now() < deadline, "{open} jobs still open");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let succeeded: i64 =
        sqlx::query_scalar("select count(*) from jobs where id = any($1) and state = 'succeeded'")
            .bind(&accepted)
            .fetch_one(pool)
            .await
            .unwrap();
    assert_eq!(
        succeeded as usize,
        accepted.len(),
        "every accepted job succeeded"
    );
    assert_drained(&helper.app).await;
    sigterm(&worker);
    let code = exit_code_within(&mut worker, Duration::from_secs(20)).await;
    assert_eq!(code, Some(0), "an idle worker exits cleanly too");
    helper.stop().await;
}
