//! `GET /api/v1/queues`: the operator's view of each workflow's queue, per tenant, and
//! `GET /api/v1/queues/history`: what finished in each minute of the last hour.

use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use poem::web::Data;
use poem_openapi::{Object, OpenApi, payload::Json};

use super::{ApiTags, security::BearerAuth};
use crate::auth::permissions::Action;
use crate::{
    app::App,
    domain::queues::{self, QueueStats},
    error::ApiError,
};

pub struct QueuesApi;

/// One workflow's queue as the caller's business sees it (its own jobs only).
#[derive(Debug, Clone, Object)]
pub struct QueueView {
    pub workflow: String,
    /// The queue the workflow's jobs wait in.
    pub queue: String,
    /// Jobs a worker could take now: queued, or retrying with the retry due.
    pub waiting: i64,
    /// Jobs waiting for a later retry.
    pub scheduled: i64,
    pub running: i64,
    /// Seconds the longest-waiting due job has waited (0 when none waits).
    pub oldest_age_secs: f64,
    /// Throughput: jobs that finished (in any final state) in the last 5 minutes.
    pub finished_last_5m: i64,
    /// Jobs that finished in the last 60 minutes.
    pub finished_last_60m: i64,
    /// Failed jobs (a permanent error); an operator may retry them.
    pub failed: i64,
    /// Dead letters: attempts exhausted; an operator may retry them.
    pub dead: i64,
    /// Paused by an owner: no worker takes the workflow's jobs, which wait.
    pub paused: bool,
}

/// Every workflow's queue, in name order.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct QueueList {
    pub items: Vec<QueueView>,
}

impl poem_openapi::types::Example for QueueHistory {
    fn example() -> Self {
        let mut succeeded = vec![0; 60];
        let mut failed = vec![0; 60];
        succeeded[58] = 12;
        succeeded[59] = 7;
        failed[59] = 1;
        Self {
            since: DateTime::<Utc>::from_timestamp(1_767_225_600, 0).unwrap_or_default(),
            minutes: 60,
            items: vec![WorkflowHistory {
                workflow: "invoice".into(),
                succeeded,
                failed,
            }],
        }
    }
}

impl poem_openapi::types::Example for QueueList {
    fn example() -> Self {
        Self {
            items: vec![QueueView {
                workflow: "invoice".into(),
                queue: "invoice".into(),
                waiting: 3,
                scheduled: 1,
                running: 2,
                oldest_age_secs: 1.5,
                finished_last_5m: 40,
                finished_last_60m: 410,
                failed: 0,
                dead: 1,
                paused: false,
            }],
        }
    }
}

/// One workflow's last hour, a count per minute, oldest first.
#[derive(Debug, Clone, Object)]
pub struct WorkflowHistory {
    pub workflow: String,
    /// Jobs that succeeded in each minute.
    pub succeeded: Vec<i64>,
    /// Jobs that ended failed or dead in each minute.
    pub failed: Vec<i64>,
}

/// Throughput and failures per workflow, minute by minute.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct QueueHistory {
    /// Start of the first minute; the `i`th count is of the minute `i` minutes later.
    pub since: DateTime<Utc>,
    /// How many minutes each list holds.
    pub minutes: i32,
    /// Every workflow with a job that finished in the hour, in name order.
    pub items: Vec<WorkflowHistory>,
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Jobs")]
impl QueuesApi {
    /// Jobs finished per minute over the last hour, per workflow (owners and managers).
    ///
    /// Succeeded and failed-or-dead counts of the caller's business, from its job
    /// records: the dashboard's throughput chart.
    #[oai(
        path = "/queues/history",
        method = "get",
        operation_id = "queueHistory"
    )]
    async fn history(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
    ) -> Result<Json<QueueHistory>, ApiError> {
        if !auth.0.role.may(Action::OperateJobs) {
            return Err(ApiError::forbidden(
                "only owners and managers see the queues",
            ));
        }
        let minutes = queues::HISTORY_MINUTES;
        let now = Utc::now();
        let since = now.duration_trunc(TimeDelta::minutes(1)).unwrap_or(now)
            - TimeDelta::minutes(i64::from(minutes - 1));
        let rows = queues::history(&app.0.pool, auth.0.tenant_id, since).await?;
        let mut items: Vec<WorkflowHistory> = Vec::new();
        for r in rows {
            let Ok(slot) = usize::try_from(r.slot) else {
                continue;
            };
            if slot >= minutes as usize {
                continue;
            }
            if items.last().is_none_or(|w| w.workflow != r.workflow) {
                items.push(WorkflowHistory {
                    workflow: r.workflow.clone(),
                    succeeded: vec![0; minutes as usize],
                    failed: vec![0; minutes as usize],
                });
            }
            if let Some(w) = items.last_mut() {
                w.succeeded[slot] = r.succeeded;
                w.failed[slot] = r.failed;
            }
        }
        Ok(Json(QueueHistory {
            since,
            minutes,
            items,
        }))
    }

    /// Queue figures per workflow (owners and managers).
    ///
    /// Waiting, scheduled and running jobs, the oldest due job's age, throughput (jobs
    /// finished in the last 5 and 60 minutes), failed and dead counts. Counted from the
    /// job records of the caller's business alone. `paused` is the queue's state on the
    /// server (see `pauseQueue`).
    #[oai(path = "/queues", method = "get", operation_id = "listQueues")]
    async fn list(&self, app: Data<&App>, auth: BearerAuth) -> Result<Json<QueueList>, ApiError> {
        if !auth.0.role.may(Action::OperateJobs) {
            return Err(ApiError::forbidden(
                "only owners and managers see the queues",
            ));
        }
        let stats = queues::stats(&app.0.pool, auth.0.tenant_id).await?;
        let mut items = merge(app.0, stats);
        let paused = super::queue_pause::paused_now(app.0).await;
        for q in &mut items {
            q.paused = paused.contains(&q.workflow);
        }
        Ok(Json(QueueList { items }))
    }
}

/// Every configured workflow gets a row, zeros when the tenant has no job of it; a
/// workflow with jobs but no spec any more (renamed, removed) still shows its jobs.
fn merge(app: &App, stats: Vec<QueueStats>) -> Vec<QueueView> {
    let specs = &app.runtime.specs;
    let mut rows: Vec<QueueView> = specs
        .iter()
        .filter(|s| s.name != "probe" || app.settings.probe_enabled())
        .map(|s| view(s.name.clone(), s.queue.clone(), QueueStats::default()))
        .collect();
    for st in stats {
        match rows.iter_mut().find(|r| r.workflow == st.workflow) {
            Some(row) => *row = view(row.workflow.clone(), row.queue.clone(), st),
            None => rows.push(view(st.workflow.clone(), st.workflow.clone(), st)),
        }
    }
    rows.sort_by(|a, b| a.workflow.cmp(&b.workflow));
    rows
}

fn view(workflow: String, queue: String, s: QueueStats) -> QueueView {
    QueueView {
        workflow,
        queue,
        waiting: s.waiting,
        scheduled: s.scheduled,
        running: s.running,
        oldest_age_secs: s.oldest_age_secs,
        finished_last_5m: s.finished_last_5m,
        finished_last_60m: s.finished_last_60m,
        failed: s.failed,
        dead: s.dead,
        paused: false,
    }
}
