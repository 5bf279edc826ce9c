//! What a business rule may name, as Zendesk lists it for rule editors:
//!
//! - `GET /api/v2/triggers/definitions`, in the shape of Zendesk's
//!   `TriggerDefinitionObject` \[DOC: OpenAPI\]: `{"definitions": {"actions",
//!   "conditions_all", "conditions_any"}}`, each entry `{group, nullable, repeatable,
//!   subject, title, type, operators?, values?}`, the `conditions_any` entries
//!   without `values`;
//! - `GET /api/v2/macros/definitions` \[DOC example\]: `{"definitions": {"actions":
//!   [...]}}` with entries of the same shape, status values by id (`"1"` Open to
//!   `"4"` Closed);
//! - `GET /api/v2/macros/actions` \[DOC example\]: `{"actions": [{group, operators,
//!   output_key, target, title, title_for_field, value, values: {list, type}}]}`.
//!
//! Each list is what the fake's own engines run (trigger conditions in
//! [`super::triggers`], macro actions in `resource/rules.rs`), not every condition
//! and action of Zendesk's, so a rule built from it runs here as written. Titles are
//! Zendesk's words as the admin interface shows them \[UNVERIFIED\]; list values
//! come from the account: its agents, groups, organizations and active webhooks.

use serde_json::{Value, json};

use super::store::{Record, Store};
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

impl Choices {
    /// What `store`'s account offers: its active agents and admins, groups,
    /// organizations and active webhooks.
    pub fn of(store: &Store) -> Self {
        let id_and_name =
            |r: &Record| Some((r["id"].as_u64()?, r["name"].as_str()?.to_owned()));
        Self {
            agents: store
                .users
                .values()
                .filter(|u| u.active && u.role.is_staff())
                .map(|u| (u.id, u.name.clone()))
                .collect(),
            groups: store.groups().filter_map(id_and_name).collect(),
            organizations: store.organizations().filter_map(id_and_name).collect(),
            webhooks: store
                .webhooks
                .values()
                .filter(|w| w.status == "active")
                .map(|w| (w.id.clone(), w.name.clone()))
                .collect(),
        }
    }
}

/// Operators of a field compared now and before the change.
/// An operator: its value, its title and whether it takes no value (`terminal`).
type Operator = (&'static str, &'static str, bool);

const TRACKED: &[Operator] = &[
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
const ORDERED: &[Operator] = &[
    ("less_than", "Less than", false),
    ("greater_than", "Greater than", false),
];

const IS: &[Operator] = &[("is", "Is", false), ("is_not", "Is not", false)];

const WORDS: &[Operator] = &[
    ("includes", "Contains at least one of the following words", false),
    ("not_includes", "Contains none of the following words", false),
];

const TAGS: &[Operator] = &[
    ("includes", "Contains at least one of the following", false),
    ("not_includes", "Contains none of the following", false),
];

/// One condition a trigger may name.
struct Condition {
    subject: &'static str,
    title: &'static str,
    kind: &'static str,
    nullable: bool,
    operators: Vec<&'static Operator>,
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
    // Conditions whose value is typed or picked, not chosen from a list.
    let free = |subject, title, kind, nullable, operators: &'static [Operator]| Condition {
        subject,
        title,
        kind,
        nullable,
        operators: operators.iter().collect(),
        values: None,
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
        // A requester is picked by name, not from a list (any user may be one).
        free("requester_id", "Requester", "autocomplete", false, TRACKED),
        list("organization_id", "Organization", true, TRACKED.iter().collect(), {
            people(&c.organizations, false)
        }),
        list("via_id", "Channel", false, IS.iter().collect(), vec![
            value("Web form", 0),
            value("Email", 4),
            value("Web service (API)", 5),
        ]),
        list("comment_is_public", "Comment", false, IS[..1].iter().collect(), vec![
            value("Public", "true"),
            value("Private", "false"),
        ]),
        free("current_tags", "Tags", "tags", true, TAGS),
        free("subject_includes_word", "Subject text", "text", false, WORDS),
        free("comment_includes_word", "Comment text", "text", false, WORDS),
    ]
}

