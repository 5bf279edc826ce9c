//! Handlers of fake Freshchat: the REST API v2 routes, and the control endpoints
//! (scenario actions, the webhook public key) served under `/freshchat` on the
//! control port.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{OriginalUri, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use bytes::Bytes;
use serde_json::{Map, Value, json};

use super::account::Freshchat;
use super::error::{FreshchatError, FreshchatJson, IdPath, json_response};
use super::webhook::Actor;
use super::wire::Page;
use crate::fake::{Control, ControlError, control_body};

impl From<FreshchatError> for ControlError {
    fn from(e: FreshchatError) -> Self {
        let (status, body) = e.status_and_body();
        let message = body["message"].as_str().unwrap_or_default().to_owned();
        Self::new(status, message, body)
    }
}

pub(super) type F = State<Arc<Freshchat>>;
pub(super) type Reply = Result<Response, FreshchatError>;

/// 404 for a path fake Freshchat does not serve.
pub async fn no_route() -> axum::response::Response {
    crate::fake::unmatched(FreshchatError::NoRoute)
}

pub(super) async fn method_not_allowed() -> axum::response::Response {
    crate::fake::unmatched(FreshchatError::MethodNotAllowed)
}

pub(super) fn query(raw: Option<&str>) -> Vec<(String, String)> {
    form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
        .into_owned()
        .collect()
}

pub(super) fn ok<T: serde::Serialize + ?Sized>(body: &T) -> Reply {
    Ok(json_response(StatusCode::OK, body))
}

/// A page of `items` under `key`, with `pagination` and `links` (`link` for
/// messages, REFERENCE 3.6). Filters other than the page stay in the links.
pub(super) fn page_of(
    f: &Freshchat,
    items: Vec<Value>,
    key: &str,
    q: &[(String, String)],
    path: &str,
) -> Reply {
    let page = Page::from_query(q, f.settings().max_items_per_page)?;
    let range = page.range(items.len())?;
    let extra: String = q
        .iter()
        .filter(|(k, _)| k != "page" && k != "items_per_page")
        .map(|(k, v)| {
            form_urlencoded::Serializer::new(String::new())
                .append_pair(k, v)
                .finish()
                + "&"
        })
        .collect();
    let (pagination, links) = page.describe(items.len(), path, &extra);
    let links_key = if key == "messages" { "link" } else { "links" };
    let mut out = Map::new();
    out.insert(key.to_owned(), Value::Array(items[range].to_vec()));
    out.insert("pagination".to_owned(), pagination);
    out.insert(links_key.to_owned(), links);
    ok(&out)
}

pub(super) fn to_values<T: serde::Serialize>(items: impl IntoIterator<Item = T>) -> Vec<Value> {
    items
        .into_iter()
        .filter_map(|i| serde_json::to_value(i).ok())
        .collect()
}

// ---- users --------------------------------------------------------------------

/// `GET /v2/users`, filtered by `email`, `phone` (`phone_no`), `reference_id`,
/// `site_id` and the `created_*`/`updated_*` window when given.
pub(super) async fn list_users(State(f): F, uri: OriginalUri, RawQuery(raw): RawQuery) -> Reply {
    let q = query(raw.as_deref());
    let get = |k: &str| q.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
    let users = {
        let store = f.store();
        to_values(store.users.iter().filter(|u| {
            get("email").is_none_or(|e| u.email.as_deref() == Some(e))
                && get("phone")
                    .or(get("phone_no"))
                    .is_none_or(|p| u.phone.as_deref() == Some(p))
                && get("reference_id").is_none_or(|r| u.reference_id.as_deref() == Some(r))
                && get("site_id").is_none_or(|s| u.site_id.as_deref() == Some(s))
                && get("created_from").is_none_or(|t| u.created_time.as_str() >= t)
                && get("created_to").is_none_or(|t| u.created_time.as_str() <= t)
                && get("updated_from").is_none_or(|t| u.updated_time.as_str() >= t)
                && get("updated_to").is_none_or(|t| u.updated_time.as_str() <= t)
        }))
    };
    page_of(&f, users, "users", &q, uri.path())
}

