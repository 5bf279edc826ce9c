//! Outbound delivery chaos: what a fault does to a fake's delivery.
//!
//! The outbound sender asks [`Faults::choose_outbound`] once per delivery, with the
//! delivery's first attempt, and then follows the chosen action:
//!
//! - `delay`: the first attempt waits `ms`.
//! - `reorder`: the delivery is held until another delivery's first attempt has
//!   been sent (or `ms` passes), so the receiver sees the later one first.
//! - `drop`: the first `attempts` attempts are not sent and count as timeouts, so
//!   the vendor's own retry schedule runs.
//! - `duplicate`: once the delivery is over, it is sent once more as the vendor
//!   builds a redelivery (same event ids; the signature as the vendor signs a retry).
//!
//! Every attempt a fault touched is journaled with `fault: {id, action}`.

use super::{Action, Chosen, Faults};

impl Faults {
    /// Notes that a delivery's first attempt went out: a held (`reorder`) delivery
    /// may follow it now.
    pub fn first_attempt_sent(&self) {
        self.sent.send_modify(|n| *n = n.wrapping_add(1));
    }
}

/// Waits as the chosen action says before a delivery's first attempt.
pub async fn before_first(faults: &Faults, chosen: &Chosen) {
    match chosen.action {
        Action::Delay(d) => tokio::time::sleep(d).await,
        Action::Reorder(hold) => {
            let mut seen = faults.sent.subscribe();
            let start = *seen.borrow_and_update();
            let _ = tokio::time::timeout(hold, seen.wait_for(|n| *n != start)).await;
        }
        _ => {}
    }
}

/// True when attempt `attempt` (from 1) is dropped: not sent, counted a timeout.
pub fn dropped(chosen: Option<&Chosen>, attempt: u32) -> bool {
    matches!(chosen.map(|c| &c.action), Some(Action::Drop(n)) if attempt <= *n)
}

/// True when the delivery is sent once more at its end.
pub fn duplicated(chosen: Option<&Chosen>) -> bool {
    matches!(chosen.map(|c| &c.action), Some(Action::Duplicate))
}

/// Whether attempt `attempt` is journaled with the fault: the attempts it dropped,
/// or the first for `delay` and `reorder`.
pub fn marks(chosen: &Chosen, attempt: u32) -> bool {
    match chosen.action {
        Action::Drop(n) => attempt <= n,
        Action::Delay(_) | Action::Reorder(_) => attempt == 1,
        _ => false,
    }
}

/// What a dropped attempt journals as its error.
pub const DROPPED: &str = "timed out (dropped by a fault)";
