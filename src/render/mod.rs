//! Documents Execora prints: the PDF writer, its fonts and the GST invoice layout.

mod fonts;
pub mod invoice;
pub mod pdf;
