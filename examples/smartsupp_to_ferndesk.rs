//! An integrator's service, as a scenario would test it: it receives Smartsupp's
//! conversation exports and webhooks, and serves the conversations to Ferndesk as
//! a custom support endpoint.
//!
//! - `GET /health` answers 200 `ok` (a readiness probe).
//! - `POST /hooks/smartsupp` takes Smartsupp's POST hook (the conversation export
//!   of a finished chat, a missed chat or an offline message) and keeps the chat as
//!   a Ferndesk conversation: id `smartsupp-<chat id>`, visitor messages as role
//!   `user`, agent and trigger messages as `agent`, system messages left out,
//!   epoch milliseconds as ISO-8601. It answers `{"stored": "<id>"}`, or 400 for a
//!   body it cannot read.
//! - `POST /hooks/smartsupp/events` takes Smartsupp's REST webhooks: it checks
//!   `X-Smartsupp-Hmac` (hex HMAC-SHA256 of the raw body with the client secret)
//!   and answers 200 `OK`, or 403 `Invalid request hmac signature` as Smartsupp's
//!   own example receiver does. Events are counted per name on `GET /events`.
//! - `GET /support-endpoint.json[?startDate=YYYY-MM-DD]`: the Ferndesk document
//!   `{"conversations": [...]}`, only conversations whose last message is on or
//!   after `startDate`.
//! - `GET /naive-endpoint.json`: the same conversations as a first attempt might
//!   write them, with the mistakes `fakedesk check-endpoint` is there to catch:
//!   numeric ids, epoch-millisecond times, Smartsupp's message types as roles, no
//!   `lastMessageAt`, the system messages kept.
//!
//! Configuration, from the environment: `PORT` (it listens on 127.0.0.1:PORT;
//! required) and `SMARTSUPP_CLIENT_SECRET` (or `FAKEDESK_SMARTSUPP_CLIENT_SECRET`,
//! as `fakedesk serve --env-file` writes it). It prints one line once it listens
//! and stops cleanly on SIGTERM or Ctrl-C.

mod support;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

struct App {
    secret: String,
    /// Smartsupp exports as received, oldest first.
    chats: Mutex<Vec<Value>>,
    /// Webhook events received, per name.
    events: Mutex<BTreeMap<String, u64>>,
}

fn iso(ms: i64) -> String {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_default()
}

/// A Smartsupp export as a Ferndesk conversation.
fn conversation(chat: &Value) -> Option<Value> {
    let id = chat["channel"]["id"].as_u64()?;
    let messages: Vec<Value> = chat["messages"]
        .as_array()?
        .iter()
        .enumerate()
        .filter_map(|(i, m)| {
            let role = match m["type"].as_str()? {
                "visitor" => "user",
                "agent" => "agent",
                _ => return None,
            };
            Some(json!({
                "id": format!("smartsupp-{id}-{i}"),
                "role": role,
                "content": m["content"].as_str().unwrap_or_default(),
                "createdAt": iso(m["sentAt"].as_i64()?),
            }))
        })
        .collect();
    let last = chat["messages"]
        .as_array()?
        .iter()
        .filter(|m| m["type"] != "system")
        .filter_map(|m| m["sentAt"].as_i64())
        .max()?;
    Some(json!({
        "id": format!("smartsupp-{id}"),
        "url": format!("https://app.smartsupp.com/app/conversations/{id}"),
        "lastMessageAt": iso(last),
        "messages": messages,
    }))
}

/// The same chat, converted naively.
fn naive(chat: &Value) -> Value {
    json!({
        "id": chat["channel"]["id"],
        "messages": chat["messages"].as_array().map(|ms| ms.iter().enumerate().map(|(i, m)| json!({
            "id": i.to_string(),
            "role": m["type"],
            "content": m["content"],
            "createdAt": m["sentAt"],
        })).collect::<Vec<_>>()),
    })
}

