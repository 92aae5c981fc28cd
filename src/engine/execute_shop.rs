//! Reminders (create in the shop's words, times of day in the business's time zone;
//! cancel with confirmation; list) and stock (check, restock).

use serde_json::json;

use super::{Engine, EngineError, Outcome, Status, resolve};
use crate::{
    domain::{
        businesses,
        products::{self, MovementReason},
        reminders::{self, NewReminder, ReminderError},
        schedule,
    },
    engine::{
        conversation::Conversation,
        intent::{IntentKind, ParsedIntent},
        replies::{self, rupees},
    },
};

pub async fn reminders(
    engine: &Engine<'_>,
    conv: &mut Conversation,
    parsed: ParsedIntent,
    confirmed: bool,
) -> Result<Outcome, EngineError> {
    match parsed.intent {
        IntentKind::CreateReminder => create_reminder(engine, conv, &parsed).await,
        IntentKind::CancelReminder => cancel_reminders(engine, conv, parsed, confirmed).await,
        _ => list_reminders(engine, conv, &parsed).await,
    }
}

async fn create_reminder(
    engine: &Engine<'_>,
    conv: &mut Conversation,
    parsed: &ParsedIntent,
) -> Result<Outcome, EngineError> {
    let lang = conv.language;
    let customer = or_ask!(resolve::customer(engine, conv, parsed).await?);
    // The original's default when no time is said: tomorrow at 7 in the evening.
    let when = parsed
        .entities
        .when
        .clone()
        .unwrap_or_else(|| "kal 7 baje shaam".into());
    let tz = businesses::time_zone(engine.pool, engine.tenant).await?;
    let sched = match schedule::parse(&when, engine.now, tz) {
        Ok(s) => s,
        Err(e) => {
            let reply = replies::either(
                lang,
                format!("Samay samajh nahi aaya: {when}."),
                format!("I could not understand the time: {when} ({e})."),
                format!("समय समझ नहीं आया: {when}।"),
            );
            return Ok(Outcome::new(parsed.intent, Status::NeedsInfo, reply));
        }
    };
    let message = parsed
        .entities
        .amount_paise
        .map(|a| format!("{} ka bhugtan baaki hai.", rupees(a)));
    let created_by = engine.user.unwrap_or_default();
    let new = NewReminder {
        customer: customer.id,
        schedule: &sched,
        tz,
        text: &when,
        message: message.as_deref(),
        created_by,
    };
    match reminders::create(engine.pool, engine.tenant, new).await {
        Ok(r) => {
            let reply = replies::either(
                lang,
                format!("{} ko reminder {when} bhej denge.", customer.name),
                format!("I will remind {} {when}.", customer.name),
                format!("{} को रिमाइंडर {when} भेज देंगे।", customer.name),
            );
            Ok(Outcome::done(
                parsed.intent,
                reply,
                json!({"customer_id": customer.id, "reminder_id": r.id, "next_run_at": r.next_run_at}),
            ))
        }
        Err(ReminderError::NoOccurrence) => {
            let reply = replies::either(
                lang,
                "Yeh samay nikal chuka hai.".into(),
                "That time has already passed.".into(),
                "यह समय निकल चुका है।".into(),
            );
            Ok(Outcome::new(parsed.intent, Status::NeedsInfo, reply))
        }
        Err(ReminderError::NoCustomer) => Ok(Outcome::new(
            parsed.intent,
            Status::NeedsInfo,
            replies::customer_not_found(lang, &customer.name),
        )),
        Err(ReminderError::Db(e)) => Err(EngineError::Db(e)),
    }
}

async fn cancel_reminders(
    engine: &Engine<'_>,
    conv: &mut Conversation,
    parsed: ParsedIntent,
    confirmed: bool,
) -> Result<Outcome, EngineError> {
    let lang = conv.language;
    let customer = or_ask!(resolve::customer(engine, conv, &parsed).await?);
    let active: Vec<_> = reminders::list(engine.pool, engine.tenant, Some(customer.id))
        .await?
        .into_iter()
        .filter(|r| r.status == "active")
        .collect();
    if active.is_empty() {
        let reply = replies::either(
            lang,
            format!("{} ka koi reminder nahi hai.", customer.name),
            format!("{} has no active reminder.", customer.name),
            format!("{} का कोई रिमाइंडर नहीं है।", customer.name),
        );
        return Ok(Outcome::new(parsed.intent, Status::NeedsInfo, reply));
    }
    if !confirmed {
        let reply = replies::confirm_action(
            lang,
            &format!(
                "{} ke {} reminder band karne hain",
                customer.name,
                active.len()
            ),
            &format!("Cancel {} reminders for {}", active.len(), customer.name),
            &format!("{} के {} रिमाइंडर बंद करने हैं", customer.name, active.len()),
        );
        return Ok(Engine::ask_confirmation(
            conv,
            parsed,
            Some(customer),
            reply,
        ));
    }
    let mut cancelled = Vec::new();
    for r in &active {
        if reminders::cancel(engine.pool, engine.tenant, r.id)
            .await?
            .is_some()
        {
            cancelled.push(r.id);
        }
    }
    let reply = replies::either(
        lang,
        format!(
            "{} ke {} reminder band kar diye.",
            customer.name,
            cancelled.len()
        ),
        format!(
            "Cancelled {} reminders for {}.",
            cancelled.len(),
            customer.name
        ),
        format!("{} के {} रिमाइंडर बंद कर दिए।", customer.name, cancelled.len()),
    );
    Ok(Outcome::done(
        parsed.intent,
        reply,
        json!({"customer_id": customer.id, "cancelled": cancelled}),
    ))
}

