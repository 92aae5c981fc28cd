//! Job events that could not reach Redis before a process exited are kept in PostgreSQL
//! and written later, in order, instead of being lost.
//!
//! At exit the process waits a bounded time for its queued events; when Redis is still
//! unreachable, [`park_unwritten`] takes them from the batcher and stores them. Every
//! worker process's upkeep calls [`write_parked`]: once Redis answers, the events are
//! written with the next ids of their jobs, so followers receive them live or by replay
//! (the terminal event of a job that finished during the outage included). A job whose
//! Redis keys were lost meanwhile gets the usual `reload` first.

use sqlx::PgPool;

use super::events::{EventBus, ParkedEvent};
use crate::domain::parked_events;

/// Most events written back per transaction.
const TAKE_MAX: i64 = 500;

/// Stops retrying the bus's unwritten events and stores them; returns how many.
pub async fn park_unwritten(bus: &EventBus, pool: &PgPool) -> sqlx::Result<usize> {
    let parked: Vec<parked_events::Parked> = bus
        .park_unwritten()
        .await
        .into_iter()
        .map(|e| (e.job_id, e.body, e.first))
        .collect();
    parked_events::park(pool, &parked).await?;
    Ok(parked.len())
}

/// Writes parked events to Redis, oldest first, until none is left; returns how many.
/// A batch is deleted only once every event of it is written: on a failure it stays
/// for the next call (and an event written before the failure may be written twice,
/// the rarer harm than a lost one).
pub async fn write_parked(bus: &EventBus, pool: &PgPool) -> anyhow::Result<usize> {
    let mut written = 0;
    loop {
        let mut tx = pool.begin().await?;
        let batch = parked_events::take(&mut tx, TAKE_MAX).await?;
        if batch.is_empty() {
            return Ok(written);
        }
        let count = batch.len();
        for (job_id, body, first) in batch {
            // One at a time: each awaits its id, so a job's events keep their order.
            bus.publish_parked(ParkedEvent {
                job_id,
                body,
                first,
            })
            .await?;
        }
        tx.commit().await?;
        written += count;
    }
}
