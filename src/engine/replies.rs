//! What the assistant says back, in the session's language.
//!
//! Replies are short, plain sentences a speech engine reads well: no markdown, no
//! emoji, amounts always as "₹" with Indian digit grouping and no ".00" for whole
//! rupees, in every language. Each function takes the language and returns the finished
//! sentence; Hindi replies are Devanagari (names stay as the shop typed them).

use super::conversation::Draft;
use super::intent::Language;
use crate::domain::gst::format_inr;

/// "₹1,500" or "₹1,500.50".
pub fn rupees(paise: i64) -> String {
    let full = format_inr(paise);
    full.strip_suffix(".00").map(str::to_string).unwrap_or(full)
}

fn say(lang: Language, hinglish: String, english: String, hindi: String) -> String {
    match lang {
        Language::Hinglish => hinglish,
        Language::English => english,
        Language::Hindi => hindi,
    }
}

pub fn not_understood(lang: Language) -> String {
    say(
        lang,
        "Maaf kijiye, samajh nahi aaya. Dobara boliye.".into(),
        "Sorry, I did not catch that. Please say it again.".into(),
        "माफ़ कीजिए, समझ नहीं आया। दोबारा बोलिए।".into(),
    )
}

pub fn which_customer(lang: Language) -> String {
    say(
        lang,
        "Kis customer ke liye? Naam boliye.".into(),
        "Which customer? Please say the name.".into(),
        "किस ग्राहक के लिए? नाम बोलिए।".into(),
    )
}

pub fn customer_not_found(lang: Language, name: &str) -> String {
    say(
        lang,
        format!("{name} naam ka koi customer nahi mila."),
        format!("I could not find a customer called {name}."),
        format!("{name} नाम का कोई ग्राहक नहीं मिला।"),
    )
}

pub fn which_of(lang: Language, names: &[String]) -> String {
    let list = match names {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!(
            "{} {} {last}",
            init.join(", "),
            say(lang, "ya".into(), "or".into(), "या".into())
        ),
    };
    say(
        lang,
        format!("Kaunse customer? {list}?"),
        format!("Which customer: {list}?"),
        format!("कौन से ग्राहक? {list}?"),
    )
}

pub fn amount_missing(lang: Language) -> String {
    say(
        lang,
        "Kitne rupaye? Amount boliye.".into(),
        "How much? Please say the amount.".into(),
        "कितने रुपये? रकम बोलिए।".into(),
    )
}

pub fn confirm_amount(lang: Language, what: &str, name: &str, paise: i64) -> String {
    let amount = rupees(paise);
    say(
        lang,
        format!("{name} ka {amount} {what}, pakka? Haan ya nahi boliye."),
        format!("{what} of {amount} for {name}, are you sure? Say yes or no."),
        format!("{name} का {amount} {what}, पक्का? हाँ या नहीं बोलिए।"),
    )
}

pub fn confirm_action(lang: Language, hinglish: &str, english: &str, hindi: &str) -> String {
    say(
        lang,
        format!("{hinglish}, pakka? Haan ya nahi boliye."),
        format!("{english}, are you sure? Say yes or no."),
        format!("{hindi}, पक्का? हाँ या नहीं बोलिए।"),
    )
}

/// The refusal of an action the user's role may not take (the permission table).
pub fn not_allowed(lang: Language) -> String {
    say(
        lang,
        "Maaf kijiye, aapko yeh karne ki anumati nahi hai. Owner ya manager se kahiye.".into(),
        "Sorry, you are not allowed to do that. Ask the owner or a manager.".into(),
        "माफ़ कीजिए, आपको यह करने की अनुमति नहीं है। मालिक या मैनेजर से कहिए।".into(),
    )
}

pub fn declined(lang: Language) -> String {
    say(
        lang,
        "Theek hai, nahi kiya.".into(),
        "Okay, I have not done it.".into(),
        "ठीक है, नहीं किया।".into(),
    )
}

pub fn credit_added(lang: Language, name: &str, paise: i64, balance: i64) -> String {
    say(
        lang,
        format!(
            "{name} ke khate mein {} udhaar likh diya. Ab kul baaki {}.",
            rupees(paise),
            rupees(balance)
        ),
        format!(
            "Added {} credit for {name}. The balance is now {}.",
            rupees(paise),
            rupees(balance)
        ),
        format!(
            "{name} के खाते में {} उधार लिख दिया। अब कुल बाकी {}।",
            rupees(paise),
            rupees(balance)
        ),
    )
}

