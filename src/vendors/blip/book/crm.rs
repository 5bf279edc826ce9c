//! The CRM: contacts (filled in as customers appear) and their comments.

use serde_json::{Map, Value, json};

use super::Shelf;

/// Contacts and comments, per bot.
#[derive(Debug, Clone, Default)]
pub struct Crm {
    /// Contacts by identity; only the properties that have values.
    pub contacts: Shelf<Map<String, Value>>,
    /// Comments by contact identity, oldest first.
    pub comments: Shelf<Vec<Value>>,
}

/// The channel a customer's domain belongs to, as Blip names it in `source`
/// (UNVERIFIED beyond the docs' "Facebook Messenger").
pub fn source_of(domain: &str) -> Option<&'static str> {
    Some(match domain {
        "wa.gw.msging.net" => "WhatsApp",
        "messenger.gw.msging.net" => "Facebook Messenger",
        "telegram.gw.msging.net" => "Telegram",
        "0mn.io" => "Blip Chat",
        "instagram.gw.msging.net" => "Instagram",
        _ => return None,
    })
}

impl Crm {
    /// A customer showed up at `date`: the contact is created if new, and its
    /// `lastMessageDate` moves on.
    pub fn seen(&mut self, owner: &str, identity: &str, date: &str) {
        if let Some(c) = self.contacts.get_mut(owner, identity) {
            c.insert("lastMessageDate".into(), json!(date));
            return;
        }
        let mut c = Map::new();
        c.insert("identity".into(), json!(identity));
        let domain = identity.split_once('@').map_or("", |(_, d)| d);
        if let Some(s) = source_of(domain) {
            c.insert("source".into(), json!(s));
        }
        c.insert("lastMessageDate".into(), json!(date));
        self.contacts.put(owner, identity, c);
    }

    /// Whether `owner` knows the contact.
    pub fn knows(&self, owner: &str, identity: &str) -> bool {
        self.contacts.get(owner, identity).is_some()
    }

    /// `GET /state/blip`'s view: contacts with their comments.
    pub fn state(&self) -> Value {
        json!({"contacts": self.contacts.state(), "comments": self.comments.state()})
    }
}
