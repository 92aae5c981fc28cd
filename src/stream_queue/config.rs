//! Where a queue lives in Redis and how its workers pace themselves.

use std::time::Duration;

/// One queue's keys and tuning. Producers and workers of a queue must agree on
/// `namespace` and `queue`; the rest only matters to workers.
#[derive(Debug, Clone)]
pub struct QueueConfig {
    pub namespace: String,
    pub queue: String,
    /// Entries a reader takes per `XREADGROUP`, and the most it holds not yet started.
    pub read_count: usize,
    /// The longest a reader blocks while idle before it looks at its timers again (a
    /// shorter wait is used whenever a delayed entry or housekeeping is due sooner).
    pub max_block: Duration,
    /// An entry held this long without its worker renewing it is taken by another.
    pub lease: Duration,
    /// How long a deduplication key outlives its push.
    pub dedupe_ttl: Duration,
    /// Acknowledgements wait at most this long to share a round trip.
    pub ack_linger: Duration,
    /// The most acknowledgements sent in one round trip.
    pub ack_batch: usize,
    /// Delayed entries moved to the stream per script call.
    pub promote_batch: usize,
    /// Consumer names are this prefix and a ULID (host and pid make them traceable).
    pub consumer_prefix: String,
    /// A consumer with nothing pending that has been idle this long is removed from the
    /// group (workers that stopped without closing, restarts).
    pub consumer_retention: Duration,
}

/// The consumer group every worker of a queue reads in.
pub(crate) const GROUP: &str = "workers";

impl QueueConfig {
    pub fn new(namespace: &str, queue: &str) -> Self {
        Self {
            namespace: namespace.to_string(),
            queue: queue.to_string(),
            read_count: 64,
            max_block: Duration::from_secs(2),
            lease: Duration::from_secs(15),
            dedupe_ttl: Duration::from_secs(86_400),
            ack_linger: Duration::from_millis(2),
            ack_batch: 512,
            promote_batch: 1000,
            consumer_prefix: "worker".into(),
            consumer_retention: Duration::from_secs(3600),
        }
    }

    /// The hash tag every key of the queue shares: one Redis Cluster slot per queue.
    fn tag(&self) -> String {
        format!("{{{}:{}}}", self.namespace, self.queue)
    }

    /// The stream of ready entries.
    pub fn stream_key(&self) -> String {
        format!("{}:stream", self.tag())
    }

    /// The sorted set of delayed entries, scored by due time in Unix milliseconds.
    pub fn delayed_key(&self) -> String {
        format!("{}:delayed", self.tag())
    }

    /// Entries whose payload could not be decoded, kept for an operator.
    pub fn dead_key(&self) -> String {
        format!("{}:undecodable", self.tag())
    }

    /// The deduplication key of one push.
    pub fn dedupe_key(&self, key: &str) -> String {
        format!("{}:dedupe:{key}", self.tag())
    }

    /// How often a reader renews its leases and looks for abandoned entries: three times
    /// per lease, so a live worker never lets one lapse and a dead one's entries move on
    /// within a lease and a third.
    pub fn housekeeping_every(&self) -> Duration {
        (self.lease / 3).max(Duration::from_millis(50))
    }
}
