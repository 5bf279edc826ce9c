//! fakedesk: faithful fake servers of customer-support vendors, for offline
//! integration tests.
//!
//! Integrators point their code at fakedesk instead of the real vendors. Every fake
//! listens on its own port and speaks the vendor's wire format (paths, auth, bodies,
//! errors, rate-limit headers, object lifecycles); every exchange is recorded in one
//! journal that the control API serves.
//!
//! # Layout
//!
//! - [`cli`]: clap types, no I/O.
//! - [`config`]: config file + command line → validated [`config::RunConfig`].
//! - [`vendors`]: the [`vendors::Vendor`] trait, the registry, one folder per vendor.
//! - [`journal`]: the bounded, ordered record of every exchange.
//! - [`server`]: listeners, the record layer and the control API.
//! - [`scenario`]: scenario files, their runner, snapshots and reports.
//! - [`clock`], [`ids`], [`ratelimit`]: injected time, deterministic ids, budgets.
//!
//! The vendor stores, wire types, journal and rate-limit windows perform no I/O and
//! are tested without sockets.
//!
//! # Embedding
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! let harness = fakedesk::server::Harness::new(
//!     fakedesk::config::RunConfig::ephemeral(),
//!     Arc::new(fakedesk::clock::SystemClock),
//! )?;
//! let running = fakedesk::server::start(harness).await?;
//! println!("fake Zendesk at {}", running.url("zendesk"));
//! running.shutdown().await;
//! # Ok(()) }
//! ```

pub mod cli;
pub mod clock;
pub mod config;
pub mod exit;
pub mod fake;
pub mod fault;
pub mod fuzz;
pub mod host;
pub mod ids;
pub mod journal;
pub mod matching;
pub mod multipart;
pub mod outbound;
pub mod payload;
pub mod proxy;
pub mod ratelimit;
pub mod scenario;
pub mod server;
pub mod settings;
pub mod tail;
pub mod template;
pub mod tls;
pub mod vendors;

use std::sync::Arc;
use std::time::Instant;

use crate::cli::ServeArgs;
use crate::config::{ConfigError, FileConfig, RunConfig};
use crate::server::{Harness, ServeError};

/// Anything that stops fakedesk from doing its job (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The configuration is unusable.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A listener or the env file failed.
    #[error(transparent)]
    Serve(#[from] ServeError),
    /// Signal handlers could not be installed.
    #[error("cannot listen for shutdown signals")]
    Signals(#[source] std::io::Error),
}

/// Validates the configuration; no socket is opened before this succeeds.
pub fn serve_config(args: &ServeArgs) -> Result<RunConfig, ConfigError> {
    let file = match &args.config {
        Some(path) => config::load_file(path)?,
        None => FileConfig::default(),
    };
    RunConfig::build(file, &args.overrides())
}

/// `fakedesk serve`: binds every fake, writes the env file, prints the URL table,
/// and serves until SIGINT or SIGTERM.
pub async fn serve(args: ServeArgs, started: Instant) -> Result<(), Error> {
    // Handlers first: a client may stop us as soon as the env file appears.
    let signals = shutdown_signals();
    let config = serve_config(&args)?;
    if !config.bind.is_loopback() {
        eprintln!(
            "warning: binding {}: every fake and the control API (token required) can be reached from other machines",
            config.bind
        );
    }
    let wall: Arc<dyn clock::Clock> = if args.manual_clock {
        Arc::new(clock::ManualClock::new(time::OffsetDateTime::now_utc()))
    } else {
        Arc::new(clock::SystemClock)
    };
    let harness = Harness::new(config, wall)?;
    let running = server::start(harness.clone()).await?;
    if let Some(path) = &args.env_file {
        server::write_env_file(path, &harness.env_lines())?;
    }
    let ready = started.elapsed();
    print!("{}", banner(&harness, ready));
    signals.await?;
    let in_flight = harness.in_flight().len();
    let stopped = running.shutdown().await;
    if !stopped.drained {
        eprintln!(
            "stopped after the shutdown timeout ({:?}): open connections were closed{}",
            harness.config.shutdown_timeout,
            if in_flight > 0 {
                " and unfinished deliveries journaled as cancelled"
            } else {
                ""
            }
        );
    }
    Ok(())
}

/// `fakedesk run`: runs the scenarios until done or until SIGINT/SIGTERM (which stops
/// every SUT before returning). Returns the exit code.
pub async fn run_scenarios(args: cli::RunArgs) -> i32 {
    // Handlers first: a signal that arrives while the fakes or a SUT start must stop
    // the run, not kill fakedesk outright.
    let signals = shutdown_signals();
    let (cancel_tx, cancel) = tokio::sync::watch::channel(false);
    let request = scenario::RunRequest {
        paths: args.paths,
        jobs: usize::from(args.jobs),
        junit: args.junit,
        update_snapshots: args.update_snapshots,
        trust: args.trust,
        har: args.har,
        control_port: args.control_port,
    };
    if request.control_port.is_some() && request.jobs > 1 {
        eprintln!("error: --control-port needs --jobs 1 (scenarios at once would share the port)");
        return scenario::EXIT_ERROR;
    }
    let run = scenario::run_all(&request, cancel);
    tokio::pin!(run);
    tokio::select! {
        code = &mut run => code,
        Ok(()) = signals => {
            eprintln!("interrupted: stopping every scenario and its SUT");
            let _ = cancel_tx.send(true);
            run.await;
            scenario::EXIT_ERROR
        }
    }
}

/// `fakedesk check-endpoint`: one `GET` of a custom support endpoint, checked as
/// Ferndesk would ingest it; prints the report (text or JSON) and returns the exit
/// code: 0 ingestible, 1 problems, 2 could not check.
pub async fn check_endpoint(args: cli::CheckEndpointArgs) -> i32 {
    use crate::vendors::ferndesk::{check, wire};
    let url = match args.start_date {
        Some(d) => wire::with_start_date(&args.url, d),
        None => args.url.clone(),
    };
    let start = match args.start_date {
        Some(d) => Some(d),
        None => match wire::start_date_of(&url) {
            Ok(d) => d,
            Err(bad) => {
                eprintln!("error: the URL's startDate `{bad}` is not a date such as 2025-01-01");
                return 2;
            }
        },
    };
    let Some(fetch) = fetch_endpoint(&url, &args).await else {
        return 2;
    };
    let report = check::check(&url, &fetch, start, check::IngestRule::AllOrNothing);
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report).unwrap_or_default()
        );
    } else {
        print!("{}", check::render_text(&report));
    }
    report.exit_code()
}

