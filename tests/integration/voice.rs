//! The voice workflow end to end: utterances over `/ws` and REST, providers faked at
//! the HTTP level (voice_fakes), the ledger checked in Postgres.

use base64::Engine as _;
use execora::{
    auth::Role,
    domain::{
        customers,
        products::{self, ProductData},
    },
};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    common::{TestApp, TestEnv, WsClient, client, customer_data, kinds},
    voice_fakes::{self, DEEPGRAM_KEY, ELEVEN_KEY, Fakes, LlmMode, OPENAI_KEY, SPEECH, VOICE_ID},
};

/// A shop with Ramesh (a customer) and Chawal (a product at ₹60, 5% GST).
pub async fn shop(t: &TestApp, env: &TestEnv) -> (Uuid, Uuid, Uuid, String) {
    let (tenant, owner) = env.tenant(&t.app, None).await;
    let ramesh = customers::create(&t.app.pool, tenant, &customer_data("Ramesh Kumar"))
        .await
        .unwrap();
    products::create(
        &t.app.pool,
        tenant,
        &ProductData {
            name: "Chawal".into(),
            sku: None,
            unit: "kg".into(),
            price_paise: 6_000,
            hsn_code: Some("1006".into()),
            gst_rate_bp: 500,
            low_stock_threshold: 0,
        },
        100,
    )
    .await
    .unwrap();
    let token = t.token(tenant, owner, Role::Owner);
    (tenant, owner, ramesh.id, token)
}

pub async fn ledger_rows(t: &TestApp, customer: Uuid) -> Vec<(String, i64)> {
    sqlx::query_as(
        "select kind, amount_paise from ledger_entries where customer_id = $1 order by created_at",
    )
    .bind(customer)
    .fetch_all(&t.app.pool)
    .await
    .unwrap()
}

/// Sends a text utterance and collects the job's frames up to its terminal event.
pub async fn say(ws: &mut WsClient, session: &str, text: &str) -> Vec<Value> {
    ws.send(json!({"type": "utterance", "session_id": session, "text": text}))
        .await;
    collect(ws).await
}

pub async fn collect(ws: &mut WsClient) -> Vec<Value> {
    let accepted = ws.next().await;
    assert_eq!(accepted["type"], "utterance_accepted", "{accepted}");
    let job = accepted["job_id"].clone();
    let mut events = Vec::new();
    loop {
        let frame = ws.next().await;
        if frame["type"] == "event" && frame["job_id"] == job {
            let kind = frame["kind"].as_str().unwrap().to_string();
            events.push(frame);
            if ["succeeded", "failed", "dead"].contains(&kind.as_str()) {
                return events;
            }
        }
    }
}

pub fn event<'a>(events: &'a [Value], kind: &str) -> &'a Value {
    &events
        .iter()
        .find(|e| e["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} in {:?}", kinds(events)))["data"]
}

pub fn position(events: &[Value], kind: &str) -> usize {
    kinds(events)
        .iter()
        .position(|k| k == kind)
        .unwrap_or_else(|| panic!("no {kind} in {:?}", kinds(events)))
}

pub fn offline(env: TestEnv) -> TestEnv {
    env.with("EXECORA_TTS_PROVIDER", "none")
}

pub fn with_providers(env: TestEnv, f: &Fakes, stt: &str, tts: &str) -> TestEnv {
    env.with("EXECORA_STT_PROVIDER", stt)
        .with("EXECORA_DEEPGRAM_API_KEY", DEEPGRAM_KEY)
        .with("EXECORA_DEEPGRAM_BASE_URL", &f.base)
        .with("EXECORA_OPENAI_API_KEY", OPENAI_KEY)
        .with("EXECORA_OPENAI_BASE_URL", &format!("{}/v1", f.base))
        .with("EXECORA_LLM_PROVIDER", "openai")
        .with("EXECORA_TTS_PROVIDER", tts)
        .with("EXECORA_ELEVENLABS_API_KEY", ELEVEN_KEY)
        .with("EXECORA_ELEVENLABS_BASE_URL", &f.base)
        .with("EXECORA_ELEVENLABS_VOICE_ID", VOICE_ID)
        .with("EXECORA_PROVIDER_MAX_RETRIES", "0")
}

