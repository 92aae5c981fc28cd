//! A customer's own language, set by voice ("Ramesh ko Hindi mein message bhejna"): the
//! language their invoice messages and reminders are written in, stored in
//! `customers.preferred_language` as `PUT /customers/{id}` stores it. The assistant's
//! replies keep the session's language.

use serde_json::json;

use super::{Engine, EngineError, Outcome, Status, customers::data_of, resolve};
use crate::{
    domain::customers::{self, CustomerError},
    engine::{conversation::Conversation, intent::ParsedIntent, replies},
};

pub async fn set_language(
    engine: &Engine<'_>,
    conv: &mut Conversation,
    parsed: &ParsedIntent,
) -> Result<Outcome, EngineError> {
    let lang = conv.language;
    // "Ramesh ko Marathi mein bhejo": not a language we write; asked, never guessed.
    let Some(chosen) = parsed.entities.language else {
        return Ok(Outcome::new(
            parsed.intent,
            Status::NeedsInfo,
            replies::which_customer_language(lang),
        ));
    };
    let target = or_ask!(resolve::customer(engine, conv, parsed).await?);
    let current = customers::get(engine.pool, engine.tenant, target.id).await?;
    let Some(current) = current else {
        return Ok(Outcome::new(
            parsed.intent,
            Status::NeedsInfo,
            replies::customer_not_found(lang, &target.name),
        ));
    };
    let mut data = data_of(&current);
    data.preferred_language = chosen.as_str().to_string();
    match customers::update(engine.pool, engine.tenant, current.id, &data).await {
        Ok(Some(c)) => Ok(Outcome::done(
            parsed.intent,
            replies::customer_language_set(lang, &c.name, chosen),
            json!({"customer_id": c.id, "preferred_language": chosen}),
        )),
        // Erased between the lookup and the write.
        Ok(None) => Ok(Outcome::new(
            parsed.intent,
            Status::NeedsInfo,
            replies::customer_not_found(lang, &target.name),
        )),
        // Only the language changed, so the phone cannot newly clash; the row is as it was.
        Err(CustomerError::PhoneTaken) => Ok(Outcome::new(
            parsed.intent,
            Status::Failed,
            replies::unavailable(lang),
        )),
        Err(CustomerError::Db(e)) => Err(EngineError::Db(e)),
    }
}
