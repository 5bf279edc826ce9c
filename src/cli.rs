//! The command line: clap types only, no I/O.

use std::net::IpAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::config::Overrides;
use crate::fuzz::run::Mode;

/// Faithful fake servers of customer-support vendors, for offline integration tests.
#[derive(Debug, Parser)]
#[command(name = "fakedesk", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
    /// Log filter (tracing's EnvFilter syntax), e.g. `info` or `fakedesk=debug`.
    #[arg(long, global = true, env = "FAKEDESK_LOG", default_value = "warn")]
    pub log: String,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run every fake vendor until stopped (Ctrl-C or SIGTERM).
    Serve(ServeArgs),
    /// Run scenario files and folders; exit 0 all passed, 1 a scenario failed, 2
    /// could not run.
    Run(RunArgs),
    /// Print the JSON Schema of scenario files (for yaml-language-server and editors).
    Schema,
    /// Check a custom support endpoint as Ferndesk would ingest it; exit 0
    /// ingestible, 1 problems, 2 could not check.
    CheckEndpoint(CheckEndpointArgs),
    /// Print where fakedesk's own CA certificate is (creating the CA on first use)
    /// and how to make each ecosystem trust it.
    Ca(CaArgs),
    /// Send generated vendor payloads to a receiver and shrink the first one it
    /// mishandles; exit 0 no failure, 1 a failure (written as a scenario), 2 could
    /// not run.
    Fuzz(FuzzArgs),
    /// Print one line per exchange as it happens, from a running fakedesk's
    /// control API (its live journal stream); reconnects when it restarts.
    Tail(TailArgs),
}

/// Options of `fakedesk tail`.
#[derive(Debug, Args)]
pub struct TailArgs {
    /// The control API's URL (as in the env file).
    #[arg(long = "control", value_name = "URL", env = "FAKEDESK_CONTROL_URL")]
    pub control: String,
    /// Only this vendor's exchanges.
    #[arg(long)]
    pub vendor: Option<String>,
    /// Print each exchange as one JSON object per line (the whole entry).
    #[arg(long)]
    pub json: bool,
    /// Start with the entries already in the journal, not only new ones.
    #[arg(long)]
    pub all: bool,
}

/// What outbound https trusts, for every command that sends requests.
#[derive(Debug, Clone, Default, Args)]
pub struct TrustArgs {
    /// A PEM file of CA certificates to trust besides the system's roots and
    /// fakedesk's own CA: receivers and endpoints with private certificates.
    /// Repeatable.
    #[arg(long = "ca-cert", value_name = "FILE")]
    pub ca_certs: Vec<PathBuf>,
    /// Where fakedesk's own CA is kept (created on first use) [default:
    /// $XDG_DATA_HOME/fakedesk, else ~/.local/share/fakedesk].
    #[arg(long, env = "FAKEDESK_TLS_DIR", value_name = "DIR")]
    pub tls_dir: Option<PathBuf>,
}

impl TrustArgs {
    /// The TLS directory, given or default.
    pub fn dir(&self) -> PathBuf {
        self.tls_dir.clone().unwrap_or_else(crate::tls::default_dir)
    }

    /// The system roots, fakedesk's CA when it exists, and every `--ca-cert`.
    pub fn trust(&self) -> Result<crate::tls::Trust, String> {
        crate::tls::Trust::for_run(&self.ca_certs, &self.dir(), None)
    }
}

/// Options of `fakedesk ca`.
#[derive(Debug, Args)]
pub struct CaArgs {
    /// Where fakedesk's own CA is kept (created on first use) [default:
    /// $XDG_DATA_HOME/fakedesk, else ~/.local/share/fakedesk].
    #[arg(long, env = "FAKEDESK_TLS_DIR", value_name = "DIR")]
    pub tls_dir: Option<PathBuf>,
}

