//! Zendesk triggers (REFERENCE 1.10): the trigger object, its conditions, and the
//! placeholders a `notification_webhook` body is rendered with. Pure: evaluation
//! takes a ticket change and returns what to notify.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::error::ZendeskError;
use super::wire::{self, Comment, Priority, Status, Ticket, User};

/// One condition: `{"field": "status", "operator": "value", "value": "solved"}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Condition {
    /// What is tested.
    pub field: String,
    /// How.
    pub operator: String,
    /// Against what (absent for `changed`).
    #[serde(skip_serializing_if = "Value::is_null")]
    pub value: Value,
}

/// `{"all": [...], "any": [...]}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Conditions {
    /// Every one must hold.
    pub all: Vec<Condition>,
    /// At least one must hold (when there are any).
    pub any: Vec<Condition>,
}

/// One action: `{"field": "notification_webhook", "value": ["<webhook id>", "<body>"]}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Action {
    /// The action kind.
    pub field: String,
    /// Its argument.
    pub value: Value,
}

/// A trigger, with the fields the Triggers API returns.
#[derive(Debug, Clone, Serialize)]
#[allow(missing_docs)]
pub struct Trigger {
    pub id: u64,
    pub title: String,
    pub raw_title: String,
    pub description: Option<String>,
    pub active: bool,
    pub position: u64,
    pub conditions: Conditions,
    pub actions: Vec<Action>,
    pub category_id: Option<String>,
    pub default: bool,
    #[serde(serialize_with = "wire::ts")]
    pub created_at: OffsetDateTime,
    #[serde(serialize_with = "wire::ts")]
    pub updated_at: OffsetDateTime,
}

/// Conditions fields and operators fakedesk evaluates.
pub const SUPPORTED_FIELDS: &[&str] = &[
    "update_type",
    "status",
    "status_category",
    "priority",
    "type",
    "ticket_type_id",
    "current_tags",
    "assignee_id",
    "group_id",
    "requester_id",
    "organization_id",
    "via_id",
    "subject_includes_word",
    "comment_includes_word",
    "comment_is_public",
];

/// The writable fields of a trigger.
#[derive(Debug, Clone, Default)]
#[allow(missing_docs)]
pub struct TriggerInput {
    pub title: Option<String>,
    pub description: Option<Option<String>>,
    pub active: Option<bool>,
    pub position: Option<u64>,
    pub conditions: Option<Conditions>,
    pub actions: Option<Vec<Action>>,
    pub category_id: Option<Option<String>>,
}

impl TriggerInput {
    /// Reads `{"trigger": {...}}`'s inner object; webhook actions must name a known
    /// webhook (`known_webhook`).
    pub fn parse(v: &Value, known_webhook: impl Fn(&str) -> bool) -> Result<Self, ZendeskError> {
        let obj = v
            .as_object()
            .ok_or_else(|| ZendeskError::BadRequest("trigger must be a JSON object".to_owned()))?;
        let mut problems: Vec<(String, String)> = Vec::new();
        let conditions = obj
            .get("conditions")
            .map(|c| parse_conditions(c, &mut problems));
        let actions = obj
            .get("actions")
            .map(|a| parse_actions(a, &known_webhook, &mut problems));
        let input = Self {
            title: obj.get("title").and_then(Value::as_str).map(str::to_owned),
            description: obj
                .get("description")
                .map(|d| d.as_str().map(str::to_owned)),
            active: obj.get("active").and_then(Value::as_bool),
            position: obj.get("position").and_then(Value::as_u64),
            conditions,
            actions,
            category_id: obj.get("category_id").map(|c| {
                c.as_str()
                    .map(str::to_owned)
                    .or_else(|| c.as_u64().map(|n| n.to_string()))
            }),
        };
        if let Some(t) = &input.title
            && t.trim().is_empty()
        {
            problems.push(("title".to_owned(), "Title: cannot be blank".to_owned()));
        }
        if problems.is_empty() {
            Ok(input)
        } else {
            Err(invalid(problems))
        }
    }
}

/// A trigger's problems, as one 422 `RecordInvalid` naming each field.
fn invalid(problems: Vec<(String, String)>) -> ZendeskError {
    let mut details = super::error::Details::new();
    for (field, description) in problems {
        details
            .entry(field)
            .or_default()
            .push(super::error::FieldError {
                description,
                error: "InvalidValue".to_owned(),
            });
    }
    ZendeskError::RecordInvalid(details)
}

