//! WhatsApp Cloud API webhooks: the verification handshake and signed event batches.
//!
//! The POST body is taken raw (`Binary<Bytes>`) because the signature covers the exact
//! bytes Meta sent. A verified batch becomes one `webhook` job per tenant and the answer
//! is 200 at once; if the queue is down the answer is 503, so Meta retries.

use poem_openapi::{
    ApiResponse, OpenApi,
    param::{Header, Query},
    payload::{Binary, Json, PlainText},
};
use secrecy::ExposeSecret;
use subtle::ConstantTimeEq;

use super::{ApiTags, jobs::enqueue, middleware::RequestContext};
use crate::{
    app::App,
    domain::businesses,
    error::{ApiError, ErrorBody},
    integrations::whatsapp,
    workflows::webhook,
};
use poem::web::Data;

pub struct WebhooksApi;

#[derive(ApiResponse)]
enum VerifyResponse {
    /// The challenge, echoed.
    #[oai(status = 200)]
    Ok(PlainText<String>),
    /// Wrong mode or verify token.
    #[oai(status = 403)]
    Forbidden(Json<ErrorBody>),
}

#[derive(ApiResponse)]
enum ReceiveResponse {
    /// Accepted for processing.
    #[oai(status = 200)]
    Ok(PlainText<&'static str>),
    /// Missing or wrong `X-Hub-Signature-256`.
    #[oai(status = 401)]
    BadSignature(Json<ErrorBody>),
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Webhooks")]
impl WebhooksApi {
    /// Meta's subscription handshake: echo `hub.challenge` when the verify token matches.
    #[oai(
        path = "/webhooks/whatsapp",
        method = "get",
        operation_id = "verifyWhatsAppWebhook"
    )]
    async fn verify(
        &self,
        app: Data<&App>,
        #[oai(name = "hub.mode")] mode: Query<Option<String>>,
        #[oai(name = "hub.verify_token")] token: Query<Option<String>>,
        #[oai(name = "hub.challenge")] challenge: Query<Option<String>>,
    ) -> VerifyResponse {
        let expected = app
            .0
            .settings
            .whatsapp
            .verify_token
            .expose_secret()
            .as_bytes();
        let given = token.0.unwrap_or_default();
        let token_ok = !expected.is_empty() && bool::from(given.as_bytes().ct_eq(expected));
        match (mode.0.as_deref(), challenge.0) {
            (Some("subscribe"), Some(challenge)) if token_ok => {
                VerifyResponse::Ok(PlainText(challenge))
            }
            _ => {
                VerifyResponse::Forbidden(Json(ErrorBody::new("forbidden", "verification refused")))
            }
        }
    }

    /// Receive a signed batch of WhatsApp events (messages and delivery statuses).
    #[oai(
        path = "/webhooks/whatsapp",
        method = "post",
        operation_id = "receiveWhatsAppWebhook"
    )]
    async fn receive(
        &self,
        app: Data<&App>,
        ctx: Data<&RequestContext>,
        #[oai(name = "X-Hub-Signature-256")] signature: Header<Option<String>>,
        body: Binary<Vec<u8>>,
    ) -> Result<ReceiveResponse, ApiError> {
        let secret = app
            .0
            .settings
            .whatsapp
            .app_secret
            .expose_secret()
            .as_bytes();
        if secret.is_empty() || !whatsapp::signature_valid(secret, &body.0, signature.0.as_deref())
        {
            return Ok(ReceiveResponse::BadSignature(Json(ErrorBody::new(
                "invalid_signature",
                "missing or invalid X-Hub-Signature-256",
            ))));
        }
        let grouped = whatsapp::changes_by_phone_number(&body.0)
            .map_err(|e| ApiError::BadRequest(Json(ErrorBody::new("invalid_body", e))))?;
        for (phone_number_id, values) in grouped {
            let Some(tenant) =
                businesses::by_whatsapp_phone_number_id(&app.0.pool, &phone_number_id).await?
            else {
                // Not ours (or not yet configured): acknowledged so Meta stops retrying.
                app.0
                    .metrics
                    .webhook_events
                    .with_label_values(&["batch", "unknown_phone_number"])
                    .inc();
                tracing::warn!("webhook for an unknown phone-number id ignored");
                continue;
            };
            let input = webhook::input(&phone_number_id, values);
            enqueue(app.0, ctx.0, tenant, None, "webhook", input).await?;
        }
        Ok(ReceiveResponse::Ok(PlainText("ok")))
    }
}
