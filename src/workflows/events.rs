//! Job events: numbered per job, kept in Redis for replay, published for live delivery.
//!
//! One Lua script does the numbering, the `XADD` to the job's capped stream and the
//! `PUBLISH`, so the id a subscriber sees live is the id replay returns, and ids per job
//! increase by exactly one. A client that saw event `n` asks for `after = n` and gets
//! `n+1…` from the stream; a gap seen live is filled the same way.

use chrono::{DateTime, Utc};
use redis::aio::ConnectionManager;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

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

/// Event kinds after which a job will not change again on its own.
pub const TERMINAL_KINDS: &[&str] = &["succeeded", "failed", "dead", "cancelled"];

/// The body published before the id is known; the script prepends `"id":n`.
#[derive(Serialize)]
struct Unnumbered<'a> {
    job_id: Uuid,
    tenant_id: Uuid,
    kind: &'a str,
    data: &'a Value,
    ts: DateTime<Utc>,
}

const PUBLISH_SCRIPT: &str = r#"
local n = redis.call('INCR', KEYS[1])
local payload = '{"id":' .. n .. ',' .. string.sub(ARGV[1], 2)
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], n .. '-0', 'e', payload)
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('EXPIRE', KEYS[2], ARGV[3])
redis.call('PUBLISH', ARGV[4], payload)
return n
"#;

/// Writes and reads job events. Cheap to clone.
#[derive(Clone)]
pub struct EventBus {
    conn: ConnectionManager,
    namespace: String,
    max_len: usize,
    ttl_secs: u64,
    script: std::sync::Arc<redis::Script>,
}

impl EventBus {
    pub fn new(conn: ConnectionManager, namespace: &str, max_len: usize, ttl_secs: u64) -> Self {
        Self {
            conn,
            namespace: namespace.to_string(),
            max_len,
            ttl_secs,
            script: std::sync::Arc::new(redis::Script::new(PUBLISH_SCRIPT)),
        }
    }

    /// The pub/sub channel every server process listens on.
    pub fn channel(&self) -> String {
        format!("{}:events", self.namespace)
    }

    fn stream_key(&self, job: Uuid) -> String {
        format!("{}:events:{job}", self.namespace)
    }

    /// Numbers, stores and publishes one event; returns its id. A producer span: the
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
        let body = serde_json::to_string(&Unnumbered {
            job_id,
            tenant_id,
            kind,
            data: &data,
            ts: Utc::now(),
        })
        .map_err(|e| redis::RedisError::from((redis::ErrorKind::Io, "encode", e.to_string())))?;
        let mut conn = self.conn.clone();
        self.script
            .key(format!("{}:evseq:{job_id}", self.namespace))
            .key(self.stream_key(job_id))
            .arg(body)
            .arg(self.max_len)
            .arg(self.ttl_secs)
            .arg(self.channel())
            .invoke_async(&mut conn)
            .await
    }

    /// Events of a job with id greater than `after`, in order.
    pub async fn replay(&self, job_id: Uuid, after: u64) -> redis::RedisResult<Vec<JobEvent>> {
        let mut conn = self.conn.clone();
        let entries: redis::streams::StreamRangeReply = redis::cmd("XRANGE")
            .arg(self.stream_key(job_id))
            .arg(format!("{}-0", after + 1))
            .arg("+")
            .query_async(&mut conn)
            .await?;
        Ok(entries
            .ids
            .iter()
            .filter_map(|entry| entry.get::<String>("e"))
            .filter_map(|payload| serde_json::from_str(&payload).ok())
            .collect())
    }

    /// Decodes a published payload.
    pub fn decode(payload: &str) -> Option<JobEvent> {
        serde_json::from_str(payload).ok()
    }
}
