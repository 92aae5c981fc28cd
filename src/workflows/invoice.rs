//! The `invoice` workflow: issue → render → deliver.
//!
//! `create` issues the invoice in one transaction keyed by the job id (a redelivered job
//! finds it instead of issuing another), or, for a resend, loads the existing one.
//! `render` prints the PDF and stores it (the same key every time, so a retry
//! overwrites identical bytes). `deliver` sends it by WhatsApp as a document (a signed
//! download link) when the customer is reachable there, otherwise by email as an
//! attachment, and records how it went.

use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use uuid::Uuid;

use super::registry::{StepContext, StepError, StepFuture, WorkflowCode};
use crate::{
    domain::{
        customer_messages,
        gst::format_inr,
        invoice_documents,
        invoices::{self, InvoiceError, InvoiceRequest},
    },
    integrations::{email::MailError, whatsapp_send::SendError},
    render,
};

pub fn code() -> WorkflowCode {
    WorkflowCode {
        name: "invoice",
        steps: vec![
            ("create", create),
            ("render", render_pdf),
            ("deliver", deliver),
        ],
    }
}

/// The last segment of an invoice download link, `<expiry>.<signature>`: the expiry in
/// Unix seconds and an HMAC-SHA256 (32 hex) of the invoice id and that expiry, so a link
/// stops working when it is due and its expiry cannot be moved.
pub fn link_token(key: &[u8], invoice: Uuid, expires_at: i64) -> String {
    format!("{expires_at}.{}", link_signature(key, invoice, expires_at))
}

fn link_signature(key: &[u8], invoice: Uuid, expires_at: i64) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
        return String::new();
    };
    mac.update(format!("invoice-pdf:{invoice}:{expires_at}").as_bytes());
    hex::encode(mac.finalize().into_bytes())[..32].to_string()
}

/// Whether `token` is a link to `invoice` signed with `key` and not yet expired at `now`.
pub fn link_token_valid(key: &[u8], invoice: Uuid, token: &str, now: i64) -> bool {
    use subtle::ConstantTimeEq;
    let Some((expiry, signature)) = token.split_once('.') else {
        return false;
    };
    let Ok(expires_at) = expiry.parse::<i64>() else {
        return false;
    };
    let expected = link_signature(key, invoice, expires_at);
    let genuine: bool = expected.as_bytes().ct_eq(signature.as_bytes()).into();
    genuine && now <= expires_at
}

pub fn pdf_key(tenant: Uuid, invoice: Uuid) -> String {
    format!("invoices/{tenant}/{invoice}.pdf")
}

fn invoice_id(ctx: &StepContext) -> Result<Uuid, StepError> {
    ctx.outputs
        .pointer("/create/id")
        .and_then(Value::as_str)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| StepError::Permanent("no invoice from the create step".into()))
}

fn create(ctx: StepContext) -> StepFuture {
    Box::pin(async move {
        // A resend (asked for by voice) delivers an existing invoice again: nothing is
        // issued, render and deliver run as for a new one.
        if let Some(existing) = ctx.input.get("resend_of").and_then(Value::as_str) {
            let id: Uuid = existing
                .parse()
                .map_err(|_| StepError::Permanent("bad invoice id to resend".into()))?;
            let invoice = invoices::get(&ctx.deps.pool, ctx.tenant_id, id)
                .await?
                .ok_or_else(|| StepError::Permanent("no such invoice to resend".into()))?;
            return serde_json::to_value(invoice).map_err(|e| StepError::Permanent(e.to_string()));
        }
        let req: InvoiceRequest = serde_json::from_value(ctx.input.clone())
            .map_err(|e| StepError::Permanent(format!("bad invoice request: {e}")))?;
        let invoice = invoices::issue(&ctx.deps.pool, ctx.tenant_id, ctx.job_id, &req)
            .await
            .map_err(|e| match e {
                InvoiceError::Db(db) => StepError::from(db),
                other => StepError::Permanent(other.to_string()),
            })?;
        let cache = &ctx.deps.cache;
        cache
            .invalidate(&crate::cache::balance_key(
                ctx.tenant_id,
                invoice.customer_id,
            ))
            .await;
        cache
            .invalidate(&crate::cache::products_key(ctx.tenant_id))
            .await;
        serde_json::to_value(invoice).map_err(|e| StepError::Permanent(e.to_string()))
    })
}

