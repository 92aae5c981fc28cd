//! A marker key that tells whether Redis lost its data.
//!
//! Redis that restarted without persistence, was flushed, or failed over to an empty
//! replica has lost every queued delivery, silently: nothing errors. The upkeep looks for
//! this key every second; missing, it pushes every waiting job again and then sets it.

use redis::aio::ConnectionManager;

/// The marker of one namespace. Cheap to clone.
#[derive(Clone)]
pub struct RedisMarker {
    conn: ConnectionManager,
    key: String,
}

impl RedisMarker {
    pub fn new(conn: ConnectionManager, namespace: &str) -> Self {
        Self {
            conn,
            key: format!("{namespace}:redis-epoch"),
        }
    }

    /// Whether the key is missing: this Redis is new or lost its data, and with it every
    /// queued delivery. [`RedisMarker::set`] puts it back once the queues are filled.
    pub async fn missing(&self) -> redis::RedisResult<bool> {
        let mut conn = self.conn.clone();
        let exists: bool = redis::cmd("EXISTS")
            .arg(&self.key)
            .query_async(&mut conn)
            .await?;
        Ok(!exists)
    }

    pub async fn set(&self) -> redis::RedisResult<()> {
        let mut conn = self.conn.clone();
        redis::cmd("SET")
            .arg(&self.key)
            .arg(chrono::Utc::now().to_rfc3339())
            .query_async(&mut conn)
            .await
    }
}
