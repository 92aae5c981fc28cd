//! Numbers with a meaning: items, amounts, payment parts, discounts and time phrases.
//!
//! Every number token is one of these, and which one depends on its neighbours: "2 kilo
//! chawal" is an item, "500 cash" a payment part, "5%" a discount, "7 baje" a time.
//! Readers mark the tokens they take in `used`, and `parse` calls them in an order that
//! lets the more specific reading win (time and items before the plain amount).

use super::lexicon::{self, is_content};
use std::ops::Range;

use super::normalize::Tok;
use crate::engine::intent::ItemEntity;

/// Rupees to paise; nothing for zero, negative, absurd or non-finite values.
pub(super) fn paise(rupees: f64) -> Option<i64> {
    (rupees.is_finite() && rupees > 0.0 && rupees <= 1e11).then(|| (rupees * 100.0).round() as i64)
}

fn text(toks: &[Tok], i: usize) -> &str {
    toks.get(i).map_or("", |t| t.text.as_str())
}

/// A free number that is not money or a percentage: a candidate quantity.
fn quantity_at(toks: &[Tok], used: &[bool], i: usize) -> Option<f64> {
    let v = toks[i].num.filter(|_| !used[i])?;
    let next = text(toks, i + 1);
    let prev = i.checked_sub(1).map_or("", |p| text(toks, p));
    let money = lexicon::is_currency(next) || lexicon::is_currency(prev);
    // Without a unit, hundreds of something is money ("2,500 Thomas ke udhaar mein").
    let bare_limit = if lexicon::unit(next).is_some() {
        100_000.0
    } else {
        100.0
    };
    (!money && !lexicon::is_percent(next) && v > 0.0 && v <= bare_limit).then_some(v)
}

/// Items as "[quantity] [unit] product", products of up to three words, separated by
/// "aur"/"and"/commas. "cheeni 2 bori" (product first) is read when a unit is said.
pub(super) fn items(toks: &[Tok], used: &mut [bool]) -> Vec<ItemEntity> {
    let mut items = Vec::new();
    let mut i = 0;
    while i < toks.len() && items.len() < 50 {
        let Some(q) = quantity_at(toks, used, i) else {
            i += 1;
            continue;
        };
        let mut j = i + 1;
        // "two more packets", "2 aur packet": a filler between the number and its unit.
        let filler = matches!(text(toks, j), "more" | "aur" | "extra");
        if filler && lexicon::unit(text(toks, j + 1)).is_some() {
            j += 1;
        }
        let unit = lexicon::unit(text(toks, j));
        let unit_end = if unit.is_some() { j + 1 } else { i + 1 };
        if unit.is_some() {
            j += 1;
        }
        if text(toks, j) == "of" {
            j += 1;
        }
        let product = product_after(toks, used, j, unit.is_some())
            .or_else(|| unit.and_then(|_| product_before(toks, used, i)))
            .unwrap_or(j..j);
        j = product.end.max(j);
        if product.is_empty() {
            i += 1;
            continue;
        }
        let name: Vec<&str> = toks[product.clone()]
            .iter()
            .map(|t| t.text.as_str())
            .collect();
        let (quantity, unit) = whole_units(q, unit);
        used[i..unit_end.min(toks.len())]
            .iter_mut()
            .for_each(|u| *u = true);
        used[product.clone()].iter_mut().for_each(|u| *u = true);
        items.push(ItemEntity {
            product: name.join(" "),
            quantity,
            unit: unit.map(str::to_string),
        });
        i = j.max(i + 1);
    }
    items
}

/// The product's words from `start`: up to three content words ("chai patti"), a name
/// after them left out.
fn product_after(toks: &[Tok], used: &[bool], start: usize, unit: bool) -> Option<Range<usize>> {
    let mut j = start;
    // "dal" is also the verb "put" ("daal do"), but right after a unit it is lentils.
    let lentils = unit && matches!(text(toks, j), "dal" | "daal");
    while j < toks.len()
        && j - start < 3
        && !used[j]
        && (is_content(&toks[j]) || (lentils && j == start))
    {
        j += 1;
    }
    // "20 packet eggs Savitri ke naam": the word before "ke"/"ko"/"ne"/"se" is a name,
    // not the end of the product ("chai patti ka bill" keeps its "ka").
    if j - start > 1 && matches!(text(toks, j), "ke" | "ko" | "ne" | "se") {
        j -= 1;
        // A name typed with capitals may be two words ("besan Priya Sharma ke naam").
        let capital = |k: usize| toks[k].orig.starts_with(|c: char| c.is_uppercase());
        while j - start > 1 && capital(j - 1) {
            j -= 1;
        }
    }
    (j > start).then_some(start..j)
}

/// "cheeni 2 bori": the product said before its quantity, one or two words.
fn product_before(toks: &[Tok], used: &[bool], i: usize) -> Option<Range<usize>> {
    // "daal 3 bori aa gayi": before a quantity with a unit, "daal" is lentils too.
    let lentils = |k: usize| matches!(text(toks, k), "dal" | "daal");
    let mut b = i;
    while b > 0
        && i - b < 2
        && !used[b - 1]
        && (is_content(&toks[b - 1]) || (b == i && lentils(b - 1)))
    {
        b -= 1;
    }
    (b < i).then_some(b..i)
}

/// Quantities are whole units: "dedh kilo" becomes 1500 g, "aadha litre" 500 ml.
fn whole_units(q: f64, unit: Option<&'static str>) -> (i64, Option<&'static str>) {
    match unit {
        _ if q.fract() == 0.0 => (q as i64, unit),
        Some("kg") => ((q * 1000.0).round() as i64, Some("g")),
        Some("litre") => ((q * 1000.0).round() as i64, Some("ml")),
        _ => ((q.round() as i64).max(1), unit),
    }
}

