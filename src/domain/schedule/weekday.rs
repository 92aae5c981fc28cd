//! Days of the week in a phrase: "har somvar 10 baje" repeats every Monday, "shukravar
//! ko" and "on Friday" name the next Friday. Hindi names are written the ways
//! speech-to-text spells them ("somvar", "somwar"); short forms ("sat", "mangal") are
//! left out, as they are also numbers and names. Weekdays count from Monday = 0, as
//! chrono's `num_days_from_monday` does.

use chrono::{DateTime, Datelike, Utc};

use super::{
    Schedule, ScheduleError, Tz, add_days,
    clock::{Clock, DEFAULT_HOUR, time_of_day},
    local_date, local_to_utc, out_of_range,
};

/// The weekday a word names, Monday = 0.
fn weekday(word: &str) -> Option<u32> {
    Some(match word {
        "monday" | "somvar" | "somwar" => 0,
        "tuesday" | "mangalvar" | "mangalwar" => 1,
        "wednesday" | "budhvar" | "budhwar" => 2,
        "thursday" | "guruvar" | "guruwar" | "brihaspativar" | "veervar" => 3,
        "friday" | "shukravar" | "shukrawar" => 4,
        "saturday" | "shanivar" | "shaniwar" => 5,
        "sunday" | "ravivar" | "raviwar" | "itwar" | "itvar" | "etwar" => 6,
        _ => return None,
    })
}

/// The first weekday named in the words.
pub(super) fn named(words: &[String]) -> Option<u32> {
    words.iter().find_map(|w| weekday(w))
}

/// "har somvar (10 baje)", "every Friday at 6 pm", "weekly on sunday": a weekday with a
/// word that repeats it.
pub(super) fn parse_weekly(
    words: &[String],
    every: &[&str],
) -> Result<Option<Schedule>, ScheduleError> {
    let Some(day) = named(words) else {
        return Ok(None);
    };
    let repeats = words
        .iter()
        .any(|w| every.contains(&w.as_str()) || w == "weekly");
    if !repeats {
        return Ok(None);
    }
    let clock = time_of_day(words)?.unwrap_or(Clock::at(DEFAULT_HOUR));
    Ok(Some(Schedule::Weekly {
        weekday: day,
        hour: clock.hour,
        minute: clock.minute,
    }))
}

/// "somvar ko 10 baje": that weekday's next occurrence after `now` (today if its time is
/// still ahead).
pub(super) fn next_named(
    day: u32,
    clock: Clock,
    now: DateTime<Utc>,
    tz: Tz,
) -> Result<DateTime<Utc>, ScheduleError> {
    next_weekly(day, clock.hour, clock.minute, now, tz).ok_or_else(|| out_of_range("date"))
}

/// The first `weekday` at `hour:minute` local strictly after `after`.
pub(super) fn next_weekly(
    weekday: u32,
    hour: u32,
    minute: u32,
    after: DateTime<Utc>,
    tz: Tz,
) -> Option<DateTime<Utc>> {
    let today = local_date(after, tz);
    (0..=7)
        .filter_map(|d| add_days(today, d))
        .filter(|date| date.weekday().num_days_from_monday() == weekday)
        .filter_map(|date| local_to_utc(date, hour, minute, tz))
        .find(|&t| t > after)
}
