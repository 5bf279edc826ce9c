//! Property-based fuzzing of integrators' payload parsers.
//!
//! - [`payload`] (the core module `crate::payload`, re-exported here): what a vendor
//!   registers: its payloads, how it signs them, the keys.
//! - `r#gen`: the proptest strategies of what each vendor really sends, by vendor
//!   (`r#gen::<vendor>`, which is the vendor folder's `fuzz` module), beside the
//!   building blocks they share; public so a Rust integrator can use them in their
//!   own property tests without HTTP; `proptest` is re-exported ([`proptest`]) so
//!   the versions match.
//! - [`target`]: every registered payload, looked up by name.
//! - [`case`]: valid and hostile cases, rendered to exact bytes.
//! - [`expect`]: what a receiver's reply must be.
//! - [`run`]: a bounded run against a live receiver, shrinking the first failure.
//! - [`replay`]: the shrunk failure written as a scenario.
//! - [`command`]: `fakedesk fuzz` itself.
//!
//! A vendor adds fuzz payloads in its own folder: a `fuzz.rs` with its generators
//! and a `PAYLOADS` list of [`payload::Target`]s (name, summary, generator, signing
//! [`payload::Scheme`]), named in its registration's `fuzz` field. Nothing here
//! changes: `fakedesk fuzz --list`, `fakedesk fuzz VENDOR.PAYLOAD` and scenario
//! `deliver` steps find it through the registry.

pub use crate::payload::{self, proptest};

/// Generators of what the vendors really send: the building blocks of every
/// vendor's strategies (`crate::payload::r#gen`), and each vendor's own under its
/// name, `fakedesk::fuzz::r#gen::<vendor>` (the vendor folder's `fuzz` module).
pub mod r#gen {
    pub use crate::payload::r#gen::*;
    pub use crate::vendors::generators::*;
}

pub mod case;
pub mod command;
pub mod expect;
pub mod replay;
pub mod run;
pub mod target;
