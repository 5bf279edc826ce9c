//! Scenarios: YAML flows run against the fakes, with expectations, state asserts,
//! a managed system under test, traffic snapshots and CI reports.
//!
//! - [`load`]: file → checked [`model::Scenario`], or [`diag::Diagnostics`] with every
//!   problem (YAML positions from [`yaml`], schema checks from [`validate`]).
//! - [`run`]: one scenario against its own fresh fakes and journal.
//! - [`interp`], [`matching`] and [`expect`]: `${...}`, partial JSON matching and
//!   journal expectations with their closest-exchange diff, pure functions.
//! - [`sut`], [`snapshot`], [`junit`], [`report`]: the process, the traffic snapshot,
//!   and the reports.

pub mod diag;
pub mod engine;
pub mod fakes;
pub mod interp;
pub mod junit;
pub mod launch;
pub mod load;
pub mod model;
pub mod perform;
pub mod report;
pub mod run;
pub mod snapshot;
pub mod sut;
pub mod validate;
pub mod yaml;

pub use crate::matching;
pub use crate::matching::want as expect;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

use self::load::{LoadError, Loaded};
use self::report::{Outcome, Paint, ScenarioReport};
use self::run::RunOptions;

/// Exit code: every scenario passed.
pub const EXIT_PASSED: i32 = 0;
/// Exit code: a scenario failed.
pub const EXIT_FAILED: i32 = 1;
/// Exit code: scenarios could not be run (bad files, bad paths, interrupted).
pub const EXIT_ERROR: i32 = 2;

/// What `fakedesk run` was asked to do.
#[derive(Debug, Clone, Default)]
pub struct RunRequest {
    /// Scenario files and folders (searched for `*.yaml` and `*.yml`).
    pub paths: Vec<PathBuf>,
    /// Scenarios run at once (at least 1).
    pub jobs: usize,
    /// Where to write JUnit XML.
    pub junit: Option<PathBuf>,
    /// Accept the traffic of this run as the snapshots.
    pub update_snapshots: bool,
    /// What outbound https trusts.
    pub trust: crate::cli::TrustArgs,
    /// Write each scenario's traffic as HAR in this folder.
    pub har: Option<PathBuf>,
    /// The control API's port in every scenario (`None`: OS-chosen).
    pub control_port: Option<u16>,
}

/// Why no scenario files could be collected.
#[derive(Debug, thiserror::Error)]
pub enum CollectError {
    /// A folder could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Unreadable {
        /// The folder.
        path: PathBuf,
        /// What failed.
        source: std::io::Error,
    },
    /// A folder holds no scenario file.
    #[error("no scenario files (*.yaml, *.yml) in {}", .0.display())]
    Empty(PathBuf),
    /// A path is neither a file nor a folder.
    #[error("{}: no such file or folder", .0.display())]
    Missing(PathBuf),
    /// No paths were given.
    #[error("no scenario files given")]
    NoneGiven,
}

/// Every scenario file under `paths`, in a stable order.
pub fn collect(paths: &[PathBuf]) -> Result<Vec<PathBuf>, CollectError> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(&p, out)?;
            } else if matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")) {
                out.push(p);
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let before = out.len();
            walk(p, &mut out).map_err(|source| CollectError::Unreadable {
                path: p.clone(),
                source,
            })?;
            if out.len() == before {
                return Err(CollectError::Empty(p.clone()));
            }
        } else if p.is_file() {
            out.push(p.clone());
        } else {
            return Err(CollectError::Missing(p.clone()));
        }
    }
    if out.is_empty() {
        return Err(CollectError::NoneGiven);
    }
    Ok(out)
}

