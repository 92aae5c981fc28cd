//! A fourth batch: a customer's own language for their bills and reminders, said in
//! Hinglish, English and Devanagari (`{l}`/`{L}` are a language's name), next to
//! reply-language switches that name no customer and must stay `SwitchLanguage`; and
//! things asked to be made that are not a bill ("chai bana do"), which are `Unknown`.

use crate::engine::intent::IntentKind as K;

#[rustfmt::skip]
pub(super) const TEMPLATES: &[(&str, K)] = &[
    ("{c} ko {l} mein message bhejna", K::SetCustomerLanguage),
    ("{c} ke messages {l} mein bhejo", K::SetCustomerLanguage),
    ("{c} ka bill {l} mein bhejna", K::SetCustomerLanguage),
    ("{c} ki bhasha {l} kar do", K::SetCustomerLanguage),
    ("{c} ko reminder {l} mein jaana chahiye", K::SetCustomerLanguage),
    ("{c} ke liye {l} set karo", K::SetCustomerLanguage),
    ("{c} ko ab se {l} mein sandesh bhejiye", K::SetCustomerLanguage),
    ("{c} sirf {l} padhta hai", K::SetCustomerLanguage),
    ("uske messages {l} mein bhejo", K::SetCustomerLanguage),
    ("{c} ko sab kuch {l} mein likh ke bhejna", K::SetCustomerLanguage),
    ("{c} ke liye language {l} kar do", K::SetCustomerLanguage),
    ("usko bill {l} mein bhejna", K::SetCustomerLanguage),
    ("{c} {l} samajhti hai, usko waise hi bhejo", K::SetCustomerLanguage),
    ("send {e}'s messages in {l}", K::SetCustomerLanguage),
    ("{e} prefers {l}", K::SetCustomerLanguage),
    ("set {e}'s language to {l}", K::SetCustomerLanguage),
    ("message {e} in {l} from now on", K::SetCustomerLanguage),
    ("change the language for {e} to {l}", K::SetCustomerLanguage),
    ("send her reminders in {l}", K::SetCustomerLanguage),
    ("bills for {e} should be in {l}", K::SetCustomerLanguage),
    ("{e} only reads {l}", K::SetCustomerLanguage),
    ("{d} को {L} में मैसेज भेजना", K::SetCustomerLanguage),
    ("{d} के मैसेज {L} में भेजो", K::SetCustomerLanguage),
    ("{d} की भाषा {L} कर दो", K::SetCustomerLanguage),
    ("{d} को बिल {L} में भेजें", K::SetCustomerLanguage),
    ("{d} जी को रिमाइंडर {L} में भेजना", K::SetCustomerLanguage),
    ("ab se {l} mein bolo", K::SwitchLanguage),
    ("mujhse {l} mein baat karo", K::SwitchLanguage),
    ("please reply in {l}", K::SwitchLanguage),
    ("{L} में जवाब दो", K::SwitchLanguage),
    ("talk to me in {l}", K::SwitchLanguage),
];

/// "bana do" said of something that is not the draft.
#[rustfmt::skip]
pub(super) const OTHER_TEMPLATES: &[(&str, K)] = &[
    ("chai bana do", K::Unknown),
    ("sabke liye chai banao", K::Unknown),
    ("khana bana do", K::Unknown),
    ("ek poster bana do dukaan ke liye", K::Unknown),
    ("make me a cup of tea", K::Unknown),
];
