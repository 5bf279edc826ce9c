//! Automations run on the run's clock (rules-metrics reference 1.3): once an hour
//! every active automation, in `position` order, is checked against every ticket
//! that is not closed; a match applies the automation's actions as one update by
//! the system (`via.channel: rule`), which the audits, the change log, the exports
//! and the triggers see like any other update.
//!
//! An automation fires once per ticket while its conditions keep holding: it fires
//! again only after its conditions stopped holding (an automation that does not
//! nullify its own condition therefore fires once), as Zendesk documents.
//!
//! Pure but for the store it is handed: the vendor calls [`Runner::due`] from its
//! clock hook and [`run`] for each hour that passed.

use std::collections::HashSet;
use std::time::Duration;

use serde_json::{Value, json};
use time::OffsetDateTime;

use super::resource::conditions;
use super::store::{Actor, Store, Ticket};
use super::wire::{CommentInput, Status, TicketInput, TicketOut};

/// Automation settings (`vendors.zendesk.automations`).
#[derive(Debug, Clone, serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct AutomationSettings {
    /// Off: automations are stored but never run.
    pub enabled: bool,
    /// Minutes between runs (Zendesk: hourly).
    pub interval_minutes: u64,
    /// When the clock jumps far ahead, at most this many of the runs it skipped are
    /// made (the latest ones).
    pub max_catch_up_runs: u32,
}

impl Default for AutomationSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            interval_minutes: 60,
            max_catch_up_runs: 1_000,
        }
    }
}

/// When the next run is due, and which automation has fired on which ticket.
#[derive(Debug, Clone)]
pub struct Runner {
    next: OffsetDateTime,
    /// (automation id, ticket id) pairs that fired and whose conditions still hold.
    fired: HashSet<(u64, u64)>,
}

impl Runner {
    /// The first run is one interval after `start` (the account's creation).
    pub fn new(start: OffsetDateTime, s: &AutomationSettings) -> Self {
        Self {
            next: start + interval(s),
            fired: HashSet::new(),
        }
    }

    /// The times of the runs due by `now`, oldest first (the latest
    /// `max_catch_up_runs` of them); the next run moves past `now`.
    pub fn due(&mut self, now: OffsetDateTime, s: &AutomationSettings) -> Vec<OffsetDateTime> {
        let step = interval(s);
        let mut runs = Vec::new();
        if !s.enabled {
            while self.next <= now {
                self.next += step;
            }
            return runs;
        }
        let behind = (now - self.next).whole_seconds();
        if behind >= 0 {
            let skipped = (behind as u64 / step.as_secs()).saturating_add(1);
            let keep = u64::from(s.max_catch_up_runs.max(1));
            if skipped > keep {
                self.next += step * u32::try_from(skipped - keep).unwrap_or(u32::MAX);
            }
        }
        while self.next <= now {
            runs.push(self.next);
            self.next += step;
        }
        runs
    }
}

fn interval(s: &AutomationSettings) -> Duration {
    Duration::from_secs(s.interval_minutes.clamp(1, 7 * 24 * 60) * 60)
}

/// A webhook notification an automation's `notification_webhook` action asks for.
#[derive(Debug, Clone, PartialEq)]
pub struct Notify {
    /// The automation.
    pub automation_id: u64,
    /// The ticket it fired on.
    pub ticket_id: u64,
    /// The webhook.
    pub webhook_id: String,
    /// The body template.
    pub body: String,
}

