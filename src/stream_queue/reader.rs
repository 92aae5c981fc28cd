//! A worker's reader: one task blocking in `XREADGROUP` on a connection of its own, handing
//! entries to the worker over a bounded channel, promoting delayed entries when the
//! earliest falls due.
//!
//! The read blocks until an entry arrives, the earliest delayed entry falls due, or
//! `max_block` passes (so a stop request or a missed wake-up is noticed); it never sleeps
//! on a fixed interval. It reads only as many entries as the channel has room for, so a
//! busy worker leaves the rest to other workers.

use std::{
    collections::HashSet,
    sync::{
        Arc, Mutex,
        atomic::{AtomicI64, Ordering},
    },
    time::Duration,
};

use apalis::prelude::{Task, TaskBuilder, TaskId};
use redis::{
    AsyncConnectionConfig,
    aio::{ConnectionManager, MultiplexedConnection},
    streams::{StreamId, StreamReadReply},
};
use serde::de::DeserializeOwned;
use tokio::sync::{mpsc, watch};

use crate::reconnects::Reconnects;

use super::{EntryId, QueueConfig, StreamError, ack::Acker, config::GROUP, now_ms, scripts};

/// What a worker's reader, keeper and backend share.
pub(crate) struct Shared {
    pub(crate) cfg: Arc<QueueConfig>,
    pub(crate) consumer: String,
    /// Entries this worker holds (buffered or running): their leases are renewed.
    held: Mutex<HashSet<String>>,
    /// The earliest delayed entry's due time (ms), `i64::MAX` when none is known.
    next_due: AtomicI64,
}

impl Shared {
    pub(crate) fn new(cfg: Arc<QueueConfig>) -> Self {
        let consumer = format!("{}-{}", cfg.consumer_prefix, ulid::Ulid::generate());
        Self {
            cfg,
            consumer,
            held: Mutex::default(),
            // Unknown at start: look at once.
            next_due: AtomicI64::new(0),
        }
    }

    pub(crate) fn hold(&self, id: &str) {
        self.lock().insert(id.to_string());
    }

    /// Stops renewing an entry's lease (it finished, or is left to be reclaimed).
    pub(crate) fn release(&self, id: &str) {
        self.lock().remove(id);
    }

    pub(crate) fn held(&self) -> Vec<String> {
        self.lock().iter().cloned().collect()
    }

    /// Makes the reader wake for a delayed entry due at `at` (ms) if that is sooner.
    pub(crate) fn due_at(&self, at: i64) {
        self.next_due.fetch_min(at, Ordering::Relaxed);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashSet<String>> {
        self.held.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Creates the consumer group (and the stream) if missing.
pub(crate) async fn ensure_group<C: redis::aio::ConnectionLike>(
    conn: &mut C,
    stream: &str,
) -> Result<(), StreamError> {
    let created: redis::RedisResult<()> = redis::cmd("XGROUP")
        .arg("CREATE")
        .arg(stream)
        .arg(GROUP)
        .arg("0")
        .arg("MKSTREAM")
        .query_async(conn)
        .await;
    match created {
        Err(e) if e.code() != Some("BUSYGROUP") => Err(e.into()),
        _ => Ok(()),
    }
}

/// Builds the task a worker runs from one entry.
pub(crate) fn task_of<T>(args: T, id: &str, deliveries: usize) -> Task<T> {
    TaskBuilder::new(args)
        .task_id(TaskId::from_string(id))
        // apalis counts the attempt that is starting itself.
        .attempt(deliveries.saturating_sub(1))
        .data(EntryId(id.to_string()))
        .build()
}

/// Hands entries (read or reclaimed) to the worker.
pub(crate) struct Handoff<T> {
    pub(crate) conn: ConnectionManager,
    pub(crate) shared: Arc<Shared>,
    pub(crate) acker: Acker,
    pub(crate) tx: mpsc::Sender<Task<T>>,
}

impl<T> Clone for Handoff<T> {
    fn clone(&self) -> Self {
        Self {
            conn: self.conn.clone(),
            shared: self.shared.clone(),
            acker: self.acker.clone(),
            tx: self.tx.clone(),
        }
    }
}

/// One worker's reader.
pub(crate) struct Reader<T> {
    pub(crate) client: redis::Client,
    pub(crate) handoff: Handoff<T>,
    pub(crate) stop: watch::Receiver<bool>,
    pub(crate) reconnects: Reconnects,
}

impl<T: DeserializeOwned + Send + 'static> Reader<T> {
    /// Reads until stopped, reconnecting after errors with capped, jittered backoff. A run
    /// of failures is logged twice: a warning at its first, a line when it ends.
    pub(crate) async fn run(mut self) {
        loop {
            match self.session().await {
                Ok(()) => return,
                Err(e) => {
                    let (delay, first) = self.reconnects.failed();
                    let queue = &self.handoff.shared.cfg.queue;
                    if first {
                        tracing::warn!(queue = %queue, error = %e, "queue reader failed; reconnecting with backoff");
                    } else {
                        tracing::debug!(queue = %queue, error = %e, "queue reader failed again");
                    }
                    tokio::select! {
                        _ = tokio::time::sleep(delay) => {}
                        _ = self.stop.changed() => return,
                    }
                }
            }
        }
    }

    /// One connection's life: returns `Ok` only when stopped.
    async fn session(&mut self) -> Result<(), StreamError> {
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(5)))
            // A blocking read must not be cut short by a response timeout.
            .set_response_timeout(None);
        let mut conn = self
            .client
            .get_multiplexed_async_connection_with_config(&config)
            .await?;
        let stream = self.handoff.shared.cfg.stream_key();
        ensure_group(&mut conn, &stream).await?;
        if let Some(failures) = self.reconnects.connected() {
            let queue = &self.handoff.shared.cfg.queue;
            tracing::info!(queue = %queue, failures, "queue reader reconnected");
        }
        loop {
            if *self.stop.borrow() {
                return Ok(());
            }
            if self.handoff.shared.next_due.load(Ordering::Relaxed) <= now_ms() {
                self.promote().await?;
            }
            let Some(room) = self.room().await else {
                return Ok(());
            };
            let block = self.block_ms();
            let reply = tokio::select! {
                r = read(&mut conn, &stream, &self.handoff.shared.consumer, room, block) => r?,
                _ = self.stop.changed() => return Ok(()),
            };
            for entry in reply {
                if !self.handoff.dispatch(entry, 1).await {
                    return Ok(());
                }
            }
        }
    }

