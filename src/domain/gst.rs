//! Indian GST invoice arithmetic: line tax, CGST/SGST/IGST split, rupee round-off,
//! amount in words and ₹ formatting.
//!
//! Money is integer paise (`i64`) throughout, because floats drift by fractions of a
//! paisa and a printed invoice must add up exactly. Every rounding step is half up
//! (the convention on Indian tax invoices), and the intra-state split gives CGST the
//! odd paisa so that CGST + SGST always equals the line's tax.

/// Where the goods go, which decides the tax heads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Supply {
    /// Same state: tax is split equally between CGST and SGST.
    IntraState,
    /// Different state: the whole tax is IGST.
    InterState,
}

/// One invoice line as entered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineInput {
    /// Units sold; at least 1.
    pub quantity: i64,
    pub unit_price_paise: i64,
    /// Absolute discount on the whole line; at most the gross amount.
    pub discount_paise: i64,
    /// Rate in basis points (1800 = 18%); must be one of [`SUPPORTED_RATES_BP`].
    pub gst_rate_bp: u32,
}

/// The computed amounts of one line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineTotals {
    pub gross_paise: i64,
    pub discount_paise: i64,
    pub taxable_paise: i64,
    pub cgst_paise: i64,
    pub sgst_paise: i64,
    pub igst_paise: i64,
    pub tax_paise: i64,
    pub total_paise: i64,
}

/// The computed amounts of a whole invoice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceTotals {
    pub lines: Vec<LineTotals>,
    /// Sum of the lines' taxable values.
    pub subtotal_paise: i64,
    pub discount_paise: i64,
    pub cgst_paise: i64,
    pub sgst_paise: i64,
    pub igst_paise: i64,
    pub tax_paise: i64,
    /// Subtotal plus tax, before rounding to the rupee.
    pub unrounded_paise: i64,
    /// `total - unrounded`; between -49 and +50 paise.
    pub round_off_paise: i64,
    /// The payable amount, a whole number of rupees.
    pub total_paise: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GstError {
    #[error("an invoice needs at least one line")]
    EmptyInvoice,
    #[error("quantity must be at least 1")]
    InvalidQuantity,
    #[error("price and discount must not be negative")]
    NegativePrice,
    #[error("discount is larger than the line's gross amount")]
    DiscountExceedsGross,
    #[error("{0} basis points is not a GST rate")]
    UnsupportedRate(u32),
    #[error("amount too large")]
    Overflow,
}

/// GST slabs in basis points, including the special 0.1%, 0.25%, 1%, 1.5% and 3% rates
/// (exports to merchant exporters, rough stones, gold and jewellery). Anything else is
/// almost certainly a typo, so it is refused rather than silently taxed.
pub const SUPPORTED_RATES_BP: [u32; 10] = [0, 10, 25, 100, 150, 300, 500, 1200, 1800, 2800];

const BP_PER_UNIT: i128 = 10_000;

/// Computes one line's taxable value and tax heads.
pub fn line_totals(line: &LineInput, supply: Supply) -> Result<LineTotals, GstError> {
    validate(line)?;
    let gross = line
        .quantity
        .checked_mul(line.unit_price_paise)
        .ok_or(GstError::Overflow)?;
    if line.discount_paise > gross {
        return Err(GstError::DiscountExceedsGross);
    }
    let taxable = gross - line.discount_paise;
    let tax = tax_on(taxable, line.gst_rate_bp)?;
    let (cgst, sgst, igst) = match supply {
        // Half up on the halves: CGST takes the odd paisa, SGST the rest, so they sum exactly.
        Supply::IntraState => {
            let cgst = (tax + 1) / 2;
            (cgst, tax - cgst, 0)
        }
        Supply::InterState => (0, 0, tax),
    };
    Ok(LineTotals {
        gross_paise: gross,
        discount_paise: line.discount_paise,
        taxable_paise: taxable,
        cgst_paise: cgst,
        sgst_paise: sgst,
        igst_paise: igst,
        tax_paise: tax,
        total_paise: taxable.checked_add(tax).ok_or(GstError::Overflow)?,
    })
}

fn validate(line: &LineInput) -> Result<(), GstError> {
    if line.quantity < 1 {
        return Err(GstError::InvalidQuantity);
    }
    if line.unit_price_paise < 0 || line.discount_paise < 0 {
        return Err(GstError::NegativePrice);
    }
    if !SUPPORTED_RATES_BP.contains(&line.gst_rate_bp) {
        return Err(GstError::UnsupportedRate(line.gst_rate_bp));
    }
    Ok(())
}

/// `taxable × rate / 10000`, half up. Widened to i128 so a large but legal taxable
/// value cannot overflow in the intermediate product; taxable is never negative here.
fn tax_on(taxable: i64, rate_bp: u32) -> Result<i64, GstError> {
    let product = i128::from(taxable) * i128::from(rate_bp);
    let tax = (product + BP_PER_UNIT / 2) / BP_PER_UNIT;
    i64::try_from(tax).map_err(|_| GstError::Overflow)
}

