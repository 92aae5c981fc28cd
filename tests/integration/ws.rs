//! `/ws`: authentication before the upgrade, the protocol, replay, and fan-out across
//! server processes.

use execora::auth::Role;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use uuid::Uuid;

use crate::common::{TestApp, TestEnv, WsClient, assert_consecutive, client, kinds};

async fn probe(base: &str, token: &str) -> Uuid {
    let job: Value = client()
        .post(format!("{base}/api/v1/probes"))
        .bearer_auth(token)
        .json(&json!({"fail_times": 1}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    job["id"].as_str().unwrap().parse().unwrap()
}

#[tokio::test]
async fn unauthenticated_upgrades_are_refused() {
    let env = TestEnv::new().await;
    let t = TestApp::start(&env, true, false).await;
    let attempts: Vec<Option<(&str, String)>> = vec![
        None,
        Some(("sec-websocket-protocol", "execora.v1, not-a-token".into())),
        Some(("authorization", "Bearer nope".into())),
    ];
    for header in attempts {
        let mut req = t.ws_url.as_str().into_client_request().unwrap();
        if let Some((k, v)) = &header {
            req.headers_mut().insert(*k, v.parse().unwrap());
        }
        let err = tokio_tungstenite::connect_async(req)
            .await
            .expect_err("upgrade must fail");
        match err {
            tokio_tungstenite::tungstenite::Error::Http(resp) => {
                assert_eq!(resp.status(), 401, "{header:?}")
            }
            other => panic!("expected an HTTP 401, got {other}"),
        }
    }
    // A plain JWT in the query string is not accepted either.
    let (tenant, user) = env.tenant(&t.app, None).await;
    let token = t.token(tenant, user, Role::Owner);
    let req = format!("{}?token={token}", t.ws_url)
        .into_client_request()
        .unwrap();
    assert!(tokio_tungstenite::connect_async(req).await.is_err());
    t.stop().await;
}

#[tokio::test]
async fn bearer_header_works_and_bad_messages_get_error_frames() {
    let env = TestEnv::new().await;
    let t = TestApp::start(&env, true, false).await;
    let (tenant, user) = env.tenant(&t.app, None).await;
    let token = t.token(tenant, user, Role::Staff);
    let mut req = t.ws_url.as_str().into_client_request().unwrap();
    req.headers_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    let (stream, _) = tokio_tungstenite::connect_async(req).await.unwrap();
    let mut ws = WsClient { stream };
    for bad in [
        json!("just a string"),
        json!({"type": "subscribe"}),
        json!({"type": "dance"}),
        json!({"type": "subscribe", "job_id": Uuid::new_v4()}),
    ] {
        ws.send(bad.clone()).await;
        let frame = ws.next().await;
        assert_eq!(frame["type"], "error", "{bad}");
    }
    ws.send(json!({"type": "ping"})).await;
    assert_eq!(
        ws.next().await["type"],
        "pong",
        "the connection survived the bad messages"
    );
    t.stop().await;
}

#[tokio::test]
async fn another_tenants_job_cannot_be_followed() {
    let env = TestEnv::new().await;
    let t = TestApp::start(&env, true, false).await;
    let (tenant_a, user_a) = env.tenant(&t.app, None).await;
    let (tenant_b, user_b) = env.tenant(&t.app, None).await;
    let job = probe(&t.base, &t.token(tenant_a, user_a, Role::Owner)).await;
    let mut ws = WsClient::connect(&t.ws_url, &t.token(tenant_b, user_b, Role::Owner)).await;
    ws.send(json!({"type": "subscribe", "job_id": job})).await;
    let frame = ws.next().await;
    assert_eq!(
        (frame["type"].as_str(), frame["code"].as_str()),
        (Some("error"), Some("not_found"))
    );
    t.stop().await;
}

#[tokio::test]
async fn events_reach_clients_on_any_server_and_resume_exactly_after_the_last_seen() {
    let env = TestEnv::new().await;
    // Two servers without workers, one worker process-alike without a server.
    let server_a = TestApp::start(&env, true, false).await;
    let server_b = TestApp::start(&env, true, false).await;
    let (tenant, user) = env.tenant(&server_a.app, None).await;
    let token = server_a.token(tenant, user, Role::Owner);
    // Subscribe on B before the job runs, so events arrive live through B's subscription.
    let job = probe(&server_a.base, &token).await;
    let mut on_b = WsClient::connect(&server_b.ws_url, &token).await;
    on_b.send(json!({"type": "subscribe", "job_id": job})).await;
    assert_eq!(on_b.next().await["type"], "subscribed");
    let worker = TestApp::start(&env, false, true).await;
    let mut live = Vec::new();
    loop {
        let frame = on_b.next().await;
        if frame["type"] == "event" {
            let done = frame["kind"] == "succeeded";
            live.push(frame);
            if done {
                break;
            }
        }
    }
    assert_consecutive(&live, 1);
    assert!(kinds(&live).contains(&"retrying".to_string()));
    // A client that saw up to event 3 reconnects to A and gets exactly 4.. in order.
    let mut on_a = WsClient::connect(&server_a.ws_url, &token).await;
    let resumed = on_a.follow_to_end(job, 3).await;
    assert_consecutive(&resumed, 4);
    assert_eq!(resumed, live[3..].to_vec());
    worker.stop().await;
    server_b.stop().await;
    server_a.stop().await;
}

#[tokio::test]
async fn sockets_close_with_4401_when_the_token_expires_unless_renewed() {
    use futures::StreamExt;
    use tokio_tungstenite::tungstenite::Message;
    let env = TestEnv::new()
        .await
        .with("EXECORA_JWT_ACCESS_TTL_SECS", "2");
    let t = TestApp::start(&env, true, false).await;
    let (tenant, user) = env.tenant(&t.app, None).await;
    let (other_tenant, other_user) = env.tenant(&t.app, None).await;
    let mut ws = WsClient::connect(&t.ws_url, &t.token(tenant, user, Role::Owner)).await;
    // Renewal with someone else's token is refused; with one's own it is accepted.
    ws.send(json!({"type": "auth", "token": t.token(other_tenant, other_user, Role::Owner)}))
        .await;
    assert_eq!(ws.next().await["code"], "unauthorized");
    ws.send(json!({"type": "auth", "token": t.token(tenant, user, Role::Owner)}))
        .await;
    let renewed = ws.next().await;
    assert_eq!(renewed["type"], "authenticated");
    assert!(renewed["expires_at"].as_i64().unwrap() >= chrono::Utc::now().timestamp());
    // Without further renewal the server closes the socket with 4401.
    let close = tokio::time::timeout(std::time::Duration::from_secs(10), async {
        while let Some(msg) = ws.stream.next().await {
            if let Ok(Message::Close(frame)) = msg {
                return frame.map(|f| u16::from(f.code));
            }
        }
        None
    })
    .await
    .expect("the server closed the socket");
    assert_eq!(close, Some(4401));
    t.stop().await;
}
