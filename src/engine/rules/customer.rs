//! Who an utterance is about: a named customer, or the conversation's active one.
//!
//! In Hinglish the name comes before a postposition ("Ramesh ko", "Bharat ka", "Rahul ke
//! liye", "Bharat ATM wala"), in English after a preposition ("for Rahul", "from Ramesh").
//! Honorifics ("bhai", "ji", "seth") are dropped and the name keeps the capitalisation it
//! was typed with, else is title-cased. A pronoun ("uska", "usne", "pichla customer")
//! points at the active customer instead. Words already read as items, phone digits or
//! time are never part of a name.

use super::lexicon::{is_active_pronoun, is_content, is_honorific, is_particle};
use super::normalize::Tok;
use crate::engine::intent::IntentKind;

/// The customer an utterance names, or that it points at the active one.
#[derive(Debug, Default)]
pub(super) struct Found {
    pub name: Option<String>,
    pub active: bool,
}

/// Names are one to three words; more is a sentence, not a name.
const MAX_NAME_WORDS: usize = 3;

pub(super) fn customer(toks: &[Tok], used: &[bool], kind: IntentKind) -> Found {
    let particle = || {
        (0..toks.len())
            .filter(|&p| is_particle(&toks[p].text))
            .find_map(|p| name_before(toks, used, p))
    };
    let preposition = || {
        (0..toks.len())
            .filter(|&p| PREPOSITIONS.contains(&toks[p].text.as_str()))
            .find_map(|p| name_after(toks, used, p))
    };
    let pointer = points_at_active(toks);
    // "Ramesh 500 udhaar": no particle at all; for intents about one customer the first
    // content word is the best guess, and the engine's fuzzy search confirms it. With a
    // pronoun said, only a word before it can be the name it points back to.
    // "who owes me the most", "kisi ka kuch baaki": a question about some person names
    // nobody, so no word is guessed to be a name.
    let asks_who = toks.iter().any(|t| ASKS_WHO.contains(&t.text.as_str()));
    let any_word = || {
        let limit = pointer.unwrap_or(toks.len());
        (about_one_customer(kind) && !asks_who)
            .then(|| (0..limit).find(|&i| !used[i] && is_content(&toks[i])))
            .flatten()
            .and_then(|i| run_from(toks, used, i))
    };
    // "Salim kaun hai", "who is Priya": a question about a named person names them.
    let asked_about = || {
        (0..toks.len()).find_map(|p| {
            let next = toks.get(p + 1).map_or("", |t| t.text.as_str());
            match (toks[p].text.as_str(), next) {
                ("kaun" | "kon", "hai" | "hain" | "tha") => name_before(toks, used, p),
                ("who", "is" | "was") => name_after(toks, used, p + 1),
                _ => None,
            }
        })
    };
    let name = particle().or_else(preposition).or_else(asked_about);
    if name.is_none() && pointer.is_some() {
        // "Ramesh aaya tha, uska 500 likh do": the pronoun points back at the name said.
        let before = any_word();
        return Found {
            active: before.is_none(),
            name: before,
        };
    }
    Found {
        name: name.or_else(any_word),
        active: false,
    }
}

/// Words that ask about some person rather than name one.
const ASKS_WHO: &[&str] = &[
    "who",
    "whom",
    "whose",
    "anyone",
    "anybody",
    "someone",
    "everyone",
    "everybody",
    "nobody",
    "kaun",
    "kon",
    "kis",
    "kisi",
    "kisne",
    "kiska",
    "kiske",
    "kiski",
    "kisko",
    "koi",
    "jinka",
    "jinke",
    "jisne",
    "sabka",
    "sabke",
];

/// Words after which an English name comes ("for Rahul", "against Ramesh").
const PREPOSITIONS: &[&str] = &["for", "to", "from", "of", "against", "about"];

