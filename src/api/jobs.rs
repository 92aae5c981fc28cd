//! `/api/v1/jobs`: read, list, retry and cancel jobs of the caller's tenant.

use poem_openapi::{
    ApiResponse, Object, OpenApi,
    param::{Header, Path, Query},
    payload::Json,
};
use uuid::Uuid;

use super::middleware::RequestContext;
use super::{
    ApiTags,
    job_view::{JobStateView, JobView, preferred_wait, wait_for_job},
    security::BearerAuth,
};
use crate::auth::permissions::Action;
use crate::{
    app::App,
    domain::jobs::{self, JobFilter, NewJob},
    error::ApiError,
    workflows::hub::Hub,
    workflows::queue::EnqueueError,
};
use poem::web::Data;

pub struct JobsApi;

/// A page of jobs, newest first.
#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
struct JobPage {
    items: Vec<JobView>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    next_cursor: Option<String>,
}

#[derive(ApiResponse)]
pub enum JobAccepted {
    /// Accepted; the job runs in the background (poll it, or follow `/ws`).
    #[oai(status = 202)]
    Accepted(Json<JobView>),
    /// Finished within the `Prefer: wait` time.
    #[oai(status = 200)]
    Finished(Json<JobView>),
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Jobs")]
impl JobsApi {
    /// Read one job: state, attempts, per-attempt errors and result.
    #[oai(path = "/jobs/:id", method = "get", operation_id = "getJob")]
    async fn get(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        #[oai(example = "super::example_job_id")] id: Path<Uuid>,
    ) -> Result<Json<JobView>, ApiError> {
        let job = jobs::get(&app.0.pool, auth.0.tenant_id, id.0)
            .await?
            .ok_or_else(|| ApiError::not_found("job"))?;
        Ok(Json(job.into()))
    }

    /// List the tenant's jobs, newest first, filtered by workflow and state.
    #[oai(path = "/jobs", method = "get", operation_id = "listJobs")]
    async fn list(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        workflow: Query<Option<String>>,
        state: Query<Option<JobStateView>>,
        /// Page size, 1 to 100 (default 20).
        limit: Query<Option<i64>>,
        cursor: Query<Option<String>>,
    ) -> Result<Json<JobPage>, ApiError> {
        let limit = limit.0.unwrap_or(20);
        if !(1..=100).contains(&limit) {
            return Err(ApiError::unprocessable(
                "invalid_limit",
                "limit must be between 1 and 100",
            ));
        }
        let before = match cursor.0.as_deref() {
            None => None,
            Some(c) => Some(super::cursor::decode(c).ok_or_else(|| {
                ApiError::unprocessable("invalid_cursor", "cursor is not one this API returned")
            })?),
        };
        let filter = JobFilter {
            workflow: workflow.0,
            state: state.0.map(Into::into),
            before,
            limit: limit + 1,
        };
        let mut rows: Vec<JobView> = jobs::list(&app.0.pool, auth.0.tenant_id, &filter)
            .await?
            .into_iter()
            .map(JobView::from)
            .collect();
        let more = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        let next_cursor = if more {
            rows.last()
                .map(|j| super::cursor::encode(j.created_at, j.id))
        } else {
            None
        };
        Ok(Json(JobPage {
            items: rows,
            next_cursor,
        }))
    }

