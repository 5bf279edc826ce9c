//! Scenarios: YAML flows run against the fakes, with expectations, state asserts,
//! a managed system under test, traffic snapshots and CI reports.

pub mod junit;
pub mod report;
pub mod snapshot;
pub mod sut;
