//! Conversations and their messages (REFERENCE 3.5 to 3.7): creating one,
//! posting a message, updating status, assignment and properties, and the
//! webhook events each change produces.

use serde_json::{Map, Value};
use time::OffsetDateTime;

use super::error::FreshchatError;
use super::settings::SiteIdTransport;
use super::store::Activity;
use super::store::{Conversation, Event, STATUSES, Store, not_found};
use super::webhook::{self, Actor, Assignment};
use super::wire::{self, Message, opt_str};
use crate::clock::iso_millis;

/// A message body after its checks.
#[derive(Debug, Clone)]
struct MessageInput {
    parts: Vec<Value>,
    reply_parts: Option<Vec<Value>>,
    actor_type: String,
    actor_id: String,
    message_type: String,
    user_id: String,
    meta_data: Option<Value>,
    in_reply_to: Option<Value>,
}

/// What a `PUT /v2/conversations/{id}` asks for, after its checks.
struct Update {
    status: Option<String>,
    agent: Option<String>,
    group: Option<String>,
    properties: Option<Map<String, Value>>,
}

fn bad(message: &str) -> FreshchatError {
    FreshchatError::BadRequest(message.to_owned())
}

/// The customer of a new conversation: the first of `users`, else `user_id`.
fn customer_of(body: &Map<String, Value>) -> Result<String, FreshchatError> {
    let user_id = match body.get("users") {
        Some(Value::Array(us)) => us
            .first()
            .and_then(|u| u.get("id"))
            .and_then(Value::as_str)
            .map(str::to_owned),
        Some(_) => return Err(bad("users must be an array of {\"id\": ...}")),
        None => None,
    };
    user_id
        .or(opt_str(body, "user_id")?)
        .ok_or_else(|| bad("users is required: [{\"id\": \"<user id>\"}] names the customer"))
}

/// `messages` of a new conversation (none when absent).
fn messages_of(body: &Map<String, Value>) -> Result<Vec<Value>, FreshchatError> {
    match body.get("messages") {
        None => Ok(Vec::new()),
        Some(Value::Array(ms)) => Ok(ms.clone()),
        Some(_) => Err(bad("messages must be an array")),
    }
}

/// `properties` of a new conversation: an object, or `[{name, value}]` pairs.
fn properties_of(body: &Map<String, Value>) -> Result<Map<String, Value>, FreshchatError> {
    match body.get("properties") {
        None => Ok(Map::new()),
        Some(Value::Object(m)) => Ok(m.clone()),
        Some(Value::Array(pairs)) => Ok(pairs
            .iter()
            .filter_map(|p| {
                Some((
                    p.get("name")?.as_str()?.to_owned(),
                    p.get("value").cloned().unwrap_or(Value::Null),
                ))
            })
            .collect()),
        Some(_) => Err(bad("properties must be an object")),
    }
}

impl Store {
    /// `POST /v2/conversations`: a conversation for the first of `users` on
    /// `channel_id` (default: the first channel), with its first `messages`; each
    /// message is a `message_create` event.
    pub fn create_conversation(
        &mut self,
        body: &Map<String, Value>,
        now: OffsetDateTime,
    ) -> Result<usize, FreshchatError> {
        let user_id = customer_of(body)?;
        let site_id = self.user(&user_id)?.site_id.clone();
        let channel_id = self.channel_of(body)?;
        let messages = messages_of(body)?;
        let properties = properties_of(body)?;
        let t = iso_millis(now);
        let c = Conversation {
            conversation_id: self.uuid(),
            conversation_internal_id: self.internal_ids.next_id(),
            app_id: self.app_id.clone(),
            status: "new".to_owned(),
            channel_id,
            assigned_agent_id: None,
            assigned_group_id: None,
            user_id,
            properties,
            created_time: t.clone(),
            updated_time: t,
            site_id,
            site_id_transport: self.site_id_transport,
            interaction: self.ids.range(100_000_000_000_000, 999_999_999_999_999),
            messages: Vec::new(),
        };
        // Check every message before storing anything.
        let inputs = messages
            .iter()
            .enumerate()
            .map(|(i, m)| {
                m.as_object()
                    .ok_or_else(|| {
                        FreshchatError::BadRequest(format!("messages[{i}] must be an object"))
                    })
                    .and_then(|m| self.message_input(m, &c))
            })
            .collect::<Result<Vec<_>, _>>()?;
        self.conversations.push(c);
        let i = self.conversations.len() - 1;
        for input in inputs {
            self.add_message(i, input, now);
        }
        Ok(i)
    }

    /// The channel of a new conversation (default: the first), which must exist,
    /// on this account's APP ID when `app_id` is given.
    fn channel_of(&self, body: &Map<String, Value>) -> Result<String, FreshchatError> {
        let channel_id = match opt_str(body, "channel_id")? {
            Some(c) => c,
            None => self
                .channels
                .first()
                .map(|c| c.id.clone())
                .ok_or_else(|| bad("channel_id is required"))?,
        };
        if !self.channels.iter().any(|c| c.id == channel_id) {
            return Err(not_found("CHANNEL"));
        }
        if let Some(app) = opt_str(body, "app_id")?
            && app != self.app_id
        {
            return Err(FreshchatError::BadRequest(format!(
                "app_id `{app}` is not this account's APP ID"
            )));
        }
        Ok(channel_id)
    }

