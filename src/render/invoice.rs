//! The printed GST tax invoice: every field the GST rules ask for, on A4 pages.
//!
//! Supplier and buyer with GSTIN and state, invoice number and date, place of supply,
//! per line the HSN, quantity, rate, discount, taxable value and tax (CGST + SGST within a
//! state, IGST across states), the totals with round-off, the amount in words (lakh and
//! crore), and a UPI payment QR for the amount due when the shop has a UPI id.
//! Amounts print with "₹"; names print in whatever script they were written in, and the
//! amount in words is in the buyer's language (English or Devanagari Hindi).

use qrcode::{Color, EcLevel, QrCode};

use super::pdf::{self, Font, PAGE_HEIGHT, PAGE_WIDTH, Page};
use crate::domain::{gst, invoice_documents::InvoiceDocument};

const LEFT: f32 = 40.0;
const RIGHT: f32 = PAGE_WIDTH - 40.0;
const LINES_PER_PAGE: usize = 22;

fn rs(paise: i64) -> String {
    gst::format_inr(paise)
}

fn rate(bp: i32) -> String {
    let whole = bp / 100;
    match bp % 100 {
        0 => format!("{whole}%"),
        frac => format!("{whole}.{frac:02}%").replace("0%", "%"),
    }
}

/// The UPI deep link a payment app opens (NPCI "upi://pay" parameters).
pub fn upi_link(vpa: &str, payee: &str, paise: i64, note: &str) -> String {
    let enc = |s: &str| {
        s.replace('%', "%25")
            .replace(' ', "%20")
            .replace('&', "%26")
            .replace('/', "%2F")
    };
    format!(
        "upi://pay?pa={}&pn={}&am={}.{:02}&cu=INR&tn={}",
        enc(vpa),
        enc(payee),
        paise / 100,
        paise % 100,
        enc(note)
    )
}

