//! Side conversations: email threads an agent starts from a ticket with people
//! outside it, kept with the ticket [DOC: Side Conversations, Side
//! Conversation Events]. Ids are UUID strings; every message is an event.

use crate::vendors::zendesk::accounts::Account;

use axum::extract::{Path, RawQuery};
use axum::http::StatusCode;
use axum::routing::{get, post};
use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use super::listing::Query;
use super::routes::{Reply, Routes, Z, ok, require_staff, root};
use super::spec::{Record, id_of, record};
use crate::clock::iso_millis;
use crate::vendors::zendesk::error::{ZendeskError, ZendeskJson};
use crate::vendors::zendesk::extract::{BaseUrl, Caller};
use crate::vendors::zendesk::store::Store;
use crate::vendors::zendesk::wire::{json_response, render_html, strip_tags};

const CONVERSATIONS: &str = "side_conversations";
const EVENTS: &str = "side_conversation_events";
/// How much of a message `preview_text` shows (UNVERIFIED).
const PREVIEW: usize = 100;

/// The routes of this file.
pub fn routes(r: Routes) -> Routes {
    let one = "/api/v2/tickets/{ticket_id}/side_conversations/{side_conversation_id}";
    r.add(
        "/api/v2/tickets/{ticket_id}/side_conversations",
        &["GET", "POST"],
        get(list).post(create),
    )
    .add(one, &["GET", "PUT"], get(show).put(update))
    .add(&format!("{one}/reply"), &["POST"], post(reply))
    .add(&format!("{one}/events"), &["GET"], get(events))
}

/// Side conversations' times: milliseconds and `+00:00`, as in the DOC examples.
fn stamp(t: OffsetDateTime) -> Value {
    Value::String(iso_millis(t).replace('Z', "+00:00"))
}

/// A random UUID (version 4 form), as side conversations and events are named.
fn uuid(store: &mut Store) -> String {
    let h = store.random_hex(32);
    format!(
        "{}-{}-4{}-a{}-{}",
        &h[..8],
        &h[8..12],
        &h[13..16],
        &h[17..20],
        &h[20..32]
    )
}

/// `{user_id, name, email}` of a user of the account.
fn person(store: &Store, user: u64) -> Value {
    store.users.get(&user).map_or_else(
        || json!({"user_id": user, "name": null, "email": null}),
        |u| json!({"user_id": u.id, "name": u.name, "email": u.email}),
    )
}

/// The recipients of a message: `{email, name}` (a user of the account when one
/// has that email) or `{user_id}` (which must exist).
fn recipients(store: &Store, to: Option<&Value>) -> Result<Vec<Value>, ZendeskError> {
    let bad = || ZendeskError::invalid("to", "To: is invalid", "InvalidValue");
    let mut out = Vec::new();
    for r in to.and_then(Value::as_array).into_iter().flatten() {
        if let Some(id) = r.get("user_id").and_then(id_of) {
            store.user(id).map_err(|_| bad())?;
            out.push(person(store, id));
        } else if let Some(email) = r.get("email").and_then(Value::as_str).filter(|e| e.contains('@')) {
            let known = store.user_by_email(email);
            out.push(known.map_or_else(
                || json!({"user_id": null, "name": r.get("name").cloned().unwrap_or(Value::Null), "email": email}),
                |u| person(store, u),
            ));
        } else {
            return Err(bad());
        }
    }
    Ok(out)
}

fn text<'a>(message: &'a Value, key: &str) -> Option<&'a str> {
    message.get(key).and_then(Value::as_str).filter(|s| !s.is_empty())
}

/// The side conversation `id` of ticket `ticket`: its table key and record.
fn find(store: &Store, ticket: u64, id: &str) -> Result<(u64, Record), ZendeskError> {
    store.ticket(ticket)?;
    store
        .records
        .table(CONVERSATIONS)
        .into_iter()
        .flatten()
        .find(|(_, r)| r["id"] == id && r["ticket_id"].as_u64() == Some(ticket))
        .map(|(k, r)| (*k, r.clone()))
        .ok_or(ZendeskError::RecordNotFound)
}

/// Records an event of a side conversation and returns it.
fn add_event(
    store: &mut Store,
    sc: &Record,
    actor: u64,
    kind: &str,
    message: Option<Value>,
    updates: Value,
    now: OffsetDateTime,
) -> Record {
    let key = store.next_id();
    let id = uuid(store);
    let rec = record(json!({
        "id": id, "side_conversation_id": sc["id"], "ticket_id": sc["ticket_id"],
        "actor": person(store, actor), "type": kind, "via": "api", "created_at": stamp(now),
        "message": message, "updates": updates,
    }));
    store.records.put(EVENTS, key, rec.clone());
    rec
}

