//! A worker's backend held shut by a condition: a restarted worker's delay
//! ([`super::restart`]), a paused queue ([`super::pause`]). The wrapper passes everything
//! to the backend it wraps; only reading (and, if the gate says so, readiness) waits
//! until the gate is open, with the gate registering the waker.

use std::task::{Context, Poll};

use apalis::prelude::{Backend, WorkerContext};
use apalis_core::backend::BackendConfig;

/// When a gated backend may read.
pub trait Gate {
    /// Whether `poll_ready` waits for the gate too (not only `poll_next`).
    const HOLDS_READY: bool;

    /// Open now; or not, and the waker is registered for when it opens.
    fn open(&mut self, cx: &mut Context<'_>) -> bool;
}

/// A backend behind a [`Gate`].
pub struct Gated<B, G> {
    pub(super) inner: B,
    pub(super) gate: G,
}

impl<B: Backend, G: Gate> Backend for Gated<B, G> {
    type Task = B::Task;
    type Error = B::Error;

    fn poll_ready(
        &mut self,
        cx: &mut Context<'_>,
        worker: &WorkerContext,
    ) -> Poll<Result<(), Self::Error>> {
        if G::HOLDS_READY && !self.gate.open(cx) {
            return Poll::Pending;
        }
        self.inner.poll_ready(cx, worker)
    }

    fn poll_next(
        &mut self,
        cx: &mut Context<'_>,
        worker: &WorkerContext,
    ) -> Poll<Option<Result<Self::Task, Self::Error>>> {
        if !self.gate.open(cx) {
            return Poll::Pending;
        }
        self.inner.poll_next(cx, worker)
    }

    fn poll_close(
        &mut self,
        cx: &mut Context<'_>,
        worker: &WorkerContext,
    ) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_close(cx, worker)
    }
}

impl<B: BackendConfig, G: Gate> BackendConfig for Gated<B, G> {
    type Args = B::Args;
    type Id = B::Id;
    type Kind = B::Kind;
    type Config = B::Config;
    type Layer = B::Layer;

    fn config(&self) -> &Self::Config {
        self.inner.config()
    }

    fn middleware(&mut self, worker: &mut WorkerContext) -> Self::Layer {
        self.inner.middleware(worker)
    }
}
