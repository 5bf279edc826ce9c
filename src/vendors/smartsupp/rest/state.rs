//! What the public REST API v2 adds to fake Smartsupp's state, free of I/O.
//!
//! The conversations themselves are the store's chats (the POST hook's exports):
//! one record, so the API, the hook and the webhooks cannot disagree on ids,
//! messages or times. This file holds what the hook does not carry: a
//! conversation's status, assignees, group, tags and notes; the contacts; the
//! agents; and the tokens' request budgets.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::super::wire::HookPayload;
use crate::ratelimit::Window;

/// A conversation's REST status (`pending | open | served | closed`, \[3P-hint\]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Waiting for an agent (not produced by the fake's own flows).
    Pending,
    /// The visitor wrote; no agent has answered.
    Open,
    /// An agent answered or was assigned.
    Served,
    /// Closed: its export went to the hook.
    Closed,
}

impl Status {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Open => "open",
            Self::Served => "served",
            Self::Closed => "closed",
        }
    }
}

/// A note: an agents-only message, never in the hook's export.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Note {
    /// Its id.
    pub id: String,
    /// Who wrote it.
    pub agent_id: String,
    /// The text.
    pub text: String,
    /// Epoch milliseconds.
    pub at: i64,
}

/// What the API knows of a conversation beyond its export.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Conv {
    /// Its status.
    pub status: Status,
    /// Agents currently assigned.
    pub assigned_ids: Vec<String>,
    /// Its group.
    pub group_id: Option<String>,
    /// Variables set through the API (replace the visitor's).
    pub variables: Option<Map<String, Value>>,
    /// Tags.
    pub tags: Vec<Value>,
    /// Whether agents have not read it.
    pub unread: bool,
    /// Marked important.
    pub important: bool,
    /// Notes, oldest first.
    pub notes: Vec<Note>,
}

impl Conv {
    /// A conversation that has just started.
    pub fn open(answered_by: Option<String>) -> Self {
        Self {
            status: if answered_by.is_some() {
                Status::Served
            } else {
                Status::Open
            },
            assigned_ids: answered_by.into_iter().collect(),
            group_id: None,
            variables: None,
            tags: Vec::new(),
            unread: true,
            important: false,
            notes: Vec::new(),
        }
    }

    /// What a conversation that only the hook knows looks like: finished.
    pub fn finished(chat: &HookPayload) -> Self {
        let mut c = Self::open(None);
        c.status = Status::Closed;
        c.unread = false;
        c.assigned_ids = agent_ids(chat);
        c
    }
}

/// A contact.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Contact {
    /// Its id (a visitor's contact shares the visitor's id).
    pub id: String,
    /// Name.
    pub name: Option<String>,
    /// Email.
    pub email: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// The agents' note.
    pub note: Option<String>,
    /// The integrator's own id for the contact (`identityId` internally).
    pub external_id: Option<String>,
    /// Epoch milliseconds.
    pub created_ms: i64,
    /// Epoch milliseconds.
    pub updated_ms: i64,
    /// When banned, epoch milliseconds.
    pub banned_ms: Option<i64>,
    /// Who banned it.
    pub banned_by: Option<String>,
    /// Tags.
    pub tags: Vec<Value>,
    /// Free properties.
    pub properties: Map<String, Value>,
}

/// An agent of the account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Agent {
    /// A numeric string (\[CAPTURE-3P\]).
    pub id: String,
    /// Display name.
    pub name: String,
    /// Email.
    pub email: String,
    /// `agent`, `admin` or `owner`.
    #[serde(default = "default_role")]
    pub role: String,
    /// `online` or `offline`.
    #[serde(default = "default_status")]
    pub status: String,
    /// Whether the seat is active.
    #[serde(default = "yes")]
    pub active: bool,
}

fn default_role() -> String {
    "agent".to_owned()
}
fn default_status() -> String {
    "online".to_owned()
}
fn yes() -> bool {
    true
}

impl Agent {
    /// The wire object (`GET /v2/agents` items).
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "name": self.name,
            "email": self.email,
            "avatar": null,
            "role": self.role,
            "status": self.status,
            "active": self.active,
        })
    }
}

/// The seeded agents: the generator's default agent (id 3) first, the token's
/// default sender.
pub fn default_agents() -> Vec<Agent> {
    vec![
        Agent {
            id: "3".to_owned(),
            name: "John Doe".to_owned(),
            email: "john.doe@fakedesk.test".to_owned(),
            role: "owner".to_owned(),
            status: "online".to_owned(),
            active: true,
        },
        Agent {
            id: "1257997".to_owned(),
            name: "Jana Novakova".to_owned(),
            email: "jana.novakova@fakedesk.test".to_owned(),
            role: "agent".to_owned(),
            status: "offline".to_owned(),
            active: true,
        },
    ]
}

/// Everything the REST API adds to the store.
#[derive(Debug, Clone, Default)]
pub struct RestState {
    /// Per conversation (chat id); a chat without an entry is finished.
    pub convs: BTreeMap<u64, Conv>,
    /// Contacts by id.
    pub contacts: BTreeMap<String, Contact>,
    /// The account's agents.
    pub agents: Vec<Agent>,
    /// Each token's request budget.
    pub limits: BTreeMap<String, Window>,
}

impl RestState {
    /// The seeded state with these agents.
    pub fn seeded(agents: Vec<Agent>) -> Self {
        Self {
            agents,
            ..Self::default()
        }
    }

    /// The agent with this id.
    pub fn agent(&self, id: &str) -> Option<&Agent> {
        self.agents.iter().find(|a| a.id == id)
    }

    /// `/state` view.
    pub fn to_json(&self) -> Value {
        json!({
            "conversations": self.convs,
            "contacts": self.contacts,
            "agents": self.agents,
        })
    }
}

/// The agent id a hook message's `from` names (`3` or `"agent:3"`).
pub fn agent_of(from: &Value) -> Option<String> {
    match from {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) => Some(s.strip_prefix("agent:").unwrap_or(s).to_owned()),
        _ => None,
    }
}

/// Agents who wrote in a chat (trigger messages excluded), in order of first reply.
pub fn agent_ids(chat: &HookPayload) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    for m in chat
        .messages
        .iter()
        .filter(|m| m.kind == "agent" && m.triggered_by.is_none())
    {
        if let Some(id) = agent_of(&m.from)
            && !ids.contains(&id)
        {
            ids.push(id);
        }
    }
    ids
}
