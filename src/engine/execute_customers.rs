//! Customer intents: create (refusing a near-duplicate name), update phone, email or
//! GSTIN, and erasure confirmed by a code emailed to the owner.

use serde_json::json;

use super::{CodeRequest, Engine, EngineError, Outcome, Status, resolve};
use crate::{
    domain::{
        customer_search,
        customers::{self, Customer, CustomerData, CustomerError},
        gstin::Gstin,
        phone::PhoneNumber,
    },
    engine::{
        conversation::{Conversation, CustomerRef, Pending},
        intent::{IntentKind, ParsedIntent},
        replies,
    },
};

/// A name this close to an existing customer is probably that customer.
const DUPLICATE_SCORE: f32 = 0.95;

fn invalid(
    conv: &Conversation,
    intent: IntentKind,
    hinglish: String,
    english: String,
    hindi: String,
) -> Outcome {
    Outcome::new(
        intent,
        Status::NeedsInfo,
        replies::either(conv.language, hinglish, english, hindi),
    )
}

/// A customer's stored details as the data an update writes back.
pub(super) fn data_of(c: &Customer) -> CustomerData {
    CustomerData {
        name: c.name.clone(),
        phone: c.phone.as_deref().and_then(|p| PhoneNumber::parse(p).ok()),
        email: c.email.clone(),
        nicknames: c.nicknames.clone(),
        landmark: c.landmark.clone(),
        city: c.city.clone(),
        state_code: c.state_code.clone(),
        gstin: c.gstin.as_deref().and_then(|g| Gstin::parse(g).ok()),
        preferred_channel: c.preferred_channel.clone(),
        preferred_language: c.preferred_language.clone(),
        notes: c.notes.clone(),
    }
}

pub async fn create(
    engine: &Engine<'_>,
    conv: &mut Conversation,
    parsed: &ParsedIntent,
) -> Result<Outcome, EngineError> {
    let lang = conv.language;
    let Some(name) = parsed
        .entities
        .customer
        .clone()
        .filter(|n| !n.trim().is_empty())
    else {
        return Ok(Outcome::new(
            parsed.intent,
            Status::NeedsInfo,
            replies::which_customer(lang),
        ));
    };
    let found = customer_search::search(engine.pool, engine.tenant, &name, 3).await?;
    if let Some(best) = found
        .candidates
        .first()
        .filter(|c| c.score >= DUPLICATE_SCORE)
    {
        conv.active_customer = Some(CustomerRef {
            id: best.customer.id,
            name: best.customer.name.clone(),
        });
        return Ok(invalid(
            conv,
            parsed.intent,
            format!("{} naam ka customer pehle se hai.", best.customer.name),
            format!("A customer called {} already exists.", best.customer.name),
            format!("{} नाम का ग्राहक पहले से है।", best.customer.name),
        ));
    }
    let phone = match parsed.entities.phone.as_deref().map(PhoneNumber::parse) {
        Some(Err(_)) => {
            return Ok(invalid(
                conv,
                parsed.intent,
                "Phone number sahi nahi laga.".into(),
                "That phone number does not look right.".into(),
                "फ़ोन नंबर सही नहीं लगा।".into(),
            ));
        }
        Some(Ok(p)) => Some(p),
        None => None,
    };
    let data = CustomerData {
        name,
        phone,
        email: parsed.entities.email.clone(),
        nicknames: vec![],
        landmark: None,
        city: None,
        state_code: None,
        gstin: parsed
            .entities
            .gstin
            .as_deref()
            .and_then(|g| Gstin::parse(g).ok()),
        preferred_channel: "whatsapp".into(),
        // The shopkeeper's language is not the customer's: the default until set.
        preferred_language: "hinglish".into(),
        notes: None,
    };
    match customers::create(engine.pool, engine.tenant, &data).await {
        Ok(c) => {
            conv.active_customer = Some(CustomerRef {
                id: c.id,
                name: c.name.clone(),
            });
            let reply = replies::either(
                lang,
                format!("Naya customer {} bana diya.", c.name),
                format!("Added the customer {}.", c.name),
                format!("नया ग्राहक {} बना दिया।", c.name),
            );
            Ok(Outcome::done(
                parsed.intent,
                reply,
                json!({"customer_id": c.id, "customer": c.name}),
            ))
        }
        Err(CustomerError::PhoneTaken) => Ok(invalid(
            conv,
            parsed.intent,
            "Yeh phone number kisi aur customer ka hai.".into(),
            "Another customer has that phone number.".into(),
            "यह फ़ोन नंबर किसी और ग्राहक का है।".into(),
        )),
        Err(CustomerError::Db(e)) => Err(EngineError::Db(e)),
    }
}

