//! `/v2/conversations`: search, get, update, delete, messages (list and send),
//! close, assign, unassign, join, leave and read (REFERENCE smartsupp-rest-v2 6).
//!
//! Changes made here send what Smartsupp would send about them: a reply
//! `conversation.agent_replied`, a close `conversation.closed` and the chat's
//! export to the hook, an assignment `conversation.agent_assigned`, and so on
//! (each only when its URL is configured and the event subscribed).

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use bytes::Bytes;
use serde_json::{Map, Value, json};

use super::super::account::Smartsupp;
use super::super::delivery::emit;
use super::super::error::SmartsuppError;
use super::super::wire::HookPayload;
use super::request::{Reply, now_ms, object, opt_str};
use super::state::{Conv, Note, Status};
use super::{convo, search as find};

type S = State<Arc<Smartsupp>>;

/// Fields a search may filter on.
pub const FIELDS: &[&str] = &[
    "id",
    "status",
    "contact_id",
    "visitor_id",
    "agent_ids",
    "assigned_ids",
    "group_id",
    "tags",
    "unread",
    "important",
    "rating_value",
    "is_offline",
    "is_served",
    "domain",
    "created_at",
    "updated_at",
    "finished_at",
];
/// Fields a search may sort on.
pub const SORTS: &[&str] = &["created_at", "updated_at", "finished_at"];

const CLOSED: &str = "Conversation is closed";

fn chat_id(id: &str) -> Result<u64, SmartsuppError> {
    id.parse()
        .map_err(|_| SmartsuppError::Missing("Conversation"))
}

/// Runs `f` on a conversation's export and REST state (created for a chat only
/// the hook knew), under one lock.
fn with_conv<R>(
    s: &Smartsupp,
    id: &str,
    f: impl FnOnce(&mut HookPayload, &mut Conv) -> Result<R, SmartsuppError>,
) -> Result<R, SmartsuppError> {
    let id = chat_id(id)?;
    let mut store = s.store();
    let store = &mut *store;
    let chat = store
        .chats
        .iter_mut()
        .find(|c| c.channel.id == id)
        .ok_or(SmartsuppError::Missing("Conversation"))?;
    let conv = store
        .rest
        .convs
        .entry(id)
        .or_insert_with(|| Conv::finished(chat));
    f(chat, conv)
}

/// Runs `f` on a conversation without recording anything for it.
fn read_conv<R>(
    s: &Smartsupp,
    id: &str,
    f: impl FnOnce(&HookPayload, &Conv) -> R,
) -> Result<R, SmartsuppError> {
    let id = chat_id(id)?;
    let store = s.store();
    let chat = store
        .chat(id)
        .ok_or(SmartsuppError::Missing("Conversation"))?;
    Ok(f(chat, &convo::conv_of(&store, chat)))
}

fn object_of(s: &Smartsupp, id: &str) -> Result<Value, SmartsuppError> {
    read_conv(s, id, convo::conversation)
}

/// The token's default sender: the first agent.
fn default_agent(s: &Smartsupp) -> (String, String) {
    let store = s.store();
    store
        .rest
        .agents
        .first()
        .map(|a| (a.id.clone(), a.name.clone()))
        .unwrap_or_else(|| ("3".to_owned(), "John Doe".to_owned()))
}

fn known_agent(s: &Smartsupp, id: &str) -> Result<(String, String), SmartsuppError> {
    s.store()
        .rest
        .agent(id)
        .map(|a| (a.id.clone(), a.name.clone()))
        .ok_or_else(|| SmartsuppError::Invalid(format!("Agent {id} not found")))
}

/// `POST /v2/conversations/search`.
pub async fn search(State(s): S, Query(q): Query<HashMap<String, String>>, body: Bytes) -> Reply {
    let body = object(&body)?;
    let extra = q.get("allowExtraSize").is_some_and(|v| v == "true");
    let search = find::parse(&body, FIELDS, SORTS, extra)?;
    let objects: Vec<Value> = {
        let store = s.store();
        store
            .chats
            .iter()
            .map(|c| convo::conversation(c, &convo::conv_of(&store, c)))
            .collect()
    };
    Ok(Json(find::page(objects, &search)).into_response())
}

/// `GET /v2/conversations/{id}`.
pub async fn get_one(State(s): S, Path(id): Path<String>) -> Reply {
    Ok(Json(object_of(&s, &id)?).into_response())
}

/// `PATCH /v2/conversations/{id}`: `group_id`, `variables`, `tags`, `important`.
pub async fn update(State(s): S, Path(id): Path<String>, body: Bytes) -> Reply {
    let body = object(&body)?;
    let o = with_conv(&s, &id, |chat, conv| {
        let mut changed = conv.clone();
        match convo::patch(&mut changed, &body) {
            Ok(true) => {
                *conv = changed;
                Ok(convo::conversation(chat, conv))
            }
            Ok(false) => Err(SmartsuppError::Invalid(
                "Not provided any valid data".to_owned(),
            )),
            Err(why) => Err(SmartsuppError::Invalid(why.to_string())),
        }
    })?;
    Ok(Json(o).into_response())
}

