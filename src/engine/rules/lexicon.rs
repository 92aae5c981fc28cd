//! The word lists the parser reads by: units, payment modes, particles, honorifics and the
//! words that can never be a customer's name or a product.
//!
//! Everything here is compared after normalisation (lower case, Roman script), so each
//! list carries the spellings speech-to-text actually produces ("udhaar", "udhar").
//! Keeping the lists in one place lets the name and product readers agree on what is a
//! "content word": anything not listed here, not a number and not a time word.

use super::normalize::Tok;
use crate::engine::intent::PaymentMode;

/// The unit as said, normalised to the names `ItemEntity::unit` documents.
pub(super) fn unit(w: &str) -> Option<&'static str> {
    Some(match w {
        "kilo" | "kg" | "kgs" | "kilogram" | "kilograms" | "kilos" => "kg",
        "gram" | "grams" | "gm" | "gms" | "g" | "gramme" => "g",
        "litre" | "liter" | "litres" | "liters" | "ltr" | "l" | "lit" => "litre",
        "ml" => "ml",
        "packet" | "packets" | "pack" | "packs" | "pkt" | "paket" | "packat" | "pakit" => "packet",
        "bori" | "bora" | "boriya" | "boriyan" | "sack" | "sacks" | "katta" | "katte" => "bori",
        "piece" | "pieces" | "pc" | "pcs" | "nag" => "piece",
        "dozen" | "darjan" | "darjen" => "dozen",
        "box" | "boxes" | "dabba" | "dibba" | "dabbe" | "dibbe" => "box",
        "bottle" | "bottles" | "botal" | "bottal" => "bottle",
        "bag" | "bags" | "thaila" | "thaili" => "bag",
        _ => return None,
    })
}

/// How a payment was made, from the word that says so.
pub(super) fn mode(w: &str) -> Option<PaymentMode> {
    Some(match w {
        "cash" | "nakad" | "nagad" | "naqad" | "nakd" | "kash" => PaymentMode::Cash,
        "upi" | "gpay" | "googlepay" | "phonepe" | "paytm" | "online" | "bhim" | "qr" => {
            PaymentMode::Upi
        }
        "card" | "debit" | "swipe" => PaymentMode::Card,
        "bank" | "neft" | "rtgs" | "imps" | "transfer" | "cheque" => PaymentMode::Bank,
        _ => return None,
    })
}

#[rustfmt::skip]
const CURRENCY: &[&str] = &[
    "rs", "rupaye", "rupay", "rupaya", "rupiya", "rupaiya", "rupaiye", "rupee", "rupees", "rupye",
    "rupya", "rupe", "inr",
];

pub(super) fn is_currency(w: &str) -> bool {
    CURRENCY.contains(&w)
}

#[rustfmt::skip]
const PERCENT: &[&str] = &[
    "percent", "pratishat", "pratisat", "pct", "percentage",
];

pub(super) fn is_percent(w: &str) -> bool {
    PERCENT.contains(&w)
}

/// Postpositions that follow a name in Hinglish ("Ramesh ko", "Bharat ka", "Rahul ke liye").
#[rustfmt::skip]
const PARTICLES: &[&str] = &[
    "ko", "ka", "ki", "ke", "ne", "se", "wala", "wale", "wali", "waala", "waale",
];

pub(super) fn is_particle(w: &str) -> bool {
    PARTICLES.contains(&w)
}

#[rustfmt::skip]
const HONORIFICS: &[&str] = &[
    "bhai", "bhaiya", "bhaiyya", "bhaisaab", "ji", "jee", "sahab", "saab", "sahib", "didi",
    "uncle", "aunty", "auntie", "seth", "sethji", "sir", "madam", "bhabhi", "chacha", "chachi",
    "babu", "behen", "behan", "mr", "mrs", "shri", "shree", "smt",
];

pub(super) fn is_honorific(w: &str) -> bool {
    HONORIFICS.contains(&w)
}

