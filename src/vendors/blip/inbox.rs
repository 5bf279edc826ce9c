//! The inboxes `lime-transport-http` polls (REFERENCE extensions 3):
//! `GET /messages/inbox` and `GET /notifications/inbox` answer the JSON array of
//! envelopes for the bot not yet read, and mark them read unless
//! `keepStored=true`. Messages are what the Desk sent the bot (end-of-attendance
//! redirects); notifications, the failures of what the bot sent.

use std::sync::Arc;

use axum::Extension;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::account::{Blip, Caller};
use super::error::json_response;
use super::store::Store;

/// `keepStored=true` (what lime-transport-http 3.1.1 sends) or `keepStorage=true`
/// (an older reading of its routes).
fn keep_storage(q: Option<&str>) -> bool {
    form_urlencoded::parse(q.unwrap_or("").as_bytes()).any(|(k, v)| {
        (k.eq_ignore_ascii_case("keepStorage") || k.eq_ignore_ascii_case("keepStored"))
            && v.eq_ignore_ascii_case("true")
    })
}

/// The bot's messages: what the Desk sent it.
pub fn messages_for(store: &Store, bot: &str) -> Vec<Value> {
    store
        .bot_inbox
        .iter()
        .filter(|m| m["to"] == json!(bot))
        .cloned()
        .collect()
}

/// The bot's notifications.
pub fn notifications_for(store: &Store, bot: &str) -> Vec<Value> {
    store
        .book
        .bot_notifications
        .iter()
        .filter(|(o, _)| o == bot)
        .map(|(_, n)| n.clone())
        .collect()
}

fn poll(b: &Blip, bot: &str, query: Option<&str>, notifications: bool) -> Response {
    let mut store = b.store();
    let all = if notifications {
        notifications_for(&store, bot)
    } else {
        messages_for(&store, bot)
    };
    let read = store.book.inbox_read.entry(bot.to_owned()).or_default();
    let cursor = if notifications {
        &mut read.1
    } else {
        &mut read.0
    };
    // Vendor quirk: the envelopes go without `to` (the key says whose inbox it
    // is): blip-sdk over lime-transport-http compares a message's `to` with a
    // local node the HTTP transport never sets, and throws ([SDK] blip-sdk
    // 10.0.1 `_clientChannel.onMessage`).
    let unread: Vec<Value> = all
        .iter()
        .skip(*cursor)
        .map(|e| {
            let mut e = e.clone();
            if let Value::Object(o) = &mut e {
                o.remove("to");
            }
            e
        })
        .collect();
    if !keep_storage(query) {
        *cursor = all.len();
    }
    drop(store);
    if unread.is_empty() && b.settings().extensions.empty_inbox_404 {
        return StatusCode::NOT_FOUND.into_response();
    }
    json_response(StatusCode::OK, &Value::Array(unread))
}

/// `GET /messages/inbox`.
pub async fn messages(
    State(b): State<Arc<Blip>>,
    Extension(Caller(bot)): Extension<Caller>,
    RawQuery(q): RawQuery,
) -> Response {
    poll(&b, &bot.identity(), q.as_deref(), false)
}

/// `GET /notifications/inbox`.
pub async fn notifications(
    State(b): State<Arc<Blip>>,
    Extension(Caller(bot)): Extension<Caller>,
    RawQuery(q): RawQuery,
) -> Response {
    poll(&b, &bot.identity(), q.as_deref(), true)
}
