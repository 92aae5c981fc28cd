//! WhatsApp webhooks end to end: signature, job, events over `/ws`, stored once.

use std::time::Duration;

use execora::{auth::Role, domain::whatsapp};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::common::{
    PHONE_NUMBER_ID, TestApp, TestEnv, VERIFY_TOKEN, WsClient, assert_consecutive, assert_drained,
    client, kinds, sign,
};

/// The signed test vector of CONTRACTS.md §1 (phone-number id 123).
const CONTRACT_BODY: &str = r#"{"object":"whatsapp_business_account","entry":[{"id":"0","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550000000","phone_number_id":"123"},"messages":[{"from":"15551234567","id":"wamid.X","timestamp":"1700000000","type":"text","text":{"body":"caf\u00e9 \/ ok"}}]}}]}]}"#;
const CONTRACT_SIGNATURE: &str =
    "sha256=0f5d2f31e9b017fe9910f3a98ca699127bd58c344af7e5c929fc35e51e8dc46e";

fn statuses_body(pairs: &[(&str, &str)]) -> String {
    let statuses: Vec<Value> = pairs
        .iter()
        .map(|(id, status)| json!({"id": id, "status": status, "timestamp": "1750030073", "recipient_id": "16505551234"}))
        .collect();
    json!({"object": "whatsapp_business_account", "entry": [{"id": "0", "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp", "metadata": {"display_phone_number": "15550000000", "phone_number_id": PHONE_NUMBER_ID},
        "statuses": statuses}}]}]})
    .to_string()
}

async fn post(base: &str, body: &str, signature: Option<&str>) -> reqwest::Response {
    let mut req = client()
        .post(format!("{base}/api/v1/webhooks/whatsapp"))
        .header("content-type", "application/json")
        .body(body.to_string());
    if let Some(s) = signature {
        req = req.header("x-hub-signature-256", s);
    }
    req.send().await.unwrap()
}

