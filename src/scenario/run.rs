//! Running one scenario, the adapter around the step engine: fresh fakes on
//! OS-chosen ports, the SUT, each step planned by [`super::engine`] and performed by
//! [`super::perform`], the snapshot, and the cleanup that always happens (even on
//! failure or interrupt).

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::sync::watch;

use super::engine::{Engine, Plan, StepError};
use super::fakes;
use super::interp::Scope;
use super::launch;
use super::load::Loaded;
use super::model::{SnapshotKind, Step, SutPort};
use super::perform::Fakes;
use super::report::{Outcome, ScenarioReport, StepReport, StepStatus};
use super::sut::Sut;
use crate::clock::ManualClock;
use crate::server::Running;

pub use super::engine::DEFAULT_WITHIN;
pub use super::launch::{DEFAULT_READY_TIMEOUT, DEFAULT_STOP_TIMEOUT};

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

/// The longest wait for deliveries in progress before the traffic snapshot.
const SETTLE: Duration = Duration::from_secs(1);

/// Why a step stopped short of passing.
#[derive(Debug)]
enum Halt {
    /// The step failed.
    Failed(StepError),
    /// The run was interrupted (Ctrl-C) during the step.
    Interrupted,
}

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
    let Some((sut_port, mut scope)) = sut_scope(loaded, &mut report) else {
        return report;
    };
    let clock = Arc::new(ManualClock::new(start_minute()));
    let running = match fakes::start(
        loaded,
        &opts.trust,
        opts.control_port,
        &mut scope,
        clock.clone(),
    )
    .await
    {
        Ok(r) => r,
        Err(e) => {
            report.outcome = Outcome::Error(e.to_string());
            report.duration = started.elapsed();
            return report;
        }
    };
    let mut engine = Engine::new(scope);
    engine.bind("fakedesk", fakes::scope_of(&running));
    exercise(
        loaded,
        opts,
        &running,
        clock,
        &mut engine,
        sut_port,
        cancel,
        &mut report,
    )
    .await;
    if let Some(dir) = &opts.har
        && let Err(e) = fakes::write_har(dir, loaded, &running)
        && report.outcome == Outcome::Passed
    {
        report.outcome = Outcome::Error(e.to_string());
    }
    // The scenario is over: nothing in flight matters any more.
    running.shutdown_within(Duration::ZERO).await;
    report.duration = started.elapsed();
    report
}

/// The SUT's port, and a scope with `sut` bound when there is a SUT; `None` (with
/// the report's outcome set) when no port could be found.
fn sut_scope(loaded: &Loaded, report: &mut ScenarioReport) -> Option<(Option<u16>, Scope)> {
    let sut_port = match sut_port(loaded) {
        Ok(p) => p,
        Err(e) => {
            report.outcome = Outcome::Error(format!("cannot find a free port for the SUT: {e}"));
            return None;
        }
    };
    let mut scope = Scope::new();
    if loaded.scenario.sut.is_some() {
        scope.set(
            "sut",
            match sut_port {
                Some(p) => json!({"port": p, "url": format!("http://127.0.0.1:{p}")}),
                None => json!({}),
            },
        );
    }
    Some((sut_port, scope))
}

/// The fakes' clock starts at the current minute and moves one second per step, so
/// timestamps, the signatures over them and rate-limit windows repeat from run to run.
fn start_minute() -> time::OffsetDateTime {
    let now = time::OffsetDateTime::now_utc();
    now.replace_second(0)
        .and_then(|t| t.replace_nanosecond(0))
        .unwrap_or(now)
}

/// The SUT's port: as written, or a free one for `port: auto`.
fn sut_port(loaded: &Loaded) -> std::io::Result<Option<u16>> {
    Ok(match loaded.scenario.sut.as_ref().and_then(|s| s.port) {
        Some(SutPort::Fixed(p)) => Some(p),
        Some(SutPort::Auto(_)) => {
            let l = std::net::TcpListener::bind("127.0.0.1:0")?;
            Some(l.local_addr()?.port())
        }
        None => None,
    })
}

/// The SUT, the steps and the snapshot, against running fakes.
#[allow(clippy::too_many_arguments)]
async fn exercise(
    loaded: &Loaded,
    opts: &RunOptions,
    running: &Running,
    clock: Arc<ManualClock>,
    engine: &mut Engine,
    sut_port: Option<u16>,
    cancel: watch::Receiver<bool>,
    report: &mut ScenarioReport,
) {
    let fakes = Fakes {
        running,
        harness: running.harness.clone(),
        control: crate::server::control::router(running.harness.clone()),
        clock,
        client: reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap_or_default(),
        dir: loaded
            .path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf(),
    };
    let mut sut = None;
    if let Some(section) = &loaded.scenario.sut {
        match start_sut_on_free_port(loaded, section, engine, &fakes, sut_port, &cancel).await {
            Ok(s) => sut = Some(s),
            Err(outcome) => report.outcome = outcome,
        }
    }
    if report.outcome == Outcome::Passed {
        steps(loaded, &fakes, engine, &cancel, report, &mut sut).await;
    }
    if report.outcome == Outcome::Passed && loaded.scenario.snapshot == Some(SnapshotKind::Traffic)
    {
        // A delivery whose receiver (often another fake) has answered is journaled
        // a moment after the answer: let those in progress finish first.
        let in_flight = running.harness.in_flight().clone();
        let _ = tokio::time::timeout(SETTLE, in_flight.idle()).await;
        let sut_url = match engine.scope().lookup("sut.url") {
            Ok(Value::String(u)) => Some(u),
            _ => None,
        };
        if let Err(e) = fakes::check_snapshot(loaded, running, sut_url, opts.update_snapshots) {
            report.outcome = Outcome::Failed(e.to_string());
        }
    }
    if let Some(s) = sut {
        report.sut_output = s.stop().await;
    }
}

