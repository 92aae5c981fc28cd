//! Reminder schedules from what a shopkeeper says ("kal shaam 7 baje", "har 5 minute",
//! "har mahine 5 tarikh ko 10 baje") or from an RFC 3339 time sent by an app.
//!
//! Parsing is deterministic: the caller passes `now` and the shop's UTC offset. India is a
//! fixed UTC+05:30 without DST, so a `FixedOffset` is exact and no tz database is needed.
//! Phrases are read by looking at the words next to a few keywords ("baje", "minute",
//! "tarikh"), so the rest of a voice command ("Rahul ko 500 ka reminder … bhejo") is
//! tolerated. Recurring schedules keep wall-clock fields rather than instants so that
//! "roz 9 baje" stays 9 baje; `next_after` turns any schedule into its next instant, and
//! `respect_quiet_hours` moves a reminder out of the hours when customers must not be
//! messaged.

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, NaiveTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};

/// When a reminder fires. Daily and monthly times are local wall-clock times.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "spec", rename_all = "snake_case")]
pub enum Schedule {
    Once(DateTime<Utc>),
    Every {
        interval_minutes: u32,
        first: DateTime<Utc>,
    },
    Daily {
        hour: u32,
        minute: u32,
    },
    Monthly {
        day: u32,
        hour: u32,
        minute: u32,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    #[error("could not understand the schedule {0:?}")]
    Unrecognised(String),
    #[error("that time has already passed")]
    PastTime,
    #[error("{0} is out of range")]
    OutOfRange(String),
}

/// When a day is named but no time ("kal"), as the original app did: 7 pm, after the
/// day's trade, when customers read messages.
const DEFAULT_HOUR: u32 = 19;
/// "har mahine 1 tareekh" without a time: mid-morning, when a dues reminder is welcome.
const MONTHLY_DEFAULT_HOUR: u32 = 10;
const MINUTES_PER_DAY: u32 = 24 * 60;

const EVERY: &[&str] = &["har", "every", "each", "prati"];
const BAJE: &[&str] = &["baje", "bje", "baj", "bajey"];
const DATE_WORDS: &[&str] = &["tareekh", "tarikh", "tarik", "tareek", "tarekh", "date"];
const MONTH_WORDS: &[&str] = &["mahine", "mahina", "month", "months"];
const DAILY_WORDS: &[&str] = &["daily", "roz", "roj", "rozana", "rojana", "everyday"];
const DAY_WORDS: &[&str] = &["din", "day", "days", "dino"];
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
struct Clock {
    hour: u32,
    minute: u32,
    day_shift: i64,
}

impl Clock {
    fn at(hour: u32) -> Self {
        Clock {
            hour,
            minute: 0,
            day_shift: 0,
        }
    }
}

/// Parses an RFC 3339 time or a Hinglish/English phrase. Tried in this order, so the more
/// specific patterns win: monthly, every N minutes/hours, daily, "N minute baad", a named
/// day (aaj/kal/parso), and finally a bare time ("9 baje": its next occurrence).
pub fn parse(text: &str, now: DateTime<Utc>, tz: FixedOffset) -> Result<Schedule, ScheduleError> {
    let trimmed = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(trimmed) {
        let t = t.with_timezone(&Utc);
        return if t > now {
            Ok(Schedule::Once(t))
        } else {
            Err(ScheduleError::PastTime)
        };
    }
    let words = tokenize(trimmed);
    let found = match parse_monthly(&words)? {
        Some(s) => Some(s),
        None => match parse_every(&words, now)? {
            Some(s) => Some(s),
            None => match parse_daily(&words)? {
                Some(s) => Some(s),
                None => parse_once(&words, now, tz)?.map(Schedule::Once),
            },
        },
    };
    found.ok_or_else(|| ScheduleError::Unrecognised(text.to_string()))
}

/// Lowercase words; Devanagari digits become ASCII; ':' and '.' stay inside "7:30"/"7.30".
fn tokenize(text: &str) -> Vec<String> {
    let mapped: String = text
        .chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            '०'..='९' => char::from_digit(c as u32 - '०' as u32, 10).unwrap_or(c),
            c if c.is_alphanumeric() || c == ':' || c == '.' => c,
            _ => ' ',
        })
        .collect();
    mapped
        .split_whitespace()
        .map(|w| w.trim_matches(['.', ':']).to_string())
        .filter(|w| !w.is_empty())
        .collect()
}

