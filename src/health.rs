//! Whether PostgreSQL and Redis answer, as this whole process sees it.
//!
//! One task per process probes both every `EXECORA_HEALTH_PROBE_INTERVAL_MS` (a probe
//! that takes longer than the interval counts as a failure) and keeps the answer in two
//! flags that every request reads for free. While a dependency is down, what needs it is
//! refused at once (503, `Retry-After`) instead of each request finding out by itself
//! after its connection's timeouts and retries (seconds each, issue 12), and what does
//! not need it (the rate limiter and the cache fail open) skips it and keeps its normal
//! speed. A request refused so has created nothing: the check comes before any write.
//!
//! A change of state is logged once (a warning when a dependency goes down, a line when
//! it is back), never once per probe.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use redis::{ErrorKind, RedisError, ServerErrorKind, aio::ConnectionManager};
use sqlx::PgPool;

/// The two flags, shared by every clone. Both start up: the process has just connected.
#[derive(Clone)]
pub struct Health {
    inner: Arc<Flags>,
}

struct Flags {
    postgres: AtomicBool,
    redis: AtomicBool,
}

/// One dependency, for logs and `/ready`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dependency {
    Postgres,
    Redis,
}

impl Dependency {
    pub fn name(self) -> &'static str {
        match self {
            Self::Postgres => "postgres",
            Self::Redis => "redis",
        }
    }
}

impl Default for Health {
    fn default() -> Self {
        Self::assume_up()
    }
}

impl Health {
    /// Both dependencies up, and nothing probing (until [`Health::start_probes`]).
    pub fn assume_up() -> Self {
        Self {
            inner: Arc::new(Flags {
                postgres: AtomicBool::new(true),
                redis: AtomicBool::new(true),
            }),
        }
    }

    /// Did the last probe of `dep` succeed?
    pub fn is_up(&self, dep: Dependency) -> bool {
        self.flag(dep).load(Ordering::Relaxed)
    }

    pub fn redis_up(&self) -> bool {
        self.is_up(Dependency::Redis)
    }

    pub fn postgres_up(&self) -> bool {
        self.is_up(Dependency::Postgres)
    }

    /// Records a probe's outcome; logs only a change.
    pub fn set(&self, dep: Dependency, up: bool) {
        let was = self.flag(dep).swap(up, Ordering::Relaxed);
        match (was, up) {
            (true, false) => tracing::warn!(
                dependency = dep.name(),
                "dependency unreachable; refusing requests that need it"
            ),
            (false, true) => tracing::info!(dependency = dep.name(), "dependency reachable again"),
            _ => {}
        }
    }

    fn flag(&self, dep: Dependency) -> &AtomicBool {
        match dep {
            Dependency::Postgres => &self.inner.postgres,
            Dependency::Redis => &self.inner.redis,
        }
    }

    /// Probes both dependencies every `every` for the life of the process.
    pub fn start_probes(&self, pool: PgPool, redis: ConnectionManager, every: Duration) {
        let health = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                let (pg, rd) =
                    tokio::join!(probe_postgres(&pool, every), probe_redis(&redis, every));
                health.set(Dependency::Postgres, pg);
                health.set(Dependency::Redis, rd);
            }
        });
    }
}

/// `select 1` within `limit`.
pub async fn probe_postgres(pool: &PgPool, limit: Duration) -> bool {
    let query = sqlx::query("select 1").execute(pool);
    matches!(tokio::time::timeout(limit, query).await, Ok(Ok(_)))
}

/// `PING` within `limit` (a Redis still loading its data answers `LOADING`: down).
pub async fn probe_redis(conn: &ConnectionManager, limit: Duration) -> bool {
    let mut conn = conn.clone();
    let cmd = redis::cmd("PING");
    let ping = cmd.query_async::<String>(&mut conn);
    matches!(tokio::time::timeout(limit, ping).await, Ok(Ok(_)))
}

/// Errors that say Redis could not be reached or could not serve yet (a restart, a
/// failover, loading its data), as opposed to a command it refused: the same call may
/// succeed later unchanged.
pub fn is_transient(e: &RedisError) -> bool {
    e.is_io_error()
        || e.is_connection_dropped()
        || e.is_connection_refusal()
        || e.is_timeout()
        || matches!(
            e.kind(),
            ErrorKind::Server(
                ServerErrorKind::BusyLoading
                    | ServerErrorKind::TryAgain
                    | ServerErrorKind::ClusterDown
                    | ServerErrorKind::MasterDown
                    | ServerErrorKind::ReadOnly
            )
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_is_recorded_and_only_the_changed_dependency_moves() {
        let h = Health::assume_up();
        assert!(h.redis_up() && h.postgres_up());
        h.set(Dependency::Redis, false);
        assert!(!h.redis_up());
        assert!(h.postgres_up());
        h.set(Dependency::Redis, true);
        assert!(h.redis_up());
    }

    #[test]
    fn refusals_and_outages_are_told_apart() {
        let loading =
            RedisError::from((ErrorKind::Server(ServerErrorKind::BusyLoading), "loading"));
        assert!(is_transient(&loading));
        let refused = RedisError::from(std::io::Error::from(std::io::ErrorKind::ConnectionRefused));
        assert!(is_transient(&refused));
        let wrong = RedisError::from((
            ErrorKind::Server(ServerErrorKind::ResponseError),
            "WRONGTYPE",
        ));
        assert!(!is_transient(&wrong));
    }
}
