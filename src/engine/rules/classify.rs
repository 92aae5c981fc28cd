//! Which intent an utterance is, from its cue words.
//!
//! The checks run from the most specific cue to the most general, because the same word
//! serves several intents: "cancel" with "reminder" is CancelReminder but with "bill"
//! CancelInvoice; "aaya" with a unit is a stock arrival ("50 kilo aata aaya") but without
//! one a payment ("Bharat ka 300 aa gaya"); "udhaar" with a number is new credit but with
//! "kitna" a balance question. Facts read before classifying (items, contact details, a
//! named customer) settle the rest.

use super::cues::*;
use super::lexicon::{has_any, has_phrase, is_content, is_time_word, mode, unit};
use super::normalize::Tok;
use crate::engine::intent::{IntentKind, Language};

/// What was found before classifying.
pub(super) struct Facts {
    pub items: bool,
    /// A phone, email or GSTIN.
    pub contact: bool,
    /// A number that is not part of a contact detail.
    pub amount: bool,
    /// A named or pointed-at customer.
    pub who: bool,
    /// A customer named (not only pointed at with "uska").
    pub named: bool,
}

pub(super) fn kind(t: &[Tok], f: &Facts) -> IntentKind {
    use IntentKind as K;
    if let Some(k) = records(t, f) {
        return k;
    }
    let any = |w: &[&str]| has_any(t, w);
    if let Some(k) = goods(t, f) {
        return k;
    }
    if let Some(k) = stock(t) {
        return k;
    }
    if f.items && any(ADD_ITEMS) {
        return K::AddItems;
    }
    if let Some(k) = money(t, f) {
        return k;
    }
    if any(INFO) {
        return K::CustomerInfo;
    }
    if f.items { K::AddItems } else { K::Unknown }
}

/// Intents named by a cue of their own: language, reminders, customers' records, bills,
/// GST, discounts, confirmation and the day's summary.
fn records(t: &[Tok], f: &Facts) -> Option<IntentKind> {
    use IntentKind as K;
    let any = |w: &[&str]| has_any(t, w);
    if super::preference::for_customer(t, f.who, f.named) {
        // "Ramesh ko kal 10 baje Hindi mein reminder bhejo" asks for a reminder.
        let later = t
            .iter()
            .any(|w| is_time_word(&w.text) && !matches!(w.text.as_str(), "har" | "every"));
        let reminder = later && (any(REMINDER) || messages_later(t));
        return Some(if reminder {
            K::CreateReminder
        } else {
            K::SetCustomerLanguage
        });
    }
    if language(t).is_some() || other_language(t) {
        return Some(K::SwitchLanguage);
    }
    if any(REMINDER) || messages_later(t) {
        return Some(
            if any(CANCEL) || any(&["mat", "nahi", "nahin", "dont", "anymore"]) {
                K::CancelReminder
            } else if any(LIST) && !f.amount {
                K::ListReminders
            } else {
                K::CreateReminder
            },
        );
    }
    if creates_customer(t) {
        return Some(K::CreateCustomer);
    }
    if any(BILL) {
        return Some(invoice_kind(t, f));
    }
    // "Ramesh 98765… wale ka 400 aaya": a phone said to say who paid is not an update.
    let money_moves = f.amount && (any(PAY) || any(CREDIT)) && !any(FIELDS);
    if (f.contact && !money_moves) || (any(FIELDS) && any(UPDATE) && !any(QUERY)) {
        return Some(K::UpdateCustomer);
    }
    // "Salim ka pata kya hai": a question about a field is a question about the customer.
    if any(FIELDS) && any(QUERY) && f.named {
        return Some(K::CustomerInfo);
    }
    let closes = has_phrase(t, "khata band") || has_phrase(t, "account band");
    if (any(DELETE) && any(DATA)) || closes || has_phrase(t, "close account") {
        return Some(K::DeleteCustomerData);
    }
    if any(&["gst"]) {
        return Some(K::ToggleGst);
    }
    let chhod = any(&["chhod", "chod"]) && f.amount;
    if any(DISCOUNT) || chhod || (any(&["kam"]) && !any(STOCK)) {
        return Some(K::AddDiscount);
    }
    let money_words = any(CREDIT) || any(BALANCE) || any(PAY);
    // "theek hai, bana do" confirms the draft; "chai bana do" asks for something to be
    // made, so a word that could be a thing (or a name) leaves it unconfirmed.
    let makes = any(&["bana", "banao", "banado"]) && !t.iter().any(is_content);
    if any(CONFIRM) || (makes && !f.items && !money_words) {
        return Some(K::ConfirmInvoice);
    }
    daily(t).then_some(K::DailySummary)
}

