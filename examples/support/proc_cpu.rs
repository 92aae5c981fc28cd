//! CPU time used by what a benchmark drives: this process, and the private PostgreSQL
//! and Redis that `scripts/services start NAME` runs. Their pids come from that
//! script's state directory (`target/services/NAME/`): PostgreSQL's `postmaster.pid`
//! in its data directory (under `pg/`, or wherever the `pgdir` file points), Redis's
//! `redis.pid`. Times are read from `/proc/PID/stat`, and the whole machine's busy time
//! from `/proc/stat` (on a shared machine, what others used meanwhile), so this is
//! Linux only; anything that cannot be read is `None` rather than a wrong zero.
//!
//! Shared by the benchmarks through `#[path]` (it is not an example of its own):
//!
//! ```ignore
//! // "support/proc_cpu.rs" from examples/queue_bench.rs,
//! // "../support/proc_cpu.rs" from examples/voice_bench/main.rs
//! #[path = "support/proc_cpu.rs"]
//! mod proc_cpu;
//! let services = proc_cpu::Services::at("target/services/bench");
//! let before = services.sample();
//! // … the measured work …
//! let per_turn_ms = services.sample().since(&before).per_unit_ms(turns);
//! ```
#![allow(
    dead_code,
    reason = "included by several benchmarks through #[path]; each uses what it needs"
)]

use std::{
    collections::HashMap,
    path::{Path, PathBuf},
};

/// Clock ticks per second of the times in `/proc/*/stat`: Linux's `USER_HZ`, which is
/// part of its user-space ABI and 100 on every architecture we run on (reading it
/// would need `sysconf`, hence a C binding, for a constant).
const TICKS_PER_SEC: f64 = 100.0;

/// CPU seconds (user + system) of each party; `None` when it could not be read.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CpuUsage {
    /// This process: with the benchmarks, server, workers, fakes and clients alike.
    pub process: Option<f64>,
    /// The postmaster and every process under it (backends, WAL writer, …).
    pub postgres: Option<f64>,
    pub redis: Option<f64>,
    /// Every process on the machine (all cores, from `/proc/stat`): on a shared machine,
    /// the difference to the three above is what others used meanwhile.
    pub machine: Option<f64>,
}

impl CpuUsage {
    /// What was used between `earlier` and this sample.
    pub fn since(&self, earlier: &CpuUsage) -> CpuUsage {
        let d = |a: Option<f64>, b: Option<f64>| Some(a? - b?);
        CpuUsage {
            process: d(self.process, earlier.process),
            postgres: d(self.postgres, earlier.postgres),
            redis: d(self.redis, earlier.redis),
            machine: d(self.machine, earlier.machine),
        }
    }

    /// Milliseconds of CPU per unit of work (turn, job), rounded to 0.01 ms.
    pub fn per_unit_ms(&self, units: usize) -> CpuUsage {
        let per = |s: Option<f64>| {
            let ms = s? * 1000.0 / units.max(1) as f64;
            Some((ms * 100.0).round() / 100.0)
        };
        CpuUsage {
            process: per(self.process),
            postgres: per(self.postgres),
            redis: per(self.redis),
            machine: per(self.machine),
        }
    }
}

/// One `scripts/services` instance, by its state directory.
#[derive(Debug, Clone)]
pub struct Services {
    dir: PathBuf,
}