fn render_pdf(ctx: StepContext) -> StepFuture {
    Box::pin(async move {
        let id = invoice_id(&ctx)?;
        let doc = invoice_documents::load(&ctx.deps.pool, ctx.tenant_id, id)
            .await?
            .ok_or_else(|| StepError::Permanent("the invoice is gone".into()))?;
        let bytes =
            render::invoice::render(&doc).map_err(|e| StepError::Permanent(format!("{e:#}")))?;
        let key = pdf_key(ctx.tenant_id, id);
        ctx.deps
            .store
            .put(&key, &bytes, "application/pdf")
            .await
            .map_err(|e| StepError::Transient(e.to_string()))?;
        invoice_documents::set_pdf_key(&ctx.deps.pool, ctx.tenant_id, id, &key).await?;
        Ok(json!({"pdf_key": key, "bytes": bytes.len()}))
    })
}

fn deliver(ctx: StepContext) -> StepFuture {
    Box::pin(async move {
        let id = invoice_id(&ctx)?;
        let doc = invoice_documents::load(&ctx.deps.pool, ctx.tenant_id, id)
            .await?
            .ok_or_else(|| StepError::Permanent("the invoice is gone".into()))?;
        let inv = &doc.invoice;
        let filename = format!("{}.pdf", inv.number.replace('/', "-"));
        let total = format_inr(inv.total_paise);
        // The caption and the email in the customer's language.
        let message = customer_messages::invoice_message(
            &doc.buyer_preferred_language,
            &customer_messages::InvoiceFacts {
                buyer: &doc.buyer.name,
                seller: &doc.seller.name,
                number: &inv.number,
                total: &total,
            },
        );
        let mut whatsapp_error = None;
        // The job's result is this step's output: say which invoice it was about.
        let about = |mut v: Value| {
            v["invoice_id"] = json!(id);
            v["number"] = json!(inv.number);
            v
        };
        let wants_whatsapp =
            doc.buyer_preferred_channel != "email" && !ctx.deps.public_url.is_empty();
        if let (Some(wa), Some(phone), Some(from), true) = (
            &ctx.deps.whatsapp,
            &doc.buyer.phone,
            &doc.seller_phone_number_id,
            wants_whatsapp,
        ) {
            let link = format!(
                "{}/pub/invoices/{id}/{}",
                ctx.deps.public_url,
                link_token(
                    &ctx.deps.portal_key,
                    id,
                    chrono::Utc::now().timestamp()
                        + i64::try_from(ctx.deps.invoice_link_ttl_secs).unwrap_or(i64::MAX / 2),
                )
            );
            match wa
                .send_document(from, phone, &link, &filename, &message.caption)
                .await
            {
                Ok(wamid) => {
                    invoice_documents::set_delivered(&ctx.deps.pool, ctx.tenant_id, id, "whatsapp")
                        .await?;
                    return Ok(about(
                        json!({"delivered": true, "channel": "whatsapp", "provider_message_id": wamid}),
                    ));
                }
                Err(SendError::Retry(e)) => return Err(StepError::Transient(e)),
                // WhatsApp refuses (or is paused): email is the fallback.
                Err(e) => whatsapp_error = Some(e.to_string()),
            }
        }
        let Some(email) = doc.buyer.email.as_deref() else {
            // Nobody to send to is not a failure of the job: the invoice exists and can
            // be downloaded or resent; the result says why it was not delivered.
            return Ok(about(
                json!({"delivered": false, "reason": whatsapp_error.unwrap_or_else(|| "the customer has no WhatsApp or email".into())}),
            ));
        };
        let bytes = ctx
            .deps
            .store
            .get(&pdf_key(ctx.tenant_id, id))
            .await
            .map_err(|e| StepError::Transient(e.to_string()))?
            .ok_or_else(|| StepError::Transient("the rendered invoice is missing".into()))?;
        match ctx
            .deps
            .mailer
            .send_with_attachment(
                email,
                &message.subject,
                message.body,
                &filename,
                "application/pdf",
                bytes,
            )
            .await
        {
            Ok(()) => {
                invoice_documents::set_delivered(&ctx.deps.pool, ctx.tenant_id, id, "email")
                    .await?;
                Ok(about(
                    json!({"delivered": true, "channel": "email", "whatsapp_error": whatsapp_error}),
                ))
            }
            Err(MailError::Smtp(e)) => Err(StepError::Transient(format!("email: {e}"))),
            Err(e) => Ok(about(json!({"delivered": false, "reason": e.to_string()}))),
        }
    })
}