/// The message of an event: subject, preview, from, to, bodies, external ids.
fn message_of(from: Value, to: &[Value], m: &Value, subject: &Value) -> Result<Value, ZendeskError> {
    let body = text(m, "body")
        .map(str::to_owned)
        .or_else(|| text(m, "html_body").map(strip_tags))
        .ok_or_else(|| ZendeskError::invalid("body", "Body: cannot be blank", "BlankValue"))?;
    let html = text(m, "html_body").map_or_else(|| render_html(&body), str::to_owned);
    let preview: String = body.chars().take(PREVIEW).collect();
    Ok(json!({
        "subject": subject, "preview_text": preview, "from": from, "to": to, "body": body,
        "html_body": html, "external_ids": m.get("external_ids").cloned().unwrap_or(json!({})),
        "attachments": [],
    }))
}

fn shown(base: &str, sc: &Record) -> Value {
    let mut v = sc.clone();
    let url = format!(
        "{base}/api/v2/tickets/{}/side_conversations/{}",
        sc["ticket_id"],
        sc["id"].as_str().unwrap_or_default()
    );
    v.insert("url".to_owned(), Value::String(url));
    Value::Object(v)
}

fn events_of(store: &Store, sc: &Record) -> Vec<Value> {
    store
        .records
        .all(EVENTS)
        .filter(|e| e["side_conversation_id"] == sc["id"])
        .map(|e| Value::Object(e.clone()))
        .collect()
}

/// `POST /tickets/{id}/side_conversations` with `{"message": {subject, body or
/// html_body, to}, "external_ids"}` \[DOC\]: 201 `{side_conversation, event}`; the
/// agent and the recipients are its participants. No recipient: 422 (UNVERIFIED).
async fn create(
    Account(z): Z,
    caller: Caller,
    Path(ticket): Path<String>,
    BaseUrl(base): BaseUrl,
    ZendeskJson(body): ZendeskJson,
) -> Reply {
    let ticket = ticket_id(&ticket)?;
    let m = root(&body, "message")?;
    let now = z.now();
    let mut store = z.store();
    require_staff(&store, caller)?;
    store.ticket(ticket)?;
    let to = recipients(&store, m.get("to"))?;
    if to.is_empty() {
        return Err(ZendeskError::invalid("to", "To: is required", "BlankValue"));
    }
    let subject = m.get("subject").cloned().unwrap_or(Value::Null);
    let from = person(&store, caller.0);
    let message = message_of(from.clone(), &to, m, &subject)?;
    let mut participants = vec![from];
    participants.extend(to);
    let key = store.next_id();
    let id = uuid(&mut store);
    let external = body
        .get("external_ids")
        .or_else(|| m.get("external_ids"))
        .cloned()
        .unwrap_or(json!({}));
    let sc = record(json!({
        "id": id, "ticket_id": ticket, "subject": subject, "state": "open",
        "preview_text": message["preview_text"], "participants": participants,
        "external_ids": external, "created_at": stamp(now), "updated_at": stamp(now),
        "message_added_at": stamp(now), "state_updated_at": stamp(now),
    }));
    store.records.put(CONVERSATIONS, key, sc.clone());
    let event = add_event(&mut store, &sc, caller.0, "create", Some(message), json!({}), now);
    Ok(json_response(
        StatusCode::CREATED,
        &json!({"side_conversation": shown(&base, &sc), "event": event}),
    ))
}

fn ticket_id(raw: &str) -> Result<u64, ZendeskError> {
    raw.trim_end_matches(".json")
        .parse()
        .map_err(|_| ZendeskError::RecordNotFound)
}

/// `GET /tickets/{id}/side_conversations` \[DOC\]: the ticket's, oldest first.
async fn list(Account(z): Z, Path(ticket): Path<String>, BaseUrl(base): BaseUrl) -> Reply {
    let ticket = ticket_id(&ticket)?;
    let store = z.store_read();
    store.ticket(ticket)?;
    let all: Vec<Value> = store
        .records
        .all(CONVERSATIONS)
        .filter(|r| r["ticket_id"].as_u64() == Some(ticket))
        .map(|r| shown(&base, r))
        .collect();
    let count = all.len();
    Ok(ok(
        &json!({"side_conversations": all, "next_page": null, "previous_page": null, "count": count}),
    ))
}