/// Runs every active automation once, at `at`, over the tickets that are not
/// closed. Returns the notifications to send; the ticket changes are in the store
/// (and its pending changes, for the triggers).
pub fn run(store: &mut Store, runner: &mut Runner, at: OffsetDateTime, base: &str) -> Vec<Notify> {
    let mut automations: Vec<Value> = store
        .records
        .all("automations")
        .filter(|a| a["active"] == json!(true))
        .map(|a| Value::Object(a.clone()))
        .collect();
    automations.sort_by_key(|a| (a["position"].as_u64(), a["id"].as_u64()));
    let tickets: Vec<u64> = store
        .tickets
        .values()
        .filter(|t| t.status != Status::Closed)
        .map(|t| t.id)
        .collect();
    let mut out = Vec::new();
    for ticket_id in tickets {
        for a in &automations {
            let id = a["id"].as_u64().unwrap_or_default();
            let Some(t) = store.tickets.get(&ticket_id) else {
                break;
            };
            if t.status == Status::Closed {
                break;
            }
            if !matches(a, t, at, base) {
                runner.fired.remove(&(id, ticket_id));
                continue;
            }
            if !runner.fired.insert((id, ticket_id)) {
                continue;
            }
            out.extend(apply(store, a, ticket_id, at));
        }
    }
    out
}

/// Whether automation `a`'s conditions hold for ticket `t` at `at`.
pub fn matches(a: &Value, t: &Ticket, at: OffsetDateTime, base: &str) -> bool {
    let shown = serde_json::to_value(TicketOut::new(base, t)).unwrap_or(Value::Null);
    let holds = |c: &Value| match hours_condition(c, t, at) {
        Some(result) => result,
        // The default "Pending notification 24 hours" automation's condition
        // (go-zendesk fixture): `ticket_is_public` is `public` or `private`.
        None if c["field"] == "ticket_is_public" => {
            let public = if t.is_public { "public" } else { "private" };
            (c["value"] == public) == (c["operator"] != "is_not")
        }
        None => conditions::holds(c, &shown),
    };
    let conds = &a["conditions"];
    let list = |k: &str| conds[k].as_array().cloned().unwrap_or_default();
    let (all, any) = (list("all"), list("any"));
    all.iter().all(holds) && (any.is_empty() || any.iter().any(holds))
}

/// A time condition's result (`None` when `c` is not one). Business-hours
/// operators count calendar hours: tickets carry no schedule.
fn hours_condition(c: &Value, t: &Ticket, at: OffsetDateTime) -> Option<bool> {
    let field = c["field"].as_str()?;
    let since = |from: Option<OffsetDateTime>| from.map(|f| (at - f).as_seconds_f64() / 3600.0);
    let hours = match field {
        "NEW" | "created_at" => since(Some(t.created_at)),
        "OPEN" | "PENDING" | "HOLD" | "SOLVED" | "CLOSED" => {
            since(status_set_at(t, &field.to_ascii_lowercase()))
        }
        "updated_at" => since(Some(t.updated_at)),
        "assigned_at" => since(last_event(t, |e| {
            e["field_name"] == "assignee_id" && !e["value"].is_null()
        })),
        "requester_updated_at" => since(last_by(t, t.requester_id)),
        "assignee_updated_at" => since(t.assignee_id.and_then(|a| last_by(t, a))),
        "due_date" => since(t.due_at),
        "until_due_date" => t.due_at.map(|d| (d - at).as_seconds_f64() / 3600.0),
        _ => return None,
    };
    let want: f64 = match &c["value"] {
        Value::String(s) => s.trim().parse().ok()?,
        v => v.as_f64()?,
    };
    let Some(h) = hours else { return Some(false) };
    let op = c["operator"].as_str().unwrap_or("is");
    Some(match op.trim_end_matches("_business_hours") {
        "less_than" => h < want,
        "greater_than" => h > want,
        // `is 24` holds during the 25th hour only, so an hourly run sees it once.
        _ => h.floor() == want,
    })
}

/// When the ticket last took `status` (its creation, when created with it).
fn status_set_at(t: &Ticket, status: &str) -> Option<OffsetDateTime> {
    let found = last_event(t, |e| e["field_name"] == "status" && e["value"] == status);
    found.or_else(|| (status == "new" && t.audits.is_empty()).then_some(t.created_at))
}