pub fn payment_recorded(lang: Language, name: &str, paise: i64, balance: i64) -> String {
    say(
        lang,
        format!(
            "{name} se {} mil gaye. Ab baaki {}.",
            rupees(paise),
            rupees(balance)
        ),
        format!(
            "Recorded {} from {name}. The balance is now {}.",
            rupees(paise),
            rupees(balance)
        ),
        format!(
            "{name} से {} मिल गए। अब बाकी {}।",
            rupees(paise),
            rupees(balance)
        ),
    )
}

pub fn balance(lang: Language, name: &str, paise: i64) -> String {
    match paise {
        0 => say(
            lang,
            format!("{name} ka koi baaki nahi hai."),
            format!("{name} owes nothing."),
            format!("{name} का कोई बाकी नहीं है।"),
        ),
        p if p < 0 => say(
            lang,
            format!("{name} ka {} advance jama hai.", rupees(-p)),
            format!("{name} has {} in advance.", rupees(-p)),
            format!("{name} का {} एडवांस जमा है।", rupees(-p)),
        ),
        p => say(
            lang,
            format!("{name} ka baaki {} hai.", rupees(p)),
            format!("{name} owes {}.", rupees(p)),
            format!("{name} का बाकी {} है।", rupees(p)),
        ),
    }
}

pub fn total_pending(lang: Language, customers: usize, paise: i64) -> String {
    say(
        lang,
        format!("{customers} customers ka kul baaki {} hai.", rupees(paise)),
        format!("{customers} customers owe {} in all.", rupees(paise)),
        format!("{customers} ग्राहकों का कुल बाकी {} है।", rupees(paise)),
    )
}

pub fn nobody_owes(lang: Language) -> String {
    say(
        lang,
        "Kisi ka kuch baaki nahi hai.".into(),
        "Nobody owes anything.".into(),
        "किसी का कुछ बाकी नहीं है।".into(),
    )
}

pub fn language_switched(lang: Language) -> String {
    say(
        lang,
        "Theek hai, ab Hinglish mein baat karenge.".into(),
        "Okay, I will speak English now.".into(),
        "ठीक है, अब हिंदी में बात करेंगे।".into(),
    )
}

/// The answer to a language we do not speak, in the language of the session.
pub fn languages_spoken(lang: Language) -> String {
    say(
        lang,
        "Main Hinglish, Hindi aur English mein baat kar sakta hoon. Kaunsi bhasha chahiye?".into(),
        "I can speak Hinglish, Hindi and English. Which would you like?".into(),
        "मैं हिंग्लिश, हिंदी और अंग्रेज़ी में बात कर सकता हूँ। कौन सी भाषा चाहिए?".into(),
    )
}

/// A language's name, said in `lang`.
fn language_name(lang: Language, named: Language) -> &'static str {
    match (lang, named) {
        (Language::Hindi, Language::Hinglish) => "हिंग्लिश",
        (Language::Hindi, Language::English) => "अंग्रेज़ी",
        (Language::Hindi, Language::Hindi) => "हिंदी",
        (_, Language::Hinglish) => "Hinglish",
        (_, Language::English) => "English",
        (_, Language::Hindi) => "Hindi",
    }
}

/// A customer's invoices and reminders will now be written in `chosen`.
pub fn customer_language_set(lang: Language, name: &str, chosen: Language) -> String {
    let chosen = language_name(lang, chosen);
    say(
        lang,
        format!("Theek hai, {name} ko ab bill aur reminder {chosen} mein jayenge."),
        format!("Okay, {name} will get bills and reminders in {chosen} from now on."),
        format!("ठीक है, {name} को अब बिल और रिमाइंडर {chosen} में जाएँगे।"),
    )
}

/// Asked when a customer's language was meant but not one we write.
pub fn which_customer_language(lang: Language) -> String {
    say(
        lang,
        "Kaunsi bhasha? Hinglish, English ya Hindi boliye.".into(),
        "Which language: Hinglish, English or Hindi?".into(),
        "कौन सी भाषा? हिंग्लिश, अंग्रेज़ी या हिंदी बोलिए।".into(),
    )
}

pub fn unavailable(lang: Language) -> String {
    say(
        lang,
        "Abhi yeh kaam nahi ho paya. Thodi der baad koshish kijiye.".into(),
        "That could not be done right now. Please try again shortly.".into(),
        "अभी यह काम नहीं हो पाया। थोड़ी देर बाद कोशिश कीजिए।".into(),
    )
}

