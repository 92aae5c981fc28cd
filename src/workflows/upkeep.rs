//! Periodic upkeep in worker processes: push lost deliveries again, enqueue due
//! reminders, write job events parked by a process that exited while Redis was down,
//! and remove finished jobs past their retention from Postgres.
//!
//! Redis losing its data (a restart without persistence, a flush, a failover to an
//! empty replica) loses every queued delivery at once. A marker key tells: checked
//! every second, and when it is found missing every job the record says is waiting is
//! pushed again at once, a thousand per round trip, retries with their remaining delay
//! (10,000 jobs in a few seconds, not 500 per sweep).
//!
//! Redis needs no clean-up here: the queue deletes each entry when it is acknowledged
//! and its deduplication keys expire on their own (see `stream_queue`), and job events
//! carry a TTL. Every worker process runs these; each step is idempotent, so several
//! running at once only repeat work.

use std::{sync::Arc, time::Duration};

use uuid::Uuid;

use super::{queue::Delivery, runtime::Runtime};
use crate::{
    config::Settings,
    domain::{jobs, reminders},
};

/// Runs the sweeper and the clean-up forever (until the task is dropped).
pub async fn run(runtime: Arc<Runtime>, settings: Settings) {
    let sweep_every = Duration::from_secs((settings.jobs.requeue_after_secs / 2).max(1));
    let clean_every = Duration::from_secs(settings.jobs.cleanup_interval_secs.max(1));
    let mut sweep = tokio::time::interval(sweep_every);
    let mut clean = tokio::time::interval(clean_every);
    let mut due = tokio::time::interval(Duration::from_secs(
        settings.reminders.sweep_interval_secs.max(1),
    ));
    let mut marker = tokio::time::interval(Duration::from_secs(1));
    marker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut parked = tokio::time::interval(Duration::from_secs(5));
    parked.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = parked.tick() => write_parked_events(&runtime).await,
            _ = marker.tick() => {
                if let Err(e) = refill_if_redis_was_reset(&runtime).await {
                    tracing::debug!(error = %format!("{e:#}"), "queue refill check failed");
                }
            }
            _ = due.tick() => {
                if let Err(e) = sweep_reminders(&runtime, &settings).await {
                    tracing::warn!(error = %format!("{e:#}"), "reminder sweep failed");
                }
            }
            _ = sweep.tick() => {
                if let Err(e) = requeue_overdue(&runtime, &settings).await {
                    tracing::warn!(error = %format!("{e:#}"), "requeue sweep failed");
                }
            }
            _ = clean.tick() => {
                if let Err(e) = clean_up(&runtime, &settings).await {
                    tracing::warn!(error = %format!("{e:#}"), "clean-up failed");
                }
            }
        }
    }
}

/// Writes the job events an exiting process parked in PostgreSQL (see `events_park`),
/// when Redis answers: while it does not, writing would wait on it.
async fn write_parked_events(runtime: &Runtime) {
    if !runtime.queue.redis_up() {
        return;
    }
    let (bus, pool) = (runtime.queue.events(), runtime.queue.pool());
    match super::events_park::write_parked(bus, pool).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(events = n, "parked job events written to Redis"),
        Err(e) => tracing::warn!(error = %format!("{e:#}"), "parked job events not written"),
    }
}

/// Claims due reminders and pushes their jobs; returns how many were claimed. Safe to run
/// from every worker at once (see `domain::reminders`).
pub async fn sweep_reminders(runtime: &Runtime, settings: &Settings) -> anyhow::Result<usize> {
    let quiet = settings.reminders.quiet()?;
    let mut total = 0;
    loop {
        let claimed =
            reminders::claim_due(&runtime.deps.pool, chrono::Utc::now(), quiet, 100).await?;
        let jobs: Vec<_> = claimed
            .iter()
            .map(|c| (c.job_id, c.tenant_id, "reminder".to_string()))
            .collect();
        // A failed push leaves queued records: the requeue sweep pushes them later.
        if let Err(e) = runtime.queue.push_recorded_many(&jobs).await {
            tracing::warn!(error = %e, "reminder job push failed; left to the requeue sweep");
        }
        total += claimed.len();
        if claimed.len() < 100 {
            return Ok(total);
        }
    }
}

/// Jobs pushed per round trip when re-filling queues.
const PUSH_BATCH: i64 = 1000;

/// Pushes deliveries that should have started long ago; duplicates are dropped by the
/// queue's idempotency key and by the claim's delivery check.
pub async fn requeue_overdue(runtime: &Runtime, settings: &Settings) -> anyhow::Result<usize> {
    let grace = i64::try_from(settings.jobs.requeue_after_secs).unwrap_or(60);
    let overdue = jobs::overdue(&runtime.deps.pool, grace, PUSH_BATCH).await?;
    let deliveries: Vec<Delivery> = overdue
        .iter()
        .map(|(id, workflow, delivery)| Delivery {
            job_id: *id,
            workflow: workflow.clone(),
            delivery: *delivery,
            delay: Duration::ZERO,
        })
        .collect();
    runtime.queue.push_many(&deliveries).await?;
    if !overdue.is_empty() {
        tracing::info!(jobs = overdue.len(), "overdue deliveries pushed again");
    }
    Ok(overdue.len())
}

/// When Redis lost its data since the last look, pushes every waiting job again;
/// returns how many.
pub async fn refill_if_redis_was_reset(runtime: &Runtime) -> anyhow::Result<usize> {
    if !runtime.queue.marker().missing().await? {
        return Ok(0);
    }
    let started = std::time::Instant::now();
    let mut after = Uuid::nil();
    let mut total = 0;
    loop {
        let page = jobs::waiting_page(&runtime.deps.pool, after, PUSH_BATCH).await?;
        let deliveries: Vec<Delivery> = page
            .iter()
            .map(|(id, workflow, delivery, delay_ms)| Delivery {
                job_id: *id,
                workflow: workflow.clone(),
                delivery: *delivery,
                delay: Duration::from_millis(u64::try_from(*delay_ms).unwrap_or(0)),
            })
            .collect();
        runtime.queue.push_many(&deliveries).await?;
        total += page.len();
        match page.last() {
            Some(last) if page.len() as i64 == PUSH_BATCH => after = last.0,
            _ => break,
        }
    }
    // The marker goes back only once every page is pushed: a refill cut short by an
    // error is done again in full a second later (pushes are idempotent).
    runtime.queue.marker().set().await?;
    let duration_ms = started.elapsed().as_millis() as u64;
    if total > 0 {
        tracing::warn!(
            jobs = total,
            duration_ms,
            "Redis had lost its data; waiting jobs pushed again"
        );
    } else {
        tracing::info!("Redis holds no marker (new, or emptied); no job was waiting");
    }
    Ok(total)
}

/// Deletes finished jobs past retention; returns how many.
pub async fn clean_up(runtime: &Runtime, settings: &Settings) -> anyhow::Result<u64> {
    let retention = i64::try_from(settings.jobs.retention_secs).unwrap_or(i64::MAX);
    let rows = jobs::delete_finished_before(&runtime.deps.pool, retention).await?;
    if rows > 0 {
        tracing::info!(rows, "finished jobs past retention removed");
    }
    Ok(rows)
}
