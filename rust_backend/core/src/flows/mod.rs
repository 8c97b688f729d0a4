//! Flows: one function per analysis over a `BlockSet`, shared by the legacy and the ETL path.

pub mod aggregates;
pub mod compare;
pub mod conflicts;
pub mod distributions;
pub mod insights;
pub mod overlays;
pub mod projection;
pub mod sky_map;
pub mod smoothing;
pub mod timeline;
pub mod trends;
pub mod validation;
pub mod visibility;
