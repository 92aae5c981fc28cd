//! A customer's preferred language in what they are sent: the invoice's WhatsApp caption
//! and email (real SMTP on loopback), and the translation of the reminder template sent
//! when the 24-hour window is closed (the Graph API faked at the HTTP level).

use base64::Engine;
use execora::{auth::Role, workflows::upkeep};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::common::{
    TestApp, TestEnv, WsClient, client, fake_graph, login_code_for_subject, unique_email,
};

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

/// A mail as a person reads it: base64 and quoted-printable parts and RFC 2047 encoded
/// words decoded, so Devanagari can be looked for.
fn readable(raw: &str) -> String {
    let b64 = base64::engine::general_purpose::STANDARD;
    let mut out = String::new();
    for part in raw.split("\n--") {
        let (head, body) = part
            .split_once("\r\n\r\n")
            .or_else(|| part.split_once("\n\n"))
            .unwrap_or((part, ""));
        out.push_str(&decode_words(head));
        let lower = head.to_ascii_lowercase();
        if lower.contains("content-transfer-encoding: base64") {
            let joined: String = body.lines().take_while(|l| !l.is_empty()).collect();
            let bytes = b64.decode(joined.trim()).unwrap_or_default();
            out.push_str(&String::from_utf8_lossy(&bytes));
        } else if lower.contains("content-transfer-encoding: quoted-printable") {
            out.push_str(&quoted_printable(body));
        } else {
            out.push_str(body);
        }
    }
    out
}

/// `=?utf-8?b?…?=` words in headers, decoded in place; the folding whitespace between
/// adjacent encoded words is not part of the text (RFC 2047 §6.2).
fn decode_words(head: &str) -> String {
    const OPEN: &str = "=?utf-8?b?";
    let b64 = base64::engine::general_purpose::STANDARD;
    let mut out = String::new();
    let mut rest = head;
    while let Some(start) = rest.to_ascii_lowercase().find(OPEN) {
        out.push_str(&rest[..start]);
        let mut bytes = Vec::new();
        rest = &rest[start..];
        while rest.to_ascii_lowercase().starts_with(OPEN) {
            let after = &rest[OPEN.len()..];
            let end = after.find("?=").unwrap_or(after.len());
            bytes.extend(b64.decode(&after[..end]).unwrap_or_default());
            rest = after.get(end + 2..).unwrap_or("");
            let next = rest.trim_start();
            if next.to_ascii_lowercase().starts_with(OPEN) {
                rest = next;
            }
        }
        out.push_str(&String::from_utf8_lossy(&bytes));
    }
    out.push_str(rest);
    out
}

