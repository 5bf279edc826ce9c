//! Smartsupp's JSON: the POST hook's conversation export (REFERENCE 5.1) and the
//! REST webhooks' `event_callback` envelope (REFERENCE 5.3).
//!
//! Field order follows the documentation, so a payload serializes in the order the
//! documented example shows (the hook example round-trips byte for byte once its
//! whitespace is removed).

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

/// Reads a field that may be absent, null or set: absent is `None`, null is
/// `Some(None)`, so a payload keeps `"email": null` where it had it.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// One POST hook body: a finished chat, a missed chat or an offline message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HookPayload {
    /// The account's id.
    pub account_id: u64,
    /// First message, epoch milliseconds.
    pub begin_at: i64,
    /// Last message, epoch milliseconds.
    pub end_at: i64,
    /// The chat and its statistics.
    pub channel: Channel,
    /// Who wrote in.
    pub visitor: Visitor,
    /// Pages the visitor saw.
    pub paths: Vec<PathVisit>,
    /// Every message, system messages included, oldest first.
    pub messages: Vec<Message>,
}

/// `channel`: the chat id, its flags and statistics.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Channel {
    /// The chat's id.
    pub id: u64,
    /// The visitor and an agent both sent messages.
    pub is_chat: bool,
    /// No agent answered.
    pub is_missed: bool,
    /// At least one trigger message.
    pub is_triggered: bool,
    /// An offline message.
    pub is_offline: bool,
    /// Closed, with the visitor answered.
    pub is_completed: bool,
    /// Dropped.
    pub is_dropped: bool,
    /// Seconds from the first to the last message.
    pub duration: i64,
    /// Mean seconds an agent took to answer.
    pub avg_response: i64,
    /// Seconds to the first agent answer.
    pub first_response: i64,
    /// Messages counted.
    pub messages_count: u64,
    /// Words counted.
    pub words_count: u64,
    /// The visitor's rating, null when not rated.
    pub rating: Option<i64>,
    /// The rating's comment, null when not rated.
    pub rating_desc: Option<String>,
}

/// `visitor`: who wrote in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Visitor {
    /// The visitor's id.
    pub id: u64,
    /// Name, when known.
    pub name: Option<String>,
    /// Email, when known.
    pub email: Option<String>,
    /// The agents' note.
    pub note: Option<String>,
    /// The group, as the developer docs name it.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub group_key: Option<Option<String>>,
    /// The group, as the help-center edition names it.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub group: Option<Option<String>>,
    /// IP address.
    pub ip_address: Option<String>,
    /// City (the documented example swaps city and country).
    pub city: Option<String>,
    /// ISO country code.
    pub country_code: Option<String>,
    /// Country.
    pub country: Option<String>,
    /// Browser user agent.
    pub user_agent: Option<String>,
    /// Browser platform.
    pub platform: Option<String>,
    /// Referring page.
    pub referer: Option<String>,
    /// Visitor variables set by the website: key → label and value.
    pub variables: BTreeMap<String, Variable>,
}

/// A visitor variable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Variable {
    /// Shown to agents.
    pub label: String,
    /// A number or a string.
    pub value: Value,
}

/// A page the visitor saw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PathVisit {
    /// The page's URL.
    pub url: String,
    /// The page's title.
    pub title: String,
}

/// One message of a chat.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Message {
    /// `visitor`, `agent` or `system`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Display name; absent on the first visitor message of the documented example.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Who sent it: the visitor's id (string), the agent's id, or null for triggers.
    pub from: Value,
    /// The text, or a system code such as `agent.join`.
    pub content: String,
    /// Epoch milliseconds.
    pub sent_at: i64,
    /// The trigger's name, for trigger messages.
    pub triggered_by: Option<String>,
    /// The visitor's email on offline messages (absent in the help-center edition).
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub email: Option<Option<String>>,
}

/// The REST webhooks' envelope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventCallback {
    /// Always `event_callback`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The event's name, e.g. `conversation.closed`.
    pub event: String,
    /// ISO-8601 with milliseconds.
    pub timestamp: String,
    /// The account's id, as a string (unlike the hook's number).
    pub account_id: String,
    /// The integration's app id.
    pub app_id: String,
    /// What the event is about.
    pub data: Value,
}

/// The conversation events the REST webhooks documentation lists (\[DOC\]).
pub const DOCUMENTED_EVENTS: &[&str] = &[
    "conversation.opened",
    "conversation.closed",
    "conversation.rated",
    "conversation.agent_assigned",
    "conversation.agent_unassigned",
    "conversation.agent_joined",
    "conversation.agent_left",
    "conversation.agent_replied",
    "conversation.contact_replied",
    "conversation.message_delivered",
    "conversation.message_delivery_failed",
    "conversation.visitor_changed",
];

/// Events a third-party integration also handles (\[3P\]); sent as the documented
/// ones, with conversation data when their name says `conversation`.
pub const THIRD_PARTY_EVENTS: &[&str] = &[
    "conversation.closed_by_contact",
    "conversation.bot_replied",
    "contact.created",
    "contact.updated",
    "contact.acquired",
    "contact.banned",
    "contact.unbanned",
    "visitor.connected",
    "visitor.updated",
    "visitor.triggered",
    "visitor.disconnected",
    "visitor.typing",
];
