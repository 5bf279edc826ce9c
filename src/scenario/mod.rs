//! Scenarios: YAML flows run against the fakes, with expectations, state asserts,
//! a managed system under test, traffic snapshots and CI reports.

pub mod diag;
pub mod interp;
pub mod junit;
pub mod load;
pub mod matching;
pub mod model;
pub mod report;
pub mod snapshot;
pub mod sut;
pub mod validate;
pub mod yaml;
