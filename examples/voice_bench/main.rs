//! Voice benchmark: N concurrent WebSocket sessions each saying `turns` utterances to
//! one in-process server + worker pair, timed from the client's send to the job's
//! `succeeded` event. `offline` sends text ("Ramesh ko 500 udhaar likho") with no
//! providers (rule-based parser, text reply); `providers` sends PCM audio and goes
//! through local fakes of Deepgram (150 ms), an OpenAI-compatible chat endpoint (300 ms,
//! answering an `add_credit` intent) and ElevenLabs (200 ms), so `total − 650 ms` is
//! Execora's own overhead. The fakes time every call, and each turn's event timestamps
//! split the time into enqueue, queue wait, steps and step transitions.
//!
//! ```sh
//! cargo run --release --example voice_bench -- offline 100 [turns]
//! cargo run --release --example voice_bench -- providers 100 [turns]
//! ```
//! Needs `DATABASE_URL` (migrated) and `REDIS_URL`; `scripts/bench-voice` sets everything
//! up. `SHOPS` (default: one per session) spreads the sessions over that many shops, each
//! with its customer "Ramesh Kumar"; `VOICE_CONCURRENCY` overrides the voice workflow's
//! worker concurrency (default: `workflows/voice.toml`); `SERVER_NODELAY=1` turns Nagle's
//! algorithm off on the server's sockets (a diagnostic). Prints one JSON line.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a benchmark fails loudly"
)]

