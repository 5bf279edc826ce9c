//! What follows a committed change: the triggers run over it and the webhooks
//! they notify are called in the background, as are event-subscription webhooks;
//! and the default automation that closes solved tickets.

use std::time::Duration;

use super::fake::Zendesk;
use super::{events, triggers, webhook};
use crate::template::Dialect;

impl Zendesk {
    /// Runs the triggers over every ticket change committed since the last run, and
    /// sends the webhook notifications they produce in the background.
    pub fn fire_triggers(&self) {
        let invocations = {
            let mut store = self.store();
            let changes = std::mem::take(&mut store.changes);
            let mut found = Vec::new();
            for change in &changes {
                let Some(ticket) = store.tickets.get(&change.ticket_id) else {
                    continue;
                };
                for n in triggers::evaluate(store.triggers.values(), change, ticket) {
                    let Some(hook) = store
                        .webhooks
                        .get(&n.webhook_id)
                        .filter(|w| w.status == "active")
                    else {
                        continue;
                    };
                    let globals = triggers::placeholders(
                        &store.users,
                        ticket,
                        change.actor,
                        &self.settings.subdomain,
                    );
                    let body = self
                        .ctx
                        .templates
                        .render(Dialect::Zendesk, &n.body, &globals)
                        .unwrap_or_else(|e| {
                            tracing::warn!("trigger {} renders no body: {e}", n.trigger_id);
                            format!("Liquid error: {e}")
                        });
                    found.push((hook.clone(), body));
                }
            }
            let mut out = found
                .into_iter()
                .map(|(webhook, body)| webhook::Invocation {
                    webhook,
                    invocation_id: store.next_invocation_id(),
                    account_id: self.settings.account_id,
                    body: body.into(),
                })
                .collect::<Vec<_>>();
            let records = store.log.drain_pending();
            let account = (self.settings.account_id, self.settings.subdomain.as_str());
            out.extend(events::invocations(&mut store, &changes, &records, account));
            out
        };
        for invocation in invocations {
            self.spawn_delivery(invocation);
        }
    }

    /// Zendesk's default automation (REFERENCE 1.6, DOC): a solved ticket closes
    /// `close_solved_after_hours` after it was solved (4 days unless configured).
    /// Runs as a timer on the run's clock; the closing fires the triggers as any
    /// other update does.
    pub(super) fn close_solved(&self, now: time::OffsetDateTime) {
        let hours = self.settings.close_solved_after_hours;
        if hours == 0 {
            return;
        }
        let cutoff = now - Duration::from_secs(hours.saturating_mul(3600));
        let closed = self.store().close_solved_before(cutoff, now);
        if !closed.is_empty() {
            self.fire_triggers();
        }
    }

    pub(super) fn spawn_delivery(&self, invocation: webhook::Invocation) {
        super::hook_delivery::spawn(self, invocation);
    }

    /// The rules due by `now` on the clock: automations, then the auto-close.
    pub(super) fn clock_rules(&self, now: time::OffsetDateTime) {
        self.run_automations(now);
        self.close_solved(now);
    }
}
