//! Two-stage configuration: an optional YAML file and command-line overrides are
//! merged and validated into a [`RunConfig`] before any socket opens.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::journal::DEFAULT_CAPACITY;
use crate::vendors::{
    self, blip::BlipSettings, braze::BrazeSettings, ferndesk::FerndeskSettings,
    freshchat::FreshchatSettings, mammut::MammutSettings, smartsupp::SmartsuppSettings,
    zendesk::ZendeskSettings,
};

/// Default port of the control API (vendors follow it: zendesk on 4711, ...).
pub const DEFAULT_CONTROL_PORT: u16 = 4710;
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

/// The config file's shape. Every key is optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// Address to listen on (default 127.0.0.1).
    pub bind: Option<IpAddr>,
    /// Control API port (default 4710; 0: chosen by the OS).
    pub control_port: Option<u16>,
    /// Seed for ids (default 0).
    pub seed: Option<u64>,
    /// Journal bound in entries (default 10 000).
    pub journal_capacity: Option<usize>,
    /// Largest request body accepted (default 2 MiB).
    pub max_body_bytes: Option<usize>,
    /// Master switch for every vendor's rate limits (default true).
    pub rate_limits: Option<bool>,
    /// Per-vendor settings.
    #[serde(default)]
    pub vendors: VendorsFile,
}

/// The `vendors:` section.
#[derive(Debug, Default, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VendorsFile {
    /// Fake Zendesk.
    pub zendesk: Option<ZendeskSettings>,
    /// Fake Braze.
    pub braze: Option<BrazeSettings>,
    /// Fake Freshchat.
    pub freshchat: Option<FreshchatSettings>,
    /// Fake Mammut.
    pub mammut: Option<MammutSettings>,
    /// Fake Smartsupp.
    pub smartsupp: Option<SmartsuppSettings>,
    /// Fake Take Blip.
    pub blip: Option<BlipSettings>,
    /// Fake Ferndesk.
    pub ferndesk: Option<FerndeskSettings>,
}

/// Settings given on the command line; they win over the file.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    /// `--bind`.
    pub bind: Option<IpAddr>,
    /// `--control-port`.
    pub control_port: Option<u16>,
    /// `--port VENDOR=PORT`, in order given.
    pub ports: Vec<(String, u16)>,
    /// `--ephemeral-ports`: every port 0 unless set explicitly.
    pub ephemeral_ports: bool,
    /// `--journal-capacity`.
    pub journal_capacity: Option<usize>,
    /// `--max-body-bytes`.
    pub max_body_bytes: Option<usize>,
    /// `--no-rate-limits`.
    pub no_rate_limits: bool,
    /// `--seed`.
    pub seed: Option<u64>,
}

/// Validated settings of one run.
#[derive(Debug, Clone)]
pub struct RunConfig {
    /// Address every listener binds.
    pub bind: IpAddr,
    /// Control API port.
    pub control_port: u16,
    /// Port per vendor name.
    pub ports: BTreeMap<&'static str, u16>,
    /// Journal bound in entries.
    pub journal_capacity: usize,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Master switch for rate limits.
    pub rate_limits: bool,
    /// Seed for ids.
    pub seed: u64,
    /// Fake Zendesk's settings.
    pub zendesk: ZendeskSettings,
    /// Fake Braze's settings.
    pub braze: BrazeSettings,
    /// Fake Freshchat's settings.
    pub freshchat: FreshchatSettings,
    /// Fake Mammut's settings.
    pub mammut: MammutSettings,
    /// Fake Smartsupp's settings.
    pub smartsupp: SmartsuppSettings,
    /// Fake Blip's settings.
    pub blip: BlipSettings,
    /// Fake Ferndesk's settings.
    pub ferndesk: FerndeskSettings,
}

