//! The offline intent parser: Hinglish, English and Devanagari without any provider.
//!
//! It is the fallback when the LLM is down or slow, and the first pass for the short
//! commands a shop repeats all day. The work runs in steps, one submodule each:
//! `normalize` turns text into lower-case Roman words (Devanagari digits and common words
//! transliterated), `numbers` folds number words ("dedh hazaar") into numeric tokens,
//! `contact`, `quantities`, `payments` and `customer` pull out entities, `classify`
//! decides the intent from cue words, and `model` (over `features`) reads the intent a
//! second way, from n-grams, having learned from `engine::corpus`. Entities are read in a
//! fixed order and each marks the words it used, so a phone number's digits are never
//! also read as an amount, an item's product never as a customer's name.
//!
//! Known misses (the LLM, when configured, covers them): "haan bill bana do" with no
//! items reads as a new bill, not a confirmation; removing one line from a draft has no
//! intent (it is asked again); there is no modify-reminder intent ("kal ke bajaye parso"
//! becomes a new reminder); "X ko 500 diya" without "udhaar" is read as a payment; a name
//! said without a particle is the first word not in a word list (the fuzzy customer
//! search, which asks when unsure, is the backstop).

mod classify;
mod contact;
mod cues;
mod customer;
mod devanagari;
mod features;
mod lexicon;
mod model;
mod normalize;
mod numbers;
mod payments;
mod preference;
mod quantities;

use super::intent::{Entities, IntentKind, ParsedIntent};
use classify::Facts;
use normalize::Tok;

/// Understands one utterance without any provider.
pub fn parse(text: &str) -> ParsedIntent {
    let mut w = words(text);
    if w.toks.is_empty() {
        return ParsedIntent::unknown(w.normalized);
    }
    let (kind, agreed) = decide(w.by_rules, model::predict(&w.masked));
    fill(kind, &w.toks, &mut w.used, &mut w.e);
    let confidence = confidence(kind, &w.e, agreed);
    ParsedIntent {
        intent: kind,
        entities: w.e,
        confidence,
        normalized: w.normalized,
    }
}

/// Trains the intent model now rather than on the first utterance (a fraction of a second
/// in a release build); start-up calls it off the async threads.
pub fn warm_up() {
    let _ = model::predict("");
}

/// An utterance read by the rules, and the text the model reads.
pub(crate) struct Words {
    toks: Vec<Tok>,
    normalized: String,
    used: Vec<bool>,
    e: Entities,
    by_rules: IntentKind,
    /// The normalised words with the customer's name as "<name>", the items' products as
    /// "<item>" and a phone, email or GSTIN as "<contact>": which customer or product was
    /// said never decides the intent, and the model then needs no list of names to
    /// generalise to new ones.
    pub masked: String,
}

pub(crate) fn words(text: &str) -> Words {
    let toks = numbers::merge(normalize::words(text));
    let normalized = join(&toks);
    let mut used = vec![false; toks.len()];
    let e = Entities {
        gstin: contact::gstin(&toks, &mut used),
        email: contact::email(&toks, &mut used),
        phone: contact::phone(&toks, &mut used),
        ..Entities::default()
    };
    // A probe on a copy: classifying needs to know whether items were said, but which words
    // they take is only settled once the intent is known.
    let mut probed = used.clone();
    let probe = quantities::items(&toks, &mut probed);
    // Items' words are not a name ("cheeni 2 bori aayi" names no customer).
    let who = customer::customer(&toks, &probed, IntentKind::CheckBalance);
    let facts = Facts {
        items: !probe.is_empty(),
        contact: e.gstin.is_some() || e.email.is_some() || e.phone.is_some(),
        amount: (0..toks.len()).any(|i| !used[i] && toks[i].num.is_some()),
        who: who.name.is_some() || who.active,
        named: who.name.is_some(),
    };
    let masked = mask(&toks, &used, &probed, who.name.as_deref());
    Words {
        by_rules: classify::kind(&toks, &facts),
        toks,
        normalized,
        used,
        e,
        masked,
    }
}