/// `POST /v2/users`.
// Vendor quirk: 200 rather than 201 is UNVERIFIED; clients accept both.
pub(super) async fn create_user(State(f): F, FreshchatJson(body): FreshchatJson) -> Reply {
    let now = f.now();
    let user = f.store().create_user(&body, now)?;
    ok(&user)
}

/// `POST /v2/users/fetch`: `{"ids": [...]}`, at most 100 (\[SCHEMA\] `userIds`,
/// \[3P\] max 100); `{"users": [...]}` with those that exist.
pub(super) async fn fetch_users(State(f): F, FreshchatJson(body): FreshchatJson) -> Reply {
    let ids: Option<Vec<&str>> = body
        .get("ids")
        .and_then(Value::as_array)
        .and_then(|a| a.iter().map(Value::as_str).collect());
    let ids =
        ids.ok_or_else(|| FreshchatError::Invalid("ids must be an array of user ids".to_owned()))?;
    if ids.len() > 100 {
        return Err(FreshchatError::Invalid(
            "ids must hold at most 100 user ids".to_owned(),
        ));
    }
    let store = f.store();
    let users = to_values(store.users.iter().filter(|u| ids.contains(&u.id.as_str())));
    ok(&json!({"users": users}))
}

/// `GET /v2/users/lookup?reference_id=...` (404 when absent).
pub(super) async fn lookup_user(State(f): F, RawQuery(raw): RawQuery) -> Reply {
    let q = query(raw.as_deref());
    let Some((_, r)) = q.iter().find(|(k, _)| k == "reference_id") else {
        return Err(FreshchatError::BadRequest(
            "reference_id is required".to_owned(),
        ));
    };
    let site = q
        .iter()
        .find(|(k, _)| k == "site_id")
        .map(|(_, v)| v.as_str());
    let store = f.store();
    let user = store
        .users
        .iter()
        .find(|u| {
            u.reference_id.as_deref() == Some(r.as_str())
                && site.is_none_or(|s| u.site_id.as_deref() == Some(s))
        })
        .ok_or(FreshchatError::NotFound("USER"))?;
    ok(user)
}

pub(super) async fn get_user(State(f): F, IdPath(id): IdPath) -> Reply {
    ok(f.store().user(&id)?)
}

pub(super) async fn update_user(
    State(f): F,
    IdPath(id): IdPath,
    FreshchatJson(body): FreshchatJson,
) -> Reply {
    let now = f.now();
    let user = f.store().update_user(&id, &body, now)?;
    ok(&user)
}

/// `DELETE /v2/users/{id}` (GDPR): the user and their conversations go; 202 as
/// the agent deletion answers (UNKNOWN for users).
pub(super) async fn delete_user(State(f): F, IdPath(id): IdPath) -> Reply {
    f.store().delete_user(&id)?;
    Ok(json_response(
        StatusCode::ACCEPTED,
        &json!({"code": 202, "status": "ACCEPTED", "message": "User deletion request accepted"}),
    ))
}

/// `GET /v2/users/{id}/conversations`: `{"conversations": [{id, status}]}`.
pub(super) async fn user_conversations(State(f): F, IdPath(id): IdPath) -> Reply {
    let store = f.store();
    store.user(&id)?;
    let list: Vec<Value> = store
        .conversations
        .iter()
        .filter(|c| c.user_id == id)
        .map(|c| json!({"id": c.conversation_id, "status": c.status, "channel_id": c.channel_id, "created_time": c.created_time, "updated_time": c.updated_time}))
        .collect();
    ok(&json!({"conversations": list}))
}

// ---- agents, groups, channels ---------------------------------------------------

