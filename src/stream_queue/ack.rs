//! Batched acknowledgements: finished entries are acknowledged and deleted (`XACK` +
//! `XDEL`, one round trip) a batch at a time, so the stream holds only what is not done.
//!
//! Redis 7.0 has no `XACKDEL`; deleting in the same pipeline keeps memory bounded without
//! trimming, which could drop entries a slow worker has not read yet.

use std::{sync::Arc, time::Duration};

use redis::aio::ConnectionManager;
use tokio::sync::{mpsc, oneshot};

use super::{QueueConfig, config::GROUP};

enum AckMsg {
    Ack(String),
    /// Sends everything queued so far, then answers.
    Flush(oneshot::Sender<()>),
}

/// A handle to one worker's acknowledger task. Cheap to clone.
#[derive(Clone)]
pub(crate) struct Acker {
    tx: mpsc::UnboundedSender<AckMsg>,
}

impl Acker {
    /// Starts the task; it ends when every handle is dropped and its queue is sent.
    pub(crate) fn start(conn: ConnectionManager, cfg: Arc<QueueConfig>) -> Self {
        // Unbounded, yet bounded in practice: at most one message per entry the worker
        // holds, and it holds at most its buffer plus its concurrency.
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(run(conn, cfg, rx));
        Self { tx }
    }

    pub(crate) fn ack(&self, entry: String) {
        // Fails only once the task is gone, at shutdown: the entry is then reclaimed and
        // delivered again, which at-least-once delivery allows.
        let _ = self.tx.send(AckMsg::Ack(entry));
    }

    /// Resolves once every acknowledgement queued before it has been sent (or given up).
    pub(crate) async fn flush(&self) {
        let (tx, rx) = oneshot::channel();
        if self.tx.send(AckMsg::Flush(tx)).is_ok() {
            let _ = rx.await;
        }
    }
}

async fn run(
    conn: ConnectionManager,
    cfg: Arc<QueueConfig>,
    mut rx: mpsc::UnboundedReceiver<AckMsg>,
) {
    let stream = cfg.stream_key();
    let mut batch: Vec<String> = Vec::with_capacity(cfg.ack_batch);
    let mut waiters: Vec<oneshot::Sender<()>> = Vec::new();
    while let Some(first) = rx.recv().await {
        take(first, &mut batch, &mut waiters);
        // Linger for company unless someone waits for a flush or the batch is full.
        let deadline = tokio::time::Instant::now() + cfg.ack_linger;
        while waiters.is_empty() && batch.len() < cfg.ack_batch {
            match tokio::time::timeout_at(deadline, rx.recv()).await {
                Ok(Some(msg)) => take(msg, &mut batch, &mut waiters),
                Ok(None) | Err(_) => break,
            }
        }
        while batch.len() < cfg.ack_batch {
            match rx.try_recv() {
                Ok(msg) => take(msg, &mut batch, &mut waiters),
                Err(_) => break,
            }
        }
        send(&conn, &stream, &batch).await;
        batch.clear();
        for w in waiters.drain(..) {
            let _ = w.send(());
        }
    }
}

fn take(msg: AckMsg, batch: &mut Vec<String>, waiters: &mut Vec<oneshot::Sender<()>>) {
    match msg {
        AckMsg::Ack(id) => batch.push(id),
        AckMsg::Flush(w) => waiters.push(w),
    }
}

/// `XACK` + `XDEL` in one round trip, retried a few times; entries whose acknowledgement
/// is finally lost are reclaimed after their lease and delivered again.
async fn send(conn: &ConnectionManager, stream: &str, ids: &[String]) {
    if ids.is_empty() {
        return;
    }
    let mut backoff = Duration::from_millis(20);
    for attempt in 1..=5 {
        let mut c = conn.clone();
        let sent: redis::RedisResult<()> = redis::pipe()
            .cmd("XACK")
            .arg(stream)
            .arg(GROUP)
            .arg(ids)
            .ignore()
            .cmd("XDEL")
            .arg(stream)
            .arg(ids)
            .ignore()
            .query_async(&mut c)
            .await;
        match sent {
            Ok(()) => return,
            Err(e) if attempt == 5 => {
                tracing::warn!(error = %e, entries = ids.len(), "acknowledgements lost; the entries will be delivered again");
            }
            Err(_) => {
                tokio::time::sleep(backoff).await;
                backoff *= 2;
            }
        }
    }
}
