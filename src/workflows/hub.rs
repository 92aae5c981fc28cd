//! This process's share of the job events: one Redis subscription, fanned out locally.
//!
//! Every server process holds one pub/sub connection on the events channel and
//! re-broadcasts each event in-process, on one channel per tenant: WebSocket sessions and
//! `Prefer: wait` requests subscribe to their tenant's and filter by job. Per tenant,
//! because waking every session of the process for every event of every shop cost more
//! than the events themselves once there were hundreds of sessions (docs/benchmarks.md).
//! A session that falls behind (its buffer overflowed) or sees a gap in a job's ids fills
//! it from the job's stream.
//!
//! The hub also tells those listeners that the server is shutting down: the HTTP server
//! stops on its own, but an upgraded WebSocket lives in a task of its own that poem's
//! graceful shutdown neither waits for nor ends. Sessions watch [`Hub::closing`], close
//! with 1001 and drop their receiver; [`Hub::listeners_gone`] waits for the last one.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use futures::StreamExt;
use tokio::sync::{broadcast, watch};
use uuid::Uuid;

use super::events::{EventBus, JobEvent};
use crate::reconnects::Reconnects;

/// Events buffered per tenant for a slow listener before it must catch up from Redis.
const TENANT_BUFFER: usize = 1024;

type Channels = HashMap<Uuid, broadcast::Sender<Arc<JobEvent>>>;

/// Fan-out of job events to this process's listeners. Cheap to clone.
#[derive(Clone)]
pub struct Hub {
    tenants: Arc<Mutex<Channels>>,
    /// `true` once the server is shutting down; every session holds a receiver.
    closing: Arc<watch::Sender<bool>>,
    /// Counts the subscriptions made: each new one (after Redis came back) tells every
    /// session to fill its followed jobs from their streams, since whatever was
    /// published while the subscription was down reached nobody here.
    resubscribed: Arc<watch::Sender<u64>>,
}

impl Hub {
    /// Starts the subscription task and returns the hub.
    pub fn start(client: redis::Client, bus: &EventBus) -> Self {
        let (closing, _) = watch::channel(false);
        let hub = Self {
            tenants: Arc::default(),
            closing: Arc::new(closing),
            resubscribed: Arc::new(watch::channel(0).0),
        };
        let channel = bus.channel();
        let task_hub = hub.clone();
        tokio::spawn(async move { task_hub.pump(client, channel).await });
        hub
    }

    /// The events of one tenant's jobs, from now on.
    pub fn subscribe(&self, tenant: Uuid) -> broadcast::Receiver<Arc<JobEvent>> {
        let mut tenants = self.tenants.lock().unwrap_or_else(|e| e.into_inner());
        tenants
            .entry(tenant)
            .or_insert_with(|| broadcast::channel(TENANT_BUFFER).0)
            .subscribe()
    }

    /// Hands an event to its tenant's listeners, if any; forgets tenants nobody listens
    /// to any more.
    fn dispatch(&self, event: JobEvent) {
        let mut tenants = self.tenants.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(sender) = tenants.get(&event.tenant_id) {
            if sender.receiver_count() == 0 {
                tenants.remove(&event.tenant_id);
            } else {
                // A send fails only without receivers, checked just above.
                let _ = sender.send(Arc::new(event));
            }
        }
    }

    /// A watch that turns `true` when the server starts shutting down. Hold it only as
    /// long as the listener lives: [`Hub::listeners_gone`] waits for every receiver.
    pub fn closing(&self) -> watch::Receiver<bool> {
        self.closing.subscribe()
    }

    /// Changes each time the subscription is made again: a listener then catches up on
    /// its jobs from their streams.
    pub fn resubscribed(&self) -> watch::Receiver<u64> {
        self.resubscribed.subscribe()
    }

    /// Tells every session and waiting request to finish now.
    pub fn close(&self) {
        // `send_replace`, not `send`: the value must stick even with no receiver yet, so
        // a session whose upgrade completes after this still sees it.
        self.closing.send_replace(true);
    }

    /// Resolves when no receiver of [`Hub::closing`] is left (sessions have closed).
    pub async fn listeners_gone(&self) {
        self.closing.closed().await;
    }

    /// Keeps a subscription alive for the life of the process, reconnecting with jittered
    /// backoff (capped at a second: the sooner it is back, the fewer events must be
    /// replayed); one warning per outage and one line when it is back.
    async fn pump(self, client: redis::Client, channel: String) {
        let mut reconnects = Reconnects::capped_at(Duration::from_secs(1));
        loop {
            let failure = match client.get_async_pubsub().await {
                Ok(mut pubsub) => match pubsub.subscribe(&channel).await {
                    Ok(()) => {
                        reconnects.back(SUBSCRIPTION);
                        self.resubscribed.send_modify(|n| *n += 1);
                        let mut messages = pubsub.on_message();
                        while let Some(msg) = messages.next().await {
                            let Ok(payload) = msg.get_payload::<String>() else {
                                continue;
                            };
                            for event in EventBus::decode_all(&payload) {
                                self.dispatch(event);
                            }
                        }
                        "event subscription ended".to_string()
                    }
                    Err(e) => format!("event subscribe failed: {e}"),
                },
                Err(e) => format!("event subscription connect failed: {e}"),
            };
            reconnects.back_off(SUBSCRIPTION, &failure).await;
        }
    }
}

/// How the event subscription is named in its reconnect log lines.
const SUBSCRIPTION: &str = "event subscription";

/// Resolves once `closing` (from [`Hub::closing`]) turns `true`.
pub async fn shutting_down(closing: &mut watch::Receiver<bool>) {
    // The sender lives as long as any hub clone; should it go anyway, that is no
    // shutdown: wait forever rather than end every listener at once.
    if closing.wait_for(|c| *c).await.is_err() {
        std::future::pending::<()>().await;
    }
}
