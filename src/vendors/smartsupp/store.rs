//! Fake Smartsupp's state, free of I/O: the chats the hook sent, the deliveries,
//! and what the public REST API adds. The conversation generator is in
//! [`super::chat`]; its items are re-exported here.

use serde::Serialize;
use serde_json::{Map, Value};

pub use super::chat::{
    AgentSpec, Author, ChatIds, ChatKind, ChatSpec, ClosedBy, Line, Stats, VisitorSpec, generate,
    spec_problems, stats, words,
};
use super::rest::state::{Contact, RestState, default_agents};
use super::wire::HookPayload;
use crate::ids::IdGen;

/// One delivery and how it went.
#[derive(Debug, Clone, Serialize)]
pub struct DeliveryRecord {
    /// The delivery's id (shared by its journaled attempts).
    pub delivery: String,
    /// `hook` or the webhook event's name.
    pub event: String,
    /// The chat's id, for hooks and conversation events.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chat_id: Option<Value>,
    /// Where it went.
    pub url: String,
    /// `in_progress`, `delivered` or `failed`.
    pub status: &'static str,
    /// Each attempt's status or error.
    pub attempts: Vec<Value>,
}

/// Everything fake Smartsupp holds.
#[derive(Debug, Clone)]
pub struct Store {
    ids: IdGen,
    next_chat: u64,
    next_visitor: u64,
    /// The conversations sent by the hook, oldest first.
    pub chats: Vec<HookPayload>,
    /// Hook deliveries.
    pub hooks: Vec<DeliveryRecord>,
    /// Webhook deliveries.
    pub webhooks: Vec<DeliveryRecord>,
    /// What the public REST API adds: statuses, contacts, agents, notes.
    pub rest: RestState,
}

impl Store {
    /// The seeded state: no chats yet.
    pub fn seeded(seed: u64) -> Self {
        Self {
            ids: IdGen::new(seed ^ 0x05A7_5005),
            next_chat: 55_039,
            next_visitor: 27_671,
            chats: Vec::new(),
            hooks: Vec::new(),
            webhooks: Vec::new(),
            rest: RestState::seeded(default_agents()),
        }
    }

    /// A new contact's id, from the visitors' sequence (a visitor's contact shares
    /// its id).
    pub fn contact_id(&mut self) -> u64 {
        let id = self.next_visitor;
        self.next_visitor += 1;
        id
    }

    /// The chat with this id, to change it.
    pub fn chat_mut(&mut self, id: u64) -> Option<&mut HookPayload> {
        self.chats.iter_mut().find(|c| c.channel.id == id)
    }

    /// Ids for a new chat.
    pub fn chat_ids(&mut self) -> ChatIds {
        const ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        let chat = self.next_chat;
        self.next_chat += 1;
        let visitor = self.next_visitor;
        self.next_visitor += 1;
        // Shaped as the documented key: 35 letters and digits, then 13 digits.
        let mut key: String = (0..35)
            .map(|_| ALNUM[(self.ids.next_u64() % ALNUM.len() as u64) as usize] as char)
            .collect();
        key.push_str(
            &self
                .ids
                .range(1_000_000_000_000, 2_000_000_000_000)
                .to_string(),
        );
        ChatIds {
            chat,
            visitor,
            visitor_key: key,
        }
    }

    /// A delivery id.
    pub fn delivery_id(&mut self) -> String {
        self.ids.hex(24)
    }

    /// The chat with this id.
    pub fn chat(&self, id: u64) -> Option<&HookPayload> {
        self.chats.iter().find(|c| c.channel.id == id)
    }

    /// Makes sure every chat's visitor has a contact (created when the chat began).
    pub fn sync_contacts(&mut self) {
        let missing: Vec<Contact> = self
            .chats
            .iter()
            .filter(|c| !self.rest.contacts.contains_key(&c.visitor.id.to_string()))
            .map(|c| Contact {
                id: c.visitor.id.to_string(),
                name: c.visitor.name.clone(),
                email: c.visitor.email.clone(),
                phone: None,
                note: c.visitor.note.clone().filter(|n| !n.is_empty()),
                external_id: None,
                created_ms: c.begin_at,
                updated_ms: c.begin_at,
                banned_ms: None,
                banned_by: None,
                tags: Vec::new(),
                properties: Map::new(),
            })
            .collect();
        for c in missing {
            self.rest.contacts.insert(c.id.clone(), c);
        }
    }
}
