//! `fakedesk fuzz`: the command line around [`super::run`]. Exit codes: 0 no failure,
//! 1 a failure (printed and written as a replay scenario), 2 could not run.

use std::fmt::Write as _;
use std::io::{IsTerminal as _, Write as _};
use std::path::PathBuf;

use axum::http::{HeaderName, HeaderValue};

use super::expect::{BadExpectation, Expect};
use super::replay::{self, ReplayInfo};
use super::run::{self, Attempt, Event, Failure, Mode, Options, Report};
use super::target::{self, KeyFileError, TARGETS, UnknownPayload};
use crate::outbound::Outcome;

/// Why `fakedesk fuzz` cannot run (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum FuzzError {
    /// The payload is not registered.
    #[error(transparent)]
    UnknownPayload(#[from] UnknownPayload),
    /// `--target` is not an http(s) URL.
    #[error("`{0}` is not an http:// or https:// URL")]
    NotHttp(String),
    /// The trusted certificates cannot be loaded.
    #[error("{0}")]
    Trust(String),
    /// `--expect` is not an expectation.
    #[error(transparent)]
    Expect(#[from] BadExpectation),
    /// `--private-key` cannot be used.
    #[error(transparent)]
    Key(#[from] KeyFileError),
    /// A `--header` cannot be sent.
    #[error("{0}")]
    Header(String),
    /// No seed could be drawn.
    #[error("no randomness for a seed: {0}")]
    NoSeed(String),
    /// Nothing answers at the target.
    #[error("{0}")]
    Unreachable(String),
}

/// What `fakedesk fuzz` is asked to do, as the command line gives it (the binary's
/// entry point fills it in from the parsed arguments).
#[derive(Debug, Clone)]
pub struct Args {
    /// `vendor.payload`.
    pub payload: Option<String>,
    /// The receiver's URL.
    pub target: Option<String>,
    /// List the payloads instead of running.
    pub list: bool,
    /// Valid or hostile payloads.
    pub mode: Mode,
    /// What every reply must be.
    pub expect: Option<String>,
    /// The generator's seed (a random one otherwise).
    pub seed: Option<u64>,
    /// Most cases.
    pub cases: u32,
    /// Longest wait for one reply.
    pub timeout: std::time::Duration,
    /// Longest the whole run may take.
    pub max_time: std::time::Duration,
    /// Most shrinking steps.
    pub max_shrinks: u32,
    /// The signing secret, client secret or channel key.
    pub secret: Option<String>,
    /// A private key file for payloads signed with one.
    pub private_key: Option<std::path::PathBuf>,
    /// Headers added to every request.
    pub headers: Vec<(String, String)>,
    /// Where the replay scenario goes.
    pub replay: Option<std::path::PathBuf>,
    /// CA certificates to trust besides the system's and fakedesk's own.
    pub ca_certs: Vec<std::path::PathBuf>,
    /// Where fakedesk's own CA is kept.
    pub tls_dir: std::path::PathBuf,
}

/// Runs `fakedesk fuzz`; returns the exit code.
pub fn main(args: Args) -> i32 {
    if args.list {
        print!("{}", list());
        return 0;
    }
    match prepare(&args)
        .and_then(|opts| reachable(&opts.url, opts.timeout, &opts.trust).map(|()| opts))
    {
        Ok(opts) => execute(&args, &opts),
        Err(e) => {
            eprintln!("error: {e}");
            2
        }
    }
}

/// `--list`: the payloads, their signing, and the default secrets and keys.
pub fn list() -> String {
    let mut out = String::from("Payloads (fakedesk fuzz VENDOR.PAYLOAD --target URL):\n");
    for t in TARGETS {
        let _ = writeln!(out, "  {:<36} {}", t.name, t.summary);
        let _ = writeln!(out, "  {:<36} signed: {}", "", t.scheme.describe);
    }
    out.push_str("\nDefault secrets (override with --secret):\n");
    for (label, secret) in default_secrets() {
        let _ = writeln!(out, "  {label:<18} {secret}");
    }
    for kind in target::key_kinds() {
        let _ = write!(out, "\n{}\n\n", kind.note);
        out.push_str(&(kind.bundled)().public_pem());
    }
    out
}

/// Each scheme's default secret, labelled with the vendor when all its payloads
/// use that scheme, else with the payloads that do; in registry order.
fn default_secrets() -> Vec<(String, &'static str)> {
    let mut out: Vec<(String, &'static str)> = Vec::new();
    for r in crate::vendors::REGISTRY {
        let mut seen: Vec<&str> = Vec::new();
        for t in r.fuzz {
            let Some(secret) = t.scheme.default_secret else {
                continue;
            };
            if seen.contains(&t.scheme.describe) {
                continue;
            }
            seen.push(t.scheme.describe);
            let users: Vec<&str> = r
                .fuzz
                .iter()
                .filter(|u| u.scheme.describe == t.scheme.describe)
                .map(|u| u.name)
                .collect();
            let label = if users.len() == r.fuzz.len() {
                r.name.to_owned()
            } else {
                users.join(", ")
            };
            out.push((label, secret));
        }
    }
    out
}

/// Whether anything listens at `url`'s host and port (and, for https, completes a
/// TLS handshake with a trusted certificate), so that an address typo or an
/// untrusted certificate is told as such rather than shrunk as a failure of the
/// receiver.
fn reachable(
    url: &str,
    timeout: std::time::Duration,
    trust: &crate::tls::Trust,
) -> Result<(), FuzzError> {
    use std::net::{TcpStream, ToSocketAddrs};
    let unreachable = FuzzError::Unreachable;
    let u = reqwest::Url::parse(url).map_err(|e| unreachable(e.to_string()))?;
    let host = u.host_str().unwrap_or_default();
    let port = u.port_or_known_default().unwrap_or(80);
    let addrs = (host, port)
        .to_socket_addrs()
        .map_err(|e| unreachable(format!("cannot resolve {host}: {e}")))?;
    let mut last = format!("{host} has no address");
    for a in addrs {
        match TcpStream::connect_timeout(&a, timeout) {
            Ok(_) if u.scheme() == "https" => {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| unreachable(e.to_string()))?;
                return rt
                    .block_on(crate::tls::handshake(host, a, trust, timeout))
                    .map_err(|e| unreachable(format!("cannot reach the target over https: {e}")));
            }
            Ok(_) => return Ok(()),
            Err(e) => last = format!("nothing accepts connections at {a}: {e}"),
        }
    }
    Err(unreachable(format!("cannot reach the target: {last}")))
}

fn prepare(args: &Args) -> Result<Options, FuzzError> {
    let name = args.payload.as_deref().unwrap_or_default();
    let target = target::find(name)?;
    let url = args.target.clone().unwrap_or_default();
    match reqwest::Url::parse(&url) {
        Ok(u) if u.scheme() == "http" || u.scheme() == "https" => {}
        _ => return Err(FuzzError::NotHttp(url)),
    }
    let trust = crate::tls::Trust::for_run(&args.ca_certs, &args.tls_dir, None)
        .map_err(FuzzError::Trust)?;
    let expect = match &args.expect {
        Some(e) => Some(e.parse::<Expect>()?),
        None => None,
    };
    let keys = target::keys(target, args.secret.clone(), args.private_key.as_deref())?;
    let headers = args
        .headers
        .iter()
        .map(|(k, v)| {
            let name =
                HeaderName::try_from(k.as_str()).map_err(|e| FuzzError::Header(e.to_string()))?;
            let value = HeaderValue::from_str(v).map_err(|e| FuzzError::Header(e.to_string()))?;
            Ok((name, value))
        })
        .collect::<Result<Vec<_>, FuzzError>>()?;
    let seed = match args.seed {
        Some(s) => s,
        None => {
            let mut b = [0u8; 8];
            getrandom::fill(&mut b).map_err(|e| FuzzError::NoSeed(e.to_string()))?;
            u64::from_le_bytes(b) % 1_000_000_000
        }
    };
    Ok(Options {
        target,
        url,
        mode: args.mode,
        expect,
        seed,
        cases: args.cases,
        timeout: args.timeout,
        max_time: args.max_time,
        max_shrink_iters: args.max_shrinks,
        keys,
        headers,
        trust,
    })
}

fn execute(args: &Args, opts: &Options) -> i32 {
    println!(
        "fuzzing {} with {} ({} mode): up to {} cases, seed {}, each reply {} within {} ms, at most {} s",
        opts.url,
        opts.target.name,
        opts.mode.as_str(),
        opts.cases,
        opts.seed,
        run::expectation_summary(opts.expect.as_ref(), opts.mode),
        opts.timeout.as_millis(),
        opts.max_time.as_secs(),
    );
    let mut shown = Shown {
        opts,
        progress_shown: std::io::stderr().is_terminal(),
        mid_line: false,
    };
    let result = run::run(opts, &mut |e| shown.event(e));
    if shown.mid_line {
        // The progress line ends; the summary follows on stdout.
        eprintln!();
    }
    let report = match result {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot run: {e}");
            return 2;
        }
    };
    if let Some(why) = &report.aborted {
        eprintln!("error: the run stopped: {why}");
        return 2;
    }
    let code = match &report.failure {
        None => {
            println!();
            println!("passed: no case failed");
            0
        }
        Some(f) => {
            failed(args, opts, f);
            1
        }
    };
    println!("{}", summary(opts, &report));
    let _ = std::io::stdout().flush();
    code
}

/// What the run tells on the terminal as it goes.
struct Shown<'a> {
    opts: &'a Options,
    /// stderr is a terminal: show the progress line.
    progress_shown: bool,
    /// The progress line is on screen, without its line end.
    mid_line: bool,
}