/// Pronouns for the customer the conversation is about ("uska", "usne", "his").
#[rustfmt::skip]
const ACTIVE: &[&str] = &[
    "uska", "iska", "unka", "inka", "usi", "isi", "uski", "iski", "unki", "inki", "uske", "iske",
    "unke", "inke", "usko", "isko", "unko", "inko", "unhe", "inhe", "usne", "isne", "unhone",
    "inhone", "usse", "isse", "his", "him", "her",
];

pub(super) fn is_active_pronoun(w: &str) -> bool {
    ACTIVE.contains(&w)
}

/// Words for time in a reminder ("kal", "baje", "har", "minute").
#[rustfmt::skip]
const TIME: &[&str] = &[
    "kal", "aaj", "parso", "parson", "tomorrow", "today", "tonight", "daily", "roz", "rozana",
    "roj", "har", "every", "baje", "bje", "am", "pm", "minute", "minutes", "min", "mins", "ghante",
    "ghanta", "hour", "hours", "din", "day", "days", "hafte", "hafta", "week", "weeks", "mahine",
    "mahina", "month", "months", "tareekh", "tarikh", "tareek", "date", "subah", "shaam", "sham",
    "raat", "dopahar", "morning", "evening", "night", "baad", "after", "later", "next", "agle",
    // Weekdays ("har somvar", read by `domain::schedule`): no weekday is a name or a
    // product.
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "somvar",
    "somwar", "mangalvar", "mangalwar", "budhvar", "budhwar", "guruvar", "guruwar", "shukravar",
    "shukrawar", "shanivar", "shaniwar", "ravivar", "raviwar", "itwar", "itvar",
];

pub(super) fn is_time_word(w: &str) -> bool {
    TIME.contains(&w)
}

/// "sab", "saare", "all": the intent applies to every draft or reminder.
#[rustfmt::skip]
pub(super) const ALL_WORDS: &[&str] = &[
    "sab", "sabhi", "saare", "sare", "saari", "sari", "sabka", "sabke", "sabki", "all", "everyone",
    "everybody",
];

