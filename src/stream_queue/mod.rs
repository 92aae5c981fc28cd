//! A job queue on Redis Streams, as an apalis 1.0 backend: producers append, workers
//! read with blocking `XREADGROUP` in a consumer group, nothing polls.
//!
//! This module depends on nothing else in Execora (only apalis, redis, tokio, serde and
//! backon), so it could be published on its own. One queue is one stream, one consumer group, a
//! sorted set of delayed deliveries and short-lived deduplication keys, all under one
//! hash tag (`{namespace:queue}`) so a queue lives in one Redis Cluster slot.
//!
//! - [`Producer`] appends jobs: one Lua call per batch sets each job's deduplication key
//!   and appends it (or files it as delayed), so a second push of the same key is a
//!   no-op in the same round trip.
//! - [`StreamBackend`] is what apalis's `WorkerBuilder` takes. Each worker has a reader
//!   task blocking in `XREADGROUP` on a connection of its own and handing entries to the
//!   worker over a bounded channel; its acknowledgements are batched (`XACK` + `XDEL` in
//!   one round trip every couple of milliseconds); a timer renews the lease of every entry
//!   it holds (`XCLAIM … JUSTID`) and reclaims entries whose worker died (`XAUTOCLAIM`)
//!   once they sat idle for a lease; a handler may defer its acknowledgement to a
//!   future of its own ([`AckAfter`]) and free its slot; delayed entries are promoted, in bounded batches, by
//!   whichever reader's blocking read times out first at their due time.
//!
//! Delivery is at least once: a handler that fails, panics or dies has its entry
//! delivered again after the lease. The handler must be idempotent (Execora's job record
//! makes a stale or repeated delivery a no-op). Needs Redis 7.0 or later.

mod ack;
mod backend;
mod config;
mod deferred;
mod housekeeping;
mod producer;
mod push_batch;
mod reader;
mod scripts;

#[cfg(test)]
mod tests;

pub use backend::{AckLayer, AckService, EntryId, StreamBackend};
pub use config::QueueConfig;
pub use deferred::AckAfter;
pub use producer::{Producer, Push, QueueDepth};

/// What can go wrong talking to the queue.
#[derive(Debug, thiserror::Error)]
pub enum StreamError {
    #[error("redis: {0}")]
    Redis(#[from] redis::RedisError),
    #[error("payload does not encode: {0}")]
    Encode(#[from] serde_json::Error),
    #[error("the queue's reader stopped")]
    ReaderStopped,
}

/// Milliseconds since the Unix epoch, the clock delayed entries are scored by.
pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}
