//! The job record's transitions for many jobs in one statement each, for the group-commit
//! writer (`workflows::record_writer`).
//!
//! Each function is the set form of its one-job counterpart in [`super::jobs`], with the
//! same conditions and effects per row: the rows arrive as parallel arrays and are
//! expanded with `unnest`, so a flush of five hundred transitions is one round trip and
//! one commit. A statement is atomic: if one row fails (a foreign key, a NUL in a jsonb
//! value) none is written, and the caller decides how to retry the rows one by one.
//!
//! The `unnest` columns are named apart from the table's (`job_id`, `claim_delivery`), so
//! `returning` and `set` can name the table's columns unqualified.
//!
//! An update joined to several `unnest` rows for the same job applies only one of them;
//! callers pass each job at most once per statement.

use serde_json::Value;
use sqlx::{AssertSqlSafe, PgPool};
use uuid::Uuid;

use super::jobs::{COLUMNS, JobRecord, NewJob};

/// Records jobs as queued, as [`super::jobs::insert_queued`] does for one: first delivery 1.
pub async fn insert_queued_many<'a>(
    pool: &PgPool,
    jobs: impl IntoIterator<Item = &'a NewJob>,
) -> sqlx::Result<()> {
    let mut ids = Vec::new();
    let mut businesses = Vec::new();
    let mut users = Vec::new();
    let mut workflows = Vec::new();
    let mut inputs = Vec::new();
    let mut requests = Vec::new();
    let mut traces = Vec::new();
    for job in jobs {
        ids.push(job.id);
        businesses.push(job.business_id);
        users.push(job.user_id);
        workflows.push(job.workflow.as_str());
        inputs.push(&job.input);
        requests.push(job.request_id.as_deref());
        traces.push(job.traceparent.as_deref());
    }
    if ids.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "insert into jobs (id, business_id, user_id, workflow, state, input, delivery, request_id, traceparent)
         select t.id, t.business_id, t.user_id, t.workflow, 'queued', t.input, 1, t.request_id, t.traceparent
         from unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::jsonb[], $6::text[], $7::text[])
           as t(id, business_id, user_id, workflow, input, request_id, traceparent)",
    )
    .bind(ids)
    .bind(businesses)
    .bind(users)
    .bind(workflows)
    .bind(inputs)
    .bind(requests)
    .bind(traces)
    .execute(pool)
    .await?;
    Ok(())
}

/// Starts an attempt of each `(job, delivery)`, as [`super::jobs::claim`] does for one:
/// only rows whose delivery matches and that are still runnable are claimed and returned
/// (in no particular order); a job missing from the answer was a stale delivery.
// The state test is written so no index can serve it (`coalesce` of a not-null column):
// the whole backlog matches it, and a planner without statistics for a young `jobs`
// table otherwise scanned every queued row through the state index for each batch (seen
// in `make bench`: PostgreSQL at 1 ms of CPU per job). Only the key lookup is left. The
// step and finish statements test `running` the same way: every claim leaves a dead
// `running` entry in the state index until vacuum, and a plan that walked them per
// batch made a drain quadratic (seen after a `truncate jobs`: 1.4 k jobs/s, PostgreSQL
// at 8 s of CPU for 20,000 jobs).
pub async fn claim_many(pool: &PgPool, claims: &[(Uuid, i32)]) -> sqlx::Result<Vec<JobRecord>> {
    if claims.is_empty() {
        return Ok(Vec::new());
    }
    let (ids, deliveries): (Vec<Uuid>, Vec<i32>) = claims.iter().copied().unzip();
    sqlx::query_as(AssertSqlSafe(format!(
        "update jobs set state = 'running', attempts = attempts + 1,
                step_attempts = step_attempts + 1, next_attempt_at = null,
                started_at = coalesce(started_at, now()), updated_at = now()
         from unnest($1::uuid[], $2::int[]) as t(job_id, claim_delivery)
         where jobs.id = t.job_id and jobs.delivery = t.claim_delivery
           and coalesce(jobs.state, '') in ('queued', 'retrying', 'running')
         returning {COLUMNS}"
    )))
    .bind(ids)
    .bind(deliveries)
    .fetch_all(pool)
    .await
}