/// The first quantity said with a unit, in whole units, its words marked used.
pub(super) fn measure(toks: &[Tok], used: &mut [bool]) -> Option<(i64, Option<&'static str>)> {
    let i = (0..toks.len()).find(|&i| {
        quantity_at(toks, used, i).is_some() && lexicon::unit(text(toks, i + 1)).is_some()
    })?;
    let unit = lexicon::unit(text(toks, i + 1));
    used[i] = true;
    used[i + 1] = true;
    Some(whole_units(toks[i].num?, unit))
}

/// The product asked about in a stock question: the first run of content words.
pub(super) fn product(toks: &[Tok], used: &[bool]) -> Option<String> {
    let start = (0..toks.len()).find(|&i| !used[i] && is_content(&toks[i]))?;
    let words: Vec<&str> = toks[start..]
        .iter()
        .take_while(|t| is_content(t))
        .take(3)
        .map(|t| t.text.as_str())
        .collect();
    Some(words.join(" "))
}

/// "aata pe 5% discount": the product a discount is on, said before "pe"/"par"/"on".
pub(super) fn discounted_product(toks: &[Tok]) -> Option<String> {
    let at = toks
        .iter()
        .position(|t| matches!(t.text.as_str(), "pe" | "par" | "on"))?;
    if let Some(p) = at.checked_sub(1).filter(|&p| is_content(&toks[p])) {
        return Some(toks[p].text.clone());
    }
    toks.get(at + 1)
        .filter(|t| is_content(t))
        .map(|t| t.text.clone())
}

/// A percentage: a number followed by "%"/"percent".
pub(super) fn percent(toks: &[Tok], used: &mut [bool]) -> Option<u32> {
    let i = (0..toks.len())
        .find(|&i| !used[i] && toks[i].num.is_some() && lexicon::is_percent(text(toks, i + 1)))?;
    used[i] = true;
    let v = toks[i].num?;
    (0.0..=100.0).contains(&v).then(|| v.round() as u32)
}

/// The amount of money said: a number next to a currency word if there is one, else the
/// first free number.
pub(super) fn amount(toks: &[Tok], used: &mut [bool]) -> Option<i64> {
    // "2 din pehle ka 700", "10 tareekh tak 500", "room no 12 wale": a number of days,
    // a date or an address is not the money.
    let not_money = |i: usize| {
        time_unit(text(toks, i + 1))
            || i.checked_sub(1).is_some_and(|p| {
                matches!(
                    text(toks, p),
                    "no" | "number" | "room" | "flat" | "house" | "gali" | "sector" | "plot"
                )
            })
    };
    let free: Vec<usize> = (0..toks.len())
        .filter(|&i| !used[i] && toks[i].num.is_some())
        .filter(|&i| lexicon::unit(text(toks, i + 1)).is_none() && !not_money(i))
        .collect();
    let near_currency = |&i: &usize| {
        lexicon::is_currency(text(toks, i + 1))
            || i.checked_sub(1)
                .is_some_and(|p| lexicon::is_currency(text(toks, p)))
    };
    let i = free
        .iter()
        .copied()
        .find(near_currency)
        .or(free.first().copied())?;
    used[i] = true;
    toks[i].num.and_then(paise)
}

/// Words that join a number to a time phrase when said right after it.
fn time_unit(w: &str) -> bool {
    matches!(
        w,
        "baje"
            | "bje"
            | "am"
            | "pm"
            | "minute"
            | "minutes"
            | "min"
            | "mins"
            | "ghante"
            | "ghanta"
            | "hour"
            | "hours"
            | "din"
            | "day"
            | "days"
            | "tareekh"
            | "tarikh"
            | "tareek"
            | "date"
            | "mahine"
            | "month"
            | "months"
            | "hafte"
            | "week"
            | "weeks"
    )
}

/// Words that join a number to a time phrase when said right before it.
fn time_lead(w: &str) -> bool {
    matches!(
        w,
        "har"
            | "every"
            | "kal"
            | "tomorrow"
            | "aaj"
            | "today"
            | "at"
            | "daily"
            | "roz"
            | "subah"
            | "shaam"
            | "sham"
            | "raat"
            | "dopahar"
    )
}

/// The reminder's time phrase as said, with numbers as digits: "kal 7 baje", "har 5
/// minute", "10 minute baad". The first cluster of time words and the numbers they hold,
/// allowing one other word inside ("tomorrow at 7 pm").
pub(super) fn when(toks: &[Tok], used: &mut [bool]) -> Option<String> {
    let n = toks.len();
    let mut marked = vec![false; n];
    for i in 0..n {
        let w = text(toks, i);
        let prev = i.checked_sub(1).map_or("", |p| text(toks, p));
        marked[i] = if toks[i].num.is_some() {
            !used[i] && (time_unit(text(toks, i + 1)) || time_lead(prev))
        } else if matches!(w, "baad" | "after" | "later") {
            i > 0 && marked[i - 1]
        } else if w == "at" {
            toks.get(i + 1).is_some_and(|t| t.num.is_some())
        } else {
            lexicon::is_time_word(w)
        };
    }
    let start = marked.iter().position(|&m| m)?;
    let mut end = start + 1;
    while end < n && (marked[end] || (marked[end - 1] && end + 1 < n && marked[end + 1])) {
        end += 1;
    }
    while end > start + 1 && !marked[end - 1] {
        end -= 1;
    }
    used[start..end].iter_mut().for_each(|u| *u = true);
    let words: Vec<&str> = toks[start..end].iter().map(|t| t.text.as_str()).collect();
    Some(words.join(" "))
}
