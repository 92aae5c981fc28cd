//! Matching Indian customer names as a shopkeeper says or types them.
//!
//! Hinglish voice transcripts mangle names in predictable ways: aspirates come and go
//! ("Bharat"/"Barat"), vowel length drifts ("Seema"/"Sima"), v and w swap, vowels get
//! dropped ("Rmesh"), and people are named by honorific ("Sharma ji"), nickname ("Raju")
//! or landmark ("ATM wala"). So a name is folded to a phonetic key, both when it is stored
//! and when it is queried; a query is split into name and landmark tokens; candidates are
//! scored with the pg_trgm trigram measure (so Rust re-ranking agrees with the database
//! shortlist) plus nickname and landmark evidence; and `resolve` says whether the best
//! candidate is clear enough to act on or the assistant must ask "which one?".

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

/// Nicknames (folded) and the full names (folded) they usually stand for: a starting table,
/// meant to grow from what shops actually say. Generic pet names with no usual full name
/// (pappu, bablu, munna, guddu, golu, bittu, bunty, pintu, rinku, babu, dabbu, chhotu) are
/// deliberately absent: expanding them would match arbitrary customers, and they are found
/// through the nicknames stored on each customer instead.
const NICKNAMES: &[(&str, &[&str])] = &[
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

/// What a ranked list of scores amounts to; indexes refer to the scores given to `resolve`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// One candidate is good enough and far enough ahead to act on without asking.
    Clear(usize),
    /// Plausible candidates, best first: ask which one is meant. A single index means one
    /// weak candidate ("did you mean …?").
    Ambiguous(Vec<usize>),
    /// Nothing plausible.
    NoMatch,
}

/// A best score at or above this may be acted on without asking (about one dropped or
/// swapped letter in a short name, once the skeleton measure is counted).
const CLEAR_FLOOR: f32 = 0.55;
/// ...provided it beats the runner-up by this much; closer than that, the shopkeeper asks.
const CLEAR_MARGIN: f32 = 0.15;
/// Below this a candidate is not worth offering at all.
const AMBIGUOUS_FLOOR: f32 = 0.45;
/// Scores are sums of f32 fractions: 1.0 - 0.85 is 0.14999998, which must count as 0.15.
const EPSILON: f32 = 1e-4;
/// Landmark agreement (or disagreement) moves a score by this much.
const LANDMARK_BONUS: f32 = 0.15;
/// A name reached only through the nickname table ranks just below a literal match, so
/// "Raju" prefers a customer actually called Raju but still finds Rajesh.
const EXPANSION_WEIGHT: f32 = 0.9;
/// Consonant skeletons match dropped vowels ("Rmesh"), but also confuse more names.
const SKELETON_WEIGHT: f32 = 0.8;
/// Matching only some words of a longer stored name ("Suresh" for "Suresh Kumar").
const PARTIAL_WEIGHT: f32 = 0.95;
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

fn is_stop_word(folded: &str) -> bool {
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

/// Decides what a list of candidate scores amounts to (see `Resolution`): Clear when the
/// best is ≥ 0.55 and either the only one that high or 0.15 ahead of the next; otherwise
/// Ambiguous over every score ≥ 0.45, best first; NoMatch when none reaches 0.45.
pub fn resolve(scores: &[f32]) -> Resolution {
    let mut ranked: Vec<usize> = (0..scores.len())
        .filter(|&i| scores[i] >= AMBIGUOUS_FLOOR - EPSILON)
        .collect();
    ranked.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
    let Some(&best) = ranked.first() else {
        return Resolution::NoMatch;
    };
    let top = scores[best];
    let clear = top >= CLEAR_FLOOR - EPSILON
        && ranked.get(1).is_none_or(|&next| {
            scores[next] < CLEAR_FLOOR - EPSILON || top - scores[next] >= CLEAR_MARGIN - EPSILON
        });
    if clear {
        Resolution::Clear(best)
    } else {
        Resolution::Ambiguous(ranked)
    }
}

#[cfg(test)]
#[path = "names_tests.rs"]
mod tests;
