//! Tests of `domain::invoices`.

use super::*;
use crate::domain::schedule::DEFAULT_ZONE;
use chrono::TimeZone;

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

#[test]
fn financial_years_turn_on_the_first_of_april_in_india() {
    let financial_year = |t| financial_year(t, DEFAULT_ZONE);
    assert_eq!(financial_year(at("2026-04-01T00:10:00+05:30")), "2026-27");
    assert_eq!(financial_year(at("2026-03-31T23:50:00+05:30")), "2025-26");
    // 31 March 20:00 UTC is already 1 April in India.
    assert_eq!(
        financial_year(Utc.with_ymd_and_hms(2027, 3, 31, 20, 0, 0).unwrap()),
        "2027-28"
    );
    assert_eq!(financial_year(at("2099-12-01T10:00:00+05:30")), "2099-00");
}

#[test]
fn financial_years_turn_at_the_businesss_own_midnight() {
    let london = chrono_tz::Europe::London;
    // 31 March 23:30 in London (BST) is already 1 April in India, but not in London.
    let late = at("2027-03-31T23:30:00+01:00");
    assert_eq!(financial_year(late, london), "2026-27");
    assert_eq!(financial_year(late, DEFAULT_ZONE), "2027-28");
    assert_eq!(
        financial_year(at("2027-04-01T00:00:00+01:00"), london),
        "2027-28"
    );
    let la = chrono_tz::America::Los_Angeles;
    assert_eq!(financial_year(at("2027-04-01T06:59:00Z"), la), "2026-27");
    assert_eq!(financial_year(at("2027-04-01T07:00:00Z"), la), "2027-28");
}
