//! Group commit of the job record: one writer per process turns the transitions of many
//! jobs (insert, claim, step done, succeed) into one statement per kind per flush, and
//! every caller awaits its own row's commit, so batching never weakens what a caller is
//! told (the `succeeded` event still follows the committed record).
//!
//! Each kind has its own bounded channel and writer task ([`lane`]). A flush takes what
//! is waiting, up to a maximum batch, and writes it in one statement; while it runs the
//! next batch accumulates. No timer holds a request back: an idle writer flushes a lone
//! request at once, and under load a request waits only for a running flush of its kind
//! to finish (a few, configurable, run at once). A batch whose statement fails on a row
//! is written again one request at a time, so only the offending caller gets the error;
//! an outage fails every caller of the flush.
//!
//! Back-pressure: enqueues wait at most [`WriterConfig::max_wait`] for room and are then
//! refused with [`WriteError::Busy`]; workers wait for room (their number of pending
//! requests is bounded by their concurrency). The tasks end when the last handle is
//! dropped, after writing everything already accepted.

mod kinds;
mod lane;

use std::{future::Future, sync::Arc, time::Duration};

use serde_json::Value;
use sqlx::PgPool;
use uuid::Uuid;

use self::{
    kinds::{Claim, Insert, StepDone, Succeed},
    lane::Lane,
};
use crate::{
    config::JobSettings,
    domain::jobs::{JobRecord, NewJob},
    telemetry::Metrics,
};

/// Why a write did not happen.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The writer's queue stayed full for the whole allowed wait; try again later.
    #[error("the job-record writer is busy")]
    Busy,
    /// The writer's tasks are gone (a panic); nothing more can be written through it.
    #[error("the job-record writer has stopped")]
    Stopped,
    /// The statement for this caller's row failed, or the database is unavailable.
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// How the writer batches and bounds its work.
#[derive(Debug, Clone, Copy)]
pub struct WriterConfig {
    /// Requests each kind's channel holds before callers wait for room.
    pub capacity: usize,
    /// Rows one statement writes at most.
    pub max_batch: usize,
    /// Flushes of one kind that may run at once (each holds a pooled connection).
    pub flushes: usize,
    /// How long an enqueue waits for room before it is refused as [`WriteError::Busy`].
    pub max_wait: Duration,
}

impl WriterConfig {
    /// From the `jobs.writer_*` settings; zeroes become one, since a channel or a flush
    /// limit of zero could never make progress.
    pub fn from_settings(jobs: &JobSettings) -> Self {
        Self {
            capacity: jobs.writer_capacity.max(1),
            max_batch: jobs.writer_max_batch.max(1),
            flushes: jobs.writer_flushes.max(1),
            max_wait: Duration::from_millis(jobs.writer_max_wait_ms),
        }
    }
}

/// The process's job-record writer. Cheap to clone; the writer tasks end when the last
/// clone is dropped.
#[derive(Clone)]
pub struct RecordWriter {
    inner: Arc<Lanes>,
}

/// One lane per kind, so a burst of enqueues never delays the workers' claims.
struct Lanes {
    /// The pool every flush writes through, also lent to callers that need one.
    pool: PgPool,
    /// Bound on an enqueue's wait for room in the insert lane.
    max_wait: Duration,
    insert: Lane<Insert>,
    claim: Lane<Claim>,
    step_done: Lane<StepDone>,
    succeed: Lane<Succeed>,
}

impl RecordWriter {
    /// Starts the four writer tasks on the current Tokio runtime. `pool` is lent to
    /// callers ([`RecordWriter::pool`]); the flushes go through `flush_pool` (see
    /// `db::connect_writer` for why it is its own).
    pub fn start(
        pool: PgPool,
        flush_pool: PgPool,
        cfg: WriterConfig,
        metrics: Arc<Metrics>,
    ) -> Self {
        let lanes = Lanes {
            insert: Lane::start(flush_pool.clone(), cfg, metrics.clone()),
            claim: Lane::start(flush_pool.clone(), cfg, metrics.clone()),
            step_done: Lane::start(flush_pool.clone(), cfg, metrics.clone()),
            succeed: Lane::start(flush_pool, cfg, metrics),
            max_wait: cfg.max_wait,
            pool,
        };
        Self {
            inner: Arc::new(lanes),
        }
    }

    /// The pool the records are written to.
    pub fn pool(&self) -> &PgPool {
        &self.inner.pool
    }

    /// Records a new job as queued (see `jobs::insert_queued`).
    pub async fn insert(&self, job: NewJob) -> Result<(), WriteError> {
        self.insert_many(vec![job]).await
    }

    /// Records new jobs as queued in one statement: all of them or, on error, none.
    pub async fn insert_many(&self, jobs: Vec<NewJob>) -> Result<(), WriteError> {
        if jobs.is_empty() {
            return Ok(());
        }
        let wait = Some(self.inner.max_wait);
        self.inner.insert.call(jobs, wait).await
    }

    /// Starts an attempt (see `jobs::claim`); `None` for a stale or finished delivery.
    pub async fn claim(&self, id: Uuid, delivery: i32) -> Result<Option<JobRecord>, WriteError> {
        self.inner.claim.call((id, delivery), None).await
    }

    /// Stores a finished step's output (see `jobs::step_done`).
    pub async fn step_done(&self, id: Uuid, step: &str, output: &Value) -> Result<(), WriteError> {
        let row = (id, step.to_string(), output.clone());
        self.inner.step_done.call(row, None).await
    }

    /// Stores the last step's output and marks the job succeeded (see `jobs::succeed`).
    pub async fn succeed(&self, id: Uuid, step: &str, output: &Value) -> Result<(), WriteError> {
        self.succeed_later(id, step, output).await?.await
    }

    /// Queues the same write as [`RecordWriter::succeed`] and returns its commit to await
    /// later, so a worker can take its next job meanwhile. Waits only for room.
    pub async fn succeed_later(
        &self,
        id: Uuid,
        step: &str,
        output: &Value,
    ) -> Result<impl Future<Output = Result<(), WriteError>> + Send + 'static, WriteError> {
        let row = (id, step.to_string(), output.clone());
        self.inner.succeed.submit(row, None).await
    }
}
