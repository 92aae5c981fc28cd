//! Dictating an invoice: a draft kept in the session (items, GST, discount), shown on
//! request, confirmed into the invoice workflow; cancelling and resending invoices.

use serde_json::{Value, json};

use super::{Engine, EngineError, FollowUp, Outcome, Status, resolve};
use crate::{
    domain::invoices::{self, InvoiceError, InvoiceFilter, InvoiceRequest, LineRequest},
    engine::{
        conversation::{Conversation, CustomerRef, Draft, DraftItem},
        intent::{Entities, IntentKind, ParsedIntent},
        replies::{self, rupees},
    },
};

pub async fn handle(
    engine: &Engine<'_>,
    conv: &mut Conversation,
    parsed: ParsedIntent,
    confirmed: bool,
) -> Result<Outcome, EngineError> {
    use IntentKind as K;
    match parsed.intent {
        K::CreateInvoice => create(engine, conv, &parsed).await,
        K::AddItems => add_items(engine, conv, &parsed).await,
        K::ToggleGst | K::AddDiscount | K::ShowPendingInvoice => Ok(adjust_draft(conv, &parsed)),
        K::ConfirmInvoice => Ok(confirm(conv, parsed.intent)),
        K::CancelInvoice => cancel(engine, conv, parsed, confirmed).await,
        K::SendInvoice => send(engine, conv, &parsed).await,
        other => Ok(Outcome::new(
            other,
            Status::NotUnderstood,
            replies::not_understood(conv.language),
        )),
    }
}

fn no_draft(conv: &Conversation, intent: IntentKind) -> Outcome {
    let reply = replies::either(
        conv.language,
        "Koi bill draft nahi hai. Pehle bill banaiye.".into(),
        "There is no invoice draft. Start one first.".into(),
        "कोई बिल ड्राफ्ट नहीं है। पहले बिल बनाइए।".into(),
    );
    Outcome::new(intent, Status::NeedsInfo, reply)
}

fn draft_data(d: &Draft) -> Value {
    json!({"draft": d, "estimated_total_paise": d.estimated_total_paise()})
}

/// Shows the draft and waits: "haan" confirms it.
fn show(conv: &mut Conversation, intent: IntentKind) -> Outcome {
    let Some(d) = conv.draft.clone() else {
        return no_draft(conv, intent);
    };
    let reply = replies::draft(conv.language, &d);
    let action = ParsedIntent {
        intent: IntentKind::ConfirmInvoice,
        entities: Entities::default(),
        confidence: 1.0,
        normalized: String::new(),
    };
    let mut out = Engine::ask_confirmation(conv, action, Some(d.customer.clone()), reply);
    out.intent = intent;
    out.data = draft_data(&d);
    out
}

/// Resolves spoken items against the shop's products; returns the found lines and the
/// names that matched nothing.
async fn items(
    engine: &Engine<'_>,
    parsed: &ParsedIntent,
) -> Result<(Vec<DraftItem>, Vec<String>), EngineError> {
    let mut found = Vec::new();
    let mut missing = Vec::new();
    for item in &parsed.entities.items {
        match resolve::product(engine, &item.product).await? {
            Some(p) => found.push(DraftItem {
                product_id: p.id,
                name: p.name,
                quantity: item.quantity.max(1),
                unit_price_paise: p.price_paise,
                gst_rate_bp: u32::try_from(p.gst_rate_bp).unwrap_or(0),
            }),
            None => missing.push(item.product.clone()),
        }
    }
    Ok((found, missing))
}

fn missing_products(conv: &Conversation, intent: IntentKind, missing: &[String]) -> Outcome {
    let reply = replies::either(
        conv.language,
        format!("Yeh saaman dukaan mein nahi mila: {}.", missing.join(", ")),
        format!(
            "These products are not in the shop: {}.",
            missing.join(", ")
        ),
        format!("यह सामान दुकान में नहीं मिला: {}।", missing.join(", ")),
    );
    let mut out = Outcome::new(intent, Status::NeedsInfo, reply);
    out.data = json!({"missing_products": missing});
    out
}