fn credit_answer(name: &str, paise: i64) -> Value {
    json!({"intent": "add_credit", "confidence": 0.93, "normalized": "ramesh ko 500 udhaar likho",
           "entities": {"customer": name, "active_customer": false, "amount_paise": paise}})
}

#[tokio::test]
async fn a_text_utterance_over_the_socket_streams_each_step_and_writes_the_credit_once() {
    let env = offline(TestEnv::new().await);
    let t = TestApp::start(&env, true, true).await;
    let (_, _, ramesh, token) = shop(&t, &env).await;
    let mut ws = WsClient::connect(&t.ws_url, &token).await;
    let events = say(&mut ws, "counter-1", "Ramesh ko 500 udhaar likho").await;
    let order = [
        "accepted",
        "transcript",
        "intent",
        "result",
        "reply",
        "succeeded",
    ];
    let positions: Vec<usize> = order.iter().map(|k| position(&events, k)).collect();
    assert!(
        positions.windows(2).all(|w| w[0] < w[1]),
        "{:?}",
        kinds(&events)
    );
    assert_eq!(
        event(&events, "transcript")["text"],
        "Ramesh ko 500 udhaar likho"
    );
    let intent = event(&events, "intent");
    assert_eq!(intent["intent"], "add_credit");
    assert_eq!(intent["source"], "rules");
    assert_eq!(intent["entities"]["amount_paise"], 50_000);
    assert_eq!(event(&events, "result")["status"], "done");
    let reply = event(&events, "reply")["text"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(reply.contains("₹500"), "{reply}");
    assert_eq!(
        ledger_rows(&t, ramesh).await,
        vec![("credit".to_string(), 50_000)]
    );
    // The same turn executed again (a redelivered job) finds its entry: still one row.
    let job: Uuid = serde_json::from_value(events[0]["job_id"].clone()).unwrap();
    sqlx::query("update jobs set state = 'queued', step_index = 3, step_attempts = 0, delivery = delivery + 1 where id = $1")
        .bind(job)
        .execute(&t.app.pool)
        .await
        .unwrap();
    let delivery: i32 = sqlx::query_scalar("select delivery from jobs where id = $1")
        .bind(job)
        .fetch_one(&t.app.pool)
        .await
        .unwrap();
    t.app
        .queue
        .push(job, "voice", delivery, std::time::Duration::ZERO)
        .await
        .unwrap();
    let again = ws
        .follow_to_end(job, events.last().unwrap()["id"].as_u64().unwrap())
        .await;
    assert_eq!(kinds(&again).last().unwrap(), "succeeded");
    assert_eq!(
        ledger_rows(&t, ramesh).await.len(),
        1,
        "a redelivered turn writes nothing twice"
    );
    t.stop().await;
}

#[tokio::test]
async fn audio_goes_through_deepgram_the_llm_and_elevenlabs_and_the_recording_is_kept_in_s3() {
    let fakes = voice_fakes::start().await;
    fakes.set_llm(LlmMode::Answer(credit_answer("Ramesh", 50_000)));
    let env = with_providers(
        TestEnv::new().await.with_s3(),
        &fakes,
        "deepgram",
        "elevenlabs",
    );
    let t = TestApp::start(&env, true, true).await;
    let (tenant, _, ramesh, token) = shop(&t, &env).await;
    let mut ws = WsClient::connect(&t.ws_url, &token).await;
    let pcm: Vec<u8> = (0..3200u32).map(|i| (i % 251) as u8).collect();
    ws.send(json!({"type": "audio.start", "session_id": "mic-1", "format": "pcm_s16le", "sample_rate": 16000})).await;
    for chunk in pcm.chunks(1000) {
        use futures::SinkExt;
        ws.stream
            .send(tokio_tungstenite::tungstenite::Message::Binary(
                chunk.to_vec().into(),
            ))
            .await
            .unwrap();
    }
    ws.send(json!({"type": "audio.end"})).await;
    let events = collect(&mut ws).await;
    assert_eq!(kinds(&events).last().unwrap(), "succeeded", "{events:?}");
    assert_eq!(event(&events, "transcript")["source"], "deepgram");
    assert_eq!(event(&events, "intent")["source"], "llm");
    let audio = event(&events, "reply_audio");
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(audio["audio_base64"].as_str().unwrap())
        .unwrap();
    assert_eq!(bytes, SPEECH);
    assert_eq!(
        ledger_rows(&t, ramesh).await,
        vec![("credit".to_string(), 50_000)]
    );
    // The recording: stored through the S3 API (signed requests), read back as WAV.
    let job = events[0]["job_id"].as_str().unwrap();
    let key = format!("recordings/{tenant}/{job}.wav");
    let stored = t
        .app
        .store
        .get(&key)
        .await
        .unwrap()
        .expect("recording stored");
    assert_eq!(&stored[..4], b"RIFF");
    assert_eq!(&stored[44..], &pcm[..]);
    assert!(fakes.violations().is_empty(), "{:?}", fakes.violations());
    assert_eq!(Fakes::calls(&fakes.stt_calls), 1);
    t.stop().await;
}

#[tokio::test]
async fn a_recording_posted_over_rest_goes_through_openai_transcription_and_speech() {
    let fakes = voice_fakes::start().await;
    fakes.set_transcript("Ramesh ka balance batao");
    fakes.set_llm(LlmMode::Answer(json!({"intent": "check_balance", "confidence": 0.9, "normalized": "ramesh ka balance batao",
        "entities": {"customer": "Ramesh"}})));
    let env = with_providers(TestEnv::new().await, &fakes, "openai", "openai");
    let t = TestApp::start(&env, true, true).await;
    let (_, _, _, token) = shop(&t, &env).await;
    let form = reqwest::multipart::Form::new()
        .text("session_id", "rest-1")
        .text("format", "wav")
        .part(
            "audio",
            reqwest::multipart::Part::bytes(b"RIFF....WAVEfake".to_vec()).file_name("a.wav"),
        );
    let resp = client()
        .post(format!("{}/api/v1/voice/utterances", t.base))
        .bearer_auth(&token)
        .header("Prefer", "wait=20")
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let job: Value = resp.json().await.unwrap();
    assert_eq!(job["state"], "succeeded", "{job}");
    assert_eq!(job["result"]["intent"], "check_balance");
    assert_eq!(job["result"]["audio"], true);
    assert!(
        job["result"]["reply"]
            .as_str()
            .unwrap()
            .contains("Ramesh Kumar"),
        "{job}"
    );
    assert!(fakes.violations().is_empty(), "{:?}", fakes.violations());
    t.stop().await;
}

#[tokio::test]
async fn malformed_llm_output_falls_back_to_the_rules() {
    let fakes = voice_fakes::start().await;
    fakes.set_llm(LlmMode::Malformed);
    let env = with_providers(TestEnv::new().await, &fakes, "none", "none");
    let t = TestApp::start(&env, true, true).await;
    let (_, _, ramesh, token) = shop(&t, &env).await;
    let mut ws = WsClient::connect(&t.ws_url, &token).await;
    let events = say(&mut ws, "s", "Ramesh ko 500 udhaar likho").await;
    let intent = event(&events, "intent");
    assert_eq!(intent["source"], "rules", "{intent}");
    assert!(intent["fallback_reason"].as_str().is_some(), "{intent}");
    assert_eq!(Fakes::calls(&fakes.llm_calls), 1);
    assert_eq!(ledger_rows(&t, ramesh).await.len(), 1);
    t.stop().await;
}

#[tokio::test]
async fn an_open_llm_breaker_sends_utterances_to_the_rules_without_calling_the_model() {
    let fakes = voice_fakes::start().await;
    fakes.set_llm(LlmMode::Down);
    let env = with_providers(TestEnv::new().await, &fakes, "none", "none")
        .with("EXECORA_BREAKER_FAILURE_THRESHOLD", "1")
        .with("EXECORA_BREAKER_OPEN_SECS", "600");
    let t = TestApp::start(&env, true, true).await;
    let (_, _, ramesh, token) = shop(&t, &env).await;
    let mut ws = WsClient::connect(&t.ws_url, &token).await;
    let first = say(&mut ws, "s", "Ramesh ko 100 udhaar likho").await;
    assert_eq!(event(&first, "intent")["source"], "rules");
    let calls_after_first = Fakes::calls(&fakes.llm_calls);
    assert!(calls_after_first >= 1);
    let second = say(&mut ws, "s", "Ramesh ko 200 udhaar likho").await;
    assert_eq!(event(&second, "intent")["source"], "rules");
    assert_eq!(
        Fakes::calls(&fakes.llm_calls),
        calls_after_first,
        "an open breaker does not call the model"
    );
    assert_eq!(ledger_rows(&t, ramesh).await.len(), 2);
    let metrics = client()
        .get(format!("{}/metrics", t.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("execora_breaker_state{breaker=\"llm\"} 2"),
        "breaker state exported as open"
    );
    t.stop().await;
}

#[tokio::test]
async fn a_failing_speech_engine_leaves_a_text_reply() {
    let fakes = voice_fakes::start().await;
    *fakes.tts_down.lock().unwrap() = true;
    fakes.set_llm(LlmMode::Answer(credit_answer("Ramesh", 50_000)));
    let env = with_providers(TestEnv::new().await, &fakes, "none", "elevenlabs");
    let t = TestApp::start(&env, true, true).await;
    let (_, _, _, token) = shop(&t, &env).await;
    let mut ws = WsClient::connect(&t.ws_url, &token).await;
    let events = say(&mut ws, "s", "Ramesh ko 500 udhaar likho").await;
    assert_eq!(kinds(&events).last().unwrap(), "succeeded");
    assert!(!kinds(&events).contains(&"reply_audio".to_string()));
    assert!(
        event(&events, "reply")["text"]
            .as_str()
            .unwrap()
            .contains("₹500")
    );
    let result = &events.last().unwrap()["data"]["result"];
    assert_eq!(result["audio"], false);
    assert_eq!(result["degraded"], "tts_unavailable");
    assert!(Fakes::calls(&fakes.tts_calls) >= 1);
    t.stop().await;
}

#[tokio::test]
async fn rest_utterances_are_validated_and_rate_limited() {
    let env = offline(TestEnv::new().await).with("EXECORA_LIMITS_VOICE_PER_USER_PER_HOUR", "2");
    let t = TestApp::start(&env, true, true).await;
    let (_, _, _, token) = shop(&t, &env).await;
    let post = |body: Value| {
        client()
            .post(format!("{}/api/v1/voice/utterances", t.base))
            .bearer_auth(&token)
            .json(&body)
            .send()
    };
    for (body, code) in [
        (json!({"session_id": "s", "text": "   "}), "empty_utterance"),
        (
            json!({"session_id": "bad id!", "text": "hello"}),
            "invalid_session_id",
        ),
        (
            json!({"session_id": "s", "text": "x".repeat(1001)}),
            "utterance_too_long",
        ),
    ] {
        let resp = post(body).await.unwrap();
        assert_eq!(resp.status(), 422);
        assert_eq!(resp.json::<Value>().await.unwrap()["code"], code);
    }
    let resp = post(json!({"session_id": "s"})).await.unwrap();
    assert_eq!(resp.status(), 400, "a missing field is a typed 400");
    for _ in 0..2 {
        let resp = post(json!({"session_id": "s", "text": "aaj ka hisaab batao"}))
            .await
            .unwrap();
        assert_eq!(resp.status(), 202);
    }
    let resp = post(json!({"session_id": "s", "text": "aaj ka hisaab batao"}))
        .await
        .unwrap();
    assert_eq!(resp.status(), 429);
    assert!(resp.headers().get("retry-after").is_some());
    t.stop().await;
}