/// Takes back claims whose tasks never started (a worker that claims ahead, closing with
/// claimed tasks still waiting for a slot): the attempt each counted is returned, and a
/// job that had never run before is `queued` again. Returns how many were taken back.
pub async fn unclaim_many(pool: &PgPool, claims: &[(Uuid, i32)]) -> sqlx::Result<u64> {
    if claims.is_empty() {
        return Ok(0);
    }
    let (ids, deliveries): (Vec<Uuid>, Vec<i32>) = claims.iter().copied().unzip();
    let done = sqlx::query(
        "update jobs set attempts = greatest(attempts - 1, 0),
                step_attempts = greatest(step_attempts - 1, 0),
                state = case when attempts <= 1 then 'queued' else state end,
                started_at = case when attempts <= 1 then null else started_at end,
                updated_at = now()
         from unnest($1::uuid[], $2::int[]) as t(job_id, claim_delivery)
         where jobs.id = t.job_id and jobs.delivery = t.claim_delivery
           and coalesce(jobs.state, '') = 'running'",
    )
    .bind(ids)
    .bind(deliveries)
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}

/// [`step_done_many`]'s statement (public so a test can check its plan): `$1` job ids,
/// `$2` step names, `$3` outputs. Its `running` test cannot use an index (see
/// [`claim_many`]).
pub const STEP_DONE_MANY: &str = "update jobs
    set outputs = outputs || jsonb_build_object(t.step_name, t.step_output),
        step_index = step_index + 1, step_attempts = 1, updated_at = now()
    from unnest($1::uuid[], $2::text[], $3::jsonb[]) as t(job_id, step_name, step_output)
    where jobs.id = t.job_id and coalesce(jobs.state, '') = 'running'";

/// [`succeed_many`]'s statement, with the same parameters as [`STEP_DONE_MANY`].
pub const SUCCEED_MANY: &str = "update jobs
    set outputs = outputs || jsonb_build_object(t.step_name, t.step_output),
        step_index = step_index + 1, state = 'succeeded', result = t.step_output,
        finished_at = now(), updated_at = now()
    from unnest($1::uuid[], $2::text[], $3::jsonb[]) as t(job_id, step_name, step_output)
    where jobs.id = t.job_id and coalesce(jobs.state, '') = 'running'";

/// Stores each finished step's output and moves its job to the next step, as
/// [`super::jobs::step_done`] does for one.
pub async fn step_done_many(pool: &PgPool, steps: &[(Uuid, String, Value)]) -> sqlx::Result<()> {
    if steps.is_empty() {
        return Ok(());
    }
    let (ids, names, outputs) = columns(steps);
    sqlx::query(STEP_DONE_MANY)
        .bind(ids)
        .bind(names)
        .bind(outputs)
        .execute(pool)
        .await?;
    Ok(())
}

/// Stores each last step's output and marks its job succeeded with it as the result, as
/// [`super::jobs::succeed`] does for one.
pub async fn succeed_many(pool: &PgPool, steps: &[(Uuid, String, Value)]) -> sqlx::Result<()> {
    if steps.is_empty() {
        return Ok(());
    }
    let (ids, names, outputs) = columns(steps);
    sqlx::query(SUCCEED_MANY)
        .bind(ids)
        .bind(names)
        .bind(outputs)
        .execute(pool)
        .await?;
    Ok(())
}

/// `(job, step, output)` rows as the three arrays the statements bind.
fn columns(rows: &[(Uuid, String, Value)]) -> (Vec<Uuid>, Vec<&str>, Vec<&Value>) {
    let mut ids = Vec::with_capacity(rows.len());
    let mut names = Vec::with_capacity(rows.len());
    let mut outputs = Vec::with_capacity(rows.len());
    for (id, name, output) in rows {
        ids.push(*id);
        names.push(name.as_str());
        outputs.push(output);
    }
    (ids, names, outputs)
}
