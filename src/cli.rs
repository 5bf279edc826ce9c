//! The command line: clap types only, no I/O.

use std::net::IpAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::config::Overrides;

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
}

/// Options of `fakedesk check-endpoint`.
#[derive(Debug, Args)]
pub struct CheckEndpointArgs {
    /// The endpoint's URL (Ferndesk's "Source URL"), e.g.
    /// https://company.com/support-endpoint.json
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
    /// Largest request body a fake accepts, in bytes.
    #[arg(long)]
    pub max_body_bytes: Option<usize>,
    /// Switch off every vendor's rate limits.
    #[arg(long)]
    pub no_rate_limits: bool,
    /// Seed for generated ids.
    #[arg(long)]
    pub seed: Option<u64>,
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
            max_body_bytes: self.max_body_bytes,
            no_rate_limits: self.no_rate_limits,
            seed: self.seed,
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
