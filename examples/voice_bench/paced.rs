//! Paced mode: many sessions open at once, each saying one offline utterance every
//! period — a steady, realistic load (1 000 shops talking every 10 s is 100 turns/s)
//! rather than a burst. Session `i` of `n` starts at `i/n` of the first period, so the
//! turns are spread evenly instead of arriving together.
//!
//! A turn is timed from when it was due, not from when it was sent: if the previous
//! turn of the session overran the period, or the load generator woke late, that delay
//! is part of what the user waits (no coordinated omission); `start_lag_ms` shows how
//! much of it there was.

use std::time::Duration;

use serde_json::{Value, json};
use tokio::time::Instant;

use super::{
    Bench,
    client::{Turn, Ws, turn},
    lag,
    proc_cpu::Services,
    stats,
    windows::{self, CpuSampler},
};

/// What to run: `sessions` sessions, one turn each per `period`, turns due before
/// `duration` has passed.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    pub sessions: usize,
    pub period: Duration,
    pub duration: Duration,
}

impl Plan {
    /// When session `i`'s turns are due, from the start of the run.
    fn due(&self, i: usize) -> Vec<Duration> {
        let offset = self.period.mul_f64(i as f64 / self.sessions.max(1) as f64);
        (0u32..)
            .map(|k| offset + self.period * k)
            .take_while(|d| *d < self.duration)
            .collect()
    }
}

/// What one session saw.
#[derive(Default)]
struct Outcome {
    asked: usize,
    turns: Vec<Turn>,
    /// Each served turn's due time (s from the start) and total (ms), for the windows.
    times: Vec<(f64, f64)>,
    /// ms between a turn's due time and its send.
    lags: Vec<f64>,
    errors: Vec<String>,
}

impl Outcome {
    fn absorb(&mut self, other: Outcome) {
        self.asked += other.asked;
        self.turns.extend(other.turns);
        self.times.extend(other.times);
        self.lags.extend(other.lags);
        self.errors.extend(other.errors);
    }

    /// Up to five distinct error messages, for the report.
    fn error_samples(&self) -> Vec<String> {
        let mut samples = self.errors.clone();
        samples.sort();
        samples.dedup();
        samples.truncate(5);
        samples
    }
}

async fn session(mut ws: Ws, name: String, due: Vec<Duration>, start: Instant) -> Outcome {
    let mut out = Outcome {
        asked: due.len(),
        ..Outcome::default()
    };
    for d in due {
        let at = start + d;
        tokio::time::sleep_until(at).await;
        out.lags.push(at.elapsed().as_secs_f64() * 1000.0);
        // A dead socket makes every later turn of the session fail fast, each counted.
        match turn(&mut ws, &name, false, at).await {
            Ok(t) => {
                out.times.push((d.as_secs_f64(), t.total));
                out.turns.push(t);
            }
            Err(e) => out.errors.push(e),
        }
    }
    out
}

/// Runs the plan against `bench` (offline); returns the JSON report.
pub async fn run(bench: &Bench, plan: Plan, services: &Services) -> Value {
    let sockets = bench.connect_all(plan.sessions).await;
    // A little head room, so the first sessions are not due before they are spawned.
    let start = Instant::now() + Duration::from_millis(100);
    let (cpu_before, probe) = (services.sample(), lag::LagProbe::start());
    let periods = (plan.duration.as_secs_f64() / plan.period.as_secs_f64()).ceil() as u32;
    let sampler = CpuSampler::start(services.clone(), start, plan.period, periods);
    let tasks: Vec<_> = sockets
        .into_iter()
        .enumerate()
        .map(|(i, ws)| tokio::spawn(session(ws, format!("paced-{i}"), plan.due(i), start)))
        .collect();
    let mut all = Outcome::default();
    for t in tasks {
        all.absorb(t.await.unwrap());
    }
    // The window is the whole duration even if the last turn ended early, so the CPU
    // figures cover a steady state of the load (idle time included).
    tokio::time::sleep_until(start + plan.duration).await;
    let (cpu, lags) = (services.sample().since(&cpu_before), probe.stop());
    let per_period = sampler.finish().await;
    let secs = start.elapsed().as_secs_f64();
    let mut out = json!({
        "sessions": plan.sessions, "period_s": plan.period.as_secs_f64(),
        "duration_s": plan.duration.as_secs_f64(), "shops": bench.tokens.len(),
        "voice_concurrency": std::env::var("VOICE_CONCURRENCY").unwrap_or_else(|_| "spec".into()),
        "turns_asked": all.asked, "turns_served": all.turns.len(),
        "errors": all.errors.len(), "error_samples": all.error_samples(),
        "total_ms": stats::summary(all.turns.iter().map(|t| t.total).collect()),
        "start_lag_ms": stats::summary(all.lags),
        "windows": windows::report(&all.times, plan.period, &per_period),
        "seconds": (secs * 100.0).round() / 100.0,
        "turns_per_s": ((all.turns.len() as f64 / secs) * 10.0).round() / 10.0,
        "loadavg": stats::loadavg(),
        "breakdown_ms": stats::breakdown(&all.turns), "runtime_lag_ms": stats::summary(lags),
    });
    stats::merge(&mut out, stats::cpu(&cpu, all.turns.len(), secs));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn turns_are_spread_over_the_first_period_and_stop_at_the_duration() {
        let plan = Plan {
            sessions: 4,
            period: Duration::from_secs(10),
            duration: Duration::from_secs(25),
        };
        let secs = |i| {
            plan.due(i)
                .iter()
                .map(Duration::as_secs_f64)
                .collect::<Vec<_>>()
        };
        assert_eq!(secs(0), [0.0, 10.0, 20.0]);
        assert_eq!(secs(2), [5.0, 15.0]);
        assert_eq!(secs(3), [7.5, 17.5]);
    }
}
