//! Periodic upkeep in worker processes: push lost deliveries again, and remove finished
//! jobs past their retention from Postgres and from apalis-redis (which never removes
//! anything by itself).
//!
//! Every worker process runs these; each step is idempotent, so several running at once
//! only repeat work.

use std::{sync::Arc, time::Duration};

use apalis_redis::ConnectionManager;

use super::{queue::redis_config, runtime::Runtime};
use crate::{
    config::Settings,
    domain::{jobs, reminders},
};

/// Removes apalis-redis's bookkeeping for tasks finished before the cutoff, a batch of
/// the done/dead set at a time (no blocking `HGETALL` over the whole data hash).
const CLEANUP_SCRIPT: &str = r#"
local res = redis.call('SSCAN', KEYS[1], ARGV[2], 'COUNT', ARGV[3])
local removed = 0
for _, id in ipairs(res[2]) do
  local meta = KEYS[3] .. ':' .. id
  local done_at = tonumber(redis.call('HGET', meta, 'done_at') or '0') or 0
  if done_at <= tonumber(ARGV[1]) then
    redis.call('SREM', KEYS[1], id)
    redis.call('HDEL', KEYS[2], id)
    redis.call('HDEL', KEYS[3] .. ':result', id)
    redis.call('DEL', meta)
    removed = removed + 1
  end
end
return {res[1], removed}
"#;

/// Runs the sweeper and the clean-up forever (until the task is dropped).
pub async fn run(runtime: Arc<Runtime>, conn: ConnectionManager, settings: Settings) {
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
                if let Err(e) = clean_up(&runtime, conn.clone(), &settings).await {
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
        for c in &claimed {
            // A failed push leaves a queued record: the requeue sweep pushes it later.
            if let Err(e) = runtime
                .queue
                .push_recorded(c.job_id, c.tenant_id, "reminder")
                .await
            {
                tracing::warn!(error = %e, "reminder job push failed; left to the requeue sweep");
            }
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

/// Deletes finished jobs past retention; returns (Postgres rows, Redis tasks) removed.
pub async fn clean_up(
    runtime: &Runtime,
    mut conn: ConnectionManager,
    settings: &Settings,
) -> anyhow::Result<(u64, u64)> {
    let retention = i64::try_from(settings.jobs.retention_secs).unwrap_or(i64::MAX);
    let rows = jobs::delete_finished_before(&runtime.deps.pool, retention).await?;
    // apalis's copy is only bookkeeping once a task is done: keep it an hour at most.
    let cutoff = chrono::Utc::now().timestamp() - retention.min(3600);
    let script = redis::Script::new(CLEANUP_SCRIPT);
    let mut tasks = 0u64;
    for spec in runtime.specs.iter() {
        let cfg = redis_config(&settings.redis_namespace, &spec.queue, &settings.jobs);
        for set in [cfg.done_jobs_set(), cfg.dead_jobs_set()] {
            let mut cursor = "0".to_string();
            loop {
                let (next, removed): (String, u64) = script
                    .key(&set)
                    .key(cfg.job_data_hash())
                    .key(cfg.job_meta_hash())
                    .arg(cutoff)
                    .arg(&cursor)
                    .arg(500)
                    .invoke_async(&mut conn)
                    .await?;
                tasks += removed;
                if next == "0" {
                    break;
                }
                cursor = next;
            }
        }
    }
    if rows > 0 || tasks > 0 {
        tracing::info!(rows, tasks, "finished jobs past retention removed");
    }
    Ok((rows, tasks))
}
