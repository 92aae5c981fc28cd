//! Invoices in Unicode, fetched by the shop's app: a Devanagari buyer and product, ₹
//! amounts and the amount in words in Hindi, read back from the PDF with pdftotext, and
//! page 1 rendered with pdftoppm to `target/artifacts/invoice-hindi.png` for a person to
//! look at. `GET /api/v1/invoices/{id}/pdf` serves only the caller's own invoices.

use execora::auth::Role;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::common::{TestApp, TestEnv, client};

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

/// Runs a poppler tool on the PDF, writing to `out` ("-" is standard output, returned).
fn poppler(tool: &str, pdf: &std::path::Path, args: &[&str], out: &std::path::Path) -> Vec<u8> {
    let out = std::process::Command::new(tool)
        .args(args)
        .arg(pdf)
        .arg(out)
        .output()
        .unwrap_or_else(|e| panic!("{tool} (Debian's poppler-utils): {e}"));
    assert!(
        out.status.success(),
        "{tool} refused the file: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

#[tokio::test]
async fn a_hindi_invoice_prints_devanagari_and_rupees_and_only_its_shop_can_fetch_it() {
    let env = TestEnv::new().await;
    let t = TestApp::start(&env, true, true).await;
    let (shop, owner) = env.tenant(&t.app, None).await;
    let token = t.token(shop, owner, Role::Owner);
    let base = format!("{}/api/v1", t.base);
    // Conjuncts (क्ष, द्ध, र्म) and a matra drawn before its consonant (ि) all need shaping.
    let buyer = post(
        format!("{base}/customers"),
        &token,
        json!({"name": "लक्ष्मी शर्मा", "preferred_language": "hindi"}),
    )
    .await;
    let ghee = post(
        format!("{base}/products"),
        &token,
        json!({"name": "शुद्ध घी", "price_paise": 55000, "gst_rate_bp": 1200, "opening_stock": 5}),
    )
    .await;
    let job = post(
        format!("{base}/invoices"),
        &token,
        json!({"customer_id": buyer["id"], "lines": [{"product_id": ghee["id"], "quantity": 2}]}),
    )
    .await;
    assert_eq!(job["state"], "succeeded", "{job}");
    let id = job["result"]["invoice_id"].as_str().unwrap().to_string();

    let resp = client()
        .get(format!("{base}/invoices/{id}/pdf"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "application/pdf");
    let bytes = resp.bytes().await.unwrap();
    let pdf = std::env::temp_dir().join(format!("execora-hindi-{}.pdf", Uuid::new_v4().simple()));
    std::fs::write(&pdf, &bytes).unwrap();
    let text = String::from_utf8(poppler("pdftotext", &pdf, &["-layout"], "-".as_ref())).unwrap();
    // 2 × ₹550 = ₹1,100.00 taxable; 12% GST = ₹132.00 (₹66 + ₹66); ₹1,232.00.
    for needle in [
        "लक्ष्मी शर्मा",
        "शुद्ध घी",
        "₹1,100.00",
        "₹1,232.00",
        "Amount in words: रुपये एक हज़ार दो सौ बत्तीस मात्र",
    ] {
        assert!(
            text.contains(needle),
            "{needle:?} missing from the PDF:\n{text}"
        );
    }
    // pdftoppm names the file: the root given plus ".png" with -singlefile.
    let artifacts = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/artifacts");
    std::fs::create_dir_all(&artifacts).unwrap();
    let png = artifacts.join("invoice-hindi.png");
    let _ = std::fs::remove_file(&png);
    let args = ["-png", "-r", "100", "-f", "1", "-l", "1", "-singlefile"];
    poppler("pdftoppm", &pdf, &args, &artifacts.join("invoice-hindi"));
    assert!(
        std::fs::read(&png).unwrap().starts_with(b"\x89PNG"),
        "pdftoppm made no PNG"
    );

    // Another business's owner, and nobody at all, get nothing.
    let (other, other_owner) = env.tenant(&t.app, None).await;
    let stranger = t.token(other, other_owner, Role::Owner);
    let theirs = client()
        .get(format!("{base}/invoices/{id}/pdf"))
        .bearer_auth(&stranger)
        .send()
        .await
        .unwrap();
    assert_eq!(theirs.status(), 404);
    // The preference is the customer's: replaced with the rest of the customer by PUT.
    let replaced: Value = client()
        .put(format!(
            "{base}/customers/{}",
            buyer["id"].as_str().unwrap()
        ))
        .bearer_auth(&token)
        .json(&json!({"name": "लक्ष्मी शर्मा", "preferred_language": "english"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (
            buyer["preferred_language"].as_str(),
            replaced["preferred_language"].as_str()
        ),
        (Some("hindi"), Some("english")),
        "{replaced}"
    );
    let anonymous = client()
        .get(format!("{base}/invoices/{id}/pdf"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    t.stop().await;
}
