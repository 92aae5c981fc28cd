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
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
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
