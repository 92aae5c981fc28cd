//! A worker's keeper: on a timer of a third of the lease, renews the lease of every entry
//! the worker holds, reclaims entries other workers abandoned, and now and then forgets
//! consumers that are long gone.
//!
//! Renewal is what lets a long step (a voice provider call, an invoice render) run past
//! the lease: the entry stays with its worker for as long as the worker lives.

use std::{collections::HashMap, time::Duration};

use redis::{Value, streams::StreamAutoClaimReply};
use serde::de::DeserializeOwned;
use tokio::sync::watch;

use super::{StreamError, config::GROUP, reader::Handoff};

/// Rounds between looks at the delayed set's head and at stale consumers.
const SLOW_ROUNDS: u32 = 12;

pub(crate) struct Keeper<T> {
    pub(crate) handoff: Handoff<T>,
    pub(crate) stop: watch::Receiver<bool>,
}

impl<T: DeserializeOwned + Send + 'static> Keeper<T> {
    pub(crate) async fn run(mut self) {
        let every = self.handoff.shared.cfg.housekeeping_every();
        // The first round a third of a lease in, not at once: the reader creates the
        // group first, and nothing can be held or abandoned before then anyway.
        let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut round = 0u32;
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = self.stop.changed() => return,
            }
            if let Err(e) = self.round(round).await {
                tracing::warn!(queue = %self.handoff.shared.cfg.queue, error = %e, "queue housekeeping failed");
            }
            round = round.wrapping_add(1);
        }
    }

    async fn round(&mut self, round: u32) -> Result<(), StreamError> {
        self.renew().await?;
        self.reclaim().await?;
        if round.is_multiple_of(SLOW_ROUNDS) {
            self.look_at_delayed().await?;
            self.forget_stale_consumers().await?;
        }
        Ok(())
    }

    /// Resets the idle time of every held entry (`XCLAIM … JUSTID` to itself).
    async fn renew(&mut self) -> Result<(), StreamError> {
        let held = self.handoff.shared.held();
        for chunk in held.chunks(500) {
            let _: Value = redis::cmd("XCLAIM")
                .arg(self.handoff.shared.cfg.stream_key())
                .arg(GROUP)
                .arg(&self.handoff.shared.consumer)
                .arg(0)
                .arg(chunk)
                .arg("JUSTID")
                .query_async(&mut self.handoff.conn)
                .await?;
        }
        Ok(())
    }

    /// Takes entries idle for longer than a lease (their worker died), as many as the
    /// worker has room for, and hands them over with their delivery counts.
    async fn reclaim(&mut self) -> Result<(), StreamError> {
        let room = self.handoff.tx.capacity();
        if room == 0 {
            return Ok(());
        }
        let cfg = self.handoff.shared.cfg.clone();
        let lease_ms = u64::try_from(cfg.lease.as_millis()).unwrap_or(u64::MAX);
        let reply: StreamAutoClaimReply = redis::cmd("XAUTOCLAIM")
            .arg(cfg.stream_key())
            .arg(GROUP)
            .arg(&self.handoff.shared.consumer)
            .arg(lease_ms)
            .arg("0-0")
            .arg("COUNT")
            .arg(room)
            .query_async(&mut self.handoff.conn)
            .await?;
        if reply.claimed.is_empty() {
            return Ok(());
        }
        let counts = self.delivery_counts(&reply).await?;
        tracing::info!(queue = %cfg.queue, entries = reply.claimed.len(), "abandoned queue entries reclaimed");
        for entry in reply.claimed {
            let deliveries = counts.get(&entry.id).copied().unwrap_or(2);
            if !self.handoff.dispatch(entry, deliveries).await {
                return Ok(());
            }
        }
        Ok(())
    }

    /// How many times each just-claimed entry has been delivered (this time included).
    async fn delivery_counts(
        &mut self,
        reply: &StreamAutoClaimReply,
    ) -> Result<HashMap<String, usize>, StreamError> {
        let (Some(first), Some(last)) = (reply.claimed.first(), reply.claimed.last()) else {
            return Ok(HashMap::new());
        };
        let rows: Vec<(String, String, u64, usize)> = redis::cmd("XPENDING")
            .arg(self.handoff.shared.cfg.stream_key())
            .arg(GROUP)
            .arg(&first.id)
            .arg(&last.id)
            .arg(reply.claimed.len())
            .arg(&self.handoff.shared.consumer)
            .query_async(&mut self.handoff.conn)
            .await?;
        Ok(rows.into_iter().map(|(id, _, _, n)| (id, n)).collect())
    }

    /// Tells the reader about the earliest delayed entry, in case the wake-up that
    /// announced it went to a worker that died before it fell due.
    async fn look_at_delayed(&mut self) -> Result<(), StreamError> {
        let head: Vec<(String, i64)> = redis::cmd("ZRANGE")
            .arg(self.handoff.shared.cfg.delayed_key())
            .arg(0)
            .arg(0)
            .arg("WITHSCORES")
            .query_async(&mut self.handoff.conn)
            .await?;
        if let Some((_, due)) = head.first() {
            self.handoff.shared.due_at(*due);
        }
        Ok(())
    }

    /// Removes consumers that hold nothing and have been idle past the retention.
    async fn forget_stale_consumers(&mut self) -> Result<(), StreamError> {
        let cfg = self.handoff.shared.cfg.clone();
        let consumers: Vec<HashMap<String, Value>> = redis::cmd("XINFO")
            .arg("CONSUMERS")
            .arg(cfg.stream_key())
            .arg(GROUP)
            .query_async(&mut self.handoff.conn)
            .await?;
        let retention = Duration::as_millis(&cfg.consumer_retention);
        for c in consumers {
            let name: Option<String> = c
                .get("name")
                .and_then(|v| redis::from_redis_value(v.clone()).ok());
            let pending: i64 = c
                .get("pending")
                .and_then(|v| redis::from_redis_value(v.clone()).ok())
                .unwrap_or(1);
            let idle: i64 = c
                .get("idle")
                .and_then(|v| redis::from_redis_value(v.clone()).ok())
                .unwrap_or(0);
            let Some(name) = name else { continue };
            if pending == 0
                && u128::try_from(idle).unwrap_or(0) > retention
                && name != self.handoff.shared.consumer
            {
                let _: i64 = redis::cmd("XGROUP")
                    .arg("DELCONSUMER")
                    .arg(cfg.stream_key())
                    .arg(GROUP)
                    .arg(&name)
                    .query_async(&mut self.handoff.conn)
                    .await?;
            }
        }
        Ok(())
    }
}

/// The entries a closing worker still has pending (it runs nothing by then).
pub(crate) async fn pending_of(
    conn: &mut redis::aio::ConnectionManager,
    stream: &str,
    consumer: &str,
) -> Result<Vec<String>, StreamError> {
    let rows: Vec<(String, String, u64, usize)> = redis::cmd("XPENDING")
        .arg(stream)
        .arg(GROUP)
        .arg("-")
        .arg("+")
        .arg(100_000)
        .arg(consumer)
        .query_async(conn)
        .await?;
    Ok(rows.into_iter().map(|(id, ..)| id).collect())
}
