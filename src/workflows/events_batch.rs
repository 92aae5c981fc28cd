//! Group commit of job events: one round trip to Redis per flush, not per event.
//!
//! Every [`super::events::EventBus`] clone of a process feeds one bounded channel; one
//! task takes whatever is waiting (up to [`FLUSH_MAX`]), sends it as one pipeline of
//! `EVALSHA` calls, and answers each caller with its own result. The next flush starts
//! as soon as the previous one is answered, so an idle process adds no wait and a busy
//! one waits at most one flush. One script call per event keeps every key a script
//! touches in its `KEYS` and the keys of different jobs apart (Redis Cluster can route
//! each call by its job's keys).
//!
//! Ordering needs nothing more: a caller awaits its event's id before it publishes the
//! next, so that next one goes in a later flush, which Redis runs after the earlier one.
//! The channel is bounded so that a slow Redis holds publishers back instead of growing
//! the queue.

use std::sync::{
    Arc,
    atomic::{AtomicU64, Ordering},
};

use redis::{ErrorKind, RedisError, RedisResult, ServerErrorKind, aio::ConnectionManager};
use tokio::sync::{mpsc, oneshot};

/// Most events written in one round trip: a pipeline this size stays well under a
/// millisecond of Redis time, so other clients of the connection are not held up long.
const FLUSH_MAX: usize = 256;

/// Events waiting for a flush before publishers wait for room.
const QUEUE_MAX: usize = 16 * FLUSH_MAX;

/// Numbers one event, stores it in the job's capped stream and publishes it.
/// KEYS: the job's sequence, the job's stream. ARGV: the body without its id, the
/// stream's MAXLEN, the keys' TTL in seconds, the channel.
const PUBLISH_SCRIPT: &str = r#"
local n = redis.call('INCR', KEYS[1])
local payload = '{"id":' .. n .. ',' .. string.sub(ARGV[1], 2)
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], n .. '-0', 'e', payload)
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('EXPIRE', KEYS[2], ARGV[3])
redis.call('PUBLISH', ARGV[4], payload)
return n
"#;

/// One event ready to write: its job's keys and its JSON body without the id.
pub(super) struct Entry {
    pub seq_key: String,
    pub stream_key: String,
    pub body: String,
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

/// An event waiting in the queue with the caller's answer slot.
struct Pending {
    entry: Entry,
    reply: oneshot::Sender<RedisResult<u64>>,
}

/// The publishers' end of the batcher. Cheap to clone.
#[derive(Clone)]
pub(super) struct Batcher {
    queue: mpsc::Sender<Pending>,
    counters: Arc<Counters>,
}

impl Batcher {
    /// Spawns the flushing task; it ends once every clone of the batcher is dropped.
    pub(super) fn start(target: Target) -> Self {
        let (queue, rx) = mpsc::channel(QUEUE_MAX);
        let counters = Arc::<Counters>::default();
        let writer = Writer {
            hash: redis::Script::new(PUBLISH_SCRIPT).get_hash().to_string(),
            target,
            counters: counters.clone(),
        };
        tokio::spawn(writer.run(rx));
        Self { queue, counters }
    }

    /// Queues one event (waiting for room if the queue is full) and waits for its id.
    pub(super) async fn submit(&self, entry: Entry) -> RedisResult<u64> {
        let (reply, answer) = oneshot::channel();
        self.queue
            .send(Pending { entry, reply })
            .await
            .map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }

