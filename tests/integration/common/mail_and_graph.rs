//! Test helpers for what leaves the system: mail read from the SMTP sink's Maildir (login
//! codes, sign-up), and a fake of WhatsApp's Graph API that records what it was sent.

use super::*;

/// The newest email to `to` (whose text contains `needle`) in the SMTP sink's Maildir,
/// waiting for it to arrive (the sink writes the file after accepting the message).
async fn newest_mail(to: &str, needle: &str) -> String {
    let dir = PathBuf::from(
        std::env::var("EXECORA_TEST_MAILDIR").expect("EXECORA_TEST_MAILDIR (make test)"),
    )
    .join("new");
    for _ in 0..200 {
        let mut found: Vec<(std::time::SystemTime, String)> = Vec::new();
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let Ok(text) = std::fs::read_to_string(entry.path()) else {
                continue;
            };
            if text.contains(&format!("To: {to}")) && text.contains(needle) {
                let modified = entry
                    .metadata()
                    .and_then(|m| m.modified())
                    .unwrap_or(std::time::UNIX_EPOCH);
                found.push((modified, text));
            }
        }
        found.sort_by_key(|(t, _)| *t);
        if let Some((_, text)) = found.pop() {
            return text;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("no email to {to} containing {needle:?} arrived");
}

/// The 6-digit code of the newest email to `to`.
pub async fn login_code_for(to: &str) -> String {
    let text = newest_mail(to, "").await;
    // Only the body: headers (Message-ID, X-Peer) can hold digit runs too.
    let body = text.split_once("\n\n").map_or(text.as_str(), |(_, b)| b);
    body.split(|c: char| !c.is_ascii_digit())
        .find(|w| w.len() == 6)
        .expect("a 6-digit code in the email")
        .to_string()
}

/// Signs up a business through the API; returns (business id, user id, access, refresh).
pub async fn sign_up(base: &str, email: &str, password: &str) -> (Uuid, Uuid, String, String) {
    let resp = client()
        .post(format!("{base}/api/v1/businesses"))
        .json(&json!({"business_name": "Sharma Kirana", "owner_name": "Ramesh Sharma", "owner_email": email, "password": password}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let body: Value = resp.json().await.unwrap();
    (
        body["business_id"].as_str().unwrap().parse().unwrap(),
        body["user"]["id"].as_str().unwrap().parse().unwrap(),
        body["tokens"]["access_token"].as_str().unwrap().to_string(),
        body["tokens"]["refresh_token"]
            .as_str()
            .unwrap()
            .to_string(),
    )
}

/// The text of the newest email to `to` whose subject contains `subject`.
pub async fn login_code_for_subject(to: &str, subject: &str) -> String {
    newest_mail(to, subject).await
}

pub type Seen = Arc<Mutex<Vec<(String, Option<String>, Value)>>>;

/// A stand-in for graph.facebook.com: records each request; free text to the number
/// ending 0000 is refused with 131047 (outside the 24-hour window).
#[poem::handler]
fn graph(
    Path(phone_number_id): Path<String>,
    req: &poem::Request,
    body: Json<Value>,
    seen: Data<&Seen>,
) -> poem::Response {
    let auth = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    seen.0
        .lock()
        .unwrap()
        .push((phone_number_id, auth, body.0.clone()));
    if body.0["type"] == "text" && body.0["to"].as_str().is_some_and(|t| t.ends_with("0000")) {
        let err = json!({"error": {"message": "(#131047) Re-engagement message", "type": "OAuthException", "code": 131047, "fbtrace_id": "x"}});
        return Json(err)
            .with_status(StatusCode::BAD_REQUEST)
            .into_response();
    }
    Json(json!({"messaging_product": "whatsapp", "contacts": [{"input": body.0["to"], "wa_id": "x"}], "messages": [{"id": "wamid.TEST123"}]})).into_response()
}

pub async fn fake_graph() -> (String, Seen) {
    let seen: Seen = Arc::new(Mutex::new(Vec::new()));
    let app = Route::new()
        .at("/v25.0/:id/messages", poem::post(graph))
        .data(seen.clone());
    (serve_locally(app), seen)
}