/// "naya customer Suresh banao", "add customer named Suresh", "Suresh naam se khata kholo".
pub(super) fn new_customer(toks: &[Tok], used: &[bool]) -> Found {
    let after = |words: &[&str]| {
        (0..toks.len())
            .filter(|&p| words.contains(&toks[p].text.as_str()))
            .find_map(|p| name_after(toks, used, p))
    };
    let named = after(&["naam", "named", "name", "called", "register", "add", "jodo"])
        .or_else(|| {
            // "Suresh naam se", and "Babli ke naam se" with its particle.
            (0..toks.len())
                .filter(|&p| toks[p].text == "naam")
                .map(|p| match p.checked_sub(1) {
                    Some(k) if is_particle(&toks[k].text) => k,
                    _ => p,
                })
                .find_map(|p| name_before(toks, used, p))
        })
        .or_else(|| after(&["customer", "grahak", "party", "khata"]))
        .or_else(|| {
            // "naya customer jodo Harish": the verb sits between the cue and the name.
            (0..toks.len())
                .filter(|&p| matches!(toks[p].text.as_str(), "customer" | "grahak" | "party"))
                .find_map(|p| {
                    let k = (p + 1..toks.len().min(p + 4)).find(|&k| is_content(&toks[k]))?;
                    name_after(toks, used, k - 1)
                })
        });
    match named {
        Some(name) => Found {
            name: Some(name),
            active: false,
        },
        None => customer(toks, used, IntentKind::CreateCustomer),
    }
}

fn about_one_customer(kind: IntentKind) -> bool {
    use IntentKind as K;
    matches!(
        kind,
        K::AddCredit
            | K::CreateInvoice
            | K::RecordPayment
            | K::CheckBalance
            | K::CustomerInfo
            | K::DeleteCustomerData
            | K::UpdateCustomer
            | K::CreateReminder
            | K::CancelReminder
            | K::SendInvoice
            | K::SetCustomerLanguage
    )
}

/// Where "pichla customer", "same customer" or a pronoun points at the active customer.
fn points_at_active(toks: &[Tok]) -> Option<usize> {
    toks.iter()
        .position(|t| is_active_pronoun(&t.text))
        .or_else(|| {
            toks.windows(2).position(|w| {
                matches!(
                    w[0].text.as_str(),
                    "pichla"
                        | "pichle"
                        | "previous"
                        | "last"
                        | "same"
                        | "us"
                        | "is"
                        | "this"
                        | "that"
                ) && matches!(w[1].text.as_str(), "customer" | "grahak" | "wala" | "wale")
            })
        })
}

/// The name words right before index `p`, honorifics in between skipped.
fn name_before(toks: &[Tok], used: &[bool], p: usize) -> Option<String> {
    let mut end = p;
    while end > 0 && is_honorific(&toks[end - 1].text) {
        end -= 1;
    }
    let mut start = end;
    while start > 0
        && end - start < MAX_NAME_WORDS
        && !used[start - 1]
        && is_content(&toks[start - 1])
    {
        start -= 1;
    }
    display(&toks[start..end])
}

/// The name words right after index `p`, an honorific before them skipped ("for Seth Ramlal").
fn name_after(toks: &[Tok], used: &[bool], p: usize) -> Option<String> {
    let mut start = p + 1;
    while toks.get(start).is_some_and(|t| is_honorific(&t.text)) {
        start += 1;
    }
    run_from(toks, used, start)
}

fn run_from(toks: &[Tok], used: &[bool], start: usize) -> Option<String> {
    let mut end = start;
    while end < toks.len() && end - start < MAX_NAME_WORDS && !used[end] && is_content(&toks[end]) {
        end += 1;
    }
    display(toks.get(start..end)?)
}

fn display(words: &[Tok]) -> Option<String> {
    if words.is_empty() {
        return None;
    }
    let shown: Vec<String> = words.iter().map(shown_word).collect();
    Some(shown.join(" "))
}

/// The word as typed if it was typed in Roman letters with some capitals ("ATM", "McDonald"),
/// else title-cased ("ramesh", or a Devanagari name transliterated).
fn shown_word(t: &Tok) -> String {
    let typed = t.orig.eq_ignore_ascii_case(&t.text);
    if typed && t.orig.bytes().any(|b| b.is_ascii_uppercase()) {
        return t.orig.clone();
    }
    let mut chars = t.text.chars();
    chars
        .next()
        .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
        .unwrap_or_default()
}
