//! Number words and digits folded into numeric tokens.
//!
//! Shopkeepers say amounts the Hindi way ("paanch sau", "dedh hazaar", "sadhe teen sau",
//! "do lakh pachaas hazaar"), the English way ("two thousand five hundred") or in digits
//! with Indian grouping. A run of such words becomes one token holding its value. Runs are
//! built the way they are spoken: small numbers add up only where speech does ("twenty
//! five", "paanch sau pachaas"), so "nau aath saat" stays three digits of a phone number
//! and "500 300" two amounts. Two words are numbers only in context: "do" is also "give"
//! ("bhej do") and "saath" also "with" ("Ramesh ke saath").

use super::lexicon;
use super::normalize::Tok;

/// A word's value and kind.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    /// 0–99, from digits (`word` false) or a word.
    Value { v: f64, word: bool },
    /// sau / hundred.
    Hundred,
    /// hazaar, lakh, crore and their English kin.
    Big(f64),
    /// dedh, dhai, aadha: a whole value that can be multiplied.
    Fraction(f64),
    /// sadhe, sawa, paune: change the number that follows.
    Modifier(f64),
}

fn word_value(w: &str) -> Option<f64> {
    Some(match w {
        "zero" | "shunya" | "sunya" => 0.0,
        "ek" | "one" => 1.0,
        "do" | "two" => 2.0,
        "teen" | "three" => 3.0,
        "char" | "chaar" | "four" => 4.0,
        "paanch" | "panch" | "paach" | "five" => 5.0,
        "chhe" | "chhah" | "chah" | "che" | "six" => 6.0,
        "saat" | "seven" => 7.0,
        "aath" | "ath" | "eight" => 8.0,
        "nau" | "nine" => 9.0,
        "das" | "ten" => 10.0,
        "gyarah" | "gyara" | "eleven" => 11.0,
        "barah" | "baarah" | "bara" | "twelve" => 12.0,
        "terah" | "tera" | "thirteen" => 13.0,
        "chaudah" | "chauda" | "fourteen" => 14.0,
        "pandrah" | "pandra" | "fifteen" => 15.0,
        "solah" | "sola" | "sixteen" => 16.0,
        "satrah" | "satra" | "seventeen" => 17.0,
        "atharah" | "athara" | "eighteen" => 18.0,
        "unnees" | "unnis" | "nineteen" => 19.0,
        "bees" | "twenty" => 20.0,
        "pachees" | "pachis" | "pachchis" => 25.0,
        "tees" | "thirty" => 30.0,
        "chalees" | "chalis" | "chaalis" | "forty" => 40.0,
        "pachaas" | "pachas" | "fifty" => 50.0,
        "saath" | "sixty" => 60.0,
        "sattar" | "seventy" => 70.0,
        "assi" | "eighty" => 80.0,
        "nabbe" | "nabbay" | "ninety" => 90.0,
        _ => return None,
    })
}

fn kind_of(w: &str) -> Option<Kind> {
    if let Some(v) = word_value(w) {
        return Some(Kind::Value { v, word: true });
    }
    Some(match w {
        "sau" | "hundred" => Kind::Hundred,
        "hazaar" | "hazar" | "hajar" | "hajaar" | "hazzar" | "thousand" | "k" => Kind::Big(1e3),
        "lakh" | "lac" | "lakhs" | "laakh" => Kind::Big(1e5),
        "million" => Kind::Big(1e6),
        "crore" | "crores" | "karod" | "karor" | "karodh" => Kind::Big(1e7),
        "dedh" | "derh" | "dedha" => Kind::Fraction(1.5),
        "dhai" | "dhaai" | "adhai" | "arhai" => Kind::Fraction(2.5),
        "aadha" | "adha" | "half" => Kind::Fraction(0.5),
        "sadhe" | "saadhe" | "sade" | "saade" => Kind::Modifier(0.5),
        "sawa" | "sava" | "savaa" => Kind::Modifier(0.25),
        "paune" | "pone" | "paone" => Kind::Modifier(-0.25),
        _ => return None,
    })
}

/// Whether a word is a number word anywhere (names and products are never one).
pub(super) fn is_number_word(w: &str) -> bool {
    kind_of(w).is_some()
}

/// Words after which "do" is the verb "give/do" ("bhej do"), not the number two.
const VERBS_BEFORE_DO: &[&str] = &[
    "kar", "bana", "likh", "bhej", "de", "dikha", "bata", "hata", "jod", "laga", "rakh", "dal",
    "daal", "chhod", "mila", "bol", "kam", "jama", "cancel", "confirm", "delete", "add", "update",
    "final", "bhi", "discount", "dila", "sun", "khol", "mita", "ruk", "rehne", "rahne", "send",
];
/// Words after which "do" is still the verb even with something following ("do na").
const AFTER_VERB_DO: &[&str] = &[
    "na", "ji", "please", "bhai", "yaar", "jaldi", "abhi", "aur", "i", "we", "you", "they", "not",
];

