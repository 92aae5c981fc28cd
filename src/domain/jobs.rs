//! The job record: the state of every workflow run, as the API reports it.
//!
//! The worker moves a job through `queued → running → (retrying → running)* →
//! succeeded | failed | dead`, and operators move `failed | dead → queued` (retry) and
//! `queued | retrying → cancelled`. Each transition is one conditional `update`, so two
//! processes racing on a job cannot both win.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::{AssertSqlSafe, PgPool};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JobState {
    Queued,
    Running,
    Retrying,
    Succeeded,
    Failed,
    Dead,
    Cancelled,
}

impl JobState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Retrying => "retrying",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::Dead => "dead",
            Self::Cancelled => "cancelled",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Queued,
            Self::Running,
            Self::Retrying,
            Self::Succeeded,
            Self::Failed,
            Self::Dead,
            Self::Cancelled,
        ]
        .into_iter()
        .find(|st| st.as_str() == s)
    }
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            Self::Succeeded | Self::Failed | Self::Dead | Self::Cancelled
        )
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct JobRecord {
    pub id: Uuid,
    pub business_id: Uuid,
    pub user_id: Option<Uuid>,
    pub workflow: String,
    pub state: String,
    pub input: Value,
    pub outputs: Value,
    pub result: Option<Value>,
    pub step_index: i32,
    pub step_attempts: i32,
    pub attempts: i32,
    pub errors: Value,
    pub delivery: i32,
    pub request_id: Option<String>,
    pub traceparent: Option<String>,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
}

impl JobRecord {
    pub fn state(&self) -> JobState {
        JobState::parse(&self.state).unwrap_or(JobState::Failed)
    }
}

/// What a new job is.
#[derive(Debug, Clone)]
pub struct NewJob {
    pub id: Uuid,
    pub business_id: Uuid,
    pub user_id: Option<Uuid>,
    pub workflow: String,
    pub input: Value,
    pub request_id: Option<String>,
    pub traceparent: Option<String>,
}

pub(crate) const COLUMNS: &str = "id, business_id, user_id, workflow, state, input, outputs, result, \
    step_index, step_attempts, attempts, errors, delivery, request_id, traceparent, \
    next_attempt_at, created_at, updated_at, started_at, finished_at";

/// Records a job as queued, before it is pushed; its first delivery is 1.
pub async fn insert_queued<'e>(exec: impl sqlx::PgExecutor<'e>, job: &NewJob) -> sqlx::Result<()> {
    sqlx::query(
        "insert into jobs (id, business_id, user_id, workflow, state, input, delivery, request_id, traceparent)
         values ($1, $2, $3, $4, 'queued', $5, 1, $6, $7)",
    )
    .bind(job.id)
    .bind(job.business_id)
    .bind(job.user_id)
    .bind(&job.workflow)
    .bind(&job.input)
    .bind(&job.request_id)
    .bind(&job.traceparent)
    .execute(exec)
    .await?;
    Ok(())
}

/// Undoes [`insert_queued`] when the push to the queue failed, so nothing is half-done.
pub async fn delete_unstarted(pool: &PgPool, id: Uuid) -> sqlx::Result<()> {
    sqlx::query("delete from jobs where id = $1 and state = 'queued' and attempts = 0")
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}

/// A job as its tenant sees it; another tenant's job is `None`.
pub async fn get(pool: &PgPool, tenant: Uuid, id: Uuid) -> sqlx::Result<Option<JobRecord>> {
    sqlx::query_as(AssertSqlSafe(format!(
        "select {COLUMNS} from jobs where id = $1 and business_id = $2"
    )))
    .bind(id)
    .bind(tenant)
    .fetch_optional(pool)
    .await
}

/// Filters and a keyset page for [`list`].
#[derive(Debug, Clone, Default)]
pub struct JobFilter {
    pub workflow: Option<String>,
    pub state: Option<JobState>,
    /// Only jobs created before this (created_at, id) position: the previous page's last.
    pub before: Option<(DateTime<Utc>, Uuid)>,
    pub limit: i64,
}