pub(super) async fn get_agent(State(f): F, IdPath(id): IdPath) -> Reply {
    ok(f.store().agent(&id)?)
}

// ---- conversations and messages -------------------------------------------------

pub(super) fn base_url(headers: &axum::http::HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    format!("{}://{host}", crate::fake::scheme_of(headers))
}

/// `POST /v2/conversations` (REFERENCE 3.5): the conversation, with
/// `conversation_id` and `freshchat_conversation_id`.
// Vendor quirk: 200 rather than 201 is UNVERIFIED.
pub(super) async fn create_conversation(
    State(f): F,
    headers: axum::http::HeaderMap,
    FreshchatJson(body): FreshchatJson,
) -> Reply {
    let now = f.now();
    let view = {
        let mut store = f.store();
        let i = store.create_conversation(&body, now)?;
        let mut v = store.conversations[i].view(&base_url(&headers));
        v["messages"] = json!(store.conversations[i].messages);
        v
    };
    f.flush();
    ok(&view)
}

pub(super) async fn get_conversation(
    State(f): F,
    headers: axum::http::HeaderMap,
    IdPath(id): IdPath,
) -> Reply {
    ok(&f.store().conversation(&id)?.view(&base_url(&headers)))
}

/// `PUT /v2/conversations/{id}`: status, assignment, properties.
pub(super) async fn update_conversation(
    State(f): F,
    headers: axum::http::HeaderMap,
    IdPath(id): IdPath,
    FreshchatJson(body): FreshchatJson,
) -> Reply {
    let now = f.now();
    let actor = f.api_actor();
    let view = {
        let mut store = f.store();
        let i = store.update_conversation(&id, &body, &actor, now)?;
        store.conversations[i].view(&base_url(&headers))
    };
    f.flush();
    ok(&view)
}

/// `GET /v2/conversations/{id}/messages`: newest first \[UNVERIFIED\], paged;
/// `from_time` keeps messages created at or after it.
pub(super) async fn list_messages(
    State(f): F,
    uri: OriginalUri,
    IdPath(id): IdPath,
    RawQuery(raw): RawQuery,
) -> Reply {
    let q = query(raw.as_deref());
    let from = q
        .iter()
        .find(|(k, _)| k == "from_time")
        .map(|(_, v)| v.clone());
    let messages = {
        let store = f.store();
        let c = store.conversation(&id)?;
        to_values(
            c.messages
                .iter()
                .rev()
                .filter(|m| from.as_ref().is_none_or(|t| m.created_time >= *t)),
        )
    };
    page_of(&f, messages, "messages", &q, uri.path())
}

/// `POST /v2/conversations/{id}/messages` (REFERENCE 3.6): the message.
pub(super) async fn post_message(
    State(f): F,
    IdPath(id): IdPath,
    FreshchatJson(body): FreshchatJson,
) -> Reply {
    let now = f.now();
    let message = f.store().post_message(&id, &body, now)?;
    f.flush();
    ok(&message)
}

// ---- control endpoints ------------------------------------------------------------

/// The control endpoints, nested under `/freshchat` on the control port.
pub fn control_routes() -> Router<Arc<Freshchat>> {
    Router::new()
        .route("/public-key", get(public_key))
        .route("/webhook", get(show_webhook))
        .route("/actions/user_message", post(user_message))
        .route("/actions/agent_message", post(agent_message))
        .route("/actions/assign", post(assign))
        .route("/actions/resolve", post(resolve))
        .route("/actions/reopen", post(reopen))
        .route("/actions/webhook", post(set_webhook))
}

/// `GET /freshchat/public-key`: the PEM receivers verify with, as Admin →
/// Webhooks shows it (`RSA PUBLIC KEY`); `?format=spki` for `PUBLIC KEY`.
async fn public_key(State(f): F, RawQuery(raw): RawQuery) -> Response {
    let spki = query(raw.as_deref())
        .iter()
        .any(|(k, v)| k == "format" && v == "spki");
    let pem = if spki {
        f.key().public_spki_pem()
    } else {
        f.key().public_pem()
    };
    ([(header::CONTENT_TYPE, "application/x-pem-file")], pem).into_response()
}

