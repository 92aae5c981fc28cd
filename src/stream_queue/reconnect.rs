//! How a reader waits between attempts to reconnect, and what it logs: waits from 50 ms,
//! doubling to 5 s, jittered (so a fleet of workers does not reconnect in step after an
//! outage), starting over once a connection works; one warning per run of failures
//! instead of one per attempt.

use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBackoff, ExponentialBuilder};

/// The longest wait between two attempts, before jitter (which adds up to as much again).
pub(crate) const MAX_DELAY: Duration = Duration::from_secs(5);

/// A reader's run of failed connections.
pub(crate) struct Reconnects {
    failures: u32,
    delays: ExponentialBackoff,
}

impl Default for Reconnects {
    fn default() -> Self {
        Self {
            failures: 0,
            delays: delays(),
        }
    }
}

impl Reconnects {
    /// Counts a failure: how long to wait before the next attempt, and whether it is the
    /// first of its run (the one to warn about).
    pub(crate) fn failed(&mut self) -> (Duration, bool) {
        self.failures += 1;
        let delay = self.delays.next().unwrap_or(MAX_DELAY);
        (delay, self.failures == 1)
    }

    /// A connection works: the run of failures it ends (how long it was), if any.
    pub(crate) fn connected(&mut self) -> Option<u32> {
        if self.failures == 0 {
            return None;
        }
        let run = self.failures;
        *self = Self::default();
        Some(run)
    }
}

fn delays() -> ExponentialBackoff {
    ExponentialBuilder::default()
        .with_min_delay(Duration::from_millis(50))
        .with_max_delay(MAX_DELAY)
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
}
