//! One turn of a conversation: answer a pending question or execute a new intent.
//!
//! The engine acts only through `domain/`. What it cannot do itself (issue an invoice,
//! which is a workflow of its own) it returns as a [`FollowUp`] for the caller. Writes
//! carry the turn's key, so a turn executed twice (a redelivered job) finds its ledger
//! entries instead of writing them again.

use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use serde::Serialize;
use serde_json::{Value, json};
use sqlx::PgPool;
use uuid::Uuid;

use super::{
    conversation::{Conversation, CustomerRef, Pending},
    intent::{IntentKind, Language, ParsedIntent},
    permissions, replies, rules,
};
use crate::{
    auth::{Role, permissions::Action},
    domain::invoices::InvoiceRequest,
};

/// The value of a `Result<T, Outcome>`, or returns the outcome (a question to the user:
/// which customer? how much?) from the calling handler.
macro_rules! or_ask {
    ($resolved:expr) => {
        match $resolved {
            Ok(value) => value,
            Err(ask) => return Ok(ask),
        }
    };
}

#[path = "execute_billing.rs"]
mod billing;
#[path = "execute_customers.rs"]
mod customers;
#[path = "execute_money.rs"]
mod money;
#[path = "execute_preferences.rs"]
mod preferences;
#[path = "resolve.rs"]
mod resolve;
#[path = "execute_shop.rs"]
mod shop;

/// Thresholds the business may tune.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Payments and credits above this ask "pakka?" first.
    pub confirm_above_paise: i64,
    /// Below this confidence the engine asks the user to repeat.
    pub min_confidence: f32,
    /// Recurring reminders repeat at most this often (customers are not spammed).
    pub min_reminder_interval_minutes: u32,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            confirm_above_paise: 500_000,
            min_confidence: 0.65,
            min_reminder_interval_minutes: 60,
        }
    }
}

/// What asking for an owner's erasure code came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeRequest {
    Sent,
    /// A code is live already (it was mailed); nothing new was sent.
    AlreadySent,
    /// Too many requests for this customer lately.
    Throttled {
        retry_after_secs: u64,
    },
}

/// Owner codes for voice-requested erasure: sent by email, checked when spoken.
pub trait ErasureCodes: Send + Sync {
    fn send_code<'a>(
        &'a self,
        tenant: Uuid,
        customer: Uuid,
    ) -> BoxFuture<'a, Result<CodeRequest, String>>;
    fn check_code<'a>(
        &'a self,
        tenant: Uuid,
        customer: Uuid,
        code: &'a str,
    ) -> BoxFuture<'a, Result<bool, String>>;
}

/// How a turn ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Done,
    /// Waiting for haan/nahi (or the owner's code).
    NeedsConfirmation,
    /// Something is missing or ambiguous (which customer? how much?).
    NeedsInfo,
    NotUnderstood,
    /// The speaker's role may not do this (the permission table): nothing was done.
    NotAllowed,
    /// The user said no to a pending question.
    Declined,
    Failed,
}

/// Work the caller must start after the turn.
#[derive(Debug, Clone)]
pub enum FollowUp {
    /// Issue (and deliver) this invoice through the invoice workflow.
    IssueInvoice(InvoiceRequest),
    /// Deliver an existing invoice again.
    ResendInvoice(Uuid),
}

/// What a turn did and what to say.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub intent: IntentKind,
    pub status: Status,
    pub reply: String,
    pub data: Value,
    /// The language `reply` is in (a Devanagari transcript is answered in Hindi).
    pub language: Language,
    #[serde(skip)]
    pub follow_up: Option<FollowUp>,
}

impl Outcome {
    pub fn new(intent: IntentKind, status: Status, reply: String) -> Self {
        Self {
            intent,
            status,
            reply,
            data: json!({}),
            language: Language::default(),
            follow_up: None,
        }
    }

    pub fn done(intent: IntentKind, reply: String, data: Value) -> Self {
        Self {
            data,
            ..Self::new(intent, Status::Done, reply)
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// Worth retrying the turn.
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
}

/// Everything one turn needs.
pub struct Engine<'a> {
    pub pool: &'a PgPool,
    pub tenant: Uuid,
    pub user: Option<Uuid>,
    /// The speaker's role as it is now (not as their token said): `None` when the user
    /// is gone (removed), and then nothing is done.
    pub role: Option<Role>,
    /// Unique per turn (the voice job id): the idempotency key of its writes.
    pub turn_key: String,
    pub policy: &'a Policy,
    pub erasure: &'a dyn ErasureCodes,
    pub now: DateTime<Utc>,
}

impl Engine<'_> {
    /// Runs one turn: a pending question first, then the intent. The reply is in the
    /// session's language, or in Hindi for a Devanagari transcript in a Hinglish session
    /// (for this turn only, unless the turn itself switched the language).
    pub async fn turn(
        &self,
        conv: &mut Conversation,
        transcript: &str,
        parsed: ParsedIntent,
    ) -> Result<Outcome, EngineError> {
        let session = conv.language;
        let spoken = replies::reply_language(session, transcript);
        conv.language = spoken;
        let outcome = self.answer(conv, transcript, parsed).await;
        let switched = matches!(&outcome, Ok(o) if o.intent == IntentKind::SwitchLanguage);
        let reply_language = conv.language;
        if !switched && conv.language == spoken {
            conv.language = session;
        }
        outcome.map(|o| Outcome {
            language: reply_language,
            ..o
        })
    }

    async fn answer(
        &self,
        conv: &mut Conversation,
        transcript: &str,
        parsed: ParsedIntent,
    ) -> Result<Outcome, EngineError> {
        if let Some(pending) = conv.pending.take()
            && let Some(outcome) = self.answer_pending(conv, pending, transcript).await?
        {
            return Ok(outcome);
        }
        if parsed.intent == IntentKind::Unknown || parsed.confidence < self.policy.min_confidence {
            return Ok(Outcome::new(
                parsed.intent,
                Status::NotUnderstood,
                replies::not_understood(conv.language),
            ));
        }
        self.execute(conv, parsed, false).await
    }

