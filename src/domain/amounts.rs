//! Bounds on money, checked when it is written, so that no sum of it can overflow.
//!
//! Balances, statements and the tenant-wide outstanding are sums of ledger entries in
//! `bigint`. Bounding each amount alone does not bound its sums (enough invoices that
//! each pass add up past 2^63), so a business also carries the running total of the
//! absolute amounts it has ever written (`businesses.ledger_volume_paise`), raised in
//! the transaction that writes an entry and held below [`MAX_LEDGER_VOLUME_PAISE`] by a
//! check constraint. Every balance is a signed sum of some of those entries, so its
//! magnitude is at most that volume: far inside `bigint`. The constraints are named
//! `*_bounded`; breaking one answers 422 `amount_too_large` (`error.rs`).

/// The largest single amount: an invoice total, a payment, a credit (₹100 crore).
pub const MAX_AMOUNT_PAISE: i64 = 100_000_000_000;

/// The largest total of a business's ledger over its life (₹1 lakh crore): ten
/// thousand maximal invoices, yet 9 000 times below where `bigint` ends.
pub const MAX_LEDGER_VOLUME_PAISE: i64 = 1_000_000_000_000_000;

/// The stable code of an amount past these bounds.
pub const TOO_LARGE: &str = "amount_too_large";

/// Whether a database error is one of the bounds above (a `*_bounded` constraint).
pub fn is_bound(db: &dyn sqlx::error::DatabaseError) -> bool {
    db.constraint().is_some_and(|c| c.ends_with("_bounded"))
}
