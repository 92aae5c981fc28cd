//! Logs never contain secrets: the real binary, at debug level, through a full session.

use std::{io::Read, process::Stdio, time::Duration};

use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::common::{
    APP_SECRET, TestEnv, VERIFY_TOKEN, WsClient, client, login_code_for, sign, unique_email,
};

/// Occurrences of `needle` not embedded in a longer alphanumeric run (so a 6-digit
/// code does not "match" inside a timestamp or an id).
fn appears(haystack: &str, needle: &str) -> bool {
    haystack.match_indices(needle).any(|(i, _)| {
        let before = haystack[..i].chars().next_back();
        let after = haystack[i + needle.len()..].chars().next();
        !before.is_some_and(|c| c.is_ascii_alphanumeric())
            && !after.is_some_and(|c| c.is_ascii_alphanumeric())
    })
}

#[tokio::test]
async fn logs_of_a_full_session_contain_no_secrets() {
    let env = TestEnv::new().await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let log_path = std::env::temp_dir().join(format!("execora-logs-{port}.log"));
    let log_file = std::fs::File::create(&log_path).unwrap();
    let mut server = env
        .command(&["run"])
        .env("EXECORA_LISTEN", format!("127.0.0.1:{port}"))
        .env("EXECORA_LOG_FORMAT", "json")
        .env("RUST_LOG", "debug")
        .stdout(Stdio::null())
        .stderr(Stdio::from(log_file))
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let c = client();
    let mut up = false;
    for _ in 0..200 {
        if c.get(format!("{base}/health")).send().await.is_ok() {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(up, "server did not start");

    let email = unique_email("logs");
    let password = "very-secret-password-7781";
    let signed: Value = c.post(format!("{base}/api/v1/businesses")).json(&json!({"business_name": "Log Shop", "owner_name": "L", "owner_email": email, "password": password})).send().await.unwrap().json().await.unwrap();
    let first_access = signed["tokens"]["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let first_refresh = signed["tokens"]["refresh_token"]
        .as_str()
        .unwrap()
        .to_string();
    let wrong = c
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"email": email, "password": "wrong-password-9912"}))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    assert_eq!(
        c.post(format!("{base}/api/v1/auth/otp"))
            .json(&json!({"email": email}))
            .send()
            .await
            .unwrap()
            .status(),
        202
    );
    let code = login_code_for(&email).await;
    let pair: Value = c
        .post(format!("{base}/api/v1/auth/otp/verify"))
        .json(&json!({"email": email, "code": code}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let access = pair["access_token"].as_str().unwrap().to_string();
    let refreshed: Value = c
        .post(format!("{base}/api/v1/auth/refresh"))
        .json(&json!({"refresh_token": pair["refresh_token"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let new_refresh = refreshed["refresh_token"].as_str().unwrap().to_string();
    let ticket: Value = c
        .post(format!("{base}/api/v1/auth/ws-ticket"))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ticket = ticket["ticket"].as_str().unwrap().to_string();
    let (stream, _) =
        tokio_tungstenite::connect_async(format!("ws://127.0.0.1:{port}/ws?ticket={ticket}"))
            .await
            .unwrap();
    let mut ws = WsClient { stream };
    ws.send(json!({"type": "ping"})).await;
    assert_eq!(ws.next().await["type"], "pong");
    let mut ws2 = WsClient::connect(&format!("ws://127.0.0.1:{port}/ws"), &access).await;
    ws2.send(json!({"type": "ping"})).await;
    assert_eq!(ws2.next().await["type"], "pong");
    // A query-string token is refused, and must not be logged either.
    let query_token = format!("ws://127.0.0.1:{port}/ws?token={access}")
        .into_client_request()
        .unwrap();
    assert!(tokio_tungstenite::connect_async(query_token).await.is_err());
    let body = br#"{"object":"whatsapp_business_account","entry":[]}"#;
    let signature = sign(body);
    let hook = c
        .post(format!("{base}/api/v1/webhooks/whatsapp"))
        .header("content-type", "application/json")
        .header("x-hub-signature-256", &signature)
        .body(body.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(hook.status(), 200);
    let verify = c.get(format!("{base}/api/v1/webhooks/whatsapp?hub.mode=subscribe&hub.challenge=42&hub.verify_token={VERIFY_TOKEN}")).send().await.unwrap();
    assert_eq!(verify.status(), 200);
    c.post(format!("{base}/api/v1/auth/logout"))
        .json(&json!({"refresh_token": new_refresh}))
        .send()
        .await
        .unwrap();

    // Stop the server so every log line is flushed.
    sigterm(server.id());
    let _ = tokio::task::spawn_blocking(move || server.wait()).await;
    let mut logs = String::new();
    std::fs::File::open(&log_path)
        .unwrap()
        .read_to_string(&mut logs)
        .unwrap();
    assert!(logs.contains("serving"), "the log was captured");
    let secrets = [
        ("password", password.to_string()),
        ("wrong password", "wrong-password-9912".to_string()),
        ("first access token", first_access),
        ("first refresh token", first_refresh),
        ("access token", access),
        ("refresh token", new_refresh),
        ("login code", code),
        ("ws ticket", ticket),
        (
            "webhook signature",
            signature.trim_start_matches("sha256=").to_string(),
        ),
        ("app secret", APP_SECRET.to_string()),
        ("verify token", VERIFY_TOKEN.to_string()),
    ];
    for (name, secret) in secrets {
        assert!(!appears(&logs, &secret), "the {name} appears in the logs");
    }
}

/// SIGTERM via the `kill` command (no libc dependency for one signal).
fn sigterm(pid: u32) {
    let _ = std::process::Command::new("kill")
        .arg("-TERM")
        .arg(pid.to_string())
        .status();
}
