//! Appending jobs to a queue, and reading how deep it is.

use std::{
    sync::{Arc, OnceLock},
    time::Duration,
};

use redis::aio::ConnectionManager;
use serde::Serialize;

use super::{QueueConfig, StreamError, config::GROUP, now_ms, push_batch::PushBatcher, scripts};

/// One job to append: its deduplication key, its encoded payload, its delay.
#[derive(Debug, Clone)]
pub struct Push {
    /// A second push with the same key (within the TTL) is dropped.
    pub key: String,
    /// The payload as JSON.
    pub payload: String,
    /// Zero for now; otherwise the job is held until then.
    pub delay: Duration,
}

impl Push {
    pub fn new<T: Serialize>(key: &str, payload: &T, delay: Duration) -> Result<Self, StreamError> {
        Ok(Self {
            key: key.to_string(),
            payload: serde_json::to_string(payload)?,
            delay,
        })
    }
}

/// How many entries a queue holds, by where they are.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueueDepth {
    /// Appended and not yet read by any worker.
    pub waiting: i64,
    /// Read by a worker and not yet acknowledged (running, or buffered by a worker).
    pub in_flight: i64,
    /// Delayed: not due yet (or due and about to be promoted).
    pub delayed: i64,
}

/// Appends to one queue. Cheap to clone; clones share one batcher of single pushes.
#[derive(Clone)]
pub struct Producer {
    conn: ConnectionManager,
    cfg: Arc<QueueConfig>,
    /// Started at the first [`Producer::push_batched`] (inside a runtime, as it needs).
    batcher: Arc<OnceLock<PushBatcher>>,
}

impl Producer {
    pub fn new(conn: ConnectionManager, cfg: QueueConfig) -> Self {
        Self {
            conn,
            cfg: Arc::new(cfg),
            batcher: Arc::default(),
        }
    }

    pub fn config(&self) -> &QueueConfig {
        &self.cfg
    }

    /// Appends one job; `false` when its key was pushed before (nothing appended).
    pub async fn push<T: Serialize>(
        &self,
        key: &str,
        payload: &T,
        delay: Duration,
    ) -> Result<bool, StreamError> {
        let added = self.push_many(&[Push::new(key, payload, delay)?]).await?;
        Ok(added == 1)
    }

    /// Appends one job together with the other single pushes waiting at that moment, in
    /// one script call (see `push_batch`); resolves once it is appended (or was a
    /// duplicate). For callers that push one job at a time, concurrently.
    pub async fn push_batched(&self, push: Push) -> Result<(), StreamError> {
        let batcher = self.batcher.get_or_init(|| {
            // The task's producer has no batcher of its own: sharing this one would keep
            // the task's channel open for ever.
            PushBatcher::start(Self {
                conn: self.conn.clone(),
                cfg: self.cfg.clone(),
                batcher: Arc::default(),
            })
        });
        batcher.push(push).await
    }

    /// Script calls the batcher of single pushes has made (zero before its first push).
    pub fn batched_flushes(&self) -> u64 {
        self.batcher.get().map_or(0, PushBatcher::flushes)
    }

    /// Appends many jobs in one round trip; returns how many were new.
    pub async fn push_many(&self, pushes: &[Push]) -> Result<usize, StreamError> {
        if pushes.is_empty() {
            return Ok(0);
        }
        let now = now_ms();
        let mut call = scripts::ENQUEUE.prepare_invoke();
        call.key(self.cfg.stream_key()).key(self.cfg.delayed_key());
        call.arg(now).arg(self.cfg.dedupe_ttl.as_secs().max(1));
        for p in pushes {
            let delay = i64::try_from(p.delay.as_millis()).unwrap_or(i64::MAX);
            call.key(self.cfg.dedupe_key(&p.key));
            call.arg(now.saturating_add(delay))
                .arg(format!("{}\n{}", p.key, p.payload));
        }
        let mut conn = self.conn.clone();
        Ok(call.invoke_async(&mut conn).await?)
    }

    /// The queue's depth, read in one round trip.
    pub async fn depth(&self) -> Result<QueueDepth, StreamError> {
        let mut conn = self.conn.clone();
        let stream = self.cfg.stream_key();
        let (len, delayed): (i64, i64) = redis::pipe()
            .cmd("XLEN")
            .arg(&stream)
            .cmd("ZCARD")
            .arg(self.cfg.delayed_key())
            .query_async(&mut conn)
            .await?;
        // No group yet (no worker ever started): nothing is in flight.
        let pending: redis::RedisResult<redis::Value> = redis::cmd("XPENDING")
            .arg(&stream)
            .arg(GROUP)
            .query_async(&mut conn)
            .await;
        let in_flight = match pending {
            Ok(redis::Value::Array(items)) => match items.first() {
                Some(redis::Value::Int(n)) => *n,
                _ => 0,
            },
            _ => 0,
        };
        Ok(QueueDepth {
            waiting: (len - in_flight).max(0),
            in_flight,
            delayed,
        })
    }
}
