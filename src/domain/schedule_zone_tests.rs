//! Tests of `domain::schedule` in zones other than India's: wall-clock schedules across
//! daylight-saving changes, the spring-forward gap and the fall-back overlap.
//!
//! Europe/London changes on the last Sundays of March and October at 01:00 UTC (in 2027:
//! 28 March, 01:00 GMT → 02:00 BST; 31 October, 02:00 BST → 01:00 GMT); America/New_York
//! on 14 March 2027 (02:00 EST → 03:00 EDT).

use super::*;
use chrono_tz::{America::New_York, Europe::London, Pacific::Apia};

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(&format!("{s}Z"))
        .unwrap()
        .with_timezone(&Utc)
}

fn daily(hour: u32, minute: u32) -> Schedule {
    Schedule::Daily { hour, minute }
}

#[test]
fn names_are_checked_against_the_tz_database() {
    assert_eq!(zone("Asia/Kolkata"), Some(DEFAULT_ZONE));
    assert_eq!(zone("Europe/London"), Some(London));
    assert_eq!(zone("Mars/Olympus_Mons"), None);
    assert_eq!(zone("asia/kolkata"), None);
    assert_eq!(zone(""), None);
}

#[test]
fn india_is_utc_plus_five_thirty_all_year() {
    for after in ["2027-01-10T00:00:00", "2027-07-10T00:00:00"] {
        let nine = next_after(&daily(9, 0), utc(after), DEFAULT_ZONE);
        assert_eq!(nine, Some(utc(&after.replace("T00:00", "T03:30"))));
    }
}

#[test]
fn daily_keeps_its_wall_clock_time_across_dst_changes() {
    let nine = daily(9, 0);
    let next = |after: &str| next_after(&nine, utc(after), London);
    // 09:00 GMT on the Saturday, 09:00 BST (08:00 UTC) from the Sunday of the change.
    assert_eq!(
        next("2027-03-26T09:00:00"),
        Some(utc("2027-03-27T09:00:00"))
    );
    assert_eq!(
        next("2027-03-27T09:00:00"),
        Some(utc("2027-03-28T08:00:00"))
    );
    assert_eq!(
        next("2027-03-28T08:00:00"),
        Some(utc("2027-03-29T08:00:00"))
    );
    // And back to 09:00 GMT at the end of October.
    assert_eq!(
        next("2027-10-30T08:00:00"),
        Some(utc("2027-10-31T09:00:00"))
    );
}

#[test]
fn a_time_in_the_spring_forward_gap_fires_when_the_gap_ends() {
    // 01:30 does not exist in London on 28 March 2027: the first instant after the gap
    // is 02:00 BST (01:00 UTC); the next day it is 01:30 BST again.
    let half_past_one = daily(1, 30);
    let next = |after: &str| next_after(&half_past_one, utc(after), London);
    assert_eq!(
        next("2027-03-27T01:30:00"),
        Some(utc("2027-03-28T01:00:00"))
    );
    assert_eq!(
        next("2027-03-28T01:00:00"),
        Some(utc("2027-03-29T00:30:00"))
    );
    // 02:30 in New York on 14 March 2027 becomes 03:00 EDT (07:00 UTC).
    let ny = next_after(&daily(2, 30), utc("2027-03-13T12:00:00"), New_York);
    assert_eq!(ny, Some(utc("2027-03-14T07:00:00")));
    // Samoa skipped 30 December 2011 altogether: noon that day is the next midnight.
    let apia = NaiveDate::from_ymd_opt(2011, 12, 30)
        .unwrap()
        .and_hms_opt(12, 0, 0);
    assert_eq!(
        resolve_local(apia.unwrap(), Apia),
        Some(utc("2011-12-30T10:00:00"))
    );
}

#[test]
fn a_time_in_the_fall_back_overlap_fires_once_at_the_earlier() {
    // 01:30 happens twice in London on 31 October 2027 (BST, then GMT): it fires at the
    // first (00:30 UTC) and not again an hour later.
    let half_past_one = daily(1, 30);
    let next = |after: &str| next_after(&half_past_one, utc(after), London);
    assert_eq!(
        next("2027-10-30T12:00:00"),
        Some(utc("2027-10-31T00:30:00"))
    );
    assert_eq!(
        next("2027-10-31T00:30:00"),
        Some(utc("2027-11-01T01:30:00"))
    );
}

#[test]
fn monthly_and_phrases_use_the_zone() {
    let on_28th = Schedule::Monthly {
        day: 28,
        hour: 9,
        minute: 0,
    };
    let next = next_after(&on_28th, utc("2027-02-28T09:00:00"), London);
    assert_eq!(next, Some(utc("2027-03-28T08:00:00")));
    // "kal 9 baje" said on the Saturday before the change is 09:00 BST on the Sunday.
    let said = parse("kal subah 9 baje", utc("2027-03-27T12:00:00"), London);
    assert_eq!(said, Ok(Schedule::Once(utc("2027-03-28T08:00:00"))));
    let said = parse("kal subah 9 baje", utc("2027-03-27T12:00:00"), New_York);
    assert_eq!(said, Ok(Schedule::Once(utc("2027-03-28T13:00:00"))));
}

#[test]
fn quiet_hours_end_at_local_time_after_a_change() {
    let hm = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
    let resumed = respect_quiet_hours(utc("2027-03-27T22:00:00"), London, hm(21, 0), hm(9, 0));
    assert_eq!(resumed, utc("2027-03-28T08:00:00"));
}

#[test]
fn local_days_are_23_or_25_hours_when_clocks_change() {
    let day = |t: &str, tz| local_day(utc(t), tz).unwrap();
    let (start, end) = day("2027-03-28T12:00:00", London);
    assert_eq!(
        (start, end),
        (utc("2027-03-28T00:00:00"), utc("2027-03-28T23:00:00"))
    );
    let (start, end) = day("2027-10-31T12:00:00", London);
    assert_eq!(end - start, Duration::hours(25));
    let (start, end) = day("2026-11-24T04:30:00", DEFAULT_ZONE);
    assert_eq!(
        (start, end),
        (utc("2026-11-23T18:30:00"), utc("2026-11-24T18:30:00"))
    );
}