/// Options of `fakedesk fuzz`.
#[derive(Debug, Args)]
pub struct FuzzArgs {
    /// What to send, as vendor.payload (see --list).
    #[arg(value_name = "VENDOR.PAYLOAD", required_unless_present = "list")]
    pub payload: Option<String>,
    /// The receiver's URL.
    #[arg(long, value_name = "URL", required_unless_present = "list")]
    pub target: Option<String>,
    /// List the payloads, how each is signed, and the default secrets and keys.
    #[arg(long)]
    pub list: bool,
    /// `valid`: only what the vendor really sends; `hostile`: nine payloads in ten
    /// with one thing a parser must survive (wrong types, missing fields, duplicate
    /// keys, deep nesting, invalid UTF-8, truncation, bad signatures, stale
    /// timestamps).
    #[arg(long, value_enum, default_value_t = Mode::Valid)]
    pub mode: Mode,
    /// What every reply must be: `2xx`, `4xx`, `not 5xx`, `200`, or several joined
    /// with `or` [default: 2xx for the vendor's payloads; for mutated ones 4xx when
    /// the signature is bad or stale or the body cut, else not 5xx].
    #[arg(long, value_name = "REPLY")]
    pub expect: Option<String>,
    /// Seed of the generator (default: a random one, printed).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Most cases to send, shrinking not counted.
    #[arg(long, default_value_t = 256, value_parser = clap::value_parser!(u32).range(1..))]
    pub cases: u32,
    /// Longest wait for one reply (`500ms`, `5s`, or seconds).
    #[arg(long, default_value = "5s", value_parser = parse_duration)]
    pub timeout: std::time::Duration,
    /// Longest the whole run may take, shrinking included.
    #[arg(long, default_value = "2m", value_parser = parse_duration)]
    pub max_time: std::time::Duration,
    /// Most shrinking steps.
    #[arg(long, default_value_t = 2000)]
    pub max_shrinks: u32,
    /// Signing secret (Zendesk), client secret (Smartsupp) or channel key (Blip)
    /// [default: see --list].
    #[arg(long, env = "FAKEDESK_FUZZ_SECRET", hide_env_values = true)]
    pub secret: Option<String>,
    /// Freshchat's RSA private key, PEM [default: a bundled test key, see --list].
    #[arg(long, value_name = "FILE")]
    pub private_key: Option<PathBuf>,
    /// A header added to every request, as `Name: value`. Repeatable.
    #[arg(long = "header", short = 'H', value_name = "NAME: VALUE", value_parser = parse_header)]
    pub headers: Vec<(String, String)>,
    /// Where to write the scenario replaying a failure [default:
    /// fuzz-VENDOR.PAYLOAD-SEED.yaml].
    #[arg(long, value_name = "FILE")]
    pub replay: Option<PathBuf>,
    /// What https targets are trusted.
    #[command(flatten)]
    pub trust: TrustArgs,
}

fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    let d = match s.trim().parse::<u64>() {
        Ok(secs) => Some(std::time::Duration::from_secs(secs)),
        Err(_) => crate::clock::parse_duration(s),
    };
    d.filter(|d| !d.is_zero())
        .ok_or_else(|| format!("`{s}` is not a duration such as 500ms, 5s or 2m"))
}

fn parse_duration_or_zero(s: &str) -> Result<std::time::Duration, String> {
    match s.trim() {
        "0" | "0s" | "0ms" => Ok(std::time::Duration::ZERO),
        _ => parse_duration(s),
    }
}

fn parse_header(s: &str) -> Result<(String, String), String> {
    let (k, v) = s
        .split_once(':')
        .ok_or_else(|| format!("expected `Name: value`, got `{s}`"))?;
    let (k, v) = (k.trim(), v.trim());
    axum::http::HeaderName::try_from(k).map_err(|_| format!("`{k}` is not a header name"))?;
    axum::http::HeaderValue::from_str(v)
        .map_err(|_| format!("the value of `{k}` cannot be sent"))?;
    Ok((k.to_owned(), v.to_owned()))
}

/// Options of `fakedesk check-endpoint`.
#[derive(Debug, Args)]
pub struct CheckEndpointArgs {
    /// The endpoint's URL (Ferndesk's "Source URL"), e.g.
    /// <https://company.com/support-endpoint.json>
    #[arg(value_name = "URL")]
    pub url: String,
    /// Set the `startDate` query parameter (YYYY-MM-DD) and warn about
    /// conversations older than it.
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
    pub start_date: Option<time::Date>,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
    /// Seconds to wait for the answer.
    #[arg(long, default_value_t = 30, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..))]
    pub timeout: u64,
    /// What https endpoints are trusted.
    #[command(flatten)]
    pub trust: TrustArgs,
}