fn has(words: &[String], set: &[&str]) -> bool {
    words.iter().any(|w| set.contains(&w.as_str()))
}

/// Two adjacent words, the first from `first` and the second from `second` ("har din").
fn has_pair(words: &[String], first: &[&str], second: &[&str]) -> bool {
    words
        .windows(2)
        .any(|p| first.contains(&p[0].as_str()) && second.contains(&p[1].as_str()))
}

/// A count: digits, an ordinal ("1st", "5th") or a Hindi number word.
fn count(word: &str) -> Option<u32> {
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
fn is_ordinal(word: &str) -> bool {
    word.starts_with(|c: char| c.is_ascii_digit())
        && word.ends_with(|c: char| c.is_ascii_alphabetic())
        && count(word).is_some()
}

/// The length of a time unit word in minutes.
fn unit_minutes(word: &str) -> Option<u32> {
    match word {
        "minute" | "minutes" | "min" | "mins" | "minat" | "minit" | "mint" => Some(1),
        "ghanta" | "ghante" | "ghanton" | "hour" | "hours" | "hr" | "hrs" => Some(60),
        w if DAY_WORDS.contains(&w) => Some(MINUTES_PER_DAY),
        _ => None,
    }
}

fn out_of_range(what: impl std::fmt::Display) -> ScheduleError {
    ScheduleError::OutOfRange(what.to_string())
}

/// "har mahine 5 tarikh (ko 10 baje)", "monthly on 1st". Without a day, the 1st.
fn parse_monthly(words: &[String]) -> Result<Option<Schedule>, ScheduleError> {
    let monthly = has(words, &["monthly"]) || has_pair(words, EVERY, MONTH_WORDS);
    if !monthly {
        return Ok(None);
    }
    let before_date_word = words
        .windows(2)
        .find(|p| DATE_WORDS.contains(&p[1].as_str()))
        .and_then(|p| count(&p[0]));
    let ordinal = words.iter().find(|w| is_ordinal(w)).and_then(|w| count(w));
    let day = before_date_word.or(ordinal).unwrap_or(1);
    if !(1..=31).contains(&day) {
        return Err(out_of_range(format!("day {day} of the month")));
    }
    let clock = time_of_day(words)?.unwrap_or(Clock::at(MONTHLY_DEFAULT_HOUR));
    Ok(Some(Schedule::Monthly {
        day,
        hour: clock.hour,
        minute: clock.minute,
    }))
}

/// "har 5 minute", "every 2 hours", "har ghante", "har 2 din"; the first one fires one
/// interval from now. A bare "har din" is left to `parse_daily`.
fn parse_every(words: &[String], now: DateTime<Utc>) -> Result<Option<Schedule>, ScheduleError> {
    for (i, word) in words.iter().enumerate() {
        if !EVERY.contains(&word.as_str()) {
            continue;
        }
        let rest = &words[i + 1..];
        let (n, unit_at) = match rest.first().and_then(|w| count(w)) {
            Some(n) => (n, 1),
            None => (1, 0),
        };
        let Some(unit) = rest.get(unit_at).and_then(|w| unit_minutes(w)) else {
            continue;
        };
        if unit_at == 0 && unit >= MINUTES_PER_DAY {
            continue;
        }
        let interval = n
            .checked_mul(unit)
            .filter(|&m| m > 0)
            .ok_or_else(|| out_of_range(format!("every {n} × {unit} minutes")))?;
        let first = add_minutes(now, interval)?;
        return Ok(Some(Schedule::Every {
            interval_minutes: interval,
            first,
        }));
    }
    Ok(None)
}

/// "daily 3 baje", "roz 3 baje", "rozana subah 9 baje", "har din 9 baje".
fn parse_daily(words: &[String]) -> Result<Option<Schedule>, ScheduleError> {
    let daily = has(words, DAILY_WORDS)
        || has_pair(words, EVERY, DAY_WORDS)
        || has_pair(words, &["har"], &["roz"]);
    if !daily {
        return Ok(None);
    }
    // Every day repeats, so the small-hours shift of "raat 2 baje" does not apply.
    let clock = time_of_day(words)?.unwrap_or(Clock::at(DEFAULT_HOUR));
    Ok(Some(Schedule::Daily {
        hour: clock.hour,
        minute: clock.minute,
    }))
}

/// One-off times: "10 minute baad", "in 2 hours"; "kal/aaj/parso [shaam] 7 baje"; "9 baje".
fn parse_once(
    words: &[String],
    now: DateTime<Utc>,
    tz: FixedOffset,
) -> Result<Option<DateTime<Utc>>, ScheduleError> {
    if let Some((n, unit)) = words
        .windows(2)
        .find_map(|p| Some((count(&p[0])?, unit_minutes(&p[1])?)))
    {
        let minutes = n
            .checked_mul(unit)
            .filter(|&m| m > 0)
            .ok_or_else(|| out_of_range(format!("{n} × {unit} minutes")))?;
        return add_minutes(now, minutes).map(Some);
    }
    let clock = time_of_day(words)?;
    if let Some(days) = day_offset(words) {
        let t = local_instant(now, tz, days, clock.unwrap_or(Clock::at(DEFAULT_HOUR)))?;
        return if t > now {
            Ok(Some(t))
        } else {
            Err(ScheduleError::PastTime)
        };
    }
    let Some(clock) = clock else {
        return Ok(None);
    };
    // A bare time means its next occurrence: today if still ahead, else tomorrow.
    let today = local_instant(now, tz, 0, clock)?;
    if today > now {
        Ok(Some(today))
    } else {
        local_instant(now, tz, 1, clock).map(Some)
    }
}

/// aaj/today → 0, kal/tomorrow → 1 ("kal" also means yesterday, but not for a
/// reminder), parso/"day after tomorrow" → 2.
fn day_offset(words: &[String]) -> Option<i64> {
    if has(words, &["parso", "parson", "parsoon"]) || has_pair(words, &["after"], &["tomorrow"]) {
        Some(2)
    } else if has(words, &["kal", "kl", "tomorrow"]) {
        Some(1)
    } else if has(words, &["aaj", "aj", "today", "tonight"]) {
        Some(0)
    } else {
        None
    }
}

/// The time of day the phrase names, if any: an hour (and minutes) before "baje" or
/// "am"/"pm", glued "7pm", or after "at"; else a bare part of day ("kal subah").
fn time_of_day(words: &[String]) -> Result<Option<Clock>, ScheduleError> {
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

fn add_minutes(t: DateTime<Utc>, minutes: u32) -> Result<DateTime<Utc>, ScheduleError> {
    t.checked_add_signed(Duration::minutes(i64::from(minutes)))
        .ok_or_else(|| out_of_range(format!("{minutes} minutes from now")))
}

/// `clock` on the local day `days` after the local date of `now`.
fn local_instant(
    now: DateTime<Utc>,
    tz: FixedOffset,
    days: i64,
    clock: Clock,
) -> Result<DateTime<Utc>, ScheduleError> {
    let date = add_days(local_date(now, tz), days + clock.day_shift);
    date.and_then(|d| local_to_utc(d, clock.hour, clock.minute, tz))
        .ok_or_else(|| out_of_range("date"))
}

fn local_date(t: DateTime<Utc>, tz: FixedOffset) -> NaiveDate {
    t.with_timezone(&tz).date_naive()
}

fn add_days(date: NaiveDate, days: i64) -> Option<NaiveDate> {
    date.checked_add_signed(Duration::days(days))
}

fn local_to_utc(date: NaiveDate, hour: u32, minute: u32, tz: FixedOffset) -> Option<DateTime<Utc>> {
    let local = date.and_time(NaiveTime::from_hms_opt(hour, minute, 0)?);
    tz.from_local_datetime(&local)
        .single()
        .map(|t| t.with_timezone(&Utc))
}

/// The first occurrence strictly after `after`; None when there is none (a past `Once`,
/// a zero interval, or fields out of range).
pub fn next_after(
    schedule: &Schedule,
    after: DateTime<Utc>,
    tz: FixedOffset,
) -> Option<DateTime<Utc>> {
    match *schedule {
        Schedule::Once(t) => (t > after).then_some(t),
        Schedule::Every {
            interval_minutes,
            first,
        } => next_every(interval_minutes, first, after),
        Schedule::Daily { hour, minute } => {
            let today = local_date(after, tz);
            (0..=1)
                .filter_map(|d| {
                    add_days(today, d).and_then(|date| local_to_utc(date, hour, minute, tz))
                })
                .find(|&t| t > after)
        }
        Schedule::Monthly { day, hour, minute } => next_monthly(day, hour, minute, after, tz),
    }
}

/// first + k × interval for the smallest k that lands after `after`.
fn next_every(
    interval_minutes: u32,
    first: DateTime<Utc>,
    after: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    if first > after {
        return Some(first);
    }
    let step = i64::from(interval_minutes) * 60;
    if step == 0 {
        return None;
    }
    let periods = (after - first).num_seconds() / step + 1;
    first.checked_add_signed(Duration::seconds(periods.checked_mul(step)?))
}

/// This month's or next month's occurrence; days 29–31 fall on the last day of shorter
/// months, so "har mahine 31 tarikh" still fires every month.
fn next_monthly(
    day: u32,
    hour: u32,
    minute: u32,
    after: DateTime<Utc>,
    tz: FixedOffset,
) -> Option<DateTime<Utc>> {
    if !(1..=31).contains(&day) {
        return None;
    }
    let local = after.with_timezone(&tz);
    let (mut year, mut month) = (local.year(), local.month());
    for _ in 0..2 {
        let date = NaiveDate::from_ymd_opt(year, month, day.min(days_in_month(year, month)?))?;
        if let Some(t) = local_to_utc(date, hour, minute, tz).filter(|&t| t > after) {
            return Some(t);
        }
        (year, month) = if month == 12 {
            (year + 1, 1)
        } else {
            (year, month + 1)
        };
    }
    None
}

fn days_in_month(year: i32, month: u32) -> Option<u32> {
    let (y, m) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1)?
        .pred_opt()
        .map(|d| d.day())
}

/// Moves `t` to the end of the quiet period (local `start`..`end`, which may wrap
/// midnight, e.g. 21:00–09:00) if it falls inside; `start == end` means no quiet hours.
/// The start is quiet, the end is not.
pub fn respect_quiet_hours(
    t: DateTime<Utc>,
    tz: FixedOffset,
    start: NaiveTime,
    end: NaiveTime,
) -> DateTime<Utc> {
    let local = t.with_timezone(&tz);
    let (date, time) = (local.date_naive(), local.time());
    let resume_on = if start < end {
        (start <= time && time < end).then_some(date)
    } else if start > end && time >= start {
        add_days(date, 1)
    } else if start > end && time < end {
        Some(date)
    } else {
        None
    };
    resume_on
        .and_then(|d| tz.from_local_datetime(&d.and_time(end)).single())
        .map_or(t, |r| r.with_timezone(&Utc))
}

#[cfg(test)]
#[path = "schedule_tests.rs"]
mod tests;
