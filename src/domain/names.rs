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
//!
//! The work is split by step: `folding` turns text into folded words and a
//! [`ParsedQuery`], `scoring` rates one stored customer against it, and this file
//! decides what a list of scores amounts to.

mod folding;
mod scoring;

pub use folding::{ParsedQuery, STOP_WORDS, fold, parse_query};
pub use scoring::{nickname_expansions, score, trigram_similarity};

// The table is private to `scoring`; the tests check that it is folded.
#[cfg(test)]
use scoring::NICKNAMES;

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