/// `DELETE /v2/conversations/{id}`: 204.
pub async fn delete(State(s): S, Path(id): Path<String>) -> Reply {
    let n = chat_id(&id)?;
    let mut store = s.store();
    let before = store.chats.len();
    store.chats.retain(|c| c.channel.id != n);
    if store.chats.len() == before {
        return Err(SmartsuppError::Missing("Conversation"));
    }
    store.rest.convs.remove(&n);
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `GET /v2/conversations/{id}/messages?size&after&order`: `after` is the number
/// of messages already read.
pub async fn list_messages(
    State(s): S,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Reply {
    let size = match q.get("size") {
        None => 50,
        Some(v) => match v.parse::<usize>() {
            Ok(n) if (1..=find::MAX_SIZE).contains(&n) => n,
            _ => {
                return Err(SmartsuppError::Validation(
                    "size".to_owned(),
                    format!("should be an integer between 1 and {}", find::MAX_SIZE),
                ));
            }
        },
    };
    let desc = match q.get("order").map(String::as_str) {
        None | Some("desc") => true,
        Some("asc") => false,
        Some(_) => {
            return Err(SmartsuppError::Validation(
                "order".to_owned(),
                "should be equal to one of the allowed values: asc, desc".to_owned(),
            ));
        }
    };
    let start = match q.get("after") {
        None => 0,
        Some(v) => v.parse::<usize>().map_err(|_| {
            SmartsuppError::Validation("after".to_owned(), "should be integer".to_owned())
        })?,
    };
    let mut all = read_conv(&s, &id, convo::messages)?;
    if desc {
        all.reverse();
    }
    let total = all.len();
    let end = start.saturating_add(size).min(total);
    let items: Vec<Value> = all
        .into_iter()
        .skip(start)
        .take(end.saturating_sub(start))
        .map(|(_, m)| m)
        .collect();
    let after = if end < total { json!(end) } else { Value::Null };
    Ok(Json(json!({"total": total, "after": after, "items": items})).into_response())
}

/// What a send asks for: the text, the author and whether it is a note.
fn outgoing(
    s: &Smartsupp,
    body: &Map<String, Value>,
) -> Result<(String, (String, String), bool), SmartsuppError> {
    let agent_id = opt_str(body, "agent_id")?;
    if body.contains_key("agent") && agent_id.is_none() {
        return Err(SmartsuppError::Invalid(
            "Property agent_id is required when sub_type is \"agent\"".to_owned(),
        ));
    }
    let note = match body.get("type").and_then(Value::as_str) {
        None | Some("message") => false,
        Some("note") => true,
        Some(other) => {
            return Err(SmartsuppError::Invalid(format!(
                "Property type has an invalid value `{other}` (message, note)"
            )));
        }
    };
    let content = body.get("content").and_then(Value::as_object);
    let kind = content.and_then(|c| c.get("type")).and_then(Value::as_str);
    let text = content.and_then(|c| c.get("text")).and_then(Value::as_str);
    let text = match (kind, text) {
        (Some("text") | None, Some(t)) if !t.trim().is_empty() => t.to_owned(),
        (Some(k), _) if k != "text" => {
            return Err(SmartsuppError::Invalid(format!(
                "Property content.type has an unsupported value `{k}`"
            )));
        }
        _ => {
            return Err(SmartsuppError::Invalid(
                "Property content.text is required".to_owned(),
            ));
        }
    };
    let agent = match agent_id {
        Some(id) => known_agent(s, &id)?,
        None => default_agent(s),
    };
    Ok((text, agent, note))
}

/// `POST /v2/conversations/{id}/messages`: 201 with the message.
pub async fn send_message(State(s): S, Path(id): Path<String>, body: Bytes) -> Reply {
    let body = object(&body)?;
    let (text, (agent_id, agent_name), note) = outgoing(&s, &body)?;
    let (now, style) = (now_ms(&s), s.settings().hook.style);
    let (chat, message) = with_conv(&s, &id, |chat, conv| {
        if conv.status == Status::Closed {
            return Err(SmartsuppError::Invalid(CLOSED.to_owned()));
        }
        if note {
            let n = Note {
                id: format!("{}-n{}", chat.channel.id, conv.notes.len() + 1),
                agent_id: agent_id.clone(),
                text: text.clone(),
                at: now,
            };
            conv.notes.push(n.clone());
            let listed = convo::messages(chat, conv);
            let m = listed.into_iter().map(|(_, m)| m).find(|m| m["id"] == n.id);
            return Ok((chat.channel.id, m.unwrap_or(Value::Null)));
        }
        let i = convo::add_agent_message(chat, style, (&agent_id, &agent_name), &text, now);
        conv.status = Status::Served;
        conv.unread = false;
        if !conv.assigned_ids.contains(&agent_id) {
            conv.assigned_ids.push(agent_id.clone());
        }
        let wanted = super::super::webhook::message_id(chat, i);
        let m = convo::messages(chat, conv)
            .into_iter()
            .map(|(_, m)| m)
            .find(|m| m["id"] == wanted.as_str());
        Ok((chat.channel.id, m.unwrap_or(Value::Null)))
    })?;
    if !note {
        emit(s.clone(), chat, "conversation.agent_replied", None).await;
    }
    Ok((StatusCode::CREATED, Json(message)).into_response())
}

/// `PATCH /v2/conversations/{id}/close`: 200 with the closed conversation (again
/// 200 when it was closed already).
pub async fn close(State(s): S, Path(id): Path<String>) -> Reply {
    let (agent_id, agent_name) = default_agent(&s);
    let (now, style) = (now_ms(&s), s.settings().hook.style);
    let (n, was_open, o) = with_conv(&s, &id, |chat, conv| {
        let was_open = conv.status != Status::Closed;
        if was_open {
            convo::close(chat, style, (&agent_id, &agent_name), now);
            conv.status = Status::Closed;
        }
        Ok((chat.channel.id, was_open, convo::conversation(chat, conv)))
    })?;
    if was_open {
        emit(s.clone(), n, "conversation.closed", None).await;
    }
    Ok(Json(o).into_response())
}

fn agent_in(body: &Map<String, Value>) -> Result<String, SmartsuppError> {
    opt_str(body, "id")?
        .or(opt_str(body, "agent_id")?)
        .ok_or_else(|| SmartsuppError::Invalid("Property id is required".to_owned()))
}

/// `PATCH .../assign` and `.../join` (`join`: the token's default agent, with an
/// `agent.join` message).
async fn add_agent(s: Arc<Smartsupp>, id: String, agent: (String, String), join: bool) -> Reply {
    let (now, style) = (now_ms(&s), s.settings().hook.style);
    let (n, added, o) = with_conv(&s, &id, |chat, conv| {
        if conv.status == Status::Closed {
            return Err(SmartsuppError::Invalid(CLOSED.to_owned()));
        }
        let added = !conv.assigned_ids.contains(&agent.0);
        if added {
            conv.assigned_ids.push(agent.0.clone());
            if join {
                convo::join(chat, style, (&agent.0, &agent.1), now);
            }
        }
        conv.status = Status::Served;
        Ok((chat.channel.id, added, convo::conversation(chat, conv)))
    })?;
    if added {
        let event = if join {
            "conversation.agent_joined"
        } else {
            "conversation.agent_assigned"
        };
        emit(s.clone(), n, event, Some(json!({"agent_id": agent.0}))).await;
    }
    Ok(Json(o).into_response())
}

async fn remove_agent(s: Arc<Smartsupp>, id: String, agent: String, event: &str) -> Reply {
    let (n, removed, o) = with_conv(&s, &id, |chat, conv| {
        let before = conv.assigned_ids.len();
        conv.assigned_ids.retain(|a| *a != agent);
        let removed = conv.assigned_ids.len() != before;
        Ok((chat.channel.id, removed, convo::conversation(chat, conv)))
    })?;
    if removed {
        emit(s.clone(), n, event, Some(json!({"agent_id": agent}))).await;
    }
    Ok(Json(o).into_response())
}

/// `PATCH /v2/conversations/{id}/assign` with `{"id": "<agent id>"}`.
pub async fn assign(State(s): S, Path(id): Path<String>, body: Bytes) -> Reply {
    let agent = known_agent(&s, &agent_in(&object(&body)?)?)?;
    add_agent(s, id, agent, false).await
}

/// `PATCH /v2/conversations/{id}/unassign` with `{"id": "<agent id>"}`.
pub async fn unassign(State(s): S, Path(id): Path<String>, body: Bytes) -> Reply {
    let (agent, _) = known_agent(&s, &agent_in(&object(&body)?)?)?;
    remove_agent(s, id, agent, "conversation.agent_unassigned").await
}

/// `PATCH /v2/conversations/{id}/join`: the token's default agent joins.
pub async fn join(State(s): S, Path(id): Path<String>) -> Reply {
    let agent = default_agent(&s);
    add_agent(s, id, agent, true).await
}

/// `PATCH /v2/conversations/{id}/leave`: the token's default agent leaves.
pub async fn leave(State(s): S, Path(id): Path<String>) -> Reply {
    let (agent, _) = default_agent(&s);
    remove_agent(s, id, agent, "conversation.agent_left").await
}

/// `PATCH /v2/conversations/{id}/read`.
pub async fn read(State(s): S, Path(id): Path<String>) -> Reply {
    let o = with_conv(&s, &id, |chat, conv| {
        conv.unread = false;
        Ok(convo::conversation(chat, conv))
    })?;
    Ok(Json(o).into_response())
}
