//! Which kind of schedule a phrase asks for, and when it first fires.
//!
//! `parse` tries the patterns from most to least specific (monthly, every N, weekly,
//! daily, one off) on the phrase's lowercase words, looking only at the words next to a few keywords
//! so the rest of a voice command is tolerated. Times of day are read by `clock`; this
//! file decides the pattern and, for one-off reminders, the day and instant.

use chrono::{DateTime, Duration, Utc};

use super::{
    Schedule, ScheduleError, Tz, add_days,
    clock::{Clock, DEFAULT_HOUR, count, is_ordinal, time_of_day},
    local_date, local_to_utc, out_of_range, weekday,
};

/// "har mahine 1 tareekh" without a time: mid-morning, when a dues reminder is welcome.
const MONTHLY_DEFAULT_HOUR: u32 = 10;
const MINUTES_PER_DAY: u32 = 24 * 60;

const EVERY: &[&str] = &["har", "every", "each", "prati"];
const DATE_WORDS: &[&str] = &["tareekh", "tarikh", "tarik", "tareek", "tarekh", "date"];
const MONTH_WORDS: &[&str] = &["mahine", "mahina", "month", "months"];
const DAILY_WORDS: &[&str] = &["daily", "roz", "roj", "rozana", "rojana", "everyday"];
const DAY_WORDS: &[&str] = &["din", "day", "days", "dino"];

/// Parses an RFC 3339 time or a Hinglish/English phrase. Tried in this order, so the more
/// specific patterns win: monthly, every N minutes/hours, every weekday, daily, "N minute
/// baad", a named day (aaj/kal/parso, a weekday), and finally a bare time ("9 baje": its
/// next occurrence).
pub fn parse(text: &str, now: DateTime<Utc>, tz: Tz) -> Result<Schedule, ScheduleError> {
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
            None => match weekday::parse_weekly(&words, EVERY)? {
                Some(s) => Some(s),
                None => match parse_daily(&words)? {
                    Some(s) => Some(s),
                    None => parse_once(&words, now, tz)?.map(Schedule::Once),
                },
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

/// The length of a time unit word in minutes.
fn unit_minutes(word: &str) -> Option<u32> {
    match word {
        "minute" | "minutes" | "min" | "mins" | "minat" | "minit" | "mint" => Some(1),
        "ghanta" | "ghante" | "ghanton" | "hour" | "hours" | "hr" | "hrs" => Some(60),
        w if DAY_WORDS.contains(&w) => Some(MINUTES_PER_DAY),
        _ => None,
    }
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
    tz: Tz,
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
    if let Some(day) = weekday::named(words) {
        let clock = clock.unwrap_or(Clock::at(DEFAULT_HOUR));
        return weekday::next_named(day, clock, now, tz).map(Some);
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

fn add_minutes(t: DateTime<Utc>, minutes: u32) -> Result<DateTime<Utc>, ScheduleError> {
    t.checked_add_signed(Duration::minutes(i64::from(minutes)))
        .ok_or_else(|| out_of_range(format!("{minutes} minutes from now")))
}

/// `clock` on the local day `days` after the local date of `now`.
fn local_instant(
    now: DateTime<Utc>,
    tz: Tz,
    days: i64,
    clock: Clock,
) -> Result<DateTime<Utc>, ScheduleError> {
    let date = add_days(local_date(now, tz), days + clock.day_shift);
    date.and_then(|d| local_to_utc(d, clock.hour, clock.minute, tz))
        .ok_or_else(|| out_of_range("date"))
}
