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

/// Webhook delivery settings (Zendesk's exact values are UNVERIFIED, REFERENCE 1.12).
#[derive(Debug, Clone, serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct WebhookSettings {
    /// Per-attempt timeout (Zendesk: about 12 s).
    pub timeout_ms: u64,
    /// Delay before the first retry of a 409 or a timeout; doubles per retry.
    pub retry_base_delay_ms: u64,
    /// Each webhook's circuit breaker.
    pub circuit_breaker: BreakerSettings,
    /// Invocations of one webhook per minute of the clock beyond which the next
    /// are `throttled`, not sent (0: no limit; trial accounts: 60).
    pub invocations_per_minute: u32,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        Self {
            timeout_ms: 12_000,
            retry_base_delay_ms: 1_000,
            circuit_breaker: BreakerSettings::default(),
            invocations_per_minute: 0,
        }
    }
}

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
