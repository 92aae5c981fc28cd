//! The paced run period by period: p50 and p99 of the turns due in each period, and
//! the cores busy in it — ours (this process, PostgreSQL, Redis) and the machine's. A
//! tail that sits in a few periods where the machine was busy with other work is
//! interference on a shared machine; one spread over every period is the system's own.

use std::time::Duration;

use serde_json::{Value, json};
use tokio::{task::JoinHandle, time::Instant};

use super::{
    proc_cpu::{CpuUsage, Services},
    stats,
};

/// Samples CPU use at every period boundary of the run, from `start`.
pub struct CpuSampler(JoinHandle<Vec<CpuUsage>>);

impl CpuSampler {
    pub fn start(services: Services, start: Instant, period: Duration, periods: u32) -> Self {
        Self(tokio::spawn(async move {
            let mut samples = Vec::with_capacity(periods as usize + 1);
            for k in 0..=periods {
                tokio::time::sleep_until(start + period * k).await;
                samples.push(services.sample());
            }
            samples
        }))
    }

    pub async fn finish(self) -> Vec<CpuUsage> {
        self.0.await.unwrap_or_default()
    }
}

/// Cores busy between consecutive samples of a party.
fn cores(samples: &[CpuUsage], secs: f64, party: fn(&CpuUsage) -> Option<f64>) -> Vec<Value> {
    samples
        .windows(2)
        .map(|w| {
            let used = w[1].since(&w[0]);
            json!(party(&used).map(|s| (s / secs * 100.0).round() / 100.0))
        })
        .collect()
}

/// The report: `times` are each served turn's due time (s from the start) and total
/// (ms); `samples` come from a [`CpuSampler`] over the same periods.
pub fn report(times: &[(f64, f64)], period: Duration, samples: &[CpuUsage]) -> Value {
    let width = period.as_secs_f64().max(0.001);
    let mut by: Vec<Vec<f64>> = vec![Vec::new(); samples.len().saturating_sub(1)];
    for &(at, total) in times {
        let i = (at / width) as usize;
        if by.len() <= i {
            by.resize(i + 1, Vec::new());
        }
        by[i].push(total);
    }
    let pick = |v: &Value, k: &str| v.get(k).cloned().unwrap_or(Value::Null);
    let sums: Vec<Value> = by.into_iter().map(stats::summary).collect();
    json!({
        "seconds": width,
        "p50_ms": sums.iter().map(|s| pick(s, "p50")).collect::<Vec<_>>(),
        "p99_ms": sums.iter().map(|s| pick(s, "p99")).collect::<Vec<_>>(),
        "cores_ours": cores(samples, width, |u| Some(u.process? + u.postgres? + u.redis?)),
        "cores_machine": cores(samples, width, |u| u.machine),
    })
}
