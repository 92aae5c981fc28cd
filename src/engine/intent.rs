//! What an utterance asks for: the intent, its entities and how sure we are.
//!
//! Both the rule-based parser and the LLM produce a [`ParsedIntent`]; the LLM's answer is
//! deserialised into these types and then checked by [`ParsedIntent::validated`], so a
//! model can never hand the engine an amount below zero or a confidence above one.

use serde::{Deserialize, Serialize};

/// Every intent the engine executes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IntentKind {
    /// "Rahul ke liye do kilo chawal aur teen packet biscuit ka bill banao"
    CreateInvoice,
    /// "do packet biscuit aur jodo" (to the pending draft)
    AddItems,
    /// "GST lagao" / "bina GST ke"
    ToggleGst,
    /// "aata pe 5% discount do", "50 rupay kam karo"
    AddDiscount,
    /// "bill confirm karo", "theek hai bana do"
    ConfirmInvoice,
    /// "bill cancel karo"
    CancelInvoice,
    /// "Sunita ka bill bhej do"
    SendInvoice,
    /// "draft dikhao"
    ShowPendingInvoice,
    /// "Bharat ka 300 aa gaya", "500 cash aur 300 UPI mila"
    RecordPayment,
    /// "Ramesh ko 500 udhaar likho"
    AddCredit,
    /// "Ramesh ka balance kitna hai", "uska hisaab batao"
    CheckBalance,
    /// "Bharat ki sari jankari batao"
    CustomerInfo,
    /// "sabka balance batao"
    ListBalances,
    /// "kitna paisa baki hai" (all customers together)
    TotalPending,
    /// "naya customer Suresh banao, number 98765 43210"
    CreateCustomer,
    /// "Suresh ka GSTIN 07AABCU9603R1ZP hai", "Suresh ka number 98765 43210 hai"
    UpdateCustomer,
    /// "Bharat ka data delete karo"
    DeleteCustomerData,
    /// "Rahul ko 500 ka reminder kal 7 baje bhejo"
    CreateReminder,
    /// "Rahul ka reminder cancel karo"
    CancelReminder,
    /// "saare reminder dikhao"
    ListReminders,
    /// "aata kitna bacha hai"
    CheckStock,
    /// "50 kilo aata aaya"
    UpdateStock,
    /// "aaj ka hisaab batao"
    DailySummary,
    /// "English mein bolo" / "Hindi mein baat karo"
    SwitchLanguage,
    /// "Ramesh ko Hindi mein message bhejna": the language of one customer's invoice
    /// messages and reminders (not the assistant's replies).
    SetCustomerLanguage,
    /// Nothing the engine understands.
    Unknown,
}

impl IntentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CreateInvoice => "create_invoice",
            Self::AddItems => "add_items",
            Self::ToggleGst => "toggle_gst",
            Self::AddDiscount => "add_discount",
            Self::ConfirmInvoice => "confirm_invoice",
            Self::CancelInvoice => "cancel_invoice",
            Self::SendInvoice => "send_invoice",
            Self::ShowPendingInvoice => "show_pending_invoice",
            Self::RecordPayment => "record_payment",
            Self::AddCredit => "add_credit",
            Self::CheckBalance => "check_balance",
            Self::CustomerInfo => "customer_info",
            Self::ListBalances => "list_balances",
            Self::TotalPending => "total_pending",
            Self::CreateCustomer => "create_customer",
            Self::UpdateCustomer => "update_customer",
            Self::DeleteCustomerData => "delete_customer_data",
            Self::CreateReminder => "create_reminder",
            Self::CancelReminder => "cancel_reminder",
            Self::ListReminders => "list_reminders",
            Self::CheckStock => "check_stock",
            Self::UpdateStock => "update_stock",
            Self::DailySummary => "daily_summary",
            Self::SwitchLanguage => "switch_language",
            Self::SetCustomerLanguage => "set_customer_language",
            Self::Unknown => "unknown",
        }
    }

    /// Every kind, for prompts and JSON schemas.
    pub const ALL: [IntentKind; 26] = [
        Self::CreateInvoice,
        Self::AddItems,
        Self::ToggleGst,
        Self::AddDiscount,
        Self::ConfirmInvoice,
        Self::CancelInvoice,
        Self::SendInvoice,
        Self::ShowPendingInvoice,
        Self::RecordPayment,
        Self::AddCredit,
        Self::CheckBalance,
        Self::CustomerInfo,
        Self::ListBalances,
        Self::TotalPending,
        Self::CreateCustomer,
        Self::UpdateCustomer,
        Self::DeleteCustomerData,
        Self::CreateReminder,
        Self::CancelReminder,
        Self::ListReminders,
        Self::CheckStock,
        Self::UpdateStock,
        Self::DailySummary,
        Self::SwitchLanguage,
        Self::SetCustomerLanguage,
        Self::Unknown,
    ];
}

/// The language replies are spoken in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Language {
    /// Hindi in Roman script mixed with English, the shops' own way of speaking.
    #[default]
    Hinglish,
    English,
    /// Hindi in Devanagari ("Hindi mein bolo", or a Devanagari transcript), which
    /// espeak-ng's Hindi voice reads as written.
    Hindi,
}

impl Language {
    /// The name stored in `customers.preferred_language` and used in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Hinglish => "hinglish",
            Self::English => "english",
            Self::Hindi => "hindi",
        }
    }
}

