//! Handlers of fake Smartsupp: the vendor port (the REST API of [`super::rest`]),
//! and the control actions that push hooks and webhooks to the system under test.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::post;
use bytes::Bytes;
use serde_json::{Map, Value, json};

use super::account::Smartsupp;
use super::delivery::{Channel, dispatch, emit, event_delivery};
use super::rest::convo;
use super::store::{self, ChatKind, ChatSpec, DeliveryRecord};
use super::webhook::{self};
use super::wire::{self, HookPayload};
use crate::fake::{Control, ControlError, control_body};

type S = State<Arc<Smartsupp>>;

/// The vendor port: the public REST API v2.
pub fn routes() -> Router<Arc<Smartsupp>> {
    super::rest::routes()
}

/// The control actions, nested under `/smartsupp` on the control port.
pub fn control_routes() -> Router<Arc<Smartsupp>> {
    Router::new()
        .route("/actions/chat_finished", post(chat_finished))
        .route("/actions/chat_started", post(chat_started))
        .route("/actions/chat_missed", post(chat_missed))
        .route("/actions/offline_message", post(offline_message))
        .route("/actions/hook", post(hook_action))
        .route("/actions/webhook", post(webhook_action))
}

fn bad(message: impl Into<String>, hint: Value) -> ControlError {
    ControlError::bad(message, hint)
}

/// The delivery options every action takes: `url` and `wait`.
struct Options {
    url: Option<String>,
    wait: bool,
}

fn options(body: &mut Map<String, Value>) -> Result<Options, ControlError> {
    let url = match body.remove("url") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s),
        Some(other) => {
            return Err(bad(
                format!("`url` must be a string, not {other}"),
                Value::Null,
            ));
        }
    };
    let wait = match body.remove("wait") {
        None => true,
        Some(Value::Bool(b)) => b,
        Some(other) => {
            return Err(bad(
                format!("`wait` must be true or false, not {other}"),
                Value::Null,
            ));
        }
    };
    Ok(Options { url, wait })
}

fn target(given: Option<String>, configured: &str, setting: &str) -> Result<String, ControlError> {
    let url = given.unwrap_or_else(|| configured.to_owned());
    if url.is_empty() {
        return Err(bad(
            "no URL to send to",
            json!(format!(
                "set vendors.smartsupp.{setting} in the scenario or config file, or pass `url`"
            )),
        ));
    }
    if !url.starts_with("http://") && !url.starts_with("https://") {
        return Err(bad(format!("`{url}` is not an http(s) URL"), Value::Null));
    }
    Ok(url)
}

/// Sends one conversation export to the hook URL and keeps it as a chat.
async fn post_hook(s: Arc<Smartsupp>, payload: HookPayload, opts: Options) -> Control {
    let url = target(opts.url, &s.settings().hook.url, "hook.url")?;
    let request = webhook::hook_request(&url, &payload, &s.settings().hook.user_agent);
    let sent = serde_json::to_value(&payload).unwrap_or(Value::Null);
    let record = {
        let mut store = s.store();
        store.chats.push(payload.clone());
        DeliveryRecord {
            delivery: store.delivery_id(),
            event: "hook".to_owned(),
            chat_id: Some(json!(payload.channel.id)),
            url,
            status: "in_progress",
            attempts: Vec::new(),
        }
    };
    dispatch(s, Channel::Hook, record, request, opts.wait, sent).await
}

/// Generates a chat of `kind` from the action's arguments, without sending it.
fn new_chat(
    s: &Smartsupp,
    kind: ChatKind,
    body: Map<String, Value>,
) -> Result<HookPayload, ControlError> {
    let spec: ChatSpec = serde_json::from_value(Value::Object(body)).map_err(|e| {
        bad(
            format!("not a chat: {e}"),
            json!("keys: visitor, agent, messages [{from: visitor|agent|trigger, text, after_ms, trigger}], rating, rating_desc, paths [{url, title}], closed_by, url, wait"),
        )
    })?;
    let problems = store::spec_problems(kind, &spec);
    if !problems.is_empty() {
        return Err(ControlError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "the chat does not fit the action".to_owned(),
            json!(problems),
        ));
    }
    // The export is sent when the chat ends: its last message is now.
    let now_ms = i64::try_from(s.now().unix_timestamp_nanos() / 1_000_000).unwrap_or(0);
    let ids = s.store().chat_ids();
    let (account, style) = (s.settings().account_id, s.settings().hook.style);
    let span = {
        let p = store::generate(kind, &spec, account, &ids, 0, style);
        p.end_at - p.begin_at
    };
    Ok(store::generate(
        kind,
        &spec,
        account,
        &ids,
        now_ms.saturating_sub(span),
        style,
    ))
}

async fn chat(s: Arc<Smartsupp>, kind: ChatKind, body: Bytes) -> Control {
    let mut body = control_body(&body)?;
    let opts = options(&mut body)?;
    let payload = new_chat(&s, kind, body)?;
    post_hook(s, payload, opts).await
}

/// `smartsupp.chat_finished`.
async fn chat_finished(State(s): S, body: Bytes) -> Control {
    chat(s, ChatKind::Finished, body).await
}