fn last_event(t: &Ticket, pick: impl Fn(&Value) -> bool) -> Option<OffsetDateTime> {
    t.audits
        .iter()
        .rev()
        .find(|a| a.events.iter().any(&pick))
        .map(|a| a.created_at)
}

fn last_by(t: &Ticket, user: u64) -> Option<OffsetDateTime> {
    t.audits
        .iter()
        .rev()
        .find(|a| a.author_id == user)
        .map(|a| a.created_at)
}

/// The ticket update an automation's actions make, and its webhook notifications.
pub fn actions(a: &Value, t: &Ticket) -> (TicketInput, Vec<(String, String)>) {
    let mut input = TicketInput::default();
    let mut notify = Vec::new();
    let mut comment = CommentInput::default();
    for action in a["actions"].as_array().into_iter().flatten() {
        let field = action["field"].as_str().unwrap_or_default();
        let value = &action["value"];
        let text = value
            .as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| value.to_string());
        let words = || text.split_whitespace().map(str::to_owned).collect();
        let id = || text.parse::<u64>().ok();
        match field {
            "status" => input.status = text.parse().ok(),
            "priority" => input.priority = Some(text.parse().ok()),
            "type" | "ticket_type_id" => input.kind = Some(text.parse().ok()),
            "assignee_id" => input.assignee_id = Some(id()),
            "group_id" => input.group_id = Some(id()),
            "set_tags" => input.tags = Some(words()),
            "current_tags" => input.additional_tags = Some(words()),
            "remove_tags" => input.remove_tags = Some(words()),
            "comment_value" | "comment_value_html" => comment.body = Some(text),
            "comment_mode_is_public" => comment.public = Some(text == "true"),
            "notification_webhook" => {
                if let (Some(w), Some(body)) = (value[0].as_str(), value[1].as_str()) {
                    notify.push((w.to_owned(), body.to_owned()));
                }
            }
            _ => {}
        }
    }
    if comment.body.is_some() {
        comment.author_id = Some(t.assignee_id.unwrap_or(t.submitter_id));
        input.comment = Some(comment);
    }
    (input, notify)
}

fn apply(store: &mut Store, a: &Value, ticket_id: u64, at: OffsetDateTime) -> Vec<Notify> {
    let Some(t) = store.tickets.get(&ticket_id) else {
        return Vec::new();
    };
    let (input, notify) = actions(a, t);
    let actor = Actor {
        user_id: t.assignee_id.unwrap_or(t.submitter_id),
        client: None,
        ip_address: String::new(),
        channel: "rule",
    };
    let automation_id = a["id"].as_u64().unwrap_or_default();
    if let Err(e) = store.update_ticket(&actor, ticket_id, input, at) {
        tracing::warn!("automation {automation_id} cannot update ticket {ticket_id}: {e:?}");
    }
    notify
        .into_iter()
        .map(|(webhook_id, body)| Notify {
            automation_id,
            ticket_id,
            webhook_id,
            body,
        })
        .collect()
}

impl super::Zendesk {
    /// Makes the automation runs due by `now`, each at its own hour, then sends
    /// what they notify and fires the triggers over the changes they made.
    pub(super) fn run_automations(&self, now: OffsetDateTime) {
        let mut runner = self
            .automation_runner
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        let runs = runner.due(now, &self.settings.automations);
        if runs.is_empty() {
            return;
        }
        let base = format!("https://{}.zendesk.com", self.settings.subdomain);
        let mut invocations = Vec::new();
        for at in runs {
            let mut store = self.store();
            for n in run(&mut store, &mut runner, at, &base) {
                invocations.extend(self.notification(&mut store, &n));
            }
        }
        drop(runner);
        for invocation in invocations {
            self.spawn_delivery(invocation);
        }
        self.fire_triggers();
    }

