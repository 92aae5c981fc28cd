//! Group commit of single pushes: one script call per flush, not one per push.
//!
//! Callers that append one job at a time (an API request, a retry) would each pay a
//! script call of their own, and Redis spends more on entering a script than on the two
//! commands a push needs: under 64 concurrent one-job enqueues, those calls were most
//! of Redis's work. The pushes of a producer's callers go through one bounded channel
//! instead; one task takes whatever is waiting (up to [`FLUSH_MAX`]) and appends it with
//! one [`Producer::push_many`], then answers each caller. The next flush starts as soon
//! as the previous one is answered, so an idle producer adds no wait and a busy one at
//! most one flush. A failed call fails every push of its flush (the caller sees the
//! error, as it would have for its own call); nothing is retried here.

use std::sync::{
    Arc,
    atomic::{AtomicU64, Ordering},
};

use tokio::sync::{mpsc, oneshot};

use super::{Producer, Push, StreamError};

/// Most pushes in one script call (one call holds Redis for a few microseconds a push).
const FLUSH_MAX: usize = 256;

/// Pushes waiting for a flush before callers wait for room.
const QUEUE_MAX: usize = 16 * FLUSH_MAX;

type Reply = oneshot::Sender<Result<(), redis::RedisError>>;

/// The callers' end of one producer's batcher. Cheap to clone.
#[derive(Clone)]
pub(super) struct PushBatcher {
    queue: mpsc::Sender<(Push, Reply)>,
    /// Script calls made (for tests: fewer than the pushes under concurrency).
    flushes: Arc<AtomicU64>,
}

impl PushBatcher {
    /// Spawns the flushing task on `producer` (a clone without a batcher of its own);
    /// the task ends once every clone of the batcher is dropped.
    pub(super) fn start(producer: Producer) -> Self {
        let (queue, rx) = mpsc::channel(QUEUE_MAX);
        let flushes = Arc::<AtomicU64>::default();
        tokio::spawn(run(producer, rx, flushes.clone()));
        Self { queue, flushes }
    }

    pub(super) fn flushes(&self) -> u64 {
        self.flushes.load(Ordering::Relaxed)
    }

    /// Queues one push (waiting for room when the queue is full) and waits for the
    /// flush that appends it.
    pub(super) async fn push(&self, push: Push) -> Result<(), StreamError> {
        let (reply, answer) = oneshot::channel();
        self.queue
            .send((push, reply))
            .await
            .map_err(|_| StreamError::ReaderStopped)?;
        answer
            .await
            .map_err(|_| StreamError::ReaderStopped)?
            .map_err(StreamError::from)
    }
}

async fn run(producer: Producer, mut rx: mpsc::Receiver<(Push, Reply)>, flushes: Arc<AtomicU64>) {
    let mut batch = Vec::with_capacity(FLUSH_MAX);
    // `recv_many` waits for the first push only, then takes what else is queued.
    while rx.recv_many(&mut batch, FLUSH_MAX).await > 0 {
        let (pushes, replies): (Vec<Push>, Vec<Reply>) = batch.drain(..).unzip();
        flushes.fetch_add(1, Ordering::Relaxed);
        let result = match producer.push_many(&pushes).await {
            Ok(_) => Ok(()),
            Err(StreamError::Redis(e)) => Err(e),
            Err(other) => Err(redis::RedisError::from((
                redis::ErrorKind::Client,
                "push batch",
                other.to_string(),
            ))),
        };
        for reply in replies {
            // A caller that stopped waiting still had its push appended.
            let _ = reply.send(result.clone());
        }
    }
}
