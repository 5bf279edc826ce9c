//! Sending one webhook invocation: asked of the webhook's throttle and circuit
//! breaker first,
//! then delivered under Zendesk's retry rules with every attempt written to the
//! invocation log (and, by the outbound sender, to the journal under the same
//! invocation id and attempt number).

use std::sync::Arc;
use std::time::Duration;

use super::breaker::BreakerSettings;
use super::invocations::Hooks;
use super::webhook::{self, ZendeskRetry};
use super::{REGISTRATION, Zendesk};
use crate::clock::Clock;
use crate::outbound::{Outcome, RetryPolicy};

/// Zendesk's retry rules, watched: each ended attempt is logged and counted by the
/// breaker, and a tripped breaker ends the invocation.
struct Watched {
    inner: ZendeskRetry,
    hooks: Arc<Hooks>,
    webhook: String,
    invocation: String,
    clock: Arc<dyn Clock>,
    breaker: BreakerSettings,
}

impl RetryPolicy for Watched {
    fn next_delay(&self, attempt: u32, outcome: &Outcome) -> Option<Duration> {
        let delay = self.inner.next_delay(attempt, outcome);
        let go = self.hooks.finished(
            &self.webhook,
            &self.invocation,
            outcome,
            delay.is_some(),
            self.clock.now(),
            &self.breaker,
        );
        delay.filter(|_| go)
    }
}

/// Sends `invocation` in the background, unless the webhook's breaker holds it back
/// (then it is only logged, `circuit broken`).
pub fn spawn(z: &Zendesk, invocation: webhook::Invocation) {
    let clock = z.ctx.clock.clone();
    let settings = &z.settings.webhooks;
    let hooks = z.hooks.clone();
    let webhook_id = invocation.webhook.id.clone();
    let id = invocation.invocation_id.clone();
    // The first attempt is signed with the time the invocation was made, each retry
    // with the time it is sent.
    let fired = clock.now();
    let limits = (&settings.circuit_breaker, settings.invocations_per_minute);
    if !hooks.begin(&webhook_id, &id, fired, limits) {
        return;
    }
    let policy = Watched {
        inner: ZendeskRetry {
            base_delay: Duration::from_millis(settings.retry_base_delay_ms),
        },
        hooks: hooks.clone(),
        webhook: webhook_id.clone(),
        invocation: id.clone(),
        clock: clock.clone(),
        breaker: settings.circuit_breaker.clone(),
    };
    let timeout = Duration::from_millis(settings.timeout_ms);
    let sender = z.ctx.sender.clone();
    tokio::spawn(async move {
        sender
            .deliver(REGISTRATION.name, &id, timeout, &policy, |attempt| {
                let req = invocation.request(if attempt == 1 { fired } else { clock.now() });
                hooks.sending(&webhook_id, &id, &req);
                req
            })
            .await
    });
}
