//! Restarting a failed worker: after a delay that grows with each failure in a row
//! (jittered, capped), with one log line when a worker starts failing, not one per
//! attempt.
//!
//! apalis's monitor restarts a worker the moment its future fails, and asks
//! `should_restart` synchronously, so the wait cannot happen there: the policy decides
//! the delay when the failure is reported, and the next run's backend ([`AfterDelay`])
//! waits it out before it reads anything. A worker that failed while Redis was loading
//! its data used to restart thousands of times a second (issue 12).

use std::{
    collections::HashMap,
    pin::Pin,
    sync::{Arc, Mutex},
    task::Context,
    time::{Duration, Instant},
};

use backon::{BackoffBuilder, ExponentialBackoff, ExponentialBuilder};
use futures::FutureExt;

use super::gated::{Gate, Gated};

/// First restart delay; it doubles up to [`MAX_DELAY`], and jitter adds up to as much
/// again to each (so restarts of workers that failed together spread out).
const MIN_DELAY: Duration = Duration::from_millis(200);
/// The cap before jitter: no restart waits longer than twice this.
const MAX_DELAY: Duration = Duration::from_secs(15);
/// A worker that ran this long since its last failure starts a new episode: its next
/// failure is logged again and restarts after [`MIN_DELAY`].
const QUIET: Duration = Duration::from_secs(60);

/// Per worker name: the delays of the current run of failures.
#[derive(Clone, Default)]
pub struct RestartPolicy {
    workers: Arc<Mutex<HashMap<String, Episode>>>,
}

struct Episode {
    delays: ExponentialBackoff,
    /// The delay the next run waits before reading.
    next: Duration,
    last_failure: Instant,
    failures: u32,
}

fn delays() -> ExponentialBackoff {
    ExponentialBuilder::default()
        .with_min_delay(MIN_DELAY)
        .with_max_delay(MAX_DELAY)
        .with_jitter()
        .without_max_times()
        .build()
}

impl RestartPolicy {
    /// Records a failure of `worker` at `now`; returns the delay before its restart and
    /// whether this failure begins an episode (log it) or continues one (stay quiet).
    pub fn failed(&self, worker: &str, now: Instant) -> (Duration, bool) {
        let mut workers = self.workers.lock().unwrap_or_else(|e| e.into_inner());
        let fresh = workers
            .get(worker)
            .is_none_or(|e| now.saturating_duration_since(e.last_failure) > QUIET);
        if fresh {
            let mut delays = delays();
            let next = delays.next().unwrap_or(MAX_DELAY);
            workers.insert(
                worker.to_string(),
                Episode {
                    delays,
                    next,
                    last_failure: now,
                    failures: 1,
                },
            );
            return (next, true);
        }
        let Some(episode) = workers.get_mut(worker) else {
            return (MIN_DELAY, true);
        };
        episode.next = episode.delays.next().unwrap_or(MAX_DELAY);
        episode.last_failure = now;
        episode.failures = episode.failures.saturating_add(1);
        (episode.next, false)
    }

    /// The wait before `worker`'s next run: none for its first run or after a quiet
    /// period, else what its last failure decided.
    pub fn delay_before_run(&self, worker: &str) -> Duration {
        let workers = self.workers.lock().unwrap_or_else(|e| e.into_inner());
        workers
            .get(worker)
            .filter(|e| e.last_failure.elapsed() <= QUIET)
            .map_or(Duration::ZERO, |e| e.next)
    }

    /// Failures in the current episode (for the log line of a worker that recovers).
    pub fn failures(&self, worker: &str) -> u32 {
        let workers = self.workers.lock().unwrap_or_else(|e| e.into_inner());
        workers.get(worker).map_or(0, |e| e.failures)
    }
}

/// A backend that reads nothing until a delay has passed, then is `inner`.
pub type AfterDelay<B> = Gated<B, Delay>;

/// The gate of [`AfterDelay`]: shut until its delay has passed, then open for good.
pub struct Delay(Option<Pin<Box<tokio::time::Sleep>>>);

