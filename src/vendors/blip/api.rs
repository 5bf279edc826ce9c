//! Fake Blip's HTTP API: the routes of `/commands`, `/messages` and
//! `/notifications`, and the handlers of the last two.

use std::sync::Arc;

use axum::Extension;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};

use super::account::{Blip, Caller};
use super::attendance::{Push, channel_on, customer_says, spawn_all};
use super::error::{BlipError, Envelope};
use super::store::Line;
use super::tickets::commands;
use super::webhook;
use super::wire::{self, DESK_DOMAIN, Message, Reason, reason};
use crate::clock::iso_millis;

type B = State<Arc<Blip>>;

/// The three endpoints of Blip's HTTP API (REFERENCE 6.1).
pub fn routes() -> Router<Arc<Blip>> {
    Router::new()
        .route("/commands", post(commands))
        .route("/messages", post(messages))
        .route("/notifications", post(notifications))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
}

async fn not_found() -> axum::response::Response {
    crate::fake::unmatched(BlipError::NotFound)
}

async fn method_not_allowed() -> axum::response::Response {
    crate::fake::unmatched(BlipError::MethodNotAllowed)
}

// ---- /messages and /notifications --------------------------------------------

/// `POST /messages`: 202 once the envelope is valid. A message to
/// `{ticket}@desk.msging.net/Webhook` is an agent's answer and reaches the
/// customer; one to `{customer}@desk.msging.net` is the bot forwarding its
/// customer to the Desk; anything else goes to the customer's channel.
async fn messages(
    State(b): B,
    Extension(Caller(bot)): Extension<Caller>,
    Envelope(body): Envelope,
) -> Result<Response, BlipError> {
    let msg = wire::parse_message(&body).map_err(|d| BlipError::malformed(Some(&body), d))?;
    let owner = bot.identity();
    let now = iso_millis(b.now());
    let msg_id = msg.id.clone().unwrap_or_else(|| b.store().guid());
    let pushes = if msg.to.domain == DESK_DOMAIN && !msg.to.name.is_empty() {
        to_desk(&b, &owner, &msg, &msg_id, now)
    } else {
        let mut sent = Value::Object(body);
        sent["from"] = json!(owner);
        b.store().sent.push(sent);
        Vec::new()
    };
    spawn_all(&b, pushes);
    Ok(StatusCode::ACCEPTED.into_response())
}

/// A message to the Desk, either an agent's answer on a ticket or the bot
/// forwarding its customer. A message that reaches no one leaves a failure
/// notification, pushed to the channel when it was an agent's answer and the
/// settings ask for failures. Returns what to push.
fn to_desk(b: &Blip, owner: &str, msg: &Message, msg_id: &str, now: String) -> Vec<Push> {
    let mut pushes = Vec::new();
    let webhook_instance = msg
        .to
        .instance
        .as_deref()
        .is_some_and(|i| i.eq_ignore_ascii_case(wire::WEBHOOK_INSTANCE));
    let failure = if webhook_instance {
        agent_answer(b, owner, msg, msg_id, now)
    } else {
        bot_forward(b, owner, msg, msg_id, &mut pushes)
    };
    if let Some((name, r)) = failure {
        let node = msg.to.to_string();
        let note = webhook::failure_notification(&node, msg_id, &r);
        b.store().failed.push(note.clone());
        let s = &b.settings().attendance;
        if webhook_instance && channel_on(b) && s.failure_notifications {
            pushes.push(Push {
                kind: "notification",
                ticket: name,
                envelope: note,
            });
        }
    }
    pushes
}

fn destination_not_found() -> Reason {
    Reason::new(
        reason::ROUTING_DESTINATION_NOT_FOUND,
        "Destination not found",
    )
}

/// An agent's answer to `{ticket}@desk.msging.net/Webhook`: a line of the
/// ticket's transcript when the bot owns the ticket. Returns the ticket and the
/// reason when it does not reach it.
fn agent_answer(
    b: &Blip,
    owner: &str,
    msg: &Message,
    msg_id: &str,
    now: String,
) -> Option<(String, Reason)> {
    let ticket = msg.to.name.clone();
    let owned = b
        .store()
        .by_id(&ticket)
        .is_some_and(|t| t.ticket.owner_identity == owner);
    let line = Line {
        id: msg_id.to_owned(),
        direction: "sent",
        type_: msg.type_.clone(),
        content: msg.content.clone(),
        date: now,
        forwarded: None,
    };
    let result = if owned {
        b.store().agent_line(&ticket, line, b.reasons())
    } else {
        Err(destination_not_found())
    };
    result.err().map(|r| (ticket, r))
}

/// The bot forwarding its customer to `{customer}@desk.msging.net`: the customer
/// speaks on their active ticket. Returns the name and the reason when there is
/// none.
fn bot_forward(
    b: &Blip,
    owner: &str,
    msg: &Message,
    msg_id: &str,
    pushes: &mut Vec<Push>,
) -> Option<(String, Reason)> {
    let customer = wire::percent_decode(&msg.to.name);
    let active = b
        .store()
        .active_for(owner, &customer)
        .map(|t| t.ticket.id.clone());
    match active {
        Some(ticket) => {
            pushes.extend(customer_says(b, &ticket, msg_id, &msg.type_, &msg.content).1);
            None
        }
        None => Some((msg.to.name.clone(), destination_not_found())),
    }
}

/// `POST /notifications`: 202 once the envelope is valid; kept in the state.
async fn notifications(
    State(b): B,
    Extension(Caller(bot)): Extension<Caller>,
    Envelope(body): Envelope,
) -> Result<Response, BlipError> {
    wire::parse_notification(&body).map_err(|d| BlipError::malformed(Some(&body), d))?;
    let mut note = Value::Object(body);
    note["from"] = json!(bot.identity());
    b.store().notifications.push(note);
    Ok(StatusCode::ACCEPTED.into_response())
}

// ---- control endpoints -------------------------------------------------------
