//! Filling a template's slots and recording what the parser must find.
//!
//! Slots: `{c}` a Roman name (sometimes with "ji"/"bhai"), `{e}` a bare Roman name,
//! `{d}` a Devanagari name, `{a}`/`{b}` amounts (the expected amount is their sum),
//! `{h}` half of the last amount in digits (a part of a total already said), `{A}` a
//! Devanagari amount, `{i}`/`{I}` items, `{p}`/`{P}` a product, `{q}` a stock quantity
//! with its unit, `{t}`/`{T}` a reminder time, `{n}` a phone number, `{l}`/`{L}` a
//! language's name (Roman, Devanagari). A template without a
//! name that uses a pronoun ("uska", "his") expects the active customer.

use super::slots::{self, Halves};
use super::{Expect, Split};
use crate::engine::intent::{IntentKind, ItemEntity};

/// A small seeded generator (SplitMix64): the same corpus on every machine and start.
pub(super) struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<'a, T>(&mut self, list: &'a [T]) -> &'a T {
        &list[self.below(list.len())]
    }

    fn half<'a, T>(&mut self, h: &'a Halves<T>, split: Split) -> &'a T {
        match split {
            Split::Train => self.pick(h.train),
            Split::HeldOut => self.pick(h.held_out),
        }
    }
}

/// Pronouns that point at the conversation's customer.
const POINTERS: &[&str] = &[
    "uska",
    "uske",
    "uski",
    "usne",
    "usko",
    "iska",
    "iske",
    "unka",
    "unhone",
    "his",
    "her",
    "him",
    "उसका",
    "उसके",
    "उसने",
];

/// The utterance a template yields and what it says.
pub(super) fn fill(
    template: &str,
    intent: IntentKind,
    split: Split,
    rng: &mut Rng,
) -> (String, Expect) {
    let mut out = String::new();
    let mut e = Expect::default();
    let mut last_amount = 0;
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        let slot = &rest[open + 1..open + close];
        out.push_str(&value(slot, split, rng, &mut e, &mut last_amount));
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    let devanagari = template
        .chars()
        .any(|c| ('\u{900}'..='\u{97F}').contains(&c));
    let named = template.contains("{c}") || template.contains("{e}") || template.contains("{d}");
    e.active = !named
        && template
            .split(|c: char| !c.is_alphanumeric() && !('\u{900}'..='\u{97F}').contains(&c))
            .any(|w| POINTERS.contains(&w.to_lowercase().as_str()));
    if devanagari || intent == IntentKind::Unknown {
        return (out, e);
    }
    let padded = format!(
        "{}{out}{}",
        rng.pick(slots::PREFIXES),
        rng.pick(slots::SUFFIXES)
    );
    (padded, e)
}

fn value(slot: &str, split: Split, rng: &mut Rng, e: &mut Expect, last: &mut i64) -> String {
    match slot {
        "c" | "e" => {
            let name = *rng.half(&slots::NAMES, split);
            e.customer = Some(name.to_string());
            let honorific = *rng.pick(&["", "", "", " ji", " bhai"]);
            let lower = rng.below(5) == 0;
            let said = if lower {
                name.to_lowercase()
            } else {
                name.to_string()
            };
            if slot == "c" { said + honorific } else { said }
        }
        "d" => {
            let (dev, roman) = *rng.half(&slots::DEV_NAMES, split);
            e.customer = Some(roman.to_string());
            dev.to_string()
        }
        "a" | "b" | "A" => {
            let list = if slot == "A" {
                &slots::DEV_AMOUNTS
            } else {
                &slots::AMOUNTS
            };
            let (said, paise) = *rng.half(list, split);
            *last = paise;
            e.amount_paise = Some(e.amount_paise.unwrap_or(0) + paise);
            said.to_string()
        }
        "h" => (*last / 200).to_string(),
        "i" | "I" => items(slot == "I", split, rng, e),
        "p" => {
            let p = *rng.half(&slots::PRODUCTS, split);
            e.product = Some(p.to_string());
            p.to_string()
        }
        "P" => {
            let (dev, roman) = *rng.half(&slots::DEV_PRODUCTS, split);
            e.product = Some(roman.to_string());
            dev.to_string()
        }
        "q" => {
            let (said, q) = *rng.pick(slots::QUANTITIES);
            let (unit, _) = *rng.pick(&slots::UNITS[..9]);
            e.quantity = Some(q);
            format!("{said} {unit}")
        }
        "t" => rng.pick(slots::TIMES).to_string(),
        "T" => rng.pick(slots::DEV_TIMES).to_string(),
        "n" => phone(rng),
        "l" | "L" => {
            let (said, language) = *rng.pick(if slot == "L" {
                slots::DEV_LANGUAGES
            } else {
                slots::LANGUAGES
            });
            e.language = Some(language);
            said.to_string()
        }
        _ => String::new(),
    }
}

/// One to three items ("2 kilo chawal aur 3 packet biscuit"), Roman or Devanagari.
fn items(devanagari: bool, split: Split, rng: &mut Rng, e: &mut Expect) -> String {
    let n = 1 + rng.below(if devanagari { 2 } else { 3 });
    let mut said = Vec::new();
    for _ in 0..n {
        let (q_said, quantity) = *rng.pick(if devanagari {
            slots::DEV_QUANTITIES
        } else {
            slots::QUANTITIES
        });
        let (u_said, unit) = *rng.pick(if devanagari {
            slots::DEV_UNITS
        } else {
            slots::UNITS
        });
        let (p_said, product) = if devanagari {
            *rng.half(&slots::DEV_PRODUCTS, split)
        } else {
            let p = *rng.half(&slots::PRODUCTS, split);
            (p, p)
        };
        if e.items.iter().any(|i| i.product == product) {
            continue;
        }
        e.items.push(ItemEntity {
            product: product.to_string(),
            quantity,
            unit: unit.map(str::to_string),
        });
        let words = [q_said, u_said, p_said];
        said.push(
            words
                .iter()
                .filter(|w| !w.is_empty())
                .copied()
                .collect::<Vec<_>>()
                .join(" "),
        );
    }
    let joiner = if devanagari {
        " और "
    } else {
        *rng.pick(&[" aur ", ", ", " and ", " aur "])
    };
    said.join(joiner)
}

/// A 10-digit mobile number, said in one piece or as 5 + 5.
fn phone(rng: &mut Rng) -> String {
    let first = *rng.pick(&['9', '8', '7', '6']);
    let digits: String = std::iter::once(first)
        .chain((0..9).map(|_| char::from(b'0' + rng.below(10) as u8)))
        .collect();
    if rng.below(2) == 0 {
        digits
    } else {
        format!("{} {}", &digits[..5], &digits[5..])
    }
}
