//! Amounts in words in Devanagari Hindi, as printed on an invoice for a Hindi-speaking
//! customer ("रुपये एक लाख पाँच मात्र").
//!
//! Hindi names every number below a hundred with its own word (५५ is पचपन, not "fifty
//! five"), so those are a table; above it the places are the same as in English words on
//! Indian invoices: सौ, हज़ार, लाख, करोड़.

#[rustfmt::skip]
const BELOW_HUNDRED: [&str; 100] = [
    "शून्य", "एक", "दो", "तीन", "चार", "पाँच", "छह", "सात", "आठ", "नौ",
    "दस", "ग्यारह", "बारह", "तेरह", "चौदह", "पंद्रह", "सोलह", "सत्रह", "अठारह", "उन्नीस",
    "बीस", "इक्कीस", "बाईस", "तेईस", "चौबीस", "पच्चीस", "छब्बीस", "सत्ताईस", "अट्ठाईस", "उनतीस",
    "तीस", "इकतीस", "बत्तीस", "तैंतीस", "चौंतीस", "पैंतीस", "छत्तीस", "सैंतीस", "अड़तीस", "उनतालीस",
    "चालीस", "इकतालीस", "बयालीस", "तैंतालीस", "चवालीस", "पैंतालीस", "छियालीस", "सैंतालीस", "अड़तालीस", "उनचास",
    "पचास", "इक्यावन", "बावन", "तिरपन", "चौवन", "पचपन", "छप्पन", "सत्तावन", "अट्ठावन", "उनसठ",
    "साठ", "इकसठ", "बासठ", "तिरसठ", "चौंसठ", "पैंसठ", "छियासठ", "सड़सठ", "अड़सठ", "उनहत्तर",
    "सत्तर", "इकहत्तर", "बहत्तर", "तिहत्तर", "चौहत्तर", "पचहत्तर", "छिहत्तर", "सतहत्तर", "अठहत्तर", "उनासी",
    "अस्सी", "इक्यासी", "बयासी", "तिरासी", "चौरासी", "पचासी", "छियासी", "सत्तासी", "अट्ठासी", "नवासी",
    "नब्बे", "इक्यानवे", "बानवे", "तिरानवे", "चौरानवे", "पचानवे", "छियानवे", "सत्तानवे", "अट्ठानवे", "निन्यानवे",
];

/// "रुपये एक हज़ार दो सौ पचास और पचास पैसे मात्र"; negative amounts (credit notes) begin
/// with "ऋण".
pub fn amount_in_words(paise: i64) -> String {
    let abs = paise.unsigned_abs();
    let (rupees, paisa) = (abs / 100, abs % 100);
    let sign = if paise < 0 { "ऋण " } else { "" };
    let paise_part = match paisa {
        0 => String::new(),
        p => format!(" और {} पैसे", words(p)),
    };
    format!("{sign}रुपये {}{paise_part} मात्र", words(rupees))
}

/// Indian places: करोड़ (10^7), लाख (10^5), हज़ार, सौ; a count of crores above 99 is
/// itself spelt in full.
fn words(n: u64) -> String {
    if n == 0 {
        return BELOW_HUNDRED[0].to_string();
    }
    let mut parts = Vec::new();
    let (crores, rest) = (n / 10_000_000, n % 10_000_000);
    if crores > 0 {
        parts.push(format!("{} करोड़", words(crores)));
    }
    for (unit, limit, name) in [(100_000, 100, "लाख"), (1_000, 100, "हज़ार"), (100, 10, "सौ")]
    {
        let count = rest / unit % limit;
        if count > 0 {
            // count < 100 by the modulus, so the index is in range.
            parts.push(format!("{} {name}", BELOW_HUNDRED[count as usize]));
        }
    }
    if rest % 100 > 0 {
        parts.push(BELOW_HUNDRED[(rest % 100) as usize].to_string());
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_read_as_a_hindi_invoice_prints_them() {
        assert_eq!(amount_in_words(0), "रुपये शून्य मात्र");
        assert_eq!(amount_in_words(5_500), "रुपये पचपन मात्र");
        assert_eq!(
            amount_in_words(125_050),
            "रुपये एक हज़ार दो सौ पचास और पचास पैसे मात्र"
        );
        assert_eq!(amount_in_words(10_000_500), "रुपये एक लाख पाँच मात्र");
        assert_eq!(
            amount_in_words(123_456_789_900),
            "रुपये एक सौ तेईस करोड़ पैंतालीस लाख सड़सठ हज़ार आठ सौ निन्यानवे मात्र"
        );
        assert_eq!(amount_in_words(-9_900), "ऋण रुपये निन्यानवे मात्र");
    }
}
