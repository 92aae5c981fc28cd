//! The `reminder` workflow: compose the message, send it, record the delivery.
//!
//! WhatsApp first when the shop has a WhatsApp number, the customer a phone and no
//! preference for email: free text, or the approved template when Meta says the
//! 24-hour window is closed. If WhatsApp refuses for good (or is paused, or not
//! configured), email instead when the customer has an address. Sending is the only
//! step with an outside effect; its output is stored before `record` runs, so a retry
//! of `record` never sends again.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use uuid::Uuid;

use super::registry::{StepContext, StepError, StepFuture, WorkflowCode};
use crate::{
    domain::{customer_messages, gst::format_inr, reminders},
    integrations::whatsapp_send::SendError,
};

pub fn code() -> WorkflowCode {
    WorkflowCode {
        name: "reminder",
        steps: vec![("compose", compose), ("send", send), ("record", record)],
    }
}

/// What `compose` decides and `send` carries out.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Composed {
    text: String,
    customer_name: String,
    amount: String,
    business_name: String,
    phone: Option<String>,
    email: Option<String>,
    phone_number_id: Option<String>,
    prefer_email: bool,
    /// The customer's `preferred_language`, for the template's translation and the email
    /// subject. Defaulted so a job composed before the field existed (a retried `send`)
    /// still reads, as Hinglish.
    #[serde(default)]
    language: String,
}

fn reminder_id(input: &Value) -> Result<Uuid, StepError> {
    input
        .get("reminder_id")
        .and_then(Value::as_str)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| StepError::Permanent("input has no reminder_id".into()))
}

/// The reminder in the customer's language ("₹" always, like the shop talks to its
/// customers), with the owner's own words, if any, in the middle as they wrote them.
fn reminder_text(c: &reminders::Context, amount: &str) -> String {
    let (name, shop) = (&c.customer_name, &c.business_name);
    let (opening, closing) = match c.preferred_language.as_str() {
        "english" => (
            format!("Hello {name}, a reminder from {shop}: {amount} is due on your account."),
            "Thank you!",
        ),
        "hindi" => (
            format!("नमस्ते {name} जी, {shop} की ओर से याद दिला रहे हैं: आपके {amount} बाकी हैं।"),
            "धन्यवाद!",
        ),
        _ => (
            format!("Namaste {name} ji, {shop} se yaad dila rahe hain: aapka {amount} baaki hai."),
            "Dhanyavaad!",
        ),
    };
    let mut text = opening;
    if let Some(extra) = c.message.as_deref().filter(|m| !m.trim().is_empty()) {
        text.push(' ');
        text.push_str(extra.trim());
    }
    text.push(' ');
    text.push_str(closing);
    text
}

fn compose(ctx: StepContext) -> StepFuture {
    Box::pin(async move {
        let id = reminder_id(&ctx.input)?;
        let c = reminders::context(&ctx.deps.pool, ctx.tenant_id, id)
            .await?
            .ok_or_else(|| StepError::Permanent("the reminder or its customer is gone".into()))?;
        let amount = format_inr(c.balance_paise.max(0));
        let text = reminder_text(&c, &amount);
        let composed = Composed {
            text,
            customer_name: c.customer_name,
            amount,
            business_name: c.business_name,
            phone: c.phone,
            email: c.email,
            phone_number_id: c.phone_number_id,
            prefer_email: c.preferred_channel == "email",
            language: c.preferred_language,
        };
        serde_json::to_value(composed).map_err(|e| StepError::Permanent(e.to_string()))
    })
}

fn send(ctx: StepContext) -> StepFuture {
    Box::pin(async move {
        let c: Composed =
            serde_json::from_value(ctx.outputs.get("compose").cloned().unwrap_or(Value::Null))
                .map_err(|e| StepError::Permanent(format!("bad compose output: {e}")))?;
        let mut whatsapp_failure = None;
        if let (Some(wa), Some(phone), Some(from), false) = (
            &ctx.deps.whatsapp,
            &c.phone,
            &c.phone_number_id,
            c.prefer_email,
        ) {
            let mut result = wa.send_text(from, phone, &c.text).await;
            if result == Err(SendError::WindowClosed) {
                let params = [
                    c.customer_name.clone(),
                    c.amount.clone(),
                    c.business_name.clone(),
                ];
                let language = ctx.deps.template_languages.code_for(&c.language);
                result = wa
                    .send_template(from, phone, &ctx.deps.reminder_template, language, &params)
                    .await;
            }
            match result {
                Ok(wamid) => {
                    return Ok(json!({"channel": "whatsapp", "provider_message_id": wamid}));
                }
                Err(SendError::Retry(e)) => return Err(StepError::Transient(e)),
                Err(e) => whatsapp_failure = Some(e.to_string()),
            }
        }
        let Some(email) = c.email.as_deref() else {
            let why =
                whatsapp_failure.unwrap_or_else(|| "no WhatsApp configured or no phone".into());
            return Err(StepError::Permanent(format!(
                "no way to reach the customer: {why}; no email address"
            )));
        };
        let subject = customer_messages::reminder_subject(&c.language, &c.business_name);
        match ctx.deps.mailer.send(email, &subject, c.text.clone()).await {
            Ok(()) => Ok(json!({"channel": "email", "whatsapp_error": whatsapp_failure})),
            Err(crate::integrations::email::MailError::Smtp(e)) => {
                Err(StepError::Transient(format!("email: {e}")))
            }
            Err(e) => Err(StepError::Permanent(format!("email: {e}"))),
        }
    })
}

fn record(ctx: StepContext) -> StepFuture {
    Box::pin(async move {
        let sent = ctx.outputs.get("send").cloned().unwrap_or(Value::Null);
        let channel = sent
            .get("channel")
            .and_then(Value::as_str)
            .unwrap_or("unknown");
        let provider = sent.get("provider_message_id").and_then(Value::as_str);
        reminders::record_sent(&ctx.deps.pool, ctx.tenant_id, ctx.job_id, channel, provider)
            .await?;
        Ok(sent)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context(language: &str, message: Option<&str>) -> reminders::Context {
        reminders::Context {
            customer_name: "Ramesh".into(),
            phone: None,
            email: None,
            preferred_channel: "whatsapp".into(),
            preferred_language: language.into(),
            business_name: "Sharma Kirana".into(),
            phone_number_id: None,
            message: message.map(Into::into),
            balance_paise: 125_000,
        }
    }

    #[test]
    fn reminders_are_written_in_the_customers_language() {
        assert_eq!(
            reminder_text(&context("hinglish", Some(" kal tak ")), "₹1,250.00"),
            "Namaste Ramesh ji, Sharma Kirana se yaad dila rahe hain: aapka ₹1,250.00 baaki hai. kal tak Dhanyavaad!"
        );
        assert_eq!(
            reminder_text(&context("english", None), "₹1,250.00"),
            "Hello Ramesh, a reminder from Sharma Kirana: ₹1,250.00 is due on your account. Thank you!"
        );
        assert_eq!(
            reminder_text(&context("hindi", None), "₹1,250.00"),
            "नमस्ते Ramesh जी, Sharma Kirana की ओर से याद दिला रहे हैं: आपके ₹1,250.00 बाकी हैं। धन्यवाद!"
        );
    }
}
