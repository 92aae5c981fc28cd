//! Group commit of job events: one round trip to Redis per flush, not per event.
//!
//! Every [`super::events::EventBus`] clone of a process feeds one bounded channel; one
//! task takes whatever is waiting (up to [`FLUSH_MAX`]), writes it with one call of one
//! script, and answers each caller with its own result. The next flush starts as soon as
//! the previous one is answered, so an idle process adds no wait and a busy one waits at
//! most one flush. One script call for the whole batch, not one per event: Redis spends
//! more on entering a script than on the one `XADD` an event needs. The key of each
//! event's job is still its own and passed in `KEYS` (on a Redis Cluster a batch would
//! be split by slot).
//!
//! Ordering needs nothing more: a caller awaits its event's id before it publishes the
//! next, so that next one goes in a later flush, which Redis runs after the earlier one.
//! The channel is bounded so that a slow Redis holds publishers back instead of growing
//! the queue.
//!
//! Redis unreachable (stopped, restarting, loading its data, failing over) is not a
//! reason to drop events: a batch whose call failed so is sent again, with backoff, until
//! it is written, and nothing behind it goes first, so the events of a job keep their
//! order and their ids stay gapless. Once Redis has lost a job's events (its data, or the
//! keys' TTL), the next event of that job would restart the numbering at 1 unseen: the
//! script writes a `reload` event first (docs/websocket.md), which tells followers to
//! reload the job and take the ids that follow as a new numbering.

