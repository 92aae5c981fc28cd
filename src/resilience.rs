//! Retry policy (exponential backoff with jitter and a cap) and circuit breakers.
//!
//! Job-level retries are ours, not apalis-redis's: its Lua script retries every failure
//! 25 times with a linear delay whatever the task asked for. A step's [`RetryPolicy`]
//! comes from its workflow spec and decides both whether another attempt is allowed and
//! how long to wait before it.
//!
//! A [`CircuitBreaker`] guards one external provider (speech-to-text, the language
//! model, text-to-speech). After a run of failed calls it opens and refuses calls for a
//! cool-down, so a provider that is down costs callers nothing and is not hammered while
//! it recovers; then it lets a single trial call through and closes again if it works.

use std::{
    sync::Mutex,
    time::{Duration, Instant},
};

use rand::Rng;
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetryPolicy {
    /// Attempts in all, the first included; 1 means never retry.
    pub max_attempts: u32,
    pub initial_backoff_ms: u64,
    pub max_backoff_ms: u64,
    #[serde(default = "default_multiplier")]
    pub multiplier: f64,
    /// Full jitter ("equal jitter": half fixed, half random) spreads retries of jobs that
    /// failed together, so they do not hit a recovering provider at the same instant.
    #[serde(default = "default_jitter")]
    pub jitter: bool,
}

fn default_multiplier() -> f64 {
    2.0
}
fn default_jitter() -> bool {
    true
}

impl RetryPolicy {
    pub fn validate(&self) -> Result<(), String> {
        if self.max_attempts == 0 {
            return Err("retry.max_attempts must be at least 1".into());
        }
        if self.initial_backoff_ms > self.max_backoff_ms {
            return Err("retry.initial_backoff_ms exceeds retry.max_backoff_ms".into());
        }
        if !(1.0..=10.0).contains(&self.multiplier) {
            return Err("retry.multiplier must be between 1 and 10".into());
        }
        Ok(())
    }

    /// May attempt number `attempt` (1-based, just failed) be followed by another?
    pub fn allows_another(&self, attempt: u32) -> bool {
        attempt < self.max_attempts
    }

    /// The wait before the attempt after `attempt` (1-based).
    pub fn backoff(&self, attempt: u32) -> Duration {
        let exp = self
            .multiplier
            .powi(attempt.saturating_sub(1).min(30) as i32);
        let raw = (self.initial_backoff_ms as f64 * exp).min(self.max_backoff_ms as f64);
        let ms = if self.jitter {
            let half = raw / 2.0;
            half + rand::thread_rng().gen_range(0.0..=half.max(0.0))
        } else {
            raw
        };
        Duration::from_millis(ms as u64)
    }
}

/// Names of the circuit breakers the code provides; specs may only name these.
/// One per provider slot of the voice workflow (see `integrations::voice_providers`),
/// and WhatsApp sending (invoice and reminder delivery).
pub const KNOWN_BREAKERS: &[&str] = &["stt", "llm", "tts", "whatsapp"];

/// Where a breaker stands. The gauge exports it as 0, 1, 2 in this order of severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakerState {
    /// Calls go through; failures are being counted.
    Closed,
    /// The cool-down is over and one trial call is (or may be) in flight.
    HalfOpen,
    /// Calls are refused until the cool-down ends.
    Open,
}

impl BreakerState {
    fn gauge_value(self) -> i64 {
        match self {
            Self::Closed => 0,
            Self::HalfOpen => 1,
            Self::Open => 2,
        }
    }
}

/// A consecutive-failure circuit breaker, shared by every caller of one provider.
pub struct CircuitBreaker {
    name: &'static str,
    failure_threshold: u32,
    open_for: Duration,
    gauge: prometheus::IntGauge,
    inner: Mutex<Inner>,
}

struct Inner {
    state: BreakerState,
    /// Failures in a row while closed; any success resets it.
    failures: u32,
    /// When the breaker last opened, or when the half-open trial was handed out.
    since: Instant,
}

impl CircuitBreaker {
    /// `failure_threshold` consecutive failures open the breaker for `open_for`. A
    /// threshold of 0 is treated as 1, since a breaker that opens without any failure
    /// would refuse every call.
    pub fn new(
        name: &'static str,
        failure_threshold: u32,
        open_for: Duration,
        gauge: prometheus::IntGauge,
    ) -> Self {
        gauge.set(BreakerState::Closed.gauge_value());
        Self {
            name,
            failure_threshold: failure_threshold.max(1),
            open_for,
            gauge,
            inner: Mutex::new(Inner {
                state: BreakerState::Closed,
                failures: 0,
                since: Instant::now(),
            }),
        }
    }

