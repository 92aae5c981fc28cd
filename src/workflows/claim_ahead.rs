//! Claiming ahead: a worker's tasks are claimed in the job record in batches as they
//! come off the queue, before each reaches a free slot, so a slot never waits for its
//! job's claim to commit.
//!
//! [`ClaimAhead`] wraps a worker's backend. When the worker asks for a task and fewer
//! than a batch are claimed and waiting, it takes whatever the queue has ready (up to
//! [`ClaimAhead::depth`]) and claims it through the group-commit writer while the worker
//! runs what is already claimed; each task carries its claim's answer ([`Preclaim`]) to
//! the runtime. A claim that fails (the database unreachable) is left to the runtime,
//! which claims again and fails the delivery the usual way.
//!
//! A claimed task waits for a slot at most as long as the tasks ahead of it take, and
//! at most two batches wait per worker. A worker that closes gives back the claims of
//! the tasks it never started (their attempt is not counted) before the queue takes the
//! entries back; a worker killed outright counts one attempt too many for those, as it
//! does for the jobs it was running.

use std::{
    collections::VecDeque,
    sync::{Arc, Mutex, PoisonError},
    task::{Context, Poll},
};

use apalis::prelude::{Backend, Task, WorkerContext};
use apalis_core::backend::BackendConfig;
use futures::{FutureExt, future::BoxFuture};
use uuid::Uuid;

use super::{JobEnvelope, record_writer::RecordWriter};
use crate::domain::{jobs::JobRecord, jobs_batch};

/// The answer of a claim made before the task reached its slot: `Some(None)` for a
/// stale delivery. Taken once by the runtime; empty when no claim was made.
#[derive(Clone, Default)]
pub struct Preclaim(Arc<Mutex<Option<Option<JobRecord>>>>);

impl Preclaim {
    fn answered(answer: Option<JobRecord>) -> Self {
        Self(Arc::new(Mutex::new(Some(answer))))
    }

    /// The claim's answer, if one was made.
    pub fn take(&self) -> Option<Option<JobRecord>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).take()
    }

    /// Whether a claim was made and started an attempt.
    fn started_attempt(&self) -> bool {
        let answer = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        matches!(*answer, Some(Some(_)))
    }
}

type Claimed<T> = BoxFuture<'static, Vec<T>>;

/// A worker's backend that claims its tasks ahead of their slots.
pub struct ClaimAhead<B: Backend> {
    inner: B,
    writer: RecordWriter,
    depth: usize,
    /// Claimed tasks waiting for a slot, in queue order.
    ready: VecDeque<B::Task>,
    /// The batch being claimed.
    claiming: Option<Claimed<B::Task>>,
    /// An error or end of the queue met while gathering a batch, for after it.
    ended: Option<Option<Result<B::Task, B::Error>>>,
    /// Giving back unstarted claims, once closing began.
    releasing: Option<BoxFuture<'static, ()>>,
    released: bool,
}

impl<B: Backend<Task = Task<JobEnvelope>>> ClaimAhead<B> {
    /// Claims up to `depth` tasks at a time (at least one).
    pub fn new(inner: B, writer: RecordWriter, depth: usize) -> Self {
        Self {
            inner,
            writer,
            depth: depth.max(1),
            ready: VecDeque::new(),
            claiming: None,
            ended: None,
            releasing: None,
            released: false,
        }
    }

    /// Takes what the queue has ready now, up to a batch, without waiting for more.
    fn gather(&mut self, cx: &mut Context<'_>, worker: &WorkerContext) -> Vec<B::Task> {
        let mut batch = Vec::new();
        while batch.len() < self.depth && self.ended.is_none() {
            match self.inner.poll_next(cx, worker) {
                Poll::Ready(Some(Ok(task))) => batch.push(task),
                Poll::Ready(other) => self.ended = Some(other),
                Poll::Pending => break,
            }
        }
        batch
    }
}

