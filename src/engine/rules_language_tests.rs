//! Table tests for a customer's own language said by voice, in phrasings written for
//! this table (not taken from the corpus), and for reply-language switches beside them
//! that must stay switches.

use super::tests::{E::*, mismatches};
use crate::engine::intent::{IntentKind as K, Language as L};

#[rustfmt::skip]
const CASES: &[(&str, K, &[super::tests::E])] = &[
    ("Kamala ji ko bill Hindi mein bhejna", K::SetCustomerLanguage, &[Cust("Kamala"), Lang(L::Hindi)]),
    ("Prakash ke reminder angrezi mein jayenge", K::SetCustomerLanguage, &[Cust("Prakash"), Lang(L::English)]),
    ("Salma ki bhasha Hinglish rakho", K::SetCustomerLanguage, &[Cust("Salma"), Lang(L::Hinglish)]),
    ("Gopal bhai ko sab message english mein bhejo", K::SetCustomerLanguage, &[Cust("Gopal"), Lang(L::English)]),
    ("Mr Fernandes prefers English", K::SetCustomerLanguage, &[Cust("Fernandes"), Lang(L::English)]),
    ("from now on send Meera's invoices in Hindi", K::SetCustomerLanguage, &[Cust("Meera"), Lang(L::Hindi)]),
    ("set the language for Ahmed to hindi", K::SetCustomerLanguage, &[Cust("Ahmed"), Lang(L::Hindi)]),
    ("उसको हिंदी में बिल भेजना", K::SetCustomerLanguage, &[Active, Lang(L::Hindi)]),
    ("महेश जी की भाषा हिन्दी कर दो", K::SetCustomerLanguage, &[Cust("Mahesh"), Lang(L::Hindi)]),
    ("his messages should go in english", K::SetCustomerLanguage, &[Active, Lang(L::English)]),
    // A reminder at a time, said with a language, is still a reminder.
    ("Ramesh ko kal 10 baje Hindi mein reminder bhejo", K::CreateReminder, &[Cust("Ramesh"), When("kal 10 baje")]),
    ("Sunita ko har roz English mein reminder bhejna", K::CreateReminder, &[Cust("Sunita")]),
    ("Ramesh ko har message Hindi mein bhejna", K::SetCustomerLanguage, &[Cust("Ramesh"), Lang(L::Hindi)]),
    // The assistant's own language: no customer in it.
    ("ab hindi mein bolo", K::SwitchLanguage, &[Lang(L::Hindi)]),
    ("please talk in english", K::SwitchLanguage, &[Lang(L::English)]),
    ("mujhse Hinglish mein baat karo", K::SwitchLanguage, &[Lang(L::Hinglish)]),
    ("हिंदी में जवाब दो", K::SwitchLanguage, &[Lang(L::Hindi)]),
];

#[test]
fn a_customers_language_is_read_with_the_customer() {
    let failures: Vec<String> = CASES
        .iter()
        .map(|(text, kind, expect)| mismatches(text, *kind, expect).join(" "))
        .filter(|f| !f.is_empty())
        .collect();
    assert!(
        failures.is_empty(),
        "{} failing:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
