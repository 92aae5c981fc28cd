//! Tests of `domain::gst`.

use super::*;

const fn line(quantity: i64, price: i64, discount: i64, rate_bp: u32) -> LineInput {
    LineInput {
        quantity,
        unit_price_paise: price,
        discount_paise: discount,
        gst_rate_bp: rate_bp,
    }
}

#[test]
fn line_totals_by_hand() {
    use Supply::*;
    // (input, supply, [gross, taxable, cgst, sgst, igst, tax, total])
    #[rustfmt::skip]
    let cases = [
        // 3 × 99.99 = 299.97, less 10.00 = 289.97; 18% = 52.1946 → 52.19. Odd paisa:
        // CGST 26.10 + SGST 26.09 = 52.19 exactly. Total 289.97 + 52.19 = 342.16.
        (line(3, 9999, 1000, 1800), IntraState, [29997, 28997, 2610, 2609, 0, 5219, 34216]),
        // Same line inter-state: all 52.19 is IGST.
        (line(3, 9999, 1000, 1800), InterState, [29997, 28997, 0, 0, 5219, 5219, 34216]),
        // 2 × 50.00 = 100.00; 5% = 5.00 → 2.50 + 2.50.
        (line(2, 5000, 0, 500), IntraState, [10000, 10000, 250, 250, 0, 500, 10500]),
        // 123.45 less 3.45 = 120.00; 12% = 14.40 → 7.20 + 7.20.
        (line(1, 12345, 345, 1200), IntraState, [12345, 12000, 720, 720, 0, 1440, 13440]),
        // 2 × 250.00 = 500.00 at 28% = 140.00 → 70.00 + 70.00.
        (line(2, 25000, 0, 2800), IntraState, [50000, 50000, 7000, 7000, 0, 14000, 64000]),
        // 5 × 20.00 at 0%: no tax.
        (line(5, 2000, 0, 0), IntraState, [10000, 10000, 0, 0, 0, 0, 10000]),
        // 25 paise at 18% = 4.5 paise → half up to 5; CGST 3 + SGST 2.
        (line(1, 25, 0, 1800), IntraState, [25, 25, 3, 2, 0, 5, 30]),
        // 10.00 at 0.25% = 2.5 paise → 3; CGST 2 + SGST 1.
        (line(1, 1000, 0, 25), IntraState, [1000, 1000, 2, 1, 0, 3, 1003]),
        // 1000.00 at 0.1% = 1.00 → 0.50 + 0.50.
        (line(1, 100000, 0, 10), IntraState, [100000, 100000, 50, 50, 0, 100, 100100]),
        // 4 × 10.00 fully discounted: nothing taxable.
        (line(4, 1000, 4000, 1800), IntraState, [4000, 0, 0, 0, 0, 0, 0]),
    ];
    for (input, supply, [gross, taxable, cgst, sgst, igst, tax, total]) in cases {
        let l = line_totals(&input, supply).unwrap();
        let got = [l.gross_paise, l.taxable_paise, l.cgst_paise, l.sgst_paise];
        assert_eq!(got, [gross, taxable, cgst, sgst], "{input:?} {supply:?}");
        let got = [l.igst_paise, l.tax_paise, l.total_paise, l.discount_paise];
        assert_eq!(got, [igst, tax, total, input.discount_paise], "{input:?}");
        // The split must account for every paisa of the line's tax.
        assert_eq!(l.cgst_paise + l.sgst_paise + l.igst_paise, l.tax_paise);
    }
}

#[test]
fn line_errors() {
    let cases = [
        (line(0, 100, 0, 1800), GstError::InvalidQuantity),
        (line(1, -1, 0, 1800), GstError::NegativePrice),
        (line(1, 100, -1, 1800), GstError::NegativePrice),
        (line(2, 100, 201, 1800), GstError::DiscountExceedsGross),
        (line(1, 100, 0, 250), GstError::UnsupportedRate(250)),
        (line(i64::MAX, 2, 0, 1800), GstError::Overflow),
    ];
    for (input, want) in cases {
        assert_eq!(line_totals(&input, Supply::IntraState), Err(want));
    }
}

