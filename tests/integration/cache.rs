//! The read cache: reads are served from it, and a write through one instance is seen
//! by the others (Redis copy deleted at once, local copies dropped on the message).

use std::time::Duration;

use execora::auth::Role;
use serde_json::{Value, json};

use crate::common::{TestApp, TestEnv, client};

async fn get(url: &str, token: &str) -> Value {
    client()
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Reads until `check` passes: the other instance learns of a write over pub/sub.
async fn eventually(url: &str, token: &str, check: impl Fn(&Value) -> bool) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let v = get(url, token).await;
        if check(&v) || tokio::time::Instant::now() > deadline {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn reads_come_from_the_cache_and_writes_on_one_instance_reach_the_others() {
    let env = TestEnv::new().await;
    let a = TestApp::start(&env, true, false).await;
    let b = TestApp::start(&env, true, false).await;
    let (shop, owner) = env.tenant(&a.app, None).await;
    let token = a.token(shop, owner, Role::Owner);
    let created: Value = client()
        .post(format!("{}/api/v1/customers", a.base))
        .bearer_auth(&token)
        .json(&json!({"name": "Ramesh"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = created["id"].as_str().unwrap();
    let on_b = format!("{}/api/v1/customers/{id}", b.base);
    assert_eq!(get(&on_b, &token).await["name"], "Ramesh");
    // A change behind the cache's back is not seen: the read was cached.
    sqlx::query("update customers set name = 'Changed In Db' where id = $1::uuid")
        .bind(id)
        .execute(&a.app.pool)
        .await
        .unwrap();
    assert_eq!(
        get(&on_b, &token).await["name"],
        "Ramesh",
        "served from the cache"
    );
    // A write through A invalidates B's copy.
    let resp = client()
        .put(format!("{}/api/v1/customers/{id}", a.base))
        .bearer_auth(&token)
        .json(&json!({"name": "Ramesh Kumar"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let fresh = eventually(&on_b, &token, |v| v["name"] == "Ramesh Kumar").await;
    assert_eq!(fresh["name"], "Ramesh Kumar");
    // Balances too: a payment recorded on A shows on B.
    let balance_on_b = format!("{}/api/v1/customers/{id}/balance", b.base);
    assert_eq!(get(&balance_on_b, &token).await["balance_paise"], 0);
    let resp = client()
        .post(format!("{}/api/v1/ledger/credits", a.base))
        .bearer_auth(&token)
        .json(&json!({"customer_id": id, "amount_paise": 2500}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let fresh = eventually(&balance_on_b, &token, |v| v["balance_paise"] == 2500).await;
    assert_eq!(fresh["balance_paise"], 2500);
    let metrics = client()
        .get(format!("{}/metrics", b.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("execora_cache_requests_total{outcome=\"hit\",tier=\"local\"}"),
        "cache hits are counted"
    );
    b.stop().await;
    a.stop().await;
}
