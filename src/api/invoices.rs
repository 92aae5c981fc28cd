//! `/api/v1/invoices`: raise (through the `invoice` workflow), list, read, cancel.
//!
//! Raising validates what it can synchronously (customer, products, quantities, rates),
//! so bad input is a 4xx at once; then the workflow issues the invoice and the client
//! gets 202 with the job, or the finished job with `Prefer: wait=N`.

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{
    Object, OpenApi,
    param::{Header, Path, Query},
    payload::Json,
};
use uuid::Uuid;

use super::{
    ApiTags,
    jobs::{JobAccepted, enqueue, respond},
    middleware::RequestContext,
    security::BearerAuth,
};
use crate::auth::permissions::Action;
use crate::{
    app::App,
    cache,
    domain::{
        amounts, customers, gst,
        invoices::{self, Invoice, InvoiceError, InvoiceFilter, InvoiceRequest, LineRequest},
        jobs, products,
    },
    error::ApiError,
    workflows::hub::Hub,
};

pub struct InvoicesApi;

#[derive(Object)]
#[oai(example, skip_serializing_if_is_none)]
struct LineInput {
    /// A product of the shop (its name, price, HSN and rate are used unless overridden).
    product_id: Option<Uuid>,
    #[oai(validator(max_length = 200))]
    description: Option<String>,
    #[oai(validator(minimum(value = "1"), maximum(value = "1000000")))]
    quantity: i64,
    #[oai(validator(minimum(value = "0"), maximum(value = "10000000000")))]
    unit_price_paise: Option<i64>,
    #[oai(default, validator(minimum(value = "0")))]
    discount_paise: i64,
    /// Basis points (1800 = 18%).
    gst_rate_bp: Option<u32>,
}

#[derive(Object)]
#[oai(example, skip_serializing_if_is_none)]
struct InvoiceInput {
    customer_id: Uuid,
    #[oai(validator(min_items = 1, max_items = 100))]
    lines: Vec<LineInput>,
}

#[derive(Object)]
#[oai(example, skip_serializing_if_is_none)]
struct InvoiceView {
    id: Uuid,
    number: String,
    customer_id: Uuid,
    /// issued, partial, paid or cancelled
    status: String,
    /// intra_state (CGST + SGST) or inter_state (IGST)
    supply: String,
    subtotal_paise: i64,
    discount_paise: i64,
    cgst_paise: i64,
    sgst_paise: i64,
    igst_paise: i64,
    round_off_paise: i64,
    total_paise: i64,
    paid_paise: i64,
    /// The total in words (Indian numbering), as printed on the invoice.
    total_in_words: String,
    issued_at: DateTime<Utc>,
    cancelled_at: Option<DateTime<Utc>>,
}

impl From<Invoice> for InvoiceView {
    fn from(i: Invoice) -> Self {
        Self {
            total_in_words: gst::amount_in_words(i.total_paise),
            id: i.id,
            number: i.number,
            customer_id: i.customer_id,
            status: i.status,
            supply: i.supply,
            subtotal_paise: i.subtotal_paise,
            discount_paise: i.discount_paise,
            cgst_paise: i.cgst_paise,
            sgst_paise: i.sgst_paise,
            igst_paise: i.igst_paise,
            round_off_paise: i.round_off_paise,
            total_paise: i.total_paise,
            paid_paise: i.paid_paise,
            issued_at: i.issued_at,
            cancelled_at: i.cancelled_at,
        }
    }
}

