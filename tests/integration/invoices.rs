//! Invoice documents: the PDF has the mandatory GST fields (read back with pdftotext),
//! the signed download link, delivery by email attachment and by WhatsApp document.

use execora::{auth::Role, workflows::invoice::link_token};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::common::{TestApp, TestEnv, client, fake_graph, login_code_for_subject, unique_email};

async fn post(url: String, token: &str, body: Value) -> Value {
    let resp = client()
        .post(url)
        .bearer_auth(token)
        .header("prefer", "wait=20")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "{}", resp.status());
    resp.json().await.unwrap()
}

/// A GST-registered shop in Maharashtra with a UPI id.
async fn shop(t: &TestApp, env: &TestEnv, phone_number_id: Option<&str>) -> (Uuid, String) {
    let (shop, owner) = env.tenant(&t.app, phone_number_id).await;
    sqlx::query("update businesses set name = 'Sharma Kirana', state_code = '27', gstin = '27AAPFU0939F1ZV', upi_vpa = 'sharma@okaxis' where id = $1")
        .bind(shop)
        .execute(&t.app.pool)
        .await
        .unwrap();
    (shop, t.token(shop, owner, Role::Owner))
}

fn pdf_text(bytes: &[u8]) -> String {
    let path =
        std::env::temp_dir().join(format!("execora-invoice-{}.pdf", Uuid::new_v4().simple()));
    std::fs::write(&path, bytes).unwrap();
    let out = std::process::Command::new("pdftotext")
        .arg("-layout")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (Debian's poppler-utils)");
    assert!(
        out.status.success(),
        "pdftotext refused the file: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test]
async fn the_pdf_carries_every_mandatory_field_and_is_emailed_as_an_attachment() {
    let env = TestEnv::new().await;
    let t = TestApp::start(&env, true, true).await;
    let (_, token) = shop(&t, &env, None).await;
    let base = format!("{}/api/v1", t.base);
    let email = unique_email("buyer");
    // A Karnataka buyer: inter-state, so IGST.
    let buyer = post(format!("{base}/customers"), &token, json!({"name": "Bharat Traders", "gstin": "29AAGCB7383J1Z4", "email": email, "preferred_channel": "email"})).await;
    let rice = post(format!("{base}/products"), &token, json!({"name": "Basmati Rice 5kg", "price_paise": 45000, "hsn_code": "1006", "gst_rate_bp": 500, "opening_stock": 10})).await;
    let job = post(format!("{base}/invoices"), &token, json!({"customer_id": buyer["id"], "lines": [{"product_id": rice["id"], "quantity": 3, "discount_paise": 1000}]})).await;
    assert_eq!(job["state"], "succeeded", "{job}");
    // The job's result is the last step's (deliver); the invoice is the newest one.
    let invoices: Value = client()
        .get(format!("{base}/invoices"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let invoice = &invoices[0];
    let id: Uuid = invoice["id"].as_str().unwrap().parse().unwrap();
    assert_eq!(job["result"]["channel"], "email");
    let link = format!(
        "{}/pub/invoices/{id}/{}",
        t.base,
        link_token(&t.app.portal_key, id, chrono::Utc::now().timestamp() + 3600)
    );
    let resp = client().get(&link).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "application/pdf");
    let text = pdf_text(&resp.bytes().await.unwrap());
    // 3 × ₹450 − ₹10 = ₹1,340.00 taxable; IGST 5% = ₹67.00; ₹1,407.00.
    for needle in [
        "TAX INVOICE",
        "Sharma Kirana",
        "GSTIN: 27AAPFU0939F1ZV",
        &format!("Invoice No: {}", invoice["number"].as_str().unwrap()),
        "Place of supply: 29",
        "Bharat Traders",
        "Buyer GSTIN: 29AAGCB7383J1Z4",
        "Basmati Rice 5kg",
        "1006",
        "3 pcs",
        "₹1,340.00",
        "IGST",
        "₹67.00",
        "Round off",
        "₹1,407.00",
        "Rupees One Thousand Four Hundred Seven Only",
        "Scan to pay by UPI",
        "sharma@okaxis",
    ] {
        assert!(
            text.contains(needle),
            "{needle:?} missing from the PDF:\n{text}"
        );
    }
    assert!(
        !text.contains("CGST"),
        "inter-state invoices carry IGST only"
    );
    // A tampered link finds nothing.
    let bad = format!("{}/pub/invoices/{id}/{}", t.base, "0".repeat(32));
    assert_eq!(client().get(&bad).send().await.unwrap().status(), 404);
    // The buyer's language is the default, Hinglish.
    let mail = login_code_for_subject(&email, "ka bill").await;
    assert!(mail.contains("Content-Disposition: attachment"), "{mail}");
    assert!(mail.contains(".pdf"));
    let delivered: Option<String> =
        sqlx::query_scalar("select delivered_via from invoices where id = $1")
            .bind(id)
            .fetch_one(&t.app.pool)
            .await
            .unwrap();
    assert_eq!(delivered.as_deref(), Some("email"));
    t.stop().await;
}

#[tokio::test]
async fn whatsapp_customers_get_the_invoice_as_a_document_link() {
    let (graph_url, seen) = fake_graph().await;
    let env = TestEnv::new()
        .await
        .with("EXECORA_WHATSAPP_ACCESS_TOKEN", "test-token")
        .with("EXECORA_WHATSAPP_API_BASE_URL", &graph_url)
        .with("EXECORA_PUBLIC_URL", "https://api.shop.example");
    let t = TestApp::start(&env, true, true).await;
    let (_, token) = shop(&t, &env, Some("555000222")).await;
    let base = format!("{}/api/v1", t.base);
    let buyer = post(
        format!("{base}/customers"),
        &token,
        json!({"name": "Ramesh", "phone": "9876543210"}),
    )
    .await;
    let job = post(format!("{base}/invoices"), &token, json!({"customer_id": buyer["id"], "lines": [{"description": "Repair", "quantity": 1, "unit_price_paise": 50000, "gst_rate_bp": 1800}]})).await;
    assert_eq!(
        (job["state"].as_str(), job["result"]["channel"].as_str()),
        (Some("succeeded"), Some("whatsapp")),
        "{job}"
    );
    let requests = seen.lock().unwrap().clone();
    assert_eq!(requests.len(), 1);
    let (phone_number_id, auth, body) = &requests[0];
    assert_eq!(
        (phone_number_id.as_str(), auth.as_deref()),
        ("555000222", Some("Bearer test-token"))
    );
    assert_eq!(
        (body["type"].as_str(), body["to"].as_str()),
        (Some("document"), Some("+919876543210"))
    );
    let link = body["document"]["link"].as_str().unwrap();
    assert!(
        link.starts_with("https://api.shop.example/pub/invoices/"),
        "{link}"
    );
    assert!(
        body["document"]["filename"]
            .as_str()
            .unwrap()
            .ends_with(".pdf")
    );
    // The link works against this server.
    let local = link.replace("https://api.shop.example", &t.base);
    assert_eq!(client().get(local).send().await.unwrap().status(), 200);
    t.stop().await;
}

#[tokio::test]
async fn documents_go_to_s3_with_signed_requests() {
    let env = TestEnv::new().await.with_s3();
    let t = TestApp::start(&env, true, true).await;
    let (_, token) = shop(&t, &env, None).await;
    let base = format!("{}/api/v1", t.base);
    let buyer = post(
        format!("{base}/customers"),
        &token,
        json!({"name": "Ramesh"}),
    )
    .await;
    let job = post(format!("{base}/invoices"), &token, json!({"customer_id": buyer["id"], "lines": [{"description": "Atta 10kg", "quantity": 1, "unit_price_paise": 42000, "gst_rate_bp": 500}]})).await;
    assert_eq!(job["state"], "succeeded", "{job}");
    let id: Uuid = job["result"]["invoice_id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let key: String = sqlx::query_scalar("select pdf_key from invoices where id = $1")
        .bind(id)
        .fetch_one(&t.app.pool)
        .await
        .unwrap();
    let stored = t
        .app
        .store
        .get(&key)
        .await
        .unwrap()
        .expect("the PDF is in the bucket");
    assert!(stored.starts_with(b"%PDF"));
    let link = format!(
        "{}/pub/invoices/{id}/{}",
        t.base,
        link_token(&t.app.portal_key, id, chrono::Utc::now().timestamp() + 3600)
    );
    let served = client()
        .get(&link)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(served.as_ref(), stored.as_slice());
    // The server checks signatures: a wrong secret is refused.
    let forged = TestEnv::new().await.with_s3().with(
        "EXECORA_S3_SECRET_KEY",
        "not-the-secret-key-at-all-000000000000",
    );
    let store = execora::integrations::storage::DocumentStore::from_settings(
        &forged.settings().storage,
        std::path::Path::new("/nonexistent"),
    );
    assert!(
        store
            .put("invoices/x/y.pdf", b"%PDF", "application/pdf")
            .await
            .is_err()
    );
    t.stop().await;
}
