//! The cue words that decide an intent, one list per cue.
//!
//! `classify` reads these to choose the intent; `lexicon::is_content` reads them too, so a
//! word that decides an intent ("band", "bhejo", "balance") is never taken for a customer's
//! name or a product. Lists hold the spellings speech-to-text produces in Hinglish and
//! English; Devanagari has already been transliterated to them.

#[rustfmt::skip]
pub(super) const BILL: &[&str] = &[
    "bill", "bills", "bil", "invoice", "invoices", "draft", "drafts", "parchi", "receipt",
];
#[rustfmt::skip]
pub(super) const CANCEL: &[&str] = &[
    "cancel", "radd", "hatao", "hata", "delete", "remove", "band", "khatam", "mitao", "stop",
    "discard", "rok", "roko",
    "scrap", "forget",
    "rehne", "rahne",
];
#[rustfmt::skip]
pub(super) const SEND: &[&str] = &[
    "bhejo", "bhej", "bhejdo", "bhejna", "send", "share", "whatsapp", "forward", "mail", "email",
    "sms", "message", "msg",
];
#[rustfmt::skip]
pub(super) const CONFIRM: &[&str] = &[
    "confirm", "pakka", "final", "finalize", "finalise", "done",
];
#[rustfmt::skip]
pub(super) const SHOW: &[&str] = &[
    "dikhao", "dikha", "dikhado", "show", "dekhna", "dekho", "open", "view", "batao", "bata",
    "pending", "kaunse", "konse",
    "dikhaiye", "dikhaye", "bataiye",
];
#[rustfmt::skip]
pub(super) const GST_OFF: &[&str] = &[
    "bina", "without", "hatao", "hata", "nahi", "nahin", "no", "remove", "off", "mat", "bagair",
    "exclude",
];
#[rustfmt::skip]
pub(super) const DISCOUNT: &[&str] = &[
    "discount", "chhoot", "chhut", "chut", "concession", "rebate",
    "off",
];
#[rustfmt::skip]
pub(super) const REMINDER: &[&str] = &[
    "reminder", "reminders", "remind", "yaad",
    "reminding",
];
#[rustfmt::skip]
pub(super) const LIST: &[&str] = &[
    "dikhao", "dikha", "list", "show", "batao", "bata", "kitne", "kaun", "konse", "kaunse",
    "which", "what", "all", "sab", "saare", "sare", "sabhi", "pending",
    "kiske", "kiska", "kis",
];
#[rustfmt::skip]
pub(super) const FIELDS: &[&str] = &[
    "number", "phone", "mobile", "email", "mail", "gstin", "address", "pata",
];
#[rustfmt::skip]
pub(super) const UPDATE: &[&str] = &[
    "update", "badlo", "badal", "change", "set", "save", "hai", "is", "likho", "add", "karo",
];
#[rustfmt::skip]
pub(super) const DELETE: &[&str] = &[
    "delete", "hatao", "hata", "mitao", "mita", "remove", "erase", "saaf", "clear",
    "forget",
];
#[rustfmt::skip]
pub(super) const DATA: &[&str] = &[
    "data", "record", "records", "details", "detail", "khata", "account", "customer", "jankari",
    "info", "profile",
    "everything", "list",
    "information",
];
#[rustfmt::skip]
pub(super) const TODAY: &[&str] = &[
    "aaj", "today", "todays", "daily", "din",
];
#[rustfmt::skip]
pub(super) const DAY_NOUNS: &[&str] = &[
    "hisaab", "hisab", "summary", "bikri", "sale", "sales", "kamai", "collection", "report",
    "business", "dhandha", "galla", "becha", "bika", "earning", "earnings",
    "dukaan", "dukan", "galle", "kamaya", "bechi", "bike", "dhandha",
];
#[rustfmt::skip]
pub(super) const STOCK: &[&str] = &[
    "stock", "maal", "inventory", "godown",
    "supplier",
];
#[rustfmt::skip]
pub(super) const STOCK_CHANGE: &[&str] = &[
    "update", "add", "badhao", "jodo", "daalo", "dalo", "set", "aaya", "aayi", "aaye", "kam",
    "ghatao", "increase", "decrease", "plus", "change",
    "diya", "diye", "bheja", "bheje",
];
#[rustfmt::skip]
pub(super) const LEFT: &[&str] = &[
    "bacha", "bachi", "bache", "left", "available", "remaining",
];
#[rustfmt::skip]
pub(super) const ARRIVE: &[&str] = &[
    "aaya", "aayi", "aaye", "aa", "arrived", "received", "aagaya",
    "utra", "utre", "utri", "delivered",
];
#[rustfmt::skip]
pub(super) const ADD_ITEMS: &[&str] = &[
    "jodo", "jod", "add", "daalo", "dalo", "daal", "dal", "aur", "also", "plus", "include", "more",
    "bhi",
    "extra",
];
#[rustfmt::skip]
pub(super) const PAY: &[&str] = &[
    "jama", "mila", "mile", "mili", "mil", "payment", "paid", "received", "receive", "got",
    "chuka", "chukaya", "chukta", "bhugtan", "wapas", "returned", "diya", "diye", "aaya", "aayi",
    "gaya",
    "aaye", "lauta", "lautaye", "cleared", "clear", "settled", "bhara", "bhar", "sent",
];
#[rustfmt::skip]
pub(super) const PAY_STRONG: &[&str] = &[
    "jama", "payment", "paid", "received", "chuka", "chukaya", "chukta", "bhugtan", "wapas",
    "returned",
    "cleared", "settled", "lautaye", "lauta",
];
#[rustfmt::skip]
pub(super) const CREDIT: &[&str] = &[
    "udhaar", "udhar", "udhari", "likho", "likh", "likhdo", "khate", "khaate", "add", "jodo",
    "jod", "chadha", "chadhao", "tab", "likhlo", "likhna", "rakh",
    "note", "write",
];
#[rustfmt::skip]
pub(super) const QUERY: &[&str] = &[
    "kitna", "kitni", "kitne", "how", "check", "batao", "bata", "bataiye", "dikhao", "dikha",
    "show", "what", "kya",
];
#[rustfmt::skip]
pub(super) const BALANCE: &[&str] = &[
    "balance", "balances", "baki", "baaki", "bakaya", "bakaaya", "hisaab", "hisab", "pending",
    "outstanding", "due", "dues", "owe", "owes", "lena", "lene",
    "dena", "owed", "receivable", "receivables", "khaata", "ledger", "statement",
    "nikalta", "nikalte",
];
#[rustfmt::skip]
pub(super) const TOTAL: &[&str] = &[
    "total", "kul", "overall", "poora", "pura", "milake", "market",
    "milakar", "milaakar",
];
#[rustfmt::skip]
pub(super) const EVERYONE: &[&str] = &[
    "sab", "sabka", "sabki", "sabke", "sabhi", "saare", "sare", "all", "everyone", "everybody",
    "list", "customers", "har", "every",
];
#[rustfmt::skip]
pub(super) const INFO: &[&str] = &[
    "jankari", "jaankari", "details", "detail", "info", "information", "profile",
    "baare", "bare",
    "record",
];

/// Every cue list: a word that decides an intent is never read as a name or a product.
pub(super) const CUES: &[&[&str]] = &[
    BILL,
    CANCEL,
    SEND,
    CONFIRM,
    SHOW,
    GST_OFF,
    DISCOUNT,
    REMINDER,
    LIST,
    FIELDS,
    UPDATE,
    DELETE,
    DATA,
    TODAY,
    DAY_NOUNS,
    STOCK,
    STOCK_CHANGE,
    LEFT,
    ARRIVE,
    ADD_ITEMS,
    PAY,
    CREDIT,
    QUERY,
    BALANCE,
    TOTAL,
    EVERYONE,
    INFO,
];

pub(super) fn is_cue(w: &str) -> bool {
    CUES.iter().any(|list| list.contains(&w))
}
