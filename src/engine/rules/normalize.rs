//! From raw text to lower-case Roman words.
//!
//! Transcripts arrive in Roman Hinglish, English, Devanagari or a mix, with punctuation
//! and symbols ("₹2,500", "5%", "Ramesh's"). This step makes one shape of them: Devanagari
//! digits become ASCII, Devanagari words go through a small map of the words the parser
//! acts on and otherwise a letter-by-letter transliteration (so a name in Devanagari still
//! comes out as a Roman name), punctuation separates words except where it is part of a
//! number ("2,500", "2.5") or an email, and symbols become words ("₹" → "rs").

/// One word of an utterance. Numbers are folded in later by `numbers::merge`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Tok {
    /// Lower case, Roman script; for a number, its digits.
    pub text: String,
    /// As written, for keeping a name's capitalisation.
    pub orig: String,
    /// The value when this token is a number.
    pub num: Option<f64>,
    /// A plain digit string or a single digit said as a word: part of a phone number maybe.
    pub digits: bool,
}

impl Tok {
    pub fn word(text: &str, orig: &str) -> Self {
        Self {
            text: text.to_string(),
            orig: orig.to_string(),
            num: None,
            digits: false,
        }
    }
}

/// Utterances are a sentence or two; anything longer is cut so that no input, however
/// large, makes the parser slow.
const MAX_CHARS: usize = 2_000;

pub(super) fn words(text: &str) -> Vec<Tok> {
    let capped: String = text.chars().take(MAX_CHARS).collect();
    let mut out = Vec::new();
    for raw in capped.split_whitespace() {
        if raw == "+" || raw == "&" {
            out.push(Tok::word("aur", raw));
        } else if raw.contains('@') {
            let email: String = raw
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || "@._-+".contains(*c))
                .collect::<String>()
                .to_ascii_lowercase();
            let email = email.trim_matches(|c| c == '.' || c == '-');
            if email.len() > 2 {
                out.push(Tok::word(email, raw));
            }
        } else {
            split_word(raw, &mut out);
        }
    }
    out
}

fn split_word(raw: &str, out: &mut Vec<Tok>) {
    let chars: Vec<char> = raw.chars().map(ascii_digit).collect();
    let mut cur = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let prev = i.checked_sub(1).and_then(|p| chars.get(p)).copied();
        let next = chars.get(i + 1).copied();
        let digit = |o: Option<char>| o.is_some_and(|c| c.is_ascii_digit());
        let letter = |o: Option<char>| o.is_some_and(|c| c.is_ascii_alphabetic());
        match c {
            '.' if digit(prev) && digit(next) => cur.push('.'),
            // Indian grouping, "2,50,000"
            ',' if digit(prev) && digit(next) => {}
            // "gmail.com" said or typed: read like the spoken "gmail dot com"
            '.' if letter(prev) && letter(next) => {
                flush(&mut cur, out);
                out.push(Tok::word("dot", "."));
            }
            '\'' | '\u{2019}' => {
                let ends = !chars.get(i + 2).is_some_and(|c| c.is_alphanumeric());
                if matches!(next, Some('s' | 'S')) && ends {
                    // "Ramesh's balance" reads as "Ramesh ka balance"
                    flush(&mut cur, out);
                    out.push(Tok::word("ka", "'s"));
                    i += 1;
                }
            }
            '₹' => {
                flush(&mut cur, out);
                out.push(Tok::word("rs", "₹"));
            }
            '%' => {
                flush(&mut cur, out);
                out.push(Tok::word("percent", "%"));
            }
            c if c.is_alphanumeric() || is_devanagari_sign(c) => cur.push(c),
            _ => flush(&mut cur, out),
        }
        i += 1;
    }
    flush(&mut cur, out);
}

fn ascii_digit(c: char) -> char {
    match c {
        '\u{966}'..='\u{96F}' => char::from(b'0' + (c as u32 - 0x966) as u8),
        c => c,
    }
}

fn is_devanagari(c: char) -> bool {
    ('\u{900}'..='\u{97F}').contains(&c)
}

/// Vowel signs, the virama and the nukta are not alphanumeric but belong to the word.
fn is_devanagari_sign(c: char) -> bool {
    is_devanagari(c) && !matches!(c, '\u{964}' | '\u{965}' | '\u{970}')
}

/// Units and currency written against a number: "2kg", "500rs", "7pm", "5k".
const GLUED: &[&str] = &[
    "kg", "kgs", "g", "gm", "gms", "kilo", "l", "ltr", "ml", "rs", "k", "pm", "am", "pc", "pcs",
    "min", "mins", "baje", "lakh", "hazar", "hazaar",
];

fn flush(cur: &mut String, out: &mut Vec<Tok>) {
    if cur.is_empty() {
        return;
    }
    let piece = std::mem::take(cur);
    if piece.chars().any(is_devanagari) {
        let roman = super::devanagari::to_roman(&piece);
        if !roman.is_empty() {
            out.push(Tok::word(&roman, &piece));
        }
        return;
    }
    let lower = piece.to_lowercase();
    if let Some(at) = lower.find(|c: char| !c.is_ascii_digit() && c != '.') {
        let (n, s) = lower.split_at(at);
        if n.starts_with(|c: char| c.is_ascii_digit()) && GLUED.contains(&s) {
            out.push(Tok::word(n, n));
            out.push(Tok::word(s, s));
            return;
        }
    }
    if let Some(rest) = lower.strip_prefix("rs")
        && rest.starts_with(|c: char| c.is_ascii_digit())
        && rest.chars().all(|c| c.is_ascii_digit() || c == '.')
    {
        out.push(Tok::word("rs", "rs"));
        out.push(Tok::word(rest, rest));
        return;
    }
    out.push(Tok::word(&lower, &piece));
}