    /// Run a failed or dead job again from the step that failed.
    #[oai(path = "/jobs/:id/retry", method = "post", operation_id = "retryJob")]
    async fn retry(
        &self,
        app: Data<&App>,
        hub: Data<&Hub>,
        auth: BearerAuth,
        #[oai(example = "super::example_job_id")] id: Path<Uuid>,
        #[oai(name = "Prefer")] prefer: Header<Option<String>>,
    ) -> Result<JobAccepted, ApiError> {
        if !auth.0.role.may(Action::OperateJobs) {
            return Err(ApiError::forbidden("only owners and managers retry jobs"));
        }
        let tenant = auth.0.tenant_id;
        let Some(job) = jobs::requeue_by_operator(&app.0.pool, tenant, id.0).await? else {
            return match jobs::get(&app.0.pool, tenant, id.0).await? {
                None => Err(ApiError::not_found("job")),
                Some(j) => Err(ApiError::conflict(
                    "job_not_retryable",
                    format!("a {} job cannot be retried", j.state),
                )),
            };
        };
        app.0.queue.repush(&job).await.map_err(|e| {
            tracing::warn!(error = %e, "retry push failed");
            ApiError::unavailable(
                "the queue is unavailable; the job will be pushed again automatically",
            )
        })?;
        respond(
            app.0,
            hub.0,
            tenant,
            job.id,
            prefer.0.as_deref(),
            job.into(),
        )
        .await
    }

    /// Cancel a job that has not started or is waiting to retry, or dismiss a dead letter
    /// (a failed or dead job: it is no longer offered for retry). 409
    /// `job_not_cancellable` for a running, succeeded or cancelled job.
    #[oai(path = "/jobs/:id/cancel", method = "post", operation_id = "cancelJob")]
    async fn cancel(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        #[oai(example = "super::example_job_id")] id: Path<Uuid>,
    ) -> Result<Json<JobView>, ApiError> {
        if !auth.0.role.may(Action::OperateJobs) {
            return Err(ApiError::forbidden("only owners and managers cancel jobs"));
        }
        let tenant = auth.0.tenant_id;
        match jobs::cancel(&app.0.pool, tenant, id.0).await? {
            Some(job) => {
                app.0
                    .queue
                    .announce(job.id, tenant, "cancelled", serde_json::json!({}))
                    .await;
                Ok(Json(job.into()))
            }
            None => match jobs::get(&app.0.pool, tenant, id.0).await? {
                None => Err(ApiError::not_found("job")),
                Some(j) => Err(ApiError::conflict(
                    "job_not_cancellable",
                    format!("a {} job cannot be cancelled", j.state),
                )),
            },
        }
    }
}

/// 202 with the job, or (with `Prefer: wait=N`) 200 with the finished job if it
/// finished in time.
pub async fn respond(
    app: &App,
    hub: &Hub,
    tenant: Uuid,
    id: Uuid,
    prefer: Option<&str>,
    accepted: JobView,
) -> Result<JobAccepted, ApiError> {
    let Some(wait) = preferred_wait(prefer) else {
        return Ok(JobAccepted::Accepted(Json(accepted)));
    };
    match wait_for_job(&app.pool, hub, tenant, id, wait).await? {
        Some(job) if job.state().is_terminal() => Ok(JobAccepted::Finished(Json(job.into()))),
        Some(job) => Ok(JobAccepted::Accepted(Json(job.into()))),
        None => Ok(JobAccepted::Accepted(Json(accepted))),
    }
}

/// Enqueues a job for a tenant, mapping queue failures and shed load to 503.
pub async fn enqueue(
    app: &App,
    ctx: &RequestContext,
    tenant: Uuid,
    user: Option<Uuid>,
    workflow: &str,
    input: serde_json::Value,
) -> Result<Uuid, ApiError> {
    let job = NewJob {
        id: Uuid::now_v7(),
        business_id: tenant,
        user_id: user,
        workflow: workflow.to_string(),
        input,
        request_id: Some(ctx.request_id.clone()),
        traceparent: ctx.traceparent.clone(),
    };
    app.queue.enqueue(job).await.map_err(|e| match e {
        EnqueueError::QueueUnavailable(_) => {
            tracing::warn!(error = %e, "enqueue failed");
            ApiError::unavailable("the job queue is unavailable; retry later")
        }
        EnqueueError::Busy => ApiError::busy("too many jobs at once; retry shortly"),
        EnqueueError::Database(db) => ApiError::from(db),
        EnqueueError::UnknownWorkflow(w) => ApiError::internal(format!("unknown workflow {w}")),
    })
}
