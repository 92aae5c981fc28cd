//! Finding what an utterance names: the customer (by name, or "uska" for the active
//! one) and products (by spoken name against the shop's list).
//!
//! A name that matches one customer clearly is acted on; several plausible ones make
//! the engine ask "which one?"; none makes it say so. Never a guess.

use serde_json::json;

use super::{Engine, EngineError, Outcome, Status};
use crate::{
    domain::{
        customer_search,
        names::{self, Resolution},
        products::{self, Product},
    },
    engine::{
        conversation::{Conversation, CustomerRef},
        intent::{IntentKind, ParsedIntent},
        replies,
    },
};

/// The customer an intent is about, or the outcome that asks for it.
pub async fn customer(
    engine: &Engine<'_>,
    conv: &mut Conversation,
    parsed: &ParsedIntent,
) -> Result<Result<CustomerRef, Outcome>, EngineError> {
    let lang = conv.language;
    let Some(name) = parsed
        .entities
        .customer
        .as_deref()
        .filter(|n| !n.trim().is_empty())
    else {
        return Ok(conv.active_customer.clone().ok_or_else(|| {
            Outcome::new(
                parsed.intent,
                Status::NeedsInfo,
                replies::which_customer(lang),
            )
        }));
    };
    let found = customer_search::search(engine.pool, engine.tenant, name, 5).await?;
    Ok(match found.resolution {
        Resolution::Clear(i) => {
            let c = &found.candidates[i].customer;
            let chosen = CustomerRef {
                id: c.id,
                name: c.name.clone(),
            };
            conv.active_customer = Some(chosen.clone());
            Ok(chosen)
        }
        Resolution::Ambiguous(list) => {
            let names: Vec<String> = list
                .iter()
                .map(|&i| found.candidates[i].customer.name.clone())
                .collect();
            let mut out = Outcome::new(
                parsed.intent,
                Status::NeedsInfo,
                replies::which_of(lang, &names),
            );
            out.data = json!({"candidates": list.iter().map(|&i| json!({
                "id": found.candidates[i].customer.id,
                "name": found.candidates[i].customer.name,
                "score": found.candidates[i].score,
            })).collect::<Vec<_>>()});
            Err(out)
        }
        Resolution::NoMatch => Err(Outcome::new(
            parsed.intent,
            Status::NeedsInfo,
            replies::customer_not_found(lang, name),
        )),
    })
}

/// The shop's product best matching a spoken name, if any is close enough.
pub async fn product(engine: &Engine<'_>, spoken: &str) -> Result<Option<Product>, EngineError> {
    let all = products::list(engine.pool, engine.tenant, false, 1000, 0).await?;
    Ok(best_product(all, spoken))
}

/// Exact folded name first, then a word of the name, then trigram similarity ≥ 0.45
/// (against the whole name or its best word).
pub fn best_product(all: Vec<Product>, spoken: &str) -> Option<Product> {
    let want = names::fold(spoken);
    if want.is_empty() {
        return None;
    }
    let mut best: Option<(f32, Product)> = None;
    for p in all {
        let have = names::fold(&p.name);
        let score = if have == want {
            2.0
        } else if have.split_whitespace().any(|w| w == want) {
            1.5
        } else {
            // "biskut" against "Parle Biscuit": the best of the whole name and each word.
            have.split_whitespace()
                .map(|w| names::trigram_similarity(w, &want))
                .fold(names::trigram_similarity(&have, &want), f32::max)
        };
        if score >= 0.45 && best.as_ref().is_none_or(|(s, _)| score > *s) {
            best = Some((score, p));
        }
    }
    best.map(|(_, p)| p)
}

/// The intent for messages about a missing amount.
pub fn amount_missing(conv: &Conversation, intent: IntentKind) -> Outcome {
    Outcome::new(
        intent,
        Status::NeedsInfo,
        replies::amount_missing(conv.language),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn product(name: &str) -> Product {
        Product {
            id: uuid::Uuid::now_v7(),
            name: name.into(),
            sku: None,
            unit: "kg".into(),
            price_paise: 100,
            hsn_code: None,
            gst_rate_bp: 0,
            stock: 0,
            low_stock_threshold: 0,
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
        }
    }

    #[test]
    fn products_match_by_folded_name_word_and_similarity() {
        let list = || {
            vec![
                product("Basmati Chawal"),
                product("Aata"),
                product("Parle Biscuit"),
            ]
        };
        assert_eq!(
            best_product(list(), "chaawal").map(|p| p.name).as_deref(),
            Some("Basmati Chawal")
        );
        assert_eq!(
            best_product(list(), "atta").map(|p| p.name).as_deref(),
            Some("Aata")
        );
        assert_eq!(
            best_product(list(), "biscut").map(|p| p.name).as_deref(),
            Some("Parle Biscuit")
        );
        assert!(best_product(list(), "sabun").is_none());
    }
}
