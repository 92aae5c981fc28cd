//! The four kinds of transition the writer batches, each mapped onto its set-based
//! statement in `domain::jobs_batch` and, for the one-by-one fallback, onto the same
//! statement with one request's rows (or the one-job statement in `domain::jobs`).

use std::collections::HashMap;

use serde_json::Value;
use sqlx::PgPool;
use uuid::Uuid;

use super::lane::Kind;
use crate::domain::{
    jobs::{self, JobRecord, NewJob},
    jobs_batch,
};

/// New jobs; a request is one enqueue's jobs, written all together or not at all.
pub(super) struct Insert;

impl Kind for Insert {
    const NAME: &'static str = "insert";
    type Row = Vec<NewJob>;
    type Answer = ();

    fn size(row: &Vec<NewJob>) -> usize {
        row.len()
    }

    async fn write_all(pool: &PgPool, rows: &[Vec<NewJob>]) -> sqlx::Result<Vec<()>> {
        jobs_batch::insert_queued_many(pool, rows.iter().flatten()).await?;
        Ok(vec![(); rows.len()])
    }

    async fn write_one(pool: &PgPool, row: &Vec<NewJob>) -> sqlx::Result<()> {
        jobs_batch::insert_queued_many(pool, row).await
    }
}

/// The start of an attempt: `(job, delivery)`.
pub(super) struct Claim;

impl Kind for Claim {
    const NAME: &'static str = "claim";
    type Row = (Uuid, i32);
    type Answer = Option<JobRecord>;

    fn key(row: &(Uuid, i32)) -> Option<Uuid> {
        Some(row.0)
    }

    async fn write_all(pool: &PgPool, rows: &[(Uuid, i32)]) -> sqlx::Result<Vec<Self::Answer>> {
        let claimed = jobs_batch::claim_many(pool, rows).await?;
        // One request per job in a batch (see `key`), so the id finds its caller.
        let mut by_id: HashMap<Uuid, JobRecord> = claimed.into_iter().map(|j| (j.id, j)).collect();
        Ok(rows.iter().map(|(id, _)| by_id.remove(id)).collect())
    }

    async fn write_one(pool: &PgPool, row: &(Uuid, i32)) -> sqlx::Result<Self::Answer> {
        jobs::claim(pool, row.0, row.1).await
    }
}

/// A finished step that was not the last: `(job, step, output)`.
pub(super) struct StepDone;

impl Kind for StepDone {
    const NAME: &'static str = "step_done";
    type Row = (Uuid, String, Value);
    type Answer = ();

    fn key(row: &Self::Row) -> Option<Uuid> {
        Some(row.0)
    }

    async fn write_all(pool: &PgPool, rows: &[Self::Row]) -> sqlx::Result<Vec<()>> {
        jobs_batch::step_done_many(pool, rows).await?;
        Ok(vec![(); rows.len()])
    }

    async fn write_one(pool: &PgPool, row: &Self::Row) -> sqlx::Result<()> {
        jobs::step_done(pool, row.0, &row.1, &row.2).await
    }
}

/// The last step's success, which finishes the job: `(job, step, output)`.
pub(super) struct Succeed;

impl Kind for Succeed {
    const NAME: &'static str = "succeed";
    type Row = (Uuid, String, Value);
    type Answer = ();

    fn key(row: &Self::Row) -> Option<Uuid> {
        Some(row.0)
    }

    async fn write_all(pool: &PgPool, rows: &[Self::Row]) -> sqlx::Result<Vec<()>> {
        jobs_batch::succeed_many(pool, rows).await?;
        Ok(vec![(); rows.len()])
    }

    async fn write_one(pool: &PgPool, row: &Self::Row) -> sqlx::Result<()> {
        jobs::succeed(pool, row.0, &row.1, &row.2).await
    }
}