use std::{
    collections::HashMap,
    path::PathBuf,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use chrono::{DateTime, Utc};
use execora::{
    app::App,
    auth::Role,
    config::Settings,
    domain::{businesses, customers},
};
use futures::{SinkExt, StreamExt};
use poem::{
    EndpointExt, IntoResponse, Response, Route,
    http::uri::Scheme,
    listener::{Acceptor, AcceptorExt, Listener, TcpAcceptor, TcpListener},
    web::{Data, Json, LocalAddr, RemoteAddr},
};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::{
    Message, client::IntoClientRequest, protocol::WebSocketConfig,
};
use uuid::Uuid;

const STT_MS: u64 = 150;
const LLM_MS: u64 = 300;
const TTS_MS: u64 = 200;
const TEXT: &str = "Ramesh ko 500 udhaar likho";

/// Per-call latencies the fakes measured (handler entry to response), by provider.
type Calls = Arc<Mutex<HashMap<&'static str, Vec<f64>>>>;

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
async fn start_fakes(calls: Calls) -> String {
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

/// The workflow specs, with the voice worker's concurrency overridden if asked.
fn workflows_dir() -> String {
    let src = std::env::var("EXECORA_WORKFLOWS_DIR").map_or_else(
        |_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("workflows"),
        PathBuf::from,
    );
    let Ok(c) = std::env::var("VOICE_CONCURRENCY") else {
        return src.to_string_lossy().into();
    };
    let dir = std::env::temp_dir().join(format!("execora-bench-workflows-{c}"));
    std::fs::create_dir_all(&dir).unwrap();
    for entry in std::fs::read_dir(&src).unwrap() {
        let path = entry.unwrap().path();
        let mut text = std::fs::read_to_string(&path).unwrap();
        if path.file_name().is_some_and(|n| n == "voice.toml") {
            let line = text.lines().find(|l| l.starts_with("concurrency")).unwrap();
            text = text.replacen(line, &format!("concurrency = {c}"), 1);
        }
        std::fs::write(dir.join(path.file_name().unwrap()), text).unwrap();
    }
    dir.to_string_lossy().into()
}

fn settings(fakes: Option<&str>) -> Settings {
    let ns = format!("vbench{}", &Uuid::new_v4().simple().to_string()[..8]);
    let data = std::env::temp_dir().join("execora-bench");
    let mut vars: HashMap<&str, String> = [
        ("EXECORA_REDIS_NAMESPACE", ns),
        ("EXECORA_DATA_DIR", data.to_string_lossy().into()),
        ("EXECORA_WORKFLOWS_DIR", workflows_dir()),
        ("EXECORA_LISTEN", "127.0.0.1:0".into()),
        ("EXECORA_DATABASE_MAX_CONNECTIONS", "60".into()),
        ("EXECORA_JOBS_POLL_INTERVAL_MS", "5".into()),
        ("EXECORA_LIMITS_VOICE_PER_USER_PER_HOUR", "100000000".into()),
        ("EXECORA_LIMITS_API_PER_USER_PER_MINUTE", "100000000".into()),
        ("EXECORA_TTS_PROVIDER", "none".into()),
    ]
    .into_iter()
    .collect();
    if let Some(base) = fakes {
        for (k, v) in [
            ("EXECORA_STT_PROVIDER", "deepgram".to_string()),
            ("EXECORA_DEEPGRAM_API_KEY", "dg-bench".into()),
            ("EXECORA_DEEPGRAM_BASE_URL", base.into()),
            ("EXECORA_LLM_PROVIDER", "openai".into()),
            ("EXECORA_OPENAI_API_KEY", "sk-bench".into()),
            ("EXECORA_OPENAI_BASE_URL", format!("{base}/v1")),
            ("EXECORA_TTS_PROVIDER", "elevenlabs".into()),
            ("EXECORA_ELEVENLABS_API_KEY", "xi-bench".into()),
            ("EXECORA_ELEVENLABS_BASE_URL", base.into()),
            ("EXECORA_ELEVENLABS_VOICE_ID", "BENCHVOICE".into()),
        ] {
            vars.insert(k, v);
        }
    }
    Settings::from_sources(None, |k| {
        vars.get(k).cloned().or_else(|| std::env::var(k).ok())
    })
    .expect("settings")
}

/// The server's TCP acceptor with Nagle's algorithm off on every accepted socket (poem
/// leaves it on): a diagnostic, enabled with `SERVER_NODELAY=1`.
struct NoDelay(TcpAcceptor);

impl Acceptor for NoDelay {
    type Io = tokio::net::TcpStream;
    fn local_addr(&self) -> Vec<LocalAddr> {
        self.0.local_addr()
    }
    async fn accept(&mut self) -> std::io::Result<(Self::Io, LocalAddr, RemoteAddr, Scheme)> {
        let accepted = self.0.accept().await?;
        accepted.0.set_nodelay(true)?;
        Ok(accepted)
    }
}

/// Server and workers in this process, as `TestApp` runs them; returns the `/ws` URL.
async fn start_app(app: &App) -> String {
    let acceptor = if std::env::var("SERVER_NODELAY").is_ok_and(|v| v == "1") {
        let tcp = TcpListener::bind("127.0.0.1:0").into_acceptor().await;
        NoDelay(tcp.unwrap()).boxed()
    } else {
        execora::api::bind(&app.settings).await.unwrap()
    };
    let addr = execora::api::local_addr(&acceptor).unwrap();
    let (hub, a) = (app.start_hub(), app.clone());
    tokio::spawn(execora::api::serve(
        acceptor,
        a,
        hub,
        std::future::pending(),
    ));
    let a = app.clone();
    tokio::spawn(async move {
        let (rt, redis) = (a.runtime.clone(), a.redis.clone());
        execora::workflows::worker::run(rt, redis, &a.settings, std::future::pending())
            .await
            .unwrap();
    });
    format!("ws://{addr}/ws")
}

/// A shop with its owner's token and the customer "Ramesh Kumar".
async fn shop(app: &App) -> String {
    let email = format!("{}@bench.local", Uuid::new_v4().simple());
    let (tenant, owner) = businesses::ensure_demo(&app.pool, "Bench Shop", &email, None)
        .await
        .unwrap();
    let data = customers::CustomerData {
        name: "Ramesh Kumar".into(),
        phone: None,
        email: None,
        nicknames: vec![],
        landmark: None,
        city: None,
        state_code: None,
        gstin: None,
        preferred_channel: "whatsapp".into(),
        notes: None,
    };
    customers::create(&app.pool, tenant, &data).await.unwrap();
    app.tokens.issue(tenant, owner, Role::Owner).unwrap()
}

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(url: &str, token: &str) -> Ws {
    let mut req = url.into_client_request().unwrap();
    let proto = format!("execora.v1, {token}");
    req.headers_mut()
        .insert("sec-websocket-protocol", proto.parse().unwrap());
    // tungstenite zeroes its read buffer (128 KiB by default) before every read attempt;
    // a small one keeps that cost out of the load generator. As browsers do, the client
    // sends each frame at once (no Nagle).
    let config = WebSocketConfig::default().read_buffer_size(8 * 1024);
    let connected = tokio_tungstenite::connect_async_with_config(req, Some(config), true).await;
    connected.unwrap().0
}

async fn next_json(ws: &mut Ws) -> Value {
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(120), ws.next())
            .await
            .expect("no frame within 120 s")
            .expect("socket closed")
            .unwrap();
        if let Message::Text(t) = msg {
            return serde_json::from_str(&t).unwrap();
        }
    }
}

