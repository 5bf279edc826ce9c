//! Conversations as the REST API shows and changes them, free of I/O.
//!
//! A conversation is a chat of the store (the hook's export) plus its [`Conv`]. The
//! API's objects are built from that one record: the conversation object extends
//! the one the webhooks carry ([`webhook::conversation_object`]: same id, contact,
//! times and agents), and message ids are the webhooks' `<chat>-<sentAt>`. Agent
//! messages and closes are appended to the export's messages, and its statistics
//! are derived again by [`store::stats`], so a hook sent later includes them.

use serde_json::{Map, Value, json};

use super::super::HookStyle;
use super::super::store::{self, Store};
use super::super::webhook::{self, iso_ms};
use super::super::wire::{HookPayload, Message};
use super::state::{Conv, Note, Status, agent_ids, agent_of};

/// The REST state of a chat: its own, or that of a finished chat.
pub fn conv_of(store: &Store, chat: &HookPayload) -> Conv {
    store
        .rest
        .convs
        .get(&chat.channel.id)
        .cloned()
        .unwrap_or_else(|| Conv::finished(chat))
}

/// The conversation object (REFERENCE smartsupp-rest-v2 6.2; a superset of the
/// webhooks' one).
pub fn conversation(chat: &HookPayload, conv: &Conv) -> Value {
    let mut o = webhook::conversation_object(chat, &iso_ms);
    let closed = conv.status == Status::Closed;
    o["status"] = json!(conv.status.as_str());
    o["finished_at"] = if closed {
        json!(iso_ms(chat.end_at))
    } else {
        Value::Null
    };
    o["assigned_ids"] = json!(conv.assigned_ids);
    o["agent_ids"] = json!(agent_ids(chat));
    o["group_id"] = json!(conv.group_id);
    if let Some(v) = &conv.variables {
        o["variables"] = Value::Object(v.clone());
    }
    if !conv.tags.is_empty() {
        o["tags"] = json!(conv.tags);
    }
    let extra = json!({
        "ext_id": null,
        "unread": conv.unread,
        "important": conv.important,
        "rating_value": chat.channel.rating,
        "rating_text": chat.channel.rating_desc,
        "domain": chat.paths.first().and_then(|p| host(&p.url)),
        "referer": chat.visitor.referer.clone().filter(|r| !r.is_empty()),
        "is_offline": chat.channel.is_offline,
        "is_served": !agent_ids(chat).is_empty(),
        "is_closed": closed,
        "type": "chat",
    });
    webhook::merge(&mut o, &extra);
    o
}

fn host(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    Some(rest.split(['/', '?', '#']).next()?.to_owned())
}

/// Every message of a chat as the API lists them, oldest first, notes included.
pub fn messages(chat: &HookPayload, conv: &Conv) -> Vec<(i64, Value)> {
    let id = chat.channel.id.to_string();
    let visitor = chat.visitor.id.to_string();
    let mut out = Vec::new();
    let mut waiting: Option<i64> = None;
    let mut first = true;
    for (i, m) in chat.messages.iter().enumerate() {
        let (kind, sub_type) = match (m.kind.as_str(), &m.triggered_by) {
            ("visitor", _) => ("message", "contact"),
            ("agent", None) => ("message", "agent"),
            ("agent", Some(_)) => ("message", "trigger"),
            _ => ("event", "system"),
        };
        let mut reply = (false, false, Value::Null);
        if sub_type == "contact" {
            waiting.get_or_insert(m.sent_at);
        } else if sub_type == "agent"
            && let Some(since) = waiting.take()
        {
            reply = (true, first, json!((m.sent_at - since).max(0) / 1000));
            first = false;
        }
        let agent = (m.kind != "visitor").then(|| agent_of(&m.from)).flatten();
        out.push((
            m.sent_at,
            json!({
                "id": webhook::message_id(chat, i),
                "ext_id": null,
                "created_at": iso_ms(m.sent_at),
                "updated_at": null,
                "type": kind,
                "sub_type": sub_type,
                "channel": {"type": "default", "id": null},
                "conversation_id": id,
                "visitor_id": visitor,
                "agent_id": agent,
                "trigger_id": null,
                "trigger_name": m.triggered_by,
                "delivery_to": null,
                "delivery_status": null,
                "delivered_at": null,
                "is_reply": reply.0,
                "is_first_reply": reply.1,
                "is_offline": sub_type == "contact" && matches!(&m.email, Some(Some(_))),
                "is_offline_reply": false,
                "response_time": reply.2,
                "page_url": null,
                "attachments": [],
                "content": {"type": "text", "text": m.content, "data": null},
            }),
        ));
    }
    for n in &conv.notes {
        out.push((n.at, note_json(chat, n)));
    }
    out.sort_by_key(|(at, _)| *at);
    out
}

