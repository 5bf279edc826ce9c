//! `GET /api/v2/triggers/definitions`: the conditions and actions a trigger may
//! use, in the shape of Zendesk's `TriggerDefinitionObject` \[DOC: OpenAPI\]:
//! `{"definitions": {"actions", "conditions_all", "conditions_any"}}`, each entry
//! `{group, nullable, repeatable, subject, title, type, operators?, values?}`, the
//! `conditions_any` entries without `values`.
//!
//! The list is what the fake's trigger engine ([`super::triggers`]) evaluates and
//! carries out, not every condition of Zendesk's, so a trigger built from it runs
//! here as written. The titles and the operators' titles are Zendesk's words as the
//! admin interface shows them \[UNVERIFIED\]; list values come from the account:
//! its agents, groups, organizations and active webhooks.

use serde_json::{Value, json};

use super::wire::{Priority, Status, TicketType};

/// What of the account the definitions list as values.
#[derive(Debug, Default)]
pub struct Choices {
    /// Agents and admins, `(id, name)`.
    pub agents: Vec<(u64, String)>,
    /// Groups, `(id, name)`.
    pub groups: Vec<(u64, String)>,
    /// Organizations, `(id, name)`.
    pub organizations: Vec<(u64, String)>,
    /// Active webhooks, `(id, name)`.
    pub webhooks: Vec<(String, String)>,
}

/// Operators of a field compared now and before the change.
const TRACKED: &[(&str, &str, bool)] = &[
    ("is", "Is", false),
    ("is_not", "Is not", false),
    ("changed", "Changed", true),
    ("value", "Changed to", false),
    ("value_previous", "Changed from", false),
    ("not_changed", "Not changed", true),
    ("not_value", "Not changed to", false),
    ("not_value_previous", "Not changed from", false),
];

/// [`TRACKED`] and the ordering operators of status and priority.
const ORDERED: &[(&str, &str, bool)] = &[
    ("less_than", "Less than", false),
    ("greater_than", "Greater than", false),
];

const IS: &[(&str, &str, bool)] = &[("is", "Is", false), ("is_not", "Is not", false)];

const WORDS: &[(&str, &str, bool)] = &[
    ("includes", "Contains at least one of the following words", false),
    ("not_includes", "Contains none of the following words", false),
];

const TAGS: &[(&str, &str, bool)] = &[
    ("includes", "Contains at least one of the following", false),
    ("not_includes", "Contains none of the following", false),
];

/// One condition a trigger may name.
struct Condition {
    subject: &'static str,
    title: &'static str,
    kind: &'static str,
    nullable: bool,
    operators: Vec<&'static (&'static str, &'static str, bool)>,
    values: Option<Vec<Value>>,
}

fn value(title: &str, value: impl ToString) -> Value {
    json!({"enabled": true, "title": title, "value": value.to_string()})
}

fn texts<T: ToString + Copy>(all: &[T], title: impl Fn(T) -> String) -> Vec<Value> {
    all.iter().map(|&v| value(&title(v), v)).collect()
}

fn capital(s: impl ToString) -> String {
    let s = s.to_string();
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

fn people(all: &[(u64, String)], current_user: bool) -> Vec<Value> {
    let mut out = Vec::new();
    if current_user {
        out.push(value("(current user)", "current_user"));
    }
    out.extend(all.iter().map(|(id, name)| value(name, id)));
    out
}

fn conditions(c: &Choices) -> Vec<Condition> {
    let tracked_and_ordered = || TRACKED.iter().chain(ORDERED).collect::<Vec<_>>();
    let list = |subject, title, nullable, operators, values| Condition {
        subject,
        title,
        kind: "list",
        nullable,
        operators,
        values: Some(values),
    };
    let text = |subject, title, operators: &'static [(&'static str, &'static str, bool)]| {
        Condition {
            subject,
            title,
            kind: "text",
            nullable: false,
            operators: operators.iter().collect(),
            values: None,
        }
    };
    vec![
        list("update_type", "Ticket", false, IS[..1].iter().collect(), vec![
            value("Created", "Create"),
            value("Updated", "Change"),
        ]),
        list("status", "Status", false, tracked_and_ordered(), texts(Status::ALL, capital)),
        list("priority", "Priority", true, tracked_and_ordered(), texts(Priority::ALL, capital)),
        list("type", "Type", true, TRACKED.iter().collect(), texts(TicketType::ALL, capital)),
        list("group_id", "Group", true, TRACKED.iter().collect(), people(&c.groups, false)),
        list("assignee_id", "Assignee", true, TRACKED.iter().collect(), people(&c.agents, true)),
        list("requester_id", "Requester", false, TRACKED.iter().collect(), people(&c.agents, true)),
        list("organization_id", "Organization", true, TRACKED.iter().collect(), people(&c.organizations, false)),
        list("via_id", "Channel", false, IS.iter().collect(), vec![
            value("Web form", 0),
            value("Email", 4),
            value("Web service (API)", 5),
        ]),
        list("comment_is_public", "Comment", false, IS[..1].iter().collect(), vec![
            value("Public", "true"),
            value("Private", "false"),
        ]),
        Condition {
            subject: "current_tags",
            title: "Tags",
            kind: "tags",
            nullable: true,
            operators: TAGS.iter().collect(),
            values: None,
        },
        text("subject_includes_word", "Subject text", WORDS),
        text("comment_includes_word", "Comment text", WORDS),
    ]
}

fn condition(c: &Condition, with_values: bool) -> Value {
    let operators: Vec<Value> = c
        .operators
        .iter()
        .map(|(value, title, terminal)| json!({"terminal": terminal, "title": title, "value": value}))
        .collect();
    let mut out = json!({
        "group": "ticket",
        "nullable": c.nullable,
        "operators": operators,
        "repeatable": false,
        "subject": c.subject,
        "title": c.title,
        "type": c.kind,
    });
    if let (true, Some(values)) = (with_values, &c.values) {
        out["values"] = Value::Array(values.clone());
    }
    out
}

/// The whole `{"definitions": ...}` reply for an account with `choices`.
pub fn definitions(choices: &Choices) -> Value {
    let all = conditions(choices);
    let webhooks: Vec<Value> = choices
        .webhooks
        .iter()
        .map(|(id, name)| value(name, id))
        .collect();
    json!({"definitions": {
        "actions": [{
            "group": "notification",
            "nullable": false,
            "repeatable": true,
            "subject": "notification_webhook",
            "title": "Notify active webhook",
            "type": "list",
            "values": webhooks,
        }],
        "conditions_all": all.iter().map(|c| condition(c, true)).collect::<Vec<_>>(),
        "conditions_any": all.iter().map(|c| condition(c, false)).collect::<Vec<_>>(),
    }})
}
