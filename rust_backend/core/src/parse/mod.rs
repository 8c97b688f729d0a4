//! Parsing and validation of uploads (input-formats.md). Filled by the parser work.
