//! Retry policy (exponential backoff with jitter and a cap) and circuit breakers.
//!
//! Job-level retries are ours, not apalis-redis's: its Lua script retries every failure
//! 25 times with a linear delay whatever the task asked for. A step's [`RetryPolicy`]
//! comes from its workflow spec and decides both whether another attempt is allowed and
//! how long to wait before it.

use std::time::Duration;

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
/// Provider breakers arrive with the provider adapters.
pub const KNOWN_BREAKERS: &[&str] = &[];

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
}
