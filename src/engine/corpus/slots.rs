//! The values slots are filled with, each list in two parts: what training sees and what
//! only the held-out split uses, so names and products are also unseen there.
//!
//! Names are the kinds a shop's customers have across India (Hindu, Muslim, Sikh,
//! Christian, southern, nicknames); products are what a kirana sells, written the ways
//! speech-to-text writes them. Devanagari values carry the Roman spelling the parser
//! must produce for them.

use crate::engine::intent::Language;

/// (training, held-out) halves of a list.
pub(super) struct Halves<T: 'static> {
    pub train: &'static [T],
    pub held_out: &'static [T],
}

#[rustfmt::skip]
pub(super) const NAMES: Halves<&str> = Halves {
    train: &[
        "Ramesh", "Suresh", "Sunita", "Bharat", "Priya", "Mohan", "Kavita", "Deepak", "Anil",
        "Pooja", "Rakesh", "Geeta", "Vikram", "Neha", "Imran", "Salim", "Farida", "Joseph",
        "Gurpreet", "Lakshmi", "Venkat", "Arjun", "Meena", "Sanjay", "Rekha", "Manoj", "Asha",
        "Dinesh", "Kamla", "Raju", "Pappu", "Ravi", "Sharma", "Gupta", "Verma", "Yadav",
        "Fatima", "Gopal", "Shyam", "Naresh", "Anjali", "Rohit", "Amit", "Zoya", "Munna",
        "Priya Sharma", "Ramesh Kumar", "Balwinder", "Thomas", "Savitri",
    ],
    held_out: &[
        "Harish", "Jyoti", "Nandini", "Irfan", "Shabnam", "Paramjit", "Selvi", "Murugan",
        "Kishore", "Babita", "Tarun", "Chintu", "Mehta", "Agarwal", "Nisha Verma", "Francis",
        "Ayesha", "Prakash", "Usha", "Devendra",
    ],
};

/// A Devanagari name and how the parser writes it.
#[rustfmt::skip]
pub(super) const DEV_NAMES: Halves<(&str, &str)> = Halves {
    train: &[
        ("रमेश", "Ramesh"), ("भारत", "Bharat"), ("मोहन", "Mohan"), ("सीमा", "Seema"),
        ("गीता", "Geeta"), ("दीपक", "Deepak"), ("अनिल", "Anil"), ("सुरेश", "Suresh"),
        ("राकेश", "Rakesh"), ("कमल", "Kamal"), ("विकास", "Vikas"), ("प्रिया", "Priya"),
    ],
    held_out: &[
        ("महेश", "Mahesh"), ("नीलम", "Neelam"), ("अजय", "Ajay"), ("सलीम", "Saleem"),
        ("दिनेश", "Dinesh"),
    ],
};

/// Spoken amounts and their value in paise.
#[rustfmt::skip]
pub(super) const AMOUNTS: Halves<(&str, i64)> = Halves {
    train: &[
        ("500", 50_000), ("paanch sau", 50_000), ("1200", 120_000), ("dedh hazaar", 150_000),
        ("₹750", 75_000), ("2,500", 250_000), ("do hazaar", 200_000), ("300 rupaye", 30_000),
        ("sadhe teen sau", 35_000), ("1500", 150_000), ("teen hazaar", 300_000),
        ("Rs 450", 45_000), ("dhai sau", 25_000), ("800", 80_000), ("2000", 200_000),
        ("ek hazaar", 100_000), ("250", 25_000), ("5k", 500_000), ("four hundred", 40_000),
        ("two thousand", 200_000), ("600 rs", 60_000), ("chaar sau", 40_000),
    ],
    held_out: &[
        ("700", 70_000), ("saat sau", 70_000), ("1,800", 180_000), ("dhai hazaar", 250_000),
        ("₹900", 90_000), ("350 rupay", 35_000), ("three hundred", 30_000), ("4000", 400_000),
    ],
};

#[rustfmt::skip]
pub(super) const DEV_AMOUNTS: Halves<(&str, i64)> = Halves {
    train: &[
        ("५००", 50_000), ("पांच सौ", 50_000), ("दो हजार", 200_000), ("१२००", 120_000),
        ("ढाई सौ", 25_000), ("तीन सौ", 30_000),
    ],
    held_out: &[("८००", 80_000), ("चार सौ", 40_000), ("डेढ़ हजार", 150_000)],
};

