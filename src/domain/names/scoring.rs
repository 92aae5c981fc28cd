//! Scoring a stored customer against a parsed query: nicknames, trigrams, landmarks.
//!
//! The measure is pg_trgm's trigram similarity, reimplemented so the Rust re-ranking
//! agrees with the shortlist the database picked, plus a consonant-skeleton variant for
//! dropped vowels, the nickname table, and landmark evidence. It is kept apart from
//! folding, which only prepares text, and from `resolve`, which only reads the scores;
//! `resolve`'s thresholds assume the weights below, so change them together.

use std::collections::HashSet;

use super::{ParsedQuery, fold, folding::is_stop_word};

/// Nicknames (folded) and the full names (folded) they usually stand for: a starting table,
/// meant to grow from what shops actually say. Generic pet names with no usual full name
/// (pappu, bablu, munna, guddu, golu, bittu, bunty, pintu, rinku, babu, dabbu, chhotu) are
/// deliberately absent: expanding them would match arbitrary customers, and they are found
/// through the nicknames stored on each customer instead.
pub(super) const NICKNAMES: &[(&str, &[&str])] = &[
    ("raju", &["rajes", "rajendr", "rajkumar", "rahul"]),
    ("ramu", &["rames", "ram"]),
    ("sonu", &["sonal", "sonia", "saurab"]),
    ("monu", &["mohit", "manoj"]),
    ("suny", &["sunil"]),
    ("vicky", &["vikas", "vikram", "vivek"]),
    ("viki", &["vikas", "vikram", "vivek"]),
    ("sandy", &["sandip"]),
    ("dipu", &["dipak"]),
    ("mahi", &["mahes", "mahendr"]),
    ("suri", &["sures", "surendr"]),
    ("naru", &["narendr", "narayan"]),
    ("jitu", &["jitendr"]),
    ("dinu", &["dines"]),
    ("manu", &["manoj", "manis"]),
    ("anu", &["anuj", "anurag", "anurad"]),
    ("pinky", &["priyank"]),
    ("niki", &["nikil", "nikit"]),
    ("sanju", &["sanjay", "sanjiv"]),
    ("aju", &["ajay"]),
    ("viju", &["vijay"]),
    ("abi", &["abisek", "abinav", "abijit"]),
    ("adi", &["adity"]),
    ("asu", &["asok", "asutos", "asis"]),
    ("nandu", &["nandkisor", "nandan"]),
    ("jagu", &["jagdis", "jaganat"]),
    ("gopi", &["gopal"]),
    ("hari", &["haris", "hariprasad"]),
    ("lalu", &["lalit", "lalchand"]),
    ("chintu", &["chintan"]),
    ("kamu", &["kamal", "kamles"]),
    ("balu", &["balram", "balaji"]),
    ("venky", &["venkates"]),
    ("subu", &["subramanian", "subas"]),
    ("sid", &["sidart"]),
    ("gulu", &["gulsan"]),
    ("laxmi", &["laksmi"]),
];

/// Landmark agreement (or disagreement) moves a score by this much.
const LANDMARK_BONUS: f32 = 0.15;
/// A name reached only through the nickname table ranks just below a literal match, so
/// "Raju" prefers a customer actually called Raju but still finds Rajesh.
const EXPANSION_WEIGHT: f32 = 0.9;
/// Consonant skeletons match dropped vowels ("Rmesh"), but also confuse more names.
const SKELETON_WEIGHT: f32 = 0.8;
/// Matching only some words of a longer stored name ("Suresh" for "Suresh Kumar").
const PARTIAL_WEIGHT: f32 = 0.95;

/// Folded names a token may stand for: the full names of a nickname, and the nicknames of
/// a full name (so "Rajesh" also finds a customer stored as "Raju").
pub fn nickname_expansions(token: &str) -> Vec<&'static str> {
    let token = fold(token);
    let mut out: Vec<&'static str> = Vec::new();
    let mut add = |name: &'static str| {
        if name != token && !out.contains(&name) {
            out.push(name);
        }
    };
    for &(nick, fulls) in NICKNAMES {
        if nick == token {
            fulls.iter().for_each(|&full| add(full));
        } else if fulls.contains(&token.as_str()) {
            add(nick);
        }
    }
    out
}

/// PostgreSQL pg_trgm's `similarity()`: each alphanumeric word, lowercased and padded with
/// two spaces before and one after, gives its set of 3-grams; the result is
/// |A ∩ B| / |A ∪ B| (0 when either side has no trigrams, as in pg_trgm).
pub fn trigram_similarity(a: &str, b: &str) -> f32 {
    let (ta, tb) = (trigrams(a), trigrams(b));
    let shared = ta.intersection(&tb).count();
    let union = ta.len() + tb.len() - shared;
    if union == 0 || shared == 0 {
        return 0.0;
    }
    shared as f32 / union as f32
}

