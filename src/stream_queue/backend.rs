//! The apalis side: [`StreamBackend`] feeds a worker from its reader's channel, and the
//! middleware it installs ([`AckLayer`]) acknowledges each task its service finished.
//!
//! Started lazily (apalis asks for the middleware, then polls), so a backend can be
//! built outside a runtime and a monitor can build a fresh one for every restart.
//! Closing stops the reader, sends the last acknowledgements and hands the entries the
//! worker read but never started back to the queue, so a graceful shutdown leaves
//! nothing waiting out a lease.

use std::{
    marker::PhantomData,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
};

use apalis::prelude::{Backend, Layer, Service, Task, WorkerContext};
use apalis_core::backend::{BackendConfig, finalize::Ephemeral};
use futures::{FutureExt, future::BoxFuture};
use redis::aio::ConnectionManager;
use serde::de::DeserializeOwned;
use tokio::sync::{mpsc, watch};

use crate::reconnects::Reconnects;

use super::{
    QueueConfig, StreamError,
    ack::Acker,
    config::GROUP,
    deferred::AckAfter,
    housekeeping::{Keeper, pending_of},
    reader::{Handoff, Reader, Shared},
    scripts,
};

/// The stream entry a task came from; in the task's data for the middleware.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryId(pub String);

/// One worker's view of a queue.
pub struct StreamBackend<T> {
    client: redis::Client,
    conn: ConnectionManager,
    cfg: Arc<QueueConfig>,
    running: Option<Running<T>>,
    closing: Option<BoxFuture<'static, Result<(), StreamError>>>,
    _args: PhantomData<fn() -> T>,
}

struct Running<T> {
    rx: mpsc::Receiver<Task<T>>,
    shared: Arc<Shared>,
    acker: Acker,
    stop: watch::Sender<bool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl<T: DeserializeOwned + Send + 'static> StreamBackend<T> {
    /// `client` opens the reader's own connection; `conn` carries everything else.
    pub fn new(client: redis::Client, conn: ConnectionManager, cfg: QueueConfig) -> Self {
        Self {
            client,
            conn,
            cfg: Arc::new(cfg),
            running: None,
            closing: None,
            _args: PhantomData,
        }
    }

    /// Starts the reader, keeper and acknowledger (once).
    fn start(&mut self) -> &mut Running<T> {
        self.running.get_or_insert_with(|| {
            let shared = Arc::new(Shared::new(self.cfg.clone()));
            let acker = Acker::start(self.conn.clone(), self.cfg.clone());
            let (tx, rx) = mpsc::channel(self.cfg.read_count.max(1));
            let (stop, stop_rx) = watch::channel(false);
            let handoff = Handoff {
                conn: self.conn.clone(),
                shared: shared.clone(),
                acker: acker.clone(),
                tx,
            };
            let reader = Reader {
                client: self.client.clone(),
                handoff: handoff.clone(),
                stop: stop_rx.clone(),
                reconnects: Reconnects::default(),
            };
            let keeper = Keeper {
                handoff,
                stop: stop_rx,
            };
            let tasks = vec![tokio::spawn(reader.run()), tokio::spawn(keeper.run())];
            Running {
                rx,
                shared,
                acker,
                stop,
                tasks,
            }
        })
    }
}

impl<T: DeserializeOwned + Send + 'static> Backend for StreamBackend<T> {
    type Task = Task<T>;
    type Error = StreamError;

    fn poll_ready(
        &mut self,
        _: &mut Context<'_>,
        _: &WorkerContext,
    ) -> Poll<Result<(), StreamError>> {
        self.start();
        Poll::Ready(Ok(()))
    }

    fn poll_next(
        &mut self,
        cx: &mut Context<'_>,
        _: &WorkerContext,
    ) -> Poll<Option<Result<Task<T>, StreamError>>> {
        match self.start().rx.poll_recv(cx) {
            Poll::Ready(Some(task)) => Poll::Ready(Some(Ok(task))),
            // The reader ends only when stopped; ending otherwise is an error the
            // monitor answers by restarting the worker.
            Poll::Ready(None) => Poll::Ready(Some(Err(StreamError::ReaderStopped))),
            Poll::Pending => Poll::Pending,
        }
    }

    fn poll_close(
        &mut self,
        cx: &mut Context<'_>,
        _: &WorkerContext,
    ) -> Poll<Result<(), StreamError>> {
        if self.closing.is_none() {
            let Some(running) = self.running.take() else {
                return Poll::Ready(Ok(()));
            };
            self.closing = Some(close(running, self.conn.clone()).boxed());
        }
        match self.closing.as_mut() {
            Some(fut) => fut.as_mut().poll(cx),
            None => Poll::Ready(Ok(())),
        }
    }
}