fn parse_date(s: &str) -> Result<time::Date, String> {
    crate::vendors::ferndesk::wire::parse_start_date(s)
        .ok_or_else(|| format!("`{s}` is not a date such as 2025-01-01"))
}

/// Options of `fakedesk run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Scenario files, or folders searched for `*.yaml` and `*.yml`.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Scenarios run at once (each has its own fakes on OS-chosen ports).
    #[arg(long, short = 'j', default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: u16,
    /// Write a JUnit XML report to this file.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Accept this run's traffic as the snapshots instead of comparing.
    #[arg(long)]
    pub update_snapshots: bool,
    /// What https receivers are trusted.
    #[command(flatten)]
    pub trust: TrustArgs,
    /// Write each scenario's traffic as a HAR 1.2 file in this folder.
    #[arg(long, value_name = "DIR")]
    pub har: Option<PathBuf>,
    /// Serve each scenario's control API on this port (for `fakedesk tail` or the
    /// inspector during the run); needs `--jobs 1`.
    #[arg(long, value_name = "PORT")]
    pub control_port: Option<u16>,
}

/// Options of `fakedesk serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// YAML config file (see the README); command-line options win over it.
    #[arg(long, env = "FAKEDESK_CONFIG")]
    pub config: Option<PathBuf>,
    /// Address to listen on.
    #[arg(long)]
    pub bind: Option<IpAddr>,
    /// Port of the control API (0: chosen by the OS).
    #[arg(long)]
    pub control_port: Option<u16>,
    /// Port of one vendor, as VENDOR=PORT (0: chosen by the OS). Repeatable.
    #[arg(long = "port", value_name = "VENDOR=PORT", value_parser = parse_port)]
    pub ports: Vec<(String, u16)>,
    /// Let the OS choose every port not set explicitly.
    #[arg(long)]
    pub ephemeral_ports: bool,
    /// Write the URLs and seeded credentials to this file once every listener is bound.
    #[arg(long)]
    pub env_file: Option<PathBuf>,
    /// Most journal entries kept; older ones are evicted and counted.
    #[arg(long)]
    pub journal_capacity: Option<usize>,
    /// Most bytes the journal's entries store (headers, bodies) [default: 64 MiB];
    /// older entries are evicted and counted.
    #[arg(long, value_name = "BYTES")]
    pub journal_bytes: Option<usize>,
    /// Longest body a journal entry stores whole [default: 256 KiB]; a longer one
    /// keeps its start and its original length.
    #[arg(long, value_name = "BYTES")]
    pub journal_body_bytes: Option<usize>,
    /// Largest request body a fake accepts, in bytes.
    #[arg(long)]
    pub max_body_bytes: Option<usize>,
    /// Longest wait for a request's header, from its first byte [default: 10s].
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub header_timeout: Option<std::time::Duration>,
    /// Longest pause while a request body arrives [default: 10s].
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub body_timeout: Option<std::time::Duration>,
    /// Longest idle time of a kept-alive connection [default: 60s].
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub keep_alive_timeout: Option<std::time::Duration>,
    /// Time in-flight requests and deliveries get to finish on SIGINT/SIGTERM
    /// [default: 5s].
    #[arg(long, value_name = "DURATION", value_parser = parse_duration_or_zero)]
    pub shutdown_timeout: Option<std::time::Duration>,
    /// Bearer token every control API request must carry (written to the env file
    /// as FAKEDESK_CONTROL_TOKEN); required to bind a non-loopback address.
    #[arg(long, env = "FAKEDESK_CONTROL_TOKEN", hide_env_values = true)]
    pub control_token: Option<String>,
    /// Switch off every vendor's rate limits.
    #[arg(long)]
    pub no_rate_limits: bool,
    /// Seed for generated ids.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Serve every vendor port over https, with a certificate signed by fakedesk's
    /// own CA (see `fakedesk ca`).
    #[arg(long)]
    pub tls: bool,
    /// Run a forward proxy on this port (0: chosen by the OS) that answers the
    /// vendors' own hostnames (acme.zendesk.com, api.freshchat.com...) with the
    /// fakes; it never forwards anything to the internet.
    #[arg(long, value_name = "PORT")]
    pub proxy_port: Option<u16>,
    /// What https receivers are trusted, and where the CA is kept.
    #[command(flatten)]
    pub trust: TrustArgs,
    /// Run on a manual clock, stopped at the start time and moved only with
    /// `POST /clock/advance` (default: the wall clock).
    #[arg(long)]
    pub manual_clock: bool,
}

