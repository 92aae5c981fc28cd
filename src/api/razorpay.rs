//! Razorpay: the signed payment webhook and the owner's setting of its secret.
//!
//! Each business has its own webhook URL (`/webhooks/razorpay/{business_id}`) and secret,
//! so one shop's secret can never sign another shop's payments. A delivery to an unknown
//! business, or one without a secret, is refused exactly like a bad signature, so the
//! endpoint does not reveal which businesses exist. Once verified, every well-formed
//! event is answered 200 — even one we cannot use — because Razorpay retries anything
//! else for a day and a retry would not make it usable; what was ignored is counted and
//! logged with the payment id only. A payment is recorded once per Razorpay payment id (the ledger's
//! gateway reference), so redeliveries write nothing.

use poem::web::Data;
use poem_openapi::{
    ApiResponse, Enum, Object, OpenApi,
    param::{Header, Path},
    payload::{Binary, Json},
};
use secrecy::ExposeSecret;
use uuid::Uuid;

use super::{ApiTags, security::BearerAuth};
use crate::auth::permissions::Action;
use crate::{
    app::App,
    cache,
    domain::{
        businesses,
        ledger::{self, LedgerError, NewEntry},
    },
    error::{ApiError, ErrorBody},
    integrations::razorpay::{self, Event, Payment},
};

pub struct RazorpayApi;

/// What became of a verified delivery; for the shop's own debugging in Razorpay's
/// delivery log (Razorpay ignores it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
enum Outcome {
    /// A new payment was recorded in the customer's ledger.
    Recorded,
    /// This payment was already recorded; nothing was written.
    Duplicate,
    /// Nothing to record: another event type, a currency other than INR, or a payment
    /// whose `notes.customer_id` is not a customer of this business.
    Ignored,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Self::Recorded => "recorded",
            Self::Duplicate => "duplicate",
            Self::Ignored => "ignored",
        }
    }
}

#[derive(Object)]
struct Acknowledged {
    // Documented on `Outcome`: a doc comment here would make the field an `allOf`,
    // which client generators (openapi-python-client) cannot take.
    outcome: Outcome,
}

#[derive(ApiResponse)]
enum ReceiveResponse {
    /// Verified and handled (see `outcome`); Razorpay need not retry.
    #[oai(status = 200)]
    Ok(Json<Acknowledged>),
    /// Missing or wrong `X-Razorpay-Signature`, or no webhook secret for this business.
    #[oai(status = 401)]
    BadSignature(Json<ErrorBody>),
}