/// How many times a SUT on a `port: auto` port is started on a new port when
/// another process took that port between the pick and the SUT's bind.
const PORT_RETRIES: usize = 3;

/// Starts the SUT; with `port: auto`, a start that failed because the port was
/// taken meanwhile (the SUT's output says "already in use") is tried again on a
/// new free port, with `sut.port` and `sut.url` bound anew.
async fn start_sut_on_free_port(
    loaded: &Loaded,
    section: &super::model::Sut,
    engine: &mut Engine,
    fakes: &Fakes<'_>,
    mut port: Option<u16>,
    cancel: &watch::Receiver<bool>,
) -> Result<Sut, Outcome> {
    let auto = matches!(section.port, Some(SutPort::Auto(_)));
    let mut tries = 0;
    loop {
        match start_sut(section, engine, fakes, port, cancel.clone()).await {
            Err(Outcome::Failed(why))
                if auto && tries < PORT_RETRIES && why.contains("already in use") =>
            {
                tries += 1;
                port = sut_port(loaded).map_err(|e| {
                    Outcome::Error(format!("cannot find a free port for the SUT: {e}"))
                })?;
                if let Some(p) = port {
                    engine.bind(
                        "sut",
                        json!({"port": p, "url": format!("http://127.0.0.1:{p}")}),
                    );
                }
            }
            other => return other,
        }
    }
}

async fn start_sut(
    section: &super::model::Sut,
    engine: &Engine,
    fakes: &Fakes<'_>,
    port: Option<u16>,
    cancel: watch::Receiver<bool>,
) -> Result<Sut, Outcome> {
    let env: Vec<(String, String)> = fakes
        .harness
        .env_lines()
        .iter()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    let spec = launch::spec(section, engine.scope(), &fakes.dir, port, env)
        .map_err(|e| Outcome::Error(format!("sut: {e}")))?;
    launch::start(&spec, cancel).await
}

/// Runs the steps in order; after the first failure the rest are skipped.
async fn steps(
    loaded: &Loaded,
    fakes: &Fakes<'_>,
    engine: &mut Engine,
    cancel: &watch::Receiver<bool>,
    report: &mut ScenarioReport,
    sut: &mut Option<Sut>,
) {
    for (i, step) in loaded.scenario.steps.iter().enumerate() {
        let index = i + 1;
        if report.outcome != Outcome::Passed {
            report.steps.push(StepReport {
                index,
                label: engine.label(step),
                status: StepStatus::Skipped,
                duration: Duration::ZERO,
            });
            continue;
        }
        if index > 1 {
            fakes.advance(Duration::from_secs(1));
        }
        let started = Instant::now();
        let label = engine.label(step);
        let mut cancel = cancel.clone();
        let result = tokio::select! {
            r = one_step(fakes, engine, step) => r.map_err(Halt::Failed),
            _ = cancel.wait_for(|c| *c) => Err(Halt::Interrupted),
        };
        let status = match result {
            Ok(()) => StepStatus::Passed,
            Err(halt) => {
                let (outcome, message) = judged(halt, index, &label, sut);
                report.outcome = outcome;
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

/// Plans one step, then performs its action or watches until it is decided.
async fn one_step(fakes: &Fakes<'_>, engine: &mut Engine, step: &Step) -> Result<(), StepError> {
    match engine.plan(step, Instant::now())? {
        Plan::Perform(action) => {
            let done = fakes.perform(&action).await?;
            engine.settle(step, &action, done)
        }
        Plan::Watch(w) => fakes.watch(engine, &w).await,
    }
}

/// The scenario's outcome and the step's message after it stopped short; a SUT that
/// has exited by then is named, as it is the likely cause.
fn judged(halt: Halt, index: usize, label: &str, sut: &mut Option<Sut>) -> (Outcome, String) {
    let exited = sut
        .as_mut()
        .and_then(Sut::try_exit_status)
        .map(|status| format!("\nthe SUT is no longer running: it exited with {status}"))
        .unwrap_or_default();
    match halt {
        Halt::Interrupted => (
            Outcome::Error("interrupted".to_owned()),
            format!("interrupted{exited}"),
        ),
        Halt::Failed(e) => {
            let message = format!("{e}{exited}");
            let outcome = Outcome::Failed(format!("step {index} ({label}) failed:\n{message}"));
            (outcome, message)
        }
    }
}
