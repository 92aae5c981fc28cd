//! The `invoice` workflow: issue the invoice in one transaction keyed by the job id.
//!
//! Rendering the PDF and delivering it (WhatsApp document, else email) are the next
//! steps of this workflow; they arrive with the storage and WhatsApp adapters.

use serde_json::Value;

use super::registry::{StepContext, StepError, StepFuture, WorkflowCode};
use crate::domain::invoices::{self, InvoiceError, InvoiceRequest};

pub fn code() -> WorkflowCode {
    WorkflowCode {
        name: "invoice",
        steps: vec![("create", create)],
    }
}

fn create(ctx: StepContext) -> StepFuture {
    Box::pin(async move {
        let req: InvoiceRequest = serde_json::from_value(ctx.input.clone())
            .map_err(|e| StepError::Permanent(format!("bad invoice request: {e}")))?;
        let invoice = invoices::issue(&ctx.deps.pool, ctx.tenant_id, ctx.job_id, &req)
            .await
            .map_err(|e| match e {
                InvoiceError::Db(db) => StepError::Transient(format!("database: {db}")),
                other => StepError::Permanent(other.to_string()),
            })?;
        serde_json::to_value(invoice).map_err(|e| StepError::Permanent(e.to_string()))
    })
}

/// The issued invoice's id in a finished job's result.
pub fn invoice_id(result: &Value) -> Option<uuid::Uuid> {
    result.get("id")?.as_str()?.parse().ok()
}