/// `{"all": [...], "any": [...]}`; a field fakedesk cannot evaluate is a problem.
fn parse_conditions(c: &Value, problems: &mut Vec<(String, String)>) -> Conditions {
    let mut list = |k: &str| -> Vec<Condition> {
        c.get(k).and_then(Value::as_array).into_iter().flatten().filter_map(|x| {
            let field = x.get("field").and_then(Value::as_str)?.to_owned();
            let operator = x.get("operator").and_then(Value::as_str).unwrap_or("is").to_owned();
            if !SUPPORTED_FIELDS.contains(&field.as_str()) {
                problems.push(("conditions".to_owned(), format!("Conditions: {field} is not a supported condition field (fakedesk supports {})", SUPPORTED_FIELDS.join(", "))));
            }
            Some(Condition { field, operator, value: x.get("value").cloned().unwrap_or(Value::Null) })
        }).collect()
    };
    let all = list("all");
    Conditions {
        all,
        any: list("any"),
    }
}

/// The actions; a `notification_webhook` must name an existing webhook.
fn parse_actions(
    a: &Value,
    known_webhook: &impl Fn(&str) -> bool,
    problems: &mut Vec<(String, String)>,
) -> Vec<Action> {
    a.as_array()
        .into_iter()
        .flatten()
        .filter_map(|x| {
            let field = x.get("field").and_then(Value::as_str)?.to_owned();
            let value = x.get("value").cloned().unwrap_or(Value::Null);
            if field == "notification_webhook" {
                match value
                    .as_array()
                    .and_then(|v| v.first())
                    .and_then(Value::as_str)
                {
                    Some(id) if known_webhook(id) => {}
                    Some(id) => problems.push((
                        "actions".to_owned(),
                        format!("Actions: webhook {id} does not exist"),
                    )),
                    None => problems.push((
                        "actions".to_owned(),
                        "Actions: notification_webhook needs [webhook_id, body]".to_owned(),
                    )),
                }
            }
            Some(Action { field, value })
        })
        .collect()
}

impl Trigger {
    /// Applies the fields present in `input`.
    pub fn apply(&mut self, input: TriggerInput, now: OffsetDateTime) {
        if let Some(t) = input.title {
            self.raw_title.clone_from(&t);
            self.title = t;
        }
        if let Some(d) = input.description {
            self.description = d;
        }
        if let Some(a) = input.active {
            self.active = a;
        }
        if let Some(p) = input.position {
            self.position = p;
        }
        if let Some(c) = input.conditions {
            self.conditions = c;
        }
        if let Some(a) = input.actions {
            self.actions = a;
        }
        if let Some(c) = input.category_id {
            self.category_id = c;
        }
        self.updated_at = now;
    }
}

/// A ticket create or update that has committed, as triggers see it.
#[derive(Debug, Clone, PartialEq)]
pub struct TicketChange {
    /// The ticket.
    pub ticket_id: u64,
    /// Audit-style tracked values before the change (`None` for a create).
    pub before: Option<Value>,
    /// The same values after it.
    pub after: Value,
    /// Who made the change.
    pub actor: u64,
    /// The comment added with it: (text, public).
    pub comment: Option<(String, bool)>,
}

/// What a firing trigger asks for: render `body` and send it with webhook `webhook_id`.
#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    /// The trigger that fired.
    pub trigger_id: u64,
    /// The webhook to invoke.
    pub webhook_id: String,
    /// The body template.
    pub body: String,
}

fn status_rank(s: &str) -> Option<usize> {
    Status::ALL.iter().position(|x| x.as_str() == s)
}

fn priority_rank(s: &str) -> Option<usize> {
    // Ordered low → urgent for less_than / greater_than.
    [
        Priority::Low,
        Priority::Normal,
        Priority::High,
        Priority::Urgent,
    ]
    .iter()
    .position(|x| x.as_str() == s)
}

/// `"solved"`, `5`, `null`, `""` → comparable text; `""` and null mean "none".
fn as_text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.to_lowercase(),
        other => other.to_string(),
    }
}