/// The words the model reads: the name, items and contact details as placeholders.
fn mask(toks: &[Tok], used: &[bool], probed: &[bool], name: Option<&str>) -> String {
    let name_words: Vec<String> = name
        .map(|n| n.to_lowercase().split(' ').map(str::to_string).collect())
        .unwrap_or_default();
    toks.iter()
        .enumerate()
        .map(|(i, t)| {
            let item = probed[i] && !used[i] && t.num.is_none() && lexicon::unit(&t.text).is_none();
            if used[i] {
                "<contact>"
            } else if item {
                "<item>"
            } else if name_words.contains(&t.text) {
                "<name>"
            } else {
                t.text.as_str()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// What the rules and the model each read, for the corpus test's per-source figures.
#[cfg(test)]
pub(crate) fn readings(text: &str) -> (IntentKind, IntentKind, f32) {
    let w = words(text);
    let m = model::predict(&w.masked);
    (w.by_rules, m.kind, m.probability)
}

/// How sure the model must be to stand in when the cue words found nothing. On the
/// corpus's held-out split, letting the model also overrule the rules when they disagree
/// lost accuracy at every threshold (`overrule_and_rescue_sweep`), and below this it
/// rescued small talk as often as requests; so it only rescues, and, disagreeing, lowers
/// the confidence.
const RESCUE: f32 = 0.8;

/// The intent and who chose it: the rules' reading, or the model's when the rules found
/// nothing and the model is sure.
fn decide(by_rules: IntentKind, by_model: model::Prediction) -> (IntentKind, Agreement) {
    if by_rules == by_model.kind {
        (by_rules, Agreement::Both)
    } else if by_rules == IntentKind::Unknown && by_model.probability >= RESCUE {
        (by_model.kind, Agreement::ModelRescued)
    } else {
        (by_rules, Agreement::RulesOverModel)
    }
}

/// How the rules and the model came to the intent; it sets how sure the parse is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Agreement {
    Both,
    RulesOverModel,
    ModelRescued,
}

/// A yes/no answer to a pending confirmation: Some(true) for haan/ha/haa/ji haan/bilkul/ok/okay/yes/theek hai/thik hai/kar do/confirm; Some(false) for nahi/nahin/na/no/mat karo/cancel/ruk jao/rehne do; None for anything else (a new request).
pub fn confirmation(text: &str) -> Option<bool> {
    let words: Vec<String> = normalize::words(text).into_iter().map(|t| t.text).collect();
    lexicon::yes_or_no(&words)
}

/// Amount words or digits in paise: "500" → 50_000, "paanch sau" → 50_000, "dedh hazaar" → 150_000, "₹2,500" → 250_000, "5 lakh", "१२००", "पांच सौ", "2.5 hazar", "500 rupaye".
pub fn amount_paise(text: &str) -> Option<i64> {
    let toks = numbers::merge(normalize::words(text));
    toks.iter().find_map(|t| t.num).and_then(quantities::paise)
}

fn join(toks: &[Tok]) -> String {
    toks.iter()
        .map(|t| t.text.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Reads the entities the intent uses. The order matters: the reminder's time phrase and
/// the items go first, so their numbers are not taken for the amount.
fn fill(kind: IntentKind, toks: &[Tok], used: &mut [bool], e: &mut Entities) {
    use IntentKind as K;
    if matches!(kind, K::CreateReminder | K::CancelReminder) {
        e.when = quantities::when(toks, used);
    }
    match kind {
        K::CreateInvoice | K::AddItems => e.items = quantities::items(toks, used),
        K::UpdateStock => {
            if let Some(item) = quantities::items(toks, used).into_iter().next() {
                e.product = Some(item.product);
                e.quantity = Some(item.quantity);
                e.unit = item.unit;
            } else {
                // "chana ka stock 20 kilo badhao": the product is not next to its quantity.
                let measure = quantities::measure(toks, used);
                e.product = quantities::product(toks, used);
                e.quantity = measure.map(|m| m.0);
                e.unit = measure.and_then(|m| m.1).map(str::to_string);
            }
        }
        K::CheckStock => e.product = quantities::product(toks, used),
        K::AddDiscount => {
            e.discount_percent = quantities::percent(toks, used);
            if e.discount_percent.is_none() {
                e.discount_paise = quantities::amount(toks, used);
            }
            e.product = quantities::discounted_product(toks);
        }
        K::RecordPayment => {
            let (parts, total) = payments::read(toks, used);
            e.payments = parts;
            e.amount_paise = total.or_else(|| quantities::amount(toks, used));
        }
        K::AddCredit | K::CreateReminder => e.amount_paise = quantities::amount(toks, used),
        K::SwitchLanguage => e.language = classify::language(toks),
        K::SetCustomerLanguage => e.language = preference::named(toks),
        _ => {}
    }
    if matches!(kind, K::CreateInvoice | K::ToggleGst) {
        e.with_gst = classify::gst_choice(toks);
    }
    if classify::takes_all(kind) {
        e.all = lexicon::has_any(toks, lexicon::ALL_WORDS);
    }
    if classify::names_customer(kind) {
        let found = if kind == K::CreateCustomer {
            customer::new_customer(toks, used)
        } else {
            customer::customer(toks, used, kind)
        };
        e.customer = found.name;
        e.active_customer = found.active;
    }
}

/// 0.9 with the intent's required entities, 0.7 when one is missing, 0.3 for Unknown;
/// 0.8 and 0.7 when the model disagreed with the rules' reading, and 0.7 and 0.6 when
/// only the model understood it (0.6 is below the engine's usual threshold, so it asks
/// rather than acts on a doubtful reading with a missing entity).
fn confidence(kind: IntentKind, e: &Entities, agreed: Agreement) -> f32 {
    use IntentKind as K;
    let who = e.customer.is_some() || e.active_customer;
    let complete = match kind {
        K::Unknown => return 0.3,
        K::CreateInvoice | K::AddItems => !e.items.is_empty(),
        K::ToggleGst => e.with_gst.is_some(),
        K::AddDiscount => e.discount_percent.is_some() || e.discount_paise.is_some(),
        K::RecordPayment | K::AddCredit => who && e.amount_paise.is_some(),
        K::CheckBalance | K::CustomerInfo | K::DeleteCustomerData | K::CreateReminder => who,
        K::CreateCustomer => e.customer.is_some(),
        K::UpdateCustomer => who && (e.phone.is_some() || e.email.is_some() || e.gstin.is_some()),
        K::CancelReminder => who || e.all,
        K::CheckStock => e.product.is_some(),
        K::UpdateStock => e.product.is_some() && e.quantity.is_some(),
        K::SwitchLanguage => e.language.is_some(),
        K::SetCustomerLanguage => who && e.language.is_some(),
        K::ConfirmInvoice
        | K::CancelInvoice
        | K::SendInvoice
        | K::ShowPendingInvoice
        | K::ListBalances
        | K::TotalPending
        | K::ListReminders
        | K::DailySummary => true,
    };
    match (agreed, complete) {
        (Agreement::Both, true) => 0.9,
        (Agreement::RulesOverModel, true) => 0.8,
        (Agreement::ModelRescued, false) => 0.6,
        _ => 0.7,
    }
}

#[cfg(test)]
#[path = "rules_answers_tests.rs"]
mod answers_tests;
#[cfg(test)]
#[path = "rules_fresh_tests.rs"]
mod fresh_tests;
#[cfg(test)]
#[path = "rules_language_tests.rs"]
mod language_tests;
#[cfg(test)]
#[path = "rules_tests.rs"]
mod tests;
