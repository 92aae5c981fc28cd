//! Queue benchmark: the `noop` workflow through Execora's full job runtime, and a bare
//! Redis Streams consumer group, so the runtime's cost and the queue's ceiling can be
//! told apart.
//!
//! ```sh
//! cargo run --release --example queue_bench -- drain 20000       # enqueue N, then drain
//! cargo run --release --example queue_bench -- latency 2000 500  # open loop at 500 jobs/s
//! cargo run --release --example queue_bench -- streams-drain 20000 50
//! cargo run --release --example queue_bench -- invoices 500 20    # N invoices, clients
//! ```
//! Needs `DATABASE_URL` (migrated) and `REDIS_URL`; `scripts/bench` sets everything up.
//! Prints one JSON line per run.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a benchmark fails loudly"
)]

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use execora::{
    app::App,
    config::Settings,
    domain::{businesses, jobs::NewJob},
};
use serde_json::{Value, json};
use uuid::Uuid;

fn settings() -> Settings {
    let ns = format!("bench{}", &Uuid::new_v4().simple().to_string()[..8]);
    Settings::from_sources(None, |k| match k {
        "EXECORA_REDIS_NAMESPACE" => Some(ns.clone()),
        "EXECORA_DATABASE_MAX_CONNECTIONS" => Some("60".into()),
        "EXECORA_DATA_DIR" => Some(
            std::env::temp_dir()
                .join("execora-bench")
                .to_string_lossy()
                .into(),
        ),
        "EXECORA_JOBS_BATCH_SIZE" => Some(std::env::var("BATCH").unwrap_or_else(|_| "50".into())),
        other => std::env::var(other).ok(),
    })
    .expect("settings")
}

async fn enqueue_one(app: &App, tenant: Uuid) {
    let job = NewJob {
        id: Uuid::now_v7(),
        business_id: tenant,
        user_id: None,
        workflow: "noop".into(),
        input: Value::Null,
        request_id: None,
        traceparent: None,
    };
    app.queue.enqueue(job).await.expect("enqueue");
}

