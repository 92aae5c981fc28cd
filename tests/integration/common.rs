//! Test harness: every test gets its own database, Redis namespace and data directory,
//! and in-process servers/workers (or real `execora` processes) on random ports.

use std::{
    collections::HashMap,
    path::PathBuf,
    process::Command,
    sync::{Arc, Mutex},
    time::Duration,
};

use poem::{
    EndpointExt, IntoResponse, Route,
    http::StatusCode,
    web::{Data, Json, Path},
};

use execora::{app::App, auth::Role, config::Settings, domain::businesses};
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use sqlx::{Connection, PgConnection};
use tokio::{sync::oneshot, task::JoinHandle};
use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest};
use uuid::Uuid;

mod mail_and_graph;

pub use mail_and_graph::*;

pub const APP_SECRET: &str = "app_secret_test";
pub const VERIFY_TOKEN: &str = "verify-me";
pub const PHONE_NUMBER_ID: &str = "123";

/// An isolated environment: a fresh database and Redis namespace.
pub struct TestEnv {
    pub vars: HashMap<String, String>,
    pub db_url: String,
    /// What `Drop` removes: the database (through `admin`) and the data directory.
    admin: String,
    database: String,
    data_dir: PathBuf,
}

/// A test's database and data directory go when the test ends, passed or failed: a full
/// run makes ~150 databases of ~9 MB each, and a CI machine's disk filled with them.
impl Drop for TestEnv {
    fn drop(&mut self) {
        let (admin, database) = (self.admin.clone(), self.database.clone());
        // Drop runs inside the test's runtime, which cannot be blocked on; a thread of
        // its own with a runtime of its own can. Errors are ignored: a private PostgreSQL
        // may already be gone, and a leftover database is dropped by the next `make test`.
        let dropped = std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            runtime.block_on(async {
                let drop = async {
                    let mut conn = PgConnection::connect(&admin).await.ok()?;
                    let sql = format!("drop database if exists {database} with (force)");
                    sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                        .execute(&mut conn)
                        .await
                        .ok()?;
                    conn.close().await.ok()
                };
                let _ = tokio::time::timeout(Duration::from_secs(10), drop).await;
            });
        });
        let _ = dropped.join();
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}

impl TestEnv {
    /// A fresh, empty (unmigrated) database.
    pub async fn empty() -> Self {
        Self::create_on(None, None, false).await
    }

    /// A fresh, migrated database, on the given PostgreSQL (a URL of an existing
    /// database) and Redis instead of the shared test ones when given (for tests that
    /// kill them: `private_services`).
    pub async fn on(admin: Option<String>, redis: Option<String>) -> Self {
        Self::create_on(admin, redis, true).await
    }

