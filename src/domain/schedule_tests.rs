//! Tests of `domain::schedule`.

use super::*;

/// The default zone: these tests' expectations were written for a fixed UTC+05:30 and
/// must hold unchanged with the tz database's Asia/Kolkata.
fn ist() -> Tz {
    DEFAULT_ZONE
}

/// A local (IST) time as UTC.
fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(&format!("{s}+05:30"))
        .unwrap()
        .with_timezone(&Utc)
}

fn now() -> DateTime<Utc> {
    at("2026-11-24T10:00:00")
}

fn once(s: &str) -> Schedule {
    Schedule::Once(at(s))
}

fn parsed(text: &str) -> Result<Schedule, ScheduleError> {
    parse(text, now(), ist())
}

#[test]
fn parses_phrases() {
    let every = |interval_minutes, first: &str| Schedule::Every {
        interval_minutes,
        first: at(first),
    };
    let daily = |hour, minute| Schedule::Daily { hour, minute };
    let monthly = |day, hour, minute| Schedule::Monthly { day, hour, minute };
    let table = [
        ("kal 7 baje", once("2026-11-25T19:00:00")),
        ("Kal subah 7 baje", once("2026-11-25T07:00:00")),
        ("kal shaam 7 baje", once("2026-11-25T19:00:00")),
        ("kal raat 8 baje", once("2026-11-25T20:00:00")),
        ("kal raat 2 baje", once("2026-11-26T02:00:00")),
        ("kal 7:30 baje", once("2026-11-25T19:30:00")),
        ("kal saat baje", once("2026-11-25T19:00:00")),
        ("kal", once("2026-11-25T19:00:00")),
        ("tomorrow 7pm", once("2026-11-25T19:00:00")),
        ("tomorrow at 9 am", once("2026-11-25T09:00:00")),
        ("aaj 5 baje", once("2026-11-24T17:00:00")),
        ("aaj sham 6 baje", once("2026-11-24T18:00:00")),
        ("parso 10 baje", once("2026-11-26T10:00:00")),
        ("day after tomorrow 11 am", once("2026-11-26T11:00:00")),
        ("9 baje", once("2026-11-25T09:00:00")),
        ("11.15 baje", once("2026-11-24T11:15:00")),
        ("10 minute baad", once("2026-11-24T10:10:00")),
        ("do ghante mein", once("2026-11-24T12:00:00")),
        ("in 15 minutes", once("2026-11-24T10:15:00")),
        ("after 3 hours", once("2026-11-24T13:00:00")),
        ("2026-11-25T09:00:00+05:30", once("2026-11-25T09:00:00")),
        ("har 5 minute", every(5, "2026-11-24T10:05:00")),
        (
            "Rahul ko 500 ka reminder har 5 minute me bhejo",
            every(5, "2026-11-24T10:05:00"),
        ),
        ("every 2 hours", every(120, "2026-11-24T12:00:00")),
        ("har ghante", every(60, "2026-11-24T11:00:00")),
        ("har 2 din", every(2880, "2026-11-26T10:00:00")),
        ("daily 3 baje", daily(15, 0)),
        ("Rahul ko 500 ka reminder roz 3 baje", daily(15, 0)),
        ("rozana subah 9 baje", daily(9, 0)),
        ("har din 9:30 baje", daily(9, 30)),
        ("every day", daily(19, 0)),
        ("har mahine 1 tareekh", monthly(1, 10, 0)),
        ("har mahine 5 tarikh ko 10 baje", monthly(5, 10, 0)),
        ("har mahine ki 31 tarikh shaam 6 baje", monthly(31, 18, 0)),
        ("monthly on 1st", monthly(1, 10, 0)),
    ];
    for (text, expected) in table {
        assert_eq!(parsed(text), Ok(expected), "{text}");
    }
}

#[test]
fn rejects_bad_phrases() {
    assert_eq!(parsed("aaj subah 9 baje"), Err(ScheduleError::PastTime));
    assert_eq!(
        parsed("2026-11-24T09:00:00+05:30"),
        Err(ScheduleError::PastTime)
    );
    assert!(matches!(
        parsed("kal 25 baje"),
        Err(ScheduleError::OutOfRange(_))
    ));
    assert!(matches!(
        parsed("kal 7:75 baje"),
        Err(ScheduleError::OutOfRange(_))
    ));
    assert!(matches!(
        parsed("har mahine 32 tarikh"),
        Err(ScheduleError::OutOfRange(_))
    ));
    assert!(matches!(
        parsed("har 0 minute"),
        Err(ScheduleError::OutOfRange(_))
    ));
    assert!(matches!(
        parsed("jaldi bhejo"),
        Err(ScheduleError::Unrecognised(_))
    ));
    assert!(matches!(parsed(""), Err(ScheduleError::Unrecognised(_))));
}

