//! Contact facts: phone numbers, emails and GSTINs, typed or spoken.
//!
//! These are read before anything else because their digits would otherwise be taken for
//! amounts or quantities. Speech splits them up: a phone number comes as "98765 43210" or
//! as digit words ("nau aath saat …"), an email as "rahul at gmail dot com", a GSTIN as a
//! few groups of letters and digits; so each reader joins neighbouring tokens.

use super::normalize::Tok;

/// A 10-digit mobile number, or one with "91" or "0" in front, from neighbouring digit
/// tokens. Digits are kept as said; the domain layer normalises the country code.
pub(super) fn phone(toks: &[Tok], used: &mut [bool]) -> Option<String> {
    let mut i = 0;
    while i < toks.len() {
        if !toks[i].digits || used[i] {
            i += 1;
            continue;
        }
        let mut j = i;
        let mut joined = String::new();
        while j < toks.len() && toks[j].digits && !used[j] && joined.len() <= 12 {
            joined.push_str(&toks[j].text);
            j += 1;
        }
        if is_phone(&joined) {
            used[i..j].iter_mut().for_each(|u| *u = true);
            return Some(joined);
        }
        // A quantity said just before a number ("2 9876543210") spoils the join.
        if let Some(k) = (i..j).find(|&k| is_phone(&toks[k].text)) {
            used[k] = true;
            return Some(toks[k].text.clone());
        }
        i = j.max(i + 1);
    }
    None
}

fn is_phone(d: &str) -> bool {
    let mobile = |s: &str| s.len() == 10 && s.starts_with(['6', '7', '8', '9']);
    d.bytes().all(|b| b.is_ascii_digit())
        && (mobile(d)
            || d.strip_prefix("91").is_some_and(mobile)
            || d.strip_prefix('0').is_some_and(mobile))
}

/// A typed email, or a spoken one: "rahul at gmail dot com", "rahul dot sharma at yahoo
/// dot co dot in".
pub(super) fn email(toks: &[Tok], used: &mut [bool]) -> Option<String> {
    if let Some(i) = toks.iter().position(|t| is_email(&t.text)) {
        used[i] = true;
        return Some(toks[i].text.clone());
    }
    let at = toks.iter().position(|t| t.text == "at")?;
    let part = |t: &Tok| t.text.bytes().all(|b| b.is_ascii_alphanumeric()) && t.text != "dot";
    // The local part: a word, and more words joined by "dot" before it.
    let mut start = at.checked_sub(1).filter(|&s| part(&toks[s]))?;
    while start >= 2 && toks[start - 1].text == "dot" && part(&toks[start - 2]) {
        start -= 2;
    }
    let mut end = at + 2;
    if !toks.get(at + 1).is_some_and(part) {
        return None;
    }
    while toks.get(end).is_some_and(|t| t.text == "dot") && toks.get(end + 1).is_some_and(part) {
        end += 2;
    }
    if end == at + 2 {
        return None;
    }
    let piece = |r: std::ops::Range<usize>| {
        toks[r]
            .iter()
            .map(|t| {
                if t.text == "dot" {
                    "."
                } else {
                    t.text.as_str()
                }
            })
            .collect::<String>()
    };
    used[start..end].iter_mut().for_each(|u| *u = true);
    Some(format!("{}@{}", piece(start..at), piece(at + 1..end)))
}

fn is_email(s: &str) -> bool {
    s.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty() && domain.contains('.') && !domain.starts_with('.')
    })
}

/// A GSTIN, typed whole or said in groups ("07 AABCU 9603 R1ZP"), upper-cased.
pub(super) fn gstin(toks: &[Tok], used: &mut [bool]) -> Option<String> {
    for i in 0..toks.len() {
        let mut joined = String::new();
        for j in i..toks.len().min(i + 6) {
            let t = &toks[j].text;
            if !t.bytes().all(|b| b.is_ascii_alphanumeric()) {
                break;
            }
            joined.push_str(t);
            if joined.len() > 15 {
                break;
            }
            if is_gstin(&joined) {
                used[i..=j].iter_mut().for_each(|u| *u = true);
                return Some(joined.to_ascii_uppercase());
            }
        }
    }
    None
}

/// State code, PAN (five letters, four digits, a letter), entity number, "Z", check
/// character. The check digit is left to the domain's validator.
fn is_gstin(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 15
        && b[..2].iter().all(u8::is_ascii_digit)
        && b[2..7].iter().all(u8::is_ascii_alphabetic)
        && b[7..11].iter().all(u8::is_ascii_digit)
        && b[11].is_ascii_alphabetic()
        && b[12].is_ascii_alphanumeric()
        && b[13].eq_ignore_ascii_case(&b'z')
}
