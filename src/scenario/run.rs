//! Running one scenario: fresh fakes on OS-chosen ports, the SUT, the steps, the
//! snapshot, and the cleanup that always happens (even on failure or interrupt).

use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};
use tokio::sync::watch;

use super::expect::{Check, Want, capture, explain_unwanted};
use super::interp::Scope;
use super::load::Loaded;
use super::matching::{Mismatch, partial};
use super::model::{
    AssertStep, CallAuth, CallStep, DeliverStep, DirectionName, ExpectStep, FaultSpec, SendStep,
    SignatureKind, SnapshotKind, Step, SutPort,
};
use super::report::{Outcome, ScenarioReport, StepReport, StepStatus};
use super::snapshot::{self, Checked, Redactor};
use super::sut::{Ready, Sut, SutError, SutSpec};
use crate::clock::ManualClock;
use crate::config::{FileConfig, Overrides, RunConfig};
use crate::journal::Direction;
use crate::server::{self, Harness, Running};

/// How scenarios are run.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Write snapshots instead of comparing them.
    pub update_snapshots: bool,
    /// What outbound https trusts besides the system roots (`--ca-cert`), and
    /// where fakedesk's CA is kept.
    pub trust: crate::cli::TrustArgs,
    /// Write the scenario's traffic as HAR in this folder.
    pub har: Option<std::path::PathBuf>,
    /// The control API's port (`None`: OS-chosen).
    pub control_port: Option<u16>,
}

/// Default deadline of an `expect` step.
pub const DEFAULT_WITHIN: Duration = Duration::from_secs(5);
/// Default wait for the SUT to be ready.
pub const DEFAULT_READY_TIMEOUT: Duration = Duration::from_secs(30);
/// Default grace between SIGTERM and SIGKILL.
pub const DEFAULT_STOP_TIMEOUT: Duration = Duration::from_secs(5);
/// How often `expect` and `assert ... within` look again.
const POLL: Duration = Duration::from_millis(20);

/// Runs one scenario to its end. `cancel` turning true stops it between or inside
/// steps; the SUT is stopped and the fakes shut down in every case.
pub async fn run(
    loaded: &Loaded,
    opts: &RunOptions,
    cancel: watch::Receiver<bool>,
) -> ScenarioReport {
    let started = Instant::now();
    let mut report = ScenarioReport {
        file: loaded.path.clone(),
        name: loaded.name.clone(),
        steps: Vec::new(),
        outcome: Outcome::Passed,
        duration: Duration::ZERO,
        sut_output: String::new(),
    };
    let mut scope = Scope::new();
    let sut_port = match loaded.scenario.sut.as_ref().and_then(|s| s.port) {
        Some(SutPort::Fixed(p)) => Some(p),
        Some(SutPort::Auto(_)) => match free_port() {
            Ok(p) => Some(p),
            Err(e) => {
                report.outcome =
                    Outcome::Error(format!("cannot find a free port for the SUT: {e}"));
                return report;
            }
        },
        None => None,
    };
    if loaded.scenario.sut.is_some() {
        scope.set(
            "sut",
            match sut_port {
                Some(p) => json!({"port": p, "url": format!("http://127.0.0.1:{p}")}),
                None => json!({}),
            },
        );
    }
    // The fakes' clock starts at the current minute and moves one second per step,
    // so timestamps, the signatures over them and rate-limit windows repeat from run
    // to run.
    let now = time::OffsetDateTime::now_utc();
    let minute = now
        .replace_second(0)
        .and_then(|t| t.replace_nanosecond(0))
        .unwrap_or(now);
    let clock = Arc::new(ManualClock::new(minute));
    let running =
        match start_fakes(loaded, opts, &mut scope, clock.clone(), opts.control_port).await {
            Ok(r) => r,
            Err(e) => {
                report.outcome = Outcome::Error(e);
                report.duration = started.elapsed();
                return report;
            }
        };
    let mut runner = Runner {
        running: &running,
        harness: running.harness.clone(),
        scope,
        consumed: HashSet::new(),
        clock,
        client: reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap_or_default(),
        cancel,
        dir: loaded
            .path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf(),
    };
    runner.scope.set("fakedesk", fakes_scope(&running));
    let dir = runner.dir.clone();

    let mut sut = None;
    if let Some(spec) = &loaded.scenario.sut {
        match runner.start_sut(spec, &dir, sut_port).await {
            Ok(s) => sut = Some(s),
            Err(outcome) => report.outcome = outcome,
        }
    }
    if report.outcome == Outcome::Passed {
        runner.steps(loaded, &mut report, &mut sut).await;
    }
    if report.outcome == Outcome::Passed
        && loaded.scenario.snapshot == Some(SnapshotKind::Traffic)
        && let Err(message) = runner.snapshot(loaded, opts)
    {
        report.outcome = Outcome::Failed(message);
    }
    if let Some(s) = sut {
        report.sut_output = s.stop().await;
    }
    drop(runner);
    if let Some(dir) = &opts.har
        && let Err(e) = write_har(dir, loaded, &running)
        && report.outcome == Outcome::Passed
    {
        report.outcome = Outcome::Error(e);
    }
    // The scenario is over: nothing in flight matters any more.
    running.shutdown_within(Duration::ZERO).await;
    report.duration = started.elapsed();
    report
}