impl Shown<'_> {
    fn event(&mut self, e: Event<'_>) {
        match e {
            Event::Failed(a) => {
                if self.mid_line {
                    eprintln!();
                    self.mid_line = false;
                }
                println!(
                    "case failed: the receiver {}; shrinking it against the receiver...",
                    verdict(self.opts, a)
                );
            }
            Event::Shrunk(n) => {
                if n.is_power_of_two() {
                    println!("  {n} smaller failing cases so far");
                }
            }
            Event::Progress {
                cases_run,
                failures,
                requests,
                elapsed,
            } => {
                if self.progress_shown {
                    eprint!(
                        "\r  {cases_run} cases, {failures} failing, {:.0} req/s, {:.0} s ",
                        requests as f64 / elapsed.as_secs_f64().max(1e-9),
                        elapsed.as_secs_f64()
                    );
                    self.mid_line = true;
                }
            }
        }
    }
}

/// Prints the failure `f` and writes its replay scenario.
fn failed(args: &Args, opts: &Options, f: &Failure) {
    println!();
    println!("FAILED: {}", opts.target.name);
    if f.receiver_down {
        println!(
            "(the receiver stopped accepting connections while shrinking: it may have crashed; \
             the case below is the smallest found before that)"
        );
    }
    println!(
        "minimal case, {} bytes (the first failing case had {}), after {} smaller failing case{}:",
        f.minimal.rendered.body.len(),
        f.first.rendered.body.len(),
        f.shrinks,
        if f.shrinks == 1 { "" } else { "s" }
    );
    print!("{}", describe(opts, &f.minimal));
    let path = args
        .replay
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("fuzz-{}-{}.yaml", opts.target.name, opts.seed)));
    let text = replay_text(args, opts, &f.minimal);
    match std::fs::write(&path, text) {
        Ok(()) => println!(
            "\nreplay: {} (run it with `fakedesk run {}`)",
            path.display(),
            path.display()
        ),
        Err(e) => eprintln!("error: cannot write {}: {e}", path.display()),
    }
}

