//! `POST /api/v1/queues/{workflow}/pause` and `/resume`: an owner holds a workflow's
//! jobs in their queue (a provider is down, a bad release is being rolled back) and lets
//! them run again. Every change is written to the log as an audit line.
//!
//! The workers are shared by every business on the server, so a pause holds every
//! business's jobs of that workflow; that is why only owners may do it. The state lives
//! in Redis (`workflows::pause`); workers see it within about a second.

use poem::web::Data;
use poem_openapi::{ApiResponse, Object, OpenApi, param::Path, payload::Json};

use super::{ApiTags, security::BearerAuth};
use crate::{app::App, auth::permissions::Action, error::ApiError, workflows::pause};

pub struct QueuePauseApi;

/// Whether a workflow's queue is paused.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct QueueState {
    pub workflow: String,
    /// While true, no worker takes a new job of the workflow; its jobs wait.
    pub paused: bool,
}

impl poem_openapi::types::Example for QueueState {
    fn example() -> Self {
        Self {
            workflow: "invoice".into(),
            paused: true,
        }
    }
}

#[derive(ApiResponse)]
enum PauseResponse {
    /// The queue's state now (already so, or just changed).
    #[oai(status = 200)]
    Done(Json<QueueState>),
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Jobs")]
impl QueuePauseApi {
    /// Pause a workflow's queue (owners only): workers stop taking its jobs, which wait
    /// until it is resumed; running jobs finish. It applies to every business on the
    /// server, within about a second. 404 for an unknown workflow.
    #[oai(
        path = "/queues/:workflow/pause",
        method = "post",
        operation_id = "pauseQueue"
    )]
    async fn pause(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        workflow: Path<String>,
    ) -> Result<PauseResponse, ApiError> {
        change(app.0, &auth, &workflow.0, true).await
    }

    /// Resume a paused workflow's queue (owners only): its waiting jobs run again.
    #[oai(
        path = "/queues/:workflow/resume",
        method = "post",
        operation_id = "resumeQueue"
    )]
    async fn resume(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        workflow: Path<String>,
    ) -> Result<PauseResponse, ApiError> {
        change(app.0, &auth, &workflow.0, false).await
    }
}

async fn change(
    app: &App,
    auth: &BearerAuth,
    workflow: &str,
    paused: bool,
) -> Result<PauseResponse, ApiError> {
    if !auth.0.role.may(Action::PauseQueues) {
        return Err(ApiError::forbidden("only owners pause and resume queues"));
    }
    let known = app
        .runtime
        .specs
        .iter()
        .any(|s| s.name == workflow && (s.name != "probe" || app.settings.probe_enabled()));
    if !known {
        return Err(ApiError::not_found("workflow"));
    }
    let mut redis = app.redis.clone();
    let changed = pause::set(&mut redis, &app.settings.redis_namespace, workflow, paused)
        .await
        .map_err(|e| {
            tracing::warn!(error = %e, "queue pause not changed");
            ApiError::unavailable("the queue state cannot be changed now; retry shortly")
        })?;
    tracing::info!(
        audit.action = if paused { "queue.pause" } else { "queue.resume" },
        workflow,
        tenant_id = %auth.0.tenant_id,
        user_id = %auth.0.user_id,
        changed,
        "audit: queue {}",
        if paused { "paused" } else { "resumed" }
    );
    Ok(PauseResponse::Done(Json(QueueState {
        workflow: workflow.to_string(),
        paused,
    })))
}

/// The paused workflows for `GET /queues`; empty (logged) while Redis is unreachable.
pub(super) async fn paused_now(app: &App) -> std::collections::BTreeSet<String> {
    let mut redis = app.redis.clone();
    pause::paused(&mut redis, &app.settings.redis_namespace)
        .await
        .unwrap_or_else(|e| {
            tracing::warn!(error = %e, "paused queues not read");
            Default::default()
        })
}