impl RunConfig {
    /// Every vendor's `faults:`, as `(vendor, rule)` in registry order.
    pub fn faults(&self) -> Vec<(&'static str, crate::fault::FaultRule)> {
        let lists: [(&'static str, &Vec<crate::fault::FaultRule>); 7] = [
            ("zendesk", &self.zendesk.faults),
            ("braze", &self.braze.faults),
            ("freshchat", &self.freshchat.faults),
            ("mammut", &self.mammut.faults),
            ("smartsupp", &self.smartsupp.faults),
            ("blip", &self.blip.faults),
            ("ferndesk", &self.ferndesk.faults),
        ];
        lists
            .into_iter()
            .flat_map(|(v, rules)| rules.iter().map(move |r| (v, r.clone())))
            .collect()
    }

    /// Defaults with every port chosen by the OS: what tests and embedders want.
    pub fn ephemeral() -> Self {
        Self::build(
            FileConfig::default(),
            &Overrides {
                ephemeral_ports: true,
                ..Overrides::default()
            },
        )
        .expect("the defaults are valid")
    }

    /// Merges the file (if any) with the overrides and validates the result,
    /// reporting every problem at once.
    pub fn build(file: FileConfig, o: &Overrides) -> Result<Self, ConfigError> {
        let mut problems = Vec::new();
        let zendesk = file.vendors.zendesk.unwrap_or_default();
        problems.extend(zendesk.problems());
        let braze = file.vendors.braze.unwrap_or_default();
        problems.extend(braze.problems());
        let freshchat = file.vendors.freshchat.unwrap_or_default();
        problems.extend(freshchat.problems());
        let mammut = file.vendors.mammut.unwrap_or_default();
        problems.extend(mammut.problems());
        let smartsupp = file.vendors.smartsupp.unwrap_or_default();
        problems.extend(smartsupp.problems());
        let blip = file.vendors.blip.unwrap_or_default();
        problems.extend(blip.problems());
        let ferndesk = file.vendors.ferndesk.unwrap_or_default();
        problems.extend(ferndesk.problems());
        let file_ports: BTreeMap<&str, Option<u16>> = BTreeMap::from([
            ("zendesk", zendesk.port),
            ("braze", braze.port),
            ("freshchat", freshchat.port),
            ("mammut", mammut.port),
            ("smartsupp", smartsupp.port),
            ("blip", blip.port),
            ("ferndesk", ferndesk.port),
        ]);
        let mut ports = BTreeMap::new();
        for reg in vendors::REGISTRY {
            let default = if o.ephemeral_ports {
                0
            } else {
                reg.default_port
            };
            ports.insert(
                reg.name,
                file_ports
                    .get(reg.name)
                    .copied()
                    .flatten()
                    .unwrap_or(default),
            );
        }
        for (name, port) in &o.ports {
            match vendors::find(name) {
                Some(reg) => {
                    ports.insert(reg.name, *port);
                }
                None => problems.push(format!(
                    "--port {name}={port}: unknown vendor `{name}` (known: {})",
                    vendors::names().join(", ")
                )),
            }
        }
        let control_default = if o.ephemeral_ports {
            0
        } else {
            DEFAULT_CONTROL_PORT
        };
        let control_port = o
            .control_port
            .or(file.control_port)
            .unwrap_or(control_default);
        let mut taken: BTreeMap<u16, &str> = BTreeMap::new();
        for (name, port) in
            std::iter::once(("control", control_port)).chain(ports.iter().map(|(n, p)| (*n, *p)))
        {
            if port == 0 {
                continue;
            }
            if let Some(other) = taken.insert(port, name) {
                problems.push(format!("port {port} is given to both {other} and {name}"));
            }
        }
        let journal_capacity = o
            .journal_capacity
            .or(file.journal_capacity)
            .unwrap_or(DEFAULT_CAPACITY);
        if journal_capacity == 0 {
            problems.push("journal_capacity must be at least 1".to_owned());
        }
        let max_body_bytes = o
            .max_body_bytes
            .or(file.max_body_bytes)
            .unwrap_or(DEFAULT_MAX_BODY_BYTES);
        if max_body_bytes < 1024 {
            problems.push(format!(
                "max_body_bytes {max_body_bytes} is too small: vendors need at least 1024"
            ));
        }
        if !problems.is_empty() {
            return Err(ConfigError::Invalid(problems));
        }
        Ok(Self {
            bind: o
                .bind
                .or(file.bind)
                .unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST)),
            control_port,
            ports,
            journal_capacity,
            max_body_bytes,
            rate_limits: !o.no_rate_limits && file.rate_limits.unwrap_or(true),
            seed: o.seed.or(file.seed).unwrap_or(0),
            zendesk,
            braze,
            freshchat,
            mammut,
            smartsupp,
            blip,
            ferndesk,
        })
    }
}

/// Reads and parses a config file, pointing at the line and column of any problem.
pub fn load_file(path: &Path) -> Result<FileConfig, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_owned(),
        source,
    })?;
    parse(path, &text)
}

/// Parses config text; `path` only names it in errors.
pub fn parse(path: &Path, text: &str) -> Result<FileConfig, ConfigError> {
    if text.trim().is_empty() {
        return Ok(FileConfig::default());
    }
    serde_saphyr::from_str(text).map_err(|e| {
        let (line, column) = e.location().map_or((0, 0), |l| (l.line(), l.column()));
        ConfigError::Parse {
            path: path.to_owned(),
            line,
            column,
            message: first_line(&e.to_string()),
        }
    })
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or(s).trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_use_fixed_ports_and_ephemeral_uses_zero() {
        let c = RunConfig::build(FileConfig::default(), &Overrides::default()).unwrap();
        assert_eq!((c.control_port, c.ports["zendesk"]), (4710, 4711));
        let e = RunConfig::ephemeral();
        assert_eq!((e.control_port, e.ports["zendesk"]), (0, 0));
    }

    #[test]
    fn command_line_wins_over_the_file() {
        let file = parse(
            Path::new("c.yaml"),
            "control_port: 5000\nvendors:\n  zendesk:\n    port: 5001\n",
        )
        .unwrap();
        let o = Overrides {
            ports: vec![("zendesk".to_owned(), 6001)],
            ..Overrides::default()
        };
        let c = RunConfig::build(file, &o).unwrap();
        assert_eq!((c.control_port, c.ports["zendesk"]), (5000, 6001));
    }

    #[test]
    fn reports_every_problem_at_once() {
        let o = Overrides {
            ports: vec![("zendsk".to_owned(), 1), ("zendesk".to_owned(), 4710)],
            journal_capacity: Some(0),
            ..Overrides::default()
        };
        let Err(ConfigError::Invalid(problems)) = RunConfig::build(FileConfig::default(), &o)
        else {
            panic!("expected Invalid");
        };
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems[0].contains("unknown vendor `zendsk`"));
        assert!(problems[1].contains("port 4710 is given to both control and zendesk"));
    }

    #[test]
    fn parse_errors_name_file_line_and_column() {
        let err = parse(
            Path::new("fakedesk.yaml"),
            "journal_capacity: 5\nvendors:\n  zendesk:\n    subdomian: x\n",
        )
        .unwrap_err();
        let ConfigError::Parse {
            line,
            column,
            ref message,
            ..
        } = err
        else {
            panic!("expected Parse, got {err:?}")
        };
        assert_eq!((line, column), (4, 5));
        assert!(message.contains("subdomian"), "{message}");
        assert!(err.to_string().starts_with("fakedesk.yaml:4:5: "));
    }
}
