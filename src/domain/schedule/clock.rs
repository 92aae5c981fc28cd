//! Numbers and times of day as spoken: "7 baje", "shaam 7:30", "raat 2 baje", "teen".
//!
//! Reading a time of day is the part of a phrase with the most rules (am/pm guessed from
//! the part of day, the small hours of "raat", Hindi number words), and it is needed by
//! every pattern in `phrase`, so it lives on its own. It only turns words into a local
//! [`Clock`]; which day that clock falls on is decided by `phrase`.

use super::{ScheduleError, out_of_range};

/// When a day is named but no time ("kal"), as the original app did: 7 pm, after the
/// day's trade, when customers read messages.
pub(super) const DEFAULT_HOUR: u32 = 19;
const BAJE: &[&str] = &["baje", "bje", "baj", "bajey"];
/// Hindi number words for 1–12 (the hours of a clock), common spellings space-separated;
/// position + 1 is the value.
const HINDI_NUMBERS: &[&str] = &[
    "ek",
    "do",
    "teen tin",
    "char chaar",
    "paanch panch",
    "chhe che chhah",
    "saat sat",
    "aath aat",
    "nau",
    "das dus",
    "gyarah gyara",
    "barah bara",
];

/// A part of the day named in the phrase, which decides am/pm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Unspecified,
    Morning,
    Afternoon,
    Evening,
    Night,
}

/// A local time of day; `day_shift` is 1 for the small hours of "raat 2 baje".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Clock {
    pub(super) hour: u32,
    pub(super) minute: u32,
    pub(super) day_shift: i64,
}

impl Clock {
    pub(super) fn at(hour: u32) -> Self {
        Clock {
            hour,
            minute: 0,
            day_shift: 0,
        }
    }
}

/// A count: digits, an ordinal ("1st", "5th") or a Hindi number word.
pub(super) fn count(word: &str) -> Option<u32> {
    let bare = ["st", "nd", "rd", "th"]
        .iter()
        .find_map(|s| word.strip_suffix(s))
        .filter(|b| !b.is_empty() && b.bytes().all(|c| c.is_ascii_digit()))
        .unwrap_or(word);
    if bare.bytes().all(|c| c.is_ascii_digit()) {
        return bare.parse().ok();
    }
    let position = HINDI_NUMBERS
        .iter()
        .position(|spellings| spellings.split(' ').any(|s| s == word));
    position.and_then(|i| u32::try_from(i + 1).ok())
}

/// "1st", "5th": a day of the month in English phrasing ("monthly on 1st").
pub(super) fn is_ordinal(word: &str) -> bool {
    word.starts_with(|c: char| c.is_ascii_digit())
        && word.ends_with(|c: char| c.is_ascii_alphabetic())
        && count(word).is_some()
}

/// The time of day the phrase names, if any: an hour (and minutes) before "baje" or
/// "am"/"pm", glued "7pm", or after "at"; else a bare part of day ("kal subah").
pub(super) fn time_of_day(words: &[String]) -> Result<Option<Clock>, ScheduleError> {
    let part = part_of_day(words);
    match find_clock(words) {
        Some((hour, minute, explicit)) => to_24h(hour, minute, explicit.unwrap_or(part)).map(Some),
        None => Ok(match part {
            Part::Unspecified => None,
            Part::Morning => Some(Clock::at(9)),
            Part::Afternoon => Some(Clock::at(14)),
            Part::Evening => Some(Clock::at(DEFAULT_HOUR)),
            Part::Night => Some(Clock::at(21)),
        }),
    }
}

fn find_clock(words: &[String]) -> Option<(u32, u32, Option<Part>)> {
    words.iter().enumerate().find_map(|(i, word)| {
        let next = words.get(i + 1).map(String::as_str);
        for (suffix, part) in [("am", Part::Morning), ("pm", Part::Evening)] {
            if let Some((h, m)) = word.strip_suffix(suffix).and_then(clock_digits) {
                return Some((h, m, Some(part)));
            }
            if next == Some(suffix) {
                return clock_digits(word).map(|(h, m)| (h, m, Some(part)));
            }
        }
        let after_at = i > 0 && words[i - 1] == "at";
        if next.is_some_and(|n| BAJE.contains(&n)) || after_at {
            return clock_digits(word).map(|(h, m)| (h, m, None));
        }
        None
    })
}

/// "7", "7:30", "7.30" or a Hindi number word, as (hour, minute).
fn clock_digits(word: &str) -> Option<(u32, u32)> {
    match word.split_once([':', '.']) {
        Some((h, m)) if m.len() == 2 => Some((h.parse().ok()?, m.parse().ok()?)),
        Some(_) => None,
        None if is_ordinal(word) => None,
        None => Some((count(word)?, 0)),
    }
}

fn part_of_day(words: &[String]) -> Part {
    words
        .iter()
        .find_map(|w| match w.as_str() {
            "subah" | "subha" | "savere" | "sawere" | "savera" | "morning" => Some(Part::Morning),
            "dopahar" | "dopehar" | "dupahar" | "afternoon" => Some(Part::Afternoon),
            "shaam" | "sham" | "evening" => Some(Part::Evening),
            "raat" | "night" | "tonight" => Some(Part::Night),
            _ => None,
        })
        .unwrap_or(Part::Unspecified)
}

/// Turns a spoken hour into a 24-hour one. With no part of day, 1–7 mean pm: shops trade
/// roughly 8 am to 10 pm and nobody wants a dues reminder at 3 am, so "3 baje" is 15:00,
/// while 8–12 are taken as said. "raat" 5–11 are pm; "raat 12/1/2 baje" are the small
/// hours of the next day. Hours 13–23 are already on the 24-hour clock.
fn to_24h(hour: u32, minute: u32, part: Part) -> Result<Clock, ScheduleError> {
    if hour > 23 || minute > 59 {
        return Err(out_of_range(format!("time {hour}:{minute:02}")));
    }
    let (hour, day_shift) = match (part, hour) {
        (_, 13..) => (hour, 0),
        (Part::Morning, 12) => (0, 0),
        (Part::Afternoon | Part::Evening, 1..=11) | (Part::Night, 5..=11) => (hour + 12, 0),
        (Part::Night, 0..=4) => (hour, 1),
        (Part::Night, 12) => (0, 1),
        (Part::Unspecified, 1..=7) => (hour + 12, 0),
        _ => (hour, 0),
    };
    Ok(Clock {
        hour,
        minute,
        day_shift,
    })
}
