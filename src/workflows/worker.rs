//! Hosting the apalis workers: one per workflow, each fed by a [`StreamBackend`] on its
//! workflow's queue (a Redis stream; see [`crate::stream_queue`]).
//!
//! apalis brings the worker machinery: concurrency, panics caught, graceful shutdown
//! (running jobs finish, unstarted ones go back to the queue), restarts. Its own retries
//! are never used for step failures: the handler returns `Ok` after recording the
//! outcome and scheduling its own retry; an `Err` means the infrastructure failed
//! (Postgres unreachable) and the entry is delivered again after its lease.

use std::{future::Future, sync::Arc, time::Duration};

use apalis::prelude::*;
use redis::aio::ConnectionManager;
use secrecy::ExposeSecret;

use super::{
    JobEnvelope,
    claim_ahead::{ClaimAhead, Preclaim},
    pause,
    queue::queue_config,
    restart::{AfterDelay, RestartPolicy},
    runtime::Runtime,
};
use crate::{
    config::Settings,
    stream_queue::{AckAfter, StreamBackend},
};

/// The apalis handler: run the delivery; only infrastructure errors reach apalis.
async fn handle(
    envelope: JobEnvelope,
    runtime: Data<Arc<Runtime>>,
    claim: Data<Preclaim>,
    ack: Data<AckAfter>,
) -> Result<(), BoxDynError> {
    runtime.execute(&envelope, claim.take(), ack.0).await.map_err(|e| {
        tracing::error!(job_id = %envelope.job_id, error = %format!("{e:#}"), "job delivery failed; it will be delivered again");
        BoxDynError::from(format!("{e:#}"))
    })
}

/// Runs every workflow's worker until `shutdown` resolves, then lets in-flight jobs
/// finish for up to the configured shutdown timeout.
pub async fn run(
    runtime: Arc<Runtime>,
    conn: ConnectionManager,
    settings: &Settings,
    shutdown: impl Future<Output = std::io::Result<()>> + Send,
) -> anyhow::Result<()> {
    // Each worker's reader opens a connection of its own for its blocking reads.
    let client = redis::Client::open(settings.redis_url.expose_secret().to_string())?;
    let mut monitor = Monitor::new();
    let restarts = RestartPolicy::default();
    let paused = pause::watch(conn.clone(), &settings.redis_namespace);
    for spec in runtime.specs.iter() {
        let mut cfg = queue_config(&settings.redis_namespace, &spec.queue, &settings.jobs);
        // Read enough to keep every slot busy, and no more than that plus a batch.
        cfg.read_count = cfg.read_count.max(spec.concurrency);
        let rt = runtime.clone();
        let (name, concurrency) = (spec.name.clone(), spec.concurrency);
        // A batch of claims at most as large as the slots, so few wait for one.
        let claim_depth = concurrency.min(settings.jobs.batch_size);
        let (client, conn, policy) = (client.clone(), conn.clone(), restarts.clone());
        let gates = paused.gates();
        monitor = monitor.register(move |_run| {
            // A restarted worker waits out the delay its failure decided before reading.
            let backend =
                StreamBackend::<JobEnvelope>::new(client.clone(), conn.clone(), cfg.clone());
            WorkerBuilder::new(name.clone())
                .backend(ClaimAhead::new(
                    gates.gate(
                        &name,
                        AfterDelay::new(backend, policy.delay_before_run(&name)),
                    ),
                    rt.queue.writer().clone(),
                    claim_depth,
                ))
                .concurrency(concurrency)
                .catch_panic()
                .data(rt.clone())
                .parallelize(tokio::spawn)
                .build(handle)
        });
    }
    monitor
        .should_restart(move |ctx, err| {
            let (delay, first) = restarts.failed(ctx.name(), std::time::Instant::now());
            if first {
                tracing::error!(worker = ctx.name(), error = %err, "worker stopped; restarting with backoff (further failures are logged at debug)");
            } else {
                let failures = restarts.failures(ctx.name());
                tracing::debug!(worker = ctx.name(), error = %err, failures, delay_ms = delay.as_millis() as u64, "worker stopped again");
            }
            true
        })
        .shutdown_timeout(Duration::from_secs(settings.jobs.shutdown_timeout_secs))
        .run_with_signal(shutdown)
        .await?;
    Ok(())
}
