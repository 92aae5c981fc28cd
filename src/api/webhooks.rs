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

/// A delivery that failed after its signature verified; Meta retries these. Its own
/// type rather than [`ApiError`], whose 401 (a bad access token) would be declared a
/// second time beside the signature's.
#[derive(ApiResponse)]
enum ReceiveError {
    /// Signed, but not a WhatsApp Cloud API batch.
    #[oai(status = 400)]
    BadRequest(Json<ErrorBody>),
    /// The body is over `EXECORA_HTTP_MAX_WEBHOOK_BODY_BYTES` (4 MiB) and was refused
    /// before it was read (`payload_too_large`; answered by the body limit, declared here
    /// so the spec says so).
    #[oai(status = 413)]
    PayloadTooLarge(Json<ErrorBody>),
    /// The body has no `Content-Type` (any type is taken: the signature covers the bytes).
    #[oai(status = 415)]
    UnsupportedMediaType(Json<ErrorBody>),
    /// Postgres or Redis is unavailable; Meta will retry.
    #[oai(status = 503)]
    Unavailable(Json<ErrorBody>),
    /// Something failed inside; the details are in the server log under the request id.
    #[oai(status = 500)]
    Internal(Json<ErrorBody>),
}

impl From<ApiError> for ReceiveError {
    fn from(e: ApiError) -> Self {
        match e {
            ApiError::BadRequest(body) => Self::BadRequest(body),
            ApiError::Unavailable(body, _) => Self::Unavailable(body),
            // Poem answers a missing `Content-Type` itself; declared here so the spec says so.
            ApiError::UnsupportedMediaType(body) => Self::UnsupportedMediaType(body),
            ApiError::PayloadTooLarge(body) => Self::PayloadTooLarge(body),
            // Already logged where it was made; nothing else can arise here.
            _ => Self::Internal(Json(ErrorBody::new("internal", "internal error"))),
        }
    }
}

impl From<sqlx::Error> for ReceiveError {
    fn from(e: sqlx::Error) -> Self {
        ApiError::from(e).into()
    }
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
        #[oai(name = "hub.mode", example = "example_mode")] mode: Query<Option<String>>,
        #[oai(name = "hub.verify_token", example = "example_verify_token")] token: Query<
            Option<String>,
        >,
        #[oai(name = "hub.challenge", example = "example_challenge")] challenge: Query<
            Option<String>,
        >,
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
        #[oai(name = "X-Hub-Signature-256", example = "example_signature")] signature: Header<
            Option<String>,
        >,
        body: Binary<Vec<u8>>,
    ) -> Result<ReceiveResponse, ReceiveError> {
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
            .map_err(|e| ReceiveError::BadRequest(Json(ErrorBody::new("invalid_body", e))))?;
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
            enqueue(app.0, ctx.0, tenant, None, "webhook", input)
                .await
                .map_err(ReceiveError::from)?;
        }
        Ok(ReceiveResponse::Ok(PlainText("ok")))
    }
}

fn example_mode() -> Option<String> {
    Some("subscribe".into())
}
fn example_verify_token() -> Option<String> {
    Some("the-verify-token-you-configured".into())
}
fn example_challenge() -> Option<String> {
    Some("1158201444".into())
}
fn example_signature() -> Option<String> {
    Some("sha256=3f1c2a9d7b5e40c8a1f6e2d9c4b7a0e5f3d8c1b6a9e4f7d2c5b8a1e6f9d3c0b7".into())
}