/// The draft read back: customer, items, GST, total, and the question to confirm.
pub fn draft(lang: Language, d: &Draft) -> String {
    let items: Vec<String> = d
        .items
        .iter()
        .map(|i| format!("{} {}", i.quantity, i.name))
        .collect();
    let gst = match (lang, d.with_gst) {
        (Language::Hinglish, true) => "GST ke saath",
        (Language::Hinglish, false) => "bina GST",
        (Language::English, true) => "with GST",
        (Language::English, false) => "without GST",
        (Language::Hindi, true) => "जीएसटी के साथ",
        (Language::Hindi, false) => "बिना जीएसटी",
    };
    either(
        lang,
        format!(
            "{} ka bill: {}, {gst}. Kul {}. Confirm karein?",
            d.customer.name,
            items.join(", "),
            rupees(d.estimated_total_paise())
        ),
        format!(
            "Invoice for {}: {}, {gst}. Total {}. Shall I confirm it?",
            d.customer.name,
            items.join(", "),
            rupees(d.estimated_total_paise())
        ),
        format!(
            "{} का बिल: {}, {gst}। कुल {}। पक्का करें?",
            d.customer.name,
            items.join(", "),
            rupees(d.estimated_total_paise())
        ),
    )
}

/// For replies that differ only in wording: every text given by the caller.
pub fn either(lang: Language, hinglish: String, english: String, hindi: String) -> String {
    say(lang, hinglish, english, hindi)
}

/// The language to answer a transcript in: a Devanagari transcript in a Hinglish session
/// is answered in Hindi, since whoever speaks so reads (and hears) Devanagari best.
pub fn reply_language(session: Language, transcript: &str) -> Language {
    let devanagari = transcript
        .chars()
        .filter(|c| ('\u{900}'..='\u{97F}').contains(c))
        .count();
    let letters = transcript.chars().filter(|c| c.is_alphabetic()).count();
    if session == Language::Hinglish && letters > 0 && devanagari * 2 > letters {
        Language::Hindi
    } else {
        session
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn devanagari(s: &str) -> bool {
        s.chars().any(|c| ('\u{900}'..='\u{97F}').contains(&c))
    }

    #[test]
    fn hindi_replies_are_devanagari_with_indian_amounts() {
        let said = [
            not_understood(Language::Hindi),
            which_customer(Language::Hindi),
            balance(Language::Hindi, "Ramesh", 15_000_000),
            credit_added(Language::Hindi, "Ramesh", 50_000, 150_000),
            payment_recorded(Language::Hindi, "Ramesh", 50_000, 0),
            total_pending(Language::Hindi, 3, 250_000),
            languages_spoken(Language::Hindi),
            customer_language_set(Language::Hindi, "Ramesh", Language::English),
            which_customer_language(Language::Hindi),
            confirm_action(Language::Hindi, "h", "e", "बिल रद्द करना है"),
        ];
        for s in &said {
            assert!(devanagari(s), "{s}");
        }
        assert!(said[2].contains("₹1,50,000"), "{}", said[2]);
        assert!(!devanagari(&balance(Language::English, "Ramesh", 100)));
        assert!(!devanagari(&balance(Language::Hinglish, "Ramesh", 100)));
    }

    #[test]
    fn a_devanagari_transcript_is_answered_in_hindi_only_from_hinglish() {
        let h = Language::Hinglish;
        assert_eq!(reply_language(h, "रमेश का बैलेंस बताओ"), Language::Hindi);
        assert_eq!(reply_language(h, "Ramesh ka बैलेंस batao"), Language::Hinglish);
        assert_eq!(reply_language(h, "Ramesh ka balance"), Language::Hinglish);
        assert_eq!(reply_language(h, "५००"), Language::Hinglish);
        assert_eq!(
            reply_language(Language::English, "रमेश का बैलेंस"),
            Language::English
        );
    }

    #[test]
    fn a_customers_language_is_named_in_the_reply_language() {
        let said = |l| customer_language_set(l, "Sunita", Language::Hindi);
        assert!(said(Language::Hinglish).contains("Sunita ko ab bill aur reminder Hindi mein"));
        assert!(said(Language::English).contains("Sunita will get bills and reminders in Hindi"));
        assert!(said(Language::Hindi).contains("Sunita को अब बिल और रिमाइंडर हिंदी में"));
    }

    #[test]
    fn languages_we_speak_are_named_in_every_language() {
        for lang in [Language::Hinglish, Language::English, Language::Hindi] {
            let s = languages_spoken(lang);
            assert!(s.contains("Hindi") || s.contains("हिंदी"), "{s}");
        }
    }
}
