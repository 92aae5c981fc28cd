//! Tests of `domain::names`.

use super::*;

fn q(s: &str) -> ParsedQuery {
    parse_query(s)
}

fn rank(query: &str, names: &[(&str, Option<&str>)]) -> Resolution {
    let parsed = q(query);
    let scores: Vec<f32> = names
        .iter()
        .map(|(n, l)| score(&parsed, n, &[], *l))
        .collect();
    resolve(&scores)
}

#[test]
fn folds_aspirates_vowels_and_spelling_variants() {
    assert_eq!(fold("Bhaarat"), fold("Bharat"));
    assert_eq!(fold("Bharat"), "barat");
    assert_eq!(fold("Sheela"), "sila");
    assert_eq!(fold("Sila"), "sila");
    assert_eq!(fold("Vinod"), fold("Winod"));
    assert_eq!(fold("pappu"), "papu");
    assert_eq!(fold("Ramesha"), fold("Ramesh"));
    assert_eq!(fold("Sharma"), "sarma");
    assert_eq!(fold("Sita"), "sita");
    assert_eq!(fold("Khushboo  Chhabra"), "kusbu chabr");
    assert_eq!(fold("Zaheer Qureshi"), "jahir kuresi");
    assert_eq!(fold("Rāmeś D'Souza, Jr."), "rames dsouj jr");
    assert_eq!(fold("  "), "");
}

#[test]
fn fold_is_idempotent() {
    for s in [
        "Bhaarat",
        "khhh",
        "chhhaya",
        "Meeeena",
        "Rameshaa",
        "Wazeer",
        "aabbaa",
        "Pooja Sharma ji",
    ] {
        assert_eq!(fold(&fold(s)), fold(s), "{s}");
    }
}

#[test]
fn nickname_table_is_folded_and_works_both_ways() {
    for (nick, fulls) in NICKNAMES {
        assert_eq!(fold(nick), *nick);
        fulls.iter().for_each(|f| assert_eq!(fold(f), *f));
    }
    assert!(nickname_expansions("Raju").contains(&"rajes"));
    assert!(nickname_expansions("rajesh").contains(&"raju"));
    assert!(nickname_expansions("Vikki").contains(&"vikram"));
    assert!(nickname_expansions("pappu").is_empty());
}

#[test]
fn parses_honorifics_and_landmarks() {
    assert_eq!(q("Sharma ji").name_tokens, ["sarma"]);
    assert_eq!(q("Ramesh bhai").name_tokens, ["rames"]);
    let atm = q("Bharat ATM wala");
    assert_eq!(
        (atm.name_tokens, atm.landmark_tokens),
        (vec!["barat".to_string()], vec!["atm".to_string()])
    );
    let paan = q("paan wale Ramesh");
    assert_eq!(
        (paan.name_tokens, paan.landmark_tokens),
        (vec!["rames".to_string()], vec!["pan".to_string()])
    );
    let alone = q("Ramesh wala");
    assert_eq!(
        (alone.name_tokens, alone.landmark_tokens.len()),
        (vec!["rames".to_string()], 0)
    );
    assert_eq!(q("Bharat ATM wala").raw, "Bharat ATM wala");
}

#[test]
fn trigram_similarity_matches_pg_trgm() {
    // "  word " → {"  w", " wo", "wor", "ord", "rd "}; "  words " → {"  w", " wo", "wor",
    // "ord", "rds", "ds "}: 4 shared of 5 + 6 - 4 = 7.
    assert!((trigram_similarity("word", "words") - 4.0 / 7.0).abs() < 1e-6);
    // "  rmes " has 5 trigrams, "  rames " 6; shared "  r", "mes", "es ": 3 / 8.
    assert!((trigram_similarity("rmes", "rames") - 3.0 / 8.0).abs() < 1e-6);
    // Per-word padding: "sures" shares all 6 of its trigrams with "sures kumar" (12).
    assert!((trigram_similarity("Sures Kumar", "sures") - 0.5).abs() < 1e-6);
    // Sets, not multisets: "aaaa" has the same 4 trigrams as "aaa".
    assert_eq!(trigram_similarity("aaa", "AAAA"), 1.0);
    assert_eq!(trigram_similarity("abc", "xyz"), 0.0);
    assert_eq!(trigram_similarity("", ""), 0.0);
}

#[test]
fn dropped_vowel_still_finds_ramesh() {
    let rmesh = q("Rmesh");
    assert!(score(&rmesh, "Ramesh bhai", &[], None) >= 0.55);
    let names = [("Ramesh", None), ("Suresh Kumar", None), ("Mahesh", None)];
    assert_eq!(rank("Rmesh", &names), Resolution::Clear(0));
}

#[test]
fn nicknames_find_full_names_and_back() {
    let names = [("Ramesh", None), ("Rajesh", None), ("Suresh", None)];
    assert_eq!(rank("Raju", &names), Resolution::Clear(1));
    assert!(score(&q("Rajesh"), "Raju", &[], None) >= 0.55);
    assert_eq!(
        score(&q("Pappu"), "Prakash Gupta", &["Pappu".to_string()], None),
        1.0
    );
}

#[test]
fn landmark_separates_namesakes() {
    let names = [("Bharat", Some("Station")), ("Bharat", Some("ATM"))];
    assert_eq!(rank("Bharat ATM wala", &names), Resolution::Clear(1));
    assert_eq!(rank("Bharat", &names), Resolution::Ambiguous(vec![0, 1]));
}

#[test]
fn resolve_thresholds() {
    assert_eq!(resolve(&[]), Resolution::NoMatch);
    assert_eq!(resolve(&[0.3, 0.44]), Resolution::NoMatch);
    assert_eq!(resolve(&[0.6, 0.5]), Resolution::Clear(0));
    assert_eq!(
        resolve(&[0.7, 0.8, 0.6]),
        Resolution::Ambiguous(vec![1, 0, 2])
    );
    assert_eq!(resolve(&[0.5]), Resolution::Ambiguous(vec![0]));
    assert_eq!(resolve(&[f32::NAN, 0.8]), Resolution::Clear(1));
}
