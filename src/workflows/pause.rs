//! Paused queues: an operator stops the workers of a workflow from taking its jobs,
//! which wait in the queue until it is resumed.
//!
//! The state is a Redis set of paused workflow names (`<namespace>:queues:paused`),
//! shared by every process. Each worker process reads it once a second ([`watch`]) into a
//! watch channel, and each worker's backend is wrapped in a [`PauseGate`] that stops
//! reading from the queue while its workflow is in the set: the claim path itself asks
//! nothing of Redis, so a job costs no extra round trip. A job already taken keeps
//! running; within about a second of a pause no new one starts, and within about a
//! second of a resume the queue is read again.

use std::{collections::BTreeSet, sync::Arc, task::Context, time::Duration};

use futures::{FutureExt, future::BoxFuture};
use redis::{AsyncCommands, aio::ConnectionManager};
use tokio::sync::watch;

use super::gated::{Gate, Gated};

/// How often a worker process reads the set.
const REFRESH: Duration = Duration::from_secs(1);

/// The set's key.
pub fn key(namespace: &str) -> String {
    format!("{namespace}:queues:paused")
}

/// The paused workflows.
pub async fn paused(
    conn: &mut ConnectionManager,
    namespace: &str,
) -> redis::RedisResult<BTreeSet<String>> {
    conn.smembers(key(namespace)).await
}

/// Pauses (`true`) or resumes a workflow's queue; whether that changed anything.
pub async fn set(
    conn: &mut ConnectionManager,
    namespace: &str,
    workflow: &str,
    pause: bool,
) -> redis::RedisResult<bool> {
    let changed: i64 = if pause {
        conn.sadd(key(namespace), workflow).await?
    } else {
        conn.srem(key(namespace), workflow).await?
    };
    Ok(changed == 1)
}

/// The paused set as this process last read it; the refresh stops when it is dropped.
pub struct PauseWatch {
    rx: watch::Receiver<Arc<BTreeSet<String>>>,
    refresh: tokio::task::JoinHandle<()>,
}

impl Drop for PauseWatch {
    fn drop(&mut self) {
        self.refresh.abort();
    }
}

/// Starts reading the set every [`REFRESH`]. While Redis is unreachable the last state
/// read stands (the workers cannot read their queues then either).
pub fn watch(mut conn: ConnectionManager, namespace: &str) -> PauseWatch {
    let (tx, rx) = watch::channel(Arc::new(BTreeSet::new()));
    let namespace = namespace.to_string();
    let refresh = tokio::spawn(async move {
        let mut tick = tokio::time::interval(REFRESH);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Ok(now) = paused(&mut conn, &namespace).await {
                tx.send_if_modified(|old| {
                    let changed = **old != now;
                    if changed {
                        *old = Arc::new(now);
                    }
                    changed
                });
            }
        }
    });
    PauseWatch { rx, refresh }
}

impl PauseWatch {
    /// What makes the gates (cheap to clone into each worker's factory).
    pub fn gates(&self) -> Gates {
        Gates(self.rx.clone())
    }
}

/// Makes [`PauseGate`]s that follow one [`PauseWatch`].
#[derive(Clone)]
pub struct Gates(watch::Receiver<Arc<BTreeSet<String>>>);

impl Gates {
    /// A gate for `workflow`'s worker around its backend.
    pub fn gate<B>(&self, workflow: &str, inner: B) -> PauseGate<B> {
        Gated {
            inner,
            gate: Unpaused {
                workflow: workflow.to_string(),
                rx: self.0.clone(),
                resumed: None,
            },
        }
    }
}

/// A worker's backend that is not read while its workflow is paused.
pub type PauseGate<B> = Gated<B, Unpaused>;

/// The gate of [`PauseGate`]: open while its workflow is not paused.
pub struct Unpaused {
    workflow: String,
    rx: watch::Receiver<Arc<BTreeSet<String>>>,
    /// Resolves when the workflow is no longer paused (or the watch is gone).
    resumed: Option<BoxFuture<'static, ()>>,
}

impl Gate for Unpaused {
    // A paused worker stays ready: only its reading waits.
    const HOLDS_READY: bool = false;

    fn open(&mut self, cx: &mut Context<'_>) -> bool {
        if !self.rx.borrow().contains(&self.workflow) {
            self.resumed = None;
            return true;
        }
        let resumed = self.resumed.get_or_insert_with(|| {
            let (mut rx, workflow) = (self.rx.clone(), self.workflow.clone());
            async move {
                // An error: the watch is gone (shutting down); stop gating.
                let _ = rx.wait_for(|set| !set.contains(&workflow)).await;
            }
            .boxed()
        });
        if resumed.poll_unpin(cx).is_ready() {
            self.resumed = None;
            return true;
        }
        false
    }
}