    pub(super) fn stats(&self) -> BatchStats {
        BatchStats {
            events: self.counters.events.load(Ordering::Relaxed),
            flushes: self.counters.flushes.load(Ordering::Relaxed),
            round_trips: self.counters.round_trips.load(Ordering::Relaxed),
        }
    }
}

/// The batcher's task: owns the receiving end and the connection it writes on.
struct Writer {
    /// The script's SHA1, for `EVALSHA`.
    hash: String,
    target: Target,
    counters: Arc<Counters>,
}

impl Writer {
    async fn run(mut self, mut rx: mpsc::Receiver<Pending>) {
        let mut batch = Vec::with_capacity(FLUSH_MAX);
        // `recv_many` waits for the first event only, then takes what else is queued.
        while rx.recv_many(&mut batch, FLUSH_MAX).await > 0 {
            let (entries, replies): (Vec<_>, Vec<_>) =
                batch.drain(..).map(|p| (p.entry, p.reply)).unzip();
            let results = self.flush(&entries).await;
            self.counters.flushes.fetch_add(1, Ordering::Relaxed);
            self.counters
                .events
                .fetch_add(entries.len() as u64, Ordering::Relaxed);
            for (reply, result) in replies.into_iter().zip(results) {
                // A caller that stopped waiting still had its event written.
                let _ = reply.send(result);
            }
        }
    }

    /// Writes a batch; one result per entry, in order. Entries the server refused with
    /// NOSCRIPT (its script cache was flushed, or it restarted) ran nothing: they are
    /// sent again, once, with the script's source (`EVAL`), which cannot be refused so
    /// and caches the script for the next flush.
    async fn flush(&mut self, entries: &[Entry]) -> Vec<RedisResult<u64>> {
        let all: Vec<&Entry> = entries.iter().collect();
        let mut results = match self.write(&all, Call::Cached).await {
            Ok(results) => results,
            Err(e) => return vec![Err(e); entries.len()],
        };
        let missing: Vec<usize> = (0..results.len())
            .filter(|&i| matches!(&results[i], Err(e) if is_noscript(e)))
            .collect();
        if missing.is_empty() {
            return results;
        }
        tracing::info!(
            events = missing.len(),
            "event script not cached by Redis; sending its source"
        );
        let again: Vec<&Entry> = missing.iter().map(|&i| &entries[i]).collect();
        match self.write(&again, Call::Source).await {
            Ok(retried) => missing.into_iter().zip(retried).for_each(|(i, r)| {
                results[i] = r;
            }),
            Err(e) => missing
                .into_iter()
                .for_each(|i| results[i] = Err(e.clone())),
        }
        results
    }

    /// One pipeline of script calls. Errors of single calls come back in their slots
    /// (`ignore_errors`); only a failure of the whole request is an `Err`.
    async fn write(
        &mut self,
        entries: &[&Entry],
        call: Call,
    ) -> RedisResult<Vec<RedisResult<u64>>> {
        let target = &self.target;
        let mut pipe = redis::pipe();
        pipe.ignore_errors();
        for entry in entries {
            let cmd = match call {
                Call::Cached => pipe.cmd("EVALSHA").arg(&self.hash),
                Call::Source => pipe.cmd("EVAL").arg(PUBLISH_SCRIPT),
            };
            cmd.arg(2)
                .arg(&entry.seq_key)
                .arg(&entry.stream_key)
                .arg(&entry.body)
                .arg(target.max_len)
                .arg(target.ttl_secs)
                .arg(&target.channel);
        }
        self.counters.round_trips.fetch_add(1, Ordering::Relaxed);
        let mut conn = target.conn.clone();
        let results: Vec<RedisResult<u64>> = pipe.query_async(&mut conn).await?;
        if results.len() != entries.len() {
            return Err(RedisError::from((
                ErrorKind::Client,
                "event pipeline answered a different number of replies",
            )));
        }
        Ok(results)
    }
}

/// How a pipeline names the script: by hash (the usual case) or by its source.
#[derive(Clone, Copy)]
enum Call {
    Cached,
    Source,
}

fn is_noscript(e: &RedisError) -> bool {
    e.kind() == ErrorKind::Server(ServerErrorKind::NoScript)
}

/// The task is gone: only when the runtime is shutting down.
fn stopped() -> RedisError {
    RedisError::from((ErrorKind::Io, "the event batcher has stopped"))
}