/// Checks what can be checked before enqueueing, so bad input never becomes a job.
async fn validate(
    app: &App,
    tenant: Uuid,
    input: &InvoiceInput,
) -> Result<InvoiceRequest, ApiError> {
    customers::get(&app.pool, tenant, input.customer_id)
        .await?
        .ok_or_else(|| ApiError::not_found("customer"))?;
    let mut lines = Vec::with_capacity(input.lines.len());
    // Bounded here, before it is a job: the ledger's bound would only fail the job.
    let mut total: i64 = 0;
    for (i, l) in input.lines.iter().enumerate() {
        let n = i + 1;
        let product =
            match l.product_id {
                Some(pid) => Some(products::get(&app.pool, tenant, pid).await?.ok_or_else(
                    || {
                        ApiError::unprocessable(
                            "unknown_product",
                            format!("line {n}: no such product"),
                        )
                    },
                )?),
                None => None,
            };
        if product.is_none()
            && (l.description.is_none() || l.unit_price_paise.is_none() || l.gst_rate_bp.is_none())
        {
            return Err(ApiError::unprocessable(
                "incomplete_line",
                format!(
                    "line {n}: a line without a product needs a description, a price and a GST rate"
                ),
            ));
        }
        let line = LineRequest {
            product_id: l.product_id,
            description: l.description.clone(),
            quantity: l.quantity,
            unit_price_paise: l.unit_price_paise,
            discount_paise: l.discount_paise,
            gst_rate_bp: l.gst_rate_bp,
        };
        // Price the line now: an unknown rate or a discount above the line fails here.
        let rate = l
            .gst_rate_bp
            .or_else(|| {
                product
                    .as_ref()
                    .and_then(|p| u32::try_from(p.gst_rate_bp).ok())
            })
            .unwrap_or(0);
        let price = l
            .unit_price_paise
            .or(product.as_ref().map(|p| p.price_paise))
            .unwrap_or(0);
        let check = gst::LineInput {
            quantity: l.quantity,
            unit_price_paise: price,
            discount_paise: l.discount_paise,
            gst_rate_bp: rate,
        };
        let priced = gst::line_totals(&check, gst::Supply::IntraState)
            .map_err(|e| ApiError::unprocessable("invalid_line", format!("line {n}: {e}")))?;
        total = total.saturating_add(priced.total_paise);
        lines.push(line);
    }
    if total > amounts::MAX_AMOUNT_PAISE {
        return Err(ApiError::unprocessable(
            amounts::TOO_LARGE,
            format!(
                "an invoice may total at most {} paise",
                amounts::MAX_AMOUNT_PAISE
            ),
        ));
    }
    Ok(InvoiceRequest {
        customer_id: input.customer_id,
        lines,
    })
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Invoices")]
impl InvoicesApi {
    /// Raise a GST invoice. 202 with the job; with `Prefer: wait=N`, 200 with the
    /// finished job, whose `result` is the invoice.
    #[oai(path = "/invoices", method = "post", operation_id = "createInvoice")]
    #[expect(
        clippy::too_many_arguments,
        reason = "a poem-openapi operation takes each parameter as an argument"
    )]
    async fn create(
        &self,
        app: Data<&App>,
        hub: Data<&Hub>,
        ctx: Data<&RequestContext>,
        auth: BearerAuth,
        #[oai(name = "Prefer")] prefer: Header<Option<String>>,
        #[oai(name = "Idempotency-Key")] _key: Header<Option<String>>,
        body: Json<InvoiceInput>,
    ) -> Result<JobAccepted, ApiError> {
        let tenant = auth.0.tenant_id;
        let request = validate(app.0, tenant, &body).await?;
        let input = serde_json::to_value(&request).map_err(ApiError::internal)?;
        let id = enqueue(app.0, ctx.0, tenant, Some(auth.0.user_id), "invoice", input).await?;
        let job = jobs::get(&app.pool, tenant, id)
            .await?
            .ok_or_else(|| ApiError::not_found("job"))?;
        respond(app.0, hub.0, tenant, id, prefer.0.as_deref(), job.into()).await
    }

    /// Invoices, newest first, filtered by customer, status and issue date.
    #[oai(path = "/invoices", method = "get", operation_id = "listInvoices")]
    #[expect(
        clippy::too_many_arguments,
        reason = "a poem-openapi operation takes each parameter as an argument"
    )]
    async fn list(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        customer_id: Query<Option<Uuid>>,
        status: Query<Option<String>>,
        from: Query<Option<DateTime<Utc>>>,
        to: Query<Option<DateTime<Utc>>>,
        limit: Query<Option<i64>>,
        offset: Query<Option<i64>>,
    ) -> Result<Json<Vec<InvoiceView>>, ApiError> {
        let filter = InvoiceFilter {
            customer: customer_id.0,
            status: status.0,
            from: from.0,
            to: to.0,
            limit: limit.0.unwrap_or(50).clamp(1, 200),
            offset: offset.0.unwrap_or(0).max(0),
        };
        Ok(Json(
            invoices::list(&app.pool, auth.0.tenant_id, &filter)
                .await?
                .into_iter()
                .map(Into::into)
                .collect(),
        ))
    }

    /// One invoice, with its totals and how much of it is paid.
    #[oai(path = "/invoices/:id", method = "get", operation_id = "getInvoice")]
    async fn get(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        #[oai(example = "super::example_invoice_id")] id: Path<Uuid>,
    ) -> Result<Json<InvoiceView>, ApiError> {
        let i = invoices::get(&app.pool, auth.0.tenant_id, id.0)
            .await?
            .ok_or_else(|| ApiError::not_found("invoice"))?;
        Ok(Json(i.into()))
    }

    /// Cancel an invoice (owners and managers): a reversing ledger entry, stock back; the
    /// number is never reused.
    #[oai(
        path = "/invoices/:id/cancel",
        method = "post",
        operation_id = "cancelInvoice"
    )]
    async fn cancel(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        #[oai(example = "super::example_invoice_id")] id: Path<Uuid>,
    ) -> Result<Json<InvoiceView>, ApiError> {
        if !auth.0.role.may(Action::CancelInvoice) {
            return Err(ApiError::forbidden(
                "only owners and managers cancel invoices",
            ));
        }
        match invoices::cancel(&app.pool, auth.0.tenant_id, id.0).await {
            Ok(Some(i)) => {
                app.cache
                    .invalidate(&cache::balance_key(auth.0.tenant_id, i.customer_id))
                    .await;
                app.cache
                    .invalidate(&cache::products_key(auth.0.tenant_id))
                    .await;
                Ok(Json(i.into()))
            }
            Ok(None) => Err(ApiError::not_found("invoice")),
            Err(InvoiceError::AlreadyCancelled) => Err(ApiError::conflict(
                "already_cancelled",
                "the invoice is already cancelled",
            )),
            Err(InvoiceError::Db(db)) => Err(db.into()),
            Err(other) => Err(ApiError::unprocessable(
                "invalid_invoice",
                other.to_string(),
            )),
        }
    }
}