async fn count_succeeded(app: &App, tenant: Uuid) -> i64 {
    sqlx::query_scalar("select count(*) from jobs where business_id = $1 and state = 'succeeded'")
        .bind(tenant)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

async fn wait_all(app: &App, tenant: Uuid, n: usize) {
    while count_succeeded(app, tenant).await < n as i64 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn start_workers(app: &App) -> tokio::sync::oneshot::Sender<()> {
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let a = app.clone();
    tokio::spawn(async move {
        let signal = async move {
            let _ = rx.await;
            Ok(())
        };
        execora::workflows::worker::run(a.runtime.clone(), a.redis.clone(), &a.settings, signal)
            .await
            .unwrap();
    });
    tx
}

async fn drain(n: usize) -> Value {
    let app = App::build(settings()).await.unwrap();
    let (tenant, _) = businesses::ensure_demo(
        &app.pool,
        "Bench",
        &format!("{}@bench", Uuid::new_v4()),
        None,
    )
    .await
    .unwrap();
    let t0 = Instant::now();
    let sem = Arc::new(tokio::sync::Semaphore::new(64));
    let mut tasks = Vec::with_capacity(n);
    for _ in 0..n {
        let permit = sem.clone().acquire_owned().await.unwrap();
        let a = app.clone();
        tasks.push(tokio::spawn(async move {
            enqueue_one(&a, tenant).await;
            drop(permit);
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let enqueue_s = t0.elapsed().as_secs_f64();
    let t1 = Instant::now();
    let stop = start_workers(&app);
    wait_all(&app, tenant, n).await;
    let drain_s = t1.elapsed().as_secs_f64();
    let _ = stop.send(());
    json!({"lib": "execora", "mode": "drain", "N": n, "concurrency": 50,
           "enqueue_s": enqueue_s, "enqueue_jobs_per_s": (n as f64 / enqueue_s).round(),
           "drain_s": drain_s, "drain_jobs_per_s": (n as f64 / drain_s).round()})
}

async fn latency(n: usize, rate: u64) -> Value {
    let app = App::build(settings()).await.unwrap();
    let (tenant, _) = businesses::ensure_demo(
        &app.pool,
        "Bench",
        &format!("{}@bench", Uuid::new_v4()),
        None,
    )
    .await
    .unwrap();
    let stop = start_workers(&app);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut tick = tokio::time::interval(Duration::from_micros(1_000_000 / rate));
    let mut tasks = Vec::with_capacity(n);
    for _ in 0..n {
        tick.tick().await;
        let a = app.clone();
        tasks.push(tokio::spawn(async move { enqueue_one(&a, tenant).await }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    wait_all(&app, tenant, n).await;
    let _ = stop.send(());
    // enqueue -> start: the record is created just before the push; started_at is the claim.
    let (p50, p95, p99, max): (f64, f64, f64, f64) = sqlx::query_as(
        "select percentile_cont(0.5) within group (order by ms), percentile_cont(0.95) within group (order by ms),
                percentile_cont(0.99) within group (order by ms), max(ms)
         from (select (extract(epoch from started_at - created_at) * 1000)::float8 as ms from jobs where business_id = $1) t",
    )
    .bind(tenant)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    json!({"lib": "execora", "mode": "latency", "N": n, "rate": rate, "concurrency": 50,
           "enqueue_to_start_ms": {"p50": p50, "p95": p95, "p99": p99, "max": max}})
}

/// The alternative's ceiling: a Redis Streams consumer group with no framework around
/// it (`XADD`, blocking `XREADGROUP` in batches, one `XACK` per batch), concurrency-bound
/// no-op handlers. Not a backend: a measurement of what one would start from.
async fn streams_drain(n: usize, concurrency: usize) -> Value {
    let s = settings();
    let client = redis::Client::open(s.redis_url_string()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let stream = format!("{}:streams-bench", s.redis_namespace);
    let t0 = Instant::now();
    for chunk in (0..n).collect::<Vec<_>>().chunks(1000) {
        let mut pipe = redis::pipe();
        for i in chunk {
            pipe.cmd("XADD")
                .arg(&stream)
                .arg("*")
                .arg("job")
                .arg(i)
                .ignore();
        }
        pipe.query_async::<()>(&mut conn).await.unwrap();
    }
    let enqueue_s = t0.elapsed().as_secs_f64();
    redis::cmd("XGROUP")
        .arg("CREATE")
        .arg(&stream)
        .arg("workers")
        .arg("0")
        .query_async::<()>(&mut conn)
        .await
        .unwrap();
    let sem = Arc::new(tokio::sync::Semaphore::new(concurrency));
    let t1 = Instant::now();
    let mut done = 0usize;
    while done < n {
        let reply: redis::streams::StreamReadReply = redis::cmd("XREADGROUP")
            .arg("GROUP")
            .arg("workers")
            .arg("c1")
            .arg("COUNT")
            .arg(500)
            .arg("BLOCK")
            .arg(100)
            .arg("STREAMS")
            .arg(&stream)
            .arg(">")
            .query_async(&mut conn)
            .await
            .unwrap();
        let ids: Vec<String> = reply
            .keys
            .into_iter()
            .flat_map(|k| k.ids)
            .map(|e| e.id)
            .collect();
        let mut handles = Vec::with_capacity(ids.len());
        for _ in &ids {
            let permit = sem.clone().acquire_owned().await.unwrap();
            handles.push(tokio::spawn(async move { drop(permit) }));
        }
        for h in handles {
            h.await.unwrap();
        }
        if !ids.is_empty() {
            redis::cmd("XACK")
                .arg(&stream)
                .arg("workers")
                .arg(&ids)
                .query_async::<()>(&mut conn)
                .await
                .unwrap();
        }
        done += ids.len();
    }
    let drain_s = t1.elapsed().as_secs_f64();
    let _: () = redis::cmd("DEL")
        .arg(&stream)
        .query_async(&mut conn)
        .await
        .unwrap();
    json!({"lib": "redis streams (bare consumer group)", "mode": "drain", "N": n, "concurrency": concurrency,
           "enqueue_s": enqueue_s, "enqueue_jobs_per_s": (n as f64 / enqueue_s).round(),
           "drain_s": drain_s, "drain_jobs_per_s": (n as f64 / drain_s).round()})
}

/// The invoice workflow end to end (issue, render, deliver-with-nobody-to-send-to), three
/// lines each, from `clients` concurrent producers; plus p50/p99 of the `create` step.
async fn invoices(n: usize, clients: usize) -> Value {
    use execora::domain::{
        customers,
        invoices::{InvoiceRequest, LineRequest},
        products,
    };
    let app = App::build(settings()).await.unwrap();
    let (tenant, _) = businesses::ensure_demo(
        &app.pool,
        "Bench",
        &format!("{}@bench", Uuid::new_v4()),
        None,
    )
    .await
    .unwrap();
    let c = customers::create(
        &app.pool,
        tenant,
        &customers::CustomerData {
            name: "Bench Customer".into(),
            phone: None,
            email: None,
            nicknames: vec![],
            landmark: None,
            city: None,
            state_code: None,
            gstin: None,
            preferred_channel: "whatsapp".into(),
            notes: None,
        },
    )
    .await
    .unwrap();
    let mut items = Vec::new();
    for (i, rate) in [500, 1200, 1800].into_iter().enumerate() {
        let data = products::ProductData {
            name: format!("Item {i}"),
            sku: None,
            unit: "pcs".into(),
            price_paise: 10_000 + i as i64,
            hsn_code: Some("1006".into()),
            gst_rate_bp: rate,
            low_stock_threshold: 0,
        };
        items.push(
            products::create(&app.pool, tenant, &data, 1_000_000)
                .await
                .unwrap()
                .id,
        );
    }
    let request = serde_json::to_value(InvoiceRequest {
        customer_id: c.id,
        lines: items
            .iter()
            .map(|p| LineRequest {
                product_id: Some(*p),
                description: None,
                quantity: 2,
                unit_price_paise: None,
                discount_paise: 0,
                gst_rate_bp: None,
            })
            .collect(),
    })
    .unwrap();
    let stop = start_workers(&app);
    let t0 = Instant::now();
    let sem = Arc::new(tokio::sync::Semaphore::new(clients));
    let mut tasks = Vec::with_capacity(n);
    for _ in 0..n {
        let permit = sem.clone().acquire_owned().await.unwrap();
        let (a, input) = (app.clone(), request.clone());
        tasks.push(tokio::spawn(async move {
            let job = NewJob {
                id: Uuid::now_v7(),
                business_id: tenant,
                user_id: None,
                workflow: "invoice".into(),
                input,
                request_id: None,
                traceparent: None,
            };
            a.queue.enqueue(job).await.unwrap();
            drop(permit);
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    wait_all(&app, tenant, n).await;
    let secs = t0.elapsed().as_secs_f64();
    let _ = stop.send(());
    let (p50, p99): (f64, f64) = sqlx::query_as(
        "select percentile_cont(0.5) within group (order by s), percentile_cont(0.99) within group (order by s)
         from (select extract(epoch from i.issued_at - j.started_at)::float8 * 1000 as s
               from invoices i join jobs j on j.id = i.job_id where i.business_id = $1) t",
    ).bind(tenant).fetch_one(&app.pool).await.unwrap();
    json!({"lib": "execora", "mode": "invoices", "N": n, "clients": clients, "seconds": secs,
           "invoices_per_s": (n as f64 / secs * 10.0).round() / 10.0,
           "create_step_ms": {"p50": p50, "p99": p99}})
}

#[tokio::main]
async fn main() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let num = |i: usize, d: u64| args.get(i).and_then(|a| a.parse().ok()).unwrap_or(d);
    let out = match args.first().map(String::as_str) {
        Some("drain") => drain(num(1, 20_000) as usize).await,
        Some("latency") => latency(num(1, 2000) as usize, num(2, 500)).await,
        Some("invoices") => invoices(num(1, 500) as usize, num(2, 1) as usize).await,
        Some("streams-drain") => streams_drain(num(1, 20_000) as usize, num(2, 50) as usize).await,
        _ => {
            eprintln!("usage: queue_bench drain N | latency N RATE | streams-drain N C");
            std::process::exit(2);
        }
    };
    println!("{out}");
}
