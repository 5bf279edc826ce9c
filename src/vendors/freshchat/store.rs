//! Freshchat's state and lifecycle rules (REFERENCE 3.5 to 3.7): users, agents,
//! groups, channels, conversations with their messages, and the webhook events each
//! change produces. Plain data, no I/O: the vendor signs and sends the events.
//!
//! Conversation status: `new` → `assigned` (an agent is assigned) → `resolved` →
//! `reopened` (a user writes, or someone reopens it) → `assigned` | `resolved`. No
//! state is terminal. Assigning only a group keeps the status (UNVERIFIED).

use serde::Serialize;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use super::FreshchatSettings;
use super::error::FreshchatError;
use super::settings::{NamedSeed, SiteIdTransport};
use super::wire::{self, Agent, Channel, Group, Message, User, opt_str};
use crate::clock::iso_millis;
use crate::ids::{IdGen, Sequence};

/// The statuses a conversation can have.
pub const STATUSES: &[&str] = &["new", "assigned", "resolved", "reopened"];

/// A conversation and its messages.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Conversation {
    /// UUID.
    pub conversation_id: String,
    /// Numeric id (Freshchat's `freshchat_conversation_id` too).
    pub conversation_internal_id: u64,
    /// The account's APP ID.
    pub app_id: String,
    /// `new`, `assigned`, `resolved` or `reopened`.
    pub status: String,
    /// The channel (topic).
    pub channel_id: String,
    /// The assigned agent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assigned_agent_id: Option<String>,
    /// The assigned group.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assigned_group_id: Option<String>,
    /// The customer.
    pub user_id: String,
    /// Custom properties.
    pub properties: Map<String, Value>,
    /// ISO-8601 with milliseconds.
    pub created_time: String,
    /// ISO-8601 with milliseconds.
    pub updated_time: String,
    /// The site (multi-site) of the customer, if the account has sites.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub site_id: Option<String>,
    /// Where `site_id` shows.
    #[serde(skip)]
    pub site_id_transport: SiteIdTransport,
    /// The first half of every `interaction_id` of the conversation.
    #[serde(skip)]
    pub interaction: u64,
    /// Messages, oldest first.
    pub messages: Vec<Message>,
}

impl Conversation {
    /// The API's view (REFERENCE 3.5: the PUT response's fields).
    pub fn view(&self, base_url: &str) -> Value {
        let mut v = json!({
            "conversation_id": self.conversation_id,
            "freshchat_conversation_id": self.conversation_internal_id,
            "conversation_internal_id": self.conversation_internal_id,
            "app_id": self.app_id,
            "status": self.status,
            "channel_id": self.channel_id,
            "skill_id": 0,
            "url": format!("{base_url}/a/{}/open/conversation/{}", self.app_id, self.conversation_internal_id),
            "created_time": self.created_time,
            "updated_time": self.updated_time,
            "user_id": self.user_id,
            "users": [{"id": self.user_id}],
            "properties": self.properties,
        });
        if let Some(g) = &self.assigned_group_id {
            v["assigned_group_id"] = json!(g);
        }
        if let Some(a) = &self.assigned_agent_id {
            v["assigned_agent_id"] = json!(a);
            v["agents"] = json!([{"id": a}]);
        }
        self.show_site(&mut v);
        v
    }

    /// Adds the site to a view of the conversation, where the transport says.
    fn show_site(&self, v: &mut Value) {
        let Some(site) = &self.site_id else {
            return;
        };
        match self.site_id_transport {
            SiteIdTransport::Field => v["site_id"] = json!(site),
            SiteIdTransport::ConversationProperty => v["properties"]["site_id"] = json!(site),
            SiteIdTransport::UserProperty | SiteIdTransport::None => {}
        }
    }

    /// The conversation as webhook events show it (REFERENCE 3.8 samples).
    pub fn event_view(&self) -> Value {
        let mut v = json!({
            "conversation_id": self.conversation_id,
            "app_id": self.app_id,
            "status": self.status,
            "channel_id": self.channel_id,
            "skill_id": 0,
            "sla_policy_id": 0,
            "sla_breached": false,
        });
        if let Some(g) = &self.assigned_group_id {
            v["assigned_group_id"] = json!(g);
        }
        if let Some(a) = &self.assigned_agent_id {
            v["assigned_agent_id"] = json!(a);
        }
        self.show_site(&mut v);
        v
    }

