//! Attack battery, round two: what one user may hold or send over `/ws` (issue 14,
//! finding 12): sockets per user, unfinished recordings per user, frames per second.

use std::time::Duration;

use execora::auth::Role;
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest};

use crate::common::{TestApp, TestEnv, WsClient};

/// The HTTP status of a refused upgrade, or `None` when the socket opened.
async fn upgrade_refusal(url: &str, token: &str) -> Option<u16> {
    let mut req = url.into_client_request().unwrap();
    req.headers_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    match tokio_tungstenite::connect_async(req).await {
        Ok(_) => None,
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => Some(resp.status().as_u16()),
        Err(e) => panic!("unexpected upgrade failure: {e}"),
    }
}

/// Closes `ws` and waits for the server's side of the close handshake.
async fn close(mut ws: WsClient) {
    ws.stream.close(None).await.unwrap();
    while let Some(Ok(_)) = ws.stream.next().await {}
}

#[tokio::test]
async fn sockets_recordings_and_frames_per_user_are_capped() {
    let env = TestEnv::new()
        .await
        .with("EXECORA_WS_MAX_SOCKETS_PER_USER", "2")
        .with("EXECORA_WS_MAX_RECORDINGS_PER_USER", "1")
        .with("EXECORA_WS_MAX_MESSAGES_PER_SECOND", "20");
    let t = TestApp::start(&env, true, false).await;
    let (tenant, user) = env.tenant(&t.app, None).await;
    let token = t.token(tenant, user, Role::Owner);
    let mut first = WsClient::connect(&t.ws_url, &token).await;
    let mut second = WsClient::connect(&t.ws_url, &token).await;
    assert_eq!(upgrade_refusal(&t.ws_url, &token).await, Some(429));
    // One unfinished recording per user, across their sockets.
    let start = json!({"type": "audio.start", "session_id": "s1", "format": "wav"});
    first.send(start.clone()).await;
    first.send(json!({"type": "ping"})).await;
    assert_eq!(first.next().await["type"], "pong");
    // Frames are JSON too: a key named twice is refused, not resolved to the last one.
    first
        .stream
        .send(Message::Text(r#"{"type":"ping","type":"watch"}"#.into()))
        .await
        .unwrap();
    assert_eq!(first.next().await["code"], "duplicate_json_key");
    second.send(start.clone()).await;
    let refused: Value = second.next().await;
    assert_eq!(refused["code"], "too_many_recordings", "{refused}");
    // Closing a socket gives back its socket and its recording.
    close(first).await;
    let mut reopened = None;
    for _ in 0..100 {
        if upgrade_refusal(&t.ws_url, &token).await.is_none() {
            reopened = Some(());
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        reopened.is_some(),
        "the closed socket's slot never came back"
    );
    second.send(start).await;
    second.send(json!({"type": "ping"})).await;
    assert_eq!(
        second.next().await["type"],
        "pong",
        "the recording slot came back"
    );
    // A flood of frames closes the socket with 4429.
    for _ in 0..60 {
        if second
            .stream
            .send(Message::Text(json!({"type": "ping"}).to_string().into()))
            .await
            .is_err()
        {
            break;
        }
    }
    let code = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(Ok(msg)) = second.stream.next().await {
            if let Message::Close(frame) = msg {
                return frame.map(|f| u16::from(f.code));
            }
        }
        None
    })
    .await
    .expect("the flooding socket stayed open");
    assert_eq!(code, Some(4429));
    t.stop().await;
}