/// Binds the fakes on OS-chosen ports, then builds them from the scenario's vendor
/// settings with `${fakedesk.<vendor>.url}`, `${sut...}` and `${env...}` filled in.
/// Writes the scenario's journal as `DIR/<file stem>-<scenario name>.har`.
fn write_har(dir: &Path, loaded: &Loaded, running: &Running) -> Result<(), String> {
    let stem = loaded
        .path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let slug: String = format!("{stem}-{}", loaded.name)
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let path = dir.join(format!("{slug}.har"));
    let h = &running.harness;
    std::fs::create_dir_all(dir)
        .and_then(|()| {
            crate::server::har::write(&path, &h.journal.entries(&Default::default()), |v| h.url(v))
        })
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

async fn start_fakes(
    loaded: &Loaded,
    opts: &RunOptions,
    scope: &mut Scope,
    clock: Arc<ManualClock>,
    control_port: Option<u16>,
) -> Result<Running, String> {
    let ephemeral = Overrides {
        ephemeral_ports: true,
        ca_certs: opts.trust.ca_certs.clone(),
        tls_dir: opts.trust.tls_dir.clone(),
        control_port,
        ..Overrides::default()
    };
    let bare = RunConfig::build(FileConfig::default(), &ephemeral).map_err(|e| e.to_string())?;
    let listeners = server::bind_all(&bare)
        .await
        .map_err(|e| format!("cannot start the fakes: {e}"))?;
    let urls: Map<String, Value> = listeners
        .addrs()
        .iter()
        .map(|(name, a)| ((*name).to_owned(), json!({"url": format!("http://{a}")})))
        .collect();
    scope.set("fakedesk", Value::Object(urls));
    scope.keep_unknown = true;
    let vendors = scope.value(&loaded.vendors);
    scope.keep_unknown = false;
    let vendors = vendors.map_err(|e| format!("vendor settings: {e}"))?;
    let vendors = if vendors.is_null() {
        Default::default()
    } else {
        serde_json::from_value(vendors).map_err(|e| format!("vendor settings: {e}"))?
    };
    let file = FileConfig {
        vendors,
        seed: loaded.scenario.seed,
        ..FileConfig::default()
    };
    let config = RunConfig::build(file, &ephemeral).map_err(|e| e.to_string())?;
    let harness = Harness::new(config, clock).map_err(|e| e.to_string())?;
    Ok(server::serve_on(harness, listeners))
}

/// `fakedesk.<vendor>.url`, `fakedesk.<vendor>.<credential>`, `fakedesk.control.url`.
fn fakes_scope(running: &Running) -> Value {
    let mut m = Map::new();
    m.insert("control".into(), json!({"url": running.url("control")}));
    for v in &running.harness.vendors {
        let mut o = Map::new();
        o.insert("url".into(), Value::String(running.url(v.name())));
        for c in v.credentials() {
            o.insert(c.key.to_lowercase(), Value::String(c.value));
        }
        m.insert(v.name().into(), Value::Object(o));
    }
    Value::Object(m)
}

struct Runner<'a> {
    running: &'a Running,
    harness: Arc<Harness>,
    scope: Scope,
    consumed: HashSet<u64>,
    clock: Arc<ManualClock>,
    client: reqwest::Client,
    cancel: watch::Receiver<bool>,
    /// The scenario file's folder (relative paths in steps start there).
    dir: std::path::PathBuf,
}