    pub(super) fn interaction_id(&self, at: OffsetDateTime) -> String {
        let ms = at.unix_timestamp_nanos() / 1_000_000;
        format!("{}-{ms}", self.interaction)
    }
}

/// A webhook event, ready to be serialized, signed and sent.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// `message_create`, `conversation_assignment`, ...
    pub action: &'static str,
    /// The whole envelope.
    pub payload: Value,
}

/// How a delivery went, for `GET /state/freshchat`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeliveryRecord {
    /// Groups the attempts in the journal.
    pub delivery: String,
    /// The event.
    pub action: &'static str,
    /// The URL.
    pub url: String,
    /// `queued`, `delivered` or `failed`.
    pub status: &'static str,
    /// How many attempts were made.
    pub attempts: usize,
}

/// Everything fake Freshchat holds.
#[derive(Debug, Clone)]
pub struct Store {
    pub(super) ids: IdGen,
    pub(super) internal_ids: Sequence,
    /// The account's APP ID.
    pub app_id: String,
    /// Customers, in creation order.
    pub users: Vec<User>,
    /// Agents (the bot among them).
    pub agents: Vec<Agent>,
    /// Groups.
    pub groups: Vec<Group>,
    /// Channels (topics).
    pub channels: Vec<Channel>,
    /// Conversations, in creation order.
    pub conversations: Vec<Conversation>,
    /// Events produced and not yet handed to the sender.
    pub events: Vec<Event>,
    /// Webhook deliveries, in the order they were queued.
    pub deliveries: Vec<DeliveryRecord>,
    /// Where webhooks go (`None`: fake Mammut's Freshchat channel).
    pub webhook_url: Option<String>,
    /// Whether webhooks are sent at all.
    pub webhook_enabled: bool,
    /// Custom agent statuses (`GET /agents/status`).
    pub statuses: Vec<NamedSeed>,
    /// Files and images uploaded, oldest first.
    pub uploads: Vec<super::records::Upload>,
    /// CSAT ratings given through the API.
    pub csat: Vec<super::records::Csat>,
    /// Extract jobs (`POST /reports/raw`).
    pub reports: Vec<super::records::ReportJob>,
    /// Outbound WhatsApp messages.
    pub outbound: Vec<super::records::OutboundMessage>,
    /// What happened to conversations (assignments, resolutions, reopens), for
    /// extracts and metrics.
    pub activity: Vec<Activity>,
    /// Where `site_id` shows.
    pub site_id_transport: SiteIdTransport,
}

/// One change of a conversation, as extracts and metrics count them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Activity {
    /// `agent_assigned`, `group_assigned`, `resolved` or `reopened`.
    pub kind: &'static str,
    /// The conversation.
    pub conversation_id: String,
    /// The agent or group assigned, or who resolved or reopened.
    pub target: String,
    /// ISO-8601 with milliseconds.
    pub time: String,
}

/// The time seeded objects were created (stable across runs).
const SEEDED_TIME: &str = "2024-01-01T00:00:00.000Z";

pub(super) fn not_found(what: &'static str) -> FreshchatError {
    if what == "AGENT" {
        FreshchatError::AgentNotFound
    } else {
        FreshchatError::NotFound(what)
    }
}

