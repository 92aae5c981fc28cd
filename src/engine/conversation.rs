//! What a voice session remembers between utterances.
//!
//! Stored as JSON per (business, session) by `domain::conversations`; a session of one
//! tenant can never load another's, because the business id is half of the key.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::intent::{Language, ParsedIntent};
use crate::domain::gst::{self, LineInput, Supply};

/// A customer the conversation is about ("uska balance" means this one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerRef {
    pub id: Uuid,
    pub name: String,
}

/// One line of an invoice being dictated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftItem {
    pub product_id: Uuid,
    pub name: String,
    pub quantity: i64,
    pub unit_price_paise: i64,
    pub gst_rate_bp: u32,
}

/// An invoice being dictated, not yet issued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Draft {
    pub customer: CustomerRef,
    pub items: Vec<DraftItem>,
    pub with_gst: bool,
    pub discount_percent: u32,
    pub discount_paise: i64,
}

/// The draft's lines with their discounts spread, as the invoice will get them.
pub struct PricedLine {
    pub item: DraftItem,
    pub discount_paise: i64,
    pub gst_rate_bp: u32,
}

impl Draft {
    /// Lines with the draft's discount applied: the percentage on every line, an amount
    /// spread over the lines in proportion to their value (the remainder on the last).
    pub fn priced_lines(&self) -> Vec<PricedLine> {
        let gross: Vec<i64> = self
            .items
            .iter()
            .map(|i| i.quantity.saturating_mul(i.unit_price_paise))
            .collect();
        let total: i64 = gross.iter().sum();
        let mut spread_left = self.discount_paise.min(total).max(0);
        let count = self.items.len();
        self.items
            .iter()
            .zip(&gross)
            .enumerate()
            .map(|(i, (item, &g))| {
                let pct = g * i64::from(self.discount_percent.min(100)) / 100;
                let share = if i + 1 == count || total == 0 {
                    spread_left
                } else {
                    self.discount_paise.min(total) * g / total
                };
                spread_left -= share;
                PricedLine {
                    item: item.clone(),
                    discount_paise: (pct + share).min(g),
                    gst_rate_bp: if self.with_gst { item.gst_rate_bp } else { 0 },
                }
            })
            .collect()
    }

    /// The payable total as the invoice would compute it within the state.
    pub fn estimated_total_paise(&self) -> i64 {
        let lines: Vec<LineInput> = self
            .priced_lines()
            .iter()
            .map(|l| LineInput {
                quantity: l.item.quantity,
                unit_price_paise: l.item.unit_price_paise,
                discount_paise: l.discount_paise,
                gst_rate_bp: l.gst_rate_bp,
            })
            .collect();
        gst::invoice_totals(&lines, Supply::IntraState)
            .map(|t| t.total_paise)
            .unwrap_or(0)
    }
}

/// A question the session is waiting on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Pending {
    /// "Haan" runs `action` as confirmed; "nahi" drops it.
    Confirm {
        action: Box<ParsedIntent>,
        customer: Option<CustomerRef>,
    },
    /// The owner was emailed a code; saying it erases this customer.
    ErasureCode { customer: CustomerRef },
}

/// The whole state of one session.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Conversation {
    pub language: Language,
    pub active_customer: Option<CustomerRef>,
    pub draft: Option<Draft>,
    pub pending: Option<Pending>,
}

impl Conversation {
    /// State as stored; anything unreadable (an older shape) starts afresh.
    pub fn from_json(value: serde_json::Value) -> Self {
        serde_json::from_value(value).unwrap_or_default()
    }

    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(qty: i64, price: i64, rate: u32) -> DraftItem {
        DraftItem {
            product_id: Uuid::nil(),
            name: "x".into(),
            quantity: qty,
            unit_price_paise: price,
            gst_rate_bp: rate,
        }
    }

    fn draft(items: Vec<DraftItem>, with_gst: bool, pct: u32, amount: i64) -> Draft {
        Draft {
            customer: CustomerRef {
                id: Uuid::nil(),
                name: "Ramesh".into(),
            },
            items,
            with_gst,
            discount_percent: pct,
            discount_paise: amount,
        }
    }

    #[test]
    fn amount_discount_is_spread_in_proportion_and_sums_exactly() {
        let d = draft(
            vec![item(1, 10_000, 0), item(2, 10_000, 0)],
            false,
            0,
            1_000,
        );
        let lines = d.priced_lines();
        assert_eq!(lines[0].discount_paise, 333);
        assert_eq!(lines[1].discount_paise, 667);
        assert_eq!(d.estimated_total_paise(), 29_000);
    }

    #[test]
    fn without_gst_the_rate_is_zero_and_with_it_tax_is_added() {
        let plain = draft(vec![item(2, 5_000, 500)], false, 0, 0);
        assert_eq!(plain.estimated_total_paise(), 10_000);
        let taxed = draft(vec![item(2, 5_000, 500)], true, 10, 0);
        // ₹100 - 10% = ₹90 taxable, +5% = ₹94.50, rounded to the rupee: ₹95.
        assert_eq!(taxed.estimated_total_paise(), 9_500);
    }

    #[test]
    fn unreadable_state_starts_afresh() {
        let c = Conversation::from_json(serde_json::json!({"draft": 7}));
        assert_eq!(c, Conversation::default());
    }
}
