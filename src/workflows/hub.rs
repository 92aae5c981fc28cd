//! This process's share of the job events: one Redis subscription, fanned out locally.
//!
//! Every server process holds one pub/sub connection on the events channel and
//! re-broadcasts each event in-process; WebSocket sessions and `Prefer: wait` requests
//! subscribe here and filter by job. A session that falls behind (the broadcast buffer
//! overflowed) or sees a gap in a job's ids fills it from the job's stream.

use std::{sync::Arc, time::Duration};

use futures::StreamExt;
use tokio::sync::broadcast;

use super::events::{EventBus, JobEvent};

/// Fan-out of job events to this process's listeners. Cheap to clone.
#[derive(Clone)]
pub struct Hub {
    sender: broadcast::Sender<Arc<JobEvent>>,
}

impl Hub {
    /// Starts the subscription task and returns the hub.
    pub fn start(client: redis::Client, bus: &EventBus) -> Self {
        let (sender, _) = broadcast::channel(4096);
        let hub = Self { sender };
        let channel = bus.channel();
        let task_hub = hub.clone();
        tokio::spawn(async move { task_hub.pump(client, channel).await });
        hub
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<JobEvent>> {
        self.sender.subscribe()
    }

    /// Keeps a subscription alive for the life of the process, reconnecting with backoff.
    async fn pump(self, client: redis::Client, channel: String) {
        let mut backoff = Duration::from_millis(100);
        loop {
            match client.get_async_pubsub().await {
                Ok(mut pubsub) => match pubsub.subscribe(&channel).await {
                    Ok(()) => {
                        backoff = Duration::from_millis(100);
                        let mut messages = pubsub.on_message();
                        while let Some(msg) = messages.next().await {
                            let Ok(payload) = msg.get_payload::<String>() else {
                                continue;
                            };
                            if let Some(event) = EventBus::decode(&payload) {
                                // No listener is fine: nobody is waiting on this process.
                                let _ = self.sender.send(Arc::new(event));
                            }
                        }
                        tracing::warn!("event subscription ended; reconnecting");
                    }
                    Err(e) => tracing::warn!(error = %e, "event subscribe failed"),
                },
                Err(e) => tracing::warn!(error = %e, "event subscription connect failed"),
            }
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(Duration::from_secs(5));
        }
    }
}
