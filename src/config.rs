//! Two-stage configuration: an optional YAML file and command-line overrides are
//! merged and validated into a [`RunConfig`] before any socket opens.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Deserializer};

use crate::journal::{DEFAULT_CAPACITY, DEFAULT_MAX_BYTES, DEFAULT_MAX_ENTRY_BODY, Limits};
pub use crate::settings::{ConfigError, DEFAULT_MAX_BODY_BYTES};
use crate::settings::{Sections, VendorConfig};
use crate::vendors;

mod sections;
pub use sections::VendorsFile;

/// Default port of the control API (vendors follow it: the first on 4711, ...).
pub const DEFAULT_CONTROL_PORT: u16 = 4710;
/// Default longest wait for a request's header, from its first byte (or from the
/// connection's opening).
pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// Default longest pause while a request body arrives.
pub const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(10);
/// Default longest idle time of a kept-alive connection between requests.
pub const DEFAULT_KEEP_ALIVE_TIMEOUT: Duration = Duration::from_secs(60);
/// Default time in-flight requests and deliveries get to finish at shutdown.
pub const DEFAULT_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(5);

/// How long a connection may stall before it is answered 408 or closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// A request's header must be complete within this, from its first byte.
    pub header: Duration,
    /// A request body may pause at most this long between two pieces.
    pub body: Duration,
    /// A kept-alive connection is closed after this long without a request.
    pub keep_alive: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            header: DEFAULT_HEADER_TIMEOUT,
            body: DEFAULT_BODY_TIMEOUT,
            keep_alive: DEFAULT_KEEP_ALIVE_TIMEOUT,
        }
    }
}

/// A duration in the config file: `500ms`, `10s`, `2m`, or a number of seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConfigDuration(pub Duration);

impl<'de> Deserialize<'de> for ConfigDuration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Secs(u64),
            Text(String),
        }
        match Raw::deserialize(d)? {
            Raw::Secs(n) => Ok(Self(Duration::from_secs(n))),
            Raw::Text(t) => crate::clock::parse_duration(&t).map(Self).ok_or_else(|| {
                serde::de::Error::custom(format!(
                    "`{t}` is not a duration such as 500ms, 10s or 2m"
                ))
            }),
        }
    }
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
    /// Journal bound in stored bytes (default 64 MiB).
    pub journal_bytes: Option<usize>,
    /// Longest body a journal entry stores whole (default 256 KiB).
    pub journal_body_bytes: Option<usize>,
    /// Largest request body accepted (default 2 MiB).
    pub max_body_bytes: Option<usize>,
    /// Request-header read timeout (default 10s).
    pub header_timeout: Option<ConfigDuration>,
    /// Request-body idle timeout (default 10s).
    pub body_timeout: Option<ConfigDuration>,
    /// Keep-alive idle timeout (default 60s).
    pub keep_alive_timeout: Option<ConfigDuration>,
    /// Time in-flight work gets at shutdown (default 5s).
    pub shutdown_timeout: Option<ConfigDuration>,
    /// Bearer token the control API requires (default: none).
    pub control_token: Option<String>,
    /// Master switch for every vendor's rate limits (default true).
    pub rate_limits: Option<bool>,
    /// Per-vendor settings.
    #[serde(default)]
    pub vendors: VendorsFile,
    /// Hostname patterns per vendor for the proxy (`*` is one label), replacing
    /// that vendor's defaults.
    #[serde(default)]
    pub proxy_hosts: BTreeMap<String, Vec<String>>,
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
    /// `--journal-bytes`.
    pub journal_bytes: Option<usize>,
    /// `--journal-body-bytes`.
    pub journal_body_bytes: Option<usize>,
    /// `--max-body-bytes`.
    pub max_body_bytes: Option<usize>,
    /// `--header-timeout`.
    pub header_timeout: Option<Duration>,
    /// `--body-timeout`.
    pub body_timeout: Option<Duration>,
    /// `--keep-alive-timeout`.
    pub keep_alive_timeout: Option<Duration>,
    /// `--shutdown-timeout`.
    pub shutdown_timeout: Option<Duration>,
    /// `--control-token` (or `FAKEDESK_CONTROL_TOKEN`).
    pub control_token: Option<String>,
    /// `--no-rate-limits`.
    pub no_rate_limits: bool,
    /// `--seed`.
    pub seed: Option<u64>,
    /// `--tls`: vendor ports speak https.
    pub tls: bool,
    /// `--tls-dir`: where the local CA lives.
    pub tls_dir: Option<PathBuf>,
    /// `--ca-cert`: PEM files outbound https trusts too.
    pub ca_certs: Vec<PathBuf>,
    /// `--proxy-port`: run the forward proxy on this port (0: chosen by the OS).
    pub proxy_port: Option<u16>,
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
    /// Journal bound in stored bytes.
    pub journal_bytes: usize,
    /// Longest body a journal entry stores whole.
    pub journal_body_bytes: usize,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Read timeouts of every listener.
    pub timeouts: Timeouts,
    /// Time in-flight requests and deliveries get to finish at shutdown.
    pub shutdown_timeout: Duration,
    /// Bearer token every control request must carry, when set.
    pub control_token: Option<String>,
    /// Master switch for rate limits.
    pub rate_limits: bool,
    /// Seed for ids.
    pub seed: u64,
    /// Every registered vendor's settings, one field per vendor. A `RunConfig`
    /// dereferences to them, so `config.<vendor>` is `config.vendors.<vendor>`.
    pub vendors: vendors::Settings,
    /// https in and out, and the proxy.
    pub tls: TlsConfig,
}

