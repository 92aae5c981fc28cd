//! Periodic upkeep in worker processes: push lost deliveries again, enqueue due
//! reminders, and remove finished jobs past their retention from Postgres.
//!
//! Redis needs no clean-up here: the queue deletes each entry when it is acknowledged
//! and its deduplication keys expire on their own (see `stream_queue`), and job events
//! carry a TTL. Every worker process runs these; each step is idempotent, so several
//! running at once only repeat work.

use std::{sync::Arc, time::Duration};

use super::runtime::Runtime;
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
    loop {
        tokio::select! {
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

/// Pushes deliveries that should have started long ago; duplicates are dropped by the
/// queue's idempotency key and by the claim's delivery check.
pub async fn requeue_overdue(runtime: &Runtime, settings: &Settings) -> anyhow::Result<usize> {
    let grace = i64::try_from(settings.jobs.requeue_after_secs).unwrap_or(60);
    let overdue = jobs::overdue(&runtime.deps.pool, grace, 500).await?;
    for (id, workflow, delivery) in &overdue {
        runtime
            .queue
            .push(*id, workflow, *delivery, Duration::ZERO)
            .await?;
        tracing::info!(job_id = %id, delivery, "overdue delivery pushed again");
    }
    Ok(overdue.len())
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