/// Why a step did not pass.
type StepResult = Result<(), String>;

impl Runner<'_> {
    async fn start_sut(
        &mut self,
        spec: &super::model::Sut,
        dir: &Path,
        port: Option<u16>,
    ) -> Result<Sut, Outcome> {
        let text = |s: &str| {
            self.scope
                .text(s)
                .map_err(|e| Outcome::Error(format!("sut: {e}")))
        };
        let cwd = match &spec.cwd {
            Some(c) => dir.join(text(c)?),
            None => dir.to_path_buf(),
        };
        let mut command = text(&spec.command)?;
        if command.contains('/') && Path::new(&command).is_relative() {
            command = cwd.join(&command).to_string_lossy().into_owned();
        }
        let mut env: Vec<(String, String)> = self
            .harness
            .env_lines()
            .iter()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        if let Some(p) = port {
            env.push(("PORT".into(), p.to_string()));
        }
        for (k, v) in &spec.env {
            env.push((k.clone(), text(v)?));
        }
        let ready = match &spec.ready {
            Some(r) => match (&r.http, &r.tcp) {
                (Some(u), _) => Some(Ready::Http(text(u)?)),
                (None, Some(a)) => Some(Ready::Tcp(text(a)?)),
                (None, None) => None,
            },
            None => None,
        };
        let sut_spec = SutSpec {
            command,
            args: spec
                .args
                .iter()
                .map(|a| text(a))
                .collect::<Result<_, _>>()?,
            cwd: Some(cwd),
            env,
            ready,
            ready_timeout: spec
                .ready
                .as_ref()
                .and_then(|r| r.timeout)
                .map_or(DEFAULT_READY_TIMEOUT, |d| d.0),
            stop_timeout: spec.stop_timeout.map_or(DEFAULT_STOP_TIMEOUT, |d| d.0),
        };
        let mut cancel = self.cancel.clone();
        tokio::select! {
            r = Sut::start(&sut_spec) => r.map_err(|e| match e {
                SutError::Spawn { .. } => Outcome::Error(e.to_string()),
                other => Outcome::Failed(other.to_string()),
            }),
            _ = cancel.wait_for(|c| *c) => Err(Outcome::Error("interrupted".into())),
        }
    }

    async fn steps(&mut self, loaded: &Loaded, report: &mut ScenarioReport, sut: &mut Option<Sut>) {
        for (i, step) in loaded.scenario.steps.iter().enumerate() {
            let index = i + 1;
            if report.outcome != Outcome::Passed {
                report.steps.push(StepReport {
                    index,
                    label: self.label(step),
                    status: StepStatus::Skipped,
                    duration: Duration::ZERO,
                });
                continue;
            }
            if index > 1 {
                self.clock.advance(Duration::from_secs(1));
                self.harness.tick();
            }
            let started = Instant::now();
            let label = self.label(step);
            let mut cancel = self.cancel.clone();
            let result = tokio::select! {
                r = self.step(step) => r,
                _ = cancel.wait_for(|c| *c) => Err("interrupted".to_owned()),
            };
            let status = match result {
                Ok(()) => StepStatus::Passed,
                Err(mut message) => {
                    if let Some(s) = sut.as_mut()
                        && let Some(status) = s.try_exit_status()
                    {
                        message.push_str(&format!(
                            "\nthe SUT is no longer running: it exited with {status}"
                        ));
                    }
                    report.outcome = if message == "interrupted" {
                        Outcome::Error(message.clone())
                    } else {
                        Outcome::Failed(format!("step {index} ({label}) failed:\n{message}"))
                    };
                    StepStatus::Failed(message)
                }
            };
            report.steps.push(StepReport {
                index,
                label,
                status,
                duration: started.elapsed(),
            });
        }
    }

    /// A one-line description of a step, interpolated as far as possible.
    fn label(&self, step: &Step) -> String {
        let text = |s: &str| self.scope.text(s).unwrap_or_else(|_| s.to_owned());
        let name = match step {
            Step::Call(s) => s.name.as_deref(),
            Step::Send(s) => s.name.as_deref(),
            Step::Deliver(s) => s.name.as_deref(),
            Step::Expect(s) => s.name.as_deref(),
            Step::Assert(s) => s.name.as_deref(),
            Step::Wait(s) => s.name.as_deref(),
            Step::Fault(s) => s.name.as_deref(),
            Step::Advance(s) => s.name.as_deref(),
        };
        let what = match step {
            Step::Call(s) => format!("call {} {} {}", s.call.0, call_method(s), text(&s.path)),
            Step::Send(s) => format!("send {}", s.send.0),
            Step::Deliver(s) => format!("deliver {} to {}", s.deliver.0, text(&s.to)),
            Step::Expect(s) => {
                let mut l = format!(
                    "expect {} {}",
                    s.expect.0,
                    match s.direction.unwrap_or(DirectionName::Inbound) {
                        DirectionName::Inbound => "inbound",
                        DirectionName::Outbound => "outbound",
                    }
                );
                if let Some(m) = &s.method {
                    l.push(' ');
                    l.push_str(&m.to_uppercase());
                }
                if let Some(p) = &s.path {
                    l.push(' ');
                    l.push_str(&text(p));
                }
                l
            }
            Step::Assert(s) => format!("assert {} state", s.assert.0),
            Step::Wait(s) => format!("wait {} ms", s.wait.0.as_millis()),
            Step::Fault(s) => match &s.fault {
                FaultSpec::Clear(c) => format!("clear faults {}", c.clear),
                FaultSpec::Rule(r) => format!(
                    "fault {} {}",
                    r.vendor.as_deref().unwrap_or("?"),
                    r.action.name()
                ),
            },
            Step::Advance(s) => {
                format!("advance the clock {}", crate::clock::span_text(s.advance.0))
            }
        };
        match name {
            Some(n) => format!("{} ({what})", text(n)),
            None => what,
        }
    }

    async fn step(&mut self, step: &Step) -> StepResult {
        match step {
            Step::Call(s) => self.call(s).await,
            Step::Send(s) => self.send(s).await,
            Step::Deliver(s) => self.deliver(s).await,
            Step::Expect(s) => self.expect(s).await,
            Step::Assert(s) => self.assert(s).await,
            Step::Wait(s) => {
                tokio::time::sleep(s.wait.0).await;
                Ok(())
            }
            Step::Fault(s) => self.fault(&s.fault),
            Step::Advance(s) => {
                self.clock.advance(s.advance.0);
                self.harness.tick();
                Ok(())
            }
        }
    }

    /// Adds the rule (its `${...}` filled in) or clears rules by name.
    fn fault(&mut self, spec: &FaultSpec) -> StepResult {
        match spec {
            FaultSpec::Clear(c) if c.clear == "*" => {
                self.harness.faults.clear();
                Ok(())
            }
            FaultSpec::Clear(c) => match self.harness.faults.remove_named(&c.clear) {
                0 => Err(format!("no fault rule is called `{}`", c.clear)),
                _ => Ok(()),
            },
            FaultSpec::Rule(rule) => {
                let raw = serde_json::to_value(rule.as_ref()).map_err(|e| e.to_string())?;
                let filled = self.scope.value(&raw)?;
                let rule = serde_json::from_value(filled).map_err(|e| e.to_string())?;
                server::faults_api::add_rule(&self.harness, rule)
                    .map(|_| ())
                    .map_err(|e| format!("fault rule: {}", e.message()))
            }
        }
    }

    fn vendor(&self, name: &str) -> Result<Arc<dyn crate::vendors::Vendor>, String> {
        self.harness
            .vendor(name)
            .cloned()
            .ok_or_else(|| format!("unknown vendor `{name}`"))
    }

    async fn call(&mut self, s: &CallStep) -> StepResult {
        let vendor = self.vendor(&s.call.0)?;
        let path = self.scope.text(&s.path)?;
        let url = format!("{}{}", self.running.url(vendor.name()), path);
        let method = reqwest::Method::from_bytes(call_method(s).as_bytes())
            .map_err(|_| format!("`{}` is not an HTTP method", call_method(s)))?;
        let mut req = self.client.request(method, &url);
        let has = |name: &str| s.headers.keys().any(|k| k.eq_ignore_ascii_case(name));
        let has_auth = has("authorization");
        for (k, v) in &s.headers {
            req = req.header(k.as_str(), self.scope.text(v)?);
        }
        if !has_auth
            && s.auth.unwrap_or(CallAuth::Seeded) == CallAuth::Seeded
            && let Some(a) = vendor.seeded_authorization()
        {
            req = req.header("authorization", a);
        }
        if let Some(body) = &s.body {
            // A string is sent as written (a form, XML, a deliberately broken body);
            // anything else as JSON.
            let (text, kind) = match self.scope.value(body)? {
                Value::String(text) => (text, "text/plain; charset=utf-8"),
                other => (other.to_string(), "application/json"),
            };
            if !has("content-type") {
                req = req.header("content-type", kind);
            }
            req = req.body(text);
        }
        let res = req
            .send()
            .await
            .map_err(|e| format!("the call failed: {e}"))?;
        let status = res.status().as_u16();
        let headers = header_map(res.headers());
        let bytes = res
            .bytes()
            .await
            .map_err(|e| format!("reading the reply failed: {e}"))?;
        let body = body_value(&bytes);
        let ok = match s.status {
            Some(want) => status == want,
            None => (200..300).contains(&status),
        };
        if let Some(name) = &s.capture {
            self.scope.set(
                name,
                json!({"status": status, "headers": headers, "body": body}),
            );
        }
        if ok {
            return Ok(());
        }
        let want = s
            .status
            .map_or_else(|| "a 2xx status".to_owned(), |w| format!("status {w}"));
        Err(format!(
            "expected {want}, got {status}\nreply body:\n{}",
            indent(&pretty(&body), 2)
        ))
    }

    async fn deliver(&mut self, s: &DeliverStep) -> StepResult {
        use crate::fuzz::{case, expect::Expect, run as fuzz, target};
        use base64::Engine as _;
        let t = target::find(&s.deliver.0).map_err(|e| e.to_string())?;
        let url = self.scope.text(&s.to)?;
        let body = match (&s.body, &s.body_base64) {
            (Some(text), None) => self.scope.text(text)?.into_bytes(),
            (None, Some(b64)) => base64::engine::general_purpose::STANDARD
                .decode(self.scope.text(b64)?.trim())
                .map_err(|e| format!("body_base64 is not base64: {e}"))?,
            (None, None) => Vec::new(),
            (Some(_), Some(_)) => return Err("give either body or body_base64, not both".into()),
        };
        let signing = match (s.signature, s.signed_ago) {
            (Some(SignatureKind::Bad), _) => case::Signing::Bad,
            (_, Some(ago)) => case::Signing::Stale(ago.0.as_secs()),
            _ => case::Signing::Valid,
        };
        let private_key = match &s.private_key {
            Some(path) => Some(self.dir.join(self.scope.text(path)?)),
            None => None,
        };
        let keys =
            target::keys(t, s.secret.clone(), private_key.as_deref()).map_err(|e| e.to_string())?;
        let mut extra = Vec::new();
        for (k, v) in &s.headers {
            let name = axum::http::HeaderName::try_from(k.as_str())
                .map_err(|_| format!("`{k}` is not a header name"))?;
            let value = axum::http::HeaderValue::from_str(&self.scope.text(v)?)
                .map_err(|_| format!("the value of header `{k}` cannot be sent"))?;
            extra.push((name, value));
        }
        let expect: Expect = s
            .reply
            .as_deref()
            .unwrap_or("2xx")
            .parse()
            .map_err(|e: crate::fuzz::expect::BadExpectation| e.to_string())?;
        let timeout = s.timeout.map_or(Duration::from_secs(10), |d| d.0);
        let rendered = case::Rendered {
            body,
            signing,
            mutation: String::new(),
            must_reject: false,
        };
        let (req, _) = fuzz::request(t, &keys, &url, &extra, &rendered, self.harness.clock.now());
        let vendor = t.vendor();
        let recorder = crate::outbound::Recorder {
            journal: self.harness.journal.clone(),
            clock: self.harness.clock.clone(),
            in_flight: self.harness.in_flight().clone(),
            faults: self.harness.faults.clone(),
        };
        let delivery = crate::outbound::deliver(
            &self.harness.transport,
            &recorder,
            vendor,
            "deliver",
            timeout,
            &crate::outbound::NoRetry,
            |_| req.clone(),
        )
        .await;
        let outcome = delivery
            .attempts
            .last()
            .cloned()
            .unwrap_or(crate::outbound::Outcome::TimedOut);
        fuzz::judge(&expect, timeout, &outcome).map_err(|why| match &outcome {
            crate::outbound::Outcome::Answered(a) => format!(
                "the receiver {why}\nreply body:\n{}",
                indent(&pretty(&body_value(&a.body)), 2)
            ),
            _ => format!("the receiver {why}"),
        })
    }

    async fn send(&mut self, s: &SendStep) -> StepResult {
        let (vendor, action) = s.send.split();
        let url = format!("{}/{vendor}/actions/{action}", self.running.url("control"));
        let args = match &s.with {
            Some(w) => self.scope.value(w)?,
            None => json!({}),
        };
        let res = self
            .client
            .post(&url)
            .header("content-type", "application/json")
            .body(args.to_string())
            .send()
            .await
            .map_err(|e| format!("the action failed: {e}"))?;
        let status = res.status().as_u16();
        let bytes = res.bytes().await.map_err(|e| e.to_string())?;
        let body = body_value(&bytes);
        if !(200..300).contains(&status) {
            return Err(format!(
                "{vendor} refused `{action}` ({status}):\n{}",
                indent(&pretty(&body), 2)
            ));
        }
        if let Some(name) = &s.capture {
            self.scope.set(name, body);
        }
        Ok(())
    }

    async fn expect(&mut self, s: &ExpectStep) -> StepResult {
        let want = want_of(s, &self.scope)?;
        let count = s.count.unwrap_or(1) as usize;
        let within = s.within.map_or(DEFAULT_WITHIN, |d| d.0);
        let deadline = Instant::now() + within;
        let all = crate::journal::Filter::default();
        loop {
            let entries = self.harness.journal.entries(&all);
            let found = match want.check(&entries, count, |seq| self.consumed.contains(&seq)) {
                Check::Unwanted(matched) => return Err(explain_unwanted(&matched)),
                Check::Matched(taken) => {
                    self.consumed.extend(taken.iter().map(|e| e.seq));
                    if let Some(name) = &s.capture {
                        self.scope.set(name, capture(&taken[0]));
                    }
                    return Ok(());
                }
                Check::Waiting(found) => found,
            };
            if Instant::now() >= deadline {
                if count == 0 {
                    return Ok(());
                }
                let taken = |seq| self.consumed.contains(&seq);
                return Err(want.explain(&entries, count, found, within, taken));
            }
            tokio::time::sleep(POLL).await;
        }
    }

    async fn assert(&mut self, s: &AssertStep) -> StepResult {
        let vendor = self.vendor(&s.assert.0)?;
        let pattern = self.scope.value(&s.pattern)?;
        let deadline = Instant::now() + s.within.map_or(Duration::ZERO, |d| d.0);
        loop {
            let state = vendor.state();
            let m = partial("", &pattern, Some(&state));
            if m.is_empty() {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(explain_assert(vendor.name(), &pattern, &state, &m));
            }
            tokio::time::sleep(POLL).await;
        }
    }

    fn snapshot(&self, loaded: &Loaded, opts: &RunOptions) -> Result<(), String> {
        let mut urls: Vec<(String, String)> = self
            .running
            .addrs
            .keys()
            .map(|name| (self.running.url(name), format!("fakedesk.{name}.url")))
            .collect();
        if let Ok(Value::String(u)) = self.scope.lookup("sut.url") {
            urls.push((u, "sut.url".to_owned()));
        }
        let mut redactor = Redactor::new(urls);
        let entries = self
            .harness
            .journal
            .entries(&crate::journal::Filter::default());
        let content = snapshot::traffic(&entries, &mut redactor);
        let snap = loaded.path.with_extension("snap");
        let source = loaded
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        match snapshot::check(&snap, &source, &content, opts.update_snapshots) {
            Ok(Checked::Matched | Checked::Written) => Ok(()),
            Ok(Checked::New { pending }) => Err(format!(
                "no traffic snapshot yet; wrote {}\nreview it with `cargo insta review`, or accept it with `fakedesk run --update-snapshots`",
                pending.display()
            )),
            Ok(Checked::Mismatch { diff, pending }) => Err(format!(
                "the traffic differs from {} (- stored, + this run):\n{diff}\nwrote {}; review with `cargo insta review`, or accept with `fakedesk run --update-snapshots`",
                snap.display(),
                pending.display()
            )),
            Err(e) => Err(format!("cannot check the snapshot {}: {e}", snap.display())),
        }
    }
}