async fn show_webhook(State(f): F) -> Response {
    axum::Json(json!({
        "url": f.webhook_url(),
        "enabled": f.store().webhook_enabled,
        "events": f.settings().webhook.events,
        "public_key": f.key().public_pem(),
    }))
    .into_response()
}

fn text_str(body: &Map<String, Value>, key: &str) -> Option<String> {
    body.get(key).and_then(Value::as_str).map(str::to_owned)
}

/// `message_parts` from `text` or `message_parts`.
fn parts(body: &Map<String, Value>) -> Result<Value, ControlError> {
    match (body.get("message_parts"), text_str(body, "text")) {
        (Some(p), _) => Ok(p.clone()),
        (None, Some(t)) => Ok(json!([{"text": {"content": t}}])),
        (None, None) => Err(ControlError::new(
            StatusCode::BAD_REQUEST,
            "say what is written: `text` or `message_parts`",
            json!({"text": "Hello"}),
        )),
    }
}

fn required(body: &Map<String, Value>, key: &str) -> Result<String, ControlError> {
    text_str(body, key).ok_or_else(|| {
        ControlError::new(
            StatusCode::BAD_REQUEST,
            format!("`{key}` is required"),
            Value::Null,
        )
    })
}

/// The agent acting: `by` (or `agent_id` where named so), default the token owner.
fn acting_agent(
    f: &Freshchat,
    body: &Map<String, Value>,
    key: &str,
) -> Result<Actor, ControlError> {
    let id = text_str(body, key).unwrap_or_else(|| f.settings().api_actor_id.clone());
    f.store().agent(&id)?;
    Ok(Actor {
        actor_type: "agent".to_owned(),
        actor_id: id,
    })
}

/// Sends what the action produced and, unless `wait: false`, waits until every
/// queued webhook (and what its receiver did in turn) has been sent.
async fn settle(f: &Arc<Freshchat>, body: &Map<String, Value>, mut reply: Value) -> Control {
    f.flush();
    if body.get("wait").and_then(Value::as_bool).unwrap_or(true) {
        let s = &f.settings().webhook;
        // Bounded: every attempt's timeout and every wait of the retry policy.
        let limit = Duration::from_millis(
            (s.timeout_ms
                + s.retry_base_delay_ms
                    .saturating_mul(1 << s.max_retries.min(16)))
            .saturating_mul(u64::from(s.max_retries) + 1)
            .saturating_mul(4)
            .min(600_000),
        );
        reply["settled"] = json!(f.idle(limit).await);
    }
    let n = f.store().deliveries.len();
    reply["deliveries"] = json!(n);
    Ok(axum::Json(reply).into_response())
}

/// `freshchat.user_message`: a customer writes.
async fn user_message(State(f): F, body: Bytes) -> Control {
    let body = control_body(&body)?;
    let parts = parts(&body)?;
    let now = f.now();
    let reply = {
        let mut store = f.store();
        let user_id = text_str(&body, "user_id")
            .or_else(|| store.users.first().map(|u| u.id.clone()))
            .unwrap_or_default();
        let message = json!({"message_parts": parts, "actor_type": "user", "actor_id": user_id});
        let message = message.as_object().cloned().unwrap_or_default();
        match text_str(&body, "conversation_id") {
            Some(id) => {
                let m = store.post_message(&id, &message, now)?;
                json!({"conversation_id": id, "message": m})
            }
            None => {
                let mut create = Map::new();
                create.insert("users".to_owned(), json!([{"id": user_id}]));
                if let Some(c) = body.get("channel_id") {
                    create.insert("channel_id".to_owned(), c.clone());
                }
                create.insert("messages".to_owned(), json!([message]));
                let i = store.create_conversation(&create, now)?;
                let c = &store.conversations[i];
                json!({"conversation_id": c.conversation_id, "message": c.messages.last()})
            }
        }
    };
    settle(&f, &body, reply).await
}