/// The keys every definition has: `group`, `nullable`, `repeatable`, `subject`,
/// `title` and `type`.
fn entry(group: &str, subject: &str, title: &str, kind: &str, nullable: bool, repeatable: bool) -> Value {
    json!({
        "group": group,
        "nullable": nullable,
        "repeatable": repeatable,
        "subject": subject,
        "title": title,
        "type": kind,
    })
}

fn condition(c: &Condition, with_values: bool) -> Value {
    let operators: Vec<Value> = c
        .operators
        .iter()
        .map(|(value, title, terminal)| json!({"terminal": terminal, "title": title, "value": value}))
        .collect();
    let mut out = entry("ticket", c.subject, c.title, c.kind, c.nullable, false);
    out["operators"] = Value::Array(operators);
    if let (true, Some(values)) = (with_values, &c.values) {
        out["values"] = Value::Array(values.clone());
    }
    out
}

/// The whole `GET /triggers/definitions` reply for an account with `choices`.
pub fn trigger_definitions(choices: &Choices) -> Value {
    let all = conditions(choices);
    let webhooks: Vec<Value> = choices
        .webhooks
        .iter()
        .map(|(id, name)| value(name, id))
        .collect();
    let mut notify = entry(
        "notification",
        "notification_webhook",
        "Notify active webhook",
        "list",
        false,
        true,
    );
    notify["values"] = Value::Array(webhooks);
    json!({"definitions": {
        "actions": [notify],
        "conditions_all": all.iter().map(|c| condition(c, true)).collect::<Vec<_>>(),
        "conditions_any": all.iter().map(|c| condition(c, false)).collect::<Vec<_>>(),
    }})
}

/// Zendesk's status ids, as macro definitions list them \[DOC example: Open `"1"`,
/// Pending `"2"`, Solved `"3"`, Closed `"4"`\]; macros take either form.
pub const STATUS_IDS: &[(&str, Status)] = &[
    ("1", Status::Open),
    ("2", Status::Pending),
    ("3", Status::Solved),
    ("4", Status::Closed),
];

/// One action a macro may take: `(subject, title, type, values)`.
type MacroAction = (&'static str, &'static str, &'static str, Vec<Value>);

fn macro_actions_of(c: &Choices) -> Vec<MacroAction> {
    let statuses = STATUS_IDS
        .iter()
        .map(|(id, s)| value(&capital(s), id))
        .collect();
    let yes_no = vec![value("Public", "true"), value("Private", "false")];
    vec![
        ("status", "Status", "list", statuses),
        ("priority", "Priority", "list", texts(Priority::ALL, capital)),
        ("type", "Type", "list", texts(TicketType::ALL, capital)),
        ("group_id", "Group", "list", people(&c.groups, false)),
        ("assignee_id", "Assignee", "list", people(&c.agents, true)),
        ("subject", "Set subject", "text", Vec::new()),
        ("set_tags", "Set tags", "text", Vec::new()),
        ("current_tags", "Add tags", "text", Vec::new()),
        ("remove_tags", "Remove tags", "text", Vec::new()),
        ("comment_value", "Comment/description", "text", Vec::new()),
        ("comment_value_html", "Comment/description (HTML)", "text", Vec::new()),
        ("comment_mode_is_public", "Comment mode", "list", yes_no),
    ]
}

/// The whole `GET /macros/definitions` reply for an account with `choices`.
pub fn macro_definitions(choices: &Choices) -> Value {
    let actions: Vec<Value> = macro_actions_of(choices)
        .into_iter()
        .map(|(subject, title, kind, values)| {
            let mut a = entry("ticket", subject, title, kind, false, false);
            if kind == "list" {
                a["values"] = Value::Array(values);
            }
            a
        })
        .collect();
    json!({"definitions": {"actions": actions}})
}

/// The whole `GET /macros/actions` reply for an account with `choices`.
pub fn macro_actions(choices: &Choices) -> Value {
    let actions: Vec<Value> = macro_actions_of(choices)
        .into_iter()
        .map(|(subject, title, kind, values)| {
            json!({
                "group": "ticket",
                "operators": [{"title": "Is", "value": "is"}],
                "output_key": null,
                "target": null,
                "title": title,
                "title_for_field": title,
                "value": subject,
                "values": {"list": values, "type": kind},
            })
        })
        .collect();
    json!({ "actions": actions })
}