impl poem_openapi::types::Example for LineInput {
    fn example() -> Self {
        Self {
            product_id: Some(super::example_id(3)),
            description: None,
            quantity: 3,
            unit_price_paise: None,
            discount_paise: 0,
            gst_rate_bp: None,
        }
    }
}

impl poem_openapi::types::Example for InvoiceInput {
    fn example() -> Self {
        Self {
            customer_id: super::example_id(2),
            lines: vec![
                <LineInput as poem_openapi::types::Example>::example(),
                LineInput {
                    product_id: None,
                    description: Some("Home delivery".into()),
                    quantity: 1,
                    unit_price_paise: Some(3000),
                    discount_paise: 0,
                    gst_rate_bp: Some(1800),
                },
            ],
        }
    }
}

impl poem_openapi::types::Example for InvoiceView {
    fn example() -> Self {
        Self {
            id: super::example_id(4),
            number: "2026-27/INV/0001".into(),
            customer_id: super::example_id(2),
            status: "partial".into(),
            supply: "intra_state".into(),
            subtotal_paise: 42000,
            discount_paise: 0,
            cgst_paise: 1050,
            sgst_paise: 1050,
            igst_paise: 0,
            round_off_paise: 0,
            total_paise: 44100,
            paid_paise: 30000,
            total_in_words: "Rupees Four Hundred Forty-One Only".into(),
            issued_at: super::example_time(),
            cancelled_at: None,
        }
    }
}
