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
    /// A one-line label, e.g. `call zendesk POST /api/v2/tickets.json → 201`.
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