impl std::ops::Deref for RunConfig {
    type Target = vendors::Settings;

    fn deref(&self) -> &vendors::Settings {
        &self.vendors
    }
}

impl std::ops::DerefMut for RunConfig {
    fn deref_mut(&mut self) -> &mut vendors::Settings {
        &mut self.vendors
    }
}

/// https in and out, and the proxy.
#[derive(Debug, Clone)]
pub struct TlsConfig {
    /// Vendor ports speak https with a leaf signed by the local CA.
    pub serve: bool,
    /// Where the local CA is kept (created on first use).
    pub dir: PathBuf,
    /// PEM files outbound https trusts besides the system roots and the local CA.
    pub ca_certs: Vec<PathBuf>,
    /// The forward proxy's port, when it runs (0: chosen by the OS).
    pub proxy_port: Option<u16>,
    /// Which fake answers which hostname through the proxy.
    pub hosts: crate::proxy::hosts::HostMap,
}

impl TlsConfig {
    /// Whether this run needs the local CA to sign certificates.
    pub fn needs_ca(&self) -> bool {
        self.serve || self.proxy_port.is_some()
    }
}

impl RunConfig {
    /// Every vendor's `faults:`, as `(vendor, rule)` in registry order.
    pub fn faults(&self) -> Vec<(&'static str, crate::fault::FaultRule)> {
        self.vendors
            .sections()
            .into_iter()
            .flat_map(|(v, s)| s.faults().iter().map(move |r| (v, r.clone())))
            .collect()
    }

    /// The settings of type `T` (a vendor's own settings type).
    pub fn vendor<T: 'static>(&self) -> &T {
        self.vendors.vendor()
    }

    /// The settings of type `T`, to change before the run starts.
    pub fn vendor_mut<T: 'static>(&mut self) -> &mut T {
        self.vendors.vendor_mut()
    }

    /// What the vendors read of this configuration.
    pub fn vendor_config(&self) -> VendorConfig {
        VendorConfig {
            seed: self.seed,
            rate_limits: self.rate_limits,
            sections: self.vendors.to_sections(),
        }
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

    /// The journal's bounds.
    pub fn journal_limits(&self) -> Limits {
        Limits {
            capacity: self.journal_capacity,
            max_bytes: self.journal_bytes,
            max_entry_body: self.journal_body_bytes,
        }
    }

    /// Merges the file (if any) with the overrides and validates the result,
    /// reporting every problem at once.
    pub fn build(mut file: FileConfig, o: &Overrides) -> Result<Self, ConfigError> {
        let mut problems = Vec::new();
        // First, while `file` is whole.
        let Bounds {
            journal_bytes,
            journal_body_bytes,
            timeouts,
            shutdown_timeout,
            control_token,
            bind,
        } = limits(&file, o, &mut problems);
        let sections = std::mem::take(&mut file.vendors).resolve(&mut problems);
        let ports = vendor_ports(&sections, o, &mut problems);
        let control_default = if o.ephemeral_ports {
            0
        } else {
            DEFAULT_CONTROL_PORT
        };
        let control_port = o
            .control_port
            .or(file.control_port)
            .unwrap_or(control_default);
        check_ports_apart(control_port, &ports, &mut problems);
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
        let tls = tls_config(&file, o, &mut problems);
        if !problems.is_empty() {
            return Err(ConfigError::Invalid(problems));
        }
        Ok(Self {
            tls,
            bind,
            control_port,
            ports,
            journal_capacity,
            journal_bytes,
            journal_body_bytes,
            max_body_bytes,
            timeouts,
            shutdown_timeout,
            control_token,
            rate_limits: !o.no_rate_limits && file.rate_limits.unwrap_or(true),
            seed: o.seed.or(file.seed).unwrap_or(0),
            vendors: vendors::Settings::from_sections(&sections),
        })
    }
}