fn kind_at(toks: &[Tok], i: usize) -> Option<Kind> {
    let t = &toks[i];
    let prev = i.checked_sub(1).map(|p| toks[p].text.as_str());
    let next = toks.get(i + 1).map(|t| t.text.as_str());
    if let Some(v) = digits_value(&t.text) {
        return Some(Kind::Value { v, word: false });
    }
    let quantity_next = next.is_some_and(|n| {
        kind_of(n).is_some_and(|k| !matches!(k, Kind::Value { .. }))
            || lexicon::unit(n).is_some()
            || lexicon::is_currency(n)
    });
    match t.text.as_str() {
        "do" => {
            let verb_before = prev.is_some_and(|p| VERBS_BEFORE_DO.contains(&p));
            let something_after = next.is_some_and(|n| !AFTER_VERB_DO.contains(&n));
            (quantity_next || (something_after && !verb_before)).then_some(())?;
        }
        "saath" => {
            let after_hundreds = prev.is_some_and(|p| matches!(kind_of(p), Some(Kind::Hundred)));
            (quantity_next || after_hundreds).then_some(())?;
        }
        // "k" is a thousand only right after a number ("5k").
        "k" => {
            prev.and_then(digits_value)?;
        }
        _ => {}
    };
    kind_of(&t.text)
}

/// The value of a digit string such as "2500" or "2.5"; too long a string is no number.
fn digits_value(s: &str) -> Option<f64> {
    let plain = !s.is_empty()
        && s.len() <= 15
        && s.starts_with(|c: char| c.is_ascii_digit())
        && s.ends_with(|c: char| c.is_ascii_digit())
        && s.chars().all(|c| c.is_ascii_digit() || c == '.');
    if plain { s.parse().ok() } else { None }
}

/// Reads one number starting at `start`: its value, where it ends (exclusive), and whether
/// it is "pure" (plain digits or number words, no multiplier or fraction).
fn read(toks: &[Tok], start: usize) -> Option<(f64, usize, bool)> {
    let mut total = 0.0;
    let mut cur: Option<f64> = None;
    let mut last: Option<Kind> = None;
    let mut big = f64::INFINITY;
    let mut modifier: Option<f64> = None;
    let mut pure = true;
    let mut end = start;
    let mut i = start;
    while i < toks.len() {
        let Some(k) = kind_at(toks, i) else { break };
        match k {
            Kind::Value { v, word } => {
                if let Some(c) = cur {
                    // Only the additions speech makes: "twenty five", "paanch sau pachaas".
                    let after_tens = matches!(last, Some(Kind::Value { v: t, word: true })
                        if t >= 20.0 && t % 10.0 == 0.0)
                        && word
                        && v < 10.0;
                    let after_hundred = last == Some(Kind::Hundred) && v < 100.0;
                    if !(after_tens || after_hundred) {
                        break;
                    }
                    cur = Some(c + v);
                } else {
                    if total > 0.0 && v >= big {
                        break;
                    }
                    cur = Some(v + modifier.take().unwrap_or(0.0));
                }
            }
            Kind::Hundred => {
                let c = cur.unwrap_or(1.0 + modifier.take().unwrap_or(0.0));
                if c >= 100.0 {
                    break;
                }
                cur = Some(c * 100.0);
                pure = false;
            }
            Kind::Big(m) => {
                if m >= big {
                    break;
                }
                let c = cur.take().unwrap_or(1.0 + modifier.take().unwrap_or(0.0));
                total += c * m;
                big = m;
                pure = false;
            }
            Kind::Fraction(f) => {
                if cur.is_some() || modifier.is_some() {
                    break;
                }
                cur = Some(f);
                pure = false;
            }
            Kind::Modifier(m) => {
                if cur.is_some() || modifier.is_some() {
                    break;
                }
                modifier = Some(m);
                pure = false;
                last = Some(k);
                i += 1;
                // Not `end`: a modifier with nothing after it is not part of the number.
                continue;
            }
        }
        last = Some(k);
        i += 1;
        end = i;
    }
    (end > start).then(|| (total + cur.unwrap_or(0.0), end, pure))
}

/// Folds every run of number words and digits into one token holding its value.
pub(super) fn merge(toks: Vec<Tok>) -> Vec<Tok> {
    let mut out = Vec::with_capacity(toks.len());
    let mut i = 0;
    while i < toks.len() {
        let Some((v, end, pure)) = read(&toks, i) else {
            out.push(toks[i].clone());
            i += 1;
            continue;
        };
        let run = &toks[i..end];
        let orig = run.iter().map(|t| t.orig.as_str()).collect::<Vec<_>>();
        // A typed digit string keeps its own text ("07" in a GSTIN, leading zeros).
        let text = match run {
            [one] if digits_value(&one.text).is_some() => one.text.clone(),
            _ => format_value(v),
        };
        out.push(Tok {
            digits: pure && v.fract() == 0.0,
            text,
            orig: orig.join(" "),
            num: Some(v),
        });
        i = end;
    }
    out
}

fn format_value(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}
