//! The `vendors:` section, read through the registry: each key is a registered
//! vendor's name and its value is read by that vendor's settings spec, so the
//! parser's line and column reach into every vendor's settings.

use std::borrow::Cow;
use std::fmt;
use std::sync::LazyLock;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::Deserialize;
use serde::de::{DeserializeSeed, Deserializer, Error as _, MapAccess, Visitor};

use crate::settings::{Section, Sections};
use crate::vendors::{self, Registration};

/// The `vendors:` section: the sections the file gives, by vendor.
#[derive(Debug, Default, Clone)]
pub struct VendorsFile(Sections);

impl VendorsFile {
    /// The given section of vendor `name`.
    pub fn get(&self, name: &str) -> Option<&dyn Section> {
        self.0.get(name)
    }

    /// Every registered vendor's settings, in registry order (the defaults where the
    /// file gives none), adding each one's problems to `problems`.
    pub fn resolve(mut self, problems: &mut Vec<String>) -> Sections {
        let mut out = Sections::default();
        for reg in vendors::REGISTRY {
            let section = self
                .0
                .remove(reg.name)
                .unwrap_or_else(|| (reg.settings.default)());
            problems.extend(section.problems());
            out.insert(reg.name, section);
        }
        out
    }
}

static NAMES: LazyLock<Vec<&'static str>> = LazyLock::new(vendors::names);

impl<'de> Deserialize<'de> for VendorsFile {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(FileVisitor)
    }
}

struct FileVisitor;

impl<'de> Visitor<'de> for FileVisitor {
    type Value = VendorsFile;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("struct VendorsFile")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<VendorsFile, A::Error> {
        let mut out = Sections::default();
        let mut seen = Vec::new();
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            let Some(reg) = vendors::find(&key) else {
                return Err(A::Error::unknown_field(&key, NAMES.as_slice()));
            };
            if seen.contains(&reg.name) {
                return Err(A::Error::duplicate_field(reg.name));
            }
            seen.push(reg.name);
            if let Some(section) = map.next_value_seed(SectionSeed(reg))? {
                out.insert(reg.name, section);
            }
        }
        Ok(VendorsFile(out))
    }
}

/// Reads one vendor's section with its registration's spec.
struct SectionSeed(&'static Registration);

impl<'de> DeserializeSeed<'de> for SectionSeed {
    type Value = Option<Box<dyn Section>>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        let mut erased = <dyn erased_serde::Deserializer<'de>>::erase(d);
        (self.0.settings.parse)(&mut erased).map_err(D::Error::custom)
    }
}

impl JsonSchema for VendorsFile {
    fn schema_name() -> Cow<'static, str> {
        "VendorsFile".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let mut properties = serde_json::Map::new();
        for reg in vendors::REGISTRY {
            let mut schema = (reg.settings.schema)(generator);
            schema.insert("description".to_owned(), reg.settings.title.into());
            properties.insert(reg.name.to_owned(), schema.to_value());
        }
        json_schema!({
            "description": "The `vendors:` section.",
            "type": "object",
            "properties": properties,
            "additionalProperties": false,
        })
    }
}
