//! Whether a verified access token is still honoured: the one place that asks.
//!
//! A signature proves who issued a token, not that its login is still alive. Every
//! request (REST, Idempotency-Key replays, WebSocket open and re-checks) asks here
//! whether the user is still a member, has not signed out everywhere since the token
//! was issued, and — for a token that names its login (`sid`) — whether that login was
//! ended by logout or by refresh-token reuse. Postgres is the truth; the answers are
//! kept in process (issue 18: the query was most of an authenticated read's cost) for
//! exactly as long as this process is sure to hear of a revocation:
//!
//! - every revocation, made here or on any server, reaches [`Validity::invalidate`]
//!   (`revocation.rs`: locally before it is published, elsewhere by the push), which
//!   bumps a generation; an answer is used only under the generation it was read in, so
//!   one read from Postgres just before a revocation, but stored just after its notice,
//!   is never used;
//! - an answer is used only while the revocation subscription holds a *lease*: it is
//!   renewed by each `PING` answered on the subscribed connection, and runs out
//!   [`LEASE`] after that ping was sent. A dropped or stalled subscription therefore
//!   sends every check to Postgres within a second, until it is re-established and
//!   everything known before is forgotten (fail safe);
//! - a refusal is kept regardless: no revocation is ever undone, and no user comes back;
//! - nothing is kept longer than [`MAX_AGE`], a bound on a notice that was never
//!   published at all (the revoking server lost Redis at that moment).

use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use prometheus::IntCounter;
use sqlx::PgPool;
use uuid::Uuid;

use super::Principal;
use crate::{domain::users, telemetry::Metrics};

/// How long an answered ping lets this process trust what it knows: a revocation
/// published more than this long ago has been heard, or the cache is not used.
pub const LEASE: Duration = Duration::from_secs(1);
/// The oldest answer ever used (see the module documentation).
pub const MAX_AGE: Duration = Duration::from_secs(30);
/// Distinct (user, login, issue time) answers kept; the oldest go first.
const CAPACITY: u64 = 100_000;

/// What an answer depends on: exactly the arguments of the Postgres check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Key {
    tenant_id: Uuid,
    user_id: Uuid,
    login_id: Option<Uuid>,
    issued_at: i64,
}

/// A stored answer and the generation it was read under.
#[derive(Debug, Clone, Copy)]
struct Answer {
    valid: bool,
    generation: u64,
}

/// The token check with its in-process memory. Cheap to clone; one per process.
#[derive(Clone)]
pub struct Validity {
    pool: PgPool,
    state: Arc<State>,
    answers: moka::future::Cache<Key, Answer>,
    /// `execora_auth_token_checks_total{source="memory"}` and `{source="database"}`.
    from_memory: IntCounter,
    from_database: IntCounter,
}

/// What the revocation subscription drives.
struct State {
    /// Bumped by every revocation and every (re)subscription.
    generation: AtomicU64,
    /// Milliseconds after `epoch` until which answers may be used; 0 = not at all.
    trusted_until_ms: AtomicU64,
    epoch: Instant,
}

impl Validity {
    pub fn new(pool: PgPool, metrics: &Metrics) -> Self {
        let checks = &metrics.token_checks;
        Self {
            pool,
            state: Arc::new(State {
                generation: AtomicU64::new(0),
                trusted_until_ms: AtomicU64::new(0),
                epoch: Instant::now(),
            }),
            answers: moka::future::Cache::builder()
                .max_capacity(CAPACITY)
                .time_to_live(MAX_AGE)
                .build(),
            from_memory: checks.with_label_values(&["memory"]),
            from_database: checks.with_label_values(&["database"]),
        }
    }

    /// `true` while `p`'s user and login stand; an error only when the database does not
    /// answer (callers refuse the request then, never let it through).
    pub async fn honoured(&self, p: &Principal) -> sqlx::Result<bool> {
        let key = Key {
            tenant_id: p.tenant_id,
            user_id: p.user_id,
            login_id: p.login_id,
            issued_at: p.issued_at,
        };
        // Read before Postgres is asked: an answer is stored under the generation that
        // was current before the question, so a revocation in between voids it.
        let generation = self.state.generation.load(Ordering::Acquire);
        if let Some(known) = self.answers.get(&key).await {
            let current = known.generation == generation && self.state.trusted();
            if !known.valid || current {
                self.from_memory.inc();
                return Ok(known.valid);
            }
        }
        self.from_database.inc();
        let valid =
            users::token_still_valid(&self.pool, p.tenant_id, p.user_id, p.issued_at, p.login_id)
                .await?;
        self.answers.insert(key, Answer { valid, generation }).await;
        Ok(valid)
    }

    /// Some revocation happened (or may have been missed): no answer read before now is
    /// used again.
    pub fn invalidate(&self) {
        self.state.generation.fetch_add(1, Ordering::AcqRel);
    }

    /// The subscription has delivered every notice published before `sent`.
    pub fn trust_until(&self, sent: Instant) {
        let until = sent.saturating_duration_since(self.state.epoch) + LEASE;
        let until_ms = u64::try_from(until.as_millis()).unwrap_or(u64::MAX);
        self.state
            .trusted_until_ms
            .store(until_ms, Ordering::Release);
    }

    /// The subscription is gone: Postgres decides until it is back.
    pub fn distrust(&self) {
        self.state.trusted_until_ms.store(0, Ordering::Release);
        self.invalidate();
    }
}

impl State {
    fn trusted(&self) -> bool {
        let now_ms = u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX);
        now_ms < self.trusted_until_ms.load(Ordering::Acquire)
    }
}