async fn list_reminders(
    engine: &Engine<'_>,
    conv: &mut Conversation,
    parsed: &ParsedIntent,
) -> Result<Outcome, EngineError> {
    let lang = conv.language;
    let customer = if parsed.entities.customer.is_some() || parsed.entities.active_customer {
        Some(or_ask!(resolve::customer(engine, conv, parsed).await?))
    } else {
        None
    };
    let active: Vec<_> =
        reminders::list(engine.pool, engine.tenant, customer.as_ref().map(|c| c.id))
            .await?
            .into_iter()
            .filter(|r| r.status == "active")
            .collect();
    let reply = replies::either(
        lang,
        format!("{} reminder chalu hain.", active.len()),
        format!("{} reminders are active.", active.len()),
        format!("{} रिमाइंडर चालू हैं।", active.len()),
    );
    Ok(Outcome::done(
        parsed.intent,
        reply,
        json!({"reminders": active.iter().map(|r| json!({"id": r.id, "customer_id": r.customer_id, "when": r.schedule_text, "next_run_at": r.next_run_at})).collect::<Vec<_>>()}),
    ))
}

pub async fn stock(
    engine: &Engine<'_>,
    conv: &mut Conversation,
    parsed: &ParsedIntent,
) -> Result<Outcome, EngineError> {
    let lang = conv.language;
    let spoken = parsed
        .entities
        .product
        .clone()
        .or_else(|| parsed.entities.items.first().map(|i| i.product.clone()));
    let Some(spoken) = spoken else {
        let reply = replies::either(
            lang,
            "Kaunsa saaman? Naam boliye.".into(),
            "Which product? Please say its name.".into(),
            "कौन सा सामान? नाम बोलिए।".into(),
        );
        return Ok(Outcome::new(parsed.intent, Status::NeedsInfo, reply));
    };
    let Some(product) = resolve::product(engine, &spoken).await? else {
        let reply = replies::either(
            lang,
            format!("{spoken} dukaan mein nahi mila."),
            format!("{spoken} is not in the shop."),
            format!("{spoken} दुकान में नहीं मिला।"),
        );
        return Ok(Outcome::new(parsed.intent, Status::NeedsInfo, reply));
    };
    if parsed.intent == IntentKind::CheckStock {
        let reply = replies::either(
            lang,
            format!(
                "{} ka stock {} {} hai.",
                product.name, product.stock, product.unit
            ),
            format!(
                "{} stock is {} {}.",
                product.name, product.stock, product.unit
            ),
            format!(
                "{} का स्टॉक {} {} है।",
                product.name, product.stock, product.unit
            ),
        );
        return Ok(Outcome::done(
            parsed.intent,
            reply,
            json!({"product_id": product.id, "stock": product.stock}),
        ));
    }
    let qty = parsed
        .entities
        .quantity
        .or_else(|| parsed.entities.items.first().map(|i| i.quantity))
        .unwrap_or(0);
    if qty <= 0 {
        let reply = replies::either(
            lang,
            "Kitna aaya? Matra boliye.".into(),
            "How much came in? Please say the quantity.".into(),
            "कितना आया? मात्रा बोलिए।".into(),
        );
        return Ok(Outcome::new(parsed.intent, Status::NeedsInfo, reply));
    }
    let Some(updated) = products::adjust(
        engine.pool,
        engine.tenant,
        product.id,
        qty,
        MovementReason::Purchase,
        Some("voice"),
    )
    .await?
    else {
        return Ok(Outcome::new(
            parsed.intent,
            Status::NeedsInfo,
            replies::unavailable(lang),
        ));
    };
    let reply = replies::either(
        lang,
        format!(
            "{} ka stock {qty} badha diya. Ab {} {}.",
            updated.name, updated.stock, updated.unit
        ),
        format!(
            "Added {qty} to {}. Stock is now {} {}.",
            updated.name, updated.stock, updated.unit
        ),
        format!(
            "{} का स्टॉक {qty} बढ़ा दिया। अब {} {}।",
            updated.name, updated.stock, updated.unit
        ),
    );
    Ok(Outcome::done(
        parsed.intent,
        reply,
        json!({"product_id": updated.id, "stock": updated.stock, "added": qty}),
    ))
}
