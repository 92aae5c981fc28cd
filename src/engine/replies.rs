//! What the assistant says back, in the session's language.
//!
//! Replies are short, plain sentences a speech engine reads well: no markdown, no
//! emoji, amounts always as "₹" with Indian digit grouping and no ".00" for whole
//! rupees. Each function takes the language and returns the finished sentence.

use super::intent::Language;
use crate::domain::gst::format_inr;

/// "₹1,500" or "₹1,500.50".
pub fn rupees(paise: i64) -> String {
    let full = format_inr(paise);
    full.strip_suffix(".00").map(str::to_string).unwrap_or(full)
}

fn say(lang: Language, hinglish: String, english: String) -> String {
    match lang {
        Language::Hinglish => hinglish,
        Language::English => english,
    }
}

pub fn not_understood(lang: Language) -> String {
    say(
        lang,
        "Maaf kijiye, samajh nahi aaya. Dobara boliye.".into(),
        "Sorry, I did not catch that. Please say it again.".into(),
    )
}

pub fn which_customer(lang: Language) -> String {
    say(
        lang,
        "Kis customer ke liye? Naam boliye.".into(),
        "Which customer? Please say the name.".into(),
    )
}

pub fn customer_not_found(lang: Language, name: &str) -> String {
    say(
        lang,
        format!("{name} naam ka koi customer nahi mila."),
        format!("I could not find a customer called {name}."),
    )
}

pub fn which_of(lang: Language, names: &[String]) -> String {
    let list = match names {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!(
            "{} {} {last}",
            init.join(", "),
            say(lang, "ya".into(), "or".into())
        ),
    };
    say(
        lang,
        format!("Kaunse customer? {list}?"),
        format!("Which customer: {list}?"),
    )
}

pub fn amount_missing(lang: Language) -> String {
    say(
        lang,
        "Kitne rupaye? Amount boliye.".into(),
        "How much? Please say the amount.".into(),
    )
}

pub fn confirm_amount(lang: Language, what: &str, name: &str, paise: i64) -> String {
    let amount = rupees(paise);
    say(
        lang,
        format!("{name} ka {amount} {what}, pakka? Haan ya nahi boliye."),
        format!("{what} of {amount} for {name}, are you sure? Say yes or no."),
    )
}

pub fn confirm_action(lang: Language, hinglish: &str, english: &str) -> String {
    say(
        lang,
        format!("{hinglish}, pakka? Haan ya nahi boliye."),
        format!("{english}, are you sure? Say yes or no."),
    )
}

pub fn declined(lang: Language) -> String {
    say(
        lang,
        "Theek hai, nahi kiya.".into(),
        "Okay, I have not done it.".into(),
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
    )
}

pub fn balance(lang: Language, name: &str, paise: i64) -> String {
    match paise {
        0 => say(
            lang,
            format!("{name} ka koi baaki nahi hai."),
            format!("{name} owes nothing."),
        ),
        p if p < 0 => say(
            lang,
            format!("{name} ka {} advance jama hai.", rupees(-p)),
            format!("{name} has {} in advance.", rupees(-p)),
        ),
        p => say(
            lang,
            format!("{name} ka baaki {} hai.", rupees(p)),
            format!("{name} owes {}.", rupees(p)),
        ),
    }
}

pub fn total_pending(lang: Language, customers: usize, paise: i64) -> String {
    say(
        lang,
        format!("{customers} customers ka kul baaki {} hai.", rupees(paise)),
        format!("{customers} customers owe {} in all.", rupees(paise)),
    )
}

pub fn nobody_owes(lang: Language) -> String {
    say(
        lang,
        "Kisi ka kuch baaki nahi hai.".into(),
        "Nobody owes anything.".into(),
    )
}

pub fn language_switched(lang: Language) -> String {
    say(
        lang,
        "Theek hai, ab Hinglish mein baat karenge.".into(),
        "Okay, I will speak English now.".into(),
    )
}

/// The answer to a language we do not speak, in the language of the session.
pub fn languages_spoken(lang: Language) -> String {
    say(
        lang,
        "Main Hinglish aur English mein baat kar sakta hoon. Kaunsi bhasha chahiye?".into(),
        "I can speak Hinglish and English. Which would you like?".into(),
    )
}

pub fn unavailable(lang: Language) -> String {
    say(
        lang,
        "Abhi yeh kaam nahi ho paya. Thodi der baad koshish kijiye.".into(),
        "That could not be done right now. Please try again shortly.".into(),
    )
}

/// For replies that differ only in wording: both texts given by the caller.
pub fn either(lang: Language, hinglish: String, english: String) -> String {
    say(lang, hinglish, english)
}