/// One turn's timings, in ms.
#[derive(Default)]
struct Turn {
    total: f64,
    parts: HashMap<String, f64>,
}

fn ms(a: DateTime<Utc>, b: DateTime<Utc>) -> f64 {
    (b - a).num_microseconds().unwrap_or(0) as f64 / 1000.0
}

/// Says one utterance and waits for its job's terminal event.
async fn turn(ws: &mut Ws, session: &str, audio: bool) -> Turn {
    let (t0, sent) = (Instant::now(), Utc::now());
    let frames = if audio {
        let start = json!({"type": "audio.start", "session_id": session, "format": "pcm_s16le", "sample_rate": 16000});
        let mut f = vec![Message::Text(start.to_string().into())];
        f.extend((0..4).map(|_| Message::Binary(vec![0u8; 2048].into())));
        f.push(Message::Text(
            json!({"type": "audio.end"}).to_string().into(),
        ));
        f
    } else {
        let msg = json!({"type": "utterance", "session_id": session, "text": TEXT});
        vec![Message::Text(msg.to_string().into())]
    };
    for frame in frames {
        ws.send(frame).await.unwrap();
    }
    let accepted = next_json(ws).await;
    assert_eq!(accepted["type"], "utterance_accepted", "{accepted}");
    let mut events: Vec<(String, String, DateTime<Utc>)> = Vec::new();
    loop {
        let f = next_json(ws).await;
        if f["type"] != "event" || f["job_id"] != accepted["job_id"] {
            continue;
        }
        let kind = f["kind"].as_str().unwrap().to_string();
        let step = f["data"]["step"].as_str().unwrap_or_default().to_string();
        let ts: DateTime<Utc> = serde_json::from_value(f["ts"].clone()).unwrap();
        events.push((kind.clone(), step, ts));
        if ["succeeded", "failed", "dead"].contains(&kind.as_str()) {
            assert_eq!(kind, "succeeded", "{f}");
            break;
        }
    }
    let mut t = Turn {
        total: t0.elapsed().as_secs_f64() * 1000.0,
        ..Turn::default()
    };
    let at = |k: &str| events.iter().find(|e| e.0 == k).map(|e| e.2).unwrap();
    let done = at("succeeded");
    t.parts.insert("enqueue".into(), ms(sent, at("accepted")));
    t.parts
        .insert("queue_wait".into(), ms(at("accepted"), at("step.started")));
    t.parts.insert("to_client".into(), ms(done, Utc::now()));
    let (mut started, mut last_end, mut gaps) = (None, None, 0.0);
    for (kind, step, ts) in &events {
        match kind.as_str() {
            "step.started" => {
                if let Some(end) = last_end {
                    gaps += ms(end, *ts);
                }
                started = Some(*ts);
            }
            "step.succeeded" => {
                t.parts
                    .insert(format!("step_{step}"), ms(started.unwrap(), *ts));
                last_end = Some(*ts);
            }
            _ => {}
        }
    }
    t.parts.insert("transitions".into(), gaps);
    t.parts.insert("finish".into(), ms(last_end.unwrap(), done));
    t
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    let i = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len()) - 1;
    (sorted[i] * 10.0).round() / 10.0
}

fn summary(mut v: Vec<f64>) -> Value {
    v.sort_by(f64::total_cmp);
    if v.is_empty() {
        return Value::Null;
    }
    let mean = v.iter().sum::<f64>() / v.len() as f64;
    json!({"p50": pct(&v, 0.5), "p90": pct(&v, 0.9), "p99": pct(&v, 0.99),
           "max": pct(&v, 1.0), "mean": (mean * 10.0).round() / 10.0})
}