/// How a payment was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentMode {
    Cash,
    Upi,
    Card,
    Bank,
}

/// One part of a payment ("500 cash aur 300 UPI" has two).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentPart {
    pub mode: PaymentMode,
    pub amount_paise: i64,
}

/// One item asked for on an invoice, or a stock change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemEntity {
    /// The product as spoken, lower case, without quantity or unit ("chawal").
    pub product: String,
    /// How many; whole units ("do kilo" = 2). Defaults to 1 when not said.
    pub quantity: i64,
    /// The unit as said, normalised ("kg", "packet", "litre", "bori", "piece"), if any.
    pub unit: Option<String>,
}

/// The facts an utterance carries. Every field is optional; an intent uses the ones it
/// needs and the engine asks for what is missing.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Entities {
    /// The customer as named, with honorifics and particles removed ("Ramesh").
    pub customer: Option<String>,
    /// "uska", "iska", "unka", "usi", "pichla customer": the conversation's active customer.
    pub active_customer: bool,
    /// A single amount in paise ("500" → 50_000; "paanch sau" → 50_000; "dedh hazaar").
    pub amount_paise: Option<i64>,
    /// The parts of a payment with their modes; one part when only one mode is said.
    pub payments: Vec<PaymentPart>,
    /// Items for an invoice or a draft.
    pub items: Vec<ItemEntity>,
    /// `Some(true)` for "GST lagao", `Some(false)` for "bina GST".
    pub with_gst: Option<bool>,
    /// A discount in percent, 0–100 ("5% discount").
    pub discount_percent: Option<u32>,
    /// A discount as an amount ("50 rupay kam karo").
    pub discount_paise: Option<i64>,
    /// A phone number as spoken, digits only (10 digits or with country code).
    pub phone: Option<String>,
    pub email: Option<String>,
    pub gstin: Option<String>,
    /// A product asked about or restocked ("aata").
    pub product: Option<String>,
    /// A stock quantity ("50 kilo aata aaya" → 50).
    pub quantity: Option<i64>,
    pub unit: Option<String>,
    /// The time phrase of a reminder as said ("kal 7 baje", "har mahine 1 tareekh").
    pub when: Option<String>,
    /// The language asked for by `SwitchLanguage`, or a customer's by `SetCustomerLanguage`.
    pub language: Option<Language>,
    /// "sab" / "saare": applies to all (cancel all drafts, all reminders).
    pub all: bool,
}

/// An intent with its entities, as a parser or the LLM understood the utterance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParsedIntent {
    pub intent: IntentKind,
    #[serde(default)]
    pub entities: Entities,
    /// 0..1; below the engine's threshold it asks again.
    pub confidence: f32,
    /// The utterance normalised (lower case, Roman script, numbers as digits).
    #[serde(default)]
    pub normalized: String,
}

/// Why a parsed intent was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidIntent {
    #[error("confidence {0} is outside 0..1")]
    Confidence(String),
    #[error("amount must be positive and below ₹1 crore")]
    Amount,
    #[error("quantity must be between 1 and 100000")]
    Quantity,
    #[error("discount percent must be at most 100")]
    Discount,
    #[error("{0} is too long")]
    TooLong(&'static str),
}

/// The largest amount a voice command may carry: ₹1 crore in paise.
const MAX_AMOUNT_PAISE: i64 = 1_000_000_000;
const MAX_TEXT: usize = 200;

impl ParsedIntent {
    pub fn unknown(normalized: String) -> Self {
        Self {
            intent: IntentKind::Unknown,
            entities: Entities::default(),
            confidence: 0.0,
            normalized,
        }
    }

    /// Checks every value against what the engine can act on; the LLM's output passes
    /// through here before anything trusts it.
    pub fn validated(self) -> Result<Self, InvalidIntent> {
        if !(0.0..=1.0).contains(&self.confidence) || self.confidence.is_nan() {
            return Err(InvalidIntent::Confidence(self.confidence.to_string()));
        }
        let e = &self.entities;
        let amount_ok = |a: i64| a > 0 && a <= MAX_AMOUNT_PAISE;
        let amounts = e
            .amount_paise
            .iter()
            .chain(e.discount_paise.iter())
            .chain(e.payments.iter().map(|p| &p.amount_paise));
        if amounts.copied().any(|a| !amount_ok(a)) {
            return Err(InvalidIntent::Amount);
        }
        let qty_ok = |q: i64| (1..=100_000).contains(&q);
        if e.items.iter().any(|i| !qty_ok(i.quantity)) || e.quantity.is_some_and(|q| !qty_ok(q)) {
            return Err(InvalidIntent::Quantity);
        }
        if e.discount_percent.is_some_and(|d| d > 100) {
            return Err(InvalidIntent::Discount);
        }
        let texts = [
            ("customer", e.customer.as_deref()),
            ("product", e.product.as_deref()),
            ("email", e.email.as_deref()),
            ("when", e.when.as_deref()),
            ("phone", e.phone.as_deref()),
            ("gstin", e.gstin.as_deref()),
        ];
        for (name, text) in texts {
            if text.is_some_and(|t| t.len() > MAX_TEXT) {
                return Err(InvalidIntent::TooLong(name));
            }
        }
        if e.items.iter().any(|i| i.product.len() > MAX_TEXT) || e.items.len() > 50 {
            return Err(InvalidIntent::TooLong("items"));
        }
        Ok(self)
    }
}