/// A tenant's jobs, newest first.
pub async fn list(pool: &PgPool, tenant: Uuid, f: &JobFilter) -> sqlx::Result<Vec<JobRecord>> {
    let (before_at, before_id) = f.before.unzip();
    sqlx::query_as(AssertSqlSafe(format!(
        "select {COLUMNS} from jobs
         where business_id = $1
           and ($2::text is null or workflow = $2)
           and ($3::text is null or state = $3)
           and ($4::timestamptz is null or (created_at, id) < ($4, $5))
         order by created_at desc, id desc
         limit $6"
    )))
    .bind(tenant)
    .bind(&f.workflow)
    .bind(f.state.map(JobState::as_str))
    .bind(before_at)
    .bind(before_id)
    .bind(f.limit)
    .fetch_all(pool)
    .await
}

/// Starts an attempt: counts it and marks the job running. `None` when the job is not
/// runnable any more (finished, cancelled, or removed), which makes a stale delivery a no-op.
pub async fn claim(pool: &PgPool, id: Uuid, delivery: i32) -> sqlx::Result<Option<JobRecord>> {
    sqlx::query_as(AssertSqlSafe(format!(
        "update jobs set state = 'running', attempts = attempts + 1,
                step_attempts = step_attempts + 1, next_attempt_at = null,
                started_at = coalesce(started_at, now()), updated_at = now()
         where id = $1 and delivery = $2 and state in ('queued', 'retrying', 'running')
         returning {COLUMNS}"
    )))
    .bind(id)
    .bind(delivery)
    .fetch_optional(pool)
    .await
}

/// Stores a finished step's output and moves to the next step, whose first attempt
/// starts at once (so a crash during it is counted against it).
pub async fn step_done(pool: &PgPool, id: Uuid, step: &str, output: &Value) -> sqlx::Result<()> {
    sqlx::query(
        "update jobs set outputs = outputs || jsonb_build_object($2::text, $3::jsonb),
                step_index = step_index + 1, step_attempts = 1, updated_at = now()
         where id = $1 and state = 'running'",
    )
    .bind(id)
    .bind(step)
    .bind(output)
    .execute(pool)
    .await?;
    Ok(())
}

/// Stores the last step's output and marks the job succeeded with it as the result,
/// in one statement (one round trip less per job than step-done-then-succeed).
pub async fn succeed(pool: &PgPool, id: Uuid, step: &str, result: &Value) -> sqlx::Result<()> {
    sqlx::query(
        "update jobs set outputs = outputs || jsonb_build_object($2::text, $3::jsonb),
                step_index = step_index + 1, state = 'succeeded', result = $3,
                finished_at = now(), updated_at = now()
         where id = $1 and state = 'running'",
    )
    .bind(id)
    .bind(step)
    .bind(result)
    .execute(pool)
    .await?;
    Ok(())
}

/// One failed attempt, as kept in the record's `errors` list.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct AttemptError {
    pub attempt: i32,
    pub step: String,
    pub error: String,
    pub transient: bool,
    pub at: DateTime<Utc>,
}

/// What follows a failed attempt.
#[derive(Debug, Clone, Copy)]
pub enum AfterFailure {
    /// Another attempt at `at`; the job gets a new delivery number, returned.
    Retry { at: DateTime<Utc> },
    /// A permanent error: no retry.
    Fail,
    /// Attempts exhausted.
    Dead,
}

/// Records a failed attempt and the transition it causes; returns the new delivery
/// number when a retry was scheduled.
pub async fn fail_attempt(
    pool: &PgPool,
    id: Uuid,
    error: &AttemptError,
    next: AfterFailure,
) -> sqlx::Result<i32> {
    let (state, at) = match next {
        AfterFailure::Retry { at } => ("retrying", Some(at)),
        AfterFailure::Fail => ("failed", None),
        AfterFailure::Dead => ("dead", None),
    };
    let entry = serde_json::to_value(error).unwrap_or(Value::Null);
    sqlx::query_scalar(
        "update jobs set state = $2, errors = errors || jsonb_build_array($3::jsonb),
                next_attempt_at = $4,
                delivery = delivery + (case when $2 = 'retrying' then 1 else 0 end),
                finished_at = case when $2 = 'retrying' then null else now() end,
                updated_at = now()
         where id = $1
         returning delivery",
    )
    .bind(id)
    .bind(state)
    .bind(entry)
    .bind(at)
    .fetch_one(pool)
    .await
}

