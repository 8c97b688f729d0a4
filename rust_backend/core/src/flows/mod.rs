//! Flows: one function per analysis over a `BlockSet`, shared by the legacy and the ETL path.

pub mod compare;
pub mod conflicts;
pub mod distributions;
pub mod insights;
pub mod overlays;
pub mod projection;
pub mod sky_map;
pub mod smoothing;
pub mod spec;
pub mod timeline;
pub mod trends;
pub mod validation;
pub mod visibility;

/// The flow catalogue: every flow with its parameters, in the order the product lists them.
pub const CATALOGUE: [&spec::FlowSpec; 8] = [
    &sky_map::SPEC,
    &distributions::SPEC,
    &visibility::SPEC,
    &timeline::SPEC,
    &insights::SPEC,
    &trends::SPEC,
    &compare::SPEC,
    &validation::SPEC,
];

/// The catalogue entry of a flow.
pub fn spec(name: &str) -> Option<&'static spec::FlowSpec> {
    CATALOGUE.iter().copied().find(|s| s.name == name)
}
