//! A second held-out set: utterances written in one sitting after the corpus, not used to
//! tune anything, scored as a whole (intent and the customer, amount and product they
//! name). It guards the figure reported for the parser; a floor, not a table, because
//! the point is the rate on phrasings nobody fitted the rules to.

use super::*;
use IntentKind as K;

/// (utterance, intent, customer, amount in paise, product)
type Case = (
    &'static str,
    K,
    Option<&'static str>,
    Option<i64>,
    Option<&'static str>,
);

#[rustfmt::skip]
const FRESH: &[Case] = &[
    ("Lalita ne aaj 450 rupaye de diye", K::RecordPayment, Some("Lalita"), Some(45_000), None),
    ("Om Prakash ka 2000 aaya hai paytm se", K::RecordPayment, Some("Om Prakash"), Some(200_000), None),
    ("Bhola se 1500 mile, 1000 cash 500 upi", K::RecordPayment, Some("Bhola"), Some(150_000), None),
    ("got 800 cash from Reena", K::RecordPayment, Some("Reena"), Some(80_000), None),
    ("Kiran paid 3,000 through phonepe", K::RecordPayment, Some("Kiran"), Some(300_000), None),
    ("सुनील ने तीन सौ रुपये दिए", K::RecordPayment, Some("Suneel"), Some(30_000), None),
    ("Pintu ne 2000 diye aadha cash aadha gpay", K::RecordPayment, Some("Pintu"), Some(200_000), None),
    ("Mukesh ka payment aaya 750", K::RecordPayment, Some("Mukesh"), Some(75_000), None),
    ("Dolly ji ko 350 ka udhaar likh do", K::AddCredit, Some("Dolly"), Some(35_000), None),
    ("Raghav ke khate mein 1200 aur jod do", K::AddCredit, Some("Raghav"), Some(120_000), None),
    ("Sonu ne 600 ka saamaan liya hai, baad mein dega, likh lo", K::AddCredit, Some("Sonu"), Some(60_000), None),
    ("put 250 on Mary's account", K::AddCredit, Some("Mary"), Some(25_000), None),
    ("Jagdish ka 900 baaki likho", K::AddCredit, Some("Jagdish"), Some(90_000), None),
    ("सुनील को दो सौ उधार लिखो", K::AddCredit, Some("Suneel"), Some(20_000), None),
    ("Hemant bhai ko 5 hazaar ka maal udhaar diya", K::AddCredit, Some("Hemant"), Some(500_000), None),
    ("Ritu ka kitna baaki hai abhi", K::CheckBalance, Some("Ritu"), None, None),
    ("Naveen pe kitna udhaar chadha hai", K::CheckBalance, Some("Naveen"), None, None),
    ("how much does Peter owe me", K::CheckBalance, Some("Peter"), None, None),
    ("Lalita ka hisaab kya hai", K::CheckBalance, Some("Lalita"), None, None),
    ("सुनील का बाकी बताओ", K::CheckBalance, Some("Suneel"), None, None),
    ("kaun kaun se customer ka paisa baaki hai", K::ListBalances, None, None, None),
    ("who still owes me money", K::ListBalances, None, None, None),
    ("kis kis ne udhaar le rakha hai", K::ListBalances, None, None, None),
    ("sabka udhaar list karo", K::ListBalances, None, None, None),
    ("kul udhaar kitna hai market mein", K::TotalPending, None, None, None),
    ("total kitna lena baaki hai sabse", K::TotalPending, None, None, None),
    ("aaj kitni sale hui", K::DailySummary, None, None, None),
    ("aaj ka total batao", K::DailySummary, None, None, None),
    ("how much did I earn today", K::DailySummary, None, None, None),
    ("Geetika ke liye 2 kilo cheeni aur 1 packet chai ka bill", K::CreateInvoice, Some("Geetika"), None, None),
    ("Raghav ke naam 5 ande aur 2 bread", K::CreateInvoice, Some("Raghav"), None, None),
    ("bill for Peter, 3 packets of milk", K::CreateInvoice, Some("Peter"), None, None),
    ("Shalini ko 2 litre tel de do, bill bana do", K::CreateInvoice, Some("Shalini"), None, None),
    ("1 kilo namak aur jodo", K::AddItems, None, None, None),
    ("aur 2 packet maggi daal do", K::AddItems, None, None, None),
    ("bill pakka karo", K::ConfirmInvoice, None, None, None),
    ("haan invoice final kar do", K::ConfirmInvoice, None, None, None),
    ("bill hata do, nahi chahiye", K::CancelInvoice, None, None, None),
    ("Ritu ko uska bill whatsapp karo", K::SendInvoice, Some("Ritu"), None, None),
    ("draft mein kya hai dikhao", K::ShowPendingInvoice, None, None, None),
    ("bina gst ke banana", K::ToggleGst, None, None, None),
    ("10 rupaye kam kar do", K::AddDiscount, None, None, None),
    ("besan kitna bacha hai", K::CheckStock, None, None, Some("besan")),
    ("sooji ka stock kitna hai", K::CheckStock, None, None, Some("sooji")),
    ("is there any rice left", K::CheckStock, None, None, Some("rice")),
    ("daal 3 bori aa gayi", K::UpdateStock, None, None, Some("daal")),
    ("20 packet biscuit aaye hain", K::UpdateStock, None, None, Some("biscuit")),
    ("namak 10 kilo aaya", K::UpdateStock, None, None, Some("namak")),
    ("naya customer jodo Harpreet, number 98123 45678", K::CreateCustomer, Some("Harpreet"), None, None),
    ("add new customer Anita", K::CreateCustomer, Some("Anita"), None, None),
    ("Raghav ka phone number 9876501234 hai", K::UpdateCustomer, None, None, None),
    ("Peter ka sab data delete kar do", K::DeleteCustomerData, Some("Peter"), None, None),
    ("Lalita ke baare mein batao", K::CustomerInfo, Some("Lalita"), None, None),
    ("Sonu ko kal subah 10 baje paise ka reminder bhejna", K::CreateReminder, Some("Sonu"), None, None),
    ("remind Kiran on Monday about 500", K::CreateReminder, Some("Kiran"), Some(50_000), None),
    ("Ritu ka reminder band karo", K::CancelReminder, Some("Ritu"), None, None),
    ("kaun kaun se reminder lage hain", K::ListReminders, None, None, None),
    ("hindi mein baat karo", K::SwitchLanguage, None, None, None),
    ("tamil mein bolo na", K::SwitchLanguage, None, None, None),
    ("can we talk in english", K::SwitchLanguage, None, None, None),
    ("aaj bahut bheed hai", K::Unknown, None, None, None),
    ("chai bana do", K::Unknown, None, None, None),
];

fn wrong(c: &Case) -> Option<String> {
    let (text, kind, cust, amount, product) = *c;
    let p = parse(text);
    let e = &p.entities;
    let ok = p.intent == kind
        && (cust.is_none() || e.customer.as_deref() == cust)
        && (amount.is_none() || e.amount_paise == amount)
        && (product.is_none() || e.product.as_deref() == product);
    (!ok).then(|| {
        format!(
            "{text:?}: {:?} {:?} {:?} {:?}",
            p.intent, e.customer, e.amount_paise, e.product
        )
    })
}

#[test]
fn fresh_utterances_score() {
    let misses: Vec<String> = FRESH.iter().filter_map(wrong).collect();
    let rate = 100.0 * (FRESH.len() - misses.len()) as f64 / FRESH.len() as f64;
    println!(
        "fresh: {} utterances, intent+entities {rate:.1}%",
        FRESH.len()
    );
    for m in &misses {
        println!("  fresh miss {m}");
    }
    assert!(rate >= 93.0, "{rate:.1}%");
}
