//! Phone numbers, normalised to E.164 (`+919876543210`) when they enter the system.
//!
//! Shopkeepers type or dictate customers' numbers in every local habit — with a 0 trunk
//! prefix, with 91 or 0091, in groups of five — and the same customer must be found
//! whichever way it was written, and WhatsApp needs E.164. So every form is reduced to
//! one canonical string here. Without a leading '+' (or 00) a number is taken to be
//! Indian, and an Indian number must be a mobile (starting 6–9): shops reach customers
//! on WhatsApp and SMS, which landlines cannot receive.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A phone number in E.164 form: '+', country code, subscriber number; 8–15 digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PhoneNumber(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("the phone number is empty")]
    Empty,
    #[error("a phone number may contain only digits, spaces, '-', '(', ')' and a leading '+'")]
    InvalidCharacters,
    #[error("the phone number has too few digits")]
    TooShort,
    #[error("the phone number has too many digits")]
    TooLong,
    #[error("a country code cannot start with 0")]
    BadCountryCode,
    #[error("an Indian mobile number has 10 digits and starts with 6, 7, 8 or 9")]
    NotIndianMobile,
}

/// E.164 allows at most 15 digits; below 8 no real country's numbers fit.
const MIN_DIGITS: usize = 8;
const MAX_DIGITS: usize = 15;

