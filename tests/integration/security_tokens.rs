//! Attack battery, round two: who is registered, and a login that has ended
//! (issue 14, findings 7, 9 and 16).

use std::{
    io::{BufRead, BufReader},
    process::Stdio,
    time::{Duration, Instant},
};

use serde_json::{Value, json};

use crate::common::{TestApp, TestEnv, client, sign_up, unique_email};

const PASSWORD: &str = "chai-and-samosa-42";

/// Asks for a login code; returns the status, the body and how long the answer took.
async fn request_code(base: &str, email: &str) -> (u16, Value, Duration) {
    let started = Instant::now();
    let resp = client()
        .post(format!("{base}/api/v1/auth/otp"))
        .json(&json!({ "email": email }))
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let body = resp.json().await.unwrap_or(Value::Null);
    (status, body, started.elapsed())
}

/// An SMTP server that accepts connections and never greets: a send waits for lettre's
/// 10-second timeout. Mail sent inline would hold the request that long.
fn silent_smtp() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for conn in listener.incoming().flatten() {
            held.push(conn);
        }
    });
    format!("smtp://{addr}")
}

#[tokio::test]
async fn a_login_code_request_answers_alike_for_registered_and_unknown_emails() {
    for smtp in [silent_smtp(), String::new()] {
        let env = TestEnv::new().await.with("EXECORA_SMTP_URL", &smtp);
        let t = TestApp::start(&env, true, false).await;
        let registered = unique_email("known");
        sign_up(&t.base, &registered, PASSWORD).await;
        let known = request_code(&t.base, &registered).await;
        let unknown = request_code(&t.base, &unique_email("nobody")).await;
        assert_eq!(known.0, 202, "smtp {smtp:?}: {}", known.1);
        assert_eq!(
            (known.0, &known.1),
            (unknown.0, &unknown.1),
            "smtp {smtp:?}"
        );
        // The mail is not on the request path: a stalled SMTP server holds nothing up.
        for (_, _, took) in [&known, &unknown] {
            assert!(
                *took < Duration::from_secs(2),
                "smtp {smtp:?}: took {took:?}"
            );
        }
        t.stop().await;
    }
}

#[tokio::test]
async fn development_without_smtp_says_so_at_start_up() {
    let env = TestEnv::new().await.with("EXECORA_SMTP_URL", "");
    let mut server = env
        .command(&["serve"])
        .env("EXECORA_LOG_FORMAT", "json")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = server.stderr.take().unwrap();
    // Every line up to the one that says the server is serving (or the end).
    let lines = tokio::task::spawn_blocking(move || {
        let mut seen = Vec::new();
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let serving = line.contains("\"serving\"");
            seen.push(line);
            if serving {
                break;
            }
        }
        seen
    });
    let lines = tokio::time::timeout(Duration::from_secs(30), lines)
        .await
        .expect("the server did not start")
        .unwrap();
    server.kill().unwrap();
    server.wait().unwrap();
    let warning = lines
        .iter()
        .find(|l| l.contains("EXECORA_SMTP_URL"))
        .unwrap_or_else(|| panic!("no warning about email before serving: {lines:?}"));
    assert!(warning.contains("WARN"), "{warning}");
}

/// `GET /users` with `token`: 200 while it is honoured, 401 once its login has ended.
async fn users_status(base: &str, token: &str) -> u16 {
    client()
        .get(format!("{base}/api/v1/users"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn auth_post(base: &str, path: &str, body: Value) -> (u16, Value) {
    let resp = client()
        .post(format!("{base}/api/v1/auth/{path}"))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// A new login by password: (access, refresh).
async fn login(base: &str, email: &str) -> (String, String) {
    let (status, pair) =
        auth_post(base, "login", json!({"email": email, "password": PASSWORD})).await;
    assert_eq!(status, 200, "{pair}");
    (
        pair["access_token"].as_str().unwrap().to_string(),
        pair["refresh_token"].as_str().unwrap().to_string(),
    )
}

#[tokio::test]
async fn an_access_token_dies_with_its_login_on_logout_and_on_refresh_reuse() {
    // No grace: presenting a spent refresh token is reuse at once.
    let env = TestEnv::new()
        .await
        .with("EXECORA_AUTH_REFRESH_GRACE_SECS", "0");
    let t = TestApp::start(&env, true, false).await;
    let email = unique_email("boss");
    let (_, _, access, refresh) = sign_up(&t.base, &email, PASSWORD).await;
    let (other_access, _) = login(&t.base, &email).await;
    assert_eq!(users_status(&t.base, &access).await, 200);
    assert_eq!(
        auth_post(&t.base, "logout", json!({"refresh_token": refresh}))
            .await
            .0,
        204
    );
    assert_eq!(
        users_status(&t.base, &access).await,
        401,
        "alive after logout"
    );
    // Another login of the same user is not affected.
    assert_eq!(users_status(&t.base, &other_access).await, 200);
    // Refresh-token reuse ends every access token of that login, old and new.
    let (first_access, first_refresh) = login(&t.base, &email).await;
    let (status, pair) =
        auth_post(&t.base, "refresh", json!({"refresh_token": first_refresh})).await;
    assert_eq!(status, 200, "{pair}");
    let second_access = pair["access_token"].as_str().unwrap().to_string();
    assert_eq!(users_status(&t.base, &second_access).await, 200);
    let (status, answer) =
        auth_post(&t.base, "refresh", json!({"refresh_token": first_refresh})).await;
    assert_eq!(
        (status, answer["code"].as_str()),
        (401, Some("refresh_token_reused"))
    );
    for token in [&first_access, &second_access] {
        assert_eq!(users_status(&t.base, token).await, 401, "alive after reuse");
    }
    assert_eq!(users_status(&t.base, &other_access).await, 200);
    t.stop().await;
}

#[tokio::test]
async fn a_token_of_an_ended_login_gets_no_idempotent_replay() {
    let env = TestEnv::new().await;
    let t = TestApp::start(&env, true, false).await;
    let email = unique_email("boss");
    let (_, _, access, refresh) = sign_up(&t.base, &email, PASSWORD).await;
    let create = || {
        client()
            .post(format!("{}/api/v1/customers", t.base))
            .bearer_auth(&access)
            .header("idempotency-key", "customer-dinesh-1")
            .json(&json!({"name": "Dinesh"}))
            .send()
    };
    assert_eq!(create().await.unwrap().status(), 201);
    let replay = create().await.unwrap();
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
    assert_eq!(
        auth_post(&t.base, "logout", json!({"refresh_token": refresh}))
            .await
            .0,
        204
    );
    let refused = create().await.unwrap();
    assert_eq!(refused.status(), 401);
    assert!(refused.headers().get("idempotent-replayed").is_none());
    let body: Value = refused.json().await.unwrap();
    assert!(body.get("id").is_none(), "the stored answer leaked: {body}");
    t.stop().await;
}
