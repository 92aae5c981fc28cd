//! One kind's lane: a bounded channel of requests, each with a oneshot for its answer,
//! and the task that drains it in batches.
//!
//! The task takes a flush permit first and only then the waiting requests, so while
//! every permitted flush is running, new requests gather in the channel and go out
//! together in the next one; when nothing runs, a request is written at once.

use std::{
    collections::HashSet,
    future::Future,
    sync::Arc,
    time::{Duration, Instant},
};

use sqlx::PgPool;
use tokio::{
    sync::{
        Semaphore,
        mpsc::{self, error::SendTimeoutError},
        oneshot,
    },
    task::JoinSet,
};
use uuid::Uuid;

use super::{WriteError, WriterConfig};
use crate::telemetry::Metrics;

/// One kind of transition: how its rows are written together and alone.
pub(super) trait Kind: 'static {
    /// The metric label.
    const NAME: &'static str;
    /// One caller's request.
    type Row: Send + Sync + 'static;
    /// What the caller is told once its row is committed.
    type Answer: Send + 'static;

    /// Rows of the table a request writes (an `insert_many` writes several).
    fn size(_row: &Self::Row) -> usize {
        1
    }
    /// The job a request updates, if two for the same job must not share a statement
    /// (an update joined twice to one row would apply only one of them).
    fn key(_row: &Self::Row) -> Option<Uuid> {
        None
    }
    /// Writes all rows in one statement; the answers are in the rows' order.
    fn write_all(
        pool: &PgPool,
        rows: &[Self::Row],
    ) -> impl Future<Output = sqlx::Result<Vec<Self::Answer>>> + Send;
    /// Writes one request on its own, after its batch failed.
    fn write_one(
        pool: &PgPool,
        row: &Self::Row,
    ) -> impl Future<Output = sqlx::Result<Self::Answer>> + Send;
}

type Reply<K> = oneshot::Sender<Result<<K as Kind>::Answer, WriteError>>;

struct Request<K: Kind> {
    row: K::Row,
    reply: Reply<K>,
}

/// The sending side of a lane; the task ends when every sender is dropped.
pub(super) struct Lane<K: Kind> {
    tx: mpsc::Sender<Request<K>>,
}

impl<K: Kind> Lane<K> {
    pub(super) fn start(pool: PgPool, cfg: WriterConfig, metrics: Arc<Metrics>) -> Self {
        let (tx, rx) = mpsc::channel(cfg.capacity);
        let flusher = Flusher { pool, metrics };
        tokio::spawn(run::<K>(rx, flusher, cfg));
        Self { tx }
    }

    /// Queues a request and awaits its answer. With `max_wait`, a full channel is
    /// waited on that long at most, then the request is refused as busy.
    pub(super) async fn call(
        &self,
        row: K::Row,
        max_wait: Option<Duration>,
    ) -> Result<K::Answer, WriteError> {
        self.submit(row, max_wait).await?.await
    }

    /// Queues a request (waiting for room as [`Lane::call`] does) and returns its answer
    /// to await later: the request is written whether or not anyone awaits it.
    pub(super) async fn submit(
        &self,
        row: K::Row,
        max_wait: Option<Duration>,
    ) -> Result<impl Future<Output = Result<K::Answer, WriteError>> + Send + 'static, WriteError>
    {
        let (reply, answer) = oneshot::channel();
        let request = Request { row, reply };
        match max_wait {
            None => self
                .tx
                .send(request)
                .await
                .map_err(|_| WriteError::Stopped)?,
            Some(wait) => self
                .tx
                .send_timeout(request, wait)
                .await
                .map_err(|e| match e {
                    SendTimeoutError::Timeout(_) => WriteError::Busy,
                    SendTimeoutError::Closed(_) => WriteError::Stopped,
                })?,
        }
        // Once queued, the request is written even if this caller goes away.
        Ok(async move { answer.await.map_err(|_| WriteError::Stopped)? })
    }
}

/// The lane's task: batches until the channel is closed and empty, then waits for the
/// flushes still running, so nothing accepted is dropped.
async fn run<K: Kind>(mut rx: mpsc::Receiver<Request<K>>, flusher: Flusher, cfg: WriterConfig) {
    let permits = Arc::new(Semaphore::new(cfg.flushes));
    let mut running = JoinSet::new();
    // A request that could not join the previous batch (a second one for the same job,
    // or one that would overflow it) opens the next.
    let mut carried: Option<Request<K>> = None;
    loop {
        let Ok(permit) = permits.clone().acquire_owned().await else {
            break; // Never closed; a closed semaphore would mean no more flushes anyway.
        };
        let first = match carried.take() {
            Some(request) => request,
            None => match rx.recv().await {
                Some(request) => request,
                None => break,
            },
        };
        let batch = gather(first, &mut rx, &mut carried, cfg.max_batch);
        let flusher = flusher.clone();
        running.spawn(async move {
            flusher.flush::<K>(batch).await;
            drop(permit);
        });
        // Reap finished flushes so the set stays as small as the permits.
        while running.try_join_next().is_some() {}
    }
    while running.join_next().await.is_some() {}
}