/// Items said without the word "bill": a sale to a named customer, or more for the draft.
fn goods(t: &[Tok], f: &Facts) -> Option<IntentKind> {
    use IntentKind as K;
    let any = |w: &[&str]| has_any(t, w);
    // "Ramesh ke naam 10 anda aur 1 bread": items for a named customer are a new bill
    // ("aur" there joins items; it does not add to a draft).
    let adds = t
        .iter()
        .any(|w| w.text != "aur" && ADD_ITEMS.contains(&w.text.as_str()));
    // Goods given on credit ("Gupta ji ko 3 kilo chini diya udhaar pe") are a bill too.
    let money_said = t.iter().any(|w| super::lexicon::is_currency(&w.text));
    if f.items && f.named && !adds && !money_said && !any(PAY_STRONG) && !any(STOCK) {
        return Some(K::CreateInvoice);
    }
    // "Sanjay aaye hain, 2 kilo suji chahiye": wanted items are a sale, not a delivery.
    let wanted = any(&["chahiye", "chahie", "chaiye", "want", "wants"]);
    (f.items && wanted && !adds).then_some(if f.named {
        K::CreateInvoice
    } else {
        K::AddItems
    })
}

fn invoice_kind(t: &[Tok], f: &Facts) -> IntentKind {
    use IntentKind as K;
    let any = |w: &[&str]| has_any(t, w);
    // "bill mein se maggi hata do" removes one line, which no intent does: better asked
    // again than read as dropping the whole draft.
    let one_line = has_phrase(t, "mein se") || has_phrase(t, "from the");
    if one_line && any(CANCEL) {
        K::Unknown
    } else if any(&["gst"]) && !f.items {
        K::ToggleGst
    } else if any(DISCOUNT) && !f.items {
        K::AddDiscount
    } else if f.items
        && !f.named
        && any(&[
            "daalo", "dalo", "jodo", "add", "bhi", "plus", "likh", "likho",
        ])
    {
        // "bill mein 2 kilo aata aur daalo": items for the open bill.
        K::AddItems
    } else if any(CANCEL) || (!f.items && any(&["mat", "nahi", "nahin"])) {
        K::CancelInvoice
    } else if any(SEND) {
        K::SendInvoice
    } else if any(CONFIRM) || (!f.items && any(&["theek", "thik", "issue", "sahi", "save"])) {
        K::ConfirmInvoice
    } else if !f.items && (any(SHOW) || any(&["kya", "what", "sunao", "padh", "read"])) {
        K::ShowPendingInvoice
    } else {
        K::CreateInvoice
    }
}

fn creates_customer(t: &[Tok]) -> bool {
    let any = |w: &[&str]| has_any(t, w);
    let customer = any(&["customer", "grahak", "party", "customers"]);
    let verb = any(&[
        "banao", "bana", "banado", "create", "add", "jodo", "register", "save",
    ]);
    (any(&["naya", "nayi", "new"]) && (customer || any(&["khata", "account"])))
        || (customer && verb && !any(&["delete", "hatao"]))
        || has_phrase(t, "khata kholo")
        || has_phrase(t, "khata khol")
        || has_phrase(t, "open account")
}

fn daily(t: &[Tok]) -> bool {
    let today_total = has_any(
        t,
        &[
            "total", "kul", "kamaya", "kamai", "made", "make", "business", "sell", "sold", "earn",
        ],
    );
    (has_any(t, TODAY) && (has_any(t, DAY_NOUNS) || today_total))
        || has_phrase(t, "daily summary")
        || has_phrase(t, "day summary")
        || has_phrase(t, "end of day")
        || has_phrase(t, "din bhar")
}

fn stock(t: &[Tok]) -> Option<IntentKind> {
    let any = |w: &[&str]| has_any(t, w);
    let unit_said = t.iter().any(|w| unit(&w.text).is_some());
    let mode_said = t.iter().any(|w| mode(&w.text).is_some());
    // "1000 ka maal udhaar le gaya" is about money, not what is on the shelf.
    let money = any(&["udhaar", "udhar", "udhari", "credit", "tab"])
        || any(BALANCE)
        || (any(PAY_STRONG) && !unit_said);
    if money {
        return None;
    }
    if any(STOCK) && any(STOCK_CHANGE) {
        return Some(IntentKind::UpdateStock);
    }
    if any(ARRIVE) && unit_said && !mode_said {
        return Some(IntentKind::UpdateStock);
    }
    let asks_if_any = has_phrase(t, "hai ki nahi")
        || has_phrase(t, "khatam to nahi")
        || has_phrase(t, "do we have")
        || has_phrase(t, "how many")
        || (any(&["khatam"]) && any(&["kya", "nahi"]));
    (any(STOCK) || any(LEFT) || asks_if_any).then_some(IntentKind::CheckStock)
}

