//! A webhook delivery of fake Braze run to its end, with the workspace's
//! retries, and recorded on its send.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

use super::account::Braze;
use super::webhook::BrazeRetry;
use crate::outbound::{Delivery, Outcome, Outgoing};

pub(super) fn attempt_json(n: usize, outcome: &Outcome) -> Value {
    match outcome {
        Outcome::Answered(a) => json!({"attempt": n + 1, "status": a.status}),
        Outcome::TimedOut => json!({"attempt": n + 1, "error": "timed out"}),
        Outcome::Failed(why) => json!({"attempt": n + 1, "error": why}),
    }
}

/// Runs one delivery to its end and records how it went.
pub(super) async fn deliver(b: Arc<Braze>, id: String, request: Outgoing) -> Delivery {
    let s = &b.settings().webhooks;
    let policy = BrazeRetry::from_settings(s);
    let timeout = Duration::from_millis(s.timeout_ms);
    let delivery = b
        .ctx()
        .sender
        .deliver("braze", &id, timeout, &policy, |_| request.clone())
        .await;
    let mut store = b.store();
    if let Some(rec) = store.sends.iter_mut().find(|r| r.delivery == id) {
        rec.status = if delivery.delivered() {
            "delivered"
        } else {
            "failed"
        };
        rec.attempts = delivery
            .attempts
            .iter()
            .enumerate()
            .map(|(n, o)| attempt_json(n, o))
            .collect();
    }
    delivery
}