fn quoted_printable(body: &str) -> String {
    let joined = body.replace("=\r\n", "").replace("=\n", "");
    let mut bytes = Vec::new();
    let raw = joined.as_bytes();
    let mut i = 0;
    while i < raw.len() {
        let hex = raw
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (raw[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'=', Some(b)) => {
                bytes.push(b);
                i += 3;
            }
            (c, _) => {
                bytes.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// A shop named Sharma Kirana with a WhatsApp number; its owner's token.
async fn shop(t: &TestApp, env: &TestEnv) -> String {
    let (shop, owner) = env.tenant(&t.app, Some("555000333")).await;
    sqlx::query("update businesses set name = 'Sharma Kirana' where id = $1")
        .bind(shop)
        .execute(&t.app.pool)
        .await
        .unwrap();
    t.token(shop, owner, Role::Owner)
}

fn line() -> Value {
    json!([{"description": "Chawal", "quantity": 2, "unit_price_paise": 6000, "gst_rate_bp": 0}])
}

/// The email an invoice for Sunita, who reads `language` and prefers email, arrives as.
async fn emailed_invoice(base: &str, token: &str, language: &str) -> String {
    let email = unique_email(language);
    let customer = json!({"name": "Sunita", "email": email, "preferred_channel": "email", "preferred_language": language});
    let buyer = post(format!("{base}/customers"), token, customer).await;
    let invoice = json!({"customer_id": buyer["id"], "lines": line()});
    let job = post(format!("{base}/invoices"), token, invoice).await;
    assert_eq!(job["result"]["channel"], "email", "{job}");
    readable(&login_code_for_subject(&email, "").await)
}

#[tokio::test]
async fn invoice_messages_are_in_the_customers_language() {
    let (graph_url, seen) = fake_graph().await;
    let env = TestEnv::new()
        .await
        .with("EXECORA_WHATSAPP_ACCESS_TOKEN", "test-token")
        .with("EXECORA_WHATSAPP_API_BASE_URL", &graph_url)
        .with("EXECORA_PUBLIC_URL", "https://api.shop.example");
    let t = TestApp::start(&env, true, true).await;
    let token = shop(&t, &env).await;
    let base = format!("{}/api/v1", t.base);
    let on_whatsapp = post(
        format!("{base}/customers"),
        &token,
        json!({"name": "Lakshmi", "phone": "9876543210", "preferred_language": "hindi"}),
    )
    .await;
    let job = post(
        format!("{base}/invoices"),
        &token,
        json!({"customer_id": on_whatsapp["id"], "lines": line()}),
    )
    .await;
    assert_eq!(job["result"]["channel"], "whatsapp", "{job}");
    let requests = seen.lock().unwrap().clone();
    let caption = requests[0].2["document"]["caption"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        caption.starts_with("Sharma Kirana - बिल ") && caption.ends_with("₹120.00"),
        "{caption}"
    );

    for (language, subject, greeting) in [
        ("english", "Invoice ", "Hello Sunita,"),
        ("hinglish", "Sharma Kirana ka bill ", "Namaste Sunita ji,"),
        ("hindi", "Sharma Kirana का बिल ", "नमस्ते Sunita जी,"),
    ] {
        let mail = emailed_invoice(&base, &token, language).await;
        let subject = format!("Subject: {subject}");
        assert!(mail.contains(&subject), "{language}: {mail}");
        assert!(mail.contains(greeting), "{language}: {mail}");
        assert!(mail.contains("₹120.00"), "{language}: {mail}");
    }
    t.stop().await;
}

/// A customer (`customer` is the POST body) owing ₹500 with a reminder due in ten minutes.
async fn owing_with_reminder(base: &str, token: &str, customer: Value) {
    let c = post(format!("{base}/customers"), token, customer).await;
    let id = &c["id"];
    let credit = json!({"customer_id": id, "amount_paise": 50000});
    post(format!("{base}/ledger/credits"), token, credit).await;
    let reminder = json!({"customer_id": id, "when": "10 minute baad"});
    post(format!("{base}/reminders"), token, reminder).await;
}

/// Makes every reminder due, sweeps, and follows each reminder job to success.
async fn send_due_reminders(t: &TestApp, token: &str) -> usize {
    sqlx::query("update reminders set next_run_at = now() - interval '1 second'")
        .execute(&t.app.pool)
        .await
        .unwrap();
    let swept = upkeep::sweep_reminders(&t.app.runtime, &t.app.settings)
        .await
        .unwrap();
    let jobs: Vec<Uuid> = sqlx::query_scalar("select id from jobs where workflow = 'reminder'")
        .fetch_all(&t.app.pool)
        .await
        .unwrap();
    let mut ws = WsClient::connect(&t.ws_url, token).await;
    for job in jobs {
        let events = ws.follow_to_end(job, 0).await;
        assert_eq!(events.last().unwrap()["kind"], "succeeded", "{events:?}");
    }
    swept
}

#[tokio::test]
async fn reminders_go_in_the_customers_language_and_template_language_code() {
    let (graph_url, seen) = fake_graph().await;
    let env = TestEnv::new()
        .await
        .with("EXECORA_REMINDERS_QUIET_HOURS", "")
        .with("EXECORA_WHATSAPP_ACCESS_TOKEN", "test-token")
        .with("EXECORA_WHATSAPP_API_BASE_URL", &graph_url)
        .with("EXECORA_WHATSAPP_TEMPLATE_LANGUAGE_ENGLISH", "en_US");
    let t = TestApp::start(&env, true, true).await;
    let token = shop(&t, &env).await;
    let base = format!("{}/api/v1", t.base);
    // Numbers ending 0000: the fake refuses free text (window closed), so templates go.
    // (language, phone, template code, how the text starts)
    let customers = [
        ("hindi", "9876510000", "hi", "नमस्ते"),
        ("english", "9876520000", "en_US", "Hello"),
        ("hinglish", "9876530000", "en", "Namaste"),
    ];
    for (language, phone, _, _) in customers {
        let body = json!({"name": "Ramesh", "phone": phone, "preferred_language": language});
        owing_with_reminder(&base, &token, body).await;
    }
    // And one by email, in Hindi.
    let email = unique_email("hindi-reminder");
    let body = json!({"name": "Sunita", "email": email, "preferred_channel": "email", "preferred_language": "hindi"});
    owing_with_reminder(&base, &token, body).await;
    assert_eq!(send_due_reminders(&t, &token).await, 4);
    let requests = seen.lock().unwrap().clone();
    for (language, phone, code, text) in customers {
        let to_them: Vec<&Value> = requests
            .iter()
            .map(|r| &r.2)
            .filter(|b| b["to"] == format!("+91{phone}"))
            .collect();
        assert_eq!(
            to_them.len(),
            2,
            "{language}: text, then template: {to_them:?}"
        );
        let body = to_them[0]["text"]["body"].as_str().unwrap();
        assert!(body.starts_with(text), "{language}: {body}");
        assert_eq!(to_them[1]["type"], "template");
        assert_eq!(
            to_them[1]["template"]["language"]["code"], code,
            "{language}"
        );
    }
    let mail = readable(&login_code_for_subject(&email, "").await);
    let subject = "Subject: Sharma Kirana की ओर से भुगतान का रिमाइंडर";
    assert!(mail.contains(subject), "{mail}");
    assert!(mail.contains("नमस्ते Sunita जी"), "{mail}");
    t.stop().await;
}