#[test]
fn next_after_each_kind() {
    let t = at("2026-11-25T09:00:00");
    assert_eq!(next_after(&Schedule::Once(t), now(), ist()), Some(t));
    assert_eq!(next_after(&Schedule::Once(t), t, ist()), None);
    let every = Schedule::Every {
        interval_minutes: 5,
        first: t,
    };
    assert_eq!(next_after(&every, now(), ist()), Some(t));
    assert_eq!(
        next_after(&every, t, ist()),
        Some(at("2026-11-25T09:05:00"))
    );
    assert_eq!(
        next_after(&every, at("2026-11-25T09:07:00"), ist()),
        Some(at("2026-11-25T09:10:00"))
    );
    let daily = Schedule::Daily { hour: 9, minute: 0 };
    assert_eq!(
        next_after(&daily, at("2026-11-24T08:00:00"), ist()),
        Some(at("2026-11-24T09:00:00"))
    );
    assert_eq!(
        next_after(&daily, now(), ist()),
        Some(at("2026-11-25T09:00:00"))
    );
}

#[test]
fn monthly_clamps_to_month_end() {
    let on_31st = Schedule::Monthly {
        day: 31,
        hour: 10,
        minute: 0,
    };
    let next = |after: &str| next_after(&on_31st, at(after), ist());
    assert_eq!(next("2027-02-01T00:00:00"), Some(at("2027-02-28T10:00:00")));
    assert_eq!(next("2027-02-28T10:00:00"), Some(at("2027-03-31T10:00:00")));
    assert_eq!(next("2028-02-10T00:00:00"), Some(at("2028-02-29T10:00:00")));
    assert_eq!(next("2026-12-31T11:00:00"), Some(at("2027-01-31T10:00:00")));
    let bad = Schedule::Monthly {
        day: 0,
        hour: 10,
        minute: 0,
    };
    assert_eq!(next_after(&bad, now(), ist()), None);
}

#[test]
fn quiet_hours_move_to_their_end() {
    let hm = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
    let quiet = |t: &str| respect_quiet_hours(at(t), ist(), hm(21, 0), hm(9, 0));
    assert_eq!(quiet("2026-11-24T22:30:00"), at("2026-11-25T09:00:00"));
    assert_eq!(quiet("2026-11-24T21:00:00"), at("2026-11-25T09:00:00"));
    assert_eq!(quiet("2026-11-24T07:00:00"), at("2026-11-24T09:00:00"));
    assert_eq!(quiet("2026-11-24T09:00:00"), at("2026-11-24T09:00:00"));
    assert_eq!(quiet("2026-11-24T12:00:00"), at("2026-11-24T12:00:00"));
    let lunch = respect_quiet_hours(at("2026-11-24T13:30:00"), ist(), hm(13, 0), hm(14, 0));
    assert_eq!(lunch, at("2026-11-24T14:00:00"));
    let none = respect_quiet_hours(at("2026-11-24T23:00:00"), ist(), hm(9, 0), hm(9, 0));
    assert_eq!(none, at("2026-11-24T23:00:00"));
}

#[test]
fn serde_is_tagged_and_round_trips() {
    let s = Schedule::Monthly {
        day: 5,
        hour: 10,
        minute: 0,
    };
    let json = serde_json::to_string(&s).unwrap();
    assert_eq!(
        json,
        r#"{"kind":"monthly","spec":{"day":5,"hour":10,"minute":0}}"#
    );
    let once = once("2026-11-25T09:00:00");
    let back: Schedule = serde_json::from_str(&serde_json::to_string(&once).unwrap()).unwrap();
    assert_eq!(back, once);
}

#[test]
fn weekdays_repeat_with_har_and_name_the_next_one_without() {
    // `now()` is Tuesday 24 November 2026, 10:00.
    let weekly = |weekday, hour, minute| Schedule::Weekly {
        weekday,
        hour,
        minute,
    };
    let table = [
        ("har somvar 10 baje", weekly(0, 10, 0)),
        ("every Friday 6 pm", weekly(4, 18, 0)),
        ("har hafte shaniwar ko subah 9:30 baje", weekly(5, 9, 30)),
        ("shukravar ko 11 baje", once("2026-11-27T11:00:00")),
        ("mangalvar ko 11 baje", once("2026-11-24T11:00:00")),
        ("mangalvar ko 9 baje", once("2026-12-01T09:00:00")),
    ];
    for (text, want) in table {
        assert_eq!(parsed(text), Ok(want), "{text}");
    }
    let monday = weekly(0, 10, 0);
    assert_eq!(
        next_after(&monday, now(), ist()),
        Some(at("2026-11-30T10:00:00"))
    );
    assert_eq!(
        next_after(&monday, at("2026-11-30T10:00:00"), ist()),
        Some(at("2026-12-07T10:00:00"))
    );
}
