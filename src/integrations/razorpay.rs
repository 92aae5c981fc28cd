//! Razorpay payment webhooks: signature check and event parsing.
//!
//! Razorpay signs the raw body with HMAC-SHA256 under the webhook secret the shop chose
//! in its dashboard and sends the hex digest in `X-Razorpay-Signature`; like WhatsApp's,
//! it only verifies over the exact bytes received. Parsing is lenient about everything
//! we do not use (Razorpay adds fields freely and sends empty `notes` as `[]`) and turns
//! the one event that moves money, `payment.captured`, into a typed [`Payment`].

use hmac::{Hmac, Mac};
use serde::Deserialize;
use serde_json::Value;
use sha2::Sha256;
use subtle::ConstantTimeEq;
use uuid::Uuid;

use crate::domain::ledger::Method;

/// Checks `X-Razorpay-Signature` (lowercase or uppercase hex) over `body` in constant
/// time. A missing header, bad hex or a digest of the wrong length is simply invalid.
pub fn signature_valid(secret: &[u8], body: &[u8], header: Option<&str>) -> bool {
    let Some(given) = header.and_then(|h| hex::decode(h.trim()).ok()) else {
        return false;
    };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else {
        return false;
    };
    mac.update(body);
    let expected = mac.finalize().into_bytes();
    // `ct_eq` on slices of different lengths is false without comparing contents, and
    // the length of a digest is no secret.
    bool::from(expected[..].ct_eq(&given[..]))
}

/// What a verified webhook asks of us.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A captured payment in rupees: record it.
    Captured(Payment),
    /// A captured payment in another currency; the ledger keeps INR paise only.
    ForeignCurrency { payment_id: String },
    /// Any other event (`payment.failed`, `order.paid`, refunds, …): acknowledged only.
    Other { event: String },
}

/// A captured payment, as the ledger needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payment {
    /// `pay_…`: the gateway reference that makes a redelivery record nothing twice.
    pub id: String,
    /// Always positive.
    pub amount_paise: i64,
    pub method: Method,
    /// `notes.customer_id`, put there by the shop when it made the payment link; `None`
    /// when absent or not a UUID, so the payment cannot be attributed.
    pub customer_id: Option<Uuid>,
}

#[derive(Debug, Deserialize)]
struct Envelope {
    event: String,
    #[serde(default)]
    payload: Value,
}

#[derive(Debug, Deserialize)]
struct RawPayment {
    id: String,
    amount: i64,
    currency: String,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    method: Option<String>,
    /// An object of the shop's notes, or `[]` when there are none.
    #[serde(default)]
    notes: Value,
}

/// Razorpay's payment methods, folded into the ledger's four. Wallets are app-to-app
/// transfers like UPI; anything unknown is at least a bank-side transfer.
pub fn method(razorpay: &str) -> Method {
    match razorpay {
        "upi" | "wallet" => Method::Upi,
        "card" => Method::Card,
        _ => Method::Bank,
    }
}

/// Parses a verified webhook body. An error means the body is not a Razorpay event or
/// a `payment.captured` lacks the fields every one of them has.
pub fn parse(body: &[u8]) -> Result<Event, String> {
    let envelope: Envelope =
        serde_json::from_slice(body).map_err(|e| format!("body is not a Razorpay event: {e}"))?;
    if envelope.event != "payment.captured" {
        return Ok(Event::Other {
            event: envelope.event,
        });
    }
    let entity = envelope
        .payload
        .pointer("/payment/entity")
        .cloned()
        .ok_or("payment.captured without payload.payment.entity")?;
    let raw: RawPayment =
        serde_json::from_value(entity).map_err(|e| format!("unexpected payment entity: {e}"))?;
    if raw.status.as_deref().is_some_and(|s| s != "captured") || raw.amount <= 0 {
        return Ok(Event::Other {
            event: envelope.event,
        });
    }
    if !raw.currency.eq_ignore_ascii_case("INR") {
        return Ok(Event::ForeignCurrency { payment_id: raw.id });
    }
    let customer_id = raw
        .notes
        .get("customer_id")
        .and_then(Value::as_str)
        .and_then(|s| s.trim().parse().ok());
    Ok(Event::Captured(Payment {
        method: method(raw.method.as_deref().unwrap_or_default()),
        id: raw.id,
        amount_paise: raw.amount,
        customer_id,
    }))
}

#[cfg(test)]
#[path = "razorpay_tests.rs"]
mod tests;
