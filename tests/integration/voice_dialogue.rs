//! Voice conversations across turns: confirmations, context ("uska"), mixed payments,
//! erasure confirmed by the owner's emailed code, tenants kept apart, and a weekly
//! reminder said by voice.

use execora::domain::customers;
use uuid::Uuid;

use crate::{
    common::{TestApp, TestEnv, WsClient, customer_data, kinds, login_code_for_subject},
    voice::{event, ledger_rows, offline, say, shop},
};

#[tokio::test]
async fn a_large_credit_waits_for_haan_and_nahi_drops_it() {
    let env = offline(TestEnv::new().await);
    let t = TestApp::start(&env, true, true).await;
    let (_, _, ramesh, token) = shop(&t, &env).await;
    let mut ws = WsClient::connect(&t.ws_url, &token).await;
    let ask = say(&mut ws, "c", "Ramesh ko 6000 udhaar likho").await;
    assert_eq!(event(&ask, "result")["status"], "needs_confirmation");
    assert!(
        event(&ask, "confirmation_needed")["text"]
            .as_str()
            .unwrap()
            .contains("₹6,000")
    );
    assert!(
        ledger_rows(&t, ramesh).await.is_empty(),
        "nothing written before haan"
    );
    let yes = say(&mut ws, "c", "haan").await;
    assert_eq!(event(&yes, "intent")["source"], "confirmation");
    assert_eq!(event(&yes, "result")["status"], "done");
    assert_eq!(
        ledger_rows(&t, ramesh).await,
        vec![("credit".to_string(), 600_000)]
    );
    say(&mut ws, "c", "Ramesh ko 7000 udhaar likho").await;
    let no = say(&mut ws, "c", "nahi").await;
    assert_eq!(event(&no, "result")["status"], "declined");
    assert_eq!(ledger_rows(&t, ramesh).await.len(), 1);
    t.stop().await;
}

#[tokio::test]
async fn two_tenants_with_the_same_session_id_never_share_a_draft() {
    let env = offline(TestEnv::new().await);
    let t = TestApp::start(&env, true, true).await;
    let (tenant_a, _, _, token_a) = shop(&t, &env).await;
    let (_, _, _, token_b) = shop(&t, &env).await;
    let mut a = WsClient::connect(&t.ws_url, &token_a).await;
    let mut b = WsClient::connect(&t.ws_url, &token_b).await;
    let draft = say(
        &mut a,
        "same",
        "Ramesh ke liye do kilo chawal ka bill banao",
    )
    .await;
    assert_eq!(
        event(&draft, "result")["status"],
        "needs_confirmation",
        "{draft:?}"
    );
    assert_eq!(
        event(&draft, "result")["data"]["draft"]["items"][0]["quantity"],
        2
    );
    let other = say(&mut b, "same", "bill confirm karo").await;
    assert_eq!(
        event(&other, "result")["status"],
        "needs_info",
        "B has no draft"
    );
    let confirmed = say(&mut a, "same", "haan").await;
    let result = event(&confirmed, "result");
    assert_eq!(result["status"], "done");
    let invoice_job: Uuid = serde_json::from_value(result["job_id"].clone()).unwrap();
    let events = a.follow_to_end(invoice_job, 0).await;
    assert_eq!(kinds(&events).last().unwrap(), "succeeded", "{events:?}");
    let invoices: i64 = sqlx::query_scalar("select count(*) from invoices where business_id = $1")
        .bind(tenant_a)
        .fetch_one(&t.app.pool)
        .await
        .unwrap();
    assert_eq!(invoices, 1);
    t.stop().await;
}

#[tokio::test]
async fn uska_refers_to_the_active_customer_and_mixed_payments_are_split() {
    let env = offline(TestEnv::new().await);
    let t = TestApp::start(&env, true, true).await;
    let (_, _, ramesh, token) = shop(&t, &env).await;
    let mut ws = WsClient::connect(&t.ws_url, &token).await;
    say(&mut ws, "ctx", "Ramesh ko 2000 udhaar likho").await;
    let paid = say(&mut ws, "ctx", "usne 500 cash aur 300 UPI diya").await;
    let result = event(&paid, "result");
    assert_eq!(result["status"], "done", "{result}");
    assert_eq!(result["intent"], "record_payment");
    let rows = ledger_rows(&t, ramesh).await;
    assert_eq!(rows.len(), 3, "{rows:?}");
    let methods: Vec<Option<String>> = sqlx::query_scalar(
        "select method from ledger_entries where customer_id = $1 and kind = 'payment' order by amount_paise",
    )
    .bind(ramesh)
    .fetch_all(&t.app.pool)
    .await
    .unwrap();
    assert_eq!(
        methods,
        vec![Some("cash".to_string()), Some("upi".to_string())]
    );
    let balance = say(&mut ws, "ctx", "uska balance batao").await;
    let result = event(&balance, "result");
    assert_eq!(result["intent"], "check_balance");
    assert_eq!(result["data"]["balance_paise"], 120_000);
    assert!(
        event(&balance, "reply")["text"]
            .as_str()
            .unwrap()
            .contains("₹1,200")
    );
    t.stop().await;
}

