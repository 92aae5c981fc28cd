//! Voice benchmark: WebSocket sessions saying utterances to one in-process server +
//! worker pair, each turn timed from the client's send to its job's `succeeded` event.
//!
//! - `offline SESSIONS [TURNS]` sends text ("Ramesh ko 500 udhaar likho") with no
//!   providers (rule-based parser, text reply);
//! - `providers SESSIONS [TURNS]` sends PCM audio through local fakes of Deepgram,
//!   an OpenAI-compatible chat endpoint and ElevenLabs ([`fakes`], 650 ms in all), so
//!   `total − 650 ms` is Execora's own overhead;
//! - `paced SESSIONS PERIOD_S DURATION_S` (defaults 1000, 10, 60) keeps SESSIONS
//!   sessions open, each saying one offline utterance every PERIOD_S seconds ([`paced`]).
//!
//! In the first two, every session connects, then all say their TURNS back to back at
//! once (a burst). Each turn's event timestamps split its time into enqueue, queue
//! wait, steps and step transitions; every mode reports the CPU that this process,
//! PostgreSQL and Redis used per turn ([`proc_cpu`], from the pid files of
//! `scripts/services start bench`, or of the state directory in `BENCH_SERVICES_DIR`).
//!
//! ```sh
//! cargo run --release --example voice_bench -- offline 100 [turns]
//! cargo run --release --example voice_bench -- providers 100 [turns]
//! cargo run --release --example voice_bench -- paced 1000 10 60
//! ```
//! Needs `DATABASE_URL` (migrated) and `REDIS_URL`; `scripts/bench-voice` sets everything
//! up. `SHOPS` (default: one per session) spreads the sessions over that many shops, each
//! with its customer "Ramesh Kumar"; `VOICE_CONCURRENCY` overrides the voice workflow's
//! worker concurrency (default: `workflows/voice.toml`); `SERVER_NODELAY=1` turns Nagle's
//! algorithm off on the server's sockets (a diagnostic). Prints one JSON line.
// The server's endpoint type (its middleware stack) is deeper than the default limit
// lets a release build lay out.
#![recursion_limit = "256"]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a benchmark fails loudly"
)]

mod client;
mod fakes;
mod lag;
mod paced;
#[path = "../support/proc_cpu.rs"]
mod proc_cpu;
mod setup;
mod stats;
mod windows;

use std::time::Duration;

use execora::app::App;
use futures::StreamExt;
use serde_json::{Value, json};
use tokio::time::Instant;

use client::{Turn, Ws};
use proc_cpu::Services;

/// The system under test and its sessions' shops.
pub struct Bench {
    pub url: String,
    /// One owner token per shop; session `i` uses `tokens[i % len]`.
    pub tokens: Vec<String>,
    /// What the fake providers measured (empty offline).
    pub calls: fakes::Calls,
    pub providers: bool,
    /// Kept so the server and workers it runs live as long as the bench.
    _app: App,
}

impl Bench {
    async fn start(providers: bool, sessions: usize) -> Self {
        let calls = fakes::Calls::default();
        let base = if providers {
            Some(fakes::start(calls.clone()).await)
        } else {
            None
        };
        let app = App::build(setup::settings(base.as_deref())).await.unwrap();
        let url = setup::start_app(&app).await;
        let tokens = setup::shop_tokens(&app, sessions).await;
        let bench = Self {
            url,
            tokens,
            calls,
            providers,
            _app: app,
        };
        // One untimed turn first, so the timed ones do not pay for cold pools.
        let mut warm = client::connect(&bench.url, &bench.tokens[0]).await.unwrap();
        client::turn(&mut warm, "bench-warmup", providers, Instant::now())
            .await
            .unwrap();
        bench
    }

    /// `sessions` connected sockets, 64 handshakes at a time.
    pub async fn connect_all(&self, sessions: usize) -> Vec<Ws> {
        let tokens = &self.tokens;
        futures::stream::iter(0..sessions)
            .map(|i| client::connect(&self.url, &tokens[i % tokens.len()]))
            .buffered(64)
            .map(Result::unwrap)
            .collect()
            .await
    }
}