fn header(page: &mut Page, doc: &InvoiceDocument, page_no: usize, pages: usize) -> f32 {
    let inv = &doc.invoice;
    let mut y = PAGE_HEIGHT - 50.0;
    page.text(LEFT, y, 16.0, Font::Bold, "TAX INVOICE");
    page.text_right(
        RIGHT,
        y,
        9.0,
        Font::Regular,
        &format!("Page {page_no} of {pages}"),
    );
    y -= 24.0;
    page.text(LEFT, y, 12.0, Font::Bold, &doc.seller.name);
    page.text(
        330.0,
        y,
        10.0,
        Font::Bold,
        &format!("Invoice No: {}", inv.number),
    );
    y -= 14.0;
    let seller_gstin = doc
        .seller
        .gstin
        .clone()
        .unwrap_or_else(|| "unregistered".into());
    page.text(
        LEFT,
        y,
        9.0,
        Font::Regular,
        &format!("GSTIN: {seller_gstin}"),
    );
    page.text(
        330.0,
        y,
        9.0,
        Font::Regular,
        &format!("Date: {}", inv.issued_at.format("%d-%m-%Y")),
    );
    y -= 12.0;
    page.text(
        LEFT,
        y,
        9.0,
        Font::Regular,
        &format!(
            "State code: {}",
            doc.seller.state_code.as_deref().unwrap_or("-")
        ),
    );
    let place = doc
        .buyer
        .state_code
        .as_deref()
        .or(doc.seller.state_code.as_deref())
        .unwrap_or("-");
    page.text(
        330.0,
        y,
        9.0,
        Font::Regular,
        &format!("Place of supply: {place}"),
    );
    y -= 20.0;
    page.text(LEFT, y, 10.0, Font::Bold, "Bill to:");
    y -= 13.0;
    page.text(LEFT, y, 10.0, Font::Regular, &doc.buyer.name);
    if let Some(g) = &doc.buyer.gstin {
        page.text(330.0, y, 9.0, Font::Regular, &format!("Buyer GSTIN: {g}"));
    }
    y -= 12.0;
    let contact = [doc.buyer.phone.as_deref(), doc.buyer.city.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ");
    if !contact.is_empty() {
        page.text(LEFT, y, 9.0, Font::Regular, &contact);
    }
    let supply = if inv.supply == "inter_state" {
        "Inter-state supply (IGST)"
    } else {
        "Intra-state supply (CGST + SGST)"
    };
    page.text(330.0, y, 9.0, Font::Regular, supply);
    y - 22.0
}

fn table_header(page: &mut Page, y: f32, inter: bool) -> f32 {
    let cols: [(f32, &str); 8] = [
        (LEFT, "#"),
        (58.0, "Item"),
        (215.0, "HSN"),
        (258.0, "Qty"),
        (300.0, "Rate"),
        (360.0, "Taxable"),
        (415.0, "GST"),
        (445.0, if inter { "IGST" } else { "CGST+SGST" }),
    ];
    for (x, title) in cols {
        page.text(x, y, 8.5, Font::Bold, title);
    }
    page.text_right(RIGHT, y, 8.5, Font::Bold, "Amount");
    page.rule(LEFT, RIGHT, y - 4.0);
    y - 16.0
}

fn line_row(page: &mut Page, y: f32, l: &crate::domain::invoice_documents::DocLine) {
    let desc: String = l.description.chars().take(30).collect();
    page.text(LEFT, y, 8.5, Font::Regular, &l.position.to_string());
    page.text(58.0, y, 8.5, Font::Regular, &desc);
    page.text(
        215.0,
        y,
        8.5,
        Font::Regular,
        l.hsn_code.as_deref().unwrap_or("-"),
    );
    page.text(
        258.0,
        y,
        8.5,
        Font::Regular,
        &format!("{} {}", l.quantity, l.unit),
    );
    page.text(300.0, y, 8.5, Font::Regular, &rs(l.unit_price_paise));
    page.text(360.0, y, 8.5, Font::Regular, &rs(l.taxable_paise));
    page.text(415.0, y, 8.5, Font::Regular, &rate(l.gst_rate_bp));
    let tax = if l.igst_paise > 0 {
        rs(l.igst_paise)
    } else {
        format!("{}+{}", rs(l.cgst_paise), rs(l.sgst_paise).replace('₹', ""))
    };
    // 7 pt: "₹12,345.00+12,345.00" must end before a six-figure amount begins.
    page.text(445.0, y, 7.0, Font::Regular, &tax);
    page.text_right(RIGHT, y, 8.5, Font::Regular, &rs(l.total_paise));
    if l.discount_paise > 0 {
        page.text(
            58.0,
            y - 9.0,
            7.0,
            Font::Regular,
            &format!("discount {}", rs(l.discount_paise)),
        );
    }
}

fn totals(page: &mut Page, mut y: f32, doc: &InvoiceDocument) -> f32 {
    let inv = &doc.invoice;
    page.rule(LEFT, RIGHT, y + 8.0);
    let mut row = |label: &str, value: String, bold: bool| {
        let font = if bold { Font::Bold } else { Font::Regular };
        page.text(360.0, y, 9.5, font, label);
        page.text_right(RIGHT, y, 9.5, font, &value);
        y -= 14.0;
    };
    row("Taxable value", rs(inv.subtotal_paise), false);
    if inv.discount_paise > 0 {
        row("Discount (included above)", rs(inv.discount_paise), false);
    }
    if inv.supply == "inter_state" {
        row("IGST", rs(inv.igst_paise), false);
    } else {
        row("CGST", rs(inv.cgst_paise), false);
        row("SGST", rs(inv.sgst_paise), false);
    }
    row("Round off", rs(inv.round_off_paise), false);
    row("Total", rs(inv.total_paise), true);
    page.text(
        LEFT,
        y - 4.0,
        9.0,
        Font::Regular,
        &format!(
            "Amount in words: {}",
            doc.language.amount_in_words(inv.total_paise)
        ),
    );
    y - 24.0
}

fn qr(page: &mut Page, link: &str, x: f32, top: f32, size: f32) {
    let Ok(code) = QrCode::with_error_correction_level(link.as_bytes(), EcLevel::M) else {
        return;
    };
    let width = code.width();
    let module = size / width as f32;
    for (i, color) in code.to_colors().into_iter().enumerate() {
        if color == Color::Dark {
            let (col, row) = ((i % width) as f32, (i / width) as f32);
            page.fill(x + col * module, top - (row + 1.0) * module, module, module);
        }
    }
}

/// Renders the invoice as a PDF.
pub fn render(doc: &InvoiceDocument) -> anyhow::Result<Vec<u8>> {
    let chunks: Vec<_> = doc.lines.chunks(LINES_PER_PAGE).collect();
    let page_count = chunks.len().max(1);
    let inter = doc.invoice.supply == "inter_state";
    let mut pages = Vec::with_capacity(page_count);
    for (i, chunk) in chunks.iter().enumerate() {
        let mut page = Page::default();
        let mut y = header(&mut page, doc, i + 1, page_count);
        y = table_header(&mut page, y, inter);
        for line in chunk.iter() {
            line_row(&mut page, y, line);
            y -= if line.discount_paise > 0 { 22.0 } else { 14.0 };
        }
        if i + 1 == page_count {
            let after = totals(&mut page, y - 10.0, doc);
            let due = doc.invoice.total_paise - doc.invoice.paid_paise;
            if let (Some(vpa), true) = (&doc.seller_upi_vpa, due > 0) {
                let link = upi_link(vpa, &doc.seller.name, due, &doc.invoice.number);
                qr(&mut page, &link, LEFT, after, 110.0);
                page.text(
                    LEFT + 120.0,
                    after - 20.0,
                    9.0,
                    Font::Bold,
                    "Scan to pay by UPI",
                );
                page.text(
                    LEFT + 120.0,
                    after - 34.0,
                    9.0,
                    Font::Regular,
                    &format!("{vpa}  -  {}", rs(due)),
                );
            }
            page.text(
                LEFT,
                40.0,
                8.0,
                Font::Regular,
                "This is a computer-generated invoice.",
            );
        }
        pages.push(page);
    }
    if pages.is_empty() {
        pages.push(Page::default());
    }
    pdf::document(&pages)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upi_links_carry_the_amount_in_rupees() {
        let link = upi_link("sharma@okaxis", "Sharma Kirana", 95_700, "2026-27/INV/0001");
        assert_eq!(
            link,
            "upi://pay?pa=sharma@okaxis&pn=Sharma%20Kirana&am=957.00&cu=INR&tn=2026-27%2FINV%2F0001"
        );
    }

    #[test]
    fn rates_print_as_percentages() {
        assert_eq!(
            (rate(1800), rate(0), rate(25), rate(150)),
            ("18%".into(), "0%".into(), "0.25%".into(), "1.5%".into())
        );
    }
}
