//! Devanagari words in Roman letters.
//!
//! Speech-to-text in Hindi mode writes Devanagari. The words the parser acts on (numbers,
//! "udhaar", "बैलेंस", "हाँ") are looked up in a small map giving the spelling the rest of
//! the parser knows; any other word, usually a name or a product, is transliterated letter
//! by letter with the inherent "a" dropped at the end of the word ("भारत" → "bharat"), which
//! is how such names are written in Roman script. Long vowels are written the common way
//! ("सीमा" → "seema") but ā as plain "a", as in "Bharat" and "Ramesh".

/// Words whose letter-by-letter spelling would not be the one the parser knows. Keys are
/// written without nukta and with anusvara for chandrabindu, as `key` makes them.
const WORDS: &[(&str, &str)] = &[
    ("हां", "haan"),
    ("हा", "haan"),
    ("जी", "ji"),
    ("नहीं", "nahin"),
    ("नही", "nahin"),
    ("ना", "na"),
    ("एक", "ek"),
    ("दो", "do"),
    ("तीन", "teen"),
    ("चार", "char"),
    ("पांच", "paanch"),
    ("छह", "chhe"),
    ("छः", "chhe"),
    ("सात", "saat"),
    ("आठ", "aath"),
    ("नौ", "nau"),
    ("दस", "das"),
    ("बीस", "bees"),
    ("पच्चीस", "pachees"),
    ("तीस", "tees"),
    ("चालीस", "chalees"),
    ("पचास", "pachaas"),
    ("साठ", "saath"),
    ("सौ", "sau"),
    ("हजार", "hazaar"),
    ("लाख", "lakh"),
    ("करोड", "crore"),
    ("डेढ", "dedh"),
    ("ढाई", "dhai"),
    ("साढे", "sadhe"),
    ("सवा", "sawa"),
    ("पौने", "paune"),
    ("रुपये", "rupaye"),
    ("रुपए", "rupaye"),
    ("रुपया", "rupaye"),
    ("रूपये", "rupaye"),
    ("बैलेंस", "balance"),
    ("उधार", "udhaar"),
    ("बिल", "bill"),
    ("बाकी", "baki"),
    ("हिसाब", "hisaab"),
    ("को", "ko"),
    ("का", "ka"),
    ("की", "ki"),
    ("के", "ke"),
    ("ने", "ne"),
    ("से", "se"),
    ("में", "mein"),
    ("लिखो", "likho"),
    ("जमा", "jama"),
    ("आ", "aa"),
    ("गया", "gaya"),
    ("दिया", "diya"),
    ("दे", "de"),
    ("कर", "kar"),
    ("करो", "karo"),
    ("ठीक", "theek"),
    ("है", "hai"),
    ("बिल्कुल", "bilkul"),
    ("बिलकुल", "bilkul"),
    ("कैंसिल", "cancel"),
    ("रहने", "rehne"),
    ("मत", "mat"),
    ("डिटेल्स", "details"),
    ("जानकारी", "jankari"),
    ("बताओ", "batao"),
    ("दिखाओ", "dikhao"),
    ("स्टॉक", "stock"),
    ("स्टाक", "stock"),
    ("कितना", "kitna"),
    ("बचा", "bacha"),
    ("आज", "aaj"),
    ("कल", "kal"),
    ("बजे", "baje"),
    ("याद", "yaad"),
    ("रिमाइंडर", "reminder"),
    ("भेजो", "bhejo"),
    ("बनाओ", "banao"),
    ("चावल", "chawal"),
    ("आटा", "aata"),
    ("चीनी", "cheeni"),
    ("पैकेट", "packet"),
    ("किलो", "kilo"),
    ("बोरी", "bori"),
    ("लीटर", "litre"),
    ("नया", "naya"),
    ("ग्राहक", "customer"),
    ("नंबर", "number"),
    ("अंग्रेजी", "angrezi"),
    ("हिंदी", "hindi"),
    ("हिन्दी", "hindi"),
    ("हिंग्लिश", "hinglish"),
    ("मैसेज", "message"),
    ("मेसेज", "message"),
    ("संदेश", "sandesh"),
    ("भाषा", "bhasha"),
    ("भेजना", "bhejna"),
    ("भेजें", "bhejen"),
    ("इंग्लिश", "english"),
    ("बोलो", "bolo"),
    ("पेमेंट", "payment"),
    ("नकद", "nakad"),
    ("कैश", "cash"),
    ("यूपीआई", "upi"),
    ("कुल", "kul"),
    ("सब", "sab"),
    ("सबका", "sabka"),
    ("उसका", "uska"),
    ("इसका", "iska"),
    ("उसके", "uske"),
    ("उसको", "usko"),
    ("उनको", "unko"),
    ("उनका", "unka"),
    ("जवाब", "jawab"),
    ("डिस्काउंट", "discount"),
    ("जीएसटी", "gst"),
    ("लगाओ", "lagao"),
    ("बिना", "bina"),
    ("हटाओ", "hatao"),
    ("डिलीट", "delete"),
    ("डाटा", "data"),
    ("डेटा", "data"),
    ("मिला", "mila"),
    ("और", "aur"),
    ("दिए", "diye"),
    ("गए", "gaye"),
    ("करना", "karna"),
    ("बात", "baat"),
    ("बची", "bachi"),
    ("बचे", "bache"),
    ("हुई", "hui"),
    ("किए", "kiye"),
    ("किये", "kiye"),
    ("बिस्कुट", "biscuit"),
    ("लिख", "likh"),
    ("भेज", "bhej"),
    ("रुको", "ruko"),
    ("माल", "maal"),
    ("सामान", "saman"),
    ("भुगतान", "bhugtan"),
    ("इनवॉइस", "invoice"),
    ("पूरा", "poora"),
    ("सभी", "sabhi"),
    ("दीजिए", "dijiye"),
    ("दीजिये", "dijiye"),
    ("गये", "gaye"),
    ("किस", "kis"),
    ("किसका", "kiska"),
    ("किसके", "kiske"),
    ("किसकी", "kiski"),
    ("किसने", "kisne"),
    ("कौन", "kaun"),
    ("मिलाकर", "milakar"),
    ("रिकॉर्ड", "record"),
    ("रिकार्ड", "record"),
    ("दिये", "diye"),
    ("मिले", "mile"),
    ("भी", "bhi"),
    ("बिक्री", "bikri"),
    ("परसों", "parson"),
    ("कितने", "kitne"),
    ("कितनी", "kitni"),
    ("हुआ", "hua"),
    ("जोडो", "jodo"),
    ("खाता", "khata"),
    ("बकाया", "bakaya"),
    ("पैसे", "paise"),
    ("मराठी", "marathi"),
    ("गुजराती", "gujarati"),
    ("तमिल", "tamil"),
    ("लिए", "liye"),
];