fn trigrams(s: &str) -> HashSet<[char; 3]> {
    let mut set = HashSet::new();
    for word in s
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let padded: Vec<char> = "  "
            .chars()
            .chain(word.chars().flat_map(char::to_lowercase))
            .chain(std::iter::once(' '))
            .collect();
        for window in padded.windows(3) {
            if let &[x, y, z] = window {
                set.insert([x, y, z]);
            }
        }
    }
    set
}

/// How well a stored customer matches a query, 0..1. The name part is the best similarity
/// of the query name against the stored name and nicknames, directly or through the
/// nickname table (× 0.9); an exact folded match is 1.0. When the query names a landmark,
/// agreement with the stored landmark adds 0.15 (capped at 1.0) and its absence costs 0.15:
/// a bonus alone could not separate two exact "Bharat"s, both already at 1.0.
pub fn score(query: &ParsedQuery, name: &str, nicknames: &[String], landmark: Option<&str>) -> f32 {
    let base = name_score(&query.name_tokens, name, nicknames);
    if query.landmark_tokens.is_empty() {
        base
    } else if landmark.is_some_and(|l| landmark_matches(&query.landmark_tokens, l)) {
        (base + LANDMARK_BONUS).min(1.0)
    } else {
        (base - LANDMARK_BONUS).max(0.0)
    }
}

/// The folded stored name without honorifics ("Ramesh bhai" → "rames"), unless nothing
/// else is left.
fn name_key(name: &str) -> String {
    let folded = fold(name);
    let words: Vec<&str> = folded.split(' ').filter(|w| !is_stop_word(w)).collect();
    if words.is_empty() {
        folded
    } else {
        words.join(" ")
    }
}

fn name_score(tokens: &[String], name: &str, nicknames: &[String]) -> f32 {
    if tokens.is_empty() {
        return 0.0;
    }
    let candidates: Vec<String> = std::iter::once(name)
        .chain(nicknames.iter().map(String::as_str))
        .map(name_key)
        .filter(|c| !c.is_empty())
        .collect();
    if candidates.contains(&tokens.join(" ")) {
        return 1.0;
    }
    let direct = best_against(tokens, &candidates);
    let expanded = expansions_of(tokens)
        .iter()
        .map(|variant| best_against(variant, &candidates))
        .fold(0.0, f32::max);
    direct.max(expanded * EXPANSION_WEIGHT)
}

/// The query with one token at a time replaced by each of its nickname expansions.
fn expansions_of(tokens: &[String]) -> Vec<Vec<String>> {
    let mut variants = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        for full in nickname_expansions(token) {
            let mut variant = tokens.to_vec();
            variant[i] = full.to_string();
            variants.push(variant);
        }
    }
    variants
}

fn best_against(tokens: &[String], candidates: &[String]) -> f32 {
    candidates
        .iter()
        .map(|c| name_similarity(tokens, c))
        .fold(0.0, f32::max)
}

/// The whole query against the whole name, or (slightly discounted) each query word
/// against its best word of the name, so "Suresh" still finds "Suresh Kumar".
fn name_similarity(tokens: &[String], candidate: &str) -> f32 {
    let whole = pair_similarity(&tokens.join(" "), candidate);
    let words: Vec<&str> = candidate.split(' ').collect();
    let per_token: f32 = tokens
        .iter()
        .map(|t| {
            words
                .iter()
                .map(|w| pair_similarity(t, w))
                .fold(0.0, f32::max)
        })
        .sum::<f32>()
        / tokens.len() as f32;
    whole.max(per_token * PARTIAL_WEIGHT)
}

/// Trigram similarity, or that of the consonant skeletons: pg_trgm alone rates "rmes"
/// against "rames" at 3/8, though a dropped vowel is the commonest transcript slip.
fn pair_similarity(a: &str, b: &str) -> f32 {
    trigram_similarity(a, b).max(SKELETON_WEIGHT * trigram_similarity(&skeleton(a), &skeleton(b)))
}

/// Each word's first letter and its later consonants ("rames" → "rms").
fn skeleton(s: &str) -> String {
    let words = s.split(' ').map(|w| {
        w.chars()
            .enumerate()
            .filter(|&(i, c)| i == 0 || !"aeiou".contains(c))
            .map(|(_, c)| c)
            .collect::<String>()
    });
    words.collect::<Vec<_>>().join(" ")
}

fn landmark_matches(query_landmarks: &[String], stored: &str) -> bool {
    let stored = fold(stored);
    query_landmarks.iter().any(|q| {
        std::iter::once(stored.as_str())
            .chain(stored.split(' '))
            .any(|s| trigram_similarity(q, s) >= 0.5)
    })
}