pub async fn update(
    engine: &Engine<'_>,
    conv: &mut Conversation,
    parsed: &ParsedIntent,
) -> Result<Outcome, EngineError> {
    let lang = conv.language;
    let target = or_ask!(resolve::customer(engine, conv, parsed).await?);
    let Some(current) = customers::get(engine.pool, engine.tenant, target.id).await? else {
        return Ok(Outcome::new(
            parsed.intent,
            Status::NeedsInfo,
            replies::customer_not_found(lang, &target.name),
        ));
    };
    let e = &parsed.entities;
    let mut data = data_of(&current);
    let mut changed = Vec::new();
    if let Some(p) = e.phone.as_deref() {
        match PhoneNumber::parse(p) {
            Ok(p) => {
                data.phone = Some(p);
                changed.push("phone");
            }
            Err(_) => {
                return Ok(invalid(
                    conv,
                    parsed.intent,
                    "Phone number sahi nahi laga.".into(),
                    "That phone number does not look right.".into(),
                    "फ़ोन नंबर सही नहीं लगा।".into(),
                ));
            }
        }
    }
    if let Some(g) = e.gstin.as_deref() {
        match Gstin::parse(g) {
            Ok(g) => {
                data.gstin = Some(g);
                changed.push("gstin");
            }
            Err(_) => {
                return Ok(invalid(
                    conv,
                    parsed.intent,
                    "GSTIN sahi nahi hai.".into(),
                    "That GSTIN is not valid.".into(),
                    "जीएसटीआईएन सही नहीं है।".into(),
                ));
            }
        }
    }
    if let Some(m) = e.email.as_deref() {
        if !m.contains('@') || m.len() > 254 {
            return Ok(invalid(
                conv,
                parsed.intent,
                "Email sahi nahi laga.".into(),
                "That email does not look right.".into(),
                "ईमेल सही नहीं लगा।".into(),
            ));
        }
        data.email = Some(m.to_string());
        changed.push("email");
    }
    if changed.is_empty() {
        return Ok(invalid(
            conv,
            parsed.intent,
            "Kya badalna hai? Phone, email ya GSTIN boliye.".into(),
            "What should change? Say a phone, email or GSTIN.".into(),
            "क्या बदलना है? फ़ोन, ईमेल या जीएसटीआईएन बोलिए।".into(),
        ));
    }
    match customers::update(engine.pool, engine.tenant, current.id, &data).await {
        Ok(_) => {
            let what = changed.join(", ");
            let reply = replies::either(
                lang,
                format!("{} ka {what} update kar diya.", current.name),
                format!("Updated {what} for {}.", current.name),
                format!("{} का {what} बदल दिया।", current.name),
            );
            Ok(Outcome::done(
                parsed.intent,
                reply,
                json!({"customer_id": current.id, "changed": changed}),
            ))
        }
        Err(CustomerError::PhoneTaken) => Ok(invalid(
            conv,
            parsed.intent,
            "Yeh phone number kisi aur customer ka hai.".into(),
            "Another customer has that phone number.".into(),
            "यह फ़ोन नंबर किसी और ग्राहक का है।".into(),
        )),
        Err(CustomerError::Db(e)) => Err(EngineError::Db(e)),
    }
}

