//! Rate limits kept in Redis, so they hold across every server instance.
//!
//! A fixed window per (limit, subject): one `INCRBY` (and `PEXPIRE` on the first hit) in a
//! script, one round trip. The decision carries what the `RateLimit-*` and `Retry-After`
//! headers need. The per-user API limit takes its units in shares (`budget.rs`).

use std::{sync::Arc, time::Duration};

use redis::aio::ConnectionManager;

const SCRIPT: &str = r#"
local n = redis.call('INCRBY', KEYS[1], ARGV[2])
if n == tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {n, ttl}
"#;

/// One limit: `limit` events per `window` per subject.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub name: &'static str,
    pub limit: u64,
    pub window: Duration,
}

/// The outcome of counting one event.
#[derive(Debug, Clone, Copy)]
pub struct Decision {
    pub allowed: bool,
    pub limit: u64,
    pub remaining: u64,
    /// Seconds until the window resets.
    pub reset_secs: u64,
}

#[derive(Clone)]
pub struct RateLimiter {
    conn: ConnectionManager,
    namespace: String,
    /// Hashed once: `EVALSHA` with its digest, one round trip (the script is loaded by
    /// the first call that finds it missing).
    script: Arc<redis::Script>,
}

impl RateLimiter {
    pub fn new(conn: ConnectionManager, namespace: &str) -> Self {
        Self {
            conn,
            namespace: namespace.to_string(),
            script: Arc::new(redis::Script::new(SCRIPT)),
        }
    }

    /// Counts one event for `subject` (already non-identifying: a user id, a hashed email).
    pub async fn hit(&self, limit: Limit, subject: &str) -> redis::RedisResult<Decision> {
        let (count, ttl_ms) = self.take(limit, subject, 1).await?;
        Ok(Decision {
            allowed: count <= limit.limit,
            limit: limit.limit,
            remaining: limit.limit.saturating_sub(count),
            reset_secs: (ttl_ms.max(0) as u64).div_ceil(1000),
        })
    }

    /// Counts `n` events at once: the window's count after them, and its milliseconds left.
    pub(crate) async fn take(
        &self,
        limit: Limit,
        subject: &str,
        n: u64,
    ) -> redis::RedisResult<(u64, i64)> {
        let key = format!("{}:rl:{}:{subject}", self.namespace, limit.name);
        let mut conn = self.conn.clone();
        self.script
            .key(key)
            .arg(limit.window.as_millis() as u64)
            .arg(n)
            .invoke_async(&mut conn)
            .await
    }
}