impl Store {
    /// The seeded account of `settings`.
    pub fn seeded(s: &FreshchatSettings, seed: u64) -> Self {
        let t = SEEDED_TIME.to_owned();
        let mut users = seeded_users(s, &t);
        for u in &mut users {
            site_property(u, s.site_id_transport);
        }
        let agents = seeded_agents(s);
        let groups = s
            .groups
            .iter()
            .map(|g| Group {
                id: g.id.clone(),
                name: g.name.clone(),
                description: g.description.clone(),
                routing_type: "INTELLIASSIGN".to_owned(),
            })
            .collect();
        let channels = s
            .channels
            .iter()
            .map(|c| Channel {
                id: c.id.clone(),
                icon: json!({"url": ""}),
                updated_time: t.clone(),
                enabled: true,
                public: true,
                name: c.name.clone(),
                tags: Vec::new(),
                locale: "en".to_owned(),
            })
            .collect();
        Self {
            ids: IdGen::new(seed ^ 0xF8E5_11C4),
            internal_ids: Sequence::new(1_000_001, 1),
            app_id: s.app_id.clone(),
            users,
            agents,
            groups,
            channels,
            conversations: Vec::new(),
            events: Vec::new(),
            deliveries: Vec::new(),
            webhook_url: s.webhook.url.clone(),
            webhook_enabled: s.webhook.enabled,
            statuses: s.agent_statuses.clone(),
            uploads: Vec::new(),
            csat: Vec::new(),
            reports: Vec::new(),
            outbound: Vec::new(),
            activity: Vec::new(),
            site_id_transport: s.site_id_transport,
        }
    }

    /// A UUID v4-shaped id from the seeded generator.
    pub fn uuid(&mut self) -> String {
        let h = self.ids.hex(32);
        let variant = ["8", "9", "a", "b"][usize::from(h.as_bytes()[16] % 4)];
        format!(
            "{}-{}-4{}-{variant}{}-{}",
            &h[..8],
            &h[8..12],
            &h[13..16],
            &h[17..20],
            &h[20..]
        )
    }

    /// A user by id.
    pub fn user(&self, id: &str) -> Result<&User, FreshchatError> {
        self.users
            .iter()
            .find(|u| u.id == id)
            .ok_or_else(|| not_found("USER"))
    }

    /// An agent by id.
    pub fn agent(&self, id: &str) -> Result<&Agent, FreshchatError> {
        self.agents
            .iter()
            .find(|a| a.id == id)
            .ok_or_else(|| not_found("AGENT"))
    }

    /// A group by id.
    pub fn group(&self, id: &str) -> Result<&Group, FreshchatError> {
        self.groups
            .iter()
            .find(|g| g.id == id)
            .ok_or_else(|| not_found("GROUP"))
    }

    /// A conversation by id.
    pub fn conversation(&self, id: &str) -> Result<&Conversation, FreshchatError> {
        self.conversations
            .iter()
            .find(|c| c.conversation_id == id)
            .ok_or_else(|| not_found("CONVERSATION"))
    }

    pub(super) fn conversation_index(&self, id: &str) -> Result<usize, FreshchatError> {
        self.conversations
            .iter()
            .position(|c| c.conversation_id == id)
            .ok_or_else(|| not_found("CONVERSATION"))
    }

    /// `POST /v2/users`: every field optional; `properties` is `[{name, value}]`.
    pub fn create_user(
        &mut self,
        body: &Map<String, Value>,
        now: OffsetDateTime,
    ) -> Result<User, FreshchatError> {
        let t = iso_millis(now);
        let mut u = User {
            id: self.uuid(),
            created_time: t.clone(),
            updated_time: t,
            email: None,
            first_name: None,
            last_name: None,
            phone: None,
            avatar: None,
            reference_id: None,
            properties: Vec::new(),
            social_profiles: Vec::new(),
            site_id: opt_str(body, "site_id")?,
        };
        apply_user(&mut u, body)?;
        site_property(&mut u, self.site_id_transport);
        self.users.push(u.clone());
        Ok(u)
    }

    /// `PUT /v2/users/{id}`: the fields given replace the stored ones.
    pub fn update_user(
        &mut self,
        id: &str,
        body: &Map<String, Value>,
        now: OffsetDateTime,
    ) -> Result<User, FreshchatError> {
        let u = self
            .users
            .iter_mut()
            .find(|u| u.id == id)
            .ok_or_else(|| not_found("USER"))?;
        apply_user(u, body)?;
        u.updated_time = iso_millis(now);
        Ok(u.clone())
    }
}

