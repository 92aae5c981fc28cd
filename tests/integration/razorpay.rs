//! Razorpay payment webhooks end to end: the owner sets a secret, a signed
//! `payment.captured` settles the customer's invoice once, and nothing unsigned, foreign
//! or misattributed is ever written.

use execora::{
    auth::Role,
    domain::invoices::{self, InvoiceRequest, LineRequest},
};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::common::{TestApp, TestEnv, client, sign_up, unique_email};

pub const SECRET: &str = "rzp_whsec_kirana_1";
const PASSWORD: &str = "correct horse battery";

pub fn signed(secret: &str, body: &str) -> String {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

pub fn captured(payment_id: &str, customer: &Value, amount: i64) -> String {
    json!({"entity": "event", "account_id": "acc_TEST", "event": "payment.captured", "contains": ["payment"],
        "payload": {"payment": {"entity": {"id": payment_id, "entity": "payment", "amount": amount, "currency": "INR",
            "status": "captured", "method": "upi", "order_id": "order_TEST", "email": "buyer@example.com",
            "contact": "+919876543210", "notes": {"customer_id": customer}}}},
        "created_at": 1_750_000_000})
    .to_string()
}

pub async fn deliver(base: &str, business: Uuid, body: &str, signature: &str) -> (u16, Value) {
    let resp = client()
        .post(format!("{base}/api/v1/webhooks/razorpay/{business}"))
        .header("content-type", "application/json")
        .header("x-razorpay-signature", signature)
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    (
        resp.status().as_u16(),
        resp.json().await.unwrap_or(Value::Null),
    )
}

pub async fn set_secret(base: &str, token: &str, secret: &str) -> u16 {
    client()
        .put(format!("{base}/api/v1/business/razorpay"))
        .bearer_auth(token)
        .json(&json!({"webhook_secret": secret}))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn get(base: &str, token: &str, path: &str) -> Value {
    client()
        .get(format!("{base}/api/v1{path}"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

pub async fn new_customer(base: &str, token: &str, name: &str) -> Value {
    let resp = client()
        .post(format!("{base}/api/v1/customers"))
        .bearer_auth(token)
        .json(&json!({"name": name}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    resp.json().await.unwrap()
}

/// Payments in a customer's statement: (amount, method, reference).
async fn payments(base: &str, token: &str, customer: &Value) -> Vec<(i64, Value, Value)> {
    let lines = get(
        base,
        token,
        &format!("/customers/{}/statement", customer["id"].as_str().unwrap()),
    )
    .await;
    lines
        .as_array()
        .unwrap()
        .iter()
        .map(|l| &l["entry"])
        .filter(|e| e["kind"] == "payment")
        .map(|e| {
            (
                e["amount_paise"].as_i64().unwrap(),
                e["method"].clone(),
                e["reference"].clone(),
            )
        })
        .collect()
}

async fn balance(base: &str, token: &str, customer: &Value) -> i64 {
    let path = format!("/customers/{}/balance", customer["id"].as_str().unwrap());
    get(base, token, &path).await["balance_paise"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn a_signed_capture_settles_the_invoice_once_and_nothing_else_is_written() {
    let env = TestEnv::new().await;
    let t = TestApp::start(&env, true, false).await;
    let base = t.base.as_str();
    let (shop, owner, token, _) = sign_up(base, &unique_email("rzp"), PASSWORD).await;
    let (other, _, other_token, _) = sign_up(base, &unique_email("rzp-other"), PASSWORD).await;

    // Only the owner sets the secret; it is never echoed.
    let manager = t.token(shop, owner, Role::Manager);
    assert_eq!(set_secret(base, &manager, SECRET).await, 403);
    assert_eq!(set_secret(base, &token, " padded secret ").await, 400);
    assert_eq!(set_secret(base, &token, SECRET).await, 204);

    let ramesh = new_customer(base, &token, "Ramesh Kumar").await;
    let stranger = new_customer(base, &other_token, "Someone Else").await;
    let invoice = invoices::issue(
        &t.app.pool,
        shop,
        Uuid::now_v7(),
        &InvoiceRequest {
            customer_id: ramesh["id"].as_str().unwrap().parse().unwrap(),
            lines: vec![LineRequest {
                product_id: None,
                description: Some("Atta 10kg".into()),
                quantity: 1,
                unit_price_paise: Some(30000),
                discount_paise: 0,
                gst_rate_bp: Some(0),
            }],
        },
    )
    .await
    .unwrap();
    let resp = client()
        .post(format!("{base}/api/v1/ledger/credits"))
        .bearer_auth(&token)
        .json(&json!({"customer_id": ramesh["id"], "amount_paise": 40000}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    // Read once so the balance is cached: the webhook must invalidate it.
    assert_eq!(balance(base, &token, &ramesh).await, 70000);

    let body = captured("pay_RZP0001", &ramesh["id"], 50000);
    let (status, ack) = deliver(base, shop, &body, &signed(SECRET, &body)).await;
    assert_eq!(
        (status, ack["outcome"].as_str()),
        (200, Some("recorded")),
        "{ack}"
    );
    let expected = vec![(-50000, json!("upi"), json!("pay_RZP0001"))];
    assert_eq!(payments(base, &token, &ramesh).await, expected);
    assert_eq!(balance(base, &token, &ramesh).await, 20000);
    let settled = invoices::get(&t.app.pool, shop, invoice.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        settled.status, "paid",
        "the oldest open invoice is settled first"
    );

    // Redelivery: 200, nothing new.
    let (status, ack) = deliver(base, shop, &body, &signed(SECRET, &body)).await;
    assert_eq!((status, ack["outcome"].as_str()), (200, Some("duplicate")));
    assert_eq!(payments(base, &token, &ramesh).await, expected);
    assert_eq!(balance(base, &token, &ramesh).await, 20000);

    // Refused: wrong signature; this shop's secret on another shop's URL (which has
    // none) and on an unknown business, both with the same envelope.
    let second = captured("pay_RZP0002", &ramesh["id"], 10000);
    let refusals = [
        (shop, signed("not the secret", &second)),
        (shop, signed(SECRET, &second)[..40].to_string()),
        (other, signed(SECRET, &second)),
        (Uuid::now_v7(), signed(SECRET, &second)),
    ];
    for (business, signature) in refusals {
        let (status, err) = deliver(base, business, &second, &signature).await;
        assert_eq!(
            (status, err["code"].as_str()),
            (401, Some("invalid_signature"))
        );
    }
    // Another shop with its own secret still refuses this shop's signature.
    assert_eq!(
        set_secret(base, &other_token, "other-shop-secret").await,
        204
    );
    let (status, _) = deliver(base, other, &second, &signed(SECRET, &second)).await;
    assert_eq!(status, 401);

    // Signed, but naming another shop's customer: acknowledged, not written anywhere.
    let foreign = captured("pay_RZP0003", &stranger["id"], 10000);
    let (status, ack) = deliver(base, shop, &foreign, &signed(SECRET, &foreign)).await;
    assert_eq!((status, ack["outcome"].as_str()), (200, Some("ignored")));
    assert!(payments(base, &other_token, &stranger).await.is_empty());
    // Unrelated events are acknowledged too.
    let failed = json!({"entity": "event", "event": "payment.failed", "payload": {}}).to_string();
    let (status, ack) = deliver(base, shop, &failed, &signed(SECRET, &failed)).await;
    assert_eq!((status, ack["outcome"].as_str()), (200, Some("ignored")));

    assert_eq!(payments(base, &token, &ramesh).await, expected);
    assert_eq!(balance(base, &token, &ramesh).await, 20000);
    let count = |outcome: &str| {
        t.app
            .metrics
            .webhook_events
            .with_label_values(&["razorpay", outcome])
            .get()
    };
    let counts: Vec<u64> = ["recorded", "duplicate", "unattributed", "ignored"]
        .map(count)
        .into();
    assert_eq!(counts, [1, 1, 1, 1]);
    t.stop().await;
}

#[tokio::test]
async fn a_removed_secret_refuses_every_delivery() {
    let env = TestEnv::new().await;
    let t = TestApp::start(&env, true, false).await;
    let base = t.base.as_str();
    let (shop, _, token, _) = sign_up(base, &unique_email("rzp"), PASSWORD).await;
    assert_eq!(set_secret(base, &token, SECRET).await, 204);
    let ramesh = new_customer(base, &token, "Ramesh Kumar").await;
    let resp = client()
        .delete(format!("{base}/api/v1/business/razorpay"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    let body = captured("pay_RZP0009", &ramesh["id"], 10000);
    let (status, _) = deliver(base, shop, &body, &signed(SECRET, &body)).await;
    assert_eq!(status, 401);
    assert!(payments(base, &token, &ramesh).await.is_empty());
    t.stop().await;
}
