//! Token checks remembered in process (issue 18): a revocation on one server is refused
//! on every other within a second, and a server that lost its revocation subscription
//! asks Postgres until it has it back.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::{
    common::{TestApp, TestEnv, client, sign_up, unique_email},
    private_services::PrivateRedis,
};

const PASSWORD: &str = "chai-and-samosa-42";
/// How soon every server must refuse a revoked token.
const WITHIN: Duration = Duration::from_secs(1);

async fn status(base: &str, token: &str) -> u16 {
    client()
        .get(format!("{base}/api/v1/customers?limit=5"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

fn checks(t: &TestApp, source: &str) -> u64 {
    t.app
        .metrics
        .token_checks
        .with_label_values(&[source])
        .get()
}

/// Uses `token` on `t` until its answer comes from memory (the server's subscription is
/// up and the answer is remembered); fails after 10 s.
async fn until_remembered(t: &TestApp, token: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let before = checks(t, "memory");
        assert_eq!(status(&t.base, token).await, 200);
        if checks(t, "memory") > before {
            return;
        }
        assert!(Instant::now() < deadline, "token checks never remembered");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Polls until `token` is refused on `base`; how long that took from `since`.
async fn refused_after(base: &str, token: &str, since: Instant) -> Duration {
    while status(base, token).await != 401 {
        assert!(since.elapsed() < Duration::from_secs(5), "still honoured");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    since.elapsed()
}

async fn post(base: &str, path: &str, token: Option<&str>, body: Value) -> u16 {
    let mut req = client().post(format!("{base}/api/v1/{path}")).json(&body);
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    req.send().await.unwrap().status().as_u16()
}

/// A new login by password: (access, refresh).
async fn login(base: &str, email: &str) -> (String, String) {
    let resp = client()
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"email": email, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let pair: Value = resp.json().await.unwrap();
    (
        pair["access_token"].as_str().unwrap().to_string(),
        pair["refresh_token"].as_str().unwrap().to_string(),
    )
}

#[tokio::test]
async fn a_revocation_on_one_server_is_refused_on_another_within_a_second() {
    let env = TestEnv::new().await;
    let a = TestApp::start(&env, true, false).await;
    let b = TestApp::start(&env, true, false).await;
    let email = unique_email("owner");
    let (_, _, access, refresh) = sign_up(&a.base, &email, PASSWORD).await;
    let (other, _) = login(&a.base, &email).await;
    until_remembered(&b, &access).await;
    until_remembered(&b, &other).await;
    until_remembered(&a, &access).await;

    // Logout on A: A refuses at once, B within a second; the other login lives.
    let logout = json!({"refresh_token": refresh});
    assert_eq!(post(&a.base, "auth/logout", None, logout).await, 204);
    let since = Instant::now();
    assert_eq!(status(&a.base, &access).await, 401, "alive where revoked");
    let took = refused_after(&b.base, &access, since).await;
    assert!(took < WITHIN, "B honoured a logged-out token for {took:?}");
    assert_eq!(status(&b.base, &other).await, 200);

    // Sign out everywhere, asked on B: A refuses within a second too.
    until_remembered(&a, &other).await;
    let revoke = post(&b.base, "auth/sessions/revoke", Some(&other), json!({})).await;
    assert_eq!(revoke, 204);
    let took = refused_after(&a.base, &other, Instant::now()).await;
    assert!(took < WITHIN, "A honoured a signed-out token for {took:?}");
    a.stop().await;
    b.stop().await;
}

#[tokio::test]
async fn a_server_that_lost_its_revocation_subscription_asks_postgres() {
    let mut redis = PrivateRedis::start(false).await;
    let env = TestEnv::on(None, Some(redis.url())).await;
    let a = TestApp::start(&env, true, false).await;
    let b = TestApp::start(&env, true, false).await;
    let email = unique_email("owner");
    let (_, _, first, first_refresh) = sign_up(&a.base, &email, PASSWORD).await;
    until_remembered(&b, &first).await;

    // Only the subscriptions drop: the logout's notice is published while B is not
    // listening, and B must not go on trusting what it remembered.
    let admin = redis::Client::open(redis.url()).unwrap();
    let mut conn = admin.get_multiplexed_async_connection().await.unwrap();
    let _: i64 = redis::cmd("CLIENT")
        .arg(&["KILL", "TYPE", "pubsub"])
        .query_async(&mut conn)
        .await
        .unwrap();
    let logout = json!({"refresh_token": first_refresh});
    assert_eq!(post(&a.base, "auth/logout", None, logout).await, 204);
    let took = refused_after(&b.base, &first, Instant::now()).await;
    assert!(took < WITHIN, "B honoured a logged-out token for {took:?}");

    // Redis gone altogether: nothing is published, B asks Postgres.
    let (second, second_refresh) = login(&a.base, &email).await;
    until_remembered(&b, &second).await;
    redis.kill();
    let from_db = checks(&b, "database");
    let logout = json!({"refresh_token": second_refresh});
    assert_eq!(post(&a.base, "auth/logout", None, logout).await, 204);
    let took = refused_after(&b.base, &second, Instant::now()).await;
    assert!(took < WITHIN, "B honoured a logged-out token for {took:?}");
    assert!(checks(&b, "database") > from_db);

    // Back: B remembers again, and what was refused stays refused.
    redis.restart().await;
    let (third, _) = login(&a.base, &email).await;
    until_remembered(&b, &third).await;
    assert_eq!(status(&b.base, &second).await, 401);
    assert_eq!(status(&b.base, &first).await, 401);
    a.stop().await;
    b.stop().await;
}
