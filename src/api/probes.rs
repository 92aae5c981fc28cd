//! `POST /api/v1/probes`: enqueue a diagnostic job that fails on request.

use poem_openapi::{OpenApi, param::Header, payload::Json};

use poem::web::Data;

use super::{
    ApiTags,
    jobs::{JobAccepted, enqueue, respond},
    middleware::RequestContext,
    security::BearerAuth,
};
use crate::auth::permissions::Action;
use crate::{
    app::App,
    domain::jobs,
    error::ApiError,
    workflows::{hub::Hub, probe::ProbeInput},
};

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
        ctx: Data<&RequestContext>,
        auth: BearerAuth,
        #[oai(name = "Prefer")] prefer: Header<Option<String>>,
        body: Json<ProbeInput>,
    ) -> Result<JobAccepted, ApiError> {
        if !app.0.settings.probe_enabled() {
            return Err(ApiError::not_found("probe workflow"));
        }
        if !auth.0.role.may(Action::OperateJobs) {
            return Err(ApiError::forbidden("only owners and managers run probes"));
        }
        let input = serde_json::to_value(&body.0).map_err(ApiError::internal)?;
        let id = enqueue(
            app.0,
            ctx.0,
            auth.0.tenant_id,
            Some(auth.0.user_id),
            "probe",
            input,
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