impl Store {
    /// `DELETE /v2/users/{id}`: the user, their conversations and those
    /// conversations' ratings and activity go.
    pub fn delete_user(&mut self, id: &str) -> Result<(), FreshchatError> {
        self.user(id)?;
        self.users.retain(|u| u.id != id);
        let gone: Vec<String> = self
            .conversations
            .iter()
            .filter(|c| c.user_id == id)
            .map(|c| c.conversation_id.clone())
            .collect();
        self.conversations.retain(|c| c.user_id != id);
        self.csat.retain(|r| !gone.contains(&r.conversation_id));
        self.activity.retain(|a| !gone.contains(&a.conversation_id));
        Ok(())
    }
}

/// The customers of `settings`, created at the seeded time `t`.
fn seeded_users(s: &FreshchatSettings, t: &str) -> Vec<User> {
    s.users
        .iter()
        .map(|u| User {
            id: u.id.clone(),
            created_time: t.to_owned(),
            updated_time: t.to_owned(),
            email: u.email.clone(),
            first_name: u.first_name.clone(),
            last_name: u.last_name.clone(),
            phone: None,
            avatar: None,
            reference_id: u.reference_id.clone(),
            properties: u.properties.clone(),
            social_profiles: Vec::new(),
            site_id: u.site_id.clone(),
        })
        .collect()
}

/// The agents of `settings`, each in the groups that list it.
fn seeded_agents(s: &FreshchatSettings) -> Vec<Agent> {
    s.agents
        .iter()
        .map(|a| Agent {
            id: a.id.clone(),
            email: a.email.clone(),
            first_name: a.first_name.clone(),
            last_name: a.last_name.clone(),
            avatar: json!({"url": ""}),
            availability_status: "AVAILABLE".to_owned(),
            routing_type: "INTELLIASSIGN".to_owned(),
            groups: s
                .groups
                .iter()
                .filter(|g| g.agents.contains(&a.id))
                .map(|g| g.id.clone())
                .collect(),
            is_deactivated: false,
            locale: "en".to_owned(),
            timezone: "UTC".to_owned(),
            social_profiles: Vec::new(),
            role_id: super::records::role_of_seed(s, &a.id).to_owned(),
            role_name: super::records::role_name(super::records::role_of_seed(s, &a.id)).to_owned(),
            phone: None,
            biography: None,
            agent_status: None,
            login_status: true,
            created_time: SEEDED_TIME.to_owned(),
        })
        .collect()
}

/// Under the `user_property` transport, the user's site as a `site_id` property.
fn site_property(u: &mut User, transport: SiteIdTransport) {
    if let (SiteIdTransport::UserProperty, Some(site)) = (transport, &u.site_id) {
        u.properties.retain(|p| p.name != "site_id");
        u.properties.push(wire::Property {
            name: "site_id".to_owned(),
            value: site.clone(),
        });
    }
}