/// Claims a batch through the writer (one flush for all of it) and hands each task its
/// answer; on an error the tasks go on without one.
fn claim(writer: RecordWriter, batch: Vec<Task<JobEnvelope>>) -> Claimed<Task<JobEnvelope>> {
    async move {
        let calls = batch
            .iter()
            .map(|t| writer.claim(t.args.job_id, t.args.delivery));
        let answers = futures::future::join_all(calls).await;
        batch
            .into_iter()
            .zip(answers)
            .map(|(mut task, answer)| {
                // Every task carries one, so the handler can always take it.
                let claim = answer.map(Preclaim::answered).unwrap_or_default();
                task.inject_data(claim);
                task
            })
            .collect()
    }
    .boxed()
}

/// Gives back the claims of tasks that will not start here.
fn release(writer: RecordWriter, tasks: Vec<Task<JobEnvelope>>) -> BoxFuture<'static, ()> {
    async move {
        let claims: Vec<(Uuid, i32)> = tasks
            .iter()
            .filter(|t| {
                let claim = t.ctx().data().get::<Preclaim>();
                claim.is_some_and(Preclaim::started_attempt)
            })
            .map(|t| (t.args.job_id, t.args.delivery))
            .collect();
        if let Err(e) = jobs_batch::unclaim_many(writer.pool(), &claims).await {
            tracing::warn!(error = %e, jobs = claims.len(), "claims of unstarted jobs not given back; each counts one attempt");
        }
    }
    .boxed()
}

impl<B> Backend for ClaimAhead<B>
where
    B: Backend<Task = Task<JobEnvelope>>,
{
    type Task = Task<JobEnvelope>;
    type Error = B::Error;

    fn poll_ready(
        &mut self,
        cx: &mut Context<'_>,
        worker: &WorkerContext,
    ) -> Poll<Result<(), B::Error>> {
        self.inner.poll_ready(cx, worker)
    }

    fn poll_next(
        &mut self,
        cx: &mut Context<'_>,
        worker: &WorkerContext,
    ) -> Poll<Option<Result<Self::Task, B::Error>>> {
        if let Some(claiming) = self.claiming.as_mut()
            && let Poll::Ready(tasks) = claiming.poll_unpin(cx)
        {
            self.claiming = None;
            self.ready.extend(tasks);
        }
        // Claim the next batch while the worker runs this one, unless one is on its way.
        if self.claiming.is_none() && self.ready.len() < self.depth {
            let batch = self.gather(cx, worker);
            if !batch.is_empty() {
                let mut next = claim(self.writer.clone(), batch);
                match next.poll_unpin(cx) {
                    Poll::Ready(tasks) => self.ready.extend(tasks),
                    Poll::Pending => self.claiming = Some(next),
                }
            }
        }
        if let Some(task) = self.ready.pop_front() {
            return Poll::Ready(Some(Ok(task)));
        }
        if self.claiming.is_none()
            && let Some(end) = self.ended.take()
        {
            return Poll::Ready(end);
        }
        Poll::Pending
    }

    fn poll_close(
        &mut self,
        cx: &mut Context<'_>,
        worker: &WorkerContext,
    ) -> Poll<Result<(), B::Error>> {
        if self.releasing.is_none() {
            if let Some(claiming) = self.claiming.as_mut() {
                let tasks = futures::ready!(claiming.poll_unpin(cx));
                self.claiming = None;
                self.ready.extend(tasks);
            }
            let unstarted: Vec<_> = self.ready.drain(..).collect();
            self.releasing = Some(release(self.writer.clone(), unstarted));
        }
        if !self.released
            && let Some(releasing) = self.releasing.as_mut()
        {
            futures::ready!(releasing.poll_unpin(cx));
            self.released = true;
        }
        // The queue then hands the entries of those tasks back (they were never acked).
        self.inner.poll_close(cx, worker)
    }
}

impl<B> BackendConfig for ClaimAhead<B>
where
    B: Backend<Task = Task<JobEnvelope>> + BackendConfig<Args = JobEnvelope>,
{
    type Args = JobEnvelope;
    type Id = B::Id;
    type Kind = B::Kind;
    type Config = B::Config;
    type Layer = B::Layer;

    fn config(&self) -> &B::Config {
        self.inner.config()
    }

    fn middleware(&mut self, worker: &mut WorkerContext) -> B::Layer {
        self.inner.middleware(worker)
    }
}