/// An operator's retry of a failed or dead job: it starts again at the failed step with
/// a fresh attempt budget. Returns the updated record, or `None` if not retryable.
pub async fn requeue_by_operator(
    pool: &PgPool,
    tenant: Uuid,
    id: Uuid,
) -> sqlx::Result<Option<JobRecord>> {
    sqlx::query_as(AssertSqlSafe(format!(
        "update jobs set state = 'queued', step_attempts = 0, delivery = delivery + 1,
                finished_at = null, updated_at = now()
         where id = $1 and business_id = $2 and state in ('failed', 'dead')
         returning {COLUMNS}"
    )))
    .bind(id)
    .bind(tenant)
    .fetch_optional(pool)
    .await
}

/// Cancels a job that has not started (or is waiting to retry), or dismisses a dead
/// letter (failed or dead), which keeps the time it ended.
pub async fn cancel(pool: &PgPool, tenant: Uuid, id: Uuid) -> sqlx::Result<Option<JobRecord>> {
    sqlx::query_as(AssertSqlSafe(format!(
        "update jobs set state = 'cancelled', finished_at = coalesce(finished_at, now()), updated_at = now()
         where id = $1 and business_id = $2 and state in ('queued', 'retrying', 'failed', 'dead')
         returning {COLUMNS}"
    )))
    .bind(id)
    .bind(tenant)
    .fetch_optional(pool)
    .await
}

/// Jobs waiting for a delivery that seems lost: queued, or due to retry, for longer
/// than `grace_secs`. The sweeper pushes them again under the same idempotency key.
pub async fn overdue(
    pool: &PgPool,
    grace_secs: i64,
    limit: i64,
) -> sqlx::Result<Vec<(Uuid, String, i32)>> {
    sqlx::query_as(
        "select id, workflow, delivery from jobs
         where (state = 'queued' and updated_at < now() - make_interval(secs => $1))
            or (state = 'retrying' and next_attempt_at < now() - make_interval(secs => $1))
         order by updated_at limit $2",
    )
    .bind(grace_secs as f64)
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// One page (by id, after `after`) of the jobs the record says are waiting in a queue
/// (`queued`, or `retrying` with a delivery due later): id, workflow, delivery, and
/// milliseconds until that delivery is due (0 when due). For re-filling the queues
/// after Redis lost its data.
pub async fn waiting_page(
    pool: &PgPool,
    after: Uuid,
    limit: i64,
) -> sqlx::Result<Vec<(Uuid, String, i32, i64)>> {
    sqlx::query_as(
        "select id, workflow, delivery,
                greatest(0, extract(epoch from coalesce(next_attempt_at, now()) - now()) * 1000)::int8
         from jobs
         where state in ('queued', 'retrying') and id > $1
         order by id limit $2",
    )
    .bind(after)
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// Removes finished jobs older than the retention; returns how many.
pub async fn delete_finished_before(pool: &PgPool, retention_secs: i64) -> sqlx::Result<u64> {
    let done = sqlx::query(
        "delete from jobs where state in ('succeeded', 'failed', 'dead', 'cancelled')
           and finished_at < now() - make_interval(secs => $1)",
    )
    .bind(retention_secs as f64)
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}

/// Per workflow, how long the longest-waiting due job has waited, in seconds: queued
/// jobs since they were accepted, retrying ones since their retry fell due.
pub async fn oldest_waiting(pool: &PgPool) -> sqlx::Result<Vec<(String, f64)>> {
    sqlx::query_as(
        "select workflow, extract(epoch from now() - min(coalesce(next_attempt_at, created_at)))::float8
         from jobs
         where state in ('queued', 'retrying') and coalesce(next_attempt_at, created_at) <= now()
         group by workflow",
    )
    .fetch_all(pool)
    .await
}
