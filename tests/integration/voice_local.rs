//! Voice fully on the shop's own hardware: the intent model on a local OpenAI-compatible
//! chat server (Ollama, llama.cpp, vLLM) and speech on a self-hosted Whisper server,
//! each at its own base URL, without keys (docs/voice.md, "Running offline"). The
//! fakes check each request against CONTRACTS.md §3 and refuse what breaks it; OpenAI's
//! own base URL points at a closed port, so a request sent there fails the test.

use std::sync::{Arc, Mutex};

use poem::{
    Body, EndpointExt, IntoResponse, Request, Response, Route,
    http::StatusCode,
    web::{Data, Json},
};
use serde_json::{Value, json};

use crate::{
    common::{TestApp, TestEnv, client, serve_locally},
    voice::{ledger_rows, shop},
};

const CHAT_MODEL: &str = "llama3.2:3b";
const WHISPER_MODEL: &str = "Systran/faster-whisper-small";
/// Words the rules cannot read an amount from: only the model's answer carries one.
const SAID: &str = "Ramesh ke khate mein wahi likh do jo kal bataya tha";

/// What each local server received, and what it found wrong.
#[derive(Clone, Default)]
struct Local {
    chat_bodies: Arc<Mutex<Vec<Value>>>,
    transcriptions: Arc<Mutex<Vec<String>>>,
    violations: Arc<Mutex<Vec<String>>>,
}

fn refuse(local: &Local, what: &str) -> Response {
    local.violations.lock().unwrap().push(what.to_string());
    Response::builder()
        .status(StatusCode::BAD_REQUEST)
        .body(json!({"error": {"message": what, "type": "invalid_request_error"}}).to_string())
}

#[poem::handler]
async fn whisper(req: &Request, body: Body, local: Data<&Local>) -> Response {
    if req.headers().contains_key("authorization") {
        return refuse(&local, "whisper: no key is configured, so no Authorization");
    }
    let ct = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !ct.starts_with("multipart/form-data; boundary=") {
        return refuse(&local, "whisper: multipart/form-data expected");
    }
    let text = String::from_utf8_lossy(&body.into_vec().await.unwrap_or_default()).into_owned();
    let model = format!("name=\"model\"\r\n\r\n{WHISPER_MODEL}\r\n");
    if !text.contains(&model) || !text.contains("name=\"file\"; filename=\"audio.wav\"") {
        return refuse(&local, "whisper: the model and the file expected");
    }
    local.transcriptions.lock().unwrap().push(text);
    Json(json!({"text": SAID})).into_response()
}

#[poem::handler]
async fn chat(req: &Request, body: Json<Value>, local: Data<&Local>) -> Response {
    if req.headers().contains_key("authorization") {
        return refuse(&local, "chat: no key is configured, so no Authorization");
    }
    let b = body.0;
    let schema = &b["response_format"];
    if b["model"] != CHAT_MODEL
        || b["messages"].as_array().is_none_or(|m| m.len() < 2)
        || schema["type"] != "json_schema"
        || schema["json_schema"]["strict"] != true
    {
        return refuse(
            &local,
            &format!("chat: model, messages and a strict schema expected: {b}"),
        );
    }
    local.chat_bodies.lock().unwrap().push(b);
    // An answer the rules could not give for these words (they name no amount).
    let content = json!({"intent": "add_credit", "confidence": 0.92, "normalized": "ramesh ke khate mein 700 likh do",
        "entities": {"customer": "Ramesh", "active_customer": false, "amount_paise": 70_000}});
    // A local server's reply: no usage details, no rate-limit headers.
    Json(json!({
        "id": "chatcmpl-local", "object": "chat.completion", "created": 1_700_000_000, "model": CHAT_MODEL,
        "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content.to_string()}}]
    }))
    .into_response()
}

/// The two local servers, and settings that send speech to one and intents to the
/// other, OpenAI's own URL closed and no key anywhere.
async fn offline_env(local: &Local) -> TestEnv {
    let whisper_base = serve_locally(
        Route::new()
            .at("/v1/audio/transcriptions", poem::post(whisper))
            .data(local.clone()),
    );
    let chat_base = serve_locally(
        Route::new()
            .at("/v1/chat/completions", poem::post(chat))
            .data(local.clone()),
    );
    TestEnv::new()
        .await
        .with("EXECORA_OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
        .with("EXECORA_STT_PROVIDER", "openai")
        .with("EXECORA_STT_BASE_URL", &format!("{whisper_base}/v1"))
        .with("EXECORA_OPENAI_TRANSCRIBE_MODEL", WHISPER_MODEL)
        .with("EXECORA_LLM_PROVIDER", "openai")
        .with("EXECORA_LLM_BASE_URL", &format!("{chat_base}/v1"))
        .with("EXECORA_LLM_MODEL", CHAT_MODEL)
        .with("EXECORA_TTS_PROVIDER", "none")
        .with("EXECORA_PROVIDER_MAX_RETRIES", "0")
}

/// Posts a WAV recording as an utterance and waits for the job.
async fn post_recording(t: &TestApp, token: &str) -> Value {
    let audio = reqwest::multipart::Part::bytes(b"RIFF....WAVEfake".to_vec()).file_name("a.wav");
    let form = reqwest::multipart::Form::new()
        .text("session_id", "offline-1")
        .text("format", "wav")
        .part("audio", audio);
    let resp = client()
        .post(format!("{}/api/v1/voice/utterances", t.base))
        .bearer_auth(token)
        .header("Prefer", "wait=20")
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    resp.json().await.unwrap()
}

#[tokio::test]
async fn a_recording_is_understood_by_local_whisper_and_chat_servers_without_keys() {
    let local = Local::default();
    let env = offline_env(&local).await;
    let t = TestApp::start(&env, true, true).await;
    let (_, _, ramesh, token) = shop(&t, &env).await;
    let job = post_recording(&t, &token).await;
    assert_eq!(job["state"], "succeeded", "{job}");
    assert_eq!(job["result"]["intent"], "add_credit", "{job}");
    let violations = local.violations.lock().unwrap().clone();
    assert!(violations.is_empty(), "{violations:?}");
    assert_eq!(local.transcriptions.lock().unwrap().len(), 1);
    // The chat server was asked about what Whisper heard.
    let asked = local.chat_bodies.lock().unwrap().clone();
    assert_eq!(asked.len(), 1);
    let user = asked[0]["messages"][1]["content"].as_str().unwrap();
    assert!(user.contains(SAID), "{user}");
    // ₹700 as the model read it: the rules find no amount in these words.
    let rows = ledger_rows(&t, ramesh).await;
    assert_eq!(rows, vec![("credit".to_string(), 70_000)]);
    t.stop().await;
}