use std::{
    sync::{
        Arc, PoisonError,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use redis::{
    ErrorKind, FromRedisValue, RedisError, RedisResult, ServerErrorKind, Value,
    aio::ConnectionManager,
};
use tokio::sync::{mpsc, oneshot};

use super::events_script;

/// Most events written in one round trip. It bounds how long one script call holds Redis
/// (a few microseconds per event, so a millisecond or so) and so how long a publisher
/// that arrives during a full flush waits for the next.
const FLUSH_MAX: usize = 256;

/// Events waiting for a flush before publishers wait for room.
const QUEUE_MAX: usize = 16 * FLUSH_MAX;

/// One event ready to write: its job's stream and its JSON body without the id.
pub(super) struct Entry {
    pub job_id: uuid::Uuid,
    pub stream_key: String,
    pub body: String,
    /// The job's first event (`accepted`): the one event that may find no stream.
    pub first: bool,
}

/// Where and how events are written; fixed for the life of a bus.
pub(super) struct Target {
    pub conn: ConnectionManager,
    pub channel: String,
    pub max_len: usize,
    pub ttl_secs: u64,
}

/// Counters of one batcher, for tests and diagnostics: `events / flushes` is the
/// average batch.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BatchStats {
    /// Events answered (with an id or an error).
    pub events: u64,
    /// Batches taken from the queue.
    pub flushes: u64,
    /// Requests sent to Redis: one per flush, plus one per flush that met NOSCRIPT.
    pub round_trips: u64,
}

#[derive(Default)]
struct Counters {
    events: AtomicU64,
    flushes: AtomicU64,
    round_trips: AtomicU64,
}

/// What waits in the queue: an event with the caller's answer slot (none when the
/// caller does not wait: its failure is logged here), or a request to be told once
/// everything queued before it is written.
enum Pending {
    Event {
        entry: Entry,
        reply: Option<oneshot::Sender<RedisResult<u64>>>,
    },
    Flushed(oneshot::Sender<()>),
}

/// The publishers' end of the batcher. Cheap to clone.
#[derive(Clone)]
pub(super) struct Batcher {
    queue: mpsc::Sender<Pending>,
    counters: Arc<Counters>,
    parking: Arc<Parking>,
}

/// Giving up on Redis at exit: once `on`, a batch Redis refuses is kept in `parked`
/// (for the caller to store elsewhere) instead of being retried for ever.
#[derive(Default)]
struct Parking {
    on: std::sync::atomic::AtomicBool,
    /// Cuts short the wait between two attempts.
    wake: tokio::sync::Notify,
    parked: std::sync::Mutex<Vec<Entry>>,
}

impl Batcher {
    /// Spawns the flushing task; it ends once every clone of the batcher is dropped.
    pub(super) fn start(target: Target) -> Self {
        let (queue, rx) = mpsc::channel(QUEUE_MAX);
        let counters = Arc::<Counters>::default();
        let parking = Arc::<Parking>::default();
        let writer = Writer {
            hash: redis::Script::new(events_script::PUBLISH_SCRIPT)
                .get_hash()
                .to_string(),
            target,
            counters: counters.clone(),
            parking: parking.clone(),
        };
        tokio::spawn(writer.run(rx));
        Self {
            queue,
            counters,
            parking,
        }
    }

    /// Stops writing: every event not yet written, queued so far or later, is handed
    /// back in queue order instead (callers waiting on those events get an error); a
    /// later call hands back what was queued since. For the exit of a process whose
    /// Redis is unreachable: its events go to storage that is, rather than being lost,
    /// and none is written to Redis ahead of the parked ones of its job.
    pub(super) async fn park_unwritten(&self) -> Vec<Entry> {
        self.parking.on.store(true, Ordering::Relaxed);
        self.parking.wake.notify_one();
        // Everything queued before this point is written or parked once this resolves.
        self.flushed().await;
        let mut parked = self
            .parking
            .parked
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        std::mem::take(&mut *parked)
    }

    /// Queues one event (waiting for room if the queue is full) and waits for its id.
    pub(super) async fn submit(&self, entry: Entry) -> RedisResult<u64> {
        let (reply, answer) = oneshot::channel();
        let event = Pending::Event {
            entry,
            reply: Some(reply),
        };
        self.queue.send(event).await.map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }

    /// Queues one event (waiting for room if the queue is full) without waiting for it
    /// to be written. Order still holds: the queue is written first in, first out, one
    /// flush at a time, so a later event of the same job gets a higher id.
    pub(super) async fn submit_detached(&self, entry: Entry) -> RedisResult<()> {
        let event = Pending::Event { entry, reply: None };
        self.queue.send(event).await.map_err(|_| stopped())
    }

    /// Resolves once every event queued before this call has been written (or failed).
    pub(super) async fn flushed(&self) {
        let (tx, rx) = oneshot::channel();
        if self.queue.send(Pending::Flushed(tx)).await.is_ok() {
            let _ = rx.await;
        }
    }

    /// Whether [`Batcher::park_unwritten`] has been called.
    pub(super) fn parking(&self) -> bool {
        self.parking.on.load(Ordering::Relaxed)
    }

    pub(super) fn stats(&self) -> BatchStats {
        BatchStats {
            events: self.counters.events.load(Ordering::Relaxed),
            flushes: self.counters.flushes.load(Ordering::Relaxed),
            round_trips: self.counters.round_trips.load(Ordering::Relaxed),
        }
    }
}

/// The batcher's task: turns queued events into script calls and answers.
struct Writer {
    /// The script's SHA1, for `EVALSHA`.
    hash: String,
    target: Target,
    counters: Arc<Counters>,
    parking: Arc<Parking>,
}

impl Writer {
    async fn run(mut self, mut rx: mpsc::Receiver<Pending>) {
        let mut batch = Vec::with_capacity(FLUSH_MAX);
        // `recv_many` waits for the first event only, then takes what else is queued.
        while rx.recv_many(&mut batch, FLUSH_MAX).await > 0 {
            let mut entries = Vec::with_capacity(batch.len());
            let mut replies = Vec::with_capacity(batch.len());
            let mut flushed = Vec::new();
            for pending in batch.drain(..) {
                match pending {
                    Pending::Event { entry, reply } => {
                        entries.push(entry);
                        replies.push(reply);
                    }
                    Pending::Flushed(tx) => flushed.push(tx),
                }
            }
            let count = entries.len();
            let results = match self.flush_until_written(&entries).await {
                Some(results) => results,
                None => {
                    let mut parked = self
                        .parking
                        .parked
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner);
                    parked.extend(entries);
                    vec![Err(parked_error()); count]
                }
            };
            self.counters.flushes.fetch_add(1, Ordering::Relaxed);
            self.counters
                .events
                .fetch_add(count as u64, Ordering::Relaxed);
            for (reply, result) in replies.into_iter().zip(results) {
                match (reply, result) {
                    // A caller that stopped waiting still had its event written.
                    (Some(reply), result) => drop(reply.send(result)),
                    (None, Err(e)) => tracing::warn!(error = %e, "job event not published"),
                    (None, Ok(_)) => {}
                }
            }
            for tx in flushed {
                let _ = tx.send(());
            }
        }
    }

    /// Writes a batch, sending it again while Redis is unreachable; one result per
    /// entry, in order, or `None` when it was not written and parking is on. Nothing queued behind it is written before it, so a job's events
    /// keep their order through an outage. One warning when the outage starts and one
    /// line when the batch is written, not one per attempt.
    async fn flush_until_written(&mut self, entries: &[Entry]) -> Option<Vec<RedisResult<u64>>> {
        let mut delays = retry_delays();
        let mut failing = false;
        loop {
            // Once parking, everything is parked: an event written now would go ahead of
            // the parked ones of its job.
            if self.parking.on.load(Ordering::Relaxed) {
                return None;
            }
            match self.flush(entries).await {
                Err(e) if crate::health::is_transient(&e) => {
                    if !failing {
                        tracing::warn!(error = %e, events = entries.len(), "job events not written; retrying until Redis answers");
                        failing = true;
                    }
                    let delay = delays.next().unwrap_or(RETRY_MAX);
                    tokio::select! {
                        () = tokio::time::sleep(delay) => {}
                        () = self.parking.wake.notified() => {}
                    }
                }
                Err(e) => return Some(vec![Err(e); entries.len()]),
                Ok(results) => {
                    if failing {
                        tracing::info!(
                            events = entries.len(),
                            "job events written after Redis came back"
                        );
                    }
                    return Some(results);
                }
            }
        }
    }

    /// Writes a batch once; one result per entry, in order, or the error of the whole
    /// call. A server that refused the script's hash with NOSCRIPT (its script cache was
    /// flushed, or it restarted) ran nothing: the batch goes again with the script's
    /// source (`EVAL`), which cannot be refused so and caches the script for the next
    /// flush.
    async fn flush(&mut self, entries: &[Entry]) -> RedisResult<Vec<RedisResult<u64>>> {
        let replies = match self.call(entries, Call::Cached).await {
            Err(e) if is_noscript(&e) => {
                tracing::info!("event script not cached by Redis; sending its source");
                self.call(entries, Call::Source).await?
            }
            other => other?,
        };
        if replies.len() != entries.len() {
            let e = RedisError::from((ErrorKind::Client, "event script: wrong reply count"));
            return Ok(vec![Err(e); entries.len()]);
        }
        Ok(replies.into_iter().map(event_result).collect())
    }

    /// One call of the script for the whole batch.
    async fn call(&mut self, entries: &[Entry], call: Call) -> RedisResult<Vec<Value>> {
        let target = &self.target;
        let mut cmd = match call {
            Call::Cached => redis::cmd("EVALSHA").arg(&self.hash).to_owned(),
            Call::Source => redis::cmd("EVAL")
                .arg(events_script::PUBLISH_SCRIPT)
                .to_owned(),
        };
        cmd.arg(entries.len());
        for entry in entries {
            cmd.arg(&entry.stream_key);
        }
        cmd.arg(target.max_len)
            .arg(target.ttl_secs)
            .arg(&target.channel);
        for entry in entries {
            // The flag and the body in one argument: `1{…}` or `0{…}`.
            let flag = if entry.first { "1" } else { "0" };
            cmd.arg(format!("{flag}{}", entry.body));
        }
        self.counters.round_trips.fetch_add(1, Ordering::Relaxed);
        let mut conn = target.conn.clone();
        cmd.query_async(&mut conn).await
    }
}

