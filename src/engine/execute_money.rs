//! Money intents: credit ("udhaar"), payments (mixed modes too), balances, the day's
//! figures.

use chrono::Duration;
use serde_json::json;

use super::{Engine, EngineError, Outcome, Status, resolve};
use crate::{
    domain::{
        businesses, customers,
        ledger::{self, LedgerError, Method, NewEntry},
        schedule, summary,
    },
    engine::{
        conversation::Conversation,
        intent::{IntentKind, ParsedIntent, PaymentMode, PaymentPart},
        replies::{self, rupees},
    },
};

fn method(mode: PaymentMode) -> Method {
    match mode {
        PaymentMode::Cash => Method::Cash,
        PaymentMode::Upi => Method::Upi,
        PaymentMode::Card => Method::Card,
        PaymentMode::Bank => Method::Bank,
    }
}

fn ledger_error(e: LedgerError) -> EngineError {
    match e {
        LedgerError::Db(db) => EngineError::Db(db),
        // The customer was resolved a moment ago; vanishing now is a race with erasure.
        LedgerError::NoCustomer => EngineError::Db(sqlx::Error::RowNotFound),
    }
}

/// Credit given or a payment received, asking first above the threshold.
pub async fn ledger_write(
    engine: &Engine<'_>,
    conv: &mut Conversation,
    parsed: ParsedIntent,
    confirmed: bool,
) -> Result<Outcome, EngineError> {
    let lang = conv.language;
    let customer = or_ask!(resolve::customer(engine, conv, &parsed).await?);
    let e = &parsed.entities;
    let payment = parsed.intent == IntentKind::RecordPayment;
    let parts: Vec<PaymentPart> = if payment && !e.payments.is_empty() {
        e.payments.clone()
    } else if let Some(amount) = e.amount_paise {
        vec![PaymentPart {
            mode: PaymentMode::Cash,
            amount_paise: amount,
        }]
    } else {
        return Ok(resolve::amount_missing(conv, parsed.intent));
    };
    let total: i64 = parts.iter().map(|p| p.amount_paise).sum();
    if !confirmed && total > engine.policy.confirm_above_paise {
        let what = match (payment, lang) {
            (true, crate::engine::intent::Language::Hinglish) => "payment",
            (true, crate::engine::intent::Language::Hindi) => "भुगतान",
            (true, _) => "Payment",
            (false, crate::engine::intent::Language::Hinglish) => "udhaar",
            (false, crate::engine::intent::Language::Hindi) => "उधार",
            (false, _) => "Credit",
        };
        let reply = replies::confirm_amount(lang, what, &customer.name, total);
        return Ok(Engine::ask_confirmation(
            conv,
            parsed,
            Some(customer),
            reply,
        ));
    }
    let mut entries = Vec::new();
    for (i, part) in parts.iter().enumerate() {
        let key = format!("{}:{i}", engine.turn_key);
        let entry = NewEntry {
            customer: customer.id,
            kind: if payment { "payment" } else { "credit" },
            amount_paise: part.amount_paise,
            method: payment.then(|| method(part.mode)),
            invoice: None,
            reference: None,
            note: Some("voice"),
            idempotency_key: Some(&key),
        };
        let id = if payment {
            ledger::record_payment(engine.pool, engine.tenant, entry)
                .await
                .map_err(ledger_error)?
                .0
                .id
        } else {
            ledger::record_credit(engine.pool, engine.tenant, entry)
                .await
                .map_err(ledger_error)?
                .id
        };
        entries.push(id);
    }
    let balance = ledger::balance(engine.pool, engine.tenant, customer.id).await?;
    let reply = if payment {
        replies::payment_recorded(lang, &customer.name, total, balance)
    } else {
        replies::credit_added(lang, &customer.name, total, balance)
    };
    Ok(Outcome::done(
        parsed.intent,
        reply,
        json!({"customer_id": customer.id, "customer": customer.name, "amount_paise": total,
               "entry_ids": entries, "balance_paise": balance, "parts": parts}),
    ))
}

pub async fn check_balance(
    engine: &Engine<'_>,
    conv: &mut Conversation,
    parsed: &ParsedIntent,
) -> Result<Outcome, EngineError> {
    let customer = or_ask!(resolve::customer(engine, conv, parsed).await?);
    let balance = ledger::balance(engine.pool, engine.tenant, customer.id).await?;
    Ok(Outcome::done(
        parsed.intent,
        replies::balance(conv.language, &customer.name, balance),
        json!({"customer_id": customer.id, "customer": customer.name, "balance_paise": balance}),
    ))
}