    /// Moves every due delayed entry to the stream, a bounded batch per call.
    async fn promote(&mut self) -> Result<(), StreamError> {
        let cfg = self.handoff.shared.cfg.clone();
        loop {
            let (moved, next): (usize, i64) = scripts::PROMOTE
                .key(cfg.delayed_key())
                .key(cfg.stream_key())
                .arg(now_ms())
                .arg(cfg.promote_batch)
                .invoke_async(&mut self.handoff.conn)
                .await?;
            let next = if next < 0 { i64::MAX } else { next };
            self.handoff.shared.next_due.store(next, Ordering::Relaxed);
            if moved < cfg.promote_batch {
                return Ok(());
            }
        }
    }

    /// Waits for room in the channel; `None` once the worker is gone or stopping.
    async fn room(&mut self) -> Option<usize> {
        if self.handoff.tx.capacity() == 0 {
            tokio::select! {
                permit = self.handoff.tx.reserve() => drop(permit.ok()?),
                _ = self.stop.changed() => return None,
            }
        }
        Some(
            self.handoff
                .tx
                .capacity()
                .clamp(1, self.handoff.shared.cfg.read_count.max(1)),
        )
    }

    /// How long the next read may block: until the earliest delayed entry, at most
    /// `max_block`, at least a millisecond (0 would block forever).
    fn block_ms(&self) -> u64 {
        let max = u64::try_from(self.handoff.shared.cfg.max_block.as_millis()).unwrap_or(u64::MAX);
        let due = self.handoff.shared.next_due.load(Ordering::Relaxed);
        let until_due = u64::try_from(due.saturating_sub(now_ms())).unwrap_or(0);
        until_due.min(max).max(1)
    }
}

impl<T: DeserializeOwned + Send + 'static> Handoff<T> {
    /// Hands one entry to the worker; `false` once the worker is gone.
    pub(crate) async fn dispatch(&mut self, entry: StreamId, deliveries: usize) -> bool {
        if let Some(due) = entry.get::<i64>("w") {
            // A wake-up: an earlier delayed entry was filed. Nothing to run.
            self.shared.due_at(due);
            self.acker.ack(entry.id);
            return true;
        }
        let Some(payload) = entry.get::<Vec<u8>>("p") else {
            self.acker.ack(entry.id);
            return true;
        };
        match serde_json::from_slice::<T>(&payload) {
            Ok(args) => {
                self.shared.hold(&entry.id);
                let task = task_of(args, &entry.id, deliveries);
                self.tx.send(task).await.is_ok()
            }
            Err(e) => {
                self.set_aside(&entry.id, &payload, &e.to_string()).await;
                true
            }
        }
    }

    /// Keeps an undecodable entry for an operator instead of delivering it forever.
    async fn set_aside(&mut self, id: &str, payload: &[u8], error: &str) {
        tracing::error!(queue = %self.shared.cfg.queue, entry = id, error, "undecodable queue entry set aside");
        let kept: redis::RedisResult<()> = redis::cmd("XADD")
            .arg(self.shared.cfg.dead_key())
            .arg("MAXLEN")
            .arg("~")
            .arg(10_000)
            .arg("*")
            .arg("p")
            .arg(payload)
            .arg("error")
            .arg(error)
            .query_async(&mut self.conn)
            .await;
        if kept.is_ok() {
            self.acker.ack(id.to_string());
        }
    }
}

/// One blocking `XREADGROUP` for new entries.
async fn read(
    conn: &mut MultiplexedConnection,
    stream: &str,
    consumer: &str,
    count: usize,
    block_ms: u64,
) -> Result<Vec<StreamId>, StreamError> {
    let reply: Option<StreamReadReply> = redis::cmd("XREADGROUP")
        .arg("GROUP")
        .arg(GROUP)
        .arg(consumer)
        .arg("COUNT")
        .arg(count)
        .arg("BLOCK")
        .arg(block_ms)
        .arg("STREAMS")
        .arg(stream)
        .arg(">")
        .query_async(conn)
        .await?;
    Ok(reply
        .map(|r| r.keys.into_iter().flat_map(|k| k.ids).collect())
        .unwrap_or_default())
}
