//! GSTIN, the 15-character GST registration number printed on every tax invoice.
//!
//! A wrong GSTIN on a B2B invoice costs the buyer their input-tax credit, so a shop's
//! own and its customers' numbers are validated once, here, when they enter the system:
//! the state code, the embedded PAN's shape and the mod-36 check character. A value of
//! type [`Gstin`] is therefore always normalised (upper case, no spaces) and well formed.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A validated GSTIN, e.g. `27AAPFU0939F1ZV`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Gstin(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum GstinError {
    #[error("a GSTIN has exactly 15 characters")]
    BadLength,
    #[error("the GSTIN does not start with a valid state code")]
    BadStateCode,
    #[error("the GSTIN is not in the form 99AAAAA9999A9Z9")]
    BadFormat,
    #[error("the GSTIN's check character does not match; it has probably been mistyped")]
    BadChecksum,
}

/// The alphabet of the check digit: position in this string is the character's value.
const ALPHABET: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

impl Gstin {
    /// Trims, upper-cases and validates a GSTIN typed or spoken by a user.
    pub fn parse(s: &str) -> Result<Self, GstinError> {
        let s = s.trim().to_ascii_uppercase();
        if s.chars().count() != 15 {
            return Err(GstinError::BadLength);
        }
        // After this check every character is one byte, so byte indexing below is safe.
        if !s.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(GstinError::BadFormat);
        }
        let b = s.as_bytes();
        if !valid_state_code(&b[..2]) {
            return Err(GstinError::BadStateCode);
        }
        if !is_pan_shape(&b[2..12]) || !matches!(b[12], b'1'..=b'9' | b'A'..=b'Z') || b[13] != b'Z'
        {
            return Err(GstinError::BadFormat);
        }
        if checksum_char(&b[..14]) != Some(b[14]) {
            return Err(GstinError::BadChecksum);
        }
        Ok(Self(s))
    }

    /// The two-digit state code ("27" is Maharashtra), which decides intra- or
    /// inter-state supply.
    pub fn state_code(&self) -> &str {
        self.0.get(..2).unwrap_or_default()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// 01–38 are the states and union territories (including retired codes such as 28,
/// undivided Andhra Pradesh, which old registrations still carry); 97 is "Other
/// Territory" and 99 "Centre Jurisdiction".
fn valid_state_code(two: &[u8]) -> bool {
    let [tens @ b'0'..=b'9', ones @ b'0'..=b'9'] = two else {
        return false;
    };
    let code = (tens - b'0') * 10 + (ones - b'0');
    matches!(code, 1..=38 | 97 | 99)
}

/// PAN: five letters, four digits, one letter.
fn is_pan_shape(pan: &[u8]) -> bool {
    pan.len() == 10
        && pan[..5].iter().all(u8::is_ascii_uppercase)
        && pan[5..9].iter().all(u8::is_ascii_digit)
        && pan[9].is_ascii_uppercase()
}

/// The standard GSTIN check character over the first 14 characters: weights 1, 2,
/// 1, 2, … from the left; each product contributes its base-36 quotient plus remainder;
/// the check value is what brings the sum up to a multiple of 36. `None` if a
/// character is outside 0-9A-Z.
fn checksum_char(body: &[u8]) -> Option<u8> {
    let mut sum = 0u32;
    for (i, c) in body.iter().enumerate() {
        let value = ALPHABET.iter().position(|a| a == c)? as u32;
        let product = value * if i % 2 == 0 { 1 } else { 2 };
        sum += product / 36 + product % 36;
    }
    ALPHABET.get(((36 - sum % 36) % 36) as usize).copied()
}

impl fmt::Display for Gstin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Gstin {
    type Error = GstinError;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<Gstin> for String {
    fn from(g: Gstin) -> Self {
        g.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds a valid GSTIN from its first 14 characters using the implementation.
    fn complete(body: &str) -> String {
        let check = checksum_char(body.as_bytes()).unwrap();
        format!("{body}{}", check as char)
    }

    #[test]
    fn published_examples_are_valid() {
        // Both widely published examples pass the algorithm as given.
        for s in ["27AAPFU0939F1ZV", "29AAGCB7383J1Z4"] {
            let g = Gstin::parse(s).unwrap();
            assert_eq!(g.as_str(), s);
            assert_eq!(complete(&s[..14]), s);
        }
        assert_eq!(Gstin::parse("27AAPFU0939F1ZV").unwrap().state_code(), "27");
    }

    #[test]
    fn generated_gstins_are_valid_and_normalised() {
        for body in [
            "07AAACB1234C1Z",
            "33ABCDE1234F2Z",
            "38PQRST6789K9Z",
            "99ZZZZZ9999Z9Z",
        ] {
            let good = complete(body);
            let g = Gstin::parse(&format!("  {}\n", good.to_lowercase())).unwrap();
            assert_eq!(g.to_string(), good);
            assert_eq!(g.state_code(), &body[..2]);
        }
    }

    #[test]
    fn check_characters_computed_by_hand() {
        // Expected values computed independently with a short Python transcription of the
        // algorithm, so this catches a mistake in the Rust one.
        assert_eq!(complete("07AAACB1234C1Z"), "07AAACB1234C1ZH");
        assert_eq!(complete("33ABCDE1234F2Z"), "33ABCDE1234F2Z6");
    }

    #[test]
    fn one_character_mutations_are_rejected() {
        use GstinError::*;
        let cases = [
            ("27AAPFU0939F1ZW", BadChecksum),  // last character changed
            ("27AAPFU0938F1ZV", BadChecksum),  // PAN digit changed
            ("27AAPFV0939F1ZV", BadChecksum),  // PAN letter changed
            ("29AAGCB7383J2Z4", BadChecksum),  // entity number changed
            ("27AAPFU0939F1YV", BadFormat),    // 14th must be Z
            ("27AAPFU0939F0ZV", BadFormat),    // 13th must not be 0
            ("27AAPF10939F1ZV", BadFormat),    // PAN letter replaced by a digit
            ("27AAPFU09391F1Z", BadFormat),    // PAN digit count wrong
            ("39AAPFU0939F1ZV", BadStateCode), // no state 39
            ("00AAPFU0939F1ZV", BadStateCode),
            ("2AAAPFU0939F1ZV", BadStateCode),
            ("27AAPFU0939F1Z", BadLength),
            ("27AAPFU0939F1ZVV", BadLength),
            ("", BadLength),
            ("27AAPFU0939F-ZV", BadFormat),
            ("27AAPFU0939F1Zé", BadFormat),
        ];
        for (s, want) in cases {
            assert_eq!(Gstin::parse(s), Err(want), "{s}");
        }
    }

    #[test]
    fn serde_round_trips_and_validates() {
        let g: Gstin = serde_json::from_str("\"27aapfu0939f1zv\"").unwrap();
        assert_eq!(serde_json::to_string(&g).unwrap(), "\"27AAPFU0939F1ZV\"");
        assert!(serde_json::from_str::<Gstin>("\"27AAPFU0939F1ZW\"").is_err());
    }
}
