//! The step engine: pure. Given a step, the scope of names filled in so far, what
//! the journal and a vendor's state show, and the time, it says what to do next or
//! how the step ended. It opens no socket, reads no file and never waits; the
//! adapter in [`super::run`] performs what it asks for and hands back what came of it.
//!
//! A step is one of two shapes:
//! - an [`Action`] ([`Plan::Perform`]): a call, a vendor action, a delivery, a fault
//!   rule, a wait or a clock move. The adapter performs it and passes what came back
//!   ([`Done`]) to [`Engine::settle`], which judges it and captures `as:` names.
//! - a [`Watch`] ([`Plan::Watch`]): an `expect` on the journal or an `assert` on a
//!   vendor's state. The adapter shows [`Engine::look`] the journal or the state each
//!   time the journal changes, until it answers [`Look::Passed`] or
//!   [`Look::Failed`]; the engine fails the step once the deadline has passed.

mod call;
mod deliver;
mod error;
pub mod explain;
mod label;
mod watch;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;

pub use self::call::{ActionCall, HttpCall, Reply};
pub use self::deliver::Delivery;
pub use self::error::{Cause, DeliverError, StepError};
pub use self::watch::{DEFAULT_WITHIN, Watch};
use super::interp::Scope;
use super::model::{FaultSpec, Step};
use crate::journal::Entry;

/// What the adapter is asked to do for a step.
#[derive(Debug)]
pub enum Plan {
    /// Perform this, then hand what came of it to [`Engine::settle`].
    Perform(Action),
    /// Show [`Engine::look`] the journal or the state until it decides.
    Watch(Watch),
}

/// Something with an effect outside the engine.
#[derive(Debug)]
pub enum Action {
    /// An HTTP call to a fake.
    Call(HttpCall),
    /// A vendor's scenario action, run in process.
    Send(ActionCall),
    /// A payload sent to a receiver the way the vendor sends it.
    Deliver(Box<Delivery>),
    /// Let this much real time pass.
    Sleep(Duration),
    /// Move the fakes' clock forward and run what fell due.
    Advance(Duration),
    /// Add this fault rule (already filled in).
    AddFault(Box<crate::fault::FaultRule>),
    /// Remove the fault rules of this name (`*`: every rule).
    ClearFaults(String),
}

/// What came of an [`Action`].
#[derive(Debug)]
pub enum Done {
    /// It happened; there is nothing to judge.
    Nothing,
    /// The reply to a call or an action.
    Reply(Reply),
    /// The last attempt of a delivery.
    Delivered(crate::outbound::Outcome),
    /// How many fault rules were removed.
    Removed(usize),
}

/// What a [`Watch`] sees at one moment.
#[derive(Debug, Clone, Copy)]
pub enum View<'a> {
    /// The journal's entries, oldest first.
    Journal(&'a [Arc<Entry>]),
    /// The vendor's state, as `GET /state/<vendor>` shows it.
    State(&'a Value),
}

/// Where a watch stands.
#[derive(Debug)]
pub enum Look {
    /// The step passed.
    Passed,
    /// Not yet: look again when the journal changes, or at the deadline.
    Waiting,
    /// The step failed.
    Failed(StepError),
}

/// One scenario's steps: the names captured so far and the exchanges already matched.
#[derive(Debug, Default)]
pub struct Engine {
    scope: Scope,
    /// Sequence numbers of exchanges an `expect` has matched: each matches once.
    consumed: HashSet<u64>,
}

impl Engine {
    /// An engine whose steps see the names of `scope`.
    pub fn new(scope: Scope) -> Self {
        Self {
            scope,
            consumed: HashSet::new(),
        }
    }

    /// The names bound so far.
    pub fn scope(&self) -> &Scope {
        &self.scope
    }

    /// Binds a name for the steps to come.
    pub fn bind(&mut self, name: &str, value: Value) {
        self.scope.set(name, value);
    }

    /// What to do for `step`, starting at `now`.
    pub fn plan(&self, step: &Step, now: Instant) -> Result<Plan, StepError> {
        let act = |a| Ok(Plan::Perform(a));
        match step {
            Step::Call(s) => act(Action::Call(call::plan(s, &self.scope)?)),
            Step::Send(s) => act(Action::Send(call::plan_send(s, &self.scope)?)),
            Step::Deliver(s) => act(Action::Deliver(Box::new(deliver::plan(s, &self.scope)?))),
            Step::Expect(s) => Ok(Plan::Watch(watch::expect(s, &self.scope, now)?)),
            Step::Assert(s) => Ok(Plan::Watch(watch::assert(s, &self.scope, now)?)),
            Step::Wait(s) => act(Action::Sleep(s.wait.0)),
            Step::Advance(s) => act(Action::Advance(s.advance.0)),
            Step::Fault(s) => act(self.fault(&s.fault)?),
        }
    }

    /// The fault rule with its `${...}` filled in, or the rules to clear.
    fn fault(&self, spec: &FaultSpec) -> Result<Action, StepError> {
        match spec {
            FaultSpec::Clear(c) => Ok(Action::ClearFaults(c.clear.clone())),
            FaultSpec::Rule(rule) => {
                let raw = serde_json::to_value(rule.as_ref())
                    .map_err(|e| StepError::BadRule(e.to_string()))?;
                let filled = self.scope.value(&raw)?;
                let rule = serde_json::from_value(filled)
                    .map_err(|e| StepError::BadRule(e.to_string()))?;
                Ok(Action::AddFault(Box::new(rule)))
            }
        }
    }

    /// Judges what came of `action`, planned for `step`, and binds its `as:` name.
    pub fn settle(&mut self, step: &Step, action: &Action, done: Done) -> Result<(), StepError> {
        match (step, action, done) {
            (Step::Call(s), _, Done::Reply(r)) => call::settle(s, r, &mut self.scope),
            (Step::Send(s), _, Done::Reply(r)) => call::settle_send(s, r, &mut self.scope),
            (_, Action::Deliver(d), Done::Delivered(outcome)) => d.judge(&outcome),
            (_, Action::ClearFaults(name), Done::Removed(0)) if name != "*" => {
                Err(StepError::NoSuchFault(name.clone()))
            }
            _ => Ok(()),
        }
    }

    /// Where `watch` stands given `view`, at `now`.
    pub fn look(&mut self, watch: &Watch, view: View<'_>, now: Instant) -> Look {
        watch.look(view, now, &mut self.scope, &mut self.consumed)
    }

    /// A one-line description of a step, interpolated as far as possible.
    pub fn label(&self, step: &Step) -> String {
        label::label(step, &self.scope)
    }
}

#[cfg(test)]
mod tests;