    /// A database made empty or migrated (a copy of the migrated template, see
    /// `template_db`), on the given PostgreSQL and Redis or the shared test ones.
    async fn create_on(admin: Option<String>, redis: Option<String>, migrated: bool) -> Self {
        let admin = admin.unwrap_or_else(|| {
            std::env::var("EXECORA_TEST_DATABASE_URL")
                .expect("run the tests with `make test` (EXECORA_TEST_DATABASE_URL unset)")
        });
        let redis = redis.unwrap_or_else(|| {
            std::env::var("EXECORA_TEST_REDIS_URL")
                .expect("run the tests with `make test` (EXECORA_TEST_REDIS_URL unset)")
        });
        let id = Uuid::new_v4().simple().to_string();
        let name = format!("t_{id}");
        super::template_db::create(&admin, &name, migrated).await;
        let base = admin.rsplit_once('/').unwrap().0;
        let db_url = format!("{base}/{name}");
        let data_dir = std::env::temp_dir().join(format!("execora-test-{id}"));
        let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let vars: HashMap<String, String> = [
            ("DATABASE_URL", db_url.clone()),
            ("REDIS_URL", redis),
            ("EXECORA_REDIS_NAMESPACE", format!("t{}", &id[..12])),
            ("EXECORA_DATA_DIR", data_dir.to_string_lossy().into_owned()),
            (
                "EXECORA_WORKFLOWS_DIR",
                manifest.join("workflows").to_string_lossy().into_owned(),
            ),
            ("EXECORA_LISTEN", "127.0.0.1:0".into()),
            ("EXECORA_WHATSAPP_APP_SECRET", APP_SECRET.into()),
            ("EXECORA_WHATSAPP_VERIFY_TOKEN", VERIFY_TOKEN.into()),
            ("EXECORA_JOBS_LEASE_MS", "1500".into()),
            ("EXECORA_JOBS_REQUEUE_AFTER_SECS", "5".into()),
            ("EXECORA_JOBS_SHUTDOWN_TIMEOUT_SECS", "5".into()),
            ("EXECORA_DATABASE_MAX_CONNECTIONS", "10".into()),
            (
                "EXECORA_SMTP_URL",
                std::env::var("EXECORA_TEST_SMTP_URL").unwrap_or_default(),
            ),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        Self {
            vars,
            db_url,
            admin,
            database: name,
            data_dir,
        }
    }

    /// A fresh, migrated database.
    pub async fn new() -> Self {
        Self::create_on(None, None, true).await
    }

    pub fn settings(&self) -> Settings {
        Settings::from_sources(None, |k| self.vars.get(k).cloned()).unwrap()
    }

    /// Documents in the private S3-protocol server (moto) instead of a directory.
    pub fn with_s3(mut self) -> Self {
        for v in ["ENDPOINT", "BUCKET", "ACCESS_KEY", "SECRET_KEY", "REGION"] {
            let value = std::env::var(format!("EXECORA_TEST_S3_{v}"))
                .expect("EXECORA_TEST_S3_* (make test)");
            self.vars.insert(format!("EXECORA_S3_{v}"), value);
        }
        self
    }

    pub fn with(mut self, key: &str, value: &str) -> Self {
        self.vars.insert(key.into(), value.into());
        self
    }

    /// The real binary, configured for this environment.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_execora"));
        cmd.args(args)
            .env_remove("DATABASE_URL")
            .env_remove("REDIS_URL")
            .envs(&self.vars);
        cmd
    }

    /// A tenant (optionally owning a WhatsApp phone-number id) and its owner.
    pub async fn tenant(&self, app: &App, phone: Option<&str>) -> (Uuid, Uuid) {
        let email = format!("owner-{}@test.local", Uuid::new_v4().simple());
        businesses::ensure_demo(&app.pool, "Test Shop", &email, phone)
            .await
            .unwrap()
    }
}

/// A running in-process server and/or worker.
pub struct TestApp {
    pub app: App,
    pub base: String,
    pub ws_url: String,
    stop: Vec<oneshot::Sender<()>>,
    tasks: Vec<JoinHandle<()>>,
}

impl TestApp {
    pub async fn start(env: &TestEnv, server: bool, workers: bool) -> Self {
        let app = App::build(env.settings()).await.unwrap();
        let mut stop = Vec::new();
        let mut tasks = Vec::new();
        let mut base = String::new();
        if server {
            let acceptor = execora::api::bind(&app.settings).await.unwrap();
            let addr = execora::api::local_addr(&acceptor).unwrap();
            base = format!("http://{addr}");
            let (tx, rx) = oneshot::channel::<()>();
            stop.push(tx);
            let hub = app.start_hub();
            let a = app.clone();
            tasks.push(tokio::spawn(async move {
                execora::api::serve(acceptor, a, hub, async move {
                    let _ = rx.await;
                    Ok(())
                })
                .await
                .unwrap();
            }));
        }
        if workers {
            let (tx, rx) = oneshot::channel::<()>();
            stop.push(tx);
            let a = app.clone();
            tasks.push(tokio::spawn(async move {
                let signal = async move {
                    let _ = rx.await;
                    Ok(())
                };
                execora::workflows::worker::run(
                    a.runtime.clone(),
                    a.redis.clone(),
                    &a.settings,
                    signal,
                )
                .await
                .unwrap();
            }));
        }
        let ws_url = base.replace("http://", "ws://") + "/ws";
        Self {
            app,
            base,
            ws_url,
            stop,
            tasks,
        }
    }