fn note_json(chat: &HookPayload, n: &Note) -> Value {
    json!({
        "id": n.id,
        "ext_id": null,
        "created_at": iso_ms(n.at),
        "updated_at": null,
        "type": "note",
        "sub_type": "agent",
        "channel": {"type": "default", "id": null},
        "conversation_id": chat.channel.id.to_string(),
        "visitor_id": chat.visitor.id.to_string(),
        "agent_id": n.agent_id,
        "trigger_id": null,
        "trigger_name": null,
        "delivery_to": null,
        "delivery_status": null,
        "delivered_at": null,
        "is_reply": false,
        "is_first_reply": false,
        "is_offline": false,
        "is_offline_reply": false,
        "response_time": null,
        "page_url": null,
        "attachments": [],
        "content": {"type": "text", "text": n.text, "data": null},
    })
}

/// Derives the export's times and statistics from its messages again.
pub fn restat(chat: &mut HookPayload) {
    let s = store::stats(&chat.messages);
    chat.begin_at = s.begin_at;
    chat.end_at = s.end_at;
    let c = &mut chat.channel;
    c.is_chat = s.is_chat;
    c.is_missed = s.is_missed;
    c.is_triggered = s.is_triggered;
    c.is_offline = c.is_offline || s.is_offline;
    c.is_completed = s.is_completed && !c.is_offline;
    c.duration = s.duration;
    c.avg_response = s.avg_response;
    c.first_response = s.first_response;
    c.messages_count = s.messages_count;
    c.words_count = s.words_count;
}

/// Removes the closing message of a generated chat: it is still going on.
pub fn reopen(chat: &mut HookPayload) {
    if chat
        .messages
        .last()
        .is_some_and(|m| m.kind == "system" && m.content.starts_with("close."))
    {
        chat.messages.pop();
    }
    restat(chat);
}

/// The next message time: now, but after the last message.
fn next_at(chat: &HookPayload, now_ms: i64) -> i64 {
    chat.messages
        .last()
        .map_or(now_ms, |m| now_ms.max(m.sent_at.saturating_add(1)))
}

fn agent_from(style: HookStyle, id: &str) -> Value {
    match style {
        HookStyle::Developers => id.parse::<u64>().map_or_else(|_| json!(id), |n| json!(n)),
        HookStyle::HelpCenter => json!(format!("agent:{id}")),
    }
}

fn system(style: HookStyle, name: &str, from: Value, code: &str, at: i64) -> Message {
    Message {
        kind: "system".to_owned(),
        name: Some(name.to_owned()),
        from,
        content: code.to_owned(),
        sent_at: at,
        triggered_by: None,
        email: (style == HookStyle::Developers).then_some(None),
    }
}

/// An agent's message, appended to the export (after an `agent.join` if this agent
/// has not joined yet). Returns the new message's index.
pub fn add_agent_message(
    chat: &mut HookPayload,
    style: HookStyle,
    agent: (&str, &str),
    text: &str,
    now_ms: i64,
) -> usize {
    let (id, name) = agent;
    let from = agent_from(style, id);
    let at = next_at(chat, now_ms);
    let joined = chat
        .messages
        .iter()
        .any(|m| m.content == "agent.join" && agent_of(&m.from).as_deref() == Some(id));
    if !joined {
        chat.messages
            .push(system(style, name, from.clone(), "agent.join", at));
    }
    chat.messages.push(Message {
        kind: "agent".to_owned(),
        name: Some(name.to_owned()),
        from,
        content: text.to_owned(),
        sent_at: at,
        triggered_by: None,
        email: (style == HookStyle::Developers).then_some(None),
    });
    restat(chat);
    chat.messages.len() - 1
}

/// This agent joins the chat (`agent.join`).
pub fn join(chat: &mut HookPayload, style: HookStyle, agent: (&str, &str), now_ms: i64) {
    let at = next_at(chat, now_ms);
    let from = agent_from(style, agent.0);
    chat.messages
        .push(system(style, agent.1, from, "agent.join", at));
    restat(chat);
}