/// Via channel ids as conditions name them (Zendesk's via types; API is 5).
fn via_id(channel: &str) -> &'static str {
    match channel {
        "web" => "0",
        "email" => "4",
        "api" => "5",
        _ => "",
    }
}

impl Condition {
    /// Whether this condition holds for `change`.
    pub fn holds(&self, change: &TicketChange, ticket: &Ticket) -> bool {
        let field = match self.field.as_str() {
            "status_category" => "status",
            "ticket_type_id" => "type",
            f => f,
        };
        let wanted = as_text(&self.value);
        match self.special(field, &wanted, change, ticket) {
            Some(holds) => holds,
            None => self.compares(field, wanted, change),
        }
    }

    /// Conditions on what is not a tracked field: the kind of update, the channel,
    /// the current tags, the comment; `None` for a tracked field.
    fn special(
        &self,
        field: &str,
        wanted: &str,
        change: &TicketChange,
        ticket: &Ticket,
    ) -> Option<bool> {
        if field == "update_type" {
            let kind = if change.before.is_none() {
                "create"
            } else {
                "change"
            };
            return Some((self.operator == "is") == (wanted == kind));
        }
        if field == "via_id" {
            let is = via_id(&ticket.via.channel) == wanted || ticket.via.channel == wanted;
            return Some((self.operator == "is") == is);
        }
        if field == "current_tags" {
            let tags: Vec<String> = wanted.split_whitespace().map(str::to_owned).collect();
            let any_present = tags.iter().any(|t| ticket.tags.contains(t));
            return Some(match self.operator.as_str() {
                "includes" => any_present,
                "not_includes" => !any_present,
                _ => false,
            });
        }
        if field == "comment_is_public" {
            let public = change.comment.as_ref().is_some_and(|(_, p)| *p);
            let wanted_public = matches!(wanted, "true" | "public");
            return Some(change.comment.is_some() && public == wanted_public);
        }
        if let Some(text_field) = field.strip_suffix("_includes_word") {
            let hay = if text_field == "subject" {
                ticket.subject.clone().unwrap_or_default()
            } else {
                change.comment.clone().map(|c| c.0).unwrap_or_default()
            }
            .to_lowercase();
            let any = wanted
                .split_whitespace()
                .any(|w| hay.split(|c: char| !c.is_alphanumeric()).any(|x| x == w));
            return Some((self.operator == "includes") == any);
        }
        None
    }

    /// Conditions on a tracked field: its value now and before the change.
    fn compares(&self, field: &str, wanted: String, change: &TicketChange) -> bool {
        let now = as_text(&change.after[field]);
        let before = change.before.as_ref().map(|b| as_text(&b[field]));
        let wanted = if wanted == "current_user" {
            change.actor.to_string()
        } else {
            wanted
        };
        let rank = |s: &str| {
            if field == "priority" {
                priority_rank(s)
            } else {
                status_rank(s)
            }
        };
        match self.operator.as_str() {
            "is" => now == wanted,
            "is_not" => now != wanted,
            "less_than" => rank(&now).zip(rank(&wanted)).is_some_and(|(a, b)| a < b),
            "greater_than" => rank(&now).zip(rank(&wanted)).is_some_and(|(a, b)| a > b),
            "changed" => before.is_none_or(|b| b != now),
            "not_changed" => before.is_some_and(|b| b == now),
            "value" => now == wanted && before.is_none_or(|b| b != now),
            "value_previous" => before.is_some_and(|b| b == wanted && b != now),
            "not_value" => !(now == wanted && before.is_none_or(|b| b != now)),
            "not_value_previous" => !before.is_some_and(|b| b == wanted && b != now),
            _ => false,
        }
    }
}

