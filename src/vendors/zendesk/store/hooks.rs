//! Webhooks and triggers: created through their APIs or seeded from the config.

use serde_json::Value;
use time::OffsetDateTime;

use super::Store;
use crate::vendors::zendesk::ZendeskSettings;
use crate::vendors::zendesk::error::ZendeskError;
use crate::vendors::zendesk::triggers::{Trigger, TriggerInput};
use crate::vendors::zendesk::webhook::{self, Webhook, WebhookInput};

impl Store {
    /// Creates the configured webhooks and triggers, as their APIs would; returns
    /// what could not be created, one sentence each.
    pub fn seed_hooks(&mut self, settings: &ZendeskSettings, now: OffsetDateTime) -> Vec<String> {
        let mut problems = Vec::new();
        let actor = self.users.keys().next().copied().unwrap_or_default();
        let mut names: Vec<(String, String)> = Vec::new();
        for (i, raw) in settings.seed_webhooks.iter().enumerate() {
            match WebhookInput::parse(raw, true) {
                Ok(input) => {
                    let w = self.create_webhook(input, actor, now);
                    names.push((w.name.clone(), w.id.clone()));
                }
                Err(p) => problems.extend(
                    p.iter()
                        .map(|p| format!("vendors.zendesk.seed_webhooks[{i}]: {}", p.detail)),
                ),
            }
        }
        for (i, raw) in settings.seed_triggers.iter().enumerate() {
            let mut raw = raw.clone();
            // A notification_webhook action may name a seeded webhook.
            if let Some(actions) = raw.get_mut("actions").and_then(Value::as_array_mut) {
                for a in actions {
                    if let Some(first) = a.get_mut("value").and_then(|v| v.get_mut(0))
                        && let Some((_, id)) = names
                            .iter()
                            .find(|(n, _)| Some(n.as_str()) == first.as_str())
                    {
                        *first = Value::String(id.clone());
                    }
                }
            }
            let created = TriggerInput::parse(&raw, |id| self.webhooks.contains_key(id))
                .and_then(|input| self.create_trigger(input, now));
            if let Err(e) = created {
                problems.push(format!("vendors.zendesk.seed_triggers[{i}]: {e}"));
            }
        }
        problems
    }

    /// Creates a webhook from a full input.
    pub fn create_webhook(
        &mut self,
        input: WebhookInput,
        actor: u64,
        now: OffsetDateTime,
    ) -> &Webhook {
        let w = Webhook::create(input, &mut self.rng, actor, now);
        let id = w.id.clone();
        self.webhooks.entry(id).or_insert(w)
    }

    /// Gives a webhook a new signing secret.
    pub fn reset_signing_secret(&mut self, id: &str) -> Option<&Webhook> {
        let secret = webhook::new_secret(&mut self.rng);
        let w = self.webhooks.get_mut(id)?;
        w.secret = secret;
        Some(w)
    }

    /// Creates a trigger (position defaults to after the last one).
    pub fn create_trigger(
        &mut self,
        input: TriggerInput,
        now: OffsetDateTime,
    ) -> Result<u64, ZendeskError> {
        let Some(title) = input.title.clone() else {
            return Err(ZendeskError::invalid(
                "title",
                "Title: cannot be blank",
                "BlankValue",
            ));
        };
        let has_conditions = input
            .conditions
            .as_ref()
            .is_some_and(|c| !c.all.is_empty() || !c.any.is_empty());
        if !has_conditions {
            return Err(ZendeskError::invalid(
                "conditions",
                "Conditions: a trigger needs at least one condition",
                "BlankValue",
            ));
        }
        if input.actions.as_ref().is_none_or(Vec::is_empty) {
            return Err(ZendeskError::invalid(
                "actions",
                "Actions: a trigger needs at least one action",
                "BlankValue",
            ));
        }
        let id = self.ids.next_id();
        let position = self
            .triggers
            .values()
            .map(|t| t.position)
            .max()
            .unwrap_or(0)
            + 1;
        let mut t = Trigger {
            id,
            raw_title: title.clone(),
            title,
            description: None,
            active: true,
            position,
            conditions: Default::default(),
            actions: Vec::new(),
            category_id: None,
            default: false,
            created_at: now,
            updated_at: now,
        };
        t.apply(input, now);
        self.triggers.insert(id, t);
        Ok(id)
    }
}
