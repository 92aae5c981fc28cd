//! Local fakes of the voice providers: Deepgram (`/v1/listen`, 150 ms), an
//! OpenAI-compatible chat endpoint (300 ms, answering an `add_credit` intent) and
//! ElevenLabs (200 ms, 4 KB of "audio"). Each sleeps its fixed latency and records how
//! long the call really took from handler entry to answer, so the report can subtract
//! what the fakes measured as well as what they promised.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use poem::{
    EndpointExt, IntoResponse, Response, Route,
    web::{Data, Json},
};
use serde_json::{Value, json};

pub const STT_MS: u64 = 150;
pub const LLM_MS: u64 = 300;
pub const TTS_MS: u64 = 200;
/// What every utterance says (typed offline, "transcribed" by the fake STT).
pub const TEXT: &str = "Ramesh ko 500 udhaar likho";

/// Per-call latencies the fakes measured (handler entry to response), by provider.
pub type Calls = Arc<Mutex<HashMap<&'static str, Vec<f64>>>>;

async fn fake_call(calls: &Calls, name: &'static str, ms: u64) {
    let t = Instant::now();
    tokio::time::sleep(Duration::from_millis(ms)).await;
    let took = t.elapsed().as_secs_f64() * 1000.0;
    calls.lock().unwrap().entry(name).or_default().push(took);
}

#[poem::handler]
async fn deepgram(body: poem::Body, calls: Data<&Calls>) -> Response {
    let _ = body.into_vec().await;
    fake_call(&calls, "stt", STT_MS).await;
    Json(json!({
        "metadata": {"request_id": "r1", "sha256": "x", "created": "2026-01-01T00:00:00Z", "duration": 1.2, "channels": 1, "models": ["m"]},
        "results": {"channels": [{"alternatives": [{"transcript": TEXT, "confidence": 0.97, "words": []}]}]}
    }))
    .into_response()
}

#[poem::handler]
async fn chat(_body: Json<Value>, calls: Data<&Calls>) -> Response {
    fake_call(&calls, "llm", LLM_MS).await;
    let content = json!({"intent": "add_credit", "confidence": 0.93, "normalized": "ramesh ko 500 udhaar likho",
                         "entities": {"customer": "Ramesh", "active_customer": false, "amount_paise": 50_000}});
    Json(json!({
        "id": "chatcmpl-1", "object": "chat.completion", "created": 1_700_000_000, "model": "gpt-4o-mini-2024-07-18",
        "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content.to_string(), "refusal": null}}],
        "usage": {"prompt_tokens": 120, "completion_tokens": 30, "total_tokens": 150, "prompt_tokens_details": {"cached_tokens": 20}}
    }))
    .into_response()
}

#[poem::handler]
async fn elevenlabs(_body: Json<Value>, calls: Data<&Calls>) -> Response {
    fake_call(&calls, "tts", TTS_MS).await;
    Response::builder()
        .content_type("audio/mpeg")
        .body(vec![0x49u8; 4096])
}

/// Starts the fake providers; returns their base URL.
pub async fn start(calls: Calls) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let app = Route::new()
        .at("/v1/listen", poem::post(deepgram))
        .at("/v1/chat/completions", poem::post(chat))
        .at("/v1/text-to-speech/:voice", poem::post(elevenlabs))
        .data(calls);
    tokio::spawn(poem::Server::new(poem::listener::TcpListener::bind(addr)).run(app));
    while tokio::net::TcpStream::connect(addr).await.is_err() {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    format!("http://{addr}")
}

/// The sum of the fakes' promised latencies: `total − this` is Execora's overhead.
pub fn promised_ms() -> f64 {
    (STT_MS + LLM_MS + TTS_MS) as f64
}

/// The sum of the fakes' measured mean latencies, and each provider's call summary.
pub fn measured(calls: &Calls) -> (f64, Value) {
    let calls = calls.lock().unwrap().clone();
    let mean_sum = calls
        .values()
        .map(|v| v.iter().sum::<f64>() / v.len().max(1) as f64)
        .sum();
    let per_provider = calls
        .into_iter()
        .map(|(k, v)| {
            let n = v.len();
            (
                k.to_string(),
                json!({"calls": n, "ms": super::stats::summary(v)}),
            )
        })
        .collect::<serde_json::Map<_, _>>();
    (mean_sum, per_provider.into())
}