/// The map's spelling of a word: nukta dropped (speech-to-text is inconsistent with it),
/// chandrabindu written as anusvara.
fn key(word: &str) -> String {
    word.chars()
        .filter(|&c| c != '\u{93C}')
        .map(|c| match c {
            '\u{901}' => '\u{902}',
            '\u{958}'..='\u{95F}' => nukta_base(c),
            c => c,
        })
        .collect()
}

fn nukta_base(c: char) -> char {
    match c {
        '\u{958}' => 'क',
        '\u{959}' => 'ख',
        '\u{95A}' => 'ग',
        '\u{95B}' => 'ज',
        '\u{95C}' => 'ड',
        '\u{95D}' => 'ढ',
        '\u{95E}' => 'फ',
        _ => 'य',
    }
}

pub(super) fn to_roman(word: &str) -> String {
    let k = key(word);
    if let Some((_, roman)) = WORDS.iter().find(|(d, _)| *d == k) {
        return (*roman).to_string();
    }
    letters(word)
}

/// Letter-by-letter transliteration. A consonant carries an "a" unless a vowel sign or
/// virama follows, and the last one of the word drops it ("ramesh", not "ramesha").
fn letters(word: &str) -> String {
    let chars: Vec<char> = word.chars().collect();
    let mut out = String::new();
    let mut schwa = false;
    for (i, &c) in chars.iter().enumerate() {
        let nukta = chars.get(i + 1) == Some(&'\u{93C}');
        if let Some(r) = consonant(c, nukta) {
            if schwa {
                out.push('a');
            }
            out.push_str(r);
            schwa = true;
        } else if let Some(v) = vowel_sign(c) {
            out.push_str(v);
            schwa = false;
        } else if c == '\u{94D}' {
            schwa = false;
        } else if c != '\u{93C}' {
            if schwa {
                out.push('a');
                schwa = false;
            }
            match c {
                '\u{901}' | '\u{902}' => out.push('n'),
                '\u{903}' => out.push('h'),
                c => match vowel(c) {
                    Some(v) => out.push_str(v),
                    None if c.is_alphanumeric() => out.extend(c.to_lowercase()),
                    None => {}
                },
            }
        }
    }
    out
}

fn consonant(c: char, nukta: bool) -> Option<&'static str> {
    Some(match c {
        'क' | '\u{958}' => "k",
        'ख' | '\u{959}' => "kh",
        'ग' | '\u{95A}' => "g",
        'घ' => "gh",
        'च' => "ch",
        'छ' => "chh",
        'ज' if nukta => "z",
        '\u{95B}' => "z",
        'ज' => "j",
        'झ' => "jh",
        'ट' => "t",
        'ठ' => "th",
        'ड' if nukta => "r",
        'ड' => "d",
        '\u{95C}' => "r",
        'ढ' | '\u{95D}' => "dh",
        'ङ' | 'ञ' | 'ण' | 'न' | 'ऩ' => "n",
        'त' => "t",
        'थ' => "th",
        'द' => "d",
        'ध' => "dh",
        'प' => "p",
        'फ' if nukta => "f",
        '\u{95E}' => "f",
        'फ' => "ph",
        'ब' => "b",
        'भ' => "bh",
        'म' => "m",
        'य' | '\u{95F}' => "y",
        'र' | 'ऱ' => "r",
        'ल' | 'ळ' | 'ऴ' => "l",
        'व' => "v",
        'श' | 'ष' => "sh",
        'स' => "s",
        'ह' => "h",
        _ => return None,
    })
}

fn vowel_sign(c: char) -> Option<&'static str> {
    Some(match c {
        'ा' => "a",
        'ि' => "i",
        'ी' => "ee",
        'ु' => "u",
        'ू' => "oo",
        'ृ' => "ri",
        'े' | 'ॅ' => "e",
        'ै' => "ai",
        'ो' | 'ॉ' => "o",
        'ौ' => "au",
        _ => return None,
    })
}

fn vowel(c: char) -> Option<&'static str> {
    Some(match c {
        'अ' => "a",
        'आ' => "aa",
        'इ' => "i",
        'ई' => "ee",
        'उ' => "u",
        'ऊ' => "oo",
        'ऋ' => "ri",
        'ए' | 'ऍ' => "e",
        'ऐ' => "ai",
        'ओ' | 'ऑ' => "o",
        'औ' => "au",
        _ => return None,
    })
}
