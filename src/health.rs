//! Whether PostgreSQL and Redis answer, as this whole process sees it.
//!
//! One task per process probes both every `EXECORA_HEALTH_PROBE_INTERVAL_MS` and keeps
//! the answer in two flags that every request reads for free. Two failed probes in a
//! row (an error, or no answer within a second) mark a dependency down, one success up
//! again: a refused connection is seen within two intervals, while one slow answer on a
//! busy machine does not refuse every request. PostgreSQL is probed on a connection of
//! its own, not from the pool, so a saturated pool (busy, not down) is not mistaken
//! for an outage. While a dependency is down, what needs it is
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
use sqlx::{Connection, PgConnection, postgres::PgConnectOptions};

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
    pub fn start_probes(&self, pg: PgConnectOptions, redis: ConnectionManager, every: Duration) {
        let health = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let mut pg = PgProbe {
                options: pg,
                conn: None,
            };
            let (mut pg_failed, mut redis_failed) = (0u32, 0u32);
            loop {
                tick.tick().await;
                let (pg_ok, redis_ok) = tokio::join!(pg.probe(), probe_redis(&redis, PROBE_LIMIT));
                health.observe(Dependency::Postgres, pg_ok, &mut pg_failed);
                health.observe(Dependency::Redis, redis_ok, &mut redis_failed);
            }
        });
    }

    /// Counts failures in a row; [`DOWN_AFTER`] of them mark `dep` down.
    fn observe(&self, dep: Dependency, ok: bool, failed: &mut u32) {
        *failed = if ok { 0 } else { failed.saturating_add(1) };
        if ok {
            self.set(dep, true);
        } else if *failed >= DOWN_AFTER {
            self.set(dep, false);
        }
    }
}

/// Failed probes in a row that mark a dependency down.
const DOWN_AFTER: u32 = 2;

/// Longest a probe waits for its answer.
const PROBE_LIMIT: Duration = Duration::from_secs(1);

/// PostgreSQL probed on one connection of its own, made again after any failure.
struct PgProbe {
    options: PgConnectOptions,
    conn: Option<PgConnection>,
}

impl PgProbe {
    async fn probe(&mut self) -> bool {
        let ok = tokio::time::timeout(PROBE_LIMIT, self.select_one()).await;
        let ok = matches!(ok, Ok(Ok(())));
        if !ok {
            self.conn = None;
        }
        ok
    }

    async fn select_one(&mut self) -> sqlx::Result<()> {
        if self.conn.is_none() {
            self.conn = Some(PgConnection::connect_with(&self.options).await?);
        }
        if let Some(conn) = self.conn.as_mut() {
            sqlx::query("select 1").execute(conn).await?;
        }
        Ok(())
    }
}

/// `PING` within `limit` (a Redis still loading its data answers `LOADING`: down).
async fn probe_redis(conn: &ConnectionManager, limit: Duration) -> bool {
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
    fn one_failed_probe_is_not_an_outage_two_in_a_row_are() {
        let h = Health::assume_up();
        let mut failed = 0;
        h.observe(Dependency::Postgres, false, &mut failed);
        assert!(h.postgres_up(), "one slow answer on a busy machine");
        h.observe(Dependency::Postgres, true, &mut failed);
        h.observe(Dependency::Postgres, false, &mut failed);
        assert!(h.postgres_up(), "not two in a row");
        h.observe(Dependency::Postgres, false, &mut failed);
        assert!(!h.postgres_up());
        h.observe(Dependency::Postgres, true, &mut failed);
        assert!(h.postgres_up(), "one success is enough to be back");
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
