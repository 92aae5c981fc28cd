//! Reply languages over the socket: Devanagari transcripts answered in Hindi for the
//! turn, "Hindi mein bolo" for the session, a language we do not speak answered with the
//! ones we do; a customer's own language set by voice; and a payment said as a total
//! with halves, written as the total.

use serde_json::Value;

use crate::{
    common::{TestApp, TestEnv, WsClient},
    voice::{event, ledger_rows, offline, say, shop},
};

fn devanagari(s: &str) -> bool {
    s.chars().any(|c| ('\u{900}'..='\u{97F}').contains(&c))
}

fn reply(events: &[Value]) -> (String, String) {
    let r = event(events, "reply");
    let text = r["text"].as_str().unwrap_or_default().to_string();
    let lang = r["language"].as_str().unwrap_or_default().to_string();
    (text, lang)
}

#[tokio::test]
async fn devanagari_is_answered_in_hindi_and_hindi_mein_bolo_keeps_it() {
    let env = offline(TestEnv::new().await);
    let t = TestApp::start(&env, true, true).await;
    let (_, _, _, token) = shop(&t, &env).await;
    let mut ws = WsClient::connect(&t.ws_url, &token).await;
    say(&mut ws, "hi", "Ramesh ko 1500 udhaar likho").await;

    let (text, lang) = reply(&say(&mut ws, "hi", "रमेश का बाकी बताओ").await);
    assert!(devanagari(&text) && text.contains("₹1,500"), "{text}");
    assert_eq!(lang, "hindi");
    let (text, lang) = reply(&say(&mut ws, "hi", "Ramesh ka balance batao").await);
    assert!(
        !devanagari(&text),
        "one Devanagari turn does not switch the session: {text}"
    );
    assert_eq!(lang, "hinglish");

    let (text, _) = reply(&say(&mut ws, "hi", "Hindi mein bolo").await);
    assert!(devanagari(&text), "{text}");
    let (text, lang) = reply(&say(&mut ws, "hi", "Ramesh ka balance batao").await);
    assert!(devanagari(&text) && text.contains("₹1,500"), "{text}");
    assert_eq!(lang, "hindi");
    t.stop().await;
}

#[tokio::test]
async fn a_language_we_do_not_speak_is_answered_with_the_ones_we_do() {
    let env = offline(TestEnv::new().await);
    let t = TestApp::start(&env, true, true).await;
    let (_, _, _, token) = shop(&t, &env).await;
    let mut ws = WsClient::connect(&t.ws_url, &token).await;
    let events = say(&mut ws, "mr", "Marathi mein bolo").await;
    let result = event(&events, "result");
    assert_eq!(result["intent"], "switch_language");
    assert_eq!(result["status"], "needs_info");
    let (text, lang) = reply(&events);
    assert!(text.contains("Hindi") && text.contains("English"), "{text}");
    assert_eq!(lang, "hinglish");
    t.stop().await;
}

#[tokio::test]
async fn a_total_paid_in_halves_is_written_as_the_total() {
    let env = offline(TestEnv::new().await);
    let t = TestApp::start(&env, true, true).await;
    let (_, _, ramesh, token) = shop(&t, &env).await;
    let mut ws = WsClient::connect(&t.ws_url, &token).await;
    say(&mut ws, "pay", "Ramesh ko 3000 udhaar likho").await;
    let paid = say(&mut ws, "pay", "Ramesh ne 1000 diye, aadha cash aadha UPI").await;
    assert_eq!(event(&paid, "result")["status"], "done", "{paid:?}");
    let payments: Vec<i64> = ledger_rows(&t, ramesh)
        .await
        .into_iter()
        .filter(|(kind, _)| kind == "payment")
        .map(|(_, amount)| amount)
        .collect();
    // Payments are credits to the balance, stored negative: two halves of ₹1,000.
    assert_eq!(payments, vec![-50_000, -50_000]);
    t.stop().await;
}

async fn preferred_language(t: &TestApp, customer: uuid::Uuid) -> String {
    sqlx::query_scalar("select preferred_language from customers where id = $1")
        .bind(customer)
        .fetch_one(&t.app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_customers_language_is_set_by_voice_and_answered_in_the_sessions_language() {
    let env = offline(TestEnv::new().await);
    let t = TestApp::start(&env, true, true).await;
    let (_, _, ramesh, token) = shop(&t, &env).await;
    let mut ws = WsClient::connect(&t.ws_url, &token).await;

    let events = say(&mut ws, "cl", "Ramesh ko Hindi mein message bhejna").await;
    let result = event(&events, "result");
    assert_eq!(result["intent"], "set_customer_language", "{result}");
    assert_eq!(result["status"], "done", "{result}");
    let (text, lang) = reply(&events);
    assert!(
        text.contains("Ramesh Kumar ko ab bill aur reminder Hindi mein"),
        "{text}"
    );
    assert_eq!(
        lang, "hinglish",
        "the session's language is not the customer's"
    );
    assert_eq!(preferred_language(&t, ramesh).await, "hindi");

    say(&mut ws, "cl", "English mein bolo").await;
    let (text, _) = reply(&say(&mut ws, "cl", "send Ramesh's messages in English").await);
    assert!(
        text.contains("will get bills and reminders in English"),
        "{text}"
    );
    assert_eq!(preferred_language(&t, ramesh).await, "english");

    say(&mut ws, "cl", "Hindi mein bolo").await;
    let (text, lang) = reply(&say(&mut ws, "cl", "रमेश को हिंग्लिश में मैसेज भेजना").await);
    assert!(text.contains("हिंग्लिश में जाएँगे"), "{text}");
    assert_eq!(lang, "hindi");
    assert_eq!(preferred_language(&t, ramesh).await, "hinglish");
    t.stop().await;
}