/// The replay scenario of the minimal failing attempt.
fn replay_text(args: &Args, opts: &Options, minimal: &Attempt) -> String {
    let why = verdict(opts, minimal);
    let private_key = args.private_key.as_ref().map(|p| {
        std::path::absolute(p)
            .unwrap_or_else(|_| p.clone())
            .display()
            .to_string()
    });
    replay::scenario(
        &ReplayInfo {
            target: opts.target.name,
            mode: opts.mode,
            seed: opts.seed,
            expect: &expected(opts, minimal).to_string(),
            why: &why,
            secret: args.secret.as_deref(),
            secret_from_env: args.secret.is_some()
                && std::env::var("FAKEDESK_FUZZ_SECRET").ok() == args.secret,
            private_key: private_key.as_deref(),
            headers: &args.headers,
            timeout_ms: opts.timeout.as_millis(),
        },
        minimal,
    )
}

/// What the reply to `a` had to be.
fn expected(opts: &Options, a: &Attempt) -> Expect {
    run::expectation(opts.expect.as_ref(), &a.rendered)
}

/// What the receiver did, as a phrase: "answered 500 (expected 2xx)".
fn verdict(opts: &Options, a: &Attempt) -> String {
    run::judge(&expected(opts, a), opts.timeout, &a.outcome)
        .err()
        .map_or_else(|| "passed".to_owned(), |m| m.to_string())
}