/// Loads every file; all problems of all files are returned together.
pub fn load_all(files: &[PathBuf]) -> Result<Vec<Loaded>, Vec<LoadError>> {
    let mut loaded = Vec::new();
    let mut errors = Vec::new();
    for f in files {
        match load::load(f) {
            Ok(l) => loaded.push(l),
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok(loaded)
    } else {
        Err(errors)
    }
}

/// `fakedesk run`: loads, runs (in parallel up to `jobs`), prints each scenario as it
/// ends, writes JUnit, and returns the exit code. `cancel` turning true (Ctrl-C)
/// stops every scenario; their SUTs are stopped before this returns.
pub async fn run_all(req: &RunRequest, cancel: watch::Receiver<bool>) -> i32 {
    let started = Instant::now();
    let paint = Paint(std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none());
    let Some(loaded) = collect_and_load(&req.paths) else {
        return EXIT_ERROR;
    };
    let opts = RunOptions {
        update_snapshots: req.update_snapshots,
        trust: req.trust.clone(),
        har: req.har.clone(),
        control_port: req.control_port,
    };
    let reports = run_each(loaded, &opts, req.jobs, cancel, paint).await;
    let mut code = summarize(&reports, paint, started);
    if let Some(path) = &req.junit {
        let xml = junit::render(&reports, started.elapsed());
        if let Err(e) = std::fs::write(path, xml) {
            eprintln!("error: cannot write {}: {e}", path.display());
            code = EXIT_ERROR;
        }
    }
    code
}

/// The scenarios under `paths`, or `None` once every problem has been printed.
fn collect_and_load(paths: &[PathBuf]) -> Option<Vec<Loaded>> {
    let files = match collect(paths) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return None;
        }
    };
    match load_all(&files) {
        Ok(l) => Some(l),
        Err(errors) => {
            for e in &errors {
                eprintln!("{e}\n");
            }
            eprintln!(
                "{} scenario file{} could not be read; nothing was run",
                errors.len(),
                if errors.len() == 1 { "" } else { "s" }
            );
            None
        }
    }
}

/// Runs every scenario, `jobs` at a time, printing each as it ends; the reports
/// come back in the order of `loaded`.
async fn run_each(
    loaded: Vec<Loaded>,
    opts: &RunOptions,
    jobs: usize,
    cancel: watch::Receiver<bool>,
    paint: Paint,
) -> Vec<ScenarioReport> {
    let permits = Arc::new(Semaphore::new(jobs.max(1)));
    let mut tasks = JoinSet::new();
    for (i, l) in loaded.into_iter().enumerate() {
        let permits = permits.clone();
        let opts = opts.clone();
        let cancel = cancel.clone();
        tasks.spawn(async move {
            let _permit = permits.acquire_owned().await;
            (i, run::run(&l, &opts, cancel).await)
        });
    }
    let mut reports: Vec<(usize, ScenarioReport)> = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok((i, r)) => {
                println!("{}", report::render(&r, paint));
                reports.push((i, r));
            }
            Err(e) => eprintln!("error: a scenario task failed: {e}"),
        }
    }
    reports.sort_by_key(|(i, _)| *i);
    reports.into_iter().map(|(_, r)| r).collect()
}

/// Prints the summary line and returns the exit code it stands for.
fn summarize(reports: &[ScenarioReport], paint: Paint, started: Instant) -> i32 {
    let passed = reports.iter().filter(|r| r.passed()).count();
    let failed = reports
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Failed(_)))
        .count();
    let errored = reports.len() - passed - failed;
    let mut summary = format!("{passed} passed, {failed} failed");
    if errored > 0 {
        summary.push_str(&format!(", {errored} could not run"));
    }
    println!(
        "{} ({} scenario{}) in {:.2}s",
        if failed + errored == 0 {
            paint.pass(&summary)
        } else {
            paint.fail(&summary)
        },
        reports.len(),
        if reports.len() == 1 { "" } else { "s" },
        started.elapsed().as_secs_f64()
    );
    if errored > 0 {
        EXIT_ERROR
    } else if failed > 0 {
        EXIT_FAILED
    } else {
        EXIT_PASSED
    }
}