/// Products as said (and as the parser must name them).
#[rustfmt::skip]
pub(super) const PRODUCTS: Halves<&str> = Halves {
    train: &[
        "chawal", "aata", "cheeni", "doodh", "bread", "biscuit", "sabun", "tel", "maggi",
        "chai patti", "namak", "haldi", "besan", "paneer", "dahi", "ghee", "rice", "sugar",
        "oil", "soap", "eggs", "milk", "poha", "suji", "jeera", "toothpaste", "shampoo",
        "cold drink", "anda", "moong",
    ],
    held_out: &[
        "rajma", "chana", "sarso tel", "atta", "surf", "colgate", "coffee", "makhana", "agarbatti",
        "butter",
    ],
};

#[rustfmt::skip]
pub(super) const DEV_PRODUCTS: Halves<(&str, &str)> = Halves {
    train: &[
        ("चावल", "chawal"), ("आटा", "aata"), ("चीनी", "cheeni"), ("तेल", "tel"),
        ("साबुन", "sabun"), ("नमक", "namak"), ("दूध", "doodh"),
    ],
    held_out: &[("बिस्कुट", "biscuit"), ("मैदा", "maida")],
};

/// A quantity word or digits and its value.
#[rustfmt::skip]
pub(super) const QUANTITIES: &[(&str, i64)] = &[
    ("2", 2), ("do", 2), ("3", 3), ("teen", 3), ("5", 5), ("paanch", 5), ("ek", 1), ("10", 10),
    ("das", 10), ("4", 4), ("chaar", 4), ("6", 6), ("12", 12), ("20", 20), ("two", 2),
];

#[rustfmt::skip]
pub(super) const DEV_QUANTITIES: &[(&str, i64)] = &[
    ("दो", 2), ("तीन", 3), ("पांच", 5), ("दस", 10), ("२", 2), ("५", 5),
];

/// A unit as said and the parser's name for it; "" is no unit.
#[rustfmt::skip]
pub(super) const UNITS: &[(&str, Option<&str>)] = &[
    ("kilo", Some("kg")), ("kg", Some("kg")), ("packet", Some("packet")), ("litre", Some("litre")),
    ("bori", Some("bori")), ("piece", Some("piece")), ("dozen", Some("dozen")),
    ("bottle", Some("bottle")), ("box", Some("box")), ("", None), ("", None),
];

#[rustfmt::skip]
pub(super) const DEV_UNITS: &[(&str, Option<&str>)] = &[
    ("किलो", Some("kg")), ("पैकेट", Some("packet")), ("लीटर", Some("litre")), ("बोरी", Some("bori")),
];

/// Reminder times; the parser's reading of them is checked by the table tests.
#[rustfmt::skip]
pub(super) const TIMES: &[&str] = &[
    "kal 7 baje", "kal subah 9 baje", "parso shaam 6 baje", "har mahine 1 tareekh",
    "roz 10 baje", "10 minute baad", "tomorrow at 7 pm", "every day at 9 am", "kal shaam",
    "2 ghante baad", "har somvar", "next week",
];

#[rustfmt::skip]
pub(super) const DEV_TIMES: &[&str] = &["कल 7 बजे", "कल सुबह 9 बजे", "परसों"];

/// Words put around an utterance the way people pad speech.
#[rustfmt::skip]
pub(super) const PREFIXES: &[&str] = &[
    "", "", "", "", "bhai ", "acha ", "suno ", "haan to ", "ok ", "arre ", "ji ",
];
#[rustfmt::skip]
pub(super) const SUFFIXES: &[&str] = &[
    "", "", "", "", " please", " jaldi", " bhai", " zara", "?", ".",
];

/// A language's name as said (any case: speech-to-text capitalises at will).
#[rustfmt::skip]
pub(super) const LANGUAGES: &[(&str, Language)] = &[
    ("Hindi", Language::Hindi), ("hindi", Language::Hindi), ("English", Language::English),
    ("english", Language::English), ("angrezi", Language::English),
    ("Hinglish", Language::Hinglish), ("hinglish", Language::Hinglish),
];

#[rustfmt::skip]
pub(super) const DEV_LANGUAGES: &[(&str, Language)] = &[
    ("हिंदी", Language::Hindi), ("हिन्दी", Language::Hindi), ("अंग्रेज़ी", Language::English),
    ("इंग्लिश", Language::English), ("हिंग्लिश", Language::Hinglish),
];
