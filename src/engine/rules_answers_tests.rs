//! Table tests for the words around intents: yes/no answers to a confirmation, amounts
//! said or written every way a shop says them, and inputs that must never panic.

use super::*;

#[test]
fn yes_and_no() {
    #[rustfmt::skip]
    let yes = [
        "haan", "ha", "haa", "ji haan", "haan ji", "bilkul", "ok", "okay", "Yes", "theek hai",
        "thik hai", "kar do", "confirm", "हाँ", "Haan, kar do", "OK!", "yes please", "ठीक है",
        "haan bhai bilkul",
    ];
    #[rustfmt::skip]
    let no = [
        "nahi", "nahin", "na", "no", "mat karo", "cancel", "ruk jao", "rehne do", "नहीं",
        "nahi, cancel kar do", "No!", "nahi ji", "ruko, mat karna", "mat karna", "abhi nahi",
        "रुको, मत करो", "रुको मत करना", "don't", "hold on", "nahi nahi, rehne do",
    ];
    #[rustfmt::skip]
    let neither = [
        "Ramesh ko 500 udhaar likho", "", "kal 7 baje", "haan Ramesh ko 500 likho",
        "balance batao", "🙂",
    ];
    for t in yes {
        assert_eq!(confirmation(t), Some(true), "{t}");
    }
    for t in no {
        assert_eq!(confirmation(t), Some(false), "{t}");
    }
    for t in neither {
        assert_eq!(confirmation(t), None, "{t}");
    }
}

#[test]
fn spoken_and_written_amounts() {
    #[rustfmt::skip]
    let cases: &[(&str, Option<i64>)] = &[
        ("500", Some(50_000)), ("paanch sau", Some(50_000)), ("dedh hazaar", Some(150_000)),
        ("₹2,500", Some(250_000)), ("5 lakh", Some(50_000_000)), ("१२००", Some(120_000)),
        ("पांच सौ", Some(50_000)), ("पाँच सौ", Some(50_000)), ("2.5 hazar", Some(250_000)),
        ("500 rupaye", Some(50_000)), ("ढाई सौ", Some(25_000)), ("do lakh", Some(20_000_000)),
        ("sadhe teen sau", Some(35_000)), ("sawa sau", Some(12_500)), ("paune do sau", Some(17_500)),
        ("two thousand five hundred", Some(250_000)), ("twenty five", Some(2_500)),
        ("1,50,000", Some(15_000_000)), ("Rs. 99.50", Some(9_950)), ("ek crore", Some(1_000_000_000)),
        ("do lakh pachaas hazaar", Some(25_000_000)), ("teen hazaar chaar sau", Some(340_000)),
        ("5k", Some(500_000)), ("dhai hazaar", Some(250_000)), ("saath rupaye", Some(6_000)),
        ("nabbe", Some(9_000)), ("paanch sau pachaas", Some(55_000)), ("₹ 750", Some(75_000)),
        ("दो हज़ार", Some(200_000)), ("no amount here", None), ("", None), ("bhej do", None),
        ("Ramesh ke saath", None), ("0", None),
    ];
    assert!(cases.len() >= 25);
    for (text, want) in cases {
        assert_eq!(amount_paise(text), *want, "{text}");
    }
}

#[test]
fn odd_inputs_never_panic() {
    let long = "ka ".repeat(100_000);
    let digits = "9".repeat(5_000);
    #[rustfmt::skip]
    let odd = [
        "", "   ", "🙏🙏🙏", long.as_str(), digits.as_str(), "₹₹₹", "....", ",,,", "'", "'s", "@",
        "a@b", "at", "dot at dot", "\u{94D}\u{93C}", "sadhe", "sawa paune", "do do do do",
        "\u{0}\u{1}", "مرحبا", "k", "1.2.3.4", "१.५", "99999999999999999999999",
        "रमेश ko ५०० 🙂 udhaar", "ज़\u{93C}\u{93C}", "+", "& & &", "%%%", "5%%", "at at at dot dot",
        "rs", "rs.", "2kg.", "hazaar lakh crore", "dedh dedh", "x'sy", "Ṛāmeś",
    ];
    for text in odd {
        let p = parse(text);
        assert!((0.0..=1.0).contains(&p.confidence), "{text}");
        let _ = confirmation(text);
        let _ = amount_paise(text);
    }
    assert_eq!(parse("").confidence, 0.0);
    assert!(parse("xyz abc").confidence <= 0.4);
}