    /// `None` when the transcript is not an answer: the question is dropped and the
    /// transcript handled as a new request.
    async fn answer_pending(
        &self,
        conv: &mut Conversation,
        pending: Pending,
        transcript: &str,
    ) -> Result<Option<Outcome>, EngineError> {
        match pending {
            Pending::Confirm { action, customer } => match rules::confirmation(transcript) {
                Some(true) => {
                    if let Some(c) = customer {
                        conv.active_customer = Some(c);
                    }
                    Ok(Some(self.execute(conv, *action, true).await?))
                }
                Some(false) => Ok(Some(Outcome::new(
                    action.intent,
                    Status::Declined,
                    replies::declined(conv.language),
                ))),
                None => Ok(None),
            },
            Pending::ErasureCode { customer } => {
                if let Some(code) = six_digits(transcript) {
                    if !self.may(Action::RequestErasure) {
                        return Ok(Some(self.refuse(IntentKind::DeleteCustomerData, conv)));
                    }
                    return Ok(Some(
                        customers::finish_erasure(self, conv, customer, &code).await?,
                    ));
                }
                if rules::confirmation(transcript) == Some(false) {
                    return Ok(Some(Outcome::new(
                        IntentKind::DeleteCustomerData,
                        Status::Declined,
                        replies::declined(conv.language),
                    )));
                }
                Ok(None)
            }
        }
    }

    /// Executes an intent; `confirmed` when the user already said yes to it.
    async fn execute(
        &self,
        conv: &mut Conversation,
        parsed: ParsedIntent,
        confirmed: bool,
    ) -> Result<Outcome, EngineError> {
        use IntentKind as K;
        // Checked here, so a "haan" to a pending question is checked again: whoever
        // confirms must be allowed too.
        if let Some(action) = permissions::required(&parsed, conv)
            && !self.may(action)
        {
            return Ok(self.refuse(parsed.intent, conv));
        }
        match parsed.intent {
            K::AddCredit | K::RecordPayment => {
                money::ledger_write(self, conv, parsed, confirmed).await
            }
            K::CheckBalance => money::check_balance(self, conv, &parsed).await,
            K::CustomerInfo => money::customer_info(self, conv, &parsed).await,
            K::ListBalances => money::list_balances(self, conv).await,
            K::TotalPending => money::total_pending(self, conv).await,
            K::DailySummary => money::daily_summary(self, conv).await,
            K::CreateInvoice
            | K::AddItems
            | K::ToggleGst
            | K::AddDiscount
            | K::ConfirmInvoice
            | K::CancelInvoice
            | K::SendInvoice
            | K::ShowPendingInvoice => billing::handle(self, conv, parsed, confirmed).await,
            K::CreateCustomer => customers::create(self, conv, &parsed).await,
            K::UpdateCustomer => customers::update(self, conv, &parsed).await,
            K::DeleteCustomerData => customers::start_erasure(self, conv, &parsed).await,
            K::SetCustomerLanguage => preferences::set_language(self, conv, &parsed).await,
            K::CreateReminder | K::CancelReminder | K::ListReminders => {
                shop::reminders(self, conv, parsed, confirmed).await
            }
            K::CheckStock | K::UpdateStock => shop::stock(self, conv, &parsed).await,
            K::SwitchLanguage => {
                // No language we speak was named ("Marathi mein bolo"): say which we do.
                let Some(language) = parsed.entities.language else {
                    return Ok(Outcome::new(
                        parsed.intent,
                        Status::NeedsInfo,
                        replies::languages_spoken(conv.language),
                    ));
                };
                conv.language = language;
                Ok(Outcome::done(
                    parsed.intent,
                    replies::language_switched(conv.language),
                    json!({"language": conv.language}),
                ))
            }
            K::Unknown => Ok(Outcome::new(
                parsed.intent,
                Status::NotUnderstood,
                replies::not_understood(conv.language),
            )),
        }
    }

    /// Whether the speaker may take `action` (a removed user may take none).
    fn may(&self, action: Action) -> bool {
        self.role.is_some_and(|r| r.may(action))
    }

    /// "You are not allowed", in the conversation's language; nothing is done and any
    /// pending question is dropped.
    fn refuse(&self, intent: IntentKind, conv: &mut Conversation) -> Outcome {
        conv.pending = None;
        tracing::info!(intent = intent.as_str(), "voice action refused by role");
        Outcome::new(
            intent,
            Status::NotAllowed,
            replies::not_allowed(conv.language),
        )
    }

    /// Asks "pakka?" and remembers the action until the answer.
    fn ask_confirmation(
        conv: &mut Conversation,
        action: ParsedIntent,
        customer: Option<CustomerRef>,
        reply: String,
    ) -> Outcome {
        let intent = action.intent;
        conv.pending = Some(Pending::Confirm {
            action: Box::new(action),
            customer,
        });
        Outcome::new(intent, Status::NeedsConfirmation, reply)
    }
}

/// The first run of exactly six digits in a transcript ("code 123 456" counts).
fn six_digits(text: &str) -> Option<String> {
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    (digits.len() == 6).then_some(digits)
}

#[cfg(test)]
mod tests {
    use super::six_digits;

    #[test]
    fn six_digits_are_found_with_spaces_and_rejected_otherwise() {
        assert_eq!(six_digits("code 123 456 hai").as_deref(), Some("123456"));
        assert_eq!(six_digits("12345"), None);
        assert_eq!(six_digits("1234567"), None);
    }
}
