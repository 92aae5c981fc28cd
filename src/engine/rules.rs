//! Placeholder until the rule-based parser lands (replaced by the `parser` branch).
use super::intent::ParsedIntent;
pub fn parse(text: &str) -> ParsedIntent {
    ParsedIntent::unknown(text.to_lowercase())
}
pub fn confirmation(text: &str) -> Option<bool> {
    match text.trim().to_lowercase().as_str() {
        "haan" | "ha" | "yes" | "ok" => Some(true),
        "nahi" | "no" => Some(false),
        _ => None,
    }
}
