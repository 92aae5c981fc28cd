//! A session's followed jobs: subscribing with `after`, filling gaps from the job's
//! stream, and sending each event once, in order (the rules are in the parent module's
//! documentation).

use super::*;

impl Session {
    pub(super) async fn subscribe(&mut self, job_id: Uuid, after: u64) -> Vec<String> {
        match jobs::get(&self.app.pool, self.principal.tenant_id, job_id).await {
            Ok(Some(_)) => {}
            Ok(None) => return vec![error("not_found", "job not found")],
            Err(e) => {
                tracing::error!(error = %e, "subscribe lookup failed");
                return vec![error("unavailable", "try again")];
            }
        }
        self.followed.follow(job_id, after);
        let mut out = vec![encode(&ServerMessage::Subscribed { job_id })];
        out.extend(self.catch_up(job_id).await);
        out
    }

    /// Sends what the stream holds after the last id sent; everything from the start
    /// when the stream now begins with a `reload` not yet sent (Redis lost the job's
    /// events and the numbering restarted).
    pub(super) async fn catch_up(&mut self, job_id: Uuid) -> Vec<String> {
        let Some(last) = self.followed.last(job_id) else {
            return vec![];
        };
        let events = self.app.queue.events();
        let replay = match events.replay_with_head(job_id, last).await {
            Ok((Some(head), _)) if self.followed.is_new_reload(&head) => {
                events.replay(job_id, 0).await
            }
            Ok((_, rest)) => Ok(rest),
            Err(e) => Err(e),
        };
        let replay = match replay {
            Ok(events) => events,
            Err(e) => {
                tracing::warn!(error = %e, "event replay failed");
                return vec![error(
                    "replay_failed",
                    "could not replay events; resubscribe",
                )];
            }
        };
        let mut out = Vec::new();
        for event in replay {
            out.extend(self.deliver(&event));
        }
        out
    }

    pub(super) async fn catch_up_all(&mut self) -> Vec<String> {
        let mut out = Vec::new();
        for job in self.followed.jobs() {
            out.extend(self.catch_up(job).await);
        }
        out
    }

    pub(super) async fn on_event(&mut self, event: Arc<JobEvent>) -> Vec<String> {
        if event.tenant_id != self.principal.tenant_id {
            return vec![];
        }
        match self.followed.verdict(&event) {
            // Watched but not followed: passed on as it comes, without gap filling.
            None if self.watching => vec![encode(&ServerMessage::Event(&event))],
            None | Some(Verdict::Skip) => vec![],
            Some(Verdict::Send) => self.deliver(&event).into_iter().collect(),
            Some(Verdict::Gap) => self.catch_up(event.job_id).await,
        }
    }

    /// Sends one event if it is the next for its job.
    pub(super) fn deliver(&mut self, event: &JobEvent) -> Option<String> {
        if !self.followed.advance(event) {
            return None;
        }
        self.app
            .metrics
            .ws_events_sent
            .with_label_values(&[&event.kind])
            .inc();
        Some(encode(&ServerMessage::Event(event)))
    }
}
