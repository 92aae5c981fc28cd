//! Pages of text and filled boxes, written out as PDF by krilla.
//!
//! Layouts place things from the bottom-left corner in points, as PDF does; a page
//! records its drawing operations and `document` replays them through krilla, which
//! embeds a subset of each font used with a ToUnicode map, so ₹ and Devanagari both
//! print and read back (copy, search, `pdftotext`). Text is drawn run by run, one font
//! per script (`fonts`), each run shaped whole.

use anyhow::Context;
use krilla::Document;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::page::PageSettings;
use krilla::surface::Surface;
use krilla::text::TextDirection;

use super::fonts;

/// A4 in points.
pub const PAGE_WIDTH: f32 = 595.0;
pub const PAGE_HEIGHT: f32 = 842.0;

#[derive(Debug, Clone, Copy)]
pub enum Font {
    Regular,
    Bold,
}

/// One drawing operation, kept until the document is written.
#[derive(Debug)]
enum Op {
    Text {
        x: f32,
        y: f32,
        size: f32,
        font: Font,
        text: String,
    },
    /// A filled rectangle: x, y (bottom-left), width, height.
    Fill(f32, f32, f32, f32),
}

/// One page's drawing operations.
#[derive(Debug, Default)]
pub struct Page {
    ops: Vec<Op>,
}

impl Page {
    /// Text with its baseline starting at (x, y) from the bottom-left corner.
    pub fn text(&mut self, x: f32, y: f32, size: f32, font: Font, s: &str) {
        self.ops.push(Op::Text {
            x,
            y,
            size,
            font,
            text: s.to_string(),
        });
    }

    /// Text ending at x (right-aligned amounts), measured from the shaped glyphs.
    pub fn text_right(&mut self, x: f32, y: f32, size: f32, font: Font, s: &str) {
        // A font that does not parse fails the whole document in `document`; here the
        // width only moves the text, so a zero width is harmless.
        let width = fonts::width(s, size, font).unwrap_or(0.0);
        self.text(x - width, y, size, font, s);
    }

    /// A filled black rectangle.
    pub fn fill(&mut self, x: f32, y: f32, w: f32, h: f32) {
        self.ops.push(Op::Fill(x, y, w, h));
    }

    /// A horizontal rule, half a point thick.
    pub fn rule(&mut self, x1: f32, x2: f32, y: f32) {
        self.fill(x1, y - 0.25, x2 - x1, 0.5);
    }

    /// Every string drawn on the page, in order (for tests of layouts).
    pub fn texts(&self) -> impl Iterator<Item = &str> {
        self.ops.iter().filter_map(|op| match op {
            Op::Text { text, .. } => Some(text.as_str()),
            Op::Fill(..) => None,
        })
    }
}

/// Draws one text operation, run by run; krilla's y axis points down.
fn draw_text(
    surface: &mut Surface,
    x: f32,
    y: f32,
    size: f32,
    font: Font,
    text: &str,
) -> anyhow::Result<()> {
    let mut pen = x;
    for (family, run) in fonts::runs(text) {
        let face = fonts::face(family, font)?;
        surface.draw_text(
            Point::from_xy(pen, PAGE_HEIGHT - y),
            face.pdf.clone(),
            size,
            run,
            false,
            TextDirection::Auto,
        );
        pen += face.width(run, size);
    }
    Ok(())
}

fn draw_page(surface: &mut Surface, page: &Page) -> anyhow::Result<()> {
    let mut boxes = PathBuilder::new();
    for op in &page.ops {
        match op {
            Op::Text {
                x,
                y,
                size,
                font,
                text,
            } => draw_text(surface, *x, *y, *size, *font, text)?,
            Op::Fill(x, y, w, h) => {
                // All boxes share the default black fill: one path for the page.
                if let Some(rect) = Rect::from_xywh(*x, PAGE_HEIGHT - y - h, *w, *h) {
                    boxes.push_rect(rect);
                }
            }
        }
    }
    if let Some(path) = boxes.finish() {
        surface.draw_path(&path);
    }
    Ok(())
}

/// Serialises pages into a complete PDF file.
pub fn document(pages: &[Page]) -> anyhow::Result<Vec<u8>> {
    let mut doc = Document::new();
    let settings = PageSettings::from_wh(PAGE_WIDTH, PAGE_HEIGHT).context("A4 page size")?;
    for page in pages {
        let mut pdf_page = doc.start_page_with(settings.clone());
        let mut surface = pdf_page.surface();
        draw_page(&mut surface, page)?;
        surface.finish();
        pdf_page.finish();
    }
    doc.finish()
        .map_err(|e| anyhow::anyhow!("writing the PDF: {e:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_has_a_header_and_an_eof() {
        let mut page = Page::default();
        page.text(10.0, 10.0, 12.0, Font::Bold, "Hello ₹ राम");
        page.rule(10.0, 100.0, 20.0);
        let bytes = document(&[page]).unwrap();
        assert!(bytes.starts_with(b"%PDF-"));
        let tail = String::from_utf8_lossy(&bytes[bytes.len() - 32..]).into_owned();
        assert!(tail.trim_end().ends_with("%%EOF"), "{tail}");
    }

    #[test]
    fn right_aligned_text_ends_at_the_margin() {
        let mut page = Page::default();
        page.text_right(500.0, 10.0, 10.0, Font::Regular, "₹1,200.00");
        let Some(Op::Text { x, .. }) = page.ops.first() else {
            panic!("no text recorded");
        };
        let width = fonts::width("₹1,200.00", 10.0, Font::Regular).unwrap();
        assert!(
            width > 20.0 && (x + width - 500.0).abs() < 0.01,
            "{x} {width}"
        );
    }
}