/// Closes the chat as this agent did (`close.agentClose`).
pub fn close(chat: &mut HookPayload, style: HookStyle, agent: (&str, &str), now_ms: i64) {
    let at = next_at(chat, now_ms);
    let from = agent_from(style, agent.0);
    chat.messages
        .push(system(style, agent.1, from, "close.agentClose", at));
    restat(chat);
}

/// A `PATCH /v2/conversations/{id}` body that gives a field the API accepts a
/// value it does not.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("Property {key} has an invalid value: {value}")]
pub struct InvalidProperty {
    /// The field.
    pub key: String,
    /// The value given.
    pub value: Value,
}

/// Applies a `PATCH /v2/conversations/{id}` body; `false` when it named no field
/// the API accepts (`"Not provided any valid data"`).
pub fn patch(conv: &mut Conv, body: &Map<String, Value>) -> Result<bool, InvalidProperty> {
    let mut any = false;
    for (k, v) in body {
        match (k.as_str(), v) {
            ("group_id" | "groupId", Value::String(_) | Value::Null) => {
                conv.group_id = v.as_str().map(str::to_owned);
            }
            ("group_id" | "groupId", Value::Number(n)) => conv.group_id = Some(n.to_string()),
            ("variables", Value::Object(m)) => conv.variables = Some(m.clone()),
            ("variables", Value::Null) => conv.variables = None,
            ("tags", Value::Array(a)) => conv.tags.clone_from(a),
            ("important", Value::Bool(b)) => conv.important = *b,
            ("virtual_agent" | "virtualAgent", _) => {}
            ("group_id" | "groupId" | "variables" | "tags" | "important", other) => {
                return Err(InvalidProperty {
                    key: k.clone(),
                    value: other.clone(),
                });
            }
            _ => continue,
        }
        any = true;
    }
    Ok(any)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vendors::smartsupp::store::{ChatIds, ChatKind, ChatSpec, generate};

    fn chat() -> HookPayload {
        let ids = ChatIds {
            chat: 7,
            visitor: 8,
            visitor_key: "k".to_owned(),
        };
        generate(
            ChatKind::Missed,
            &ChatSpec::default(),
            1,
            &ids,
            1_000_000,
            HookStyle::Developers,
        )
    }

    #[test]
    fn an_agent_reply_joins_first_and_updates_the_statistics() {
        let mut c = chat();
        assert!(c.channel.is_missed);
        let i = add_agent_message(
            &mut c,
            HookStyle::Developers,
            ("3", "John"),
            "Hi",
            1_004_000,
        );
        assert_eq!(i, 2);
        assert_eq!(c.messages[1].content, "agent.join");
        assert_eq!(c.messages[2].from, json!(3));
        assert!(c.channel.is_chat && !c.channel.is_missed);
        assert_eq!((c.channel.first_response, c.end_at), (4, 1_004_000));
        let listed = messages(&c, &Conv::open(None));
        assert_eq!(listed[2].1["is_first_reply"], true);
        assert_eq!(listed[2].1["response_time"], 4);
        assert_eq!(listed[1].1["id"], "7-1004000");
        assert_eq!(listed[2].1["id"], "7-1004000-1", "twins get a suffix");
    }

    #[test]
    fn closing_completes_an_answered_chat() {
        let mut c = chat();
        add_agent_message(&mut c, HookStyle::Developers, ("3", "John"), "Hi", 0);
        close(&mut c, HookStyle::Developers, ("3", "John"), 0);
        assert!(c.channel.is_completed);
        assert_eq!(c.messages.last().unwrap().content, "close.agentClose");
        assert!(c.messages.windows(2).all(|w| w[0].sent_at <= w[1].sent_at));
    }

    #[test]
    fn a_patch_without_accepted_fields_changes_nothing() {
        let mut conv = Conv::open(None);
        let body = json!({"status": "closed"});
        assert_eq!(patch(&mut conv, body.as_object().unwrap()), Ok(false));
        let body = json!({"group_id": "g1", "tags": ["vip"]});
        assert_eq!(patch(&mut conv, body.as_object().unwrap()), Ok(true));
        assert_eq!(conv.group_id.as_deref(), Some("g1"));
    }
}
