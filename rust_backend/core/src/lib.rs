//! TSI native core (no Python): parsing and validation of uploads, ingest into the store, the analytics ETL,
//! both implementations of every flow, and the synthetic schedule generator.
//!
//! Layering: `parse` → `model` (what an upload says) → `store` (ingest, loaders) → `blockset` (one schedule
//! in memory) → `flows` (payloads). `derive` holds the shared numeric rules.

pub mod blockset;
pub mod derive;
pub mod error;
pub mod etl;
pub mod flows;
pub mod generate;
pub mod model;
pub mod parse;
pub mod payload;
pub mod service;
pub mod store;
pub mod strcol;

pub use error::{CoreError, FormatIssue, Result};

/// Version of the analytics formulas; bump on any change to an analytics formula, bin count or encoding.
pub const ETL_VERSION: i64 = 1;

/// Default unscheduled sentinel (input-formats.md §5).
pub const DEFAULT_SENTINEL_MJD: f64 = 51910.5;