/// Every vendor's port: the command line's, else its section's, else its default
/// (0 under `--ephemeral-ports`).
fn vendor_ports(
    vendors: &Sections,
    o: &Overrides,
    problems: &mut Vec<String>,
) -> BTreeMap<&'static str, u16> {
    let mut ports = BTreeMap::new();
    for reg in vendors::REGISTRY {
        let default = if o.ephemeral_ports {
            0
        } else {
            reg.default_port
        };
        let from_file = vendors.get(reg.name).and_then(|s| s.port());
        ports.insert(reg.name, from_file.unwrap_or(default));
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
    ports
}

/// Reports every fixed port given to two listeners.
fn check_ports_apart(
    control_port: u16,
    ports: &BTreeMap<&'static str, u16>,
    problems: &mut Vec<String>,
) {
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
}

/// https in and out, and the proxy's host map.
fn tls_config(file: &FileConfig, o: &Overrides, problems: &mut Vec<String>) -> TlsConfig {
    let hosts = crate::proxy::hosts::HostMap::build(&file.proxy_hosts).unwrap_or_else(|p| {
        problems.extend(p);
        crate::proxy::hosts::HostMap::default()
    });
    for f in &o.ca_certs {
        if !f.is_file() {
            problems.push(format!("--ca-cert {}: no such file", f.display()));
        }
    }
    TlsConfig {
        serve: o.tls,
        dir: o.tls_dir.clone().unwrap_or_else(crate::tls::default_dir),
        ca_certs: o.ca_certs.clone(),
        proxy_port: o.proxy_port,
        hosts,
    }
}

/// The journal's byte bounds, the timeouts and the control API's exposure.
struct Bounds {
    journal_bytes: usize,
    journal_body_bytes: usize,
    timeouts: Timeouts,
    shutdown_timeout: Duration,
    control_token: Option<String>,
    bind: IpAddr,
}

/// Merges and checks [`Bounds`]'s settings, adding what is wrong to `problems`.
fn limits(file: &FileConfig, o: &Overrides, problems: &mut Vec<String>) -> Bounds {
    let journal_bytes = o
        .journal_bytes
        .or(file.journal_bytes)
        .unwrap_or(DEFAULT_MAX_BYTES);
    if journal_bytes < 64 * 1024 {
        problems.push(format!(
            "journal_bytes {journal_bytes} is too small: at least 65536"
        ));
    }
    let journal_body_bytes = o
        .journal_body_bytes
        .or(file.journal_body_bytes)
        .unwrap_or(DEFAULT_MAX_ENTRY_BODY);
    let timeouts = timeouts(file, o, problems);
    let shutdown_timeout = o
        .shutdown_timeout
        .or(file.shutdown_timeout.map(|d| d.0))
        .unwrap_or(DEFAULT_SHUTDOWN_TIMEOUT);
    let (bind, control_token) = exposure(file, o, problems);
    Bounds {
        journal_bytes,
        journal_body_bytes,
        timeouts,
        shutdown_timeout,
        control_token,
        bind,
    }
}

/// The read timeouts; a zero one is a problem.
fn timeouts(file: &FileConfig, o: &Overrides, problems: &mut Vec<String>) -> Timeouts {
    let mut duration = |cli: Option<Duration>, file: Option<ConfigDuration>, default, key| {
        let d = cli.or(file.map(|d| d.0)).unwrap_or(default);
        if d.is_zero() {
            problems.push(format!("{key} must be above 0"));
            return default;
        }
        d
    };
    Timeouts {
        header: duration(
            o.header_timeout,
            file.header_timeout,
            DEFAULT_HEADER_TIMEOUT,
            "header_timeout",
        ),
        body: duration(
            o.body_timeout,
            file.body_timeout,
            DEFAULT_BODY_TIMEOUT,
            "body_timeout",
        ),
        keep_alive: duration(
            o.keep_alive_timeout,
            file.keep_alive_timeout,
            DEFAULT_KEEP_ALIVE_TIMEOUT,
            "keep_alive_timeout",
        ),
    }
}

/// The address to bind and the control API's token: a non-loopback address needs one.
fn exposure(
    file: &FileConfig,
    o: &Overrides,
    problems: &mut Vec<String>,
) -> (IpAddr, Option<String>) {
    let control_token = o
        .control_token
        .clone()
        .or_else(|| file.control_token.clone())
        .filter(|t| !t.is_empty());
    let bind = o
        .bind
        .or(file.bind)
        .unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST));
    if !bind.is_loopback() && control_token.is_none() {
        problems.push(format!(
                "bind {bind} is not a loopback address: the control API (reset, state, vendor actions) would be open to anyone who can reach it; set --control-token (or FAKEDESK_CONTROL_TOKEN, or control_token in the file), or bind 127.0.0.1"
            ));
    }
    (bind, control_token)
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
        let (line, column, message) = innermost(line, column, &first_line(&e.to_string()));
        ConfigError::Parse {
            path: path.to_owned(),
            line,
            column,
            message,
        }
    })
}

