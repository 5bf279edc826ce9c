//! What a scenario run produced: per-step outcomes, for the console and JUnit.

use std::path::PathBuf;
use std::time::Duration;

/// How one step ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepStatus {
    /// The step did what it said.
    Passed,
    /// The step's check failed; the message explains what differed.
    Failed(String),
    /// Not run because an earlier step failed.
    Skipped,
}

/// One step's outcome.
#[derive(Debug, Clone)]
pub struct StepReport {
    /// 1-based position in the scenario.
    pub index: usize,
    /// A one-line label, e.g. `call acme POST /items → 201`.
    pub label: String,
    /// Pass, fail or skipped.
    pub status: StepStatus,
    /// Time spent in the step.
    pub duration: Duration,
}

/// How a whole scenario ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Every step passed (and the snapshot, if any, matched).
    Passed,
    /// A step or the snapshot failed; the message is the first failure.
    Failed(String),
    /// The scenario could not be run at all (e.g. the SUT command does not exist).
    Error(String),
}

/// One scenario's result.
#[derive(Debug, Clone)]
pub struct ScenarioReport {
    /// The scenario file.
    pub file: PathBuf,
    /// The scenario's name (its `name:` or the file stem).
    pub name: String,
    /// Every step, in order.
    pub steps: Vec<StepReport>,
    /// How it ended.
    pub outcome: Outcome,
    /// Wall-clock time of the whole scenario, SUT start and stop included.
    pub duration: Duration,
    /// The SUT's captured stdout and stderr (empty without a SUT).
    pub sut_output: String,
}

impl ScenarioReport {
    /// Whether the scenario passed.
    pub fn passed(&self) -> bool {
        self.outcome == Outcome::Passed
    }
}

/// Paints text for a terminal when colour is on.
#[derive(Debug, Clone, Copy)]
pub struct Paint(pub bool);

impl Paint {
    fn wrap(self, code: &str, text: &str) -> String {
        if self.0 {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }
    /// Green.
    pub fn pass(self, text: &str) -> String {
        self.wrap("32", text)
    }
    /// Red.
    pub fn fail(self, text: &str) -> String {
        self.wrap("31", text)
    }
    /// Dim.
    pub fn dim(self, text: &str) -> String {
        self.wrap("2", text)
    }
}

fn indent(text: &str, pad: &str) -> String {
    text.lines()
        .map(|l| format!("{pad}{l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The console block of one scenario: a header, each step with its time, and on
/// failure the explanation and the SUT's output.
pub fn render(r: &ScenarioReport, paint: Paint) -> String {
    let verdict = match &r.outcome {
        Outcome::Passed => paint.pass("PASS"),
        Outcome::Failed(_) => paint.fail("FAIL"),
        Outcome::Error(_) => paint.fail("ERROR"),
    };
    let mut out = format!(
        "{verdict} {} {}\n",
        r.name,
        paint.dim(&format!(
            "({}, {} ms)",
            r.file.display(),
            r.duration.as_millis()
        ))
    );
    for s in &r.steps {
        let (mark, detail) = match &s.status {
            StepStatus::Passed => (paint.pass("✓"), None),
            StepStatus::Failed(m) => (paint.fail("✗"), Some(m)),
            StepStatus::Skipped => (paint.dim("-"), None),
        };
        let time = if s.status == StepStatus::Skipped {
            paint.dim("skipped")
        } else {
            paint.dim(&format!("{} ms", s.duration.as_millis()))
        };
        out.push_str(&format!("  {mark} {:>2}. {}  {time}\n", s.index, s.label));
        if let Some(m) = detail {
            out.push_str(&indent(m, "        "));
            out.push('\n');
        }
    }
    let step_failed = r
        .steps
        .iter()
        .any(|s| matches!(s.status, StepStatus::Failed(_)));
    match &r.outcome {
        Outcome::Passed => {}
        Outcome::Failed(m) | Outcome::Error(m) if !step_failed => {
            out.push_str(&indent(m, "    "));
            out.push('\n');
        }
        _ => {}
    }
    if !r.passed() && !r.sut_output.trim().is_empty() {
        out.push_str("    SUT output:\n");
        out.push_str(&indent(r.sut_output.trim_end(), "    | "));
        out.push('\n');
    }
    out
}