    /// Checks a message body against the conversation it goes to.
    fn message_input(
        &self,
        body: &Map<String, Value>,
        c: &Conversation,
    ) -> Result<MessageInput, FreshchatError> {
        let mut parts = wire::check_parts(body.get("message_parts"))?;
        self.resolve_attachments(&mut parts)?;
        let (actor_type, actor_id) = self.author_of(body, c)?;
        let message_type = opt_str(body, "message_type")?.unwrap_or_else(|| "normal".to_owned());
        if !matches!(message_type.as_str(), "normal" | "private") {
            return Err(FreshchatError::BadRequest(format!(
                "message_type `{message_type}` is not one of normal, private"
            )));
        }
        let reply_parts = match body.get("reply_parts") {
            None => None,
            Some(Value::Array(p)) => Some(p.clone()),
            Some(_) => return Err(bad("reply_parts must be an array")),
        };
        Ok(MessageInput {
            parts,
            reply_parts,
            actor_type,
            actor_id,
            message_type,
            user_id: opt_str(body, "user_id")?.unwrap_or_else(|| c.user_id.clone()),
            meta_data: body.get("meta_data").cloned(),
            in_reply_to: body.get("in_reply_to").cloned(),
        })
    }

    /// Who writes a message: `actor_type` and `actor_id` (the conversation's
    /// customer for a user, none for the system), a user or agent that exists.
    fn author_of(
        &self,
        body: &Map<String, Value>,
        c: &Conversation,
    ) -> Result<(String, String), FreshchatError> {
        let actor_type = opt_str(body, "actor_type")?.ok_or_else(|| {
            FreshchatError::BadRequest(format!(
                "actor_type is required ({})",
                wire::ACTOR_TYPES.join(", ")
            ))
        })?;
        if !wire::ACTOR_TYPES.contains(&actor_type.as_str()) {
            return Err(FreshchatError::BadRequest(format!(
                "actor_type `{actor_type}` is not one of {}",
                wire::ACTOR_TYPES.join(", ")
            )));
        }
        let actor_id = match (opt_str(body, "actor_id")?, actor_type.as_str()) {
            (Some(id), _) => id,
            (None, "user") => c.user_id.clone(),
            (None, "system") => String::new(),
            (None, _) => return Err(bad("actor_id is required for agent and bot messages")),
        };
        match actor_type.as_str() {
            "user" => {
                self.user(&actor_id)?;
            }
            "agent" => {
                self.agent(&actor_id)?;
            }
            _ => {}
        }
        Ok((actor_type, actor_id))
    }

    /// Stores a checked message and produces its events: a user writing in a
    /// resolved conversation reopens it first.
    fn add_message(&mut self, i: usize, m: MessageInput, now: OffsetDateTime) -> Message {
        let id = self.uuid();
        let t = iso_millis(now);
        let actor = Actor {
            actor_type: m.actor_type.clone(),
            actor_id: m.actor_id.clone(),
        };
        if m.actor_type == "user" && self.conversations[i].status == "resolved" {
            self.set_status(i, "reopened", &actor, now);
        }
        let c = &mut self.conversations[i];
        let message = Message {
            message_parts: m.parts,
            reply_parts: m.reply_parts,
            app_id: c.app_id.clone(),
            actor_id: m.actor_id,
            id,
            channel_id: c.channel_id.clone(),
            conversation_id: c.conversation_id.clone(),
            interaction_id: c.interaction_id(now),
            message_type: m.message_type,
            actor_type: m.actor_type,
            created_time: t.clone(),
            user_id: m.user_id,
            message_source: "API".to_owned(),
            meta_data: m.meta_data,
            in_reply_to: m.in_reply_to,
            site_id: c
                .site_id
                .clone()
                .filter(|_| c.site_id_transport == SiteIdTransport::Field),
        };
        c.messages.push(message.clone());
        c.updated_time = t.clone();
        self.events.push(Event {
            action: "message_create",
            payload: webhook::envelope(
                "message_create",
                &actor,
                &t,
                webhook::message_data(&message),
            ),
        });
        message
    }

    /// `POST /v2/conversations/{id}/messages`.
    pub fn post_message(
        &mut self,
        conversation_id: &str,
        body: &Map<String, Value>,
        now: OffsetDateTime,
    ) -> Result<Message, FreshchatError> {
        let i = self.conversation_index(conversation_id)?;
        let input = self.message_input(body, &self.conversations[i])?;
        Ok(self.add_message(i, input, now))
    }

