//! `expect` and `assert`: what they watch, and when they have seen enough.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::explain::explain_assert;
use super::{Look, StepError, View};
use crate::journal::{Direction, Entry};
use crate::matching::partial;
use crate::matching::want::{Check, Want, capture, explain_unwanted};
use crate::scenario::interp::{InterpError, Scope};
use crate::scenario::model::{AssertStep, DirectionName, ExpectStep};

/// Default deadline of an `expect` step.
pub const DEFAULT_WITHIN: Duration = Duration::from_secs(5);

/// What a step waits for.
#[derive(Debug, Clone)]
pub enum Watch {
    /// Exchanges in the journal (`expect`).
    Journal {
        /// What they must look like.
        want: Want,
        /// How many (0: none may appear).
        count: usize,
        /// How long the step waits, for the explanation.
        within: Duration,
        /// When it gives up.
        deadline: Instant,
        /// The name the first match is captured under.
        capture: Option<String>,
    },
    /// A vendor's state (`assert`).
    State {
        /// The vendor.
        vendor: String,
        /// The partial pattern, filled in.
        pattern: Value,
        /// When it gives up.
        deadline: Instant,
    },
}

impl Watch {
    /// The deadline: the adapter looks again no later than this.
    pub fn deadline(&self) -> Instant {
        match self {
            Self::Journal { deadline, .. } | Self::State { deadline, .. } => *deadline,
        }
    }

    /// The vendor whose state a `State` watch needs.
    pub fn state_of(&self) -> Option<&str> {
        match self {
            Self::State { vendor, .. } => Some(vendor),
            Self::Journal { .. } => None,
        }
    }

    /// Where the watch stands given `view` at `now`; a match binds its `as:` name and
    /// marks its exchanges as taken.
    pub fn look(
        &self,
        view: View<'_>,
        now: Instant,
        scope: &mut Scope,
        consumed: &mut HashSet<u64>,
    ) -> Look {
        let late = now >= self.deadline();
        match (self, view) {
            (Self::Journal { .. }, View::Journal(entries)) => {
                self.look_journal(entries, late, scope, consumed)
            }
            (
                Self::State {
                    vendor, pattern, ..
                },
                View::State(state),
            ) => {
                let m = partial("", pattern, Some(state));
                if m.is_empty() {
                    Look::Passed
                } else if late {
                    Look::Failed(StepError::State(explain_assert(vendor, pattern, state, &m)))
                } else {
                    Look::Waiting
                }
            }
            // The adapter showed the wrong thing: look again with the right one.
            _ => Look::Waiting,
        }
    }

    fn look_journal(
        &self,
        entries: &[Arc<Entry>],
        late: bool,
        scope: &mut Scope,
        consumed: &mut HashSet<u64>,
    ) -> Look {
        let Self::Journal {
            want,
            count,
            within,
            capture: name,
            ..
        } = self
        else {
            return Look::Waiting;
        };
        let found = match want.check(entries, *count, |seq| consumed.contains(&seq)) {
            Check::Unwanted(matched) => {
                return Look::Failed(StepError::Expectation(explain_unwanted(&matched)));
            }
            Check::Matched(taken) => {
                consumed.extend(taken.iter().map(|e| e.seq));
                if let Some(name) = name {
                    scope.set(name, capture(&taken[0]));
                }
                return Look::Passed;
            }
            Check::Waiting(found) => found,
        };
        match (late, *count) {
            (false, _) => Look::Waiting,
            (true, 0) => Look::Passed,
            (true, _) => {
                let taken = |seq| consumed.contains(&seq);
                let why = want.explain(entries, *count, found, *within, taken);
                Look::Failed(StepError::Expectation(why))
            }
        }
    }
}

/// The watch of an `expect` step, interpolated once, starting at `now`.
pub(super) fn expect(s: &ExpectStep, scope: &Scope, now: Instant) -> Result<Watch, StepError> {
    let within = s.within.map_or(DEFAULT_WITHIN, |d| d.0);
    Ok(Watch::Journal {
        want: want_of(s, scope)?,
        count: s.count.unwrap_or(1) as usize,
        within,
        deadline: now + within,
        capture: s.capture.clone(),
    })
}

/// The watch of an `assert` step, starting at `now` (without `within`: look once).
pub(super) fn assert(s: &AssertStep, scope: &Scope, now: Instant) -> Result<Watch, StepError> {
    Ok(Watch::State {
        vendor: s.assert.0.clone(),
        pattern: scope.value(&s.pattern)?,
        deadline: now + s.within.map_or(Duration::ZERO, |d| d.0),
    })
}

fn want_of(s: &ExpectStep, scope: &Scope) -> Result<Want, InterpError> {
    let map = |m: &BTreeMap<String, String>| -> Result<BTreeMap<String, String>, InterpError> {
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
