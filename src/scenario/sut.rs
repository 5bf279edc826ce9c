//! The system under test (SUT): the integrator's service that a scenario starts
//! before its steps, waits for, and stops at the end.
//!
//! The program runs in its own process group (on Unix), so stopping it also stops
//! whatever it started (`cargo run` runs the real program as a child, shell
//! scripts start helpers). Its stdin is null; stdout and stderr are captured line
//! by line, in arrival order, into one buffer that keeps the last
//! [`OUTPUT_LIMIT`] bytes, for reports.
//!
//! Every wait is bounded: readiness by [`SutSpec::ready_timeout`], stopping by
//! [`SutSpec::stop_timeout`] (then SIGKILL) plus about a second and a half for
//! reaping and reading the last output. A [`Sut`] that is dropped without
//! [`Sut::stop`] kills its whole process group.

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::task::JoinHandle;

/// How many bytes of output a [`Sut`] keeps (the most recent ones).
pub const OUTPUT_LIMIT: usize = 64 * 1024;
/// The pause between two readiness probes.
const POLL_INTERVAL: Duration = Duration::from_millis(50);
/// The longest a single readiness probe may take.
const PROBE_TIMEOUT: Duration = Duration::from_secs(1);
/// How long to wait for the kernel to reap the program after SIGKILL.
const KILL_WAIT: Duration = Duration::from_secs(1);
/// How long to wait for the output pipes to close once the program is gone.
const DRAIN_WAIT: Duration = Duration::from_millis(500);

/// What to run, and how to tell that it is ready.
#[derive(Debug, Clone)]
pub struct SutSpec {
    /// The program: looked up in `PATH` unless it contains a `/`; a relative path
    /// with a `/` is relative to [`cwd`](Self::cwd) when that is set.
    pub command: String,
    /// Its arguments.
    pub args: Vec<String>,
    /// Its working directory (already resolved by the caller); `None`: ours.
    pub cwd: Option<PathBuf>,
    /// Variables added to the inherited environment.
    pub env: Vec<(String, String)>,
    /// When it is ready; `None`: as soon as it is spawned.
    pub ready: Option<Ready>,
    /// How long to wait for readiness.
    pub ready_timeout: Duration,
    /// The grace between SIGTERM and SIGKILL when stopping it.
    pub stop_timeout: Duration,
}

/// A readiness probe, tried about every 50 ms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ready {
    /// Ready when a `GET` of this URL answers 2xx.
    Http(String),
    /// Ready when a TCP connection to this `host:port` succeeds.
    Tcp(String),
}

impl std::fmt::Display for Ready {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Http(url) => write!(f, "a 2xx answer from GET {url}"),
            Self::Tcp(addr) => write!(f, "a TCP connection to {addr}"),
        }
    }
}

/// Why the system under test could not be started.
#[derive(Debug, thiserror::Error)]
pub enum SutError {
    /// The program could not be spawned.
    #[error("cannot start `{command}` in {}: {error}\n  hint: {hint}", cwd.display())]
    Spawn {
        /// The command as given.
        command: String,
        /// The working directory it was to run in.
        cwd: PathBuf,
        /// What the OS said.
        error: std::io::Error,
        /// What to check.
        hint: &'static str,
    },
    /// The program did not become ready: it exited, or the timeout passed (it
    /// was then stopped).
    #[error(
        "`{command}` {}: waited for {ready}; last probe: {last_error}\n{}",
        outcome(*exit, *timeout),
        output_block(output)
    )]
    NotReady {
        /// The command as given.
        command: String,
        /// What was awaited.
        ready: Ready,
        /// The readiness timeout.
        timeout: Duration,
        /// The last probe's error (boxed to keep the error small).
        last_error: Box<str>,
        /// `Some` if the program exited on its own before it was ready.
        exit: Option<ExitStatus>,
        /// Its captured output.
        output: String,
    },
}

fn outcome(exit: Option<ExitStatus>, timeout: Duration) -> String {
    match exit {
        Some(status) => format!("exited before it was ready ({status})"),
        None => format!("was not ready within {timeout:?} (it has been stopped)"),
    }
}

fn output_block(output: &str) -> String {
    if output.is_empty() {
        "  (no output)".to_owned()
    } else {
        format!("--- output ---\n{output}--- end of output ---")
    }
}

/// A running system under test.
#[derive(Debug)]
pub struct Sut {
    child: Child,
    /// The process group (the program's pid), on Unix.
    pid: Option<u32>,
    output: Arc<Mutex<Captured>>,
    readers: Vec<JoinHandle<()>>,
    stop_timeout: Duration,
    stopped: bool,
}

