//! Table tests for the rule-based parser: utterances with the intent and the entities they
//! must yield, yes/no answers, spoken amounts, and inputs that must not panic.
//!
//! An entity listed for a case is asserted exactly; one not listed is not checked, so a
//! case states only what the utterance clearly says.

use super::*;
use crate::engine::intent::{IntentKind as K, Language, PaymentMode as M};

/// What a case expects besides the intent.
#[derive(Debug, Clone, Copy)]
pub(super) enum E {
    Cust(&'static str),
    NoCust,
    Active,
    Amt(i64),
    Items(&'static [(&'static str, i64, Option<&'static str>)]),
    Pay(&'static [(M, i64)]),
    Phone(&'static str),
    Email(&'static str),
    Gstin(&'static str),
    When(&'static str),
    Product(&'static str),
    Qty(i64),
    Unit(&'static str),
    Lang(Language),
    /// No language we speak was named.
    NoLang,
    Gst(bool),
    Pct(u32),
    Off(i64),
    All,
    Conf(f32),
    Norm(&'static str),
}
pub(super) use E::*;

const KG: Option<&str> = Some("kg");
const PKT: Option<&str> = Some("packet");

#[rustfmt::skip]
const CASES: &[(&str, K, &[E])] = &[
    // CreateInvoice
    ("Rahul ke liye do kilo chawal aur teen packet biscuit ka bill banao", K::CreateInvoice, &[Cust("Rahul"), Items(&[("chawal", 2, KG), ("biscuit", 3, PKT)]), Conf(0.9)]),
    ("create a bill for Rahul with 2 kg rice and 3 packets of biscuit", K::CreateInvoice, &[Cust("Rahul"), Items(&[("rice", 2, KG), ("biscuit", 3, PKT)])]),
    ("Sunita ka bill banao 5 kilo aata", K::CreateInvoice, &[Cust("Sunita"), Items(&[("aata", 5, KG)])]),
    ("Mohan ji ke liye bill banao ek litre doodh aur do packet bread", K::CreateInvoice, &[Cust("Mohan"), Items(&[("doodh", 1, Some("litre")), ("bread", 2, PKT)])]),
    ("बिल बनाओ दो किलो चीनी", K::CreateInvoice, &[Items(&[("cheeni", 2, KG)]), Norm("bill banao 2 kilo cheeni")]),
    ("invoice banao Amit ke liye 10 piece sabun GST ke saath", K::CreateInvoice, &[Cust("Amit"), Items(&[("sabun", 10, Some("piece"))]), Gst(true)]),
    ("bina GST ke bill banao Ravi ke liye 3 kilo rajma", K::CreateInvoice, &[Cust("Ravi"), Items(&[("rajma", 3, KG)]), Gst(false)]),
    ("make an invoice for Priya: 2 bottles of oil", K::CreateInvoice, &[Cust("Priya"), Items(&[("oil", 2, Some("bottle"))])]),
    ("dedh kilo chawal ka bill banao", K::CreateInvoice, &[Items(&[("chawal", 1500, Some("g"))]), NoCust]),
    ("Rahul ka bill banao", K::CreateInvoice, &[Cust("Rahul"), Items(&[]), Conf(0.7)]),
    ("Rahul ke liye 3 kilo aloo aur 2 kilo pyaz ka bill with gst", K::CreateInvoice, &[Cust("Rahul"), Items(&[("aloo", 3, KG), ("pyaz", 2, KG)]), Gst(true)]),
    // AddItems
    ("do packet biscuit aur jodo", K::AddItems, &[Items(&[("biscuit", 2, PKT)]), NoCust, Conf(0.9)]),
    ("add 2 kg sugar", K::AddItems, &[Items(&[("sugar", 2, KG)])]),
    ("teen bottle tel bhi daalo", K::AddItems, &[Items(&[("tel", 3, Some("bottle"))])]),
    ("ek dozen ande aur add karo", K::AddItems, &[Items(&[("ande", 1, Some("dozen"))])]),
    ("5 kilo aata aur 2 litre doodh", K::AddItems, &[Items(&[("aata", 5, KG), ("doodh", 2, Some("litre"))])]),
    ("paanch packet maggi jodo", K::AddItems, &[Items(&[("maggi", 5, PKT)])]),
    // ToggleGst
    ("GST lagao", K::ToggleGst, &[Gst(true), Conf(0.9)]),
    ("bina GST ke", K::ToggleGst, &[Gst(false)]),
    ("GST hatao", K::ToggleGst, &[Gst(false)]),
    ("add GST to the bill", K::ToggleGst, &[Gst(true)]),
    ("without gst", K::ToggleGst, &[Gst(false)]),
    ("जीएसटी लगाओ", K::ToggleGst, &[Gst(true)]),
    ("bill mein GST mat lagao", K::ToggleGst, &[Gst(false)]),
    // AddDiscount
    ("aata pe 5% discount do", K::AddDiscount, &[Pct(5), Product("aata")]),
    ("50 rupay kam karo", K::AddDiscount, &[Off(5_000)]),
    ("10 percent discount", K::AddDiscount, &[Pct(10)]),
    ("give 20 rupees discount", K::AddDiscount, &[Off(2_000)]),
    ("bill pe 100 rupaye ki chhoot do", K::AddDiscount, &[Off(10_000)]),
    ("पचास रुपये कम करो", K::AddDiscount, &[Off(5_000)]),
    // ConfirmInvoice
    ("bill confirm karo", K::ConfirmInvoice, &[Conf(0.9)]),
    ("theek hai bana do", K::ConfirmInvoice, &[]),
    ("Rahul wala confirm", K::ConfirmInvoice, &[Cust("Rahul")]),
    ("bill pakka karo", K::ConfirmInvoice, &[]),
    ("final karo invoice", K::ConfirmInvoice, &[]),
    ("confirm the invoice", K::ConfirmInvoice, &[]),
    ("sab bills confirm karo", K::ConfirmInvoice, &[All]),
    // CancelInvoice
    ("bill cancel karo", K::CancelInvoice, &[]),
    ("sab bills cancel kar do", K::CancelInvoice, &[All]),
    ("Ramesh ka bill cancel karo", K::CancelInvoice, &[Cust("Ramesh")]),
    ("draft hatao", K::CancelInvoice, &[]),
    ("cancel the invoice", K::CancelInvoice, &[]),
    ("बिल कैंसिल करो", K::CancelInvoice, &[]),
    // SendInvoice
    ("Sunita ka bill bhej do", K::SendInvoice, &[Cust("Sunita")]),
    ("send invoice to Sunita", K::SendInvoice, &[Cust("Sunita")]),
    ("bill whatsapp karo", K::SendInvoice, &[]),
    ("invoice bhejo Rahul ko", K::SendInvoice, &[Cust("Rahul")]),
    ("Rahul ka bill rahul at gmail dot com pe bhejo", K::SendInvoice, &[Cust("Rahul"), Email("rahul@gmail.com")]),
    // ShowPendingInvoice
    ("draft dikhao", K::ShowPendingInvoice, &[]),
    ("pending bill dikhao", K::ShowPendingInvoice, &[]),
    ("show pending invoices", K::ShowPendingInvoice, &[]),
    ("Rahul ka draft dikhao", K::ShowPendingInvoice, &[Cust("Rahul")]),
    ("kaunse bills pending hain", K::ShowPendingInvoice, &[]),
    // RecordPayment
    ("Bharat ka 300 aa gaya", K::RecordPayment, &[Cust("Bharat"), Amt(30_000), Conf(0.9)]),
    ("500 cash aur 300 UPI mila", K::RecordPayment, &[Pay(&[(M::Cash, 50_000), (M::Upi, 30_000)]), Amt(80_000)]),
    ("Ramesh ne 1000 de diya", K::RecordPayment, &[Cust("Ramesh"), Amt(100_000), Pay(&[])]),
    ("received 500 from Ramesh by upi", K::RecordPayment, &[Cust("Ramesh"), Amt(50_000), Pay(&[(M::Upi, 50_000)])]),
    ("Sunita ji ne paanch sau jama kiye", K::RecordPayment, &[Cust("Sunita"), Amt(50_000)]),
    ("uska 2000 payment aa gaya gpay se", K::RecordPayment, &[Active, Amt(200_000), Pay(&[(M::Upi, 200_000)])]),
    ("पांच सौ रुपये जमा", K::RecordPayment, &[Amt(50_000), Conf(0.7)]),
    ("Mohan ka ढाई सौ mila", K::RecordPayment, &[Cust("Mohan"), Amt(25_000)]),
    ("cash 700 aur card 300 diya Raju ne", K::RecordPayment, &[Cust("Raju"), Amt(100_000), Pay(&[(M::Cash, 70_000), (M::Card, 30_000)])]),
    ("Ramesh paid 1,500 by bank transfer", K::RecordPayment, &[Cust("Ramesh"), Amt(150_000), Pay(&[(M::Bank, 150_000)])]),
    ("₹2,500 aa gaye Deepak se", K::RecordPayment, &[Cust("Deepak"), Amt(250_000)]),
    ("Ramesh ne sadhe teen sau diye", K::RecordPayment, &[Cust("Ramesh"), Amt(35_000)]),
    ("Ajay se 1200 mil gaye nakad", K::RecordPayment, &[Cust("Ajay"), Amt(120_000), Pay(&[(M::Cash, 120_000)])]),
    // AddCredit
    ("Ramesh ko 500 udhaar likho", K::AddCredit, &[Cust("Ramesh"), Amt(50_000), Conf(0.9)]),
    ("Bharat ka 500 add karo", K::AddCredit, &[Cust("Bharat"), Amt(50_000)]),
    ("रमेश को ५०० उधार लिखो", K::AddCredit, &[Cust("Ramesh"), Amt(50_000), Norm("ramesh ko 500 udhaar likho")]),
    ("add 500 credit to Ramesh", K::AddCredit, &[Cust("Ramesh"), Amt(50_000)]),
    ("dedh hazaar udhaar likho Mohan ke khate mein", K::AddCredit, &[Cust("Mohan"), Amt(150_000), Norm("1500 udhaar likho mohan ke khate mein")]),
    ("Suresh bhai ke khate mein 400 likh do", K::AddCredit, &[Cust("Suresh"), Amt(40_000)]),
    ("iske naam 250 udhaar", K::AddCredit, &[Active, Amt(25_000)]),
    ("Pooja didi ko do hazaar ka saaman udhaar diya", K::AddCredit, &[Cust("Pooja"), Amt(200_000)]),
    ("Ramesh ke naam 5 lakh udhaar", K::AddCredit, &[Cust("Ramesh"), Amt(50_000_000)]),
    ("write 300 on credit for Amit", K::AddCredit, &[Cust("Amit"), Amt(30_000)]),
    ("Ramesh bhai ko 2 hazaar udhaar de do", K::AddCredit, &[Cust("Ramesh"), Amt(200_000)]),
    ("paanch sau pachaas udhaar Deepak ko", K::AddCredit, &[Cust("Deepak"), Amt(55_000)]),
    ("udhaar likho", K::AddCredit, &[NoCust, Conf(0.7)]),
    // CheckBalance
    ("Ramesh ka balance kitna hai", K::CheckBalance, &[Cust("Ramesh"), Conf(0.9)]),
    ("uska hisaab batao", K::CheckBalance, &[Active]),
    ("what is Ramesh's balance", K::CheckBalance, &[Cust("Ramesh")]),
    ("Sharma ji ka kitna baki hai", K::CheckBalance, &[Cust("Sharma")]),
    ("रमेश का बैलेंस बताओ", K::CheckBalance, &[Cust("Ramesh")]),
    ("check balance of Sunita", K::CheckBalance, &[Cust("Sunita")]),
    ("Mohan ka udhaar kitna hai", K::CheckBalance, &[Cust("Mohan")]),
    ("pichle customer ka balance", K::CheckBalance, &[Active]),
    // CustomerInfo
    ("Bharat ki sari jankari batao", K::CustomerInfo, &[Cust("Bharat")]),
    ("भारत की डिटेल्स बताओ", K::CustomerInfo, &[Cust("Bharat")]),
    ("show details of Ramesh", K::CustomerInfo, &[Cust("Ramesh")]),
    ("uski info do", K::CustomerInfo, &[Active]),
    ("Sunita ki details dikhao", K::CustomerInfo, &[Cust("Sunita")]),
    // ListBalances
    ("sabka balance batao", K::ListBalances, &[All]),
    ("sab ka hisaab dikhao", K::ListBalances, &[All]),
    ("list all balances", K::ListBalances, &[]),
    ("saare customers ka baki batao", K::ListBalances, &[]),
    ("सबका बैलेंस बताओ", K::ListBalances, &[]),
    // TotalPending
    ("kitna paisa baki hai", K::TotalPending, &[NoCust]),
    ("total udhaar kitna hai", K::TotalPending, &[]),
    ("kul baki batao", K::TotalPending, &[]),
    ("how much is pending in total", K::TotalPending, &[]),
    ("market mein kitna paisa baki hai", K::TotalPending, &[]),
    // CreateCustomer
    ("naya customer Suresh banao, number 98765 43210", K::CreateCustomer, &[Cust("Suresh"), Phone("9876543210"), Conf(0.9)]),
    ("add customer Priya Sharma", K::CreateCustomer, &[Cust("Priya Sharma")]),
    ("new customer Raju with phone 9123456780", K::CreateCustomer, &[Cust("Raju"), Phone("9123456780")]),
    ("Suresh naam se naya khata kholo", K::CreateCustomer, &[Cust("Suresh")]),
    ("नया ग्राहक रमेश बनाओ", K::CreateCustomer, &[Cust("Ramesh")]),
    ("create a new customer named Kavita", K::CreateCustomer, &[Cust("Kavita")]),
    // UpdateCustomer
    ("Suresh ka GSTIN 07AABCU9603R1ZP hai", K::UpdateCustomer, &[Cust("Suresh"), Gstin("07AABCU9603R1ZP"), Conf(0.9)]),
    ("Suresh ka number 98765 43210 hai", K::UpdateCustomer, &[Cust("Suresh"), Phone("9876543210")]),
    ("Rahul ka email rahul at gmail dot com hai", K::UpdateCustomer, &[Cust("Rahul"), Email("rahul@gmail.com")]),
    ("Suresh ka number nau aath saat chhe paanch chaar teen do ek shunya hai", K::UpdateCustomer, &[Cust("Suresh"), Phone("9876543210")]),
    ("update Amit's phone to 9988776655", K::UpdateCustomer, &[Cust("Amit"), Phone("9988776655")]),
    ("uska email priya.k@yahoo.com hai", K::UpdateCustomer, &[Active, Email("priya.k@yahoo.com")]),
    ("Ramesh ka GST number 27aapfu0939f1zv update karo", K::UpdateCustomer, &[Cust("Ramesh"), Gstin("27AAPFU0939F1ZV")]),
    ("Mohan ka mobile +91 98765 43210 hai", K::UpdateCustomer, &[Cust("Mohan"), Phone("919876543210")]),
    // DeleteCustomerData
    ("Bharat ka data delete karo", K::DeleteCustomerData, &[Cust("Bharat"), Conf(0.9)]),
    ("delete Ramesh's data", K::DeleteCustomerData, &[Cust("Ramesh")]),
    ("uska saara data hatao", K::DeleteCustomerData, &[Active]),
    ("Sunita ka record mitao", K::DeleteCustomerData, &[Cust("Sunita")]),
    ("भारत का डेटा डिलीट करो", K::DeleteCustomerData, &[Cust("Bharat")]),
    // CreateReminder
    ("Rahul ko 500 ka reminder kal 7 baje bhejo", K::CreateReminder, &[Cust("Rahul"), Amt(50_000), When("kal 7 baje")]),
    ("Rahul ko 500 ka reminder har 5 minute me bhejo", K::CreateReminder, &[Cust("Rahul"), Amt(50_000), When("har 5 minute")]),
    ("Rahul ko daily 3 baje yaad dilana", K::CreateReminder, &[Cust("Rahul"), When("daily 3 baje")]),
    ("Ramesh ko har mahine 1 tareekh reminder bhejo", K::CreateReminder, &[Cust("Ramesh"), When("har mahine 1 tareekh")]),
    ("remind Rahul to pay 500 tomorrow 7 pm", K::CreateReminder, &[Cust("Rahul"), Amt(50_000), When("tomorrow 7 pm")]),
    ("Sunita ko 10 minute baad yaad dila do", K::CreateReminder, &[Cust("Sunita"), When("10 minute baad")]),
    ("Mohan ko kal saat baje reminder bhejo", K::CreateReminder, &[Cust("Mohan"), When("kal 7 baje")]),
    ("रमेश को कल 7 बजे याद दिलाना", K::CreateReminder, &[Cust("Ramesh"), When("kal 7 baje")]),
    ("Ramesh ka 500 udhaar kal 7 baje yaad dilana", K::CreateReminder, &[Cust("Ramesh"), Amt(50_000), When("kal 7 baje")]),
    // CancelReminder
    ("Rahul ka reminder cancel karo", K::CancelReminder, &[Cust("Rahul")]),
    ("saare reminders band karo", K::CancelReminder, &[All, NoCust]),
    ("uska reminder hatao", K::CancelReminder, &[Active]),
    ("cancel reminder for Sunita", K::CancelReminder, &[Cust("Sunita")]),
    ("Mohan ko yaad mat dilana", K::CancelReminder, &[Cust("Mohan")]),
    // ListReminders
    ("saare reminder dikhao", K::ListReminders, &[All]),
    ("list reminders", K::ListReminders, &[]),
    ("kaunse reminders pending hain", K::ListReminders, &[]),
    ("show all reminders", K::ListReminders, &[All]),
    ("Rahul ke reminders dikhao", K::ListReminders, &[Cust("Rahul")]),
    // CheckStock
    ("aata kitna bacha hai", K::CheckStock, &[Product("aata"), Conf(0.9)]),
    ("cheeni ka stock batao", K::CheckStock, &[Product("cheeni")]),
    ("how much sugar is left", K::CheckStock, &[Product("sugar")]),
    ("check stock of rice", K::CheckStock, &[Product("rice")]),
    ("चावल कितना बचा है", K::CheckStock, &[Product("chawal")]),
    ("maggi ka stock kitna hai", K::CheckStock, &[Product("maggi")]),
    // UpdateStock
    ("50 kilo aata aaya", K::UpdateStock, &[Product("aata"), Qty(50), Unit("kg")]),
    ("cheeni 2 bori aayi", K::UpdateStock, &[Product("cheeni"), Qty(2), Unit("bori")]),
    ("stock update karo chawal 20 kilo", K::UpdateStock, &[Product("chawal"), Qty(20), Unit("kg")]),
    ("add 30 packets of biscuit to stock", K::UpdateStock, &[Product("biscuit"), Qty(30), Unit("packet")]),
    ("बीस पैकेट बिस्कुट आया", K::UpdateStock, &[Product("biscuit"), Qty(20), Unit("packet")]),
    ("10 litre tel aa gaya", K::UpdateStock, &[Product("tel"), Qty(10), Unit("litre")]),
    // DailySummary
    ("aaj ka hisaab batao", K::DailySummary, &[]),
    ("daily summary", K::DailySummary, &[]),
    ("aaj ki bikri kitni hui", K::DailySummary, &[]),
    ("today's sales report", K::DailySummary, &[]),
    ("आज का हिसाब बताओ", K::DailySummary, &[Norm("aaj ka hisaab batao")]),
    // SwitchLanguage
    ("English mein bolo", K::SwitchLanguage, &[Lang(Language::English)]),
    ("Hindi mein baat karo", K::SwitchLanguage, &[Lang(Language::Hindi)]),
    ("Hinglish mein bolo", K::SwitchLanguage, &[Lang(Language::Hinglish)]),
    ("Marathi mein bolo", K::SwitchLanguage, &[NoLang, Conf(0.7)]),
    ("can you speak tamil", K::SwitchLanguage, &[NoLang]),
    ("speak english", K::SwitchLanguage, &[Lang(Language::English)]),
    ("switch to hindi please", K::SwitchLanguage, &[Lang(Language::Hindi)]),
    ("अंग्रेजी में बोलो", K::SwitchLanguage, &[Lang(Language::English)]),
    // SetCustomerLanguage (more in rules_language_tests.rs)
    ("Ramesh ko Hindi mein message bhejna", K::SetCustomerLanguage, &[Cust("Ramesh"), Lang(Language::Hindi), Conf(0.9)]),
    ("send Sunita's messages in English", K::SetCustomerLanguage, &[Cust("Sunita"), Lang(Language::English)]),
    ("सुनीता को अंग्रेज़ी में मैसेज भेजना", K::SetCustomerLanguage, &[Cust("Suneeta"), Lang(Language::English)]),
    ("uske bill Hinglish mein bhejo", K::SetCustomerLanguage, &[Active, Lang(Language::Hinglish)]),
    // More phrasings
    ("Geeta ke liye 2 packet chai patti ka bill bana do", K::CreateInvoice, &[Cust("Geeta"), Items(&[("chai patti", 2, PKT)])]),
    ("add 3 bottles of cold drink", K::AddItems, &[Items(&[("cold drink", 3, Some("bottle"))])]),
    ("got 1200 from Sunita in cash", K::RecordPayment, &[Cust("Sunita"), Amt(120_000), Pay(&[(M::Cash, 120_000)])]),
    ("how much does Ramesh owe", K::CheckBalance, &[Cust("Ramesh")]),
    ("कुल बाकी कितना है", K::TotalPending, &[]),
    ("har customer ka balance dikhao", K::ListBalances, &[NoCust]),
    ("Mohan ko customer add karo number 9812345678", K::CreateCustomer, &[Cust("Mohan"), Phone("9812345678")]),
    ("Rahul ka pata badlo", K::UpdateCustomer, &[Cust("Rahul"), Conf(0.7)]),
    ("remove customer Vijay", K::DeleteCustomerData, &[Cust("Vijay")]),
    ("uska bill bhejo", K::SendInvoice, &[Active]),
    ("kitne packet maggi bache hain", K::CheckStock, &[Product("maggi")]),
    ("aaj kitna becha", K::DailySummary, &[]),
    ("stop all reminders", K::CancelReminder, &[All]),
    ("मेरे रिमाइंडर दिखाओ", K::ListReminders, &[]),
    ("kya haal hai bhai", K::Unknown, &[]),
    ("reply in english", K::SwitchLanguage, &[Lang(Language::English)]),
    ("set a reminder for Kiran every day at 9 am", K::CreateReminder, &[Cust("Kiran"), When("every day at 9 am")]),
    ("total pe 10% chhoot", K::AddDiscount, &[Pct(10)]),
    ("GST ke saath bill banao", K::ToggleGst, &[Gst(true)]),
    ("Vikram ne 750 phonepe kiya", K::RecordPayment, &[Cust("Vikram"), Amt(75_000), Pay(&[(M::Upi, 75_000)])]),
    ("2 kilo dal aur 1 kilo cheeni jodo", K::AddItems, &[Items(&[("dal", 2, KG), ("cheeni", 1, KG)])]),
    ("Ramesh se kitne paise lene hain", K::CheckBalance, &[Cust("Ramesh")]),
    // Shapes from issue 15, in words of our own
    ("who owes me the most", K::ListBalances, &[NoCust]),
    ("tell me who hasn't paid", K::ListBalances, &[NoCust]),
    ("kisi ka kuch baaki hai kya", K::ListBalances, &[NoCust]),
    ("Ramesh aaya tha, uska 300 likh lo", K::AddCredit, &[Cust("Ramesh"), Amt(30_000)]),
    ("Sita ne 1000 diye, 400 cash baaki upi", K::RecordPayment, &[Cust("Sita"), Amt(100_000), Pay(&[(M::Cash, 40_000), (M::Upi, 60_000)])]),
    ("Mohan ne 800 diye, aadha aadha cash aur upi", K::RecordPayment, &[Amt(80_000), Pay(&[(M::Cash, 40_000), (M::Upi, 40_000)])]),
    ("Bhola se 1500 mile, 1000 cash 500 upi", K::RecordPayment, &[Cust("Bhola"), Amt(150_000), Pay(&[(M::Cash, 100_000), (M::Upi, 50_000)])]),
    ("Anil ka 2 kilo aata aur 1 kilo cheeni", K::CreateInvoice, &[Cust("Anil"), Items(&[("aata", 2, KG), ("cheeni", 1, KG)])]),
    ("naya customer jodo Harish, 9876543210", K::CreateCustomer, &[Cust("Harish"), Phone("9876543210")]),
    ("daal 3 bori aa gayi", K::UpdateStock, &[Product("daal"), Qty(3), Unit("bori")]),
    ("सुरेश ने 500 रुपये दे दिए", K::RecordPayment, &[Cust("Suresh"), Amt(50_000)]),
    ("put 250 on Mary's tab", K::AddCredit, &[Cust("Mary"), Amt(25_000)]),
    ("Ramesh ko har somvar reminder bhejo", K::CreateReminder, &[Cust("Ramesh"), When("har somvar")]),
    ("add two more packets of biscuits", K::AddItems, &[Items(&[("biscuits", 2, PKT)])]),
    ("how many eggs do we have", K::CheckStock, &[Product("eggs")]),
    ("erase all of Joseph's information", K::DeleteCustomerData, &[Cust("Joseph")]),
    ("don't remind Rani anymore", K::CancelReminder, &[Cust("Rani")]),
    ("what reminders do I have", K::ListReminders, &[]),
    ("Salim kaun hai, number kya hai", K::CustomerInfo, &[Cust("Salim")]),
    ("Pappu ka 200 udhaar tha, aaj de gaya", K::RecordPayment, &[Cust("Pappu"), Amt(20_000)]),
    ("Gupta ji ko 3 kilo chini aur 1 litre tel diya hai udhaar pe", K::CreateInvoice, &[Cust("Gupta")]),
    ("doodh khatam ho gaya kya", K::CheckStock, &[Product("doodh")]),
    ("ek naya khata kholna hai Babli ke naam se", K::CreateCustomer, &[Cust("Babli")]),
    ("Babli ka khata band kar do", K::DeleteCustomerData, &[Cust("Babli")]),
    ("nahi nahi galat ho gaya", K::Unknown, &[]),
    ("bill mein se maggi hata do", K::Unknown, &[]),
    ("Room no 12 wale Sharma ji ka 300 udhaar", K::AddCredit, &[Cust("Sharma"), Amt(30_000)]),
    ("Ramesh ka 2 din pehle ka 700 aaya", K::RecordPayment, &[Cust("Ramesh"), Amt(70_000)]),
    ("Ramesh ne 5 tarikh ko 500 diye the", K::RecordPayment, &[Cust("Ramesh"), Amt(50_000)]),
    ("Ramesh 9876543210 wale ka 400 aaya", K::RecordPayment, &[Cust("Ramesh"), Amt(40_000)]),
    ("चीनी कितनी बची है", K::CheckStock, &[Product("cheeni"), Conf(0.9)]),
    ("राजेश ने 500 नकद और 300 यूपीआई दिए", K::RecordPayment, &[Cust("Rajesh"), Amt(80_000), Pay(&[(M::Cash, 50_000), (M::Upi, 30_000)])]),
    ("Ramesh ke liye dedh kilo aloo aur aadha kilo pyaaz", K::CreateInvoice, &[Cust("Ramesh"), Items(&[("aloo", 1500, Some("g")), ("pyaaz", 500, Some("g"))])]),
    ("3 dozen kele aur 2 packet doodh Mohan ke liye", K::CreateInvoice, &[Cust("Mohan"), Items(&[("kele", 3, Some("dozen")), ("doodh", 2, PKT)])]),
    // Unknown
    ("mausam kaisa hai", K::Unknown, &[Conf(0.3)]),
    ("chai bana do", K::Unknown, &[]),
    ("hello", K::Unknown, &[]),
    ("asdf qwerty", K::Unknown, &[]),
    ("🙂🙂", K::Unknown, &[Conf(0.0)]),
    ("", K::Unknown, &[Conf(0.0), Norm("")]),
];

/// Every mismatch between what `parse` found and what the case expects.
pub(super) fn mismatches(text: &str, kind: K, expect: &[E]) -> Vec<String> {
    let p = parse(text);
    let e = &p.entities;
    let mut bad = Vec::new();
    if p.intent != kind {
        bad.push(format!("intent {:?}", p.intent));
    }
    for want in expect {
        let ok = match *want {
            Cust(c) => e.customer.as_deref() == Some(c) && !e.active_customer,
            NoCust => e.customer.is_none() && !e.active_customer,
            Active => e.customer.is_none() && e.active_customer,
            Amt(a) => e.amount_paise == Some(a),
            Items(items) => {
                let got: Vec<_> = e
                    .items
                    .iter()
                    .map(|i| (i.product.as_str(), i.quantity, i.unit.as_deref()))
                    .collect();
                got == items
            }
            Pay(parts) => {
                let got: Vec<_> = e
                    .payments
                    .iter()
                    .map(|p| (p.mode, p.amount_paise))
                    .collect();
                got == parts
            }
            Phone(s) => e.phone.as_deref() == Some(s),
            Email(s) => e.email.as_deref() == Some(s),
            Gstin(s) => e.gstin.as_deref() == Some(s),
            When(s) => e.when.as_deref() == Some(s),
            Product(s) => e.product.as_deref() == Some(s),
            Qty(q) => e.quantity == Some(q),
            Unit(u) => e.unit.as_deref() == Some(u),
            Lang(l) => e.language == Some(l),
            NoLang => e.language.is_none(),
            Gst(g) => e.with_gst == Some(g),
            Pct(d) => e.discount_percent == Some(d),
            Off(a) => e.discount_paise == Some(a),
            All => e.all,
            Conf(c) => (p.confidence - c).abs() < 0.01,
            Norm(s) => p.normalized == s,
        };
        if !ok {
            bad.push(format!("{want:?}"));
        }
    }
    if !bad.is_empty() {
        bad.insert(0, format!("{text:?}: got {p:?}\n   wrong:"));
    }
    bad
}

#[test]
fn table_of_utterances() {
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
    assert!(CASES.len() >= 170, "only {} cases", CASES.len());
}

#[test]
fn every_intent_is_covered_four_times() {
    for kind in IntentKind::ALL {
        let n = CASES.iter().filter(|(_, k, _)| *k == kind).count();
        assert!(n >= 4, "{kind:?} has {n} cases");
    }
}

#[test]
fn parsed_intents_pass_validation() {
    for (text, _, _) in CASES {
        assert!(parse(text).validated().is_ok(), "{text}");
    }
}
