//! The one-line label of a step in reports.

use super::call::method;
use crate::scenario::interp::Scope;
use crate::scenario::model::{DirectionName, ExpectStep, FaultSpec, Step};

/// A one-line description of a step, interpolated as far as possible.
pub(super) fn label(step: &Step, scope: &Scope) -> String {
    let text = |s: &str| scope.text(s).unwrap_or_else(|_| s.to_owned());
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
        Step::Call(s) => format!("call {} {} {}", s.call.0, method(s), text(&s.path)),
        Step::Send(s) => format!("send {}", s.send.0),
        Step::Deliver(s) => format!("deliver {} to {}", s.deliver.0, text(&s.to)),
        Step::Expect(s) => expect_label(s, &text),
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

fn expect_label(s: &ExpectStep, text: &dyn Fn(&str) -> String) -> String {
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