impl Sut {
    /// Spawns the program and waits until it is ready.
    ///
    /// Fails at once if the program exits before it is ready; on timeout it is
    /// stopped (as by [`Sut::stop`]) before the error is returned, so nothing is
    /// left running either way.
    pub async fn start(spec: &SutSpec) -> Result<Self, SutError> {
        let mut sut = Self::spawn(spec)?;
        let Some(ready) = &spec.ready else {
            return Ok(sut);
        };
        let (last_error, exit) = match sut.wait_ready(ready, spec.ready_timeout).await {
            Ok(()) => return Ok(sut),
            Err(failure) => failure,
        };
        let output = sut.stop().await;
        Err(SutError::NotReady {
            command: spec.command.clone(),
            ready: ready.clone(),
            timeout: spec.ready_timeout,
            last_error: last_error.into(),
            exit,
            output,
        })
    }

    fn spawn(spec: &SutSpec) -> Result<Self, SutError> {
        let program = match &spec.cwd {
            Some(cwd) if spec.command.contains('/') && Path::new(&spec.command).is_relative() => {
                cwd.join(&spec.command)
            }
            _ => PathBuf::from(&spec.command),
        };
        let mut cmd = Command::new(&program);
        cmd.args(&spec.args)
            .envs(spec.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(cwd) = &spec.cwd {
            cmd.current_dir(cwd);
        }
        #[cfg(unix)]
        cmd.process_group(0);
        let mut child = cmd.spawn().map_err(|error| spawn_error(spec, error))?;
        let output = Arc::new(Mutex::new(Captured::default()));
        let mut readers = Vec::new();
        if let Some(pipe) = child.stdout.take() {
            readers.push(tokio::spawn(capture(pipe, output.clone())));
        }
        if let Some(pipe) = child.stderr.take() {
            readers.push(tokio::spawn(capture(pipe, output.clone())));
        }
        Ok(Self {
            pid: child.id(),
            child,
            output,
            readers,
            stop_timeout: spec.stop_timeout,
            stopped: false,
        })
    }

    /// Probes until ready; on failure, the last probe error and the exit status
    /// if the program exited.
    async fn wait_ready(
        &mut self,
        ready: &Ready,
        timeout: Duration,
    ) -> Result<(), (String, Option<ExitStatus>)> {
        let deadline = Instant::now() + timeout;
        let client = reqwest::Client::builder()
            .no_proxy()
            .build()
            .map_err(|e| (error_chain(&e), None))?;
        let mut last_error = "none yet".to_owned();
        loop {
            if let Some(status) = self.try_exit_status() {
                return Err((last_error, Some(status)));
            }
            let left = deadline.saturating_duration_since(Instant::now());
            let probe_time = PROBE_TIMEOUT.min(left).max(Duration::from_millis(10));
            match tokio::time::timeout(probe_time, probe(&client, ready)).await {
                Ok(Ok(())) => return Ok(()),
                Ok(Err(e)) => last_error = e.to_string(),
                Err(_) => last_error = format!("no answer within {probe_time:?}"),
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err((last_error, self.try_exit_status()));
            }
            tokio::time::sleep(POLL_INTERVAL.min(left)).await;
        }
    }

    /// The program's process id (on Unix also its process group's id).
    pub fn id(&self) -> Option<u32> {
        self.pid
    }

    /// The captured stdout and stderr so far, lines in arrival order (the last
    /// [`OUTPUT_LIMIT`] bytes, after a note of how much was dropped, if any).
    pub fn output(&self) -> String {
        self.output
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .text()
    }

    /// `Some` if the program has exited already (on its own: a crash, or a
    /// program that does not stay up). Its last lines may not be in
    /// [`Sut::output`] yet: [`Sut::stop`] waits for them.
    pub fn try_exit_status(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// Stops the program: SIGTERM to its process group, up to
    /// [`SutSpec::stop_timeout`] for it to exit, then SIGKILL to the group (which
    /// also ends anything it left behind); reaps it and returns all its output.
    ///
    /// Returns within the stop timeout plus about 1.5 s, whatever the program does.
    pub async fn stop(mut self) -> String {
        self.terminate();
        let _ = tokio::time::timeout(self.stop_timeout, self.child.wait()).await;
        self.kill();
        let _ = tokio::time::timeout(KILL_WAIT, self.child.wait()).await;
        self.stopped = true;
        let readers = std::mem::take(&mut self.readers);
        let _ = tokio::time::timeout(DRAIN_WAIT, async {
            for reader in readers {
                let _ = reader.await;
            }
        })
        .await;
        self.output()
    }

    /// Asks the whole process group to stop.
    fn terminate(&mut self) {
        #[cfg(unix)]
        self.signal_group(nix::sys::signal::Signal::SIGTERM);
        #[cfg(not(unix))]
        let _ = self.child.start_kill();
    }

    /// Kills the whole process group.
    fn kill(&mut self) {
        #[cfg(unix)]
        self.signal_group(nix::sys::signal::Signal::SIGKILL);
        let _ = self.child.start_kill();
    }

    #[cfg(unix)]
    fn signal_group(&self, signal: nix::sys::signal::Signal) {
        if let Some(pgid) = self.pid.and_then(|pid| i32::try_from(pid).ok()) {
            // ESRCH (nobody left in the group) is the normal end.
            let _ = nix::sys::signal::killpg(nix::unistd::Pid::from_raw(pgid), signal);
        }
    }
}

impl Drop for Sut {
    /// Unless [`Sut::stop`] ran: SIGKILL to the whole process group, so nothing
    /// outlives the run. Tokio reaps the program in the background.
    fn drop(&mut self) {
        if !self.stopped {
            self.kill();
        }
        for reader in &self.readers {
            reader.abort();
        }
    }
}

fn spawn_error(spec: &SutSpec, error: std::io::Error) -> SutError {
    let cwd = spec
        .cwd
        .clone()
        .or_else(|| std::env::current_dir().ok())
        .unwrap_or_default();
    let hint = if spec.cwd.as_ref().is_some_and(|d| !d.is_dir()) {
        "the working directory does not exist"
    } else {
        match error.kind() {
            std::io::ErrorKind::NotFound if spec.command.contains('/') => {
                "check the path (relative to the working directory) and that the program is built"
            }
            std::io::ErrorKind::NotFound => {
                "check that the program is installed and on PATH, or give its path (with a `/`)"
            }
            std::io::ErrorKind::PermissionDenied => "check that the file is an executable program",
            _ => "check the command, PATH and that the program is built",
        }
    };
    SutError::Spawn {
        command: spec.command.clone(),
        cwd,
        error,
        hint,
    }
}

/// One readiness probe.
/// Why one readiness probe failed.
#[derive(Debug, thiserror::Error)]
enum NotReady {
    /// The HTTP request got no answer (the error and its causes).
    #[error("{0}")]
    Unreachable(String),
    /// The HTTP answer was not 2xx.
    #[error("answered {0}")]
    Status(reqwest::StatusCode),
    /// The TCP connection failed.
    #[error("{0}")]
    Refused(#[from] std::io::Error),
}

async fn probe(client: &reqwest::Client, ready: &Ready) -> Result<(), NotReady> {
    match ready {
        Ready::Http(url) => {
            let response = client
                .get(url)
                .send()
                .await
                .map_err(|e| NotReady::Unreachable(error_chain(&e)))?;
            if response.status().is_success() {
                Ok(())
            } else {
                Err(NotReady::Status(response.status()))
            }
        }
        Ready::Tcp(addr) => Ok(tokio::net::TcpStream::connect(addr.as_str())
            .await
            .map(drop)?),
    }
}

/// An error and its causes on one line (reqwest's own message omits the cause,
/// such as "Connection refused").
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let _ = write!(text, ": {cause}");
        source = cause.source();
    }
    text
}

/// Copies a pipe into the shared buffer, line by line, until end of file.
async fn capture(pipe: impl AsyncRead + Unpin, output: Arc<Mutex<Captured>>) {
    let mut reader = BufReader::new(pipe);
    let mut line = Vec::new();
    loop {
        line.clear();
        // A line longer than the buffer is cut into pieces rather than held whole.
        let limit = (OUTPUT_LIMIT / 2) as u64;
        match (&mut reader).take(limit).read_until(b'\n', &mut line).await {
            Ok(0) | Err(_) => break,
            Ok(_) => output
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(&String::from_utf8_lossy(&line)),
        }
    }
}

/// The last [`OUTPUT_LIMIT`] bytes of output, as whole lines.
#[derive(Debug, Default)]
struct Captured {
    lines: VecDeque<String>,
    bytes: usize,
    dropped: usize,
}

impl Captured {
    fn push(&mut self, line: &str) {
        let mut line = line.to_owned();
        if !line.ends_with('\n') {
            line.push('\n');
        }
        self.bytes += line.len();
        self.lines.push_back(line);
        while self.bytes > OUTPUT_LIMIT && self.lines.len() > 1 {
            if let Some(old) = self.lines.pop_front() {
                self.bytes -= old.len();
                self.dropped += old.len();
            }
        }
    }

    fn text(&self) -> String {
        let mut text = String::with_capacity(self.bytes + 64);
        if self.dropped > 0 {
            let _ = writeln!(text, "[{} earlier bytes of output dropped]", self.dropped);
        }
        text.extend(self.lines.iter().map(String::as_str));
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_last_lines_within_the_limit() {
        let mut c = Captured::default();
        let line = format!("{}\n", "x".repeat(1023));
        for _ in 0..100 {
            c.push(&line);
        }
        c.push("last");
        let text = c.text();
        assert!(text.starts_with("[") && text.contains("earlier bytes of output dropped]\n"));
        assert!(text.ends_with("x\nlast\n"));
        assert!(c.bytes <= OUTPUT_LIMIT);
    }
}