#[tokio::test]
async fn erasure_by_voice_needs_the_code_emailed_to_the_owner() {
    let env = offline(TestEnv::new().await);
    let t = TestApp::start(&env, true, true).await;
    let (tenant, owner, ramesh, token) = shop(&t, &env).await;
    let owner_email: String = sqlx::query_scalar("select email from users where id = $1")
        .bind(owner)
        .fetch_one(&t.app.pool)
        .await
        .unwrap();
    let mut ws = WsClient::connect(&t.ws_url, &token).await;
    let ask = say(&mut ws, "erase", "Ramesh ka data delete karo").await;
    assert_eq!(event(&ask, "result")["status"], "needs_confirmation");
    let wrong = say(&mut ws, "erase", "code 000000").await;
    assert_eq!(event(&wrong, "result")["status"], "failed");
    let still: Option<String> =
        sqlx::query_scalar("select name from customers where id = $1 and erased_at is null")
            .bind(ramesh)
            .fetch_optional(&t.app.pool)
            .await
            .unwrap();
    assert!(still.is_some(), "a wrong code erases nothing");
    // The wrong code used the question up: ask again, then give the emailed code.
    say(&mut ws, "erase", "Ramesh ka data delete karo").await;
    let mail = login_code_for_subject(&owner_email, "Confirm a customer erasure").await;
    let body = mail.split_once("\n\n").map_or(mail.as_str(), |(_, b)| b);
    let code = body
        .split(|c: char| !c.is_ascii_digit())
        .find(|w| w.len() == 6)
        .unwrap()
        .to_string();
    let done = say(&mut ws, "erase", &format!("code {code}")).await;
    assert_eq!(
        event(&done, "result")["status"],
        "done",
        "{:?}",
        kinds(&done)
    );
    let erased: Option<chrono::DateTime<chrono::Utc>> =
        sqlx::query_scalar("select erased_at from customers where id = $1 and business_id = $2")
            .bind(ramesh)
            .bind(tenant)
            .fetch_one(&t.app.pool)
            .await
            .unwrap();
    assert!(erased.is_some());
    t.stop().await;
}

#[tokio::test]
async fn a_similar_name_is_asked_about_not_guessed() {
    let env = offline(TestEnv::new().await);
    let t = TestApp::start(&env, true, true).await;
    let (tenant, _, _, token) = shop(&t, &env).await;
    customers::create(&t.app.pool, tenant, &customer_data("Ramesh Sharma"))
        .await
        .unwrap();
    let mut ws = WsClient::connect(&t.ws_url, &token).await;
    let events = say(&mut ws, "amb", "Ramesh ko 500 udhaar likho").await;
    let result = event(&events, "result");
    assert_eq!(result["status"], "needs_info", "{result}");
    assert_eq!(result["data"]["candidates"].as_array().unwrap().len(), 2);
    let credits: i64 =
        sqlx::query_scalar("select count(*) from ledger_entries where business_id = $1")
            .bind(tenant)
            .fetch_one(&t.app.pool)
            .await
            .unwrap();
    assert_eq!(credits, 0);
    t.stop().await;
}

#[tokio::test]
async fn with_no_provider_configured_espeak_ng_speaks_the_reply() {
    // `make test` installs espeak-ng (scripts/services); `auto` picks it up.
    let env = TestEnv::new().await.with("EXECORA_TTS_PROVIDER", "auto");
    let t = TestApp::start(&env, true, true).await;
    let (_, _, _, token) = shop(&t, &env).await;
    let mut ws = WsClient::connect(&t.ws_url, &token).await;
    let events = say(&mut ws, "local", "Ramesh ka balance batao").await;
    let audio = event(&events, "reply_audio");
    assert_eq!(audio["source"], "espeak", "{audio}");
    assert_eq!(audio["content_type"], "audio/wav");
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(audio["audio_base64"].as_str().unwrap())
        .unwrap();
    assert_eq!(&bytes[..4], b"RIFF");
    assert!(bytes.len() > 1000, "a spoken sentence, not an empty file");
    t.stop().await;
}

#[tokio::test]
async fn a_weekday_reminder_said_by_voice_repeats_weekly() {
    let env = offline(TestEnv::new().await);
    let t = TestApp::start(&env, true, true).await;
    let (_, _, ramesh, token) = shop(&t, &env).await;
    let mut ws = WsClient::connect(&t.ws_url, &token).await;
    let said = say(
        &mut ws,
        "w",
        "Ramesh ko har somvar 10 baje 500 ka reminder bhejo",
    )
    .await;
    assert_eq!(event(&said, "result")["status"], "done", "{said:?}");
    let schedule: serde_json::Value =
        sqlx::query_scalar("select schedule from reminders where customer_id = $1")
            .bind(ramesh)
            .fetch_one(&t.app.pool)
            .await
            .unwrap();
    assert_eq!(
        schedule,
        serde_json::json!({"kind": "weekly", "spec": {"weekday": 0, "hour": 10, "minute": 0}})
    );
    t.stop().await;
}