impl<B> AfterDelay<B> {
    pub fn new(inner: B, delay: Duration) -> Self {
        let wait = (!delay.is_zero()).then(|| Box::pin(tokio::time::sleep(delay)));
        Gated {
            inner,
            gate: Delay(wait),
        }
    }
}

impl Gate for Delay {
    // Nothing of the backend runs before the delay, not even its readiness.
    const HOLDS_READY: bool = true;

    fn open(&mut self, cx: &mut Context<'_>) -> bool {
        if let Some(wait) = self.0.as_mut() {
            if wait.poll_unpin(cx).is_pending() {
                return false;
            }
            self.0 = None;
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use apalis::prelude::{Backend, WorkerContext};
    use std::task::Poll;

    #[test]
    fn delays_grow_with_jitter_up_to_the_cap_and_only_the_first_failure_is_logged() {
        let policy = RestartPolicy::default();
        let start = Instant::now();
        assert_eq!(policy.delay_before_run("w"), Duration::ZERO, "first run");
        let (first, log) = policy.failed("w", start);
        assert!(log, "an episode's first failure is logged");
        assert!(first >= MIN_DELAY && first <= 2 * MIN_DELAY, "{first:?}");
        let mut last = first;
        let mut quiet = true;
        for i in 1..40 {
            let (d, log) = policy.failed("w", start + Duration::from_millis(i));
            quiet &= !log;
            assert!(
                d <= 2 * MAX_DELAY,
                "capped (jitter adds at most the delay): {d:?}"
            );
            last = d;
        }
        assert!(quiet, "later failures of the episode are not logged");
        assert!(last >= MAX_DELAY, "reached the cap: {last:?}");
        assert_eq!(policy.failures("w"), 40);
        assert_eq!(policy.delay_before_run("other"), Duration::ZERO);
    }

    /// A backend with nothing to read: enough to see when the wrapper lets it be read.
    struct Empty;

    impl Backend for Empty {
        type Task = ();
        type Error = std::io::Error;

        fn poll_ready(
            &mut self,
            _: &mut Context<'_>,
            _: &WorkerContext,
        ) -> Poll<Result<(), Self::Error>> {
            Poll::Ready(Ok(()))
        }

        fn poll_next(
            &mut self,
            _: &mut Context<'_>,
            _: &WorkerContext,
        ) -> Poll<Option<Result<(), Self::Error>>> {
            Poll::Ready(None)
        }

        fn poll_close(
            &mut self,
            _: &mut Context<'_>,
            _: &WorkerContext,
        ) -> Poll<Result<(), Self::Error>> {
            Poll::Ready(Ok(()))
        }
    }

    #[tokio::test]
    async fn a_delayed_backend_is_not_read_before_its_delay() {
        let worker = WorkerContext::new("w");
        let delay = Duration::from_millis(300);
        let started = tokio::time::Instant::now();
        let mut backend = AfterDelay::new(Empty, delay);
        // Wait as the worker would: polled again when the delay's timer wakes it.
        std::future::poll_fn(|cx| backend.poll_ready(cx, &worker))
            .await
            .unwrap();
        assert!(started.elapsed() >= delay, "{:?}", started.elapsed());
        let mut cx = Context::from_waker(futures::task::noop_waker_ref());
        assert!(matches!(
            backend.poll_next(&mut cx, &worker),
            Poll::Ready(None)
        ));
        let mut undelayed = AfterDelay::new(Empty, Duration::ZERO);
        assert!(undelayed.poll_next(&mut cx, &worker).is_ready());
        assert!(undelayed.poll_ready(&mut cx, &worker).is_ready());
    }

    #[test]
    fn a_failure_after_a_quiet_period_starts_over() {
        let policy = RestartPolicy::default();
        let start = Instant::now();
        for i in 0..10 {
            policy.failed("w", start + Duration::from_millis(i));
        }
        let (d, log) = policy.failed("w", start + QUIET + Duration::from_secs(1));
        assert!(log);
        assert!(d <= 2 * MIN_DELAY, "{d:?}");
    }
}