/// Where `scripts/services start bench` keeps its pid files.
fn services() -> Services {
    let default = concat!(env!("CARGO_MANIFEST_DIR"), "/target/services/bench");
    Services::at(std::env::var("BENCH_SERVICES_DIR").unwrap_or_else(|_| default.into()))
}

/// `offline` / `providers`: all sessions say their turns back to back, at once.
async fn burst(bench: &Bench, sessions: usize, turns: usize, services: &Services) -> Value {
    let sockets = bench.connect_all(sessions).await;
    let (cpu_before, probe) = (services.sample(), lag::LagProbe::start());
    let t0 = Instant::now();
    let tasks: Vec<_> = sockets
        .into_iter()
        .enumerate()
        .map(|(i, mut ws)| {
            let audio = bench.providers;
            tokio::spawn(async move {
                let mut out = Vec::with_capacity(turns);
                for _ in 0..turns {
                    let from = Instant::now();
                    out.push(client::turn(&mut ws, &format!("bench-{i}"), audio, from).await);
                }
                out
            })
        })
        .collect();
    let mut all: Vec<Turn> = Vec::with_capacity(sessions * turns);
    for t in tasks {
        all.extend(t.await.unwrap().into_iter().map(Result::unwrap));
    }
    let secs = t0.elapsed().as_secs_f64();
    let (cpu, lags) = (services.sample().since(&cpu_before), probe.stop());
    let totals: Vec<f64> = all.iter().map(|t| t.total).collect();
    let mut out = json!({
        "sessions": sessions, "turns": turns, "shops": bench.tokens.len(),
        "voice_concurrency": std::env::var("VOICE_CONCURRENCY").unwrap_or_else(|_| "spec".into()),
        "total_ms": stats::summary(totals.clone()), "seconds": (secs * 100.0).round() / 100.0,
        "turns_per_s": ((all.len() as f64 / secs) * 10.0).round() / 10.0,
        "loadavg": stats::loadavg(),
        "breakdown_ms": stats::breakdown(&all), "runtime_lag_ms": stats::summary(lags),
    });
    stats::merge(&mut out, stats::cpu(&cpu, all.len(), secs));
    if bench.providers {
        let (measured, calls) = fakes::measured(&bench.calls);
        let promised = fakes::promised_ms();
        out["overhead_ms"] = stats::summary(totals.iter().map(|t| t - promised).collect());
        out["overhead_vs_measured_ms"] =
            stats::summary(totals.iter().map(|t| t - measured).collect());
        out["provider_calls_ms"] = calls;
    }
    out
}

const USAGE: &str = "usage: voice_bench offline|providers SESSIONS [TURNS]\n       voice_bench paced [SESSIONS [PERIOD_S [DURATION_S]]]";

#[tokio::main]
async fn main() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let num = |i: usize, d: usize| args.get(i).and_then(|a| a.parse().ok()).unwrap_or(d);
    let secs = |i: usize, d: f64| {
        let s = args.get(i).and_then(|a| a.parse().ok()).unwrap_or(d);
        Duration::from_secs_f64(s)
    };
    let mode = args.first().map(String::as_str).unwrap_or_default();
    let mut out = match mode {
        "offline" | "providers" => {
            let sessions = num(1, 1);
            let bench = Bench::start(mode == "providers", sessions).await;
            burst(&bench, sessions, num(2, 1), &services()).await
        }
        "paced" => {
            let plan = paced::Plan {
                sessions: num(1, 1000).max(1),
                period: secs(2, 10.0),
                duration: secs(3, 60.0),
            };
            let bench = Bench::start(false, plan.sessions).await;
            paced::run(&bench, plan, &services()).await
        }
        _ => {
            eprintln!("{USAGE}");
            std::process::exit(2);
        }
    };
    let mut first = json!({"mode": mode});
    stats::merge(&mut first, out.take());
    println!("{first}");
    // Server, workers and sockets are torn down with the process.
    std::process::exit(0);
}
