//! Property-based fuzzing of integrators' payload parsers.
//!
//! - [`r#gen`]: proptest strategies of what each vendor really sends, public so a
//!   Rust integrator can use them in their own property tests without HTTP.
//! - [`target`]: every payload `fakedesk fuzz` can send, with the vendor's request
//!   around it (headers and signature computed over the exact bytes).
//! - [`case`]: valid and hostile cases, rendered to exact bytes.
//! - [`expect`]: what a receiver's reply must be.
//! - [`run`]: a bounded run against a live receiver, shrinking the first failure.
//! - [`replay`]: the shrunk failure written as a scenario.
//! - [`command`]: `fakedesk fuzz` itself.

pub mod case;
pub mod command;
pub mod expect;
pub mod r#gen;
pub mod replay;
pub mod run;
pub mod target;
