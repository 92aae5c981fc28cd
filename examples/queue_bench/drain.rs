//! Drain: N `noop` jobs enqueued first (one at a time or in batches), then the workers
//! started and timed until every job succeeded. The enqueue phase is the enqueue
//! throughput figure, the second phase the drain figure.

use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Instant,
};

use execora::app::App;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::{self, NOOP};

/// Calls of `enqueue` in flight at once, as BullMQ's `add` is driven beside it.
const IN_FLIGHT: usize = 64;
/// Jobs per `enqueue_many` call, as BullMQ's `addBulk` is driven beside it.
const BATCH: usize = 1000;

/// How the backlog is enqueued.
#[derive(Clone, Copy)]
pub enum Enqueue {
    /// `JobQueue::enqueue`, one job per call, `IN_FLIGHT` calls at once.
    Single,
    /// `JobQueue::enqueue_many`, `BATCH` jobs per call, one call at a time.
    Batch,
}

pub async fn run(n: usize, how: Enqueue) -> Value {
    let (app, tenant) = support::bench_app().await;
    let t0 = Instant::now();
    let (enqueue, shape) = match how {
        Enqueue::Single => {
            enqueue_single(&app, tenant, n).await;
            ("single", json!({ "in_flight": IN_FLIGHT }))
        }
        Enqueue::Batch => {
            enqueue_batches(&app, tenant, n).await;
            ("batch", json!({ "batch": BATCH }))
        }
    };
    let enqueue_s = t0.elapsed().as_secs_f64();
    let t1 = Instant::now();
    let stop = support::start_workers(&app);
    support::wait_succeeded(&app, NOOP, n).await;
    let drain_s = t1.elapsed().as_secs_f64();
    let _ = stop.send(());
    support::assert_all_succeeded(&app, tenant, n).await;
    json!({"lib": "execora", "mode": "drain", "enqueue": enqueue, "enqueue_shape": shape,
           "N": n, "concurrency": support::concurrency(&app, NOOP),
           "record_flushes": flushes(&app),
           "enqueue_s": enqueue_s, "enqueue_jobs_per_s": (n as f64 / enqueue_s).round(),
           "drain_s": drain_s, "drain_jobs_per_s": (n as f64 / drain_s).round()})
}

/// Per kind of job-record write: flushes, mean rows and mean milliseconds per flush (how
/// well the group commit gathered).
fn flushes(app: &App) -> Value {
    let (rows, time) = (
        &app.metrics.record_flush_rows,
        &app.metrics.record_flush_duration,
    );
    let kinds = ["insert", "claim", "step_done", "succeed"];
    let mut out = serde_json::Map::new();
    for kind in kinds {
        let (r, t) = (
            rows.with_label_values(&[kind]),
            time.with_label_values(&[kind]),
        );
        let count = r.get_sample_count();
        if count > 0 {
            let per = |sum: f64| (sum / count as f64 * 100.0).round() / 100.0;
            out.insert(
                kind.into(),
                json!({"flushes": count, "rows": per(r.get_sample_sum()),
                "ms": per(t.get_sample_sum() * 1000.0)}),
            );
        }
    }
    Value::Object(out)
}

/// `IN_FLIGHT` tasks, each enqueuing one job at a time until `n` are taken.
async fn enqueue_single(app: &App, tenant: Uuid, n: usize) {
    let taken = Arc::new(AtomicUsize::new(0));
    let mut lanes = tokio::task::JoinSet::new();
    for _ in 0..IN_FLIGHT {
        let (app, taken) = (app.clone(), taken.clone());
        lanes.spawn(async move {
            while taken.fetch_add(1, Ordering::Relaxed) < n {
                let job = support::new_job(tenant, NOOP, Value::Null);
                app.queue.enqueue(job).await.expect("enqueue");
            }
        });
    }
    while let Some(lane) = lanes.join_next().await {
        lane.expect("enqueue lane");
    }
}

async fn enqueue_batches(app: &App, tenant: Uuid, n: usize) {
    let mut left = n;
    while left > 0 {
        let size = left.min(BATCH);
        let jobs = (0..size)
            .map(|_| support::new_job(tenant, NOOP, Value::Null))
            .collect();
        app.queue.enqueue_many(jobs).await.expect("enqueue_many");
        left -= size;
    }
}