    fn set_status(&mut self, i: usize, status: &str, actor: &Actor, now: OffsetDateTime) {
        let t = iso_millis(now);
        let c = &mut self.conversations[i];
        c.status = status.to_owned();
        c.updated_time = t.clone();
        let kind = if status == "resolved" {
            "resolved"
        } else {
            "reopened"
        };
        let record = Activity {
            kind,
            conversation_id: c.conversation_id.clone(),
            target: actor.actor_id.clone(),
            time: t.clone(),
        };
        self.activity.push(record);
        let c = &mut self.conversations[i];
        let view = c.event_view();
        let interaction = c.interaction_id(now);
        let (action, data) = match status {
            "resolved" => (
                "conversation_resolution",
                webhook::resolve_data(actor, view, &interaction),
            ),
            _ => (
                "conversation_reopen",
                webhook::reopen_data(actor, view, &interaction),
            ),
        };
        self.events.push(Event {
            action,
            payload: webhook::envelope(action, actor, &t, data),
        });
    }

    /// `PUT /v2/conversations/{id}`: `status`, `assigned_agent_id`,
    /// `assigned_group_id`, `properties`. An assignment is a
    /// `conversation_assignment` event; resolving and reopening are theirs.
    pub fn update_conversation(
        &mut self,
        conversation_id: &str,
        body: &Map<String, Value>,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<usize, FreshchatError> {
        let i = self.conversation_index(conversation_id)?;
        let Update {
            status,
            agent,
            group,
            properties,
        } = self.update_of(body)?;
        let c = &self.conversations[i];
        if status.as_deref() == Some("assigned") && agent.is_none() && c.assigned_agent_id.is_none()
        {
            return Err(bad("status assigned needs assigned_agent_id"));
        }
        let c = &mut self.conversations[i];
        if let Some(p) = properties {
            c.properties.extend(p);
        }
        c.updated_time = iso_millis(now);
        let changed_agent = self.assign(i, agent, group, actor, now);
        let current = self.conversations[i].status.clone();
        match status.as_deref() {
            Some("resolved") if current != "resolved" => {
                self.set_status(i, "resolved", actor, now);
            }
            Some("reopened") if current == "resolved" => {
                self.set_status(i, "reopened", actor, now);
            }
            Some(s @ ("new" | "assigned")) if current != s && !changed_agent => {
                self.conversations[i].status = s.to_owned();
            }
            _ => {}
        }
        Ok(i)
    }

    /// Checks an update's body: a known status, an agent and a group that exist,
    /// properties as an object.
    fn update_of(&self, body: &Map<String, Value>) -> Result<Update, FreshchatError> {
        let status = opt_str(body, "status")?;
        if let Some(s) = &status
            && !STATUSES.contains(&s.as_str())
        {
            return Err(FreshchatError::BadRequest(format!(
                "status `{s}` is not one of {}",
                STATUSES.join(", ")
            )));
        }
        let agent = opt_str(body, "assigned_agent_id")?;
        if let Some(a) = &agent {
            self.agent(a)?;
        }
        let group = opt_str(body, "assigned_group_id")?;
        if let Some(g) = &group {
            self.group(g)?;
        }
        let properties = match body.get("properties") {
            None => None,
            Some(Value::Object(m)) => Some(m.clone()),
            Some(_) => return Err(bad("properties must be an object")),
        };
        Ok(Update {
            status,
            agent,
            group,
            properties,
        })
    }

    /// Assigns conversation `i` to `agent` and/or `group` where they change it:
    /// one `conversation_assignment` event; a new agent makes it `assigned`.
    /// Returns whether the agent changed.
    fn record_assignment(&mut self, i: usize, agent: bool, group: bool, a: &Assignment, t: &str) {
        let cid = &self.conversations[i].conversation_id;
        for (changed, kind, target) in [
            (agent, "agent_assigned", &a.to_agent_id),
            (group, "group_assigned", &a.to_group_id),
        ] {
            if changed {
                self.activity.push(Activity {
                    kind,
                    conversation_id: cid.clone(),
                    target: target.clone(),
                    time: t.to_owned(),
                });
            }
        }
    }

    fn assign(
        &mut self,
        i: usize,
        agent: Option<String>,
        group: Option<String>,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> bool {
        let c = &mut self.conversations[i];
        let changed_agent = agent.is_some() && agent != c.assigned_agent_id;
        let changed_group = group.is_some() && group != c.assigned_group_id;
        if !changed_agent && !changed_group {
            return false;
        }
        let a = Assignment {
            from_agent_id: c.assigned_agent_id.clone().unwrap_or_default(),
            from_group_id: c.assigned_group_id.clone().unwrap_or_default(),
            to_agent_id: agent
                .clone()
                .or_else(|| c.assigned_agent_id.clone())
                .unwrap_or_default(),
            to_group_id: group
                .clone()
                .or_else(|| c.assigned_group_id.clone())
                .unwrap_or_default(),
        };
        if changed_agent {
            c.assigned_agent_id = agent;
            c.status = "assigned".to_owned();
        }
        if changed_group {
            c.assigned_group_id = group;
        }
        let view = c.event_view();
        let interaction = c.interaction_id(now);
        let t = iso_millis(now);
        self.record_assignment(i, changed_agent, changed_group, &a, &t);
        self.events.push(Event {
            action: "conversation_assignment",
            payload: webhook::envelope(
                "conversation_assignment",
                actor,
                &t,
                webhook::assignment_data(actor, &a, view, &interaction),
            ),
        });
        changed_agent
    }
}
