//! Local stand-ins for Deepgram, OpenAI (chat, transcription, speech) and ElevenLabs
//! that check each request against CONTRACTS.md (path, auth header word, query,
//! content type, body fields) and answer in the provider's own shapes. A request that
//! breaks the contract gets a 400 the adapter cannot mistake for success.

use std::sync::{
    Arc, Mutex,
    atomic::{AtomicUsize, Ordering},
};

use poem::{
    Body, EndpointExt, IntoResponse, Request, Response, Route,
    http::StatusCode,
    web::{Data, Json, Path},
};
use serde_json::{Value, json};

pub const DEEPGRAM_KEY: &str = "dg-test-key";
pub const OPENAI_KEY: &str = "sk-test-key";
pub const ELEVEN_KEY: &str = "xi-test-key";
pub const VOICE_ID: &str = "VOICE1";
pub const SPEECH: &[u8] = b"ID3-fake-mp3-bytes";

/// How the fake LLM answers.
#[derive(Clone)]
pub enum LlmMode {
    /// This JSON as the message content.
    Answer(Value),
    /// Content that is not JSON.
    Malformed,
    /// HTTP 500.
    Down,
}

#[derive(Clone)]
pub struct Fakes {
    pub transcript: Arc<Mutex<String>>,
    pub llm: Arc<Mutex<LlmMode>>,
    pub tts_down: Arc<Mutex<bool>>,
    pub stt_calls: Arc<AtomicUsize>,
    pub llm_calls: Arc<AtomicUsize>,
    pub tts_calls: Arc<AtomicUsize>,
    /// Contract violations seen (empty in a passing test).
    pub violations: Arc<Mutex<Vec<String>>>,
    /// `traceparent` headers the chat endpoint received (observability tests).
    pub traceparents: Arc<Mutex<Vec<String>>>,
    pub base: String,
}

impl Fakes {
    pub fn violations(&self) -> Vec<String> {
        self.violations.lock().unwrap().clone()
    }
    pub fn set_llm(&self, mode: LlmMode) {
        *self.llm.lock().unwrap() = mode;
    }
    pub fn set_transcript(&self, t: &str) {
        *self.transcript.lock().unwrap() = t.to_string();
    }
    pub fn calls(c: &AtomicUsize) -> usize {
        c.load(Ordering::SeqCst)
    }
}

fn header<'a>(req: &'a Request, name: &str) -> &'a str {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

fn violation(f: &Fakes, what: String) -> Response {
    f.violations.lock().unwrap().push(what.clone());
    Response::builder()
        .status(StatusCode::BAD_REQUEST)
        .body(json!({"err_code": "Bad Request", "err_msg": what}).to_string())
}

#[poem::handler]
async fn deepgram(req: &Request, body: Body, f: Data<&Fakes>) -> Response {
    f.stt_calls.fetch_add(1, Ordering::SeqCst);
    if header(req, "authorization") != format!("Token {DEEPGRAM_KEY}") {
        return violation(&f, "deepgram: Authorization must be `Token <key>`".into());
    }
    let query = req.uri().query().unwrap_or("");
    if !query.contains("model=nova-3") {
        return violation(&f, format!("deepgram: model missing from query {query}"));
    }
    if !header(req, "content-type").starts_with("audio/") {
        return violation(
            &f,
            "deepgram: raw audio needs an audio/* content type".into(),
        );
    }
    let bytes = body.into_vec().await.unwrap_or_default();
    if bytes.is_empty() {
        return violation(&f, "deepgram: empty audio".into());
    }
    let text = f.transcript.lock().unwrap().clone();
    Json(json!({
        "metadata": {"request_id": "r1", "sha256": "x", "created": "2026-01-01T00:00:00Z", "duration": 1.2, "channels": 1, "models": ["m"]},
        "results": {"channels": [{"alternatives": [{"transcript": text, "confidence": 0.97, "words": []}]}]}
    }))
    .with_header("dg-request-id", "r1")
    .into_response()
}

#[poem::handler]
async fn openai_transcribe(req: &Request, body: Body, f: Data<&Fakes>) -> Response {
    f.stt_calls.fetch_add(1, Ordering::SeqCst);
    if header(req, "authorization") != format!("Bearer {OPENAI_KEY}") {
        return violation(&f, "openai: Authorization must be `Bearer <key>`".into());
    }
    if !header(req, "content-type").starts_with("multipart/form-data; boundary=") {
        return violation(
            &f,
            "openai transcription: multipart/form-data expected".into(),
        );
    }
    let body = String::from_utf8_lossy(&body.into_vec().await.unwrap_or_default()).into_owned();
    for field in ["name=\"model\"", "name=\"file\""] {
        if !body.contains(field) {
            return violation(&f, format!("openai transcription: {field} missing"));
        }
    }
    let text = f.transcript.lock().unwrap().clone();
    Json(json!({"text": text, "usage": {"type": "duration", "seconds": 2}})).into_response()
}