/// The want of an `expect` step, interpolated once.
fn want_of(s: &ExpectStep, scope: &Scope) -> Result<Want, String> {
    let map = |m: &BTreeMap<String, String>| -> Result<BTreeMap<String, String>, String> {
        m.iter()
            .map(|(k, v)| Ok((scope.text(k)?, scope.text(v)?)))
            .collect()
    };
    Ok(Want {
        vendor: s.expect.0.clone(),
        direction: match s.direction.unwrap_or(DirectionName::Inbound) {
            DirectionName::Inbound => Direction::Inbound,
            DirectionName::Outbound => Direction::Outbound,
        },
        method: s.method.as_ref().map(|m| m.to_uppercase()),
        path: s.path.as_deref().map(|p| scope.text(p)).transpose()?,
        query: map(&s.query)?,
        headers: map(&s.headers)?,
        body: s.body.as_ref().map(|b| scope.value(b)).transpose()?,
        status: s.status,
        unmatched: s.unmatched,
    })
}

fn call_method(s: &CallStep) -> String {
    s.method.as_ref().map_or_else(
        || if s.body.is_some() { "POST" } else { "GET" }.to_owned(),
        |m| m.to_uppercase(),
    )
}

fn explain_assert(vendor: &str, pattern: &Value, state: &Value, m: &[Mismatch]) -> String {
    let mut out = format!("{vendor}'s state does not match:\n");
    for x in m {
        out.push_str(&format!("  {x}\n"));
    }
    out.push_str("the state, where the pattern looks (closest items, named keys):\n");
    out.push_str(&indent(&pretty(&project(pattern, state)), 2));
    out
}