fn apply_user(u: &mut User, body: &Map<String, Value>) -> Result<(), FreshchatError> {
    let fields: [(&str, &mut Option<String>); 5] = [
        ("email", &mut u.email),
        ("first_name", &mut u.first_name),
        ("last_name", &mut u.last_name),
        ("phone", &mut u.phone),
        ("reference_id", &mut u.reference_id),
    ];
    for (key, slot) in fields {
        if let Some(v) = opt_str(body, key)? {
            *slot = Some(v);
        }
    }
    if let Some(a) = body.get("avatar") {
        u.avatar = Some(a.clone());
    }
    match body.get("properties") {
        None => {}
        Some(Value::Array(ps)) => {
            for (i, p) in ps.iter().enumerate() {
                let (Some(name), Some(value)) = (
                    p.get("name").and_then(Value::as_str),
                    p.get("value").map(|v| match v {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    }),
                ) else {
                    return Err(FreshchatError::BadRequest(format!(
                        "properties[{i}] must be {{\"name\": ..., \"value\": ...}}"
                    )));
                };
                u.properties.retain(|q| q.name != name);
                u.properties.push(wire::Property {
                    name: name.to_owned(),
                    value,
                });
            }
        }
        Some(_) => {
            return Err(FreshchatError::BadRequest(
                "properties must be an array of {\"name\": ..., \"value\": ...}".to_owned(),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vendors::freshchat::webhook::Actor;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2024-02-08 17:44:38.250 UTC);

    fn store() -> Store {
        Store::seeded(&FreshchatSettings::default(), 0)
    }

    fn body(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    fn conversation(s: &mut Store) -> String {
        let user = s.users[0].id.clone();
        let i = s
            .create_conversation(
                &body(json!({"users": [{"id": user}], "messages": [{"message_parts": [{"text": {"content": "hi"}}], "actor_type": "user", "actor_id": user}]})),
                NOW,
            )
            .unwrap();
        s.conversations[i].conversation_id.clone()
    }

    #[test]
    fn ids_are_uuid_v4_shaped() {
        let id = store().uuid();
        let re = regex::Regex::new(
            "^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$",
        )
        .unwrap();
        assert!(re.is_match(&id), "{id}");
    }

    #[test]
    fn a_new_conversation_with_a_message_is_one_message_create() {
        let mut s = store();
        let id = conversation(&mut s);
        let c = s.conversation(&id).unwrap();
        assert_eq!((c.status.as_str(), c.messages.len()), ("new", 1));
        assert_eq!(s.events.len(), 1);
        assert_eq!(s.events[0].action, "message_create");
        assert_eq!(
            s.events[0].payload["data"]["message"]["created_time"],
            "2024-02-08T17:44:38.250Z"
        );
    }

    #[test]
    fn assign_resolve_and_a_user_message_reopens() {
        let mut s = store();
        let id = conversation(&mut s);
        s.events.clear();
        let agent = Actor {
            actor_type: "agent".to_owned(),
            actor_id: s.agents[0].id.clone(),
        };
        let a = s.agents[0].id.clone();
        s.update_conversation(&id, &body(json!({"assigned_agent_id": a})), &agent, NOW)
            .unwrap();
        assert_eq!(s.conversation(&id).unwrap().status, "assigned");
        s.update_conversation(&id, &body(json!({"status": "resolved"})), &agent, NOW)
            .unwrap();
        let user = s.users[0].id.clone();
        s.post_message(
            &id,
            &body(json!({"message_parts": [{"text": {"content": "again"}}], "actor_type": "user", "actor_id": user})),
            NOW,
        )
        .unwrap();
        let actions: Vec<&str> = s.events.iter().map(|e| e.action).collect();
        assert_eq!(
            actions,
            [
                "conversation_assignment",
                "conversation_resolution",
                "conversation_reopen",
                "message_create"
            ]
        );
        assert_eq!(s.conversation(&id).unwrap().status, "reopened");
        assert_eq!(s.events[2].payload["data"]["reopen"]["reopener"], "user");
    }

    #[test]
    fn assigning_only_a_group_keeps_the_status() {
        let mut s = store();
        let id = conversation(&mut s);
        let g = s.groups[0].id.clone();
        let actor = Actor {
            actor_type: "agent".to_owned(),
            actor_id: s.agents[1].id.clone(),
        };
        s.update_conversation(&id, &body(json!({"assigned_group_id": g})), &actor, NOW)
            .unwrap();
        let c = s.conversation(&id).unwrap();
        assert_eq!(c.status, "new");
        assert_eq!(c.assigned_group_id.as_deref(), Some(g.as_str()));
        let e = s.events.last().unwrap();
        assert_eq!(e.payload["data"]["assignment"]["to_group_id"], json!(g));
        assert_eq!(e.payload["data"]["assignment"]["from_agent_id"], "");
    }

    #[test]
    fn bad_updates_are_refused_without_changes() {
        let mut s = store();
        let id = conversation(&mut s);
        let before = s.conversations.clone();
        let actor = Actor {
            actor_type: "system".to_owned(),
            actor_id: String::new(),
        };
        for b in [
            json!({"status": "closed"}),
            json!({"assigned_agent_id": "nope"}),
            json!({"status": "assigned"}),
            json!({"assigned_group_id": 5}),
        ] {
            assert!(s.update_conversation(&id, &body(b), &actor, NOW).is_err());
        }
        assert_eq!(s.conversations, before);
    }
}