    pub fn name(&self) -> &'static str {
        self.name
    }

    /// May a call go out now? False while open, and while a half-open trial is pending.
    pub fn try_acquire(&self) -> bool {
        self.try_acquire_at(Instant::now())
    }

    pub fn record_success(&self) {
        let mut inner = self.lock();
        inner.failures = 0;
        self.set(&mut inner, BreakerState::Closed);
    }

    pub fn record_failure(&self) {
        self.record_failure_at(Instant::now());
    }

    /// The current state, with an expired cool-down reported as half-open.
    pub fn state(&self) -> BreakerState {
        self.state_at(Instant::now())
    }

    /// True when calls are being refused right now.
    pub fn is_open(&self) -> bool {
        self.state() == BreakerState::Open
    }

    fn try_acquire_at(&self, now: Instant) -> bool {
        let mut inner = self.lock();
        match inner.state {
            BreakerState::Closed => true,
            // A trial whose caller vanished (future dropped, task killed) would keep the
            // breaker half-open for ever; after another cool-down a new trial is allowed.
            BreakerState::Open | BreakerState::HalfOpen
                if now.saturating_duration_since(inner.since) >= self.open_for =>
            {
                inner.since = now;
                self.set(&mut inner, BreakerState::HalfOpen);
                true
            }
            BreakerState::Open | BreakerState::HalfOpen => false,
        }
    }

    fn record_failure_at(&self, now: Instant) {
        let mut inner = self.lock();
        inner.failures = inner.failures.saturating_add(1);
        let trip = inner.state == BreakerState::HalfOpen
            || (inner.state == BreakerState::Closed && inner.failures >= self.failure_threshold);
        if trip {
            inner.since = now;
            if inner.state != BreakerState::Open {
                tracing::warn!(breaker = self.name, "circuit breaker opened");
            }
            self.set(&mut inner, BreakerState::Open);
        }
    }

    fn state_at(&self, now: Instant) -> BreakerState {
        let inner = self.lock();
        match inner.state {
            BreakerState::Open if now.saturating_duration_since(inner.since) >= self.open_for => {
                BreakerState::HalfOpen
            }
            state => state,
        }
    }

    fn set(&self, inner: &mut Inner, state: BreakerState) {
        if inner.state != state && state == BreakerState::Closed {
            tracing::info!(breaker = self.name, "circuit breaker closed");
        }
        inner.state = state;
        self.gauge.set(state.gauge_value());
    }

    /// A panic while holding the lock leaves plain counters behind, still usable.
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(jitter: bool) -> RetryPolicy {
        RetryPolicy {
            max_attempts: 5,
            initial_backoff_ms: 100,
            max_backoff_ms: 1000,
            multiplier: 2.0,
            jitter,
        }
    }

    #[test]
    fn backoff_grows_exponentially_to_the_cap() {
        let p = policy(false);
        let ms: Vec<u128> = (1..=6).map(|a| p.backoff(a).as_millis()).collect();
        assert_eq!(ms, vec![100, 200, 400, 800, 1000, 1000]);
    }

    #[test]
    fn jitter_stays_within_half_and_full() {
        let p = policy(true);
        for _ in 0..200 {
            let ms = p.backoff(3).as_millis();
            assert!((200..=400).contains(&ms), "{ms}");
        }
    }

    #[test]
    fn attempts_end_at_the_maximum() {
        let p = policy(false);
        assert!(p.allows_another(4));
        assert!(!p.allows_another(5));
    }

    fn breaker(threshold: u32) -> (CircuitBreaker, prometheus::IntGauge) {
        let gauge = prometheus::IntGauge::new("test_breaker_state", "test").unwrap();
        let b = CircuitBreaker::new("test", threshold, Duration::from_secs(30), gauge.clone());
        (b, gauge)
    }

    #[test]
    fn breaker_opens_after_consecutive_failures_only() {
        let (b, gauge) = breaker(3);
        b.record_failure();
        b.record_failure();
        b.record_success();
        b.record_failure();
        b.record_failure();
        assert_eq!(b.state(), BreakerState::Closed);
        assert!(b.try_acquire());
        assert_eq!(gauge.get(), 0);
        b.record_failure();
        assert_eq!(b.state(), BreakerState::Open);
        assert!(b.is_open());
        assert!(!b.try_acquire());
        assert_eq!(gauge.get(), 2);
    }

    #[test]
    fn half_open_lets_one_trial_through_and_closes_on_success() {
        let (b, gauge) = breaker(1);
        let t0 = Instant::now();
        b.record_failure_at(t0);
        assert!(!b.try_acquire_at(t0 + Duration::from_secs(29)));
        let later = t0 + Duration::from_secs(30);
        assert_eq!(b.state_at(later), BreakerState::HalfOpen);
        assert!(b.try_acquire_at(later), "the trial call");
        assert_eq!(gauge.get(), 1);
        assert!(!b.try_acquire_at(later), "only one trial at a time");
        b.record_success();
        assert_eq!(b.state(), BreakerState::Closed);
        assert_eq!(gauge.get(), 0);
        assert!(b.try_acquire());
    }

    #[test]
    fn a_failed_trial_opens_the_breaker_for_another_cool_down() {
        let (b, gauge) = breaker(5);
        let t0 = Instant::now();
        for _ in 0..5 {
            b.record_failure_at(t0);
        }
        let t1 = t0 + Duration::from_secs(30);
        assert!(b.try_acquire_at(t1));
        b.record_failure_at(t1);
        assert_eq!(gauge.get(), 2);
        assert!(!b.try_acquire_at(t1 + Duration::from_secs(29)));
        assert!(b.try_acquire_at(t1 + Duration::from_secs(30)));
    }

    #[test]
    fn an_abandoned_trial_does_not_block_for_ever() {
        let (b, _) = breaker(1);
        let t0 = Instant::now();
        b.record_failure_at(t0);
        assert!(b.try_acquire_at(t0 + Duration::from_secs(30)));
        assert!(!b.try_acquire_at(t0 + Duration::from_secs(45)));
        assert!(b.try_acquire_at(t0 + Duration::from_secs(60)));
    }

    #[test]
    fn zero_threshold_still_needs_a_failure() {
        let (b, _) = breaker(0);
        assert!(b.try_acquire());
        b.record_failure();
        assert!(!b.try_acquire());
    }
}