    pub fn token(&self, tenant: Uuid, user: Uuid, role: Role) -> String {
        self.app.tokens.issue(tenant, user, role).unwrap()
    }

    pub async fn stop(mut self) {
        for tx in self.stop.drain(..) {
            let _ = tx.send(());
        }
        for t in self.tasks.drain(..) {
            let _ = tokio::time::timeout(Duration::from_secs(15), t).await;
        }
    }
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(40))
        .build()
        .unwrap()
}

/// Signs a webhook body as Meta does.
pub fn sign(body: &[u8]) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(APP_SECRET.as_bytes()).unwrap();
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// A WebSocket client authenticated with the subprotocol method.
pub struct WsClient {
    pub stream: tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
}

impl WsClient {
    pub async fn connect(url: &str, token: &str) -> Self {
        let mut req = url.into_client_request().unwrap();
        req.headers_mut().insert(
            "sec-websocket-protocol",
            format!("execora.v1, {token}").parse().unwrap(),
        );
        let (stream, resp) = tokio_tungstenite::connect_async(req).await.unwrap();
        assert_eq!(
            resp.headers().get("sec-websocket-protocol").unwrap(),
            "execora.v1",
            "only the app protocol is echoed"
        );
        Self { stream }
    }

    pub async fn send(&mut self, msg: Value) {
        self.stream
            .send(Message::Text(msg.to_string().into()))
            .await
            .unwrap();
    }

    /// The next text frame as JSON (fails the test after 30 s).
    pub async fn next(&mut self) -> Value {
        loop {
            let msg = tokio::time::timeout(Duration::from_secs(30), self.stream.next())
                .await
                .expect("no frame within 30 s")
                .unwrap()
                .unwrap();
            if let Message::Text(t) = msg {
                return serde_json::from_str(&t).unwrap();
            }
        }
    }

    /// Subscribes and collects the job's events until a terminal one.
    pub async fn follow_to_end(&mut self, job_id: Uuid, after: u64) -> Vec<Value> {
        self.send(json!({"type": "subscribe", "job_id": job_id, "after": after}))
            .await;
        let mut events = Vec::new();
        loop {
            let frame = self.next().await;
            if frame["type"] == "event" && frame["job_id"] == json!(job_id) {
                let kind = frame["kind"].as_str().unwrap().to_string();
                events.push(frame);
                if ["succeeded", "failed", "dead", "cancelled"].contains(&kind.as_str()) {
                    return events;
                }
            }
        }
    }
}

/// Kinds of a list of event frames.
pub fn kinds(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_string())
        .collect()
}

/// Asserts the ids are consecutive from `first`.
pub fn assert_consecutive(events: &[Value], first: u64) {
    for (i, e) in events.iter().enumerate() {
        assert_eq!(
            e["id"].as_u64().unwrap(),
            first + i as u64,
            "event ids must be consecutive: {events:?}"
        );
    }
}

/// Fails if any job of the database is still waiting or running (queues drained).
pub async fn assert_drained(app: &App) {
    let open: i64 = sqlx::query_scalar(
        "select count(*) from jobs where state in ('queued', 'running', 'retrying')",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(open, 0, "jobs left unfinished");
}

/// A unique, valid email address for this test.
pub fn unique_email(tag: &str) -> String {
    format!("{tag}-{}@shop.example", Uuid::new_v4().simple())
}

/// Serves `app` on a free loopback port until the test ends; returns its base URL.
/// The socket is bound before this returns, so requests can follow at once.
pub fn serve_locally(app: impl poem::Endpoint + 'static) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    let acceptor = poem::listener::TcpAcceptor::from_std(listener).unwrap();
    tokio::spawn(async move { poem::Server::new_with_acceptor(acceptor).run(app).await });
    format!("http://{addr}")
}

/// A customer with only a name (WhatsApp preferred, nothing else on file).
pub fn customer_data(name: &str) -> execora::domain::customers::CustomerData {
    execora::domain::customers::CustomerData {
        name: name.into(),
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
    }
}
