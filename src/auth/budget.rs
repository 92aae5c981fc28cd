//! The per-user API limit, decided in process from shares of the shared budget.
//!
//! Counting every request in Redis cost a round trip per request (issue 18). Instead a
//! server takes a *share* of a user's window in one `INCRBY` and spends it locally, and
//! takes the next share when it is spent. Redis still counts every unit handed out, so
//! all servers together never allow more than the limit in a window. What shares cost is
//! fairness between servers: units one server took and did not spend are missing to the
//! others until the window ends (at most a share per server). A share is a sixteenth of
//! the limit and at least 1, so small limits are still counted request by request. A
//! user whose window is spent everywhere is refused here, without asking Redis, until
//! it ends.

use std::{
    sync::{Arc, Mutex, PoisonError},
    time::{Duration, Instant},
};

use super::ratelimit::{Decision, Limit, RateLimiter};

/// A share is this fraction of the limit (at least one unit).
const SHARE_DIVISOR: u64 = 16;
/// Users whose share is remembered; the least recent go first (their units are lost).
const CAPACITY: u64 = 100_000;

/// Shares of the per-user limit this process holds. Cheap to clone.
#[derive(Clone)]
pub struct Budgets {
    limiter: RateLimiter,
    slots: moka::sync::Cache<String, Arc<Slot>>,
}

/// One user's share.
#[derive(Default)]
struct Slot {
    share: Mutex<Share>,
    /// One share taken at a time: the requests that found it spent wait for it.
    taking: tokio::sync::Mutex<()>,
}

#[derive(Default, Clone, Copy)]
struct Share {
    /// Units of this share not yet spent.
    left: u64,
    /// The window's count in Redis when this share was taken (every server's units).
    counted: u64,
    /// When the window ends; `None` before the first share.
    until: Option<Instant>,
}

impl Budgets {
    pub fn new(limiter: RateLimiter, window: Duration) -> Self {
        Self {
            limiter,
            slots: moka::sync::Cache::builder()
                .max_capacity(CAPACITY)
                .time_to_idle(window.max(Duration::from_secs(1)) * 2)
                .build(),
        }
    }

    /// Counts one request of `subject` against `limit`.
    pub async fn hit(&self, limit: Limit, subject: &str) -> redis::RedisResult<Decision> {
        let slot = self
            .slots
            .get_with_by_ref(subject, || Arc::new(Slot::default()));
        if let Some(d) = slot.spend(limit, Instant::now()) {
            return Ok(d);
        }
        let _taking = slot.taking.lock().await;
        // Another request may have taken a share meanwhile.
        if let Some(d) = slot.spend(limit, Instant::now()) {
            return Ok(d);
        }
        let share = (limit.limit / SHARE_DIVISOR).max(1);
        let (count, ttl_ms) = self.limiter.take(limit, subject, share).await?;
        let now = Instant::now();
        slot.refill(Share {
            // Units past the limit were counted but are not granted.
            left: share.saturating_sub(count.saturating_sub(limit.limit)),
            counted: count,
            until: Some(now + Duration::from_millis(ttl_ms.max(1) as u64)),
        });
        Ok(slot.spend(limit, now).unwrap_or(Decision {
            allowed: false,
            limit: limit.limit,
            remaining: 0,
            reset_secs: (ttl_ms.max(0) as u64).div_ceil(1000),
        }))
    }
}

impl Slot {
    /// A decision from the share held, or `None` when a new share must be taken.
    fn spend(&self, limit: Limit, now: Instant) -> Option<Decision> {
        let mut s = self.share.lock().unwrap_or_else(PoisonError::into_inner);
        let until = s.until.filter(|until| now < *until)?;
        let reset_secs = (until - now).as_millis().div_ceil(1000) as u64;
        let decision = |allowed, remaining| Decision {
            allowed,
            limit: limit.limit,
            remaining,
            reset_secs,
        };
        if s.left > 0 {
            s.left -= 1;
            let spent = s.counted.saturating_sub(s.left);
            return Some(decision(true, limit.limit.saturating_sub(spent)));
        }
        // The whole window is spent, on every server: refuse until it ends.
        (s.counted >= limit.limit).then(|| decision(false, 0))
    }

    fn refill(&self, share: Share) {
        *self.share.lock().unwrap_or_else(PoisonError::into_inner) = share;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limit(n: u64) -> Limit {
        Limit {
            name: "api",
            limit: n,
            window: Duration::from_secs(60),
        }
    }

    fn slot(left: u64, counted: u64) -> Slot {
        let slot = Slot::default();
        slot.refill(Share {
            left,
            counted,
            until: Some(Instant::now() + Duration::from_secs(30)),
        });
        slot
    }

    #[test]
    fn a_share_is_spent_locally_then_a_new_one_is_asked_for() {
        // A share of 3 taken when the window's count reached 10 of 100.
        let s = slot(3, 10);
        let now = Instant::now();
        let remaining: Vec<u64> = (0..3)
            .map(|_| s.spend(limit(100), now).unwrap().remaining)
            .collect();
        assert_eq!(remaining, [92, 91, 90]);
        assert!(s.spend(limit(100), now).is_none(), "spent: take another");
    }

    #[test]
    fn a_spent_window_is_refused_locally_until_it_ends() {
        let s = slot(0, 100);
        let d = s.spend(limit(100), Instant::now()).unwrap();
        assert!(!d.allowed);
        assert!(d.reset_secs > 0 && d.reset_secs <= 30);
        let later = Instant::now() + Duration::from_secs(31);
        assert!(s.spend(limit(100), later).is_none(), "a new window");
    }
}
