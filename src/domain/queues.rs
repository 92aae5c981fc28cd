//! Per-workflow queue figures of one tenant, from the job records.
//!
//! The numbers come from Postgres, not from Redis: the Redis lists are shared by every
//! tenant, so their length would tell one shop how busy the others are. A job record is
//! written at every transition, so it knows the same things per tenant (waiting =
//! queued, or retrying and due; scheduled = retrying and not yet due). The global Redis
//! depth stays on `/metrics` for the people who run the servers.

use sqlx::PgPool;
use uuid::Uuid;

/// One workflow's figures for one tenant.
#[derive(Debug, Clone, Default, PartialEq, sqlx::FromRow)]
pub struct QueueStats {
    pub workflow: String,
    /// Queued, or retrying with the retry already due: a worker could take it now.
    pub waiting: i64,
    /// Retrying, with the next attempt in the future.
    pub scheduled: i64,
    pub running: i64,
    /// How long the longest-waiting due job has waited, in seconds (0 when none waits).
    pub oldest_age_secs: f64,
    /// Jobs that reached a final state in the last 5 and 60 minutes.
    pub finished_last_5m: i64,
    pub finished_last_60m: i64,
    pub failed: i64,
    pub dead: i64,
}

/// Figures for every workflow the tenant has jobs of, by workflow name.
///
/// A queued job waits since its last transition (`updated_at`: accepted, or re-queued by
/// an operator), a retrying one since its retry fell due; `created_at` would make a job
/// retried today look a day old.
pub async fn stats(pool: &PgPool, tenant: Uuid) -> sqlx::Result<Vec<QueueStats>> {
    sqlx::query_as(
        "with due as (
           select *, case when state = 'queued' then updated_at else next_attempt_at end as due_at
           from jobs where business_id = $1
         )
         select workflow,
           count(*) filter (where state = 'queued' or (state = 'retrying' and due_at <= now())) as waiting,
           count(*) filter (where state = 'retrying' and due_at > now()) as scheduled,
           count(*) filter (where state = 'running') as running,
           coalesce(extract(epoch from now() - min(due_at) filter (
             where state in ('queued', 'retrying') and due_at <= now()))::float8, 0) as oldest_age_secs,
           count(*) filter (where finished_at >= now() - interval '5 minutes') as finished_last_5m,
           count(*) filter (where finished_at >= now() - interval '60 minutes') as finished_last_60m,
           count(*) filter (where state = 'failed') as failed,
           count(*) filter (where state = 'dead') as dead
         from due
         group by workflow
         order by workflow",
    )
    .bind(tenant)
    .fetch_all(pool)
    .await
}

/// Minutes of history [`history`] covers: the current minute and the 59 before it.
pub const HISTORY_MINUTES: i32 = 60;

/// How many of a workflow's jobs finished in one minute, and how.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct MinuteCount {
    pub workflow: String,
    /// Minutes after the history's first minute (0..HISTORY_MINUTES).
    pub slot: i32,
    pub succeeded: i64,
    /// Failed or dead (cancelled jobs count in neither).
    pub failed: i64,
}

/// Jobs of the tenant that finished in each minute of the last hour, per workflow, from
/// the job records; minutes with none are absent. `since` is the first minute's start.
pub async fn history(
    pool: &PgPool,
    tenant: Uuid,
    since: chrono::DateTime<chrono::Utc>,
) -> sqlx::Result<Vec<MinuteCount>> {
    sqlx::query_as(
        "select workflow,
           floor(extract(epoch from finished_at - $2) / 60)::int4 as slot,
           count(*) filter (where state = 'succeeded') as succeeded,
           count(*) filter (where state in ('failed', 'dead')) as failed
         from jobs
         where business_id = $1 and finished_at >= $2 and state <> 'cancelled'
         group by 1, 2
         order by 1, 2",
    )
    .bind(tenant)
    .bind(since)
    .fetch_all(pool)
    .await
}
