//! The fake vendors: one folder each, behind one trait, listed in one registry.
//!
//! Every vendor folder has the same file names. `settings.rs`, `mod.rs` and
//! `fuzz.rs` are in every folder; the others are present where they apply:
//! `settings.rs` (the vendor's section of `vendors:` in the config file and in
//! scenarios: its type, defaults and `problems()`, implementing
//! [`crate::settings::VendorSettings`]), `mod.rs` (the [`Registration`], the [`Vendor`]
//! impl and router), `api.rs` (handlers), `wire.rs` (the vendor's JSON shapes),
//! `store.rs` (state and lifecycle rules, no I/O), `error.rs` (the vendor's error
//! envelope), `webhook.rs` (outbound payloads and signatures) and `fuzz.rs`
//! (generators of what the vendor sends, and the fuzz payloads registered in
//! [`Registration::fuzz`]; an empty `PAYLOADS` list when it sends nothing to an
//! integrator's receiver).
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
//!    `ctx.config.vendor::<ItsSettings>()`, and `mod.rs` re-exports `ItsSettings`.
//! 3. In its `fuzz.rs`, the generators of what it sends and a `pub const PAYLOADS:
//!    &[Target]` ([`crate::payload::Target`], empty when it sends nothing), named in
//!    the registration's `fuzz`, so `fakedesk fuzz` can send them too.
//! 4. Add `name: ItsSettings,` to the `registry!` list below: that one line
//!    declares the module, puts its `REGISTRATION` in [`REGISTRY`], its settings in
//!    [`Settings`] (so `config.name` reads them from a run configuration) and its
//!    `fuzz` module in [`generators`] (`fakedesk::fuzz::r#gen::name`).
//!
//! That is all: the vendor serves on its port through the record layer (every call
//! journaled), appears in `serve`'s table and the env file (its
//! [`Vendor::credentials`]), and its section is read from the config file and
//! scenarios and described in the schema (regenerate `scenario.schema.json` with
//! `cargo run -- schema`).

pub use crate::fake::*;
use crate::settings::{Section, Sections};

/// Declares every vendor's module and, in the order given, lists its
/// [`Registration`] in [`REGISTRY`], its settings type as a field of [`Settings`]
/// and its generators in [`generators`]: one line per vendor, `module: SettingsType`.
macro_rules! registry {
    ($($vendor:ident: $settings:ident),* $(,)?) => {
        $(pub mod $vendor;)*

        /// Every vendor fakedesk serves, in the order they are listed.
        pub const REGISTRY: &[Registration] = &[$($vendor::REGISTRATION),*];

        /// Every vendor's settings, one typed field per vendor, named as the vendor:
        /// what a run configuration holds (`config.zendesk.subdomain`; see
        /// [`crate::config::RunConfig`]).
        #[derive(Debug, Clone, Default)]
        pub struct Settings {
            $(
                #[doc = concat!("The `vendors.", stringify!($vendor), "` section.")]
                pub $vendor: $vendor::$settings,
            )*
        }

        impl Settings {
            /// Every vendor's settings from erased sections (a vendor's defaults where
            /// `sections` has none of its type).
            pub fn from_sections(sections: &Sections) -> Self {
                Self {
                    $($vendor: sections.find::<$vendor::$settings>().cloned().unwrap_or_default(),)*
                }
            }

            /// Every vendor's settings by registered name, in registry order.
            pub fn sections(&self) -> Vec<(&'static str, &dyn Section)> {
                vec![$(($vendor::REGISTRATION.name, &self.$vendor as &dyn Section)),*]
            }

            /// As [`Settings::sections`], to change.
            fn sections_mut(&mut self) -> Vec<&mut dyn Section> {
                vec![$(&mut self.$vendor as &mut dyn Section),*]
            }
        }

        /// Every vendor's proptest generators of what it sends (its `fuzz` module),
        /// by vendor name; also reachable as `fakedesk::fuzz::r#gen::<vendor>`.
        pub mod generators {
            $(pub use super::$vendor::fuzz as $vendor;)*
        }
    };
}

registry! {
    zendesk: ZendeskSettings,
    braze: BrazeSettings,
    freshchat: FreshchatSettings,
    mammut: MammutSettings,
    smartsupp: SmartsuppSettings,
    blip: BlipSettings,
    ferndesk: FerndeskSettings,
}

impl Settings {
    /// Erased copies of every vendor's settings, by registered name, as vendors read
    /// them ([`crate::settings::VendorConfig`]).
    pub fn to_sections(&self) -> Sections {
        let mut out = Sections::default();
        for (name, section) in self.sections() {
            out.insert(name, section.clone_section());
        }
        out
    }

    /// The settings of type `T` (a vendor's own settings type). Panics when no
    /// vendor's settings have that type.
    pub fn vendor<T: 'static>(&self) -> &T {
        self.sections()
            .into_iter()
            .find_map(|(_, s)| s.as_any().downcast_ref())
            .unwrap_or_else(|| panic!("no settings of type {}", std::any::type_name::<T>()))
    }

    /// The settings of type `T`, to change. Panics as [`Settings::vendor`].
    pub fn vendor_mut<T: 'static>(&mut self) -> &mut T {
        self.sections_mut()
            .into_iter()
            .find_map(|s| s.as_any_mut().downcast_mut())
            .unwrap_or_else(|| panic!("no settings of type {}", std::any::type_name::<T>()))
    }
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
