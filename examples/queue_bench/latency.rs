//! Latency: workers running first, then `noop` jobs enqueued open loop at a fixed rate,
//! one `enqueue` call each, not awaited before the next; per job, enqueue → start.
//!
//! Two figures, each defined as BullMQ's peer defines its own, and summarised the same
//! way (nearest-rank percentiles, so p99 of 2 000 samples is the 1 980th smallest):
//!
//! - `hires_ms_add_to_start` — the compared one: the clock read just before the enqueue
//!   call → the timestamp of the job's `step.started` event, which the worker takes just
//!   before it publishes that event and calls the step. Both are this process's clock at
//!   sub-microsecond resolution (BullMQ's: `performance` time before `queue.add()` → the
//!   processor's first line).
//! - `record_ms_enqueue_to_start` — the job record's `created_at` → `started_at`, both
//!   PostgreSQL's clock (BullMQ's: the job hash's `timestamp` → `processedOn`, whole
//!   milliseconds, so its small percentiles move in steps of 1 ms).

use std::time::Duration;

use chrono::{DateTime, Utc};
use execora::{app::App, domain::jobs::NewJob, workflows::queue::EnqueueError};
use futures::{StreamExt, stream};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::{self, NOOP};

pub async fn run(n: usize, rate: u64) -> Value {
    let (app, tenant) = support::bench_app().await;
    let stop = support::start_workers(&app);
    // Let the workers settle into waiting for work, as the peer does.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let interval = Duration::from_secs_f64(1.0 / rate.max(1) as f64);
    let mut sent = Vec::with_capacity(n);
    let mut calls = tokio::task::JoinSet::new();
    let t0 = tokio::time::Instant::now();
    for i in 0..n {
        // A deadline per job, not a sleep per job: a late wake-up catches up instead of
        // lowering the rate.
        tokio::time::sleep_until(t0 + interval.mul_f64(i as f64)).await;
        let job = support::new_job(tenant, NOOP, Value::Null);
        sent.push((job.id, Utc::now()));
        let a = app.clone();
        calls.spawn(async move { enqueue_patiently(&a, job).await });
    }
    let send_s = t0.elapsed().as_secs_f64();
    let mut retries = 0;
    while let Some(call) = calls.join_next().await {
        retries += call.expect("enqueue task");
    }
    support::wait_succeeded(&app, NOOP, n).await;
    let _ = stop.send(());
    support::assert_all_succeeded(&app, tenant, n).await;
    let (hires, missing) = hires_ms(&app, &sent).await;
    json!({"lib": "execora", "mode": "latency", "N": n, "target_rate": rate,
           "achieved_rate": (n as f64 / send_s).round(),
           "concurrency": support::concurrency(&app, NOOP), "enqueue_retries": retries,
           "hires_ms_add_to_start": summary(hires), "hires_missing_events": missing,
           "record_ms_enqueue_to_start": summary(record_ms(&app, tenant).await)})
}

/// Enqueues, again while Execora refuses for lack of room: the record writer is full
/// (`Busy`, the API's 503 with Retry-After) or the database pool had no connection to
/// give within its acquire timeout (5 s, `db::connect`). An open loop above capacity
/// meets both, and gives up on no job. Nothing was written when either happens, so the
/// same job is enqueued again; its latency still counts from the first call, as a caller
/// who retried waited, and the retries are reported.
async fn enqueue_patiently(app: &App, job: NewJob) -> u64 {
    let mut retries = 0;
    loop {
        match app.queue.enqueue(job.clone()).await {
            Ok(_) => return retries,
            Err(EnqueueError::Busy | EnqueueError::Database(sqlx::Error::PoolTimedOut)) => {
                retries += 1;
            }
            Err(e) => panic!("enqueue: {e}"),
        }
    }
}

/// Enqueue call → `step.started`, from the events each job left for replay; also how
/// many jobs had no such event (zero unless events were lost or expired).
async fn hires_ms(app: &App, sent: &[(Uuid, DateTime<Utc>)]) -> (Vec<f64>, usize) {
    let events = app.queue.events();
    let started: Vec<Option<f64>> = stream::iter(sent)
        .map(|(id, called)| async move {
            let replay = events.replay(*id, 0).await.expect("replay");
            replay
                .iter()
                .find(|e| e.kind == "step.started")
                .map(|e| ms_between(*called, e.ts))
        })
        .buffered(64)
        .collect()
        .await;
    let missing = started.iter().filter(|s| s.is_none()).count();
    (started.into_iter().flatten().collect(), missing)
}

/// `created_at` → `started_at` of the run's job records.
async fn record_ms(app: &App, tenant: Uuid) -> Vec<f64> {
    let rows: Vec<(DateTime<Utc>, Option<DateTime<Utc>>)> =
        sqlx::query_as("select created_at, started_at from jobs where business_id = $1")
            .bind(tenant)
            .fetch_all(&app.pool)
            .await
            .expect("job records");
    rows.into_iter()
        .filter_map(|(created, started)| Some(ms_between(created, started?)))
        .collect()
}

fn ms_between(from: DateTime<Utc>, to: DateTime<Utc>) -> f64 {
    (to - from).num_microseconds().unwrap_or(i64::MAX) as f64 / 1000.0
}

/// p50/p95/p99/max by nearest rank (the ⌈p·n⌉-th smallest), in ms to three decimals:
/// the definition BullMQ's peer uses, so the two are compared like with like.
fn summary(mut ms: Vec<f64>) -> Value {
    ms.sort_by(f64::total_cmp);
    let rank = |p: f64| {
        let i = ((p / 100.0) * ms.len() as f64).ceil() as usize;
        ms.get(i.clamp(1, ms.len().max(1)) - 1)
            .map(|v| (v * 1000.0).round() / 1000.0)
    };
    json!({"p50": rank(50.0), "p95": rank(95.0), "p99": rank(99.0), "max": rank(100.0),
           "samples": ms.len()})
}
