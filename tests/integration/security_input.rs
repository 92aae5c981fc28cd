//! Attack battery, round two: what a request body may say — duplicate JSON keys,
//! amounts whose sums overflow, reminders every minute (issue 14, findings 8, 11, 15).

use serde_json::{Value, json};

use crate::common::{TestApp, TestEnv, client, sign_up, unique_email};

const PASSWORD: &str = "chai-and-samosa-42";

/// POSTs raw `body` as JSON (so it may say what `serde_json::Value` cannot: a key twice).
async fn post_raw(url: String, token: Option<&str>, body: &str) -> (u16, Value) {
    let mut req = client().post(url);
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    let resp = req
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    status_of(resp).await
}

#[tokio::test]
async fn a_json_body_naming_a_key_twice_is_refused_and_changes_nothing() {
    let env = TestEnv::new().await;
    let t = TestApp::start(&env, true, false).await;
    let (_, _, owner, _) = sign_up(&t.base, &unique_email("boss"), PASSWORD).await;
    let email = unique_email("staff");
    // serde keeps the last key: this used to invite an owner.
    let body =
        format!(r#"{{"email":"{email}","display_name":"Sunita","role":"staff","role":"owner"}}"#);
    let (status, answer) = post_raw(format!("{}/api/v1/users", t.base), Some(&owner), &body).await;
    assert_eq!(status, 400, "{answer}");
    assert_eq!(answer["code"], "duplicate_json_key");
    let users: Value = client()
        .get(format!("{}/api/v1/users", t.base))
        .bearer_auth(&owner)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(!users.to_string().contains(&email), "{users}");
    // Nested objects count too, and public routes are covered like the others.
    let (status, answer) = post_raw(
        format!("{}/api/v1/auth/login", t.base),
        None,
        r#"{"email":"a@b.example","password":"x","email":"c@d.example"}"#,
    )
    .await;
    assert_eq!(
        (status, answer["code"].clone()),
        (400, json!("duplicate_json_key"))
    );
    // The same body without the repeat goes through.
    let body = format!(r#"{{"email":"{email}","display_name":"Sunita","role":"staff"}}"#);
    let (status, answer) = post_raw(format!("{}/api/v1/users", t.base), Some(&owner), &body).await;
    assert_eq!(status, 201, "{answer}");
    assert_eq!(answer["role"], "staff");
}

async fn status_of(resp: reqwest::Response) -> (u16, Value) {
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn amounts_are_bounded_when_written_so_no_balance_can_overflow() {
    use crate::razorpay::{SECRET, captured, deliver, new_customer, set_secret, signed};
    let env = TestEnv::new().await;
    let t = TestApp::start(&env, true, false).await;
    let (business, _, owner, _) = sign_up(&t.base, &unique_email("boss"), PASSWORD).await;
    let api = format!("{}/api/v1", t.base);
    let c = client();
    let buyer = new_customer(&t.base, &owner, "Dinesh").await;
    // Each line passes its own limits; the invoice's total (₹10^14) is past the bound.
    let line = json!({"description": "Gold", "quantity": 1_000_000, "unit_price_paise": 10_000_000_000_i64, "gst_rate_bp": 300});
    let (status, answer) = status_of(
        c.post(format!("{api}/invoices"))
            .bearer_auth(&owner)
            .json(&json!({"customer_id": buyer["id"], "lines": [line]}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, answer["code"].clone()),
        (422, json!("amount_too_large")),
        "{answer}"
    );
    // A correctly signed Razorpay payment of 2^63-1 paise is acknowledged, not recorded.
    assert_eq!(set_secret(&t.base, &owner, SECRET).await, 204);
    let body = captured("pay_HUGE", &buyer["id"], i64::MAX);
    let (status, ack) = deliver(&t.base, business, &body, &signed(SECRET, &body)).await;
    assert_eq!(
        (status, ack["outcome"].as_str()),
        (200, Some("ignored")),
        "{ack}"
    );
    // A ledger that has nearly reached its lifetime bound takes nothing more, whatever
    // each entry's own size, and every sum over it still answers.
    sqlx::query("update businesses set ledger_volume_paise = 1000000000000000 - 500 where id = $1")
        .bind(business)
        .execute(&t.app.pool)
        .await
        .unwrap();
    let credit = |amount: i64| {
        c.post(format!("{api}/ledger/credits"))
            .bearer_auth(&owner)
            .json(&json!({"customer_id": buyer["id"], "amount_paise": amount}))
            .send()
    };
    assert_eq!(status_of(credit(500).await.unwrap()).await.0, 201);
    let (status, answer) = status_of(credit(1).await.unwrap()).await;
    assert_eq!(
        (status, answer["code"].clone()),
        (422, json!("amount_too_large")),
        "{answer}"
    );
    let id = buyer["id"].as_str().unwrap();
    for path in [
        format!("{api}/customers/{id}/balance"),
        format!("{api}/customers/{id}/statement"),
        format!("{api}/ledger/outstanding"),
    ] {
        let resp = c.get(&path).bearer_auth(&owner).send().await.unwrap();
        assert_eq!(resp.status(), 200, "{path}");
    }
    let balance: Value = c
        .get(format!("{api}/customers/{id}/balance"))
        .bearer_auth(&owner)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(balance["balance_paise"], 500, "{balance}");
}

#[tokio::test]
async fn a_job_failed_by_the_database_shows_a_stable_message_not_its_text() {
    let env = TestEnv::new().await;
    let t = TestApp::start(&env, true, true).await;
    let (_, _, owner, _) = sign_up(&t.base, &unique_email("boss"), PASSWORD).await;
    let buyer = crate::razorpay::new_customer(&t.base, &owner, "Dinesh").await;
    // Any row the invoice step writes now breaks a constraint the database names.
    sqlx::query("alter table invoices add constraint secret_sabotage_rule check (total_paise < 0) not valid")
        .execute(&t.app.pool)
        .await
        .unwrap();
    let line =
        json!({"description": "Tea", "quantity": 1, "unit_price_paise": 1000, "gst_rate_bp": 500});
    let job: Value = client()
        .post(format!("{}/api/v1/invoices", t.base))
        .bearer_auth(&owner)
        .header("prefer", "wait=20")
        .json(&json!({"customer_id": buyer["id"], "lines": [line]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // The same input would break the rule again: failed at once, not retried to death.
    assert_eq!(job["state"], "failed", "{job}");
    let shown: Value = client()
        .get(format!(
            "{}/api/v1/jobs/{}",
            t.base,
            job["id"].as_str().unwrap()
        ))
        .bearer_auth(&owner)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        shown["errors"][0]["error"], "the database refused the data of this job",
        "{shown}"
    );
    for leak in ["secret_sabotage_rule", "violates", "check constraint"] {
        assert!(!shown.to_string().contains(leak), "{leak} shown: {shown}");
    }
    t.stop().await;
}

#[tokio::test]
async fn customer_reminders_repeat_no_more_often_than_the_minimum_interval() {
    let env = TestEnv::new()
        .await
        .with("EXECORA_REMINDERS_MIN_INTERVAL_MINUTES", "120");
    let t = TestApp::start(&env, true, false).await;
    let (_, _, owner, _) = sign_up(&t.base, &unique_email("boss"), PASSWORD).await;
    let buyer = crate::razorpay::new_customer(&t.base, &owner, "Dinesh").await;
    let remind = |when: &'static str| {
        client()
            .post(format!("{}/api/v1/reminders", t.base))
            .bearer_auth(&owner)
            .json(&json!({"customer_id": buyer["id"], "when": when}))
            .send()
    };
    for when in ["har 1 minute", "har 119 minute"] {
        let (status, answer) = status_of(remind(when).await.unwrap()).await;
        assert_eq!(status, 422, "{when}: {answer}");
        assert_eq!(answer["code"], "reminder_too_frequent", "{when}");
        assert!(
            answer["message"].as_str().unwrap().contains("120"),
            "{answer}"
        );
    }
    let (status, answer) = status_of(remind("har 120 minute").await.unwrap()).await;
    assert_eq!(status, 201, "{answer}");
    // One-off and daily reminders are not intervals and are unaffected.
    assert_eq!(
        status_of(remind("10 minute baad").await.unwrap()).await.0,
        201
    );
    let list: Value = client()
        .get(format!("{}/api/v1/reminders", t.base))
        .bearer_auth(&owner)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(!list.to_string().contains("har 1 minute"), "{list}");
}

#[tokio::test]
async fn a_spoken_amount_past_the_bound_is_said_back_and_not_written() {
    use crate::common::WsClient;
    use crate::voice::{event, ledger_rows, offline, say, shop};
    let env = offline(TestEnv::new().await);
    let t = TestApp::start(&env, true, true).await;
    let (_, _, ramesh, token) = shop(&t, &env).await;
    let mut ws = WsClient::connect(&t.ws_url, &token).await;
    // ₹2,000 crore: past the ₹100 crore bound, so not even worth a "pakka?".
    let turn = say(&mut ws, "c", "Ramesh ko 2000 crore udhaar likho").await;
    assert_eq!(event(&turn, "result")["status"], "needs_info", "{turn:?}");
    let reply = event(&turn, "reply")["text"].as_str().unwrap();
    assert!(
        reply.contains("badi rakam") || reply.contains("too large"),
        "{reply}"
    );
    assert!(ledger_rows(&t, ramesh).await.is_empty());
    t.stop().await;
}