#[test]
fn invoice_sums_and_rounds() {
    // Lines from above: 289.97 + 52.19 (18%) and 100.00 + 5.00 (5%).
    // Subtotal 389.97, CGST 26.10 + 2.50 = 28.60, SGST 26.09 + 2.50 = 28.59,
    // tax 57.19, unrounded 447.16 → 447.00, round-off -0.16.
    let lines = [line(3, 9999, 1000, 1800), line(2, 5000, 0, 500)];
    let inv = invoice_totals(&lines, Supply::IntraState).unwrap();
    assert_eq!(inv.lines.len(), 2);
    let heads = (
        inv.subtotal_paise,
        inv.discount_paise,
        inv.cgst_paise,
        inv.sgst_paise,
    );
    assert_eq!(heads, (38997, 1000, 2860, 2859));
    assert_eq!(
        (inv.igst_paise, inv.tax_paise, inv.unrounded_paise),
        (0, 5719, 44716)
    );
    assert_eq!((inv.round_off_paise, inv.total_paise), (-16, 44700));
}

#[test]
fn round_off_half_up_to_the_rupee() {
    // 1000.00 at 18% = 1180.00, plus a tax-free line of `extra` paise:
    // 1180.49 → 1180 (-0.49), 1180.50 → 1181 (+0.50), 1180.99 → 1181 (+0.01).
    let cases = [
        (0, 118000, 0),
        (49, 118000, -49),
        (50, 118100, 50),
        (99, 118100, 1),
    ];
    for (extra, total, round_off) in cases {
        let lines = [line(1, 100000, 0, 1800), line(1, extra, 0, 0)];
        let inv = invoice_totals(&lines, Supply::InterState).unwrap();
        assert_eq!(inv.unrounded_paise, 118000 + extra);
        assert_eq!((inv.total_paise, inv.round_off_paise), (total, round_off));
        assert_eq!(inv.igst_paise, 18000);
    }
}

#[test]
fn empty_invoice_is_an_error() {
    let got = invoice_totals(&[], Supply::IntraState);
    assert_eq!(got, Err(GstError::EmptyInvoice));
}

#[test]
fn amounts_in_words() {
    #[rustfmt::skip]
    let cases = [
        (0, "Rupees Zero Only"),
        (100, "Rupees One Only"),
        (50, "Rupees Zero and Fifty Paise Only"),
        (11919, "Rupees One Hundred Nineteen and Nineteen Paise Only"),
        // ₹1,01,010 = 1 lakh + 1 thousand + 10.
        (10101000, "Rupees One Lakh One Thousand Ten Only"),
        // ₹12,34,567.89 = 12 lakh, 34 thousand, 567, and 89 paise.
        (123456789, "Rupees Twelve Lakh Thirty Four Thousand Five Hundred Sixty Seven \
                     and Eighty Nine Paise Only"),
        // ₹1,00,00,000 = one crore.
        (1_000_000_000, "Rupees One Crore Only"),
        // ₹123,45,67,890.05 = 123 crore, 45 lakh, 67 thousand, 890, and 5 paise.
        (123_456_789_005, "Rupees One Hundred Twenty Three Crore Forty Five Lakh Sixty \
                           Seven Thousand Eight Hundred Ninety and Five Paise Only"),
        (-100, "Minus Rupees One Only"),
    ];
    for (paise, want) in cases {
        assert_eq!(amount_in_words(paise), want, "{paise}");
    }
}

#[test]
fn inr_grouping() {
    let cases = [
        (0, "₹0.00"),
        (5, "₹0.05"),
        (99999, "₹999.99"),
        (100000, "₹1,000.00"),
        (123456789, "₹12,34,567.89"),
        (1_000_000_000, "₹1,00,00,000.00"),
        (123_456_789_005, "₹1,23,45,67,890.05"),
        (-123456, "-₹1,234.56"),
    ];
    for (paise, want) in cases {
        assert_eq!(format_inr(paise), want, "{paise}");
    }
}
