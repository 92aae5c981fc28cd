//! Job events: numbered per job, kept in Redis for replay, published for live delivery.
//!
//! A Lua script does the `XADD` to the job's capped stream, whose entry ids (`0-1`,
//! `0-2`, …) are the events' ids, and the `PUBLISH`, so the id a subscriber sees live is
//! the id replay returns, and ids per job increase by exactly one. A client that saw
//! event `n` asks for `after = n` and gets `n+1…` from the stream; a gap seen live is
//! filled the same way. One published message carries the events of one flush, a line
//! each ([`EventBus::decode_all`]).
//!
//! Events do not cost a round trip each: [`EventBus::publish`] hands its event to the
//! process's batcher (`events_batch`), which writes everything waiting with one script
//! call and answers each caller with its own event's id.

use backon::Retryable;
use chrono::{DateTime, Utc};
use redis::aio::ConnectionManager;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

pub use super::events_batch::BatchStats;
use super::events_batch::{Batcher, Entry, Target};

/// One event of one job, as stored, published and sent to WebSocket clients.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct JobEvent {
    /// Per job, starting at 1, increasing by one.
    pub id: u64,
    pub job_id: Uuid,
    pub tenant_id: Uuid,
    pub kind: String,
    pub data: Value,
    pub ts: DateTime<Utc>,
}

/// An event a process could not write to Redis before it exited: its job and its body
/// without the id (numbered when it is finally written).
#[derive(Debug, Clone, PartialEq)]
pub struct ParkedEvent {
    pub job_id: Uuid,
    pub body: String,
    /// The job's first event (see `events_batch::Entry`).
    pub first: bool,
}

/// Event kinds after which a job will not change again on its own.
pub const TERMINAL_KINDS: &[&str] = &["succeeded", "failed", "dead", "cancelled"];

/// The event that restarts a job's numbering at 1 after Redis lost its earlier events
/// (written by the publish script, see `events_batch`): followers reload the job
/// (`GET /jobs/{id}`) and take the ids after it as new.
pub const RELOAD_KIND: &str = "reload";

/// The body published before the id is known; the script prepends `"id":n`.
#[derive(Serialize)]
struct Unnumbered<'a> {
    job_id: Uuid,
    tenant_id: Uuid,
    kind: &'a str,
    data: &'a Value,
    ts: DateTime<Utc>,
}

/// An event as its stream stores it: the body without the id, which is the entry's.
#[derive(Deserialize)]
struct Stored {
    job_id: Uuid,
    tenant_id: Uuid,
    kind: String,
    data: Value,
    ts: DateTime<Utc>,
}

/// Writes and reads job events. Cheap to clone; every clone shares one batcher.
#[derive(Clone)]
pub struct EventBus {
    /// For replay; the batcher writes on a clone of it.
    conn: ConnectionManager,
    namespace: String,
    batcher: Batcher,
}

impl EventBus {
    /// Starts the batching task, so it must be called inside a Tokio runtime (as the
    /// connection manager already was). The task ends when the last clone is dropped.
    pub fn new(conn: ConnectionManager, namespace: &str, max_len: usize, ttl_secs: u64) -> Self {
        let batcher = Batcher::start(Target {
            conn: conn.clone(),
            channel: channel_name(namespace),
            max_len,
            ttl_secs,
        });
        Self {
            conn,
            namespace: namespace.to_string(),
            batcher,
        }
    }

    /// The pub/sub channel every server process listens on.
    pub fn channel(&self) -> String {
        channel_name(&self.namespace)
    }

    fn stream_key(&self, job: Uuid) -> String {
        format!("{}:events:{job}", self.namespace)
    }