/// Words that are neither a name nor a product: verbs, cue nouns and fillers of both
/// languages. Particles, honorifics, units, modes, currency, number and time words are
/// checked by their own functions.
#[rustfmt::skip]
const STOP: &[&str] = &[
    // Hindi verbs and their forms
    "karo", "kar", "kardo", "karna", "karke", "kijiye", "karen", "do", "de", "dedo", "diya",
    "diye", "di", "dena", "dijiye", "likho", "likh", "likhdo", "likhna", "likha", "banao", "bana",
    "banado", "banaiye", "banana", "bhejo", "bhej", "bhejdo", "bhejna", "dikhao", "dikha",
    "dikhado", "batao", "bata", "batado", "bataiye", "jodo", "jod", "jodna", "daalo", "daal",
    "dalo", "dal", "hatao", "hata", "hatado", "lagao", "laga", "lagado", "badlo", "badal", "rakho",
    "rakh", "bolo", "bol", "boliye", "chahiye", "hai", "hain", "tha", "thi", "ho", "hua", "hui",
    "gaya", "gayi", "gaye", "aaya", "aayi", "aaye", "aa", "mila", "mile", "mili", "mil", "jama",
    "chuka", "chukaya", "kiya", "kiye", "lo", "le", "lena", "lene", "dene", "liya", "bacha", "bachi", "bache",
    "dila", "dilana", "dilao", "dilado", "yaad", "kholo", "khol", "mitao", "mita", "ruk", "ruko",
    "jao", "rehne", "mat", "kam", "kamao", "becha", "bikri", "bika",
    // Hindi cue nouns, pronouns and fillers
    "bill", "bil", "invoice", "draft", "parchi", "udhaar", "udhar", "udhari", "balance", "baki",
    "baaki", "bakaya", "hisaab", "hisab", "payment", "paisa", "paise", "reminder", "reminders",
    "stock", "maal", "data", "number", "phone", "mobile", "email", "mail", "gst", "gstin",
    "discount", "chhoot", "total", "kul", "customer", "grahak", "naya", "nayi", "naye", "jankari",
    "jaankari", "details", "detail", "info", "khata", "khate", "khaate", "naam", "pata", "aur",
    "bhi", "na", "to", "toh", "ab", "abhi", "jaldi", "zara", "jara", "yaar", "mera", "meri",
    "mere", "mujhe", "hum", "humne", "main", "mai", "aap", "aapka", "tum", "kya", "kitna", "kitni",
    "kitne", "kaun", "kab", "wo", "woh", "ye", "yeh", "mein", "me", "par", "pe", "liye", "tak",
    "haan", "nahi", "nahin", "theek", "thik", "bilkul", "pakka", "final", "sab", "sabka", "saare",
    "sare", "sabhi", "sari", "saari", "bina", "saath", "wapas", "pichla", "pichle", "bhugtan",
    "pending", "hindi", "english", "angrezi", "sirf", "bas", "ek", "aadmi",
    // Languages and the words said about them ("Ramesh ko Hinglish mein message bhejna")
    "hinglish", "angreji", "inglish", "bhasha", "language", "messages", "msgs", "sandesh",
    "reply", "speak", "talk", "baat", "prefer", "prefers", "preferred", "bhejiye", "bhejen",
    "samajhta", "samajhti", "samajhte", "padhta", "padhti", "padhte", "understands", "reads",
    "sending", "sent", "should", "must", "shall", "jawab", "javab",
    // English verbs and fillers
    "the", "a", "an", "is", "are", "was", "of", "for", "from", "with", "and", "please", "my", "i",
    "we", "you", "add", "create", "make", "send", "show", "check", "list", "what", "how", "much",
    "many", "left", "give", "given", "received", "paid", "pay", "got", "remind", "set", "update",
    "change", "delete", "remove", "cancel", "confirm", "new", "in", "on", "at", "it", "this",
    "that", "credit", "due", "dues", "owes", "owe", "summary", "sales", "sale", "stop", "done",
    "ok", "okay", "yes", "no", "tell", "me", "about", "all", "by", "its", "have", "has", "do",
    "did", "does", "off", "percent", "today", "its", "same", "previous", "last",
    // Question words and quantifiers: "who owes me", "kis kis ka baaki" name nobody
    "who", "whom", "whose", "which", "when", "where", "why", "kis", "kisne", "kisko", "kiska",
    "kiski", "kiske", "kaunsa", "kaunse", "konsa", "kon", "koi", "kuch", "sabse", "zyada",
    "anyone", "someone", "everyone", "any", "still", "money", "people", "log", "logon", "walon",
    // Verbs, nouns and fillers of the phrasings shops use for goods, credit and accounts
    "took", "take", "taken", "gave", "bought", "buy", "sold", "sell", "put", "write", "note",
    "mark", "keep", "goods", "worth", "tab", "against", "account", "amount", "items", "item",
    "saaman", "saamaan", "samaan", "saman", "cheez", "liya", "liye", "dega", "degi", "denge",
    "baare", "bare", "baad", "pehle", "phir", "fir", "hua", "hue", "raha", "rahi", "rahe",
    "hoga", "thoda", "bahut", "poora", "pura", "puri", "saara", "chadha", "chadhao",
    "kaat", "kaato", "kato", "settled", "settle", "will", "can", "be", "there", "here", "now",
    "also", "too", "just", "only", "not", "again", "tell", "want", "need", "khaata", "khaate",
    "nikalta", "hisaab", "kholo", "profile", "sunao", "padh", "issue", "raise", "named",
    "reminding", "register", "as", "rakha", "rakhi", "rakhe", "rakhna", "jinka", "jinke",
    "jinki", "jisne", "jiska", "jiske", "yet", "fasa", "fase", "phansa", "stuck", "outside",
    "bahar", "kisi", "kisiko", "kisika", "kisike", "kisiki", "most", "hasnt", "havent", "didnt",
    "doesnt", "isnt", "wont", "anybody", "nobody", "everybody", "sabse", "wants", "wanted",
    "ping", "billing", "down", "dobara", "galat", "kholna", "kholni", "anymore", "dont", "ordered", "order", "chalo", "aana", "aane", "jin", "dijiye", "kijiye",
    "lijiye", "acha", "accha", "achha", "arre", "suno", "suniye", "dekho",
    "hello", "yes", "haanji", "utra", "utre", "pada", "padi", "bhejte", "raho", "message",
];

