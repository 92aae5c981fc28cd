//! WhatsApp Cloud API webhooks: signature check and payload parsing (CONTRACTS.md §1).
//!
//! The signature is HMAC-SHA256 over the raw body exactly as received; Meta signs an
//! escaped-unicode serialisation, so re-serialised JSON would not verify. Parsing is
//! lenient about fields we do not use and strict about the ones we key on.

use std::collections::BTreeMap;

use chrono::{DateTime, TimeZone, Utc};
use hmac::{Hmac, Mac};
use serde::Deserialize;
use serde_json::Value;
use sha2::Sha256;

use crate::domain::whatsapp::{InboundMessage, StatusUpdate};

/// Checks `X-Hub-Signature-256: sha256=<hex>` over `body` in constant time.
pub fn signature_valid(app_secret: &[u8], body: &[u8], header: Option<&str>) -> bool {
    let Some(hex_sig) = header.and_then(|h| h.strip_prefix("sha256=")) else {
        return false;
    };
    let Ok(expected) = hex::decode(hex_sig) else {
        return false;
    };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(app_secret) else {
        return false;
    };
    mac.update(body);
    mac.verify_slice(&expected).is_ok()
}

#[derive(Debug, Deserialize)]
struct Envelope {
    object: String,
    #[serde(default)]
    entry: Vec<Entry>,
}

#[derive(Debug, Deserialize)]
struct Entry {
    #[serde(default)]
    changes: Vec<Change>,
}

#[derive(Debug, Deserialize)]
struct Change {
    field: String,
    value: Value,
}

/// The `messages` changes of a webhook, grouped by the receiving phone-number id.
pub fn changes_by_phone_number(body: &[u8]) -> Result<BTreeMap<String, Vec<Value>>, String> {
    let envelope: Envelope =
        serde_json::from_slice(body).map_err(|e| format!("body is not a webhook envelope: {e}"))?;
    if envelope.object != "whatsapp_business_account" {
        return Err(format!("unexpected object {:?}", envelope.object));
    }
    let mut grouped: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for change in envelope.entry.into_iter().flat_map(|e| e.changes) {
        if change.field != "messages" {
            continue;
        }
        let phone = change
            .value
            .pointer("/metadata/phone_number_id")
            .and_then(Value::as_str);
        if let Some(phone) = phone {
            grouped
                .entry(phone.to_string())
                .or_default()
                .push(change.value);
        }
    }
    Ok(grouped)
}

#[derive(Debug, Deserialize)]
struct RawMessage {
    from: String,
    id: String,
    #[serde(default)]
    timestamp: Option<String>,
    #[serde(rename = "type")]
    kind: String,
}

#[derive(Debug, Deserialize)]
struct RawStatus {
    id: String,
    status: String,
    #[serde(default)]
    timestamp: Option<String>,
    #[serde(default)]
    errors: Option<Value>,
}

fn unix_time(ts: Option<&str>) -> Option<DateTime<Utc>> {
    ts.and_then(|s| s.parse::<i64>().ok())
        .and_then(|s| Utc.timestamp_opt(s, 0).single())
}

/// Inbound messages and status updates in a list of change values.
pub fn events(values: &[Value]) -> Result<(Vec<InboundMessage>, Vec<StatusUpdate>), String> {
    let mut messages = Vec::new();
    let mut statuses = Vec::new();
    for value in values {
        for raw in value
            .get("messages")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let m: RawMessage =
                serde_json::from_value(raw.clone()).map_err(|e| format!("bad message: {e}"))?;
            messages.push(InboundMessage {
                sent_at: unix_time(m.timestamp.as_deref()),
                wamid: m.id,
                from_wa_id: m.from,
                message_type: m.kind,
                body: raw.clone(),
            });
        }
        for raw in value
            .get("statuses")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let s: RawStatus =
                serde_json::from_value(raw.clone()).map_err(|e| format!("bad status: {e}"))?;
            statuses.push(StatusUpdate {
                status_at: unix_time(s.timestamp.as_deref()),
                wamid: s.id,
                status: s.status,
                errors: s.errors,
            });
        }
    }
    Ok((messages, statuses))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The verified vector from CONTRACTS.md §1.
    const BODY: &str = r#"{"object":"whatsapp_business_account","entry":[{"id":"0","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550000000","phone_number_id":"123"},"messages":[{"from":"15551234567","id":"wamid.X","timestamp":"1700000000","type":"text","text":{"body":"caf\u00e9 \/ ok"}}]}}]}]}"#;

    #[test]
    fn contract_vector_verifies() {
        assert_eq!(BODY.len(), 331);
        let sig = "sha256=0f5d2f31e9b017fe9910f3a98ca699127bd58c344af7e5c929fc35e51e8dc46e";
        assert!(signature_valid(
            b"app_secret_test",
            BODY.as_bytes(),
            Some(sig)
        ));
    }

    #[test]
    fn reserialised_body_and_bad_headers_fail() {
        let value: Value = serde_json::from_str(BODY).unwrap();
        let reserialised = serde_json::to_vec(&value).unwrap();
        let sig = "sha256=0f5d2f31e9b017fe9910f3a98ca699127bd58c344af7e5c929fc35e51e8dc46e";
        assert!(!signature_valid(
            b"app_secret_test",
            &reserialised,
            Some(sig)
        ));
        assert!(!signature_valid(b"app_secret_test", BODY.as_bytes(), None));
        assert!(!signature_valid(
            b"app_secret_test",
            BODY.as_bytes(),
            Some("sha256=zz")
        ));
        assert!(!signature_valid(b"other", BODY.as_bytes(), Some(sig)));
    }

    #[test]
    fn messages_are_grouped_and_parsed() {
        let grouped = changes_by_phone_number(BODY.as_bytes()).unwrap();
        let values = &grouped["123"];
        let (messages, statuses) = events(values).unwrap();
        assert_eq!(messages.len(), 1);
        assert_eq!(messages[0].wamid, "wamid.X");
        assert!(statuses.is_empty());
    }
}
