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
//!
//! This file holds the types and the calendar arithmetic: [`next_after`] and
//! [`respect_quiet_hours`]. Reading phrases is in `phrase` (which pattern, which day)
//! and `clock` (which time of day), as those rules change with what shopkeepers say,
//! while the arithmetic only changes with the calendar.

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, NaiveTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};

mod clock;
mod phrase;

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

/// India Standard Time (UTC+05:30, no daylight saving), the default business zone, in
/// which schedules and financial years are reckoned.
pub fn ist() -> FixedOffset {
    FixedOffset::east_opt(19_800).unwrap_or_else(|| chrono::Offset::fix(&Utc))
}

#[cfg(test)]
#[path = "schedule_tests.rs"]
mod tests;
