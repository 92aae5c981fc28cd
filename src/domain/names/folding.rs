//! Folding names to phonetic keys, and splitting a query into name and landmark words.
//!
//! This is the text side of `names`: it turns what was typed or transcribed into folded
//! words and knows nothing of candidates or scores. It is kept apart from scoring because
//! it has a second reader: `fold` is also the key written to the database (`name_folded`,
//! `nicknames_folded`) and searched there with pg_trgm, so changing a rule here changes
//! stored keys too, and rows written earlier keep their old ones.

use std::{collections::HashSet, sync::LazyLock};

/// Honorifics, kinship terms and Hinglish fillers that never identify a customer. They are
/// compared after folding, so spelling variants ("bhaiyaa", "jee") are caught too. Besides
/// the obvious ones: "anna"/"akka" (South Indian brother/sister), postpositions and verbs
/// that leak in from a sentence ("me", "mein", "ne", "hai"), and words that only label the
/// query ("naam", "name", "khata", "account").
pub const STOP_WORDS: &[&str] = &[
    "bhai", "bhaiya", "bhaiyya", "bhaiyaa", "bhaisaab", "ji", "jee", "sahab", "saab", "sir",
    "madam", "maam", "didi", "behen", "behan", "bhabhi", "uncle", "aunty", "auntie", "chacha",
    "chachi", "mama", "mami", "mausi", "anna", "akka", "ka", "ki", "ke", "ko", "se", "me", "mein",
    "ne", "hai", "wala", "wali", "wale", "waale", "waala", "waali", "mr", "mrs", "ms", "miss",
    "dr", "shri", "shree", "sri", "smt", "shrimati", "customer", "naam", "name", "khata",
    "account",
];

/// A customer query split into what names the person and what says where they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedQuery {
    /// Folded words of the name, honorifics and fillers removed.
    pub name_tokens: Vec<String>,
    /// Folded words that named a landmark ("ATM" in "Bharat ATM wala").
    pub landmark_tokens: Vec<String>,
    /// The query as given, for logs and follow-up questions.
    pub raw: String,
}

/// Words this long or longer lose a final 'a' after a consonant (see `drop_trailing_a`).
const TRAILING_A_MIN_LEN: usize = 6;

/// Folds a name or query to its phonetic key (see the module doc). Words are folded
/// repeatedly until nothing changes, which makes the result idempotent by construction.
pub fn fold(s: &str) -> String {
    clean(s)
        .split_whitespace()
        .map(fold_word)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Lowercases, strips Latin diacritics and combining marks, and turns punctuation into
/// spaces. Apostrophes vanish instead, so "D'Souza" stays one word.
fn clean(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().flat_map(char::to_lowercase) {
        match c {
            '\'' | '\u{2019}' | '\u{300}'..='\u{36f}' => {}
            c if c.is_ascii_alphanumeric() => out.push(c),
            c => match strip_diacritic(c) {
                Some(base) => out.push(base),
                // Devanagari signs such as the virama are not "alphabetic" but are part of words.
                None if c.is_alphanumeric() || ('\u{900}'..='\u{97f}').contains(&c) => out.push(c),
                None => out.push(' '),
            },
        }
    }
    out
}

/// Base letters of the precomposed characters seen in romanised Indian names (IAST etc.).
fn strip_diacritic(c: char) -> Option<char> {
    Some(match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => 'a',
        'ç' | 'ć' | 'č' => 'c',
        'ḍ' | 'ď' => 'd',
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ė' | 'ę' => 'e',
        'ḥ' => 'h',
        'ì' | 'í' | 'î' | 'ï' | 'ī' | 'į' => 'i',
        'ḷ' => 'l',
        'ṁ' | 'ṃ' => 'm',
        'ñ' | 'ń' | 'ṅ' | 'ṇ' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' => 'o',
        'ṛ' | 'ṝ' | 'ř' => 'r',
        'ś' | 'ş' | 'š' | 'ṣ' => 's',
        'ṭ' | 'ť' => 't',
        'ù' | 'ú' | 'û' | 'ü' | 'ū' => 'u',
        'ý' | 'ÿ' => 'y',
        'ź' | 'ż' | 'ž' => 'z',
        _ => return None,
    })
}

fn fold_word(word: &str) -> String {
    let mut current: Vec<char> = word.chars().collect();
    // After the first pass every change shortens the word, so this bound is never reached.
    for _ in 0..=current.len() {
        let next = fold_pass(&current);
        if next == current {
            break;
        }
        current = next;
    }
    current.into_iter().collect()
}

