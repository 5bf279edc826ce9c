//! Vendor settings as the registry carries them: each vendor's own settings type
//! behind one erased [`Section`], the spec a registration gives to parse, default,
//! check and describe it, and what a vendor reads of the run configuration.
//!
//! This module knows no vendor: a vendor implements [`VendorSettings`] for its type in
//! its own `settings.rs`, and names the type in its registration with
//! [`SettingsSpec::of`].

use std::any::Any;
use std::fmt;
use std::path::PathBuf;

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::de::DeserializeOwned;

pub use crate::fault::rule::FaultRule;

/// Default largest request body a fake accepts.
pub const DEFAULT_MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

/// Why the configuration cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The config file could not be read.
    #[error("cannot read config file {path}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The config file is not valid YAML of the expected shape.
    #[error(
        "{path}:{line}:{column}: {message}\n  hint: see the \"Configuration file\" section of the README for every key"
    )]
    Parse {
        /// The file.
        path: PathBuf,
        /// 1-based line (0 when unknown).
        line: u64,
        /// 1-based column (0 when unknown).
        column: u64,
        /// What the parser said.
        message: String,
    },
    /// The settings parse but contradict each other or make no sense.
    #[error("invalid configuration:\n{}", .0.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<String>),
}

/// A vendor's settings type: its section of the config file's `vendors:` (and of a
/// scenario's), with defaults for every key.
pub trait VendorSettings:
    Clone + Default + fmt::Debug + Send + Sync + DeserializeOwned + JsonSchema + 'static
{
    /// Problems that would make the fake unusable, each as one sentence naming the key.
    fn problems(&self) -> Vec<String>;
    /// The listening port the section asks for, if any.
    fn port(&self) -> Option<u16>;
    /// The section's `faults:` rules.
    fn faults(&self) -> &[FaultRule];
}

/// One vendor's settings, whatever their type.
pub trait Section: Any + fmt::Debug + Send + Sync {
    /// As [`VendorSettings::problems`].
    fn problems(&self) -> Vec<String>;
    /// As [`VendorSettings::port`].
    fn port(&self) -> Option<u16>;
    /// As [`VendorSettings::faults`].
    fn faults(&self) -> &[FaultRule];
    /// A copy in a new box.
    fn clone_section(&self) -> Box<dyn Section>;
    /// For reading the typed settings back.
    fn as_any(&self) -> &dyn Any;
    /// For changing the typed settings.
    fn as_any_mut(&mut self) -> &mut dyn Any;
}

impl<T: VendorSettings> Section for T {
    fn problems(&self) -> Vec<String> {
        VendorSettings::problems(self)
    }
    fn port(&self) -> Option<u16> {
        VendorSettings::port(self)
    }
    fn faults(&self) -> &[FaultRule] {
        VendorSettings::faults(self)
    }
    fn clone_section(&self) -> Box<dyn Section> {
        Box::new(self.clone())
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}

/// Parses a section (`null` is no section) from any serde deserializer.
pub type ParseFn = fn(
    &mut dyn erased_serde::Deserializer<'_>,
) -> Result<Option<Box<dyn Section>>, erased_serde::Error>;

/// How the configuration handles one vendor's section, without knowing its type.
#[derive(Clone, Copy)]
pub struct SettingsSpec {
    /// What the section is, for the config schema (`Fake Zendesk.`).
    pub title: &'static str,
    /// Reads the section.
    pub parse: ParseFn,
    /// The section when the file has none.
    pub default: fn() -> Box<dyn Section>,
    /// The JSON Schema of the section (or `null`), as the `vendors:` key's value.
    pub schema: fn(&mut SchemaGenerator) -> Schema,
}

impl SettingsSpec {
    /// The spec of settings type `T`, described as `title`.
    pub const fn of<T: VendorSettings>(title: &'static str) -> Self {
        Self {
            title,
            parse: parse::<T>,
            default: default::<T>,
            schema: schema::<T>,
        }
    }
}

fn parse<T: VendorSettings>(
    d: &mut dyn erased_serde::Deserializer<'_>,
) -> Result<Option<Box<dyn Section>>, erased_serde::Error> {
    let parsed: Option<T> = erased_serde::deserialize(d)?;
    Ok(parsed.map(|t| Box::new(t) as Box<dyn Section>))
}

fn default<T: VendorSettings>() -> Box<dyn Section> {
    Box::new(T::default())
}

fn schema<T: VendorSettings>(generator: &mut SchemaGenerator) -> Schema {
    generator.subschema_for::<Option<T>>()
}

/// Vendor sections by vendor name, in the order they were added.
#[derive(Debug, Default)]
pub struct Sections(Vec<(&'static str, Box<dyn Section>)>);

impl Clone for Sections {
    fn clone(&self) -> Self {
        Self(
            self.0
                .iter()
                .map(|(name, s)| (*name, s.clone_section()))
                .collect(),
        )
    }
}

impl Sections {
    /// Adds (or replaces) the section of vendor `name`.
    pub fn insert(&mut self, name: &'static str, section: Box<dyn Section>) {
        match self.0.iter_mut().find(|(n, _)| *n == name) {
            Some((_, old)) => *old = section,
            None => self.0.push((name, section)),
        }
    }

    /// Takes the section of vendor `name` out.
    pub fn remove(&mut self, name: &str) -> Option<Box<dyn Section>> {
        let at = self.0.iter().position(|(n, _)| *n == name)?;
        Some(self.0.remove(at).1)
    }

    /// The section of vendor `name`.
    pub fn get(&self, name: &str) -> Option<&dyn Section> {
        self.0
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, s)| s.as_ref())
    }

    /// Every section with its vendor's name.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &dyn Section)> {
        self.0.iter().map(|(n, s)| (*n, s.as_ref()))
    }

    /// The settings of type `T`, when a section holds them.
    pub fn find<T: 'static>(&self) -> Option<&T> {
        self.0.iter().find_map(|(_, s)| s.as_any().downcast_ref())
    }

    /// The settings of type `T`. Panics when no section holds them: a validated
    /// run configuration holds every registered vendor's.
    pub fn vendor<T: 'static>(&self) -> &T {
        self.find()
            .unwrap_or_else(|| panic!("no settings of type {}", std::any::type_name::<T>()))
    }
}

/// What a vendor reads of the run configuration: the run-wide values and every
/// vendor's settings.
#[derive(Debug, Clone, Default)]
pub struct VendorConfig {
    /// Seed for ids.
    pub seed: u64,
    /// Master switch for rate limits.
    pub rate_limits: bool,
    /// Every vendor's settings.
    pub sections: Sections,
}

impl VendorConfig {
    /// The settings of type `T`: a vendor reads its own with its own settings type.
    pub fn vendor<T: 'static>(&self) -> &T {
        self.sections.vendor()
    }
}
