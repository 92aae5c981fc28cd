//! How a long-lived connection (a queue reader, a pub/sub subscription) waits between
//! attempts to reconnect, and what it logs: waits from 50 ms, doubling to a cap (5 s by
//! default), jittered (so a fleet of processes does not reconnect in step after an
//! outage), starting over once a connection works; one warning per run of failures
//! instead of one per attempt, and one line when it is back.

use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBackoff, ExponentialBuilder};

/// The longest wait between two attempts, before jitter (which adds up to as much again).
pub(crate) const MAX_DELAY: Duration = Duration::from_secs(5);

/// A connection's run of failed attempts.
pub(crate) struct Reconnects {
    failures: u32,
    max: Duration,
    delays: ExponentialBackoff,
}

impl Default for Reconnects {
    fn default() -> Self {
        Self::capped_at(MAX_DELAY)
    }
}

impl Reconnects {
    /// Waits capped at `max` (before jitter): a subscription whose every missed second
    /// must be replayed wants a lower cap than a queue reader.
    pub(crate) fn capped_at(max: Duration) -> Self {
        Self {
            failures: 0,
            max,
            delays: delays(max),
        }
    }

    /// Counts a failure: how long to wait before the next attempt, and whether it is the
    /// first of its run (the one to warn about).
    pub(crate) fn failed(&mut self) -> (Duration, bool) {
        self.failures += 1;
        let delay = self.delays.next().unwrap_or(self.max);
        (delay, self.failures == 1)
    }

    /// A connection works: the run of failures it ends (how long it was), if any.
    pub(crate) fn connected(&mut self) -> Option<u32> {
        if self.failures == 0 {
            return None;
        }
        let run = self.failures;
        *self = Self::capped_at(self.max);
        Some(run)
    }
}

impl Reconnects {
    /// Counts a failed attempt of `what` (a subscription), warns if it starts an outage,
    /// and waits before the next attempt.
    pub(crate) async fn back_off(&mut self, what: &str, error: &str) {
        let (delay, first) = self.failed();
        if first {
            tracing::warn!(error, "{what} lost; reconnecting with backoff");
        }
        tokio::time::sleep(delay).await;
    }

    /// `what` is connected: logs the end of an outage, if one was going on.
    pub(crate) fn back(&mut self, what: &str) {
        if let Some(attempts) = self.connected() {
            tracing::info!(attempts, "{what} back");
        }
    }
}

fn delays(max: Duration) -> ExponentialBackoff {
    ExponentialBuilder::default()
        .with_min_delay(Duration::from_millis(50))
        .with_max_delay(max)
        .with_jitter()
        .without_max_times()
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_of_failures_warns_once_backs_off_to_a_cap_and_starts_over_when_connected() {
        let mut r = Reconnects::default();
        let (first_delay, first) = r.failed();
        assert!(first);
        assert!(
            first_delay >= Duration::from_millis(50) && first_delay <= Duration::from_millis(100)
        );
        let later: Vec<(Duration, bool)> = (0..20).map(|_| r.failed()).collect();
        assert!(
            later.iter().all(|(_, first)| !first),
            "warned twice in one run"
        );
        // Capped (jitter adds at most as much again), and grown well past the first.
        assert!(later.iter().all(|(d, _)| *d <= MAX_DELAY * 2), "{later:?}");
        assert!(
            later.last().is_some_and(|(d, _)| *d >= MAX_DELAY),
            "{later:?}"
        );
        assert_eq!(r.connected(), Some(21));
        assert_eq!(r.connected(), None, "a working connection ends no run");
        let (delay, first) = r.failed();
        assert!(first, "a new run warns again");
        assert!(
            delay <= Duration::from_millis(100),
            "the backoff started over: {delay:?}"
        );
    }

    #[test]
    fn a_lower_cap_holds_through_a_long_run_and_after_it() {
        let cap = Duration::from_secs(1);
        let mut r = Reconnects::capped_at(cap);
        let waits: Vec<Duration> = (0..30).map(|_| r.failed().0).collect();
        assert!(waits.iter().all(|d| *d <= cap * 2), "{waits:?}");
        r.connected();
        let again: Vec<Duration> = (0..30).map(|_| r.failed().0).collect();
        assert!(again.iter().all(|d| *d <= cap * 2), "{again:?}");
    }
}
