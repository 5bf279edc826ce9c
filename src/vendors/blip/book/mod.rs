//! What fake Blip's extensions hold besides tickets: the Desk's attendants,
//! teams, rules, queues and canned replies, the CRM's contacts and comments,
//! tracked events, bucket and resource documents, scheduled messages, and the
//! bot's inbox cursors. No I/O: every operation takes the time it needs.

pub mod crm;
pub mod desk;
pub mod docs;

use serde::Serialize;
use serde_json::{Map, Value, json};

pub use self::crm::Crm;
pub use self::desk::Desk;
pub use self::docs::{Schedule, Stored, TrackedEvent};

/// Items kept per bot under a key, in insertion order (a replaced item keeps its
/// place).
#[derive(Debug, Clone)]
pub struct Shelf<T> {
    items: Vec<(String, String, T)>,
}

impl<T> Default for Shelf<T> {
    fn default() -> Self {
        Self { items: Vec::new() }
    }
}

impl<T> Shelf<T> {
    /// The item `key` of `owner`.
    pub fn get(&self, owner: &str, key: &str) -> Option<&T> {
        self.items
            .iter()
            .find(|(o, k, _)| o == owner && k == key)
            .map(|(_, _, v)| v)
    }

    /// The item `key` of `owner`, to change.
    pub fn get_mut(&mut self, owner: &str, key: &str) -> Option<&mut T> {
        self.items
            .iter_mut()
            .find(|(o, k, _)| o == owner && k == key)
            .map(|(_, _, v)| v)
    }

    /// Stores `value` under `key`, replacing what was there.
    pub fn put(&mut self, owner: &str, key: &str, value: T) {
        match self.get_mut(owner, key) {
            Some(v) => *v = value,
            None => self.items.push((owner.to_owned(), key.to_owned(), value)),
        }
    }

    /// Removes `key`; whether it was there.
    pub fn remove(&mut self, owner: &str, key: &str) -> bool {
        let before = self.items.len();
        self.items.retain(|(o, k, _)| !(o == owner && k == key));
        self.items.len() != before
    }

    /// Keeps only the items `keep` accepts.
    pub fn retain(&mut self, mut keep: impl FnMut(&T) -> bool) {
        self.items.retain(|(_, _, v)| keep(v));
    }

    /// `owner`'s items with their keys, in order.
    pub fn of<'a>(&'a self, owner: &'a str) -> impl Iterator<Item = (&'a str, &'a T)> + 'a {
        self.items
            .iter()
            .filter(move |(o, _, _)| o == owner)
            .map(|(_, k, v)| (k.as_str(), v))
    }

    /// Every item, to change.
    pub fn all_mut(&mut self) -> impl Iterator<Item = (&str, &mut T)> {
        self.items.iter_mut().map(|(o, _, v)| (o.as_str(), v))
    }
}

impl<T: Serialize> Shelf<T> {
    /// `{owner: {key: item}}`, for `GET /state/blip`.
    pub fn state(&self) -> Value {
        let mut out = Map::new();
        for (o, k, v) in &self.items {
            let entry = out
                .entry(o.clone())
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(m) = entry {
                m.insert(k.clone(), serde_json::to_value(v).unwrap_or(Value::Null));
            }
        }
        Value::Object(out)
    }
}

/// The extensions' state.
#[derive(Debug, Clone, Default)]
pub struct Book {
    /// Attendants, teams, rules, queues, replies.
    pub desk: Desk,
    /// Contacts and their comments.
    pub crm: Crm,
    /// Tracked events, oldest first.
    pub events: Vec<TrackedEvent>,
    /// Bucket documents.
    pub buckets: Shelf<Stored>,
    /// Resources.
    pub resources: Shelf<Stored>,
    /// The Builder's context variables, keyed `{identity}/{variable}`.
    pub contexts: Shelf<Stored>,
    /// The chatbot profile's properties.
    pub profile: Shelf<Stored>,
    /// Distribution lists and their recipients.
    pub lists: Shelf<Vec<String>>,
    /// Scheduled messages, by message id.
    pub schedules: Shelf<Schedule>,
    /// `set /attendance-history/send-by-email` requests.
    pub history_requests: Vec<Value>,
    /// Messages sent to a destination the fake does not model.
    pub unmodeled: Vec<Value>,
    /// What the bots sent their contacts themselves (not through a ticket), as
    /// `(bot, contact, thread message)`, oldest first.
    pub bot_sent: Vec<(String, String, Value)>,
    /// Notifications for the bots (failures of what they sent), as `(bot, envelope)`.
    pub bot_notifications: Vec<(String, Value)>,
    /// How far each bot has read its inboxes: `bot → (messages, notifications)`.
    pub inbox_read: std::collections::BTreeMap<String, (usize, usize)>,
}

/// How many entries each of the book's logs keeps (the oldest go first).
pub const LOG_CAP: usize = 10_000;

/// Appends to a log, dropping the oldest entry past [`LOG_CAP`].
pub fn log<T>(v: &mut Vec<T>, item: T) {
    if v.len() >= LOG_CAP {
        v.remove(0);
    }
    v.push(item);
}

impl Book {
    /// `GET /state/blip`'s view of the extensions.
    pub fn state(&self) -> Value {
        json!({
            "desk": self.desk.state(),
            "contacts": self.crm.state(),
            "events": self.events,
            "buckets": self.buckets.state(),
            "resources": self.resources.state(),
            "contexts": self.contexts.state(),
            "profile": self.profile.state(),
            "lists": self.lists.state(),
            "schedules": self.schedules.state(),
            "attendance_history_requests": self.history_requests,
            "unmodeled": self.unmodeled,
        })
    }
}