/// The parts of `actual` that `pattern` names: for objects their keys, for lists the
/// closest item to each pattern item. What a reader compares with the pattern.
fn project(pattern: &Value, actual: &Value) -> Value {
    match (pattern, actual) {
        (Value::Object(p), Value::Object(a)) => Value::Object(
            p.iter()
                .map(|(k, pv)| {
                    let v = a.get(k).map_or(Value::Null, |av| project(pv, av));
                    (k.clone(), v)
                })
                .collect(),
        ),
        (Value::Array(p), Value::Array(a)) if !a.is_empty() => Value::Array(
            p.iter()
                .filter_map(|pv| {
                    a.iter()
                        .min_by_key(|av| partial("", pv, Some(av)).len())
                        .map(|av| project(pv, av))
                })
                .collect(),
        ),
        _ => actual.clone(),
    }
}

fn header_map(h: &reqwest::header::HeaderMap) -> Value {
    let mut m = Map::new();
    for (k, v) in h {
        let v = String::from_utf8_lossy(v.as_bytes()).into_owned();
        match m.get_mut(k.as_str()) {
            Some(Value::String(existing)) => {
                existing.push_str(", ");
                existing.push_str(&v);
            }
            _ => {
                m.insert(k.as_str().to_owned(), Value::String(v));
            }
        }
    }
    Value::Object(m)
}

fn body_value(bytes: &[u8]) -> Value {
    if bytes.is_empty() {
        return Value::Null;
    }
    serde_json::from_slice(bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(bytes).into_owned()))
}

/// Pretty JSON, cut after 60 lines.
fn pretty(v: &Value) -> String {
    let text = serde_json::to_string_pretty(v).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    if lines.len() <= 60 {
        return text;
    }
    format!(
        "{}\n… ({} more lines)",
        lines[..60].join("\n"),
        lines.len() - 60
    )
}

fn indent(text: &str, n: usize) -> String {
    let pad = " ".repeat(n);
    text.lines()
        .map(|l| format!("{pad}{l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn free_port() -> std::io::Result<u16> {
    let l = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(l.local_addr()?.port())
}