fn money(t: &[Tok], f: &Facts) -> Option<IntentKind> {
    use IntentKind as K;
    let any = |w: &[&str]| has_any(t, w);
    // "Vikram ne 750 phonepe kiya": an amount with a payment mode is a payment.
    let paid_by_mode = f.amount && t.iter().any(|w| mode(&w.text).is_some());
    let pay = any(PAY) || has_phrase(t, "aa gaye") || has_phrase(t, "aa gayi") || paid_by_mode;
    let credit = any(CREDIT) || (any(&["credit"]) && !any(&["card"]));
    let asks = any(QUERY);
    if (pay || credit || any(BALANCE)) && asks_about_everyone(t, f) {
        return Some(K::ListBalances);
    }
    // "udhaar tha, aaj de gaya", "Ramesh ne 500 de diye": handed over, so paid.
    let handed = has_phrase(t, "de gaya")
        || has_phrase(t, "de gayi")
        || has_phrase(t, "de gaye")
        || (any(&["ne"]) && (has_phrase(t, "de diya") || has_phrase(t, "de diye")));
    let strong = any(PAY_STRONG) || handed;
    // Without an amount, "gaya" alone ("galat ho gaya") is no payment: it takes a strong
    // word or a named customer.
    if pay && (strong || !credit) && (f.amount || (!asks && (strong || f.named))) {
        return Some(K::RecordPayment);
    }
    // "Ramesh ka 500 baaki likho": an amount said with no question is new credit even
    // beside a balance word.
    if credit && ((f.amount && !asks) || (!asks && !any(BALANCE) && !any(TOTAL))) {
        return Some(K::AddCredit);
    }
    let about_money = any(BALANCE)
        || (credit && (asks || any(TOTAL)))
        || (asks && any(&["paisa", "paise", "upar", "money"]));
    if !about_money {
        return None;
    }
    Some(if any(TOTAL) && !f.named {
        K::TotalPending
    } else if any(EVERYONE) || asks_about_everyone(t, f) {
        K::ListBalances
    } else if f.who || any(&["balance"]) {
        K::CheckBalance
    } else {
        K::TotalPending
    })
}

/// The language asked for: a language name with a word that asks to switch.
pub(super) fn language(t: &[Tok]) -> Option<Language> {
    let lang = super::preference::named(t)?;
    let cue = [
        "mein", "me", "main", "in", "bolo", "bol", "boliye", "speak", "talk", "baat", "language",
        "bhasha", "switch", "reply", "jawab", "use",
    ];
    has_any(t, &cue).then_some(lang)
}

/// "kis kis ka baaki", "kaun kaun udhaar mein", "who has not paid", "sabka udhaar":
/// a question about everyone's dues rather than one customer's.
fn asks_about_everyone(t: &[Tok], f: &Facts) -> bool {
    let any = |w: &[&str]| has_any(t, w);
    let repeated = has_phrase(t, "kis kis") || has_phrase(t, "kaun kaun");
    let who = any(&[
        "who", "kisne", "kiske", "kiska", "kinka", "kinke", "which", "jinka", "jin", "kisi", "koi",
        "anyone", "anybody",
    ]);
    let everyone = any(&[
        "sabka",
        "sabke",
        "sabki",
        "sabhi",
        "everyone",
        "everybody",
        "list",
        "logon",
        "walon",
        "customers",
    ]);
    repeated || (who && !f.named) || (everyone && !f.amount)
}

/// "Ramesh ko kal message bhejo paise ke liye": a message at a time is a reminder.
fn messages_later(t: &[Tok]) -> bool {
    has_any(t, &["message", "msg", "sms", "ping"]) && t.iter().any(|w| is_time_word(&w.text))
}

/// A language we do not speak, asked for ("Marathi mein bolo", "can you talk in Tamil"):
/// the engine answers with the languages it does speak.
fn other_language(t: &[Tok]) -> bool {
    let named = has_any(
        t,
        &[
            "marathi",
            "gujarati",
            "tamil",
            "telugu",
            "bengali",
            "bangla",
            "kannada",
            "malayalam",
            "punjabi",
            "urdu",
            "odia",
            "oriya",
            "assamese",
            "bhojpuri",
            "french",
            "spanish",
            "arabic",
        ],
    );
    let cue = [
        "mein", "me", "main", "in", "bolo", "bol", "bolte", "boliye", "speak", "talk", "baat",
        "language", "bhasha", "switch", "reply", "jawab", "lo", "samajh", "aati", "aata", "vich",
        "gal",
    ];
    named && (has_any(t, &cue) || t.len() <= 3)
}

/// `Some(false)` for "bina GST", `Some(true)` for "GST lagao" (or GST named alone with a bill).
pub(super) fn gst_choice(t: &[Tok]) -> Option<bool> {
    if !has_any(t, &["gst"]) {
        return None;
    }
    Some(!has_any(t, GST_OFF))
}

/// Intents where "sab"/"saare"/"all" widens the action to everything.
pub(super) fn takes_all(kind: IntentKind) -> bool {
    use IntentKind as K;
    matches!(
        kind,
        K::CancelInvoice
            | K::ConfirmInvoice
            | K::SendInvoice
            | K::ShowPendingInvoice
            | K::CancelReminder
            | K::ListReminders
            | K::ListBalances
    )
}

/// Intents that can be about a customer (the rest are about products, the shop or the
/// assistant itself).
pub(super) fn names_customer(kind: IntentKind) -> bool {
    use IntentKind as K;
    !matches!(
        kind,
        K::UpdateStock
            | K::CheckStock
            | K::SwitchLanguage
            | K::DailySummary
            | K::TotalPending
            | K::ListBalances
            | K::AddItems
            | K::ToggleGst
            | K::AddDiscount
            | K::Unknown
    )
}
