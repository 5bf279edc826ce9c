//! Fake Blip's HTTP API: the routes of `/commands`, `/messages`,
//! `/notifications` and the inboxes, the command endpoint's throughput limit and
//! deadline, and the handlers of messages and notifications.

use std::sync::Arc;

use axum::Extension;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::account::{Blip, Caller};
use super::attendance::{Push, channel_on, customer_says, spawn_all};
use super::book::log;
use super::command;
use super::error::{BlipError, Envelope, json_response};
use super::store::{Line, Store};
use super::wire::{self, DESK_DOMAIN, Message, Reason, SERVER_INSTANCE, reason};
use super::{broadcast, inbox, routes, schedules, threads, webhook};
use crate::clock::iso_millis;

type B = State<Arc<Blip>>;

/// The three endpoints of Blip's HTTP API (REFERENCE 6.1).
pub fn routes() -> Router<Arc<Blip>> {
    Router::new()
        .route("/commands", post(commands))
        .route("/messages", post(messages))
        .route("/notifications", post(notifications))
        .route("/messages/inbox", get(inbox::messages))
        .route("/notifications/inbox", get(inbox::notifications))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
}

async fn not_found() -> axum::response::Response {
    crate::fake::unmatched(BlipError::NotFound)
}

async fn method_not_allowed() -> axum::response::Response {
    crate::fake::unmatched(BlipError::MethodNotAllowed)
}

// ---- /commands -----------------------------------------------------------------

/// `POST /commands`: 200 with the command response, success or failure; 400 when
/// the body is not a command. Over the throughput limit, the configured status;
/// slower than the deadline, 504 (\[DOC\] getting-started-http.md). A command no
/// route serves is journaled as unmatched.
pub(super) async fn commands(
    State(b): B,
    Extension(Caller(bot)): Extension<Caller>,
    Envelope(body): Envelope,
) -> Result<Response, BlipError> {
    if let Some(r) = b.over_limit(&bot.identity(), "commands") {
        return Ok(r);
    }
    let cmd = command::parse_command(&body).map_err(|d| BlipError::malformed(Some(&body), d))?;
    schedules::fire_due(&b, b.now());
    let ran = routes::run(&b, &bot.identity(), &cmd);
    spawn_all(&b, ran.pushes);
    let server = match &cmd.to {
        Some(to) => format!("{}/{SERVER_INSTANCE}", to.identity()),
        None => format!("postmaster@{}/{SERVER_INSTANCE}", wire::BOT_DOMAIN),
    };
    let reply = command::command_response(&cmd, &server, &bot.identity(), &ran.outcome);
    let limits = &b.settings().limits;
    if limits.command_latency_ms > 0 {
        let wait = limits.command_latency_ms.min(limits.command_timeout_ms);
        tokio::time::sleep(std::time::Duration::from_millis(wait)).await;
        if limits.command_latency_ms >= limits.command_timeout_ms {
            return Ok(StatusCode::GATEWAY_TIMEOUT.into_response());
        }
    }
    let res = json_response(StatusCode::OK, &reply);
    Ok(if ran.routed {
        res
    } else {
        crate::fake::unmatched(res)
    })
}

// ---- /messages and /notifications --------------------------------------------

/// `POST /messages`: 202 once the envelope is valid. A message to
/// `{ticket}@desk.msging.net/Webhook` is an agent's answer and reaches the
/// customer; one to `{customer}@desk.msging.net` is the bot forwarding its
/// customer to the Desk; anything else goes to the customer's channel, and
/// joins the contact's thread. A destination that is none of these and no
/// contact of the bot is one the fake does not model: kept under `unmodeled` and
/// journaled as unmatched.
async fn messages(
    State(b): B,
    Extension(Caller(bot)): Extension<Caller>,
    Envelope(body): Envelope,
) -> Result<Response, BlipError> {
    let owner = bot.identity();
    if let Some(r) = b.over_limit(&owner, "messages") {
        return Ok(r);
    }
    let msg = wire::parse_message(&body).map_err(|d| BlipError::malformed(Some(&body), d))?;
    let now = iso_millis(b.now());
    let msg_id = msg.id.clone().unwrap_or_else(|| b.store().guid());
    if msg.to.domain == DESK_DOMAIN && !msg.to.name.is_empty() {
        let pushes = to_desk(&b, &owner, &msg, &msg_id, now);
        spawn_all(&b, pushes);
        return Ok(StatusCode::ACCEPTED.into_response());
    }
    let mut sent = Value::Object(body);
    sent["from"] = json!(owner);
    let mut store = b.store();
    let known = to_contacts(&mut store, &owner, &msg, &msg_id, &now);
    if !known {
        let note = json!({"bot": owner, "to": msg.to.to_string(), "date": now, "envelope": sent,
            "note": "the destination is not a contact of the bot nor a Desk node: the fake does not model it"});
        log(&mut store.book.unmodeled, note);
    }
    store.sent.push(sent);
    drop(store);
    let accepted = StatusCode::ACCEPTED.into_response();
    Ok(if known {
        accepted
    } else {
        crate::fake::unmatched(accepted)
    })
}

/// A message the bot sends a contact, or a distribution list's recipients:
/// each one's thread gets it. False when the destination is neither.
fn to_contacts(store: &mut Store, owner: &str, msg: &Message, msg_id: &str, now: &str) -> bool {
    let peer = msg.to.identity();
    let recipients = if msg
        .to
        .domain
        .eq_ignore_ascii_case(broadcast::BROADCAST_DOMAIN)
    {
        store.book.lists.get(owner, &peer).cloned()
    } else if store.book.crm.knows(owner, &peer) {
        Some(vec![peer])
    } else {
        None
    };
    let Some(recipients) = recipients else {
        return false;
    };
    for r in recipients {
        let Some(node) = wire::Node::parse(&r) else {
            continue;
        };
        let line = threads::bot_line(msg_id, &node, &msg.type_, &msg.content, now);
        log(&mut store.book.bot_sent, (owner.to_owned(), r, line));
    }
    true
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
        if !webhook_instance {
            let mut for_bot = note.clone();
            for_bot["to"] = json!(owner);
            log(
                &mut b.store().book.bot_notifications,
                (owner.to_owned(), for_bot),
            );
        }
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
    if let Some(r) = b.over_limit(&bot.identity(), "notifications") {
        return Ok(r);
    }
    wire::parse_notification(&body).map_err(|d| BlipError::malformed(Some(&body), d))?;
    let mut note = Value::Object(body);
    note["from"] = json!(bot.identity());
    b.store().notifications.push(note);
    Ok(StatusCode::ACCEPTED.into_response())
}

// ---- control endpoints -------------------------------------------------------
