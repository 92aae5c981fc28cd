//! What a run reports: percentiles of the turn times and of each part of a turn, and
//! the CPU each party used per turn served.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::{client::Turn, proc_cpu::CpuUsage};

fn pct(sorted: &[f64], p: f64) -> f64 {
    let i = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len()) - 1;
    round1(sorted[i])
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// p50/p90/p95/p99/max/mean of `v` (`null` when empty).
pub fn summary(mut v: Vec<f64>) -> Value {
    v.sort_by(f64::total_cmp);
    if v.is_empty() {
        return Value::Null;
    }
    let mean = v.iter().sum::<f64>() / v.len() as f64;
    json!({"p50": pct(&v, 0.5), "p90": pct(&v, 0.9), "p95": pct(&v, 0.95), "p99": pct(&v, 0.99),
           "max": pct(&v, 1.0), "mean": round1(mean)})
}

/// The summary of each part of the turns (`enqueue`, `queue_wait`, `step_execute`, …).
pub fn breakdown(turns: &[Turn]) -> Value {
    let mut parts: HashMap<&str, Vec<f64>> = HashMap::new();
    for t in turns {
        for (k, v) in &t.parts {
            parts.entry(k).or_default().push(*v);
        }
    }
    parts
        .into_iter()
        .map(|(k, v)| (k.to_string(), summary(v)))
        .collect::<serde_json::Map<_, _>>()
        .into()
}

/// CPU used in the run of `secs` seconds: ms per turn served for this process
/// (server, workers, fakes and clients together), PostgreSQL and Redis; and the cores
/// busy on average, theirs and the whole machine's (the rest is other people's work on
/// a shared machine).
pub fn cpu(used: &CpuUsage, turns: usize, secs: f64) -> Value {
    let per = used.per_unit_ms(turns);
    let cores = |s: Option<f64>| s.map(|s| (s / secs * 100.0).round() / 100.0);
    let ours = (|| Some(used.process? + used.postgres? + used.redis?))();
    json!({
        "cpu_ms_per_turn": {"process": per.process, "postgres": per.postgres, "redis": per.redis},
        "cores_busy": {"process": cores(used.process), "postgres": cores(used.postgres),
                       "redis": cores(used.redis), "ours": cores(ours), "machine": cores(used.machine),
                       "machine_cores": std::thread::available_parallelism().map(usize::from).ok()},
    })
}

/// The 1-, 5- and 15-minute load averages: how busy the (shared) machine was.
pub fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .trim()
        .to_string()
}

/// Adds every key of `extra` (an object) to `out` (an object).
pub fn merge(out: &mut Value, extra: Value) {
    if let (Value::Object(o), Value::Object(e)) = (out, extra) {
        o.extend(e);
    }
}
