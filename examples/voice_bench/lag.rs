//! How late this process's runtime runs a task that is ready: a probe task sleeps
//! [`TICK`] over and over and records how much later than asked it woke. Small values
//! mean tasks ran as soon as they could; large ones mean they queued for a CPU (the
//! runtime's two workers busy, or the machine's cores taken by others), which inflates
//! every await of every turn alike — the signature of a CPU-bound run, as opposed to
//! turns waiting for a worker slot or a pooled connection.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use tokio::{task::JoinHandle, time::Instant};

const TICK: Duration = Duration::from_millis(10);

pub struct LagProbe {
    lags: Arc<Mutex<Vec<f64>>>,
    task: JoinHandle<()>,
}

impl LagProbe {
    pub fn start() -> Self {
        let lags = Arc::new(Mutex::new(Vec::new()));
        let sink = lags.clone();
        let task = tokio::spawn(async move {
            loop {
                let due = Instant::now() + TICK;
                tokio::time::sleep_until(due).await;
                sink.lock()
                    .unwrap()
                    .push(due.elapsed().as_secs_f64() * 1000.0);
            }
        });
        Self { lags, task }
    }

    /// Stops the probe; returns the wake-up delays it saw, in ms.
    pub fn stop(self) -> Vec<f64> {
        self.task.abort();
        std::mem::take(&mut *self.lags.lock().unwrap())
    }
}