/// The cap of the wait between two attempts to write a batch while Redis is
/// unreachable, before jitter (which adds up to as much again).
const RETRY_MAX: Duration = Duration::from_secs(1);

/// Waits between attempts: from 50 ms, doubling up to [`RETRY_MAX`], jittered, never
/// giving up (the events must be written; the bounded queue holds publishers back).
fn retry_delays() -> impl Iterator<Item = Duration> {
    use backon::BackoffBuilder;
    backon::ExponentialBuilder::default()
        .with_min_delay(Duration::from_millis(50))
        .with_max_delay(RETRY_MAX)
        .with_jitter()
        .without_max_times()
        .build()
}

/// How a call names the script: by hash (the usual case) or by its source.
#[derive(Clone, Copy)]
enum Call {
    Cached,
    Source,
}

/// One event's slot of the script's reply: its id, or the text of its error.
fn event_result(reply: Value) -> RedisResult<u64> {
    match reply {
        Value::Int(id) => u64::try_from(id)
            .map_err(|_| RedisError::from((ErrorKind::Client, "event script: negative id"))),
        other => {
            let text = String::from_redis_value(other).unwrap_or_default();
            Err(RedisError::from((
                ErrorKind::Server(ServerErrorKind::ResponseError),
                "event not written",
                text,
            )))
        }
    }
}

fn is_noscript(e: &RedisError) -> bool {
    e.kind() == ErrorKind::Server(ServerErrorKind::NoScript)
}

/// What a caller whose event was parked (see [`Batcher::park_unwritten`]) is told.
fn parked_error() -> RedisError {
    RedisError::from((ErrorKind::Io, "Redis unreachable; the event was parked"))
}

/// The task is gone: only when the runtime is shutting down.
fn stopped() -> RedisError {
    RedisError::from((ErrorKind::Io, "the event batcher has stopped"))
}