/// `GET .../side_conversations/{id}` \[DOC\]; `include=events` side-loads its events.
async fn show(
    Account(z): Z,
    Path((ticket, id)): Path<(String, String)>,
    RawQuery(q): RawQuery,
    BaseUrl(base): BaseUrl,
) -> Reply {
    let store = z.store_read();
    let (_, sc) = find(&store, ticket_id(&ticket)?, id.trim_end_matches(".json"))?;
    let mut out = Map::new();
    out.insert("side_conversation".to_owned(), shown(&base, &sc));
    if Query::parse(q.as_deref()).get("include") == Some("events") {
        out.insert("events".to_owned(), Value::Array(events_of(&store, &sc)));
    }
    Ok(ok(&Value::Object(out)))
}

/// `PUT .../side_conversations/{id}` with `{"side_conversation": {state,
/// subject}}` \[DOC\]: `state` is `open` or `closed` (anything else 422, body
/// UNVERIFIED); an `update` event records the change.
async fn update(
    Account(z): Z,
    caller: Caller,
    Path((ticket, id)): Path<(String, String)>,
    BaseUrl(base): BaseUrl,
    ZendeskJson(body): ZendeskJson,
) -> Reply {
    let input = root(&body, "side_conversation")?;
    let now = z.now();
    let mut store = z.store();
    require_staff(&store, caller)?;
    let (key, mut sc) = find(&store, ticket_id(&ticket)?, id.trim_end_matches(".json"))?;
    let mut updates = Map::new();
    if let Some(state) = input.get("state") {
        if !matches!(state.as_str(), Some("open" | "closed")) {
            return Err(ZendeskError::invalid("state", "State: is invalid", "InvalidValue"));
        }
        if sc["state"] != *state {
            sc.insert("state".to_owned(), state.clone());
            sc.insert("state_updated_at".to_owned(), stamp(now));
            updates.insert("state".to_owned(), state.clone());
        }
    }
    if let Some(subject) = input.get("subject").filter(|s| s.is_string()) {
        sc.insert("subject".to_owned(), subject.clone());
        updates.insert("subject".to_owned(), subject.clone());
    }
    if !updates.is_empty() {
        sc.insert("updated_at".to_owned(), stamp(now));
        store.records.put(CONVERSATIONS, key, sc.clone());
        add_event(&mut store, &sc, caller.0, "update", None, Value::Object(updates), now);
    }
    Ok(ok(&json!({"side_conversation": shown(&base, &sc)})))
}

/// `POST .../side_conversations/{id}/reply` with `{"message": {body, to}}`
/// \[DOC\]: 201 `{side_conversation, event}`; new recipients join the
/// participants, and a closed conversation opens again (UNVERIFIED).
async fn reply(
    Account(z): Z,
    caller: Caller,
    Path((ticket, id)): Path<(String, String)>,
    BaseUrl(base): BaseUrl,
    ZendeskJson(body): ZendeskJson,
) -> Reply {
    let m = root(&body, "message")?;
    let now = z.now();
    let mut store = z.store();
    require_staff(&store, caller)?;
    let (key, mut sc) = find(&store, ticket_id(&ticket)?, id.trim_end_matches(".json"))?;
    let mut to = recipients(&store, m.get("to"))?;
    let from = person(&store, caller.0);
    let others: Vec<Value> = sc["participants"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| **p != from)
        .cloned()
        .collect();
    if to.is_empty() {
        to = others;
    }
    let message = message_of(from, &to, m, &sc["subject"])?;
    let mut participants = sc["participants"].as_array().cloned().unwrap_or_default();
    for r in &to {
        if !participants.contains(r) {
            participants.push(r.clone());
        }
    }
    sc.insert("participants".to_owned(), Value::Array(participants));
    sc.insert("preview_text".to_owned(), message["preview_text"].clone());
    sc.insert("message_added_at".to_owned(), stamp(now));
    sc.insert("updated_at".to_owned(), stamp(now));
    if sc["state"] != "open" {
        sc.insert("state".to_owned(), json!("open"));
        sc.insert("state_updated_at".to_owned(), stamp(now));
    }
    store.records.put(CONVERSATIONS, key, sc.clone());
    let event = add_event(&mut store, &sc, caller.0, "reply", Some(message), json!({}), now);
    Ok(json_response(
        StatusCode::CREATED,
        &json!({"side_conversation": shown(&base, &sc), "event": event}),
    ))
}

/// `GET .../side_conversations/{id}/events` \[DOC\]: its events, oldest first.
async fn events(Account(z): Z, Path((ticket, id)): Path<(String, String)>) -> Reply {
    let store = z.store_read();
    let (_, sc) = find(&store, ticket_id(&ticket)?, id.trim_end_matches(".json"))?;
    let all = events_of(&store, &sc);
    let count = all.len();
    Ok(ok(
        &json!({"events": all, "next_page": null, "previous_page": null, "count": count}),
    ))
}
