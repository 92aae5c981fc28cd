//! The read cache: in-process (first tier) → Redis (second) → Postgres.
//!
//! Values are JSON bytes under a key that names the tenant and the object
//! (`customer:<tenant>:<id>`, `products:<tenant>`, `balance:<tenant>:<customer>`). A write
//! deletes the Redis copy and publishes the key on one channel; every process drops its
//! local copy when the message arrives, so instances converge within a pub/sub hop and
//! the local TTL (30 s) bounds staleness if a message is ever lost. Cache failures are
//! never errors: the value is read from Postgres instead.

use std::{future::Future, sync::Arc, time::Duration};

use futures::StreamExt;
use redis::aio::ConnectionManager;
use serde::{Serialize, de::DeserializeOwned};

use crate::{health::Health, reconnects::Reconnects, telemetry::Metrics};

const LOCAL_TTL: Duration = Duration::from_secs(30);
const REDIS_TTL_SECS: u64 = 300;

/// Two-tier cache. Cheap to clone.
#[derive(Clone)]
pub struct Cache {
    local: moka::future::Cache<String, Arc<Vec<u8>>>,
    redis: ConnectionManager,
    namespace: String,
    metrics: Arc<Metrics>,
    /// While Redis is down its tier is skipped (no wait on a dead connection).
    health: Health,
}

impl Cache {
    pub fn new(redis: ConnectionManager, namespace: &str, metrics: Arc<Metrics>) -> Self {
        let local = moka::future::Cache::builder()
            .max_capacity(20_000)
            .time_to_live(LOCAL_TTL)
            .build();
        Self {
            local,
            redis,
            namespace: namespace.to_string(),
            metrics,
            health: Health::assume_up(),
        }
    }

    /// Skips the Redis tier while `health` says Redis is down.
    pub fn with_health(mut self, health: Health) -> Self {
        self.health = health;
        self
    }

    fn redis_key(&self, key: &str) -> String {
        format!("{}:cache:{key}", self.namespace)
    }

    fn channel(&self) -> String {
        format!("{}:cache-invalidate", self.namespace)
    }

    fn count(&self, tier: &str, outcome: &str) {
        self.metrics
            .cache_requests
            .with_label_values(&[tier, outcome])
            .inc();
    }

    /// The cached value, or `load`'s (stored in both tiers when it is `Some`).
    pub async fn get_or_load<T, E, F, Fut>(&self, key: &str, load: F) -> Result<Option<T>, E>
    where
        T: Serialize + DeserializeOwned,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Option<T>, E>>,
    {
        if let Some(bytes) = self.local.get(key).await
            && let Ok(v) = serde_json::from_slice(&bytes)
        {
            self.count("local", "hit");
            return Ok(Some(v));
        }
        self.count("local", "miss");
        if !self.health.redis_up() {
            return load().await;
        }
        let mut conn = self.redis.clone();
        let remote: Option<Vec<u8>> = redis::cmd("GET")
            .arg(self.redis_key(key))
            .query_async(&mut conn)
            .await
            .unwrap_or(None);
        if let Some(bytes) = remote
            && let Ok(v) = serde_json::from_slice(&bytes)
        {
            self.count("redis", "hit");
            self.local.insert(key.to_string(), Arc::new(bytes)).await;
            return Ok(Some(v));
        }
        self.count("redis", "miss");
        let loaded = load().await?;
        if let Some(v) = &loaded
            && let Ok(bytes) = serde_json::to_vec(v)
        {
            let _: redis::RedisResult<()> = redis::cmd("SET")
                .arg(self.redis_key(key))
                .arg(&bytes)
                .arg("EX")
                .arg(REDIS_TTL_SECS)
                .query_async(&mut conn)
                .await;
            self.local.insert(key.to_string(), Arc::new(bytes)).await;
        }
        Ok(loaded)
    }

    /// Forgets a key everywhere: here at once, in Redis at once, elsewhere on the message.
    pub async fn invalidate(&self, key: &str) {
        self.local.invalidate(key).await;
        let mut conn = self.redis.clone();
        let outcome: redis::RedisResult<()> = redis::pipe()
            .cmd("DEL")
            .arg(self.redis_key(key))
            .ignore()
            .cmd("PUBLISH")
            .arg(self.channel())
            .arg(key)
            .ignore()
            .query_async(&mut conn)
            .await;
        if let Err(e) = outcome {
            tracing::warn!(error = %e, "cache invalidation not published");
        }
    }

    /// Listens for other processes' invalidations for the life of the process.
    pub fn start_listener(&self, client: redis::Client) {
        let cache = self.clone();
        tokio::spawn(async move {
            let mut reconnects = Reconnects::default();
            loop {
                let failure = match client.get_async_pubsub().await {
                    Ok(mut pubsub) => match pubsub.subscribe(cache.channel()).await {
                        Ok(()) => {
                            reconnects.back(SUBSCRIPTION);
                            let mut messages = pubsub.on_message();
                            while let Some(msg) = messages.next().await {
                                if let Ok(key) = msg.get_payload::<String>() {
                                    cache.local.invalidate(&key).await;
                                }
                            }
                            "subscription ended".to_string()
                        }
                        Err(e) => e.to_string(),
                    },
                    Err(e) => e.to_string(),
                };
                // Invalidations published while disconnected are not heard: forget all.
                cache.local.invalidate_all();
                reconnects.back_off(SUBSCRIPTION, &failure).await;
            }
        });
    }
}

/// How the invalidation subscription is named in its reconnect log lines.
const SUBSCRIPTION: &str = "cache invalidation subscription (local entries dropped meanwhile)";

pub fn customer_key(tenant: uuid::Uuid, id: uuid::Uuid) -> String {
    format!("customer:{tenant}:{id}")
}

pub fn products_key(tenant: uuid::Uuid) -> String {
    format!("products:{tenant}")
}

pub fn balance_key(tenant: uuid::Uuid, customer: uuid::Uuid) -> String {
    format!("balance:{tenant}:{customer}")
}
