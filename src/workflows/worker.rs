//! Hosting the apalis workers: one per workflow queue, with apalis-redis's defects
//! designed around (see `../shared/APALIS_POEM_NOTES.md`):
//!
//! - a bare `RedisStorage` polls only on its heartbeat and `poll_with_interval` stalls, so
//!   [`FixedPoll`] re-arms its own timer on every wake-up;
//! - reusing a worker name right after a restart is refused, so every (re)start of a
//!   worker gets a fresh name: workflow, host, pid and a ULID;
//! - orphaned jobs are recovered after heartbeat × missed heartbeats (3 s × 3 by default,
//!   well inside the 30 s target) instead of the default 300 s;
//! - apalis's own retry (25 times, linear) is never used for step failures: the handler
//!   returns `Ok` after recording the outcome and scheduling its own retry;
//! - a worker that stops on a backend error is restarted by the monitor;
//! - apalis-redis's fetch script promotes *every* due scheduled task with one `unpack`,
//!   which Lua refuses past ~8 000 values: a backlog that large (workers down while
//!   webhooks keep arriving) stalls the queue for good. [`promote_due`] moves due tasks
//!   in bounded batches first, so the fetch only ever sees a few.

use std::{
    future::Future,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
    time::Duration,
};

use apalis::prelude::*;
use apalis_redis::{ConnectionManager, RedisStorage};

use super::{JobEnvelope, queue::redis_config, runtime::Runtime};
use crate::config::Settings;

/// A poll timer that wakes the worker every `every`, re-arming itself each time.
pub struct FixedPoll {
    every: Duration,
    sleep: Pin<Box<tokio::time::Sleep>>,
}

impl FixedPoll {
    pub fn new(every: Duration) -> Self {
        Self {
            every,
            sleep: Box::pin(tokio::time::sleep(every)),
        }
    }
}

impl Clone for FixedPoll {
    fn clone(&self) -> Self {
        Self::new(self.every)
    }
}

impl PollStrategy for FixedPoll {
    fn poll_drive(&mut self, cx: &mut Context<'_>, _: &PollSnapshot) -> Poll<Option<()>> {
        if self.sleep.as_mut().poll(cx).is_ready() {
            self.sleep
                .as_mut()
                .reset(tokio::time::Instant::now() + self.every);
            // Poll once more so the new deadline holds this task's waker.
            let _ = self.sleep.as_mut().poll(cx);
            return Poll::Ready(Some(()));
        }
        Poll::Pending
    }
}

/// Moves due tasks from the scheduled set to the active list, `PROMOTE_BATCH` at a time.
const PROMOTE_SCRIPT: &str = r#"
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], 0, ARGV[1], 'LIMIT', 0, ARGV[2])
if #ids > 0 then
  redis.call('RPUSH', KEYS[2], unpack(ids))
  redis.call('ZREM', KEYS[1], unpack(ids))
end
return #ids
"#;
const PROMOTE_BATCH: usize = 1000;

/// Promotes every due task of a queue in bounded batches; returns how many.
pub async fn promote_due(
    conn: &mut ConnectionManager,
    cfg: &apalis_redis::Config,
) -> redis::RedisResult<usize> {
    let script = redis::Script::new(PROMOTE_SCRIPT);
    let mut total = 0;
    loop {
        let moved: usize = script
            .key(cfg.scheduled_jobs_set())
            .key(cfg.active_jobs_list())
            .arg(chrono::Utc::now().timestamp())
            .arg(PROMOTE_BATCH)
            .invoke_async(conn)
            .await?;
        total += moved;
        if moved < PROMOTE_BATCH {
            return Ok(total);
        }
    }
}

/// Runs [`promote_due`] for one queue every poll interval, for the life of the worker.
fn spawn_promoter(
    mut conn: ConnectionManager,
    cfg: apalis_redis::Config,
    every: Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = promote_due(&mut conn, &cfg).await {
                tracing::warn!(error = %e, "promoting due jobs failed");
            }
        }
    })
}

/// The apalis handler: run the delivery; only infrastructure errors reach apalis.
async fn handle(envelope: JobEnvelope, runtime: Data<Arc<Runtime>>) -> Result<(), BoxDynError> {
    runtime.execute(&envelope).await.map_err(|e| {
        tracing::error!(job_id = %envelope.job_id, error = %format!("{e:#}"), "job delivery failed; apalis will redeliver");
        BoxDynError::from(format!("{e:#}"))
    })
}

fn worker_name(workflow: &str) -> String {
    let host = hostname::get()
        .map(|h| h.to_string_lossy().into_owned())
        .unwrap_or_else(|_| "host".into());
    format!(
        "{workflow}-{host}-{}-{}",
        std::process::id(),
        ulid::Ulid::generate()
    )
}

/// Runs every workflow's worker until `shutdown` resolves, then lets in-flight jobs
/// finish for up to the configured shutdown timeout.
pub async fn run(
    runtime: Arc<Runtime>,
    conn: ConnectionManager,
    settings: &Settings,
    shutdown: impl Future<Output = std::io::Result<()>> + Send,
) -> anyhow::Result<()> {
    let mut monitor = Monitor::new();
    let poll = settings.jobs.poll_interval();
    let mut promoters = Vec::new();
    for spec in runtime.specs.iter() {
        let cfg = redis_config(&settings.redis_namespace, &spec.queue, &settings.jobs);
        promoters.push(spawn_promoter(conn.clone(), cfg.clone(), poll));
        let storage: RedisStorage<JobEnvelope> = RedisStorage::new(conn.clone()).with_config(cfg);
        let rt = runtime.clone();
        let name = spec.name.clone();
        let concurrency = spec.concurrency;
        monitor = monitor.register(move |_run| {
            WorkerBuilder::new(worker_name(&name))
                .backend(storage.clone().poll_with_strategy(FixedPoll::new(poll)))
                .concurrency(concurrency)
                .catch_panic()
                .data(rt.clone())
                .parallelize(tokio::spawn)
                .build(handle)
        });
    }
    let outcome = monitor
        .should_restart(|ctx, err| {
            tracing::error!(worker = ctx.name(), error = %err, "worker stopped; restarting");
            true
        })
        .shutdown_timeout(Duration::from_secs(settings.jobs.shutdown_timeout_secs))
        .run_with_signal(shutdown)
        .await;
    for p in promoters {
        p.abort();
    }
    outcome?;
    Ok(())
}
