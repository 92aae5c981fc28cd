//! The jobs one session follows: for each, the last event id sent and which numbering
//! of the job's events that id belongs to.
//!
//! Ids of a job's events increase by one, so the last id sent says what a live event is:
//! the next one (send it), an old one (skip it) or one past a gap (fill the gap from the
//! job's stream first). Redis may lose a job's events (its data, or their TTL) while the
//! job lives on; the job's next event then starts a new numbering with a `reload` event
//! at id 1 (`workflows::events_batch`). A session sends each such `reload` once, whatever
//! its last id was, and follows the new numbering from there; a `reload` is told apart
//! from another by its timestamp.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::workflows::events::{JobEvent, RELOAD_KIND};

/// What to do with a live event of a followed job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Verdict {
    /// The next event (or a new numbering's `reload`): send it.
    Send,
    /// Already sent.
    Skip,
    /// Events are missing before it: catch up from the stream.
    Gap,
}

#[derive(Debug, Clone, Copy)]
struct Follow {
    /// The last id sent, in the current numbering.
    last: u64,
    /// The `reload` that began the current numbering, if one did.
    reload: Option<DateTime<Utc>>,
}

/// Followed jobs of one session.
#[derive(Debug, Default)]
pub(super) struct Follows {
    jobs: HashMap<Uuid, Follow>,
}

impl Follows {
    /// Follows `job` from the event after `after` (replacing any earlier position).
    pub(super) fn follow(&mut self, job: Uuid, after: u64) {
        self.jobs.insert(
            job,
            Follow {
                last: after,
                reload: None,
            },
        );
    }

    pub(super) fn unfollow(&mut self, job: Uuid) {
        self.jobs.remove(&job);
    }

    pub(super) fn last(&self, job: Uuid) -> Option<u64> {
        self.jobs.get(&job).map(|f| f.last)
    }

    pub(super) fn jobs(&self) -> Vec<Uuid> {
        self.jobs.keys().copied().collect()
    }

    /// Is `event` a `reload` this session has not sent for its job?
    pub(super) fn is_new_reload(&self, event: &JobEvent) -> bool {
        event.kind == RELOAD_KIND
            && self
                .jobs
                .get(&event.job_id)
                .is_some_and(|f| f.reload != Some(event.ts))
    }

    /// What a live event means; `None` when its job is not followed.
    pub(super) fn verdict(&self, event: &JobEvent) -> Option<Verdict> {
        let follow = self.jobs.get(&event.job_id)?;
        Some(if self.is_new_reload(event) {
            Verdict::Send
        } else if event.id <= follow.last {
            Verdict::Skip
        } else if event.id == follow.last + 1 {
            Verdict::Send
        } else {
            Verdict::Gap
        })
    }

    /// Records `event` as sent when it comes after the last one sent (or begins a new
    /// numbering); false when it must not be sent.
    pub(super) fn advance(&mut self, event: &JobEvent) -> bool {
        let new_reload = self.is_new_reload(event);
        let Some(follow) = self.jobs.get_mut(&event.job_id) else {
            return false;
        };
        if new_reload {
            follow.reload = Some(event.ts);
        } else if event.id <= follow.last {
            return false;
        }
        follow.last = event.id;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(job: Uuid, id: u64, kind: &str, ts: i64) -> JobEvent {
        JobEvent {
            id,
            job_id: job,
            tenant_id: Uuid::nil(),
            kind: kind.into(),
            data: serde_json::Value::Null,
            ts: DateTime::from_timestamp(ts, 0).unwrap_or_default(),
        }
    }

    #[test]
    fn next_old_and_gapped_events_are_told_apart() {
        let job = Uuid::now_v7();
        let mut f = Follows::default();
        f.follow(job, 2);
        assert_eq!(f.verdict(&event(job, 2, "x", 0)), Some(Verdict::Skip));
        assert_eq!(f.verdict(&event(job, 3, "x", 0)), Some(Verdict::Send));
        assert_eq!(f.verdict(&event(job, 5, "x", 0)), Some(Verdict::Gap));
        assert_eq!(f.verdict(&event(Uuid::now_v7(), 1, "x", 0)), None);
    }

    #[test]
    fn a_reload_restarts_the_numbering_once() {
        let job = Uuid::now_v7();
        let mut f = Follows::default();
        f.follow(job, 7);
        let reload = event(job, 1, RELOAD_KIND, 100);
        assert_eq!(f.verdict(&reload), Some(Verdict::Send));
        assert!(f.advance(&reload));
        assert_eq!(f.last(job), Some(1));
        assert!(!f.advance(&reload), "the same reload is sent once");
        assert!(f.advance(&event(job, 2, "step.started", 101)));
        // Redis lost the job's events a second time: a new reload, sent again.
        assert!(f.advance(&event(job, 1, RELOAD_KIND, 200)));
    }
}