async fn run(mode: &str, sessions: usize, turns: usize) -> Value {
    let providers = mode == "providers";
    let calls: Calls = Arc::default();
    let base = if providers {
        Some(start_fakes(calls.clone()).await)
    } else {
        None
    };
    let app = App::build(settings(base.as_deref())).await.unwrap();
    let url = start_app(&app).await;
    let shops: usize = std::env::var("SHOPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(sessions)
        .clamp(1, sessions);
    let mut tokens = Vec::with_capacity(shops);
    for _ in 0..shops {
        tokens.push(shop(&app).await);
    }
    // Connect everyone first (64 handshakes at a time), then start all sessions together.
    let sem = Arc::new(tokio::sync::Semaphore::new(64));
    let go = Arc::new(tokio::sync::Barrier::new(sessions + 1));
    let mut tasks = Vec::with_capacity(sessions);
    for i in 0..sessions {
        let (url, token) = (url.clone(), tokens[i % shops].clone());
        let (sem, go) = (sem.clone(), go.clone());
        tasks.push(tokio::spawn(async move {
            let permit = sem.acquire_owned().await.unwrap();
            let mut ws = connect(&url, &token).await;
            drop(permit);
            go.wait().await;
            let mut out = Vec::with_capacity(turns);
            for _ in 0..turns {
                out.push(turn(&mut ws, &format!("bench-{i}"), providers).await);
            }
            let _ = ws.close(None).await;
            out
        }));
    }
    // One untimed turn first, so the timed ones do not pay for cold pools.
    let mut warm = connect(&url, &tokens[0]).await;
    turn(&mut warm, "bench-warmup", providers).await;
    go.wait().await;
    let t0 = Instant::now();
    let mut all = Vec::with_capacity(sessions * turns);
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let secs = t0.elapsed().as_secs_f64();
    let provider_ms = (STT_MS + LLM_MS + TTS_MS) as f64;
    let mut parts: HashMap<String, Vec<f64>> = HashMap::new();
    for t in &all {
        for (k, v) in &t.parts {
            parts.entry(k.clone()).or_default().push(*v);
        }
    }
    let totals: Vec<f64> = all.iter().map(|t| t.total).collect();
    let mut out = json!({
        "mode": mode, "sessions": sessions, "turns": turns, "shops": shops,
        "voice_concurrency": std::env::var("VOICE_CONCURRENCY").unwrap_or_else(|_| "spec".into()),
        "total_ms": summary(totals.clone()), "seconds": (secs * 100.0).round() / 100.0,
        "turns_per_s": ((all.len() as f64 / secs) * 10.0).round() / 10.0,
        "loadavg": std::fs::read_to_string("/proc/loadavg").unwrap_or_default().trim(),
        "breakdown_ms": parts.into_iter().map(|(k, v)| (k, summary(v))).collect::<serde_json::Map<_, _>>(),
    });
    if providers {
        let calls = calls.lock().unwrap().clone();
        let measured: f64 = calls
            .values()
            .map(|v| v.iter().sum::<f64>() / v.len().max(1) as f64)
            .sum();
        out["overhead_ms"] = summary(totals.iter().map(|t| t - provider_ms).collect());
        out["overhead_vs_measured_ms"] = summary(totals.iter().map(|t| t - measured).collect());
        out["provider_calls_ms"] = calls
            .into_iter()
            .map(|(k, v)| (k.to_string(), json!({"calls": v.len(), "ms": summary(v)})))
            .collect::<serde_json::Map<_, _>>()
            .into();
    }
    out
}

#[tokio::main]
async fn main() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let num = |i: usize, d: usize| args.get(i).and_then(|a| a.parse().ok()).unwrap_or(d);
    let mode = args.first().map(String::as_str).unwrap_or_default();
    if !["offline", "providers"].contains(&mode) {
        eprintln!("usage: voice_bench offline|providers SESSIONS [TURNS]");
        std::process::exit(2);
    }
    println!("{}", run(mode, num(1, 1), num(2, 1)).await);
    // Server, workers and sockets are torn down with the process.
    std::process::exit(0);
}