    /// Numbers, stores and publishes one event; returns its id once Redis has it. An
    /// event published after this call returned gets a higher id. A producer span: the
    /// WebSocket delivery that follows is another process's business.
    #[tracing::instrument(
        name = "job.event",
        skip_all,
        fields(otel.name = %format!("publish {kind}"), otel.kind = "producer", job_id = %job_id, kind = kind)
    )]
    pub async fn publish(
        &self,
        job_id: Uuid,
        tenant_id: Uuid,
        kind: &str,
        data: Value,
    ) -> redis::RedisResult<u64> {
        let entry = self.entry(job_id, tenant_id, kind, &data)?;
        self.batcher.submit(entry).await
    }

    /// Numbers, stores and publishes one event without waiting for Redis: it returns
    /// once the event is queued (after waiting for room if the queue is full). Events of
    /// one job queued one after the other keep their order and get consecutive ids; a
    /// failure is logged by the batcher. Workers use this, so a job's slot is not held
    /// for an event's round trip; [`EventBus::flushed`] waits for what was queued.
    pub async fn emit(
        &self,
        job_id: Uuid,
        tenant_id: Uuid,
        kind: &str,
        data: Value,
    ) -> redis::RedisResult<()> {
        let entry = self.entry(job_id, tenant_id, kind, &data)?;
        self.batcher.submit_detached(entry).await
    }

    /// Resolves once every event queued before the call is written (at shutdown).
    pub async fn flushed(&self) {
        self.batcher.flushed().await;
    }

    fn entry(
        &self,
        job_id: Uuid,
        tenant_id: Uuid,
        kind: &str,
        data: &Value,
    ) -> redis::RedisResult<Entry> {
        let body = serde_json::to_string(&Unnumbered {
            job_id,
            tenant_id,
            kind,
            data,
            ts: Utc::now(),
        })
        .map_err(|e| redis::RedisError::from((redis::ErrorKind::Io, "encode", e.to_string())))?;
        // Keys are named here, in the caller's task, so the batcher only writes.
        Ok(Entry {
            job_id,
            stream_key: self.stream_key(job_id),
            body,
            // An operator's retry announces `accepted` again, with earlier events before it.
            first: kind == "accepted" && data.get("retry").is_none(),
        })
    }

    /// Gives up on Redis (at exit, when it is unreachable): every event not yet written
    /// is returned in order instead of being retried for ever, and later ones are kept
    /// for the next call (so nothing goes to Redis ahead of them),
    /// for [`super::events_park`] to keep in PostgreSQL until a process can write it.
    pub async fn park_unwritten(&self) -> Vec<ParkedEvent> {
        let entries = self.batcher.park_unwritten().await;
        entries
            .into_iter()
            .map(|e| ParkedEvent {
                job_id: e.job_id,
                body: e.body,
                first: e.first,
            })
            .collect()
    }

    /// Whether this bus parks its events instead of writing them (after
    /// [`EventBus::park_unwritten`]).
    pub fn parking(&self) -> bool {
        self.batcher.parking()
    }

    /// Writes a parked event as it would have been written (its body, its time), with
    /// the next id of its job; returns that id.
    pub async fn publish_parked(&self, event: ParkedEvent) -> redis::RedisResult<u64> {
        let entry = Entry {
            job_id: event.job_id,
            stream_key: self.stream_key(event.job_id),
            body: event.body,
            first: event.first,
        };
        self.batcher.submit(entry).await
    }

    /// Counters of the batcher since this bus was created (shared by its clones).
    pub fn batch_stats(&self) -> BatchStats {
        self.batcher.stats()
    }

    /// Events of a job with id greater than `after`, in order.
    pub async fn replay(&self, job_id: Uuid, after: u64) -> redis::RedisResult<Vec<JobEvent>> {
        (|| self.replay_once(job_id, after))
            .retry(quick_retries())
            .when(crate::health::is_transient)
            .await
    }

    async fn replay_once(&self, job_id: Uuid, after: u64) -> redis::RedisResult<Vec<JobEvent>> {
        let mut conn = self.conn.clone();
        let entries: redis::streams::StreamRangeReply = redis::cmd("XRANGE")
            .arg(self.stream_key(job_id))
            .arg(format!("0-{}", after + 1))
            .arg("+")
            .query_async(&mut conn)
            .await?;
        Ok(decode_range(entries))
    }

    /// The job's oldest stored event and the events with id greater than `after`, in
    /// one round trip. The oldest tells a follower whether the numbering restarted (a
    /// [`RELOAD_KIND`] event) since it last looked.
    pub async fn replay_with_head(
        &self,
        job_id: Uuid,
        after: u64,
    ) -> redis::RedisResult<(Option<JobEvent>, Vec<JobEvent>)> {
        (|| self.replay_with_head_once(job_id, after))
            .retry(quick_retries())
            .when(crate::health::is_transient)
            .await
    }

    async fn replay_with_head_once(
        &self,
        job_id: Uuid,
        after: u64,
    ) -> redis::RedisResult<(Option<JobEvent>, Vec<JobEvent>)> {
        let mut conn = self.conn.clone();
        let key = self.stream_key(job_id);
        let (head, rest): (
            redis::streams::StreamRangeReply,
            redis::streams::StreamRangeReply,
        ) = redis::pipe()
            .cmd("XRANGE")
            .arg(&key)
            .arg("-")
            .arg("+")
            .arg("COUNT")
            .arg(1)
            .cmd("XRANGE")
            .arg(&key)
            .arg(format!("0-{}", after + 1))
            .arg("+")
            .query_async(&mut conn)
            .await?;
        Ok((decode_range(head).into_iter().next(), decode_range(rest)))
    }

    /// Decodes a published message: the events of one flush, one per line, in order.
    /// A line that does not decode is skipped (a follower fills the gap from replay).
    pub fn decode_all(payload: &str) -> impl Iterator<Item = JobEvent> + '_ {
        payload
            .lines()
            .filter_map(|line| serde_json::from_str(line).ok())
    }
}

/// Replays right after Redis came back meet the shared connection's dead socket first
/// (the reconnection starts on that failure): a few quick retries, about a second in
/// all, so a follower's catch-up does not fail on it.
fn quick_retries() -> backon::ExponentialBuilder {
    backon::ExponentialBuilder::default()
        .with_min_delay(std::time::Duration::from_millis(50))
        .with_max_times(4)
        .with_jitter()
}

/// Events of a stream range: each entry's body, with its id from the entry's (`0-n`).
fn decode_range(entries: redis::streams::StreamRangeReply) -> Vec<JobEvent> {
    entries.ids.iter().filter_map(decode_entry).collect()
}

fn decode_entry(entry: &redis::streams::StreamId) -> Option<JobEvent> {
    let id = entry.id.strip_prefix("0-")?.parse().ok()?;
    let body: Stored = serde_json::from_str(&entry.get::<String>("e")?).ok()?;
    Some(JobEvent {
        id,
        job_id: body.job_id,
        tenant_id: body.tenant_id,
        kind: body.kind,
        data: body.data,
        ts: body.ts,
    })
}

fn channel_name(namespace: &str) -> String {
    format!("{namespace}:events")
}