/// The last line: cases, failures, seed, rate.
pub fn summary(opts: &Options, r: &Report) -> String {
    let mut s = format!(
        "{} case{} run, {} failure{}, seed {}, {} requests in {:.1} s ({:.0} req/s)",
        r.cases_run,
        if r.cases_run == 1 { "" } else { "s" },
        u8::from(r.failure.is_some()),
        if r.failure.is_some() { "" } else { "s" },
        opts.seed,
        r.requests,
        r.elapsed.as_secs_f64(),
        r.rate()
    );
    if r.out_of_time {
        let _ = write!(s, "; stopped by --max-time {} s", opts.max_time.as_secs());
    }
    s
}

/// The request and the reply of an attempt, for people.
pub fn describe(opts: &Options, a: &Attempt) -> String {
    let mut out = String::new();
    if !a.rendered.mutation.is_empty() {
        let _ = writeln!(out, "  mutation: {}", a.rendered.mutation);
    } else if opts.mode == Mode::Hostile {
        let _ = writeln!(
            out,
            "  mutation: none (the payload as the vendor sends it fails too)"
        );
    }
    let _ = writeln!(out, "  {} {}", a.request.method, a.request.url);
    for (k, v) in &a.request.headers {
        let _ = writeln!(out, "  {k}: {}", String::from_utf8_lossy(v.as_bytes()));
    }
    let _ = writeln!(out, "  body ({} bytes):", a.rendered.body.len());
    let _ = writeln!(out, "{}", indent(&shown(&a.rendered.body), 4));
    match &a.outcome {
        Outcome::Answered(ans) => {
            let _ = writeln!(
                out,
                "  reply: {} (expected {})",
                ans.status,
                expected(opts, a)
            );
            if !ans.body.is_empty() {
                let _ = writeln!(out, "{}", indent(&shown(&ans.body), 4));
            }
        }
        other => {
            let _ = writeln!(
                out,
                "  reply: none, the receiver {}",
                run::judge(&expected(opts, a), opts.timeout, other)
                    .err()
                    .map(|m| m.to_string())
                    .unwrap_or_default()
            );
        }
    }
    out
}

/// Bytes for a terminal: pretty JSON when that shows them faithfully (they are
/// JSON as serde_json writes it, so nothing such as a duplicate key or an escape is
/// lost), else the text itself (lossy for non-UTF-8), cut when long.
fn shown(bytes: &[u8]) -> String {
    const MAX: usize = 4000;
    if bytes.len() <= MAX
        && let Ok(v) = serde_json::from_slice::<serde_json::Value>(bytes)
        && serde_json::to_vec(&v).is_ok_and(|again| again == bytes)
    {
        return serde_json::to_string_pretty(&v).unwrap_or_default();
    }
    let text = String::from_utf8_lossy(bytes);
    let cut: String = text.chars().take(MAX).collect();
    if cut.len() < text.len() {
        format!(
            "{cut}… ({} more bytes; the replay scenario has them all)",
            text.len() - cut.len()
        )
    } else {
        cut
    }
}

fn indent(s: &str, n: usize) -> String {
    let pad = " ".repeat(n);
    s.lines()
        .map(|l| format!("{pad}{l}"))
        .collect::<Vec<_>>()
        .join("\n")
}
