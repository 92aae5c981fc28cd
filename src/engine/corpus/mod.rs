//! The project's own corpus of shopkeeper utterances, generated from templates.
//!
//! The intent model (`rules::model`) learns from it at start-up and the corpus test scores
//! the whole parser on it. Each template is a phrasing written for this corpus in
//! Hinglish, English or Devanagari with slots (`{c}` a customer, `{a}` an amount, `{i}`
//! items…) that `fill` replaces with values from `slots`, recording what the parser must
//! find. One template in five, and a separate list of names and products, is held out:
//! the model never trains on them, so their score says how the parser does on phrasings
//! and names it has not met. Generation is seeded, so every start trains the same model.

mod billing;
mod extra_language;
mod extra_money;
mod extra_polite;
mod extra_shop;
mod fill;
mod money;
mod shop;
mod slots;

use crate::engine::intent::{IntentKind, ItemEntity, Language};

/// One labelled utterance.
#[derive(Debug, Clone)]
pub struct Example {
    pub text: String,
    pub intent: IntentKind,
    pub expect: Expect,
}

/// What the parser must find in an example, for the entities its intent uses.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Expect {
    /// The customer's name as the parser shows it; `None` with `active` false means none.
    pub customer: Option<String>,
    /// A pronoun pointed at the conversation's customer.
    pub active: bool,
    pub amount_paise: Option<i64>,
    pub items: Vec<ItemEntity>,
    pub product: Option<String>,
    pub quantity: Option<i64>,
    pub language: Option<Language>,
}

/// Which part of the corpus.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Split {
    /// What the model learns from.
    Train,
    /// Templates and slot values the model never sees: the generalisation score.
    HeldOut,
}

/// How many utterances each template yields per split.
const PER_TEMPLATE_TRAIN: usize = 8;
const PER_TEMPLATE_HELD_OUT: usize = 4;

/// Every template with its intent, from the per-area lists.
fn templates() -> Vec<(&'static str, IntentKind)> {
    let mut all = Vec::new();
    for list in [
        billing::TEMPLATES,
        money::TEMPLATES,
        shop::TEMPLATES,
        shop::OTHER_TEMPLATES,
        extra_money::TEMPLATES,
        extra_shop::TEMPLATES,
        extra_shop::OTHER_TEMPLATES,
        // New lists go last: the held-out fifth is counted along this order, so an
        // appended list leaves every earlier template in the split it was in.
        extra_polite::TEMPLATES,
        extra_language::TEMPLATES,
        extra_language::OTHER_TEMPLATES,
    ] {
        all.extend_from_slice(list);
    }
    all
}

/// The examples of one split, always the same for the same code.
pub fn examples(split: Split) -> Vec<Example> {
    let mut rng = fill::Rng::new(match split {
        Split::Train => 0x5eed_0001,
        Split::HeldOut => 0x5eed_0002,
    });
    let per = match split {
        Split::Train => PER_TEMPLATE_TRAIN,
        Split::HeldOut => PER_TEMPLATE_HELD_OUT,
    };
    let mut out = Vec::new();
    // Counting per intent makes "one in five" hold for every intent, not just overall.
    let mut seen = std::collections::HashMap::new();
    for (template, intent) in templates() {
        let n = seen.entry(intent).or_insert(0usize);
        let held_out = *n % 5 == 4;
        *n += 1;
        if held_out != (split == Split::HeldOut) {
            continue;
        }
        // A template without slots says one thing; more copies would only weigh it more.
        let copies = if template.contains('{') { per } else { 2 };
        for _ in 0..copies {
            let (text, expect) = fill::fill(template, intent, split, &mut rng);
            out.push(Example {
                text,
                intent,
                expect,
            });
        }
    }
    out
}

#[cfg(test)]
#[path = "corpus_tests.rs"]
mod tests;