#[poem::handler]
async fn openai_chat(req: &Request, body: Json<Value>, f: Data<&Fakes>) -> Response {
    f.llm_calls.fetch_add(1, Ordering::SeqCst);
    if let Some(tp) = req
        .headers()
        .get("traceparent")
        .and_then(|v| v.to_str().ok())
    {
        f.traceparents.lock().unwrap().push(tp.to_string());
    }
    if header(req, "authorization") != format!("Bearer {OPENAI_KEY}") {
        return violation(&f, "openai: Authorization must be `Bearer <key>`".into());
    }
    let rf = &body.0["response_format"];
    if rf["type"] != "json_schema" || rf["json_schema"]["strict"] != true {
        return violation(
            &f,
            format!("openai chat: strict json_schema response_format expected, got {rf}"),
        );
    }
    if body.0["messages"].as_array().is_none_or(|m| m.len() < 2) {
        return violation(&f, "openai chat: system and user messages expected".into());
    }
    let mode = f.llm.lock().unwrap().clone();
    let content = match mode {
        LlmMode::Down => {
            return Json(json!({"error": {"message": "boom", "type": "server_error", "param": null, "code": null}}))
                .with_status(StatusCode::INTERNAL_SERVER_ERROR)
                .into_response();
        }
        LlmMode::Malformed => "{\"intent\": \"add_credit\", \"entities\": ".to_string(),
        LlmMode::Answer(v) => v.to_string(),
    };
    Json(json!({
        "id": "chatcmpl-1", "object": "chat.completion", "created": 1_700_000_000, "model": "gpt-4o-mini-2024-07-18",
        "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content, "refusal": null}}],
        "usage": {"prompt_tokens": 120, "completion_tokens": 30, "total_tokens": 150, "prompt_tokens_details": {"cached_tokens": 20}}
    }))
    .into_response()
}

fn tts_answer(f: &Fakes) -> Option<Response> {
    f.tts_calls.fetch_add(1, Ordering::SeqCst);
    if *f.tts_down.lock().unwrap() {
        return Some(
            Json(json!({"detail": {"status": "system_busy", "message": "down"}}))
                .with_status(StatusCode::INTERNAL_SERVER_ERROR)
                .into_response(),
        );
    }
    None
}

#[poem::handler]
async fn openai_speech(req: &Request, body: Json<Value>, f: Data<&Fakes>) -> Response {
    if let Some(r) = tts_answer(&f) {
        return r;
    }
    if header(req, "authorization") != format!("Bearer {OPENAI_KEY}") {
        return violation(&f, "openai: Authorization must be `Bearer <key>`".into());
    }
    if body.0["input"].as_str().is_none_or(str::is_empty)
        || body.0["model"].as_str().is_none()
        || body.0["voice"].as_str().is_none()
    {
        return violation(
            &f,
            format!("openai speech: model, input and voice expected: {}", body.0),
        );
    }
    Response::builder().content_type("audio/mpeg").body(SPEECH)
}

#[poem::handler]
async fn elevenlabs(
    req: &Request,
    Path(voice): Path<String>,
    body: Json<Value>,
    f: Data<&Fakes>,
) -> Response {
    if let Some(r) = tts_answer(&f) {
        return r;
    }
    if header(req, "xi-api-key") != ELEVEN_KEY {
        return violation(&f, "elevenlabs: xi-api-key header expected".into());
    }
    if voice != VOICE_ID {
        return violation(&f, format!("elevenlabs: unexpected voice {voice}"));
    }
    if !req
        .uri()
        .query()
        .unwrap_or("")
        .contains("output_format=mp3_44100_128")
    {
        return violation(&f, "elevenlabs: output_format query expected".into());
    }
    if body.0["text"].as_str().is_none_or(str::is_empty) {
        return violation(&f, "elevenlabs: text expected".into());
    }
    Response::builder().content_type("audio/mpeg").body(SPEECH)
}

/// Starts the fakes on a free port.
pub async fn start() -> Fakes {
    let mut fakes = Fakes {
        transcript: Arc::new(Mutex::new("Ramesh ko 500 udhaar likho".into())),
        llm: Arc::new(Mutex::new(LlmMode::Malformed)),
        tts_down: Arc::new(Mutex::new(false)),
        stt_calls: Arc::default(),
        llm_calls: Arc::default(),
        tts_calls: Arc::default(),
        violations: Arc::default(),
        traceparents: Arc::default(),
        base: String::new(),
    };
    let app = Route::new()
        .at("/v1/listen", poem::post(deepgram))
        .at("/v1/audio/transcriptions", poem::post(openai_transcribe))
        .at("/v1/chat/completions", poem::post(openai_chat))
        .at("/v1/audio/speech", poem::post(openai_speech))
        .at("/v1/text-to-speech/:voice", poem::post(elevenlabs))
        .data(fakes.clone());
    fakes.base = crate::common::serve_locally(app);
    fakes
}