/// `freshchat.agent_message`: an agent writes from the inbox.
async fn agent_message(State(f): F, body: Bytes) -> Control {
    let body = control_body(&body)?;
    let id = required(&body, "conversation_id")?;
    let parts = parts(&body)?;
    let actor = acting_agent(&f, &body, "agent_id")?;
    let private = body
        .get("private")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let message = json!({
        "message_parts": parts,
        "actor_type": "agent",
        "actor_id": actor.actor_id,
        "message_type": if private { "private" } else { "normal" },
    });
    let now = f.now();
    let m = f
        .store()
        .post_message(&id, message.as_object().expect("an object"), now)?;
    settle(&f, &body, json!({"conversation_id": id, "message": m})).await
}

async fn change(f: Arc<Freshchat>, body: Map<String, Value>, update: Value) -> Control {
    let id = required(&body, "conversation_id")?;
    let actor = acting_agent(&f, &body, "by")?;
    let now = f.now();
    let view = {
        let mut store = f.store();
        let i =
            store.update_conversation(&id, update.as_object().expect("an object"), &actor, now)?;
        json!({"conversation_id": id, "status": store.conversations[i].status,
               "assigned_agent_id": store.conversations[i].assigned_agent_id,
               "assigned_group_id": store.conversations[i].assigned_group_id})
    };
    settle(&f, &body, view).await
}

/// `freshchat.assign`: `agent_id` and/or `group_id` (or `group`, by name).
async fn assign(State(f): F, body: Bytes) -> Control {
    let body = control_body(&body)?;
    let mut update = Map::new();
    if let Some(a) = text_str(&body, "agent_id") {
        update.insert("assigned_agent_id".to_owned(), json!(a));
    }
    let group = match (text_str(&body, "group_id"), text_str(&body, "group")) {
        (Some(g), _) => Some(g),
        (None, Some(name)) => {
            let store = f.store();
            let g = store
                .groups
                .iter()
                .find(|g| g.name.eq_ignore_ascii_case(&name))
                .map(|g| g.id.clone());
            Some(g.ok_or_else(|| {
                ControlError::new(
                    StatusCode::NOT_FOUND,
                    format!("no group named `{name}`"),
                    json!({"known": store.groups.iter().map(|g| &g.name).collect::<Vec<_>>()}),
                )
            })?)
        }
        (None, None) => None,
    };
    if let Some(g) = group {
        update.insert("assigned_group_id".to_owned(), json!(g));
    }
    if update.is_empty() {
        return Err(ControlError::new(
            StatusCode::BAD_REQUEST,
            "say whom to assign to: `agent_id`, `group_id` or `group` (a name)",
            Value::Null,
        ));
    }
    change(f, body, Value::Object(update)).await
}

async fn resolve(State(f): F, body: Bytes) -> Control {
    let body = control_body(&body)?;
    change(f, body, json!({"status": "resolved"})).await
}

async fn reopen(State(f): F, body: Bytes) -> Control {
    let body = control_body(&body)?;
    change(f, body, json!({"status": "reopened"})).await
}

/// `freshchat.webhook`: sets the account's webhook URL and whether it is on.
async fn set_webhook(State(f): F, body: Bytes) -> Control {
    let body = control_body(&body)?;
    {
        let mut store = f.store();
        if let Some(url) = text_str(&body, "url") {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(ControlError::new(
                    StatusCode::BAD_REQUEST,
                    format!("`{url}` is not an http(s) URL"),
                    Value::Null,
                ));
            }
            store.webhook_url = Some(url);
        }
        if let Some(on) = body.get("enabled").and_then(Value::as_bool) {
            store.webhook_enabled = on;
        }
    }
    Ok(show_webhook(State(f)).await)
}