/// One `GET` of the endpoint as Ferndesk makes it; `None` (after saying why) when
/// the trust settings cannot be read.
async fn fetch_endpoint(
    url: &str,
    args: &cli::CheckEndpointArgs,
) -> Option<vendors::ferndesk::check::Fetch> {
    use crate::outbound::{HttpTransport, Outgoing, Transport};
    use crate::vendors::ferndesk::check::{Fetch, Unreachable};
    Some(match reqwest::Url::parse(url) {
        Ok(u) if u.scheme() == "http" || u.scheme() == "https" => {
            let mut headers = axum::http::HeaderMap::new();
            headers.insert(
                axum::http::header::ACCEPT,
                axum::http::HeaderValue::from_static("application/json"),
            );
            let trust = match args.trust.trust() {
                Ok(t) => t,
                Err(e) => {
                    eprintln!("error: {e}");
                    return None;
                }
            };
            let outcome = HttpTransport::new(&trust)
                .send(
                    Outgoing {
                        method: axum::http::Method::GET,
                        url: url.to_owned(),
                        headers,
                        body: bytes::Bytes::new(),
                    },
                    std::time::Duration::from_secs(args.timeout),
                )
                .await;
            Fetch::from_outcome(&outcome, args.timeout)
        }
        Ok(u) => Fetch::Unreachable {
            kind: Unreachable::Other,
            detail: format!(
                "`{}` URLs cannot be fetched: give an http:// or https:// URL",
                u.scheme()
            ),
        },
        Err(e) => Fetch::Unreachable {
            kind: Unreachable::Other,
            detail: format!(
                "`{url}` is not a URL ({e}): give one such as https://company.com/support-endpoint.json"
            ),
        },
    })
}

/// `fakedesk ca`: creates the CA on first use, prints its path and how to trust
/// it; returns the exit code (2 when the CA cannot be created or read).
pub fn ca(args: &cli::CaArgs) -> u8 {
    let dir = args.tls_dir.clone().unwrap_or_else(tls::default_dir);
    match tls::ca::LocalCa::load_or_create(&dir) {
        Ok(ca) => {
            print!("{}", tls::trust_instructions(ca.cert_path()));
            0
        }
        Err(e) => {
            eprintln!("error: fakedesk's CA in {}: {e}", dir.display());
            2
        }
    }
}

/// The table `serve` prints: each vendor's URL and seeded credentials.
pub fn banner(h: &Harness, ready: std::time::Duration) -> String {
    let mut out = format!(
        "fakedesk {} ready in {} ms\n\n  {:<10} {:<24} {}\n",
        env!("CARGO_PKG_VERSION"),
        ready.as_millis(),
        "VENDOR",
        "URL",
        "CREDENTIALS"
    );
    out.push_str(&format!(
        "  {:<10} {:<24}\n",
        "control",
        h.url("control").unwrap_or_default()
    ));
    for v in &h.vendors {
        let creds: Vec<String> = v
            .credentials()
            .iter()
            .map(|c| format!("{}={}", c.key.to_lowercase(), c.value))
            .collect();
        out.push_str(&format!(
            "  {:<10} {:<24} {}\n",
            v.name(),
            h.url(v.name()).unwrap_or_default(),
            creds.join(" ")
        ));
    }
    for v in &h.vendors {
        for note in v.notes() {
            out.push_str(&format!("\n{note}\n"));
        }
    }
    out.push_str("\nPress Ctrl-C to stop.\n");
    out
}

/// Installs the SIGINT and SIGTERM handlers now; the future resolves on the first
/// signal (or fails at once when the handlers cannot be installed).
fn shutdown_signals() -> impl std::future::Future<Output = Result<(), Error>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let handlers = signal(SignalKind::terminate())
            .and_then(|term| Ok((term, signal(SignalKind::interrupt())?)))
            .map_err(Error::Signals);
        async move {
            let (mut term, mut int) = handlers?;
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
            Ok(())
        }
    }
    #[cfg(not(unix))]
    async {
        tokio::signal::ctrl_c().await.map_err(Error::Signals)
    }
}

/// The README's examples are compiled as doctests where they are Rust.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
