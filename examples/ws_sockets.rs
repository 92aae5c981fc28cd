//! Many sockets (issue 12): one `execora serve` process holding SESSIONS idle,
//! authenticated WebSocket sessions of one shop; its memory per session, then the time
//! to deliver one job event to FOLLOWERS of them that follow that job.
//!
//! ```sh
//! cargo build --release --bin execora --example ws_sockets
//! target/release/examples/ws_sockets [SESSIONS] [FOLLOWERS]   # defaults 10000 1000
//! ```
//! Needs `DATABASE_URL` (migrated) and `REDIS_URL` (e.g. `scripts/services start bench`
//! and its env file). The server runs as a child process, so its resident memory is its
//! own; this process holds the client ends. Memory per session is the server's growth
//! in `VmRSS` from before the first socket to after the last answered a `ping`, divided
//! by SESSIONS. Prints one JSON line.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a benchmark fails loudly"
)]

use std::{process::Stdio, time::Duration};

use execora::{app::App, auth::Role, config::Settings, domain::businesses};
use futures::{SinkExt, StreamExt, stream};
use serde_json::{Value, json};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest};
use uuid::Uuid;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

async fn next_json(ws: &mut Socket) -> Value {
    loop {
        match ws.next().await.unwrap().unwrap() {
            Message::Text(t) => return serde_json::from_str(&t).unwrap(),
            _ => continue,
        }
    }
}

/// Connects with the subprotocol token and waits for a `pong`: an authenticated session.
async fn connect(url: &str, token: &str) -> Socket {
    let mut req = url.into_client_request().unwrap();
    req.headers_mut().insert(
        "sec-websocket-protocol",
        format!("execora.v1, {token}").parse().unwrap(),
    );
    let (mut ws, _) = tokio_tungstenite::connect_async(req).await.unwrap();
    ws.send(Message::Text(json!({"type": "ping"}).to_string().into()))
        .await
        .unwrap();
    assert_eq!(next_json(&mut ws).await["type"], "pong");
    ws
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let sessions: usize = args.next().map_or(10_000, |a| a.parse().unwrap());
    let followers: usize = args.next().map_or(1_000, |a| a.parse().unwrap());
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let data_dir = std::env::temp_dir().join(format!("ws-sockets-{}", Uuid::new_v4().simple()));
    let listen = format!("127.0.0.1:{port}");
    let dir = data_dir.to_string_lossy().into_owned();
    let settings = Settings::from_sources(None, |k| match k {
        "EXECORA_LISTEN" => Some(listen.clone()),
        "EXECORA_DATA_DIR" => Some(dir.clone()),
        _ => std::env::var(k).ok(),
    })
    .unwrap();
    let app = App::build(settings).await.unwrap();
    let exe = std::env::current_exe().unwrap();
    let bin = exe.parent().unwrap().parent().unwrap().join("execora");
    let mut server = std::process::Command::new(bin)
        .arg("serve")
        .env("EXECORA_LISTEN", &listen)
        .env("EXECORA_DATA_DIR", &data_dir)
        // Every session is the one bench user's: lift the per-user cap (8 by default).
        .env(
            "EXECORA_WS_MAX_SOCKETS_PER_USER",
            (sessions + 1).to_string(),
        )
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://{listen}");
    while reqwest::get(format!("{base}/health")).await.is_err() {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let email = format!("ws-{}@bench.local", Uuid::new_v4().simple());
    let (tenant, user) = businesses::ensure_demo(&app.pool, "Bench", &email, None)
        .await
        .unwrap();
    let token = app.tokens.issue(tenant, user, Role::Owner).unwrap();
    let url = format!("ws://{listen}/ws");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = rss_kib(server.id());
    let started = Instant::now();
    let mut sockets: Vec<Socket> = stream::iter(0..sessions)
        .map(|_| connect(&url, &token))
        .buffer_unordered(100)
        .collect()
        .await;
    let connect_s = started.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let after = rss_kib(server.id());

    // One job (no worker runs it), followed by FOLLOWERS of the sessions.
    let job = app
        .queue
        .enqueue(execora::domain::jobs::NewJob {
            id: Uuid::now_v7(),
            business_id: tenant,
            user_id: Some(user),
            workflow: "probe".into(),
            input: json!({"sleep_ms": 0}),
            request_id: None,
            traceparent: None,
        })
        .await
        .unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let (go_tx, _) = tokio::sync::broadcast::channel::<Instant>(1);
    for mut ws in sockets.drain(..followers.min(sessions)) {
        let (tx, mut go) = (tx.clone(), go_tx.subscribe());
        ws.send(Message::Text(
            json!({"type": "subscribe", "job_id": job})
                .to_string()
                .into(),
        ))
        .await
        .unwrap();
        tokio::spawn(async move {
            while next_json(&mut ws).await["type"] != "subscribed" {}
            tx.send(None).unwrap();
            let sent = go.recv().await.unwrap();
            while next_json(&mut ws).await["kind"] != "bench" {}
            tx.send(Some(sent.elapsed())).unwrap();
            drop(ws);
        });
    }
    for _ in 0..followers {
        assert!(rx.recv().await.unwrap().is_none());
    }
    go_tx.send(Instant::now()).unwrap();
    app.queue
        .events()
        .publish(job, tenant, "bench", json!({}))
        .await
        .unwrap();
    let mut times: Vec<f64> = Vec::new();
    while times.len() < followers {
        if let Some(Some(d)) = rx.recv().await {
            times.push(d.as_secs_f64() * 1000.0);
        }
    }
    times.sort_by(f64::total_cmp);
    let pct = |p: f64| times[((times.len() as f64 - 1.0) * p) as usize];
    println!(
        "{}",
        json!({
            "sessions": sessions,
            "connect_s": connect_s,
            "server_rss_kib_before": before,
            "server_rss_kib_after": after,
            "kib_per_session": (after - before) as f64 / sessions as f64,
            "followers": followers,
            "deliver_ms_p50": pct(0.5),
            "deliver_ms_p99": pct(0.99),
            "deliver_ms_all": pct(1.0),
        })
    );
    drop(sockets);
    let _ = server.kill();
    let _ = server.wait();
    let _ = std::fs::remove_dir_all(&data_dir);
}
