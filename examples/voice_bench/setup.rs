//! The system under test, in this process as `TestApp` runs it: settings for a private
//! Redis namespace with rate limits out of the way, the server (`api::serve` with its
//! hub) and the workers (`workflows::worker::run`), and one shop per session with its
//! owner's token and the customer "Ramesh Kumar".

use std::{collections::HashMap, path::PathBuf};

use execora::{
    app::App,
    auth::Role,
    config::Settings,
    domain::{businesses, customers},
};
use poem::{
    http::uri::Scheme,
    listener::{Acceptor, AcceptorExt, Listener, TcpAcceptor, TcpListener},
    web::{LocalAddr, RemoteAddr},
};
use uuid::Uuid;

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

/// Settings from the environment, with the bench's overrides; `fakes` is the base URL
/// of the fake providers (none: offline, rule-based parser and text replies).
pub fn settings(fakes: Option<&str>) -> Settings {
    let ns = format!("vbench{}", &Uuid::new_v4().simple().to_string()[..8]);
    let data = std::env::temp_dir().join("execora-bench");
    let mut vars: HashMap<&str, String> = [
        ("EXECORA_REDIS_NAMESPACE", ns),
        ("EXECORA_DATA_DIR", data.to_string_lossy().into()),
        ("EXECORA_WORKFLOWS_DIR", workflows_dir()),
        ("EXECORA_LISTEN", "127.0.0.1:0".into()),
        ("EXECORA_DATABASE_MAX_CONNECTIONS", "60".into()),
        ("EXECORA_LIMITS_VOICE_PER_USER_PER_HOUR", "100000000".into()),
        ("EXECORA_LIMITS_API_PER_USER_PER_MINUTE", "100000000".into()),
        // SHOPS below the session count puts many sockets on one owner.
        ("EXECORA_WS_MAX_SOCKETS_PER_USER", "100000000".into()),
        ("EXECORA_WS_MAX_RECORDINGS_PER_USER", "100000000".into()),
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

/// The server's TCP acceptor with Nagle's algorithm off on every accepted socket: a
/// diagnostic from before `api::bind` did the same, enabled with `SERVER_NODELAY=1`.
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
pub async fn start_app(app: &App) -> String {
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
        preferred_language: "hinglish".into(),
        notes: None,
    };
    customers::create(&app.pool, tenant, &data).await.unwrap();
    app.tokens.issue(tenant, owner, Role::Owner).unwrap()
}

/// Owner tokens of the shops `sessions` sessions use: `SHOPS` of them (default one per
/// session), session `i` taking shop `i % SHOPS`.
pub async fn shop_tokens(app: &App, sessions: usize) -> Vec<String> {
    let shops: usize = std::env::var("SHOPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(sessions)
        .clamp(1, sessions.max(1));
    let mut tokens = Vec::with_capacity(shops);
    for _ in 0..shops {
        tokens.push(shop(app).await);
    }
    tokens
}