pub(super) fn is_stop(w: &str) -> bool {
    STOP.contains(&w)
}

/// A word that could be part of a name or a product: Roman letters, not a listed word.
pub(super) fn is_content(t: &Tok) -> bool {
    let w = t.text.as_str();
    t.num.is_none()
        && w.len() >= 2
        && w.bytes().all(|b| b.is_ascii_lowercase())
        && !is_stop(w)
        && !super::cues::is_cue(w)
        && !is_particle(w)
        && !is_honorific(w)
        && !is_active_pronoun(w)
        && !is_currency(w)
        && !is_time_word(w)
        && !is_percent(w)
        && unit(w).is_none()
        && mode(w).is_none()
        && !super::numbers::is_number_word(w)
}

pub(super) fn has_any(toks: &[Tok], words: &[&str]) -> bool {
    toks.iter().any(|t| words.contains(&t.text.as_str()))
}

/// Whether the words of `phrase` occur one after another.
pub(super) fn has_phrase(toks: &[Tok], phrase: &str) -> bool {
    let want: Vec<&str> = phrase.split(' ').collect();
    toks.windows(want.len())
        .any(|w| w.iter().zip(&want).all(|(t, p)| t.text == *p))
}

#[rustfmt::skip]
const YES: &[&str] = &[
    "ji haan", "haan ji", "haanji", "haan", "han", "ha", "haa", "hā", "bilkul", "ok", "okay",
    "okk", "yes", "yeah", "yep", "sure", "theek hai", "thik hai", "theek", "thik", "sahi hai",
    "kar do", "kardo", "karo", "confirm", "confirmed", "confirm karo", "done", "pakka", "chalega",
    "go ahead", "ho jaye",
];
#[rustfmt::skip]
const NO: &[&str] = &[
    "nahi", "nahin", "nai", "na", "naa", "no", "nope", "mat karo", "mat", "cancel", "cancel karo",
    "ruk jao", "ruko", "rehne do", "rahne do", "chhodo", "chodo", "nahi chahiye", "galat", "wait",
    "stop", "mat kar", "mat karna", "mat kijiye", "mat karo ji", "nahi karna", "abhi nahi",
    "ruk", "ruko ruko", "rukiye", "ruk jaiye", "hold", "hold on", "dont", "do not",
    "leave it", "chhod do", "chod do", "not now", "na na", "nahi nahi", "galat hai", "rehne dijiye",
];
const FILLERS: &[&str] = &[
    "ji", "bhai", "please", "sir", "yaar", "boss", "bhaiya", "sahab", "abhi",
];

/// Reads a whole answer as yes or no. Every word must belong to a yes or no phrase (or be
/// a filler such as "ji"), otherwise the answer is a new request; when both kinds occur
/// the first decides ("nahi, cancel kar do" is no, "haan cancel kar do" is yes).
pub(super) fn yes_or_no(words: &[String]) -> Option<bool> {
    let mut first = None;
    let mut i = 0;
    while i < words.len() {
        if FILLERS.contains(&words[i].as_str()) {
            i += 1;
            continue;
        }
        let (len, yes) = longest_phrase(&words[i..])?;
        first.get_or_insert(yes);
        i += len;
    }
    first
}

fn longest_phrase(words: &[String]) -> Option<(usize, bool)> {
    let mut best: Option<(usize, bool)> = None;
    for (list, yes) in [(YES, true), (NO, false)] {
        for phrase in list {
            let n = phrase.split(' ').count();
            let fits = words.len() >= n && phrase.split(' ').zip(words).all(|(p, w)| p == w);
            if fits && best.is_none_or(|(len, _)| n > len) {
                best = Some((n, yes));
            }
        }
    }
    best
}
