//! The fake vendors: one folder each, behind one trait, listed in one registry.
//!
//! Every vendor folder has the same file names, present where they apply:
//! `settings.rs` (the vendor's section of `vendors:` in the config file and in
//! scenarios: its type, defaults and `problems()`, implementing
//! [`crate::settings::VendorSettings`]), `mod.rs` (the [`Registration`], the [`Vendor`]
//! impl and router), `api.rs` (handlers), `wire.rs` (the vendor's JSON shapes),
//! `store.rs` (state and lifecycle rules, no I/O), `error.rs` (the vendor's error
//! envelope), `webhook.rs` (outbound payloads and signatures) and `fuzz.rs`
//! (generators of what the vendor sends, and the fuzz payloads registered in
//! [`Registration::fuzz`]).
//!
//! Vendors import only the core ([`crate::fake`]: the trait, the registration
//! types and the gate; [`crate::settings`], [`crate::payload`], the journal,
//! outbound, clock, ids, template and rate-limit modules), never this module, the
//! config, the server, scenarios or fuzzing, which reach every vendor through
//! [`REGISTRY`]. The core's items are re-exported here, so `fakedesk::vendors::Vendor`
//! and the like keep working for library users.
//!
//! # Adding a vendor
//!
//! 1. Create `src/vendors/<name>/` with a `settings.rs`: a settings type deriving
//!    `Debug, Clone, Default, Deserialize, schemars::JsonSchema` (with
//!    `#[serde(deny_unknown_fields, default)]`, a `port: Option<u16>` and a
//!    `faults: Vec<FaultRule>`), and its `impl VendorSettings` (`problems()`, `port()`,
//!    `faults()`); `VendorSettings`, `FaultRule` and `SettingsSpec` are in
//!    [`crate::settings`].
//! 2. In its `mod.rs`, declare `pub mod settings;` (and the other files), a
//!    `pub const REGISTRATION: Registration` with the vendor's name, default port,
//!    `build` function, actions and `settings: SettingsSpec::of::<ItsSettings>("Fake
//!    Name.")`, and a type implementing [`Vendor`]: `build` reads the settings with
//!    `ctx.config.vendor::<ItsSettings>()`. Payloads the vendor sends go in the
//!    registration's `fuzz` list ([`crate::payload::Target`]), so `fakedesk fuzz` can
//!    send them too.
//! 3. Add its name to the `registry!` list below: that one line declares the
//!    module and puts its `REGISTRATION` in [`REGISTRY`].
//!
//! That is all: the vendor serves on its port through the record layer (every call
//! journaled), appears in `serve`'s table and the env file (its
//! [`Vendor::credentials`]), and its section is read from the config file and
//! scenarios and described in the schema (regenerate `scenario.schema.json` with
//! `cargo run -- schema`).

pub use crate::fake::*;

/// Declares every vendor's module and lists its [`Registration`] in [`REGISTRY`],
/// in the order given: one line per vendor.
macro_rules! registry {
    ($($vendor:ident),* $(,)?) => {
        $(pub mod $vendor;)*

        /// Every vendor fakedesk serves, in the order they are listed.
        pub const REGISTRY: &[Registration] = &[$($vendor::REGISTRATION),*];
    };
}

registry! {
    zendesk,
    braze,
    freshchat,
    mammut,
    smartsupp,
    blip,
    ferndesk,
}

/// The registration of the vendor called `name`.
pub fn find(name: &str) -> Option<&'static Registration> {
    REGISTRY.iter().find(|r| r.name == name)
}

/// The names of every registered vendor, for hints.
pub fn names() -> Vec<&'static str> {
    REGISTRY.iter().map(|r| r.name).collect()
}

/// Every action as `vendor.action`, in registry order.
pub fn action_names() -> Vec<String> {
    REGISTRY
        .iter()
        .flat_map(|r| {
            r.actions
                .iter()
                .map(move |a| format!("{}.{}", r.name, a.name))
        })
        .collect()
}