/// The first request and whatever else is waiting, up to `max_rows` rows and one
/// request per job.
fn gather<K: Kind>(
    first: Request<K>,
    rx: &mut mpsc::Receiver<Request<K>>,
    carried: &mut Option<Request<K>>,
    max_rows: usize,
) -> Vec<Request<K>> {
    let mut rows = K::size(&first.row);
    let mut jobs: HashSet<Uuid> = K::key(&first.row).into_iter().collect();
    let mut batch = vec![first];
    while rows < max_rows {
        let Ok(next) = rx.try_recv() else { break };
        let size = K::size(&next.row);
        let repeated = K::key(&next.row).is_some_and(|job| !jobs.insert(job));
        if repeated || rows + size > max_rows {
            *carried = Some(next);
            break;
        }
        rows += size;
        batch.push(next);
    }
    batch
}

/// What a flush needs; cloned into each flush task.
#[derive(Clone)]
struct Flusher {
    pool: PgPool,
    metrics: Arc<Metrics>,
}

impl Flusher {
    /// Writes a batch in one statement and answers every caller.
    async fn flush<K: Kind>(&self, batch: Vec<Request<K>>) {
        let started = Instant::now();
        let (rows, replies): (Vec<K::Row>, Vec<Reply<K>>) =
            batch.into_iter().map(|r| (r.row, r.reply)).unzip();
        let size: usize = rows.iter().map(K::size).sum();
        match K::write_all(&self.pool, &rows).await {
            Ok(answers) => {
                for (reply, answer) in replies.into_iter().zip(answers) {
                    let _ = reply.send(Ok(answer));
                }
            }
            Err(e) if rows.len() > 1 && !is_outage(&e) => {
                tracing::debug!(kind = K::NAME, rows = size, error = %e, "batch failed; writing its requests one by one");
                for (row, reply) in rows.iter().zip(replies) {
                    let answer = K::write_one(&self.pool, row).await;
                    let _ = reply.send(answer.map_err(WriteError::from));
                }
            }
            Err(e) => fail_all(replies, e),
        }
        let labels = [K::NAME];
        let m = &self.metrics;
        m.record_flush_rows
            .with_label_values(&labels)
            .observe(size as f64);
        m.record_flush_duration
            .with_label_values(&labels)
            .observe(started.elapsed().as_secs_f64());
    }
}

/// Gives every caller the error: the first gets it as it came, the others a copy.
fn fail_all<T>(replies: Vec<oneshot::Sender<Result<T, WriteError>>>, e: sqlx::Error) {
    let mut replies = replies.into_iter();
    let Some(first) = replies.next() else { return };
    for reply in replies {
        let _ = reply.send(Err(WriteError::Database(copy_of(&e))));
    }
    let _ = first.send(Err(WriteError::Database(e)));
}

/// Errors that say the database cannot be reached or is going away: writing the rows
/// one by one would only fail the same way, once per row.
fn is_outage(e: &sqlx::Error) -> bool {
    use sqlx::Error as E;
    match e {
        E::Io(_) | E::Tls(_) | E::Protocol(_) | E::PoolTimedOut | E::PoolClosed => true,
        E::WorkerCrashed => true,
        // Connection exceptions (08), insufficient resources (53), operator intervention
        // such as a shutdown (57P): the server's way of saying the same.
        E::Database(db) => db
            .code()
            .is_some_and(|c| c.starts_with("08") || c.starts_with("53") || c.starts_with("57P")),
        _ => false,
    }
}

/// A stand-in for an error that cannot be cloned, of the same kind where the callers
/// branch on it (the API answers 503 to I/O and pool errors).
fn copy_of(e: &sqlx::Error) -> sqlx::Error {
    use sqlx::Error as E;
    match e {
        E::PoolTimedOut => E::PoolTimedOut,
        E::PoolClosed => E::PoolClosed,
        E::WorkerCrashed => E::WorkerCrashed,
        E::Protocol(message) => E::Protocol(message.clone()),
        E::Io(io) => E::Io(std::io::Error::new(io.kind(), io.to_string())),
        other => E::Io(std::io::Error::other(other.to_string())),
    }
}
