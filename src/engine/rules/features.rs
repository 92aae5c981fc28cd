//! What the intent model sees of an utterance: hashed word and character n-grams.
//!
//! The input is the normalised text (lower-case Roman words, numbers as digits), so a
//! Devanagari utterance and its Hinglish twin look alike. Numbers become "#" because
//! which number was said never decides the intent, only that one was. Character n-grams
//! of each word carry the model across spellings it never met ("udhar", "udhaar",
//! "udhari" share most of theirs); word pairs carry word order ("aa gaya" versus "aaya").
//! Features are hashed into a fixed number of buckets, so there is no vocabulary to ship.

/// Buckets of the feature hash; collisions at this size cost well under a point of accuracy.
pub(super) const DIM: usize = 1 << 15;

/// The distinct feature buckets of a normalised utterance, sorted.
pub(super) fn of(normalized: &str) -> Vec<u32> {
    let words: Vec<&str> = normalized
        .split(' ')
        .filter(|w| !w.is_empty())
        .map(|w| {
            if w.starts_with(|c: char| c.is_ascii_digit()) {
                "#"
            } else {
                w
            }
        })
        .collect();
    let mut out = vec![hash(b"bias", 0)];
    let mut prev = "<s>";
    for w in words.iter().copied().chain(std::iter::once("</s>")) {
        out.push(hash(w.as_bytes(), 1));
        out.push(hash(format!("{prev} {w}").as_bytes(), 2));
        prev = w;
        if w.len() > 2 && w != "</s>" {
            grams(w, &mut out);
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Character 3- and 4-grams of a word with its edges marked ("^udh", "har$").
fn grams(word: &str, out: &mut Vec<u32>) {
    let marked: Vec<char> = std::iter::once('^')
        .chain(word.chars())
        .chain(std::iter::once('$'))
        .collect();
    for n in 3..=4 {
        for g in marked.windows(n) {
            let s: String = g.iter().collect();
            out.push(hash(s.as_bytes(), 3));
        }
    }
}

/// FNV-1a with the feature kind mixed in, reduced to a bucket.
fn hash(bytes: &[u8], kind: u8) -> u32 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ u64::from(kind);
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    (h % DIM as u64) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_do_not_change_features_but_words_do() {
        assert_eq!(of("ramesh ko 500 udhaar"), of("ramesh ko 1200 udhaar"));
        assert_ne!(of("ramesh ko 500 udhaar"), of("ramesh ko 500 mila"));
    }

    #[test]
    fn spellings_share_most_character_grams() {
        let a = of("udhaar");
        let b = of("udhar");
        let shared = a.iter().filter(|f| b.contains(f)).count();
        assert!(shared >= 4, "{shared}");
    }
}
