//! Property-based fuzzing of integrators' payload parsers.
//!
//! - [`r#gen`]: proptest strategies of what each vendor really sends, public so a
//!   Rust integrator can use them in their own property tests without HTTP.
//! - [`target`]: every payload `fakedesk fuzz` can send, with the vendor's request
//!   around it (headers and signature computed over the exact bytes).

pub mod r#gen;
pub mod target;