/// "Bharat ka data delete karo": the owner gets a code; saying it erases.
pub async fn start_erasure(
    engine: &Engine<'_>,
    conv: &mut Conversation,
    parsed: &ParsedIntent,
) -> Result<Outcome, EngineError> {
    let lang = conv.language;
    // Erasure never acts on "uska": the name must be said.
    if parsed.entities.customer.is_none() {
        return Ok(Outcome::new(
            parsed.intent,
            Status::NeedsInfo,
            replies::which_customer(lang),
        ));
    }
    let customer = or_ask!(resolve::customer(engine, conv, parsed).await?);
    match engine.erasure.send_code(engine.tenant, customer.id).await {
        Ok(CodeRequest::Sent | CodeRequest::AlreadySent) => {}
        Ok(CodeRequest::Throttled { .. }) => {
            let reply = replies::either(
                lang,
                "Is customer ke liye bahut baar code maanga gaya hai. Thodi der baad boliye."
                    .into(),
                "A code was asked for this customer too often. Try again later.".into(),
                "इस ग्राहक के लिए कोड बहुत बार माँगा गया है। थोड़ी देर बाद बोलिए।".into(),
            );
            return Ok(Outcome::new(parsed.intent, Status::Failed, reply));
        }
        Err(e) => {
            tracing::warn!(error = %e, "erasure code not sent");
            return Ok(Outcome::new(
                parsed.intent,
                Status::Failed,
                replies::unavailable(lang),
            ));
        }
    }
    let reply = replies::either(
        lang,
        format!(
            "{} ka data mitane ke liye owner ke email par code bheja hai. Code boliye.",
            customer.name
        ),
        format!(
            "To erase {}'s data, say the code sent to the owner's email.",
            customer.name
        ),
        format!(
            "{} का डेटा मिटाने के लिए मालिक के ईमेल पर कोड भेजा है। कोड बोलिए।",
            customer.name
        ),
    );
    let id = customer.id;
    conv.pending = Some(Pending::ErasureCode { customer });
    let mut out = Outcome::new(parsed.intent, Status::NeedsConfirmation, reply);
    out.data = json!({"customer_id": id, "code_sent": true});
    Ok(out)
}

pub async fn finish_erasure(
    engine: &Engine<'_>,
    conv: &mut Conversation,
    customer: CustomerRef,
    code: &str,
) -> Result<Outcome, EngineError> {
    let lang = conv.language;
    let intent = IntentKind::DeleteCustomerData;
    match engine
        .erasure
        .check_code(engine.tenant, customer.id, code)
        .await
    {
        Ok(true) => {}
        Ok(false) => {
            return Ok(Outcome::new(
                intent,
                Status::Failed,
                replies::either(
                    lang,
                    "Code galat hai ya purana ho gaya.".into(),
                    "The code is wrong or has expired.".into(),
                    "कोड गलत है या पुराना हो गया।".into(),
                ),
            ));
        }
        Err(e) => {
            tracing::warn!(error = %e, "erasure code not checked");
            return Ok(Outcome::new(
                intent,
                Status::Failed,
                replies::unavailable(lang),
            ));
        }
    }
    customers::erase(engine.pool, engine.tenant, customer.id).await?;
    if conv
        .active_customer
        .as_ref()
        .is_some_and(|c| c.id == customer.id)
    {
        conv.active_customer = None;
    }
    if conv
        .draft
        .as_ref()
        .is_some_and(|d| d.customer.id == customer.id)
    {
        conv.draft = None;
    }
    let reply = replies::either(
        lang,
        format!(
            "{} ka personal data mita diya. Hisaab ke records rakhe hain.",
            customer.name
        ),
        format!(
            "Erased {}'s personal data; tax records are kept.",
            customer.name
        ),
        format!(
            "{} का निजी डेटा मिटा दिया। हिसाब के रिकॉर्ड रखे हैं।",
            customer.name
        ),
    );
    Ok(Outcome::done(
        intent,
        reply,
        json!({"customer_id": customer.id, "erased": true}),
    ))
}
