//! Tests of `integrations::razorpay`: the signature over raw bytes and event parsing.

use hmac::{Hmac, Mac};
use serde_json::json;

use super::*;

const SECRET: &[u8] = b"whsec_shop_1";

/// The digest as an independent party would compute it.
fn sign(secret: &[u8], body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).unwrap();
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

fn captured(notes: Value, currency: &str, method: &str) -> Vec<u8> {
    json!({
        "entity": "event",
        "account_id": "acc_BFQ7uQEaa7j2z7",
        "event": "payment.captured",
        "contains": ["payment"],
        "payload": {"payment": {"entity": {
            "id": "pay_DESlfW9H8K9uqM",
            "entity": "payment",
            "amount": 50000,
            "currency": currency,
            "status": "captured",
            "method": method,
            "order_id": "order_DESlLckIVRkHWj",
            "email": "gaurav.kumar@example.com",
            "contact": "+919876543210",
            "notes": notes,
            "fee": 1180,
            "acquirer_data": {"rrn": "123456789012"}
        }}},
        "created_at": 1_567_674_606
    })
    .to_string()
    .into_bytes()
}

#[test]
fn a_signature_over_the_raw_body_verifies() {
    let body = br#"{"event":"payment.captured","payload":{}}"#;
    let signature = sign(SECRET, body);
    assert!(signature_valid(SECRET, body, Some(&signature)));
    assert!(signature_valid(
        SECRET,
        body,
        Some(&signature.to_uppercase())
    ));
}

#[test]
fn the_published_hmac_sha256_vector_verifies() {
    // The widely published example: HMAC-SHA256("key", "The quick brown fox jumps over the lazy dog").
    let vector = "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8";
    let body = b"The quick brown fox jumps over the lazy dog";
    assert_eq!(sign(b"key", body), vector);
    assert!(signature_valid(b"key", body, Some(vector)));
}

#[test]
fn wrong_signatures_are_refused() {
    let body = br#"{"event":"payment.captured"}"#;
    let good = sign(SECRET, body);
    assert!(!signature_valid(SECRET, body, None));
    assert!(!signature_valid(SECRET, body, Some("")));
    assert!(!signature_valid(b"another_secret", body, Some(&good)));
    assert!(!signature_valid(
        SECRET,
        br#"{"event":"payment.captured" }"#,
        Some(&good)
    ));
    assert!(
        !signature_valid(SECRET, body, Some(&good[..62])),
        "truncated"
    );
    assert!(!signature_valid(SECRET, body, Some(&good[..63])), "odd hex");
    assert!(!signature_valid(SECRET, body, Some(&format!("{good}00"))));
    assert!(!signature_valid(
        SECRET,
        body,
        Some(&format!("sha256={good}"))
    ));
    let mut flipped = good.into_bytes();
    flipped[0] = if flipped[0] == b'0' { b'1' } else { b'0' };
    let flipped = String::from_utf8(flipped).unwrap();
    assert!(!signature_valid(SECRET, body, Some(&flipped)));
}

#[test]
fn a_captured_payment_becomes_a_typed_payment() {
    let customer = Uuid::new_v4();
    let body = captured(json!({"customer_id": customer.to_string()}), "INR", "upi");
    assert_eq!(
        parse(&body).unwrap(),
        Event::Captured(Payment {
            id: "pay_DESlfW9H8K9uqM".into(),
            amount_paise: 50000,
            method: Method::Upi,
            customer_id: Some(customer),
        })
    );
}

#[test]
fn missing_empty_or_malformed_notes_leave_the_customer_unknown() {
    for notes in [
        json!([]),
        json!({}),
        json!({"customer_id": "Ramesh"}),
        json!(null),
    ] {
        let Event::Captured(p) = parse(&captured(notes.clone(), "INR", "card")).unwrap() else {
            panic!("{notes} is still a captured payment");
        };
        assert_eq!((p.customer_id, p.method), (None, Method::Card));
    }
}

#[test]
fn other_currencies_are_not_recorded() {
    let body = captured(json!({}), "USD", "card");
    assert_eq!(
        parse(&body).unwrap(),
        Event::ForeignCurrency {
            payment_id: "pay_DESlfW9H8K9uqM".into()
        }
    );
}

#[test]
fn unrelated_events_are_only_acknowledged() {
    let body = json!({"entity": "event", "event": "payment.failed", "contains": ["payment"],
        "payload": {"payment": {"entity": {"id": "pay_X", "amount": 100, "currency": "INR", "status": "failed"}}}});
    assert_eq!(
        parse(body.to_string().as_bytes()).unwrap(),
        Event::Other {
            event: "payment.failed".into()
        }
    );
    let refund = br#"{"entity":"event","event":"refund.processed","payload":{"refund":{}}}"#;
    assert!(matches!(parse(refund).unwrap(), Event::Other { .. }));
}

#[test]
fn bodies_that_are_not_events_are_errors() {
    assert!(parse(b"not json").is_err());
    assert!(parse(br#"{"entity":"event"}"#).is_err(), "no event name");
    assert!(parse(br#"{"event":"payment.captured","payload":{}}"#).is_err());
    let no_amount = br#"{"event":"payment.captured","payload":{"payment":{"entity":{"id":"pay_X","currency":"INR"}}}}"#;
    assert!(parse(no_amount).is_err());
}

#[test]
fn methods_fold_into_the_ledgers_four() {
    let cases = [
        ("upi", Method::Upi),
        ("wallet", Method::Upi),
        ("card", Method::Card),
        ("netbanking", Method::Bank),
        ("emandate", Method::Bank),
        ("nach", Method::Bank),
        ("something_new", Method::Bank),
        ("", Method::Bank),
    ];
    for (given, expected) in cases {
        assert_eq!(method(given), expected, "{given}");
    }
}
