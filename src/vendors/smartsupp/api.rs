//! Handlers of fake Smartsupp: the vendor port (the REST API of [`super::rest`]),
//! and the control actions that push hooks and webhooks to the system under test.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::post;
use bytes::Bytes;
use serde_json::{Map, Value, json};

use super::account::Smartsupp;
use super::rest::convo;
use super::store::{self, ChatKind, ChatSpec, DeliveryRecord};
use super::webhook::{self, Redeliver};
use super::wire::{self, EventCallback, HookPayload};
use crate::clock::iso_millis;
use crate::outbound::{Outcome, Outgoing};
use crate::vendors::{Control, ControlError, control_body};

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

fn attempt_json(n: usize, outcome: &Outcome) -> Value {
    match outcome {
        Outcome::Answered(a) => json!({"attempt": n + 1, "status": a.status}),
        Outcome::TimedOut => json!({"attempt": n + 1, "error": "timed out"}),
        Outcome::Failed(why) => json!({"attempt": n + 1, "error": why}),
    }
}

#[derive(Clone, Copy)]
enum Channel {
    Hook,
    Webhook,
}

/// Records the delivery, runs it (in its own task, so a client that hangs up does
/// not cut it short), and answers with every attempt, or at once with 202.
async fn dispatch(
    s: Arc<Smartsupp>,
    channel: Channel,
    record: DeliveryRecord,
    request: Outgoing,
    wait: bool,
    sent: Value,
) -> Control {
    let delivery = record.delivery.clone();
    let url = record.url.clone();
    match channel {
        Channel::Hook => s.store().hooks.push(record),
        Channel::Webhook => s.store().webhooks.push(record),
    }
    let (policy, timeout) = policy_of(&s, channel);
    let task = tokio::spawn(run_delivery(
        s.clone(),
        channel,
        delivery.clone(),
        request,
        policy,
        timeout,
    ));
    if !wait {
        return Ok((
            StatusCode::ACCEPTED,
            axum::Json(json!({"delivery": delivery, "url": url, "sent": sent})),
        )
            .into_response());
    }
    match task.await {
        Ok((delivered, attempts)) => Ok(axum::Json(json!({
            "delivery": delivery,
            "url": url,
            "delivered": delivered,
            "attempts": attempts,
            "sent": sent,
        }))
        .into_response()),
        Err(e) => Err(ControlError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("the delivery task failed: {e}"),
            Value::Null,
        )),
    }
}

/// The retry policy and timeout of a channel, from the settings.
fn policy_of(s: &Smartsupp, channel: Channel) -> (Redeliver, u64) {
    let st = s.settings();
    match channel {
        Channel::Hook => (
            Redeliver {
                max_retries: st.hook.max_retries,
                base: Duration::from_millis(st.hook.retry_delay_ms),
                factor: 1,
                only_200: false,
            },
            st.hook.timeout_ms,
        ),
        Channel::Webhook => (
            Redeliver {
                max_retries: st.webhooks.max_retries,
                base: Duration::from_millis(st.webhooks.retry_delay_ms),
                factor: st.webhooks.retry_factor,
                only_200: true,
            },
            st.webhooks.timeout_ms,
        ),
    }
}

/// Runs delivery `id` to its end and records how it went on the channel's
/// list: whether it was delivered, and each attempt.
async fn run_delivery(
    s: Arc<Smartsupp>,
    channel: Channel,
    id: String,
    request: Outgoing,
    policy: Redeliver,
    timeout_ms: u64,
) -> (bool, Vec<Value>) {
    let d = s
        .ctx()
        .sender
        .deliver(
            "smartsupp",
            &id,
            Duration::from_millis(timeout_ms),
            &policy,
            |_| request.clone(),
        )
        .await;
    let delivered = d.attempts.last().is_some_and(|o| policy.accepted(o));
    let attempts: Vec<Value> = d
        .attempts
        .iter()
        .enumerate()
        .map(|(n, o)| attempt_json(n, o))
        .collect();
    let mut store = s.store();
    let list = match channel {
        Channel::Hook => &mut store.hooks,
        Channel::Webhook => &mut store.webhooks,
    };
    if let Some(rec) = list.iter_mut().find(|r| r.delivery == id) {
        rec.status = if delivered { "delivered" } else { "failed" };
        rec.attempts.clone_from(&attempts);
    }
    (delivered, attempts)
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

/// The delivery of one event about `chat`: its record, request and body. A
/// conversation the REST API knows is described as the API shows it now.
fn event_delivery(
    s: &Smartsupp,
    event: String,
    chat: &HookPayload,
    patch: Option<&Value>,
    url: String,
) -> (DeliveryRecord, Outgoing, Value) {
    let mut data = {
        let store = s.store();
        match store.rest.convs.get(&chat.channel.id) {
            Some(conv) => webhook::event_data_with(
                &event,
                chat,
                convo::conversation(chat, conv),
                &webhook::iso_ms,
            ),
            None => webhook::event_data(&event, chat, &webhook::iso_ms),
        }
    };
    if let Some(p) = patch {
        webhook::merge(&mut data, p);
    }
    let st = s.settings();
    let envelope = EventCallback {
        kind: "event_callback".to_owned(),
        event: event.clone(),
        timestamp: iso_millis(s.now()),
        account_id: st.account_id.to_string(),
        app_id: st.webhooks.app_id.clone(),
        data,
    };
    let request = webhook::webhook_request(
        &url,
        &envelope,
        &st.webhooks.client_secret,
        &st.webhooks.user_agent,
    );
    let record = DeliveryRecord {
        delivery: s.store().delivery_id(),
        event,
        chat_id: Some(json!(chat.channel.id)),
        url,
        status: "in_progress",
        attempts: Vec::new(),
    };
    let sent = serde_json::to_value(&envelope).unwrap_or(Value::Null);
    (record, request, sent)
}

/// What a change made through the REST API sends by itself: the event about the
/// chat to the webhook URL (when one is set and the event subscribed), and, for a
/// chat that ended, its export to the hook URL (when one is set). Not awaited.
pub(crate) async fn emit(s: Arc<Smartsupp>, chat_id: u64, event: &str, patch: Option<Value>) {
    let Some(chat) = s.store().chat(chat_id).cloned() else {
        return;
    };
    let (hook_url, webhook_url, subscribed) = {
        let st = s.settings();
        let events = &st.webhooks.events;
        (
            st.hook.url.clone(),
            st.webhooks.url.clone(),
            events.is_empty() || events.iter().any(|e| e == event),
        )
    };
    if event == "conversation.closed" && !hook_url.is_empty() {
        let request = webhook::hook_request(&hook_url, &chat, &s.settings().hook.user_agent);
        let record = DeliveryRecord {
            delivery: s.store().delivery_id(),
            event: "hook".to_owned(),
            chat_id: Some(json!(chat.channel.id)),
            url: hook_url,
            status: "in_progress",
            attempts: Vec::new(),
        };
        let sent = serde_json::to_value(&chat).unwrap_or(Value::Null);
        let _ = dispatch(s.clone(), Channel::Hook, record, request, false, sent).await;
    }
    if !webhook_url.is_empty() && subscribed {
        let (record, request, sent) =
            event_delivery(&s, event.to_owned(), &chat, patch.as_ref(), webhook_url);
        let _ = dispatch(s, Channel::Webhook, record, request, false, sent).await;
    }
}
