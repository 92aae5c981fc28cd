//! How a job record looks on the wire, and waiting for one to finish (`Prefer: wait`).

use std::time::Duration;

use chrono::{DateTime, Utc};
use poem_openapi::{Enum, Object};
use serde_json::Value;
use uuid::Uuid;

use crate::{
    domain::jobs::{self, AttemptError, JobRecord, JobState},
    workflows::{
        events::TERMINAL_KINDS,
        hub::{Hub, shutting_down},
    },
};

#[derive(Debug, Clone, Copy, Enum, PartialEq, Eq)]
#[oai(rename_all = "lowercase")]
pub enum JobStateView {
    Queued,
    Running,
    Retrying,
    Succeeded,
    Failed,
    Dead,
    Cancelled,
}

impl From<JobState> for JobStateView {
    fn from(s: JobState) -> Self {
        match s {
            JobState::Queued => Self::Queued,
            JobState::Running => Self::Running,
            JobState::Retrying => Self::Retrying,
            JobState::Succeeded => Self::Succeeded,
            JobState::Failed => Self::Failed,
            JobState::Dead => Self::Dead,
            JobState::Cancelled => Self::Cancelled,
        }
    }
}

impl From<JobStateView> for JobState {
    fn from(s: JobStateView) -> Self {
        match s {
            JobStateView::Queued => Self::Queued,
            JobStateView::Running => Self::Running,
            JobStateView::Retrying => Self::Retrying,
            JobStateView::Succeeded => Self::Succeeded,
            JobStateView::Failed => Self::Failed,
            JobStateView::Dead => Self::Dead,
            JobStateView::Cancelled => Self::Cancelled,
        }
    }
}

/// One failed attempt.
#[derive(Debug, Clone, Object)]
pub struct AttemptErrorView {
    pub attempt: i32,
    pub step: String,
    pub error: String,
    /// Whether another attempt could have helped.
    pub transient: bool,
    pub at: DateTime<Utc>,
}

/// A job: one run of a workflow.
#[derive(Debug, Clone, Object)]
#[oai(example, skip_serializing_if_is_none)]
pub struct JobView {
    pub id: Uuid,
    pub workflow: String,
    pub state: JobStateView,
    /// Attempts made so far, across steps and retries.
    pub attempts: i32,
    /// Index of the next step to run (equal to the step count when done).
    pub step_index: i32,
    /// Every failed attempt, oldest first.
    pub errors: Vec<AttemptErrorView>,
    /// The last step's output, once succeeded.
    pub result: Option<Value>,
    /// When the next attempt is due, while retrying.
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
}

impl From<JobRecord> for JobView {
    fn from(r: JobRecord) -> Self {
        let errors: Vec<AttemptError> =
            serde_json::from_value(r.errors.clone()).unwrap_or_default();
        Self {
            id: r.id,
            state: r.state().into(),
            workflow: r.workflow,
            attempts: r.attempts,
            step_index: r.step_index,
            errors: errors
                .into_iter()
                .map(|e| AttemptErrorView {
                    attempt: e.attempt,
                    step: e.step,
                    error: e.error,
                    transient: e.transient,
                    at: e.at,
                })
                .collect(),
            result: r.result,
            next_attempt_at: r.next_attempt_at,
            created_at: r.created_at,
            updated_at: r.updated_at,
            started_at: r.started_at,
            finished_at: r.finished_at,
        }
    }
}

/// Parses `Prefer: wait=N` (RFC 7240); N is capped at 30 seconds.
pub fn preferred_wait(prefer: Option<&str>) -> Option<Duration> {
    let prefer = prefer?;
    prefer
        .split(',')
        .filter_map(|p| p.trim().strip_prefix("wait="))
        .find_map(|n| n.trim().parse::<u64>().ok())
        .map(|n| Duration::from_secs(n.min(30)))
}

/// Waits until the job reaches a terminal state, the time is up or the server starts
/// shutting down; returns the record as it then is (a shutdown answers 202 at once rather
/// than have the connection cut). Subscribes before reading, so a finish in between is
/// not missed.
pub async fn wait_for_job(
    pool: &sqlx::PgPool,
    hub: &Hub,
    tenant: Uuid,
    id: Uuid,
    wait: Duration,
) -> sqlx::Result<Option<JobRecord>> {
    let mut events = hub.subscribe(tenant);
    let mut closing = hub.closing();
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let record = jobs::get(pool, tenant, id).await?;
        match &record {
            Some(r) if !r.state().is_terminal() && !*closing.borrow() => {}
            _ => return Ok(record),
        }
        // Wait for this job's terminal event (or a lag, or shutdown, after which we re-read).
        let finished = tokio::time::timeout_at(deadline, async {
            loop {
                let event = tokio::select! {
                    event = events.recv() => event,
                    () = shutting_down(&mut closing) => return,
                };
                match event {
                    Ok(e) if e.job_id == id && TERMINAL_KINDS.contains(&e.kind.as_str()) => return,
                    Ok(_) => {}
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => return,
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => {
                        tokio::time::sleep_until(deadline).await;
                        return;
                    }
                }
            }
        })
        .await;
        if finished.is_err() {
            return jobs::get(pool, tenant, id).await;
        }
    }
}

impl poem_openapi::types::Example for JobView {
    fn example() -> Self {
        Self {
            id: super::example_id(5),
            workflow: "invoice".into(),
            state: JobStateView::Succeeded,
            attempts: 3,
            step_index: 3,
            errors: vec![],
            result: Some(serde_json::json!({
                "invoice_id": super::example_id(4),
                "number": "2026-27/INV/0001",
                "delivered": true,
                "channel": "whatsapp"
            })),
            next_attempt_at: None,
            created_at: super::example_time(),
            updated_at: super::example_time(),
            started_at: Some(super::example_time()),
            finished_at: Some(super::example_time()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefer_wait_is_parsed_and_capped() {
        assert_eq!(preferred_wait(Some("wait=5")), Some(Duration::from_secs(5)));
        assert_eq!(
            preferred_wait(Some("respond-async, wait=100")),
            Some(Duration::from_secs(30))
        );
        assert_eq!(preferred_wait(Some("return=minimal")), None);
        assert_eq!(preferred_wait(None), None);
    }
}