/// `smartsupp.chat_started`: a visitor writes (and maybe an agent answers); the
/// conversation stays open for the REST API, and `conversation.opened` goes to the
/// webhook URL when one is set. Its export goes to the hook when it is closed.
async fn chat_started(State(s): S, body: Bytes) -> Control {
    let mut body = control_body(&body)?;
    let opts = options(&mut body)?;
    let answered = body
        .get("messages")
        .and_then(Value::as_array)
        .is_some_and(|l| l.iter().any(|m| m["from"] == "agent"));
    let kind = if answered {
        ChatKind::Finished
    } else {
        ChatKind::Missed
    };
    let mut payload = new_chat(&s, kind, body)?;
    convo::reopen(&mut payload);
    let id = payload.channel.id;
    let conversation = {
        let mut store = s.store();
        let conv = crate::vendors::smartsupp::rest::state::Conv::open(
            crate::vendors::smartsupp::rest::state::agent_ids(&payload)
                .into_iter()
                .next(),
        );
        let object = convo::conversation(&payload, &conv);
        store.rest.convs.insert(id, conv);
        store.chats.push(payload.clone());
        object
    };
    let opened = {
        let s = s.clone();
        async move { emit(s, id, "conversation.opened", None).await }
    };
    if opts.wait {
        opened.await;
    } else {
        tokio::spawn(opened);
    }
    Ok(
        axum::Json(json!({"chat": id, "conversation": conversation, "sent": payload}))
            .into_response(),
    )
}

/// `smartsupp.chat_missed`.
async fn chat_missed(State(s): S, body: Bytes) -> Control {
    chat(s, ChatKind::Missed, body).await
}

/// `smartsupp.offline_message`.
async fn offline_message(State(s): S, body: Bytes) -> Control {
    chat(s, ChatKind::Offline, body).await
}

/// `smartsupp.hook`: a given export, as it is (in the documented field order).
async fn hook_action(State(s): S, body: Bytes) -> Control {
    let mut body = control_body(&body)?;
    let opts = options(&mut body)?;
    let Some(payload) = body.remove("payload") else {
        return Err(bad(
            "give the conversation export as `payload`",
            json!("see the POST hook example in Smartsupp's documentation"),
        ));
    };
    let payload: HookPayload = serde_json::from_value(payload).map_err(|e| {
        bad(
            format!("`payload` is not a conversation export: {e}"),
            Value::Null,
        )
    })?;
    post_hook(s, payload, opts).await
}

/// `smartsupp.webhook`: one signed `event_callback`.
async fn webhook_action(State(s): S, body: Bytes) -> Control {
    let mut body = control_body(&body)?;
    let opts = options(&mut body)?;
    let Some(event) = body
        .remove("event")
        .and_then(|e| e.as_str().map(str::to_owned))
    else {
        return Err(bad(
            "say which event to send: `event`",
            json!(wire::DOCUMENTED_EVENTS),
        ));
    };
    if !wire::DOCUMENTED_EVENTS.contains(&event.as_str())
        && !wire::THIRD_PARTY_EVENTS.contains(&event.as_str())
    {
        return Err(bad(
            format!("unknown event `{event}`"),
            json!({"documented": wire::DOCUMENTED_EVENTS, "third_party": wire::THIRD_PARTY_EVENTS}),
        ));
    }
    let chat_id = body.remove("chat");
    let patch = body.remove("data");
    if let Some(k) = body.keys().next() {
        return Err(bad(
            format!("unknown argument `{k}`"),
            json!("event, chat, data, url, wait"),
        ));
    }
    let url = target(opts.url, &s.settings().webhooks.url, "webhooks.url")?;
    let subscribed = &s.settings().webhooks.events;
    if !subscribed.is_empty() && !subscribed.contains(&event) {
        return Ok(axum::Json(json!({
            "delivered": false,
            "skipped": format!("`{event}` is not among vendors.smartsupp.webhooks.events"),
        }))
        .into_response());
    }
    let chat = event_chat(&s, chat_id.as_ref())?;
    let (record, request, sent) = event_delivery(&s, event, &chat, patch.as_ref(), url);
    dispatch(s, Channel::Webhook, record, request, opts.wait, sent).await
}

/// The chat an event is about: the one `chat_id` names, else the last one
/// sent, else a new finished chat (kept, as if the hook had sent it).
fn event_chat(s: &Smartsupp, chat_id: Option<&Value>) -> Result<HookPayload, ControlError> {
    let store = s.store();
    Ok(match chat_id {
        Some(id) => {
            let n = id.as_u64().or_else(|| id.as_str()?.parse().ok());
            let found = n.and_then(|n| store.chat(n).cloned());
            found.ok_or_else(|| {
                ControlError::new(
                    StatusCode::NOT_FOUND,
                    format!("no chat {id} was sent"),
                    json!({"known": store.chats.iter().map(|c| c.channel.id).collect::<Vec<_>>()}),
                )
            })?
        }
        None => match store.chats.last() {
            Some(c) => c.clone(),
            None => {
                drop(store);
                let c = new_chat(s, ChatKind::Finished, Map::new())?;
                s.store().chats.push(c.clone());
                c
            }
        },
    })
}