fn fold_pass(word: &[char]) -> Vec<char> {
    let mapped: Vec<char> = word
        .iter()
        .map(|&c| match c {
            'w' => 'v',
            'z' => 'j',
            'q' => 'k',
            c => c,
        })
        .collect();
    drop_trailing_a(collapse_doubles(fold_long_vowels(drop_aspirates(&mapped))))
}

/// kh→k, gh→g, jh→j, th→t, dh→d, ph→p, bh→b, sh→s, chh→ch ("ch" itself is kept: it is a
/// distinct sound from "c", which Indian spellings hardly use alone).
fn drop_aspirates(w: &[char]) -> Vec<char> {
    let mut out = Vec::with_capacity(w.len());
    let mut i = 0;
    while i < w.len() {
        let next = w.get(i + 1).copied();
        if w[i] == 'c' && next == Some('h') && w.get(i + 2) == Some(&'h') {
            out.extend(['c', 'h']);
            i += 3;
        } else if "kgjtdpbs".contains(w[i]) && next == Some('h') {
            out.push(w[i]);
            i += 2;
        } else {
            out.push(w[i]);
            i += 1;
        }
    }
    out
}

/// ee→i and oo→u; aa, ii and uu are handled by `collapse_doubles`. "ai" stays.
fn fold_long_vowels(w: Vec<char>) -> Vec<char> {
    let mut out: Vec<char> = Vec::with_capacity(w.len());
    for c in w {
        match out.last_mut() {
            Some(last) if *last == 'e' && c == 'e' => *last = 'i',
            Some(last) if *last == 'o' && c == 'o' => *last = 'u',
            _ => out.push(c),
        }
    }
    out
}

fn collapse_doubles(mut w: Vec<char>) -> Vec<char> {
    w.dedup_by(|a, b| a == b && a.is_alphabetic());
    w
}

/// Drops a final 'a' after a consonant in words of six or more letters: long Sanskritised
/// spellings add it ("Ramesha", "Mahesha" = "Ramesh", "Mahesh"), while in shorter names the
/// final vowel is usually real and distinguishes ("Sita", "Sila", "Rekha", "Sharma" keep it).
fn drop_trailing_a(mut w: Vec<char>) -> Vec<char> {
    let n = w.len();
    if n >= TRAILING_A_MIN_LEN && w[n - 1] == 'a' && is_consonant(w[n - 2]) {
        w.pop();
    }
    w
}

fn is_consonant(c: char) -> bool {
    c.is_ascii_alphabetic() && !"aeiou".contains(c)
}

/// The stop words folded once, as queries and stored names are compared in folded form.
static FOLDED_STOP_WORDS: LazyLock<HashSet<String>> =
    LazyLock::new(|| STOP_WORDS.iter().map(|s| fold(s)).collect());

pub(super) fn is_stop_word(folded: &str) -> bool {
    FOLDED_STOP_WORDS.contains(folded)
}

/// "wala", "wale", "waale", "wali" after folding.
fn is_wala(folded: &str) -> bool {
    matches!(folded, "vala" | "vale" | "vali")
}

/// Splits a query into name and landmark tokens. The word just before a "wala" is a
/// landmark ("Bharat ATM wala", "paan wale Ramesh") unless it is the only thing that could
/// be the name ("Ramesh wala"). Only that one word is taken, so in "Bharat railway station
/// wala" "railway" stays in the name: a known limitation the trigram score absorbs.
pub fn parse_query(q: &str) -> ParsedQuery {
    let words: Vec<String> = fold(q).split_whitespace().map(str::to_string).collect();
    let mut kept: Vec<(String, bool)> = Vec::new();
    for (i, word) in words.iter().enumerate() {
        if is_wala(word) {
            let name_follows = words[i + 1..].iter().any(|w| !is_stop_word(w));
            let not_first = kept.len() > 1;
            if let Some(last) = kept.last_mut()
                && (not_first || name_follows)
            {
                last.1 = true;
            }
        } else if !is_stop_word(word) {
            kept.push((word.clone(), false));
        }
    }
    let (landmarks, names): (Vec<_>, Vec<_>) = kept.into_iter().partition(|(_, lm)| *lm);
    ParsedQuery {
        name_tokens: names.into_iter().map(|(w, _)| w).collect(),
        landmark_tokens: landmarks.into_iter().map(|(w, _)| w).collect(),
        raw: q.to_string(),
    }
}