async fn create(
    engine: &Engine<'_>,
    conv: &mut Conversation,
    parsed: &ParsedIntent,
) -> Result<Outcome, EngineError> {
    let customer = or_ask!(resolve::customer(engine, conv, parsed).await?);
    let (found, missing) = items(engine, parsed).await?;
    if found.is_empty() {
        return Ok(if missing.is_empty() {
            let reply = replies::either(
                conv.language,
                "Bill mein kya likhna hai? Saaman boliye.".into(),
                "What goes on the invoice? Please say the items.".into(),
                "बिल में क्या लिखना है? सामान बोलिए।".into(),
            );
            Outcome::new(parsed.intent, Status::NeedsInfo, reply)
        } else {
            missing_products(conv, parsed.intent, &missing)
        });
    }
    conv.draft = Some(Draft {
        customer,
        items: found,
        with_gst: parsed.entities.with_gst.unwrap_or(true),
        discount_percent: parsed.entities.discount_percent.unwrap_or(0),
        discount_paise: parsed.entities.discount_paise.unwrap_or(0),
    });
    let mut out = show(conv, parsed.intent);
    if !missing.is_empty() {
        out.data["missing_products"] = json!(missing);
    }
    Ok(out)
}

async fn add_items(
    engine: &Engine<'_>,
    conv: &mut Conversation,
    parsed: &ParsedIntent,
) -> Result<Outcome, EngineError> {
    if conv.draft.is_none() {
        // "Ramesh ke liye do chawal jodo" with no draft starts one.
        return create(engine, conv, parsed).await;
    }
    let (found, missing) = items(engine, parsed).await?;
    if found.is_empty() {
        return Ok(missing_products(conv, parsed.intent, &missing));
    }
    if let Some(d) = conv.draft.as_mut() {
        for item in found {
            match d.items.iter_mut().find(|i| i.product_id == item.product_id) {
                Some(existing) => existing.quantity += item.quantity,
                None => d.items.push(item),
            }
        }
    }
    Ok(show(conv, parsed.intent))
}

fn adjust_draft(conv: &mut Conversation, parsed: &ParsedIntent) -> Outcome {
    let Some(d) = conv.draft.as_mut() else {
        return no_draft(conv, parsed.intent);
    };
    let e = &parsed.entities;
    match parsed.intent {
        IntentKind::ToggleGst => d.with_gst = e.with_gst.unwrap_or(!d.with_gst),
        IntentKind::AddDiscount => {
            if let Some(p) = e.discount_percent {
                d.discount_percent = p.min(100);
            }
            if let Some(a) = e.discount_paise.or(e.amount_paise) {
                d.discount_paise = a;
            }
        }
        _ => {}
    }
    show(conv, parsed.intent)
}

/// The draft becomes an invoice: the caller starts the invoice workflow.
fn confirm(conv: &mut Conversation, intent: IntentKind) -> Outcome {
    let Some(d) = conv.draft.take() else {
        return no_draft(conv, intent);
    };
    let lines = d
        .priced_lines()
        .into_iter()
        .map(|l| LineRequest {
            product_id: Some(l.item.product_id),
            description: None,
            quantity: l.item.quantity,
            unit_price_paise: Some(l.item.unit_price_paise),
            discount_paise: l.discount_paise,
            gst_rate_bp: Some(l.gst_rate_bp),
        })
        .collect();
    let request = InvoiceRequest {
        customer_id: d.customer.id,
        lines,
    };
    let reply = replies::either(
        conv.language,
        format!(
            "{} ka bill ban raha hai, kul {}. Customer ko bhej denge.",
            d.customer.name,
            rupees(d.estimated_total_paise())
        ),
        format!(
            "Issuing the invoice for {}, total {}. It will be sent to the customer.",
            d.customer.name,
            rupees(d.estimated_total_paise())
        ),
        format!(
            "{} का बिल बन रहा है, कुल {}। ग्राहक को भेज देंगे।",
            d.customer.name,
            rupees(d.estimated_total_paise())
        ),
    );
    conv.active_customer = Some(d.customer.clone());
    let mut out = Outcome::done(
        intent,
        reply,
        json!({"customer_id": d.customer.id, "customer": d.customer.name}),
    );
    out.follow_up = Some(FollowUp::IssueInvoice(request));
    out
}

async fn latest_invoice(
    engine: &Engine<'_>,
    customer: &CustomerRef,
) -> Result<Option<invoices::Invoice>, EngineError> {
    let filter = InvoiceFilter {
        customer: Some(customer.id),
        limit: 10,
        ..Default::default()
    };
    let list = invoices::list(engine.pool, engine.tenant, &filter).await?;
    Ok(list.into_iter().find(|i| i.status != "cancelled"))
}

