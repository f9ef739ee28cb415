//! Generated lookup tables; see README.md for provenance and how to regenerate.
pub(super) mod marc8_data;
