//! Request and response bodies of the customer endpoints (`CustomersApi` in
//! `customers`).
//!
//! They are declarations only: their names, doc comments and validators are what the
//! OpenAPI document shows, so they are kept apart from the handlers' parsing and erasure
//! logic, and a change here is a change to the published API.

use chrono::{DateTime, Utc};
use poem_openapi::{ApiResponse, Enum, Object, payload::Json};
use uuid::Uuid;

use crate::domain::customers::Customer;

#[derive(Debug, Clone, Copy, Enum, PartialEq, Eq)]
#[oai(rename_all = "lowercase")]
pub enum Channel {
    Whatsapp,
    Email,
}

/// The language reminders and invoice messages are written in: `hinglish` (Hindi in
/// Roman script, the default when absent), `english`, or `hindi` (Devanagari; the invoice's amount
/// in words is then in Hindi too).
#[derive(Debug, Clone, Copy, Enum, PartialEq, Eq)]
#[oai(rename_all = "lowercase")]
pub enum CustomerLanguage {
    Hinglish,
    English,
    Hindi,
}

/// A customer as a client sends it.
#[derive(Object)]
#[oai(example, skip_serializing_if_is_none)]
pub(super) struct CustomerInput {
    #[oai(validator(min_length = 1, max_length = 120))]
    pub(super) name: String,
    /// Any common Indian form ("98765 43210", "+91…"); stored as E.164.
    #[oai(validator(max_length = 32))]
    pub(super) phone: Option<String>,
    #[oai(validator(max_length = 254, pattern = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"))]
    pub(super) email: Option<String>,
    #[oai(default, validator(max_items = 10))]
    pub(super) nicknames: Vec<String>,
    #[oai(validator(max_length = 120))]
    pub(super) landmark: Option<String>,
    #[oai(validator(max_length = 80))]
    pub(super) city: Option<String>,
    /// Two-digit GST state code (e.g. "27" Maharashtra); taken from the GSTIN if absent.
    #[oai(validator(pattern = r"^[0-9]{2}$"))]
    pub(super) state_code: Option<String>,
    pub(super) gstin: Option<String>,
    pub(super) preferred_channel: Option<Channel>,
    // Undocumented on purpose: a documented enum field becomes `allOf` in the spec
    // (see `no_all_of`); `CustomerLanguage` says that absent means `hinglish`.
    pub(super) preferred_language: Option<CustomerLanguage>,
    #[oai(validator(max_length = 1000))]
    pub(super) notes: Option<String>,
}

#[derive(Object)]
#[oai(example, skip_serializing_if_is_none)]
pub struct CustomerView {
    pub id: Uuid,
    pub name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub nicknames: Vec<String>,
    pub landmark: Option<String>,
    pub city: Option<String>,
    pub state_code: Option<String>,
    pub gstin: Option<String>,
    pub preferred_channel: String,
    /// `hinglish`, `english` or `hindi`.
    pub preferred_language: String,
    pub notes: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Customer> for CustomerView {
    fn from(c: Customer) -> Self {
        Self {
            id: c.id,
            name: c.name,
            phone: c.phone,
            email: c.email,
            nicknames: c.nicknames,
            landmark: c.landmark,
            city: c.city,
            state_code: c.state_code,
            gstin: c.gstin,
            preferred_channel: c.preferred_channel,
            preferred_language: c.preferred_language,
            notes: c.notes,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub(super) struct CustomerPage {
    pub(super) items: Vec<CustomerView>,
    pub(super) next_cursor: Option<String>,
}

#[derive(Object)]
pub(super) struct Candidate {
    pub(super) customer: CustomerView,
    /// 0 to 1; how well the query matched.
    pub(super) score: f32,
}

/// What the candidates amount to.
#[derive(Debug, Clone, Copy, Enum)]
#[oai(rename_all = "snake_case")]
pub(super) enum SearchOutcome {
    /// One candidate clearly fits: act on it.
    Clear,
    /// Several fit about equally: ask which one.
    Ambiguous,
    /// Nothing fits.
    NoMatch,
}

#[derive(Object)]
pub(super) struct SearchView {
    // Documented on `SearchOutcome`: a doc comment here would make the field an
    // `allOf`, which client generators (openapi-python-client) cannot take.
    pub(super) r#match: SearchOutcome,
    /// Best first.
    pub(super) candidates: Vec<Candidate>,
}

#[derive(ApiResponse)]
pub(super) enum Created {
    #[oai(status = 201)]
    Created(Json<CustomerView>),
}

#[derive(ApiResponse)]
pub(super) enum Done {
    /// Done.
    #[oai(status = 204)]
    Done,
}

#[derive(Object)]
#[oai(example, skip_serializing_if_is_none)]
pub(super) struct ErasureConfirm {
    #[oai(validator(pattern = r"^[0-9]{6}$"))]
    pub(super) code: String,
}

#[derive(ApiResponse)]
pub(super) enum ErasureRequested {
    /// A code went to the owner's email, or one sent earlier is still live (it is not
    /// sent again: one live code per customer); confirm with it.
    #[oai(status = 202)]
    Accepted,
}

impl poem_openapi::types::Example for CustomerInput {
    fn example() -> Self {
        Self {
            name: "Ramesh Kumar".into(),
            phone: Some("098765-43210".into()),
            email: None,
            nicknames: vec!["Ramu".into()],
            landmark: Some("Bharat ATM".into()),
            city: Some("Pune".into()),
            state_code: None,
            gstin: Some("27AAPFU0939F1ZV".into()),
            preferred_channel: Some(Channel::Whatsapp),
            preferred_language: Some(CustomerLanguage::Hinglish),
            notes: None,
        }
    }
}

impl poem_openapi::types::Example for CustomerView {
    fn example() -> Self {
        Self {
            id: super::example_id(2),
            name: "Ramesh Kumar".into(),
            phone: Some("+919876543210".into()),
            email: None,
            nicknames: vec!["Ramu".into()],
            landmark: Some("Bharat ATM".into()),
            city: Some("Pune".into()),
            state_code: Some("27".into()),
            gstin: Some("27AAPFU0939F1ZV".into()),
            preferred_channel: "whatsapp".into(),
            preferred_language: "hinglish".into(),
            notes: None,
            created_at: super::example_time(),
            updated_at: super::example_time(),
        }
    }
}

impl poem_openapi::types::Example for ErasureConfirm {
    fn example() -> Self {
        Self {
            code: "482913".into(),
        }
    }
}
