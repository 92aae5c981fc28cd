//! Tests of `domain::invoices`.

use super::*;
use chrono::TimeZone;

#[test]
fn financial_years_turn_on_the_first_of_april_in_india() {
    let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
    assert_eq!(financial_year(at("2026-04-01T00:10:00+05:30")), "2026-27");
    assert_eq!(financial_year(at("2026-03-31T23:50:00+05:30")), "2025-26");
    // 31 March 20:00 UTC is already 1 April in India.
    assert_eq!(
        financial_year(Utc.with_ymd_and_hms(2027, 3, 31, 20, 0, 0).unwrap()),
        "2027-28"
    );
    assert_eq!(financial_year(at("2099-12-01T10:00:00+05:30")), "2099-00");
}
