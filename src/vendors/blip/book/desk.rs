//! The Desk's configuration as its commands see it: attendants, teams,
//! attendance rules, attendance queues and canned-reply categories.

use serde::Serialize;
use serde_json::{Value, json};

use super::Shelf;

/// An agent (`application/vnd.iris.desk.attendant+json`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Attendant {
    /// `name%40domain@blip.ai`.
    pub identity: String,
    /// Display name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub full_name: Option<String>,
    /// E-mail.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The teams the agent serves.
    pub teams: Vec<String>,
    /// `Offline`, `Pause`, `Online` or `Invisible`.
    pub status: String,
    /// When the agent last served a ticket.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_service_date: Option<String>,
    /// Simultaneous tickets allowed, when configured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_slots: Option<u64>,
    /// Seen in a 2022 capture of `get /attendants`, not in the docs.
    pub is_enabled: bool,
}

/// The four statuses an attendant can have (REFERENCE extensions 2.1).
pub const ATTENDANT_STATUSES: [&str; 4] = ["Offline", "Pause", "Online", "Invisible"];

/// A canned-reply category and its replies.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReplyCategory {
    /// The category's name.
    pub category: String,
    /// Its replies, as stored.
    pub items: Vec<Value>,
}

/// The Desk's configuration.
#[derive(Debug, Clone, Default)]
pub struct Desk {
    /// Attendants by identity.
    pub attendants: Shelf<Attendant>,
    /// Teams by name.
    pub teams: Shelf<()>,
    /// Attendance rules by id.
    pub rules: Shelf<Value>,
    /// Priority rules by id.
    pub priority_rules: Shelf<Value>,
    /// Attendance queues by id.
    pub queues: Shelf<Value>,
    /// Canned-reply categories by id.
    pub replies: Shelf<ReplyCategory>,
}

impl Desk {
    /// Adds the team if it is new.
    pub fn ensure_team(&mut self, owner: &str, team: &str) {
        if self.teams.get(owner, team).is_none() {
            self.teams.put(owner, team, ());
        }
    }

    /// Stores an attendant, adding its teams.
    pub fn put_attendant(&mut self, owner: &str, a: Attendant) {
        for t in &a.teams {
            self.ensure_team(owner, t);
        }
        self.attendants.put(owner, &a.identity.clone(), a);
    }

    /// The team names of `owner`, in order.
    pub fn team_names(&self, owner: &str) -> Vec<String> {
        self.teams.of(owner).map(|(k, ())| k.to_owned()).collect()
    }

    /// `GET /state/blip`'s view.
    pub fn state(&self) -> Value {
        let teams: std::collections::BTreeMap<&str, Vec<&str>> =
            self.teams
                .items
                .iter()
                .fold(Default::default(), |mut m, (o, k, ())| {
                    m.entry(o.as_str()).or_default().push(k.as_str());
                    m
                });
        json!({
            "attendants": self.attendants.state(),
            "teams": teams,
            "rules": self.rules.state(),
            "priority_rules": self.priority_rules.state(),
            "attendance_queues": self.queues.state(),
            "replies": self.replies.state(),
        })
    }
}

/// An agent's identity from an e-mail: `@` written `%40`, under `blip.ai`.
pub fn agent_identity(email: &str) -> String {
    format!("{}@blip.ai", email.replace('@', "%40"))
}

/// A queue id from its name: lower case without spaces (\[DOC\] example; the rule
/// is UNVERIFIED).
pub fn queue_id(name: &str) -> String {
    name.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}
