//! Attack battery, round two: public invoice links (issue 14, finding 10). A link names
//! its expiry and signs it; it stops working when due, when the invoice is cancelled,
//! and when its customer is erased (the PDF carries their name and phone).

use execora::workflows::invoice::link_token;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::common::{TestApp, TestEnv, client, sign_up, unique_email};

const PASSWORD: &str = "chai-and-samosa-42";

/// An invoice for a new customer, rendered and delivered: (customer id, invoice id).
async fn invoiced(t: &TestApp, token: &str) -> (String, Uuid) {
    let api = format!("{}/api/v1", t.base);
    let customer: Value = client()
        .post(format!("{api}/customers"))
        .bearer_auth(token)
        .json(&json!({"name": "Dinesh", "email": unique_email("buyer"), "preferred_channel": "email"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let line =
        json!({"description": "Tea", "quantity": 2, "unit_price_paise": 5000, "gst_rate_bp": 500});
    let job: Value = client()
        .post(format!("{api}/invoices"))
        .bearer_auth(token)
        .header("prefer", "wait=20")
        .json(&json!({"customer_id": customer["id"], "lines": [line]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(job["state"], "succeeded", "{job}");
    let id = job["result"]["invoice_id"]
        .as_str()
        .or_else(|| job["result"]["id"].as_str());
    let id = match id {
        Some(id) => id.parse().unwrap(),
        None => newest_invoice(&api, token).await,
    };
    (customer["id"].as_str().unwrap().to_string(), id)
}

async fn newest_invoice(api: &str, token: &str) -> Uuid {
    let list: Value = client()
        .get(format!("{api}/invoices"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let items = list.get("items").unwrap_or(&list);
    items[0]["id"].as_str().unwrap().parse().unwrap()
}

async fn fetch(t: &TestApp, id: Uuid, token: &str) -> u16 {
    client()
        .get(format!("{}/pub/invoices/{id}/{token}", t.base))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn invoice_links_expire_and_die_with_cancellation_and_erasure() {
    let env = TestEnv::new().await;
    let t = TestApp::start(&env, true, true).await;
    let (_, _, owner, _) = sign_up(&t.base, &unique_email("boss"), PASSWORD).await;
    let key = t.app.portal_key.clone();
    let now = chrono::Utc::now().timestamp();
    let (_, first) = invoiced(&t, &owner).await;
    let live = link_token(&key, first, now + 3600);
    assert_eq!(fetch(&t, first, &live).await, 200);
    // Past its expiry, and with its expiry moved (the signature no longer matches).
    assert_eq!(
        fetch(&t, first, &link_token(&key, first, now - 1)).await,
        404
    );
    let signature = live.split_once('.').unwrap().1;
    assert_eq!(
        fetch(&t, first, &format!("{}.{signature}", now + 7200)).await,
        404
    );
    // Cancelled: the link of a live expiry is refused too.
    let cancelled = client()
        .post(format!("{}/api/v1/invoices/{first}/cancel", t.base))
        .bearer_auth(&owner)
        .send()
        .await
        .unwrap();
    assert!(cancelled.status().is_success(), "{}", cancelled.status());
    assert_eq!(fetch(&t, first, &live).await, 404);
    // Erased customer: their name and phone are in the PDF, so it is not served.
    let (customer, second) = invoiced(&t, &owner).await;
    let live = link_token(&key, second, now + 3600);
    assert_eq!(fetch(&t, second, &live).await, 200);
    let erased = client()
        .delete(format!("{}/api/v1/customers/{customer}", t.base))
        .bearer_auth(&owner)
        .send()
        .await
        .unwrap();
    assert!(erased.status().is_success(), "{}", erased.status());
    assert_eq!(fetch(&t, second, &live).await, 404);
    t.stop().await;
}
