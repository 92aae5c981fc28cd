//! The fonts invoices print with, compiled into the binary, and how text is split between them.
//!
//! Noto Sans (cut down to Latin-1 and general punctuation) draws Latin text; Noto Sans
//! Devanagari draws Devanagari and "₹", which the Latin cut lacks. Both are under the SIL
//! Open Font License (`assets/fonts/OFL.txt`). They are compiled in rather than read from
//! the system so that a server prints the same invoice whatever fonts its machine has.
//! A string is split into runs of one font each; a run is shaped whole by rustybuzz (in
//! krilla, and here to measure it), so conjuncts and matras join as they should.

use std::sync::LazyLock;

use krilla::text::Font as PdfFont;

use super::pdf::Font;

static LATIN_REGULAR: &[u8] = include_bytes!("../../assets/fonts/NotoSans-Regular-Latin.ttf");
static LATIN_BOLD: &[u8] = include_bytes!("../../assets/fonts/NotoSans-Bold-Latin.ttf");
static DEVANAGARI_REGULAR: &[u8] =
    include_bytes!("../../assets/fonts/NotoSansDevanagari-Regular.ttf");
static DEVANAGARI_BOLD: &[u8] = include_bytes!("../../assets/fonts/NotoSansDevanagari-Bold.ttf");

/// Which of the two families a run is drawn in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Family {
    Latin,
    Devanagari,
}

/// One font file, parsed once for drawing (krilla) and once for measuring (rustybuzz).
pub(crate) struct Face {
    pub(crate) pdf: PdfFont,
    shaper: rustybuzz::Face<'static>,
}

impl Face {
    fn load(data: &'static [u8]) -> Option<Face> {
        Some(Face {
            pdf: PdfFont::new(data.into(), 0)?,
            shaper: rustybuzz::Face::from_slice(data, 0)?,
        })
    }

    /// The advance of `text` shaped as one run, in points at `size`.
    pub(crate) fn width(&self, text: &str, size: f32) -> f32 {
        let mut buffer = rustybuzz::UnicodeBuffer::new();
        buffer.push_str(text);
        buffer.guess_segment_properties();
        let shaped = rustybuzz::shape(&self.shaper, &[], buffer);
        let units: i32 = shaped.glyph_positions().iter().map(|p| p.x_advance).sum();
        units as f32 * size / self.shaper.units_per_em().max(1) as f32
    }
}

/// The four faces; `None` only if a compiled-in file failed to parse, which a unit test
/// rules out.
struct Faces {
    latin: [Face; 2],
    devanagari: [Face; 2],
}

static FACES: LazyLock<Option<Faces>> = LazyLock::new(|| {
    Some(Faces {
        latin: [Face::load(LATIN_REGULAR)?, Face::load(LATIN_BOLD)?],
        devanagari: [
            Face::load(DEVANAGARI_REGULAR)?,
            Face::load(DEVANAGARI_BOLD)?,
        ],
    })
});

/// The face for a family in a weight.
pub(crate) fn face(family: Family, font: Font) -> anyhow::Result<&'static Face> {
    let faces = FACES
        .as_ref()
        .ok_or_else(|| anyhow::anyhow!("a compiled-in invoice font does not parse"))?;
    let weight = match font {
        Font::Regular => 0,
        Font::Bold => 1,
    };
    Ok(match family {
        Family::Latin => &faces.latin[weight],
        Family::Devanagari => &faces.devanagari[weight],
    })
}

/// The family a character needs, or `None` for spaces, which join the run they are in.
fn family_of(c: char) -> Option<Family> {
    match c {
        // Devanagari, its Vedic and extended blocks, ZWNJ/ZWJ (they steer conjuncts), the
        // dotted circle the shaper inserts for a stray matra, and the rupee sign.
        '\u{0900}'..='\u{097F}'
        | '\u{1CD0}'..='\u{1CFF}'
        | '\u{A8E0}'..='\u{A8FF}'
        | '\u{200C}'
        | '\u{200D}'
        | '\u{25CC}'
        | '₹' => Some(Family::Devanagari),
        c if c.is_whitespace() => None,
        _ => Some(Family::Latin),
    }
}

/// Splits text into maximal runs of one family; leading spaces go with the first run.
pub(crate) fn runs(text: &str) -> Vec<(Family, &str)> {
    let mut out: Vec<(Family, &str)> = Vec::new();
    let mut start = 0;
    let mut current: Option<Family> = None;
    for (i, c) in text.char_indices() {
        match (current, family_of(c)) {
            (Some(now), Some(next)) if now != next => {
                out.push((now, &text[start..i]));
                start = i;
                current = Some(next);
            }
            (None, next @ Some(_)) => current = next,
            _ => {}
        }
    }
    if start < text.len() {
        out.push((current.unwrap_or(Family::Latin), &text[start..]));
    }
    out
}

/// The printed width of a string of mixed scripts, in points.
pub(crate) fn width(text: &str, size: f32, font: Font) -> anyhow::Result<f32> {
    let mut total = 0.0;
    for (family, run) in runs(text) {
        total += face(family, font)?.width(run, size);
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_compiled_in_font_parses() {
        assert!(FACES.is_some());
    }

    #[test]
    fn text_splits_into_runs_per_script_with_spaces_kept() {
        assert_eq!(
            runs("Bill राम कुमार ₹1,200.00 only"),
            vec![
                (Family::Latin, "Bill "),
                (Family::Devanagari, "राम कुमार ₹"),
                (Family::Latin, "1,200.00 only"),
            ]
        );
        assert_eq!(runs("  "), vec![(Family::Latin, "  ")]);
        assert!(runs("").is_empty());
    }

    #[test]
    fn a_conjunct_is_narrower_than_its_letters_apart() {
        // क्ष shaped is one ligature glyph; क + ् + ष unshaped would be three advances.
        let joined = width("क्ष", 10.0, Font::Regular).unwrap_or_default();
        let apart = width("क", 10.0, Font::Regular).unwrap_or_default()
            + width("ष", 10.0, Font::Regular).unwrap_or_default();
        assert!(joined > 0.0 && joined < apart, "{joined} vs {apart}");
    }
}