    /// The invocation a `notification_webhook` action makes, if its webhook is
    /// active.
    fn notification(&self, store: &mut Store, n: &Notify) -> Option<super::webhook::Invocation> {
        let webhook = store
            .webhooks
            .get(&n.webhook_id)
            .filter(|w| w.status == "active")?
            .clone();
        let ticket = store.tickets.get(&n.ticket_id)?;
        let globals =
            super::triggers::placeholders(&store.users, ticket, 0, &self.settings.subdomain);
        let body = self
            .ctx
            .templates
            .render(crate::template::Dialect::Zendesk, &n.body, &globals)
            .unwrap_or_else(|e| format!("Liquid error: {e}"));
        Some(super::webhook::Invocation {
            webhook,
            invocation_id: store.next_invocation_id(),
            account_id: self.settings.account_id,
            body: body.into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const T0: OffsetDateTime = datetime!(2024-02-08 17:00:00 UTC);

    #[test]
    fn runs_are_due_hourly_from_the_start_and_a_long_jump_catches_up_boundedly() {
        let s = AutomationSettings::default();
        let mut r = Runner::new(T0, &s);
        assert!(r.due(T0 + Duration::from_secs(3599), &s).is_empty());
        assert_eq!(
            r.due(T0 + Duration::from_secs(3600), &s),
            [T0 + Duration::from_secs(3600)]
        );
        let runs = r.due(T0 + Duration::from_secs(4 * 3600 + 10), &s);
        assert_eq!(runs.len(), 3, "hours 2, 3 and 4");
        let s = AutomationSettings {
            max_catch_up_runs: 2,
            ..s
        };
        let runs = r.due(T0 + Duration::from_secs(10 * 3600), &s);
        assert_eq!(
            runs,
            [
                T0 + Duration::from_secs(9 * 3600),
                T0 + Duration::from_secs(10 * 3600)
            ]
        );
        assert!(r.due(T0 + Duration::from_secs(10 * 3600), &s).is_empty());
    }

    #[test]
    fn the_documented_condition_examples_hold_as_zendesk_counts_hours() {
        use super::super::store::Store;
        use super::super::wire::TicketInput;
        let settings = super::super::ZendeskSettings::default();
        let mut store = Store::seeded(&settings, 7, T0);
        let actor = Actor {
            user_id: store.users.keys().next().copied().unwrap(),
            client: None,
            ip_address: String::new(),
            channel: "api",
        };
        let input = TicketInput::parse(
            &json!({"subject": "s", "comment": {"body": "b"}, "status": "pending"}),
            Default::default(),
        )
        .unwrap();
        let (id, _) = store.create_ticket(&actor, input, T0).unwrap();
        let t = store.tickets[&id].clone();
        // REFERENCE: "Pending notification 24 hours" = PENDING is 24 and public.
        let pending_24 = json!({"conditions": {"all": [
            {"field": "PENDING", "operator": "is", "value": "24"},
            {"field": "ticket_is_public", "operator": "is", "value": "public"}], "any": []}});
        let at = |h: u64| T0 + Duration::from_secs(h * 3600);
        let base = "https://x.zendesk.com";
        assert!(!matches(&pending_24, &t, at(23), base));
        assert!(matches(&pending_24, &t, at(24), base));
        assert!(
            !matches(&pending_24, &t, at(25), base),
            "`is` holds during its hour only"
        );
        let solved_96 = json!({"conditions": {"all": [
            {"field": "SOLVED", "operator": "greater_than", "value": "96"}], "any": []}});
        assert!(
            !matches(&solved_96, &t, at(200), base),
            "never solved: no hours since solved"
        );
    }

    #[test]
    fn disabled_no_run_is_ever_due() {
        let s = AutomationSettings {
            enabled: false,
            ..AutomationSettings::default()
        };
        let mut r = Runner::new(T0, &s);
        assert!(r.due(T0 + Duration::from_secs(86_400), &s).is_empty());
    }
}