impl ServeArgs {
    /// The settings that override the config file.
    pub fn overrides(&self) -> Overrides {
        Overrides {
            bind: self.bind,
            control_port: self.control_port,
            ports: self.ports.clone(),
            ephemeral_ports: self.ephemeral_ports,
            journal_capacity: self.journal_capacity,
            journal_bytes: self.journal_bytes,
            journal_body_bytes: self.journal_body_bytes,
            max_body_bytes: self.max_body_bytes,
            header_timeout: self.header_timeout,
            body_timeout: self.body_timeout,
            keep_alive_timeout: self.keep_alive_timeout,
            shutdown_timeout: self.shutdown_timeout,
            control_token: self.control_token.clone(),
            no_rate_limits: self.no_rate_limits,
            seed: self.seed,
            tls: self.tls,
            tls_dir: self.trust.tls_dir.clone(),
            ca_certs: self.trust.ca_certs.clone(),
            proxy_port: self.proxy_port,
        }
    }
}

fn parse_port(s: &str) -> Result<(String, u16), String> {
    let (vendor, port) = s
        .split_once('=')
        .ok_or_else(|| format!("expected VENDOR=PORT, got `{s}`"))?;
    let port = port
        .parse()
        .map_err(|_| format!("`{port}` is not a port number (0-65535)"))?;
    Ok((vendor.trim().to_lowercase(), port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cli_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }

    #[test]
    fn fuzz_takes_a_payload_a_target_and_bounds() {
        let cli = Cli::try_parse_from([
            "fakedesk",
            "fuzz",
            "freshchat.webhook",
            "--target",
            "http://127.0.0.1:1/h",
            "--mode",
            "hostile",
            "--expect",
            "not 5xx",
            "--seed",
            "7",
            "--cases",
            "9",
            "--timeout",
            "250ms",
            "--max-time",
            "30",
            "-H",
            "X-Api-Key: k",
        ])
        .unwrap();
        let Command::Fuzz(a) = cli.command else {
            panic!("not fuzz")
        };
        assert_eq!(a.payload.as_deref(), Some("freshchat.webhook"));
        assert_eq!(a.mode, Mode::Hostile);
        assert_eq!(a.expect.as_deref(), Some("not 5xx"));
        assert_eq!((a.seed, a.cases), (Some(7), 9));
        assert_eq!(a.timeout, std::time::Duration::from_millis(250));
        assert_eq!(a.max_time, std::time::Duration::from_secs(30));
        assert_eq!(a.headers, [("X-Api-Key".to_owned(), "k".to_owned())]);
        // Without --list, the payload and the target are required.
        assert!(Cli::try_parse_from(["fakedesk", "fuzz", "freshchat.webhook"]).is_err());
        assert!(Cli::try_parse_from(["fakedesk", "fuzz", "--list"]).is_ok());
        assert!(
            Cli::try_parse_from(["fakedesk", "fuzz", "x.y", "--target", "u", "--timeout", "0"])
                .is_err()
        );
    }

    #[test]
    fn check_endpoint_takes_a_url_a_start_date_and_json() {
        let cli = Cli::try_parse_from([
            "fakedesk",
            "check-endpoint",
            "http://127.0.0.1:1/s.json",
            "--start-date",
            "2025-01-01",
            "--json",
        ])
        .unwrap();
        let Command::CheckEndpoint(a) = cli.command else {
            panic!("expected check-endpoint")
        };
        assert_eq!(
            a.start_date.map(|d| d.to_string()).as_deref(),
            Some("2025-01-01")
        );
        assert!(a.json);
        assert!(
            Cli::try_parse_from([
                "fakedesk",
                "check-endpoint",
                "u",
                "--start-date",
                "01/01/2025"
            ])
            .is_err()
        );
    }

    #[test]
    fn ports_are_vendor_equals_number() {
        assert_eq!(parse_port("zendesk=0"), Ok(("zendesk".to_owned(), 0)));
        assert!(parse_port("zendesk").is_err());
        assert!(parse_port("zendesk=99999").is_err());
    }
}