/// A vendor section's error crosses the registry's erased parser as text, which
/// then carries the inner position (`... at line 4, column 7`) while the outer one
/// is the section's: the inner position and the bare message win.
fn innermost(line: u64, column: u64, message: &str) -> (u64, u64, String) {
    static AT: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"^(?:error: line \d+ column \d+: )?(.*?) at line (\d+), column (\d+)")
            .expect("a valid pattern")
    });
    match AT.captures(message) {
        Some(c) => (
            c[2].parse().unwrap_or(line),
            c[3].parse().unwrap_or(column),
            c[1].to_owned(),
        ),
        None => (line, column, message.to_owned()),
    }
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or(s).trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first registered vendor: its name and default port.
    fn first() -> (&'static str, u16) {
        let reg = &vendors::REGISTRY[0];
        (reg.name, reg.default_port)
    }

    #[test]
    fn defaults_use_fixed_ports_and_ephemeral_uses_zero() {
        let (v, port) = first();
        let c = RunConfig::build(FileConfig::default(), &Overrides::default()).unwrap();
        assert_eq!((c.control_port, c.ports[v]), (4710, port));
        let e = RunConfig::ephemeral();
        assert_eq!((e.control_port, e.ports[v]), (0, 0));
    }

    #[test]
    fn command_line_wins_over_the_file() {
        let (v, _) = first();
        let file = parse(
            Path::new("c.yaml"),
            &format!("control_port: 5000\nvendors:\n  {v}:\n    port: 5001\n"),
        )
        .unwrap();
        let o = Overrides {
            ports: vec![(v.to_owned(), 6001)],
            ..Overrides::default()
        };
        let c = RunConfig::build(file, &o).unwrap();
        assert_eq!((c.control_port, c.ports[v]), (5000, 6001));
    }

    #[test]
    fn reports_every_problem_at_once() {
        let (v, _) = first();
        let o = Overrides {
            ports: vec![("nobody".to_owned(), 1), (v.to_owned(), 4710)],
            journal_capacity: Some(0),
            ..Overrides::default()
        };
        let Err(ConfigError::Invalid(problems)) = RunConfig::build(FileConfig::default(), &o)
        else {
            panic!("expected Invalid");
        };
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems[0].contains("unknown vendor `nobody`"));
        assert!(problems[1].contains(&format!("port 4710 is given to both control and {v}")));
    }

    #[test]
    fn a_non_loopback_bind_needs_a_control_token_and_timeouts_read_as_durations() {
        let file = parse(
            Path::new("c.yaml"),
            "bind: 0.0.0.0\nheader_timeout: 500ms\nkeep_alive_timeout: 90\njournal_bytes: 1048576\n",
        )
        .unwrap();
        let Err(ConfigError::Invalid(problems)) = RunConfig::build(file, &Overrides::default())
        else {
            panic!("expected Invalid");
        };
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("--control-token"), "{problems:?}");
        let file = parse(
            Path::new("c.yaml"),
            "bind: 0.0.0.0\nheader_timeout: 500ms\nkeep_alive_timeout: 90\ncontrol_token: t\n",
        )
        .unwrap();
        let c = RunConfig::build(file, &Overrides::default()).unwrap();
        assert_eq!(c.timeouts.header, Duration::from_millis(500));
        assert_eq!(c.timeouts.keep_alive, Duration::from_secs(90));
        assert_eq!(c.timeouts.body, DEFAULT_BODY_TIMEOUT);
        assert_eq!(c.control_token.as_deref(), Some("t"));
        assert_eq!(c.journal_bytes, DEFAULT_MAX_BYTES);
    }

    #[test]
    fn parse_errors_name_file_line_and_column() {
        let (v, _) = first();
        let err = parse(
            Path::new("fakedesk.yaml"),
            &format!("journal_capacity: 5\nvendors:\n  {v}:\n    no_such_key: x\n"),
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
        let nested = parse(
            Path::new("c.yaml"),
            &format!("vendors:\n  {v}:\n    faults:\n      - nonsense: 1\n"),
        )
        .unwrap_err();
        let ConfigError::Parse { line, column, .. } = nested else {
            panic!("expected Parse, got {nested:?}")
        };
        assert_eq!((line, column), (4, 9));
        assert!(message.contains("no_such_key"), "{message}");
        assert!(err.to_string().starts_with("fakedesk.yaml:4:5: "));
    }
}