impl PhoneNumber {
    /// Normalises any of the accepted spellings to E.164.
    pub fn parse(s: &str) -> Result<Self, PhoneError> {
        let s = s.trim();
        if s.is_empty() {
            return Err(PhoneError::Empty);
        }
        let (plus, rest) = match s.strip_prefix('+') {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        if !rest.chars().all(|c| c.is_ascii_digit() || is_separator(c)) {
            return Err(PhoneError::InvalidCharacters);
        }
        let digits: String = rest.chars().filter(char::is_ascii_digit).collect();
        let e164 = match (plus, digits.strip_prefix("00")) {
            (true, _) => international(&digits)?,
            // 00 is the international dialling prefix from India: same as '+'.
            (false, Some(after)) => international(after)?,
            (false, None) => national(&digits)?,
        };
        Ok(Self(e164))
    }

    /// The canonical form, e.g. `+919876543210`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The last `n` digits (all of them if `n` is larger), for masked display
    /// ("…3210") and for matching a number the user only half remembers.
    pub fn last_digits(&self, n: usize) -> &str {
        let digits = self.0.trim_start_matches('+');
        &digits[digits.len().saturating_sub(n)..]
    }
}

fn is_separator(c: char) -> bool {
    c.is_whitespace() || matches!(c, '-' | '(' | ')')
}

/// Digits after '+' or 00: country code and subscriber number.
fn international(digits: &str) -> Result<String, PhoneError> {
    // Country codes are prefix-free, so anything starting 91 is Indian and gets the
    // stricter mobile check.
    if let Some(national_part) = digits.strip_prefix("91") {
        return indian(national_part);
    }
    if digits.starts_with('0') {
        return Err(PhoneError::BadCountryCode);
    }
    match digits.len() {
        n if n < MIN_DIGITS => Err(PhoneError::TooShort),
        n if n > MAX_DIGITS => Err(PhoneError::TooLong),
        _ => Ok(format!("+{digits}")),
    }
}

/// Digits written without '+' or 00: an Indian number, possibly with 0 or 91 in front.
fn national(digits: &str) -> Result<String, PhoneError> {
    match digits.len() {
        12 => match digits.strip_prefix("91") {
            Some(rest) => indian(rest),
            None => Err(PhoneError::TooLong),
        },
        _ => indian(digits),
    }
}

/// A ten-digit Indian mobile, optionally behind a 0 trunk prefix ("+91 098765…" is
/// wrong but common enough to accept).
fn indian(digits: &str) -> Result<String, PhoneError> {
    let digits = match digits.strip_prefix('0') {
        Some(rest) if digits.len() == 11 => rest,
        _ => digits,
    };
    match digits.len() {
        n if n < 10 => Err(PhoneError::TooShort),
        n if n > 10 => Err(PhoneError::TooLong),
        _ if !matches!(digits.as_bytes().first(), Some(b'6'..=b'9')) => {
            Err(PhoneError::NotIndianMobile)
        }
        _ => Ok(format!("+91{digits}")),
    }
}

/// The digits of `s` if it looks like a (possibly partial) phone number rather than a
/// name: at least 6 digits and nothing but digits, spaces, '+', '-', '(' and ')'.
/// Search uses this to choose between a phone lookup and a name search.
pub fn digits_only(s: &str) -> Option<String> {
    let s = s.trim();
    if !s
        .chars()
        .all(|c| c.is_ascii_digit() || c == '+' || is_separator(c))
    {
        return None;
    }
    let digits: String = s.chars().filter(char::is_ascii_digit).collect();
    (digits.len() >= 6).then_some(digits)
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for PhoneNumber {
    type Error = PhoneError;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<PhoneNumber> for String {
    fn from(p: PhoneNumber) -> Self {
        p.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepted_forms_normalise_to_e164() {
        let cases = [
            ("98765 43210", "+919876543210"),
            ("9876543210", "+919876543210"),
            ("098765-43210", "+919876543210"),
            ("+91 98765 43210", "+919876543210"),
            ("+91-98765-43210", "+919876543210"),
            ("+91 098765 43210", "+919876543210"),
            ("919876543210", "+919876543210"),
            ("0091 9876543210", "+919876543210"),
            ("  (0) 70123 45678 ", "+917012345678"),
            ("6000000000", "+916000000000"),
            ("+44 20 7946 0958", "+442079460958"),
            ("+1 (415) 555-2671", "+14155552671"),
            ("0044 20 7946 0958", "+442079460958"),
            ("+65 6123 4567", "+6561234567"),
        ];
        for (input, want) in cases {
            let got = PhoneNumber::parse(input).unwrap();
            assert_eq!(got.as_str(), want, "{input:?}");
            assert_eq!(got.to_string(), want);
        }
    }

    #[test]
    fn rejections() {
        use PhoneError::*;
        let cases = [
            ("", Empty),
            ("   ", Empty),
            ("98765 4321O", InvalidCharacters), // letter O for zero
            ("call 9876543210", InvalidCharacters),
            ("98+76543210", InvalidCharacters),
            ("++919876543210", InvalidCharacters),
            ("98765.43210", InvalidCharacters),
            ("12345", TooShort),
            ("987654321", TooShort),
            ("+91 98765 4321", TooShort),
            ("+1234567", TooShort),
            ("98765432101", TooLong),
            ("9876543210123", TooLong),
            ("+91 98765 432101", TooLong),
            ("+1234567890123456", TooLong),
            ("+0123456789", BadCountryCode),
            ("5876543210", NotIndianMobile),
            ("+91 22 2345 6789", NotIndianMobile), // Mumbai landline
            ("09876543210x", InvalidCharacters),
        ];
        for (input, want) in cases {
            assert_eq!(PhoneNumber::parse(input), Err(want), "{input:?}");
        }
    }

    #[test]
    fn last_digits_never_panics() {
        let p = PhoneNumber::parse("98765 43210").unwrap();
        assert_eq!(p.last_digits(4), "3210");
        assert_eq!(p.last_digits(0), "");
        assert_eq!(p.last_digits(12), "919876543210");
        assert_eq!(p.last_digits(50), "919876543210");
    }

    #[test]
    fn digits_only_tells_phone_from_name() {
        let cases = [
            ("98765 43210", Some("9876543210")),
            ("+91 (98765) 43-210", Some("919876543210")),
            ("543210", Some("543210")),
            ("54321", None),
            ("Ramesh", None),
            ("Ramesh 9876543210", None),
            ("", None),
        ];
        for (input, want) in cases {
            assert_eq!(digits_only(input).as_deref(), want, "{input:?}");
        }
    }

    #[test]
    fn serde_normalises_and_validates() {
        let p: PhoneNumber = serde_json::from_str("\"098765-43210\"").unwrap();
        assert_eq!(serde_json::to_string(&p).unwrap(), "\"+919876543210\"");
        assert!(serde_json::from_str::<PhoneNumber>("\"12345\"").is_err());
    }
}