async fn cancel(
    engine: &Engine<'_>,
    conv: &mut Conversation,
    parsed: ParsedIntent,
    confirmed: bool,
) -> Result<Outcome, EngineError> {
    let lang = conv.language;
    // A draft is only words so far: dropping it needs no confirmation.
    if parsed.entities.customer.is_none() && conv.draft.take().is_some() {
        let reply = replies::either(
            lang,
            "Bill draft hata diya.".into(),
            "Draft discarded.".into(),
            "बिल ड्राफ्ट हटा दिया।".into(),
        );
        return Ok(Outcome::done(
            parsed.intent,
            reply,
            json!({"draft_discarded": true}),
        ));
    }
    let customer = or_ask!(resolve::customer(engine, conv, &parsed).await?);
    let Some(invoice) = latest_invoice(engine, &customer).await? else {
        let reply = replies::either(
            lang,
            format!("{} ka koi bill nahi mila.", customer.name),
            format!("{} has no invoice to cancel.", customer.name),
            format!("{} का कोई बिल नहीं मिला।", customer.name),
        );
        return Ok(Outcome::new(parsed.intent, Status::NeedsInfo, reply));
    };
    if !confirmed {
        let reply = replies::confirm_action(
            lang,
            &format!(
                "{} ka bill {} ({}) cancel karna hai",
                customer.name,
                invoice.number,
                rupees(invoice.total_paise)
            ),
            &format!(
                "Cancel invoice {} for {} ({})",
                invoice.number,
                customer.name,
                rupees(invoice.total_paise)
            ),
            &format!(
                "{} का बिल {} ({}) रद्द करना है",
                customer.name,
                invoice.number,
                rupees(invoice.total_paise)
            ),
        );
        return Ok(Engine::ask_confirmation(
            conv,
            parsed,
            Some(customer),
            reply,
        ));
    }
    match invoices::cancel(engine.pool, engine.tenant, invoice.id).await {
        Ok(_) => {
            let reply = replies::either(
                lang,
                format!("Bill {} cancel kar diya.", invoice.number),
                format!("Invoice {} is cancelled.", invoice.number),
                format!("बिल {} रद्द कर दिया।", invoice.number),
            );
            Ok(Outcome::done(
                parsed.intent,
                reply,
                json!({"customer_id": customer.id, "invoice_id": invoice.id, "number": invoice.number}),
            ))
        }
        Err(InvoiceError::Db(e)) => Err(EngineError::Db(e)),
        Err(other) => Ok(Outcome::new(
            parsed.intent,
            Status::Failed,
            other.to_string(),
        )),
    }
}

async fn send(
    engine: &Engine<'_>,
    conv: &mut Conversation,
    parsed: &ParsedIntent,
) -> Result<Outcome, EngineError> {
    let customer = or_ask!(resolve::customer(engine, conv, parsed).await?);
    // "Bill bhej do" while dictating means: issue it (delivery follows).
    if conv
        .draft
        .as_ref()
        .is_some_and(|d| d.customer.id == customer.id)
    {
        return Ok(confirm(conv, parsed.intent));
    }
    let Some(invoice) = latest_invoice(engine, &customer).await? else {
        let reply = replies::either(
            conv.language,
            format!("{} ka koi bill nahi mila.", customer.name),
            format!("{} has no invoice to send.", customer.name),
            format!("{} का कोई बिल नहीं मिला।", customer.name),
        );
        return Ok(Outcome::new(parsed.intent, Status::NeedsInfo, reply));
    };
    let reply = replies::either(
        conv.language,
        format!(
            "{} ka bill {} bhej rahe hain.",
            customer.name, invoice.number
        ),
        format!("Sending invoice {} to {}.", invoice.number, customer.name),
        format!("{} का बिल {} भेज रहे हैं।", customer.name, invoice.number),
    );
    let mut out = Outcome::done(
        parsed.intent,
        reply,
        json!({"customer_id": customer.id, "invoice_id": invoice.id, "number": invoice.number}),
    );
    out.follow_up = Some(FollowUp::ResendInvoice(invoice.id));
    Ok(out)
}
