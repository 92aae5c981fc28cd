//! `POST /api/v1/probes`: enqueue a diagnostic job that fails on request.

use poem_openapi::{OpenApi, param::Header, payload::Json};
use uuid::Uuid;

use super::{
    ApiTags,
    jobs::{JobAccepted, respond},
    security::BearerAuth,
};
use crate::{
    app::App,
    domain::jobs::{self, NewJob},
    error::ApiError,
    workflows::{hub::Hub, probe::ProbeInput, queue::EnqueueError},
};
use poem::web::Data;

pub struct ProbesApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Jobs")]
impl ProbesApi {
    /// Enqueue a probe job (exercise retries, dead letters and streaming). Owners and
    /// managers only; absent in the production profile.
    #[oai(path = "/probes", method = "post", operation_id = "createProbe")]
    async fn create(
        &self,
        app: Data<&App>,
        hub: Data<&Hub>,
        auth: BearerAuth,
        #[oai(name = "Prefer")] prefer: Header<Option<String>>,
        #[oai(name = "X-Request-Id")] request_id: Header<Option<String>>,
        body: Json<ProbeInput>,
    ) -> Result<JobAccepted, ApiError> {
        if !app.0.settings.probe_enabled() {
            return Err(ApiError::not_found("probe workflow"));
        }
        if !auth.0.role.can_operate_jobs() {
            return Err(ApiError::forbidden("only owners and managers run probes"));
        }
        let input = serde_json::to_value(&body.0).map_err(ApiError::internal)?;
        let id = enqueue(
            app.0,
            auth.0.tenant_id,
            Some(auth.0.user_id),
            "probe",
            input,
            request_id.0,
        )
        .await?;
        let job = jobs::get(&app.0.pool, auth.0.tenant_id, id)
            .await?
            .ok_or_else(|| ApiError::not_found("job"))?;
        respond(
            app.0,
            hub.0,
            auth.0.tenant_id,
            id,
            prefer.0.as_deref(),
            job.into(),
        )
        .await
    }
}

/// Enqueues a job for a tenant, mapping queue failures to 503.
pub async fn enqueue(
    app: &App,
    tenant: Uuid,
    user: Option<Uuid>,
    workflow: &str,
    input: serde_json::Value,
    request_id: Option<String>,
) -> Result<Uuid, ApiError> {
    let job = NewJob {
        id: Uuid::now_v7(),
        business_id: tenant,
        user_id: user,
        workflow: workflow.to_string(),
        input,
        request_id,
        traceparent: None,
    };
    app.queue.enqueue(job).await.map_err(|e| match e {
        EnqueueError::QueueUnavailable(_) => {
            tracing::error!(error = %e, "enqueue failed");
            ApiError::unavailable("the job queue is unavailable; retry later")
        }
        EnqueueError::Database(db) => ApiError::from(db),
        EnqueueError::UnknownWorkflow(w) => ApiError::internal(format!("unknown workflow {w}")),
    })
}
