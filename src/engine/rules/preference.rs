//! A language said about a customer's messages ("Ramesh ko Hindi mein message bhejna",
//! "send Sunita's bills in English", "सुनीता को अंग्रेज़ी में मैसेज भेजना") rather than
//! about the assistant's own replies ("Hindi mein bolo").
//!
//! The difference is who the language is for: a named customer, or a pronoun with a word
//! about messages ("uske reminder Hindi mein"). A named customer with a word about the
//! assistant speaking ("reply in Hindi", where "reply" could pass for a name) and nothing
//! about messages stays a switch of the reply language.

use super::lexicon::has_any;
use super::normalize::Tok;
use crate::engine::intent::Language;

/// The language a word names, wherever it is in the utterance.
pub(super) fn named(t: &[Tok]) -> Option<Language> {
    t.iter().find_map(|w| match w.text.as_str() {
        "english" | "angrezi" | "angreji" | "inglish" => Some(Language::English),
        "hindi" => Some(Language::Hindi),
        "hinglish" => Some(Language::Hinglish),
        _ => None,
    })
}

/// Words about what a customer is sent, reads or understands.
#[rustfmt::skip]
const MESSAGES: &[&str] = &[
    "message", "messages", "msg", "msgs", "sms", "whatsapp", "bill", "bills", "invoice",
    "invoices", "parchi", "reminder", "reminders", "sandesh", "bhejna", "bhejo", "bhej",
    "bhejiye", "bhejte", "bhejen", "bhejdo", "send", "sending", "sent", "likhna", "likho",
    "write", "prefer", "prefers", "preferred", "samajhta", "samajhti", "samajhte", "padhta",
    "padhti", "padhte", "padh", "read", "reads", "understands", "bhasha", "language",
    "customer", "grahak",
];

/// Words about the assistant itself speaking.
#[rustfmt::skip]
const ASSISTANT: &[&str] = &[
    "bolo", "bol", "boliye", "bolna", "bolte", "speak", "talk", "reply", "jawab", "javab",
    "switch",
    "baat", "mujhse", "mujhe", "aap", "tum",
];

/// Whether the language said is a customer's: `who` is a customer named or pointed at,
/// `named` one named.
pub(super) fn for_customer(t: &[Tok], who: bool, named_customer: bool) -> bool {
    if named(t).is_none() {
        return false;
    }
    let messages = has_any(t, MESSAGES);
    (named_customer && (messages || !has_any(t, ASSISTANT))) || (who && messages)
}
