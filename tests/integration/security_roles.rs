//! Attack battery, round two: roles on the voice channel and revocation reaching open
//! sockets (issue 14, findings 1 and 2).

use std::time::Duration;

use execora::{auth::Role, domain::users};
use futures::StreamExt;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use uuid::Uuid;

use crate::{
    common::{TestApp, TestEnv, WsClient, client, kinds, unique_email},
    voice::{event, ledger_rows, offline, say, shop},
};

/// A staff member of `tenant`, with an access token.
async fn staff(t: &TestApp, tenant: Uuid) -> (Uuid, String) {
    let user = users::invite(
        &t.app.pool,
        tenant,
        &unique_email("staff"),
        "Dinesh",
        Role::Staff,
    )
    .await
    .unwrap();
    (user.id, t.token(tenant, user.id, Role::Staff))
}

/// The status of the customer's only invoice.
async fn invoice_status(t: &TestApp, tenant: Uuid) -> (Uuid, String) {
    sqlx::query_as("select id, status from invoices where business_id = $1")
        .bind(tenant)
        .fetch_one(&t.app.pool)
        .await
        .unwrap()
}

/// The owner issues an invoice for Ramesh by voice.
async fn issued_invoice(ws: &mut WsClient) {
    say(ws, "issue", "Ramesh ke liye do kilo chawal ka bill banao").await;
    let done = say(ws, "issue", "haan").await;
    let job: Uuid = serde_json::from_value(event(&done, "result")["job_id"].clone()).unwrap();
    let events = ws.follow_to_end(job, 0).await;
    assert_eq!(kinds(&events).last().unwrap(), "succeeded", "{events:?}");
}

#[tokio::test]
async fn staff_cannot_cancel_an_invoice_by_voice_even_by_confirming_the_owners_question() {
    let env = offline(TestEnv::new().await);
    let t = TestApp::start(&env, true, true).await;
    let (tenant, _, _, owner_token) = shop(&t, &env).await;
    let (_, staff_token) = staff(&t, tenant).await;
    let mut owner = WsClient::connect(&t.ws_url, &owner_token).await;
    let mut clerk = WsClient::connect(&t.ws_url, &staff_token).await;
    issued_invoice(&mut owner).await;
    let (invoice, _) = invoice_status(&t, tenant).await;

    // The REST route refuses staff; so must the voice channel, with a spoken reply.
    let rest = client()
        .post(format!("{}/api/v1/invoices/{invoice}/cancel", t.base))
        .bearer_auth(&staff_token)
        .send()
        .await
        .unwrap();
    assert_eq!(rest.status(), 403);
    let asked = say(&mut clerk, "c", "Ramesh ka bill cancel karo").await;
    assert_eq!(
        event(&asked, "result")["status"],
        "not_allowed",
        "{asked:?}"
    );
    let reply = event(&asked, "reply")["text"].as_str().unwrap().to_string();
    assert!(reply.contains("anumati nahi"), "{reply}");
    assert_eq!(
        kinds(&asked).last().unwrap(),
        "succeeded",
        "a refusal is no error"
    );
    let yes = say(&mut clerk, "c", "haan").await;
    assert_ne!(event(&yes, "result")["status"], "done");

    // The owner asks in a shared session; a "haan" from staff does not confirm it.
    let question = say(&mut owner, "counter", "Ramesh ka bill cancel karo").await;
    assert_eq!(event(&question, "result")["status"], "needs_confirmation");
    let staff_yes = say(&mut clerk, "counter", "haan").await;
    assert_eq!(event(&staff_yes, "result")["status"], "not_allowed");
    assert_eq!(invoice_status(&t, tenant).await.1, "issued");

    // Control: the owner may, so the refusal above is the role's.
    say(&mut owner, "counter", "Ramesh ka bill cancel karo").await;
    let owner_yes = say(&mut owner, "counter", "haan").await;
    assert_eq!(event(&owner_yes, "result")["status"], "done");
    assert_eq!(invoice_status(&t, tenant).await.1, "cancelled");
    t.stop().await;
}

