//! A small PDF writer: pages of text in the standard Helvetica fonts and filled boxes.
//!
//! Invoices need nothing more, and the standard fonts need no embedding, so the whole
//! format fits in a page of code instead of a dependency. Text is WinAnsi (Latin-1):
//! characters outside it (the rupee sign, Devanagari) are replaced by the caller's
//! ASCII spelling or by '?'.

use std::fmt::Write;

/// A4 in points.
pub const PAGE_WIDTH: f32 = 595.0;
pub const PAGE_HEIGHT: f32 = 842.0;

#[derive(Debug, Clone, Copy)]
pub enum Font {
    Regular,
    Bold,
}

/// One page's drawing operations.
#[derive(Debug, Default)]
pub struct Page {
    ops: String,
}

impl Page {
    /// Text with its baseline at (x, y) from the bottom-left corner.
    pub fn text(&mut self, x: f32, y: f32, size: f32, font: Font, s: &str) {
        let f = match font {
            Font::Regular => "F1",
            Font::Bold => "F2",
        };
        let _ = writeln!(
            self.ops,
            "BT /{f} {size} Tf {x:.2} {y:.2} Td ({}) Tj ET",
            escape(s)
        );
    }

    /// Text ending at x (for right-aligned amounts); Helvetica widths are approximated.
    pub fn text_right(&mut self, x: f32, y: f32, size: f32, font: Font, s: &str) {
        let width = s.chars().count() as f32 * size * 0.52;
        self.text(x - width, y, size, font, s);
    }

    /// A filled black rectangle.
    pub fn fill(&mut self, x: f32, y: f32, w: f32, h: f32) {
        let _ = writeln!(self.ops, "{x:.2} {y:.2} {w:.2} {h:.2} re f");
    }

    /// A horizontal rule.
    pub fn rule(&mut self, x1: f32, x2: f32, y: f32) {
        let _ = writeln!(self.ops, "0.5 w {x1:.2} {y:.2} m {x2:.2} {y:.2} l S");
    }
}

/// Escapes a string for a PDF literal and maps it to WinAnsi.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '(' | ')' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c if (' '..='~').contains(&c) => out.push(c),
            // Latin-1 letters are written as octal escapes, which WinAnsi shares.
            c if (c as u32) >= 0xA0 && (c as u32) <= 0xFF => {
                let _ = write!(out, "\\{:03o}", c as u32);
            }
            _ => out.push('?'),
        }
    }
    out
}

/// Serialises pages into a complete PDF file.
pub fn document(pages: &[Page]) -> Vec<u8> {
    let mut objects: Vec<String> = Vec::new();
    let page_count = pages.len();
    // 1 catalog, 2 pages, 3-4 fonts, then (page, content) pairs.
    objects.push("<< /Type /Catalog /Pages 2 0 R >>".into());
    let kids: Vec<String> = (0..page_count)
        .map(|i| format!("{} 0 R", 5 + 2 * i))
        .collect();
    objects.push(format!(
        "<< /Type /Pages /Kids [{}] /Count {page_count} >>",
        kids.join(" ")
    ));
    objects.push(
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>".into(),
    );
    objects.push(
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>"
            .into(),
    );
    for (i, page) in pages.iter().enumerate() {
        objects.push(format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_WIDTH} {PAGE_HEIGHT}] /Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents {} 0 R >>",
            6 + 2 * i
        ));
        objects.push(format!(
            "<< /Length {} >>\nstream\n{}endstream",
            page.ops.len(),
            page.ops
        ));
    }
    let mut out = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::with_capacity(objects.len());
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", i + 1).as_bytes());
    }
    let xref_at = out.len();
    let mut xref = format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1);
    for off in offsets {
        let _ = writeln!(xref, "{off:010} 00000 n ");
    }
    let _ = write!(
        xref,
        "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref_at}\n%%EOF\n",
        objects.len() + 1
    );
    out.extend_from_slice(xref.as_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_mapped_to_winansi() {
        assert_eq!(escape("a(b)c\\"), "a\\(b\\)c\\\\");
        assert_eq!(escape("café"), "caf\\351");
        assert_eq!(escape("₹ राम"), "? ???");
    }

    #[test]
    fn a_document_has_a_header_an_xref_and_an_eof() {
        let mut page = Page::default();
        page.text(10.0, 10.0, 12.0, Font::Bold, "Hello");
        let bytes = document(&[page]);
        let pdf = String::from_utf8_lossy(&bytes).into_owned();
        assert!(pdf.starts_with("%PDF-1.4"));
        assert!(pdf.contains("(Hello) Tj"));
        assert!(pdf.trim_end().ends_with("%%EOF"));
        // startxref holds a byte offset (the header has non-UTF-8 bytes on purpose).
        let start: usize = pdf.lines().rev().nth(1).unwrap().parse().unwrap();
        assert!(bytes[start..].starts_with(b"xref"));
    }
}