fn start_date(query: Option<&str>) -> Result<Option<OffsetDateTime>, String> {
    let Some(value) = form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .find(|(k, _)| k == "startDate")
        .map(|(_, v)| v.into_owned())
    else {
        return Ok(None);
    };
    OffsetDateTime::parse(&format!("{value}T00:00:00Z"), &Rfc3339)
        .map(Some)
        .map_err(|_| format!("startDate `{value}` is not a date such as 2025-01-01"))
}

async fn smartsupp_hook(State(app): State<Arc<App>>, body: Bytes) -> Response {
    let chat: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => {
            return (
                StatusCode::BAD_REQUEST,
                Json(json!({"error": format!("not JSON: {e}")})),
            )
                .into_response();
        }
    };
    let Some(conv) = conversation(&chat) else {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "not a Smartsupp conversation export"})),
        )
            .into_response();
    };
    app.chats
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(chat);
    Json(json!({"stored": conv["id"]})).into_response()
}

async fn smartsupp_events(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let given = headers
        .get("x-smartsupp-hmac")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let Ok(mut mac) = <Hmac<sha2::Sha256> as KeyInit>::new_from_slice(app.secret.as_bytes()) else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    mac.update(&body);
    let expected: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    if !given.eq_ignore_ascii_case(&expected) {
        eprintln!("webhook refused: bad X-Smartsupp-Hmac");
        return (StatusCode::FORBIDDEN, "Invalid request hmac signature").into_response();
    }
    let event = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v["event"].as_str().map(str::to_owned))
        .unwrap_or_else(|| "unknown".to_owned());
    *app.events
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .entry(event)
        .or_default() += 1;
    "OK".into_response()
}

async fn support_endpoint(State(app): State<Arc<App>>, RawQuery(q): RawQuery) -> Response {
    let since = match start_date(q.as_deref()) {
        Ok(s) => s,
        Err(e) => return (StatusCode::BAD_REQUEST, Json(json!({"error": e}))).into_response(),
    };
    let chats = app.chats.lock().unwrap_or_else(PoisonError::into_inner);
    let conversations: Vec<Value> = chats
        .iter()
        .filter_map(conversation)
        .filter(|c| {
            let last = c["lastMessageAt"]
                .as_str()
                .and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok());
            match (since, last) {
                (Some(s), Some(l)) => l >= s,
                _ => true,
            }
        })
        .collect();
    Json(json!({"conversations": conversations})).into_response()
}

async fn naive_endpoint(State(app): State<Arc<App>>) -> Response {
    let chats = app.chats.lock().unwrap_or_else(PoisonError::into_inner);
    let conversations: Vec<Value> = chats.iter().map(naive).collect();
    Json(json!({"conversations": conversations})).into_response()
}

async fn events(State(app): State<Arc<App>>) -> Response {
    Json(json!(
        *app.events.lock().unwrap_or_else(PoisonError::into_inner)
    ))
    .into_response()
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let var = |name: &str| {
        std::env::var(name)
            .or_else(|_| std::env::var(format!("FAKEDESK_{name}")))
            .ok()
    };
    let Some(port) = std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse::<u16>().ok())
    else {
        eprintln!("smartsupp_to_ferndesk: set PORT to the port to listen on");
        return std::process::ExitCode::from(2);
    };
    let Some(secret) = var("SMARTSUPP_CLIENT_SECRET") else {
        eprintln!("smartsupp_to_ferndesk: set SMARTSUPP_CLIENT_SECRET (the app's client secret)");
        return std::process::ExitCode::from(2);
    };
    let app = Arc::new(App {
        secret,
        chats: Mutex::new(Vec::new()),
        events: Mutex::new(BTreeMap::new()),
    });
    let router = Router::new()
        .route("/health", get(|| async { "ok" }))
        .route("/hooks/smartsupp", post(smartsupp_hook))
        .route("/hooks/smartsupp/events", post(smartsupp_events))
        .route("/events", get(events))
        .route("/support-endpoint.json", get(support_endpoint))
        .route("/naive-endpoint.json", get(naive_endpoint))
        .with_state(app);
    support::serve("smartsupp_to_ferndesk", port, router).await
}