#[tokio::test]
async fn a_turn_queued_before_its_speaker_was_removed_does_nothing() {
    let env = offline(TestEnv::new().await);
    let server = TestApp::start(&env, true, false).await;
    let (tenant, _, ramesh, owner_token) = shop(&server, &env).await;
    let (clerk, clerk_token) = staff(&server, tenant).await;
    // No worker runs yet, so the turn waits in the queue.
    let accepted = client()
        .post(format!("{}/api/v1/voice/utterances", server.base))
        .bearer_auth(&clerk_token)
        .json(&json!({"session_id": "queued", "text": "Ramesh ko 500 udhaar likho"}))
        .send()
        .await
        .unwrap();
    assert_eq!(accepted.status(), 202);
    let job: Uuid = accepted.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let removed = client()
        .delete(format!("{}/api/v1/users/{clerk}", server.base))
        .bearer_auth(&owner_token)
        .send()
        .await
        .unwrap();
    assert_eq!(removed.status(), 204);
    let workers = TestApp::start(&env, false, true).await;
    let mut owner = WsClient::connect(&server.ws_url, &owner_token).await;
    let events = owner.follow_to_end(job, 0).await;
    assert_eq!(
        event(&events, "result")["status"],
        "not_allowed",
        "{events:?}"
    );
    assert!(
        ledger_rows(&server, ramesh).await.is_empty(),
        "nothing written"
    );
    workers.stop().await;
    server.stop().await;
}

/// Reads until the server closes the socket; its close code (fails after 10 s).
async fn close_code(ws: &mut WsClient) -> u16 {
    let wait = async {
        while let Some(msg) = ws.stream.next().await {
            if let Ok(Message::Close(frame)) = msg {
                return frame.map_or(0, |f| u16::from(f.code));
            }
        }
        0
    };
    tokio::time::timeout(Duration::from_secs(10), wait)
        .await
        .expect("the socket was not closed within 10 s")
}

async fn ticket(base: &str, token: &str) -> String {
    let body: Value = client()
        .post(format!("{base}/api/v1/auth/ws-ticket"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["ticket"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn removal_closes_the_users_sockets_on_every_server_and_voids_their_tickets() {
    let env = TestEnv::new().await;
    let a = TestApp::start(&env, true, false).await;
    let b = TestApp::start(&env, true, false).await;
    let (tenant, owner) = env.tenant(&a.app, None).await;
    let owner_token = a.token(tenant, owner, Role::Owner);
    let (clerk, clerk_token) = staff(&a, tenant).await;
    let mut on_b = WsClient::connect(&b.ws_url, &clerk_token).await;
    on_b.send(json!({"type": "ping"})).await;
    assert_eq!(on_b.next().await["type"], "pong");
    let unused = ticket(&a.base, &clerk_token).await;

    let removed = client()
        .delete(format!("{}/api/v1/users/{clerk}", a.base))
        .bearer_auth(&owner_token)
        .send()
        .await
        .unwrap();
    assert_eq!(removed.status(), 204);
    assert_eq!(
        close_code(&mut on_b).await,
        4401,
        "closed on the other server"
    );
    let url = format!("{}?ticket={unused}", b.ws_url);
    match tokio_tungstenite::connect_async(url.as_str()).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => {
            assert_eq!(resp.status(), 401, "a ticket minted before the removal");
        }
        other => panic!("the ticket opened a socket: {:?}", other.map(|_| ())),
    }
    b.stop().await;
    a.stop().await;
}

#[tokio::test]
async fn signing_out_everywhere_closes_open_sockets_on_every_server() {
    let env = TestEnv::new().await;
    let a = TestApp::start(&env, true, false).await;
    let b = TestApp::start(&env, true, false).await;
    let (tenant, owner) = env.tenant(&a.app, None).await;
    let token = a.token(tenant, owner, Role::Owner);
    let (other_user, other_token) = staff(&a, tenant).await;
    let mut mine = WsClient::connect(&b.ws_url, &token).await;
    let mut theirs = WsClient::connect(&b.ws_url, &other_token).await;
    let unused = ticket(&b.base, &token).await;
    let revoked = client()
        .post(format!("{}/api/v1/auth/sessions/revoke", a.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), 204);
    assert_eq!(close_code(&mut mine).await, 4401);
    // Another user's socket is not touched.
    theirs.send(json!({"type": "ping"})).await;
    assert_eq!(theirs.next().await["type"], "pong", "{other_user}");
    let url = format!("{}?ticket={unused}", a.ws_url);
    assert!(
        tokio_tungstenite::connect_async(url.as_str())
            .await
            .is_err(),
        "a ticket minted before signing out"
    );
    b.stop().await;
    a.stop().await;
}