/// Stops reading, sends the last acknowledgements, hands back what was never started.
async fn close<T>(mut running: Running<T>, mut conn: ConnectionManager) -> Result<(), StreamError> {
    let _ = running.stop.send(true);
    for task in running.tasks.drain(..) {
        let _ = task.await;
    }
    running.rx.close();
    while running.rx.try_recv().is_ok() {}
    running.acker.flush().await;
    let cfg = &running.shared.cfg;
    let stream = cfg.stream_key();
    // Nothing runs any more: whatever this consumer still has pending never started.
    let unstarted = pending_of(&mut conn, &stream, &running.shared.consumer).await?;
    for chunk in unstarted.chunks(500) {
        let _: usize = scripts::REQUEUE
            .key(&stream)
            .arg(GROUP)
            .arg(chunk)
            .invoke_async(&mut conn)
            .await?;
    }
    let _: i64 = redis::cmd("XGROUP")
        .arg("DELCONSUMER")
        .arg(&stream)
        .arg(GROUP)
        .arg(&running.shared.consumer)
        .query_async(&mut conn)
        .await?;
    Ok(())
}

impl<T: DeserializeOwned + Send + 'static> BackendConfig for StreamBackend<T> {
    type Args = T;
    type Id = String;
    type Kind = Ephemeral;
    type Config = QueueConfig;
    type Layer = AckLayer;

    fn config(&self) -> &QueueConfig {
        &self.cfg
    }

    fn middleware(&mut self, _: &mut WorkerContext) -> AckLayer {
        let running = self.start();
        AckLayer {
            acker: running.acker.clone(),
            shared: running.shared.clone(),
        }
    }
}

/// Acknowledges every task its service finished successfully (or, if the handler
/// deferred it, once its [`AckAfter`] settles); a failed one is left to be reclaimed and
/// delivered again after the lease.
#[derive(Clone)]
pub struct AckLayer {
    acker: Acker,
    shared: Arc<Shared>,
}

impl<S> Layer<S> for AckLayer {
    type Service = AckService<S>;

    fn layer(&self, inner: S) -> AckService<S> {
        AckService {
            inner,
            layer: self.clone(),
        }
    }
}

/// The service [`AckLayer`] wraps around a worker's stack.
#[derive(Clone)]
pub struct AckService<S> {
    inner: S,
    layer: AckLayer,
}

impl<S, T> Service<Task<T>> for AckService<S>
where
    S: Service<Task<T>>,
    S::Future: Send + 'static,
    S::Response: Send,
    S::Error: Send,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<S::Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut task: Task<T>) -> Self::Future {
        let entry = task.ctx().data().get::<EntryId>().cloned();
        let after = AckAfter::default();
        task.inject_data(after.clone());
        let run = self.inner.call(task);
        let layer = self.layer.clone();
        Box::pin(async move {
            let outcome = run.await;
            let Some(EntryId(id)) = entry else {
                return outcome;
            };
            // A deferred completion runs here, past the concurrency limit's slot, with the
            // entry still held (its lease renewed) until it settles.
            let settled = match after.take() {
                Some(later) if outcome.is_ok() => later.await,
                _ => outcome.is_ok(),
            };
            layer.shared.release(&id);
            if settled {
                layer.acker.ack(id);
            }
            outcome
        })
    }
}