/// The notifications of every active trigger that matches `change`, in position
/// order (then id), each trigger at most once.
pub fn evaluate<'a>(
    triggers: impl Iterator<Item = &'a Trigger>,
    change: &TicketChange,
    ticket: &Ticket,
) -> Vec<Notification> {
    let mut ordered: Vec<&Trigger> = triggers.filter(|t| t.active).collect();
    ordered.sort_by_key(|t| (t.position, t.id));
    let mut out = Vec::new();
    for t in ordered {
        let all = t.conditions.all.iter().all(|c| c.holds(change, ticket));
        let any =
            t.conditions.any.is_empty() || t.conditions.any.iter().any(|c| c.holds(change, ticket));
        if !(all && any) || (t.conditions.all.is_empty() && t.conditions.any.is_empty()) {
            continue;
        }
        for a in t
            .actions
            .iter()
            .filter(|a| a.field == "notification_webhook")
        {
            let id = a.value.get(0).and_then(Value::as_str);
            let body = a.value.get(1).and_then(Value::as_str).unwrap_or_default();
            if let Some(id) = id {
                out.push(Notification {
                    trigger_id: t.id,
                    webhook_id: id.to_owned(),
                    body: body.to_owned(),
                });
            }
        }
    }
    out
}

/// Zendesk shows statuses, priorities and types as display words in placeholders
/// ("Solved"); UNVERIFIED against a capture.
fn display(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

fn user_placeholders(u: Option<&User>) -> Value {
    let Some(u) = u else { return json!({}) };
    let mut parts = u.name.splitn(2, ' ');
    let first = parts.next().unwrap_or_default();
    let last = parts.next().unwrap_or_default();
    json!({
        "id": u.id, "name": u.name, "first_name": first, "last_name": last, "email": u.email,
        "external_id": u.external_id, "phone": u.phone, "language": "English", "role": u.role.as_str(),
        "details": u.details, "notes": u.notes, "tags": u.tags.join(" "), "time_zone": u.time_zone,
    })
}

/// The placeholder globals of a webhook body: `ticket.*` and `current_user.*`
/// (the common list of Zendesk's placeholder reference).
pub fn placeholders(
    users: &BTreeMap<u64, User>,
    ticket: &Ticket,
    actor: u64,
    subdomain: &str,
) -> Value {
    let user = |id: Option<u64>| users.get(&id.unwrap_or(0));
    let host = format!("{subdomain}.zendesk.com");
    let comments: Vec<&Comment> = ticket.comments.iter().collect();
    let latest = comments.last();
    let latest_public = comments.iter().rev().find(|c| c.public);
    let comment = |c: Option<&&Comment>| {
        c.map_or(json!(null), |c| json!({"value": c.body, "author": user_placeholders(users.get(&c.author_id)), "is_public": c.public, "created_at": crate::clock::iso_seconds(c.created_at)}))
    };
    json!({
        "ticket": {
            "id": ticket.id,
            "title": ticket.subject,
            "description": ticket.description,
            "url": format!("{host}/agent/tickets/{}", ticket.id),
            "link": format!("https://{host}/agent/tickets/{}", ticket.id),
            "status": display(ticket.status.as_str()),
            "priority": ticket.priority.map(|p| display(p.as_str())),
            "ticket_type": ticket.kind.map(|k| display(k.as_str())),
            "via": "Web Service",
            "tags": ticket.tags.join(" "),
            "external_id": ticket.external_id,
            "created_at": crate::clock::iso_seconds(ticket.created_at),
            "updated_at": crate::clock::iso_seconds(ticket.updated_at),
            "due_date": ticket.due_at.map(crate::clock::iso_seconds),
            "requester": user_placeholders(user(Some(ticket.requester_id))),
            "submitter": user_placeholders(user(Some(ticket.submitter_id))),
            "assignee": user_placeholders(user(ticket.assignee_id)),
            "latest_comment": comment(latest),
            "latest_public_comment": comment(latest_public),
            "account": subdomain,
            "in_business_hours": true,
        },
        "current_user": user_placeholders(user(Some(actor))),
    })
}

/// Placeholders Zendesk documents that fakedesk renders, for the README.
pub const SUPPORTED_PLACEHOLDERS: &[&str] = &[
    "ticket.id",
    "ticket.title",
    "ticket.description",
    "ticket.url",
    "ticket.link",
    "ticket.status",
    "ticket.priority",
    "ticket.ticket_type",
    "ticket.via",
    "ticket.tags",
    "ticket.external_id",
    "ticket.created_at",
    "ticket.updated_at",
    "ticket.due_date",
    "ticket.account",
    "ticket.in_business_hours",
    "ticket.requester.*",
    "ticket.submitter.*",
    "ticket.assignee.*",
    "ticket.latest_comment.value",
    "ticket.latest_public_comment.value",
    "current_user.*",
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;
    use crate::vendors::zendesk::ZendeskSettings;
    use crate::vendors::zendesk::store::{Actor, Store};
    use crate::vendors::zendesk::wire::{TicketInput, UnknownFields};
    use time::macros::datetime;

    fn trigger(id: u64, position: u64, conditions: Value) -> Trigger {
        let input = TriggerInput::parse(
            &json!({"title": format!("t{id}"), "conditions": conditions, "actions": [{"field": "notification_webhook", "value": ["W", format!("from {id}")]}]}),
            |_| true,
        )
        .unwrap();
        let mut t = Trigger {
            id,
            title: String::new(),
            raw_title: String::new(),
            description: None,
            active: true,
            position,
            conditions: Conditions::default(),
            actions: Vec::new(),
            category_id: None,
            default: false,
            created_at: datetime!(2024-01-01 00:00:00 UTC),
            updated_at: datetime!(2024-01-01 00:00:00 UTC),
        };
        t.apply(input, datetime!(2024-01-01 00:00:00 UTC));
        t
    }

    /// A store with one ticket, created then updated with `update`; returns the change
    /// of the update.
    fn changed(update: Value) -> (Store, TicketChange) {
        let now = ManualClock::new(datetime!(2024-01-01 00:00:00 UTC));
        let mut store = Store::seeded(
            &ZendeskSettings::default(),
            0,
            crate::clock::Clock::now(&now),
        );
        let admin = *store.users.keys().next().unwrap();
        let actor = Actor {
            user_id: admin,
            client: None,
            ip_address: "127.0.0.1".to_owned(),
            channel: "api",
        };
        let create =
            TicketInput::parse(&json!({"comment": {"body": "b"}}), UnknownFields::Reject).unwrap();
        let (id, _) = store
            .create_ticket(&actor, create, crate::clock::Clock::now(&now))
            .unwrap();
        let update = TicketInput::parse(&update, UnknownFields::Reject).unwrap();
        store
            .update_ticket(&actor, id, update, crate::clock::Clock::now(&now))
            .unwrap();
        let change = store.changes.pop().unwrap();
        (store, change)
    }

    #[test]
    fn matching_triggers_notify_in_position_order_each_once() {
        let (store, change) = changed(json!({"type": "incident"}));
        let ticket = &store.tickets[&change.ticket_id];
        let is_incident =
            json!({"all": [{"field": "type", "operator": "is", "value": "incident"}]});
        let triggers = [
            trigger(1, 3, is_incident.clone()),
            trigger(2, 1, is_incident.clone()),
            trigger(
                3,
                2,
                json!({"all": [{"field": "type", "operator": "is", "value": "task"}]}),
            ),
            trigger(4, 2, is_incident),
        ];
        let fired: Vec<u64> = evaluate(triggers.iter(), &change, ticket)
            .iter()
            .map(|n| n.trigger_id)
            .collect();
        assert_eq!(fired, [2, 4, 1]);
    }

    #[test]
    fn inactive_triggers_and_triggers_without_conditions_never_fire() {
        let (store, change) = changed(json!({"priority": "high"}));
        let ticket = &store.tickets[&change.ticket_id];
        let mut off = trigger(
            1,
            1,
            json!({"all": [{"field": "priority", "operator": "is", "value": "high"}]}),
        );
        off.active = false;
        let empty = trigger(2, 2, json!({"all": [], "any": []}));
        assert!(evaluate([off, empty].iter(), &change, ticket).is_empty());
    }

    #[test]
    fn priority_comparisons_follow_zendesk_order() {
        let (store, change) = changed(json!({"priority": "high"}));
        let ticket = &store.tickets[&change.ticket_id];
        let holds = |op: &str, v: &str| {
            Condition {
                field: "priority".to_owned(),
                operator: op.to_owned(),
                value: json!(v),
            }
            .holds(&change, ticket)
        };
        assert!(holds("greater_than", "normal"));
        assert!(holds("less_than", "urgent"));
        assert!(!holds("less_than", "low"));
        assert!(holds("value", "high"), "changed to high");
        assert!(holds("changed", ""));
        assert!(!holds("value_previous", "high"));
    }
}