async fn webhook_jobs(base: &str, token: &str) -> Vec<Uuid> {
    let page: Value = client()
        .get(format!("{base}/api/v1/jobs?workflow=webhook"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["id"].as_str().unwrap().parse().unwrap())
        .collect()
}

#[tokio::test]
async fn signed_webhook_becomes_a_job_whose_events_stream_over_ws() {
    let env = TestEnv::new().await;
    let t = TestApp::start(&env, true, true).await;
    let (tenant, user) = env.tenant(&t.app, Some(PHONE_NUMBER_ID)).await;
    let token = t.token(tenant, user, Role::Owner);
    let resp = post(&t.base, CONTRACT_BODY, Some(CONTRACT_SIGNATURE)).await;
    assert_eq!(resp.status(), 200);
    let jobs = webhook_jobs(&t.base, &token).await;
    assert_eq!(jobs.len(), 1);
    let mut ws = WsClient::connect(&t.ws_url, &token).await;
    let events = ws.follow_to_end(jobs[0], 0).await;
    assert_consecutive(&events, 1);
    assert_eq!(
        kinds(&events),
        [
            "accepted",
            "step.started",
            "step.succeeded",
            "step.started",
            "step.succeeded",
            "succeeded"
        ]
    );
    assert_eq!(events[4]["data"]["output"]["messages_stored"], 1);
    let job: Value = client()
        .get(format!("{}/api/v1/jobs/{}", t.base, jobs[0]))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(job["state"], "succeeded");
    assert_eq!(
        whatsapp::inbound_count(&t.app.pool, tenant).await.unwrap(),
        1
    );
    assert_drained(&t.app).await;
    t.stop().await;
}

#[tokio::test]
async fn the_same_payload_twice_is_applied_once() {
    let env = TestEnv::new().await;
    let t = TestApp::start(&env, true, true).await;
    let (tenant, user) = env.tenant(&t.app, Some(PHONE_NUMBER_ID)).await;
    let token = t.token(tenant, user, Role::Owner);
    for _ in 0..2 {
        assert_eq!(
            post(&t.base, CONTRACT_BODY, Some(CONTRACT_SIGNATURE))
                .await
                .status(),
            200
        );
    }
    let jobs = webhook_jobs(&t.base, &token).await;
    assert_eq!(jobs.len(), 2, "each delivery is its own job");
    let mut ws = WsClient::connect(&t.ws_url, &token).await;
    let mut stored = 0;
    let mut duplicates = 0;
    for job in jobs {
        let events = ws.follow_to_end(job, 0).await;
        let applied = &events[events.len() - 2]["data"]["output"];
        stored += applied["messages_stored"].as_u64().unwrap();
        duplicates += applied["messages_duplicate"].as_u64().unwrap();
    }
    assert_eq!((stored, duplicates), (1, 1));
    assert_eq!(
        whatsapp::inbound_count(&t.app.pool, tenant).await.unwrap(),
        1
    );
    t.stop().await;
}

#[tokio::test]
async fn delivery_statuses_never_go_backwards() {
    let env = TestEnv::new().await;
    let t = TestApp::start(&env, true, true).await;
    let (tenant, user) = env.tenant(&t.app, Some(PHONE_NUMBER_ID)).await;
    let token = t.token(tenant, user, Role::Owner);
    let mut ws = WsClient::connect(&t.ws_url, &token).await;
    // `read` arrives before `delivered` (Meta does not guarantee order).
    for batch in [
        vec![("wamid.A", "sent"), ("wamid.A", "read")],
        vec![("wamid.A", "delivered")],
    ] {
        let body = statuses_body(&batch);
        assert_eq!(
            post(&t.base, &body, Some(&sign(body.as_bytes())))
                .await
                .status(),
            200
        );
        let job = webhook_jobs(&t.base, &token).await[0];
        let events = ws.follow_to_end(job, 0).await;
        assert_eq!(kinds(&events).last().unwrap(), "succeeded");
    }
    assert_eq!(
        whatsapp::message_status(&t.app.pool, tenant, "wamid.A")
            .await
            .unwrap()
            .as_deref(),
        Some("read")
    );
    t.stop().await;
}

#[tokio::test]
async fn bad_or_missing_signatures_are_refused_and_nothing_is_enqueued() {
    let env = TestEnv::new().await;
    let t = TestApp::start(&env, true, false).await;
    let (tenant, user) = env.tenant(&t.app, Some(PHONE_NUMBER_ID)).await;
    let token = t.token(tenant, user, Role::Owner);
    // Re-serialised JSON has a different signature: it must fail.
    let reserialised =
        serde_json::to_string(&serde_json::from_str::<Value>(CONTRACT_BODY).unwrap()).unwrap();
    for (body, sig) in [
        (CONTRACT_BODY.to_string(), None),
        (
            CONTRACT_BODY.to_string(),
            Some("sha256=deadbeef".to_string()),
        ),
        (
            CONTRACT_BODY.to_string(),
            Some(CONTRACT_SIGNATURE.replace("sha256=", "")),
        ),
        (reserialised, Some(CONTRACT_SIGNATURE.to_string())),
    ] {
        let resp = post(&t.base, &body, sig.as_deref()).await;
        assert_eq!(resp.status(), 401, "{sig:?}");
        assert_eq!(
            resp.json::<Value>().await.unwrap()["code"],
            "invalid_signature"
        );
    }
    // Signed but not a webhook envelope: a 400, nothing enqueued.
    let junk = "{\"hello\": 1}";
    assert_eq!(
        post(&t.base, junk, Some(&sign(junk.as_bytes())))
            .await
            .status(),
        400
    );
    assert!(webhook_jobs(&t.base, &token).await.is_empty());
    t.stop().await;
}

#[tokio::test]
async fn verification_handshake_echoes_the_challenge_only_for_the_right_token() {
    let env = TestEnv::new().await;
    let t = TestApp::start(&env, true, false).await;
    let c = client();
    let url = |token: &str, mode: &str| {
        format!(
            "{}/api/v1/webhooks/whatsapp?hub.mode={mode}&hub.challenge=1158201444&hub.verify_token={token}",
            t.base
        )
    };
    let ok = c.get(url(VERIFY_TOKEN, "subscribe")).send().await.unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.text().await.unwrap(), "1158201444");
    assert_eq!(
        c.get(url("wrong", "subscribe"))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    assert_eq!(
        c.get(url(VERIFY_TOKEN, "unsubscribe"))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    t.stop().await;
}

#[tokio::test]
async fn redis_down_answers_503_so_meta_retries() {
    // A private Redis this test can kill.
    let port = portpicker();
    let mut redis = std::process::Command::new("redis-server")
        .args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ])
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("redis-server (installed by scripts/services)");
    let url = format!("redis://127.0.0.1:{port}/");
    let mut up = false;
    for _ in 0..100 {
        if redis::Client::open(url.as_str())
            .unwrap()
            .get_multiplexed_async_connection()
            .await
            .is_ok()
        {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(up, "private redis did not start");
    let env = TestEnv::new().await.with("REDIS_URL", &url);
    let t = TestApp::start(&env, true, false).await;
    let (tenant, _) = env.tenant(&t.app, Some(PHONE_NUMBER_ID)).await;
    redis.kill().unwrap();
    redis.wait().unwrap();
    let resp = post(&t.base, CONTRACT_BODY, Some(CONTRACT_SIGNATURE)).await;
    assert_eq!(resp.status(), 503);
    assert_eq!(resp.json::<Value>().await.unwrap()["code"], "unavailable");
    let ready = client()
        .get(format!("{}/ready", t.base))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 503);
    assert_eq!(ready.json::<Value>().await.unwrap()["redis"], "unreachable");
    // No half-written job record remains.
    let count: i64 = sqlx::query_scalar("select count(*) from jobs where business_id = $1")
        .bind(tenant)
        .fetch_one(&t.app.pool)
        .await
        .unwrap();
    assert_eq!(count, 0);
    t.stop().await;
}

fn portpicker() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