/// A delivery that failed after its signature verified; Razorpay retries these. Its
/// own type rather than [`ApiError`], whose 401 (a bad access token) would be declared
/// a second time beside the signature's.
#[derive(ApiResponse)]
enum ReceiveError {
    /// Signed, but not a Razorpay event.
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
    /// Postgres is unavailable; Razorpay will retry.
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

/// The key Razorpay signs this business's webhooks with, exactly as entered in the
/// Razorpay dashboard's webhook settings.
#[derive(Object)]
#[oai(example, skip_serializing_if_is_none)]
struct WebhookSecretInput {
    /// 8 to 256 characters, without surrounding spaces (a pasted newline would make
    /// every signature fail).
    #[oai(validator(min_length = 8, max_length = 256, pattern = r"^\S(.*\S)?$"))]
    webhook_secret: String,
}

#[derive(ApiResponse)]
enum SecretSet {
    /// Stored; deliveries are verified with it from now on. It is never shown again.
    #[oai(status = 204)]
    Done,
}

#[derive(ApiResponse)]
enum SecretRemoved {
    /// Removed (or there was none); deliveries are refused from now on.
    #[oai(status = 204)]
    Done,
}

/// Records a verified payment, or says why not (the `&str` is the metric outcome).
async fn record(
    app: &App,
    tenant: Uuid,
    p: &Payment,
) -> Result<(Outcome, &'static str), ReceiveError> {
    let Some(customer) = p.customer_id else {
        tracing::warn!(payment.id = %p.id, "Razorpay payment without a customer id ignored");
        return Ok((Outcome::Ignored, "unattributed"));
    };
    // Signed is not sane: a payment past the ledger's bound is acknowledged (Razorpay
    // stops retrying) and not recorded, so no balance can overflow.
    if p.amount_paise > crate::domain::amounts::MAX_AMOUNT_PAISE {
        tracing::warn!(payment.id = %p.id, "Razorpay payment above the amount bound ignored");
        return Ok((Outcome::Ignored, "out_of_range"));
    }
    let entry = NewEntry {
        customer,
        kind: "payment",
        amount_paise: p.amount_paise,
        method: Some(p.method),
        invoice: None,
        reference: Some(&p.id),
        note: Some("Razorpay"),
        idempotency_key: None,
    };
    let recorded = match ledger::record_payment_once(&app.pool, tenant, entry).await {
        Ok(r) => r,
        Err(LedgerError::NoCustomer) => {
            tracing::warn!(payment.id = %p.id, "Razorpay payment for no customer of this business ignored");
            return Ok((Outcome::Ignored, "unattributed"));
        }
        Err(LedgerError::Db(e)) => return Err(e.into()),
    };
    if !recorded.fresh {
        return Ok((Outcome::Duplicate, "duplicate"));
    }
    app.cache
        .invalidate(&cache::balance_key(tenant, recorded.entry.customer_id))
        .await;
    tracing::info!(payment.id = %p.id, ledger.entry_id = %recorded.entry.id, "Razorpay payment recorded");
    Ok((Outcome::Recorded, "recorded"))
}

#[OpenApi(prefix_path = "/api/v1")]
impl RazorpayApi {
    /// Receive a signed Razorpay webhook. `payment.captured` in INR records the payment
    /// in the ledger of the customer named by `notes.customer_id` (settling their oldest
    /// open invoices first), once per payment id; other events are acknowledged only.
    #[oai(
        path = "/webhooks/razorpay/:business_id",
        method = "post",
        operation_id = "receiveRazorpayWebhook",
        tag = "ApiTags::Webhooks"
    )]
    async fn receive(
        &self,
        app: Data<&App>,
        /// The business whose webhook URL this is.
        #[oai(example = "super::example_business_id")]
        business_id: Path<Uuid>,
        /// Hex HMAC-SHA256 of the raw body under the business's webhook secret.
        #[oai(name = "X-Razorpay-Signature", example = "example_signature")]
        signature: Header<Option<String>>,
        body: Binary<Vec<u8>>,
    ) -> Result<ReceiveResponse, ReceiveError> {
        let tenant = business_id.0;
        let secret = businesses::razorpay_webhook_secret(&app.pool, tenant).await?;
        let valid = secret.is_some_and(|s| {
            razorpay::signature_valid(
                s.expose_secret().as_bytes(),
                &body.0,
                signature.0.as_deref(),
            )
        });
        if !valid {
            return Ok(ReceiveResponse::BadSignature(Json(ErrorBody::new(
                "invalid_signature",
                "missing or invalid X-Razorpay-Signature",
            ))));
        }
        let event = razorpay::parse(&body.0)
            .map_err(|e| ReceiveError::BadRequest(Json(ErrorBody::new("invalid_body", e))))?;
        let (outcome, label) = match event {
            Event::Captured(payment) => record(app.0, tenant, &payment).await?,
            Event::ForeignCurrency { payment_id } => {
                tracing::warn!(payment.id = %payment_id, "Razorpay payment not in INR ignored");
                (Outcome::Ignored, "foreign_currency")
            }
            Event::Other { .. } => (Outcome::Ignored, "ignored"),
        };
        app.metrics
            .webhook_events
            .with_label_values(&["razorpay", label])
            .inc();
        tracing::debug!(outcome = outcome.as_str(), "Razorpay webhook handled");
        Ok(ReceiveResponse::Ok(Json(Acknowledged { outcome })))
    }

    /// Set the secret Razorpay signs this business's webhooks with (owner only).
    /// Configure the webhook in Razorpay with the same secret and the URL
    /// `/api/v1/webhooks/razorpay/{business_id}`; setting it again replaces it.
    #[oai(
        path = "/business/razorpay",
        method = "put",
        operation_id = "setRazorpayWebhookSecret",
        tag = "ApiTags::Business"
    )]
    async fn set_secret(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        body: Json<WebhookSecretInput>,
    ) -> Result<SecretSet, ApiError> {
        if !auth.0.role.may(Action::ConfigureBusiness) {
            return Err(ApiError::forbidden("only the owner sets payment secrets"));
        }
        let tenant = auth.0.tenant_id;
        let secret = body.0.webhook_secret;
        if !businesses::set_razorpay_webhook_secret(&app.pool, tenant, Some(&secret)).await? {
            return Err(ApiError::not_found("business"));
        }
        Ok(SecretSet::Done)
    }

    /// Stop accepting Razorpay webhooks for this business (owner only): every delivery
    /// is refused as unsigned until a secret is set again.
    #[oai(
        path = "/business/razorpay",
        method = "delete",
        operation_id = "removeRazorpayWebhookSecret",
        tag = "ApiTags::Business"
    )]
    async fn remove_secret(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
    ) -> Result<SecretRemoved, ApiError> {
        if !auth.0.role.may(Action::ConfigureBusiness) {
            return Err(ApiError::forbidden("only the owner sets payment secrets"));
        }
        if !businesses::set_razorpay_webhook_secret(&app.pool, auth.0.tenant_id, None).await? {
            return Err(ApiError::not_found("business"));
        }
        Ok(SecretRemoved::Done)
    }
}

impl poem_openapi::types::Example for WebhookSecretInput {
    fn example() -> Self {
        Self {
            webhook_secret: "whsec-sharma-kirana-2026".into(),
        }
    }
}

fn example_signature() -> Option<String> {
    Some("3f1c2a9d7b5e40c8a1f6e2d9c4b7a0e5f3d8c1b6a9e4f7d2c5b8a1e6f9d3c0b7".into())
}