/// Computes every line, sums them, and rounds the payable amount to the rupee.
pub fn invoice_totals(lines: &[LineInput], supply: Supply) -> Result<InvoiceTotals, GstError> {
    if lines.is_empty() {
        return Err(GstError::EmptyInvoice);
    }
    let computed = lines
        .iter()
        .map(|l| line_totals(l, supply))
        .collect::<Result<Vec<_>, _>>()?;
    let sum = |f: fn(&LineTotals) -> i64| -> Result<i64, GstError> {
        computed
            .iter()
            .try_fold(0i64, |acc, l| acc.checked_add(f(l)))
            .ok_or(GstError::Overflow)
    };
    let subtotal = sum(|l| l.taxable_paise)?;
    let tax = sum(|l| l.tax_paise)?;
    let unrounded = subtotal.checked_add(tax).ok_or(GstError::Overflow)?;
    let total = round_to_rupee(unrounded)?;
    Ok(InvoiceTotals {
        subtotal_paise: subtotal,
        discount_paise: sum(|l| l.discount_paise)?,
        cgst_paise: sum(|l| l.cgst_paise)?,
        sgst_paise: sum(|l| l.sgst_paise)?,
        igst_paise: sum(|l| l.igst_paise)?,
        tax_paise: tax,
        unrounded_paise: unrounded,
        round_off_paise: total - unrounded,
        total_paise: total,
        lines: computed,
    })
}

/// Nearest 100 paise, half up; the amount is never negative because validation
/// refuses negative prices and discounts above gross.
fn round_to_rupee(paise: i64) -> Result<i64, GstError> {
    let up = paise.checked_add(50).ok_or(GstError::Overflow)?;
    Ok(up / 100 * 100)
}

#[rustfmt::skip]
const ONES: [&str; 20] = [
    "Zero", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten",
    "Eleven", "Twelve", "Thirteen", "Fourteen", "Fifteen", "Sixteen", "Seventeen", "Eighteen",
    "Nineteen",
];
#[rustfmt::skip]
const TENS: [&str; 10] = [
    "", "", "Twenty", "Thirty", "Forty", "Fifty", "Sixty", "Seventy", "Eighty", "Ninety",
];

/// The amount as printed on an Indian invoice, e.g. "Rupees One Lakh Five Only" or
/// "Rupees Zero and Fifty Paise Only". Negative amounts (credit notes) get "Minus ".
pub fn amount_in_words(paise: i64) -> String {
    let abs = paise.unsigned_abs();
    let (rupees, paisa) = (abs / 100, abs % 100);
    let sign = if paise < 0 { "Minus " } else { "" };
    let paise_part = match paisa {
        0 => String::new(),
        p => format!(" and {} Paise", words(p)),
    };
    format!("{sign}Rupees {}{paise_part} Only", words(rupees))
}

/// Indian numbering: crore (10^7), lakh (10^5), thousand, hundred. A count of crores
/// above 99 is itself spelt in full ("One Hundred Twenty Three Crore").
fn words(n: u64) -> String {
    if n == 0 {
        return ONES[0].to_string();
    }
    let mut parts = Vec::new();
    let (crores, rest) = (n / 10_000_000, n % 10_000_000);
    if crores > 0 {
        parts.push(format!("{} Crore", words(crores)));
    }
    // (place value, how many of it fit below the next place, name)
    for (unit, limit, name) in [
        (100_000, 100, "Lakh"),
        (1_000, 100, "Thousand"),
        (100, 10, "Hundred"),
    ] {
        let count = rest / unit % limit;
        if count > 0 {
            parts.push(format!("{} {name}", below_hundred(count)));
        }
    }
    if rest % 100 > 0 {
        parts.push(below_hundred(rest % 100));
    }
    parts.join(" ")
}

fn below_hundred(n: u64) -> String {
    // n < 100 by construction, so the indices are in range.
    let n = n as usize;
    match (n / 10, n % 10) {
        (0 | 1, _) => ONES[n].to_string(),
        (t, 0) => TENS[t].to_string(),
        (t, o) => format!("{} {}", TENS[t], ONES[o]),
    }
}

/// "₹12,34,567.89": the last three rupee digits, then groups of two, as Indians write it.
pub fn format_inr(paise: i64) -> String {
    let abs = paise.unsigned_abs();
    let digits = (abs / 100).to_string();
    let split = digits.len().saturating_sub(3);
    let (head, tail) = digits.split_at(split);
    let mut groups: Vec<&str> = Vec::new();
    let mut end = head.len();
    while end > 0 {
        let start = end.saturating_sub(2);
        groups.push(&head[start..end]);
        end = start;
    }
    groups.reverse();
    groups.push(tail);
    let sign = if paise < 0 { "-" } else { "" };
    format!("{sign}₹{}.{:02}", groups.join(","), abs % 100)
}

#[cfg(test)]
#[path = "gst_tests.rs"]
mod tests;