pub async fn customer_info(
    engine: &Engine<'_>,
    conv: &mut Conversation,
    parsed: &ParsedIntent,
) -> Result<Outcome, EngineError> {
    let customer = or_ask!(resolve::customer(engine, conv, parsed).await?);
    let Some(c) = customers::get(engine.pool, engine.tenant, customer.id).await? else {
        return Ok(Outcome::new(
            parsed.intent,
            Status::NeedsInfo,
            replies::customer_not_found(conv.language, &customer.name),
        ));
    };
    let balance = ledger::balance(engine.pool, engine.tenant, c.id).await?;
    // Phone and email are said as "on file", not read aloud: the reply may be played in
    // a shop full of people.
    let has = |v: &Option<String>| if v.is_some() { "haan" } else { "nahi" };
    let reply = replies::either(
        conv.language,
        format!(
            "{}: baaki {}. Phone {}, email {}.",
            c.name,
            rupees(balance),
            has(&c.phone),
            has(&c.email)
        ),
        format!(
            "{}: balance {}. Phone on file: {}, email on file: {}.",
            c.name,
            rupees(balance),
            if c.phone.is_some() { "yes" } else { "no" },
            if c.email.is_some() { "yes" } else { "no" }
        ),
        format!(
            "{}: बाकी {}। फ़ोन {}, ईमेल {}।",
            c.name,
            rupees(balance),
            if c.phone.is_some() {
                "है"
            } else {
                "नहीं"
            },
            if c.email.is_some() {
                "है"
            } else {
                "नहीं"
            }
        ),
    );
    Ok(Outcome::done(
        parsed.intent,
        reply,
        json!({"customer_id": c.id, "customer": c.name, "balance_paise": balance,
               "has_phone": c.phone.is_some(), "has_email": c.email.is_some(), "gstin": c.gstin}),
    ))
}

pub async fn list_balances(
    engine: &Engine<'_>,
    conv: &Conversation,
) -> Result<Outcome, EngineError> {
    let owing = ledger::outstanding(engine.pool, engine.tenant, 5).await?;
    if owing.is_empty() {
        return Ok(Outcome::done(
            IntentKind::ListBalances,
            replies::nobody_owes(conv.language),
            json!({"customers": []}),
        ));
    }
    let spoken: Vec<String> = owing
        .iter()
        .map(|(_, name, paise)| format!("{name} {}", rupees(*paise)))
        .collect();
    let reply = replies::either(
        conv.language,
        format!("Sabse zyada baaki: {}.", spoken.join(", ")),
        format!("Largest balances: {}.", spoken.join(", ")),
        format!("सबसे ज़्यादा बाकी: {}।", spoken.join(", ")),
    );
    Ok(Outcome::done(
        IntentKind::ListBalances,
        reply,
        json!({"customers": owing.iter().map(|(id, name, b)| json!({"id": id, "name": name, "balance_paise": b})).collect::<Vec<_>>()}),
    ))
}

pub async fn total_pending(
    engine: &Engine<'_>,
    conv: &Conversation,
) -> Result<Outcome, EngineError> {
    let owing = ledger::outstanding(engine.pool, engine.tenant, 100_000).await?;
    let total: i64 = owing.iter().map(|(_, _, b)| b).sum();
    let reply = if owing.is_empty() {
        replies::nobody_owes(conv.language)
    } else {
        replies::total_pending(conv.language, owing.len(), total)
    };
    Ok(Outcome::done(
        IntentKind::TotalPending,
        reply,
        json!({"customers": owing.len(), "total_paise": total}),
    ))
}

/// Today in the shop's time zone: billed, received, credit given.
pub async fn daily_summary(
    engine: &Engine<'_>,
    conv: &Conversation,
) -> Result<Outcome, EngineError> {
    let tz = businesses::time_zone(engine.pool, engine.tenant).await?;
    // The shop's calendar day, 23 or 25 hours long when its clocks change; the last 24
    // hours only at the far ends of the calendar, where no local day can be formed.
    let (start, end) =
        schedule::local_day(engine.now, tz).unwrap_or((engine.now - Duration::days(1), engine.now));
    let day = summary::between(engine.pool, engine.tenant, start, end).await?;
    let reply = replies::either(
        conv.language,
        format!(
            "Aaj {} bill, kul {}. {} mile, {} udhaar diya.",
            day.invoices,
            rupees(day.billed_paise),
            rupees(day.received_paise),
            rupees(day.credit_given_paise)
        ),
        format!(
            "Today: {} invoices for {}. Received {}, credit given {}.",
            day.invoices,
            rupees(day.billed_paise),
            rupees(day.received_paise),
            rupees(day.credit_given_paise)
        ),
        format!(
            "आज {} बिल, कुल {}। {} मिले, {} उधार दिया।",
            day.invoices,
            rupees(day.billed_paise),
            rupees(day.received_paise),
            rupees(day.credit_given_paise)
        ),
    );
    Ok(Outcome::done(IntentKind::DailySummary, reply, json!(day)))
}
