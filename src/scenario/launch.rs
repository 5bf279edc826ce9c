//! Starting a scenario's system under test: its `sut:` section filled in from the
//! scope, then the process started and awaited until ready, or until interrupted.

use std::path::Path;
use std::time::Duration;

use tokio::sync::watch;

use super::interp::{InterpError, Scope};
use super::model::Sut as SutSection;
use super::report::Outcome;
use super::sut::{Ready, Sut, SutError, SutSpec};

/// Default wait for the SUT to be ready.
pub const DEFAULT_READY_TIMEOUT: Duration = Duration::from_secs(30);
/// Default grace between SIGTERM and SIGKILL.
pub const DEFAULT_STOP_TIMEOUT: Duration = Duration::from_secs(5);

/// The process to start: the section's `${...}` filled in, relative paths from
/// `dir`, the fakes' variables (`env`) and `PORT` before the section's own `env`.
pub fn spec(
    section: &SutSection,
    scope: &Scope,
    dir: &Path,
    port: Option<u16>,
    mut env: Vec<(String, String)>,
) -> Result<SutSpec, InterpError> {
    let text = |s: &str| scope.text(s);
    let cwd = match &section.cwd {
        Some(c) => dir.join(text(c)?),
        None => dir.to_path_buf(),
    };
    let mut command = text(&section.command)?;
    if command.contains('/') && Path::new(&command).is_relative() {
        command = cwd.join(&command).to_string_lossy().into_owned();
    }
    if let Some(p) = port {
        env.push(("PORT".into(), p.to_string()));
    }
    for (k, v) in &section.env {
        env.push((k.clone(), text(v)?));
    }
    let ready = match section.ready.as_ref().map(|r| (&r.http, &r.tcp)) {
        Some((Some(u), _)) => Some(Ready::Http(text(u)?)),
        Some((None, Some(a))) => Some(Ready::Tcp(text(a)?)),
        _ => None,
    };
    Ok(SutSpec {
        command,
        args: section
            .args
            .iter()
            .map(|a| text(a))
            .collect::<Result<_, _>>()?,
        cwd: Some(cwd),
        env,
        ready,
        ready_timeout: section
            .ready
            .as_ref()
            .and_then(|r| r.timeout)
            .map_or(DEFAULT_READY_TIMEOUT, |d| d.0),
        stop_timeout: section.stop_timeout.map_or(DEFAULT_STOP_TIMEOUT, |d| d.0),
    })
}

/// Starts the SUT. A command that cannot be spawned (or an interrupt) means the
/// scenario could not run; a SUT that never gets ready is a failure.
pub async fn start(spec: &SutSpec, mut cancel: watch::Receiver<bool>) -> Result<Sut, Outcome> {
    tokio::select! {
        r = Sut::start(spec) => r.map_err(|e| match e {
            SutError::Spawn { .. } => Outcome::Error(e.to_string()),
            other => Outcome::Failed(other.to_string()),
        }),
        _ = cancel.wait_for(|c| *c) => Err(Outcome::Error("interrupted".into())),
    }
}
