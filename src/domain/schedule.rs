//! Reminder schedules from what a shopkeeper says ("kal shaam 7 baje", "har 5 minute",
//! "har mahine 5 tarikh ko 10 baje") or from an RFC 3339 time sent by an app.
//!
//! Parsing is deterministic: the caller passes `now` and the business's IANA time zone
//! (`businesses.time_zone`, [`DEFAULT_ZONE`] unless the owner set another). Wall-clock
//! times are resolved with the tz database, so zones with daylight saving keep "roz 9
//! baje" at 9 local across a change: a local time that does not exist (the spring-forward
//! gap) moves to the first instant after the gap, and one that occurs twice (fall-back)
//! takes the earlier. "Har N minute/ghante/din" is an interval of elapsed time, not of
//! wall-clock time, so it does not follow a DST change.
//! Phrases are read by looking at the words next to a few keywords ("baje", "minute",
//! "tarikh"), so the rest of a voice command ("Rahul ko 500 ka reminder … bhejo") is
//! tolerated. Recurring schedules keep wall-clock fields rather than instants so that
//! "roz 9 baje" stays 9 baje; `next_after` turns any schedule into its next instant, and
//! `respect_quiet_hours` moves a reminder out of the hours when customers must not be
//! messaged.
//!
//! This file holds the types and the calendar arithmetic: [`next_after`] and
//! [`respect_quiet_hours`]. Reading phrases is in `phrase` (which pattern, which day)
//! and `clock` (which time of day), as those rules change with what shopkeepers say,
//! while the arithmetic only changes with the calendar.

use chrono::{
    DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone,
    Timelike, Utc,
};
pub use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

mod clock;
mod phrase;
mod weekday;

pub use phrase::parse;

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
    /// "har somvar 10 baje"; `weekday` counts from Monday = 0.
    Weekly {
        weekday: u32,
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

fn out_of_range(what: impl std::fmt::Display) -> ScheduleError {
    ScheduleError::OutOfRange(what.to_string())
}

/// India Standard Time: the zone of a business that has not set its own, and the one
/// stored names that are not in the tz database fall back to.
pub const DEFAULT_ZONE: Tz = chrono_tz::Asia::Kolkata;

/// The zone with this IANA name ("Asia/Kolkata", "Europe/London"); None when the tz
/// database has no such zone. Names are case-sensitive, as the database spells them.
pub fn zone(name: &str) -> Option<Tz> {
    name.parse().ok()
}

fn local_date(t: DateTime<Utc>, tz: Tz) -> NaiveDate {
    t.with_timezone(&tz).date_naive()
}

fn add_days(date: NaiveDate, days: i64) -> Option<NaiveDate> {
    date.checked_add_signed(Duration::days(days))
}

fn local_to_utc(date: NaiveDate, hour: u32, minute: u32, tz: Tz) -> Option<DateTime<Utc>> {
    resolve_local(date.and_time(NaiveTime::from_hms_opt(hour, minute, 0)?), tz)
}

/// The longest stretch of local time a zone has ever skipped is a day (Samoa, end of
/// 2011); searching two days for the end of a gap covers every transition with room.
const MAX_GAP_MINUTES: i64 = 2 * 24 * 60;

/// The instant a local wall-clock time names in `tz`. Twice-occurring times (clocks
/// going back) take the earlier, so a reminder is not late by an hour; skipped times
/// (clocks going forward) take the first instant after the gap, so a reminder set in
/// the gap still fires that day, as soon as the clock allows.
pub fn resolve_local(local: NaiveDateTime, tz: Tz) -> Option<DateTime<Utc>> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => Some(t.with_timezone(&Utc)),
        LocalResult::None => gap_end(local, tz),
    }
}

/// The first valid instant after the gap `local` falls in. Transitions are on whole
/// minutes in every zone since the 1970s, so stepping by minutes from the next whole
/// minute finds the gap's end exactly, in at most a few dozen steps for an hour's gap.
fn gap_end(local: NaiveDateTime, tz: Tz) -> Option<DateTime<Utc>> {
    let minute = local.with_second(0)?.with_nanosecond(0)?;
    (1..=MAX_GAP_MINUTES)
        .filter_map(|m| minute.checked_add_signed(Duration::minutes(m)))
        .find_map(|t| tz.from_local_datetime(&t).earliest())
        .map(|t| t.with_timezone(&Utc))
}

/// The local day containing `t` in `tz`, as the instants of its first moment and of the
/// next day's (23 or 25 hours apart on the days clocks change).
pub fn local_day(t: DateTime<Utc>, tz: Tz) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let today = local_date(t, tz);
    let start = resolve_local(today.and_time(NaiveTime::MIN), tz)?;
    let end = resolve_local(add_days(today, 1)?.and_time(NaiveTime::MIN), tz)?;
    Some((start, end))
}

/// The first occurrence strictly after `after`; None when there is none (a past `Once`,
/// a zero interval, or fields out of range).
pub fn next_after(schedule: &Schedule, after: DateTime<Utc>, tz: Tz) -> Option<DateTime<Utc>> {
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
        Schedule::Weekly {
            weekday,
            hour,
            minute,
        } => weekday::next_weekly(weekday, hour, minute, after, tz),
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
    tz: Tz,
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
/// The start is quiet, the end is not. The result is never before `t`: in the hour that
/// repeats when clocks go back, the end's earlier instance can lie behind `t`.
pub fn respect_quiet_hours(
    t: DateTime<Utc>,
    tz: Tz,
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
        .and_then(|d| resolve_local(d.and_time(end), tz))
        .map_or(t, |r| r.max(t))
}

#[cfg(test)]
#[path = "schedule_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "schedule_zone_tests.rs"]
mod zone_tests;
