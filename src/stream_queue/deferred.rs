//! Acknowledging after the handler: a handler whose last act is a write it has queued
//! elsewhere (a group-committed record) can hand that write's completion to the
//! middleware and return, so its concurrency slot takes the next task while the write
//! commits.
//!
//! The middleware puts an [`AckAfter`] in every task's data. A handler that calls
//! [`AckAfter::defer`] returns at once; the middleware, which sits outside the worker's
//! concurrency limit, awaits the deferred future and acknowledges the entry only if it
//! resolves to `true`. Until then the entry is still held, so its lease keeps being
//! renewed, and the worker's graceful shutdown waits for it like any running task
//! (apalis drains every in-flight future before it closes the backend). A `false`, or a
//! handler error, leaves the entry to be delivered again after its lease.

use std::{
    future::Future,
    sync::{Arc, Mutex, PoisonError},
};

use futures::future::BoxFuture;

/// The slot a handler fills to acknowledge its task later; cloned out of the task's data
/// (`apalis::prelude::Data<AckAfter>`).
#[derive(Clone, Default)]
pub struct AckAfter {
    later: Arc<Mutex<Option<BoxFuture<'static, bool>>>>,
}

impl AckAfter {
    /// Acknowledges the task once `settled` resolves, if it resolves to `true`, instead
    /// of when the handler returns. The caller bounds how many of these are pending (a
    /// worker keeps taking tasks while they are).
    pub fn defer(&self, settled: impl Future<Output = bool> + Send + 'static) {
        let mut slot = self.later.lock().unwrap_or_else(PoisonError::into_inner);
        *slot = Some(Box::pin(settled));
    }

    /// The deferred completion, if the handler left one.
    pub(crate) fn take(&self) -> Option<BoxFuture<'static, bool>> {
        let mut slot = self.later.lock().unwrap_or_else(PoisonError::into_inner);
        slot.take()
    }
}
