//! Documents Execora prints: the PDF writer and the GST invoice layout.

pub mod invoice;
pub mod pdf;
