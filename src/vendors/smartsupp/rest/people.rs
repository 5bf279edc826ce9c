//! `/v2/agents` (list \[CAPTURE-3P\], get \[UNVERIFIED\]) and `/v2/visitors/{id}`
//! (\[CAPTURE-3P\]) (REFERENCE smartsupp-rest-v2 8 and 9). A visitor is the one
//! of the chats the hook exported, under the same id as the export's `visitor.id`.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::response::IntoResponse;
use serde_json::{Value, json};

use super::super::account::Smartsupp;
use super::super::error::SmartsuppError;
use super::super::webhook::iso_ms;
use super::super::wire::HookPayload;
use super::convo::conv_of;
use super::request::Reply;
use super::state::Status;

type S = State<Arc<Smartsupp>>;

/// `GET /v2/agents`: an object wrapping the list.
pub async fn agents(State(s): S) -> Reply {
    let list: Vec<Value> = s.store().rest.agents.iter().map(|a| a.to_json()).collect();
    Ok(Json(json!({ "agents": list })).into_response())
}

/// `GET /v2/agents/{id}`: the agent, not wrapped.
pub async fn agent(State(s): S, Path(id): Path<String>) -> Reply {
    let store = s.store();
    let a = store
        .rest
        .agent(&id)
        .ok_or(SmartsuppError::Missing("Agent"))?;
    Ok(Json(a.to_json()).into_response())
}

fn initials(name: Option<&str>) -> String {
    name.unwrap_or("?")
        .split_whitespace()
        .filter_map(|w| w.chars().next())
        .take(2)
        .flat_map(char::to_uppercase)
        .collect()
}

fn device(ua: Option<&str>) -> &'static str {
    if ua.is_some_and(|u| u.contains("Mobile") || u.contains("iPhone") || u.contains("Android")) {
        "mobile"
    } else {
        "desktop"
    }
}

/// The visitor object of a chat's visitor; online while the chat is open.
pub fn visitor_json(chat: &HookPayload, online: bool, visits: usize) -> Value {
    let v = &chat.visitor;
    let page = chat.paths.last();
    json!({
        "id": v.id.to_string(),
        "created_at": iso_ms(chat.begin_at),
        "updated_at": iso_ms(chat.end_at),
        "is_online": online,
        "status": if online { "online" } else { "offline" },
        "visits": visits,
        "lang": null,
        "avatar": {"initials": initials(v.name.as_deref()), "color": {"text": "9b6d40", "bg": "e2d6bc"}},
        "user_agent": v.user_agent,
        "browser": null,
        "browser_version": null,
        "platform": v.platform,
        "device": device(v.user_agent.as_deref()),
        "os": null,
        "location_country": v.country,
        "location_country_code": v.country_code,
        "location_city": v.city,
        "referrer": v.referer.clone().filter(|r| !r.is_empty()),
        "page_url": page.map(|p| p.url.clone()),
        "page_title": page.map(|p| p.title.clone()),
        "variables": if v.variables.is_empty() { Value::Null } else {
            json!(v.variables.iter().map(|(k, x)| (k.clone(), x.value.clone())).collect::<serde_json::Map<_, _>>())
        },
    })
}

/// `GET /v2/visitors/{id}`.
pub async fn visitor(State(s): S, Path(id): Path<String>) -> Reply {
    let store = s.store();
    let chats: Vec<&HookPayload> = store
        .chats
        .iter()
        .filter(|c| c.visitor.id.to_string() == id)
        .collect();
    let Some(last) = chats.last() else {
        return Err(SmartsuppError::Missing("Visitor"));
    };
    let online = conv_of(&store, last).status != Status::Closed;
    Ok(Json(visitor_json(last, online, chats.len())).into_response())
}
