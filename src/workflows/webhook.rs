//! The `webhook` workflow: a verified WhatsApp webhook batch for one tenant.
//!
//! `extract` turns Meta's change values into typed messages and statuses (a malformed
//! batch is a permanent failure: retrying cannot fix it); `apply` stores them once, in
//! one transaction, so a replayed webhook or a redelivered job changes nothing.

use serde_json::{Value, json};

use super::registry::{StepContext, StepError, StepFuture, WorkflowCode};
use crate::{
    domain::whatsapp::{self, InboundMessage, StatusUpdate},
    integrations::whatsapp as wa,
};

pub fn code() -> WorkflowCode {
    WorkflowCode {
        name: "webhook",
        steps: vec![("extract", extract), ("apply", apply)],
    }
}

/// The job input the webhook endpoint enqueues.
pub fn input(phone_number_id: &str, values: Vec<Value>) -> Value {
    json!({ "phone_number_id": phone_number_id, "values": values })
}

fn extract(ctx: StepContext) -> StepFuture {
    Box::pin(async move {
        let values = ctx
            .input
            .get("values")
            .and_then(Value::as_array)
            .ok_or_else(|| StepError::Permanent("input has no values".into()))?;
        let (messages, statuses) = wa::events(values).map_err(StepError::Permanent)?;
        Ok(json!({ "messages": messages, "statuses": statuses }))
    })
}

fn apply(ctx: StepContext) -> StepFuture {
    Box::pin(async move {
        let extracted = ctx.outputs.get("extract").cloned().unwrap_or(Value::Null);
        let messages: Vec<InboundMessage> =
            serde_json::from_value(extracted.get("messages").cloned().unwrap_or(json!([])))
                .map_err(|e| StepError::Permanent(format!("bad extract output: {e}")))?;
        let statuses: Vec<StatusUpdate> =
            serde_json::from_value(extracted.get("statuses").cloned().unwrap_or(json!([])))
                .map_err(|e| StepError::Permanent(format!("bad extract output: {e}")))?;
        let applied = whatsapp::apply(
            &ctx.deps.pool,
            ctx.tenant_id,
            ctx.job_id,
            &messages,
            &statuses,
        )
        .await?;
        let m = &ctx.deps.metrics.webhook_events;
        m.with_label_values(&["message", "stored"])
            .inc_by(applied.messages_stored.into());
        m.with_label_values(&["message", "duplicate"])
            .inc_by(applied.messages_duplicate.into());
        m.with_label_values(&["status", "applied"])
            .inc_by(applied.statuses_applied.into());
        m.with_label_values(&["status", "duplicate"])
            .inc_by(applied.statuses_duplicate.into());
        serde_json::to_value(applied).map_err(|e| StepError::Permanent(e.to_string()))
    })
}