impl Services {
    pub fn at(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// The postmaster's pid: the first line of `postmaster.pid`, if that process is
    /// still a `postgres` (a stale file's number may have been reused).
    pub fn postgres_pid(&self) -> Option<u32> {
        let pgdir = std::fs::read_to_string(self.dir.join("pgdir"))
            .map(|s| PathBuf::from(s.trim()))
            .unwrap_or_else(|_| self.dir.join("pg"));
        let text = std::fs::read_to_string(pgdir.join("data/postmaster.pid")).ok()?;
        let pid = text.lines().next()?.trim().parse().ok()?;
        (command(pid)? == "postgres").then_some(pid)
    }

    pub fn redis_pid(&self) -> Option<u32> {
        let text = std::fs::read_to_string(self.dir.join("redis.pid")).ok()?;
        let pid = text.trim().parse().ok()?;
        (command(pid)? == "redis-server").then_some(pid)
    }

    /// CPU seconds used so far by this process, PostgreSQL's process tree and Redis.
    pub fn sample(&self) -> CpuUsage {
        CpuUsage {
            process: own_seconds(),
            postgres: self.postgres_pid().and_then(tree_seconds),
            redis: self
                .redis_pid()
                .and_then(|pid| stat(&format!("/proc/{pid}/stat")))
                .map(|s| s.own_seconds()),
            machine: machine_busy_seconds(),
        }
    }
}

/// CPU seconds all cores spent busy since boot: every state of `/proc/stat`'s `cpu`
/// line but idle and iowait (guest time is already inside user and nice).
pub fn machine_busy_seconds() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/stat").ok()?;
    let line = text.lines().find(|l| l.starts_with("cpu "))?;
    let ticks: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .map(|f| f.parse().ok())
        .collect::<Option<_>>()?;
    // user nice system idle iowait irq softirq steal [guest guest_nice]
    let busy: u64 = ticks
        .iter()
        .take(8)
        .enumerate()
        .filter(|(i, _)| *i != 3 && *i != 4)
        .map(|(_, t)| t)
        .sum();
    Some(busy as f64 / TICKS_PER_SEC)
}

/// CPU seconds of this process (all its threads, live or ended).
pub fn own_seconds() -> Option<f64> {
    stat("/proc/self/stat").map(|s| s.own_seconds())
}

/// CPU seconds of `root` and all its descendants, including those that ended: a reaped
/// child's time moves into its parent's `cutime`/`cstime`, so the sum over the tree of
/// own + reaped-children times only grows, and a difference of two samples is the work
/// done in between (a PostgreSQL backend that exits mid-run is not lost).
pub fn tree_seconds(root: u32) -> Option<f64> {
    let mut children: HashMap<u32, Vec<(u32, Stat)>> = HashMap::new();
    let mut root_stat = None;
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        // A process may end between the listing and the read: skip it.
        let Some(s) = stat(&format!("/proc/{pid}/stat")) else {
            continue;
        };
        if pid == root {
            root_stat = Some(s);
        } else {
            children.entry(s.ppid).or_default().push((pid, s));
        }
    }
    let mut total = 0.0;
    let mut todo = vec![(root, root_stat?)];
    while let Some((pid, s)) = todo.pop() {
        total += s.own_seconds() + s.reaped_children_seconds();
        todo.extend(children.remove(&pid).unwrap_or_default());
    }
    Some(total)
}

/// The fields of `/proc/PID/stat` used here, in clock ticks.
#[derive(Debug, Clone, Copy)]
struct Stat {
    ppid: u32,
    utime: u64,
    stime: u64,
    cutime: u64,
    cstime: u64,
}

impl Stat {
    fn own_seconds(&self) -> f64 {
        (self.utime + self.stime) as f64 / TICKS_PER_SEC
    }

    fn reaped_children_seconds(&self) -> f64 {
        (self.cutime + self.cstime) as f64 / TICKS_PER_SEC
    }
}

fn stat(path: &str) -> Option<Stat> {
    parse_stat(&std::fs::read_to_string(path).ok()?)
}

/// Parses `pid (comm) state ppid … utime stime cutime cstime …`. The command name may
/// hold spaces and parentheses, so fields are counted from its last `)`.
fn parse_stat(text: &str) -> Option<Stat> {
    let rest = &text[text.rfind(')')? + 1..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    // After the name: state is field 3 of the man page (index 0 here), ppid 4, utime 14.
    let num = |field: usize| f.get(field - 3)?.parse::<u64>().ok();
    Some(Stat {
        ppid: u32::try_from(num(4)?).ok()?,
        utime: num(14)?,
        stime: num(15)?,
        cutime: num(16)?,
        cstime: num(17)?,
    })
}

/// The process's name as `/proc/PID/comm` gives it.
fn command(pid: u32) -> Option<String> {
    let comm = std::fs::read_to_string(Path::new("/proc").join(pid.to_string()).join("comm"));
    Some(comm.ok()?.trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_counted_from_the_last_parenthesis() {
        let line = "42 (a (b) c) S 7 42 42 0 -1 4194560 100 0 0 0 250 31 9 4 20 0 1 0 5 0 0";
        let s = parse_stat(line).unwrap();
        assert_eq!(
            (s.ppid, s.utime, s.stime, s.cutime, s.cstime),
            (7, 250, 31, 9, 4)
        );
    }
}
